// Simulate Heap's "Replay the profile" preset: a loaded heap profile's measured sites as workload
// rows — each site's objects as the profile counted them, those still in use when the profile was
// written kept live, the rest garbage for the GC that ends the run. Rows name the panel's sites
// (workloadSites), so only sites of a static size replay; the rest are counted in the label.
import type { MeasuredSite } from '../core/profile/join.ts';
import { siteId } from '../core/sites/selection.ts';
import { limits, type WorkloadRow } from './messages.ts';

export interface Replay {
  readonly label: string;
  readonly rows: readonly WorkloadRow[];
}

/** replayRows: the replay of `measured` over the panel's rows (`rowIds`), heaviest site first; undefined when no site replays. */
export function replayRows(measured: readonly MeasuredSite[], rowIds: ReadonlySet<string>, origin: string): Replay | undefined {
  const rows: WorkloadRow[] = [];
  let skipped = 0;
  let sites = 0;
  for (const { site, measured: m } of measured) {
    const id = siteId(site);
    if (!rowIds.has(id) || m.objects <= 0) {
      if (m.objects > 0) skipped++;
      continue;
    }
    if (rows.length + 2 > limits.maxRows) {
      skipped++;
      continue;
    }
    const kept = Math.min(m.inuseObjects, m.objects);
    sites++;
    if (kept > 0) rows.push({ id, count: Math.min(kept, limits.maxCount), keep: true });
    if (m.objects > kept) rows.push({ id, count: Math.min(m.objects - kept, limits.maxCount), keep: false });
  }
  if (rows.length === 0) return undefined;
  const left = skipped ? `; ${skipped} measured site${skipped === 1 ? '' : 's'} of run-time size not replayed` : '';
  return {
    label: `${sites} site${sites === 1 ? '' : 's'} as ${origin} allocated them: in-use objects kept, the rest garbage${left}`,
    rows,
  };
}
