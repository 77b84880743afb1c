// The simulator's report: the heap counted the way runtime/metrics and MemStats count it (the
// `simulate --json` contract, design.md §4). The engine is heapsim.ts; this file only reads it.
import type { GCController } from './gc.ts';
import type { MCache } from './mcache.ts';
import type { MHeap } from './mheap.ts';
import { numSizeClasses, pageSize, sizeClassToNPages, sizeClassToSize } from './sizeclasses.ts';
import type { AllocatorRules } from './versions.ts';

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

/** The `simulate --json` output (design.md §4). Counts cover the workload on a fresh heap. */
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

/** What a report reads from a simulator (HeapSim is one). */
export interface SimState {
  readonly rules: AllocatorRules;
  readonly procs: number;
  readonly gogc: number | 'off';
  readonly sweep: 'full' | 'lazy';
  readonly heap: MHeap;
  readonly mcaches: readonly MCache[];
  readonly gc: GCController;
  /** Objects the workload asked for so far, including tiny and zero-size ones. */
  readonly requestedObjects: number;
  readonly zeroSizeAllocs: number;
}

/** The allocs-by-size layout: class c (1..67) at index c-1, large (class 0) at the end. */
function histogramLayout(bySizeClass: readonly number[]): number[] {
  return [...bySizeClass.slice(1), bySizeClass[0]!];
}

/** simulationReport counts the heap as it is now. */
export function simulationReport(sim: SimState): SimulationReport {
  const heap = sim.heap;
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
