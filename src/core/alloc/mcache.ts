// mcache: a P's private spans, one per span class, and its tiny block. Mirrors
// runtime/mcache.go (refill, allocLarge, releaseAll) and the tiny allocator of
// runtime/malloc.go mallocgcTiny. See malloc.ts for the allocator overview.
import type { MHeap } from './mheap.ts';
import type { MSpan } from './mspan.ts';
import { PageCache } from './pagealloc.ts';
import { pageSize } from './sizeclasses.ts';
import { makeSpanClass, numSpanClasses, tinySpanClass } from './spanclass.ts';
import { tinyAlign, tinyPerBlock } from './malloc.ts';

/** Bytes of a tiny block (runtime maxTinySize / TinySize). */
export const tinyBlockBytes = 16;

export class MCache {
  /** The P this mcache belongs to. */
  readonly p: number;
  /** Current span per span class; null plays the runtime's &emptymspan. */
  readonly alloc: (MSpan | null)[] = new Array<MSpan | null>(numSpanClasses).fill(null);
  /**
   * The span holding the current tiny block, or null when there is none (c.tiny == 0). The
   * runtime keeps the block's address; the span is all the model needs to account for it.
   */
  tinySpan: MSpan | null = null;
  tinyoffset = 0;
  /** Tiny objects packed into an existing block since the last flush (c.tinyAllocs). */
  tinyAllocs = 0;
  /** The current tiny block holds a kept object, so it is already counted in tinySpan.liveCount. */
  tinyBlockLive = false;
  /**
   * The current tiny block is counted in tinySpan.heldThisCycle: greyed at gcStart or allocated
   * black during a mark (gc.ts), so it survives this cycle even if none of its objects is kept.
   */
  tinyBlockHeld = false;
  /** Request bytes of the objects in the current tiny block, moved to live bytes if it turns live. */
  tinyBlockRequestBytes = 0;
  /** The P's page cache (p.pcache in the runtime, kept here because only allocation touches it). */
  pcache: PageCache = PageCache.empty();

  constructor(p: number) {
    this.p = p;
  }

  /**
   * refill swaps the full span of `spc` for one with free slots (mcache.refill): the old span
   * goes back to its mcentral, the new one comes from mcentral.cacheSpan.
   */
  refill(heap: MHeap, spc: number): MSpan {
    const old = this.alloc[spc];
    if (old) {
      if (old.allocCount !== old.nelems) throw new Error(`refill of span class ${spc} while its span has free slots`);
      if (spc === tinySpanClass) this.flushTinyAllocs(heap);
      heap.central[spc]!.uncacheSpan(heap, old);
    }
    const s = heap.central[spc]!.cacheSpan(heap, this);
    s.sweepgen = heap.sweepgen + 3;
    s.allocCountBeforeCache = s.allocCount;
    this.alloc[spc] = s;
    heap.stats.mcacheRefills++;
    return s;
  }

  /**
   * allocLarge gives one object of `size` bytes its own span of ceil(size/8192) pages in span
   * class 0 (scan) or 1 (noscan); the span goes straight to its mcentral's full swept set,
   * where the sweeper will find it (mcache.allocLarge).
   */
  allocLarge(heap: MHeap, size: number, noscan: boolean): MSpan {
    const npages = Math.ceil(size / pageSize);
    const spc = makeSpanClass(0, noscan);
    const s = heap.alloc(npages, spc, npages * pageSize, 1, this);
    heap.central[spc]!.fullSwept(heap.sweepgen).push(s);
    return s;
  }

  /**
   * releaseAll hands every cached span back and drops the tiny block (mcache.releaseAll, run
   * for every P at mark termination through prepareForSweep).
   */
  releaseAll(heap: MHeap): void {
    for (let spc = 0; spc < numSpanClasses; spc++) {
      const s = this.alloc[spc];
      if (!s) continue;
      heap.central[spc]!.uncacheSpan(heap, s);
      this.alloc[spc] = null;
    }
    this.flushTinyAllocs(heap);
    this.tinySpan = null;
    this.tinyoffset = 0;
    this.tinyBlockLive = false;
    this.tinyBlockHeld = false;
    this.tinyBlockRequestBytes = 0;
  }

  private flushTinyAllocs(heap: MHeap): void {
    heap.stats.tinyAllocs += this.tinyAllocs;
    this.tinyAllocs = 0;
  }
}

/** The tiny allocator's per-P state as mallocgcTiny reads it. */
export interface TinyState {
  /** c.tiny != 0 */
  readonly hasBlock: boolean;
  /** c.tinyoffset */
  readonly offset: number;
}

/** What n back-to-back tiny allocations of one size do, from a given TinyState. */
export interface TinyPlan {
  /** Objects that fit into the block that was current before the batch. */
  readonly packedIntoCurrent: number;
  /** New 16 B blocks taken from span class 5, in order. */
  readonly newBlocks: number;
  /** Objects in each new block except possibly the last, which holds the remainder. */
  readonly objectsPerNewBlock: number;
  /** Which new block is current afterwards (0-based), or -1 when the old block stays current. */
  readonly currentBlock: number;
  /** c.tinyoffset afterwards (unchanged when the old block stays current). */
  readonly offset: number;
  /** Objects packed into an existing block: the /gc/heap/tiny/allocs:objects delta. */
  readonly tinyAllocs: number;
}

/**
 * tinyPlan is mallocgcTiny applied n times in closed form. Per object the runtime does:
 *
 *	off := alignUp(c.tinyoffset, tinyAlign(size))
 *	if off+size <= 16 && c.tiny != 0 { pack at off; c.tinyoffset = off+size; c.tinyAllocs++ }
 *	else { take a new block; if size < c.tinyoffset || c.tiny == 0 { c.tiny = block; c.tinyoffset = size } }
 *
 * For one size this settles immediately. First, objects pack into the current block while they
 * fit (at most 15 steps). Then, if the block is not replaced (size >= tinyoffset), nothing
 * changes state again, so every remaining object takes its own block. Otherwise each new block
 * replaces the current one and holds tinyPerBlock(size) objects, since a block that holds two
 * or more has tinyoffset > size and is always replaced by the next; a block that holds one
 * leaves tinyoffset == size, so the blocks after it are never adopted and hold one object each.
 */
export function tinyPlan(state: TinyState, size: number, n: number, ptrSize: number): TinyPlan {
  const align = tinyAlign(size, ptrSize);
  let off = state.offset;
  let packed = 0;
  if (state.hasBlock) {
    while (packed < n) {
      const o = Math.ceil(off / align) * align;
      if (o + size > tinyBlockBytes) break;
      off = o + size;
      packed++;
    }
  }
  const rem = n - packed;
  if (rem === 0 || (state.hasBlock && size >= off)) {
    return { packedIntoCurrent: packed, newBlocks: rem, objectsPerNewBlock: 1, currentBlock: -1, offset: off, tinyAllocs: packed };
  }
  const m = tinyPerBlock(size, ptrSize);
  if (m === 1) {
    return { packedIntoCurrent: packed, newBlocks: rem, objectsPerNewBlock: 1, currentBlock: 0, offset: size, tinyAllocs: packed };
  }
  const blocks = Math.ceil(rem / m);
  const inLast = rem - (blocks - 1) * m;
  return {
    packedIntoCurrent: packed,
    newBlocks: blocks,
    objectsPerNewBlock: m,
    currentBlock: blocks - 1,
    offset: tinyOffsetAfter(inLast, size, ptrSize),
    tinyAllocs: packed + rem - blocks,
  };
}

/** Objects the plan puts in new blocks [first, first+count). */
export function tinyObjectsInBlocks(plan: TinyPlan, totalNew: number, first: number, count: number): number {
  const m = plan.objectsPerNewBlock;
  return Math.min(totalNew, (first + count) * m) - Math.min(totalNew, first * m);
}

/** Whether new block i of the plan becomes the current tiny block when it is taken. */
export function tinyBlockReplaces(plan: TinyPlan, i: number): boolean {
  return plan.currentBlock >= 0 && (plan.objectsPerNewBlock >= 2 || i === 0);
}

/** c.tinyoffset after k objects of `size` were packed back to back into a fresh block. */
export function tinyOffsetAfter(k: number, size: number, ptrSize: number): number {
  const align = tinyAlign(size, ptrSize);
  return (k - 1) * Math.ceil(size / align) * align + size;
}
