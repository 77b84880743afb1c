// The join reading the compiler's own lines (issue 13, classes 1, 2, 3, 6, 7): by-ref captures,
// concatenations that start with a literal, allocations on a branch of inlined code, the closure a
// `go` statement with arguments makes, and go1.26+'s move of a stack-buffered slice at its return.
// The -m=2 text is verbatim from go1.21.13 / go1.27.3 on a scratch module; the facts are what the
// type-facts helper prints for that source. The expected sizes are the ones the runtime's heap
// profile recorded for those lines at -memprofilerate=1 (test/fidelity covers the live check).
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import { parseText } from '../../src/core/escape/text.ts';
import type { FactType, TypeFact } from '../../src/core/sites/facts.ts';
import { joinSites } from '../../src/core/sites/join.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';
import { branchQueries } from '../../src/toolchain/inlinedBranches.ts';

const file = '/m/acc.go';
const pkg = 'example.com/acc';

function ft(name: string, size: number, ptrBytes: number, kind: string, align = 8): FactType {
  return { name, qname: name, size, align, ptrBytes, kind };
}
const stringT = ft('string', 16, 8, 'string');
const intT = ft('int', 8, 0, 'basic');

function fact(p: Partial<TypeFact> & Pick<TypeFact, 'kind' | 'line' | 'col'>): TypeFact {
  return { file, pkg, ...p };
}

function sites(goVersion: string, text: string, facts: TypeFact[]): AllocationSite[] {
  const { diagnostics } = parseText(`# ${pkg}\n${text}`, { baseDir: '/m' });
  return joinSites(diagnostics, facts, { rules: rulesFor(goVersion, 'amd64'), baseDir: '/m' });
}

function at(all: AllocationSite[], line: number, column: number): AllocationSite {
  const s = all.find((x) => x.line === line && x.column === column);
  assert.ok(s, `no site at ${line}:${column} among ${all.map((x) => `${x.line}:${x.column} ${x.expr}`).join(', ')}`);
  return s;
}

suite('class 1: the compiler says which captures are by reference', () => {
  // func ByRef(xs []string) []func() string { …; for _, s := range xs { out = append(out, func() string { return s }) } }
  // in a `go 1.21` module: s is one variable per loop, assigned each iteration, so captured by reference.
  const facts = [
    fact({
      kind: 'funclit',
      line: 16,
      col: 21,
      type: ft('closure', 24, 16, 'struct'),
      captures: [{ name: 's', type: stringT, byRef: false, line: 15, col: 9 }],
    }),
    fact({ kind: 'var', name: 's', line: 15, col: 9, type: stringT }),
  ];
  for (const [v, text] of [
    [
      '1.21',
      './acc.go:16:21: func literal escapes to heap:\n' +
        './acc.go:16:21:   flow: {heap} = &{storage for func literal}:\n' +
        './acc.go:16:21:     from func literal (spill) at ./acc.go:16:21\n' +
        './acc.go:15:9: ByRef capturing by ref: s (addr=false assign=true width=16)\n' +
        './acc.go:15:9: moved to heap: s\n' +
        './acc.go:16:21: func literal escapes to heap\n',
    ],
    [
      '1.27',
      './acc.go:16:21: func literal escapes to heap in ByRef:\n' +
        './acc.go:15:9: ByRef capturing by ref: s (addr=false assign=true width=16)\n' +
        './acc.go:15:9: moved to heap: s\n' +
        './acc.go:16:21: func literal escapes to heap\n',
    ],
  ] as const) {
    test(`go${v}: a by-ref capture is one pointer in the funcval: 8 B + 8 B = 16 B (the runtime's slot at that line)`, () => {
      const all = sites(v, text, facts);
      const clo = at(all, 16, 21);
      assert.equal(clo.construct, 'closure');
      assert.equal(clo.prediction.requestBytes, 16);
      assert.equal(clo.prediction.slotBytes, 16);
      assert.ok(clo.notes?.some((n) => /capturing by ref: s/.test(n)));
      assert.equal(at(all, 15, 9).prediction.slotBytes, 16); // the moved variable itself
    });
  }

  test('a by-value capture keeps its width; without capture lines (-m=1) the helper decides', () => {
    const text =
      './acc.go:15:9: F capturing by value: s (addr=false assign=false width=16)\n./acc.go:16:21: func literal escapes to heap\n';
    assert.equal(at(sites('1.27', text, facts), 16, 21).prediction.requestBytes, 24);
    assert.equal(at(sites('1.27', './acc.go:16:21: func literal escapes to heap\n', facts), 16, 21).prediction.requestBytes, 24);
  });
});

suite('class 2: a concatenation is constant only when the type checker says so', () => {
  // func Concat(i int) any { return "v" + strconv.Itoa(i) }: the helper sees a non-constant string
  // concatenation (concat fact) boxed into the interface result (iface fact, not constant).
  const facts = [
    fact({ kind: 'concat', line: 33, col: 13, type: stringT, operands: 2 }),
    fact({ kind: 'iface', line: 33, col: 13, type: stringT }),
  ];
  for (const [v, expr] of [
    ['1.21', '"v" + ~R0'],
    ['1.27', '"v" + ~r0'],
    ['1.27', '"\\"" + s + "\\""'],
  ] as const) {
    test(`go${v}: \`${expr} escapes to heap\` is a concatenation (concatstring*) plus its boxing (convTstring), not static data`, () => {
      const s = at(sites(v, `./acc.go:33:13: ${expr} escapes to heap\n`, facts), 33, 13);
      assert.equal(s.construct, 'string-concat');
      assert.notEqual(s.prediction.kind, 'zero');
      assert.ok(s.dynamic?.length, 'the string as a function of its length');
      assert.deepEqual(
        s.objects?.map((o) => [o.what, o.prediction.slotBytes]),
        [
          ['concatstrings (the result, n bytes)', 0],
          ['convTstring', 16],
        ],
      );
    });
  }

  test('a constant (folded or literal) boxed into an interface is still static data', () => {
    const c = [fact({ kind: 'iface', line: 33, col: 13, type: stringT, const: true })];
    assert.equal(at(sites('1.21', './acc.go:33:13: "a" + "b" escapes to heap\n', c), 33, 13).prediction.kind, 'zero');
    assert.equal(at(sites('1.27', './acc.go:33:13: "ab" escapes to heap\n', c), 33, 13).prediction.kind, 'zero');
  });

  test('without facts (inlined from another package), only a single literal is a constant', () => {
    const all = sites(
      '1.27',
      './acc.go:33:13: "v" + ~r0 escapes to heap\n./acc.go:34:5: "catmsg: expected prior call escapes to heap\n',
      [],
    );
    assert.equal(at(all, 33, 13).prediction.kind, 'unknown');
    assert.ok(at(all, 33, 13).dynamic?.length);
    assert.equal(at(all, 34, 5).prediction.kind, 'zero');
  });

  test('go1.21: a concatenation that does not escape is a site: over 32 B it is allocated (rawstring), up to 32 B it is on the stack', () => {
    const s = at(
      sites('1.21', './acc.go:42:38: "bad value for " + s + ": %d" does not escape\n', [
        fact({ kind: 'concat', line: 42, col: 38, type: stringT, operands: 3 }),
      ]),
      42,
      38,
    );
    assert.equal(s.construct, 'string-concat');
    assert.equal(s.escapes, false);
    const row = (n: number) => s.dynamic!.find((r) => r.minN <= n && (r.maxN === null || n <= r.maxN))!.prediction;
    assert.equal(row(32).kind, 'stack');
    assert.equal(row(54).slotBytes, 64); // 14 + 36 + 4 bytes: the 64 B the runtime recorded
  });
});

suite('class 3: allocations on a branch of inlined code are conditional', () => {
  // return fmt.Errorf("bad value for "+s+": %d", x): go1.27 inlines fmt.Errorf, whose no-argument
  // branch inlines errors.New; with an argument that branch never runs.
  const text =
    './acc.go:42:19: inlining call to fmt.Errorf\n' +
    './acc.go:42:19: inlining call to errors.New\n' +
    './acc.go:42:38: "bad value for " + s + ": %d" escapes to heap\n' +
    './acc.go:42:19: ... argument does not escape\n' +
    './acc.go:42:47: x escapes to heap\n' +
    './acc.go:42:19: &errors.errorString{...} escapes to heap\n';
  const facts = [
    fact({ kind: 'concat', line: 42, col: 38, type: stringT, operands: 3 }),
    fact({ kind: 'concat', line: 42, col: 34, type: stringT, operands: 2 }),
    fact({ kind: 'variadic', line: 42, col: 19, type: ft('[]any', 24, 8, 'slice'), elem: ft('any', 16, 16, 'interface'), len: 1, cap: 1 }),
    fact({ kind: 'iface', line: 42, col: 47, type: intT }),
  ];
  const branches = [{ pkg, file, line: 42, col: 19, callees: ['fmt.Errorf', 'errors.New'], conditional: true }];

  test('the &errors.errorString site is marked conditional with a note; the 48 B+ concatenation is found', () => {
    const { diagnostics } = parseText(`# ${pkg}\n${text}`, { baseDir: '/m' });
    const all = joinSites(diagnostics, facts, {
      rules: rulesFor('1.27', 'amd64'),
      baseDir: '/m',
      inlinedBranches: branches,
      resolved: new Map([[`${pkg}\0errors.errorString`, { kind: 'resolved', pkg, typeExpr: 'errors.errorString', type: stringT }]]),
    });
    const e = all.find((x) => x.expr === '&errors.errorString{...}')!;
    assert.equal(e.line, 42);
    assert.equal(e.conditional, true);
    assert.ok(e.notes?.some((n) => /branch of the inlined fmt\.Errorf/.test(n)));
    const c = at(all, 42, 38);
    assert.equal(c.construct, 'string-concat');
    assert.equal(c.conditional, undefined);
  });

  test('an allocation inlined unconditionally (errors.New alone) is not conditional', () => {
    const { diagnostics } = parseText(
      `# ${pkg}\n./acc.go:9:19: inlining call to errors.New\n./acc.go:9:19: &errors.errorString{...} escapes to heap\n`,
      { baseDir: '/m' },
    );
    const [s] = joinSites(diagnostics, [], {
      rules: rulesFor('1.27', 'amd64'),
      baseDir: '/m',
      inlinedBranches: [{ pkg, file, line: 9, col: 19, callees: ['errors.New'], conditional: false }],
    });
    assert.equal(s!.conditional, undefined);
  });
});

suite('class 6: a go statement with arguments allocates its wrapper closure', () => {
  // go work(wg, n, s): the compiler wraps the call in a closure capturing the evaluated arguments;
  // it prints only the -m=2 explanation of the func literal and the capture lines.
  for (const [v, text] of [
    [
      '1.21',
      './acc.go:48:2: func literal escapes to heap:\n' +
        './acc.go:48:2:   flow: {heap} = &{storage for func literal}:\n' +
        './acc.go:48:2:     from func literal (spill) at ./acc.go:48:2\n' +
        './acc.go:48:9: Go capturing by value: .autotmp_3 (addr=false assign=false width=8)\n' +
        './acc.go:48:9: Go capturing by value: .autotmp_4 (addr=false assign=false width=8)\n' +
        './acc.go:48:9: Go capturing by value: .autotmp_5 (addr=false assign=false width=16)\n',
    ],
    [
      '1.27',
      './acc.go:48:2: func literal escapes to heap in Go:\n' +
        './acc.go:48:2:   flow: {heap} ← &{storage for func literal}:\n' +
        './acc.go:48:2:     from func literal (spill) at ./acc.go:48:2\n' +
        './acc.go:48:2: Go capturing by value: .autotmp_3 (addr=false assign=false width=8)\n' +
        './acc.go:48:2: Go capturing by value: .autotmp_4 (addr=false assign=false width=8)\n' +
        './acc.go:48:2: Go capturing by value: .autotmp_5 (addr=false assign=false width=16)\n',
    ],
  ] as const) {
    test(`go${v}: 8 B + the arguments (8 + 8 + 16) = 40 B → the 48 B slot the runtime used`, () => {
      const all = sites(v, text, []);
      const s = at(all, 48, 2);
      assert.equal(s.construct, 'closure');
      assert.equal(s.escapes, true);
      assert.equal(s.prediction.requestBytes, 40);
      assert.equal(s.prediction.slotBytes, 48);
      assert.ok(s.notes?.some((n) => /go statement/.test(n)));
      assert.ok(s.reason.length > 0);
    });
  }
});

suite('class 6: the wrapper of a multi-line go statement', () => {
  // closures.go Spawn: go func(v int) { defer wg.Done(); … }(i) over lines 25–30. go1.21 puts the
  // temporaries at the func literal (25:6) and at the call's ( (30:4); the literal's own defer wrapper
  // (Spawn.func1, 26:12) is not this statement's.
  const text =
    './acc.go:25:3: func literal escapes to heap:\n' +
    './acc.go:25:3:   flow: {heap} = &{storage for func literal}:\n' +
    './acc.go:25:3:     from func literal (spill) at ./acc.go:25:3\n' +
    './acc.go:26:12: Spawn.func1 capturing by value: .autotmp_4 (addr=false assign=false width=8)\n' +
    './acc.go:25:6: Spawn capturing by value: .autotmp_3 (addr=false assign=false width=8)\n' +
    './acc.go:30:4: Spawn capturing by value: .autotmp_4 (addr=false assign=false width=8)\n';
  const gowrap = fact({
    kind: 'gowrap',
    line: 25,
    col: 3,
    endLine: 30,
    endCol: 6,
    captures: [
      { name: 'func(v int) {…}', type: ft('func(v int)', 8, 8, 'func'), byRef: false },
      { name: 'i', type: intT, byRef: false },
    ],
  });
  test("with the statement's extent from the helper: the func value and i, 8 + 8 + 8 = 24 B, scan", () => {
    const s = at(sites('1.21', text, [gowrap]), 25, 3);
    assert.equal(s.prediction.requestBytes, 24);
    assert.equal(s.prediction.noscan, false);
  });
});

suite('class 7: go1.26+ moves a stack-buffered append to the heap at the return', () => {
  // func Idxs(s string) ([]int, error) { var idxs []int; for … { idxs = append(idxs, i) }; return idxs, nil }
  const text = './acc.go:64:17: append(idxs, i) escapes to heap in Idxs:\n./acc.go:64:17: append escapes to heap\n';
  const facts = [
    fact({ kind: 'append', line: 64, col: 17, type: ft('[]int', 24, 8, 'slice'), elem: intT }),
    fact({
      kind: 'move2heap',
      line: 67,
      col: 2,
      type: ft('[]int', 24, 8, 'slice'),
      elem: intT,
      name: 'idxs',
      appendLine: 64,
      appendCol: 17,
    }),
  ];
  test('go1.27: the return is a site sized from the length (moveSliceNoCapNoScan rounds up to the class); the append is on the stack up to 32 B', () => {
    const all = sites('1.27', text, facts);
    const r = at(all, 67, 2);
    assert.equal(r.construct, 'append');
    assert.equal(r.escapes, true);
    const row = (n: number) => r.dynamic!.find((x) => x.minN <= n && (x.maxN === null || n <= x.maxN))!.prediction;
    assert.equal(row(0).kind, 'zero');
    assert.equal(row(2).slotBytes, 16); // 2 ints: the 16 B the runtime recorded at the return line
    assert.equal(row(4).slotBytes, 32); // the whole 32 B buffer
    // 5 ints do not fit the buffer: growslice moved them at the append (the runtime: one 64 B object
    // at the append line, none at the return).
    assert.equal(row(5).kind, 'zero');
    assert.ok(r.notes?.some((n) => /moveSlice/.test(n)));
    assert.ok(at(all, 64, 17).notes?.some((n) => /32 B stack buffer/.test(n)));
  });
  test('go1.25 and older: no move at the return; the append allocates as before', () => {
    for (const v of ['1.21', '1.25']) {
      const all = sites(v, text, facts);
      assert.equal(
        all.find((s) => s.line === 67),
        undefined,
      );
    }
  });
});

suite('class 3: which inlined chains the helper is asked about', () => {
  test('a chain of two callees carrying an allocation with no fact of its kind at the call: one query per (package, chain)', () => {
    const { diagnostics } = parseText(
      `# ${pkg}\n` +
        './acc.go:42:19: inlining call to fmt.Errorf\n./acc.go:42:19: inlining call to errors.New\n' +
        './acc.go:42:19: &errors.errorString{...} escapes to heap\n./acc.go:42:19: ... argument does not escape\n' +
        './acc.go:50:19: inlining call to fmt.Errorf\n./acc.go:50:19: inlining call to errors.New\n' +
        './acc.go:50:19: &errors.errorString{...} escapes to heap\n' +
        './acc.go:60:9: inlining call to errors.New\n./acc.go:60:9: &errors.errorString{...} escapes to heap\n',
      { baseDir: '/m' },
    );
    // The variadic slice has its fact at 42:19; the errorString does not: still a query.
    const qs = branchQueries(diagnostics, [fact({ kind: 'variadic', line: 42, col: 19 })]);
    assert.deepEqual(
      qs.map((q) => [q.pkg, q.callees, q.at.map((a) => a.line)]),
      [[pkg, ['fmt.Errorf', 'errors.New'], [42, 50]]],
    );
  });
});

suite('the compilerlines fixture, as every recorded toolchain printed it', () => {
  const fixtures = join(__dirname, '..', 'fixtures');
  const recorded = join(fixtures, 'recorded');
  const versions = existsSync(recorded) ? readdirSync(recorded).filter((v) => /^go1\.\d+$/.test(v)) : [];
  const fixtureFile = join(fixtures, 'constructs', 'compilerlines', 'compilerlines.go');
  for (const v of versions) {
    test(`${v}: the capture line of s says by ref (go 1.21 module); the go statement's wrapper is a 48 B site`, () => {
      const { diagnostics } = parseText(readFileSync(join(recorded, v, 'constructs-m2.txt'), 'utf8'), {
        baseDir: join(fixtures, 'constructs'),
      });
      const mine = diagnostics.filter((d) => d.absFile === fixtureFile);
      const cap = mine.find((d) => d.kind === 'other' && d.line === 18 && d.message.includes(' capturing by '));
      assert.match(cap?.message ?? '', /ByRef capturing by ref: s \(addr=false assign=true width=16\)/);
      const all = joinSites(mine, [], { rules: rulesFor(v.slice(2), 'amd64'), baseDir: join(fixtures, 'constructs') });
      const wrap = all.find((s) => s.line === 37 && s.construct === 'closure');
      assert.equal(wrap?.prediction.slotBytes, 48);
      // Without type facts a literal-first concatenation is still never static data.
      for (const l of [25, 29]) assert.notEqual(all.find((s) => s.line === l)?.prediction.kind, 'zero');
    });
  }
});
