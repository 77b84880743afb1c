// Column units at the compiler/editor boundary. The Go compiler (text and -json log
// alike) prints 1-based UTF-8 BYTE columns (a tab is one byte); VS Code positions are
// UTF-16 code units. gopls does not convert (compileropt.go); we do. Overview: text.ts.

/** UTF-8 length in bytes of the code point starting at `s[i]`, and its UTF-16 length. */
function widthAt(s: string, i: number): { bytes: number; units: number } {
  const c = s.charCodeAt(i);
  if (c < 0x80) return { bytes: 1, units: 1 };
  if (c < 0x800) return { bytes: 2, units: 1 };
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return { bytes: 4, units: 2 };
  }
  // Other BMP characters, and lone surrogates (which a UTF-8 encoder writes as U+FFFD, 3 bytes).
  return { bytes: 3, units: 1 };
}

/**
 * utf8ColumnToUtf16 converts a 1-based UTF-8 byte column on `lineText` into a 1-based
 * UTF-16 column. A byte column inside a multi-byte character maps to that character;
 * past the end of the line each further byte counts as one unit (a stale buffer
 * must not make the answer jump back). Columns < 1 give 1.
 */
export function utf8ColumnToUtf16(lineText: string, byteColumn1Based: number): number {
  const targetBytes = Math.max(0, Math.floor(byteColumn1Based) - 1);
  let bytes = 0;
  let i = 0;
  while (i < lineText.length) {
    const w = widthAt(lineText, i);
    if (bytes + w.bytes > targetBytes) return i + 1;
    bytes += w.bytes;
    i += w.units;
  }
  return i + 1 + (targetBytes - bytes);
}

/** utf16ColumnToUtf8 is the inverse: 1-based UTF-16 column → 1-based UTF-8 byte column. */
export function utf16ColumnToUtf8(lineText: string, utf16Column1Based: number): number {
  const targetUnits = Math.max(0, Math.floor(utf16Column1Based) - 1);
  let bytes = 0;
  let i = 0;
  while (i < lineText.length && i < targetUnits) {
    const w = widthAt(lineText, i);
    if (i + w.units > targetUnits) break;
    bytes += w.bytes;
    i += w.units;
  }
  return bytes + 1 + Math.max(0, targetUnits - i);
}
