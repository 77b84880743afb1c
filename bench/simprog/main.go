// Command simprog allocates a fixed trace and reports how fast the real runtime did it
// (benchmark 3, bench/simulator.ts). The trace is text, one op per line:
//
//	BYTES scan|noscan COUNT keep|drop
//
// Each op allocates COUNT objects of BYTES bytes, each a separate mallocgc call with exactly
// BYTES as its size argument: make([]byte, BYTES) for noscan, make([]unsafe.Pointer, BYTES/8)
// for scan (the trace generator only makes pointerful sizes that are multiples of 8). Kept
// objects stay reachable until the end; dropped ones are garbage as soon as the next one is
// made. Only the allocation loop is timed; the retention slices are allocated before it.
//
// Output: one JSON line with the allocations, the wall time, and the runtime's own count of
// mallocs over the loop (MemStats.Mallocs delta), which must be at least the trace's count.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

type op struct {
	bytes int
	scan  bool
	count int
	keep  bool
}

var (
	sinkBytes []byte
	sinkPtrs  []unsafe.Pointer
)

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
	var keptBytes, keptPtrs, total int
	for _, o := range ops {
		total += o.count
		if o.keep && o.scan {
			keptPtrs += o.count
		} else if o.keep {
			keptBytes += o.count
		}
	}
	keepB := make([][]byte, 0, keptBytes)
	keepP := make([][]unsafe.Pointer, 0, keptPtrs)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for _, o := range ops {
		if o.scan {
			n := o.bytes / 8
			for i := 0; i < o.count; i++ {
				p := make([]unsafe.Pointer, n)
				if o.keep {
					keepP = append(keepP, p)
				} else {
					sinkPtrs = p
				}
			}
		} else {
			for i := 0; i < o.count; i++ {
				b := make([]byte, o.bytes)
				if o.keep {
					keepB = append(keepB, b)
				} else {
					sinkBytes = b
				}
			}
		}
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	out, _ := json.Marshal(map[string]any{
		"allocs":    total,
		"seconds":   elapsed.Seconds(),
		"mallocs":   after.Mallocs - before.Mallocs,
		"numGC":     after.NumGC - before.NumGC,
		"heapInuse": after.HeapInuse,
		"kept":      len(keepB) + len(keepP),
		"go":        runtime.Version(),
		"procs":     runtime.GOMAXPROCS(0),
	})
	fmt.Println(string(out))
}

func readTrace(path string) ([]op, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ops []op
	sc := bufio.NewScanner(f)
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
		n, err2 := strconv.Atoi(fs[2])
		scan := fs[1] == "scan"
		if err1 != nil || err2 != nil || b < 0 || n < 1 || (!scan && fs[1] != "noscan") || (fs[3] != "keep" && fs[3] != "drop") || (scan && b%8 != 0) {
			return nil, fmt.Errorf("%s:%d: bad op %q", path, line, sc.Text())
		}
		ops = append(ops, op{bytes: b, scan: scan, count: n, keep: fs[3] == "keep"})
	}
	return ops, sc.Err()
}
