// What inserting into a map asks mallocgc for, as the map's length grows: the compiler says nothing
// about `m[k] = v` (mapassign is a runtime call, not an escape-analysed allocation), so the growth
// points are computed here from the runtime's own rules. Swiss tables (internal/runtime/maps,
// go1.24+): the first insert into an empty small map allocates one group (growToSmall); the 9th
// key turns it into a table of 16 slots (growToTable: table, 2 groups, a 1-entry directory); a
// table of capacity C holds 7C/8 keys and doubles (new table + groups) on the next insert, up to
// 1024 slots, after which it splits by hash. hmap (runtime/map.go, go1.21–1.23 and noswissmap):
// the first insert allocates one bucket when make had none; the insert that takes the count past
// 6.5 (6 in go1.21) per bucket doubles the bucket array (hashGrow); buckets that overflow (hash
// dependent) allocate one more bucket each. Sources and sizes: map.ts, docs/runtime-facts.md §7.
import type { ObjectRequest } from './constructs.ts';
import { roundupsize } from './malloc.ts';
import { hmapBucket, swissGroup } from './map.ts';
import { checkCount, checkType, type TypeShape } from './layout.ts';
import type { AllocatorRules } from './versions.ts';

const groupSlots = 8;
const maxAvgGroupLoad = 7;
const maxTableCapacity = 1024;

/** One insert that allocates: the map's length after it, and what it allocates. */
export interface MapGrowthStep {
  readonly atLen: number;
  readonly objects: readonly ObjectRequest[];
}

export interface MapGrowth {
  /** Every allocating insert up to the requested length whose length the runtime fixes (not the hash). */
  readonly steps: readonly MapGrowthStep[];
  /** What happens beyond or beside the steps that depends on the keys' hashes. */
  readonly notes: readonly string[];
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * mapInsertGrowth: the allocations of inserting distinct keys one at a time, from the state
 * make(map[K]V, hint) leaves (escapes: whether the header and first group/bucket are on the heap),
 * until the map holds upToLen keys.
 */
export function mapInsertGrowth(
  key: TypeShape,
  elem: TypeShape,
  hint: number,
  upToLen: number,
  escapes: boolean,
  rules: AllocatorRules,
): MapGrowth {
  checkType('key', key);
  checkType('elem', elem);
  checkCount('hint', hint);
  checkCount('length', upToLen);
  return rules.swissMaps ? swissGrowth(key, elem, hint, upToLen, escapes, rules) : hmapGrowth(key, elem, hint, upToLen, escapes, rules);
}

function swissGrowth(key: TypeShape, elem: TypeShape, hint: number, upToLen: number, escapes: boolean, rules: AllocatorRules): MapGrowth {
  const group = swissGroup(key, elem, rules);
  const tableBytes = rules.ptrSize === 8 ? 32 : 24;
  const groups = (capacity: number): ObjectRequest => ({
    what: `${capacity / groupSlots} groups (${capacity} slots)`,
    bytes: (capacity / groupSlots) * group.bytes,
    pointers: group.pointers,
  });
  const table = (): ObjectRequest => ({ what: 'table', bytes: tableBytes, pointers: true });
  const steps: MapGrowthStep[] = [];
  const splitNote = `beyond ${(maxTableCapacity * maxAvgGroupLoad) / groupSlots} keys in one table it splits in two tables of ${maxTableCapacity} slots (2 × table + ${maxTableCapacity / groupSlots} groups), doubling the directory when needed: which insert does it depends on the hashes`;
  let capacity: number; // slots of the one table, once there is one
  if (hint <= groupSlots) {
    // An empty small map: the first insert allocates its group, unless walkMakeMap put one on the stack.
    if (escapes && upToLen >= 1)
      steps.push({ atLen: 1, objects: [{ what: 'group (8 slots)', bytes: group.bytes, pointers: group.pointers }] });
    capacity = 2 * groupSlots;
    const at = groupSlots + 1;
    if (upToLen >= at) {
      steps.push({
        atLen: at,
        objects: [table(), groups(capacity), { what: 'directory', bytes: rules.ptrSize, pointers: true }],
      });
    }
  } else {
    const target = Math.floor((hint * groupSlots) / maxAvgGroupLoad);
    const dirSize = nextPow2(Math.ceil(target / maxTableCapacity));
    if (dirSize > 1) return { steps, notes: [`make allocated ${dirSize} tables: which one grows first depends on the hashes`] };
    capacity = nextPow2(Math.max(groupSlots, target));
  }
  for (;;) {
    const at = (capacity * maxAvgGroupLoad) / groupSlots + 1;
    if (at > upToLen) break;
    if (capacity * 2 > maxTableCapacity) return { steps, notes: [splitNote] };
    capacity *= 2;
    steps.push({ atLen: at, objects: [table(), groups(capacity)] });
  }
  return { steps, notes: [splitNote] };
}

function hmapGrowth(key: TypeShape, elem: TypeShape, hint: number, upToLen: number, escapes: boolean, rules: AllocatorRules): MapGrowth {
  const bucket = hmapBucket(key, elem, rules);
  const loadFactorNum = rules.goMinor <= 21 ? 12 : 13; // see hmapRequests
  const overLoad = (count: number, b: number): boolean => count > 8 && count > loadFactorNum * (2 ** b / 2);
  let B = 0;
  while (overLoad(hint, B)) B++;
  const steps: MapGrowthStep[] = [];
  // Whether h.extra exists: makemap allocates it with preallocated overflow buckets (B ≥ 4).
  let extra = B >= 4;
  if (B === 0 && escapes && upToLen >= 1)
    steps.push({ atLen: 1, objects: [{ what: 'bucket', bytes: bucket.bytes, pointers: bucket.pointers }] });
  for (let n = 1; n <= upToLen; n++) {
    // mapassign grows before inserting the key that would overload the table.
    if (!overLoad(n, B)) continue;
    B++;
    let nbuckets = 2 ** B;
    if (B >= 4) {
      nbuckets += 2 ** (B - 4);
      const up = roundupsize(bucket.bytes * nbuckets, !bucket.pointers, rules);
      nbuckets = Math.floor(up / bucket.bytes);
    }
    const objects: ObjectRequest[] = [{ what: `${nbuckets} buckets`, bytes: nbuckets * bucket.bytes, pointers: bucket.pointers }];
    if (nbuckets !== 2 ** B && !extra) {
      objects.push({ what: 'mapextra', bytes: 3 * rules.ptrSize, pointers: true });
      extra = true;
    }
    steps.push({ atLen: n, objects });
  }
  return {
    steps,
    notes: [
      `a bucket holding more than 8 keys chains an overflow bucket (${bucket.bytes} B); which inserts do it depends on the hashes` +
        (bucket.pointers
          ? ''
          : `; buckets without pointers are also listed to keep them alive (h.createOverflow: a ${3 * rules.ptrSize} B mapextra, a ${3 * rules.ptrSize} B []*bmap header, and that slice's growth)`),
    ],
  };
}

/** withInserts: make's objects followed by those of its `inserts` (a map literal), in allocation order. */
export function withInserts(
  made: { readonly objects: readonly ObjectRequest[]; readonly notes?: readonly string[] },
  c: { readonly key: TypeShape; readonly elem: TypeShape; readonly hint: number; readonly escapes?: boolean; readonly inserts?: number },
  rules: AllocatorRules,
): { objects: readonly ObjectRequest[]; notes?: readonly string[] } {
  if (!c.inserts) return made;
  const g = mapInsertGrowth(c.key, c.elem, c.hint, c.inserts, c.escapes ?? true, rules);
  const objects = [...made.objects, ...g.steps.flatMap((s) => s.objects)];
  // make's own notes say what the first insert will do: here it has happened.
  return { objects, notes: [`${c.inserts} keys inserted at once (a map literal)`] };
}
