// GC cycles: when a collection starts and ends (the pacer) and what mark termination and
// sweeping do to spans. Mirrors runtime/mgc.go, mgcpacer.go and mgcsweep.go in the parts
// that change where objects live; the pacer rules are the same in go1.21–go1.27 (read at
// go1.21.0, go1.26.8 and go1.27 source). See malloc.ts for the allocator overview.
//
// Marking itself is not simulated: the workload says which objects stay reachable (`keep`),
// and each span already counts them (mspan.ts liveCount). A cycle has the runtime's two
// halves. gcStart (the pacer's trigger) finishes the previous sweep and greys every P's
// tiny block (gcMarkTinyAllocs); from then on every allocation is black (gcmarknewobject:
// marked and counted in bytesMarked, so it survives this cycle whatever the workload says).
// The object whose allocation started the cycle counts as marked too: the program holds it
// when the cycle starts (on the bench trace the runtime kept such 32 MiB objects in about 6
// of 10 cycles; dropping them instead left the simulator with 20 % more cycles than the
// runtime, keeping them 7 % fewer). Mark termination comes when heapLive reaches the goal,
// the point the pacer paces the mark to finish at; a large object that would take heapLive
// there is allocated after it, because mallocgc charges its assist first and an assist that
// large finishes the mark. The runtime ends the mark when the work is done, so where it
// really ends is a matter of CPU time: measured on go1.21–1.27 under GOMAXPROCS=1 it ends at
// 0.95–1.0 of the goal (median) with occasional overshoots (test/fidelity/README.md, pacer).
// An explicit cycle ({gc: true}, runtime.GC()) first ends a cycle in progress, then runs a
// whole one with no allocation in it and sweeps every span before returning. After an
// automatic cycle the simulator either sweeps everything at once (sweep "full", the default:
// the background sweeper finished before the next allocation) or sweeps lazily (sweep
// "lazy": spans are swept only by mcentral.cacheSpan, by the page reclaimer in mheap.alloc,
// and by the next cycle's finishsweep). Proportional sweeping (deductSweepCredit) is not
// modelled.
import type { MCache } from './mcache.ts';
import type { MHeap } from './mheap.ts';
import { pageSize } from './sizeclasses.ts';

/** heapMinimum at GOGC=100 (runtime/mgcpacer.go defaultHeapMinimum): 4 MiB. */
export const defaultHeapMinimumBytes = 4 << 20;
/** mgc.go sweepMinHeapDistance: the sweeper's runway, a floor under the trigger set at mark termination. */
const sweepMinHeapDistanceBytes = 1 << 20;
/** heapGoalInternal's minRunway: the goal stays at least this far above the point the cycle triggered at. */
const minRunwayBytes = 64 << 10;
/** trigger(): the trigger lies between 45/64 and 61/64 of the way from heapMarked to the goal. */
const triggerRatioDen = 64;
const minTriggerRatioNum = 45;
const maxTriggerRatioNum = 61;

export interface PacerOptions {
  /** GOGC: "off" or a percentage. */
  readonly gogc: number | 'off';
  /**
   * Stack and global bytes the GC scans (/gc/scan/stack:bytes + /gc/scan/globals:bytes). Since
   * go1.18 GOGC applies to them too: goal = marked + (marked + roots)·GOGC/100. Default 0.
   */
  readonly rootsBytes?: number;
  /**
   * Where the trigger sits between the pacer's bounds once it has measured a cycle, 0 (the
   * lower bound, 45/64 of the runway) to 1 (the upper bound). The runtime picks goal − runway,
   * where the runway comes from the cons/mark ratio it measured (CPU time of mutator assists and
   * mark workers): not deterministic. Allocation-bound programs, whose assists push the ratio up,
   * sit on the lower bound (every cycle but the first few of the bench trace and of the fidelity
   * pacer workloads on go1.21–1.27), which is the default. Before any automatic cycle has
   * allocated during its mark, the runtime's ratio is 0, the runway 0 and the trigger the upper
   * bound; that is modelled whatever this says.
   */
  readonly triggerPosition?: number;
}

/** One automatic or explicit cycle as the pacer saw it (bytes). */
export interface GCCycleRecord {
  /** heapLive when the cycle started (the runtime's c.triggered, gcpacertrace "in N B"). */
  readonly triggeredBytes: number;
  /** The trigger the pacer had set (explicit cycles start wherever heapLive is). */
  readonly triggerBytes: number;
  /** The goal the cycle was paced against. */
  readonly goalBytes: number;
  /** heapLive at mark termination (gcpacertrace "-> N B"). */
  readonly endLiveBytes: number;
  /** Bytes marked, including black allocations: the next cycle's heapMarked. */
  readonly markedBytes: number;
  readonly forced: boolean;
}

/**
 * The pacer (gcControllerState): heapLive moves like the runtime's (a refill counts the whole
 * free part of the new span at once, a large object its pages, mark termination resets it to
 * the bytes marked), and commit() sets the goal and trigger at each mark termination.
 */
export class GCController {
  readonly gogc: number | 'off';
  readonly rootsBytes: number;
  readonly triggerPosition: number;
  heapLive = 0;
  heapMarked = 0;
  heapGoal: number;
  trigger: number;
  /** Between gcStart and mark termination. */
  marking = false;
  /** heapLive at gcStart of the cycle in progress. */
  triggered = 0;
  /** The runtime's cons/mark ratio is known (non-zero) once an automatic cycle allocated during its mark. */
  runwayKnown = false;
  private forced = false;
  readonly cycles: GCCycleRecord[] = [];

  constructor(opts: PacerOptions) {
    this.gogc = opts.gogc;
    this.rootsBytes = opts.rootsBytes ?? 0;
    this.triggerPosition = opts.triggerPosition ?? 0;
    // gcinit commits with the sweep done: no sweep-distance floor.
    this.heapGoal = this.goalFor(true);
    this.trigger = this.triggerFor(true);
  }

  /** heapMinimum = defaultHeapMinimum·GOGC/100 (setGCPercent). */
  private get heapMinimum(): number {
    return this.gogc === 'off' ? 0 : (defaultHeapMinimumBytes * this.gogc) / 100;
  }

  /** commit + heapGoalInternal: the GOGC goal, at least heapMinimum and the sweep distance. */
  private goalFor(sweepDone: boolean): number {
    if (this.gogc === 'off') return Infinity;
    const m = this.heapMarked;
    const goal = Math.max(this.heapMinimum, Math.floor(m + ((m + this.rootsBytes) * this.gogc) / 100));
    return sweepDone ? goal : Math.max(goal, this.heapLive + sweepMinHeapDistanceBytes);
  }

  /** gcControllerState.trigger(). */
  private triggerFor(sweepDone: boolean): number {
    const goal = this.heapGoal;
    const m = this.heapMarked;
    if (goal === Infinity) return Infinity;
    if (m >= goal) return goal;
    const step = Math.floor((goal - m) / triggerRatioDen);
    const minTrigger = Math.max(sweepDone ? 0 : this.heapLive + sweepMinHeapDistanceBytes, m, step * minTriggerRatioNum + m);
    let maxTrigger = step * maxTriggerRatioNum + m;
    if (goal > defaultHeapMinimumBytes && goal - defaultHeapMinimumBytes > maxTrigger) maxTrigger = goal - defaultHeapMinimumBytes;
    maxTrigger = Math.max(maxTrigger, minTrigger);
    if (!this.runwayKnown) return maxTrigger;
    return Math.floor(minTrigger + this.triggerPosition * (maxTrigger - minTrigger));
  }

  /** Where an automatic cycle in progress ends: the goal, kept minRunway above the trigger point. */
  get markEnd(): number {
    return Math.max(this.heapGoal, this.triggered + minRunwayBytes);
  }

  /** Whether heapLive has reached the next pacer event: the trigger (gcTrigger.test) or the end of the mark. */
  due(): boolean {
    return this.marking ? this.heapLive >= this.markEnd : this.heapLive >= this.trigger;
  }

  start(forced: boolean): void {
    this.marking = true;
    this.forced = forced;
    this.triggered = this.heapLive;
  }

  /** Mark termination: resetLive(bytesMarked), then commit with the sweep not done. */
  end(marked: number): void {
    this.cycles.push({
      triggeredBytes: this.triggered,
      triggerBytes: this.trigger,
      goalBytes: this.markEnd,
      endLiveBytes: this.heapLive,
      markedBytes: marked,
      forced: this.forced,
    });
    // endCycle measures cons/mark only when the heap grew during the mark.
    if (this.heapLive > this.triggered) this.runwayKnown = true;
    this.marking = false;
    this.heapMarked = marked;
    this.heapLive = marked;
    this.heapGoal = this.goalFor(false);
    this.trigger = this.triggerFor(false);
  }
}

/**
 * gcStart: finishes the previous cycle's sweep (finishsweep_m) and greys each P's current tiny
 * block (gcMarkTinyAllocs, mgcmark.go), so that block survives this cycle whatever the workload
 * says about its objects and is garbage again in the next.
 */
export function gcStart(heap: MHeap, mcaches: readonly MCache[], gc: GCController, forced: boolean): void {
  heap.sweepAll();
  for (const c of mcaches) {
    if (c.tinySpan && !c.tinyBlockLive && !c.tinyBlockHeld) {
      c.tinySpan.heldThisCycle++;
      c.tinySpan.heldRequestBytes += c.tinyBlockRequestBytes;
      c.tinyBlockHeld = true;
    }
  }
  gc.start(forced);
}

/**
 * gcMarkTermination: bumps sweepgen by 2 (every mcentral's swept sets become unswept), flushes
 * every mcache (releaseAll, which drops the tiny blocks) and the page caches of idle Ps — every P
 * but `runningP`. With `sweepNow` every span is then swept, as runtime.GC() does; otherwise spans
 * wait for an mcentral or the page reclaimer to sweep them (lazy sweeping).
 */
export function gcMarkTermination(heap: MHeap, mcaches: readonly MCache[], runningP: number, gc: GCController, sweepNow: boolean): void {
  let marked = 0;
  for (const s of heap.spans) marked += s.markedCount * s.elemsize;
  heap.sweepgen += 2;
  for (const c of mcaches) c.releaseAll(heap);
  for (const c of mcaches) if (c.p !== runningP) c.pcache.flush(heap.pages);
  heap.startSweep();
  if (sweepNow) heap.sweepAll();
  heap.stats.gcCycles++;
  gc.end(marked);
}

/**
 * gcCycle is runtime.GC(): it waits for a cycle in progress to end, then runs a whole cycle
 * (nothing allocates while it runs) and sweeps every span.
 */
export function gcCycle(heap: MHeap, mcaches: readonly MCache[], runningP: number, gc: GCController, sweepAfterPending: boolean): void {
  if (gc.marking) gcMarkTermination(heap, mcaches, runningP, gc, sweepAfterPending);
  gcStart(heap, mcaches, gc, true);
  gcMarkTermination(heap, mcaches, runningP, gc, true);
}

/** heapLive's increase when an mcache caches `s` (mcache.refill: the whole unallocated part of the span). */
export function refillHeapLiveBytes(npages: number, allocCount: number, elemsize: number): number {
  return npages * pageSize - allocCount * elemsize;
}
