// Snapshot views of a simulated heap: plain JSON-able data of arenas, chunks, spans, mcaches and
// mcentrals, as the tests and the panel's converter (src/protocol/snapshot.ts) read them. The
// engine is heapsim.ts; this file only reads it.
import type { MSpan } from './mspan.ts';
import { pageSize } from './sizeclasses.ts';
import { numSpanClasses } from './spanclass.ts';
import { simulationReport, type SimState, type SimulationReport, type SpanClassSums } from './simreport.ts';

export interface SpanView {
  readonly id: number;
  readonly basePage: number;
  readonly npages: number;
  readonly spanClass: number;
  readonly sizeClass: number;
  readonly elemsize: number;
  readonly nelems: number;
  readonly allocCount: number;
  /** The P whose mcache holds the span, or -1. */
  readonly cachedBy: number;
}

export interface ChunkView {
  readonly index: number;
  readonly basePage: number;
  readonly npages: number;
  /** Pages of in-use spans. */
  readonly inUsePages: number;
  /** Pages the page allocator counts allocated: in-use plus page-cached. */
  readonly allocatedPages: number;
  readonly largestFreeRunPages: number;
}

export interface ArenaView {
  readonly index: number;
  readonly basePage: number;
  readonly npages: number;
  readonly chunks: readonly ChunkView[];
}

export interface MCacheView {
  readonly p: number;
  readonly spans: readonly { readonly spanClass: number; readonly spanId: number; readonly allocCount: number; readonly nelems: number }[];
  readonly tiny: { readonly active: boolean; readonly spanId: number; readonly offset: number; readonly unflushedTinyAllocs: number };
  readonly pageCache: { readonly basePage: number; readonly freePages: number };
}

export interface MCentralView {
  readonly spanClass: number;
  readonly partialSwept: number;
  readonly partialUnswept: number;
  readonly fullSwept: number;
  readonly fullUnswept: number;
}

/** Plain JSON data of the whole heap; lists are capped so a huge heap serializes fast. */
export interface HeapSnapshot {
  readonly sweepgen: number;
  readonly report: SimulationReport;
  readonly arenas: readonly ArenaView[];
  readonly chunksTotal: number;
  readonly chunksTruncated: boolean;
  /** In-use spans by address, the first `maxSpans`. */
  readonly spans: readonly SpanView[];
  readonly spansTotal: number;
  readonly spansTruncated: boolean;
  readonly mcaches: readonly MCacheView[];
  /** Span classes whose mcentral holds any span. */
  readonly mcentrals: readonly MCentralView[];
}

export interface SnapshotLimits {
  readonly maxSpans?: number;
  readonly maxChunks?: number;
}

/** heapSnapshot: the heap as plain data, with capped lists. */
export function heapSnapshot(sim: SimState, limits: SnapshotLimits = {}): HeapSnapshot {
  const maxSpans = limits.maxSpans ?? 4096;
  const maxChunks = limits.maxChunks ?? 1024;
  const heap = sim.heap;
  const cachedBy = new Map<MSpan, number>();
  for (const c of sim.mcaches) for (const s of c.alloc) if (s) cachedBy.set(s, c.p);

  const chunkPages = heap.pages.chunkPages;
  const chunkCount = heap.pages.chunkCount;
  const arenas: { index: number; basePage: number; npages: number; chunks: ChunkView[] }[] = [];
  const pagesPerArena = heap.pagesPerArena;
  const shownChunks = Math.min(chunkCount, maxChunks);
  for (let ci = 0; ci < shownChunks; ci++) {
    const basePage = ci * chunkPages;
    const ai = Math.floor(basePage / pagesPerArena);
    let arena = arenas[arenas.length - 1];
    if (!arena || arena.index !== ai) {
      arena = { index: ai, basePage: ai * pagesPerArena, npages: pagesPerArena, chunks: [] };
      arenas.push(arena);
    }
    const sum = heap.pages.chunkSummary(ci);
    arena.chunks.push({
      index: ci,
      basePage,
      npages: chunkPages,
      inUsePages: heap.inUsePagesByChunk[ci] ?? 0,
      allocatedPages: sum.allocatedPages,
      largestFreeRunPages: sum.largestFreeRunPages,
    });
  }
  // Arenas reserved but not yet grown into have no chunks.
  for (let ai = arenas.length ? arenas[arenas.length - 1]!.index + 1 : 0; ai < heap.arenas && chunkCount <= maxChunks; ai++) {
    arenas.push({ index: ai, basePage: ai * pagesPerArena, npages: pagesPerArena, chunks: [] });
  }

  const spans: SpanView[] = heap.spansByAddress(maxSpans).map((s) => ({
    id: s.id,
    basePage: s.basePage,
    npages: s.npages,
    spanClass: s.spanclass,
    sizeClass: s.sizeclass,
    elemsize: s.elemsize,
    nelems: s.nelems,
    allocCount: s.allocCount,
    cachedBy: cachedBy.get(s) ?? -1,
  }));

  const mcaches = mcacheViews(sim);
  const mcentrals = mcentralViews(sim);
  const sg = heap.sweepgen;
  return {
    sweepgen: sg,
    report: simulationReport(sim),
    arenas,
    chunksTotal: chunkCount,
    chunksTruncated: chunkCount > shownChunks,
    spans,
    spansTotal: heap.spans.size,
    spansTruncated: heap.spans.size > spans.length,
    mcaches,
    mcentrals,
  };
}

/** Where the bytes of one span class's in-use spans go. */
export interface SpanClassBytes {
  readonly spanClass: number;
  readonly spans: number;
  /** Allocated slots (tiny: blocks; large: objects). */
  readonly objects: number;
  readonly freeSlots: number;
  /** Pages of the spans × 8 KiB. */
  readonly spanBytes: number;
  /** Bytes the program asked for in the allocated slots. */
  readonly requestBytes: number;
  /** Allocated slot bytes beyond the request: size-class rounding, malloc headers, tiny padding, a large object's last page. */
  readonly wasteBytes: number;
  /** Free slots × slot size. */
  readonly freeBytes: number;
  /** Span bytes no slot can use: heap bits, inline mark bits, the tail after the last slot. */
  readonly reserveBytes: number;
}

/** spanClassBytes: where the bytes of each span class with a span go, ascending (from spanClassSums). */
export function spanClassBytes(sums: SpanClassSums): SpanClassBytes[] {
  const out: SpanClassBytes[] = [];
  for (let spc = 0; spc < numSpanClasses; spc++) {
    if (sums.spans[spc] === 0) continue;
    out.push({
      spanClass: spc,
      spans: sums.spans[spc]!,
      objects: sums.objects[spc]!,
      freeSlots: sums.freeSlots[spc]!,
      spanBytes: sums.pages[spc]! * pageSize,
      requestBytes: sums.requestBytes[spc]!,
      wasteBytes: sums.slotBytes[spc]! - sums.requestBytes[spc]!,
      freeBytes: sums.freeBytes[spc]!,
      reserveBytes: sums.reserveBytes[spc]!,
    });
  }
  return out;
}

/**
 * The page map at a resolution: the mapped pages [0, pagesMapped) in cells of `pagesPerCell`
 * pages, each cell owned by the in-use span that covers most of its pages (or none).
 */
export interface PageCells {
  readonly pagesMapped: number;
  readonly pagesPerArena: number;
  readonly pagesPerCell: number;
  /** Per cell, the index into `spans` of its owner, or -1 (no in-use page). */
  readonly owner: Int32Array;
  /** Per cell, how many of its pages in-use spans cover. */
  readonly inUsePages: Int32Array;
  readonly spans: readonly MSpan[];
}

/**
 * pageCells draws the heap into at most `maxCells` cells. pagesPerCell is a power of two, so an
 * arena (a power of two of pages) always starts a cell. O(spans + cells).
 */
export function pageCells(sim: SimState, maxCells: number): PageCells {
  const heap = sim.heap;
  const pagesMapped = heap.heapPages;
  let pagesPerCell = 1;
  while (Math.ceil(pagesMapped / pagesPerCell) > maxCells) pagesPerCell *= 2;
  const cells = Math.ceil(pagesMapped / pagesPerCell);
  const owner = new Int32Array(cells).fill(-1);
  const best = new Int32Array(cells);
  const inUsePages = new Int32Array(cells);
  const spans: MSpan[] = [];
  for (const s of heap.spans) {
    const end = s.basePage + s.npages;
    const firstCell = Math.floor(s.basePage / pagesPerCell);
    const lastCell = Math.min(cells - 1, Math.floor((end - 1) / pagesPerCell));
    let owns = false;
    for (let c = firstCell; c <= lastCell; c++) {
      // Most spans sit inside one cell: then they cover all their pages of it.
      const covered = firstCell === lastCell ? s.npages : Math.min(end, (c + 1) * pagesPerCell) - Math.max(s.basePage, c * pagesPerCell);
      inUsePages[c]! += covered;
      if (covered > best[c]!) {
        best[c] = covered;
        owner[c] = spans.length;
        owns = true;
      }
    }
    if (owns) spans.push(s);
  }
  return { pagesMapped, pagesPerArena: heap.pagesPerArena, pagesPerCell, owner, inUsePages, spans };
}

/** mcacheViews: each P's cached spans, tiny block and page cache. */
export function mcacheViews(sim: SimState): MCacheView[] {
  return sim.mcaches.map((c) => ({
    p: c.p,
    spans: c.alloc.flatMap((s, spc) => (s ? [{ spanClass: spc, spanId: s.id, allocCount: s.allocCount, nelems: s.nelems }] : [])),
    tiny: { active: c.tinySpan !== null, spanId: c.tinySpan?.id ?? -1, offset: c.tinyoffset, unflushedTinyAllocs: c.tinyAllocs },
    pageCache: { basePage: c.pcache.basePage, freePages: c.pcache.freeCount },
  }));
}

/** mcentralViews: the span sets of every mcentral that holds a span. */
export function mcentralViews(sim: SimState): MCentralView[] {
  const heap = sim.heap;
  const sg = heap.sweepgen;
  const mcentrals: MCentralView[] = [];
  for (const m of heap.central) {
    const v = {
      spanClass: m.spanclass,
      partialSwept: m.partialSwept(sg).length,
      partialUnswept: m.partialUnswept(sg).count((s) => heap.needsSweep(s)),
      fullSwept: m.fullSwept(sg).length,
      fullUnswept: m.fullUnswept(sg).count((s) => heap.needsSweep(s)),
    };
    if (v.partialSwept + v.partialUnswept + v.fullSwept + v.fullUnswept > 0) mcentrals.push(v);
  }
  return mcentrals;
}
