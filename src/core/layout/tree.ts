// The Heap view's Layout group: advised types, largest total saving first (recorded objects ×
// slot saving when a profile is loaded, else the per-object slot, then scan saving).
import type { HeapTreeNode } from '../sites/tree.ts';
import { formatBytes, layoutSummary } from './present.ts';
import type { LayoutAdvice } from './types.ts';

export function layoutTreeGroup(advice: readonly LayoutAdvice[]): HeapTreeNode | undefined {
  if (advice.length === 0) return undefined;
  const sorted = [...advice].sort(
    (a, b) =>
      (b.totalSavingBytes ?? 0) - (a.totalSavingBytes ?? 0) ||
      b.slotSavingBytes - a.slotSavingBytes ||
      b.scanSavingBytes - a.scanSavingBytes ||
      a.name.localeCompare(b.name),
  );
  const id = 'layout';
  const perObject = sorted.reduce((n, a) => n + a.slotSavingBytes, 0);
  return {
    id,
    parentId: undefined,
    label: 'Layout',
    description: `${advice.length} type${advice.length === 1 ? '' : 's'} · −${formatBytes(perObject)} per object`,
    tooltip: 'Struct types whose field order costs a size class or GC scan work, largest saving first',
    kind: 'package',
    children: sorted.map((a) => ({
      id: `layout/${a.package}.${a.name}`,
      parentId: id,
      label: a.name,
      description: `${layoutSummary(a)}${a.fix === 'refused' ? ' · no fix' : ''}`,
      tooltip: `${a.package}.${a.name}: ${layoutSummary(a)}`,
      kind: 'site',
      children: [],
      site: { id: `layout/${a.package}.${a.name}`, file: a.file, line: a.line, column: a.column },
    })),
  };
}
