// The Heap view's Changes group: what the last comparison found, as plain tree nodes the view maps
// to TreeItems like its other groups (src/core/sites/tree.ts). Ids start with `drift:` so the view
// can give them their own icons and keep them apart from the site groups' ids.
import type { HeapTreeNode } from '../sites/tree.ts';
import { isHeap, siteHeapBytes, type ChangeKind, type DriftResult, type SiteChange } from './changes.ts';
import { changeWords, landingShort, relativeTo, sideName } from './report.ts';

export const driftIdPrefix = 'drift:';

const groups: readonly { readonly label: string; readonly kinds: readonly ChangeKind[] }[] = [
  { label: 'New', kinds: ['new', 'now-escapes'] },
  { label: 'Gone', kinds: ['gone', 'no-longer-escapes'] },
  { label: 'Changed', kinds: ['class-changed', 'size-changed'] },
];

function sideText(s: SiteChange['base']): string {
  if (!s) return '—';
  return isHeap(s) ? landingShort(s.prediction) : 'stack';
}

function leaf(c: SiteChange, i: number, parentId: string, root: string): HeapTreeNode {
  const s = (c.head ?? c.base)!;
  const delta = c.base && c.head ? siteHeapBytes(c.head) - siteHeapBytes(c.base) : 0;
  return {
    id: `${parentId}/${i}`,
    parentId,
    label: s.expr,
    description: `${changeWords[c.kind]} · ${relativeTo(root, s.file)}:${s.line}${delta ? ` · ${delta > 0 ? '+' : ''}${delta} B` : ''}`,
    tooltip: `${changeWords[c.kind]}${s.func ? ` in ${s.func}` : ''}\nbefore: ${sideText(c.base)}\nafter: ${sideText(c.head)}`,
    kind: 'site',
    children: [],
    site: { id: `${parentId}/${i}`, file: s.file, line: s.line, column: s.column },
  };
}

/** changesTree: one "Changes" root (new / gone / changed), or none before any comparison. */
export function changesTree(d: DriftResult | undefined, root: string): HeapTreeNode[] {
  if (!d) return [];
  const id = `${driftIdPrefix}changes`;
  const children: HeapTreeNode[] = [];
  for (const g of groups) {
    const gid = `${id}/${g.label}`;
    const of = d.changes.filter((c) => g.kinds.includes(c.kind));
    if (of.length === 0) continue;
    children.push({
      id: gid,
      parentId: id,
      label: g.label,
      description: String(of.length),
      tooltip: `${of.length} ${g.label.toLowerCase()} site${of.length === 1 ? '' : 's'}`,
      kind: 'func',
      children: of.map((c, i) => leaf(c, i, gid, root)),
    });
  }
  return [
    {
      id,
      parentId: undefined,
      label: 'Changes',
      description: `${d.changes.length} vs ${sideName(d.base)}`,
      tooltip: `Compared with ${sideName(d.base)}: heap sites ${d.totals.base.heapSites} → ${d.totals.head.heapSites}`,
      kind: 'func',
      children,
    },
  ];
}
