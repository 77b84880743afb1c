// The batched simulator (O(spans)) against a naive one-object-at-a-time reference written
// here from the runtime's rules (mallocgcTiny, mcache.refill, mcentral FIFO sets, sweep in
// nextSpanForSweep order, the pacer's trigger and goal, black allocation during the mark).
// They must agree on every span.
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import fc from 'fast-check';
import { HeapSim } from '../../src/core/alloc/heapsim.ts';
import { tinyBlockReplaces, tinyPlan } from '../../src/core/alloc/mcache.ts';
import { classify, nelems, tinyAlign, type Prediction } from '../../src/core/alloc/malloc.ts';
import { sizeClassToNPages, sizeClassToSize } from '../../src/core/alloc/sizeclasses.ts';
import { rulesFor, type AllocatorRules } from '../../src/core/alloc/versions.ts';
import type { WorkloadOp } from '../../src/core/alloc/workload.ts';

interface RefSpan {
  id: number;
  spc: number;
  nelems: number;
  elemsize: number;
  npages: number;
  /**
   * Per slot: 0 free, 1 live, 2 garbage, 3 garbage marked this cycle (allocated black during the
   * mark, or a tiny block greyed at its start). Tiny blocks are live if any object in them is kept.
   */
  slots: Uint8Array;
  allocCount: number;
}

interface RefP {
  alloc: Map<number, RefSpan>;
  tiny: { span: RefSpan; slot: number } | null;
  tinyoffset: number;
  tinyAllocs: number;
}

/** One object at a time, per-slot state, no batching, no closed forms. */
class Reference {
  spans = new Set<RefSpan>();
  nextId = 0;
  partial = new Map<number, RefSpan[]>();
  full = new Map<number, RefSpan[]>();
  ps: RefP[];
  allocs = new Array<number>(68).fill(0);
  frees = new Array<number>(68).fill(0);
  tinyAllocs = 0;
  refills = 0;
  gcCycles = 0;
  heapLive = 0;
  heapMarked = 0;
  goal: number;
  trigger: number;
  marking = false;
  triggered = 0;
  runwayKnown = false;
  nextP = 0;
  lastP = 0;

  constructor(
    readonly rules: AllocatorRules,
    procs: number,
    readonly gogc: number | 'off',
  ) {
    this.ps = Array.from({ length: procs }, () => ({ alloc: new Map(), tiny: null, tinyoffset: 0, tinyAllocs: 0 }));
    this.goal = gogc === 'off' ? Infinity : ((4 << 20) * gogc) / 100;
    this.trigger = this.triggerFor(0);
  }

  /** mgcpacer.go trigger(): between 45/64 and 61/64 of the way to the goal (upper bound while the runway is 0). */
  triggerFor(sweepFloor: number): number {
    const g = this.goal;
    const m = this.heapMarked;
    if (g === Infinity) return Infinity;
    if (m >= g) return g;
    const step = Math.floor((g - m) / 64);
    const lo = Math.max(sweepFloor, m, m + 45 * step);
    let hi = m + 61 * step;
    if (g > 4 << 20 && g - (4 << 20) > hi) hi = g - (4 << 20);
    hi = Math.max(hi, lo);
    return this.runwayKnown ? lo : hi;
  }

  list(m: Map<number, RefSpan[]>, spc: number): RefSpan[] {
    let l = m.get(spc);
    if (!l) m.set(spc, (l = []));
    return l;
  }

  newSpan(spc: number, npages: number, elemsize: number, n: number): RefSpan {
    const s = { id: this.nextId++, spc, nelems: n, elemsize, npages, slots: new Uint8Array(n), allocCount: 0 };
    this.spans.add(s);
    return s;
  }

  uncache(s: RefSpan): void {
    this.list(s.allocCount < s.nelems ? this.partial : this.full, s.spc).push(s);
  }

  /** Takes one slot of spc on P p; returns the span, slot index and whether a refill happened. */
  nextFree(p: RefP, spc: number): { s: RefSpan; slot: number; refilled: boolean } {
    let s = p.alloc.get(spc);
    let refilled = false;
    if (!s || s.allocCount === s.nelems) {
      if (s) this.uncache(s);
      if (spc === 5) {
        this.tinyAllocs += p.tinyAllocs;
        p.tinyAllocs = 0;
      }
      s = this.list(this.partial, spc).shift();
      if (!s) {
        const sc = spc >> 1;
        s = this.newSpan(spc, sizeClassToNPages[sc]!, sizeClassToSize[sc]!, nelems(sc, (spc & 1) === 1, this.rules));
      }
      p.alloc.set(spc, s);
      this.refills++;
      this.heapLive += s.npages * 8192 - s.allocCount * s.elemsize;
      refilled = true;
    }
    const slot = s.slots.indexOf(0);
    s.allocCount++;
    this.allocs[spc >> 1]!++;
    return { s, slot, refilled };
  }

  /** After an allocation into slot `slot` of s: the pacer may end the mark or start a cycle (whose starting object is black). */
  maybeGC(refilled: boolean, p: number, s: RefSpan, slot: number): void {
    if (!refilled) return;
    if (this.marking && this.heapLive >= Math.max(this.goal, this.triggered + (64 << 10))) this.markTermination(p);
    else if (!this.marking && this.heapLive >= this.trigger) {
      if (s.slots[slot] === 2) s.slots[slot] = 3;
      this.gcStart();
    }
  }

  /** A new object's slot state: kept, garbage, or garbage allocated black. */
  fresh(keep: boolean): number {
    return keep ? 1 : this.marking ? 3 : 2;
  }

  gcStart(): void {
    // gcMarkTinyAllocs: each P's current tiny block survives this cycle.
    for (const p of this.ps) if (p.tiny && p.tiny.span.slots[p.tiny.slot] === 2) p.tiny.span.slots[p.tiny.slot] = 3;
    this.marking = true;
    this.triggered = this.heapLive;
  }

  mallocOne(pi: number, pred: Prediction, bytes: number, pointers: boolean, keep: boolean): void {
    const p = this.ps[pi]!;
    if (pred.kind === 'zero') return;
    if (pred.kind === 'large') {
      // The assist charged before the allocation finishes a mark this object would take to its goal.
      if (this.marking && this.heapLive + pred.npages * 8192 >= Math.max(this.goal, this.triggered + (64 << 10))) this.markTermination(pi);
      const s = this.newSpan(pointers ? 0 : 1, pred.npages, pred.npages * 8192, 1);
      s.slots[0] = this.fresh(keep);
      s.allocCount = 1;
      this.list(this.full, s.spc).push(s);
      this.allocs[0]!++;
      this.heapLive += pred.npages * 8192;
      this.maybeGC(true, pi, s, 0);
      return;
    }
    if (pred.kind === 'tiny') {
      const a = tinyAlign(bytes, this.rules.ptrSize);
      const off = Math.ceil(p.tinyoffset / a) * a;
      if (p.tiny && off + bytes <= 16) {
        p.tinyoffset = off + bytes;
        p.tinyAllocs++;
        if (keep) p.tiny.span.slots[p.tiny.slot] = 1;
        return;
      }
      const { s, slot, refilled } = this.nextFree(p, 5);
      s.slots[slot] = this.fresh(keep);
      if (bytes < p.tinyoffset || !p.tiny) {
        p.tiny = { span: s, slot };
        p.tinyoffset = bytes;
      }
      this.maybeGC(refilled, pi, s, slot);
      return;
    }
    const { s, slot, refilled } = this.nextFree(p, pred.spanClass);
    s.slots[slot] = this.fresh(keep);
    this.maybeGC(refilled, pi, s, slot);
  }

  /** runtime.GC(): ends a cycle in progress, then runs a whole one. */
  gc(running: number): void {
    if (this.marking) this.markTermination(running);
    this.gcStart();
    this.markTermination(running);
  }

  markTermination(running: number): void {
    void running;
    let marked = 0;
    for (const s of this.spans)
      s.slots.forEach((v) => {
        if (v === 1 || v === 3) marked += s.elemsize;
      });
    const oldPartial = this.partial;
    const oldFull = this.full;
    this.partial = new Map();
    this.full = new Map();
    const sweep = (s: RefSpan) => {
      let freed = 0;
      for (let i = 0; i < s.nelems; i++) {
        if (s.slots[i] === 2) {
          s.slots[i] = 0;
          freed++;
        } else if (s.slots[i] === 3) s.slots[i] = 2;
      }
      s.allocCount -= freed;
      this.frees[s.spc >> 1]! += freed;
      if (s.allocCount === 0) this.spans.delete(s);
      else this.uncache(s);
    };
    // releaseAll: spans cached before this cycle are swept as they are uncached.
    for (const p of this.ps) {
      for (let spc = 0; spc < 136; spc++) {
        const s = p.alloc.get(spc);
        if (s) sweep(s);
      }
      p.alloc.clear();
      this.tinyAllocs += p.tinyAllocs;
      p.tinyAllocs = 0;
      p.tiny = null;
      p.tinyoffset = 0;
    }
    for (let spc = 0; spc < 136; spc++) {
      for (const s of oldFull.get(spc) ?? []) sweep(s);
      for (const s of oldPartial.get(spc) ?? []) sweep(s);
    }
    this.gcCycles++;
    if (this.heapLive > this.triggered) this.runwayKnown = true;
    this.marking = false;
    this.heapMarked = marked;
    this.heapLive = marked;
    // commit() with the sweep not done: the goal and the trigger stay 1 MiB above the marked heap.
    if (this.gogc !== 'off')
      this.goal = Math.max(((4 << 20) * this.gogc) / 100, Math.floor(marked * (1 + this.gogc / 100)), marked + (1 << 20));
    this.trigger = this.triggerFor(marked + (1 << 20));
  }

  apply(op: WorkloadOp): void {
    if ('gc' in op) {
      this.gc(this.lastP);
      return;
    }
    const a = op.alloc;
    const p = a.p ?? this.nextP;
    if (a.p === undefined) this.nextP = (this.nextP + 1) % this.ps.length;
    this.lastP = p;
    const pred = classify({ bytes: a.bytes, pointers: a.pointers }, this.rules);
    for (let i = 0; i < a.count; i++) this.mallocOne(p, pred, a.bytes, a.pointers, a.keep);
  }

  view() {
    return {
      spans: [...this.spans].map((s) => ({ id: s.id, spc: s.spc, allocCount: s.allocCount, nelems: s.nelems })).sort((a, b) => a.id - b.id),
      tinyAllocs: this.tinyAllocs + this.ps.reduce((n, p) => n + p.tinyAllocs, 0),
      allocs: [...this.allocs.slice(1), this.allocs[0]],
      frees: [...this.frees.slice(1), this.frees[0]],
      refills: this.refills,
      gcCycles: this.gcCycles,
      tinyoffsets: this.ps.map((p) => (p.tiny ? p.tinyoffset : -1)),
    };
  }
}

function simView(sim: HeapSim) {
  const r = sim.report();
  return {
    spans: [...sim.heap.spans]
      .map((s) => ({ id: s.id, spc: s.spanclass, allocCount: s.allocCount, nelems: s.nelems }))
      .sort((a, b) => a.id - b.id),
    tinyAllocs: r.tinyAllocs,
    allocs: r.allocsBySizeClass,
    frees: r.freesBySizeClass,
    refills: r.mcacheRefills,
    gcCycles: r.gcCycles,
    tinyoffsets: sim.mcaches.map((c) => (c.tinySpan ? c.tinyoffset : -1)),
  };
}

// Sizes chosen to hit tiny (all alignments), small scan/noscan with and without header, and large.
const sizeArb = fc.oneof(
  fc.integer({ min: 1, max: 15 }),
  fc.constantFrom(0, 16, 24, 48, 64, 100, 512, 513, 1024, 2000, 5000, 9000, 32760, 32768),
  fc.integer({ min: 17, max: 4096 }),
  fc.integer({ min: 32761, max: 200_000 }),
);
const opArb = (procs: number): fc.Arbitrary<WorkloadOp> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .record({
          bytes: sizeArb,
          pointers: fc.boolean(),
          count: fc.integer({ min: 0, max: 1500 }),
          keep: fc.boolean(),
          p: fc.option(fc.integer({ min: 0, max: procs - 1 }), { nil: undefined }),
        })
        .map(({ p, ...a }) => ({ alloc: p === undefined ? a : { ...a, p } }) as WorkloadOp),
    },
    { weight: 1, arbitrary: fc.constant({ gc: true } as WorkloadOp) },
  );

suite('heap simulator vs a naive per-object reference', () => {
  test('every span, count and tiny state agree (random workloads, GOGC off and on, 1–3 Ps, several versions)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('1.21', '1.22', '1.25', '1.26', '1.27'),
        fc.constantFrom('amd64', '386'),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom<number | 'off'>('off', 'off', 3, 25, 100),
        fc.array(opArb(3), { minLength: 1, maxLength: 12 }),
        (go, arch, procs, gogc, rawOps) => {
          const ops = rawOps.map((o) =>
            'alloc' in o && o.alloc.p !== undefined && o.alloc.p >= procs ? { alloc: { ...o.alloc, p: o.alloc.p % procs } } : o,
          );
          const rules = rulesFor(go, arch);
          const ref = new Reference(rules, procs, gogc);
          const sim = new HeapSim(rules, { procs, gogc });
          for (const op of ops) {
            ref.apply(op);
            sim.apply(op);
          }
          assert.deepEqual(simView(sim), ref.view());
          // The snapshot's address-ordered span list is every in-use span, sorted.
          const byAddr = [...sim.heap.spans].sort((x, y) => x.basePage - y.basePage).map((x) => x.id);
          const snap = sim.snapshot({ maxSpans: Infinity });
          assert.deepEqual(
            snap.spans.map((x) => x.id),
            byAddr,
          );
          // Per-chunk page counts (kept incrementally) add up to the in-use pages.
          const chunkPages = snap.arenas.flatMap((ar) => ar.chunks).reduce((n, ch) => n + ch.inUsePages, 0);
          assert.equal(chunkPages, snap.report.pagesInUse);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('tinyPlan equals mallocgcTiny applied object by object', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.integer({ min: 0, max: 16 }),
        fc.integer({ min: 1, max: 15 }),
        fc.integer({ min: 0, max: 200 }),
        fc.constantFrom(4, 8),
        (hasBlock, offset, size, n, ptrSize) => {
          const plan = tinyPlan({ hasBlock, offset }, size, n, ptrSize);
          // Naive: per object, recording which block each object lands in.
          let has = hasBlock;
          let off = offset;
          let cur = -1; // -1: the pre-existing block
          let blocks = 0;
          let tiny = 0;
          let packedIntoOld = 0;
          const perBlock: number[] = [];
          const replaced: boolean[] = [];
          const a = tinyAlign(size, ptrSize);
          for (let i = 0; i < n; i++) {
            const o = Math.ceil(off / a) * a;
            if (has && o + size <= 16) {
              off = o + size;
              tiny++;
              if (cur < 0) packedIntoOld++;
              else perBlock[cur]!++;
              continue;
            }
            const b = blocks++;
            perBlock[b] = 1;
            replaced[b] = size < off || !has;
            if (size < off || !has) {
              has = true;
              off = size;
              cur = b;
            }
          }
          assert.equal(plan.packedIntoCurrent, packedIntoOld);
          assert.equal(plan.newBlocks, blocks);
          assert.equal(plan.tinyAllocs, tiny);
          assert.equal(plan.currentBlock, cur);
          replaced.forEach((r, i) => assert.equal(tinyBlockReplaces(plan, i), r, `block ${i} replaces`));
          assert.equal(plan.offset, off);
          const total = n - packedIntoOld;
          perBlock.forEach((k, i) =>
            assert.equal(Math.min(total, (i + 1) * plan.objectsPerNewBlock) - Math.min(total, i * plan.objectsPerNewBlock), k),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('splitting ops into steps of any size gives the same heap (automatic GC included)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<number | 'off'>('off', 2, 50),
        fc.array(opArb(1), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 700 }),
        (gogc, ops, step) => {
          const rules = rulesFor('1.26');
          const whole = new HeapSim(rules, { gogc });
          const split = new HeapSim(rules, { gogc });
          for (const _ of whole.steps(ops)) {
            /* run */
          }
          for (const _ of split.steps(ops, step)) {
            /* run */
          }
          assert.deepEqual(split.snapshot(), whole.snapshot());
        },
      ),
      { numRuns: 40 },
    );
  });
});
