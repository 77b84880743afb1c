// A byte-level front end for TextParser (text.ts has the overview of the format): the compiler
// output as UTF-8 bytes, lines found on the bytes by the splitter text.ts uses (lines.ts), and the
// bulk of -m=2 text — the step lines of an explanation block whose steps are skipped or deferred —
// checked in place in the bytes, never decoded (a skipped block's steps) or decoded only from their
// indentation on (a deferred block's). Every other line is decoded on its own and handed to
// TextParser, so what it builds, counts and reports unparsed is TextParser's own answer: identical
// to TextParser fed the same bytes through a streaming TextDecoder('utf-8')
// (test/integration/bytes-parser.test.ts), which holds because a UTF-8 decoder's state is empty after
// each ASCII line terminator: decoding line by line equals decoding the whole.
import type { ParseResult } from './diagnostic.ts';
import { LineSplitter } from './lines.ts';
import { TextParser, type TextParserOptions } from './text.ts';

/**
 * Decodes bytes[start, end) as UTF-8 exactly as `new TextDecoder('utf-8', { ignoreBOM: true })`
 * does (invalid sequences → U+FFFD). Injected: the pure core has no TextDecoder type.
 */
export type Utf8Decode = (bytes: Uint8Array, start: number, end: number) => string;

export interface ByteTextParserOptions extends TextParserOptions {
  readonly decode: Utf8Decode;
  /**
   * Called with each line that starts with `# ` (cmd/go's package headers, and their second
   * `# [desc]` lines) and its 1-based line number, before it is parsed; for a line longer than
   * 1 MiB, with its first MiB or so.
   */
  readonly onHeaderLine?: (line: number, text: string) => void;
}

/** A line that runs on across chunks is decoded and handed on in pieces of about this size. */
const carryFlushBytes = 1 << 20;
const defaultMaxLineLength = 64 * 1024 * 1024;

/**
 * ByteTextParser: TextParser over UTF-8 bytes (chunks may split lines, `\r\n` pairs and
 * characters anywhere). A leading byte order mark is dropped, as TextDecoder drops it.
 */
export class ByteTextParser {
  private readonly p: TextParser;
  private readonly decode: Utf8Decode;
  private readonly maxLine: number;
  private readonly lines = new LineSplitter<number>(10, 13);
  /** Bytes of a line that has not ended yet. */
  private carry: Uint8Array[] = [];
  private carryBytes = 0;
  /** The first bytes, until it is known whether they start with a byte order mark. */
  private head: Uint8Array | undefined = new Uint8Array(0);
  private ended = false;
  private block: object | undefined;
  private blockPos: Uint8Array = new Uint8Array(0);
  private readonly onHeaderLine: ((line: number, text: string) => void) | undefined;
  /** Part of the current line was handed on already (flushCarry). */
  private lineStarted = false;

  constructor(opts: ByteTextParserOptions) {
    this.p = new TextParser(opts);
    this.decode = opts.decode;
    this.onHeaderLine = opts.onHeaderLine;
    this.maxLine = opts.maxLineLength ?? defaultMaxLineLength;
  }

  get linesSeen(): number {
    return this.p.linesSeen;
  }

  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('ByteTextParser.push after end');
    if (this.head !== undefined) {
      const h = concat([this.head, chunk], this.head.length + chunk.length);
      if (h.length < 3 && isBomPrefix(h)) {
        this.head = h;
        return;
      }
      this.head = undefined;
      chunk = isBomPrefix(h) ? h.subarray(3) : h;
    }
    this.scan(chunk);
  }

  end(): ParseResult {
    if (!this.ended) {
      if (this.head !== undefined) {
        // Fewer than three bytes in all: a lone `EF` or `EF BB` is an incomplete character, not a BOM.
        const h = this.head;
        this.head = undefined;
        this.scan(h);
      }
      this.ended = true;
      if (this.carryBytes > 0) {
        const b = concat(this.carry, this.carryBytes);
        this.carry = [];
        this.carryBytes = 0;
        this.partial(this.decode(b, 0, b.length));
      }
    }
    return this.p.end();
  }

  private scan(chunk: Uint8Array): void {
    const n = chunk.length;
    const i = this.lines.split(chunk, this.onLine);
    if (i < n) {
      // Copied: the caller may reuse its buffer.
      this.carry.push(chunk.slice(i, n));
      this.carryBytes += n - i;
      if (this.carryBytes >= carryFlushBytes) this.flushCarry();
    }
  }

  private readonly onLine = (chunk: Uint8Array, from: number, end: number): void => {
    if (this.carryBytes > 0) {
      this.carry.push(chunk.subarray(from, end));
      const b = concat(this.carry, this.carryBytes + end - from);
      this.carry = [];
      this.carryBytes = 0;
      this.line(this.decode(b, 0, b.length));
      return;
    }
    if (end - from <= this.maxLine && this.stepInPlace(chunk, from, end)) return;
    this.line(this.decode(chunk, from, end));
  };

  private line(text: string): void {
    if (!this.lineStarted) this.header(text);
    this.lineStarted = false;
    this.p.pushLine(text);
  }

  private partial(text: string): void {
    if (!this.lineStarted) this.header(text);
    this.lineStarted = true;
    this.p.pushPartial(text);
  }

  private header(text: string): void {
    if (this.onHeaderLine !== undefined && text.charCodeAt(0) === 35 && text.charCodeAt(1) === 32)
      this.onHeaderLine(this.p.linesSeen + 1, text);
  }

  /** Hands on the decoded start of a long unfinished line, up to a point where decoding can be split. */
  private flushCarry(): void {
    const b = concat(this.carry, this.carryBytes);
    // Any byte that is not a continuation byte (10xxxxxx) ends whatever sequence came before it
    // (completed or invalid): decoding can be split in front of it. Four continuation bytes in a row
    // end every sequence, so the end itself is such a point then.
    let cut = b.length;
    for (let k = b.length - 1; k >= 0 && k >= b.length - 4; k--) {
      if ((b[k]! & 0xc0) !== 0x80) {
        cut = k;
        break;
      }
    }
    this.partial(this.decode(b, 0, cut));
    const rest = b.slice(cut);
    this.carry = rest.length > 0 ? [rest] : [];
    this.carryBytes = rest.length;
  }

  /** TextParser.stepInPlace over bytes: a step line of the open skipped or deferred block. */
  private stepInPlace(b: Uint8Array, from: number, end: number): boolean {
    const blk = this.p.openSteps;
    if (blk === undefined) return false;
    if (blk !== this.block) {
      this.block = blk;
      this.blockPos = encodeUtf8(blk.posText);
    }
    const pos = this.blockPos;
    const m = pos.length;
    if (end - from < m + 4) return false;
    for (let k = 0; k < m; k++) if (b[from + k] !== pos[k]) return false;
    let j = from + m;
    if (b[j] !== 58 || b[j + 1] !== 32 || b[j + 2] !== 32 || b[j + 3] !== 32) return false;
    const at = j + 2;
    j = at;
    while (j < end && b[j] === 32) j++;
    const spaces = j - at;
    let ok: boolean;
    if (spaces === 2) ok = startsWithAt(b, j, end, flow) || startsWithAt(b, j, end, warning);
    else ok = spaces === 4 && startsWithAt(b, j, end, fromWord);
    if (!ok) return false;
    this.p.stepLine(blk.defer ? this.decode(b, at, end) : undefined);
    return true;
  }
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const flow = ascii('flow: ');
const warning = ascii('warning: ');
const fromWord = ascii('from ');

function startsWithAt(b: Uint8Array, at: number, end: number, p: Uint8Array): boolean {
  if (end - at < p.length) return false;
  for (let k = 0; k < p.length; k++) if (b[at + k] !== p[k]) return false;
  return true;
}

function isBomPrefix(h: Uint8Array): boolean {
  return (h.length < 1 || h[0] === 0xef) && (h.length < 2 || h[1] === 0xbb) && (h.length < 3 || h[2] === 0xbf);
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0]!.length === total) return parts[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** UTF-8 of a string that came from a decoder (no lone surrogates; one would encode as U+FFFD). */
function encodeUtf8(s: string): Uint8Array {
  const a = new Uint8Array(s.length);
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    a[i] = c;
  }
  if (i === s.length) return a;
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}
