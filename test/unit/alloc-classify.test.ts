import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, test } from 'node:test';
import fc from 'fast-check';
import { classify, nelems, roundupsize, sizeToClass, tinyPerBlock } from '../../src/core/alloc/malloc.ts';
import { sizeClassToNPages, sizeClassToSize } from '../../src/core/alloc/sizeclasses.ts';
import { ModelInputError, parseGoExperiment, parseGoVersion, rulesFor } from '../../src/core/alloc/versions.ts';

function csv(name: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(join(__dirname, '..', 'data', 'facts', name), 'utf8')
    .trim()
    .split('\n');
  const cols = head!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i]!, v])));
}

suite('size classes (generated from the runtime table)', () => {
  test('all 67 classes match facts/sizeclasses-go1.26.4.csv row by row, plus class 0', () => {
    const rows = csv('sizeclasses-go1.26.4.csv');
    assert.equal(rows.length, 67);
    assert.equal(sizeClassToSize.length, 68);
    assert.equal(sizeClassToSize[0], 0);
    assert.equal(sizeClassToNPages[0], 0);
    for (const r of rows) {
      const c = Number(r.class);
      assert.equal(sizeClassToSize[c], Number(r.bytes), `class ${c} bytes`);
      assert.equal(sizeClassToNPages[c], Number(r.npages), `class ${c} npages`);
      assert.equal(Math.floor((sizeClassToNPages[c]! * 8192) / sizeClassToSize[c]!), Number(r.objects), `class ${c} objects`);
    }
  });

  test('lookup returns the smallest class whose size ≥ request, for every size 1..32768', () => {
    let c = 1;
    for (let size = 1; size <= 32768; size++) {
      while (sizeClassToSize[c]! < size) c++;
      assert.equal(sizeToClass(size), c, `size ${size}`);
    }
  });
});

suite('objects per span (facts/span-nelems.csv, every class × regime × arch)', () => {
  const regimes = [
    { col: 'pre122', go: '1.21', exp: {} },
    { col: 'allocheaders', go: '1.22', exp: {} },
    { col: 'allocheaders', go: '1.25', exp: {} },
    { col: 'allocheaders', go: '1.26', exp: { greenteagc: false } },
    { col: 'greentea', go: '1.25', exp: { greenteagc: true } },
    { col: 'greentea', go: '1.26', exp: {} },
    { col: 'greentea', go: '1.27', exp: {} },
    { col: 'pre122', go: '1.22', exp: { allocheaders: false } },
  ];
  for (const { col, go, exp } of regimes) {
    for (const [bits, arch] of [
      ['64bit', 'amd64'],
      ['32bit', '386'],
    ] as const) {
      test(`go${go} ${JSON.stringify(exp)} ${arch} = ${bits}_${col}`, () => {
        const rules = rulesFor(go, arch, exp);
        for (const r of csv('span-nelems.csv')) {
          const c = Number(r.class);
          assert.equal(nelems(c, true, rules), Number(r[`${bits}_${col}_noscan`]), `class ${c} noscan`);
          assert.equal(nelems(c, false, rules), Number(r[`${bits}_${col}_scan`]), `class ${c} scan`);
        }
      });
    }
  }
});

suite('classify', () => {
  const r21 = rulesFor('1.21');
  const r22 = rulesFor('1.22');
  const r26 = rulesFor('1.26');

  test('pointerful user sizes per class in go1.22+ (facts/pointerful-class-ranges-64bit-go1.22plus.csv)', () => {
    for (const row of csv('pointerful-class-ranges-64bit-go1.22plus.csv')) {
      const c = Number(row.class);
      for (const size of [Number(row.min_user_size), Number(row.max_user_size)]) {
        if (size > 32760) continue;
        const p = classify({ bytes: size, pointers: true }, r22);
        assert.equal(p.sizeClass, c, `pointerful ${size}`);
        assert.equal(p.headerBytes > 0, row.has_malloc_header === 'yes', `header for ${size}`);
      }
    }
  });

  test('the malloc header moves pointerful 1024 B from class 32 (go1.21) to 33 (go1.22)', () => {
    const a = classify({ bytes: 1024, pointers: true }, r21);
    const b = classify({ bytes: 1024, pointers: true }, r22);
    assert.deepEqual([a.sizeClass, a.slotBytes, a.headerBytes, a.spanClass], [32, 1024, 0, 64]);
    assert.deepEqual([b.sizeClass, b.slotBytes, b.headerBytes, b.spanClass], [33, 1152, 8, 66]);
    assert.equal(b.wasteBytes, 128);
    assert.equal(classify({ bytes: 1024, pointers: false }, r22).sizeClass, 32);
    assert.equal(classify({ bytes: 512, pointers: true }, r22).headerBytes, 0);
    assert.equal(classify({ bytes: 520, pointers: true }, r22).headerBytes, 8);
    // 32-bit: the header threshold is 128 B.
    assert.equal(classify({ bytes: 132, pointers: true }, rulesFor('1.22', '386')).headerBytes, 8);
    assert.equal(classify({ bytes: 128, pointers: true }, rulesFor('1.22', '386')).headerBytes, 0);
  });

  test('tiny, zero, large and the 32760 cutoff', () => {
    const t = classify({ bytes: 5, pointers: false }, r26);
    assert.deepEqual([t.kind, t.spanClass, t.slotBytes, t.objectsPerSpan, t.tinyPerBlock], ['tiny', 5, 16, 504, 3]);
    assert.equal(classify({ bytes: 5, pointers: false }, r22).objectsPerSpan, 512);
    assert.equal(classify({ bytes: 5, pointers: true }, r26).kind, 'small');
    assert.equal(classify({ bytes: 16, pointers: false }, r26).kind, 'small');
    assert.equal(classify({ bytes: 0, pointers: true }, r26).kind, 'zero');
    const l = classify({ bytes: 40000, pointers: false }, r26);
    assert.deepEqual([l.kind, l.sizeClass, l.spanClass, l.npages, l.slotBytes], ['large', 0, 1, 5, 40960]);
    assert.equal(classify({ bytes: 40000, pointers: true }, r26).spanClass, 0);
    assert.equal(classify({ bytes: 32768, pointers: false }, r21).sizeClass, 67);
    assert.equal(classify({ bytes: 32761, pointers: false }, r22).kind, 'large');
    assert.equal(classify({ bytes: 32760, pointers: true }, r22).sizeClass, 67);
    assert.equal(classify({ bytes: 32768, pointers: true }, r22).npages, 4);
  });

  test('tinyPerBlock follows mallocgcTiny alignment', () => {
    assert.equal(tinyPerBlock(8, 8), 2);
    assert.equal(tinyPerBlock(4, 8), 4);
    assert.equal(tinyPerBlock(1, 8), 16);
    assert.equal(tinyPerBlock(9, 8), 1);
    assert.equal(tinyPerBlock(12, 8), 1);
    assert.equal(tinyPerBlock(6, 8), 2); // offsets 0 and 6; a third at 12 needs 18 > 16
    assert.equal(tinyPerBlock(3, 8), 5);
  });

  test('roundupsize: append of 100 *int gives cap 111 in go1.22+, 112 before', () => {
    assert.equal(roundupsize(800, false, r22) / 8, 111);
    assert.equal(roundupsize(800, false, r21) / 8, 112);
    assert.equal(roundupsize(100, true, r22), 112);
    assert.equal(roundupsize(40000, true, r22), 40960);
  });

  test('property: slot ≥ request + header, and the next smaller class would not fit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70000 }), fc.boolean(), fc.constantFrom('1.21', '1.22', '1.26', '1.27'), (bytes, ptr, go) => {
        const size = ptr ? Math.ceil(bytes / 8) * 8 : bytes;
        const p = classify({ bytes: size, pointers: ptr }, rulesFor(go));
        assert.ok(p.slotBytes >= size + p.headerBytes);
        if (p.kind === 'small') assert.ok(sizeClassToSize[p.sizeClass - 1]! < size + p.headerBytes);
        assert.equal(p.spanClass, p.kind === 'tiny' ? 5 : (p.sizeClass << 1) | (ptr ? 0 : 1));
      }),
    );
  });

  test('bad input is a ModelInputError', () => {
    assert.throws(() => classify({ bytes: -1, pointers: false }, r26), ModelInputError);
    assert.throws(() => classify({ bytes: 1.5, pointers: false }, r26), ModelInputError);
    assert.throws(() => classify({ bytes: 2 ** 49, pointers: false }, r26), ModelInputError);
    assert.throws(() => rulesFor('1.19'), /covers go1.21 to go1.27/);
    assert.throws(() => rulesFor('banana'), /unknown Go version/);
    assert.throws(() => rulesFor('1.26', 'sparc'), /unsupported GOARCH/);
    assert.throws(() => rulesFor('1.21', 'amd64', { greenteagc: true }), /does not exist/);
    assert.throws(() => rulesFor('1.26', 'amd64', { swissmap: false }), /does not exist/);
  });
});

suite('versions', () => {
  test('parseGoVersion accepts the forms go prints', () => {
    assert.equal(parseGoVersion('go1.26.4'), 26);
    assert.equal(parseGoVersion('1.22'), 22);
    assert.equal(parseGoVersion('go1.27rc1'), 27);
    assert.equal(parseGoVersion('devel go1.27-e7bccd364e'), 27);
    assert.equal(parseGoVersion('go1.21.13 X:nocoverageredesign'), 21);
  });
  test('parseGoExperiment reads go env GOEXPERIMENT', () => {
    assert.deepEqual(parseGoExperiment('nogreenteagc,sizespecializedmalloc,fieldtrack'), {
      greenteagc: false,
      sizespecializedmalloc: true,
    });
    assert.deepEqual(parseGoExperiment(''), {});
  });
  test('per-version constants', () => {
    assert.deepEqual(
      ['1.21', '1.22', '1.23', '1.24', '1.25', '1.26', '1.27'].map((v) => rulesFor(v).hchanSizeBytes),
      [96, 96, 104, 104, 112, 112, 112],
    );
    assert.deepEqual(
      ['1.21', '1.23', '1.24', '1.26'].map((v) => rulesFor(v).swissMaps),
      [false, false, true, true],
    );
    assert.equal(rulesFor('1.24', 'amd64', { swissmap: false }).swissMaps, false);
    assert.equal(rulesFor('1.26', 'wasm').heapArenaBytes, 512 << 10);
    assert.equal(rulesFor('1.25', 'wasm').heapArenaBytes, 4 << 20);
    assert.equal(rulesFor('1.26', '386').heapArenaBytes, 4 << 20);
    assert.equal(rulesFor('1.26').heapArenaBytes, 64 << 20);
  });
});
