// The heap simulator: replays a workload through mcache → mcentral → mheap and reports
// what runtime/metrics and MemStats would show. See malloc.ts for the allocator overview;
// the structures live in mcache.ts, mcentral.ts, mheap.ts, pagealloc.ts, mspan.ts and gc.ts.
//
// Cost is O(spans), not O(objects): an op of 10,000,000 objects fills spans a whole span at
// a time, and objects exist only as counts on their span. That is exact because objects of
// one op are interchangeable: which slot an object takes never changes which span it is in,
// only the order spans are filled in does, and that order is the runtime's (the mcache's
// current span, then mcentral's swept partial spans oldest first, then fresh ones). Tiny
// objects use mallocgcTiny's packing in closed form (mcache.ts tinyPlan).
//
// Objects of one op run on one P; ops without an explicit `p` take the Ps round-robin.
// A GC runs on the P that triggered it (an explicit {gc: true} op: the last P that allocated).
import { gcCycle, GCController, gcMarkTermination, gcStart, refillHeapLiveBytes } from './gc.ts';
import { classify } from './malloc.ts';
import { MCache, tinyBlockReplaces, tinyObjectsInBlocks, tinyOffsetAfter, tinyPlan } from './mcache.ts';
import { MHeap } from './mheap.ts';
import type { MSpan } from './mspan.ts';
import { numSizeClasses, pageSize, sizeClassToNPages, sizeClassToSize } from './sizeclasses.ts';
import { spanClassSizeClass, tinySpanClass } from './spanclass.ts';
import { ModelInputError, type AllocatorRules } from './versions.ts';
import { isAllocOp, maxProcs, type Workload, type WorkloadOp } from './workload.ts';

export interface HeapSimOptions {
  /** GOMAXPROCS: one mcache and page cache per P. Default 1. */
  readonly procs?: number;
  /** GOGC: "off" or a percentage. Default 100. */
  readonly gogc?: number | 'off';
  /**
   * After an automatic GC: sweep every span at once ("full", the default) or leave them for
   * mcentral.cacheSpan and the page reclaimer ("lazy"; gc.ts). Explicit GCs always sweep fully.
   */
  readonly sweep?: 'full' | 'lazy';
  /** Stack and global bytes the GC scans, which GOGC applies to as well (gc.ts PacerOptions). Default 0. */
  readonly rootsBytes?: number;
  /** Where the trigger sits between the pacer's bounds, 0 (default) to 1 (gc.ts PacerOptions). */
  readonly triggerPosition?: number;
}

export interface ClassCounts {
  readonly spans: number;
  /** Allocated slots (tiny: blocks). */
  readonly objects: number;
  readonly freeSlots: number;
}

export interface LargeCounts {
  readonly objects: number;
  readonly pages: number;
}

export interface SizeClassReport extends ClassCounts {
  readonly sizeClass: number;
  readonly slotBytes: number;
  readonly npages: number;
  readonly scan: ClassCounts;
  readonly noscan: ClassCounts;
}

/** The `simulate --json` output (docs/architecture.md, contracts). Counts cover the workload on a fresh heap. */
export interface SimulationReport {
  readonly goVersion: string;
  readonly arch: string;
  readonly procs: number;
  readonly gogc: number | 'off';
  readonly sweep: 'full' | 'lazy';
  /** MemStats.HeapInuse: bytes of in-use spans. */
  readonly heapInuseBytes: number;
  readonly spansInUse: number;
  readonly pagesInUse: number;
  /** MemStats.HeapAlloc: bytes of allocated slots (tiny blocks whole, large objects' pages). */
  readonly heapAllocBytes: number;
  /** MemStats.HeapObjects, counting a tiny block as one object. */
  readonly heapObjects: number;
  readonly largeObjects: number;
  readonly largePages: number;
  /** Large objects by span class: 0 scan, 1 noscan. */
  readonly large: { readonly scan: LargeCounts; readonly noscan: LargeCounts };
  /** Small size classes with at least one in-use span, ascending. */
  readonly bySizeClass: readonly SizeClassReport[];
  /** /gc/heap/tiny/allocs:objects: tiny objects packed into an existing block. */
  readonly tinyAllocs: number;
  /**
   * Cumulative allocations laid out like /gc/heap/allocs-by-size:bytes Counts: index i is size
   * class i+1 (i = 0..66; tiny blocks count in index 1, class 2), index 67 is every large object.
   */
  readonly allocsBySizeClass: readonly number[];
  /** Frees by sweeping, laid out like allocsBySizeClass (/gc/heap/frees-by-size:bytes). */
  readonly freesBySizeClass: readonly number[];
  readonly mcacheRefills: number;
  readonly heapGrows: number;
  readonly arenas: number;
  /** Bytes the page allocator manages (grown into), in use or not. */
  readonly heapSysBytes: number;
  /** Allocated slot bytes the program did not ask for: class rounding, malloc headers, tiny block padding, large pages' tail. */
  readonly internalWasteBytes: number;
  /** Free slots in in-use small spans. */
  readonly externalFreeBytes: number;
  /** Bytes of in-use small spans that never hold objects: heap bits, Green Tea mark bits, tail. */
  readonly spanReserveBytes: number;
  readonly freePages: number;
  readonly largestFreeRunPages: number;
  /** Free pages sitting in Ps' page caches (allocated as far as the page allocator knows). */
  readonly pageCachedPages: number;
  readonly gcCycles: number;
  /** Spans the current cycle has not swept yet (only with lazy sweeping). */
  readonly unsweptSpans: number;
  /** The pacer's goal (null with GOGC=off). */
  readonly heapGoalBytes: number | null;
  readonly heapMarkedBytes: number;
  /** Objects the workload asked for, including tiny and zero-size ones. */
  readonly requestedObjects: number;
  readonly zeroSizeAllocs: number;
}

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

/** Plain JSON data for the webview; lists are capped so a huge heap serializes fast. */
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

/** One step of `HeapSim.steps`: which op ran and how far it is. */
export interface SimStep {
  readonly opIndex: number;
  readonly objectsDone: number;
  readonly objectsTotal: number;
}

/** The allocs-by-size layout: class c (1..67) at index c-1, large (class 0) at the end. */
function histogramLayout(bySizeClass: readonly number[]): number[] {
  return [...bySizeClass.slice(1), bySizeClass[0]!];
}

export class HeapSim {
  readonly rules: AllocatorRules;
  readonly procs: number;
  readonly gogc: number | 'off';
  readonly sweep: 'full' | 'lazy';
  readonly heap: MHeap;
  readonly mcaches: readonly MCache[];
  readonly gc: GCController;
  private nextP = 0;
  private lastP = 0;
  private requestedObjects = 0;
  private zeroSizeAllocs = 0;

  constructor(rules: AllocatorRules, opts: HeapSimOptions = {}) {
    const procs = opts.procs ?? 1;
    if (!Number.isInteger(procs) || procs < 1 || procs > maxProcs) throw new ModelInputError(`procs must be 1..${maxProcs}, got ${procs}`);
    const gogc = opts.gogc ?? 100;
    if (gogc !== 'off' && !(gogc > 0 && Number.isFinite(gogc)))
      throw new ModelInputError(`gogc must be "off" or a positive number, got ${gogc}`);
    this.rules = rules;
    this.procs = procs;
    this.gogc = gogc;
    this.sweep = opts.sweep ?? 'full';
    if (this.sweep !== 'full' && this.sweep !== 'lazy')
      throw new ModelInputError(`sweep must be "full" or "lazy", got ${String(this.sweep)}`);
    this.heap = new MHeap(rules);
    this.mcaches = Array.from({ length: procs }, (_, p) => new MCache(p));
    const rootsBytes = opts.rootsBytes ?? 0;
    if (!(rootsBytes >= 0 && Number.isFinite(rootsBytes)))
      throw new ModelInputError(`rootsBytes must be a number of bytes ≥ 0, got ${rootsBytes}`);
    const triggerPosition = opts.triggerPosition ?? 0;
    if (!(triggerPosition >= 0 && triggerPosition <= 1)) throw new ModelInputError(`triggerPosition must be 0..1, got ${triggerPosition}`);
    this.gc = new GCController({ gogc, rootsBytes, triggerPosition });
  }

  /** apply runs one op to completion. */
  apply(op: WorkloadOp): void {
    for (const _ of this.steps([op], Infinity)) {
      /* drain */
    }
  }

  /**
   * steps runs ops, pausing (yielding) after each gc op and after every `maxObjectsPerStep`
   * objects of an alloc op. Splitting never changes the outcome: sub-batches of an op run on
   * the same P, and the batched allocator is exact at any split point.
   */
  *steps(ops: readonly WorkloadOp[], maxObjectsPerStep = Infinity): Generator<SimStep, void, void> {
    if (!(maxObjectsPerStep >= 1) || !(Number.isInteger(maxObjectsPerStep) || maxObjectsPerStep === Infinity)) {
      throw new ModelInputError(`maxObjectsPerStep must be a whole number ≥ 1, got ${maxObjectsPerStep}`);
    }
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (!isAllocOp(op)) {
        gcCycle(this.heap, this.mcaches, this.lastP, this.gc, this.sweep === 'full');
        yield { opIndex: i, objectsDone: 0, objectsTotal: 0 };
        continue;
      }
      const a = op.alloc;
      // Ops normally come through validateWorkload; these checks keep a hand-built op from corrupting counts.
      if (!Number.isSafeInteger(a.count) || a.count < 0)
        throw new ModelInputError(`ops[${i}].alloc.count: expected a whole number ≥ 0, got ${a.count}`);
      if (typeof a.pointers !== 'boolean' || typeof a.keep !== 'boolean') {
        throw new ModelInputError(`ops[${i}].alloc: pointers and keep must be true or false`);
      }
      const p = a.p ?? this.nextP;
      if (p < 0 || p >= this.procs || !Number.isInteger(p))
        throw new ModelInputError(`ops[${i}].alloc.p: no P ${p} (procs = ${this.procs})`);
      if (a.p === undefined) this.nextP = (this.nextP + 1) % this.procs;
      this.lastP = p;
      let done = 0;
      do {
        const n = Math.min(a.count - done, maxObjectsPerStep);
        this.malloc(p, a.bytes, a.pointers, n, a.keep);
        done += n;
        yield { opIndex: i, objectsDone: done, objectsTotal: a.count };
      } while (done < a.count);
    }
  }

  /** malloc allocates `count` objects of `bytes` on P `p` (mallocgc, batched). */
  malloc(p: number, bytes: number, pointers: boolean, count: number, keep: boolean): void {
    const pred = classify({ bytes, pointers }, this.rules);
    const c = this.mcaches[p]!;
    this.requestedObjects += count;
    switch (pred.kind) {
      case 'zero':
        this.zeroSizeAllocs += count;
        return;
      case 'tiny':
        this.mallocTiny(c, bytes, count, keep);
        return;
      case 'small':
        this.mallocSmall(c, pred.spanClass, count, (s, _first, take, black) => s.take(take, bytes, keep, black));
        return;
      case 'large':
        for (let i = 0; i < count; i++) {
          // mallocgc charges the assist before it allocates (deductAssistCredit): an object that
          // would take heapLive to the goal asks for at least all the mark work left, so the assist
          // finishes the mark (gcMarkDone) and the object is allocated after mark termination.
          if (this.gc.marking && this.gc.heapLive + pred.npages * pageSize >= this.gc.markEnd) {
            gcMarkTermination(this.heap, this.mcaches, c.p, this.gc, this.sweep === 'full');
          }
          const s = c.allocLarge(this.heap, bytes, !pointers);
          this.heap.stats.allocs[0]!++;
          this.gc.heapLive += s.npages * pageSize;
          // An object allocated during the mark is black; so is the one whose allocation starts it (gc.ts).
          const event = this.gc.due();
          s.take(1, bytes, keep, this.gc.marking || event);
          if (event) this.pacerEvent(c.p);
        }
        return;
      default:
        throw new Error(`unexpected prediction kind ${pred.kind}`);
    }
  }

  /**
   * mallocSmall takes n slots of span class spc from c, a span at a time; `account` records
   * `take` slots starting at the batch's object `first` in span s (`black`: marked this cycle,
   * allocated during a mark or starting one; `gcAfter`: this one object brought a pacer event). After a refill the pacer is asked,
   * as mallocgc does when nextFree refilled; a cycle then starts or ends right after that one
   * object. With `stopAtGC` it returns right after such an event.
   */
  private mallocSmall(
    c: MCache,
    spc: number,
    n: number,
    account: (s: MSpan, first: number, take: number, black: boolean, gcAfter: boolean) => void,
    stopAtGC = false,
  ): void {
    const sc = spanClassSizeClass(spc);
    let done = 0;
    while (done < n) {
      let s = c.alloc[spc];
      let refilled = false;
      if (!s || s.allocCount === s.nelems) {
        s = c.refill(this.heap, spc);
        this.gc.heapLive += refillHeapLiveBytes(s.npages, s.allocCount, s.elemsize);
        refilled = true;
      }
      const gcNow = refilled && this.gc.due();
      const take = gcNow ? 1 : Math.min(n - done, s.nelems - s.allocCount);
      account(s, done, take, this.gc.marking || gcNow, gcNow);
      this.heap.stats.allocs[sc]! += take;
      done += take;
      if (gcNow) {
        this.pacerEvent(c.p);
        if (stopAtGC) return;
      }
    }
  }

  /** pacerEvent: heapLive reached the trigger (a cycle starts) or, during a mark, the goal (it ends), on P p. */
  private pacerEvent(p: number): void {
    if (this.gc.marking) gcMarkTermination(this.heap, this.mcaches, p, this.gc, this.sweep === 'full');
    else gcStart(this.heap, this.mcaches, this.gc, false);
  }

  /** mallocTiny packs n noscan objects of `size` (1..15 B) into 16 B blocks (mallocgcTiny, batched). */
  private mallocTiny(c: MCache, size: number, n: number, keep: boolean): void {
    let left = n;
    while (left > 0) {
      const plan = tinyPlan({ hasBlock: c.tinySpan !== null, offset: c.tinyoffset }, size, left, this.rules.ptrSize);
      if (plan.packedIntoCurrent > 0) {
        const s = c.tinySpan!;
        const bytes = plan.packedIntoCurrent * size;
        if (keep && !c.tinyBlockLive) {
          // A kept object keeps its whole block alive.
          c.tinyBlockLive = true;
          s.liveCount++;
          s.garbageRequestBytes -= c.tinyBlockRequestBytes;
          s.liveRequestBytes += c.tinyBlockRequestBytes;
          if (c.tinyBlockHeld) {
            c.tinyBlockHeld = false;
            s.heldThisCycle--;
            s.heldRequestBytes -= c.tinyBlockRequestBytes;
          }
        }
        if (c.tinyBlockLive) s.liveRequestBytes += bytes;
        else s.garbageRequestBytes += bytes;
        if (c.tinyBlockHeld) s.heldRequestBytes += bytes;
        c.tinyBlockRequestBytes += bytes;
        c.tinyAllocs += plan.packedIntoCurrent;
        c.tinyoffset = plan.offset;
      }
      left -= plan.packedIntoCurrent;
      if (plan.newBlocks === 0) return;
      const totalNew = left;
      let objects = 0;
      // Stops after a GC, which resets the tiny block: the rest then starts afresh.
      this.mallocSmall(
        c,
        tinySpanClass,
        plan.newBlocks,
        (s, first, take, black, gcAfter) => {
          // The block that brings a pacer event holds only the object that took it; the plan
          // starts afresh after the event (mark termination drops the tiny block, gcStart greys it).
          const objs = gcAfter ? 1 : tinyObjectsInBlocks(plan, totalNew, first, take);
          objects += objs;
          s.allocCount += take;
          if (keep) {
            s.liveCount += take;
            s.liveRequestBytes += objs * size;
          } else {
            s.garbageRequestBytes += objs * size;
            if (black) {
              s.heldThisCycle += take;
              s.heldRequestBytes += objs * size;
            }
          }
          c.tinyAllocs += objs - take;
          // mallocgcTiny adopts a replacing block as soon as it takes it, so a GC later in this
          // batch (gcMarkTinyAllocs) sees the right block.
          const adopted = plan.objectsPerNewBlock >= 2 ? first + take - 1 : 0;
          if (adopted >= first && adopted < first + take && tinyBlockReplaces(plan, adopted)) {
            const inBlock = gcAfter ? 1 : tinyObjectsInBlocks(plan, totalNew, adopted, 1);
            c.tinySpan = s;
            c.tinyoffset = tinyOffsetAfter(inBlock, size, this.rules.ptrSize);
            c.tinyBlockLive = keep;
            c.tinyBlockHeld = black && !keep;
            c.tinyBlockRequestBytes = inBlock * size;
          }
        },
        true,
      );
      left -= objects;
    }
  }

  /** report counts the heap as it is now (the simulate --json contract). */
  report(): SimulationReport {
    const heap = this.heap;
    type Counts = { spans: number; objects: number; freeSlots: number };
    const perClass = Array.from({ length: numSizeClasses }, (): [Counts, Counts] => [
      { spans: 0, objects: 0, freeSlots: 0 },
      { spans: 0, objects: 0, freeSlots: 0 },
    ]);
    let pages = 0;
    let allocBytes = 0;
    let objects = 0;
    let largeObjects = 0;
    let largePages = 0;
    const large = { scan: { objects: 0, pages: 0 }, noscan: { objects: 0, pages: 0 } };
    let internal = 0;
    let external = 0;
    let reserve = 0;
    // Hot on big heaps (the panel asks every step): plain fields only, no getters.
    for (const s of heap.spans) {
      const n = s.allocCount;
      const slotBytes = n * s.elemsize;
      pages += s.npages;
      allocBytes += slotBytes;
      objects += n;
      internal += slotBytes - s.liveRequestBytes - s.garbageRequestBytes;
      const spc = s.spanclass;
      if (spc < 2) {
        largeObjects += n;
        largePages += s.npages;
        const l = spc === 1 ? large.noscan : large.scan;
        l.objects += n;
        l.pages += s.npages;
        continue;
      }
      const free = s.nelems - n;
      external += free * s.elemsize;
      reserve += s.npages * pageSize - s.nelems * s.elemsize;
      const k = perClass[spc >> 1]![spc & 1]!;
      k.spans++;
      k.objects += n;
      k.freeSlots += free;
    }
    const bySizeClass: SizeClassReport[] = [];
    for (let sc = 1; sc < numSizeClasses; sc++) {
      const [scan, noscan] = perClass[sc]!;
      if (scan.spans + noscan.spans === 0) continue;
      bySizeClass.push({
        sizeClass: sc,
        slotBytes: sizeClassToSize[sc]!,
        npages: sizeClassToNPages[sc]!,
        spans: scan.spans + noscan.spans,
        objects: scan.objects + noscan.objects,
        freeSlots: scan.freeSlots + noscan.freeSlots,
        scan: { ...scan },
        noscan: { ...noscan },
      });
    }
    let unflushedTiny = 0;
    let cachedPages = 0;
    for (const c of this.mcaches) {
      unflushedTiny += c.tinyAllocs;
      cachedPages += c.pcache.freeCount;
    }
    return {
      goVersion: this.rules.goVersion,
      arch: this.rules.arch,
      procs: this.procs,
      gogc: this.gogc,
      sweep: this.sweep,
      heapInuseBytes: pages * pageSize,
      spansInUse: heap.spans.size,
      pagesInUse: pages,
      heapAllocBytes: allocBytes,
      heapObjects: objects,
      largeObjects,
      largePages,
      large,
      bySizeClass,
      tinyAllocs: heap.stats.tinyAllocs + unflushedTiny,
      allocsBySizeClass: histogramLayout(heap.stats.allocs),
      freesBySizeClass: histogramLayout(heap.stats.frees),
      mcacheRefills: heap.stats.mcacheRefills,
      heapGrows: heap.stats.heapGrows,
      arenas: heap.arenas,
      heapSysBytes: heap.heapPages * pageSize,
      internalWasteBytes: internal,
      externalFreeBytes: external,
      spanReserveBytes: reserve,
      freePages: heap.pages.freePages(),
      largestFreeRunPages: heap.pages.largestFreeRun(),
      pageCachedPages: cachedPages,
      gcCycles: heap.stats.gcCycles,
      unsweptSpans: heap.unsweptSpans,
      heapGoalBytes: this.gogc === 'off' ? null : Math.round(this.gc.heapGoal),
      heapMarkedBytes: this.gc.heapMarked,
      requestedObjects: this.requestedObjects,
      zeroSizeAllocs: this.zeroSizeAllocs,
    };
  }

  /** snapshot: the heap as plain JSON-able data for the webview, with capped lists. */
  snapshot(limits: SnapshotLimits = {}): HeapSnapshot {
    const maxSpans = limits.maxSpans ?? 4096;
    const maxChunks = limits.maxChunks ?? 1024;
    const heap = this.heap;
    const cachedBy = new Map<MSpan, number>();
    for (const c of this.mcaches) for (const s of c.alloc) if (s) cachedBy.set(s, c.p);

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

    const mcaches: MCacheView[] = this.mcaches.map((c) => ({
      p: c.p,
      spans: c.alloc.flatMap((s, spc) => (s ? [{ spanClass: spc, spanId: s.id, allocCount: s.allocCount, nelems: s.nelems }] : [])),
      tiny: { active: c.tinySpan !== null, spanId: c.tinySpan?.id ?? -1, offset: c.tinyoffset, unflushedTinyAllocs: c.tinyAllocs },
      pageCache: { basePage: c.pcache.basePage, freePages: c.pcache.freeCount },
    }));
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
    return {
      sweepgen: sg,
      report: this.report(),
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
}

/** simulate runs a whole workload on a fresh heap and reports the end state. */
export function simulate(w: Workload): SimulationReport {
  const sim = new HeapSim(w.rules, { procs: w.procs, gogc: w.gogc, sweep: w.sweep ?? 'full' });
  for (const _ of sim.steps(w.ops)) {
    /* run to the end */
  }
  return sim.report();
}
