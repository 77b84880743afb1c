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
// (when it belongs to one), so the save path can re-analyse a few packages and merge them into
// the module's last result (merge.ts has the rules, reanalyze.ts the save path, cache.ts what a
// session remembers between runs).
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ModelInputError, parseGoExperiment, rulesFor } from '../core/alloc/versions.ts';
import type { Diagnostic, ParseResult, UnparsedLine } from '../core/escape/diagnostic.ts';
import { ByteTextParser } from '../core/escape/bytes.ts';
import { isKnownMessage } from '../core/escape/messages.ts';
import { joinSites, resolvedKey, SiteCollector, typeQueries, type ResolvedType, type TypeFact } from '../core/sites/join.ts';
import type { AllocationSite } from '../core/sites/site.ts';
import { goEnv, runGo, ToolchainError, type GoEnv, type RunGoOptions, type Spawner } from './go.ts';
import type { AnalysisCache } from './cache.ts';
import { bufferUtf8Decode } from './utf8.ts';
import { dirOf, type ReanalysedPackages } from './merge.ts';
import { resolveTypes, runTypefacts, type TypefactsRunOptions, type TypeQuery } from './typefacts.ts';
import { findModules, writeOverlay, type ModuleSet, type Overlay } from './workspace.ts';

export interface AnalyzeOptions {
  dir: string;
  packages?: string[];
  buildFlags?: string[];
  buildTags?: string[];
  includeTests?: boolean;
  goBinary?: string;
  env?: Record<string, string>;
  overlay?: ReadonlyMap<string, string> /* abs path → unsaved content */;
  signal?: AbortSignal;
  timeoutMs?: number;
  goVersion?: string;
  arch?: string /* overrides */;
  fromFile?: string;
  /** Run no process at all (Restricted Mode): only `fromFile` is allowed, `goVersion` is required, no type facts. */
  noToolchain?: boolean;
  onCommand?: (argv: readonly string[], cwd: string) => void;
  spawn?: Spawner;
  cacheDir?: string;
  /** What an editor session remembers between runs (cache.ts): `go env` answers, earlier type queries. */
  cache?: AnalysisCache;
  /**
   * `dir` is one module root (it holds go.mod) and only it is built: no search for nested
   * modules or go.work uses. The save path's package runs (reanalyze.ts) use it: their
   * patterns name packages of that module only.
   */
  singleModule?: boolean;
}

export interface AnalysisError {
  /** `build` (compile error), `toolchain` (go failed), `typefacts` (helper failed), `noModules`, `typecheck`. */
  kind: string;
  message: string;
  package?: string;
  file?: string;
  line?: number;
  /** The package directory the error belongs to, when it belongs to one (merge.ts). */
  dir?: string;
  /** Set by merge.ts on an error of a package run that belongs to no package. */
  packageRun?: boolean;
}

/** An unparsed line of the compiler output, with the package directory of its `# pkg` section when known. */
export interface AnalysisUnparsedLine extends UnparsedLine {
  dir?: string;
  /** Set by merge.ts on a line of a package run that belongs to no package. */
  packageRun?: boolean;
}

export interface AnalysisResult {
  goVersion: string;
  arch: string;
  experiments: string;
  modules: string[];
  sites: AllocationSite[];
  diagnostics: Record<string, number>;
  unparsed: number;
  unparsedLines: AnalysisUnparsedLine[];
  errors: AnalysisError[];
  durationMs: number;
  /** `diagnostics` per package directory ('' for those of no known package): what a merge replaces. */
  diagnosticsByDir?: Record<string, Record<string, number>>;
  /** Present on a full analysis that package runs were merged into (merge.ts). */
  reanalysed?: ReanalysedPackages;
}

/** Compiler messages that are errors, not optimisation notes (kind `other` from a failed build). */
function isCompileError(d: Diagnostic): boolean {
  return d.kind === 'other' && !isKnownMessage(d.message);
}

/** analyzeWorkspace runs the whole pipeline for `opts.dir` (see the overview above). */
export async function analyzeWorkspace(opts: AnalyzeOptions): Promise<AnalysisResult> {
  const started = Date.now();
  const dir = resolve(opts.dir);
  const run: Omit<RunGoOptions, 'cwd'> = {
    ...(opts.goBinary ? { goBinary: opts.goBinary } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.onCommand ? { onCommand: opts.onCommand } : {}),
    ...(opts.spawn ? { spawn: opts.spawn } : {}),
  };
  const errors: AnalysisError[] = [];
  const diagnostics: Diagnostic[] = [];
  const unparsedLines: AnalysisUnparsedLine[] = [];
  // The `# pkg` section of each unparsed line (by index into unparsedLines), until directories are known.
  const unparsedPkg = new Map<number, string>();
  const counts: Record<string, number> = {};
  const facts: TypeFact[] = [];
  const resolved = new Map<string, ResolvedType>();
  // Diagnostics per go command cwd: relative `at POS` paths of -m=2 steps resolve against it.
  const batches: { baseDir: string; diagnostics: Diagnostic[] }[] = [];
  let linesBefore = 0; // unparsed line numbers count through all outputs, in order
  /**
   * The parse of one go command's stderr, fed its bytes as they arrive (runGo onStderrBytes), so
   * that it runs while the compiler does and the output is never held whole (a saved output file is
   * fed the same way, 1 MiB at a time: it can exceed V8's longest string): every diagnostic is
   * built, but -m=2 steps only for the explanations the join reads (SiteCollector), and the step
   * lines of the others are never decoded (core/escape/bytes.ts).
   */
  const streamParse = (baseDir: string) => {
    const collector = new SiteCollector({ keepAll: true });
    // `# pkg` lines, for the section of each unparsed line.
    const headers: { line: number; pkg: string }[] = [];
    const p = new ByteTextParser({
      baseDir,
      want: collector.want,
      onDiagnostic: collector.add,
      deferSteps: true,
      decode: bufferUtf8Decode,
      onHeaderLine: (line, text) => headers.push({ line, pkg: basePackage(text.slice(2).trim()) }),
    });
    return {
      push: (b: Uint8Array) => p.push(b),
      end: (failed: boolean) => {
        const r: ParseResult = { ...p.end(), diagnostics: collector.diagnostics() };
        r.unparsed.forEach((u, i) => {
          const pkg = sectionOf(headers, u.line);
          if (pkg !== undefined) unparsedPkg.set(unparsedLines.length + i, pkg);
        });
        addResult(r, baseDir, failed);
      },
    };
  };
  const addResult = (r: ParseResult, baseDir: string, failed: boolean) => {
    for (const u of r.unparsed) unparsedLines.push({ line: u.line + linesBefore, text: u.text });
    linesBefore += r.stats.lines;
    batches.push({ baseDir, diagnostics: [...r.diagnostics] });
    for (const [k, n] of Object.entries(r.stats.byKind)) counts[k] = (counts[k] ?? 0) + (n ?? 0);
    for (const d of r.diagnostics) {
      if (failed && isCompileError(d)) {
        errors.push({
          kind: 'build',
          message: d.message,
          ...(d.package ? { package: d.package } : {}),
          file: d.absFile ?? d.file,
          line: d.line,
        });
      }
      diagnostics.push(d);
    }
  };

  if (opts.noToolchain && (!opts.fromFile || !opts.goVersion)) {
    throw new ModelInputError(
      'without a Go toolchain (Restricted Mode) only saved compiler output can be loaded, and its Go version must be given',
    );
  }
  const badPattern = opts.packages?.find((p) => p.startsWith('-'));
  if (badPattern !== undefined) throw new ModelInputError(`package pattern "${badPattern}" starts with "-": flags belong in buildFlags`);
  const set: ModuleSet = opts.singleModule ? { modules: [dir] } : await findModules(dir);
  const envOf = (cwd: string) => (opts.cache ? opts.cache.goEnv({ ...run, cwd }) : goEnv({ ...run, cwd }));
  // Package import path (variant stripped) → directory, from the helper's package records.
  const pkgDirs = new Map<string, string>();
  let env: GoEnv | undefined;
  const overlay: Overlay | undefined = opts.overlay?.size ? await writeOverlay(opts.overlay) : undefined;
  try {
    if (opts.fromFile) {
      // Pasted/saved compiler output: no build. Go is still asked for its version (unless
      // given) and for type facts when the folder is a module, but is not required.
      // Streamed: a saved output can exceed the longest string V8 can hold (~512 MiB).
      const parse = streamParse(dir);
      for await (const chunk of createReadStream(resolve(dir, opts.fromFile), { highWaterMark: 1 << 20 })) parse.push(chunk as Buffer);
      parse.end(false);
      const mod = set.modules[0];
      if (opts.noToolchain) {
        errors.push({
          kind: 'typefacts',
          message: 'no type facts: no Go toolchain runs in Restricted Mode, so sizes come from the compiler output alone',
        });
      } else {
        try {
          env = await envOf(mod ?? dir);
          if (mod) facts.push(...(await typefactsFor(mod, set.patterns, env)).facts);
        } catch (e) {
          if (ToolchainError.is(e, 'cancelled') || ToolchainError.is(e, 'timeout')) throw e;
          if (!opts.goVersion) throw e;
          errors.push({ kind: 'typefacts', message: `no type facts: ${(e as Error).message}` });
        }
      }
    } else {
      if (set.modules.length === 0) {
        errors.push({ kind: 'noModules', message: `no Go module (go.mod or go.work) in or above ${dir}` });
      }
      for (const mod of set.modules) {
        const modEnv = await envOf(mod);
        env ??= modEnv;
        const patterns = opts.packages?.length ? opts.packages : (set.patterns ?? ['./...']);
        const parse = streamParse(mod);
        const [build, tf] = await Promise.allSettled([buildModule(mod, patterns, parse.push), typefactsFor(mod, patterns, modEnv)]);
        if (build.status === 'rejected') throw build.reason;
        if (tf.status === 'rejected') {
          if (
            ToolchainError.is(tf.reason) &&
            (tf.reason.reason === 'cancelled' || tf.reason.reason === 'timeout' || tf.reason.reason === 'goNotFound')
          )
            throw tf.reason;
          errors.push({ kind: 'typefacts', message: (tf.reason as Error).message });
        } else {
          facts.push(...tf.value.facts);
          for (const p of tf.value.packages) {
            pkgDirs.set(basePackage(p.pkg), p.dir);
            for (const m of p.errors ?? []) errors.push({ kind: 'typecheck', message: m, package: p.pkg, dir: p.dir });
          }
          if (tf.value.unparsed.length)
            errors.push({
              kind: 'typefacts',
              message: `${tf.value.unparsed.length} helper output lines were not JSON: ${tf.value.unparsed[0]}`,
            });
        }
        const before = diagnostics.length;
        parse.end(build.value.exitCode !== 0);
        if (tf.status === 'fulfilled') {
          // Allocations inlined from other packages name their type but have no fact here.
          const queries = typeQueries(diagnostics.slice(before), tf.value.facts);
          if (opts.cache) opts.cache.rememberQueries(queriesByDir(diagnostics.slice(before), tf.value.facts));
          // The helper answered the queries the last run of these packages needed (-prefetch);
          // only new ones cost a second helper run.
          for (const rt of tf.value.resolved) resolved.set(resolvedKey(rt.pkg, rt.typeExpr), rt);
          const missing = queries.filter((q) => !resolved.has(resolvedKey(q.pkg, q.type)));
          try {
            for (const rt of await resolveTypes(typefactsOptions(mod, patterns, modEnv), missing))
              resolved.set(resolvedKey(rt.pkg, rt.typeExpr), rt);
          } catch (e) {
            if (ToolchainError.is(e, 'cancelled') || ToolchainError.is(e, 'timeout')) throw e;
            errors.push({ kind: 'typefacts', message: (e as Error).message });
          }
        }
        if (build.value.exitCode !== 0 && !errors.some((e) => e.kind === 'build')) {
          errors.push({
            kind: 'build',
            message: `${build.value.argv.join(' ')} exited ${build.value.exitCode}: ${lastLines(build.value.stderr)}`,
          });
        }
      }
    }
  } finally {
    await overlay?.dispose();
  }

  attributeToDirs();
  const goVersion = opts.goVersion ?? env?.GOVERSION ?? '';
  const arch = opts.arch ?? env?.GOARCH ?? 'amd64';
  const experiments = env?.GOEXPERIMENT ?? '';
  if (!goVersion && diagnostics.length === 0) {
    // Nothing was built (no module): there is no version to resolve rules for, and nothing to join.
    return {
      goVersion,
      arch,
      experiments,
      modules: set.modules,
      sites: [],
      diagnostics: counts,
      diagnosticsByDir: countsByDir(),
      unparsed: unparsedLines.length,
      unparsedLines,
      errors,
      durationMs: Date.now() - started,
    };
  }
  const rules = rulesFor(goVersion, arch, parseGoExperiment(experiments));
  const lineText = sourceLineReader(opts.overlay);
  const sites = batches.flatMap((b) => joinSites(b.diagnostics, facts, { rules, lineText, baseDir: b.baseDir, resolved }));
  return {
    goVersion,
    arch,
    experiments,
    modules: set.modules,
    sites,
    diagnostics: counts,
    diagnosticsByDir: countsByDir(),
    unparsed: unparsedLines.length,
    unparsedLines,
    errors,
    durationMs: Date.now() - started,
  };

  /** dirOfPackage: the directory of a package as cmd/go's header or the helper names it. */
  function dirOfPackage(pkg: string | undefined): string | undefined {
    return pkg === undefined ? undefined : pkgDirs.get(basePackage(pkg));
  }

  /** Package directories of errors and unparsed lines (see the overview). */
  function attributeToDirs(): void {
    // Without the helper's records (it failed, or fromFile), a package's directory is that of its diagnostics' files.
    for (const d of diagnostics)
      if (d.package && d.absFile && !pkgDirs.has(basePackage(d.package))) pkgDirs.set(basePackage(d.package), dirOf(d.absFile));
    for (const e of errors) {
      if (e.dir !== undefined) continue;
      const d = e.file && isAbsolute(e.file) ? dirOf(e.file) : dirOfPackage(e.package);
      if (d !== undefined) e.dir = d;
    }
    for (const [i, pkg] of unparsedPkg) {
      const d = dirOfPackage(pkg);
      if (d !== undefined) unparsedLines[i]!.dir = d;
    }
  }

  /** Diagnostic counts per directory of the package whose compile printed them (so a merge can replace them). */
  function countsByDir(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const d of diagnostics) {
      const dir = dirOfPackage(d.package) ?? (d.absFile ? dirOf(d.absFile) : '');
      const c = (out[dir] ??= {});
      c[d.kind] = (c[d.kind] ?? 0) + 1;
    }
    return out;
  }

  /**
   * The type queries each package directory would need if analysed alone (cache.ts): a package
   * run has only its own package's facts, so a type of another analysed package that a full run
   * finds among the facts (`&a.T{...}` inlined from a.New) is a query there.
   */
  function queriesByDir(ds: readonly Diagnostic[], runFacts: readonly TypeFact[]): Map<string, TypeQuery[]> {
    const diags = new Map<string, Diagnostic[]>();
    for (const d of ds) {
      const dir = dirOfPackage(d.package) ?? (d.absFile ? dirOf(d.absFile) : undefined);
      if (dir !== undefined) (diags.get(dir) ?? diags.set(dir, []).get(dir)!).push(d);
    }
    const factsOf = new Map<string, TypeFact[]>();
    for (const f of runFacts) {
      const dir = dirOfPackage(f.pkg);
      if (dir !== undefined) (factsOf.get(dir) ?? factsOf.set(dir, []).get(dir)!).push(f);
    }
    const out = new Map<string, TypeQuery[]>();
    for (const [dir, list] of diags) out.set(dir, typeQueries(list, factsOf.get(dir) ?? []));
    return out;
  }

  async function buildModule(mod: string, patterns: readonly string[], onStderrBytes: (b: Uint8Array) => void) {
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

  function typefactsOptions(mod: string, patterns: readonly string[] | undefined, e: GoEnv): TypefactsRunOptions {
    return {
      ...run,
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

  function typefactsFor(mod: string, patterns: readonly string[] | undefined, e: GoEnv) {
    return runTypefacts(typefactsOptions(mod, patterns, e), opts.cache?.queriesFor(mod, patterns ?? ['./...']) ?? []);
  }
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

/** The package of a cmd/go `# pkg` or `# pkg [pkg.test]` header, without the variant. */
function basePackage(pkg: string): string {
  const i = pkg.indexOf(' [');
  return i < 0 ? pkg : pkg.slice(0, i);
}

/** sectionOf: the package of the last header before `line`. */
function sectionOf(headers: readonly { line: number; pkg: string }[], line: number): string | undefined {
  let lo = 0;
  let hi = headers.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (headers[mid]!.line < line) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : headers[lo - 1]!.pkg;
}

function lastLines(s: string, n = 5): string {
  return s.trim().split('\n').slice(-n).join('\n');
}
