// What the runtime's slice and string functions ask mallocgc for when the size is only known
// at run time (runtime/slice.go makeslice, growslice, nextslicecap; runtime/string.go
// rawbyteslice, rawruneslice, rawstring): the rows of "size class by n". The allocator overview
// is in malloc.ts; docs/runtime-facts.md §6.
import { classify, roundupsize } from './malloc.ts';
import { sizeClassToSize } from './sizeclasses.ts';
import { checkCount, checkType, type TypeShape } from './layout.ts';
import { ModelInputError, type AllocatorRules } from './versions.ts';

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
