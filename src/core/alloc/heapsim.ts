// The heap simulator's engine: replays a workload through mcache → mcentral → mheap. What
// runtime/metrics and MemStats would show is simreport.ts; plain-data views of the heap are
// heapview.ts. See malloc.ts for the allocator overview; the structures live in mcache.ts,
// mcentral.ts, mheap.ts, pagealloc.ts, mspan.ts and gc.ts.
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
import { heapSnapshot, type HeapSnapshot, type SnapshotLimits } from './heapview.ts';
import { simulationReport, type SimulationReport } from './simreport.ts';
import { pageSize } from './sizeclasses.ts';
import { spanClassSizeClass, tinySpanClass } from './spanclass.ts';
import { ModelInputError, type AllocatorRules } from './versions.ts';
import { isAllocOp, maxProcs, type Workload, type WorkloadOp } from './workload.ts';

// What report() and snapshot() return; their definitions live with the code that builds them.
export type { SimulationReport, SizeClassReport, ClassCounts, LargeCounts } from './simreport.ts';
export type { HeapSnapshot, SpanView, ChunkView, ArenaView, MCacheView, MCentralView, SnapshotLimits } from './heapview.ts';

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

/** One step of `HeapSim.steps`: which op ran and how far it is. */
export interface SimStep {
  readonly opIndex: number;
  readonly objectsDone: number;
  readonly objectsTotal: number;
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
  private requested = 0;
  private zeroSize = 0;

  /** Objects the workload asked for so far, including tiny and zero-size ones. */
  get requestedObjects(): number {
    return this.requested;
  }

  get zeroSizeAllocs(): number {
    return this.zeroSize;
  }

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
    this.requested += count;
    switch (pred.kind) {
      case 'zero':
        this.zeroSize += count;
        return;
      case 'tiny':
        this.mallocTiny(c, bytes, count, keep);
        return;
      case 'small':
        this.mallocSmall(c, pred.spanClass, count, (s, _first, take, black) => s.take(take, take * bytes, keep, black));
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
        // Packed objects take no slot: the block's slot was taken with its first object.
        s.take(0, bytes, c.tinyBlockLive, c.tinyBlockHeld);
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
          s.take(take, objs * size, keep, black);
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

  /** report counts the heap as it is now (the simulate --json contract, simreport.ts). */
  report(): SimulationReport {
    return simulationReport(this);
  }

  /** snapshot: the heap as plain data with capped lists (heapview.ts). */
  snapshot(limits: SnapshotLimits = {}): HeapSnapshot {
    return heapSnapshot(this, limits);
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
