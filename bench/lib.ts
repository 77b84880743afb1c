// Shared plumbing of the benchmarks (bench/run.ts has the overview): running processes with
// their wall time and peak RSS, percentiles, the machine description, and where inputs are cached.
//
// Every figure the benchmarks report is a ratio against a baseline measured in the same run,
// because these machines are noisy; absolute times are printed too, for context only.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..');
/** Generated inputs (std compiler output, the downloaded module, fresh build caches). Gitignored. */
export const benchCacheDir = join(repoRoot, 'bench', '.cache');

export interface ProcRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
}

export interface ProcOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  /** Write stdout (or stderr) to a file instead of keeping it in memory. */
  readonly stdoutFile?: string;
  readonly stderrFile?: string;
}

/**
 * run spawns a process and measures its wall time. stderr/stdout are kept in memory unless
 * redirected to a file (the std compiler output is ~150 MB).
 */
export function run(cmd: string, args: readonly string[], opts: ProcOptions = {}): Promise<ProcRun> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(cmd, [...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const outSink = opts.stdoutFile ? createWriteStream(opts.stdoutFile) : undefined;
    const errSink = opts.stderrFile ? createWriteStream(opts.stderrFile) : undefined;
    if (outSink) child.stdout.pipe(outSink);
    else child.stdout.on('data', (b: Buffer) => out.push(b));
    if (errSink) child.stderr.pipe(errSink);
    else child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', rej);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      const finish = () => res({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), wallMs });
      let pending = (outSink ? 1 : 0) + (errSink ? 1 : 0);
      if (pending === 0) return finish();
      const done = () => {
        if (--pending === 0) finish();
      };
      outSink?.end(done);
      errSink?.end(done);
    });
  });
}

/** runChecked is run, failing loudly (with the tail of stderr) on a non-zero exit. */
export async function runChecked(cmd: string, args: readonly string[], opts: ProcOptions = {}): Promise<ProcRun> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${opts.cwd ?? process.cwd()}) exited ${r.code}: ${r.stderr.trim().split('\n').slice(-8).join('\n')}`,
    );
  }
  return r;
}

/** Nearest-rank percentile of an ascending-sorted array (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(xs: readonly number[]): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
}

/** Env for a Go toolchain run: never switch toolchains, never ask the network. */
export function goEnvFor(extra: Record<string, string> = {}): Record<string, string> {
  return { GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', GOPROXY: 'off', ...extra };
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memGiB: number;
  readonly node: string;
  readonly go: string;
}

export async function machine(goBin = 'go'): Promise<Machine> {
  const c = cpus();
  const v = await run(goBin, ['version'], { env: { GOTOOLCHAIN: 'local' } });
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    go: v.stdout.trim() || `go unavailable (${v.stderr.trim()})`,
  };
}

/** A figure for the results table: `value` is what is judged, `target` what it is judged against. */
export interface Figure {
  readonly bench: string;
  readonly metric: string;
  readonly value: string;
  readonly target?: string;
  /** true: meets the target; false: misses it; undefined: no target. */
  readonly met?: boolean;
  readonly note?: string;
}

export const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
export const mib = (bytes: number): number => bytes / 2 ** 20;

/** A small deterministic generator (xorshift32), so the trace is the same in every run. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/**
 * runChildJson runs a bench child script in its own node process (through tsx; CPU-profiled into
 * `cpuProfDir` when given) and parses the JSON object it prints on its last stdout line.
 */
export async function runChildJson<T>(
  script: string,
  args: readonly string[],
  opts: { cpuProfDir?: string; nodeFlags?: readonly string[] } = {},
): Promise<T> {
  const nodeArgs = [...(opts.nodeFlags ?? []), '--import', 'tsx'];
  if (opts.cpuProfDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`);
  const r = await runChecked(process.execPath, [...nodeArgs, script, ...args], { cwd: repoRoot });
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}
