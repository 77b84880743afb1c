// The simulator's report: the heap counted the way runtime/metrics and MemStats count it (the
// `simulate --json` contract, docs/architecture.md, contracts). The engine is heapsim.ts; this file only reads it.
import type { HeapSim } from './heapsim.ts';
import type { MHeap } from './mheap.ts';
import { numSizeClasses, pageSize, sizeClassToNPages, sizeClassToSize } from './sizeclasses.ts';
import { numSpanClasses } from './spanclass.ts';

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

/** What a report reads from a simulator: HeapSim's state, not its methods. */
export type SimState = Pick<
  HeapSim,
  'rules' | 'procs' | 'gogc' | 'sweep' | 'heap' | 'mcaches' | 'gc' | 'requestedObjects' | 'zeroSizeAllocs'
>;

/** The allocs-by-size layout: class c (1..67) at index c-1, large (class 0) at the end. */
function histogramLayout(bySizeClass: readonly number[]): number[] {
  return [...bySizeClass.slice(1), bySizeClass[0]!];
}

/** Sums over the in-use spans, indexed by span class (0/1: large objects). */
export interface SpanClassSums {
  readonly spans: Float64Array;
  /** Allocated slots (tiny: blocks; large: objects). */
  readonly objects: Float64Array;
  readonly freeSlots: Float64Array;
  readonly pages: Float64Array;
  /** What the program asked for in the allocated slots. */
  readonly requestBytes: Float64Array;
  /** Allocated slots × slot size. */
  readonly slotBytes: Float64Array;
  /** Free slots × slot size. */
  readonly freeBytes: Float64Array;
  /** Span bytes no slot can use: heap bits, inline mark bits, the tail after the last slot. */
  readonly reserveBytes: Float64Array;
}

/**
 * spanClassSums: one pass over the in-use spans. Hot on big heaps (the panel asks at every
 * step, then hands the same sums to the report and to its bytes-by-class chart): flat arrays,
 * plain fields, no getters.
 */
export function spanClassSums(heap: MHeap): SpanClassSums {
  const k = () => new Float64Array(numSpanClasses);
  const sums = {
    spans: k(),
    objects: k(),
    freeSlots: k(),
    pages: k(),
    requestBytes: k(),
    slotBytes: k(),
    freeBytes: k(),
    reserveBytes: k(),
  };
  for (const s of heap.spans) {
    const spc = s.spanclass;
    const n = s.allocCount;
    const free = s.nelems - n;
    sums.spans[spc]!++;
    sums.objects[spc]! += n;
    sums.freeSlots[spc]! += free;
    sums.pages[spc]! += s.npages;
    sums.requestBytes[spc]! += s.liveRequestBytes + s.garbageRequestBytes;
    sums.slotBytes[spc]! += n * s.elemsize;
    sums.freeBytes[spc]! += free * s.elemsize;
    sums.reserveBytes[spc]! += s.npages * pageSize - s.nelems * s.elemsize;
  }
  return sums;
}

/** simulationReport counts the heap as it is now (`sums`: spanClassSums of the heap now, when the caller has them). */
export function simulationReport(sim: SimState, sums: SpanClassSums = spanClassSums(sim.heap)): SimulationReport {
  const heap = sim.heap;
  let pages = 0;
  let allocBytes = 0;
  let objects = 0;
  let internal = 0;
  let external = 0;
  let reserve = 0;
  for (let spc = 0; spc < numSpanClasses; spc++) {
    if (sums.spans[spc] === 0) continue;
    pages += sums.pages[spc]!;
    allocBytes += sums.slotBytes[spc]!;
    objects += sums.objects[spc]!;
    internal += sums.slotBytes[spc]! - sums.requestBytes[spc]!;
    if (spc < 2) continue;
    external += sums.freeBytes[spc]!;
    reserve += sums.reserveBytes[spc]!;
  }
  const large = {
    scan: { objects: sums.objects[0]!, pages: sums.pages[0]! },
    noscan: { objects: sums.objects[1]!, pages: sums.pages[1]! },
  };
  const largeObjects = large.scan.objects + large.noscan.objects;
  const largePages = large.scan.pages + large.noscan.pages;
  const counts = (spc: number): ClassCounts => ({ spans: sums.spans[spc]!, objects: sums.objects[spc]!, freeSlots: sums.freeSlots[spc]! });
  const bySizeClass: SizeClassReport[] = [];
  for (let sc = 1; sc < numSizeClasses; sc++) {
    const scan = counts(sc << 1);
    const noscan = counts((sc << 1) | 1);
    if (scan.spans + noscan.spans === 0) continue;
    bySizeClass.push({
      sizeClass: sc,
      slotBytes: sizeClassToSize[sc]!,
      npages: sizeClassToNPages[sc]!,
      spans: scan.spans + noscan.spans,
      objects: scan.objects + noscan.objects,
      freeSlots: scan.freeSlots + noscan.freeSlots,
      scan,
      noscan,
    });
  }
  let unflushedTiny = 0;
  let cachedPages = 0;
  for (const c of sim.mcaches) {
    unflushedTiny += c.tinyAllocs;
    cachedPages += c.pcache.freeCount;
  }
  return {
    goVersion: sim.rules.goVersion,
    arch: sim.rules.arch,
    procs: sim.procs,
    gogc: sim.gogc,
    sweep: sim.sweep,
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
    heapGoalBytes: sim.gogc === 'off' ? null : Math.round(sim.gc.heapGoal),
    heapMarkedBytes: sim.gc.heapMarked,
    requestedObjects: sim.requestedObjects,
    zeroSizeAllocs: sim.zeroSizeAllocs,
  };
}
