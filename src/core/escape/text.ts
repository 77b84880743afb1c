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
// with `want` and `deferSteps` (sites/collector.ts SiteCollector, used by analyze) only what the
// join reads, the rest counted, and the step lines of the open block are checked in place in the
// input chunk instead of being cut into line strings (most of the -m=2 text: bench/RESULTS.md,
// optimisation 5).
//
// Positions are kept as printed: `file` verbatim, 1-based line, 1-based BYTE column
// (position.ts converts to UTF-16 for editors). Output is neither sorted nor
// de-duplicated: the compiler repeats lines and that is information too.
//
// The parts: lines.ts (line terminators, shared with the byte front end bytes.ts), position.ts
// (`FILE:LINE:COL` prefixes, file names, columns), messages.ts (the message catalogue), steps.ts
// (explanation blocks), output.ts (what is built, kept and counted); this file reads the lines and
// holds the parser's state.
import type { Diagnostic, DiagnosticKind, FlowStep, ParseResult, UnparsedLine } from './diagnostic.ts';
import { LineSplitter } from './lines.ts';
import { messageKind } from './messages.ts';
import { ParseOutput } from './output.ts';
import { splitPosition } from './position.ts';
import { appendRaw, isStepAt, openBlock, parseExplanationHeader, parseStep, type OpenBlock } from './steps.ts';

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
   * are not parsed. A consumer that wants only allocation sites (sites/collector.ts SiteCollector)
   * skips most of the -m=2 text. With `want`, the strings of what is built are copies (output.ts detach).
   */
  readonly want?: (kind: DiagnosticKind, file: string, line: number, column: number | null, expr: string) => boolean | 'bare';
  /**
   * With onDiagnostic: explanation diagnostics come without `steps`, and the callback's second
   * argument builds them (absent when the block has none). Until then a block is one string, so a
   * consumer that needs few of them (sites/collector.ts SiteCollector) neither parses nor keeps the
   * others' steps.
   */
  readonly deferSteps?: boolean;
}

const defaultMaxLineLength = 64 * 1024 * 1024;

/**
 * TextParser parses `go build -gcflags=-m[=2]` output chunk by chunk. Chunks may split
 * lines (and `\r\n` pairs) anywhere. Line endings: `\n`, `\r\n` and a lone `\r`.
 */
export class TextParser {
  private readonly opts: TextParserOptions;
  private readonly out: ParseOutput;
  private lineNo = 0;
  private pending = '';
  private pendingOverflow = 0;
  private readonly lines = new LineSplitter<string>('\n', '\r');
  private block: OpenBlock | undefined;
  private ended = false;
  private readonly maxLine: number;
  /** out.keep: with `want`, what is kept is copied out of the input (output.ts detach). */
  private readonly keep: (s: string) => string;
  private readonly deferSteps: boolean;

  constructor(opts: TextParserOptions = {}) {
    this.opts = opts;
    this.out = new ParseOutput(opts);
    this.maxLine = opts.maxLineLength ?? defaultMaxLineLength;
    this.keep = this.out.keep;
    this.deferSteps = opts.deferSteps === true && opts.onDiagnostic !== undefined;
  }

  /** Complete lines seen so far (buildjson.ts maps them back to its events). */
  get linesSeen(): number {
    return this.lineNo;
  }

  push(chunk: string): void {
    if (this.ended) throw new Error('TextParser.push after end');
    const rest = this.lines.split(chunk, this.onLine);
    this.append(chunk, rest, chunk.length);
  }

  private readonly onLine = (chunk: string, from: number, end: number): void => {
    if (this.pending.length === 0 && this.pendingOverflow === 0 && end - from <= this.maxLine && this.stepInPlace(chunk, from, end)) return;
    this.append(chunk, from, end);
    this.line(this.takePending());
  };

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
    return this.out.result(this.lineNo);
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
    if (!this.blockStep(chunk, from, end)) return false;
    this.lineNo++;
    return true;
  }

  /**
   * The step line in chunk[from, end) of the open explanation block, added to it (kept, deferred or
   * counted as the block wants); false: not a step line repeating the block's position. Leaves the
   * line count to the caller.
   */
  private blockStep(chunk: string, from: number, end: number): boolean {
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
    b.lines++;
    return true;
  }

  private line(text: string): void {
    const lineNo = ++this.lineNo;
    if (this.pendingOverflow > 0) {
      const cut = this.pendingOverflow;
      this.pendingOverflow = 0;
      this.closeBlock();
      this.out.unparsedLine(lineNo, `${text}… [line cut: ${cut} more characters]`);
      return;
    }
    if (text.length === 0 || isBlank(text)) {
      this.closeBlock();
      this.out.counts.blankLines++;
      return;
    }
    if (text.charCodeAt(0) === 35 /* # */ && (text.length === 1 || text.charCodeAt(1) === 32)) {
      this.closeBlock();
      this.out.header(text.slice(2));
      this.out.counts.headerLines++;
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
    if (this.blockStep(text, 0, text.length)) return;
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
        const b = openBlock('explanation', pos, posText, '', noSubject, lineNo, this.out.wants('explanation', pos, ''), this.deferSteps);
        if (b.defer) b.raw = message;
        else if (!b.skip) b.steps.push(step);
        this.block = b;
        return;
      }
    }
    this.closeBlock();
    const header = parseExplanationHeader(message);
    if (header !== undefined) {
      this.block = openBlock(
        'explanation',
        pos,
        posText,
        message,
        header,
        lineNo,
        this.out.wants('explanation', pos, header.expr),
        this.deferSteps,
      );
      return;
    }
    if (message.startsWith('Before inlining:') || message.startsWith('After inlining')) {
      // -m=3: the IR of the call follows on lines without a position, up to a blank line.
      this.block = openBlock('other', pos, posText, message, noSubject, lineNo, this.out.wants('other', pos, ''), false);
      return;
    }
    const { kind, expr } = messageKind(message);
    this.out.message(pos, kind, expr, message, lineNo);
  }

  private unpositioned(lineNo: number, text: string): void {
    if (text.startsWith('go: ')) {
      this.out.counts.toolLines++;
      return;
    }
    // The compiler omits the position entirely when it is unknown (`moved to heap: #next`).
    let message = text;
    let file = '';
    if (text.startsWith(unknownLine)) {
      file = '<unknown line number>';
      message = text.slice(unknownLine.length);
    }
    const { kind, expr, known } = messageKind(message);
    if (!known && file === '') {
      this.out.unparsedLine(lineNo, text);
      return;
    }
    const pos = { file, line: 0, column: null };
    this.out.message(pos, kind, expr, message, lineNo);
  }

  private closeBlock(): void {
    const b = this.block;
    if (b === undefined) return;
    this.block = undefined;
    this.out.block(b);
  }
}

/** parseText parses a whole text at once (see TextParser). */
export function parseText(text: string, opts?: TextParserOptions): ParseResult {
  const p = new TextParser(opts);
  p.push(text);
  return p.end();
}

const unknownLine = '<unknown line number>: ';

/** The header of a block that names no subject: a step whose header was not seen, a -m=3 IR dump. */
const noSubject = { expr: '', func: undefined };

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}
