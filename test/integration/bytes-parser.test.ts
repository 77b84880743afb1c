// ByteTextParser (src/core/escape/bytes.ts) against the reference TextParser fed the same bytes
// through a streaming TextDecoder('utf-8'), as analyze.ts decoded a saved output before: identical
// diagnostics (steps included), stats and unparsed lines on every recording, on random chunkings,
// line endings, invalid UTF-8 and very long lines, with and without the SiteCollector's `want`.
// The std output (.cache/std-m2.txt, 144 MiB) is compared by the last test with GHL_STD_EQUIVALENCE=1.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ByteTextParser, type Utf8Decode } from '../../src/core/escape/bytes.ts';
import type { Diagnostic, ParseResult, UnparsedLine } from '../../src/core/escape/diagnostic.ts';
import { TextParser, type TextParserOptions } from '../../src/core/escape/text.ts';
import { SiteCollector } from '../../src/core/sites/collector.ts';
import { bufferUtf8Decode, utf8Decode } from '../../src/toolchain/utf8.ts';

const fixtures = join(__dirname, '..', 'fixtures');
const recorded = join(fixtures, 'recorded');
const stdFile = join(__dirname, '..', '..', '.cache', 'std-m2.txt');

type Mode = 'all' | 'keepAll' | 'sitesOnly' | 'skipOnly';
const modes: readonly Mode[] = ['all', 'keepAll', 'sitesOnly', 'skipOnly'];

interface Outcome {
  r: ParseResult;
  diagnostics: readonly Diagnostic[];
  unparsed: readonly UnparsedLine[];
}

function options(
  mode: Mode,
  baseDir: string,
  sink: { ds: Diagnostic[]; un: UnparsedLine[] },
  maxLineLength?: number,
): { opts: TextParserOptions; done: () => readonly Diagnostic[] } {
  const extra = { baseDir, onUnparsed: (u: UnparsedLine) => sink.un.push(u), ...(maxLineLength ? { maxLineLength } : {}) };
  if (mode === 'all') return { opts: { ...extra, onDiagnostic: (d) => sink.ds.push(d) }, done: () => sink.ds };
  const c = new SiteCollector({ keepAll: mode !== 'sitesOnly' });
  return { opts: { ...extra, want: c.want, onDiagnostic: c.add, deferSteps: mode !== 'skipOnly' }, done: () => c.diagnostics() };
}

/** The reference: TextParser over TextDecoder's streaming output, 32 KiB at a time (analyze.ts before). */
function reference(bytes: Uint8Array, mode: Mode, baseDir: string, maxLineLength?: number): Outcome {
  const sink = { ds: [] as Diagnostic[], un: [] as UnparsedLine[] };
  const { opts, done } = options(mode, baseDir, sink, maxLineLength);
  const p = new TextParser(opts);
  const dec = new TextDecoder('utf-8');
  for (let o = 0; o < bytes.length; o += 32 << 10) p.push(dec.decode(bytes.subarray(o, o + (32 << 10)), { stream: true }));
  p.push(dec.decode());
  const r = p.end();
  return { r, diagnostics: done(), unparsed: sink.un };
}

function viaBytes(
  chunks: readonly Uint8Array[],
  mode: Mode,
  baseDir: string,
  maxLineLength?: number,
  decode: Utf8Decode = bufferUtf8Decode,
): Outcome {
  const sink = { ds: [] as Diagnostic[], un: [] as UnparsedLine[] };
  const { opts, done } = options(mode, baseDir, sink, maxLineLength);
  const p = new ByteTextParser({ ...opts, decode });
  for (const c of chunks) p.push(c);
  const r = p.end();
  return { r, diagnostics: done(), unparsed: sink.un };
}

function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(bytes.slice(prev, c));
    prev = c;
  }
  out.push(bytes.slice(prev));
  return out;
}

function assertSame(
  bytes: Uint8Array,
  baseDir: string,
  chunks: readonly Uint8Array[] = [bytes],
  maxLineLength?: number,
  only?: readonly Mode[],
  decode?: Utf8Decode,
): void {
  for (const mode of only ?? modes) {
    const want = reference(bytes, mode, baseDir, maxLineLength);
    const got = viaBytes(chunks, mode, baseDir, maxLineLength, decode);
    assert.deepEqual(got.r.stats, want.r.stats, `stats, ${mode}`);
    assert.deepEqual(got.unparsed, want.unparsed, `unparsed, ${mode}`);
    assert.equal(got.diagnostics.length, want.diagnostics.length, `diagnostics, ${mode}`);
    assert.deepEqual(got.diagnostics, want.diagnostics, `diagnostics, ${mode}`);
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

const enc = new TextEncoder();

suite('ByteTextParser equals TextParser over TextDecoder', () => {
  test('recordings exist', () => {
    assert.ok(recordings.length >= 7 * 3, `${recordings.length} recordings under ${recorded}`);
  });

  for (const rec of recordings) {
    test(`${rec.v}/${rec.f}`, () => {
      const bytes = new Uint8Array(readFileSync(rec.path));
      assertSame(bytes, rec.baseDir);
      // Explanation steps are checked in place for the collector (the point of the byte path).
      if (rec.f.includes('-m2')) assert.ok(reference(bytes, 'keepAll', rec.baseDir).r.stats.byKind.explanation! > 0);
    });
  }

  const m2 = () => recordings.find((r) => r.v === 'go1.26' && r.f === 'constructs-m2.txt') ?? recordings.find((r) => r.f.includes('-m2'))!;

  test('random chunkings, CR / CRLF line endings and invalid UTF-8 of a -m=2 recording', () => {
    const rec = m2();
    const text = readFileSync(rec.path, 'utf8');
    const lines = text.split('\n');
    const junk = [[0xff], [0xc3], [0xe2, 0x86], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf], [0xc0, 0xaf], [0x80, 0x80]];
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.constantFrom('\n', '\r\n', '\r', 'mixed'),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { maxLength: 6 }),
        fc.boolean(),
        (cuts, eol, damage, bom) => {
          const joined = lines.map((l, i) => l + (eol === 'mixed' ? ['\n', '\r\n', '\r'][i % 3]! : eol)).join('');
          const parts: number[] = bom ? [0xef, 0xbb, 0xbf] : [];
          const base = enc.encode(joined);
          const marks = new Map<number, number[]>(damage.map(([at, j]) => [at % (base.length + 1), junk[j % junk.length]!]));
          for (let i = 0; i <= base.length; i++) {
            const m = marks.get(i);
            if (m) parts.push(...m);
            if (i < base.length) parts.push(base[i]!);
          }
          const bytes = Uint8Array.from(parts);
          assertSame(
            bytes,
            rec.baseDir,
            split(
              bytes,
              cuts.map((c) => c * 97),
            ),
            undefined,
            ['keepAll', 'all'],
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  test('arbitrary bytes in tiny chunks (every split of a character, a CRLF, a BOM)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.constantFrom(10, 13, 0xef, 0xbb, 0xbf, 0xe2, 0x86, 0x90, 0x80, 0xff, 32, 58), fc.integer({ min: 0, max: 255 })),
          { maxLength: 300 },
        ),
        fc.array(fc.nat(), { maxLength: 40 }),
        (arr, cuts) => {
          const bytes = Uint8Array.from(arr);
          assertSame(bytes, '/b', split(bytes, cuts), undefined, ['all', 'keepAll']);
          assertSame(bytes, '/b', split(bytes, cuts), undefined, ['keepAll'], utf8Decode);
        },
      ),
      { numRuns: 400 },
    );
  });

  test("Buffer's UTF-8 slice decodes as TextDecoder (ignoreBOM) does, on any bytes and range", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(), fc.nat(), (a, x, y) => {
        const s = Math.min(x % (a.length + 1), y % (a.length + 1));
        const e = Math.max(x % (a.length + 1), y % (a.length + 1));
        assert.equal(bufferUtf8Decode(a, s, e), utf8Decode(a, s, e));
        assert.equal(bufferUtf8Decode(Buffer.from(a), s, e), utf8Decode(a, s, e));
      }),
      { numRuns: 20000 },
    );
  });

  test('step lines of a block with a non-ASCII and an invalid position prefix', () => {
    const pre = (p: string) =>
      [
        `# ex`,
        `${p}:3:9: &T{} escapes to heap in F:`,
        `${p}:3:9:   flow: {heap} ← &T{}:`,
        `${p}:3:9:     from &T{} (spill) at ${p}:3:9`,
        `${p}:3:9:     from &T{} (spill) at ${p}:3:9`,
        `${p}:3:9:      from three spaces too many (spill) at ${p}:3:9`,
        `${p}:3:9:    flow: {heap} ← one space too many`,
        `${p}:3:9:   warning: a warning step`,
        `${p}:3:9:   flow:no space`,
        `${p}:3:9: x escapes to heap:`,
        `${p}:3:9:   flow: {heap} ← x:`,
        `${p}:3:9:  flow: bad indentation`,
        `${p}:3:9: &T{} escapes to heap`,
        '',
      ].join('\n');
    for (const p of ['./é/x.go', './x\u2190.go', './𝔵.go']) assertSame(enc.encode(pre(p)), '/b');
    const bad = Uint8Array.from([...enc.encode('./'), 0xff, ...enc.encode('.go')]);
    const text = enc.encode(pre('@@'));
    const out: number[] = [];
    for (let i = 0; i < text.length; i++) {
      if (text[i] === 64 && text[i + 1] === 64) {
        out.push(...bad);
        i++;
      } else out.push(text[i]!);
    }
    assertSame(Uint8Array.from(out), '/b');
  });

  test('a 10 MB line, whole and cut by maxLineLength, in 64 KiB chunks', () => {
    const rec = m2();
    const head = readFileSync(rec.path);
    const long = enc.encode('./x.go:1:1: ' + 'é←x'.repeat(2_000_000) + ' escapes to heap\n');
    const bytes = new Uint8Array(head.length + long.length + head.length);
    bytes.set(head, 0);
    bytes.set(long, head.length);
    bytes.set(head, head.length + long.length);
    const chunks = split(
      bytes,
      Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) => i * 65536),
    );
    assertSame(bytes, rec.baseDir, chunks, undefined, ['keepAll']);
    assertSame(bytes, rec.baseDir, chunks, 1_000_000, ['keepAll']);
    assertSame(bytes, rec.baseDir, chunks, 5, ['all']);
  });

  test('onHeaderLine: every `# ` line with its line number, across chunk splits', () => {
    const rec = m2();
    const bytes = new Uint8Array(readFileSync(rec.path));
    const want = readFileSync(rec.path, 'utf8')
      .split('\n')
      .flatMap((l, i) => (l.startsWith('# ') ? [[i + 1, l]] : []));
    assert.ok(want.length > 0);
    const got: [number, string][] = [];
    const p = new ByteTextParser({ decode: bufferUtf8Decode, onHeaderLine: (line, text) => got.push([line, text]) });
    for (const c of split(
      bytes,
      Array.from({ length: 50 }, (_, i) => i * 331),
    ))
      p.push(c);
    p.end();
    assert.deepEqual(got, want);
  });

  test('std output of go build -gcflags=-m=2 std (.cache/std-m2.txt)', { timeout: 600_000 }, (t) => {
    if (process.env['GHL_STD_EQUIVALENCE'] !== '1') {
      t.skip('not compared on the 144 MiB std output unless GHL_STD_EQUIVALENCE=1 (≈1 min of 2 cores, too long for npm test)');
      return;
    }
    if (!existsSync(stdFile)) {
      t.skip(`${stdFile} is absent: generate it with the parser bench (node --import tsx bench/run.ts --only parser)`);
      return;
    }
    const bytes = new Uint8Array(readFileSync(stdFile));
    assertSame(
      bytes,
      process.cwd(),
      split(
        bytes,
        Array.from({ length: Math.ceil(bytes.length / (1 << 20)) }, (_, i) => i << 20),
      ),
      undefined,
      ['keepAll', 'sitesOnly'],
    );
  });
});
