// Map literals and inserts (issue 13, class 4): a literal inserts its keys at once, so it allocates the
// first group (swiss) or bucket (hmap) beside the header; `m[k] = v` allocates when the map grows, at
// lengths the runtime's load factor fixes. Measured on the runtime by test/fidelity (cMapLiteral3,
// cMapInsert8, cMapInsert40).
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { constructPredictions, type TypeShape } from '../../src/core/alloc/constructs.ts';
import { mapInsertGrowth } from '../../src/core/alloc/mapgrowth.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';

const i64: TypeShape = { bytes: 8, align: 8, pointers: false };
const int: TypeShape = i64;
const str: TypeShape = { bytes: 16, align: 8, pointers: true };
const go121 = rulesFor('1.21');
const go122 = rulesFor('1.22');
const go127 = rulesFor('1.27');

const slots = (c: ReturnType<typeof constructPredictions>) => c.objects.map((o) => [o.what, o.prediction.slotBytes]);
const steps = (g: ReturnType<typeof mapInsertGrowth>) => g.steps.map((s) => [s.atLen, s.objects.map((o) => o.bytes)]);

suite('map literal: header and the first group or bucket', () => {
  test('swiss (go1.27): map[string]int{3 keys} is a 48 B header and one 200 B group in a 208 B slot', () => {
    const r = constructPredictions({ kind: 'makemap', key: str, elem: int, hint: 3, inserts: 3 }, go127);
    assert.deepEqual(slots(r), [
      ['maps.Map', 48],
      ['group (8 slots)', 208],
    ]);
  });

  test('hmap (go1.21): the same literal is a 48 B hmap and one 208 B bucket', () => {
    const r = constructPredictions({ kind: 'makemap', key: str, elem: int, hint: 3, inserts: 3 }, go121);
    assert.deepEqual(slots(r), [
      ['hmap', 48],
      ['bucket', 208],
    ]);
  });

  test('a literal that does not escape keeps header and first group on the stack', () => {
    const r = constructPredictions({ kind: 'makemap', key: str, elem: int, hint: 3, inserts: 3, escapes: false }, go127);
    assert.deepEqual(r.objects, []);
  });

  test('32 B slots: 8 control bytes + 8 × 32 B = 264 B → 288 B slot', () => {
    const r = constructPredictions({ kind: 'makemap', key: str, elem: str, hint: 1, inserts: 1 }, go127);
    assert.deepEqual(slots(r)[1], ['group (8 slots)', 288]);
  });

  test('make(map, 5) with no inserts is only the header (NewMap allocates no group for hints ≤ 8)', () => {
    const r = constructPredictions({ kind: 'makemap', key: str, elem: int, hint: 5 }, go127);
    assert.deepEqual(slots(r), [['maps.Map', 48]]);
  });
});

suite('map inserts: the allocations as the length grows', () => {
  test('swiss map[int64]int64: group at 1, table of 16 at 9, doubling at 15, 29, 57', () => {
    assert.deepEqual(steps(mapInsertGrowth(i64, i64, 0, 60, true, go127)), [
      [1, [136]],
      [9, [32, 272, 8]],
      [15, [32, 544]],
      [29, [32, 1088]],
      [57, [32, 2176]],
    ]);
  });

  test('swiss: a map made with hint 100 (128 slots) first grows at key 113', () => {
    assert.deepEqual(steps(mapInsertGrowth(i64, i64, 100, 120, true, go127)), [[113, [32, 256 * 17]]]);
  });

  test('swiss: a non-escaping small map has its first group on the stack', () => {
    assert.deepEqual(steps(mapInsertGrowth(i64, i64, 0, 9, false, go127)), [[9, [32, 272, 8]]]);
  });

  test('hmap go1.22: bucket at 1, doubling past 6.5 keys per bucket; from B=4 with overflow buckets and a mapextra', () => {
    assert.deepEqual(steps(mapInsertGrowth(i64, i64, 0, 60, true, go122)), [
      [1, [144]],
      [9, [288]],
      [14, [576]],
      [27, [1152]],
      [53, [18 * 144, 24]],
    ]);
  });

  test('hmap go1.21: load factor 6, so the second doubling comes at key 13', () => {
    assert.deepEqual(
      steps(mapInsertGrowth(i64, i64, 0, 13, true, go121)).map((s) => s[0]),
      [1, 9, 13],
    );
  });
});
