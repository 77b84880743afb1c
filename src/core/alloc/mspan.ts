// mspan: a run of pages holding objects of one span class. Mirrors the fields of
// runtime/mheap.go mspan that decide placement and accounting. See malloc.ts for the
// allocator overview and heapsim.ts for how the simulator batches objects.
import { nelems as nelemsFor } from './malloc.ts';
import { pageSize, sizeClassToNPages, sizeClassToSize } from './sizeclasses.ts';
import { spanClassNoscan, spanClassSizeClass } from './spanclass.ts';
import type { AllocatorRules } from './versions.ts';

/**
 * The simulator never materialises objects: a span only counts them. `allocCount` is the
 * runtime's field; `liveCount` is how many of those slots the next mark will find reachable
 * (the workload's `keep` lifetimes), so sweeping is `allocCount = liveCount`.
 */
export class MSpan {
  /** Creation order: stable identity for snapshots and tests. */
  readonly id: number;
  /** First page, counted from the start of the simulated heap (page 0 = first arena's base). */
  readonly basePage: number;
  readonly npages: number;
  readonly spanclass: number;
  /** Class size, or npages*8192 for a large span (mheap.initSpan). */
  readonly elemsize: number;
  readonly nelems: number;
  allocCount = 0;
  liveCount = 0;
  /** allocCount when the span entered an mcache (mcache.refill), for the published-stats delta. */
  allocCountBeforeCache = 0;
  /** Relative to mheap.sweepgen like the runtime: -2 unswept, 0 swept, +1 cached before sweep, +3 swept and cached. */
  sweepgen = 0;
  /** Bytes the program asked for, split by the fate the workload gave the objects. */
  liveRequestBytes = 0;
  garbageRequestBytes = 0;
  /**
   * Garbage slots the current cycle marked anyway, and their request bytes: a P's tiny block
   * (gcMarkTinyAllocs) and objects allocated black during the mark (gcmarknewobject). They
   * survive this cycle's sweep and are garbage again afterwards.
   */
  heldThisCycle = 0;
  heldRequestBytes = 0;
  inUse = true;

  constructor(id: number, basePage: number, npages: number, spanclass: number, elemsize: number, nelems: number) {
    this.id = id;
    this.basePage = basePage;
    this.npages = npages;
    this.spanclass = spanclass;
    this.elemsize = elemsize;
    this.nelems = nelems;
  }

  get sizeclass(): number {
    return spanClassSizeClass(this.spanclass);
  }

  get noscan(): boolean {
    return spanClassNoscan(this.spanclass);
  }

  get freeSlots(): number {
    return this.nelems - this.allocCount;
  }

  /** Bytes of the span that can never hold an object: heap bits, inline mark bits, tail. */
  get reserveBytes(): number {
    return this.npages * pageSize - this.nelems * this.elemsize;
  }

  /**
   * take counts `slots` slots of this span as allocated, holding objects the program asked
   * `requestBytes` for in all (a tiny block's slot holds several objects). `keep`: the
   * workload keeps them reachable; `black`: allocated during a mark phase, so marked this
   * cycle even if not kept (gc.ts). The one place a span's allocation is accounted.
   */
  take(slots: number, requestBytes: number, keep: boolean, black = false): void {
    this.allocCount += slots;
    if (keep) {
      this.liveCount += slots;
      this.liveRequestBytes += requestBytes;
    } else {
      this.garbageRequestBytes += requestBytes;
      if (black) {
        this.heldThisCycle += slots;
        this.heldRequestBytes += requestBytes;
      }
    }
  }

  /**
   * sweep frees the slots the mark did not reach (mspan.sweep in mgcsweep.go) and returns how
   * many it freed. Liveness is permanent in the workload model, so survivors stay live.
   */
  sweep(): number {
    const survivors = this.liveCount + this.heldThisCycle;
    const nfreed = this.allocCount - survivors;
    this.allocCount = survivors;
    this.garbageRequestBytes = this.heldRequestBytes;
    this.heldThisCycle = 0;
    this.heldRequestBytes = 0;
    return nfreed;
  }

  /** Slots the last mark found reachable. */
  get markedCount(): number {
    return this.liveCount + this.heldThisCycle;
  }
}

/** initSpan's geometry for a small span class: pages and objects per span (mheap.initSpan). */
export function smallSpanGeometry(spanclass: number, rules: AllocatorRules): { npages: number; elemsize: number; nelems: number } {
  const sc = spanClassSizeClass(spanclass);
  return { npages: sizeClassToNPages[sc]!, elemsize: sizeClassToSize[sc]!, nelems: nelemsFor(sc, spanClassNoscan(spanclass), rules) };
}
