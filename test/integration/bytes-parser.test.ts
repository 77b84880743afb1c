// ByteTextParser (src/core/escape/bytes.ts) against the reference TextParser fed the same bytes
// through a streaming TextDecoder('utf-8'), as analyze.ts decoded a saved output before: identical
// diagnostics (steps included), stats and unparsed lines on every recording, on random chunkings,
// line endings, invalid UTF-8 and very long lines, with and without the SiteCollector's `want`.
// The std output (.cache/std-m2.txt, 144 MiB) is compared by test/long/std-equivalence.test.ts (npm run test:long).
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ByteTextParser } from '../../src/core/escape/bytes.ts';
import * as parity from '../helpers/byteParity.ts';
import { bufferUtf8Decode, utf8Decode } from '../../src/toolchain/utf8.ts';

const fixtures = join(__dirname, '..', 'fixtures');
const recorded = join(fixtures, 'recorded');

const { split, assertSame, reference } = parity;

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
});
