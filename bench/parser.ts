// Benchmark 1: the -m=2 parser at scale (see run.ts for the whole suite).
//
// Input: the real `go build -gcflags=-m=2 std` output of the machine's Go, generated with a fresh
// GOCACHE so that the compile time it is judged against is measured in the same run. Parsing and
// the join run in a child process (parse-child.ts) so that its peak RSS is its own. The baseline,
// in the same run and also in a child: Node's readline plus one regular expression per line over
// the same file, the least a line-oriented reader of this text can do.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { benchCacheDir, fmt, goEnvFor, mib, repoRoot, runChecked, runChildJson, type Figure } from './lib.ts';

export interface ChildResult {
  readonly mode: 'parse' | 'baseline';
  readonly bytes: number;
  readonly lines: number;
  readonly diagnostics: number;
  readonly unparsed: number;
  readonly parseMs: number;
  readonly joinMs: number;
  /** CPU time (all threads) of the parse and of the join, ms. */
  readonly parseCpuMs: number;
  readonly joinCpuMs: number;
  readonly sites: number;
  readonly maxRssKiB: number;
}

export interface StdOutput {
  readonly file: string;
  /** Wall time of `go build -gcflags=-m=2 std` with an empty GOCACHE (undefined when reused). */
  readonly compileMs?: number;
}

/**
 * generateStdOutput runs `go build -gcflags=-m=2 std` with an empty GOCACHE and writes its
 * stderr to `file`. `packages` narrows it (the smoke test builds one small package).
 */
export async function generateStdOutput(file: string, opts: { goBin?: string; packages?: readonly string[] } = {}): Promise<StdOutput> {
  const gocache = await mkdtemp(join(benchCacheDir, 'gocache-std-'));
  try {
    const r = await runChecked(opts.goBin ?? 'go', ['build', '-gcflags=-m=2', ...(opts.packages ?? ['std'])], {
      env: goEnvFor({ GOCACHE: gocache, GOFLAGS: '' }),
      stderrFile: file,
      cwd: benchCacheDir,
    });
    return { file, compileMs: r.wallMs };
  } finally {
    await rm(gocache, { recursive: true, force: true });
  }
}

/** runChild runs parse-child.ts (or `script`, a copy beside older sources) on `file` in its own node process. */
export async function runChild(
  mode: 'parse' | 'baseline',
  file: string,
  opts: { join?: boolean; sitesOnly?: boolean; bytes?: boolean; cpuProfDir?: string; script?: string } = {},
): Promise<ChildResult> {
  return runChildJson<ChildResult>(
    opts.script ?? join(repoRoot, 'bench', 'parse-child.ts'),
    [mode, file, ...(opts.join ? ['--join'] : []), ...(opts.sitesOnly ? ['--sites-only'] : []), ...(opts.bytes ? ['--bytes'] : [])],
    opts.cpuProfDir ? { cpuProfDir: opts.cpuProfDir } : {},
  );
}

export interface ParserBench {
  readonly figures: Figure[];
  readonly parse: ChildResult;
  readonly baseline: ChildResult;
  readonly compileMs?: number;
}

/** benchParser measures the parser and its baseline over `std.file` (best of `repeats` each). */
export async function benchParser(std: StdOutput, repeats = 3): Promise<ParserBench> {
  const size = (await stat(std.file)).size;
  let parse: ChildResult | undefined;
  let baseline: ChildResult | undefined;
  let sitesOnly: ChildResult | undefined;
  let text: ChildResult | undefined;
  const total = (r: ChildResult) => r.parseMs + r.joinMs;
  const cpu = (r: ChildResult) => r.parseCpuMs + r.joinCpuMs;
  // Interleaved so that a burst of noise hits all. `parse` is analyze's path (the byte parser,
  // src/core/escape/bytes.ts); `text` the path before it (TextDecoder + TextParser, as at 381b863).
  for (let i = 0; i < repeats; i++) {
    const b = await runChild('baseline', std.file);
    const p = await runChild('parse', std.file, { join: true, bytes: true });
    const t = await runChild('parse', std.file, { join: true });
    const so = await runChild('parse', std.file, { join: true, sitesOnly: true, bytes: true });
    if (!baseline || b.parseMs < baseline.parseMs) baseline = b;
    if (!parse || total(p) < total(parse)) parse = p;
    if (!text || total(t) < total(text)) text = t;
    if (!sitesOnly || total(so) < total(sitesOnly)) sitesOnly = so;
  }
  const p = parse!;
  const b = baseline!;
  const so = sitesOnly!;
  const t = text!;
  if (p.lines !== t.lines || p.diagnostics !== t.diagnostics || p.unparsed !== t.unparsed || p.sites !== t.sites) {
    throw new Error(`the byte parser and TextParser disagree: ${JSON.stringify(p)} vs ${JSON.stringify(t)}`);
  }
  const mbps = (ms: number) => mib(size) / (ms / 1000);
  const figures: Figure[] = [
    {
      bench: 'parser',
      metric: 'input',
      value: `${fmt(mib(size), 1)} MiB, ${p.lines} lines, ${p.diagnostics} diagnostics, ${p.unparsed} unparsed, ${p.sites} sites`,
    },
    {
      bench: 'parser',
      metric: 'parse MiB/s (lines/s)',
      value: `${fmt(mbps(p.parseMs), 1)} (${fmt(p.lines / (p.parseMs / 1000) / 1e6, 2)} M)`,
    },
    {
      bench: 'parser',
      metric: 'baseline readline+regex MiB/s (lines/s)',
      value: `${fmt(mbps(b.parseMs), 1)} (${fmt(b.lines / (b.parseMs / 1000) / 1e6, 2)} M)`,
    },
    { bench: 'parser', metric: 'parse time ÷ baseline time', value: fmt(p.parseMs / b.parseMs) },
    { bench: 'parser', metric: 'join time (no type facts: the helper skips std)', value: `${fmt(p.joinMs, 0)} ms` },
    {
      bench: 'parser',
      metric: 'peak RSS parse+join (baseline)',
      value: `${fmt(p.maxRssKiB / 1024, 0)} MiB (${fmt(b.maxRssKiB / 1024, 0)} MiB)`,
    },
    {
      bench: 'parser',
      metric: 'CPU time, all threads: parse, join (baseline parse)',
      value: `${fmt(p.parseCpuMs, 0)} ms, ${fmt(p.joinCpuMs, 0)} ms (${fmt(b.parseCpuMs, 0)} ms)`,
    },
    {
      bench: 'parser',
      metric: 'sites only (no keepAll: analyze keeps every diagnostic): parse, join, peak RSS',
      value: `${fmt(so.parseMs, 0)} ms, ${fmt(so.joinMs, 0)} ms, ${fmt(so.maxRssKiB / 1024, 0)} MiB (CPU ${fmt(so.parseCpuMs, 0)} + ${fmt(so.joinCpuMs, 0)} ms; ${so.sites} sites)`,
    },
  ];
  figures.push(
    {
      bench: 'parser',
      metric: 'TextDecoder + TextParser (analyze before the byte parser): parse, join, peak RSS',
      value: `${fmt(t.parseMs, 0)} ms, ${fmt(t.joinMs, 0)} ms, ${fmt(t.maxRssKiB / 1024, 0)} MiB (CPU ${fmt(t.parseCpuMs, 0)} + ${fmt(t.joinCpuMs, 0)} ms)`,
    },
    {
      bench: 'parser',
      metric: 'parse+join wall, CPU: TextParser ÷ byte parser (same run, best of each)',
      value: `${fmt(total(t) / total(p))} (${fmt(total(t), 0)} → ${fmt(total(p), 0)} ms), ${fmt(cpu(t) / cpu(p))} (${fmt(cpu(t), 0)} → ${fmt(cpu(p), 0)} ms)`,
    },
    {
      bench: 'parser',
      metric: 'parse alone wall, CPU: TextParser ÷ byte parser',
      value: `${fmt(t.parseMs / p.parseMs)} (${fmt(t.parseMs, 0)} → ${fmt(p.parseMs, 0)} ms), ${fmt(t.parseCpuMs / p.parseCpuMs)} (${fmt(t.parseCpuMs, 0)} → ${fmt(p.parseCpuMs, 0)} ms)`,
    },
  );
  if (std.compileMs !== undefined) {
    const ratio = (p.parseMs + p.joinMs) / std.compileMs;
    figures.push({
      bench: 'parser',
      metric: 'parse+join ÷ compile (go build -gcflags=-m=2 std, empty GOCACHE)',
      value: `${fmt(100 * ratio, 2)} % (${fmt(p.parseMs + p.joinMs, 0)} ms ÷ ${fmt(std.compileMs / 1000, 1)} s)`,
      target: '≤ 1 %',
      met: ratio <= 0.01,
    });
  }
  return { figures, parse: p, baseline: b, ...(std.compileMs !== undefined ? { compileMs: std.compileMs } : {}) };
}
