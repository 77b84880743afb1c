// Merging a package run (the save path, reanalyze.ts) into the module's last result. Pure: no
// I/O, paths handled as the strings the analysis produced (absolute, with the platform's
// separator), so the rules below are unit-tested directly.
//
// Everything a result holds is attributed to a package directory (analyze.ts does it): a site
// and a build error by their file, a type-check error by its package, a diagnostic count and an
// unparsed line by the `# pkg` section of the output that printed it. mergePackageRun(prev,
// next, dirs) then
//	- drops prev's sites, diagnostic counts, errors and unparsed lines of `dirs` and takes next's;
//	  a site elsewhere that next reports at the same position (a generic body instantiated by
//	  the re-analysed package) is next's too, so no position is reported twice;
//	- keeps everything else of prev as it was;
//	- items that belong to no package (go failed as a whole, the helper's own failure, output
//	  before any `# pkg` header) belong to the run that produced them: prev's from its full
//	  analysis are kept, those of an earlier package run are replaced by next's;
//	- a re-analysed package whose build now fails (a `build` error in its directory) and that
//	  reports no site keeps its previous sites, marked stale (`reanalysed.staleDirs`), the same
//	  rule as a failed full run of the module (moduleResults.ts): the compiler does no escape
//	  analysis of a package with type errors, and the last answer is more useful than none until
//	  the error is fixed. Its errors are next's.
// What a package run cannot see: a function of the re-analysed package inlined into callers in
// other packages. Those callers are not recompiled, so their sites (and the allocations of the
// edited function inlined there) stay as the last full analysis saw them until the next one;
// `reanalysed` says how many packages were re-analysed since then, so the UI can say so.
import type { AllocationSite } from '../core/sites/site.ts';
import { dirOf, type AnalysisError, type AnalysisResult, type AnalysisUnparsedLine, type ReanalysedPackages } from './result.ts';

const siteKey = (s: AllocationSite) => `${s.file}\0${s.line}\0${s.column}\0${s.construct}\0${s.expr}`;

/**
 * mergePackageRun: `prev` (a full analysis, or one already merged) with the run `next` of the
 * package directories `dirs` replacing what prev said about them (see the overview above).
 */
export function mergePackageRun(prev: AnalysisResult, next: AnalysisResult, dirs: readonly string[]): AnalysisResult {
  const replaced = new Set(dirs);
  const failed = new Set(next.errors.filter((e) => e.kind === 'build' && e.dir !== undefined && replaced.has(e.dir)).map((e) => e.dir!));
  const nextSiteDirs = new Set(next.sites.map((s) => dirOf(s.file)));
  const keptStale = new Set([...failed].filter((d) => !nextSiteDirs.has(d) && prev.sites.some((s) => dirOf(s.file) === d)));
  const nextKeys = new Set(next.sites.map(siteKey));
  const sites = [
    ...prev.sites.filter((s) => {
      const d = dirOf(s.file);
      return (!replaced.has(d) || keptStale.has(d)) && !nextKeys.has(siteKey(s));
    }),
    ...next.sites,
  ];

  const fromEarlierPackageRun = (x: { dir?: string; packageRun?: boolean }) => x.dir === undefined && x.packageRun === true;
  const keep = (x: { dir?: string; packageRun?: boolean }) => (x.dir === undefined ? !fromEarlierPackageRun(x) : !replaced.has(x.dir));
  const stamp = <T extends { dir?: string }>(x: T): T => (x.dir === undefined ? { ...x, packageRun: true } : x);
  const errors: AnalysisError[] = [...prev.errors.filter(keep), ...next.errors.map(stamp)];
  const unparsedLines: AnalysisUnparsedLine[] = [...prev.unparsedLines.filter(keep), ...next.unparsedLines.map(stamp)];

  // Counts of prev's package runs without a package are not kept apart from its full run's:
  // both stay under '' (a count cannot say which run printed it).
  const byDir: Record<string, Record<string, number>> = {};
  for (const [d, counts] of Object.entries(prev.diagnosticsByDir ?? { '': prev.diagnostics })) {
    if (!replaced.has(d)) byDir[d] = { ...counts };
  }
  for (const [d, counts] of Object.entries(next.diagnosticsByDir ?? { '': next.diagnostics })) {
    const into = (byDir[d] ??= {});
    for (const [k, n] of Object.entries(counts)) into[k] = (into[k] ?? 0) + n;
  }
  const diagnostics: Record<string, number> = {};
  for (const counts of Object.values(byDir)) for (const [k, n] of Object.entries(counts)) diagnostics[k] = (diagnostics[k] ?? 0) + n;

  const before = prev.reanalysed;
  const reanalysed: ReanalysedPackages = {
    dirs: [...new Set([...(before?.dirs ?? []), ...dirs])].sort(),
    runs: (before?.runs ?? 0) + 1,
    staleDirs: [...new Set([...(before?.staleDirs ?? []).filter((d) => !replaced.has(d)), ...keptStale])].sort(),
  };
  return {
    goVersion: next.goVersion,
    arch: next.arch,
    experiments: next.experiments,
    modules: prev.modules,
    sites,
    diagnostics,
    diagnosticsByDir: byDir,
    unparsed: unparsedLines.length,
    unparsedLines,
    errors,
    durationMs: next.durationMs,
    reanalysed,
  };
}

/**
 * canMerge: whether next may be merged into prev at all. A run for another Go version, arch or
 * GOEXPERIMENT set (go.mod's toolchain line or a setting changed) makes every old prediction
 * suspect: the caller analyses the whole module instead.
 */
export function canMerge(prev: AnalysisResult, next: AnalysisResult): boolean {
  return prev.goVersion === next.goVersion && prev.arch === next.arch && prev.experiments === next.experiments;
}
