// Command simprog allocates a fixed trace and reports how fast the real runtime did it
// (benchmark 3, bench/simulator.ts). The trace is text, one op per line:
//
//	BYTES scan|noscan COUNT keep|drop
//
// Each op allocates COUNT objects of BYTES bytes, each a separate mallocgc call with exactly
// BYTES as its size argument: make([]byte, BYTES) for noscan, make([]unsafe.Pointer, BYTES/8)
// for scan (the trace generator only makes pointerful sizes that are multiples of 8). Kept
// objects stay reachable until the end; dropped ones are garbage as soon as the next one is
// made. Only the allocation loop is timed.
//
// What the program holds when the loop starts is part of what the GC paces against, so it is
// kept small and exact: the ops in one array of opBytes each (noscan) and one retention array
// of a pointer per kept object (scan), both allocated at their final size, then runtime.GC().
// The simulator (sim-child.ts) replays those two objects and that GC before the trace, and
// the rest of the live heap at that point (baseLive: the runtime's and the packages' own
// objects) as one kept object; globals and stacks (/gc/scan/*) go into its goal too. The
// fidelity suite's pacer probe (test/fidelity/probe/pacer.go) does the same.
//
// Output: one JSON line with the allocations, the wall time, the runtime's own count of mallocs
// over the loop (MemStats.Mallocs delta, which must be at least the trace's count), the GC
// cycles of the loop, and the figures above. Run it with GODEBUG=gctrace=1,gcpacertrace=1 for
// the per-cycle trigger and goal on stderr.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

type op struct {
	bytes int32
	count int32
	scan  bool
	keep  bool
}

const opBytes = int(unsafe.Sizeof(op{}))

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: simprog TRACE")
		os.Exit(2)
	}
	ops, err := readTrace(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "simprog:", err)
		os.Exit(2)
	}
	var kept, total int
	for _, o := range ops {
		total += int(o.count)
		if o.keep {
			kept += int(o.count)
		}
	}
	var keep []unsafe.Pointer
	if kept > 0 {
		keep = make([]unsafe.Pointer, kept)
	}
	samples := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/globals:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/cycles/total:gc-cycles"},
	}
	var before, after runtime.MemStats
	runtime.GC()
	metrics.Read(samples)
	baseLive, globals, stack, cycles0 := samples[0].Value.Uint64(), samples[1].Value.Uint64(), samples[2].Value.Uint64(), samples[3].Value.Uint64()
	runtime.ReadMemStats(&before)
	ki := 0
	start := time.Now()
	for _, o := range ops {
		if o.scan {
			n := int(o.bytes) / 8
			for i := int32(0); i < o.count; i++ {
				p := make([]unsafe.Pointer, n)
				if o.keep {
					keep[ki] = unsafe.Pointer(unsafe.SliceData(p))
					ki++
				}
			}
		} else {
			for i := int32(0); i < o.count; i++ {
				b := make([]byte, o.bytes)
				if o.keep {
					keep[ki] = unsafe.Pointer(unsafe.SliceData(b))
					ki++
				}
			}
		}
	}
	elapsed := time.Since(start)
	metrics.Read(samples)
	runtime.ReadMemStats(&after)
	out, _ := json.Marshal(map[string]any{
		"allocs":    total,
		"seconds":   elapsed.Seconds(),
		"mallocs":   after.Mallocs - before.Mallocs,
		"numGC":     samples[3].Value.Uint64() - cycles0,
		"heapInuse": after.HeapInuse,
		"kept":      kept,
		"ops":       len(ops),
		"opBytes":   opBytes,
		"ptrSize":   int(unsafe.Sizeof(uintptr(0))),
		"baseLive":  baseLive,
		"globals":   globals,
		"stack":     stack,
		"go":        runtime.Version(),
		"procs":     runtime.GOMAXPROCS(0),
	})
	runtime.KeepAlive(keep)
	fmt.Println(string(out))
}

// readTrace counts the lines first, so the ops array is allocated once at its final size.
func readTrace(path string) ([]op, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	n := strings.Count(string(data), "\n") + 1
	ops := make([]op, 0, n)
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	line := 0
	for sc.Scan() {
		line++
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 {
			continue
		}
		if len(fs) != 4 {
			return nil, fmt.Errorf("%s:%d: want 4 fields, got %q", path, line, sc.Text())
		}
		b, err1 := strconv.Atoi(fs[0])
		c, err2 := strconv.Atoi(fs[2])
		scan := fs[1] == "scan"
		if err1 != nil || err2 != nil || b < 1 || b > 1<<30 || c < 1 || c > 1<<30 || (!scan && fs[1] != "noscan") || (fs[3] != "keep" && fs[3] != "drop") || (scan && b%8 != 0) {
			return nil, fmt.Errorf("%s:%d: bad op %q", path, line, sc.Text())
		}
		ops = append(ops, op{bytes: int32(b), count: int32(c), scan: scan, keep: fs[3] == "keep"})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	// Exactly len(ops) ops in the array that stays: the simulator replays an object of that size.
	if len(ops) != cap(ops) {
		exact := make([]op, len(ops))
		copy(exact, ops)
		ops = exact
	}
	return ops, nil
}
