// The save path: after Go files are saved, re-analyse only their packages and merge them into
// the module's last result (merge.ts has the merge rules and what a package run cannot see).
// The editor (ui/analysis.ts) and the benchmark (bench/module.ts) call the same function, with
// the session's AnalysisCache (cache.ts), so the bench measures what a save costs.
import { isAbsolute, relative, sep } from 'node:path';
import type { AnalysisResult, AnalyzeOptions } from './analyze.ts';
import { canMerge, mergePackageRun } from './merge.ts';

export type AnalyzeFn = (opts: AnalyzeOptions) => Promise<AnalysisResult>;

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
  /** True when the whole module was analysed: there was no result to merge into, or the Go version/arch changed. */
  readonly full: boolean;
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
  const full = async (): Promise<Reanalysis> => ({ result: await analyze(opts), patterns: [], full: true });
  if (!prev) return full();
  const next = await analyze({ ...opts, packages: saved.patterns, singleModule: true });
  if (!canMerge(prev, next)) return full();
  return { result: mergePackageRun(prev, next, saved.dirs), patterns: saved.patterns, full: false };
}
