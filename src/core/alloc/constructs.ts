// What each Go construct asks mallocgc for: every object, its size and whether it has
// pointers, per Go version. See malloc.ts for the allocator overview; this file stops
// at the mallocgc call and classify() takes it from there. Runtime sources mirrored:
// runtime/slice.go (makeslice, growslice, nextslicecap), runtime/string.go
// (concatstrings, slicebytetostring, rawbyteslice, rawruneslice), runtime/iface.go
// (convT*), runtime/chan.go (makechan), runtime/map.go (go1.21–1.25 hmap) and
// internal/runtime/maps (go1.24+ swiss tables), cmd/compile walk/convert.go (dataWord)
// and walk/closure.go; docs/runtime-facts.md §6 and §7.
//
// Only escaping values are modelled as heap objects; where the compiler keeps a value
// on the stack the result has no objects and a note says why.
import { classify, roundupsize, type Prediction } from './malloc.ts';
import { sizeClassToSize } from './sizeclasses.ts';
import { ModelInputError, type AllocatorRules } from './versions.ts';

/** A Go type as the allocator sees it: unsafe.Sizeof, unsafe.Alignof, and whether it holds pointers. */
export interface TypeShape {
  readonly bytes: number;
  readonly align: number;
  readonly pointers: boolean;
}

export interface ClosureCapture {
  readonly type: TypeShape;
  /** The variable is assigned after capture or has its address taken: captured by reference. */
  readonly reassigned?: boolean;
}

/** One construct, as an escape-analysed site presents it. `escapes` defaults to true. */
export type ConstructSpec =
  | { readonly kind: 'new'; readonly type: TypeShape; readonly escapes?: boolean }
  | {
      readonly kind: 'makeslice';
      readonly elem: TypeShape;
      readonly len: number;
      readonly cap?: number;
      readonly escapes?: boolean;
      readonly constantSize?: boolean;
    }
  | { readonly kind: 'append'; readonly elem: TypeShape; readonly oldCap: number; readonly newLen: number; readonly escapes?: boolean }
  | { readonly kind: 'string-from-bytes'; readonly len: number; readonly escapes?: boolean }
  | {
      readonly kind: 'bytes-from-string';
      readonly len: number;
      readonly escapes?: boolean;
      /** The string is a constant: the compiler allocates a [len]byte itself, with no rounding (walk/convert.go walkStringToBytes). */
      readonly constant?: boolean;
    }
  | { readonly kind: 'runes-from-string'; readonly runes: number; readonly escapes?: boolean }
  | { readonly kind: 'concat'; readonly operandBytes: readonly number[]; readonly escapes?: boolean; readonly operandOnStack?: boolean }
  | { readonly kind: 'closure'; readonly captures: readonly ClosureCapture[]; readonly escapes?: boolean }
  | {
      readonly kind: 'convert';
      readonly type: TypeShape;
      /** string/slice use convTstring/convTslice; pointer-shaped types (pointers, maps, chans, funcs, 1-pointer structs) need no allocation. */
      readonly shape?: 'value' | 'string' | 'slice' | 'pointer-shaped';
      /** The value is known to be zero/empty/nil, or an integer < 256 (runtime shortcuts), or a constant/read-only global. */
      readonly staticValue?: 'small-int' | 'empty' | 'constant';
      readonly escapes?: boolean;
    }
  | { readonly kind: 'makemap'; readonly key: TypeShape; readonly elem: TypeShape; readonly hint: number; readonly escapes?: boolean }
  | { readonly kind: 'makechan'; readonly elem: TypeShape; readonly size: number };

/** One mallocgc call: its size argument and whether the type has pointers. */
export interface ObjectRequest {
  readonly what: string;
  readonly bytes: number;
  readonly pointers: boolean;
}

export interface ConstructRequests {
  /** Every heap object the construct allocates, in the order the runtime allocates them. */
  readonly objects: readonly ObjectRequest[];
  /** append / []byte(s) / []rune(s): the capacity of the resulting slice. */
  readonly newCap?: number;
  readonly notes?: readonly string[];
}

const maxAlignedStackBytes = 64 << 10; // ir.MaxImplicitStackVarSize
const tmpBufBytes = 32; // runtime/string.go tmpStringBufSize
const zeroValBytes = 1024; // abi.ZeroValSize: non-escaping conversions up to this use a stack temporary
const variableMakeThresholdBytes = 32; // go1.25+ Debug.VariableMakeThreshold
const closureByValueMaxBytes = 128; // escape.go: captured by value only if ≤ 128 B

function checkCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new ModelInputError(`invalid ${name} ${String(n)}: expected a whole number ≥ 0`);
}

function checkType(name: string, t: TypeShape): void {
  checkCount(`${name} size`, t.bytes);
  if (!Number.isInteger(t.align) || t.align < 1 || (t.align & (t.align - 1)) !== 0) {
    throw new ModelInputError(`invalid ${name} alignment ${String(t.align)}: expected a power of two`);
  }
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** structLayout is types.CalcSize for a struct: fields in order, each aligned, total rounded to the widest alignment. */
export function structLayout(fields: readonly TypeShape[]): TypeShape {
  let off = 0;
  let align = 1;
  let pointers = false;
  for (const f of fields) {
    off = alignUp(off, f.align) + f.bytes;
    align = Math.max(align, f.align);
    pointers ||= f.pointers;
  }
  return { bytes: alignUp(off, align), align, pointers };
}

function arrayOf(n: number, t: TypeShape): TypeShape {
  return { bytes: n * t.bytes, align: t.align, pointers: n > 0 && t.pointers };
}

function ptrType(rules: AllocatorRules): TypeShape {
  return { bytes: rules.ptrSize, align: rules.ptrSize, pointers: true };
}

/**
 * nextslicecap mirrors runtime/slice.go: double below 256 elements, then grow by
 * (newcap + 3*256)/4 until large enough; a request beyond twice the old cap is taken as is.
 */
export function nextslicecap(newLen: number, oldCap: number): number {
  let newcap = oldCap;
  const doublecap = newcap + newcap;
  if (newLen > doublecap) return newLen;
  const threshold = 256;
  if (oldCap < threshold) return doublecap;
  for (;;) {
    newcap += Math.floor((newcap + 3 * threshold) / 4);
    if (newcap >= newLen) break;
  }
  return newcap <= 0 ? newLen : newcap;
}

/**
 * growslice mirrors runtime/slice.go growslice: nextslicecap, then the byte size is rounded to
 * the slot (roundupsize, which leaves out the malloc header on go1.22+) and the capacity is
 * whatever fits. `bytes` is mallocgc's size argument; 0 for zero-size elements (zerobase).
 */
export function growslice(
  oldCap: number,
  newLen: number,
  elemSize: number,
  pointers: boolean,
  rules: AllocatorRules,
): { newCap: number; bytes: number } {
  checkCount('old cap', oldCap);
  checkCount('new length', newLen);
  checkCount('element size', elemSize);
  if (newLen <= oldCap)
    throw new ModelInputError(`growslice: new length ${newLen} fits in the old capacity ${oldCap}; append does not grow`);
  if (elemSize === 0) return { newCap: newLen, bytes: 0 };
  const newcap = nextslicecap(newLen, oldCap);
  const noscan = !pointers;
  if (elemSize === 1) {
    const capmem = roundupsize(newcap, noscan, rules);
    return { newCap: capmem, bytes: capmem };
  }
  if (elemSize === rules.ptrSize) {
    const capmem = roundupsize(newcap * rules.ptrSize, noscan, rules);
    return { newCap: Math.floor(capmem / rules.ptrSize), bytes: capmem };
  }
  // Power-of-two sizes shift where others divide; both truncate capmem to whole elements.
  const capmem = roundupsize(newcap * elemSize, noscan, rules);
  const cap = Math.floor(capmem / elemSize);
  return { newCap: cap, bytes: cap * elemSize };
}

/** One range of `n` in make([]T, n) that lands in one size class (or tiny, or large). */
export interface ClassRange {
  readonly kind: 'zero' | 'tiny' | 'small' | 'large';
  readonly nMin: number;
  /** Inclusive; Infinity for the open-ended large range. */
  readonly nMax: number;
  readonly sizeClass: number;
  readonly slotBytes: number;
  readonly spanClass: number;
}

/**
 * classThresholdsForN: for make([]T, n) (mallocgc(n*elemSize)), the ranges of n that land in
 * each size class, from n = 0 (zerobase) to the open-ended large range. Ranges are contiguous.
 */
export function classThresholdsForN(elemSize: number, pointers: boolean, rules: AllocatorRules): ClassRange[] {
  checkCount('element size', elemSize);
  if (elemSize === 0) return [{ kind: 'zero', nMin: 0, nMax: Infinity, sizeClass: 0, slotBytes: 0, spanClass: -1 }];
  const out: ClassRange[] = [{ kind: 'zero', nMin: 0, nMax: 0, sizeClass: 0, slotBytes: 0, spanClass: -1 }];
  let n = 1;
  if (!pointers) {
    const nMax = Math.floor((rules.tinySizeBytes - 1) / elemSize);
    if (nMax >= 1) {
      const p = classify({ bytes: elemSize, pointers: false }, rules);
      out.push({ kind: 'tiny', nMin: 1, nMax, sizeClass: p.sizeClass, slotBytes: 16, spanClass: p.spanClass });
      n = nMax + 1;
    }
  }
  for (let c = 1; c < sizeClassToSize.length; c++) {
    const nMax = Math.floor(maxUserBytes(c, pointers, rules) / elemSize);
    if (nMax < n) continue;
    const p = classify({ bytes: n * elemSize, pointers }, rules);
    if (p.sizeClass !== c) throw new Error(`classThresholdsForN: n=${n} lands in class ${p.sizeClass}, expected ${c}`);
    out.push({ kind: 'small', nMin: n, nMax, sizeClass: c, slotBytes: p.slotBytes, spanClass: p.spanClass });
    n = nMax + 1;
  }
  const large = classify({ bytes: n * elemSize, pointers }, rules);
  out.push({ kind: 'large', nMin: n, nMax: Infinity, sizeClass: 0, slotBytes: 0, spanClass: large.spanClass });
  return out;
}

/**
 * How a construct whose size is only known at run time calls mallocgc, as a function of n.
 * Each mirrors one runtime function (docs/runtime-facts.md §6):
 * - `makeslice`: make([]T, n) asks for exactly n*size (runtime/slice.go makeslice); cap is n.
 * - `growslice`: append; n is the capacity nextslicecap settles on (the new length when appending
 *   to an empty slice or past twice the capacity, else twice the old capacity, +(cap+768)/4 from
 *   256 elements). The bytes are rounded up to the slot first (roundupsize) and the capacity is
 *   what fits, so a []byte append needing 9 bytes asks for 16 and is no tiny object.
 * - `rawbyteslice`: []byte(s), n = len(s): rounded like growslice with 1-byte elements.
 * - `rawruneslice`: []rune(s), n = runes: roundupsize(4n), capacity what fits.
 * - `rawstring`: string(b) and s1+s2+…, n bytes exactly; n ≤ 1 allocates nothing (one byte
 *   points into staticuint64s; one non-empty operand is returned as is).
 */
export type DynamicAlloc = 'makeslice' | 'growslice' | 'rawbyteslice' | 'rawruneslice' | 'rawstring';

const byteElem: TypeShape = { bytes: 1, align: 1, pointers: false };
const runeElem: TypeShape = { bytes: 4, align: 4, pointers: false };

/** dynamicElem: the element the runtime function sees (the string conversions fix theirs). */
function dynamicElem(alloc: DynamicAlloc, elem: TypeShape): TypeShape {
  if (alloc === 'rawbyteslice' || alloc === 'rawstring') return byteElem;
  if (alloc === 'rawruneslice') return runeElem;
  return elem;
}

/**
 * dynamicRequest: mallocgc's size argument for one n, and the capacity of the slice built
 * (makeslice: n; none for strings). `bytes` 0 means no allocation (zerobase, static data).
 */
export function dynamicRequest(
  alloc: DynamicAlloc,
  n: number,
  elem: TypeShape,
  rules: AllocatorRules,
): { bytes: number; pointers: boolean; newCap?: number } {
  checkCount('n', n);
  const e = dynamicElem(alloc, elem);
  checkCount('element size', e.bytes);
  switch (alloc) {
    case 'makeslice':
      return { bytes: n * e.bytes, pointers: e.pointers, newCap: n };
    case 'rawstring':
      return { bytes: n <= 1 ? 0 : n, pointers: false };
    case 'growslice':
    case 'rawbyteslice':
    case 'rawruneslice': {
      if (n === 0) return { bytes: 0, pointers: e.pointers, newCap: 0 };
      // rawbyteslice/rawruneslice round exactly as growslice does for 1- and 4-byte noscan elements.
      const g = growslice(0, n, e.bytes, e.pointers, rules);
      return { bytes: g.bytes, pointers: e.pointers, newCap: g.newCap };
    }
  }
}

/** One row of a dynamic-size table: the n for which the construct lands in one place. */
export interface DynamicRow extends ClassRange {
  /** mallocgc's size argument at nMin (makeslice and rawstring: n*size grows with n; rounded constructs: fixed below large). */
  readonly requestBytes: number;
  /** The slice capacity, where one value holds for the whole row (rounded constructs below large). */
  readonly newCap?: number;
}

/**
 * dynamicRows: the "size class by n" table of a construct of run-time size, from n = 0 to the
 * open-ended large row, computed from what the runtime asks mallocgc for (dynamicRequest), not
 * from n*size: appends and string-to-slice conversions round up to the slot before allocating.
 */
export function dynamicRows(alloc: DynamicAlloc, elem: TypeShape, rules: AllocatorRules): DynamicRow[] {
  const e = dynamicElem(alloc, elem);
  checkType('element', e);
  if (alloc === 'makeslice' || alloc === 'rawstring') {
    const rows: DynamicRow[] = classThresholdsForN(e.bytes, e.pointers, rules).map((r) => ({ ...r, requestBytes: r.nMin * e.bytes }));
    if (alloc === 'makeslice') return rows;
    // string(b) of one byte and a concatenation of one non-empty operand allocate nothing.
    return rows.flatMap((r): DynamicRow[] => {
      if (r.kind === 'zero') return [{ ...r, nMax: 1 }];
      if (r.nMin > 1) return [r];
      return r.nMax < 2 ? [] : [{ ...r, nMin: 2, requestBytes: 2 }];
    });
  }
  if (e.bytes === 0)
    return [{ kind: 'zero', nMin: 0, nMax: Infinity, sizeClass: 0, slotBytes: 0, spanClass: -1, requestBytes: 0, newCap: 0 }];
  const rows: DynamicRow[] = [{ kind: 'zero', nMin: 0, nMax: 0, sizeClass: 0, slotBytes: 0, spanClass: -1, requestBytes: 0, newCap: 0 }];
  let n = 1;
  // Within one class range of n*size (the same ranges make([]T, n) has, header included), the
  // rounded request is the same for every n: the slot (less the header) cut to whole elements.
  for (let c = 1; c < sizeClassToSize.length; c++) {
    const nMax = Math.floor(maxUserBytes(c, e.pointers, rules) / e.bytes);
    if (nMax < n) continue;
    const first = dynamicRequest(alloc, n, e, rules);
    const last = dynamicRequest(alloc, nMax, e, rules);
    const p = classify({ bytes: first.bytes, pointers: e.pointers }, rules);
    if (last.bytes !== first.bytes || (p.kind === 'small' && p.sizeClass !== c)) {
      throw new Error(`dynamicRows(${alloc}, ${e.bytes}): n ${n}..${nMax} does not land in one slot of class ${c}`);
    }
    // go1.22+: a noscan request rounded up to 32768 B is past the 32760 B small limit, so the
    // last class's range of a rounded construct is a 4-page large object.
    rows.push({
      kind: p.kind === 'tiny' || p.kind === 'large' ? p.kind : 'small',
      nMin: n,
      nMax,
      sizeClass: p.sizeClass,
      slotBytes: p.slotBytes,
      spanClass: p.spanClass,
      requestBytes: first.bytes,
      ...(first.newCap !== undefined ? { newCap: first.newCap } : {}),
    });
    n = nMax + 1;
  }
  const large = dynamicRequest(alloc, n, e, rules);
  const p = classify({ bytes: large.bytes, pointers: e.pointers }, rules);
  rows.push({ kind: 'large', nMin: n, nMax: Infinity, sizeClass: 0, slotBytes: 0, spanClass: p.spanClass, requestBytes: large.bytes });
  return rows;
}

/** maxUserBytes: the largest mallocgc size that still lands in class c (header included in the lookup), as classify decides. */
function maxUserBytes(c: number, pointers: boolean, rules: AllocatorRules): number {
  const size = sizeClassToSize[c]!;
  const header = pointers && rules.mallocHeader && size > rules.minSizeForMallocHeaderBytes ? rules.mallocHeaderBytes : 0;
  return Math.min(size - header, rules.maxSmallRequestBytes);
}

const none = (note: string): ConstructRequests => ({ objects: [], notes: [note] });

/** constructRequests lists every mallocgc call a construct makes on this version/arch. */
export function constructRequests(c: ConstructSpec, rules: AllocatorRules): ConstructRequests {
  switch (c.kind) {
    case 'new': {
      checkType('type', c.type);
      if (c.type.bytes === 0) return none('zero-size type: &zerobase, no allocation');
      if (c.escapes === false) return none('does not escape: stack');
      return { objects: [{ what: 'newobject', bytes: c.type.bytes, pointers: c.type.pointers }] };
    }
    case 'makeslice': {
      checkType('element', c.elem);
      checkCount('len', c.len);
      const cap = c.cap ?? c.len;
      checkCount('cap', cap);
      if (cap < c.len) throw new ModelInputError(`makeslice: len ${c.len} > cap ${cap}: the runtime panics (cap out of range)`);
      const bytes = c.elem.bytes * cap; // makeslice does not round the capacity
      if (bytes === 0) return none('zero bytes: &zerobase, no allocation');
      if (c.escapes === false) {
        if (c.constantSize && bytes <= maxAlignedStackBytes) return none('does not escape, constant size ≤ 64 KiB: stack');
        if (!c.constantSize && rules.goMinor >= 25 && bytes <= variableMakeThresholdBytes) {
          return none('does not escape, variable size ≤ 32 B: go1.25+ stack buffer');
        }
      }
      return { objects: [{ what: 'makeslice', bytes, pointers: c.elem.pointers }] };
    }
    case 'append': {
      checkType('element', c.elem);
      // go1.25+ (cmd/compile ssagen append): an append to an empty slice that does not escape
      // uses a stack store of K = 32/elemsize elements when newLen ≤ K, once per call of the
      // enclosing function (a `used` flag): in a loop only the first iteration gets it. The
      // fidelity suite saw 63 heap objects for 64 iterations on go1.25–1.27.
      const stackK = c.elem.bytes > 0 ? Math.floor(variableMakeThresholdBytes / c.elem.bytes) : 0;
      if (c.escapes === false && rules.goMinor >= 25 && c.oldCap === 0 && c.newLen >= 1 && c.newLen <= stackK) {
        return {
          objects: [],
          newCap: stackK,
          notes: [
            'go1.25+: append to an empty non-escaping slice uses a 32 B stack store, once per call (later appends in a loop use growslice)',
          ],
        };
      }
      const g = growslice(c.oldCap, c.newLen, c.elem.bytes, c.elem.pointers, rules);
      const notes: string[] = [];
      if (c.escapes === false && rules.goMinor >= 26)
        notes.push('go1.26+: a non-escaping append may grow inside a 32 B stack store (growsliceBuf)');
      if (g.bytes === 0) return { objects: [], newCap: g.newCap, notes: ['zero-size elements: &zerobase, no allocation', ...notes] };
      return {
        objects: [{ what: 'growslice', bytes: g.bytes, pointers: c.elem.pointers }],
        newCap: g.newCap,
        ...(notes.length ? { notes } : {}),
      };
    }
    case 'string-from-bytes': {
      checkCount('length', c.len);
      if (c.len === 0) return none('empty: "" with no allocation');
      if (c.len === 1) return none('one byte: points into runtime.staticuint64s, no allocation');
      if (c.escapes === false && c.len <= tmpBufBytes) return none("does not escape, ≤ 32 B: the caller's stack tmpBuf");
      return { objects: [{ what: 'slicebytetostring', bytes: c.len, pointers: false }] };
    }
    case 'bytes-from-string': {
      checkCount('length', c.len);
      if (c.constant) {
        if (c.len === 0)
          return { objects: [], newCap: 0, notes: ['[]byte of an empty constant: new([0]byte) is &zerobase, no allocation'] };
        if (c.escapes === false && c.len <= maxAlignedStackBytes)
          return { objects: [], newCap: c.len, notes: ['does not escape, constant string ≤ 64 KiB: a [n]byte on the stack'] };
        return { objects: [{ what: 'new([n]byte)', bytes: c.len, pointers: false }], newCap: c.len };
      }
      if (c.escapes === false && c.len <= tmpBufBytes)
        return { objects: [], newCap: tmpBufBytes, notes: ["does not escape, ≤ 32 B: the caller's stack tmpBuf"] };
      const cap = roundupsize(c.len, true, rules); // rawbyteslice rounds the capacity
      if (cap === 0) return { objects: [], newCap: 0, notes: ['empty: &zerobase, no allocation'] };
      return { objects: [{ what: 'rawbyteslice', bytes: cap, pointers: false }], newCap: cap };
    }
    case 'runes-from-string': {
      checkCount('rune count', c.runes);
      if (c.escapes === false && c.runes <= tmpBufBytes)
        return { objects: [], newCap: tmpBufBytes, notes: ["does not escape, ≤ 32 runes: the caller's stack [32]rune"] };
      const mem = roundupsize(c.runes * 4, true, rules); // rawruneslice
      if (mem === 0) return { objects: [], newCap: 0, notes: ['empty: &zerobase, no allocation'] };
      return { objects: [{ what: 'rawruneslice', bytes: mem, pointers: false }], newCap: Math.floor(mem / 4) };
    }
    case 'concat': {
      let total = 0;
      let nonEmpty = 0;
      for (const n of c.operandBytes) {
        checkCount('operand length', n);
        total += n;
        if (n > 0) nonEmpty++;
      }
      if (nonEmpty === 0) return none('all operands empty: "" with no allocation');
      // concatstrings returns the only non-empty operand when the result stays in the frame
      // or that operand's bytes are not on the stack.
      if (nonEmpty === 1 && (c.escapes === false || !c.operandOnStack)) return none('one non-empty operand: returned as is, no allocation');
      if (c.escapes === false && total <= tmpBufBytes) return none("does not escape, ≤ 32 B: the caller's stack tmpBuf");
      return { objects: [{ what: 'rawstring', bytes: total, pointers: false }] };
    }
    case 'closure':
      return closureRequests(c.captures, c.escapes ?? true, rules);
    case 'convert':
      return convertRequests(c, rules);
    case 'makemap':
      return rules.swissMaps ? swissMapRequests(c, rules) : hmapRequests(c, rules);
    case 'makechan': {
      checkType('element', c.elem);
      checkCount('buffer size', c.size);
      if (c.elem.bytes >= 1 << 16) throw new ModelInputError('makechan: element size ≥ 64 KiB is a compile error');
      const mem = c.elem.bytes * c.size;
      const hchan = rules.hchanSizeBytes;
      // makechan: the hchan and an unscanned buffer share one noscan object; a buffer with
      // pointers is its own object so the GC can scan it with the element type.
      if (mem === 0) return { objects: [{ what: 'hchan', bytes: hchan, pointers: false }] };
      if (!c.elem.pointers) return { objects: [{ what: 'hchan+buf', bytes: hchan + mem, pointers: false }] };
      return {
        objects: [
          { what: 'hchan', bytes: hchan, pointers: true },
          { what: 'chan buf', bytes: mem, pointers: true },
        ],
      };
    }
  }
}

function closureRequests(captures: readonly ClosureCapture[], escapes: boolean, rules: AllocatorRules): ConstructRequests {
  if (captures.length === 0) return none('no captures: a static funcval, no allocation');
  const uintptr: TypeShape = { bytes: rules.ptrSize, align: rules.ptrSize, pointers: false };
  const fields: TypeShape[] = [uintptr];
  const moved: ObjectRequest[] = [];
  const notes: string[] = [];
  for (const [i, cap] of captures.entries()) {
    checkType(`capture ${i}`, cap.type);
    const byValue = !cap.reassigned && cap.type.bytes <= closureByValueMaxBytes;
    if (byValue) {
      fields.push(cap.type);
      continue;
    }
    fields.push(ptrType(rules));
    // A variable captured by reference lives on the heap when the closure escapes.
    if (escapes && cap.type.bytes > 0) {
      moved.push({ what: `captured variable ${i} (moved to heap)`, bytes: cap.type.bytes, pointers: cap.type.pointers });
      if (rules.aggregatesScalarHeapLocals && !cap.type.pointers && cap.type.bytes < 16) {
        notes.push(`go1.25+: scalar heap locals < 16 B of one function share one allocation (capture ${i})`);
      }
    }
  }
  if (!escapes) return none('closure does not escape: stack');
  const layout = structLayout(fields);
  return { objects: [...moved, { what: 'closure', bytes: layout.bytes, pointers: layout.pointers }], ...(notes.length ? { notes } : {}) };
}

function convertRequests(c: Extract<ConstructSpec, { kind: 'convert' }>, rules: AllocatorRules): ConstructRequests {
  checkType('type', c.type);
  const t = c.type;
  const shape = c.shape ?? 'value';
  // cmd/compile walk/convert.go dataWord: the cases that need no allocation come first.
  if (shape === 'pointer-shaped') return none('pointer-shaped type: stored directly in the interface');
  if (t.bytes === 0) return none('zero-size: &zerobase');
  if (t.bytes === 1 && !t.pointers) return none('one byte: points into runtime.staticuint64s');
  if (c.staticValue === 'constant') return none('constant or read-only global: static data');
  if (c.escapes === false && t.bytes <= zeroValBytes) return none('does not escape, ≤ 1024 B: stack temporary');
  if (shape === 'string') {
    if (c.staticValue === 'empty') return none('convTstring of "": &zeroVal');
    return { objects: [{ what: 'convTstring', bytes: 2 * rules.ptrSize, pointers: true }] };
  }
  if (shape === 'slice') {
    if (c.staticValue === 'empty') return none('convTslice of nil: &zeroVal');
    return { objects: [{ what: 'convTslice', bytes: 3 * rules.ptrSize, pointers: true }] };
  }
  // convT16/32/64 need the alignment of uint16/32/64; uint64 is 4-aligned on 32-bit targets.
  const u64Align = Math.min(8, rules.ptrSize);
  if (!t.pointers && ((t.bytes === 2 && t.align === 2) || (t.bytes === 4 && t.align === 4) || (t.bytes === 8 && t.align === u64Align))) {
    if (c.staticValue === 'small-int' || c.staticValue === 'empty')
      return none(`convT${t.bytes * 8} of a value < 256: points into runtime.staticuint64s`);
    return { objects: [{ what: `convT${t.bytes * 8}`, bytes: t.bytes, pointers: false }] };
  }
  return { objects: [{ what: t.pointers ? 'convT' : 'convTnoptr', bytes: t.bytes, pointers: t.pointers }] };
}

// Keys and elems larger than 128 B are stored through a pointer (MapMaxKeyBytes / maxKeySize).
const mapMaxSlotFieldBytes = 128;

function mapField(t: TypeShape, rules: AllocatorRules): TypeShape {
  return t.bytes > mapMaxSlotFieldBytes ? ptrType(rules) : t;
}

const groupSlots = 8;
const maxAvgGroupLoad = 7;
const maxTableCapacity = 1024;

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** swissGroup: struct{ctrl uint64; slots [8]struct{key K; elem V}} (internal/runtime/maps, go1.24+). */
export function swissGroup(key: TypeShape, elem: TypeShape, rules: AllocatorRules): TypeShape {
  const slot = structLayout([mapField(key, rules), mapField(elem, rules)]);
  return structLayout([{ bytes: 8, align: 8, pointers: false }, arrayOf(groupSlots, slot)]);
}

function swissMapRequests(c: Extract<ConstructSpec, { kind: 'makemap' }>, rules: AllocatorRules): ConstructRequests {
  checkType('key', c.key);
  checkType('elem', c.elem);
  checkCount('hint', c.hint);
  const escapes = c.escapes ?? true;
  const mapHeaderBytes = rules.ptrSize === 8 ? 48 : 32;
  const tableBytes = rules.ptrSize === 8 ? 32 : 24;
  const header: ObjectRequest[] = escapes ? [{ what: 'maps.Map', bytes: mapHeaderBytes, pointers: true }] : [];
  if (c.hint <= groupSlots) {
    // NewMap allocates no group for small hints; the first insert allocates one group.
    return {
      objects: header,
      notes: [escapes ? 'the first insert allocates one group' : 'does not escape: header and first group on the stack'],
    };
  }
  const group = swissGroup(c.key, c.elem, rules);
  const targetCapacity = Math.floor((c.hint * groupSlots) / maxAvgGroupLoad);
  const dirSize = nextPow2(Math.ceil(targetCapacity / maxTableCapacity));
  const capacity = nextPow2(Math.max(groupSlots, Math.floor(targetCapacity / dirSize)));
  const objects: ObjectRequest[] = [...header, { what: 'directory', bytes: dirSize * rules.ptrSize, pointers: true }];
  for (let i = 0; i < dirSize; i++) {
    objects.push({ what: 'table', bytes: tableBytes, pointers: true });
    objects.push({ what: 'groups', bytes: (capacity / groupSlots) * group.bytes, pointers: group.pointers });
  }
  return { objects };
}

/** hmapBucket: struct{tophash [8]uint8; keys [8]K; elems [8]V; overflow *bmap-or-uintptr} (reflectdata MapBucketType). */
export function hmapBucket(key: TypeShape, elem: TypeShape, rules: AllocatorRules): TypeShape {
  const k = mapField(key, rules);
  const v = mapField(elem, rules);
  const pointers = k.pointers || v.pointers;
  return structLayout([
    { bytes: 8, align: 1, pointers: false },
    arrayOf(8, k),
    arrayOf(8, v),
    { bytes: rules.ptrSize, align: rules.ptrSize, pointers },
  ]);
}

function hmapRequests(c: Extract<ConstructSpec, { kind: 'makemap' }>, rules: AllocatorRules): ConstructRequests {
  checkType('key', c.key);
  checkType('elem', c.elem);
  checkCount('hint', c.hint);
  const escapes = c.escapes ?? true;
  // unsafe.Sizeof(hmap): go1.24 added `clearSeq uint64` (runtime/map_noswiss.go @ go1.24.0),
  // so noswissmap maps in go1.24/1.25 have a 56 B header (class 64); the fidelity suite saw it.
  const hmapBytes = (rules.ptrSize === 8 ? 48 : 28) + (rules.goMinor >= 24 ? 8 : 0);
  const objects: ObjectRequest[] = escapes ? [{ what: 'hmap', bytes: hmapBytes, pointers: true }] : [];
  const bucket = hmapBucket(c.key, c.elem, rules);
  // makemap: the smallest B whose 2^B buckets hold hint at the load factor: 6.5 from go1.22,
  // 6 in go1.21, where loadFactorNum = (bucketCnt*13/16)*loadFactorDen truncates 6.5 to 6
  // (runtime/map.go @ go1.21.0 vs go1.22.0; the fidelity suite saw B=5 for hint 100 on go1.21).
  const loadFactorNum = rules.goMinor <= 21 ? 12 : 13;
  let B = 0;
  const overLoad = (count: number, b: number): boolean => count > 8 && count > loadFactorNum * (2 ** b / 2);
  while (overLoad(c.hint, B)) B++;
  if (B === 0)
    return { objects, notes: [escapes ? 'the first insert allocates one bucket' : 'does not escape: hmap and one bucket on the stack'] };
  // makeBucketArray: from B ≥ 4, 2^(B-4) overflow buckets are preallocated, and the count is
  // raised to fill the slot.
  let nbuckets = 2 ** B;
  if (B >= 4) {
    nbuckets += 2 ** (B - 4);
    const sz = bucket.bytes * nbuckets;
    const up = roundupsize(sz, !bucket.pointers, rules);
    if (up !== sz) nbuckets = Math.floor(up / bucket.bytes);
  }
  objects.push({ what: 'buckets', bytes: nbuckets * bucket.bytes, pointers: bucket.pointers });
  if (nbuckets !== 2 ** B) objects.push({ what: 'mapextra', bytes: 3 * rules.ptrSize, pointers: true });
  return { objects };
}

/** A construct's objects with the allocator's answer for each. */
export function constructPredictions(
  c: ConstructSpec,
  rules: AllocatorRules,
): { objects: (ObjectRequest & { prediction: Prediction })[]; newCap?: number; notes?: readonly string[] } {
  const r = constructRequests(c, rules);
  return { ...r, objects: r.objects.map((o) => ({ ...o, prediction: classify({ bytes: o.bytes, pointers: o.pointers }, rules) })) };
}
