// The layout advisor (src/core/layout): gc's struct layout rules, the best order by
// (slot, pointer prefix, size, moves), which types get advice, refusals and warnings. Pure:
// struct facts are written here as the helper prints them (typefacts/layout.go).
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import fc from 'fast-check';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import { advise, namedTypesIn } from '../../src/core/layout/advise.ts';
import { bestOrder, movesOf, orderCost, sortedOrder } from '../../src/core/layout/order.ts';
import { layoutSummary } from '../../src/core/layout/present.ts';
import type { LayoutField, LayoutStruct, LayoutUse } from '../../src/core/layout/types.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';

const f = (name: string, size: number, align: number, ptrBytes = 0, type = 'int'): LayoutField => ({
  name,
  size,
  align,
  ptrBytes,
  type,
  decl: 0,
});
const bool = (n: string) => f(n, 1, 1, 0, 'bool');
const i64 = (n: string) => f(n, 8, 8, 0, 'int64');
const ptr = (n: string) => f(n, 8, 8, 8, '*T');
const str = (n: string) => f(n, 16, 8, 8, 'string');

function struct(name: string, fields: LayoutField[], extra: Partial<LayoutStruct> = {}): LayoutStruct {
  const c = orderCost(
    fields,
    fields.map((_, i) => i),
  );
  return {
    kind: 'struct',
    pkg: 'example.com/m',
    pkgName: 'm',
    name,
    file: '/m/m.go',
    line: 3,
    col: 6,
    exported: true,
    size: c.size,
    align: c.align,
    ptrBytes: c.ptrBytes,
    fields: fields.map((x, i) => ({ ...x, decl: i })),
    structText: 'struct{}',
    ...extra,
  };
}

function site(typeName: string, extra: Partial<AllocationSite> = {}): AllocationSite {
  return {
    file: '/m/m.go',
    line: 20,
    column: 9,
    construct: 'composite-lit',
    expr: '&x{}',
    escapes: true,
    reason: [],
    type: { name: typeName, size: null, align: null, ptrBytes: null },
    prediction: {} as AllocationSite['prediction'],
    package: 'example.com/m',
    ...extra,
  };
}

const go126 = rulesFor('1.26', 'amd64');

suite('gc struct layout (orderCost)', () => {
  test('padding, alignment, trailing zero-size field', () => {
    assert.deepEqual(orderCost([bool('a'), i64('b'), bool('c')], [0, 1, 2]), { size: 24, align: 8, ptrBytes: 0 });
    assert.deepEqual(orderCost([i64('a'), f('_', 0, 1)], [0, 1]), { size: 16, align: 8, ptrBytes: 0 });
    assert.deepEqual(orderCost([i64('a'), f('_', 0, 1)], [1, 0]), { size: 8, align: 8, ptrBytes: 0 });
    // ptrBytes ends at the last pointer word of the last pointerful field.
    assert.deepEqual(orderCost([i64('n'), str('s'), i64('m')], [0, 1, 2]), { size: 32, align: 8, ptrBytes: 16 });
    // An array of structs is one field: [3]struct{p *T; n int64} has its pointer prefix 40.
    assert.deepEqual(orderCost([i64('x'), f('arr', 48, 8, 40, '[3]E')], [0, 1]), { size: 56, align: 8, ptrBytes: 48 });
  });

  test('sortedOrder reaches the smallest size of every permutation (small structs, exhaustive)', () => {
    const field = fc.oneof(
      fc.constant(bool('b')),
      fc.constant(f('h', 2, 2)),
      fc.constant(f('w', 4, 4)),
      fc.constant(i64('q')),
      fc.constant(ptr('p')),
      fc.constant(str('s')),
      fc.constant(f('z', 0, 1)),
      fc.constant(f('a3', 12, 4)),
    );
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 6 }), (fields) => {
        const perms = permutations(fields.map((_, i) => i));
        let minSize = Infinity;
        let minPtr = Infinity;
        for (const p of perms) minSize = Math.min(minSize, orderCost(fields, p).size);
        for (const p of perms) {
          const c = orderCost(fields, p);
          if (c.size === minSize) minPtr = Math.min(minPtr, c.ptrBytes);
        }
        const s = orderCost(fields, sortedOrder(fields));
        const b = orderCost(fields, bestOrder(fields));
        assert.equal(s.size, minSize);
        assert.equal(s.ptrBytes, minPtr);
        assert.deepEqual([b.size, b.ptrBytes], [s.size, s.ptrBytes]);
        assert.ok(movesOf(bestOrder(fields)) <= movesOf(sortedOrder(fields)));
      }),
      { numRuns: 300 },
    );
  });

  test('fewest moves: one field moved instead of a full sort', () => {
    // a bool, b..e int64, f bool: moving f up next to a reaches 40 B with one move.
    const fields = [bool('a'), i64('b'), i64('c'), i64('d'), i64('e'), bool('f')];
    const best = bestOrder(fields);
    assert.equal(orderCost(fields, best).size, 40);
    assert.equal(movesOf(best), 1);
  });
});

function permutations(xs: number[]): number[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

suite('advice', () => {
  const S = struct('S', [bool('A'), i64('B'), bool('C'), i64('D'), bool('E'), i64('F'), bool('G')]);

  test('a type at a heap site that moves to a smaller class is advised, with the words of the hover', () => {
    const r = advise([S], [], [site('S')], go126);
    assert.equal(r.types.length, 1);
    const a = r.types[0]!;
    assert.deepEqual([a.current.size, a.current.slotBytes, a.current.sizeClass], [56, 64, 6]);
    assert.deepEqual([a.best.size, a.best.slotBytes, a.best.sizeClass], [32, 32, 4]);
    assert.equal(a.slotSavingBytes, 32);
    assert.equal(a.fix, 'ok');
    assert.equal(a.weight.sites, 1);
    assert.equal(layoutSummary(a), 'reordered: 56 → 32 B, slot 64 → 32 B (c6 → c4), −50 % per object');
  });

  test('padding that changes no slot and no scan is not advised (unless minSaving is padding)', () => {
    // 24 B as written, 16 B best: slots 24 and 16 differ — pick one whose classes match: 40 vs 48 B → both c5 (48).
    const T = struct('T', [bool('a'), i64('b'), i64('c'), i64('d'), i64('e'), bool('f')]);
    assert.equal(T.size, 48);
    assert.equal(advise([T], [], [site('T')], go126).types.length, 0);
    assert.equal(advise([T], [], [site('T')], go126, { minSaving: 'padding' }).types.length, 1);
  });

  test('scanned bytes alone justify advice; noscan hint names the pointer fields', () => {
    const U = struct('U', [i64('n'), i64('m'), ptr('p')]);
    const a = advise([U], [], [site('*U')], go126).types[0]!;
    assert.equal(a.slotSavingBytes, 0);
    assert.equal(a.scanSavingBytes, 16);
    assert.deepEqual(a.best.fields, ['p', 'n', 'm']);
    assert.match(a.hints[0]!, /only p \*T holds pointers.*noscan/);
  });

  test('types only off the heap are not examined; all=true examines every struct', () => {
    assert.equal(advise([S], [], [site('S', { escapes: false })], go126).types.length, 0);
    assert.equal(advise([S], [], [], go126, { all: true }).types.length, 1);
  });

  test('element types: a slice of 1000 saves per element even when one object would not', () => {
    const T = struct('T', [bool('a'), i64('b'), i64('c'), i64('d'), i64('e'), bool('f')]);
    const s = site('[]T', {
      construct: 'make-slice',
      elements: { type: { name: 'T', size: 48, align: 8, ptrBytes: 0 }, len: 1000, cap: 1000 },
    });
    const a = advise([T], [], [s], go126).types[0]!;
    assert.equal(a.sites[0]!.elements, 1000);
    assert.deepEqual([a.sites[0]!.slotBytesBefore, a.sites[0]!.slotBytesAfter], [48 * 1024, 40960]);
  });

  test('measured objects weigh the saving', () => {
    const s = { ...site('S'), measured: { objects: 1000 } } as AllocationSite;
    const a = advise([S], [], [s], go126).types[0]!;
    assert.deepEqual(a.weight, { sites: 1, objects: 1000 });
    assert.equal(a.totalSavingBytes, 32000);
    assert.match(layoutSummary(a), /−31\.3 KiB on the loaded profile/);
  });

  test('refusals and warnings', () => {
    const use = (what: LayoutUse['what'], line: number): LayoutUse => ({
      kind: 'layoutUse',
      of: 'example.com/m.S',
      what,
      file: '/m/x.go',
      line,
      col: 7,
    });
    const a = advise([S], [use('unkeyed-literal', 9), use('marshal-json', 12)], [site('S')], go126, { modulePath: 'example.com/m' })
      .types[0]!;
    assert.equal(a.fix, 'refused');
    assert.deepEqual(a.reasons, ['unkeyed composite literal at /m/x.go:9:7']);
    assert.equal(a.warnings.length, 2);
    assert.match(a.warnings[0]!, /encoding\/json/);
    assert.match(a.warnings[1]!, /exported from module example.com\/m/);
    for (const [extra, re] of [
      [{ generated: true }, /generated/],
      [{ hostLayout: true }, /HostLayout/],
      [{ cgo: true }, /cgo/],
    ] as const) {
      const r = advise([{ ...S, ...extra }], [], [site('S')], go126).types[0]!;
      assert.equal(r.fix, 'refused');
      assert.match(r.reasons[0]!, re);
    }
  });

  test('generic types, invalid types and huge arrays are listed as not advised', () => {
    const G = struct('G', [bool('a'), f('v', 0, 1), bool('b')], { generic: true, size: null });
    const huge = struct('H', [bool('a'), f('big', 2 ** 50, 8), bool('b')]);
    const r = advise([G, huge], [], [site('G[int]'), site('H')], go126);
    assert.equal(r.types.length, 0);
    assert.match(r.notAdvised.find((n) => n.name === 'G')!.reason, /^generic: not advised.*G\[int\]/);
    assert.match(r.notAdvised.find((n) => n.name === 'H')!.reason, /too large/);
  });

  test('site type names: wrappers, maps, chans, qualifiers, instances', () => {
    assert.deepEqual(
      namedTypesIn('map[K]*[4]pkg.V').map((n) => n.qualifier + '.' + n.name),
      ['.K', 'pkg.V'],
    );
    assert.deepEqual(namedTypesIn('chan []S'), [{ qualifier: '', name: 'S', generic: false }]);
    assert.deepEqual(namedTypesIn('Pair[int,string]'), [{ qualifier: '', name: 'Pair', generic: true }]);
  });

  test('32-bit: pointers are 4 B, the malloc header threshold 128 B', () => {
    const fields = [bool('a'), f('p', 4, 4, 4, '*T'), bool('b')];
    const a = advise([struct('P', fields)], [], [site('P')], rulesFor('1.26', '386')).types[0]!;
    assert.deepEqual([a.current.size, a.best.size, a.best.ptrBytes], [12, 8, 4]);
  });
});
