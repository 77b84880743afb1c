// Layout advice end to end: the escape analysis (for the heap sites), the type-facts helper's
// -layout mode (struct facts and constraining uses, typefacts/layout.go), the pure advisor
// (core/layout) and the helper's -rewrite mode (typefacts/rewrite.go) that applies a fix.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGoExperiment, rulesFor } from '../core/alloc/versions.ts';
import { advise, type AdviseOptions } from '../core/layout/advise.ts';
import type { LayoutAdvice, LayoutReport, LayoutStruct, LayoutUse } from '../core/layout/types.ts';
import { analyzeWorkspace } from './analyze.ts';
import { goEnv, runGo, ToolchainError, type RunGoOptions } from './go.ts';
import type { AnalysisResult, AnalyzeOptions } from './result.ts';
import { ensureTypefactsHelper } from './typefacts.ts';
import { findModules } from './workspace.ts';

export interface LayoutFacts {
  readonly structs: LayoutStruct[];
  readonly uses: LayoutUse[];
  /** Packages the helper could not type-check fully: "pkg: error". */
  readonly errors: string[];
}

export interface LayoutFactsOptions extends RunGoOptions {
  /** `go env GOVERSION` of the module (the helper is built with it). */
  readonly goVersion: string;
  readonly arch: string;
  readonly patterns?: readonly string[];
  readonly buildTags?: readonly string[];
  readonly cacheDir?: string;
}

/** layoutFacts runs the helper's -layout mode in one module. */
export async function layoutFacts(opts: LayoutFactsOptions): Promise<LayoutFacts> {
  const helper = await ensureTypefactsHelper(opts);
  // -test: unkeyed literals in _test.go files break the build of the tests as surely as any other.
  const args = ['-go', opts.goBinary || 'go', '-arch', opts.arch, '-layout', '-test'];
  if (opts.buildTags?.length) args.push('-tags', opts.buildTags.join(','));
  args.push(...(opts.patterns ?? ['./...']));
  const structs: LayoutStruct[] = [];
  const uses: LayoutUse[] = [];
  const errors: string[] = [];
  let rest = '';
  // A package and its test variant ("p [p.test]") print the same structs and uses: keep one of each.
  const seen = new Set<string>();
  const onLine = (line: string): void => {
    if (!line.trim()) return;
    const v = JSON.parse(line) as { kind?: string; pkg?: string; errors?: string[] | null };
    if (v.kind === 'struct') {
      const st = v as LayoutStruct;
      const key = `s ${st.pkg}.${st.name} ${st.file}:${st.line}`;
      if (seen.has(key)) return;
      seen.add(key);
      // `fields: null` from a helper of an older build: an empty struct.
      structs.push({ ...st, fields: st.fields ?? [] });
    } else if (v.kind === 'layoutUse') {
      const u = v as LayoutUse;
      const key = `u ${u.of} ${u.what} ${u.file}:${u.line}:${u.col}`;
      if (seen.has(key)) return;
      seen.add(key);
      uses.push(u);
    } else if (v.kind === 'layoutPackage' && v.errors?.length) errors.push(`${v.pkg}: ${v.errors[0]}`);
  };
  const r = await runGo(args, {
    ...opts,
    goBinary: helper,
    onStdout: (text) => {
      const lines = (rest + text).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    },
  });
  onLine(rest);
  if (r.exitCode !== 0) {
    throw new ToolchainError('buildFailed', `type-facts helper -layout failed in ${opts.cwd}: ${r.stderr.trim() || `exit ${r.exitCode}`}`, {
      argv: r.argv,
      cwd: r.cwd,
      stderr: r.stderr,
      exitCode: r.exitCode,
    });
  }
  return { structs, uses, errors };
}

export interface RewriteResult {
  readonly file: string;
  readonly type: string;
  readonly status: 'ok' | 'refused';
  readonly reason?: string;
}

export interface RewriteOutcome {
  readonly results: RewriteResult[];
  /** New contents of each changed file (nothing is written here). */
  readonly contents: Map<string, string>;
}

/** rewriteLayouts asks the helper to reorder the fields of each advised type whose fix is ok. */
export async function rewriteLayouts(advice: readonly LayoutAdvice[], opts: Omit<LayoutFactsOptions, 'arch'>): Promise<RewriteOutcome> {
  const reqs = advice
    .filter((a) => a.fix === 'ok')
    .map((a) => ({ file: a.file, type: a.name, line: a.line, structText: a.structText, order: a.order }));
  const contents = new Map<string, string>();
  const results: RewriteResult[] = [];
  if (reqs.length === 0) return { results, contents };
  const helper = await ensureTypefactsHelper(opts);
  const dir = await mkdtemp(join(tmpdir(), 'go-heap-lens-rewrite-'));
  try {
    const file = join(dir, 'requests.json');
    await writeFile(file, JSON.stringify(reqs));
    const r = await runGo(['-rewrite', file], { ...opts, goBinary: helper });
    if (r.exitCode !== 0) {
      throw new ToolchainError('buildFailed', `type-facts helper -rewrite failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`, {
        argv: r.argv,
        cwd: r.cwd,
        stderr: r.stderr,
        exitCode: r.exitCode,
      });
    }
    for (const line of r.stdout.split('\n')) {
      if (!line.trim()) continue;
      const v = JSON.parse(line) as {
        kind: string;
        file: string;
        type?: string;
        status?: 'ok' | 'refused';
        reason?: string;
        content?: string;
      };
      if (v.kind === 'rewritten' && v.content !== undefined) contents.set(v.file, v.content);
      else if (v.kind === 'rewrite' && v.type && v.status)
        results.push({ file: v.file, type: v.type, status: v.status, ...(v.reason ? { reason: v.reason } : {}) });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { results, contents };
}

export interface LayoutWorkspaceOptions extends AnalyzeOptions {
  readonly advise?: Omit<AdviseOptions, 'modulePath'>;
}

export interface LayoutWorkspaceResult {
  readonly report: LayoutReport;
  readonly analysis: AnalysisResult;
  readonly errors: string[];
  /** The `go env GOVERSION` the helper ran with (for rewriteLayouts). */
  readonly toolchainVersion: string;
  /** Milliseconds of the pure advice step alone (the benchmark's numerator). */
  readonly adviseMs: number;
}

async function modulePathOf(mod: string): Promise<string | undefined> {
  try {
    return /^module\s+("?)([^\s"]+)\1/m.exec(await readFile(join(mod, 'go.mod'), 'utf8'))?.[2];
  } catch {
    return undefined;
  }
}

/**
 * layoutWorkspace: the escape analysis and the helper's -layout run of every module, in parallel,
 * then the advice for the struct types at heap sites (or every struct with advise.all).
 */
export async function layoutWorkspace(opts: LayoutWorkspaceOptions): Promise<LayoutWorkspaceResult> {
  const set = opts.singleModule ? { modules: [opts.dir] } : await findModules(opts.dir);
  const run: Omit<RunGoOptions, 'cwd'> = {
    ...(opts.goBinary ? { goBinary: opts.goBinary } : {}),
    ...(opts.env ? { baseEnv: opts.env } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  };
  const factsOf = async (mod: string): Promise<LayoutFacts & { modulePath?: string; goVersion: string }> => {
    const e = await goEnv({ ...run, cwd: mod });
    const f = await layoutFacts({
      ...run,
      cwd: mod,
      goVersion: e.GOVERSION,
      arch: opts.arch ?? e.GOARCH,
      ...(opts.packages ? { patterns: opts.packages } : {}),
      ...(opts.buildTags ? { buildTags: opts.buildTags } : {}),
      ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
    });
    const modulePath = await modulePathOf(mod);
    return { ...f, goVersion: e.GOVERSION, ...(modulePath ? { modulePath } : {}) };
  };
  const [analysis, ...facts] = await Promise.all([analyzeWorkspace(opts), ...set.modules.map(factsOf)]);
  const fatal = analysis.errors.find((e) => e.kind === 'noModules' || e.kind === 'toolchain');
  if (fatal) throw new ToolchainError('buildFailed', fatal.message);
  const rules = rulesFor(opts.goVersion ?? analysis.goVersion, opts.arch ?? analysis.arch, parseGoExperiment(analysis.experiments));
  const t0 = performance.now();
  const reports = facts.map((f) =>
    advise(f.structs, f.uses, analysis.sites, rules, { ...opts.advise, ...(f.modulePath ? { modulePath: f.modulePath } : {}) }),
  );
  const adviseMs = performance.now() - t0;
  const report: LayoutReport = {
    goVersion: rules.goVersion,
    arch: rules.arch,
    types: reports.flatMap((r) => r.types),
    notAdvised: reports.flatMap((r) => r.notAdvised),
    examined: reports.reduce((n, r) => n + r.examined, 0),
  };
  return {
    report,
    analysis,
    errors: facts.flatMap((f) => f.errors),
    toolchainVersion: facts[0]?.goVersion ?? analysis.goVersion,
    adviseMs,
  };
}
