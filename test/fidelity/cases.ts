// What the fidelity suite asks the runtime, and what the model says about each case.
// Inputs (sizes, counts) are plain numbers; expectations come only from src/core/alloc.
import {
  dynamicRequest,
  dynamicRows,
  nextslicecap,
  structLayout,
  type ConstructSpec,
  type DynamicAlloc,
  type TypeShape,
} from '../../src/core/alloc/constructs.ts';
import { classify, nelems, tinyAlign, tinyPerBlock } from '../../src/core/alloc/malloc.ts';
import { sizeClassToSize } from '../../src/core/alloc/sizeclasses.ts';
import type { AllocatorRules } from '../../src/core/alloc/versions.ts';

export interface SizeProbe {
  readonly size: number;
  readonly scan: boolean;
  readonly k: number;
}

/**
 * sweepSizes: the dense size sweep. Pointer-free: 1..64, every class size ±1, 32760..32770,
 * and large sizes up to 64 KiB. Pointerful (multiples of 8, the pointer alignment): 8..64,
 * every class size -16/-8/0/+8 (so both sides of each malloc-header boundary, size(C)-8),
 * 32752..32776 and large sizes; on 32-bit also the multiples of 4 around each class size.
 */
export function sweepSizes(ptrSize: 4 | 8 = 8): SizeProbe[] {
  const noscan = new Set<number>();
  const scan = new Set<number>();
  for (let s = 1; s <= 64; s++) noscan.add(s);
  for (let s = 8; s <= 64; s += 8) scan.add(s);
  for (const c of sizeClassToSize.slice(1)) {
    for (const d of [-1, 0, 1]) noscan.add(c + d);
    for (const d of [-16, -8, 0, 8]) if (c + d >= 8) scan.add(c + d);
  }
  // 32-bit: pointerful sizes need only 4-byte alignment; add the odd multiples of 4 too.
  if (ptrSize === 4) {
    for (let s = 4; s <= 64; s += 8) scan.add(s);
    for (const c of sizeClassToSize.slice(1)) for (const d of [-12, -4, 4]) if (c + d >= 4) scan.add(c + d);
  }
  for (let s = 32760; s <= 32770; s++) noscan.add(s);
  for (const s of [32752, 32760, 32768, 32776]) scan.add(s);
  for (const s of [40000, 40960, 40961, 49152, 57344, 65535, 65536]) noscan.add(s);
  for (const s of [40960, 40968, 65536]) scan.add(s);
  const probe = (size: number, isScan: boolean): SizeProbe => ({ size, scan: isScan, k: probeCount(size, isScan) });
  return [...[...noscan].sort((a, b) => a - b).map((s) => probe(s, false)), ...[...scan].sort((a, b) => a - b).map((s) => probe(s, true))];
}

/**
 * probeCount: enough objects that at least one fresh span is filled completely (so the
 * largest address offset shows objects per span), but little memory: tiny sizes fill
 * 1100 blocks (> two spans of 512), small sizes ≥ 3 pages' worth, large a few dozen.
 */
function probeCount(size: number, scan: boolean): number {
  if (!scan && size < 16) return 1100 * tinyPerBlock(size, 8);
  if (size <= 8192) return Math.max(256, 3 * Math.ceil(8192 / size));
  return size <= 32768 ? 96 : 24;
}

export interface SizeMeasurement {
  readonly size: number;
  readonly scan: boolean;
  readonly k: number;
  readonly deltas: Record<string, number>;
  readonly tiny: number;
  readonly buckets: number[];
  readonly maxOff: number;
  readonly mod: number;
  readonly offMod: number[];
}

/** The model's answer to one size probe, in the probe's terms. */
export interface SizeExpectation {
  readonly deltas: Record<string, number>;
  readonly tiny: number;
  /** Offsets checked only where a span is one page (span base = address rounded down to 8 KiB). */
  readonly maxOff?: number;
  readonly offMod?: number[];
  readonly mod?: number;
  readonly label: string;
}

/** tinyBucket: 16 B tiny blocks count as class 2 objects in /gc/heap/allocs-by-size. */
const tinyBucket = 1;

/** largeBucket is the index of /gc/heap/allocs-by-size's last bucket: every large object. */
export const largeBucket = 67;

export function expectSize(p: SizeProbe, rules: AllocatorRules): SizeExpectation {
  const pred = classify({ bytes: p.size, pointers: p.scan }, rules);
  if (pred.kind === 'tiny') {
    const perBlock = pred.tinyPerBlock!;
    const blocks = Math.ceil(p.k / perBlock);
    const stride = Math.ceil(p.size / tinyAlign(p.size, rules.ptrSize)) * tinyAlign(p.size, rules.ptrSize);
    const inner = Array.from({ length: perBlock }, (_, i) => i * stride);
    return {
      deltas: { [pred.sizeClass - 1]: blocks },
      tiny: p.k - blocks,
      mod: 16,
      offMod: inner,
      maxOff: (pred.objectsPerSpan - 1) * 16 + inner[inner.length - 1]!,
      label: `tiny ×${perBlock}/block`,
    };
  }
  if (pred.kind === 'large') {
    return { deltas: { [largeBucket]: p.k }, tiny: 0, mod: 8192, offMod: [0], maxOff: 0, label: `large ${pred.npages}p` };
  }
  const base = { deltas: { [pred.sizeClass - 1]: p.k }, tiny: 0, label: `c${pred.sizeClass}${pred.headerBytes ? '+h' : ''}` };
  if (pred.npages !== 1) return base;
  const n = nelems(pred.sizeClass, pred.noscan, rules);
  return { ...base, mod: pred.slotBytes, offMod: [pred.headerBytes], maxOff: (n - 1) * pred.slotBytes + pred.headerBytes };
}

/**
 * One span case: n objects from the first object of a fresh span, then the first `drop` of
 * them become garbage and runtime.GC() runs. The dropped objects are the oldest, so the span
 * the mcache holds (and the active tiny block, which gcMarkTinyAllocs keeps alive) stays live
 * either way, and so does anything the runtime itself allocates meanwhile.
 */
export interface SpanCase {
  readonly size: number;
  readonly scan: boolean;
  readonly n: number;
  readonly drop: number;
}

/** Span cases: 1-page scan/noscan classes around every reserve rule, multi-page classes, tiny, large. */
export function spanCases(rules: AllocatorRules): SpanCase[] {
  const shapes: [number, boolean][] = [
    [8, false],
    [8, true],
    [16, false],
    [16, true],
    [48, true],
    [64, false],
    [64, true],
    [512, false],
    [512, true],
    [1024, true],
    [1408, false],
    [3072, false],
    [9472, true],
    [32768, false],
    [40000, true],
    [3, false],
  ];
  const cases: SpanCase[] = shapes.map(([size, scan]) => {
    const perSpan = objectsPerSpan(size, scan, rules);
    return perSpan.large ? { size, scan, n: 10, drop: 7 } : { size, scan, n: 3 * perSpan.objects + 5, drop: 2 * perSpan.objects + 3 };
  });
  // Tiny objects filling exactly two spans, all dropped: the span of the active tiny block
  // survives the GC (runtime/mgcmark.go gcMarkTinyAllocs greys each P's mcache.tiny).
  const tiny = objectsPerSpan(3, false, rules).objects;
  cases.push({ size: 3, scan: false, n: 2 * tiny, drop: 2 * tiny });
  return cases;
}

/** objectsPerSpan: objects of this request that fill one span (tiny: blocks × objects per block). */
export function objectsPerSpan(size: number, scan: boolean, rules: AllocatorRules): { objects: number; pageBytes: number; large: boolean } {
  const p = classify({ bytes: size, pointers: scan }, rules);
  if (p.kind === 'large') return { objects: 1, pageBytes: p.npages * 8192, large: true };
  return { objects: p.objectsPerSpan * (p.tinyPerBlock ?? 1), pageBytes: p.npages * 8192, large: false };
}

export interface SpansMeasurement {
  readonly size: number;
  readonly scan: boolean;
  readonly n: number;
  readonly drop: number;
  readonly warmup: number;
  readonly steps: { index: number; bytes: number }[];
  readonly growBytes: number;
  readonly gcBytes: number;
}

/** The model's arithmetic for a span case starting at a fresh span: every span fills before the next grows. */
export function expectSpans(c: SpanCase, rules: AllocatorRules): Omit<SpansMeasurement, 'warmup' | 'size' | 'scan' | 'n' | 'drop'> {
  const { objects, pageBytes } = objectsPerSpan(c.size, c.scan, rules);
  const spans = Math.ceil(c.n / objects);
  let freed = Math.floor(c.drop / objects); // spans holding only dropped objects
  // gcMarkTinyAllocs (runtime/mgcmark.go) marks the mcache's current tiny block at GC start,
  // so the span holding the last block stays in use.
  if (classify({ bytes: c.size, pointers: c.scan }, rules).kind === 'tiny') freed = Math.min(freed, spans - 1);
  return {
    steps: Array.from({ length: spans }, (_, i) => ({ index: i * objects, bytes: pageBytes })),
    growBytes: spans * pageBytes,
    gcBytes: -freed * pageBytes,
  };
}

/**
 * Construct functions of probe/constructs.go and the spec of what each does, with the Go
 * types laid out for the target: int and pointers are ptrSize bytes, int64 is 4-aligned on
 * 32-bit targets.
 */
export function constructCases(ptrSize: 4 | 8): { fn: string; spec: ConstructSpec }[] {
  const p = ptrSize;
  const i64: TypeShape = { bytes: 8, align: Math.min(8, p), pointers: false };
  const int: TypeShape = { bytes: p, align: p, pointers: false };
  const ptr: TypeShape = { bytes: p, align: p, pointers: true };
  const str: TypeShape = { bytes: 2 * p, align: p, pointers: true };
  const slice: TypeShape = { bytes: 3 * p, align: p, pointers: true };
  const byte: TypeShape = { bytes: 1, align: 1, pointers: false };
  const s24: TypeShape = { bytes: 24, align: i64.align, pointers: false }; // struct{a, b, c int64}
  const layout = (...f: TypeShape[]): TypeShape => structLayout(f);
  return [
    { fn: 'cNewStruct32', spec: { kind: 'new', type: layout(i64, i64, i64, ptr) } },
    { fn: 'cNewBytes100', spec: { kind: 'new', type: { bytes: 100, align: 1, pointers: false } } },
    { fn: 'cNewPtrs128', spec: { kind: 'new', type: { bytes: 128 * p, align: p, pointers: true } } },
    { fn: 'cNewZero', spec: { kind: 'new', type: { bytes: 0, align: 1, pointers: false } } },
    { fn: 'cMakeI64Cap100', spec: { kind: 'makeslice', elem: i64, len: 70, cap: 100 } },
    { fn: 'cMakePtrs128', spec: { kind: 'makeslice', elem: ptr, len: 128 } },
    { fn: 'cAppendI64Cap5', spec: { kind: 'append', elem: i64, oldCap: 5, newLen: 6 } },
    { fn: 'cAppendPtrsNil100', spec: { kind: 'append', elem: ptr, oldCap: 0, newLen: 100 } },
    { fn: 'cAppendS24Cap300', spec: { kind: 'append', elem: s24, oldCap: 300, newLen: 301 } },
    { fn: 'cAppendBytesNil100', spec: { kind: 'append', elem: byte, oldCap: 0, newLen: 100 } },
    { fn: 'cStringFromBytes40', spec: { kind: 'string-from-bytes', len: 40 } },
    { fn: 'cStringFromBytes10', spec: { kind: 'string-from-bytes', len: 10 } },
    { fn: 'cStringFromBytes1', spec: { kind: 'string-from-bytes', len: 1 } },
    { fn: 'cBytesFromString40', spec: { kind: 'bytes-from-string', len: 40 } },
    { fn: 'cBytesFromString100', spec: { kind: 'bytes-from-string', len: 100 } },
    { fn: 'cBytesFromConst12', spec: { kind: 'bytes-from-string', len: 12, constant: true } },
    { fn: 'cBytesFromConst40', spec: { kind: 'bytes-from-string', len: 40, constant: true } },
    { fn: 'cRunesFromString10', spec: { kind: 'runes-from-string', runes: 10 } },
    { fn: 'cRunesFromString100', spec: { kind: 'runes-from-string', runes: 100 } },
    { fn: 'cConcat20x30', spec: { kind: 'concat', operandBytes: [20, 30] } },
    { fn: 'cConcat40x100x20', spec: { kind: 'concat', operandBytes: [40, 100, 20] } },
    { fn: 'cClosureTwoInts', spec: { kind: 'closure', captures: [{ type: int }, { type: int }] } },
    { fn: 'cClosurePtrInt', spec: { kind: 'closure', captures: [{ type: ptr }, { type: int }] } },
    { fn: 'cClosureByRefString', spec: { kind: 'closure', captures: [{ type: str, reassigned: true }] } },
    { fn: 'cConvUint64', spec: { kind: 'convert', type: i64 } },
    { fn: 'cConvUint64Small', spec: { kind: 'convert', type: i64, staticValue: 'small-int' } },
    { fn: 'cConvString', spec: { kind: 'convert', type: str, shape: 'string' } },
    { fn: 'cConvSlice', spec: { kind: 'convert', type: slice, shape: 'slice' } },
    { fn: 'cConvStruct24', spec: { kind: 'convert', type: s24 } },
    { fn: 'cConvPtrPair', spec: { kind: 'convert', type: layout(ptr, i64) } },
    { fn: 'cMapSmall', spec: { kind: 'makemap', key: i64, elem: i64, hint: 0 } },
    { fn: 'cMapStringHint100', spec: { kind: 'makemap', key: str, elem: int, hint: 100 } },
    { fn: 'cMapIntHint1000', spec: { kind: 'makemap', key: i64, elem: i64, hint: 1000 } },
    { fn: 'cChanInt64x8', spec: { kind: 'makechan', elem: i64, size: 8 } },
    { fn: 'cChanPtrx16', spec: { kind: 'makechan', elem: ptr, size: 16 } },
    { fn: 'cChanUnbuffered', spec: { kind: 'makechan', elem: int, size: 0 } },
    { fn: 'cStringFromBytes20Local', spec: { kind: 'string-from-bytes', len: 20, escapes: false } },
    { fn: 'cBytesFromString20Local', spec: { kind: 'bytes-from-string', len: 20, escapes: false } },
    { fn: 'cConcat10x10Local', spec: { kind: 'concat', operandBytes: [10, 10], escapes: false } },
    { fn: 'cMakeVar24Local', spec: { kind: 'makeslice', elem: byte, len: 24, escapes: false } },
    { fn: 'cMakeVar64Local', spec: { kind: 'makeslice', elem: byte, len: 64, escapes: false } },
    { fn: 'cMakeConst24Local', spec: { kind: 'makeslice', elem: byte, len: 24, escapes: false, constantSize: true } },
    { fn: 'cAppendLocalI64x2', spec: { kind: 'append', elem: i64, oldCap: 0, newLen: 2, escapes: false } },
    { fn: 'cAppendLocalI64x5', spec: { kind: 'append', elem: i64, oldCap: 0, newLen: 5, escapes: false } },
    { fn: 'cClosureBigArray', spec: { kind: 'closure', captures: [{ type: { bytes: 160, align: i64.align, pointers: false } }] } },
    { fn: 'cConvUint32', spec: { kind: 'convert', type: { bytes: 4, align: 4, pointers: false } } },
    { fn: 'cConvUint16Small', spec: { kind: 'convert', type: { bytes: 2, align: 2, pointers: false }, staticValue: 'small-int' } },
    // Issue 13: a map literal inserts its keys at once; 8 inserts fill the first group/bucket; make(chan) of a
    // pointerful 72 B struct has a separate 720 B buffer; `s += x` is a heap concatenation even when s is local.
    { fn: 'cMapLiteral3', spec: { kind: 'makemap', key: str, elem: int, hint: 3, inserts: 3 } },
    { fn: 'cMapInsert8', spec: { kind: 'makemap', key: i64, elem: i64, hint: 0, inserts: 8 } },
    { fn: 'cChanS72x10', spec: { kind: 'makechan', elem: layout(ptr, { bytes: 64, align: i64.align, pointers: false }), size: 10 } },
    { fn: 'cConcatAssign20x30', spec: { kind: 'concat', operandBytes: [20, 30] } },
    { fn: 'cConcatAssignLocal10x10', spec: { kind: 'concat', operandBytes: [10, 10] } },
  ];
}

/** Ops of probe/dynamic.go: a construct of run-time size n and the runtime function it calls. */
export type DynamicOp =
  | 'appendBytes'
  | 'appendPtrs'
  | 'growBytes'
  | 'growPtrs'
  | 'makeBytes'
  | 'makePtrs'
  | 'bytesFromString'
  | 'runesFromString'
  | 'stringFromBytes';

export interface DynamicCase {
  readonly op: DynamicOp | 'none';
  readonly n: number;
  readonly k: number;
  /**
   * Each run also allocates a 4-byte noscan object after the construct (probe/dynamic.go): it
   * shares the construct's 16 B block only if the construct was a tiny object with room left,
   * which tells e.g. a 12 B tiny object from a 16 B small one (the same in allocs-by-size).
   */
  readonly tiny4?: boolean;
}

export interface DynamicMeasurement extends DynamicCase {
  readonly deltas: Record<string, number>;
  readonly tiny: number;
  readonly cap: number;
}

/** What each op is, in the model's terms: `grow` appends one element at a time from empty. */
function dynamicOp(op: DynamicOp, ptrSize: 4 | 8): { alloc: DynamicAlloc; elem: TypeShape; grow?: boolean; slice: boolean } {
  const byte: TypeShape = { bytes: 1, align: 1, pointers: false };
  const ptr: TypeShape = { bytes: ptrSize, align: ptrSize, pointers: true };
  switch (op) {
    case 'appendBytes':
      return { alloc: 'growslice', elem: byte, slice: true };
    case 'appendPtrs':
      return { alloc: 'growslice', elem: ptr, slice: true };
    case 'growBytes':
      return { alloc: 'growslice', elem: byte, grow: true, slice: true };
    case 'growPtrs':
      return { alloc: 'growslice', elem: ptr, grow: true, slice: true };
    case 'makeBytes':
      return { alloc: 'makeslice', elem: byte, slice: true };
    case 'makePtrs':
      return { alloc: 'makeslice', elem: ptr, slice: true };
    case 'bytesFromString':
      return { alloc: 'rawbyteslice', elem: byte, slice: true };
    case 'runesFromString':
      return { alloc: 'rawruneslice', elem: { bytes: 4, align: 4, pointers: false }, slice: true };
    case 'stringFromBytes':
      return { alloc: 'rawstring', elem: byte, slice: false };
  }
}

/**
 * dynamicCases: every n around the tiny limit and the first classes, and both sides of the
 * boundaries where rounding matters (the malloc header at 512 B / 128 B, the last class, large),
 * for appends from empty, appends one element at a time, make, and the string conversions.
 */
export function dynamicCases(ptrSize: 4 | 8): DynamicCase[] {
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  const bytesN = [
    ...range(0, 40),
    ...[47, 48, 49, 63, 64, 65, 100, 112, 113, 1023, 1024, 1025, 4096, 8192, 9000, 28672, 28673, 30000],
    ...[32760, 32761, 32768, 32769, 40000, 65536],
  ];
  const ptrsN = [...range(0, 9), 16, 17, 31, 32, 33, 34, 63, 64, 65, 71, 72, 73, 100, 1000, 4095, 4096, 4097, 5000, 8189, 8190, 8191, 8192];
  const cases: [DynamicOp, number[]][] = [
    ['appendBytes', bytesN],
    ['appendPtrs', ptrsN],
    ['growBytes', [1, 5, 9, 17, 33, 100, 1000, 5000, 40000]],
    ['growPtrs', [1, 3, 33, 65, 600, 5000]],
    ['makeBytes', [...range(0, 17), 24, 25, 32760, 32761, 32768, 32769]],
    ['makePtrs', [0, 1, 2, 32, 33, 64, 65, 4095, 4096, 4097, 8190, 8191]],
    ['bytesFromString', [...range(0, 20), 33, 100, 28673, 32761]],
    ['runesFromString', [...range(0, 6), 9, 10, 100, 8190, 8191]],
    ['stringFromBytes', [...range(0, 4), 15, 16, 17, 100]],
  ];
  const tiny4: [DynamicOp, number[]][] = [
    ['appendBytes', range(1, 17)],
    ['appendPtrs', range(1, 3)],
    ['makeBytes', range(1, 17)],
    ['bytesFromString', range(1, 17)],
    ['runesFromString', range(1, 5)],
    ['stringFromBytes', range(1, 17)],
  ];
  const k = (op: DynamicOp, n: number) => {
    const bytes = n * dynamicOp(op, ptrSize).elem.bytes;
    // Enough runs that tiny objects fill several blocks; few of the large ones.
    return bytes <= 64 ? 32 : bytes <= 8192 ? 16 : 4;
  };
  return [
    ...cases.flatMap(([op, ns]) => ns.map((n) => ({ op, n, k: k(op, n) }))),
    ...tiny4.flatMap(([op, ns]) => ns.map((n) => ({ op, n, k: k(op, n), tiny4: true }))),
  ];
}

/**
 * expectDynamic: the model's dynamic-size rows (dynamicRows, the table the hover shows) for one
 * case, in the probe's terms. Each allocation's bucket of /gc/heap/allocs-by-size comes from the
 * row its n falls in (its class; tiny rows: 16 B blocks; large: the last bucket); the bytes that
 * decide tiny packing and the capacity come from dynamicRequest. Growing one element at a time,
 * each step's n is the capacity nextslicecap asks for, and the next step starts from the row's.
 */
export function expectDynamic(
  c: DynamicCase,
  rules: AllocatorRules,
): { deltas: Record<string, number>; tiny: number; cap: number; label: string } {
  if (c.op === 'none') return { deltas: {}, tiny: 0, cap: -1, label: 'control' };
  const { alloc, elem, grow, slice } = dynamicOp(c.op, rules.ptrSize);
  const rows = dynamicRows(alloc, elem, rules);
  const rowAt = (n: number) => rows.find((r) => r.nMin <= n && n <= r.nMax)!;
  const steps: number[] = [];
  let cap = 0;
  if (grow) {
    for (let len = 0; len < c.n; len++) {
      if (len + 1 <= cap) continue;
      const m = nextslicecap(len + 1, cap);
      steps.push(m);
      cap = rowAt(m).newCap ?? dynamicRequest(alloc, m, elem, rules).newCap!;
    }
  } else {
    steps.push(c.n);
    cap = rowAt(c.n).newCap ?? dynamicRequest(alloc, c.n, elem, rules).newCap ?? -1;
  }
  const deltas: Record<string, number> = {};
  const add = (bucket: number) => (deltas[bucket] = (deltas[bucket] ?? 0) + 1);
  // The mcache's tiny block (runtime/malloc.go mallocgcTiny); runtime.GC() before the runs empties it.
  let tinyOff = 0;
  let tinyActive = false;
  let tiny = 0;
  const tinyAlloc = (bytes: number) => {
    const off = Math.ceil(tinyOff / tinyAlign(bytes, rules.ptrSize)) * tinyAlign(bytes, rules.ptrSize);
    if (tinyActive && off + bytes <= 16) {
      tinyOff = off + bytes;
      tiny++;
      return;
    }
    add(tinyBucket);
    if (!tinyActive || bytes < tinyOff) {
      tinyActive = true;
      tinyOff = bytes;
    }
  };
  for (let run = 0; run < c.k; run++) {
    for (const m of steps) {
      const row = rowAt(m);
      if (row.kind === 'zero') continue;
      if (row.kind === 'large') add(largeBucket);
      else if (row.kind === 'small') add(row.sizeClass - 1);
      else tinyAlloc(dynamicRequest(alloc, m, elem, rules).bytes);
    }
    if (c.tiny4) tinyAlloc(4);
  }
  const last = rowAt(steps[steps.length - 1] ?? 0);
  return {
    deltas,
    tiny,
    cap: slice ? cap : -1,
    label: `${c.tiny4 ? '+4 B tiny per run, ' : ''}${alloc} rows ${grow ? `steps ${steps.join(',')}` : `${last.nMin}..${last.nMax} ${last.kind}${last.kind === 'small' ? ` c${last.sizeClass}` : ''}`}`,
  };
}
