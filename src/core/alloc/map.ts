// What a map asks mallocgc for: the swiss tables of internal/runtime/maps (go1.24+) and the
// hmap/buckets of runtime/map.go (go1.21–1.25, noswissmap). The allocator overview is in
// malloc.ts; the numbers and their sources in docs/runtime-facts.md §7.
import type { ConstructRequests, ConstructSpec, ObjectRequest } from './constructs.ts';
import { roundupsize } from './malloc.ts';
import { arrayOf, checkCount, checkType, ptrType, structLayout, type TypeShape } from './layout.ts';
import type { AllocatorRules } from './versions.ts';

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

export function swissMapRequests(c: Extract<ConstructSpec, { kind: 'makemap' }>, rules: AllocatorRules): ConstructRequests {
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

export function hmapRequests(c: Extract<ConstructSpec, { kind: 'makemap' }>, rules: AllocatorRules): ConstructRequests {
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
