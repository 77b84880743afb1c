// Allocations with no -m line (issue 13, classes 4, 5, 9), built from the type-facts helper's source
// facts (typefacts/sourcesites.go → src/core/sites/sourceSites.ts), and the map literal's first group.
// The sizes are the runtime's, measured by test/fidelity (cMapLiteral3, cMapInsert*, cChanS72x10,
// cConcatAssign*) and by heap profiles at rate 1 (test/integration/source-sites.test.ts).
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import type { Diagnostic } from '../../src/core/escape/diagnostic.ts';
import type { FactType, TypeFact } from '../../src/core/sites/facts.ts';
import { joinSites } from '../../src/core/sites/join.ts';
import { sourceSites } from '../../src/core/sites/sourceSites.ts';

const file = '/m/main.go';
const go121 = rulesFor('1.21');
const go127 = rulesFor('1.27');

function ft(name: string, size: number, ptrBytes: number, kind: string): FactType {
  return { name, qname: name, size, align: 8, ptrBytes, kind };
}
const str = ft('string', 16, 8, 'string');
const int = ft('int', 8, 0, 'basic');
const s72p = ft('S', 72, 8, 'struct');

function fact(p: Partial<TypeFact> & Pick<TypeFact, 'kind' | 'line' | 'col'>): TypeFact {
  return { file, pkg: 'example.com/m', func: 'F', ...p };
}

suite('map literal (class 4)', () => {
  test('an escaping map[string]int{3 keys} lists the header and its first group (swiss) or bucket (hmap)', () => {
    const d: Diagnostic = {
      file: './main.go',
      absFile: file,
      line: 5,
      column: 24,
      kind: 'escapes',
      expr: 'map[string]int{...}',
      message: 'map[string]int{...} escapes to heap',
      inputLine: 1,
      package: 'example.com/m',
    };
    const facts = [fact({ kind: 'composite', line: 5, col: 24, type: ft('map[string]int', 8, 8, 'map'), key: str, elem: int, len: 3 })];
    for (const [rules, header] of [
      [go127, 'maps.Map'],
      [go121, 'hmap'],
    ] as const) {
      const [s] = joinSites([d], facts, { rules });
      assert.deepEqual(
        s!.objects?.map((o) => [o.what, o.prediction.slotBytes]),
        [
          [header, 48],
          [rules.swissMaps ? 'group (8 slots)' : 'bucket', 208],
        ],
      );
    }
  });
});

suite('sourceSites', () => {
  test('make(chan S, 10) of a 72 B pointerful S: hchan plus a separate 720 B buffer in a 768 B slot', () => {
    const f = fact({
      kind: 'makechan',
      line: 7,
      col: 14,
      type: ft('chan S', 8, 8, 'chan'),
      elem: s72p,
      len: 10,
      expr: 'make(chan S, 10)',
    });
    const [s121] = sourceSites([f], [], { rules: go121 });
    const [s127] = sourceSites([f], [], { rules: go127 });
    assert.equal(s127!.construct, 'make-chan');
    assert.equal(s127!.expr, 'make(chan S, 10)');
    assert.equal(s127!.escapes, true);
    assert.equal(s127!.func, 'F');
    assert.deepEqual(
      s121!.objects?.map((o) => [o.what, o.prediction.slotBytes]),
      [
        ['hchan', 96],
        ['chan buf', 768],
      ],
    );
    assert.deepEqual(
      s127!.objects?.map((o) => [o.what, o.prediction.slotBytes]),
      [
        ['hchan', 112],
        ['chan buf', 768],
      ],
    );
  });

  test('make(chan int, 8) of a noscan element is one object, hchan and buffer together', () => {
    const f = fact({
      kind: 'makechan',
      line: 7,
      col: 14,
      type: ft('chan int', 8, 8, 'chan'),
      elem: int,
      len: 8,
      expr: 'make(chan int, 8)',
    });
    const [s] = sourceSites([f], [], { rules: go127 });
    assert.deepEqual(
      s!.objects?.map((o) => [o.what, o.prediction.requestBytes, o.prediction.noscan]),
      [['hchan+buf', 112 + 64, true]],
    );
  });

  test('a channel of run-time size is unknown, and says what it depends on', () => {
    const f = fact({ kind: 'makechan', line: 7, col: 14, type: ft('chan int', 8, 8, 'chan'), elem: int, expr: 'make(chan int, n)' });
    const [s] = sourceSites([f], [], { rules: go127 });
    assert.equal(s!.prediction.kind, 'unknown');
    assert.match(s!.unknownReason!, /buffer/);
  });

  test('m[k] = v: a map-insert site whose growth points are listed by length', () => {
    const f = fact({
      kind: 'mapassign',
      line: 9,
      col: 3,
      type: ft('map[int]int', 8, 8, 'map'),
      key: int,
      elem: int,
      expr: 'm[k] = v',
    });
    const [s] = sourceSites([f], [], { rules: go127 });
    assert.equal(s!.construct, 'map-insert');
    assert.equal(s!.prediction.kind, 'unknown');
    assert.match(s!.unknownReason!, /allocates when the map grows/);
    // swiss map[int]int: group 136 B → 144 at the first key; at 9 the table's 2 groups (272 → 288).
    assert.deepEqual(
      s!.dynamic?.slice(0, 3).map((r) => [r.minN, r.maxN, r.prediction.slotBytes]),
      [
        [1, 1, 144],
        [9, 9, 288],
        [15, 15, 576],
      ],
    );
  });

  test('u.Path += "/": a concatenation site on the heap (rawstring), sized by the result length', () => {
    const f = fact({ kind: 'concat-assign', line: 11, col: 9, type: str, operands: 2, len: 1, expr: 'u.Path += "/"' });
    const [s] = sourceSites([f], [], { rules: go127 });
    assert.equal(s!.construct, 'string-concat');
    assert.equal(s!.escapes, true);
    assert.match(s!.unknownReason!, /concatstrings/);
    assert.ok((s!.dynamic?.length ?? 0) > 10);
  });

  test('s += "" allocates nothing', () => {
    const f = fact({ kind: 'concat-assign', line: 11, col: 9, type: str, operands: 2, len: 0, expr: 's += ""' });
    assert.deepEqual(sourceSites([f], [], { rules: go127 }), []);
  });

  test('a fact at the position of a site from the compiler adds nothing', () => {
    const f = fact({
      kind: 'makechan',
      line: 7,
      col: 14,
      type: ft('chan int', 8, 8, 'chan'),
      elem: int,
      len: 8,
      expr: 'make(chan int, 8)',
    });
    const [s] = sourceSites([f], [], { rules: go127 });
    assert.deepEqual(sourceSites([f], [s!], { rules: go127 }), []);
  });
});
