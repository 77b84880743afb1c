// Parsers of the Go compiler's optimization output (escape analysis, inlining,
// devirtualization), for go1.21–go1.27. Facts: docs/runtime-facts.md §11.
//
// Three inputs, one output type (Diagnostic, diagnostic.ts):
//
//	1. Text (this file): what `go build -gcflags=-m` / `-m=2` prints on stderr.
//	   Lines are `POS: MESSAGE`, grouped under `# importpath [variant]` headers.
//	   At -m=2 an explanation block is a header (`X escapes to heap in F:`,
//	   `parameter p leaks to {heap} for F with derefs=0:`; go1.24 and older print no
//	   `in F`/`for F` and `=` instead of `←`) followed by `  flow:` / `    from … at POS`
//	   lines that all repeat the subject's position. A block becomes ONE `explanation`
//	   diagnostic whose steps carry their own `at POS`.
//	2. `go build -json` (buildjson.ts, go1.24+): the same text inside build-output events.
//	3. The `-json=0,DIR` optimization log (logopt.ts): LSP-shaped records per file.
//
// The text parser streams (push chunks, then end), never throws on input, and runs
// in linear time: no regular expression touches untrusted text; positions and
// messages are found with indexOf/startsWith/endsWith anchored on the fixed parts of
// each message, because the expressions in between can contain anything (quotes,
// colons, braces, ` + `, unterminated string literals, shape types with `; `).
//
// Every input line is accounted for: it is part of a diagnostic (one line, every line
// of an explanation block, or a -m=3 IR dump under its `Before/After inlining` line,
// kept as `note` steps), a `# pkg` header, a blank line, a cmd/go tool line
// (`go: downloading …`), or it is returned in `unparsed` with its line number.
// stats.lines = diagnosticLines + headerLines + blankLines + toolLines + unparsed.
//
// What is built is up to the consumer: by default every diagnostic with its steps (the parse CLI);
// with `want` and `deferSteps` (join.ts SiteCollector, used by analyze) only what the join reads,
// the rest counted, and the step lines of the open block are checked in place in the input chunk
// instead of being cut into line strings (most of the -m=2 text: bench/RESULTS.md, optimisation 5).
//
// Positions are kept as printed: `file` verbatim, 1-based line, 1-based BYTE column
// (position.ts converts to UTF-16 for editors). Output is neither sorted nor
// de-duplicated: the compiler repeats lines and that is information too.
import type { Diagnostic, DiagnosticKind, FlowStep, ParseResult, ParseStats, UnparsedLine } from './diagnostic.ts';

export interface TextParserOptions {
  /** Directory the go command ran in: relative file names are resolved against it into `absFile`. */
  readonly baseDir?: string;
  /** Package to assume before the first `# pkg` header (buildjson.ts uses the event's ImportPath). */
  readonly package?: string;
  /** Receives each diagnostic as soon as it is complete; when given, end() returns no diagnostics. */
  readonly onDiagnostic?: (d: Diagnostic, steps?: () => FlowStep[]) => void;
  /** Receives each unparsed line; when given, end() returns no unparsed lines. */
  readonly onUnparsed?: (u: UnparsedLine) => void;
  /** Lines longer than this (UTF-16 units) are cut and reported unparsed, so that a binary
   * or runaway input cannot exhaust memory. Default 64 Mi. */
  readonly maxLineLength?: number;
  /**
   * Called with each diagnostic's kind, file (absolute when resolved, else as printed), position and
   * subject before the diagnostic is built; false: it is counted in stats but never built (nor
   * returned), and an explanation block's steps are not parsed; `bare`: built without `steps`, which
   * are not parsed. A consumer that wants only allocation sites (join.ts SiteCollector) skips most
   * of the -m=2 text. With `want`, the strings of what is built are copies (see detach).
   */
  readonly want?: (kind: DiagnosticKind, file: string, line: number, column: number | null, expr: string) => boolean | 'bare';
  /**
   * With onDiagnostic: explanation diagnostics come without `steps`, and the callback's second
   * argument builds them (absent when the block has none). Until then a block is one string, so a
   * consumer that needs few of them (join.ts SiteCollector) neither parses nor keeps the others' steps.
   */
  readonly deferSteps?: boolean;
}

/** A parsed `file:line[:col]` position, as printed. */
export interface PrintedPosition {
  readonly file: string;
  readonly line: number;
  readonly column: number | null;
}

const defaultMaxLineLength = 64 * 1024 * 1024;

/**
 * TextParser parses `go build -gcflags=-m[=2]` output chunk by chunk. Chunks may split
 * lines (and `\r\n` pairs) anywhere. Line endings: `\n`, `\r\n` and a lone `\r`.
 */
export class TextParser {
  private readonly opts: TextParserOptions;
  private readonly diagnostics: Diagnostic[] = [];
  private readonly unparsed: UnparsedLine[] = [];
  private readonly byKind: Partial<Record<DiagnosticKind, number>> = {};
  private lineNo = 0;
  private pending = '';
  private pendingOverflow = 0;
  private pendingCR = false;
  private pkg: string | undefined;
  private variant: string | undefined;
  private block: OpenBlock | undefined;
  private counts = { diagnostics: 0, diagnosticLines: 0, headerLines: 0, blankLines: 0, toolLines: 0, unparsed: 0 };
  private ended = false;
  private readonly maxLine: number;
  /** With `want`, what is kept is copied out of the input (see detach). */
  private readonly keep: (s: string) => string;
  private readonly deferSteps: boolean;
  private lastFile = { printed: '', copy: '' };

  constructor(opts: TextParserOptions = {}) {
    this.opts = opts;
    this.pkg = opts.package;
    this.maxLine = opts.maxLineLength ?? defaultMaxLineLength;
    this.keep = opts.want !== undefined ? detach : (s) => s;
    this.deferSteps = opts.deferSteps === true && opts.onDiagnostic !== undefined;
  }

  /** Complete lines seen so far (buildjson.ts maps them back to its events). */
  get linesSeen(): number {
    return this.lineNo;
  }

  push(chunk: string): void {
    if (this.ended) throw new Error('TextParser.push after end');
    let i = 0;
    const n = chunk.length;
    if (this.pendingCR) {
      // The previous chunk ended in `\r`, which already ended its line; a `\n` right
      // after it belongs to the same `\r\n` terminator.
      this.pendingCR = false;
      if (n > 0 && chunk.charCodeAt(0) === 10) i = 1;
    }
    let nl = -2;
    let cr = -2;
    while (i < n) {
      if (nl !== -1 && nl < i) nl = chunk.indexOf('\n', i);
      if (cr !== -1 && cr < i) cr = chunk.indexOf('\r', i);
      let end: number;
      if (nl === -1 && cr === -1) break;
      else if (nl === -1) end = cr;
      else if (cr === -1) end = nl;
      else end = nl < cr ? nl : cr;
      const from = i;
      if (end === cr) {
        if (end + 1 < n) i = chunk.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
        else {
          this.pendingCR = true;
          i = n;
        }
      } else {
        i = end + 1;
      }
      if (this.pending.length === 0 && this.pendingOverflow === 0 && end - from <= this.maxLine && this.stepInPlace(chunk, from, end))
        continue;
      this.append(chunk, from, end);
      this.line(this.takePending());
    }
    if (i < n) this.append(chunk, i, n);
  }

  /**
   * For bytes.ts (the byte-level front end, which finds line ends itself): one whole line, without
   * its terminator, handled as push() handles a line.
   */
  pushLine(text: string): void {
    if (this.ended) throw new Error('TextParser.pushLine after end');
    if (this.pending.length === 0 && this.pendingOverflow === 0 && text.length <= this.maxLine && this.stepInPlace(text, 0, text.length))
      return;
    this.append(text, 0, text.length);
    this.line(this.takePending());
  }

  /** For bytes.ts: the start of a line that continues (no terminator in text). */
  pushPartial(text: string): void {
    if (this.ended) throw new Error('TextParser.pushPartial after end');
    this.append(text, 0, text.length);
  }

  /**
   * For bytes.ts: the open explanation block when its step lines are only counted (skip) or kept
   * as text (defer), so that the caller can check them where they lie in its bytes, as stepInPlace
   * does; undefined otherwise. The same object while the block is open.
   */
  get openSteps(): { readonly posText: string; readonly defer: boolean } | undefined {
    const b = this.block;
    if (b?.kind !== 'explanation' || !(b.skip || b.defer) || this.pending.length > 0 || this.pendingOverflow > 0) return undefined;
    return b;
  }

  /** For bytes.ts: a step line of the openSteps block, checked as stepInPlace checks it; `raw` is its text after `POS: ` when the block defers. */
  stepLine(raw: string | undefined): void {
    const b = this.block!;
    if (b.defer) b.raw = appendRaw(b.raw, raw ?? '');
    this.lineNo++;
    b.lines++;
  }

  end(): ParseResult {
    if (!this.ended) {
      this.ended = true;
      if (this.pending.length > 0 || this.pendingOverflow > 0) this.line(this.takePending());
      this.closeBlock();
    }
    const c = this.counts;
    const stats: ParseStats = {
      lines: this.lineNo,
      diagnostics: c.diagnostics,
      unparsed: c.unparsed,
      byKind: { ...this.byKind },
      diagnosticLines: c.diagnosticLines,
      headerLines: c.headerLines,
      blankLines: c.blankLines,
      toolLines: c.toolLines,
    };
    return { diagnostics: this.diagnostics, unparsed: this.unparsed, stats };
  }

  private append(chunk: string, from: number, to: number): void {
    if (from >= to) return;
    const room = this.maxLine - this.pending.length;
    if (to - from <= room) {
      this.pending += chunk.slice(from, to);
    } else {
      if (room > 0) this.pending += chunk.slice(from, from + room);
      this.pendingOverflow += to - from - Math.max(room, 0);
    }
  }

  private takePending(): string {
    const s = this.pending;
    this.pending = '';
    return s;
  }

  /**
   * The bulk of -m=2 output, read where it lies in the chunk (no line string): a step line of the
   * open explanation block, which repeats the block's position. What line() would do with it (its
   * earlier checks cannot apply to a line that starts with a position); false: not such a line.
   */
  private stepInPlace(chunk: string, from: number, end: number): boolean {
    const b = this.block;
    if (b?.kind !== 'explanation') return false;
    const posText = b.posText;
    // posText and the patterns hold no line terminator, so a match cannot run past `end`.
    if (!chunk.startsWith(posText, from) || !chunk.startsWith(':   ', from + posText.length)) return false;
    const at = from + posText.length + 2;
    if (b.skip) {
      if (!isStepAt(chunk, at)) return false;
    } else if (b.defer) {
      if (!isStepAt(chunk, at)) return false;
      b.raw = appendRaw(b.raw, chunk.slice(at, end));
    } else {
      const step = parseStep(this.keep(chunk.slice(at, end)), this.opts.baseDir);
      if (step === undefined) return false;
      b.steps.push(step);
    }
    this.lineNo++;
    b.lines++;
    return true;
  }

  private line(text: string): void {
    const lineNo = ++this.lineNo;
    if (this.pendingOverflow > 0) {
      const cut = this.pendingOverflow;
      this.pendingOverflow = 0;
      this.closeBlock();
      this.addUnparsed(lineNo, `${text}… [line cut: ${cut} more characters]`);
      return;
    }
    if (text.length === 0 || isBlank(text)) {
      this.closeBlock();
      this.counts.blankLines++;
      return;
    }
    if (text.charCodeAt(0) === 35 /* # */ && (text.length === 1 || text.charCodeAt(1) === 32)) {
      this.closeBlock();
      this.header(text.slice(2));
      this.counts.headerLines++;
      return;
    }
    if (this.block?.kind === 'other' && text.charCodeAt(0) === 46 /* . */) {
      if (!this.block.skip) this.block.steps.push({ kind: 'note', text: this.keep(text) });
      this.block.lines++;
      return;
    }
    // Fast path for the bulk of -m=2 output: a step line repeating the open block's
    // position. splitPosition would find the same prefix (it is the first match on the
    // block's header line, and the scan only looks at the prefix and the `: ` after it).
    const b = this.block;
    if (b?.kind === 'explanation' && text.startsWith(b.posText) && text.startsWith(':   ', b.posText.length)) {
      if (b.skip || b.defer) {
        // An unwanted block: its lines are checked for the step shape (as parseStep would) and
        // counted; a deferred one keeps them as text.
        if (isStepAt(text, b.posText.length + 2)) {
          if (b.defer) b.raw = appendRaw(b.raw, text.slice(b.posText.length + 2));
          b.lines++;
          return;
        }
      } else {
        const step = parseStep(this.keep(text.slice(b.posText.length + 2)), this.opts.baseDir);
        if (step !== undefined) {
          b.steps.push(step);
          b.lines++;
          return;
        }
      }
    }
    const split = splitPosition(text);
    if (split === undefined) {
      this.closeBlock();
      this.unpositioned(lineNo, text);
      return;
    }
    const { pos, posText, message } = split;
    if (message.startsWith('  ')) {
      const step = parseStep(this.keep(message), this.opts.baseDir);
      if (step !== undefined) {
        if (this.block?.kind === 'explanation' && this.block.posText === posText) {
          if (this.block.defer) this.block.raw = appendRaw(this.block.raw, message);
          else if (!this.block.skip) this.block.steps.push(step);
          this.block.lines++;
          return;
        }
        // A step whose header we never saw (e.g. the input starts mid-block): keep it
        // as an explanation of its own rather than dropping it.
        this.closeBlock();
        const want = this.wants('explanation', pos, '');
        const skip = want !== true;
        const defer = !skip && this.deferSteps;
        this.block = {
          kind: 'explanation',
          posText,
          pos,
          message: '',
          expr: '',
          func: undefined,
          steps: skip || defer ? [] : [step],
          inputLine: lineNo,
          lines: 1,
          skip,
          bare: want === 'bare',
          defer,
          raw: defer ? message : '',
        };
        return;
      }
    }
    this.closeBlock();
    const header = parseExplanationHeader(message);
    if (header !== undefined) {
      const want = this.wants('explanation', pos, header.expr);
      this.block = {
        kind: 'explanation',
        posText,
        pos,
        message,
        expr: header.expr,
        func: header.func,
        steps: [],
        inputLine: lineNo,
        lines: 1,
        skip: want !== true,
        bare: want === 'bare',
        defer: want === true && this.deferSteps,
        raw: '',
      };
      return;
    }
    if (message.startsWith('Before inlining:') || message.startsWith('After inlining')) {
      // -m=3: the IR of the call follows on lines without a position, up to a blank line.
      const want = this.wants('other', pos, '');
      this.block = {
        kind: 'other',
        posText,
        pos,
        message,
        expr: '',
        func: undefined,
        steps: [],
        inputLine: lineNo,
        lines: 1,
        skip: want !== true,
        bare: want === 'bare',
        defer: false,
        raw: '',
      };
      return;
    }
    const { kind, expr } = classify(message);
    if (this.wants(kind, pos, expr) !== false) this.emit(this.diagnostic(pos, kind, expr, message, lineNo), 1);
    else this.count(kind, 1);
  }

  /** The `want` option's answer; absFile is resolved as diagnostic() resolves it. */
  private wants(kind: DiagnosticKind, pos: PrintedPosition, expr: string): boolean | 'bare' {
    const want = this.opts.want;
    if (want === undefined) return true;
    const abs = this.opts.baseDir !== undefined ? resolveFile(this.opts.baseDir, pos.file) : undefined;
    return want(kind, abs ?? pos.file, pos.line, pos.column, expr);
  }

  private header(desc: string): void {
    // `# importpath`, `# importpath [variant]`, or the second line `# [desc]` of a
    // two-line header, which names the tool, not a package.
    if (desc.startsWith('[')) return;
    const sp = desc.indexOf(' [');
    if (sp >= 0 && desc.endsWith(']')) {
      this.pkg = detach(desc.slice(0, sp));
      this.variant = detach(desc.slice(sp + 2, -1));
    } else {
      this.pkg = detach(desc);
      this.variant = undefined;
    }
  }

  private unpositioned(lineNo: number, text: string): void {
    if (text.startsWith('go: ')) {
      this.counts.toolLines++;
      return;
    }
    // The compiler omits the position entirely when it is unknown (`moved to heap: #next`).
    let message = text;
    let file = '';
    if (text.startsWith(unknownLine)) {
      file = '<unknown line number>';
      message = text.slice(unknownLine.length);
    }
    const { kind, expr, known } = classify(message);
    if (!known && file === '') {
      this.addUnparsed(lineNo, text);
      return;
    }
    const pos = { file, line: 0, column: null };
    if (this.wants(kind, pos, expr) !== false) this.emit(this.diagnostic(pos, kind, expr, message, lineNo), 1);
    else this.count(kind, 1);
  }

  private diagnostic(pos: PrintedPosition, kind: DiagnosticKind, expr: string, message: string, inputLine: number): MutableDiagnostic {
    let file = pos.file;
    let kept = message;
    let subject = expr;
    if (this.opts.want !== undefined) {
      // Copies (see detach), shared where they can be: consecutive diagnostics name the same file,
      // and the subject is a part of the message.
      const last = this.lastFile;
      if (file === last.printed) file = last.copy;
      else this.lastFile = { printed: file, copy: (file = detach(file)) };
      kept = detach(message);
      const at = expr === '' ? -1 : kept.indexOf(expr);
      subject = at >= 0 ? kept.slice(at, at + expr.length) : detach(expr);
    }
    const d: MutableDiagnostic = { file, line: pos.line, column: pos.column, kind, expr: subject, message: kept, inputLine };
    const abs = this.opts.baseDir !== undefined ? resolveFile(this.opts.baseDir, pos.file) : undefined;
    if (abs !== undefined) d.absFile = abs;
    if (this.pkg !== undefined) d.package = this.pkg;
    if (this.variant !== undefined) d.packageVariant = this.variant;
    return d;
  }

  private closeBlock(): void {
    const b = this.block;
    if (b === undefined) return;
    this.block = undefined;
    if (b.skip && !b.bare) {
      this.count(b.kind, b.lines);
      return;
    }
    const d = this.diagnostic(b.pos, b.kind, b.expr, b.message, b.inputLine);
    if (b.func !== undefined) d.func = this.keep(b.func);
    if (b.bare) {
      this.emit(d, b.lines);
      return;
    }
    if (!b.defer) {
      d.steps = b.steps;
      this.emit(d, b.lines);
      return;
    }
    // One flat copy of the block's step lines (see detach); parsed when asked for, as they would have been.
    const raw = detach(b.raw);
    const baseDir = this.opts.baseDir;
    this.emit(d, b.lines, raw === '' ? undefined : () => raw.split('\n').map((m) => parseStep(m, baseDir) ?? { kind: 'note', text: m }));
  }

  private emit(d: Diagnostic, lines: number, steps?: () => FlowStep[]): void {
    this.count(d.kind, lines);
    if (this.opts.onDiagnostic) this.opts.onDiagnostic(d, steps);
    else this.diagnostics.push(d);
  }

  private count(kind: DiagnosticKind, lines: number): void {
    this.counts.diagnostics++;
    this.counts.diagnosticLines += lines;
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
  }

  private addUnparsed(line: number, text: string): void {
    this.counts.unparsed++;
    const u = { line, text: this.keep(text) };
    if (this.opts.onUnparsed) this.opts.onUnparsed(u);
    else this.unparsed.push(u);
  }
}

/** parseText parses a whole text at once (see TextParser). */
export function parseText(text: string, opts?: TextParserOptions): ParseResult {
  const p = new TextParser(opts);
  p.push(text);
  return p.end();
}

type MutableDiagnostic = { -readonly [K in keyof Diagnostic]: Diagnostic[K] };

interface OpenBlock {
  /** `explanation` for -m=2 blocks; `other` for a -m=3 `Before inlining:`/`After inlining` line and its IR dump. */
  readonly kind: 'explanation' | 'other';
  readonly posText: string;
  readonly pos: PrintedPosition;
  readonly message: string;
  readonly expr: string;
  readonly func: string | undefined;
  readonly steps: FlowStep[];
  readonly inputLine: number;
  lines: number;
  /** The `want` option declined it (or its steps, `bare`): lines are counted, steps not kept. */
  readonly skip: boolean;
  readonly bare: boolean;
  /** deferSteps: the step lines are kept in `raw` (after `POS: `, joined by `\n`), not parsed. */
  readonly defer: boolean;
  raw: string;
}

function appendRaw(raw: string, step: string): string {
  return raw === '' ? step : raw + '\n' + step;
}

const unknownLine = '<unknown line number>: ';

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Reads a run of ASCII digits at `i`; returns the index after it (=== i when none). */
function digitsEnd(s: string, i: number): number {
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  return i;
}

/**
 * splitPosition finds the leading `FILE:LINE[:COL][[…]]: ` of a line: the first `:`
 * after a non-empty file name that is followed by digits, an optional `:digits`, an
 * optional `-L` bracket `[file:line[:col]]`, and `: `. A Windows drive colon (`C:\`)
 * is never followed by a digit, so it is skipped. Linear: each character is examined
 * a bounded number of times.
 */
export function splitPosition(text: string): { pos: PrintedPosition; posText: string; message: string } | undefined {
  let from = 1;
  let closeBracket = -2;
  for (;;) {
    const colon = text.indexOf(':', from);
    if (colon < 0) return undefined;
    from = colon + 1;
    const lineEnd = digitsEnd(text, colon + 1);
    if (lineEnd === colon + 1 || lineEnd - colon > 11) continue;
    let k = lineEnd;
    let colEnd = -1;
    if (text.charCodeAt(k) === 58 /* : */ && isDigit(text.charCodeAt(k + 1))) {
      colEnd = digitsEnd(text, k + 1);
      if (colEnd - k > 11) continue;
      k = colEnd;
    }
    if (text.charCodeAt(k) === 91 /* [ */) {
      if (closeBracket !== -1 && closeBracket < k) closeBracket = text.indexOf(']', k);
      if (closeBracket < 0) continue;
      k = closeBracket + 1;
    }
    if (text.charCodeAt(k) !== 58 /* : */) continue;
    const next = text.charCodeAt(k + 1);
    // `POS: MESSAGE`, `POS:` at end of line, or the -m=3 traces `POS:[depth] F stmt: S`
    // and `POS:LABEL non-looping label` (escape/stmt.go prints these without a space).
    if (next !== 32 && !Number.isNaN(next) && next !== 91 && !text.endsWith('looping label')) continue;
    const line = Number(text.slice(colon + 1, lineEnd));
    const column = colEnd >= 0 ? Number(text.slice(lineEnd + 1, colEnd)) : null;
    const message = next === 32 ? text.slice(k + 2) : text.slice(k + 1);
    return { pos: { file: text.slice(0, colon), line, column }, posText: text.slice(0, k), message };
  }
}

/** parsePosition parses a whole `file:line[:col]` (as in `at POS` tails); undefined if it is not one. */
export function parsePosition(text: string): PrintedPosition | undefined {
  // The whole text is the position, so `file:line:col` can be read from the end; other
  // shapes (`file:line`, a -L `[…]` suffix) go through the general scanner.
  const c1 = text.lastIndexOf(':');
  if (c1 > 0 && c1 + 1 < text.length && digitsEnd(text, c1 + 1) === text.length && text.length - c1 <= 11) {
    const c2 = text.lastIndexOf(':', c1 - 1);
    if (c2 > 0 && c2 + 1 < c1 && digitsEnd(text, c2 + 1) === c1 && c1 - c2 <= 11) {
      return { file: text.slice(0, c2), line: Number(text.slice(c2 + 1, c1)), column: Number(text.slice(c1 + 1)) };
    }
  }
  const s = splitPosition(text + ': ');
  if (s === undefined || s.message !== '' || s.posText !== text) return undefined;
  return s.pos;
}

/** The WHY of `from WHERE (WHY) at POS` lines (facts §1.3), all versions. */
const flowReasons = new Set([
  'address-of',
  'indirection',
  'dot',
  'dot of pointer',
  'fixed-array-index-of',
  'slice',
  'slice-to-array',
  'interface-converted',
  'array literal element',
  'slice-literal-element',
  'struct literal element',
  'map literal key',
  'map literal value',
  'spill',
  'reference',
  'captured by a closure',
  'call parameter',
  'callee operand',
  'appendee slice',
  'appended slice...',
  'copied slice',
  'range',
  'range-deref',
  'switch case',
  'send',
  'assign',
  'assign-pair',
  'assign-pair-dot-type',
  'assign-pair-mapr',
  'assign-pair-receive',
  'return',
  'key of map put',
  'conversion to unsafe.Pointer',
  '//go:uintptrescapes',
  'reflect.Header.Data',
  'too large for stack',
  'too aligned for stack',
  'zero-sized element',
  'non-constant size',
]);
const longestReason = 40;

/**
 * detach copies a string that V8 would otherwise keep as a slice of the input chunk it came from (a
 * slice of 13 or more characters keeps its whole parent alive): when few of a chunk's diagnostics
 * are kept, the chunk can then die young instead of being kept whole for one of them.
 */
function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** isStepAt: whether text from `at` is a step line (parseStep would return a step), without building it. */
function isStepAt(text: string, at: number): boolean {
  let i = at;
  while (i < text.length && text.charCodeAt(i) === 32) i++;
  if (i - at === 2) return text.startsWith('flow: ', i) || text.startsWith('warning: ', i);
  return i - at === 4 && text.startsWith('from ', i);
}

function parseStep(message: string, baseDir: string | undefined): FlowStep | undefined {
  // message still has its indentation: `  flow: …`, `    from …`, `  warning: …`.
  let i = 0;
  while (i < message.length && message.charCodeAt(i) === 32) i++;
  const text = message.slice(i);
  if (i === 2 && text.startsWith('flow: ')) return { kind: 'flow', text };
  if (i === 4 && text.startsWith('from ')) return parseFrom(text, baseDir);
  if (i === 2 && text.startsWith('warning: ')) return { kind: 'note', text };
  return undefined;
}

/** `from WHERE (WHY) at POS`: WHY is from a closed set; WHERE and POS can contain anything. */
function parseFrom(text: string, baseDir: string | undefined): FlowStep {
  // WHY is known and short, POS ends the line: try the last `) at ` first (a path
  // rarely contains one), then the first (a WHERE string literal may). Two tries keep
  // this linear on hostile input.
  const last = text.lastIndexOf(') at ');
  const first = text.indexOf(') at ', 5);
  let fallback: FlowStep | undefined;
  for (const close of first >= 0 && first !== last ? [last, first] : [last]) {
    if (close < 5) continue;
    const segStart = Math.max(5, close - longestReason - 2);
    const rel = text.slice(segStart, close).lastIndexOf(' (');
    if (rel < 0) continue;
    const open = segStart + rel;
    const pos = parsePosition(text.slice(close + 5));
    if (pos === undefined) continue;
    const why = text.slice(open + 2, close);
    const step: MutableStep = { kind: 'from', text, why, where: text.slice(5, open), file: pos.file, line: pos.line, column: pos.column };
    const abs = baseDir !== undefined ? resolveFile(baseDir, pos.file) : undefined;
    if (abs !== undefined) step.absFile = abs;
    if (flowReasons.has(why)) return step;
    fallback ??= step;
  }
  return fallback ?? { kind: 'from', text };
}

type MutableStep = { -readonly [K in keyof FlowStep]: FlowStep[K] };

/** -m=2 explanation headers, go1.25+ (`in F`/`for F`) and go1.24 and older. */
function parseExplanationHeader(m: string): { expr: string; func: string | undefined } | undefined {
  if (m.charCodeAt(m.length - 1) !== 58 /* : */) return undefined;
  const body = m.slice(0, -1);
  if (body.startsWith('parameter ')) {
    const leaks = body.indexOf(' leaks to ', 10);
    const derefs = body.lastIndexOf(' with derefs=');
    if (leaks < 0 || derefs < leaks || !isInt(body.slice(derefs + 13))) return undefined;
    const loc = body.slice(leaks + 10, derefs);
    const forAt = loc.lastIndexOf(' for ');
    return { expr: body.slice(10, leaks), func: forAt >= 0 ? loc.slice(forAt + 5) : undefined };
  }
  const inAt = body.lastIndexOf(' escapes to heap in ');
  if (inAt > 0) return { expr: body.slice(0, inAt), func: body.slice(inAt + 20) };
  if (body.endsWith(' escapes to heap')) return { expr: body.slice(0, -16), func: undefined };
  return undefined;
}

function isInt(s: string): boolean {
  const start = s.startsWith('-') ? 1 : 0;
  return s.length > start && digitsEnd(s, start) === s.length;
}

/** `cannot inline F: REASON` reasons (facts §1.3) that contain no `: `. */
const cannotInlineReasons = [
  'no name',
  'marked go:noinline',
  'marked go:norace with -race compilation',
  'marked go:nocheckptr',
  'marked go:cgo_unsafe_args',
  'marked as having a keep-alive uintptr argument',
  'marked as having an escaping uintptr argument',
  'marked go:yeswritebarrierrec',
  'no function body',
  'call to GetCallerPC',
  'call to GetCallerSP',
  'defer call in range func',
  'call to recover',
  'not inlining functions with closures',
  'recursive',
  'too expensive',
];

/**
 * classify maps a message (the text after `POS: `) to its kind and the expression it
 * is about, anchored on each message's fixed prefix/suffix (facts §6). Messages of
 * the catalogue that are none of the design's kinds, and unknown messages (compile
 * errors, newer wording), are `other`.
 */
export function classify(m: string): { kind: DiagnosticKind; expr: string; known: boolean } {
  if (m.startsWith('moved to heap: ')) return { kind: 'moved-to-heap', expr: m.slice(15), known: true };
  if (m.startsWith('leaking param content: ')) return { kind: 'leaking-param-content', expr: m.slice(23), known: true };
  if (m.startsWith('leaking param: ')) {
    const to = m.indexOf(' to result ', 15);
    const level = m.lastIndexOf(' level=');
    if (to > 0 && level > to && isInt(m.slice(level + 7))) return { kind: 'leaking-param-result', expr: m.slice(15, to), known: true };
    return { kind: 'leaking-param', expr: m.slice(15), known: true };
  }
  if (m.endsWith(' escapes to heap')) return { kind: 'escapes', expr: m.slice(0, -16), known: true };
  if (m.endsWith(' does not escape')) return { kind: 'does-not-escape', expr: m.slice(0, -16), known: true };
  if (m.endsWith(' does not escape, mutate, or call')) return { kind: 'does-not-escape', expr: m.slice(0, -33), known: true };
  if (m.startsWith('can inline ')) {
    const cost = m.indexOf(' with cost ', 11);
    return { kind: 'can-inline', expr: cost > 0 ? m.slice(11, cost) : m.slice(11), known: true };
  }
  if (m.startsWith('cannot inline ')) return { kind: 'cannot-inline', expr: cannotInlineName(m.slice(14)), known: true };
  if (m.startsWith('inlining call to ')) {
    const score = m.lastIndexOf(' with score ');
    return { kind: 'inlining-call', expr: score > 0 && isInt(m.slice(score + 12)) ? m.slice(17, score) : m.slice(17), known: true };
  }
  for (const prefix of devirtPrefixes) {
    if (m.startsWith(prefix)) {
      const to = m.lastIndexOf(' to ');
      return { kind: 'devirtualized', expr: to > prefix.length ? m.slice(prefix.length, to) : m.slice(prefix.length), known: true };
    }
  }
  const expr = otherExpr(m);
  return { kind: 'other', expr: expr ?? '', known: expr !== undefined };
}

const devirtPrefixes = [
  'devirtualizing ',
  'partially devirtualizing ',
  'PGO devirtualizing interface call ',
  'PGO devirtualizing function call ',
  'PGO devirtualizing ',
];

function cannotInlineName(rest: string): string {
  for (const r of cannotInlineReasons) {
    if (rest.endsWith(': ' + r)) return rest.slice(0, -(r.length + 2));
  }
  const into = rest.indexOf(' into ');
  if (rest.endsWith(': repeated recursive cycle') && into > 0) return rest.slice(0, into);
  for (const marker of [': function too complex: ', ': unhandled op ']) {
    const at = rest.lastIndexOf(marker);
    if (at > 0) return rest.slice(0, at);
  }
  const colon = rest.indexOf(': ');
  return colon > 0 ? rest.slice(0, colon) : rest;
}

/** Catalogue messages (facts §1.2–1.4) of kind `other` that name no subject. */
const otherFixed = new Set([
  'zero-copy string->[]byte conversion',
  'index bounds check elided',
  'imprecise interface call',
  'closure converted to global',
  'open-coded defer',
  'stack-allocated defer',
  'heap-allocated defer',
  'Found IsInBounds',
  'Found IsSliceInBounds',
  'expr will be kept alive',
  'function result will be kept alive',
  'function results will be kept alive',
  'function arg will be kept alive',
  'dereference will be kept alive',
  'expr is unknown to bloop pass',
]);
const otherPrefixes = [
  'cannot devirtualize ',
  'should not PGO devirtualize ',
  'function ',
  'skip inlining within testing.B.loop for ',
  'leaking closure reference ',
  'rewriting OCONVIFACE value from ',
  'convert: ',
  'heap closure, captured vars = ',
  'stack closure, captured vars = ',
  'alias analysis: ',
  'live at ',
  'stack object ',
  'Before inlining: ',
  'After inlining ',
];

const bigSuffix = " considered 'big'; reducing max cost of inlinees";

/**
 * otherExpr recognises the catalogue's `other` messages and returns their subject
 * ('' when they have none); undefined for a message it does not know (a compile
 * error, a -m=3 trace, a newer compiler's wording).
 */
function otherExpr(m: string): string | undefined {
  if (otherFixed.has(m)) return '';
  const cap = m.indexOf(' capturing by ');
  if (cap > 0) {
    const colon = m.indexOf(': ', cap);
    const paren = m.lastIndexOf(' (addr=');
    if (colon > 0 && paren > colon) return m.slice(colon + 2, paren);
  }
  if (m.startsWith('assuming ') && m.endsWith(' is unsafe uintptr')) return m.slice(9, -18);
  if (m.startsWith('marking ')) {
    const as = m.lastIndexOf(' as escaping ');
    if (as > 8) return m.slice(8, as);
  }
  if (m.startsWith('loop variable ')) {
    const now = m.indexOf(' now per-iteration, ');
    if (now > 14) return m.slice(14, now);
  }
  if (m.startsWith('mutates param: ') || m.startsWith('calls param: ')) {
    const d = m.lastIndexOf(' derefs=');
    const start = m.indexOf(': ') + 2;
    if (d > start) return m.slice(start, d);
  }
  if (m.endsWith(' escapes to heap, not allowed in runtime')) return m.slice(0, -40);
  if (m.endsWith(' will be kept alive')) return m.slice(0, -19);
  if (m.includes(' loop ending at ') && m.includes(' was modified')) return '';
  const self = m.indexOf(' ignoring self-assignment in ');
  if (self > 0) return m.slice(self + 29);
  if (m.charCodeAt(0) === 91 /* [ */ && m.includes(' stmt: ')) return ''; // -m=3 `POS:[depth] F stmt: S`
  for (const suffix of [' non-looping label', ' looping label']) {
    if (m.endsWith(suffix)) return m.slice(0, -suffix.length).trim();
  }
  for (const prefix of otherPrefixes) {
    if (m.startsWith(prefix)) {
      if (prefix === 'function ') return m.endsWith(bigSuffix) ? m.slice(9, -bigSuffix.length) : undefined;
      return '';
    }
  }
  return undefined;
}

/**
 * resolveFile makes a printed file name absolute against the go command's cwd.
 * Names that name no file in the source tree (`<autogenerated>`, `$WORK/…`, bare
 * generated names like `_testmain.go`) resolve to undefined.
 */
export function resolveFile(baseDir: string, file: string): string | undefined {
  // Memo: the last answer (consecutive lines name the same file), then a bounded map (flow steps
  // of inlined code alternate between a few files). Skips nearly every split/join and hands out one
  // shared string per file instead of a copy per diagnostic (normalizePath was 13 % of parsing the
  // std output; bench/RESULTS.md).
  if (file === last.file && baseDir === last.baseDir) return last.resolved;
  const k = `${baseDir}\0${file}`;
  let r = resolved.get(k);
  if (r === undefined && !resolved.has(k)) {
    if (resolved.size >= maxResolved) resolved.clear();
    r = resolveFileUncached(baseDir, file);
    resolved.set(k, r);
  }
  last.baseDir = baseDir;
  last.file = file;
  last.resolved = r;
  return r;
}

const last: { baseDir: string; file: string; resolved: string | undefined } = { baseDir: '', file: '', resolved: undefined };
const maxResolved = 4096;
const resolved = new Map<string, string | undefined>();

function resolveFileUncached(baseDir: string, file: string): string | undefined {
  if (file === '' || file.startsWith('<') || file.startsWith('$WORK')) return undefined;
  if (file.startsWith('/')) return normalizePath(file, '/');
  if (/^[A-Za-z]:[\\/]/.test(file.slice(0, 3)) || file.startsWith('\\\\')) return normalizePath(file, '\\');
  if (!file.includes('/') && !file.includes('\\')) return undefined;
  const windows = /^[A-Za-z]:[\\/]/.test(baseDir.slice(0, 3)) || baseDir.startsWith('\\\\');
  const sep = windows ? '\\' : '/';
  return normalizePath(baseDir + sep + file, sep);
}

function normalizePath(p: string, sep: '/' | '\\'): string {
  const parts = sep === '\\' ? p.split(/[\\/]/) : p.split('/');
  const head = parts[0] ?? '';
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (part === '' || part === '.') continue;
    if (part === '..') {
      out.pop();
      continue;
    }
    out.push(part);
  }
  return head + sep + out.join(sep);
}
