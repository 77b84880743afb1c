// The Heap view a page at a time: a node lists at most a page of children, then a "Show N more…"
// item. Pure, so paging is tested without a tree widget.
import type { HeapTreeNode } from './tree.ts';

/**
 * heapPageSize: most children the Heap view lists under one node (and at the top) before a
 * "Show N more…" item. A 200 k-site workspace would otherwise become one tree node per site,
 * which the tree renders and diffs as a whole; a page keeps each expansion small. Group totals
 * are computed by heapTree over every site, so paging never changes a count.
 */
export const heapPageSize = 200;

/**
 * pagedChildren: the first `shown` of `children` (at least one page), followed, when some are
 * left out, by a 'more' item naming how many the next page adds and how many are hidden.
 * `parentId` is the node whose children these are (undefined for the roots); the 'more' item's
 * `more.nodeId` is what the UI passes back to showMore.
 */
export function pagedChildren(
  parentId: string | undefined,
  children: readonly HeapTreeNode[],
  shown: number,
  pageSize = heapPageSize,
): HeapTreeNode[] {
  const limit = Math.max(pageSize, shown);
  if (children.length <= limit) return [...children];
  const hidden = children.length - limit;
  const next = Math.min(pageSize, hidden);
  return [
    ...children.slice(0, limit),
    {
      id: `more:${parentId ?? ''}`,
      parentId,
      kind: 'more',
      label: `Show ${next} more…`,
      description: `${limit} of ${children.length} shown`,
      tooltip: `${limit} of ${children.length} shown; ${hidden} more not listed yet. Click to list the next ${next}.`,
      children: [],
      more: { nodeId: parentId, shown: limit, total: children.length },
    },
  ];
}

/** showMore: how many children of a node to list after its 'more' item was clicked once. */
export function showMore(shown: number, total: number, pageSize = heapPageSize): number {
  return Math.min(total, Math.max(pageSize, shown) + pageSize);
}
