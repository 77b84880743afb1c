package main

// probe dynamic: the constructs whose size is only known at run time, at a given n, so the
// suite can check the model's "size class by n" rows (src/core/alloc/constructs.ts
// dynamicRows) against what the runtime allocates. Each line asks for one op at one n, k
// times; the answer is the /gc/heap/allocs-by-size and /gc/heap/tiny/allocs deltas over
// those k runs (every allocation, including the intermediate arrays of a growing slice)
// and cap() of the last result. With "tiny4", each run also allocates a 4-byte noscan
// object after the construct: it shares the construct's block when the construct was a
// tiny object with room left, which tells a 12 B tiny object from a 16 B small one (both
// are one 16 B object in allocs-by-size).
//
//	< {"op":"appendBytes","n":12,"k":32}
//	> {"op":"appendBytes","n":12,"k":32,"deltas":{"1":32},"tiny":0,"cap":16}

import (
	"encoding/json"
	"runtime"
	"strings"
)

const dynMaxN = 1 << 17

var (
	dynSrcBytes = make([]byte, dynMaxN)
	dynSrcPtrs  = make([]*int, dynMaxN)
	dynSrcStr   = strings.Repeat("a", dynMaxN)

	// Results are kept here (escaping, so every construct allocates on the heap).
	dynKeepB [][]byte
	dynKeepP [][]*int
	dynKeepR [][]rune
	dynKeepS []string
	dynKeepT []*[4]byte
	dynTiny4 bool

	dynBefore, dynAfter *reading
)

type dynamicResult struct {
	Op     string         `json:"op"`
	N      int            `json:"n"`
	K      int            `json:"k"`
	Tiny4  bool           `json:"tiny4,omitempty"`
	Deltas map[int]uint64 `json:"deltas"`
	Tiny   uint64         `json:"tiny"`
	Cap    int            `json:"cap"`
}

func probeDynamic(line []byte) dynamicResult {
	var req struct {
		Op    string `json:"op"`
		N     int    `json:"n"`
		K     int    `json:"k"`
		Tiny4 bool   `json:"tiny4"`
	}
	must(json.Unmarshal(line, &req))
	if req.N > dynMaxN {
		panic("n too large")
	}
	if dynBefore == nil {
		dynBefore, dynAfter = newReading(), newReading()
	}
	dynKeepB = make([][]byte, req.K)
	dynKeepP = make([][]*int, req.K)
	dynKeepR = make([][]rune, req.K)
	dynKeepS = make([]string, req.K)
	dynKeepT = make([]*[4]byte, req.K)
	dynTiny4 = req.Tiny4
	runtime.GC()
	dynBefore.read()
	c := dynRun(req.Op, req.N, req.K)
	runtime.GC()
	dynAfter.read()
	res := dynamicResult{Op: req.Op, N: req.N, K: req.K, Tiny4: req.Tiny4, Deltas: map[int]uint64{}, Tiny: dynAfter.tiny - dynBefore.tiny, Cap: c}
	for i := range dynAfter.bySize {
		if d := dynAfter.bySize[i] - dynBefore.bySize[i]; d != 0 {
			res.Deltas[i] = d
		}
	}
	dynKeepB, dynKeepP, dynKeepR, dynKeepS, dynKeepT = nil, nil, nil, nil, nil
	return res
}

// dynRun performs op k times at n and returns cap() of the last slice built (-1: none).
//
//go:noinline
func dynRun(op string, n, k int) int {
	c := -1
	switch op {
	case "none":
	case "appendBytes": // growslice from empty: nextslicecap(n, 0) = n
		for i := 0; i < k; i++ {
			dynKeepB[i] = append([]byte(nil), dynSrcBytes[:n]...)
			dynCompanion(i)
		}
	case "appendPtrs":
		for i := 0; i < k; i++ {
			dynKeepP[i] = append([]*int(nil), dynSrcPtrs[:n]...)
			dynCompanion(i)
		}
	case "growBytes":
		// One element at a time: every growth step of the doubling rule. The slice lives in
		// the heap array from the start: a local slice variable would let go1.25+ build the
		// first run in a stack buffer (growsliceBuf) and move it to the heap once at the end.
		for i := 0; i < k; i++ {
			for j := 0; j < n; j++ {
				dynKeepB[i] = append(dynKeepB[i], byte(j))
			}
			dynCompanion(i)
		}
	case "growPtrs":
		for i := 0; i < k; i++ {
			for j := 0; j < n; j++ {
				dynKeepP[i] = append(dynKeepP[i], nil)
			}
			dynCompanion(i)
		}
	case "makeBytes":
		for i := 0; i < k; i++ {
			dynKeepB[i] = make([]byte, n)
			dynCompanion(i)
		}
	case "makePtrs":
		for i := 0; i < k; i++ {
			dynKeepP[i] = make([]*int, n)
			dynCompanion(i)
		}
	case "bytesFromString":
		for i := 0; i < k; i++ {
			dynKeepB[i] = []byte(dynSrcStr[:n])
			dynCompanion(i)
		}
	case "runesFromString":
		for i := 0; i < k; i++ {
			dynKeepR[i] = []rune(dynSrcStr[:n])
			dynCompanion(i)
		}
	case "stringFromBytes":
		for i := 0; i < k; i++ {
			dynKeepS[i] = string(dynSrcBytes[:n])
			dynCompanion(i)
		}
	default:
		panic("unknown op " + op)
	}
	if k > 0 {
		switch op {
		case "appendBytes", "growBytes", "makeBytes", "bytesFromString":
			c = cap(dynKeepB[k-1])
		case "appendPtrs", "growPtrs", "makePtrs":
			c = cap(dynKeepP[k-1])
		case "runesFromString":
			c = cap(dynKeepR[k-1])
		}
	}
	return c
}

// dynCompanion allocates the 4-byte tiny object of a "tiny4" run.
//
//go:noinline
func dynCompanion(i int) {
	if dynTiny4 {
		dynKeepT[i] = new([4]byte)
	}
}
