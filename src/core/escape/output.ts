// What the text parser builds, keeps and counts (overview of the parsers: text.ts): the diagnostics
// and unparsed lines, handed to the consumer's callbacks or kept for end(); the consumer's `want`
// filter; the package a `# pkg` header names; and the stats, whose line counts add up to the input's.
import type { Diagnostic, DiagnosticKind, FlowStep, ParseResult, ParseStats, UnparsedLine } from './diagnostic.ts';
import { resolveFile, type PrintedPosition } from './position.ts';
import { parseStep, type OpenBlock } from './steps.ts';
import type { TextParserOptions } from './text.ts';

type MutableDiagnostic = { -readonly [K in keyof Diagnostic]: Diagnostic[K] };

export class ParseOutput {
  private readonly opts: TextParserOptions;
  private readonly diagnostics: Diagnostic[] = [];
  private readonly unparsed: UnparsedLine[] = [];
  private readonly byKind: Partial<Record<DiagnosticKind, number>> = {};
  /** Lines by what they were; diagnostics and unparsed lines are counted here, the others by the parser. */
  readonly counts = { diagnostics: 0, diagnosticLines: 0, headerLines: 0, blankLines: 0, toolLines: 0, unparsed: 0 };
  private pkg: string | undefined;
  private variant: string | undefined;
  /** With `want`, what is kept is copied out of the input (see detach). */
  readonly keep: (s: string) => string;
  private lastFile = { printed: '', copy: '' };

  constructor(opts: TextParserOptions) {
    this.opts = opts;
    this.pkg = opts.package;
    this.keep = opts.want !== undefined ? detach : (s) => s;
  }

  /** A `# pkg` header's text after `# `. */
  header(desc: string): void {
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

  /** The `want` option's answer; absFile is resolved as diagnostic() resolves it. */
  wants(kind: DiagnosticKind, pos: PrintedPosition, expr: string): boolean | 'bare' {
    const want = this.opts.want;
    if (want === undefined) return true;
    const abs = this.opts.baseDir !== undefined ? resolveFile(this.opts.baseDir, pos.file) : undefined;
    return want(kind, abs ?? pos.file, pos.line, pos.column, expr);
  }

  /** A one-line diagnostic: built and handed on when wanted, else only counted. */
  message(pos: PrintedPosition, kind: DiagnosticKind, expr: string, message: string, inputLine: number): void {
    if (this.wants(kind, pos, expr) !== false) this.emit(this.diagnostic(pos, kind, expr, message, inputLine), 1);
    else this.count(kind, 1);
  }

  /** A closed block: its diagnostic, with its steps as the block kept them. */
  block(b: OpenBlock): void {
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

  unparsedLine(line: number, text: string): void {
    this.counts.unparsed++;
    const u = { line, text: this.keep(text) };
    if (this.opts.onUnparsed) this.opts.onUnparsed(u);
    else this.unparsed.push(u);
  }

  result(lines: number): ParseResult {
    const c = this.counts;
    const stats: ParseStats = {
      lines,
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
}

/**
 * detach copies a string that V8 would otherwise keep as a slice of the input chunk it came from (a
 * slice of 13 or more characters keeps its whole parent alive): when few of a chunk's diagnostics
 * are kept, the chunk can then die young instead of being kept whole for one of them.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}
