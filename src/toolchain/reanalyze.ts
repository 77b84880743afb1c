// Package runs: after Go files are saved (the save path), or on the Analyze Package command,
// re-analyse only some packages and merge them into the module's last result (merge.ts has the
// merge rules and what a package run cannot see; analyzePackages is the one place that decides
// whether a run is merged). The editor (its run scheduler, scheduler.ts) and the benchmark
// (bench/module.ts) call the same functions, with the session's AnalysisCache (cache.ts), so the
// bench measures what a save costs.
import { isAbsolute, relative, sep } from 'node:path';
import { canMerge, mergePackageRun } from './merge.ts';
import type { AnalysisResult, AnalyzeFn, AnalyzeOptions } from './result.ts';

export interface SavedPackages {
  /** Package patterns relative to the module (`./a/b`, `.` for the root), sorted. */
  readonly patterns: string[];
  /** Their absolute directories, in the same order. */
  readonly dirs: string[];
}

/**
 * packagesOfFiles: the packages (directories) of saved Go files inside `moduleDir` that the
 * module's configured patterns cover. Files outside the module, non-Go files and packages the
 * configuration leaves out are ignored. A pattern that is not relative (`example.com/x/...`,
 * `all`) cannot be matched against a directory here, so it covers everything.
 */
export function packagesOfFiles(moduleDir: string, files: readonly string[], configured: readonly string[] = ['./...']): SavedPackages {
  const rels = new Map<string, string>();
  for (const f of files) {
    if (!f.endsWith('.go')) continue;
    const rel = relative(moduleDir, f).split(sep).join('/');
    if (rel.startsWith('../') || isAbsolute(rel)) continue;
    const i = rel.lastIndexOf('/');
    const dirRel = i < 0 ? '.' : `./${rel.slice(0, i)}`;
    if (!covered(dirRel, configured)) continue;
    rels.set(dirRel, i < 0 ? moduleDir : `${moduleDir}${sep}${rel.slice(0, i).split('/').join(sep)}`);
  }
  const patterns = [...rels.keys()].sort();
  return { patterns, dirs: patterns.map((p) => rels.get(p)!) };
}

function covered(dirRel: string, configured: readonly string[]): boolean {
  if (configured.length === 0) return true;
  return configured.some((p) => {
    if (!(p === '.' || p.startsWith('./'))) return true;
    const pat = p.replace(/\/+$/, '');
    if (pat === './...' || pat === '...') return true;
    if (pat.endsWith('/...')) {
      const base = pat.slice(0, -4);
      return dirRel === base || dirRel.startsWith(base + '/') || base === '.';
    }
    return pat === dirRel;
  });
}

export interface Reanalysis {
  readonly result: AnalysisResult;
  /** The package patterns that were re-analysed; empty when the whole module was (`full`). */
  readonly patterns: readonly string[];
  /**
   * True when the whole module was analysed instead (see analyzePackages). Otherwise `result` is
   * the package run merged into the previous result (it has `reanalysed`), or the package run alone.
   */
  readonly full: boolean;
}

/**
 * analyzePackages runs the packages `pkgs` of the module `opts.dir` alone and merges the run into
 * `prev`, the module's last result. It cannot when there is no `prev`, or when the run says the
 * Go version, arch or experiments changed (canMerge); `unmerged` then says what the result is:
 * 'module' analyses the whole module with `opts.packages` (the save path: the saved packages
 * alone would hide the rest of the module), 'alone' keeps the package run (the Analyze Package
 * command asked for those packages).
 */
export async function analyzePackages(
  analyze: AnalyzeFn,
  opts: AnalyzeOptions,
  prev: AnalysisResult | undefined,
  pkgs: SavedPackages,
  unmerged: 'module' | 'alone',
): Promise<Reanalysis> {
  const full = async (): Promise<Reanalysis> => ({ result: await analyze(opts), patterns: [], full: true });
  if (!prev && unmerged === 'module') return full();
  const next = await analyze({ ...opts, packages: pkgs.patterns, singleModule: true });
  if (prev && canMerge(prev, next)) return { result: mergePackageRun(prev, next, pkgs.dirs), patterns: pkgs.patterns, full: false };
  return unmerged === 'module' ? full() : { result: next, patterns: pkgs.patterns, full: false };
}

/**
 * reanalyzeSaved re-analyses the packages of `files` within the module `opts.dir` and merges them
 * into `prev` (the module's last result); without `prev` (or when the package run says the Go
 * version, arch or experiments changed) it analyses the whole module with `opts.packages`.
 * Returns undefined when no saved file is in a package the configuration covers.
 */
export async function reanalyzeSaved(
  analyze: AnalyzeFn,
  opts: AnalyzeOptions,
  prev: AnalysisResult | undefined,
  files: readonly string[],
): Promise<Reanalysis | undefined> {
  const saved = packagesOfFiles(opts.dir, files, opts.packages?.length ? opts.packages : ['./...']);
  if (saved.patterns.length === 0) return undefined;
  return analyzePackages(analyze, opts, prev, saved, 'module');
}
