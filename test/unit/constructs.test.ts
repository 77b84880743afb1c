import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import fc from 'fast-check';
import {
  classThresholdsForN,
  constructPredictions,
  constructRequests,
  dynamicRequest,
  dynamicRows,
  growslice,
  hmapBucket,
  nextslicecap,
  swissGroup,
  type TypeShape,
} from '../../src/core/alloc/constructs.ts';
import { classify, roundupsize } from '../../src/core/alloc/malloc.ts';
import { ModelInputError, parseGoExperiment, rulesFor } from '../../src/core/alloc/versions.ts';
import type { Diagnostic } from '../../src/core/escape/diagnostic.ts';
import { joinSites } from '../../src/core/sites/join.ts';

const go121 = rulesFor('1.21');
const go122 = rulesFor('1.22');
const go126 = rulesFor('1.26');
const i64: TypeShape = { bytes: 8, align: 8, pointers: false };
const ptr: TypeShape = { bytes: 8, align: 8, pointers: true };
const str: TypeShape = { bytes: 16, align: 8, pointers: true };

suite('growslice (runtime/slice.go)', () => {
  test('nextslicecap: double below 256, then +(cap+768)/4 until it fits, newLen when > 2×cap', () => {
    assert.equal(nextslicecap(6, 5), 10);
    assert.equal(nextslicecap(100, 0), 100);
    assert.equal(nextslicecap(301, 300), 567); // 300 + (300+768)/4
    assert.equal(nextslicecap(1000, 300), 1000);
    assert.equal(nextslicecap(257, 256), 512); // 256 + (256+768)/4
  });

  test('facts §9: appending 100 *int to nil gives cap 111 on go1.22+ (header), 112 on go1.21; 100 bytes give 112', () => {
    assert.deepEqual(growslice(0, 100, 8, true, go122), { newCap: 111, bytes: 888 });
    assert.deepEqual(growslice(0, 100, 8, true, go126), { newCap: 111, bytes: 888 });
    assert.deepEqual(growslice(0, 100, 8, true, go121), { newCap: 112, bytes: 896 });
    assert.deepEqual(growslice(0, 100, 1, false, go126), { newCap: 112, bytes: 112 });
    assert.deepEqual(growslice(0, 100, 8, false, go126), { newCap: 112, bytes: 896 });
  });

  test('non-power-of-two elements: capacity is the whole elements that fit in the slot', () => {
    // 24 B × 567 = 13608 → class 14336 → 597 elements = 14328 B.
    assert.deepEqual(growslice(300, 301, 24, false, go126), { newCap: 597, bytes: 14328 });
  });

  test('zero-size elements allocate nothing; growing within cap is a usage error', () => {
    assert.deepEqual(growslice(0, 10, 0, false, go126), { newCap: 10, bytes: 0 });
    assert.throws(() => growslice(10, 5, 8, false, go126), ModelInputError);
  });

  test('property: the new slice holds newLen, and its bytes are exactly what roundupsize allows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.constantFrom(1, 2, 4, 8, 12, 16, 24, 40, 100),
        fc.boolean(),
        fc.constantFrom(go121, go122, go126),
        (oldCap, extra, elem, pointers, rules) => {
          const g = growslice(oldCap, oldCap + extra, elem, pointers, rules);
          assert.ok(g.newCap >= oldCap + extra);
          assert.ok(g.bytes >= g.newCap * elem - (elem === 8 || elem === 1 ? 0 : elem));
          assert.equal(
            g.bytes,
            elem === 1 || elem === 8 ? roundupsize(nextslicecap(oldCap + extra, oldCap) * elem, !pointers, rules) : g.newCap * elem,
          );
          // The allocation fits the slot it lands in, header included.
          const p = classify({ bytes: g.bytes, pointers }, rules);
          assert.ok(p.kind === 'large' || p.kind === 'tiny' || g.bytes + p.headerBytes <= p.slotBytes);
        },
      ),
    );
  });
});

suite('constructRequests', () => {
  test('new(T): one object of T.Size; zero-size and non-escaping values allocate nothing', () => {
    assert.deepEqual(constructRequests({ kind: 'new', type: { bytes: 1024, align: 8, pointers: true } }, go126).objects, [
      { what: 'newobject', bytes: 1024, pointers: true },
    ]);
    assert.deepEqual(constructRequests({ kind: 'new', type: { bytes: 0, align: 1, pointers: false } }, go126).objects, []);
    assert.deepEqual(constructRequests({ kind: 'new', type: i64, escapes: false }, go126).objects, []);
    const p = constructPredictions({ kind: 'new', type: { bytes: 1024, align: 8, pointers: true } }, go126).objects[0]!.prediction;
    assert.equal(p.slotBytes, 1152);
  });

  test('make([]T, len, cap): elem × cap, not rounded; len > cap is an error', () => {
    assert.deepEqual(constructRequests({ kind: 'makeslice', elem: i64, len: 70, cap: 100 }, go126).objects, [
      { what: 'makeslice', bytes: 800, pointers: false },
    ]);
    assert.throws(() => constructRequests({ kind: 'makeslice', elem: i64, len: 7, cap: 3 }, go126), ModelInputError);
    assert.deepEqual(constructRequests({ kind: 'makeslice', elem: i64, len: 4, escapes: false }, go126).objects, []);
    assert.equal(
      constructRequests({ kind: 'makeslice', elem: i64, len: 4, escapes: false }, go121).objects.length,
      1,
      'variable non-escaping make is heap before go1.25',
    );
  });

  test('append to an empty non-escaping slice: 32 B stack store from go1.25 (cap 32/elem), heap before', () => {
    assert.deepEqual(constructRequests({ kind: 'append', elem: i64, oldCap: 0, newLen: 2, escapes: false }, rulesFor('1.25')), {
      objects: [],
      newCap: 4,
      notes: [
        'go1.25+: append to an empty non-escaping slice uses a 32 B stack store, once per call (later appends in a loop use growslice)',
      ],
    });
    assert.deepEqual(
      constructRequests({ kind: 'append', elem: i64, oldCap: 0, newLen: 2, escapes: false }, rulesFor('1.24')).objects.map((o) => o.bytes),
      [16],
    );
    assert.deepEqual(
      constructRequests({ kind: 'append', elem: i64, oldCap: 0, newLen: 5, escapes: false }, go126).objects.map((o) => o.bytes),
      [48],
    );
  });

  test('strings: string(b) is unrounded, []byte(s) and []rune(s) are rounded to the slot', () => {
    assert.deepEqual(constructRequests({ kind: 'string-from-bytes', len: 40 }, go126).objects, [
      { what: 'slicebytetostring', bytes: 40, pointers: false },
    ]);
    assert.deepEqual(constructRequests({ kind: 'string-from-bytes', len: 1 }, go126).objects, []);
    assert.deepEqual(constructRequests({ kind: 'string-from-bytes', len: 0 }, go126).objects, []);
    assert.deepEqual(constructRequests({ kind: 'string-from-bytes', len: 32, escapes: false }, go126).objects, []);
    assert.equal(constructRequests({ kind: 'string-from-bytes', len: 33, escapes: false }, go126).objects.length, 1);
    const b = constructRequests({ kind: 'bytes-from-string', len: 40 }, go126);
    assert.deepEqual([b.objects[0]!.bytes, b.newCap], [48, 48]);
    // A constant string: the compiler allocates new([n]byte) itself, no rounding (cap 12 measured on go1.21 and go1.26).
    const lit = constructRequests({ kind: 'bytes-from-string', len: 12, constant: true }, go126);
    assert.deepEqual(
      [
        lit.objects[0]!.bytes,
        lit.newCap,
        constructPredictions({ kind: 'bytes-from-string', len: 12, constant: true }, go126).objects[0]!.prediction.kind,
      ],
      [12, 12, 'tiny'],
    );
    assert.deepEqual(constructRequests({ kind: 'bytes-from-string', len: 0, constant: true }, go126).objects, []);
    assert.deepEqual(constructRequests({ kind: 'bytes-from-string', len: 100, constant: true, escapes: false }, go126).objects, []);
    const r = constructRequests({ kind: 'runes-from-string', runes: 10 }, go126);
    assert.deepEqual([r.objects[0]!.bytes, r.newCap], [48, 12]);
  });

  test('concatenation: rawstring(total); a single non-empty operand is returned as is', () => {
    assert.deepEqual(constructRequests({ kind: 'concat', operandBytes: [20, 30] }, go126).objects, [
      { what: 'rawstring', bytes: 50, pointers: false },
    ]);
    assert.deepEqual(constructRequests({ kind: 'concat', operandBytes: [0, 30] }, go126).objects, []);
    assert.equal(constructRequests({ kind: 'concat', operandBytes: [0, 30], operandOnStack: true }, go126).objects.length, 1);
    assert.deepEqual(constructRequests({ kind: 'concat', operandBytes: [10, 10], escapes: false }, go126).objects, []);
  });

  test('closures: struct{F uintptr; captures…}; scalars only → noscan; > 128 B or reassigned → by reference', () => {
    assert.deepEqual(constructRequests({ kind: 'closure', captures: [{ type: i64 }, { type: i64 }] }, go126).objects, [
      { what: 'closure', bytes: 24, pointers: false },
    ]);
    assert.deepEqual(constructRequests({ kind: 'closure', captures: [{ type: ptr }, { type: i64 }] }, go126).objects, [
      { what: 'closure', bytes: 24, pointers: true },
    ]);
    const byRef = constructRequests({ kind: 'closure', captures: [{ type: str, reassigned: true }] }, go126).objects;
    assert.deepEqual(
      byRef.map((o) => [o.bytes, o.pointers]),
      [
        [16, true],
        [16, true],
      ],
    );
    const big = constructRequests({ kind: 'closure', captures: [{ type: { bytes: 200, align: 8, pointers: false } }] }, go126).objects;
    assert.deepEqual(
      big.map((o) => [o.bytes, o.pointers]),
      [
        [200, false],
        [16, true],
      ],
    );
    assert.deepEqual(
      constructRequests({ kind: 'closure', captures: [{ type: { bytes: 1, align: 1, pointers: false } }, { type: i64 }] }, go126)
        .objects[0]!.bytes,
      24,
      'fields are aligned',
    );
    assert.deepEqual(constructRequests({ kind: 'closure', captures: [] }, go126).objects, []);
  });

  test('interface conversions: convT64/convTstring/convTslice/convT(noptr) and the no-allocation shortcuts', () => {
    const one = (spec: Parameters<typeof constructRequests>[0]) =>
      constructRequests(spec, go126).objects.map((o) => [o.what, o.bytes, o.pointers]);
    assert.deepEqual(one({ kind: 'convert', type: i64 }), [['convT64', 8, false]]);
    assert.deepEqual(one({ kind: 'convert', type: i64, staticValue: 'small-int' }), []);
    assert.deepEqual(one({ kind: 'convert', type: str, shape: 'string' }), [['convTstring', 16, true]]);
    assert.deepEqual(one({ kind: 'convert', type: str, shape: 'string', staticValue: 'empty' }), []);
    assert.deepEqual(one({ kind: 'convert', type: { bytes: 24, align: 8, pointers: true }, shape: 'slice' }), [['convTslice', 24, true]]);
    assert.deepEqual(one({ kind: 'convert', type: { bytes: 24, align: 8, pointers: false } }), [['convTnoptr', 24, false]]);
    assert.deepEqual(one({ kind: 'convert', type: { bytes: 16, align: 8, pointers: true } }), [['convT', 16, true]]);
    assert.deepEqual(one({ kind: 'convert', type: ptr, shape: 'pointer-shaped' }), []);
    assert.deepEqual(one({ kind: 'convert', type: { bytes: 1, align: 1, pointers: false } }), []);
    assert.deepEqual(one({ kind: 'convert', type: { bytes: 0, align: 1, pointers: false } }), []);
    assert.deepEqual(one({ kind: 'convert', type: { bytes: 24, align: 8, pointers: false }, escapes: false }), []);
    // uint64 is 4-aligned on 32-bit targets, and convT64 still applies there.
    assert.deepEqual(
      constructRequests({ kind: 'convert', type: { bytes: 8, align: 4, pointers: false } }, rulesFor('1.26', '386')).objects.map(
        (o) => o.what,
      ),
      ['convT64'],
    );
    // facts §6: convTstring lands in class 2 scan (span class 4).
    assert.equal(constructPredictions({ kind: 'convert', type: str, shape: 'string' }, go126).objects[0]!.prediction.spanClass, 4);
  });

  test('maps, swiss tables (go1.24+): facts §6 worked example make(map[string]int, 100)', () => {
    assert.equal(swissGroup(i64, i64, go126).bytes, 136);
    assert.equal(swissGroup(str, i64, go126).bytes, 200);
    const r = constructPredictions({ kind: 'makemap', key: str, elem: i64, hint: 100 }, go126);
    assert.deepEqual(
      r.objects.map((o) => [o.what, o.bytes, o.prediction.slotBytes]),
      [
        ['maps.Map', 48, 48],
        ['directory', 8, 8],
        ['table', 32, 32],
        ['groups', 3200, 3456],
      ],
    );
    assert.deepEqual(
      constructRequests({ kind: 'makemap', key: i64, elem: i64, hint: 0 }, go126).objects.map((o) => o.bytes),
      [48],
    );
    // hint 1000: target 1142 → 2 tables of 1024 slots (128 groups each).
    const big = constructRequests({ kind: 'makemap', key: i64, elem: i64, hint: 1000 }, go126).objects;
    assert.deepEqual(
      big.map((o) => o.bytes),
      [48, 16, 32, 17408, 32, 17408],
    );
  });

  test('maps, old hmap (go1.21–1.23, noswissmap): buckets filled to the slot, preallocated overflow, mapextra', () => {
    assert.equal(hmapBucket(i64, i64, go122).bytes, 144);
    assert.equal(hmapBucket(str, i64, go122).bytes, 208);
    const go123 = rulesFor('1.23');
    assert.deepEqual(
      constructRequests({ kind: 'makemap', key: str, elem: i64, hint: 100 }, go123).objects.map((o) => [o.what, o.bytes]),
      [
        ['hmap', 48],
        ['buckets', 19 * 208],
        ['mapextra', 24],
      ],
    );
    // go1.21's load factor truncates to 6: hint 100 needs B = 5 (32 + 2 overflow → filled to 39).
    assert.deepEqual(
      constructRequests({ kind: 'makemap', key: str, elem: i64, hint: 100 }, go121).objects.map((o) => o.bytes),
      [48, 39 * 208, 24],
    );
    assert.deepEqual(
      constructRequests({ kind: 'makemap', key: i64, elem: i64, hint: 8 }, go123).objects.map((o) => o.bytes),
      [48],
    );
    // go1.24 added hmap.clearSeq: 56 B under GOEXPERIMENT=noswissmap.
    assert.deepEqual(
      constructRequests({ kind: 'makemap', key: i64, elem: i64, hint: 8 }, rulesFor('1.25', 'amd64', { swissmap: false })).objects.map(
        (o) => [o.what, o.bytes],
      ),
      [['hmap', 56]],
    );
  });

  test('channels: hchan per version; pointer-free buffers share the hchan object', () => {
    const sizes = [21, 22, 23, 24, 25, 26, 27].map(
      (v) => constructRequests({ kind: 'makechan', elem: i64, size: 0 }, rulesFor(`1.${v}`)).objects[0]!.bytes,
    );
    assert.deepEqual(sizes, [96, 96, 104, 104, 112, 112, 112]);
    assert.deepEqual(constructRequests({ kind: 'makechan', elem: i64, size: 8 }, go126).objects, [
      { what: 'hchan+buf', bytes: 176, pointers: false },
    ]);
    assert.deepEqual(
      constructRequests({ kind: 'makechan', elem: ptr, size: 16 }, go126).objects.map((o) => [o.bytes, o.pointers]),
      [
        [112, true],
        [128, true],
      ],
    );
    assert.equal(constructRequests({ kind: 'makechan', elem: i64, size: 0 }, rulesFor('1.26', '386')).objects[0]!.bytes, 64);
  });

  test('bad input is a ModelInputError', () => {
    assert.throws(() => constructRequests({ kind: 'new', type: { bytes: -1, align: 8, pointers: false } }, go126), ModelInputError);
    assert.throws(() => constructRequests({ kind: 'new', type: { bytes: 8, align: 3, pointers: false } }, go126), ModelInputError);
    assert.throws(() => constructRequests({ kind: 'concat', operandBytes: [1.5] }, go126), ModelInputError);
  });
});

suite('classThresholdsForN (make([]T, n) as a function of n)', () => {
  test('8-byte pointers on go1.22+: n ≤ 64 without header, 65 jumps to 576 B (520 + 8 header)', () => {
    const ranges = classThresholdsForN(8, true, go126);
    const at = (n: number) => ranges.find((r) => n >= r.nMin && n <= r.nMax)!;
    assert.equal(at(64).slotBytes, 512);
    assert.equal(at(65).slotBytes, 576);
    assert.equal(at(71).slotBytes, 576);
    assert.equal(at(72).slotBytes, 640);
    assert.equal(at(4095).kind, 'small'); // 32760 B
    assert.equal(at(4096).kind, 'large');
    assert.equal(classThresholdsForN(8, true, go121).find((r) => r.kind === 'large')!.nMin, 4097);
  });

  test('bytes: 1..15 tiny, then one range per class; zero-size elements never allocate', () => {
    const ranges = classThresholdsForN(1, false, go126);
    assert.deepEqual(
      ranges.slice(0, 3).map((r) => [r.kind, r.nMin, r.nMax]),
      [
        ['zero', 0, 0],
        ['tiny', 1, 15],
        ['small', 16, 16],
      ],
    );
    assert.deepEqual(
      classThresholdsForN(0, false, go126).map((r) => r.kind),
      ['zero'],
    );
  });

  test('property: ranges are contiguous and every n lands where classify puts n × elem', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 3, 8, 12, 24, 40, 100, 1000, 5000),
        fc.boolean(),
        fc.constantFrom(go121, go122, go126),
        fc.integer({ min: 0, max: 40000 }),
        (elem, pointers, rules, n) => {
          if (pointers && elem % 8 !== 0) return;
          const ranges = classThresholdsForN(elem, pointers, rules);
          for (let i = 1; i < ranges.length; i++) assert.equal(ranges[i]!.nMin, ranges[i - 1]!.nMax + 1);
          const r = ranges.find((x) => n >= x.nMin && n <= x.nMax)!;
          const p = classify({ bytes: n * elem, pointers }, rules);
          assert.equal(r.kind, p.kind);
          if (p.kind === 'small') assert.equal(r.sizeClass, p.sizeClass);
        },
      ),
    );
  });
});

suite('dynamicRows (the "size class by n" table of run-time sizes)', () => {
  const byte: TypeShape = { bytes: 1, align: 1, pointers: false };
  const rowsOf = (alloc: Parameters<typeof dynamicRows>[0], elem: TypeShape, rules = go126) =>
    dynamicRows(alloc, elem, rules).map((r) => [r.kind, r.nMin, r.nMax, r.requestBytes, r.newCap ?? null, r.sizeClass]);

  test('append to []byte: growslice rounds to the slot first, so 9..16 bytes ask for 16 B (no tiny), 1..8 for 8 B (tiny)', () => {
    assert.deepEqual(rowsOf('growslice', byte).slice(0, 5), [
      ['zero', 0, 0, 0, 0, 0],
      ['tiny', 1, 8, 8, 8, 2],
      ['small', 9, 16, 16, 16, 2],
      ['small', 17, 24, 24, 24, 3],
      ['small', 25, 32, 32, 32, 4],
    ]);
    // Measured on go1.26 (issue 10): appending 5 bytes to an empty slice gives cap 8, packed two to a block.
    const five = classify({ bytes: dynamicRequest('growslice', 5, byte, go126).bytes, pointers: false }, go126);
    assert.deepEqual([five.kind, five.requestBytes, five.tinyPerBlock], ['tiny', 8, 2]);
    const twelve = dynamicRequest('growslice', 12, byte, go126);
    assert.deepEqual([twelve.bytes, twelve.newCap, classify({ bytes: twelve.bytes, pointers: false }, go126).kind], [16, 16, 'small']);
    // make([]byte, n) asks for exactly n bytes: 1..15 stay tiny there.
    assert.deepEqual(rowsOf('makeslice', byte).slice(1, 3), [
      ['tiny', 1, 15, 1, null, 2],
      ['small', 16, 16, 16, null, 2],
    ]);
  });

  test('the last class of a rounded []byte: 32768 B noscan is a large object from go1.22 (a small one on go1.21)', () => {
    const last = (rules: typeof go126) => dynamicRows('growslice', byte, rules).find((r) => r.nMin <= 30000 && 30000 <= r.nMax)!;
    assert.deepEqual([last(go126).kind, last(go126).requestBytes, last(go126).nMax], ['large', 32768, 32760]);
    assert.deepEqual([last(go121).kind, last(go121).sizeClass, last(go121).nMax], ['small', 67, 32768]);
  });

  test('append of pointers: the malloc header (go1.22+) comes out of the rounded capacity', () => {
    const at = (rules: typeof go126, n: number) => dynamicRows('growslice', ptr, rules).find((r) => r.nMin <= n && n <= r.nMax)!;
    // 65 pointers = 520 B: with the 8 B header the slot is 576, so 568 B = 71 pointers; go1.21 has no header: 72.
    assert.deepEqual([at(go126, 65).requestBytes, at(go126, 65).newCap, at(go126, 65).slotBytes], [568, 71, 576]);
    assert.deepEqual([at(go121, 65).requestBytes, at(go121, 65).newCap, at(go121, 65).slotBytes], [576, 72, 576]);
    assert.equal(at(go126, 1).kind, 'small'); // pointerful: never tiny
    const noHeaders = rulesFor('1.22', 'amd64', parseGoExperiment('noallocheaders'));
    assert.equal(at(noHeaders, 65).newCap, 72);
  });

  test('elements that do not divide the slot: the request is the whole elements that fit, which can be tiny', () => {
    const e12: TypeShape = { bytes: 12, align: 4, pointers: false };
    // n = 1: roundupsize(12) = 16, one element fits, mallocgc(12) is tiny.
    assert.deepEqual(rowsOf('growslice', e12).slice(1, 3), [
      ['tiny', 1, 1, 12, 1, 2],
      ['small', 2, 2, 24, 2, 3],
    ]);
  });

  test('string conversions: []byte(s) rounds like append, []rune(s) rounds 4n, string(b) of one byte allocates nothing', () => {
    assert.deepEqual(rowsOf('rawbyteslice', byte), rowsOf('growslice', byte));
    assert.deepEqual(rowsOf('rawruneslice', byte).slice(0, 3), [
      ['zero', 0, 0, 0, 0, 0],
      ['tiny', 1, 2, 8, 2, 2],
      ['small', 3, 4, 16, 4, 2],
    ]);
    assert.deepEqual(rowsOf('rawstring', byte).slice(0, 3), [
      ['zero', 0, 1, 0, null, 0],
      ['tiny', 2, 15, 2, null, 2],
      ['small', 16, 16, 16, null, 2],
    ]);
  });

  test('property: rows are contiguous from 0 and every n lands where the runtime function puts it, on every version', () => {
    const versions = [21, 22, 23, 24, 25, 26, 27].map((m) => rulesFor(`1.${m}`));
    versions.push(rulesFor('1.22', 'amd64', parseGoExperiment('noallocheaders')), rulesFor('1.26', '386'));
    fc.assert(
      fc.property(
        fc.constantFrom('makeslice', 'growslice', 'rawbyteslice', 'rawruneslice', 'rawstring') as fc.Arbitrary<
          Parameters<typeof dynamicRows>[0]
        >,
        fc.constantFrom(1, 3, 4, 8, 12, 24, 40, 100, 1000, 5000),
        fc.boolean(),
        fc.constantFrom(...versions),
        fc.oneof(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 40000 })),
        (alloc, bytes, pointers, rules, n) => {
          if (pointers && bytes % rules.ptrSize !== 0) return;
          const elem: TypeShape = { bytes, align: 1, pointers };
          const rows = dynamicRows(alloc, elem, rules);
          assert.equal(rows[0]!.nMin, 0);
          assert.equal(rows[rows.length - 1]!.nMax, Infinity);
          for (let i = 1; i < rows.length; i++) assert.equal(rows[i]!.nMin, rows[i - 1]!.nMax + 1);
          const r = rows.find((x) => n >= x.nMin && n <= x.nMax)!;
          const req = dynamicRequest(alloc, n, elem, rules);
          const p = classify({ bytes: req.bytes, pointers: req.pointers }, rules);
          assert.equal(r.kind, p.kind, `${alloc} ${bytes}${pointers ? 's' : 'n'} n=${n} go${rules.goVersion}`);
          assert.equal(r.spanClass, p.spanClass);
          if (p.kind !== 'large') assert.equal(r.sizeClass, p.sizeClass);
          if (r.newCap !== undefined) assert.equal(req.newCap, r.newCap);
          if (alloc !== 'makeslice' && alloc !== 'rawstring' && r.nMax !== Infinity) assert.equal(req.bytes, r.requestBytes);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('the join gives an append site the growslice rows, a make site the makeslice rows', () => {
    const file = '/m/main.go';
    const d = (expr: string, line: number): Diagnostic => ({
      file: './main.go',
      absFile: file,
      line,
      column: 6,
      kind: 'escapes',
      expr,
      message: `${expr} escapes to heap`,
      inputLine: line,
      package: 'example.com/m',
    });
    const bytesT = { name: '[]byte', qname: '[]byte', size: 24, align: 8, ptrBytes: 8, kind: 'slice' };
    const byteT = { name: 'byte', qname: 'byte', size: 1, align: 1, ptrBytes: 0, kind: 'basic' };
    const [app, mk] = joinSites(
      [d('append(b, s...)', 3), d('make([]byte, n)', 4)],
      [
        { file, pkg: 'example.com/m', kind: 'append', line: 3, col: 6, type: bytesT, elem: byteT },
        { file, pkg: 'example.com/m', kind: 'make', line: 4, col: 6, type: bytesT, elem: byteT },
      ],
      { rules: go126 },
    );
    const at = (s: typeof app, n: number) => s!.dynamic!.find((r) => r.minN <= n && (r.maxN === null || n <= r.maxN))!.prediction;
    assert.deepEqual([at(app, 5).kind, at(app, 5).requestBytes], ['tiny', 8]);
    assert.deepEqual([at(app, 12).kind, at(app, 12).requestBytes, at(app, 12).sizeClass], ['small', 16, 2]);
    assert.deepEqual([at(mk, 12).kind, at(mk, 12).requestBytes], ['tiny', 12 - 11]); // the row's first n: 1 B
  });
});
