// Converts the simulator's HeapSnapshot (src/core/alloc/heapsim.ts) into the panel's
// PanelSnapshot (messages.ts), and builds the simulator's workload from the panel's rows.
// Pure, so the webview contract is unit-tested without a host.
import type { HeapSnapshot } from '../core/alloc/heapsim.ts';
import type { WorkloadOp } from '../core/alloc/workload.ts';
import { hintText, siteId } from '../core/sites/present.ts';
import type { AllocationSite } from '../core/sites/site.ts';
import { limits, type ClassRow, type PanelSnapshot, type SimSettings, type WorkloadRow, type WorkloadSite } from './messages.ts';

/**
 * workloadSites: the analysed sites that put something on the heap, as panel rows (stack,
 * zero-size and unknown-size sites allocate nothing the simulator could place), deduplicated by id.
 * At most `maxRows` (a run takes no more, limits.maxRows), in analysis order; `leftOff` counts
 * the heap sites beyond them, so the panel can say how many it does not list.
 */
export function workloadSites(
  sites: readonly AllocationSite[],
  maxRows: number = limits.maxRows,
): { rows: WorkloadSite[]; byId: Map<string, AllocationSite>; leftOff: number } {
  const rows: WorkloadSite[] = [];
  const byId = new Map<string, AllocationSite>();
  const skipped = new Set<string>();
  for (const s of sites) {
    const p = s.prediction;
    if (!s.escapes || p.kind === 'stack' || p.kind === 'unknown' || p.kind === 'zero') continue;
    const id = siteId(s);
    if (byId.has(id)) continue;
    if (rows.length >= maxRows) {
      skipped.add(id);
      continue;
    }
    byId.set(id, s);
    const base = s.file.slice(Math.max(s.file.lastIndexOf('/'), s.file.lastIndexOf('\\')) + 1);
    rows.push({ id, label: s.expr, where: `${base}:${s.line}`, bytes: p.requestBytes, pointers: !p.noscan, hint: hintText(s) });
  }
  return { rows, byId, leftOff: skipped.size };
}

/** What the host knows about each row id: the request of one object. */
export interface RowSite {
  readonly bytes: number;
  readonly pointers: boolean;
  readonly label: string;
}

/** The raw workload (the format of docs/architecture.md, contracts) for validateWorkload, plus a label per op. */
export function buildWorkload(
  settings: SimSettings,
  arch: string,
  rows: readonly WorkloadRow[],
  sites: ReadonlyMap<string, RowSite>,
  gcAtEnd: boolean,
): { workload: { go: string; arch: string; procs: number; gogc: number | 'off'; ops: WorkloadOp[] }; labels: string[] } {
  const ops: WorkloadOp[] = [];
  const labels: string[] = [];
  for (const r of rows) {
    const s = sites.get(r.id);
    if (!s) throw new Error(`the workload names a site the last analysis does not have (${r.id}); re-open the panel`);
    if (r.count === 0) continue;
    ops.push({ alloc: { bytes: s.bytes, pointers: s.pointers, count: r.count, keep: r.keep } });
    labels.push(
      `${r.count.toLocaleString('en-US')} × ${s.label} (${s.bytes} B ${s.pointers ? 'scan' : 'noscan'}${r.keep ? '' : ', garbage'})`,
    );
  }
  if (gcAtEnd) {
    ops.push({ gc: true });
    labels.push('GC cycle');
  }
  return { workload: { go: settings.go, arch, procs: settings.procs, gogc: settings.gogc, ops }, labels };
}

/** toPanelSnapshot: what one step shows. `label` says what the step did. */
export function toPanelSnapshot(s: HeapSnapshot, step: number, totalSteps: number, label: string): PanelSnapshot {
  const r = s.report;
  const classes: ClassRow[] = [];
  for (const c of r.bySizeClass) {
    for (const noscan of [false, true]) {
      const k = noscan ? c.noscan : c.scan;
      if (k.spans === 0 && k.objects === 0) continue;
      classes.push({
        spanClass: (c.sizeClass << 1) | (noscan ? 1 : 0),
        sizeClass: c.sizeClass,
        noscan,
        slotBytes: c.slotBytes,
        spans: k.spans,
        objects: k.objects,
        freeSlots: k.freeSlots,
      });
    }
  }
  if (r.largeObjects > 0) {
    const large = s.spans.filter((x) => x.sizeClass === 0);
    for (const noscan of [false, true]) {
      const mine = large.filter((x) => ((x.spanClass & 1) === 1) === noscan);
      if (mine.length) {
        classes.push({
          spanClass: noscan ? 1 : 0,
          sizeClass: 0,
          noscan,
          slotBytes: 0,
          spans: mine.length,
          objects: mine.reduce((n, x) => n + x.allocCount, 0),
          freeSlots: 0,
        });
      }
    }
  }
  classes.sort((a, b) => a.spanClass - b.spanClass);
  const spans = s.spans.slice(0, limits.maxSpansPerSnapshot).map((x) => ({
    basePage: x.basePage,
    npages: x.npages,
    spanClass: x.spanClass,
    allocCount: x.allocCount,
    nelems: x.nelems,
  }));
  return {
    step,
    totalSteps,
    label,
    counters: {
      heapInuseBytes: r.heapInuseBytes,
      spansInUse: r.spansInUse,
      pagesInUse: r.pagesInUse,
      largeObjects: r.largeObjects,
      tinyAllocs: r.tinyAllocs,
      mcacheRefills: r.mcacheRefills,
      heapGrows: r.heapGrows,
      arenas: r.arenas,
      internalWasteBytes: r.internalWasteBytes,
      externalFreeBytes: r.externalFreeBytes,
      gcCycles: r.gcCycles,
    },
    classes,
    mcaches: s.mcaches.map((m) => ({
      p: m.p,
      spans: m.spans.map((x) => ({ spanClass: x.spanClass, allocCount: x.allocCount, nelems: x.nelems })),
      tinyOffset: m.tiny.active ? m.tiny.offset : null,
    })),
    mcentrals: s.mcentrals.map((c) => ({ ...c })),
    pages: {
      arenas: r.arenas,
      pagesMapped: s.arenas.reduce((n, a) => n + a.chunks.reduce((m, c) => m + c.npages, 0), 0),
      spans,
      spansLeftOff: s.spansTotal - spans.length,
    },
  };
}
