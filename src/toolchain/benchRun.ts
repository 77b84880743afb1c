// Benchmark and test runs that write a heap profile: the measured heap's own profiles.
//
//	go test -run '^$' -bench '^(BenchmarkX)$' -benchmem -memprofile TMP -memprofilerate=1 -o TMP/pkg.test [flags] .
//	go test -run '^(TestX)$' -count=1 -memprofile TMP -memprofilerate=1 -o TMP/pkg.test [flags] .
//
// run in the package's directory with the analysis's toolchain, environment, build flags, tags and
// -overlay of unsaved buffers (the same options object the pipeline takes, result.ts), through runGo:
// no shell, its own process group, killed whole on cancel. -memprofilerate=1 records every
// allocation, so the profile's counts are exact rather than scaled estimates. -o keeps the test
// binary, which -memprofile makes go test write, out of the user's package directory. Everything
// written goes to one temp directory, removed whatever happens; the profile's bytes are returned.
// The UI never calls this in Restricted Mode (ui/trust.ts): running tests runs the workspace's code.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { failedNames, parseBenchFigures, type BenchFigures } from '../core/bench/figures.ts';
import { runGo, ToolchainError, type GoRun, type Spawner } from './go.ts';
import { writeOverlay } from './workspace.ts';

export interface BenchRunOptions {
  /** The package directory (go test runs there, on `.`). */
  readonly dir: string;
  /** Benchmarks to run: exact function names (anchored), or `regex` for a -bench pattern as given. */
  readonly benchmarks?: readonly string[];
  readonly benchRegex?: string;
  /** Tests to run instead of benchmarks (exact names). */
  readonly tests?: readonly string[];
  /** -benchtime, e.g. `1x`, `100ms`, `2s`. */
  readonly benchtime?: string;
  readonly goBinary?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly buildFlags?: readonly string[];
  readonly buildTags?: readonly string[];
  /** abs path → unsaved content, as the analysis's overlay. */
  readonly overlay?: ReadonlyMap<string, string>;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly onCommand?: (argv: readonly string[], cwd: string) => void;
  /** go test's output as it arrives (progress). */
  readonly onOutput?: (text: string) => void;
  readonly spawn?: Spawner;
}

export interface BenchRunResult {
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The heap profile go test wrote (gzipped profile.proto). */
  readonly profile: Uint8Array;
  /** One entry per benchmark result line; empty for test runs. */
  readonly benchmarks: readonly BenchFigures[];
  /** go test's stdout (its report and the benchmark lines). */
  readonly output: string;
}

/** anchored: a -run/-bench pattern matching exactly these top-level names. */
export function anchored(names: readonly string[]): string {
  for (const n of names) if (!/^\w+$/.test(n)) throw new ToolchainError('buildFailed', `not a Go function name: ${JSON.stringify(n)}`);
  return `^(${names.join('|')})$`;
}

/** benchArgs: the go test argv (without `go`) for a run writing its profile to `profile`, its binary to `binary`. */
export function benchArgs(o: BenchRunOptions, profile: string, binary: string, overlayPath: string | undefined): string[] {
  const flags = [...(o.buildFlags ?? [])];
  if (o.buildTags?.length) flags.push(`-tags=${o.buildTags.join(',')}`);
  if (overlayPath) flags.push(`-overlay=${overlayPath}`);
  const common = ['-memprofile', profile, '-memprofilerate=1', '-o', binary, ...flags];
  if (o.tests?.length) return ['test', '-run', anchored(o.tests), '-count=1', ...common, '.'];
  const bench = o.benchmarks?.length ? anchored(o.benchmarks) : (o.benchRegex ?? '.');
  if (bench.startsWith('-')) throw new ToolchainError('buildFailed', `benchmark pattern "${bench}" starts with "-"`);
  return ['test', '-run', '^$', '-bench', bench, '-benchmem', ...(o.benchtime ? ['-benchtime', o.benchtime] : []), ...common, '.'];
}

/**
 * runBenchmarks runs the benchmarks (or tests) of one package with a rate-1 heap profile and returns
 * the profile and the figures. A failing benchmark or test, a build error or no profile written
 * rejects with a ToolchainError (buildFailed) whose message names what failed and ends with go
 * test's last lines; cancel and timeout reject as runGo does, after the process group is killed.
 */
export async function runBenchmarks(o: BenchRunOptions): Promise<BenchRunResult> {
  if (o.benchtime !== undefined && !/^\d+(\.\d+)?(x|ns|us|µs|ms|s|m|h)$/.test(o.benchtime))
    throw new ToolchainError('buildFailed', `-benchtime "${o.benchtime}" is not a duration (2s, 500ms) or a count (100x)`);
  const cwd = resolve(o.dir);
  const tmp = await mkdtemp(join(tmpdir(), 'go-heap-lens-bench-'));
  const overlay = o.overlay?.size ? await writeOverlay(o.overlay) : undefined;
  try {
    const profile = join(tmp, 'mem.pprof');
    // runGo keeps only an excerpt of a streamed stdout; the benchmark lines are read from this copy.
    let stdout = '';
    const args = benchArgs(o, profile, join(tmp, 'pkg.test'), overlay?.path);
    const run = await runGo(args, {
      cwd,
      ...(o.goBinary ? { goBinary: o.goBinary } : {}),
      ...(o.env ? { env: o.env } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.onCommand ? { onCommand: o.onCommand } : {}),
      ...(o.spawn ? { spawn: o.spawn } : {}),
      onStdout: (t) => {
        if (stdout.length < maxKeptOutput) stdout += t;
        o.onOutput?.(t);
      },
    });
    if (run.exitCode !== 0) throw failure({ ...run, stdout }, o);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(profile);
    } catch {
      throw new ToolchainError(
        'buildFailed',
        `${what(o)} ran but wrote no heap profile (did it match any ${o.tests?.length ? 'test' : 'benchmark'}?)`,
        {
          argv: run.argv,
          cwd,
          stderr: run.stderr,
          exitCode: run.exitCode,
        },
      );
    }
    const benchmarks = o.tests?.length ? [] : parseBenchFigures(stdout);
    if (!o.tests?.length && benchmarks.length === 0)
      throw new ToolchainError('buildFailed', `no benchmark matched ${args[args.indexOf('-bench') + 1]} in ${cwd}`, {
        argv: run.argv,
        cwd,
      });
    return { argv: run.argv, cwd, profile: bytes, benchmarks, output: stdout };
  } finally {
    await overlay?.dispose();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Most of go test's stdout kept for parsing (a test logging without end cannot exhaust memory). */
const maxKeptOutput = 8 * 1024 * 1024;

function what(o: BenchRunOptions): string {
  if (o.tests?.length) return o.tests.join(', ');
  if (o.benchmarks?.length) return o.benchmarks.join(', ');
  return `the benchmarks matching ${o.benchRegex ?? '.'}`;
}

/** failure: a non-zero go test as an error saying which benchmark or test failed, with go test's last lines. */
function failure(run: GoRun, o: BenchRunOptions): ToolchainError {
  const text = `${run.stdout}\n${run.stderr}`;
  const failed = failedNames(text);
  const head = failed.length
    ? `${failed.join(', ')} failed`
    : /\[build failed\]|\[setup failed\]/.test(text)
      ? `${what(o)}: the package does not build`
      : `${what(o)}: go test exited ${run.exitCode}`;
  const tail = text
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-8)
    .join('\n');
  return new ToolchainError('buildFailed', `${head}\n${tail}`, {
    argv: run.argv,
    cwd: run.cwd,
    stderr: run.stderr,
    exitCode: run.exitCode,
  });
}
