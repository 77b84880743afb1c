// mheap: pages, arenas, spans and the mcentrals. Mirrors runtime/mheap.go (alloc,
// allocSpan, grow, freeSpan) and the counters of runtime/mstats.go the reports need.
// See malloc.ts for the allocator overview.
import { MCentral } from './mcentral.ts';
import { MSpan } from './mspan.ts';
import { PageAlloc, pageCachePages, type PageCache } from './pagealloc.ts';
import { numSizeClasses, pageSize } from './sizeclasses.ts';
import { numSpanClasses, spanClassSizeClass } from './spanclass.ts';
import type { AllocatorRules } from './versions.ts';

/** Pages the reclaimer scans per step (runtime/mgcsweep.go pagesPerReclaimerChunk). */
const pagesPerReclaimerChunk = 512;

/**
 * Cumulative counters, each as the runtime publishes it once every mcache is flushed
 * (what runtime/metrics shows after runtime.GC()). Indexed by size class; index 0 is large.
 */
export class HeapStats {
  /** Objects allocated per size class; tiny blocks count once each in class 2 (/gc/heap/allocs-by-size). */
  readonly allocs: number[] = new Array<number>(numSizeClasses).fill(0);
  /** Objects freed by sweeping, per size class (/gc/heap/frees-by-size). */
  readonly frees: number[] = new Array<number>(numSizeClasses).fill(0);
  /** Tiny objects packed into an existing block, flushed from mcaches (/gc/heap/tiny/allocs:objects). */
  tinyAllocs = 0;
  mcacheRefills = 0;
  heapGrows = 0;
  gcCycles = 0;
}

export class MHeap {
  readonly rules: AllocatorRules;
  readonly pages: PageAlloc;
  readonly central: readonly MCentral[];
  readonly stats = new HeapStats();
  /** Bumped by 2 at each mark termination (gc.ts); spans' sweepgen is read relative to it. */
  sweepgen = 0;
  /** In-use spans (mSpanInUse), in creation order. */
  readonly spans = new Set<MSpan>();
  /** Pages of in-use spans per palloc chunk, for snapshots. */
  readonly inUsePagesByChunk: number[] = [];
  /** In-use spans by first page (the runtime's heapArena.spans, indexed by base page only). */
  readonly spanAt: (MSpan | undefined)[] = [];
  /** Arenas reserved (sysAlloc), each rules.heapArenaBytes. They are contiguous in this model. */
  arenas = 0;
  /** h.curArena: the reserved but not yet grown-into part of the last arena run, in pages. */
  /** Spans that still need sweeping this cycle (mheap.sweepgen-2); 0 means the sweep is done. */
  unsweptSpans = 0;
  /** Where the page reclaimer continues (h.reclaimIndex), in pages. */
  private reclaimIndex = 0;
  private curArenaBase = 0;
  private curArenaEnd = 0;
  private nextSpanId = 0;

  constructor(rules: AllocatorRules) {
    this.rules = rules;
    this.pages = new PageAlloc(rules.pallocChunkPages);
    this.central = Array.from({ length: numSpanClasses }, (_, spc) => new MCentral(spc));
  }

  get pagesPerArena(): number {
    return this.rules.heapArenaBytes / pageSize;
  }

  /**
   * alloc takes npages for a new span (mheap.alloc → allocSpan): spans under 16 pages come from
   * the P's page cache `pp.pcache` (refilled with allocToCache when empty), the rest, or what the cache
   * cannot fit, from the page allocator, growing the heap when that fails too.
   */
  alloc(npages: number, spanclass: number, elemsize: number, nelems: number, pp: { pcache: PageCache }): MSpan {
    if (this.unsweptSpans > 0) this.reclaim(npages);
    let base = -1;
    if (npages < pageCachePages / 4) {
      if (pp.pcache.isEmpty()) pp.pcache = this.pages.allocToCache();
      base = pp.pcache.alloc(npages);
    }
    if (base < 0) {
      base = this.pages.alloc(npages);
      if (base < 0) {
        this.grow(npages);
        base = this.pages.alloc(npages);
        if (base < 0) throw new Error('grew heap, but no adequate free space found');
      }
    }
    const s = new MSpan(this.nextSpanId++, base, npages, spanclass, elemsize, nelems);
    s.sweepgen = this.sweepgen;
    this.spans.add(s);
    this.spanAt[base] = s;
    this.countInUse(s, 1);
    return s;
  }

  /**
   * grow adds whole palloc chunks to the page allocator (mheap.grow). When the current arena
   * run is too short it reserves alignUp(ask, heapArenaBytes) more (sysAlloc); the runtime's
   * arena hints make that contiguous with the old run, so the leftover is kept, not wasted.
   */
  grow(npages: number): void {
    const chunk = this.rules.pallocChunkPages;
    const ask = Math.ceil(npages / chunk) * chunk;
    if (this.curArenaBase + ask > this.curArenaEnd) {
      const n = Math.ceil(ask / this.pagesPerArena);
      this.arenas += n;
      this.curArenaEnd += n * this.pagesPerArena;
    }
    const v = this.curArenaBase;
    this.curArenaBase += ask;
    this.pages.grow(v, ask);
    this.stats.heapGrows++;
  }

  /** freeSpan returns a span's pages to the page allocator (mheap.freeSpan). */
  freeSpan(s: MSpan): void {
    s.inUse = false;
    this.spans.delete(s);
    this.spanAt[s.basePage] = undefined;
    this.countInUse(s, -1);
    this.pages.free(s.basePage, s.npages);
  }

  /**
   * sweepSpan frees a span's unmarked objects (mspan.sweep). Without `preserve` an empty span
   * goes back to the heap and any other to its mcentral's swept full or partial set; with it
   * (mcentral.cacheSpan sweeping a span to use it) the caller keeps the span.
   */
  sweepSpan(s: MSpan, preserve = false): void {
    if (s.sweepgen === this.sweepgen - 2) this.unsweptSpans--;
    const nfreed = s.sweep();
    s.sweepgen = this.sweepgen;
    this.stats.frees[spanClassSizeClass(s.spanclass)]! += nfreed;
    if (preserve) return;
    if (s.allocCount === 0) {
      this.freeSpan(s);
      return;
    }
    const c = this.central[s.spanclass]!;
    if (s.allocCount === s.nelems) c.fullSwept(this.sweepgen).push(s);
    else c.partialSwept(this.sweepgen).push(s);
  }

  private countInUse(s: MSpan, sign: 1 | -1): void {
    const cp = this.rules.pallocChunkPages;
    const end = s.basePage + s.npages;
    for (let p = s.basePage; p < end;) {
      const ci = Math.floor(p / cp);
      const next = Math.min(end, (ci + 1) * cp);
      this.inUsePagesByChunk[ci] = (this.inUsePagesByChunk[ci] ?? 0) + sign * (next - p);
      p = next;
    }
  }

  /** needsSweep: the span is in use and has not been swept this cycle (sweepgen == h.sweepgen-2). */
  needsSweep(s: MSpan): boolean {
    return s.inUse && s.sweepgen === this.sweepgen - 2;
  }

  /**
   * sweepAll drains every unswept set in the order of mheap.nextSpanForSweep: per span class,
   * full then partial. Entries already swept elsewhere (by the reclaimer) are skipped, as the
   * runtime's tryAcquire does.
   */
  sweepAll(): void {
    if (this.unsweptSpans === 0) return;
    const sg = this.sweepgen;
    for (const c of this.central) {
      for (const set of [c.fullUnswept(sg), c.partialUnswept(sg)]) {
        for (let s = set.pop(); s; s = set.pop()) if (this.needsSweep(s)) this.sweepSpan(s);
      }
    }
  }

  /** startSweep: called at mark termination, after the mcaches are flushed. */
  startSweep(): void {
    let n = 0;
    for (const s of this.spans) if (s.sweepgen === this.sweepgen - 2) n++;
    this.unsweptSpans = n;
    this.reclaimIndex = 0;
  }

  /**
   * reclaim sweeps spans that have no marked object until npages pages are free, scanning the
   * heap in 512-page chunks from where the last call stopped (mheap.reclaim, reclaimChunk). It
   * runs before mheap.alloc takes pages while the sweep is not done.
   */
  reclaim(npages: number): void {
    const end = this.pages.endPage;
    let freed = 0;
    while (freed < npages && this.unsweptSpans > 0 && this.reclaimIndex < end) {
      const chunkEnd = Math.min(end, this.reclaimIndex + pagesPerReclaimerChunk);
      for (let p = this.reclaimIndex; p < chunkEnd;) {
        const s = this.spanAt[p];
        if (!s) {
          p++;
          continue;
        }
        p += s.npages;
        if (this.needsSweep(s) && s.markedCount === 0) {
          freed += s.npages;
          this.sweepSpan(s);
        }
      }
      this.reclaimIndex = chunkEnd;
    }
  }

  /** spansByAddress lists up to `max` in-use spans in address order, without sorting them all. */
  spansByAddress(max: number): MSpan[] {
    const out: MSpan[] = [];
    const end = this.pages.endPage;
    for (let p = 0; p < end && out.length < max;) {
      const s = this.spanAt[p];
      if (s) {
        out.push(s);
        p += s.npages;
      } else p++;
    }
    return out;
  }

  /** Pages managed by the page allocator (the grown-into part of the arenas). */
  get heapPages(): number {
    return this.pages.endPage;
  }
}
