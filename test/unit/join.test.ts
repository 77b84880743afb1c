// The join of escape diagnostics × type facts (src/core/sites/join.ts), on hand-made
// inputs whose expected answers follow from the runtime's size classes.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import type { Diagnostic } from '../../src/core/escape/diagnostic.ts';
import type { FactType, TypeFact } from '../../src/core/sites/facts.ts';
import { joinSites } from '../../src/core/sites/join.ts';
import { exprShape } from '../../src/core/sites/shape.ts';

const rules = rulesFor('1.26', 'amd64');
const file = '/m/main.go';

function diag(p: Partial<Diagnostic> & Pick<Diagnostic, 'kind' | 'expr' | 'line' | 'column'>): Diagnostic {
  const message =
    p.message ??
    (p.kind === 'moved-to-heap' ? `moved to heap: ${p.expr}` : `${p.expr} ${p.kind === 'escapes' ? 'escapes to heap' : 'does not escape'}`);
  return { file: './main.go', absFile: file, message, inputLine: 1, package: 'example.com/m', ...p };
}

function ft(name: string, size: number | null, ptrBytes: number | null, kind = 'struct', align = 8): FactType {
  return {
    name,
    qname: name,
    size,
    align: size === null ? null : align,
    ptrBytes,
    kind,
    ...(size === null ? { dependsOnTypeParam: true } : {}),
  };
}

function fact(p: Partial<TypeFact> & Pick<TypeFact, 'kind' | 'line' | 'col'>): TypeFact {
  return { file, pkg: 'example.com/m', ...p };
}

suite('join', () => {
  test('&T{...} of a 24 B pointerful struct lands in class 3 scan (span class 6)', () => {
    const [s, ...rest] = joinSites(
      [diag({ kind: 'escapes', expr: '&T{...}', line: 3, column: 9 })],
      [
        fact({ kind: 'addr-composite', line: 3, col: 9, type: ft('T', 24, 24) }),
        fact({ kind: 'iface', line: 3, col: 9, type: ft('*T', 8, 8, 'pointer') }),
      ],
      { rules },
    );
    assert.equal(rest.length, 0);
    assert.equal(s!.construct, 'composite-lit');
    assert.equal(s!.prediction.kind, 'small');
    assert.equal(s!.prediction.sizeClass, 3);
    assert.equal(s!.prediction.spanClass, 6);
    assert.deepEqual(s!.type, { name: 'T', size: 24, align: 8, ptrBytes: 24 });
  });

  test('a non-escaping new(T) is a stack site; parameters that do not escape are not sites', () => {
    const sites = joinSites(
      [
        diag({ kind: 'does-not-escape', expr: 'new(T)', line: 4, column: 10 }),
        diag({ kind: 'does-not-escape', expr: 'p', line: 2, column: 8 }),
      ],
      [
        fact({ kind: 'new', line: 4, col: 10, type: ft('T', 40, 0) }),
        fact({ kind: 'var', name: 'p', line: 2, col: 8, type: ft('*T', 8, 8, 'pointer') }),
      ],
      { rules },
    );
    assert.equal(sites.length, 1);
    assert.equal(sites[0]!.escapes, false);
    assert.equal(sites[0]!.prediction.kind, 'stack');
    assert.equal(sites[0]!.prediction.requestBytes, 40);
  });

  test('make([]T, n) with a run-time n is unknown with a reason and the class as a function of n', () => {
    const [s] = joinSites(
      [diag({ kind: 'escapes', expr: 'make([]int, n)', line: 5, column: 11 })],
      [fact({ kind: 'make', line: 5, col: 11, type: ft('[]int', 24, 8, 'slice'), elem: ft('int', 8, 0, 'basic') })],
      { rules },
    );
    assert.equal(s!.prediction.kind, 'unknown');
    assert.match(s!.unknownReason ?? '', /run time/);
    const d = s!.dynamic!;
    // n*8 bytes, noscan: n=1 tiny; n=2 → 16 B class 2; n=4 → 32 B class 4; the last range is large and open.
    const at = (n: number) => d.find((r) => r.minN <= n && (r.maxN === null || n <= r.maxN))!;
    assert.equal(at(1).prediction.kind, 'tiny');
    assert.equal(at(2).prediction.sizeClass, 2);
    assert.equal(at(4).prediction.sizeClass, 4);
    assert.equal(at(5).prediction.slotBytes, 48);
    assert.equal(d[d.length - 1]!.maxN, null);
    assert.equal(d[d.length - 1]!.prediction.kind, 'large');
  });

  test('make([]T, 10) with a constant length is classified exactly', () => {
    const [s] = joinSites(
      [diag({ kind: 'escapes', expr: 'make([]*int, 10)', line: 5, column: 11 })],
      [fact({ kind: 'make', line: 5, col: 11, type: ft('[]*int', 24, 8, 'slice'), elem: ft('*int', 8, 8, 'pointer'), len: 10 })],
      { rules },
    );
    assert.equal(s!.prediction.requestBytes, 80);
    assert.equal(s!.prediction.slotBytes, 80);
    assert.equal(s!.prediction.noscan, false);
  });

  test('sizes that depend on a type parameter stay unknown, never guessed', () => {
    const [s] = joinSites(
      [diag({ kind: 'escapes', expr: 'new(go.shape.int)', line: 7, column: 12 })],
      [fact({ kind: 'new', line: 7, col: 12, type: ft('T', null, null, 'typeparam') })],
      { rules },
    );
    assert.equal(s!.prediction.kind, 'unknown');
    assert.match(s!.unknownReason ?? '', /type parameter/);
  });

  test('no facts at the position: unknown with a reason', () => {
    const [s] = joinSites([diag({ kind: 'escapes', expr: 'x.f', line: 9, column: 3 })], [], { rules });
    assert.equal(s!.prediction.kind, 'unknown');
    assert.match(s!.unknownReason ?? '', /no type facts/);
  });

  test('inlined callee: new(T) at a call site is identified by type name, only when all facts agree', () => {
    const facts = [
      fact({ kind: 'new', line: 20, col: 10, type: ft('Big', 131072, 0) }),
      fact({ kind: 'new', line: 30, col: 10, type: ft('Pair', 16, 8) }),
      fact({ kind: 'new', line: 31, col: 10, type: ft('Pair', 16, 8), pkg: 'example.com/other', file: '/m/other/o.go' }),
    ];
    const sites = joinSites(
      [diag({ kind: 'escapes', expr: 'new(Big)', line: 50, column: 8 }), diag({ kind: 'escapes', expr: 'new(Pair)', line: 51, column: 8 })],
      facts,
      { rules },
    );
    assert.equal(sites[0]!.prediction.kind, 'large');
    assert.equal(sites[0]!.prediction.npages, 16);
    assert.ok(sites[0]!.notes?.some((n) => /type name/.test(n)));
    assert.equal(sites[1]!.prediction.sizeClass, 2);
  });

  test('byte columns become UTF-16 columns through lineText, in the site and in flow steps', () => {
    const line = '\tfmt.Println("héllo €😀", n)';
    const byteCol = Buffer.from(line.slice(0, line.indexOf(' n)') + 1)).length + 1;
    const sites = joinSites(
      [
        diag({
          kind: 'explanation',
          expr: 'n',
          line: 3,
          column: byteCol,
          message: 'n escapes to heap in f:',
          steps: [
            { kind: 'flow', text: 'flow: {heap} ← n:' },
            {
              kind: 'from',
              text: `from n (interface-converted) at ./main.go:3:${byteCol}`,
              why: 'interface-converted',
              where: 'n',
              file: './main.go',
              line: 3,
              column: byteCol,
            },
          ],
        }),
        diag({ kind: 'escapes', expr: 'n', line: 3, column: byteCol }),
      ],
      [fact({ kind: 'iface', line: 3, col: byteCol, type: ft('int', 8, 0, 'basic') })],
      { rules, baseDir: '/m', lineText: (f, l) => (f === file && l === 3 ? line : undefined) },
    );
    assert.equal(sites.length, 1);
    const s = sites[0]!;
    assert.equal(s.column, line.indexOf(' n)') + 2);
    assert.equal(s.construct, 'interface-conv');
    assert.equal(s.reason.length, 2);
    assert.equal(s.reason[1]!.file, file);
    assert.equal(s.reason[1]!.column, s.column);
    assert.equal(s.reason[1]!.why, 'interface-converted');
  });

  test('pointer-shaped and constant interface conversions allocate nothing', () => {
    const sites = joinSites(
      [diag({ kind: 'escapes', expr: 'p', line: 3, column: 5 }), diag({ kind: 'escapes', expr: '"w"', line: 4, column: 5 })],
      [
        fact({ kind: 'iface', line: 3, col: 5, type: ft('*T', 8, 8, 'pointer') }),
        fact({ kind: 'iface', line: 4, col: 5, type: ft('string', 16, 8, 'string'), const: true }),
      ],
      { rules },
    );
    assert.deepEqual(
      sites.map((s) => s.prediction.kind),
      ['zero', 'zero'],
    );
    assert.ok(sites.every((s) => (s.notes ?? []).length > 0));
  });

  test('closures: the funcval with captured values, by-ref captures as pointers', () => {
    const [s] = joinSites(
      [diag({ kind: 'escapes', expr: 'func literal', line: 6, column: 7 })],
      [
        fact({
          kind: 'funclit',
          line: 6,
          col: 7,
          type: ft('closure', 24, 16),
          captures: [
            { name: 'x', type: ft('int', 8, 0, 'basic'), byRef: true },
            { name: 'y', type: ft('int', 8, 0, 'basic'), byRef: false },
          ],
        }),
      ],
      { rules },
    );
    assert.equal(s!.construct, 'closure');
    // struct { F uintptr; x *int; y int }: 24 B with pointers → class 3 scan.
    assert.equal(s!.prediction.requestBytes, 24);
    assert.equal(s!.prediction.noscan, false);
  });

  test('duplicated compiler lines collapse into one site', () => {
    const d = diag({ kind: 'escapes', expr: 'new(int)', line: 2, column: 9 });
    const sites = joinSites([d, d, d], [fact({ kind: 'new', line: 2, col: 9, type: ft('int', 8, 0, 'basic') })], { rules });
    assert.equal(sites.length, 1);
  });

  test('exprShape reads constructs off -m expressions', () => {
    assert.deepEqual(exprShape('&T{...}'), { kind: 'addr-composite', type: 'T' });
    assert.deepEqual(exprShape('&sub.named{}'), { kind: 'addr-composite', type: 'sub.named' });
    assert.deepEqual(exprShape('map[string]int{...}'), { kind: 'composite', type: 'map[string]int' });
    assert.deepEqual(exprShape('make(map[string]func(int, int), n)'), { kind: 'make', type: 'map[string]func(int, int)' });
    assert.deepEqual(exprShape('([]byte)(s)'), { kind: 'conversion', to: '[]byte' });
    assert.deepEqual(exprShape('a + b + "!"'), { kind: 'concat' });
    assert.deepEqual(exprShape('"a + b"'), { kind: 'value' });
    assert.deepEqual(exprShape('append(s, 1)'), { kind: 'append' });
  });
});

suite('join without type facts (inlined from other packages)', () => {
  test('constants boxed into interfaces allocate nothing; string results keep their class as a function of n', () => {
    const sites = joinSites(
      [
        diag({ kind: 'escapes', expr: '"catmsg: expected prior call to EncodeMe', line: 3, column: 5 }),
        diag({ kind: 'escapes', expr: '42', line: 3, column: 9 }),
        diag({ kind: 'escapes', expr: 'string(bytes.b.buf[bytes.b.off:])', line: 4, column: 5 }),
        diag({ kind: 'escapes', expr: '&template.Template{...}', line: 5, column: 5 }),
      ],
      [],
      { rules },
    );
    assert.deepEqual(
      sites.map((s) => s.prediction.kind),
      ['zero', 'zero', 'unknown', 'unknown'],
    );
    assert.equal(sites[2]!.dynamic?.[1]?.prediction.kind, 'tiny');
    assert.match(sites[3]!.unknownReason ?? '', /no type facts/);
  });
});

suite('join: ambiguous expressions', () => {
  test('`i + j escapes to heap` of integers is a boxing, not a string concatenation', () => {
    const [s] = joinSites(
      [diag({ kind: 'escapes', expr: 'boff + i', line: 3, column: 42 })],
      [fact({ kind: 'iface', line: 3, col: 42, type: ft('int', 8, 0, 'basic') })],
      { rules },
    );
    assert.equal(s!.construct, 'interface-conv');
    assert.equal(s!.prediction.kind, 'tiny');
  });
});
