// Hardening of the compiler-output parsers (issue 6, item 1) on the `npm test` budget; the long
// run of the same properties is `npm run fuzz` (bench/fuzz.ts). The inputs (random bytes, every
// message shape around hostile expressions, truncated -m=2 blocks, edited recorded output, mixed
// line endings) and the checked properties live in bench/fuzz-inputs.ts. The basic properties of
// test/unit/escape-text.test.ts (random lines, chunking, pathological lines) are not repeated.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseBuildJson } from '../../src/core/escape/buildjson.ts';
import { parseLogopt } from '../../src/core/escape/logopt.ts';
import { parseText, TextParser } from '../../src/core/escape/text.ts';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/io.ts';
import {
  buildJsonInputArb,
  checkBuildJson,
  checkBytes,
  checkLogopt,
  checkText,
  countLines,
  logoptInputArb,
  recordedCorpus,
  textInputArb,
} from '../../bench/fuzz-inputs.ts';

const corpus = recordedCorpus();
const fail = (b: string | undefined): void => assert.equal(b, undefined);

suite('fuzz: parsers never throw and account for every line', () => {
  test('the recorded corpus is there to mutate', () => {
    assert.ok(corpus.text.length >= 7 * 3, `recorded text outputs: ${corpus.text.length}`);
    assert.ok(corpus.buildJson.length >= 4 && corpus.logopt.length >= 7);
  });

  test('text parser: hostile and mutated inputs, split into two chunks anywhere', () => {
    fc.assert(
      fc.property(textInputArb(corpus.text), fc.nat(), (s, k) => fail(checkText(s, k))),
      { numRuns: 1500 },
    );
  });

  test("byte parser (analyze's path): the same inputs as bytes in random chunks equal TextParser over TextDecoder", () => {
    fc.assert(
      fc.property(textInputArb(corpus.text), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (s, cuts, latin1) =>
        fail(checkBytes(s, cuts, latin1)),
      ),
      { numRuns: 800 },
    );
  });

  test('go build -json parser: events with hostile text, broken JSON, mutated recordings', () => {
    fc.assert(
      fc.property(buildJsonInputArb(corpus.buildJson), (s) => fail(checkBuildJson(s))),
      { numRuns: 400 },
    );
  });

  test('-json=0,DIR log parser: wrong shapes, null fields, non-JSON lines', () => {
    fc.assert(
      fc.property(logoptInputArb(corpus.logopt), (f) => fail(checkLogopt(f))),
      { numRuns: 400 },
    );
  });

  test('the check itself fails on a parser that drops a line (it cannot pass vacuously)', () => {
    // countLines is the oracle for stats.lines: it must disagree with a wrong count.
    assert.equal(countLines('a\r\nb\rc\n\nd'), 5);
    assert.equal(countLines('a\r\n'), 1);
    assert.equal(countLines(''), 0);
    const r = parseText('x\r\ny\rz');
    assert.equal(r.stats.lines, 3);
  });
});

suite('fuzz: hostile sizes', () => {
  test('a 10 MB single line of message syntax: one unparsed or one diagnostic, never a throw', () => {
    const unit = ') at (: escapes to heap\u0000{"←é😀';
    const line = './a.go:1:2: ' + unit.repeat(Math.ceil(10_000_000 / unit.length));
    const r = parseText(line + '\n./b.go:3:4: moved to heap: y\n');
    assert.equal(r.stats.lines, 2);
    assert.equal(r.stats.diagnostics + r.stats.unparsed, 2);
    assert.equal(r.diagnostics.at(-1)?.kind, 'moved-to-heap');
  });

  test('a million tiny lines with \\n, \\r\\n and \\r mixed, pushed in 4 KiB chunks', () => {
    const eols = ['\n', '\r\n', '\r'];
    let s = '';
    // An empty line right after a lone \r would make `\r\n`: one line, not two. Avoid that pair.
    for (let i = 0; i < 1_000_000; i++)
      s += (i % 7 === 0 ? './a.go:1:1: x escapes to heap' : i % 5 === 0 && i % 3 !== 0 ? '' : 'z') + eols[i % 3];
    const p = new TextParser();
    for (let i = 0; i < s.length; i += 4096) p.push(s.slice(i, i + 4096));
    const r = p.end();
    assert.equal(r.stats.lines, 1_000_000);
    assert.equal(r.stats.byKind.escapes, Math.ceil(1_000_000 / 7));
    assert.equal((r.stats.diagnosticLines ?? 0) + (r.stats.blankLines ?? 0) + r.stats.unparsed, 1_000_000);
  });

  test('invalid UTF-8 through the parse CLI: exit 0, lines counted, replacement characters kept', async () => {
    const bytes = [
      Uint8Array.from([0xff, 0xfe, 0x0a]),
      Buffer.from('./a.go:1:2: x escapes to heap\n'),
      Uint8Array.from([0xc3]),
      Uint8Array.from([0x28, 0x0d, 0x0a, 0xe2, 0x82, 0x0a]),
    ];
    let stdout = '';
    let stderr = '';
    const io: CliIO = {
      stdout: (s) => void (stdout += s),
      stderr: (s) => void (stderr += s),
      stdin: async function* () {
        yield* bytes;
      },
      cwd: '/',
      env: {},
    };
    assert.equal(await main(['parse', '-', '--json'], io), 0, stderr);
    const out = JSON.parse(stdout) as { unparsed: { line: number; text: string }[]; stats: { lines: number; diagnostics: number } };
    assert.equal(out.stats.lines, 4);
    assert.equal(out.stats.diagnostics, 1);
    assert.deepEqual(
      out.unparsed.map((u) => u.line),
      [1, 3, 4],
    );
    assert.ok(
      out.unparsed.every((u) => u.text.includes('\ufffd')),
      JSON.stringify(out.unparsed),
    );
  });
});

suite('fuzz: linear time of the JSON parsers', () => {
  // As in escape-text.test.ts: the ratio for 2× input (best of 3), never an absolute limit. Linear
  // is ≈2; the bound of 4 leaves room for a loaded 2-core machine and rejects quadratic (≈4+).
  // A noisy neighbour can spoil one measurement, so up to 3 attempts; quadratic fails them all.
  function ratio(run: (k: number) => void): number {
    run(1);
    let r = Infinity;
    for (let attempt = 0; attempt < 3 && r >= 4; attempt++) {
      const t = [1, 2].map((k) => {
        let best = Infinity;
        for (let i = 0; i < 3; i++) {
          const t0 = performance.now();
          run(k);
          best = Math.min(best, performance.now() - t0);
        }
        return best;
      });
      r = t[1]! / Math.max(t[0]!, 1);
    }
    return r;
  }

  test('go build -json: one package with 40k output events (each split across events)', () => {
    const ev = (i: number) =>
      JSON.stringify({
        ImportPath: 'p',
        Action: 'build-output',
        Output: i % 2 ? `./a.go:${i}:1: x escapes to heap:\n` : `./a.go:${i - 1}:1:   flow: {heap} ← x:\n`,
      });
    const make = (n: number) => Array.from({ length: n }, (_, i) => ev(i)).join('\n');
    const texts = [make(20_000), make(40_000)];
    const r = ratio((k) => void parseBuildJson(texts[k - 1]!));
    assert.ok(r < 4, `2× input took ${r.toFixed(2)}× as long`);
  });

  test('-json=0,DIR log: 20k records with related information', () => {
    const header = '{"version":0,"package":"p","goos":"linux","goarch":"amd64","gc_version":"go1.26","file":"a.go"}';
    const rec =
      '{"range":{"start":{"line":3,"character":9},"end":{"line":3,"character":9}},"severity":3,"code":"escape","source":"go compiler","message":"x escapes to heap","relatedInformation":[{"location":{"uri":"file:///a.go","range":{"start":{"line":3,"character":9},"end":{"line":3,"character":9}}},"message":"escflow:    from x (spill) at a.go:3:9"}]}';
    const files = [10_000, 20_000].map((n) => [
      { path: 'p/a.json', content: [header, ...Array.from({ length: n }, () => rec)].join('\n') },
    ]);
    const r = ratio((k) => void parseLogopt(files[k - 1]!));
    assert.ok(r < 4, `2× input took ${r.toFixed(2)}× as long`);
  });
});
