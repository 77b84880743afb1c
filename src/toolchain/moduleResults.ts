// The results an editor session shows: the last good result of each module, its sites by file,
// and which files were edited since their module's last analysis (their positions may be stale,
// so they show no sites until a run that started after the edit ends). The run scheduler
// (scheduler.ts) is the only writer; the UI's adapters read.
import { dirname, sep } from 'node:path';
import type { AllocationSite } from '../core/sites/site.ts';
import type { AnalysisResult } from './result.ts';

export interface ModuleResult {
  readonly moduleDir: string;
  readonly result: AnalysisResult;
  /** Sites by absolute file. */
  readonly byFile: ReadonlyMap<string, readonly AllocationSite[]>;
  /** True when the newest run failed and this is the previous good result. */
  readonly stale: boolean;
}

/** Edit counts of the files of one module when a run started: edits after that point still invalidate. */
export type EditSnapshot = ReadonlyMap<string, number>;

export class ModuleResults {
  private readonly results = new Map<string, ModuleResult>();
  /** Files edited since their module's last analysis (→ edit count). */
  private readonly editedSince = new Map<string, number>();

  get size(): number {
    return this.results.size;
  }

  get(moduleDir: string): ModuleResult | undefined {
    return this.results.get(moduleDir);
  }

  has(moduleDir: string): boolean {
    return this.results.has(moduleDir);
  }

  values(): IterableIterator<ModuleResult> {
    return this.results.values();
  }

  /** sitesForFile: the sites of one file, or none when the file was edited since it was analysed. */
  sitesForFile(file: string): readonly AllocationSite[] {
    if (this.editedSince.has(file)) return [];
    for (const r of this.results.values()) {
      const s = r.byFile.get(file);
      if (s) return s;
    }
    return [];
  }

  allSites(): AllocationSite[] {
    return [...this.results.values()].flatMap((r) => r.result.sites);
  }

  /** The newest result (the simulator's default Go version/arch). */
  latest(): AnalysisResult | undefined {
    let last: AnalysisResult | undefined;
    for (const r of this.results.values()) last = r.result;
    return last;
  }

  /** noteEdit: `file` changed in the editor; its sites are hidden until a later run of its module. */
  noteEdit(file: string): void {
    this.editedSince.set(file, (this.editedSince.get(file) ?? 0) + 1);
  }

  /** editsIn: the edit counts of the module's files now (a run's overlay captures the buffers as they are now). */
  editsIn(moduleDir: string): EditSnapshot {
    return new Map([...this.editedSince].filter(([f]) => f.startsWith(moduleDir + sep)));
  }

  /**
   * accept: a run's result. A failed build with nothing to show keeps the last good result,
   * marked stale (returns false). Otherwise it replaces the module's result and the files of
   * `refreshed` that were not edited again since the run started show their sites again.
   */
  accept(moduleDir: string, result: AnalysisResult, refreshed: EditSnapshot): boolean {
    if (result.sites.length === 0 && result.errors.length > 0 && this.results.has(moduleDir)) {
      this.markStale(moduleDir);
      return false;
    }
    const byFile = new Map<string, AllocationSite[]>();
    for (const s of result.sites) {
      const list = byFile.get(s.file);
      if (list) list.push(s);
      else byFile.set(s.file, [s]);
    }
    this.results.set(moduleDir, { moduleDir, result, byFile, stale: false });
    for (const [f, n] of refreshed) if (this.editedSince.get(f) === n) this.editedSince.delete(f);
    return true;
  }

  /** markStale: the newest run failed; the last good result stays, marked so. */
  markStale(moduleDir: string): void {
    const prev = this.results.get(moduleDir);
    if (prev) this.results.set(moduleDir, { ...prev, stale: true });
  }
}

/**
 * refreshedBy: the files a run refreshed, of those edited when it started: a package run merged
 * into the last result refreshed only its own packages' files (`runDirs`), any other run all.
 */
export function refreshedBy(result: AnalysisResult, atStart: EditSnapshot, runDirs: readonly string[] | undefined): EditSnapshot {
  return result.reanalysed && runDirs ? new Map([...atStart].filter(([f]) => runDirs.includes(dirname(f)))) : atStart;
}
