// One measurement of benchmark 1 (parser.ts) in a process of its own, so that the peak RSS it
// reports is the parser's. Usage: node --import tsx bench/parse-child.ts parse|baseline FILE [--join]
// Prints one JSON line (parser.ts ChildResult). GHL_GO_VERSION picks the rules for the join.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { rulesFor } from '../src/core/alloc/versions.ts';
import type { Diagnostic } from '../src/core/escape/diagnostic.ts';
import { TextParser } from '../src/core/escape/text.ts';
import { joinSites } from '../src/core/sites/join.ts';

const chunkBytes = 1 << 20;

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

/** The product's path: TextParser fed the same stream; diagnostics kept, as analyze.ts keeps them. */
function parse(file: string): Promise<{ diagnostics: Diagnostic[]; lines: number; unparsed: number }> {
  return new Promise((res, rej) => {
    const diagnostics: Diagnostic[] = [];
    let unparsed = 0;
    const p = new TextParser({ baseDir: process.cwd(), onDiagnostic: (d) => diagnostics.push(d), onUnparsed: () => unparsed++ });
    const s = createReadStream(file, { encoding: 'utf8', highWaterMark: chunkBytes });
    s.on('data', (c) => p.push(c as string));
    s.on('error', rej);
    s.on('end', () => {
      const r = p.end();
      res({ diagnostics, lines: r.stats.lines, unparsed });
    });
  });
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
  const t0 = performance.now();
  if (mode === 'baseline') {
    const b = await baseline(file);
    const parseMs = performance.now() - t0;
    out({ mode, bytes, lines: b.lines, diagnostics: b.matched, unparsed: b.lines - b.matched, parseMs, joinMs: 0, sites: 0 });
    return;
  }
  const p = await parse(file);
  const parseMs = performance.now() - t0;
  let joinMs = 0;
  let sites = 0;
  if (rest.includes('--join')) {
    const t1 = performance.now();
    sites = join(p.diagnostics);
    joinMs = performance.now() - t1;
  }
  out({ mode, bytes, lines: p.lines, diagnostics: p.diagnostics.length, unparsed: p.unparsed, parseMs, joinMs, sites });
}

function out(r: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ ...r, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
