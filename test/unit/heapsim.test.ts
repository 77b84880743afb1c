// The heap simulator's structures and counters, each checked against the runtime's rules
// (docs/runtime-facts.md) or the fact tables. The per-object reference comparison is in
// heapsim-reference.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, test } from 'node:test';
import { gcMarkTermination, gcStart } from '../../src/core/alloc/gc.ts';
import { HeapSim, simulate, type SimulationReport } from '../../src/core/alloc/heapsim.ts';
import { sizeClassToSize } from '../../src/core/alloc/sizeclasses.ts';
import { rulesFor, type AllocatorRules, type Experiments } from '../../src/core/alloc/versions.ts';
import { validateWorkload, type WorkloadOp } from '../../src/core/alloc/workload.ts';

function csv(name: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(join(__dirname, '..', 'data', 'facts', name), 'utf8')
    .trim()
    .split('\n');
  const cols = head!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i]!, v])));
}

const alloc = (bytes: number, pointers: boolean, count: number, keep = true, p?: number): WorkloadOp => ({
  alloc: p === undefined ? { bytes, pointers, count, keep } : { bytes, pointers, count, keep, p },
});

function run(rules: AllocatorRules, ops: readonly WorkloadOp[], opts: { procs?: number; gogc?: number | 'off' } = {}): HeapSim {
  const sim = new HeapSim(rules, { gogc: 'off', ...opts });
  for (const op of ops) sim.apply(op);
  return sim;
}

/** The request that lands exactly in `sizeClass` (the slot size, minus the malloc header where one applies). */
function requestFor(sizeClass: number, pointers: boolean, rules: AllocatorRules): number {
  const size = sizeClassToSize[sizeClass]!;
  if (pointers && rules.mallocHeader && size > rules.minSizeForMallocHeaderBytes) return size - rules.mallocHeaderBytes;
  // go1.22+: 32761..32768 B are large for every object, so the largest small request is 32760.
  return Math.min(size, rules.maxSmallRequestBytes);
}

suite('spans as the simulator builds them', () => {
  const regimes: { col: string; go: string; exp: Experiments }[] = [
    { col: 'pre122', go: '1.21', exp: {} },
    { col: 'allocheaders', go: '1.22', exp: {} },
    { col: 'allocheaders', go: '1.26', exp: { greenteagc: false } },
    { col: 'greentea', go: '1.25', exp: { greenteagc: true } },
    { col: 'greentea', go: '1.26', exp: {} },
    { col: 'greentea', go: '1.27', exp: {} },
  ];
  for (const { col, go, exp } of regimes) {
    for (const [bits, arch] of [
      ['64bit', 'amd64'],
      ['32bit', '386'],
    ] as const) {
      test(`objects per span = facts/span-nelems.csv ${bits}_${col} (go${go} ${JSON.stringify(exp)} ${arch}), filled to n+1`, () => {
        const rules = rulesFor(go, arch, exp);
        for (const r of csv('span-nelems.csv')) {
          const c = Number(r.class);
          for (const pointers of [false, true]) {
            // Class 1 noscan is unreachable: every noscan request under 16 B goes to the tiny allocator.
            if (c === 1 && !pointers) continue;
            const want = Number(r[`${bits}_${col}_${pointers ? 'scan' : 'noscan'}`]);
            const sim = run(rules, [alloc(requestFor(c, pointers, rules), pointers, want + 1)]);
            const spans = sim.snapshot().spans;
            const what = `class ${c} ${pointers ? 'scan' : 'noscan'}`;
            assert.deepEqual(
              spans.map((s) => [s.sizeClass, s.nelems, s.allocCount]),
              [
                [c, want, want],
                [c, want, 1],
              ],
              what,
            );
            assert.equal(spans[0]!.spanClass, (c << 1) | (pointers ? 0 : 1), what);
          }
        }
      });
    }
  }

  test('N objects occupy ceil(N/nelems) spans and as many pages × class pages (HeapInuse)', () => {
    const rules = rulesFor('1.26');
    for (const [bytes, pointers, n, spans, pages] of [
      [64, false, 1000, 8, 8], // 126 per span
      [64, true, 1000, 9, 9], // 124 per span
      [1024, true, 100, 15, 15], // header → class 33 (1152 B), 7 per 1-page span
      [1408, false, 100, 10, 20], // class 35: 11 per 2-page span
      [32760, true, 3, 3, 12], // class 67, 4 pages
    ] as const) {
      const r = run(rules, [alloc(bytes, pointers, n)]).report();
      assert.equal(r.spansInUse, spans, `${bytes} ${pointers}`);
      assert.equal(r.pagesInUse, pages, `${bytes} ${pointers}`);
      assert.equal(r.heapInuseBytes, pages * 8192);
    }
  });

  test('bySizeClass splits scan and noscan and counts free slots', () => {
    const r = run(rulesFor('1.26'), [alloc(64, false, 130), alloc(64, true, 10)]).report();
    assert.deepEqual(r.bySizeClass, [
      {
        sizeClass: 6,
        slotBytes: 64,
        npages: 1,
        spans: 3,
        objects: 140,
        freeSlots: 126 * 2 - 130 + 124 - 10,
        scan: { spans: 1, objects: 10, freeSlots: 114 },
        noscan: { spans: 2, objects: 130, freeSlots: 122 },
      },
    ]);
    assert.equal(r.externalFreeBytes, (122 + 114) * 64);
    assert.equal(r.internalWasteBytes, 0);
  });

  test('internal waste counts class rounding and the malloc header', () => {
    const r = run(rulesFor('1.26'), [alloc(1024, true, 7), alloc(100, false, 1)]).report();
    assert.equal(r.internalWasteBytes, 7 * (1152 - 1024) + (112 - 100));
    const r21 = run(rulesFor('1.21'), [alloc(1024, true, 8)]).report();
    assert.equal(r21.internalWasteBytes, 0);
  });
});

suite('measured on real runtimes', () => {
  test('mixed workload ΔHeapInuse: 2,498,560 B allocated, 1,392,640 B after GC, 3,031,040 B after reuse (go1.21.13–go1.27.3)', () => {
    // Probe (GOGC=off GOMAXPROCS=1, ReadMemStats before/after): 100 × [1400]byte, 50 × [40000]byte,
    // 30 × a 9000 B struct with a pointer, all into globals; then 60 of the first and 25 of the
    // second dropped and runtime.GC(). Same figures on all four toolchains.
    for (const go of ['1.21', '1.25', '1.26', '1.27']) {
      const ops = [
        alloc(1400, false, 60, false),
        alloc(1400, false, 40),
        alloc(40_000, false, 25, false),
        alloc(40_000, false, 25),
        alloc(9000, true, 30),
      ];
      const sim = run(rulesFor(go), ops);
      assert.equal(sim.report().heapInuseBytes, 2_498_560, go);
      sim.apply({ gc: true });
      assert.equal(sim.report().heapInuseBytes, 1_392_640, go);
      // Then 60 × [1400]byte (the partial span first), 20 × [40000]byte, 10 × [70000]byte (measured
      // on go1.21.13, go1.26.8, go1.27.3).
      for (const op of [alloc(1400, false, 60), alloc(40_000, false, 20), alloc(70_000, false, 10)]) sim.apply(op);
      assert.equal(sim.report().heapInuseBytes, 3_031_040, go);
    }
  });
});

suite('tiny allocator', () => {
  test('4096 × 8 B noscan: 2048 class-2 blocks + 2048 tiny allocs (as measured on go1.19–tip, facts §9)', () => {
    for (const go of ['1.21', '1.25', '1.26', '1.27']) {
      const r = run(rulesFor(go), [alloc(8, false, 4096)]).report();
      assert.equal(r.allocsBySizeClass[1], 2048, go);
      assert.equal(r.tinyAllocs, 2048, go);
      // 504 blocks per span with Green Tea (go1.26+), 512 before.
      assert.equal(r.spansInUse, go >= '1.26' ? 5 : 4, go);
      assert.equal(r.bySizeClass[0]!.noscan.objects, 2048);
    }
  });

  test('packing follows the alignment and replacement rules across ops', () => {
    const rules = rulesFor('1.26');
    // 12 B starts a block; the 4 B packs at 12 (align 4) and fills it.
    const sim = run(rules, [alloc(12, false, 1), alloc(4, false, 1)]);
    let r = sim.report();
    assert.deepEqual([r.allocsBySizeClass[1], r.tinyAllocs, sim.mcaches[0]!.tinyoffset], [1, 1, 16]);
    // 1 B does not fit at 16: a new block, which replaces the full one (1 < 16).
    sim.apply(alloc(1, false, 1));
    r = sim.report();
    assert.deepEqual([r.allocsBySizeClass[1], r.tinyAllocs, sim.mcaches[0]!.tinyoffset], [2, 1, 1]);
    sim.apply(alloc(1, false, 1));
    r = sim.report();
    assert.deepEqual([r.allocsBySizeClass[1], r.tinyAllocs, sim.mcaches[0]!.tinyoffset], [2, 2, 2]);
    // 15 B never shares: each its own block, and the 2 B-offset block stays current.
    sim.apply(alloc(15, false, 3));
    assert.equal(sim.report().allocsBySizeClass[1], 5);
    assert.equal(sim.mcaches[0]!.tinyoffset, 2);
  });

  test('12 B objects align to 8 on 32-bit (go.dev/issue/37262), to 4 on 64-bit', () => {
    // 4 B then 12 B: on amd64 the 12 B packs at offset 4; on 386 it would need offset 8 → new block.
    const a = run(rulesFor('1.26', 'amd64'), [alloc(4, false, 1), alloc(12, false, 1)]).report();
    const b = run(rulesFor('1.26', '386'), [alloc(4, false, 1), alloc(12, false, 1)]).report();
    assert.deepEqual([a.allocsBySizeClass[1], a.tinyAllocs], [1, 1]);
    assert.deepEqual([b.allocsBySizeClass[1], b.tinyAllocs], [2, 0]);
  });

  test('64 × 4 B dropped: the first GC frees 15 of 16 blocks, the second the last (measured: go1.21.13, go1.26.8, go1.27.3)', () => {
    // Probe: GOGC=off GOMAXPROCS=1, 64 × new(uint32) into a global, nil them, runtime.GC() twice,
    // /gc/heap/frees-by-size class 2 deltas: 15 then 1, with 16 class-2 allocs.
    const sim = run(rulesFor('1.26'), [alloc(4, false, 64, false), { gc: true }]);
    assert.deepEqual([sim.report().allocsBySizeClass[1], sim.report().freesBySizeClass[1]], [16, 15]);
    sim.apply({ gc: true });
    assert.equal(sim.report().freesBySizeClass[1], 16);
  });

  test('the current tiny block survives the GC that drops it (gcMarkTinyAllocs), and goes in the next', () => {
    const sim = run(rulesFor('1.26'), [alloc(4, false, 5, false), { gc: true }]);
    // 5 × 4 B: two blocks; the first (full) is freed, the current one is greyed by the GC.
    let r = sim.report();
    assert.deepEqual([r.allocsBySizeClass[1], r.freesBySizeClass[1], r.heapObjects, r.heapMarkedBytes], [2, 1, 1, 16]);
    sim.apply({ gc: true });
    r = sim.report();
    assert.deepEqual([r.freesBySizeClass[1], r.heapObjects, r.spansInUse], [2, 0, 0]);
  });

  test('a GC in the middle of a tiny batch greys the block the batch adopted (split or not)', () => {
    // 9 B objects take a block each; only the first replaces the current block. With GOGC=2 a
    // cycle starts partway through, and must keep that first block of the batch, not an older one.
    const ops: WorkloadOp[] = [
      alloc(1, true, 1, false),
      alloc(9000, false, 1, false),
      alloc(9, false, 1009, false),
      alloc(16, false, 1, false),
      { gc: true },
    ];
    const whole = run(rulesFor('1.26'), ops, { gogc: 2 });
    const split = new HeapSim(rulesFor('1.26'), { gogc: 2 });
    for (const _ of split.steps(ops, 1)) {
      /* one object per step */
    }
    assert.deepEqual(split.snapshot(), whole.snapshot());
  });

  test('a kept object keeps its whole block; a GC drops the tiny block (releaseAll)', () => {
    const sim = run(rulesFor('1.26'), [alloc(4, false, 1, false), alloc(4, false, 1, true), alloc(4, false, 2, false), { gc: true }]);
    let r = sim.report();
    assert.equal(r.heapObjects, 1); // the block survives because one of its objects is kept
    assert.equal(r.freesBySizeClass[1], 0);
    sim.apply(alloc(4, false, 1));
    r = sim.report();
    assert.equal(r.allocsBySizeClass[1], 2, 'after a GC the next tiny object starts a new block');
    assert.equal(r.tinyAllocs, 3);
  });
});

suite('GC cycles', () => {
  test('garbage is freed by the sweep, empty spans return their pages, frees are counted by class', () => {
    const sim = run(rulesFor('1.26'), [
      alloc(64, true, 1000, false),
      alloc(64, true, 124, true),
      alloc(100_000, false, 2, false),
      { gc: true },
    ]);
    const r = sim.report();
    assert.equal(r.gcCycles, 1);
    assert.equal(r.freesBySizeClass[5], 1000);
    assert.equal(r.freesBySizeClass[67], 2);
    assert.equal(r.allocsBySizeClass[5], 1124);
    assert.equal(r.heapObjects, 124);
    assert.equal(r.largeObjects, 0);
    // 1124 objects filled 10 spans (124 each) in order; the kept ones sit in the last two.
    assert.deepEqual(
      r.bySizeClass.map((c) => [c.sizeClass, c.spans, c.objects]),
      [[6, 2, 124]],
    );
    assert.equal(r.pagesInUse, 2);
    assert.equal(r.heapMarkedBytes, 124 * 64);
    // Freed pages are reused before the heap grows.
    const grows = r.heapGrows;
    sim.apply(alloc(64, true, 124 * 300));
    assert.equal(sim.report().heapGrows, grows);
  });

  test('after a GC, allocation refills from swept partial spans first (oldest first)', () => {
    const sim = run(rulesFor('1.26'), [
      alloc(512, false, 15, true),
      alloc(512, false, 15, false),
      alloc(512, false, 1, true),
      { gc: true },
    ]);
    // Span 0 full (kept), span 1 empty → freed, span 2 has 1 object → partial.
    const ids = sim.snapshot().spans.map((s) => [s.id, s.allocCount]);
    assert.deepEqual(ids, [
      [0, 15],
      [2, 1],
    ]);
    sim.apply(alloc(512, false, 14));
    assert.deepEqual(
      sim.snapshot().spans.map((s) => [s.id, s.allocCount]),
      [
        [0, 15],
        [2, 15],
      ],
    );
  });

  test('GOGC=100: the goal is max(4 MiB, 2 × marked); cycles trigger before it and mark black until it', () => {
    const rules = rulesFor('1.26');
    // 64 MiB of 64 B garbage: the goal stays 4 MiB. Each cycle triggers ~0.7 of the way there and
    // what it allocates while marking survives it, so it takes 20 cycles, not 16 (the runtime:
    // 20 on go1.21–1.27, the fidelity suite's "garbage" pacer trace).
    const garbage = run(rules, [alloc(64, false, (64 << 20) / 64, false)], { gogc: 100 }).report();
    assert.equal(garbage.gcCycles, 20);
    assert.ok(garbage.heapInuseBytes <= 4 << 20);
    assert.equal(garbage.heapGoalBytes, 4 << 20);
    // Kept objects raise the goal: 32 MiB kept → last goal ≈ 2 × marked.
    const kept = run(rules, [alloc(64, false, (32 << 20) / 64, true)], { gogc: 100 }).report();
    assert.ok(kept.gcCycles >= 3, `gcCycles ${kept.gcCycles}`);
    assert.equal(kept.heapGoalBytes, Math.round(kept.heapMarkedBytes * 2));
    const off = run(rules, [alloc(64, false, (64 << 20) / 64, false)], { gogc: 'off' }).report();
    assert.equal(off.gcCycles, 0);
    assert.equal(off.heapGoalBytes, null);
  });

  test('during a mark: new objects are black, the greyed tiny block survives once, and a kept object in it keeps it', () => {
    const rules = rulesFor('1.26');
    const sim = run(rules, [alloc(8, false, 1, false), alloc(64, false, 10, false)], { gogc: 'off' });
    gcStart(sim.heap, sim.mcaches, sim.gc, false); // greys the tiny block (garbage so far)
    sim.apply(alloc(8, false, 1, true)); // packs into the greyed block: now live, counted once
    sim.apply(alloc(64, false, 5, false)); // black: survives this cycle
    gcMarkTermination(sim.heap, sim.mcaches, 0, sim.gc, true);
    let r = sim.report();
    assert.equal(r.heapMarkedBytes, 16 + 5 * 64);
    assert.deepEqual([r.heapObjects, r.freesBySizeClass[1], r.freesBySizeClass[5]], [6, 0, 10]);
    sim.apply({ gc: true }); // the black objects are garbage in the next cycle; the kept block stays
    r = sim.report();
    assert.deepEqual([r.heapObjects, r.heapMarkedBytes, r.freesBySizeClass[5]], [1, 16, 15]);
  });

  test('GOGC=50 collects more often than GOGC=200', () => {
    const rules = rulesFor('1.26');
    const ops = [alloc(256, true, 200_000, false), alloc(256, true, 20_000, true), alloc(256, true, 200_000, false)];
    assert.ok(run(rules, ops, { gogc: 50 }).report().gcCycles > run(rules, ops, { gogc: 200 }).report().gcCycles);
  });
});

suite('lazy sweeping (sweep: "lazy")', () => {
  const rules = rulesFor('1.26');
  const lazy = (ops: readonly WorkloadOp[], gogc: number | 'off' = 100) => {
    const sim = new HeapSim(rules, { gogc, sweep: 'lazy' });
    for (const op of ops) sim.apply(op);
    return sim;
  };
  const consistent = (r: SimulationReport) =>
    assert.equal(r.heapObjects, r.allocsBySizeClass.reduce((a, b) => a + b, 0) - r.freesBySizeClass.reduce((a, b) => a + b, 0));

  test('after an automatic GC the spans wait unswept in their mcentral; the next cycle finishes the sweep', () => {
    // Exactly enough 64 B garbage to reach the 4 MiB goal once: the refill that crosses it starts a cycle.
    const sim = lazy([alloc(64, false, 126 * 513, false)]);
    const snap = sim.snapshot();
    assert.equal(snap.report.gcCycles, 1);
    assert.ok(snap.report.unsweptSpans > 500, `unswept ${snap.report.unsweptSpans}`);
    assert.deepEqual(
      snap.mcentrals.map((m) => [m.spanClass, m.fullUnswept > 0]),
      [[13, true]],
    );
    consistent(snap.report);
    sim.apply({ gc: true });
    const r = sim.report();
    assert.equal(r.unsweptSpans, 0);
    consistent(r);
  });

  test('mcentral.cacheSpan sweeps unswept spans of its class and reuses them instead of growing the heap', () => {
    const n = 126 * 512 * 6; // six times the 4 MiB goal of 64 B garbage
    const l = lazy([alloc(64, false, n, false)]).report();
    const f = run(rules, [alloc(64, false, n, false)], { gogc: 100 }).report();
    assert.ok(l.gcCycles >= 5, `gc ${l.gcCycles}`);
    // The same two 4 MiB chunks serve it all, swept eagerly or lazily (the heap at the end of a mark
    // holds the 4 MiB goal plus the spans in use, a little more than one chunk).
    assert.deepEqual([l.heapGrows, f.heapGrows, l.heapSysBytes], [2, 2, 8 << 20]);
    assert.ok(l.unsweptSpans > 0);
    consistent(l);
  });

  test('the page reclaimer frees unswept garbage spans before the heap grows (mheap.reclaim)', () => {
    const big = 64 * 8192; // 64-page objects: no mcentral ever sweeps class 0 spans
    const l = lazy([alloc(big, false, 300, false)]).report();
    const l10 = lazy([alloc(big, false, 3000, false)]).report();
    assert.ok(l.gcCycles >= 3 && l10.gcCycles > 10 * l.gcCycles - 10);
    // Without the reclaimer every cycle's garbage would still hold its pages and the heap would
    // grow with the number of cycles; it stays at one chunk.
    assert.deepEqual([l.heapGrows, l.heapSysBytes, l10.heapGrows], [1, 4 << 20, 1]);
    consistent(l);
    consistent(l10);
  });

  test('splitting ops into steps does not change a lazily swept heap either', () => {
    const ops = [
      alloc(64, false, 200_000, false),
      alloc(48, true, 30_000),
      alloc(3, false, 50_001, false),
      alloc(70_000, false, 200, false),
    ];
    const a = lazy(ops, 50);
    const b = new HeapSim(rules, { gogc: 50, sweep: 'lazy' });
    for (const _ of b.steps(ops, 777)) {
      /* run */
    }
    assert.deepEqual(b.snapshot(), a.snapshot());
  });
});

suite('large objects', () => {
  test('npages = ceil(size/8192), span class 0 scan / 1 noscan, counted in the last bucket', () => {
    const sim = run(rulesFor('1.26'), [alloc(40_000, false, 1), alloc(40_000, true, 2)]);
    const r = sim.report();
    assert.equal(r.largeObjects, 3);
    assert.equal(r.largePages, 15);
    assert.deepEqual(r.large, { scan: { objects: 2, pages: 10 }, noscan: { objects: 1, pages: 5 } });
    assert.equal(r.allocsBySizeClass[67], 3);
    assert.deepEqual(
      sim.snapshot().spans.map((s) => [s.spanClass, s.npages, s.elemsize]),
      [
        [1, 5, 40960],
        [0, 5, 40960],
        [0, 5, 40960],
      ],
    );
    assert.equal(r.internalWasteBytes, 3 * (40960 - 40_000));
  });

  test('32761..32768 B are large in go1.22+ (4 pages) but class 67 in go1.21', () => {
    const a = run(rulesFor('1.22'), [alloc(32768, false, 1)]).report();
    const b = run(rulesFor('1.21'), [alloc(32768, false, 1)]).report();
    assert.deepEqual([a.largeObjects, a.pagesInUse, a.allocsBySizeClass[67]], [1, 4, 1]);
    assert.deepEqual([b.largeObjects, b.pagesInUse, b.allocsBySizeClass[66]], [0, 4, 1]);
  });

  test('spans under 16 pages come from the P page cache, larger ones straight from the page allocator', () => {
    const rules = rulesFor('1.26');
    // On a fresh heap allocToCache finds no free page, so the first span comes from the page
    // allocator after a grow; the second fills the cache with the rest of the 64-page block.
    let snap = run(rules, [alloc(8, true, 1)]).snapshot();
    assert.deepEqual([snap.spans[0]!.basePage, snap.mcaches[0]!.pageCache], [0, { basePage: -1, freePages: 0 }]);
    snap = run(rules, [alloc(8, true, 1), alloc(16, true, 1)]).snapshot();
    assert.deepEqual([snap.spans.map((s) => s.basePage), snap.mcaches[0]!.pageCache], [[0, 1], { basePage: 0, freePages: 62 }]);
    // A 16-page object bypasses the cache: the first free page is 0, so it lands there.
    snap = run(rules, [alloc(16 * 8192, false, 1)]).snapshot();
    assert.deepEqual([snap.spans[0]!.basePage, snap.mcaches[0]!.pageCache.freePages], [0, 0]);
    // Two small spans (the second takes the cache, pages 1..63), then a 16-page span → page 64.
    snap = run(rules, [alloc(8, true, 1), alloc(16, true, 1), alloc(16 * 8192, false, 1)]).snapshot();
    assert.deepEqual(
      snap.spans.map((s) => s.basePage),
      [0, 1, 64],
    );
  });
});

suite('heap growth: chunks and arenas', () => {
  test('the heap grows in whole 4 MiB chunks inside 64 MiB arenas (amd64)', () => {
    const rules = rulesFor('1.26');
    const page = 8192;
    let r = run(rules, [alloc(100 * page, false, 5)]).report(); // 500 pages: one chunk
    assert.deepEqual([r.heapGrows, r.arenas, r.heapSysBytes], [1, 1, 4 << 20]);
    r = run(rules, [alloc(100 * page, false, 6)]).report(); // the 6th does not fit the first chunk's 12 free pages
    assert.deepEqual([r.heapGrows, r.arenas, r.heapSysBytes], [2, 1, 8 << 20]);
    // 17 chunks of 512-page objects: the 17th chunk needs a second arena.
    r = run(rules, [alloc(512 * page, false, 17)]).report();
    assert.deepEqual([r.heapGrows, r.arenas, r.heapSysBytes], [17, 2, 17 * (4 << 20)]);
    // One 100 MiB object: one grow of 100 MiB, alignUp(100 MiB, 64 MiB) = 2 arenas.
    r = run(rules, [alloc(100 << 20, true, 1)]).report();
    assert.deepEqual([r.heapGrows, r.arenas, r.pagesInUse], [1, 2, 12800]);
  });

  test('32-bit arenas are 4 MiB; wasm chunks and arenas are 512 KiB from go1.26', () => {
    let r = run(rulesFor('1.26', '386'), [alloc(512 * 8192, false, 3)]).report();
    assert.deepEqual([r.heapGrows, r.arenas], [3, 3]);
    r = run(rulesFor('1.26', 'wasm'), [alloc(64 * 8192, false, 3)]).report();
    assert.deepEqual([r.heapGrows, r.arenas, r.heapSysBytes], [3, 3, 3 * (512 << 10)]);
    r = run(rulesFor('1.25', 'wasm'), [alloc(64 * 8192, false, 3)]).report();
    assert.deepEqual([r.heapGrows, r.arenas, r.heapSysBytes], [1, 1, 4 << 20]);
  });

  test('freed pages are found first-fit by address before the heap grows', () => {
    const rules = rulesFor('1.26');
    const sim = run(rules, [alloc(20 * 8192, false, 1, false), alloc(20 * 8192, false, 1, true), { gc: true }]);
    assert.deepEqual(
      sim.snapshot().spans.map((s) => s.basePage),
      [20],
    );
    sim.apply(alloc(19 * 8192, false, 1));
    assert.deepEqual(
      sim.snapshot().spans.map((s) => s.basePage),
      [0, 20],
    );
    sim.apply(alloc(30 * 8192, false, 1)); // does not fit in page 19's hole
    assert.deepEqual(
      sim.snapshot().spans.map((s) => s.basePage),
      [0, 20, 40],
    );
  });
});

suite('Ps, determinism, snapshots', () => {
  test('ops take the Ps round-robin; each P has its own mcache spans and page cache', () => {
    const sim = run(rulesFor('1.26'), [alloc(64, true, 10), alloc(64, true, 10), alloc(64, true, 10)], { procs: 2 });
    const snap = sim.snapshot();
    assert.equal(snap.spansTotal, 2);
    assert.deepEqual(
      snap.mcaches.map((m) => m.spans.map((s) => [s.spanClass, s.allocCount])),
      [[[12, 20]], [[12, 10]]],
    );
    // P0's first span came from a grow (no cache yet); P1 then cached the rest of block 0.
    assert.deepEqual(
      snap.mcaches.map((m) => [m.pageCache.basePage, m.pageCache.freePages]),
      [
        [-1, 0],
        [0, 62],
      ],
    );
    // An explicit p pins the op.
    sim.apply(alloc(64, true, 5, true, 1));
    assert.deepEqual(
      sim.snapshot().mcaches[1]!.spans.map((s) => s.allocCount),
      [15],
    );
  });

  test('a GC flushes the page caches of idle Ps, not of the P that runs it', () => {
    const sim = run(
      rulesFor('1.26'),
      [alloc(64, true, 1, true, 0), alloc(48, true, 1, true, 0), alloc(64, true, 1, true, 1), { gc: true }],
      { procs: 2 },
    );
    const snap = sim.snapshot();
    // P0 cached pages 2..63 of block 0; P1 found page 64 first and cached 65..127. P1 ran the GC,
    // so only P0's cache went back to the page allocator.
    assert.deepEqual(
      snap.mcaches.map((m) => [m.pageCache.basePage, m.pageCache.freePages]),
      [
        [0, 0],
        [64, 63],
      ],
    );
    assert.equal(snap.report.freePages, 512 - 3 - 63);
    assert.equal(snap.report.gcCycles, 1);
    assert.deepEqual(
      snap.mcaches.map((m) => m.spans.length),
      [0, 0],
    );
  });

  test('the same workload gives the same heap, every time', () => {
    const w = validateWorkload({
      go: '1.26',
      procs: 3,
      gogc: 20,
      ops: [
        alloc(8, false, 100_000, false),
        alloc(200, true, 50_000),
        alloc(5000, false, 3000, false),
        { gc: true },
        alloc(3, false, 77_777),
        alloc(70_000, true, 30, false),
        alloc(1024, true, 9999),
      ],
    });
    const a = new HeapSim(w.rules, w);
    const b = new HeapSim(w.rules, w);
    for (const _ of a.steps(w.ops)) {
      /* run */
    }
    for (const _ of b.steps(w.ops, 1234)) {
      /* run */
    }
    assert.deepEqual(a.snapshot(), b.snapshot());
    assert.deepEqual(simulate(w), a.report());
  });

  test('snapshots are plain JSON, capped, and carry the mcentral sets', () => {
    const sim = run(rulesFor('1.26'), [alloc(64, false, 126 * 50), alloc(64, false, 5), alloc(48, true, 1)]);
    const snap = sim.snapshot({ maxSpans: 10 });
    assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap);
    assert.equal(snap.spans.length, 10);
    assert.equal(snap.spansTotal, 52);
    assert.equal(snap.spansTruncated, true);
    // 50 full spans went back to mcentral's full swept set when the mcache moved on.
    assert.deepEqual(snap.mcentrals, [{ spanClass: 13, partialSwept: 0, partialUnswept: 0, fullSwept: 50, fullUnswept: 0 }]);
    assert.equal(snap.arenas.length, 1);
    assert.equal(snap.arenas[0]!.chunks[0]!.inUsePages, 52);
    assert.equal(snap.arenas[0]!.chunks[0]!.allocatedPages, 64); // the rest sits in P0's page cache
  });

  test('counters stay consistent on a mixed workload: every object is a class alloc, a tiny alloc or zero-size', () => {
    const r = run(rulesFor('1.26'), [
      alloc(0, false, 10),
      alloc(5, false, 1001),
      alloc(24, true, 3000),
      alloc(50_000, false, 7),
      { gc: true },
    ]).report();
    const allocs = r.allocsBySizeClass.reduce((a, b) => a + b, 0);
    assert.equal(allocs + r.tinyAllocs + r.zeroSizeAllocs, r.requestedObjects);
    assert.equal(r.heapObjects, allocs - r.freesBySizeClass.reduce((a, b) => a + b, 0));
  });
});

suite('throughput', () => {
  test('10,000,000 allocations of a mixed workload (figure reported, not asserted)', (t) => {
    const sizes: [number, boolean][] = [
      [8, false],
      [3, false],
      [16, true],
      [24, true],
      [48, false],
      [64, true],
      [128, false],
      [256, true],
      [512, true],
      [1024, true],
      [4096, false],
      [12, false],
      [100, true],
      [40, false],
      [33_000, false],
      [2000, true],
    ];
    const ops: WorkloadOp[] = [];
    let total = 0;
    for (let i = 0; total < 10_000_000; i++) {
      const [bytes, pointers] = sizes[i % sizes.length]!;
      const count = bytes > 32_760 ? 50 : 40_000;
      ops.push(alloc(bytes, pointers, Math.min(count, 10_000_000 - total), i % 4 === 0));
      total += Math.min(count, 10_000_000 - total);
    }
    const w = validateWorkload({ go: '1.26', procs: 4, gogc: 100, ops });
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const r: SimulationReport = simulate(w);
    const cpu = process.cpuUsage(cpu0);
    const ms = performance.now() - t0;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    assert.equal(r.requestedObjects, 10_000_000);
    assert.equal(r.allocsBySizeClass.reduce((a, b) => a + b, 0) + r.tinyAllocs, 10_000_000);
    const perSec = (t: number) => Math.round(10_000_000 / (t / 1000)).toLocaleString('en');
    t.diagnostic(
      `10M mixed allocations: ${ms.toFixed(0)} ms wall (${perSec(ms)} allocs/s), ${cpuMs.toFixed(0)} ms CPU (${perSec(cpuMs)} allocs/s), ` +
        `${r.gcCycles} GC cycles, ${r.spansInUse} spans in use, ${r.mcacheRefills} refills`,
    );
  });
});
