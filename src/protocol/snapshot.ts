// Reads the simulator (src/core/alloc: simreport.ts, heapview.ts) into the panel's own view
// types (messages.ts), and builds the simulator's workload from the panel's rows. The wire
// format is the protocol's: the engine's types can change without changing what the webview
// validates. Pure, so the webview contract is unit-tested without a host (protocol.test.ts).
import { mcacheViews, mcentralViews, pageCells, spanClassBytes } from '../core/alloc/heapview.ts';
import { simulationReport, spanClassSums, type SimState } from '../core/alloc/simreport.ts';
import { sizeClassToSize } from '../core/alloc/sizeclasses.ts';
import type { WorkloadOp } from '../core/alloc/workload.ts';
import { hintText, siteId } from '../core/sites/present.ts';
import type { AllocationSite } from '../core/sites/site.ts';
import {
  limits,
  type ClassRow,
  type PageMapView,
  type PanelSnapshot,
  type SimSettings,
  type WorkloadRow,
  type WorkloadSite,
} from './messages.ts';

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

/** toPanelSnapshot: what one step shows, read from the simulator as it is now. `label` says what the step did. */
export function toPanelSnapshot(sim: SimState, step: number, totalSteps: number, label: string): PanelSnapshot {
  // One pass over the spans serves the counters and the bytes by class; the page map is the other.
  const sums = spanClassSums(sim.heap);
  const r = simulationReport(sim, sums);
  const classes: ClassRow[] = spanClassBytes(sums).map((c) => {
    const sizeClass = c.spanClass >> 1;
    return {
      spanClass: c.spanClass,
      sizeClass,
      noscan: (c.spanClass & 1) === 1,
      slotBytes: sizeClass === 0 ? 0 : sizeClassToSize[sizeClass]!,
      spans: c.spans,
      objects: c.objects,
      freeSlots: c.freeSlots,
      spanBytes: c.spanBytes,
      requestBytes: c.requestBytes,
      wasteBytes: c.wasteBytes,
      freeBytes: c.freeBytes,
      reserveBytes: c.reserveBytes,
    };
  });
  return {
    step,
    totalSteps,
    label,
    counters: {
      heapInuseBytes: r.heapInuseBytes,
      heapAllocBytes: r.heapAllocBytes,
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
    heapGoalBytes: r.heapGoalBytes,
    classes,
    mcaches: mcacheViews(sim).map((m) => ({
      p: m.p,
      spans: m.spans.map((x) => ({ spanClass: x.spanClass, allocCount: x.allocCount, nelems: x.nelems })),
      tinyOffset: m.tiny.active ? m.tiny.offset : null,
      pageCachePages: m.pageCache.freePages,
    })),
    mcentrals: mcentralViews(sim).map((c) => ({
      spanClass: c.spanClass,
      partialSwept: c.partialSwept,
      partialUnswept: c.partialUnswept,
      fullSwept: c.fullSwept,
      fullUnswept: c.fullUnswept,
    })),
    pages: pageMapView(sim, r.arenas, r.spansInUse),
  };
}

/** Fullness steps of an aggregated page-map entry. */
const fullnessSteps = 16;

/** pageMapView: the heap's pages at limits.maxPageCells cells at most, run-length encoded (messages.ts PageMapView). */
function pageMapView(sim: SimState, arenas: number, spansInUse: number): PageMapView {
  const cells = pageCells(sim, limits.maxPageCells);
  // Only spans that own a cell are sent, numbered in the order the cells meet them. A cell of
  // several pages is drawn as a span class and a fullness, not as one small span: there such
  // cells share an entry (messages.ts PageMapView.spans), which keeps a step of a big heap small.
  const aggregate = cells.pagesPerCell > 1;
  const index = new Map<number, number>();
  const spans: number[] = [];
  const owners: number[] = [];
  for (let c = 0; c < cells.owner.length; c++) {
    const o = cells.owner[c]!;
    let id = 0;
    if (o >= 0) {
      const s = cells.spans[o]!;
      const full = Math.round((fullnessSteps * s.allocCount) / s.nelems);
      // Large objects keep their own entries, so the map still shows where each one starts.
      const shared = aggregate && s.spanclass > 1;
      const key = shared ? -1 - (s.spanclass * (fullnessSteps + 1) + full) : o;
      let k = index.get(key);
      if (k === undefined) {
        k = index.size;
        index.set(key, k);
        if (shared) spans.push(-1, 0, s.spanclass, full, fullnessSteps);
        else spans.push(s.basePage, s.npages, s.spanclass, s.allocCount, s.nelems);
      }
      id = k + 1;
    }
    owners.push(id);
  }
  return {
    arenas,
    pagesPerArena: cells.pagesPerArena,
    pagesMapped: cells.pagesMapped,
    pagesPerCell: cells.pagesPerCell,
    cellRuns: runLengths(owners),
    cellInUseRuns: cells.pagesPerCell > 1 ? runLengths(cells.inUsePages) : [],
    spans,
    spansInUse,
  };
}

/** runLengths: [value, run length] pairs of consecutive equal values. */
function runLengths(xs: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length;) {
    let j = i + 1;
    while (j < xs.length && xs[j] === xs[i]) j++;
    out.push(xs[i]!, j - i);
    i = j;
  }
  return out;
}
