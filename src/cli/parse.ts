// go-heap-lens parse: parse compiler output (`go build -gcflags=-m[=2]` text, or
// `go build -json` events, detected from the first character) — docs/architecture.md, contracts.
// The input is streamed: diagnostics are written out as they complete, so the
// memory used does not grow with the input (except the unparsed lines kept for the
// report). Exit 0 even with unparsed lines; 2 when the input cannot be read.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BuildJsonParser } from '../core/escape/buildjson.ts';
import type { Diagnostic, DiagnosticKind, ParseStats, UnparsedLine } from '../core/escape/diagnostic.ts';
import { TextParser } from '../core/escape/text.ts';
import { exitOk, parseFlags, UsageError, type CliIO, type Command, type Flags } from './io.ts';

const usageLine = 'usage: go-heap-lens parse [file|-] [--json|--stats] [--base-dir DIR] [--format auto|text|buildjson]';

export const usage = `${usageLine}

Parses the output of go build -gcflags=-m (or -m=2; or go build -json events) from a file or,
without one or with "-", standard input. Prints a summary by default.

  --json               { diagnostics: [...], unparsed: [{ line, text }], stats } as one line
  --stats              only the stats object, as JSON
  --base-dir DIR       resolve the compiler's relative file names against DIR (absFile)
  --format F           auto (default: JSON events if the input starts with "{"), text or buildjson

exit codes: 0 ok (also when some lines are unparsed), 2 bad flags or unreadable input`;

/** How many unparsed lines the default (human) summary prints. */
const summaryUnparsedShown = 20;
/** Bytes inspected for NUL bytes before deciding the input is binary, not compiler output. */
const binarySniffBytes = 64 * 1024;

const flags = {
  json: { type: 'boolean', default: false },
  stats: { type: 'boolean', default: false },
  'base-dir': { type: 'string' },
  format: { type: 'string', default: 'auto' },
} satisfies Flags;

export const run: Command = async (argv, io) => {
  const { values, positionals } = parseFlags(argv, true, flags, (m) => `${m}\n${usageLine}`);
  if (values.json && values.stats) throw new UsageError(`--json and --stats exclude each other\n${usageLine}`);
  if (positionals.length > 1) throw new UsageError(`parse takes at most one input file\n${usageLine}`);
  if (!['auto', 'text', 'buildjson'].includes(values.format))
    throw new UsageError(`--format must be auto, text or buildjson\n${usageLine}`);
  const input = positionals[0] ?? '-';
  const baseDir = values['base-dir'] !== undefined ? resolve(io.cwd, values['base-dir']) : undefined;

  const source = input === '-' ? io.stdin() : await openFile(resolve(io.cwd, input), input);
  const mode = values.json ? 'json' : values.stats ? 'stats' : 'summary';
  const out = new JsonWriter(io, mode === 'json');
  const unparsed: UnparsedLine[] = [];
  const summary = new Summary();
  const onDiagnostic = (d: Diagnostic): void => {
    if (mode === 'json') out.diagnostic(d);
    else summary.add(d);
  };
  const onUnparsed = (u: UnparsedLine): void => void unparsed.push(u);

  let parser: TextParser | BuildJsonParser | undefined;
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let sniffed = 0;
  try {
    for await (const chunk of source) {
      if (typeof chunk !== 'string') {
        if (sniffed < binarySniffBytes) {
          const end = Math.min(chunk.length, binarySniffBytes - sniffed);
          if (chunk.subarray(0, end).includes(0))
            throw new UsageError(`${shownName(input)}: looks like binary data (NUL bytes), not compiler output`);
          sniffed += end;
        }
      }
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      if (text.length === 0) continue;
      parser ??= pickParser(values.format, text, baseDir, onDiagnostic, onUnparsed);
      parser.push(text);
      // Backpressure: a slow reader of a pipe must not make us queue the whole output.
      if (mode === 'json' && io.drain) await io.drain();
    }
  } catch (e) {
    if (UsageError.is(e)) throw e;
    throw new UsageError(`cannot read ${shownName(input)}: ${(e as Error).message}`);
  }
  const tail = decoder.decode();
  parser ??= pickParser(values.format, tail, baseDir, onDiagnostic, onUnparsed);
  if (tail.length > 0) parser.push(tail);
  const result = parser.end();

  if (mode === 'json') out.finish(unparsed, result.stats);
  else if (mode === 'stats') io.stdout(JSON.stringify(result.stats) + '\n');
  else io.stdout(summary.format(input, result.stats, unparsed));
  return exitOk;
};

async function openFile(path: string, shown: string): Promise<AsyncIterable<Uint8Array>> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new UsageError(`cannot read ${shown}: is a directory`);
  } catch (e) {
    if (UsageError.is(e)) throw e;
    throw new UsageError(`cannot read ${shown}: ${(e as Error).message}`);
  }
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

function pickParser(
  format: string,
  firstText: string,
  baseDir: string | undefined,
  onDiagnostic: (d: Diagnostic) => void,
  onUnparsed: (u: UnparsedLine) => void,
): TextParser | BuildJsonParser {
  const json = format === 'buildjson' || (format === 'auto' && firstText.trimStart().startsWith('{'));
  if (!json) return new TextParser({ ...(baseDir !== undefined ? { baseDir } : {}), onDiagnostic, onUnparsed });
  return new BuildJsonParser({ ...(baseDir !== undefined ? { baseDir } : {}), onDiagnostic, onUnparsed });
}

/**
 * Writes `{ diagnostics: [...], unparsed: [...], stats }` incrementally, in batches, as ONE line
 * (newline-terminated), so line-oriented consumers can read the object with a single readline.
 */
class JsonWriter {
  private buf: string[] = [];
  private bufChars = 0;
  private count = 0;
  constructor(
    private readonly io: CliIO,
    enabled: boolean,
  ) {
    if (enabled) this.io.stdout('{"diagnostics":[');
  }
  diagnostic(d: Diagnostic): void {
    const s = (this.count++ === 0 ? '' : ',') + JSON.stringify(d);
    this.buf.push(s);
    this.bufChars += s.length;
    if (this.bufChars > 1 << 20) this.flush();
  }
  finish(unparsed: readonly UnparsedLine[], stats: ParseStats): void {
    this.flush();
    this.io.stdout(`],"unparsed":${JSON.stringify(unparsed)},"stats":${JSON.stringify(stats)}}\n`);
  }
  private flush(): void {
    if (this.buf.length === 0) return;
    this.io.stdout(this.buf.join(''));
    this.buf = [];
    this.bufChars = 0;
  }
}

/** The default, human-readable report. */
class Summary {
  private readonly packages = new Set<string>();
  private readonly files = new Set<string>();
  add(d: Diagnostic): void {
    if (d.package !== undefined) this.packages.add(d.package + (d.packageVariant !== undefined ? ` [${d.packageVariant}]` : ''));
    if (d.file !== '') this.files.add(d.file);
  }
  format(input: string, stats: ParseStats, unparsed: readonly UnparsedLine[]): string {
    const name = shownName(input);
    const lines = [`${name}: ${stats.lines} lines, ${stats.diagnostics} diagnostics, ${stats.unparsed} unparsed`];
    const kinds = (Object.entries(stats.byKind) as [DiagnosticKind, number][]).sort((a, b) => b[1] - a[1]);
    if (kinds.length > 0) lines.push('by kind:', ...kinds.map(([k, n]) => `  ${k.padEnd(22)} ${n}`));
    lines.push(`packages: ${this.packages.size}, files: ${this.files.size}`);
    const accounted = [
      stats.headerLines ? `${stats.headerLines} package headers` : '',
      stats.blankLines ? `${stats.blankLines} blank` : '',
      stats.toolLines ? `${stats.toolLines} go command messages` : '',
    ].filter((s) => s !== '');
    if (accounted.length > 0) lines.push(`other lines: ${accounted.join(', ')}`);
    if (unparsed.length > 0) {
      lines.push(`unparsed lines${unparsed.length > summaryUnparsedShown ? ` (first ${summaryUnparsedShown})` : ''}:`);
      for (const u of unparsed.slice(0, summaryUnparsedShown)) lines.push(`  ${u.line}: ${truncate(u.text, 160)}`);
    }
    return lines.join('\n') + '\n';
  }
}

function shownName(input: string): string {
  return input === '-' ? 'standard input' : input;
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n) + '…';
}
