// Byte columns (what the Go compiler prints) → UTF-16 columns (what editors use).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { utf16ColumnToUtf8, utf8ColumnToUtf16 } from '../../src/core/escape/position.ts';

/** The UTF-8 byte column of UTF-16 index `i` computed by an independent route: the encoder. */
function byteColumnOf(line: string, utf16Index: number): number {
  return new TextEncoder().encode(line.slice(0, utf16Index)).length + 1;
}

test('ASCII and tabs: byte column = UTF-16 column', () => {
  assert.equal(utf8ColumnToUtf16('\tx := &T{}', 7), 7);
  assert.equal(utf8ColumnToUtf16('\t\tp := new(T)', 8), 8);
});

test('é (2 bytes), € (3 bytes), 😀 (4 bytes, 2 UTF-16 units) before the column', () => {
  // test/fixtures/constructs/text/text.go:20; the compiler reports the second &Label at byte 37.
  const line = '\tkeep("héllo €", &Label{S: "a"}, &Label{S: "b"})';
  assert.equal(utf8ColumnToUtf16(line, 37), line.lastIndexOf('&Label') + 1);
  assert.equal(utf8ColumnToUtf16(line, 37), 34);
  assert.equal(utf8ColumnToUtf16(line, 21), line.indexOf('&Label') + 1);
  const emoji = '\tkeep("😀 emoji", &Label{S: "é"})';
  assert.equal(utf8ColumnToUtf16(emoji, 21), emoji.indexOf('&Label') + 1);
  assert.equal(utf8ColumnToUtf16(emoji, 21), 19);
  assert.equal(utf8ColumnToUtf16('😀x', 5), 3);
  assert.equal(utf8ColumnToUtf16('€x', 4), 2);
});

test('a byte column inside a multi-byte character maps to that character; columns past the end extrapolate', () => {
  assert.equal(utf8ColumnToUtf16('é', 2), 1);
  assert.equal(utf8ColumnToUtf16('😀', 3), 1);
  assert.equal(utf8ColumnToUtf16('ab', 5), 5);
  assert.equal(utf8ColumnToUtf16('é', 4), 3);
  assert.equal(utf8ColumnToUtf16('abc', 0), 1);
});

test('agrees with TextEncoder on every character boundary; round-trips', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.nat(), (line, k) => {
      // Boundaries between code points only (never split a surrogate pair).
      const cps = [...line];
      const n = k % (cps.length + 1);
      const idx = cps.slice(0, n).join('').length;
      const byteCol = byteColumnOf(line, idx);
      assert.equal(utf8ColumnToUtf16(line, byteCol), idx + 1);
      assert.equal(utf16ColumnToUtf8(line, idx + 1), byteCol);
    }),
    { numRuns: 500 },
  );
});
