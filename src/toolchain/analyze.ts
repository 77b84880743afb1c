// The analysis pipeline the extension and the CLI call: a folder in, AllocationSites out.
//
//	1. findModules (workspace.ts): go.work `use` entries, else every go.mod below dir.
//	2. Per module, from its root (so replayed cache output has the same relative paths):
//	   `go env -json` (toolchain lines apply), then in parallel
//	   `go build -gcflags=-m=2 -o /dev/null [flags] PATTERNS` (or `go test -c` for test
//	   variants) and the type-facts helper (typefacts.ts) over the same packages,
//	   both with the -overlay of unsaved buffers.
//	3. Parse the compiler output as it arrives (core/escape/bytes.ts over text.ts); types named by allocations that
//	   were inlined from other packages (`&errors.errorString{...}`) are looked up in the
//	   dependencies by the helper's -resolve mode; then join it all with the type facts
//	   (core/sites/join.ts, which has the overview of the join).
// A compile error in one package is reported in `errors`; the other packages' sites
// are kept (cmd/go prints their output before exiting 1). A missing go, cancellation
// and timeouts reject with a ToolchainError.
// Every error, unparsed line and diagnostic count names the package directory it belongs to
// (when it belongs to one: compilerOutput.ts), so the save path can re-analyse a few packages and
// merge them into the module's last result (merge.ts has the rules, reanalyze.ts the save path,
// cache.ts what a session remembers between runs). The options and result types are in result.ts.
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ModelInputError, parseGoExperiment, rulesFor } from '../core/alloc/versions.ts';
import { joinSites, resolvedKey, typeQueries, type ResolvedType, type TypeFact } from '../core/sites/join.ts';
import { sourceSites } from '../core/sites/sourceSites.ts';
import type { Diagnostic } from '../core/escape/diagnostic.ts';
import { attributeToDirs, CompilerOutput, countsByDir, PackageDirs, queriesByDir } from './compilerOutput.ts';
import { goEnv, runGo, ToolchainError, type GoEnv, type GoRun, type RunGoOptions } from './go.ts';
import { dirOf, type AnalysisError, type AnalysisResult, type AnalyzeOptions, type PackageSites } from './result.ts';
import { branchQueries, resolveBranches } from './inlinedBranches.ts';
import type { InlinedBranch } from '../core/sites/compilerLines.ts';
import { resolveTypes, runTypefacts, type TypefactsResult, type TypefactsRunOptions } from './typefacts.ts';
import { findModules, writeOverlay, type ModuleSet, type Overlay } from './workspace.ts';

export type {
  AnalysisError,
  AnalysisResult,
  AnalysisUnparsedLine,
  AnalyzeFn,
  AnalyzeOptions,
  AnalyzeProgress,
  PackageSites,
  ReanalysedPackages,
} from './result.ts';

/** What every step of one run reads: its options, how go runs, and the -overlay file of unsaved buffers. */
interface RunContext {
  readonly opts: AnalyzeOptions;
  readonly run: Omit<RunGoOptions, 'cwd'>;
  readonly overlay: Overlay | undefined;
  /** Source lines for the join's columns, each file read once per run (package deliveries and the result share it). */
  readonly lineText: (file: string, line: number) => string | undefined;
}

/** What the steps of one run gather, in the order they find it (the result keeps that order). */
interface Gathered {
  readonly errors: AnalysisError[];
  readonly output: CompilerOutput;
  readonly facts: TypeFact[];
  readonly resolved: Map<string, ResolvedType>;
  /** Inlined call chains on a branch (inlinedBranches.ts). */
  readonly branches: InlinedBranch[];
  readonly dirs: PackageDirs;
  /** The first module's `go env`: the Go version, arch and experiments of the result. */
  env: GoEnv | undefined;
}

/** analyzeWorkspace runs the whole pipeline for `opts.dir` (see the overview above). */
export async function analyzeWorkspace(opts: AnalyzeOptions): Promise<AnalysisResult> {
  const started = Date.now();
  const dir = resolve(opts.dir);
  const run = goRunOptions(opts);
  checkOptions(opts);
  const set: ModuleSet = opts.singleModule ? { modules: [dir] } : await findModules(dir);
  const errors: AnalysisError[] = [];
  const g: Gathered = {
    errors,
    output: new CompilerOutput(errors),
    facts: [],
    resolved: new Map(),
    branches: [],
    dirs: new PackageDirs(),
    env: undefined,
  };
  const overlay = opts.overlay?.size ? await writeOverlay(opts.overlay) : undefined;
  const ctx: RunContext = { opts, run, overlay, lineText: sourceLineReader(opts.overlay) };
  try {
    if (opts.fromFile) await loadSavedOutput(ctx, g, dir, set, opts.fromFile);
    else await buildModules(ctx, g, dir, set);
  } finally {
    await overlay?.dispose();
  }
  attributeToDirs(g.output, g.errors, g.dirs);
  return joinResult(ctx, g, set.modules, started);
}

function goRunOptions(opts: AnalyzeOptions): Omit<RunGoOptions, 'cwd'> {
  return {
    ...(opts.goBinary ? { goBinary: opts.goBinary } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.onCommand ? { onCommand: opts.onCommand } : {}),
    ...(opts.spawn ? { spawn: opts.spawn } : {}),
  };
}

/** checkOptions rejects what no run could honour, before anything runs. */
function checkOptions(opts: AnalyzeOptions): void {
  if (opts.noToolchain && (!opts.fromFile || !opts.goVersion)) {
    throw new ModelInputError(
      'without a Go toolchain (Restricted Mode) only saved compiler output can be loaded, and its Go version must be given',
    );
  }
  const badPattern = opts.packages?.find((p) => p.startsWith('-'));
  if (badPattern !== undefined) throw new ModelInputError(`package pattern "${badPattern}" starts with "-": flags belong in buildFlags`);
}

/** goEnvOf: `go env` in `cwd`, remembered by an editor session's cache. */
function goEnvOf(ctx: RunContext, cwd: string): Promise<GoEnv> {
  return ctx.opts.cache ? ctx.opts.cache.goEnv({ ...ctx.run, cwd }) : goEnv({ ...ctx.run, cwd });
}

/**
 * loadSavedOutput: pasted/saved compiler output, no build. Go is still asked for its version
 * (unless given) and for type facts when the folder is a module, but is not required. Streamed:
 * a saved output can exceed the longest string V8 can hold (~512 MiB).
 */
async function loadSavedOutput(ctx: RunContext, g: Gathered, dir: string, set: ModuleSet, fromFile: string): Promise<void> {
  const parse = g.output.parse(dir);
  for await (const chunk of createReadStream(resolve(dir, fromFile), { highWaterMark: 1 << 20 })) parse.push(chunk as Buffer);
  parse.end(false);
  const mod = set.modules[0];
  if (ctx.opts.noToolchain) {
    g.errors.push({
      kind: 'typefacts',
      message: 'no type facts: no Go toolchain runs in Restricted Mode, so sizes come from the compiler output alone',
    });
    return;
  }
  try {
    g.env = await goEnvOf(ctx, mod ?? dir);
    if (mod) g.facts.push(...(await typefactsFor(ctx, mod, set.patterns, g.env)).facts);
  } catch (e) {
    if (ToolchainError.is(e, 'cancelled') || ToolchainError.is(e, 'timeout')) throw e;
    if (!ctx.opts.goVersion) throw e;
    g.errors.push({ kind: 'typefacts', message: `no type facts: ${(e as Error).message}` });
  }
}

/** buildModules: every module of the set, one after another, each from its own root. */
async function buildModules(ctx: RunContext, g: Gathered, dir: string, set: ModuleSet): Promise<void> {
  if (set.modules.length === 0) g.errors.push({ kind: 'noModules', message: `no Go module (go.mod or go.work) in or above ${dir}` });
  const patterns = ctx.opts.packages?.length ? ctx.opts.packages : (set.patterns ?? ['./...']);
  for (const mod of set.modules) await buildModule(ctx, g, mod, patterns);
}

/**
 * buildModule: one module's `go env`, then its build (parsed as it runs) and the type-facts
 * helper side by side, then the types its inlined allocations name. A failed build is an error
 * of the result; a failed helper too, unless the run cannot go on (cancelled, timed out, no go).
 */
async function buildModule(ctx: RunContext, g: Gathered, mod: string, patterns: readonly string[]): Promise<void> {
  const env = await goEnvOf(ctx, mod);
  g.env ??= env;
  const progress = progressCounter(ctx.opts.onProgress);
  const delivery = ctx.opts.onPackage ? packageDelivery(ctx, mod, env, ctx.opts.onPackage) : undefined;
  const parse = g.output.parse(mod, {
    ...(progress ? { onSection: progress.section } : {}),
    ...(delivery ? { onSectionDone: delivery.sectionDone } : {}),
  });
  const counted = progress ? countPackages(ctx, mod, patterns, progress.listed) : undefined;
  const [build, tf] = await Promise.allSettled([
    compile(ctx, mod, patterns, parse.push),
    typefactsFor(ctx, mod, patterns, env).then((r) => {
      progress?.listed(r.packages.length);
      delivery?.factsArrived(r);
      return r;
    }),
  ]);
  // The count's total is reported before the run ends (go list of a module's packages is quick).
  await counted;
  if (build.status === 'rejected') throw build.reason;
  if (tf.status === 'rejected') {
    const r: unknown = tf.reason;
    if (ToolchainError.is(r) && (r.reason === 'cancelled' || r.reason === 'timeout' || r.reason === 'goNotFound')) throw r;
    g.errors.push({ kind: 'typefacts', message: (r as Error).message });
  } else {
    recordTypefacts(g, tf.value);
  }
  const before = g.output.diagnostics.length;
  parse.end(build.value.exitCode !== 0);
  if (tf.status === 'fulfilled') await resolveInlinedTypes(ctx, g, mod, patterns, env, tf.value, g.output.diagnostics.slice(before));
  if (build.value.exitCode !== 0 && !g.errors.some((e) => e.kind === 'build')) g.errors.push(buildExitError(build.value));
}

/**
 * progressCounter: the run's progress from the build's `# pkg` headers (one per package with
 * output; a test variant's header counts for its package once) and the helper's package count.
 */
function progressCounter(onProgress: AnalyzeOptions['onProgress']): { section(pkg: string): void; listed(n: number): void } | undefined {
  if (!onProgress) return undefined;
  const seen = new Set<string>();
  let total: number | undefined;
  const report = () =>
    onProgress(total === undefined ? { packagesDone: seen.size } : { packagesDone: Math.min(seen.size, total), packagesTotal: total });
  return {
    section: (pkg) => {
      if (seen.has(pkg)) return;
      seen.add(pkg);
      report();
    },
    listed: (n) => {
      total = n;
      report();
    },
  };
}

/**
 * packageDelivery: each complete `# pkg` section joined with its package's facts and handed to
 * `onPackage`; sections complete before the helper has answered wait for it. Each join indexes
 * only its own package's facts, so the deliveries of a run cost about one join in all. A Go
 * version the model has no rules for delivers nothing (the run's result reports it).
 */
function packageDelivery(
  ctx: RunContext,
  mod: string,
  env: GoEnv,
  onPackage: (d: PackageSites) => void,
): { sectionDone(pkg: string | undefined, ds: readonly Diagnostic[]): void; factsArrived(tf: TypefactsResult): void } | undefined {
  const goVersion = ctx.opts.goVersion ?? env.GOVERSION;
  const arch = ctx.opts.arch ?? env.GOARCH;
  const experiments = env.GOEXPERIMENT ?? '';
  let rules: ReturnType<typeof rulesFor>;
  try {
    rules = rulesFor(goVersion, arch, parseGoExperiment(experiments));
  } catch {
    return undefined;
  }
  const waiting: [string | undefined, readonly Diagnostic[]][] = [];
  let known: { factsOf: Map<string, TypeFact[]>; dirOf: Map<string, string>; resolved: Map<string, ResolvedType> } | undefined;
  const lineText = ctx.lineText;
  const deliver = (pkg: string | undefined, ds: readonly Diagnostic[]) => {
    if (pkg === undefined || !known) return;
    const sites = joinSites(ds, known.factsOf.get(pkg) ?? [], { rules, lineText, baseDir: mod, resolved: known.resolved });
    const dir = known.dirOf.get(pkg) ?? (sites[0] ? dirOf(sites[0].file) : undefined);
    if (dir === undefined) return;
    try {
      onPackage({ pkg, dir, sites, goVersion, arch, experiments });
    } catch {
      // A listener's failure must not fail the build it listens to.
    }
  };
  return {
    sectionDone: (pkg, ds) => {
      if (known) deliver(pkg, ds);
      else waiting.push([pkg, ds]);
    },
    factsArrived: (tf) => {
      const factsOf = new Map<string, TypeFact[]>();
      for (const f of tf.facts) (factsOf.get(f.pkg) ?? factsOf.set(f.pkg, []).get(f.pkg)!).push(f);
      const resolved = new Map(tf.resolved.map((rt) => [resolvedKey(rt.pkg, rt.typeExpr), rt]));
      known = { factsOf, dirOf: new Map(tf.packages.map((p) => [p.pkg, p.dir])), resolved };
      for (const [pkg, ds] of waiting.splice(0)) deliver(pkg, ds);
    },
  };
}

/**
 * countPackages: the progress count's total from `go list` beside the build (the helper's own list
 * comes when it ends, which on a large module can be after the build). A failure leaves the count
 * without a total until the helper's. Only for a run that reports progress (the editor's).
 */
function countPackages(ctx: RunContext, mod: string, patterns: readonly string[], listed: (n: number) => void): Promise<void> {
  const flags = ctx.opts.buildTags?.length ? [`-tags=${ctx.opts.buildTags.join(',')}`] : [];
  return runGo(['list', '-e', ...flags, '--', ...patterns], { ...ctx.run, cwd: mod }).then(
    (r) => {
      if (r.exitCode === 0) listed(r.stdout.split('\n').filter((l) => l.trim()).length);
    },
    () => undefined,
  );
}

/** recordTypefacts: the helper's facts, package directories and type-check errors. */
function recordTypefacts(g: Gathered, tf: TypefactsResult): void {
  g.facts.push(...tf.facts);
  for (const p of tf.packages) {
    g.dirs.set(p.pkg, p.dir);
    for (const m of p.errors ?? []) g.errors.push({ kind: 'typecheck', message: m, package: p.pkg, dir: p.dir });
  }
  if (tf.unparsed.length)
    g.errors.push({
      kind: 'typefacts',
      message: `${tf.unparsed.length} helper output lines were not JSON: ${tf.unparsed[0]}`,
    });
}

/**
 * resolveInlinedTypes: allocations inlined from other packages name their type but have no fact
 * here. The helper answered the queries the last run of these packages needed (-prefetch); only
 * new ones cost a second helper run (-resolve).
 */
async function resolveInlinedTypes(
  ctx: RunContext,
  g: Gathered,
  mod: string,
  patterns: readonly string[],
  env: GoEnv,
  tf: TypefactsResult,
  diagnostics: readonly Diagnostic[],
): Promise<void> {
  const queries = typeQueries(diagnostics, tf.facts);
  ctx.opts.cache?.rememberQueries(queriesByDir(diagnostics, tf.facts, g.dirs));
  for (const rt of tf.resolved) g.resolved.set(resolvedKey(rt.pkg, rt.typeExpr), rt);
  const missing = queries.filter((q) => !g.resolved.has(resolvedKey(q.pkg, q.type)));
  try {
    for (const rt of await resolveTypes(typefactsOptions(ctx, mod, patterns, env), missing))
      g.resolved.set(resolvedKey(rt.pkg, rt.typeExpr), rt);
    g.branches.push(...(await resolveBranches(typefactsOptions(ctx, mod, patterns, env), branchQueries(diagnostics, tf.facts))));
  } catch (e) {
    if (ToolchainError.is(e, 'cancelled') || ToolchainError.is(e, 'timeout')) throw e;
    g.errors.push({ kind: 'typefacts', message: (e as Error).message });
  }
}

/** buildExitError: a build that failed without a compile error to show for it. */
function buildExitError(build: GoRun): AnalysisError {
  return { kind: 'build', message: `${build.argv.join(' ')} exited ${build.exitCode}: ${lastLines(build.stderr)}` };
}

/** joinResult: the diagnostics joined with the type facts under the rules of the run's Go version and arch. */
function joinResult(ctx: RunContext, g: Gathered, modules: string[], started: number): AnalysisResult {
  const { opts } = ctx;
  const out = g.output;
  const goVersion = opts.goVersion ?? g.env?.GOVERSION ?? '';
  const arch = opts.arch ?? g.env?.GOARCH ?? 'amd64';
  const experiments = g.env?.GOEXPERIMENT ?? '';
  let sites: AnalysisResult['sites'] = [];
  // Nothing was built (no module): there is no version to resolve rules for, and nothing to join.
  if (goVersion || out.diagnostics.length > 0) {
    const rules = rulesFor(goVersion, arch, parseGoExperiment(experiments));
    const lineText = ctx.lineText;
    sites = out.batches.flatMap((b) =>
      joinSites(b.diagnostics, g.facts, { rules, lineText, baseDir: b.baseDir, resolved: g.resolved, inlinedBranches: g.branches }),
    );
    sites.push(...sourceSites(g.facts, sites, { rules, lineText }));
  }
  return {
    goVersion,
    arch,
    experiments,
    modules,
    sites,
    diagnostics: out.counts,
    diagnosticsByDir: countsByDir(out.diagnostics, g.dirs),
    unparsed: out.unparsedLines.length,
    unparsedLines: out.unparsedLines,
    errors: g.errors,
    durationMs: Date.now() - started,
  };
}

/** compile: `go build -gcflags=-m=2` of the patterns (or `go test -c` for test variants), stderr streamed to `onStderrBytes`. */
async function compile(ctx: RunContext, mod: string, patterns: readonly string[], onStderrBytes: (b: Uint8Array) => void): Promise<GoRun> {
  const { opts, overlay, run } = ctx;
  const flags = [...(opts.buildFlags ?? [])];
  if (opts.buildTags?.length) flags.push(`-tags=${opts.buildTags.join(',')}`);
  if (overlay) flags.push(`-overlay=${overlay.path}`);
  if (!opts.includeTests) {
    // cmd/go special-cases -o /dev/null: nothing is written, every package is still compiled.
    return runGo(['build', '-gcflags=-m=2', '-o', '/dev/null', ...flags, '--', ...patterns], { ...run, cwd: mod, onStderrBytes });
  }
  // Test variants: `go test -c` compiles each package with its _test files (and packages
  // without tests as plain packages); -o into a temp dir because there may be many.
  const out = await mkdtemp(join(tmpdir(), 'go-heap-lens-test-'));
  try {
    // No `--` here: go test passes everything after it to the test binary (patterns are checked not to start with '-').
    return await runGo(['test', '-c', '-vet=off', '-gcflags=-m=2', '-o', out + '/', ...flags, ...patterns], {
      ...run,
      cwd: mod,
      onStderrBytes,
    });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

function typefactsOptions(ctx: RunContext, mod: string, patterns: readonly string[] | undefined, e: GoEnv): TypefactsRunOptions {
  const { opts, overlay } = ctx;
  return {
    ...ctx.run,
    cwd: mod,
    patterns: patterns ?? ['./...'],
    arch: opts.arch ?? e.GOARCH,
    goVersion: e.GOVERSION,
    ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
    ...(overlay ? { overlayPath: overlay.path } : {}),
    ...(opts.buildTags ? { buildTags: opts.buildTags } : {}),
    ...(opts.includeTests ? { includeTests: true } : {}),
  };
}

function typefactsFor(ctx: RunContext, mod: string, patterns: readonly string[] | undefined, e: GoEnv): Promise<TypefactsResult> {
  return runTypefacts(typefactsOptions(ctx, mod, patterns, e), ctx.opts.cache?.queriesFor(mod, patterns ?? ['./...']) ?? []);
}

/**
 * sourceLineReader: the join's source lines (1-based), each file read once; an unsaved buffer in
 * `overlay` stands for its file. A file that cannot be read has no lines.
 */
export function sourceLineReader(overlay?: ReadonlyMap<string, string>): (file: string, line: number) => string | undefined {
  const cache = new Map<string, string[] | null>();
  return (file, line) => {
    let lines = cache.get(file);
    if (lines === undefined) {
      const unsaved = overlay?.get(file);
      try {
        lines = (unsaved ?? readFileSync(file, 'utf8')).split('\n');
      } catch {
        lines = null;
      }
      cache.set(file, lines);
    }
    return lines?.[line - 1];
  };
}

function lastLines(s: string, n = 5): string {
  return s.trim().split('\n').slice(-n).join('\n');
}
