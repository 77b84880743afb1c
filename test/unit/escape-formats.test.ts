// go build -json framing and the -json=0,DIR log, on synthetic input shaped like the
// real thing (the recorded corpus covers real output: escape-recorded.test.ts).
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BuildJsonParser, parseBuildJson } from '../../src/core/escape/buildjson.ts';
import { parseLogopt } from '../../src/core/escape/logopt.ts';

const ev = (o: object): string => JSON.stringify(o);

suite('go build -json', () => {
  test('success block, failure events line by line, test events and stray text are all accounted for', () => {
    const lines = [
      ev({
        ImportPath: 'example.com/m',
        Action: 'build-output',
        Output: '# example.com/m\n./m.go:3:2: moved to heap: x\n./m.go:4:9: &T{} escapes to heap\n',
      }),
      ev({ ImportPath: 'example.com/bad', Action: 'build-output', Output: '# example.com/bad\n' }),
      ev({ ImportPath: 'example.com/bad', Action: 'build-output', Output: './bad.go:8:23: undefined: y\n' }),
      ev({ ImportPath: 'example.com/bad', Action: 'build-fail' }),
      ev({ Time: '2026-01-01T00:00:00Z', Action: 'start', Package: 'example.com/m' }),
      'go: some plain-text error',
      '',
    ];
    const r = parseBuildJson(lines.join('\n'), { baseDir: '/w/m' });
    assert.deepEqual(
      r.diagnostics.map((d) => [d.kind, d.package, d.inputLine, d.absFile]),
      [
        ['moved-to-heap', 'example.com/m', 1, '/w/m/m.go'],
        ['escapes', 'example.com/m', 1, '/w/m/m.go'],
        ['other', 'example.com/bad', 3, '/w/m/bad.go'],
      ],
    );
    assert.deepEqual(r.failedPackages, ['example.com/bad']);
    assert.deepEqual(r.unparsed, [{ line: 6, text: 'go: some plain-text error' }]);
    assert.equal(r.stats.lines, 6);
  });

  test('an explanation block split over two events of the same package comes out whole', () => {
    const text = [
      ev({
        ImportPath: 'p [p.test]',
        Action: 'build-output',
        Output: './a.go:1:2: x escapes to heap in F:\n./a.go:1:2:   flow: {heap} ← &x:\n',
      }),
      ev({ ImportPath: 'q', Action: 'build-output', Output: '# q\n./q.go:1:1: can inline Q\n' }),
      ev({ ImportPath: 'p [p.test]', Action: 'build-output', Output: './a.go:1:2:     from &x (address-of) at ./a.go:2:9\n' }),
    ].join('\n');
    const r = parseBuildJson(text);
    const x = r.diagnostics.find((d) => d.kind === 'explanation');
    assert.equal(x?.steps?.length, 2);
    assert.equal(x?.package, 'p');
    assert.equal(x?.inputLine, 1);
  });

  test('chunked input gives the same result; never throws on arbitrary text', () => {
    const text = ev({ ImportPath: 'm', Action: 'build-output', Output: '# m\n./m.go:3:2: moved to heap: é\n' }) + '\r\nnot json {\n';
    const whole = parseBuildJson(text);
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new BuildJsonParser();
      p.push(text.slice(0, cut));
      p.push(text.slice(cut));
      assert.deepEqual(p.end(), whole);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const r = parseBuildJson(s);
        assert.equal(r.stats.unparsed, r.unparsed.length);
      }),
      { numRuns: 300 },
    );
  });
});

suite('-json=0,DIR log', () => {
  const header = ev({ version: 0, package: 'example.com/m', goos: 'linux', goarch: 'amd64', gc_version: 'go1.27.3', file: '/w/m/m.go' });
  const at = (line: number, character: number) => ({ start: { line, character }, end: { line, character } });
  const content =
    [
      header,
      ev({ range: at(3, 6), severity: 3, code: 'canInlineFunction', source: 'go compiler', message: 'cost: 4' }),
      ev({
        range: at(5, 9),
        severity: 3,
        code: 'escape',
        source: 'go compiler',
        message: '&T{...} escapes to heap',
        relatedInformation: [
          { location: { uri: 'file:///w/m/m.go', range: at(5, 9) }, message: 'escflow:    flow: ~r0 ← &{storage for &T{...}}:' },
          { location: { uri: 'file:///w/m/m.go', range: at(5, 9) }, message: 'escflow:      from &T{...} (spill)' },
          { location: { uri: 'file:///w/m/m.go', range: at(5, 2) }, message: 'escflow:      from return &T{...} (return)' },
        ],
      }),
      ev({ range: at(5, 9), severity: 3, code: 'escape', source: 'go compiler', message: '' }),
      ev({ range: at(7, 10), severity: 3, code: 'leak', source: 'go compiler', message: 'parameter p leaks to {heap} with derefs=0' }),
      ev({ range: at(7, 13), severity: 3, code: 'leak', source: 'go compiler', message: 'parameter q leaks to ~r0 with derefs=1' }),
      ev({ range: at(7, 16), severity: 3, code: 'leak', source: 'go compiler', message: 'parameter r leaks to {heap} with derefs=2' }),
      ev({ range: at(1, 0), severity: 3, code: 'isInBounds', source: 'go compiler', message: '' }),
      ev({ range: at(1, 0), severity: 3, code: 'someFutureCode', source: 'go compiler', message: 'new' }),
      'garbage',
    ].join('\n') + '\n';

  test('codes map to kinds; explanations carry steps with positions; unknown codes are other; bad lines unparsed', () => {
    const r = parseLogopt([{ path: 'example.com%2Fm/m.json', content }]);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.kind, d.expr, d.line, d.column]),
      [
        ['canInlineFunction', 'can-inline', '', 3, 6],
        ['escape', 'escapes', '&T{...}', 5, 9],
        ['escape', 'explanation', '&T{...}', 5, 9],
        ['escape', 'other', '', 5, 9],
        ['leak', 'leaking-param', 'p', 7, 10],
        ['leak', 'leaking-param-result', 'q', 7, 13],
        ['leak', 'leaking-param-content', 'r', 7, 16],
        ['isInBounds', 'other', '', 1, null],
        ['someFutureCode', 'other', '', 1, null],
      ],
    );
    const steps = r.diagnostics[2]!.steps!;
    assert.deepEqual(
      steps.map((s) => [s.kind, s.why, s.where, s.line, s.column, s.file]),
      [
        ['flow', undefined, undefined, 5, 9, '/w/m/m.go'],
        ['from', 'spill', '&T{...}', 5, 9, '/w/m/m.go'],
        ['from', 'return', 'return &T{...}', 5, 2, '/w/m/m.go'],
      ],
    );
    assert.deepEqual(r.unparsed, [{ line: 10, text: 'garbage', source: 'example.com%2Fm/m.json' }]);
    assert.equal(r.headers[0]!.gc_version, 'go1.27.3');
    assert.equal(r.stats.lines, 10);
  });
});
