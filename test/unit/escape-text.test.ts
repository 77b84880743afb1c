// The -m/-m=2 text parser: every message shape of the catalogue (docs/runtime-facts.md §11),
// framing (headers, paths, positions, line endings, chunking), accounting of every
// line. Linear time on hostile input: test/integration/escape-text-linear-time.test.ts.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePosition, resolveFile, splitPosition } from '../../src/core/escape/position.ts';
import { parseText, TextParser } from '../../src/core/escape/text.ts';
import type { Diagnostic, ParseResult } from '../../src/core/escape/diagnostic.ts';

function one(line: string): Diagnostic {
  const r = parseText(line + '\n');
  assert.equal(r.unparsed.length, 0, `unparsed: ${JSON.stringify(r.unparsed)}`);
  assert.equal(r.diagnostics.length, 1);
  return r.diagnostics[0]!;
}

/** The accounting invariant: every input line is in exactly one bucket. */
function assertAccounted(r: ParseResult): void {
  const s = r.stats;
  assert.equal(
    s.lines,
    (s.diagnosticLines ?? 0) + (s.headerLines ?? 0) + (s.blankLines ?? 0) + (s.toolLines ?? 0) + s.unparsed,
    JSON.stringify(s),
  );
  assert.equal(s.diagnostics, r.diagnostics.length);
  assert.equal(s.unparsed, r.unparsed.length);
}

/** Reference line count: terminators are \r\n, \r, \n; a final unterminated line counts. */
function referenceLines(text: string): string[] {
  const parts = text.split(/\r\n|\r|\n/);
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

suite('escape text: level-1 messages', () => {
  const cases: [string, Diagnostic['kind'], string][] = [
    ['./main.go:12:9: &Point{...} escapes to heap', 'escapes', '&Point{...}'],
    ['./main.go:12:9: new(T) does not escape', 'does-not-escape', 'new(T)'],
    ['./main.go:10:2: moved to heap: x', 'moved-to-heap', 'x'],
    ['./main.go:5:10: leaking param: p', 'leaking-param', 'p'],
    ['./main.go:5:10: leaking param content: ls', 'leaking-param-content', 'ls'],
    ['./main.go:5:10: leaking param: s to result ~r0 level=0', 'leaking-param-result', 's'],
    ['./main.go:5:10: leaking param: p to result out level=-1', 'leaking-param-result', 'p'],
    ['./main.go:9:6: can inline NewPoint', 'can-inline', 'NewPoint'],
    ['./main.go:9:6: can inline litT with cost 10 as: func() *T { t := &T{...}; return t }', 'can-inline', 'litT'],
    [
      './main.go:9:6: can inline (*Stack[go.shape.string]).Push with cost 63 as: method(*Stack[go.shape.string]) func(go.shape.string) { s.items = append(s.items, v) }',
      'can-inline',
      '(*Stack[go.shape.string]).Push',
    ],
    ['./main.go:9:6: cannot inline main: function too complex: cost 187 exceeds budget 80', 'cannot-inline', 'main'],
    ['./main.go:9:6: cannot inline F: marked go:noinline', 'cannot-inline', 'F'],
    ['./main.go:9:6: cannot inline Stat: unhandled op DEFER', 'cannot-inline', 'Stat'],
    ['./main.go:9:6: cannot inline f into g: repeated recursive cycle', 'cannot-inline', 'f'],
    [
      './main.go:9:6: cannot inline M[go.shape.struct { X int "json:\\"x\\"" }]: recursive',
      'cannot-inline',
      'M[go.shape.struct { X int "json:\\"x\\"" }]',
    ],
    ['./main.go:20:14: inlining call to fmt.Println', 'inlining-call', 'fmt.Println'],
    ['./main.go:20:14: inlining call to f with score 42', 'inlining-call', 'f'],
    ['./main.go:30:12: devirtualizing sh.Area to Square', 'devirtualized', 'sh.Area'],
    ['./main.go:30:12: partially devirtualizing sh.Area to Square', 'devirtualized', 'sh.Area'],
    ['./main.go:30:12: PGO devirtualizing interface call r.Read to (*os.File).Read', 'devirtualized', 'r.Read'],
    ['./main.go:30:12: append escapes to heap', 'escapes', 'append'],
    ['./main.go:30:12: append does not escape', 'does-not-escape', 'append'],
    ['./main.go:30:12: ... argument does not escape', 'does-not-escape', '... argument'],
    ['./main.go:30:12: p does not escape, mutate, or call', 'does-not-escape', 'p'],
    ['./main.go:30:12: a + b + "!" escapes to heap', 'escapes', 'a + b + "!"'],
    ['./main.go:30:12: ([]byte)(s) escapes to heap', 'escapes', '([]byte)(s)'],
    ['./main.go:30:12: func literal escapes to heap', 'escapes', 'func literal'],
    // Long constants are cut at 69 runes with no closing quote.
    [
      '/usr/lib/go/src/reflect/map.go:3:9: "MapIter.Next called on an iterator that does not have an associated ... escapes to heap',
      'escapes',
      '"MapIter.Next called on an iterator that does not have an associated ...',
    ],
    ['./main.go:30:12: "a: 1: b" escapes to heap', 'escapes', '"a: 1: b"'],
    ['./main.go:30:12: zero-copy string->[]byte conversion', 'other', ''],
    ['./main.go:10:2: Counter capturing by ref: n (addr=false assign=true width=8)', 'other', 'n'],
    ['./main.go:10:2: SelfAssign ignoring self-assignment in s.buf = s.buf[1:]', 'other', 's.buf = s.buf[1:]'],
    ['./main.go:10:2: index bounds check elided', 'other', ''],
    ['./main.go:10:2: x escapes to heap, not allowed in runtime', 'other', 'x'],
    ['./a.go:8:23: undefined: x', 'other', ''],
  ];
  for (const [line, kind, expr] of cases) {
    test(line, () => {
      const d = one(line);
      assert.equal(d.kind, kind);
      assert.equal(d.expr, expr);
      const sp = line.indexOf(': ');
      assert.equal(d.message, line.slice(sp + 2));
    });
  }
});

suite('escape text: positions and paths', () => {
  test('file:line:col, file:line, autogenerated, unknown, -L bracket', () => {
    assert.deepEqual(splitPosition('./main.go:12:9: x escapes to heap')?.pos, { file: './main.go', line: 12, column: 9 });
    assert.deepEqual(splitPosition('<autogenerated>:1: inlining call to f')?.pos, { file: '<autogenerated>', line: 1, column: null });
    assert.deepEqual(splitPosition('x.go:7[y.go:3:4]: leaking param: p')?.pos, { file: 'x.go', line: 7, column: null });
    assert.deepEqual(splitPosition('rel.go:7:2[/abs/y.go:3:4]: leaking param: p')?.pos, { file: 'rel.go', line: 7, column: 2 });
    const u = one('<unknown line number>: moved to heap: #next');
    assert.equal(u.file, '<unknown line number>');
    assert.equal(u.line, 0);
    assert.equal(u.kind, 'moved-to-heap');
    const none = one('moved to heap: #next');
    assert.deepEqual([none.file, none.line, none.column, none.kind, none.expr], ['', 0, null, 'moved-to-heap', '#next']);
  });

  test('Windows drive letters, backslashes, spaces, @ and $WORK in file names', () => {
    assert.deepEqual(splitPosition('C:\\Users\\me\\proj\\main.go:12:5: x escapes to heap')?.pos, {
      file: 'C:\\Users\\me\\proj\\main.go',
      line: 12,
      column: 5,
    });
    assert.deepEqual(splitPosition('.\\main.go:3:1: can inline f')?.pos, { file: '.\\main.go', line: 3, column: 1 });
    assert.deepEqual(splitPosition('/home/my dir/x.go:3:1: can inline f')?.pos, { file: '/home/my dir/x.go', line: 3, column: 1 });
    assert.deepEqual(splitPosition('example.org/dep@v1.0.0/dep.go:5:6: can inline Dep')?.pos, {
      file: 'example.org/dep@v1.0.0/dep.go',
      line: 5,
      column: 6,
    });
    assert.deepEqual(splitPosition('$WORK/b001/_cgo_gotypes.go:15:6: can inline _Cfunc_f')?.pos, {
      file: '$WORK/b001/_cgo_gotypes.go',
      line: 15,
      column: 6,
    });
    assert.deepEqual(parsePosition('./x.go:3'), { file: './x.go', line: 3, column: null });
    assert.deepEqual(parsePosition('../other/x.go:31:4'), { file: '../other/x.go', line: 31, column: 4 });
    assert.equal(parsePosition('not a position'), undefined);
  });

  test('absFile resolves relative names against baseDir; generated names do not resolve', () => {
    assert.equal(resolveFile('/w/m', './main.go'), '/w/m/main.go');
    assert.equal(resolveFile('/w/m', 'sub/sub.go'), '/w/m/sub/sub.go');
    assert.equal(resolveFile('/w/m', '../other/x.go'), '/w/other/x.go');
    assert.equal(resolveFile('/w/m', '/usr/local/go/src/fmt/print.go'), '/usr/local/go/src/fmt/print.go');
    assert.equal(resolveFile('C:\\w\\m', '.\\main.go'), 'C:\\w\\m\\main.go');
    assert.equal(resolveFile('/w/m', 'C:\\x\\y.go'), 'C:\\x\\y.go');
    assert.equal(resolveFile('/w/m', '<autogenerated>'), undefined);
    assert.equal(resolveFile('/w/m', '_testmain.go'), undefined);
    assert.equal(resolveFile('/w/m', '$WORK/b001/x.go'), undefined);
    const r = parseText('# example.com/m\n./main.go:3:2: moved to heap: x\n', { baseDir: '/w/m' });
    assert.equal(r.diagnostics[0]!.absFile, '/w/m/main.go');
    assert.equal(parseText('./main.go:3:2: moved to heap: x\n').diagnostics[0]!.absFile, undefined);
  });
});

suite('escape text: framing', () => {
  test('# headers set package and variant; two-line header; tool lines; blank lines', () => {
    const text = [
      'go: downloading example.org/dep v1.0.0',
      '# example.com/m',
      './m.go:3:2: moved to heap: x',
      '',
      '# example.com/m [example.com/m.test]',
      './m.go:3:2: moved to heap: x',
      '# example.com/m_test [example.com/m.test]',
      '# [vet]',
      './m_test.go:9:9: &T{} escapes to heap',
      '# example.com/m.test',
      '_testmain.go:37:6: can inline init.0',
      '<autogenerated>:1: inlining call to reflect.flag.kind',
    ].join('\n');
    const r = parseText(text);
    assertAccounted(r);
    assert.equal(r.unparsed.length, 0);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.package, d.packageVariant]),
      [
        ['example.com/m', undefined],
        ['example.com/m', 'example.com/m.test'],
        ['example.com/m_test', 'example.com/m.test'],
        ['example.com/m.test', undefined],
        ['example.com/m.test', undefined],
      ],
    );
    assert.deepEqual([r.stats.headerLines, r.stats.blankLines, r.stats.toolLines], [5, 1, 1]);
  });

  test('CRLF, lone CR and LF give the same diagnostics, split anywhere', () => {
    const lines = [
      '# example.com/m',
      './m.go:3:2: x escapes to heap in F:',
      './m.go:3:2:   flow: {heap} ← &x:',
      './m.go:3:2:     from &x (address-of) at ./m.go:4:9',
      './m.go:3:2: moved to heap: x',
      'junk',
    ];
    const lf = parseText(lines.join('\n'));
    for (const sep of ['\r\n', '\r']) {
      const text = lines.join(sep) + sep;
      const whole = parseText(text);
      assert.deepEqual(whole, lf);
      for (let cut = 0; cut <= text.length; cut++) {
        const p = new TextParser();
        p.push(text.slice(0, cut));
        p.push(text.slice(cut));
        assert.deepEqual(p.end(), lf, `split at ${cut} with ${JSON.stringify(sep)}`);
      }
    }
    assert.equal(lf.diagnostics.length, 2);
    assert.deepEqual(lf.unparsed, [{ line: 6, text: 'junk' }]);
  });

  test('exact duplicates are kept, not merged', () => {
    const r = parseText('./a.go:1:1: can inline f\n./a.go:1:1: can inline f\n');
    assert.equal(r.diagnostics.length, 2);
  });

  test('-m=3: statement traces and label notes are `other`; IR dumps attach to their inlining line', () => {
    const text = [
      './m.go:5:2:[1] main stmt: x := 1',
      './m.go:6:2: Before inlining: ',
      '.   CALLFUNC PTR-*T tc(1) # m.go:6:2',
      '.   .   NAME-m.f Class:PFUNC',
      '',
      'generic/generic.go:41:23:.i0:  non-looping label',
      '.   stray IR line with no inlining line before it',
    ].join('\n');
    const r = parseText(text);
    assertAccounted(r);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.kind, d.steps?.length]),
      [
        ['other', undefined],
        ['other', 2],
        ['other', undefined],
      ],
    );
    assert.equal(r.diagnostics[1]!.steps![1]!.text, '.   .   NAME-m.f Class:PFUNC');
    assert.equal(r.diagnostics[2]!.expr, '.i0:');
    assert.deepEqual(r.unparsed, [{ line: 7, text: '.   stray IR line with no inlining line before it' }]);
  });
});

suite('escape text: -m=2 explanation blocks', () => {
  const go127 = [
    './main.go:48:2: x escapes to heap in closure:',
    './main.go:48:2:   flow: {storage for func literal} ← &x:',
    './main.go:48:2:     from x (captured by a closure) at ./main.go:50:3',
    './main.go:48:2:     from x (reference) at ./main.go:50:3',
    './main.go:48:2: moved to heap: x',
    './main.go:20:10: parameter p leaks to {heap} for keep with derefs=0:',
    './main.go:20:10:   flow: {heap} ← p:',
    './main.go:20:10:     from sink = p (assign) at ./main.go:21:7',
    './main.go:20:10:   warning: truncated explanation due to assignment cycle; see golang.org/issue/35518',
    './main.go:20:10: leaking param: p',
  ];
  const go124 = go127.map((l) => l.replace(' in closure:', ':').replace(' for keep with', ' with').replace(' ← ', ' = '));

  for (const [name, lines, func] of [
    ['go1.25+ wording', go127, 'closure'],
    ['go1.24 and older wording', go124, undefined],
  ] as const) {
    test(name, () => {
      const r = parseText(lines.join('\n') + '\n', { baseDir: '/w/m' });
      assertAccounted(r);
      assert.equal(r.unparsed.length, 0);
      assert.deepEqual(
        r.diagnostics.map((d) => d.kind),
        ['explanation', 'moved-to-heap', 'explanation', 'leaking-param'],
      );
      const [x, , p] = r.diagnostics;
      assert.equal(x!.expr, 'x');
      assert.equal(x!.func, func);
      assert.equal(x!.inputLine, 1);
      assert.deepEqual([x!.file, x!.line, x!.column], ['./main.go', 48, 2]);
      assert.deepEqual(
        x!.steps!.map((s) => s.kind),
        ['flow', 'from', 'from'],
      );
      const from = x!.steps![1]!;
      assert.deepEqual(
        [from.why, from.where, from.file, from.line, from.column, from.absFile],
        ['captured by a closure', 'x', './main.go', 50, 3, '/w/m/main.go'],
      );
      assert.equal(p!.expr, 'p');
      assert.equal(p!.func, func === undefined ? undefined : 'keep');
      assert.deepEqual(
        p!.steps!.map((s) => s.kind),
        ['flow', 'from', 'note'],
      );
      assert.equal(p!.steps![1]!.where, 'sink = p');
      assert.equal(r.stats.diagnosticLines, 10);
    });
  }

  test('from steps whose WHERE contains `) at ` and parentheses', () => {
    const r = parseText('./m.go:3:2: s escapes to heap in F:\n./m.go:3:2:     from f("x) at y") (call parameter) at ./m.go:9:14\n');
    const s = r.diagnostics[0]!.steps![0]!;
    assert.deepEqual([s.where, s.why, s.line, s.column], ['f("x) at y")', 'call parameter', 9, 14]);
  });

  test('Windows and cgo paths in block positions and step tails', () => {
    const r = parseText(
      [
        'C:\\w\\m\\main.go:3:2: x escapes to heap in F:',
        'C:\\w\\m\\main.go:3:2:     from &x (address-of) at C:\\w\\m\\other.go:9:14',
        '_cgo_gotypes.go:15:6: can inline _Cfunc_puts',
        './main.go:13:23: C.CString("hi") escapes to heap',
      ].join('\r\n'),
      { baseDir: 'C:\\w\\m' },
    );
    assertAccounted(r);
    const [x, cgo, call] = r.diagnostics;
    assert.equal(x!.file, 'C:\\w\\m\\main.go');
    assert.deepEqual([x!.steps![0]!.file, x!.steps![0]!.line, x!.steps![0]!.column], ['C:\\w\\m\\other.go', 9, 14]);
    assert.equal(cgo!.absFile, undefined);
    assert.equal(call!.absFile, 'C:\\w\\m\\main.go');
    assert.equal(call!.expr, 'C.CString("hi")');
  });

  test('a block ends at a different position; an orphan step is still kept', () => {
    const r = parseText('./m.go:3:2: x escapes to heap:\n./m.go:4:2:   flow: {heap} = &y:\n');
    assertAccounted(r);
    assert.equal(r.diagnostics.length, 2);
    assert.deepEqual(r.diagnostics[0]!.steps, []);
    assert.equal(r.diagnostics[1]!.expr, '');
    assert.equal(r.diagnostics[1]!.steps!.length, 1);
  });
});

suite('escape text: properties', () => {
  const fragments = [
    './m.go:',
    '3',
    ':',
    '2',
    ': ',
    'x escapes to heap',
    ' in F:',
    '  flow: ',
    '    from ',
    ' (assign) at ',
    '# ',
    'pkg',
    '\n',
    '\r\n',
    '\r',
    'é',
    '😀',
    '\u0000',
    ' ',
    'moved to heap: ',
    'leaking param: ',
    ' to result ',
    ' level=',
    '[',
    ']',
    '<autogenerated>',
  ];
  const textArb = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.array(fc.constantFrom(...fragments), { maxLength: 80 }).map((a) => a.join('')),
  );

  test('never throws; every line accounted for; line count matches', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        const r = parseText(text);
        assertAccounted(r);
        assert.equal(r.stats.lines, referenceLines(text).length);
        for (const u of r.unparsed) assert.equal(u.text, referenceLines(text)[u.line - 1]);
      }),
      { numRuns: 500 },
    );
  });

  test('chunking does not change the result', () => {
    fc.assert(
      fc.property(textArb, fc.array(fc.nat(), { maxLength: 6 }), (text, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const p = new TextParser();
        let prev = 0;
        for (const c of points) {
          p.push(text.slice(prev, c));
          prev = c;
        }
        p.push(text.slice(prev));
        assert.deepEqual(p.end(), parseText(text));
      }),
      { numRuns: 300 },
    );
  });
});

suite('escape text: linear time on pathological input', () => {
  test('a line longer than maxLineLength is cut, reported unparsed, and the next line still parses', () => {
    const r = parseText('z'.repeat(5000) + '\n./a.go:1:1: moved to heap: x\n', { maxLineLength: 1000 });
    assertAccounted(r);
    assert.equal(r.unparsed.length, 1);
    assert.ok(r.unparsed[0]!.text.endsWith('… [line cut: 4000 more characters]'));
    assert.equal(r.diagnostics[0]!.kind, 'moved-to-heap');
  });
});
