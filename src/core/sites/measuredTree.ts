// The Heap view's Top allocations: the sites a heap profile measured, heaviest first (by bytes or
// by objects), then the profile's unattributed allocations grouped by reason. Plain HeapTreeNodes
// like tree.ts, so the view and its paging treat them alike. Profile-provided names (functions,
// files, reasons) are plain text here: tree items never render markdown or HTML.
import type { Measured, ProfileSummary, UnattributedSample } from '../profile/types.ts';
import { basename, compactBytes, plural } from './markdown.ts';
import { compactCount, grouped, percent, verdictText } from './measuredHover.ts';
import { siteId } from './selection.ts';
import type { AllocationSite } from './site.ts';
import type { HeapTreeNode } from './tree.ts';

export type TopOrder = 'bytes' | 'objects';

export interface MeasuredSite {
  readonly site: AllocationSite;
  readonly measured: Measured;
}

/** The id of the Unattributed group (its children are ids under it). */
export const unattributedId = 'top:unattributed';

/** topAllocationsTree: measured sites heaviest first, then one Unattributed group (reason → places), if any. */
export function topAllocationsTree(measured: readonly MeasuredSite[], summary: ProfileSummary, order: TopOrder): HeapTreeNode[] {
  const key = (m: Measured): number => (order === 'bytes' ? m.bytes : m.objects);
  const sites = measured
    .filter((e) => e.measured.objects > 0 || e.measured.bytes > 0)
    .sort(
      (a, b) =>
        key(b.measured) - key(a.measured) ||
        (order === 'bytes' ? b.measured.objects - a.measured.objects : b.measured.bytes - a.measured.bytes) ||
        (siteId(a.site) < siteId(b.site) ? -1 : 1),
    );
  const roots: HeapTreeNode[] = sites.map((e, i) => siteNode(e, i + 1, order));
  if (summary.unattributed.length > 0) roots.push(unattributedGroup(summary));
  return roots;
}

function siteNode({ site, measured: m }: MeasuredSite, rank: number, order: TopOrder): HeapTreeNode {
  const where = `${site.func ? `${site.func} · ` : ''}${basename(site.file)}:${site.line}`;
  const figures =
    order === 'bytes'
      ? `${compactBytes(m.bytes)} · ${compactCount(m.objects)} objects`
      : `${compactCount(m.objects)} objects · ${compactBytes(m.bytes)}`;
  return {
    id: `top:${siteId(site)}`,
    parentId: undefined,
    kind: 'site',
    label: site.expr,
    description: `${percent(m.share)} · ${figures} · ${where}`,
    tooltip:
      `#${rank}: ${site.expr}\n${site.package ? `package ${site.package}\n` : ''}${site.file}:${site.line}:${site.column}\n` +
      `measured ${grouped(m.objects)} objects, ${grouped(m.bytes)} B (${percent(m.share)} of the profile); in use ${grouped(m.inuseObjects)} objects, ${grouped(m.inuseBytes)} B\n` +
      verdictText(site, m),
    children: [],
    site: { id: siteId(site), file: site.file, line: site.line, column: site.column },
  };
}

function unattributedGroup(summary: ProfileSummary): HeapTreeNode {
  const byReason = new Map<string, UnattributedSample[]>();
  for (const u of summary.unattributed) {
    const list = byReason.get(u.reason);
    if (list) list.push(u);
    else byReason.set(u.reason, [u]);
  }
  const bytes = summary.unattributed.reduce((n, u) => n + u.bytes, 0);
  const share = summary.totalBytes ? bytes / summary.totalBytes : 0;
  const reasons = [...byReason.entries()]
    .map(([reason, list]) => ({ reason, list, bytes: list.reduce((n, u) => n + u.bytes, 0) }))
    .sort((a, b) => b.bytes - a.bytes || (a.reason < b.reason ? -1 : 1));
  return {
    id: unattributedId,
    parentId: undefined,
    kind: 'spanClass',
    label: 'Unattributed',
    description: `${plural(summary.unattributed.length, 'place')} · ${compactBytes(bytes)} (${percent(share)})`,
    tooltip: `Profiled allocations no analysed site explains, by reason: ${grouped(bytes)} B of ${grouped(summary.totalBytes)} B.`,
    children: reasons.map((r, i) => {
      const id = `${unattributedId}/${i}`;
      return {
        id,
        parentId: unattributedId,
        kind: 'func' as const,
        label: r.reason,
        description: `${plural(r.list.length, 'place')} · ${compactBytes(r.bytes)}`,
        tooltip: r.reason,
        children: [...r.list]
          .sort((a, b) => b.bytes - a.bytes || a.objects - b.objects)
          .map((u, j) => ({
            id: `${id}/${j}`,
            parentId: id,
            kind: 'site' as const,
            label: u.function,
            description: `${compactBytes(u.bytes)} · ${compactCount(u.objects)} objects · ${basename(u.file)}:${u.line}`,
            tooltip: `${u.function}\n${u.file}:${u.line}\n${grouped(u.objects)} objects, ${grouped(u.bytes)} B\n${u.reason}`,
            children: [],
            ...(u.file.startsWith('/') && u.line > 0 ? { site: { id: `${u.file}:${u.line}`, file: u.file, line: u.line, column: 1 } } : {}),
          })),
      };
    }),
  };
}
