// `go build -json` framing (go1.24+, `go help buildjson`): one JSON object per line.
// Build output arrives as {"ImportPath": DESC, "Action": "build-output", "Output": TEXT},
// TEXT being exactly what text mode prints (the `# pkg` header included): a whole
// package block in one event when the compile succeeds, one event per line when it
// fails, then {"Action": "build-fail"}. `go test -json` mixes in test events, and
// cmd/go can still write plain text lines. Overview of the parsers: see text.ts.
import type { Diagnostic, DiagnosticKind, ParseResult, UnparsedLine } from './diagnostic.ts';
import { TextParser, type TextParserOptions } from './text.ts';

export interface BuildJsonResult extends ParseResult {
  /** ImportPath (DESC) of every build-fail event, in order. */
  readonly failedPackages: readonly string[];
}

/** baseDir as for the text parser; with the callbacks, results stream out instead of being kept. */
export type BuildJsonOptions = Pick<TextParserOptions, 'baseDir' | 'onDiagnostic' | 'onUnparsed'>;

interface Segment {
  readonly firstInnerLine: number;
  readonly jsonLine: number;
}

interface PackageStream {
  readonly parser: TextParser;
  readonly segments: Segment[];
}

/**
 * BuildJsonParser parses `go build -json` output chunk by chunk. Diagnostics and
 * unparsed lines carry the number of the JSON line (event) they came from (unparsed
 * lines come out sorted by line when collected, in completion order when streamed); the text
 * inside each event goes through one TextParser per ImportPath, so an explanation
 * block split over several events still comes out whole.
 */
export class BuildJsonParser {
  private readonly streams = new Map<string, PackageStream>();
  private readonly diagnostics: Diagnostic[] = [];
  private readonly unparsed: UnparsedLine[] = [];
  private readonly byKind: Partial<Record<DiagnosticKind, number>> = {};
  private readonly failed: string[] = [];
  private jsonLines = 0;
  private diagnosticCount = 0;
  private unparsedCount = 0;
  private otherEvents = 0;
  private blankLines = 0;
  private readonly textUnparsed: UnparsedLine[] = [];

  private pendingText = '';

  constructor(private readonly opts: BuildJsonOptions = {}) {}

  push(chunk: string): void {
    // Split on \n; JSON never contains a raw newline, and a \r before it is trimmed.
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) {
        this.pendingText += chunk.slice(start);
        return;
      }
      const line = this.pendingText + chunk.slice(start, nl);
      this.pendingText = '';
      start = nl + 1;
      this.line(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
  }

  end(): BuildJsonResult {
    if (this.pendingText.length > 0) {
      const last = this.pendingText;
      this.pendingText = '';
      this.line(last);
    }
    for (const s of this.streams.values()) s.parser.end();
    this.streams.clear();
    const unparsed = [...this.unparsed, ...this.textUnparsed].sort((a, b) => a.line - b.line);
    return {
      diagnostics: this.diagnostics,
      unparsed,
      failedPackages: this.failed,
      stats: {
        lines: this.jsonLines,
        diagnostics: this.diagnosticCount,
        unparsed: this.unparsedCount,
        byKind: { ...this.byKind },
        blankLines: this.blankLines,
        toolLines: this.otherEvents,
      },
    };
  }

  private line(text: string): void {
    const jsonLine = ++this.jsonLines;
    if (text.trim() === '') {
      this.blankLines++;
      return;
    }
    const ev = text.charCodeAt(0) === 123 /* { */ ? parseEvent(text) : undefined;
    if (ev === undefined) {
      this.addUnparsed({ line: jsonLine, text }, this.unparsed);
      return;
    }
    if (ev.Action === 'build-output' && typeof ev.Output === 'string') {
      const stream = this.stream(typeof ev.ImportPath === 'string' ? ev.ImportPath : '');
      stream.segments.push({ firstInnerLine: stream.parser.linesSeen + 1, jsonLine });
      stream.parser.push(ev.Output);
      return;
    }
    if (ev.Action === 'build-fail' && typeof ev.ImportPath === 'string') this.failed.push(ev.ImportPath);
    this.otherEvents++;
  }

  private addUnparsed(u: UnparsedLine, into: UnparsedLine[]): void {
    this.unparsedCount++;
    if (this.opts.onUnparsed) this.opts.onUnparsed(u);
    else into.push(u);
  }

  private stream(desc: string): PackageStream {
    let s = this.streams.get(desc);
    if (s !== undefined) return s;
    const segments: Segment[] = [];
    const toJsonLine = (inner: number): number => {
      // Segments are few per package; the last one is almost always the answer.
      for (let i = segments.length - 1; i >= 0; i--) {
        const seg = segments[i];
        if (seg !== undefined && seg.firstInnerLine <= inner) return seg.jsonLine;
      }
      return segments[0]?.jsonLine ?? 0;
    };
    const sp = desc.indexOf(' [');
    const parserOpts: TextParserOptions = {
      ...(this.opts.baseDir !== undefined ? { baseDir: this.opts.baseDir } : {}),
      ...(desc !== '' ? { package: sp > 0 ? desc.slice(0, sp) : desc } : {}),
      onDiagnostic: (d) => {
        const mapped = { ...d, inputLine: toJsonLine(d.inputLine) };
        this.diagnosticCount++;
        this.byKind[d.kind] = (this.byKind[d.kind] ?? 0) + 1;
        if (this.opts.onDiagnostic) this.opts.onDiagnostic(mapped);
        else this.diagnostics.push(mapped);
      },
      onUnparsed: (u) => this.addUnparsed({ line: toJsonLine(u.line), text: u.text }, this.textUnparsed),
    };
    s = { parser: new TextParser(parserOpts), segments };
    this.streams.set(desc, s);
    return s;
  }
}

interface BuildEvent {
  readonly ImportPath?: unknown;
  readonly Action?: unknown;
  readonly Output?: unknown;
}

function parseEvent(text: string): BuildEvent | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as BuildEvent) : undefined;
  } catch {
    return undefined;
  }
}

/** parseBuildJson parses a whole `go build -json` output at once (see BuildJsonParser). */
export function parseBuildJson(text: string, opts?: BuildJsonOptions): BuildJsonResult {
  const p = new BuildJsonParser(opts);
  p.push(text);
  return p.end();
}
