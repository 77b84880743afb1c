// GC cycles: when a collection starts (the pacer) and what mark termination and
// sweeping do to spans. Mirrors runtime/mgc.go, mgcpacer.go and mgcsweep.go in the
// parts that change where objects live. See malloc.ts for the allocator overview.
//
// Marking is not simulated: the workload says which objects stay reachable (`keep`),
// and each span already counts them (mspan.ts liveCount). A cycle is instantaneous,
// as if the world stopped at the allocation that triggered it. An explicit cycle
// ({gc: true}, runtime.GC()) sweeps every span before returning. After an automatic
// cycle the simulator either does the same (sweep "full", the default: the background
// sweeper finished before the next allocation) or sweeps lazily (sweep "lazy": no
// background sweeper, so spans are swept only by mcentral.cacheSpan, by the page
// reclaimer in mheap.alloc, and by the next cycle's finishsweep). Proportional sweeping
// (deductSweepCredit) is not modelled.
import type { MCache } from './mcache.ts';
import type { MHeap } from './mheap.ts';
import { pageSize } from './sizeclasses.ts';

/** heapMinimum at GOGC=100 (runtime/mgcpacer.go defaultHeapMinimum): 4 MiB. */
export const defaultHeapMinimumBytes = 4 << 20;

/**
 * The pacer, simplified: a cycle starts when heapLive reaches the goal
 * max(4 MiB·GOGC/100, heapMarked·(1+GOGC/100)). The runtime triggers somewhat before
 * the goal (a trigger ratio fitted each cycle) and lets a memory limit lower it;
 * neither is modelled. heapLive moves like the runtime's: a refill counts the whole
 * free part of the new span at once, a large object its pages, and mark termination
 * resets it to the bytes marked.
 */
export class GCController {
  readonly gogc: number | 'off';
  heapLive = 0;
  heapMarked = 0;
  heapGoal: number;

  constructor(gogc: number | 'off') {
    this.gogc = gogc;
    this.heapGoal = this.goalFor(0);
  }

  private goalFor(marked: number): number {
    if (this.gogc === 'off') return Infinity;
    return Math.max((defaultHeapMinimumBytes * this.gogc) / 100, marked * (1 + this.gogc / 100));
  }

  /** gcTrigger{kind: gcTriggerHeap}.test(), checked after an allocation that refilled or was large. */
  test(): boolean {
    return this.heapLive >= this.heapGoal;
  }

  endCycle(marked: number): void {
    this.heapMarked = marked;
    this.heapLive = marked;
    this.heapGoal = this.goalFor(marked);
  }
}

/**
 * gcCycle runs one collection. It first finishes the previous cycle's sweep (finishsweep_m).
 * Marking greys each P's current tiny block whatever the workload says about its objects
 * (gcMarkTinyAllocs, mgcmark.go), so that block survives this cycle and is garbage again in the
 * next. Mark termination bumps sweepgen by 2 (every mcentral's swept sets become unswept),
 * flushes every mcache (releaseAll, which drops the tiny blocks) and the page caches of idle
 * Ps — every P but `runningP`. With `sweepNow` every span is then swept, as runtime.GC() does;
 * otherwise spans wait for an mcentral or the page reclaimer to sweep them (lazy sweeping).
 */
export function gcCycle(heap: MHeap, mcaches: readonly MCache[], runningP: number, gc: GCController, sweepNow: boolean): void {
  heap.sweepAll();
  for (const c of mcaches) {
    if (c.tinySpan && !c.tinyBlockLive) {
      c.tinySpan.heldThisCycle++;
      c.tinySpan.heldRequestBytes += c.tinyBlockRequestBytes;
    }
  }
  let marked = 0;
  for (const s of heap.spans) marked += s.markedCount * s.elemsize;
  heap.sweepgen += 2;
  for (const c of mcaches) c.releaseAll(heap);
  for (const c of mcaches) if (c.p !== runningP) c.pcache.flush(heap.pages);
  heap.startSweep();
  if (sweepNow) heap.sweepAll();
  heap.stats.gcCycles++;
  gc.endCycle(marked);
}

/** heapLive's increase when an mcache caches `s` (mcache.refill: the whole unallocated part of the span). */
export function refillHeapLiveBytes(npages: number, allocCount: number, elemsize: number): number {
  return npages * pageSize - allocCount * elemsize;
}
