// What one run of the pipeline takes (AnalyzeOptions) and gives (AnalysisResult), apart from the
// code that makes it (analyze.ts), merges two (merge.ts) or schedules them (scheduler.ts), so
// those import this file and not each other.
import type { UnparsedLine } from '../core/escape/diagnostic.ts';
import type { AllocationSite } from '../core/sites/site.ts';
import type { AnalysisCache } from './cache.ts';
import type { Spawner } from './go.ts';

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
  /**
   * Called as the build's `# pkg` sections arrive (a section is printed whole when its package's
   * compile ends) and once the helper has listed the packages analysed, so the editor can count
   * them (`Go Heap: 37/216 packages`).
   */
  onProgress?: (progress: AnalyzeProgress) => void;
  /**
   * Called with each package's sites as soon as its compile output is complete and the type-facts
   * helper has answered (analyze.ts): hints can show before the module is done. These sites are
   * joined with that package's own facts; the run's result, joined with all facts and the types
   * resolved in other packages, supersedes them.
   */
  onPackage?: (delivery: PackageSites) => void;
}

/** One package's sites, delivered while its run goes on (AnalyzeOptions.onPackage). */
export interface PackageSites {
  readonly pkg: string;
  /** The package directory (the helper's record, else that of its first site). */
  readonly dir: string;
  readonly sites: AllocationSite[];
  readonly goVersion: string;
  readonly arch: string;
  readonly experiments: string;
}

/** How far a run is: packages whose compile output arrived, of those the run analyses (once known). */
export interface AnalyzeProgress {
  readonly packagesDone: number;
  /** The packages of the run, once the type-facts helper has listed them. */
  readonly packagesTotal?: number;
}

/** The pipeline as its callers see it: analyzeWorkspace in the editor, CLI and bench; a scripted one in the scheduler's tests. */
export type AnalyzeFn = (opts: AnalyzeOptions) => Promise<AnalysisResult>;

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

/** What a merged result adds to the full analysis it started from. */
export interface ReanalysedPackages {
  /** Package directories re-analysed since the last full analysis, sorted. */
  readonly dirs: readonly string[];
  /** Package runs merged since the last full analysis. */
  readonly runs: number;
  /** Re-analysed directories whose build failed: their sites are the previous ones. */
  readonly staleDirs: readonly string[];
}

/**
 * dirOf: the directory part of a path ('' for a bare name): the package directory a site, an
 * error or a count is attributed to (analyze.ts) and replaced by (merge.ts).
 */
export function dirOf(file: string): string {
  const i = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return i < 0 ? '' : i === 0 ? file.slice(0, 1) : file.slice(0, i);
}
