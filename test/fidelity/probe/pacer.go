package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"unsafe"
)

// The pacer probe: one allocation trace per process, so that the pacer starts from the
// same state each time. The trace comes on stdin in the bench's format (bench/simprog),
//
//	BYTES scan|noscan COUNT keep|drop
//
// and each op makes COUNT objects with one mallocgc of exactly BYTES each
// (make([]byte, BYTES) or make([]unsafe.Pointer, BYTES/ptrSize)). Kept objects go into one
// retention array made before the loop; dropped ones are garbage once the next is made.
// Before the loop the probe holds exactly two objects of its own, the ops array (pacerOpBytes
// per op, noscan) and the retention array (ptrSize per kept object, scan), and runs
// runtime.GC(); the simulator replays the same two objects and the same GC. The per-cycle
// figures come from GODEBUG=gctrace=1,gcpacertrace=1 on stderr, parsed by the test.

type pacerOp struct {
	bytes int32
	count int32
	scan  bool
	keep  bool
}

const pacerOpBytes = int(unsafe.Sizeof(pacerOp{}))

type pacerResult struct {
	Ops          int    `json:"ops"`
	OpBytes      int    `json:"opBytes"`
	Kept         int    `json:"kept"`
	PtrSize      int    `json:"ptrSize"`
	Allocs       int    `json:"allocs"`
	BaseLive     uint64 `json:"baseLive"`
	Globals      uint64 `json:"globals"`
	Stack        uint64 `json:"stack"`
	CyclesBefore uint64 `json:"cyclesBefore"`
	CyclesAfter  uint64 `json:"cyclesAfter"`
	Go           string `json:"go"`
}

func runPacer(enc *json.Encoder) {
	var tmp []pacerOp
	eachLine(func(line []byte) {
		f := strings.Fields(string(line))
		if len(f) != 4 {
			must(fmt.Errorf("pacer: want BYTES scan|noscan COUNT keep|drop, got %q", line))
		}
		b, err1 := strconv.Atoi(f[0])
		n, err2 := strconv.Atoi(f[2])
		scan := f[1] == "scan"
		if err1 != nil || err2 != nil || b < 1 || n < 1 || (!scan && f[1] != "noscan") || (f[3] != "keep" && f[3] != "drop") || (scan && b%ptrSize != 0) {
			must(fmt.Errorf("pacer: bad op %q", line))
		}
		tmp = append(tmp, pacerOp{bytes: int32(b), count: int32(n), scan: scan, keep: f[3] == "keep"})
	})
	ops := make([]pacerOp, len(tmp))
	copy(ops, tmp)
	tmp = nil
	kept, allocs := 0, 0
	for _, o := range ops {
		allocs += int(o.count)
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
	runtime.GC()
	metrics.Read(samples)
	res := pacerResult{
		Ops: len(ops), OpBytes: pacerOpBytes, Kept: kept, PtrSize: ptrSize, Allocs: allocs,
		BaseLive: samples[0].Value.Uint64(), Globals: samples[1].Value.Uint64(), Stack: samples[2].Value.Uint64(),
		CyclesBefore: samples[3].Value.Uint64(), Go: runtime.Version(),
	}
	ki := 0
	for _, o := range ops {
		if o.scan {
			for i := int32(0); i < o.count; i++ {
				p := make([]unsafe.Pointer, int(o.bytes)/ptrSize)
				if o.keep {
					keep[ki] = unsafe.Pointer(&p[0])
					ki++
				}
			}
		} else {
			for i := int32(0); i < o.count; i++ {
				b := make([]byte, o.bytes)
				if o.keep {
					keep[ki] = unsafe.Pointer(&b[0])
					ki++
				}
			}
		}
	}
	metrics.Read(samples)
	res.CyclesAfter = samples[3].Value.Uint64()
	runtime.KeepAlive(keep)
	runtime.KeepAlive(ops)
	must(enc.Encode(res))
}
