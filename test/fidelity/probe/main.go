// Command probe asks the real Go runtime where allocations land, for the fidelity
// suite (test/fidelity/*.test.ts), which compares every answer with the TypeScript
// model. It reports raw measurements only; all expectations live on the model side.
// Method: docs/runtime-facts.md §1 and §10 (runtime/metrics after runtime.GC(), HeapInuse
// steps, MemProfile per call site). Stdlib only; builds with go1.21 and later.
//
//	probe sizes       < {"size":N,"scan":bool,"k":K} lines  > one JSON result per line
//	probe spans       < {"size":N,"scan":bool,"n":N,"drop":D} lines
//	probe constructs  > one JSON line per construct function
//	probe dynamic     < {"op":"appendBytes","n":N,"k":K} lines (dynamic.go)
//	probe pacer       < one allocation trace (pacer.go); GC cycles on stderr (GODEBUG)
//
// Run it with GOMAXPROCS=1 (and GOGC=off for spans and constructs) so that one P's
// mcache serves every allocation and no background GC runs.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"runtime"
	"runtime/metrics"
	"sort"
	"unsafe"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe sizes|spans|constructs|dynamic|pacer")
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	warmUp()
	switch os.Args[1] {
	case "sizes":
		eachLine(func(line []byte) { must(enc.Encode(probeSize(line))) })
	case "spans":
		eachLine(func(line []byte) { must(enc.Encode(probeSpans(line))) })
	case "constructs":
		runConstructs(enc)
	case "dynamic":
		eachLine(func(line []byte) { must(enc.Encode(probeDynamic(line))) })
	case "pacer":
		runPacer(enc)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(2)
	}
}

// warmUp gets the runtime's one-time allocations out of the way before anything is
// measured: the first GC cycles start the background mark workers
// (gcBgMarkStartWorkers) and grow the timer heap ((*timers).addHeap), each allocating a
// 16 B object into the same mcache the probes measure (seen on go1.23 and go1.24).
func warmUp() {
	var keep [256]*[2]uint64
	for i := range keep {
		keep[i] = new([2]uint64)
	}
	for i := 0; i < 4; i++ {
		runtime.GC()
	}
	runtime.KeepAlive(&keep)
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func eachLine(f func([]byte)) {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if len(sc.Bytes()) > 0 {
			f(sc.Bytes())
		}
	}
	must(sc.Err())
}

const ptrSize = int(unsafe.Sizeof(uintptr(0)))

// typeOf builds a type of exactly size bytes at run time: [size]byte when scan is false,
// struct{P *int; B [size-ptrSize]byte} (size a multiple of ptrSize) when it is true.
func typeOf(size int, scan bool) reflect.Type {
	if !scan {
		return reflect.ArrayOf(size, reflect.TypeOf(byte(0)))
	}
	fields := []reflect.StructField{{Name: "P", Type: reflect.TypeOf((*int)(nil))}}
	if size > ptrSize {
		fields = append(fields, reflect.StructField{Name: "B", Type: reflect.ArrayOf(size-ptrSize, reflect.TypeOf(byte(0)))})
	}
	t := reflect.StructOf(fields)
	if int(t.Size()) != size {
		panic(fmt.Sprintf("built a %d-byte type for %d", t.Size(), size))
	}
	return t
}

// unsafeNew is reflect.New without reflect's own bookkeeping: exactly one
// mallocgc(t.Size, t, true). reflect.New looks the pointer type up in a sync.Map on every
// call, and on go1.21–1.23 that lookup sometimes allocates (sync.Map.missLocked), which
// would show up as a stray 16 B object in the measurement. The runtime marks
// reflect.unsafe_New as a permitted linkname target (runtime/malloc.go).
//
//go:linkname unsafeNew reflect.unsafe_New
func unsafeNew(t unsafe.Pointer) unsafe.Pointer

// rtypeOf returns the *abi.Type behind a reflect.Type (the interface's data word).
func rtypeOf(t reflect.Type) unsafe.Pointer { return (*[2]unsafe.Pointer)(unsafe.Pointer(&t))[1] }

// histogram readings, preallocated so reading does not allocate inside a measurement.
type reading struct {
	samples []metrics.Sample
	bySize  []uint64
	tiny    uint64
}

func newReading() *reading {
	r := &reading{samples: []metrics.Sample{{Name: "/gc/heap/allocs-by-size:bytes"}, {Name: "/gc/heap/tiny/allocs:objects"}}}
	metrics.Read(r.samples)
	r.bySize = make([]uint64, len(r.samples[0].Value.Float64Histogram().Counts))
	return r
}

func (r *reading) read() {
	metrics.Read(r.samples)
	copy(r.bySize, r.samples[0].Value.Float64Histogram().Counts)
	r.tiny = r.samples[1].Value.Uint64()
}

type sizeResult struct {
	Size int  `json:"size"`
	Scan bool `json:"scan"`
	K    int  `json:"k"`
	// Deltas of /gc/heap/allocs-by-size buckets that changed: bucket index → count.
	// Bucket i is size class i+1; the last bucket is every large object.
	Deltas map[int]uint64 `json:"deltas"`
	Tiny   uint64         `json:"tiny"`
	// Finite bucket boundaries (the last bucket, [32769, +Inf), is every large object).
	Buckets []float64 `json:"buckets"`
	// Largest addr % 8192 over the K objects, and the distinct (addr % 8192) % mod values,
	// where mod is the slot size of the bucket that grew most (16 for tiny).
	MaxOff int   `json:"maxOff"`
	Mod    int   `json:"mod"`
	OffMod []int `json:"offMod"`
}

var (
	sizeBefore, sizeAfter *reading
	sink                  []unsafe.Pointer
)

func probeSize(line []byte) sizeResult {
	var req struct {
		Size int  `json:"size"`
		Scan bool `json:"scan"`
		K    int  `json:"k"`
	}
	must(json.Unmarshal(line, &req))
	if sizeBefore == nil {
		sizeBefore, sizeAfter = newReading(), newReading()
	}
	before, after := sizeBefore, sizeAfter
	t := rtypeOf(typeOf(req.Size, req.Scan))
	sink = make([]unsafe.Pointer, req.K)
	runtime.GC()
	before.read()
	for i := range sink {
		sink[i] = unsafeNew(t)
	}
	runtime.GC()
	after.read()
	res := sizeResult{Size: req.Size, Scan: req.Scan, K: req.K, Deltas: map[int]uint64{}, Tiny: after.tiny - before.tiny}
	hist := after.samples[0].Value.Float64Histogram()
	for _, b := range hist.Buckets {
		if !math.IsInf(b, 0) { // JSON has no infinities; the large bucket is open-ended
			res.Buckets = append(res.Buckets, b)
		}
	}
	best, bestDelta := -1, uint64(0)
	for i := range after.bySize {
		if d := after.bySize[i] - before.bySize[i]; d != 0 {
			res.Deltas[i] = d
			if d > bestDelta {
				best, bestDelta = i, d
			}
		}
	}
	res.Mod = 8192
	if !req.Scan && req.Size < 16 {
		res.Mod = 16
	} else if best >= 0 && best < len(hist.Buckets)-2 {
		res.Mod = int(hist.Buckets[best+1]) - 1 // bucket [size(c-1)+1, size(c)+1)
	}
	mods := map[int]bool{}
	for _, p := range sink {
		off := int(uintptr(p) % 8192)
		if off > res.MaxOff {
			res.MaxOff = off
		}
		mods[off%res.Mod] = true
	}
	for m := range mods {
		res.OffMod = append(res.OffMod, m)
	}
	sort.Ints(res.OffMod)
	sink = nil
	return res
}

// inHeapBytes reads MemStats.HeapInuse without stopping the world or flushing mcaches:
// heap objects + heap unused = heapStats.inHeap, updated as spans are allocated and freed.
var heapSamples = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}

func inHeapBytes() int64 {
	metrics.Read(heapSamples)
	return int64(heapSamples[0].Value.Uint64() + heapSamples[1].Value.Uint64())
}

type step struct {
	Index int   `json:"index"` // allocation index (0 = the first object of the first fresh span)
	Bytes int64 `json:"bytes"` // HeapInuse change observed right after that allocation
}

type spansResult struct {
	Size int  `json:"size"`
	Scan bool `json:"scan"`
	N    int  `json:"n"`
	Drop int  `json:"drop"`
	// Objects allocated before the first fresh span (they filled pre-existing partial spans).
	Warmup int `json:"warmup"`
	// HeapInuse steps while allocating N objects, counted from the first fresh span; the
	// first entry is that span itself.
	Steps []step `json:"steps"`
	// HeapInuse(after N objects) - HeapInuse(just before the first fresh span).
	GrowBytes int64 `json:"growBytes"`
	// HeapInuse change across runtime.GC() after dropping the first Drop objects.
	GCBytes int64 `json:"gcBytes"`
}

func probeSpans(line []byte) spansResult {
	var req struct {
		Size int  `json:"size"`
		Scan bool `json:"scan"`
		N    int  `json:"n"`
		Drop int  `json:"drop"`
	}
	must(json.Unmarshal(line, &req))
	t := rtypeOf(typeOf(req.Size, req.Scan))
	const maxWarmup = 1 << 16
	warm := make([]unsafe.Pointer, maxWarmup)
	objs := make([]unsafe.Pointer, req.N)
	steps := make([]step, 0, req.N+1)
	inHeapBytes()
	// Twice: sync.Pool victims (e.g. encoding/json's buffers) die only at the second GC.
	runtime.GC()
	runtime.GC()
	res := spansResult{Size: req.Size, Scan: req.Scan, N: req.N, Drop: req.Drop}
	// Fill pre-existing partial spans of this span class until a fresh span is grown.
	prev := inHeapBytes()
	start := prev
	for {
		p := unsafeNew(t)
		h := inHeapBytes()
		if h != prev {
			objs[0] = p
			steps = append(steps, step{0, h - prev})
			prev = h
			break
		}
		if res.Warmup == maxWarmup {
			panic("no fresh span after 65536 allocations")
		}
		warm[res.Warmup] = p
		res.Warmup++
	}
	for i := 1; i < req.N; i++ {
		objs[i] = unsafeNew(t)
		if h := inHeapBytes(); h != prev {
			steps = append(steps, step{i, h - prev})
			prev = h
		}
	}
	res.Steps = steps
	res.GrowBytes = prev - start
	for i := 0; i < req.Drop; i++ {
		objs[i] = nil
	}
	before := inHeapBytes()
	runtime.GC()
	res.GCBytes = inHeapBytes() - before
	runtime.KeepAlive(warm)
	runtime.KeepAlive(objs)
	return res
}
