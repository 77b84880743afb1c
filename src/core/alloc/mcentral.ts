// mcentral: the spans of one span class that no mcache holds. Mirrors runtime/mcentral.go
// and the spanSet FIFO of runtime/mspanset.go. See malloc.ts for the allocator overview.
import type { MCache } from './mcache.ts';
import type { MHeap } from './mheap.ts';
import { MSpan, smallSpanGeometry } from './mspan.ts';

/** A FIFO of spans: push at the tail, pop from the head (runtime/mspanset.go). */
export class SpanSet {
  private items: MSpan[] = [];
  private head = 0;

  push(s: MSpan): void {
    this.items.push(s);
  }

  pop(): MSpan | undefined {
    if (this.head >= this.items.length) return undefined;
    const s = this.items[this.head++];
    // Compact once the consumed prefix dominates, so a long run stays O(1) amortised.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return s;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  count(pred: (s: MSpan) => boolean): number {
    let n = 0;
    for (let i = this.head; i < this.items.length; i++) if (pred(this.items[i]!)) n++;
    return n;
  }
}

/**
 * The two halves of `partial` and `full` swap roles every GC cycle: with sweepgen sg,
 * index sg/2%2 holds swept spans and the other index the unswept ones, so bumping
 * mheap.sweepgen by 2 at mark termination turns every swept span unswept at once.
 */
export class MCentral {
  readonly spanclass: number;
  readonly partial: readonly [SpanSet, SpanSet] = [new SpanSet(), new SpanSet()];
  readonly full: readonly [SpanSet, SpanSet] = [new SpanSet(), new SpanSet()];
  /** initSpan's geometry for this class, worked out on first use. */
  private geometry: ReturnType<typeof smallSpanGeometry> | null = null;

  constructor(spanclass: number) {
    this.spanclass = spanclass;
  }

  partialSwept(sg: number): SpanSet {
    return this.partial[(sg >> 1) & 1]!;
  }

  partialUnswept(sg: number): SpanSet {
    return this.partial[1 - ((sg >> 1) & 1)]!;
  }

  fullSwept(sg: number): SpanSet {
    return this.full[(sg >> 1) & 1]!;
  }

  fullUnswept(sg: number): SpanSet {
    return this.full[1 - ((sg >> 1) & 1)]!;
  }

  /**
   * cacheSpan hands an mcache a span with free slots (mcentral.cacheSpan): the oldest swept
   * partial span; else, within a budget of 100 spans, an unswept partial span (swept now and
   * used), then unswept full spans (swept; used if that freed a slot, else filed as swept
   * full); else a fresh span from the heap.
   */
  cacheSpan(heap: MHeap, c: MCache): MSpan {
    const sg = heap.sweepgen;
    const swept = this.partialSwept(sg).pop();
    if (swept) return swept;
    let spanBudget = 100;
    for (; spanBudget >= 0; spanBudget--) {
      const s = this.partialUnswept(sg).pop();
      if (!s) break;
      if (!heap.needsSweep(s)) continue;
      heap.sweepSpan(s, true);
      return s;
    }
    for (; spanBudget >= 0; spanBudget--) {
      const s = this.fullUnswept(sg).pop();
      if (!s) break;
      if (!heap.needsSweep(s)) continue;
      heap.sweepSpan(s, true);
      if (s.allocCount < s.nelems) return s;
      this.fullSwept(sg).push(s);
    }
    return this.grow(heap, c);
  }

  /**
   * uncacheSpan takes a span back from an mcache (mcentral.uncacheSpan). A span cached before
   * the current sweep began (sweepgen == sg+1) is swept now; otherwise it goes to the swept
   * partial or full set by whether it has free slots.
   */
  uncacheSpan(heap: MHeap, s: MSpan): void {
    const sg = heap.sweepgen;
    if (s.sweepgen === sg + 1) {
      s.sweepgen = sg - 1;
      heap.sweepSpan(s);
      return;
    }
    s.sweepgen = sg;
    if (s.nelems > s.allocCount) this.partialSwept(sg).push(s);
    else this.fullSwept(sg).push(s);
  }

  /** grow gets a fresh span of this class from the heap (mcentral.grow → mheap.alloc → initSpan). */
  grow(heap: MHeap, c: MCache): MSpan {
    const g = (this.geometry ??= smallSpanGeometry(this.spanclass, heap.rules));
    return heap.alloc(g.npages, this.spanclass, g.elemsize, g.nelems, c);
  }
}
