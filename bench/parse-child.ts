// One measurement of benchmark 1 (parser.ts) in a process of its own, so that the peak RSS it
// reports is the parser's. Usage: node --import tsx bench/parse-child.ts parse|baseline FILE [--join] [--sites-only]
// --sites-only: the collector keeps only what the join reads (no keepAll; analyze.ts keeps every diagnostic).
// Prints one JSON line (parser.ts ChildResult). GHL_GO_VERSION picks the rules for the join.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { rulesFor } from '../src/core/alloc/versions.ts';
import type { Diagnostic } from '../src/core/escape/diagnostic.ts';
import { TextParser, type TextParserOptions } from '../src/core/escape/text.ts';
import * as joinModule from '../src/core/sites/join.ts';

const { joinSites } = joinModule;
// The collector (join.ts) exists from the streaming parse→join on; compare.ts runs this script
// beside older sources too, which parse everything.
const SiteCollector = (joinModule as Partial<typeof joinModule>).SiteCollector;

const chunkBytes = 1 << 20;
const decodeBytes = 32 << 10;

/**
 * The baseline: what any line-oriented reader of this text has to do at least — readline over
 * a UTF-8 stream and one regular expression per line that splits `file:line:col: message`.
 */
async function baseline(file: string): Promise<{ lines: number; matched: number }> {
  const pos = /^([^:]+):(\d+):(\d+): /;
  let lines = 0;
  let matched = 0;
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8', highWaterMark: chunkBytes }), crlfDelay: Infinity });
  for await (const line of rl) {
    lines++;
    if (pos.exec(line)) matched++;
  }
  return { lines, matched };
}

/**
 * The product's path: TextParser fed the same stream, keeping what analyze.ts keeps (with the
 * collector: what the join reads; before it: every diagnostic). `diagnostics` is the parser's count.
 */
function parse(
  file: string,
  sitesOnly: boolean,
  bytes: boolean,
): Promise<{ kept: readonly Diagnostic[]; diagnostics: number; lines: number; unparsed: number }> {
  if (bytes) return parseBytes(file, sitesOnly);
  return new Promise((res, rej) => {
    let unparsed = 0;
    const all: Diagnostic[] = [];
    const collector = SiteCollector ? new SiteCollector({ keepAll: !sitesOnly }) : undefined; // keepAll as analyze.ts
    const opts: TextParserOptions = collector
      ? { baseDir: process.cwd(), want: collector.want, onDiagnostic: collector.add, deferSteps: true, onUnparsed: () => unparsed++ }
      : { baseDir: process.cwd(), onDiagnostic: (d) => all.push(d), onUnparsed: () => unparsed++ };
    const p = new TextParser(opts);
    // Read and decoded as analyze.ts reads a saved output (parseFileStreamed): 1 MiB reads, one
    // streaming TextDecoder (2× string_decoder's speed on Node 20 for this text, where every `flow:`
    // line has a `←`) over 32 KiB pieces, so that each piece's string dies in V8's young generation.
    const decoder = new TextDecoder('utf-8');
    const s = createReadStream(file, { highWaterMark: chunkBytes });
    s.on('data', (c) => {
      const b = c as Buffer;
      for (let o = 0; o < b.length; o += decodeBytes) p.push(decoder.decode(b.subarray(o, o + decodeBytes), { stream: true }));
    });
    s.on('error', rej);
    s.on('end', () => {
      p.push(decoder.decode());
      const r = p.end();
      res({ kept: collector ? collector.diagnostics() : all, diagnostics: r.stats.diagnostics, lines: r.stats.lines, unparsed });
    });
  });
}

// Imported before the clock starts, and only with --bytes: compare.ts runs this script beside older
// sources, which have no bytes.ts.
const byteParser = process.argv.includes('--bytes')
  ? Promise.all([import('../src/core/escape/bytes.ts'), import('../src/toolchain/utf8.ts')]).then(([b, u]) => ({
      ByteTextParser: b.ByteTextParser,
      utf8Decode: u.bufferUtf8Decode,
    }))
  : undefined;

/** The byte-level path (analyze.ts from the byte parser on): 1 MiB reads handed over undecoded. */
async function parseBytes(
  file: string,
  sitesOnly: boolean,
): Promise<{ kept: readonly Diagnostic[]; diagnostics: number; lines: number; unparsed: number }> {
  const { ByteTextParser, utf8Decode } = await byteParser!;
  let unparsed = 0;
  const collector = new SiteCollector!({ keepAll: !sitesOnly });
  const p = new ByteTextParser({
    baseDir: process.cwd(),
    want: collector.want,
    onDiagnostic: collector.add,
    deferSteps: true,
    onUnparsed: () => unparsed++,
    decode: utf8Decode,
  });
  for await (const c of createReadStream(file, { highWaterMark: chunkBytes })) p.push(c as Buffer);
  const r = p.end();
  return { kept: collector.diagnostics(), diagnostics: r.stats.diagnostics, lines: r.stats.lines, unparsed };
}

/** The join as analyze.ts runs it, with its source line reader (UTF-16 columns) and no type facts. */
function join(diagnostics: readonly Diagnostic[]): number {
  const cache = new Map<string, string[] | null>();
  const lineText = (f: string, line: number): string | undefined => {
    let lines = cache.get(f);
    if (lines === undefined) {
      try {
        lines = readFileSync(f, 'utf8').split('\n');
      } catch {
        lines = null;
      }
      cache.set(f, lines);
    }
    return lines?.[line - 1];
  };
  const rules = rulesFor(process.env['GHL_GO_VERSION'] || 'go1.26', 'amd64');
  return joinSites(diagnostics, [], { rules, lineText, baseDir: process.cwd() }).length;
}

async function main(): Promise<void> {
  const [mode, file, ...rest] = process.argv.slice(2);
  if ((mode !== 'parse' && mode !== 'baseline') || !file) throw new Error('usage: parse-child.ts parse|baseline FILE [--join]');
  const bytes = statSync(file).size;
  await byteParser;
  const t0 = performance.now();
  const c0 = cpuMs();
  if (mode === 'baseline') {
    const b = await baseline(file);
    const parseMs = performance.now() - t0;
    out({
      mode,
      bytes,
      lines: b.lines,
      diagnostics: b.matched,
      unparsed: b.lines - b.matched,
      parseMs,
      joinMs: 0,
      sites: 0,
      parseCpuMs: cpuMs() - c0,
      joinCpuMs: 0,
    });
    return;
  }
  const p = await parse(file, rest.includes('--sites-only'), rest.includes('--bytes'));
  const parseMs = performance.now() - t0;
  const c1 = cpuMs();
  let joinMs = 0;
  let sites = 0;
  if (rest.includes('--join')) {
    const t1 = performance.now();
    sites = join(p.kept);
    joinMs = performance.now() - t1;
  }
  out({
    mode,
    bytes,
    lines: p.lines,
    diagnostics: p.diagnostics,
    unparsed: p.unparsed,
    parseMs,
    joinMs,
    sites,
    parseCpuMs: c1 - c0,
    joinCpuMs: cpuMs() - c1,
  });
}

/** CPU time of this process (all threads: V8's GC helpers too), ms: steadier than wall time on a loaded machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function out(r: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ ...r, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
