// Which sites a view shows and how many there are of each kind: the filter of the Heap view and
// the hints, the stable site id, and the counts that say what each number around the editor
// covers (the status bar, the Heap view and Simulate Heap count different things).
import { plural } from './markdown.ts';
import type { AllocationSite, Construct } from './site.ts';

/** siteId: a stable key for a site within one analysis (tree ids, reveal arguments, workload rows). */
export function siteId(site: Pick<AllocationSite, 'file' | 'line' | 'column' | 'expr'>): string {
  return `${site.file}:${site.line}:${site.column}:${site.expr}`;
}

export interface SiteFilter {
  /** Hide sites that stay on the stack. */
  readonly escapingOnly: boolean;
  /** Hide sites whose slot is smaller than this (0 = all). */
  readonly minBytes: number;
  /** Only these constructs (empty/absent = all). */
  readonly constructs?: readonly Construct[];
}

export function filterSites(sites: readonly AllocationSite[], f: SiteFilter): AllocationSite[] {
  return sites.filter((s) => {
    if (f.escapingOnly && (!s.escapes || s.prediction.kind === 'stack')) return false;
    if (f.minBytes > 0 && Math.max(s.prediction.slotBytes, s.prediction.requestBytes) < f.minBytes) return false;
    if (f.constructs && f.constructs.length > 0 && !f.constructs.includes(s.construct)) return false;
    return true;
  });
}

/**
 * What the numbers shown around the editor count. `heap` is the status bar's "N sites" (every
 * site the compiler puts on the heap); `sized` is what Simulate Heap can run (it needs a size);
 * `unknownSize` and `noAlloc` are the heap sites it cannot run, counted so they are never dropped
 * silently; `stack` are the analysed sites that stay on the stack.
 */
export interface SiteCounts {
  readonly analysed: number;
  readonly heap: number;
  readonly sized: number;
  readonly unknownSize: number;
  readonly noAlloc: number;
  readonly stack: number;
}

/** onHeap: the compiler puts the site on the heap (what every count of heap sites counts). */
export function onHeap(s: AllocationSite): boolean {
  return s.escapes && s.prediction.kind !== 'stack';
}

export function siteCounts(sites: readonly AllocationSite[]): SiteCounts {
  let heap = 0;
  let sized = 0;
  let unknownSize = 0;
  let noAlloc = 0;
  for (const s of sites) {
    if (!onHeap(s)) continue;
    heap++;
    if (s.prediction.kind === 'unknown') unknownSize++;
    else if (s.prediction.kind === 'zero') noAlloc++;
    else sized++;
  }
  return { analysed: sites.length, heap, sized, unknownSize, noAlloc, stack: sites.length - heap };
}

/** countsText: the counts in one sentence ("24 heap sites: 20 of known size, 3 of unknown size, 1 allocating nothing; 5 on the stack"). */
export function countsText(c: SiteCounts): string {
  const parts = [`${c.sized} of known size`];
  if (c.unknownSize) parts.push(`${c.unknownSize} of unknown size`);
  if (c.noAlloc) parts.push(`${c.noAlloc} allocating nothing (zerobase, static data)`);
  return `${plural(c.heap, 'heap site')}: ${parts.join(', ')}${c.stack ? `; ${c.stack} on the stack` : ''}`;
}

/** notSimulatedText: the heap sites Simulate Heap cannot run (no size to place), said so they are not dropped silently ('' when none). */
export function notSimulatedText(c: SiteCounts): string {
  const parts: string[] = [];
  if (c.unknownSize) parts.push(`${c.unknownSize} of unknown size`);
  if (c.noAlloc) parts.push(`${c.noAlloc} allocating nothing`);
  return parts.length ? `; not simulated: ${parts.join(', ')}` : '';
}

/** heapSummary: the one-line status text ("12 heap sites · go1.26 amd64"). */
export function heapSummary(sites: readonly AllocationSite[], goVersion: string, arch: string): string {
  return `${plural(siteCounts(sites).heap, 'heap site')} · go${goVersion.replace(/^go/, '')} ${arch}`;
}
