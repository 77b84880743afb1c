// go-heap-lens bench: runs a package's benchmarks with a rate-1 heap profile (toolchain/benchRun.ts),
// analyses the module and joins the two (core/profile/join.ts, as `profile` does), and prints the
// benchmark figures with the measured sites: the editor's `Profile allocations` for terminals and CI.
import { resolve } from 'node:path';
import { benchFiguresText, type BenchFigures } from '../core/bench/figures.ts';
import { decodeHeapProfile, ProfileInputError } from '../core/profile/decode.ts';
import { analyzeWorkspace, type AnalysisResult, type AnalyzeOptions } from '../toolchain/analyze.ts';
import { runBenchmarks } from '../toolchain/benchRun.ts';
import { ToolchainError } from '../toolchain/go.ts';
import { gunzipProfile } from '../toolchain/profileFile.ts';
import { findModuleDir } from '../toolchain/workspace.ts';
import { splitFlags, toolchainExitCode } from './analyze.ts';
import { exitFailed, exitOk, parseFlags, UsageError, type CliIO, type Command, type Flags } from './io.ts';
import { joinForCli, profileTextLines } from './profile.ts';

const usageLine =
  'usage: go-heap-lens bench [dir] [--bench REGEX] [--benchtime T] [--json|--text] [--build-flags "..."] [--tags a,b] [--timeout SECONDS]';

export const usage = `${usageLine}

Runs the benchmarks of the Go package in dir (default: the current directory) with
go test -run '^$' -bench REGEX -benchmem -memprofile TMP -memprofilerate=1 (every allocation
recorded), analyses the package's module (tests included) and joins the heap profile to it.

  --bench REGEX        go test's -bench pattern (default ".": every benchmark)
  --benchtime T        go test's -benchtime: a duration (1s, 500ms) or a count (100x)
  --json               { goVersion, arch, experiments, benchmarks: [{ name, procs, iterations, nsPerOp,
                       bytesPerOp, allocsPerOp, metrics }], profile: {...}, sites: [site + measured] }
  --text               the benchmark figures, then what \`profile --text\` prints (the default)

exit codes: 0 ok, 1 a benchmark failed, matched nothing or the analysis failed, 2 bad flags`;

const flags = {
  json: { type: 'boolean', default: false },
  text: { type: 'boolean', default: false },
  bench: { type: 'string' },
  benchtime: { type: 'string' },
  'build-flags': { type: 'string' },
  tags: { type: 'string' },
  timeout: { type: 'string' },
} satisfies Flags;

function benchLine(f: BenchFigures): string {
  return `${f.name}${f.procs ? `-${f.procs}` : ''}: ${f.iterations} iterations, ${benchFiguresText(f)}`;
}

export const run: Command = async (argv, io: CliIO) => {
  const { values, positionals } = parseFlags(argv, true, flags, (m) => `${m}\n${usageLine}`);
  if (positionals.length > 1) throw new UsageError(`bench takes at most one directory\n${usageLine}`);
  if (values.json && values.text) throw new UsageError('choose one of --json, --text');
  if (values.bench?.startsWith('-')) throw new UsageError(`--bench "${values.bench}" starts with "-"`);
  if (values.benchtime !== undefined && !/^\d+(\.\d+)?(x|ns|us|µs|ms|s|m|h)$/.test(values.benchtime))
    throw new UsageError(`invalid --benchtime "${values.benchtime}": a duration (1s, 500ms) or a count (100x)`);
  const timeoutS = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutS !== undefined && !(timeoutS > 0)) throw new UsageError(`invalid --timeout "${values.timeout}": expected seconds > 0`);
  const dir = resolve(io.cwd, positionals[0] ?? '.');
  const mod = findModuleDir(resolve(dir, 'x.go'));
  if (!mod) throw new UsageError(`${dir} is not inside a Go module (no go.mod above it)`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(io.env)) if (v !== undefined) env[k] = v;
  const buildFlags = values['build-flags'] ? splitFlags(values['build-flags']) : [];
  const buildTags = values.tags ? values.tags.split(',').filter(Boolean) : [];
  const goBinary = io.env['GO_HEAP_LENS_GO'];
  const common = {
    env,
    buildFlags,
    buildTags,
    ...(goBinary ? { goBinary } : {}),
    ...(timeoutS ? { timeoutMs: timeoutS * 1000 } : {}),
  };
  let figures: readonly BenchFigures[];
  let r: AnalysisResult;
  let profileBytes: Uint8Array;
  try {
    const ran = await runBenchmarks({
      dir,
      benchRegex: values.bench ?? '.',
      ...(values.benchtime ? { benchtime: values.benchtime } : {}),
      ...common,
    });
    figures = ran.benchmarks;
    profileBytes = ran.profile;
    const opts: AnalyzeOptions = {
      dir: mod,
      singleModule: true,
      includeTests: true,
      ...common,
      buildFlags: [...buildFlags],
      buildTags: [...buildTags],
    };
    r = await analyzeWorkspace(opts);
  } catch (e) {
    if (ToolchainError.is(e)) {
      io.stderr(`go-heap-lens bench: ${e.message}\n`);
      return toolchainExitCode(e);
    }
    throw e;
  }
  for (const e of r.errors) io.stderr(`go-heap-lens bench: ${e.kind}: ${e.message}\n`);
  if (r.errors.some((e) => e.kind === 'build' || e.kind === 'noModules' || e.kind === 'toolchain')) return exitFailed;
  let profile;
  try {
    profile = decodeHeapProfile(await gunzipProfile(profileBytes, undefined, 'the benchmark profile'));
  } catch (e) {
    if (ProfileInputError.is(e)) {
      io.stderr(`go-heap-lens bench: ${e.message}\n`);
      return exitFailed;
    }
    throw e;
  }
  const label = figures.map((f) => f.name).join(', ');
  const j = await joinForCli(profile, r, label);
  if (values.json) {
    const sites = j.sites.map(({ site, measured }) => ({ ...site, measured }));
    io.stdout(
      JSON.stringify({ goVersion: r.goVersion, arch: r.arch, experiments: r.experiments, benchmarks: figures, profile: j.summary, sites }) +
        '\n',
    );
  } else io.stdout([...figures.map(benchLine), ...profileTextLines(j, mod)].join('\n') + '\n');
  return exitOk;
};
