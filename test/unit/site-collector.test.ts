// The streaming parse→join path (join.ts SiteCollector with the text parser's `want` and
// `deferSteps`) against the whole parse: the same sites, the same stats, and with keepAll the same
// diagnostics (steps aside), on every recorded compiler output, on random chunkings of them, and on
// the corner cases of "the first explanation of a subject wins".
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import type { Diagnostic, FlowStep, ParseResult } from '../../src/core/escape/diagnostic.ts';
import { parseText, TextParser } from '../../src/core/escape/text.ts';
import { SiteCollector } from '../../src/core/sites/collector.ts';
import { joinSites } from '../../src/core/sites/join.ts';

const fixtures = join(__dirname, '..', 'fixtures');
const recorded = join(fixtures, 'recorded');
const rules = rulesFor('go1.26', 'amd64');

/** The collector path: chunks pushed as given, steps deferred. */
function collect(chunks: readonly string[], baseDir: string, keepAll: boolean): { r: ParseResult; diagnostics: Diagnostic[] } {
  const c = new SiteCollector({ keepAll });
  const p = new TextParser({ baseDir, want: c.want, onDiagnostic: c.add, deferSteps: true });
  for (const ch of chunks) p.push(ch);
  return { r: p.end(), diagnostics: c.diagnostics() };
}

function sitesOf(diagnostics: readonly Diagnostic[], baseDir: string) {
  // lineText: a column conversion that depends on the line, so that shared reasons must convert alike.
  const lineText = (_f: string, line: number) => (line % 3 === 0 ? 'é'.repeat(line % 7) + 'x := new(T)' : undefined);
  return joinSites(diagnostics, [], { rules, baseDir, lineText });
}

function withoutSteps(d: Diagnostic): Omit<Diagnostic, 'steps'> {
  const { steps: _steps, ...rest } = d;
  return rest;
}

function assertSame(text: string, baseDir: string, chunks: readonly string[] = [text]): void {
  const full = parseText(text, { baseDir });
  const want = sitesOf(full.diagnostics, baseDir);
  for (const keepAll of [false, true]) {
    const { r, diagnostics } = collect(chunks, baseDir, keepAll);
    assert.deepEqual(r.stats, full.stats, `stats, keepAll=${keepAll}`);
    assert.deepEqual(r.unparsed, full.unparsed, `unparsed, keepAll=${keepAll}`);
    assert.deepEqual(
      JSON.parse(JSON.stringify(sitesOf(diagnostics, baseDir))),
      JSON.parse(JSON.stringify(want)),
      `sites, keepAll=${keepAll}`,
    );
    if (keepAll) {
      assert.deepEqual(diagnostics.map(withoutSteps), full.diagnostics.map(withoutSteps), 'keepAll builds every diagnostic');
      // Steps that are there are the parser's own.
      full.diagnostics.forEach((d, i) => {
        const got = diagnostics[i]!.steps;
        if (got !== undefined) assert.deepEqual(got, d.steps, `steps of diagnostic ${i}`);
      });
    } else {
      assert.ok(diagnostics.length <= full.diagnostics.length);
    }
  }
}

const recordings = existsSync(recorded)
  ? readdirSync(recorded)
      .filter((v) => /^go1\.\d+$/.test(v))
      .flatMap((v) =>
        readdirSync(join(recorded, v))
          .filter((f) => f.endsWith('.txt'))
          .map((f) => ({ v, f, path: join(recorded, v, f), baseDir: join(fixtures, f.split('-')[0]!) })),
      )
  : [];

suite('SiteCollector: the streaming parse→join equals the whole parse', () => {
  test('recordings exist', () => {
    assert.ok(recordings.length >= 7 * 3, `${recordings.length} recordings under ${recorded}`);
  });

  for (const rec of recordings) {
    test(`${rec.v}/${rec.f}`, () => {
      const text = readFileSync(rec.path, 'utf8');
      assertSame(text, rec.baseDir);
      // Sites come out at all (the recordings are of allocating code).
      if (rec.f === 'constructs-m2.txt') assert.ok(sitesOf(collect([text], rec.baseDir, false).diagnostics, rec.baseDir).length > 20);
    });
  }

  test('random chunkings and line endings of a -m=2 recording', () => {
    const rec = recordings.find((r) => r.v === 'go1.26' && r.f === 'constructs-m2.txt') ?? recordings.find((r) => r.f.includes('-m2'));
    assert.ok(rec, 'a -m=2 recording');
    const lines = readFileSync(rec.path, 'utf8').split('\n').slice(0, 1500);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: lines.length - 1 }),
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 20 }),
        (start, n, eol, cuts) => {
          const text = lines.slice(start, start + n).join(eol);
          const chunks: string[] = [];
          let at = 0;
          for (const c of cuts) {
            if (at >= text.length) break;
            chunks.push(text.slice(at, at + c));
            at += c;
          }
          if (at < text.length) chunks.push(text.slice(at));
          assertSame(text, rec.baseDir, chunks);
        },
      ),
      { numRuns: 60, seed: 5 },
    );
  });
});

suite('SiteCollector: which explanation explains a site', () => {
  const base = '/m';
  const steps = (pos: string, n: number) => Array.from({ length: n }, (_, i) => `${pos}:   flow: {heap} ← x${i}:`).join('\n');

  test('the first explanation with steps wins, a step-less header claims nothing', () => {
    const text = [
      '# m',
      './a.go:3:9: &T{} escapes to heap in f:', // no steps: claims nothing
      './a.go:3:9: &T{} escapes to heap in f:',
      steps('./a.go:3:9', 2), // the first with steps
      './a.go:3:9: &T{} escapes to heap in f:',
      steps('./a.go:3:9', 5), // repeated: not kept
      './a.go:3:9: &T{} escapes to heap',
      './a.go:4:2: append(s, 1) escapes to heap in f:',
      steps('./a.go:4:2', 3), // found under `append` too
      './a.go:4:2: append escapes to heap',
      './a.go:9:1: parameter p leaks to {heap} with derefs=0:',
      steps('./a.go:9:1', 1), // nobody's subject
      './a.go:9:1: leaking param: p',
      './a.go:9:1: p does not escape', // a value that stays: never a site
    ].join('\n');
    assertSame(text, base);
    const { diagnostics } = collect([text], base, false);
    const sites = sitesOf(diagnostics, base);
    assert.deepEqual(
      sites.map((s) => [s.expr, s.reason.length]),
      [
        ['&T{}', 2],
        ['append', 3],
      ],
    );
    // Only what the join reads was kept: the two sites and their explanations.
    assert.deepEqual(
      diagnostics.map((d) => d.kind),
      ['explanation', 'escapes', 'explanation', 'escapes'],
    );
  });

  test('an explanation printed after its site still explains it', () => {
    const text = ['# m', './a.go:5:6: new(int) escapes to heap', './a.go:5:6: new(int) escapes to heap in g:', steps('./a.go:5:6', 4)].join(
      '\n',
    );
    assertSame(text, base);
    assert.equal(sitesOf(collect([text], base, false).diagnostics, base)[0]!.reason.length, 4);
  });

  test('the same explanation serves sites in two packages (an inlined body), as in the whole parse', () => {
    const text = [
      '# a',
      './a.go:5:6: new(int) escapes to heap in a.F:',
      steps('./a.go:5:6', 2),
      './a.go:5:6: new(int) escapes to heap',
      '# b',
      './a.go:5:6: new(int) escapes to heap in b.G:',
      steps('./a.go:5:6', 3),
      './a.go:5:6: new(int) does not escape',
    ].join('\n');
    assertSame(text, base);
    const sites = sitesOf(collect([text], base, false).diagnostics, base);
    assert.deepEqual(
      sites.map((s) => [s.package, s.escapes, s.reason.length]),
      [
        ['a', true, 2],
        ['b', false, 2],
      ],
    );
  });

  test("deferred steps are the parser's steps, parsed once and only when asked for", () => {
    const text = [
      '# m',
      './a.go:3:9: &T{} escapes to heap in f:',
      './a.go:3:9:   flow: {heap} ← &T{}:',
      './a.go:3:9:     from &T{} (spill) at ./a.go:3:9',
      './a.go:3:9:     from return &T{} (return) at ./b.go:7:2',
    ].join('\n');
    let calls = 0;
    let thunk: (() => FlowStep[]) | undefined;
    const p = new TextParser({
      baseDir: base,
      want: () => true,
      deferSteps: true,
      onDiagnostic: (d, s) => {
        assert.equal(d.steps, undefined);
        thunk = s;
      },
    });
    p.push(text);
    p.end();
    assert.ok(thunk);
    const wrapped = () => {
      calls++;
      return thunk!();
    };
    assert.deepEqual(wrapped(), parseText(text, { baseDir: base }).diagnostics[0]!.steps);
    assert.equal(calls, 1);
  });

  test('a line cut by maxLineLength inside a kept block is counted and reported as with the whole parse', () => {
    const long = './a.go:3:9:   flow: {heap} ← ' + 'y'.repeat(300);
    const text = [
      '# m',
      './a.go:3:9: &T{} escapes to heap in f:',
      steps('./a.go:3:9', 1),
      long,
      steps('./a.go:3:9', 2),
      './a.go:3:9: &T{} escapes to heap',
    ].join('\n');
    const full = parseText(text, { baseDir: base, maxLineLength: 100 });
    const c = new SiteCollector();
    const p = new TextParser({ baseDir: base, want: c.want, onDiagnostic: c.add, deferSteps: true, maxLineLength: 100 });
    for (let i = 0; i < text.length; i += 37) p.push(text.slice(i, i + 37));
    const r = p.end();
    assert.deepEqual(r.stats, full.stats);
    assert.deepEqual(r.unparsed, full.unparsed);
    assert.deepEqual(sitesOf(c.diagnostics(), base), sitesOf(full.diagnostics, base));
  });
});
