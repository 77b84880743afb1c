// The byte parser against the text parser on the same bytes (test/integration/bytes-parser.test.ts,
// test/long/std-equivalence.test.ts): the reference is TextParser over a streaming TextDecoder('utf-8'),
// as analyze.ts decoded a saved output before the byte front end.
import assert from 'node:assert/strict';
import { ByteTextParser, type Utf8Decode } from '../../src/core/escape/bytes.ts';
import type { Diagnostic, ParseResult, UnparsedLine } from '../../src/core/escape/diagnostic.ts';
import { TextParser, type TextParserOptions } from '../../src/core/escape/text.ts';
import { SiteCollector } from '../../src/core/sites/collector.ts';
import { bufferUtf8Decode } from '../../src/toolchain/utf8.ts';

export type Mode = 'all' | 'keepAll' | 'sitesOnly' | 'skipOnly';
export const modes: readonly Mode[] = ['all', 'keepAll', 'sitesOnly', 'skipOnly'];

export interface Outcome {
  r: ParseResult;
  diagnostics: readonly Diagnostic[];
  unparsed: readonly UnparsedLine[];
}

export function options(
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
export function reference(bytes: Uint8Array, mode: Mode, baseDir: string, maxLineLength?: number): Outcome {
  const sink = { ds: [] as Diagnostic[], un: [] as UnparsedLine[] };
  const { opts, done } = options(mode, baseDir, sink, maxLineLength);
  const p = new TextParser(opts);
  const dec = new TextDecoder('utf-8');
  for (let o = 0; o < bytes.length; o += 32 << 10) p.push(dec.decode(bytes.subarray(o, o + (32 << 10)), { stream: true }));
  p.push(dec.decode());
  const r = p.end();
  return { r, diagnostics: done(), unparsed: sink.un };
}

export function viaBytes(
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

export function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
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

export function assertSame(
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
