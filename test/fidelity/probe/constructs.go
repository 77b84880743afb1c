package main

// Each construct function performs one Go construct k times, storing the result in a
// package-level variable so it escapes. The suite (test/fidelity/constructs.test.ts)
// holds the matching ConstructSpec for every function name below; the heap profile
// attributes each allocation to the innermost main.* frame, i.e. to the function.

import (
	"encoding/json"
	"runtime"
	"strings"
)

const k = 64

type s24 struct{ a, b, c int64 }

type s32p struct {
	a, b, c int64
	p       *int
}

type pairP struct {
	p *int
	n int64
}

var (
	gAny   any
	gP32   *s32p
	gB100  *[100]byte
	gP128  *[128]*int
	gZero  *struct{}
	gI64s  []int64
	gPtrs  []*int
	gS24s  []s24
	gBytes []byte
	gRunes []rune
	gStr   string
	gFn    func() int
	gFnS   func() string
	gMapI  map[int64]int64
	gMapS  map[string]int
	gChI   chan int64
	gChP   chan *int
	gCh0   chan int

	baseI64  = make([]int64, 5)
	baseS24  = make([]s24, 300)
	ptrs100  = make([]*int, 100)
	bytes100 = make([]byte, 100)
	b40      = make([]byte, 40)
	b10      = make([]byte, 10)
	b1       = make([]byte, 1)
	s10      = strings.Repeat("x", 10)
	s20      = strings.Repeat("y", 20)
	s30      = strings.Repeat("z", 30)
	s40      = strings.Repeat("w", 40)
	s100     = strings.Repeat("v", 100)
	intVar   = 1000
	hint100  = 100
	hint1000 = 1000
	n70      = 70
	n100     = 100
	n128     = 128
)

//go:noinline
func cNewStruct32() int {
	for i := 0; i < k; i++ {
		gP32 = &s32p{a: int64(i)}
	}
	return -1
}

//go:noinline
func cNewBytes100() int {
	for i := 0; i < k; i++ {
		gB100 = new([100]byte)
	}
	return -1
}

//go:noinline
func cNewPtrs128() int {
	for i := 0; i < k; i++ {
		gP128 = new([128]*int)
	}
	return -1
}

//go:noinline
func cNewZero() int {
	for i := 0; i < k; i++ {
		gZero = new(struct{})
	}
	return -1
}

//go:noinline
func cMakeI64Cap100() int {
	for i := 0; i < k; i++ {
		gI64s = make([]int64, n70, n100)
	}
	return cap(gI64s)
}

//go:noinline
func cMakePtrs128() int {
	for i := 0; i < k; i++ {
		gPtrs = make([]*int, n128)
	}
	return cap(gPtrs)
}

//go:noinline
func cAppendI64Cap5() int {
	for i := 0; i < k; i++ {
		gI64s = append(baseI64, 1)
	}
	return cap(gI64s)
}

//go:noinline
func cAppendPtrsNil100() int {
	for i := 0; i < k; i++ {
		gPtrs = append([]*int(nil), ptrs100...)
	}
	return cap(gPtrs)
}

//go:noinline
func cAppendS24Cap300() int {
	for i := 0; i < k; i++ {
		gS24s = append(baseS24, s24{})
	}
	return cap(gS24s)
}

//go:noinline
func cAppendBytesNil100() int {
	for i := 0; i < k; i++ {
		gBytes = append([]byte(nil), bytes100...)
	}
	return cap(gBytes)
}

//go:noinline
func cStringFromBytes40() int {
	for i := 0; i < k; i++ {
		gStr = string(b40)
	}
	return -1
}

//go:noinline
func cStringFromBytes10() int {
	for i := 0; i < k; i++ {
		gStr = string(b10)
	}
	return -1
}

//go:noinline
func cStringFromBytes1() int {
	for i := 0; i < k; i++ {
		gStr = string(b1)
	}
	return -1
}

//go:noinline
func cBytesFromString40() int {
	for i := 0; i < k; i++ {
		gBytes = []byte(s40)
	}
	return cap(gBytes)
}

//go:noinline
func cBytesFromString100() int {
	for i := 0; i < k; i++ {
		gBytes = []byte(s100)
	}
	return cap(gBytes)
}

//go:noinline
func cBytesFromConst12() int {
	for i := 0; i < k; i++ {
		gBytes = []byte("hello world!")
	}
	return cap(gBytes)
}

//go:noinline
func cBytesFromConst40() int {
	for i := 0; i < k; i++ {
		gBytes = []byte("0123456789012345678901234567890123456789")
	}
	return cap(gBytes)
}

//go:noinline
func cRunesFromString10() int {
	for i := 0; i < k; i++ {
		gRunes = []rune(s10)
	}
	return cap(gRunes)
}

//go:noinline
func cRunesFromString100() int {
	for i := 0; i < k; i++ {
		gRunes = []rune(s100)
	}
	return cap(gRunes)
}

//go:noinline
func cConcat20x30() int {
	for i := 0; i < k; i++ {
		gStr = s20 + s30
	}
	return -1
}

//go:noinline
func cConcat40x100x20() int {
	for i := 0; i < k; i++ {
		gStr = s40 + s100 + s20
	}
	return -1
}

//go:noinline
func cClosureTwoInts(x, y int) int {
	for i := 0; i < k; i++ {
		gFn = func() int { return x + y }
	}
	return -1
}

//go:noinline
func cClosurePtrInt(p *int, n int) int {
	for i := 0; i < k; i++ {
		gFn = func() int { return *p + n }
	}
	return -1
}

//go:noinline
func cClosureByRefString() int {
	for i := 0; i < k; i++ {
		s := s40
		gFnS = func() string { return s }
		s = s20
	}
	return -1
}

//go:noinline
func cConvUint64() int {
	for i := 0; i < k; i++ {
		gAny = uint64(intVar + i)
	}
	return -1
}

//go:noinline
func cConvUint64Small() int {
	for i := 0; i < k; i++ {
		gAny = uint64(i)
	}
	return -1
}

//go:noinline
func cConvString() int {
	for i := 0; i < k; i++ {
		gAny = s40
	}
	return -1
}

//go:noinline
func cConvSlice() int {
	for i := 0; i < k; i++ {
		gAny = b40
	}
	return -1
}

//go:noinline
func cConvStruct24() int {
	for i := 0; i < k; i++ {
		gAny = s24{int64(i), 2, 3}
	}
	return -1
}

//go:noinline
func cConvPtrPair() int {
	for i := 0; i < k; i++ {
		gAny = pairP{&intVar, int64(i)}
	}
	return -1
}

//go:noinline
func cMapSmall() int {
	for i := 0; i < k; i++ {
		gMapI = make(map[int64]int64)
	}
	return -1
}

//go:noinline
func cMapStringHint100() int {
	for i := 0; i < k; i++ {
		gMapS = make(map[string]int, hint100)
	}
	return -1
}

//go:noinline
func cMapIntHint1000() int {
	for i := 0; i < k; i++ {
		gMapI = make(map[int64]int64, hint1000)
	}
	return -1
}

//go:noinline
func cChanInt64x8() int {
	for i := 0; i < k; i++ {
		gChI = make(chan int64, 8)
	}
	return -1
}

//go:noinline
func cChanPtrx16() int {
	for i := 0; i < k; i++ {
		gChP = make(chan *int, 16)
	}
	return -1
}

//go:noinline
func cChanUnbuffered() int {
	for i := 0; i < k; i++ {
		gCh0 = make(chan int)
	}
	return -1
}

var gArr [20]int64

//go:noinline
func cClosureBigArray() int {
	for i := 0; i < k; i++ {
		a := gArr // 160 B > 128: captured by reference, so a moves to the heap
		gFn = func() int { return int(a[3]) }
	}
	return -1
}

//go:noinline
func cConvUint32() int {
	for i := 0; i < k; i++ {
		gAny = uint32(intVar + i)
	}
	return -1
}

//go:noinline
func cConvUint16Small() int {
	for i := 0; i < k; i++ {
		gAny = uint16(i)
	}
	return -1
}

// Non-escaping shapes: the result stays in the frame (only a length or a byte reaches
// gInt), so the compiler may use a stack buffer instead of the heap.
var (
	gInt int
	b20  = make([]byte, 20)
	s20b = strings.Repeat("u", 20)
	n24  = 24
	n64  = 64
)

//go:noinline
func cStringFromBytes20Local() int {
	for i := 0; i < k; i++ {
		s := string(b20)
		gInt += len(s) + int(s[i%20])
	}
	return -1
}

//go:noinline
func cBytesFromString20Local() int {
	c := 0
	for i := 0; i < k; i++ {
		b := []byte(s20b)
		b[0] = byte(i)
		gInt += int(b[i%20])
		c = cap(b)
	}
	return c
}

//go:noinline
func cConcat10x10Local() int {
	for i := 0; i < k; i++ {
		s := s10 + s10
		gInt += len(s) + int(s[i%20])
	}
	return -1
}

//go:noinline
func cMakeVar24Local() int {
	for i := 0; i < k; i++ {
		b := make([]byte, n24)
		b[i%24] = 1
		gInt += int(b[(i+1)%24])
	}
	return -1
}

//go:noinline
func cMakeVar64Local() int {
	for i := 0; i < k; i++ {
		b := make([]byte, n64)
		b[i%64] = 1
		gInt += int(b[(i+1)%64])
	}
	return -1
}

//go:noinline
func cMakeConst24Local() int {
	for i := 0; i < k; i++ {
		b := make([]byte, 24)
		b[i%24] = 1
		gInt += int(b[(i+1)%24])
	}
	return -1
}

// The stack store for a non-escaping append is used once per call of the function
// (go1.25+), so each append runs in its own call of a helper (helpers are not named c*,
// so the profile still charges the construct function).

//go:noinline
func appendLocal2(i int) int {
	var s []int64
	s = append(s, int64(i), 2)
	gInt += len(s) + int(s[1])
	return cap(s)
}

//go:noinline
func appendLocal5(i int) int {
	var s []int64
	s = append(s, int64(i), 2, 3, 4, 5)
	gInt += len(s) + int(s[1])
	return cap(s)
}

//go:noinline
func cAppendLocalI64x2() int {
	c := 0
	for i := 0; i < k; i++ {
		c = appendLocal2(i)
	}
	return c
}

//go:noinline
func cAppendLocalI64x5() int {
	c := 0
	for i := 0; i < k; i++ {
		c = appendLocal5(i)
	}
	return c
}

// Issue 13: map literals and inserts, channels of pointerful structs and string `+=`, none of which
// the compiler prints a -m line for (except the literal's header).

type s72p struct {
	p *int
	a [8]int64
}

var gChS72 chan s72p

//go:noinline
func cMapLiteral3() int {
	for i := 0; i < k; i++ {
		gMapS = map[string]int{"a": i, "b": 2, "c": 3}
	}
	return -1
}

//go:noinline
func cMapInsert8() int {
	for i := 0; i < k; i++ {
		m := make(map[int64]int64)
		for j := int64(0); j < 8; j++ {
			m[j] = j
		}
		gMapI = m
	}
	return -1
}

//go:noinline
func cChanS72x10() int {
	for i := 0; i < k; i++ {
		gChS72 = make(chan s72p, 10)
	}
	return -1
}

//go:noinline
func cConcatAssign20x30() int {
	for i := 0; i < k; i++ {
		gStr = s20
		gStr += s30
	}
	return -1
}

//go:noinline
func cConcatAssignLocal10x10() int {
	n := 0
	for i := 0; i < k; i++ {
		s := s10
		s += s10 // 20 B that never escapes: still on the heap (no stack buffer for a rewritten +=)
		n += len(s)
	}
	return n - n - 1
}

type constructResult struct {
	Fn string `json:"fn"`
	K  int    `json:"k"`
	// Bytes per object → objects, summed over the function's heap-profile records.
	Records map[int]int64 `json:"records"`
	// cap() of the constructed slice, when the construct builds one (else -1).
	Cap int `json:"cap"`
}

func runConstructs(enc *json.Encoder) {
	runtime.MemProfileRate = 1
	x := 7
	fns := []struct {
		name string
		f    func() int
	}{
		{"cNewStruct32", cNewStruct32}, {"cNewBytes100", cNewBytes100}, {"cNewPtrs128", cNewPtrs128}, {"cNewZero", cNewZero},
		{"cMakeI64Cap100", cMakeI64Cap100}, {"cMakePtrs128", cMakePtrs128},
		{"cAppendI64Cap5", cAppendI64Cap5}, {"cAppendPtrsNil100", cAppendPtrsNil100}, {"cAppendS24Cap300", cAppendS24Cap300},
		{"cAppendBytesNil100", cAppendBytesNil100},
		{"cStringFromBytes40", cStringFromBytes40}, {"cStringFromBytes10", cStringFromBytes10}, {"cStringFromBytes1", cStringFromBytes1},
		{"cBytesFromString40", cBytesFromString40}, {"cBytesFromString100", cBytesFromString100},
		{"cBytesFromConst12", cBytesFromConst12}, {"cBytesFromConst40", cBytesFromConst40},
		{"cRunesFromString10", cRunesFromString10}, {"cRunesFromString100", cRunesFromString100},
		{"cConcat20x30", cConcat20x30}, {"cConcat40x100x20", cConcat40x100x20},
		{"cClosureTwoInts", func() int { return cClosureTwoInts(x, 2) }},
		{"cClosurePtrInt", func() int { return cClosurePtrInt(&x, 2) }},
		{"cClosureByRefString", cClosureByRefString},
		{"cConvUint64", cConvUint64}, {"cConvUint64Small", cConvUint64Small}, {"cConvString", cConvString}, {"cConvSlice", cConvSlice},
		{"cConvStruct24", cConvStruct24}, {"cConvPtrPair", cConvPtrPair},
		{"cMapSmall", cMapSmall}, {"cMapStringHint100", cMapStringHint100}, {"cMapIntHint1000", cMapIntHint1000},
		{"cChanInt64x8", cChanInt64x8}, {"cChanPtrx16", cChanPtrx16}, {"cChanUnbuffered", cChanUnbuffered},
		{"cStringFromBytes20Local", cStringFromBytes20Local}, {"cBytesFromString20Local", cBytesFromString20Local},
		{"cConcat10x10Local", cConcat10x10Local}, {"cMakeVar24Local", cMakeVar24Local}, {"cMakeVar64Local", cMakeVar64Local},
		{"cMakeConst24Local", cMakeConst24Local},
		{"cAppendLocalI64x2", cAppendLocalI64x2}, {"cAppendLocalI64x5", cAppendLocalI64x5},
		{"cClosureBigArray", cClosureBigArray}, {"cConvUint32", cConvUint32}, {"cConvUint16Small", cConvUint16Small},
		{"cMapLiteral3", cMapLiteral3}, {"cMapInsert8", cMapInsert8}, {"cChanS72x10", cChanS72x10},
		{"cConcatAssign20x30", cConcatAssign20x30}, {"cConcatAssignLocal10x10", cConcatAssignLocal10x10},
	}
	caps := make([]int, len(fns))
	for i, fn := range fns {
		caps[i] = fn.f()
	}
	// The profile is as of the last completed GC and may lag a cycle (runtime.MemProfile doc).
	runtime.GC()
	runtime.GC()
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, true)
	for {
		recs = make([]runtime.MemProfileRecord, n+64)
		var ok bool
		if n, ok = runtime.MemProfile(recs, true); ok {
			recs = recs[:n]
			break
		}
	}
	byFn := map[string]map[int]int64{}
	for _, r := range recs {
		fn := innermostMain(r.Stack())
		if fn == "" || r.AllocObjects == 0 {
			continue
		}
		if byFn[fn] == nil {
			byFn[fn] = map[int]int64{}
		}
		byFn[fn][int(r.AllocBytes/r.AllocObjects)] += r.AllocObjects
	}
	for i, fn := range fns {
		rec := byFn["main."+fn.name]
		if rec == nil {
			rec = map[int]int64{}
		}
		must(enc.Encode(constructResult{Fn: fn.name, K: k, Records: rec, Cap: caps[i]}))
	}
}

// innermostMain names the first main.* frame of a profile stack ("" if none). Closures
// called from runConstructs are skipped so an allocation belongs to the construct function.
func innermostMain(stk []uintptr) string {
	frames := runtime.CallersFrames(stk)
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, "main.c") {
			return f.Function
		}
		if !more {
			return ""
		}
	}
}
