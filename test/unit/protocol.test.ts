import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { HeapSim, simulate } from '../../src/core/alloc/heapsim.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import { validateWorkload } from '../../src/core/alloc/workload.ts';
import { classify } from '../../src/core/alloc/malloc.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';
import {
  isHostToWebview,
  isPanelState,
  isWebviewToHost,
  limits,
  spanFields,
  type HostToWebview,
  type PanelSnapshot,
} from '../../src/protocol/messages.ts';
import { planSteps, runSimulation, targetSteps } from '../../src/protocol/simRunner.ts';
import { buildWorkload, toPanelSnapshot } from '../../src/protocol/snapshot.ts';

const settings = { go: '1.26', procs: 1, gogc: 100 as const };

suite('protocol: webview → host validation', () => {
  test('accepts well-formed messages', () => {
    assert.ok(isWebviewToHost({ type: 'ready', v: 1 }));
    assert.ok(isWebviewToHost({ type: 'run', v: 1, runId: 3, settings, rows: [{ id: 'a', count: 10, keep: true }], gcAtEnd: false }));
    assert.ok(isWebviewToHost({ type: 'run', v: 1, runId: 3, settings: { go: '1.22', procs: 4, gogc: 'off' }, rows: [], gcAtEnd: true }));
    assert.ok(isWebviewToHost({ type: 'cancel', v: 1, runId: 3 }));
    assert.ok(isWebviewToHost({ type: 'reveal', v: 1, siteId: '/a.go:1:1:x' }));
  });

  test('rejects anything else: wrong version, type, counts, settings', () => {
    const run = (o: object) => ({ type: 'run', v: 1, runId: 1, settings, rows: [], gcAtEnd: false, ...o });
    for (const bad of [
      null,
      'ready',
      [],
      { type: 'ready' },
      { type: 'ready', v: 2 },
      { type: 'eval', v: 1, code: 'x' },
      run({ rows: [{ id: 'a', count: -1, keep: true }] }),
      run({ rows: [{ id: 'a', count: 1.5, keep: true }] }),
      run({ rows: [{ id: 'a', count: 2e9, keep: true }] }),
      run({ rows: [{ id: 'a', count: 1 }] }),
      run({ settings: { ...settings, procs: 0 } }),
      run({ settings: { ...settings, procs: 257 } }),
      run({ settings: { ...settings, gogc: -5 } }),
      run({ settings: { ...settings, gogc: 'on' } }),
      run({ settings: { ...settings, go: 'latest' } }),
      run({ runId: -1 }),
      run({ gcAtEnd: 'yes' }),
      run({ rows: new Array(10_001).fill({ id: 'a', count: 1, keep: true }) }),
      { type: 'reveal', v: 1, siteId: 5 },
    ])
      assert.equal(isWebviewToHost(bad), false, JSON.stringify(bad)?.slice(0, 120));
  });

  test('persisted state is validated like a message', () => {
    assert.ok(isPanelState({ v: 1, settings, counts: { a: 5 }, keep: { a: false }, gcAtEnd: true }));
    assert.equal(isPanelState({ v: 1, settings, counts: { a: -5 }, keep: {}, gcAtEnd: true }), false);
    assert.equal(isPanelState({ v: 0, settings, counts: {}, keep: {}, gcAtEnd: true }), false);
    assert.equal(isPanelState(undefined), false);
  });
});

suite('protocol: simulator snapshots → panel', () => {
  const sites = new Map([
    ['tiny', { bytes: 8, pointers: false, label: '&point{...}' }],
    ['node', { bytes: 48, pointers: true, label: '&node{...}' }],
    ['big', { bytes: 40000, pointers: false, label: 'new(bigBuffer)' }],
  ]);

  test('buildWorkload makes a valid workload (the CLI contract), skipping zero counts', () => {
    const { workload, labels } = buildWorkload(
      settings,
      'amd64',
      [
        { id: 'tiny', count: 100, keep: true },
        { id: 'node', count: 0, keep: true },
        { id: 'big', count: 3, keep: false },
      ],
      sites,
      true,
    );
    assert.deepEqual(workload.ops, [
      { alloc: { bytes: 8, pointers: false, count: 100, keep: true } },
      { alloc: { bytes: 40000, pointers: false, count: 3, keep: false } },
      { gc: true },
    ]);
    assert.equal(labels.length, 3);
    assert.equal(validateWorkload(workload).ops.length, 3);
    assert.throws(() => buildWorkload(settings, 'amd64', [{ id: 'gone', count: 1, keep: true }], sites, false), /does not have/);
  });

  test("a real HeapSim run converts to a snapshot the webview accepts, with the simulator's numbers", () => {
    const sim = new HeapSim(rulesFor('1.26'), { procs: 2, gogc: 'off' });
    sim.apply({ alloc: { bytes: 48, pointers: true, count: 1000, keep: true } });
    sim.apply({ alloc: { bytes: 40000, pointers: false, count: 2, keep: true } });
    const report = sim.report();
    const p = toPanelSnapshot(sim, 2, 2, 'test');
    const msg: HostToWebview = { type: 'snapshots', v: 1, runId: 1, batch: [p], done: true };
    assert.ok(isHostToWebview(JSON.parse(JSON.stringify(msg))));
    assert.equal(p.counters.heapInuseBytes, report.heapInuseBytes);
    assert.equal(p.counters.heapAllocBytes, report.heapAllocBytes);
    assert.equal(p.heapGoalBytes, null, 'GOGC=off has no goal');
    // 1000 objects of 48 B scan at 165 per span (go1.26: heap bits + inline mark bits) → 7 spans.
    const c5 = p.classes.find((c) => c.spanClass === 10)!;
    assert.equal(c5.objects, 1000);
    assert.equal(c5.spans, Math.ceil(1000 / 165));
    assert.equal(c5.requestBytes, 48 * 1000);
    const large = p.classes.find((c) => c.spanClass === 1)!;
    assert.deepEqual([large.spans, large.objects, large.spanBytes, large.wasteBytes], [2, 2, 2 * 5 * 8192, 2 * (5 * 8192 - 40000)]);
    assert.equal(p.counters.largeObjects, 2);
    assert.equal(p.mcaches.length, 2);
    // The page map at one page per cell: every in-use page drawn as its own span, and the spans are the heap's.
    const pages = decodePages(p);
    assert.equal(p.pages.pagesPerCell, 1);
    assert.equal(pages.length, report.heapSysBytes / 8192);
    assert.equal(pages.filter((o) => o >= 0).length, report.pagesInUse);
    assert.equal(p.pages.spans.length / spanFields.length, c5.spans + 2);
    assert.deepEqual(p.pages.cellInUseRuns, []);
  });

  test('bytes by span class add up to the report: in use, waste, free slots, span reserve', () => {
    const sim = new HeapSim(rulesFor('1.26'));
    for (const [bytes, pointers, keep] of [
      [5, false, true],
      [24, true, true],
      [700, true, false],
      [3000, false, true],
      [100_000, true, true],
    ] as const)
      sim.apply({ alloc: { bytes, pointers, count: 777, keep } });
    sim.apply({ gc: true });
    sim.apply({ alloc: { bytes: 48, pointers: false, count: 50, keep: true } });
    const r = sim.report();
    const p = toPanelSnapshot(sim, 1, 1, 'x');
    const sum = (k: 'spanBytes' | 'wasteBytes' | 'freeBytes' | 'reserveBytes') => p.classes.reduce((n, c) => n + c[k], 0);
    assert.equal(sum('spanBytes'), r.heapInuseBytes);
    assert.equal(sum('wasteBytes'), r.internalWasteBytes);
    assert.equal(sum('freeBytes'), r.externalFreeBytes);
    assert.equal(sum('reserveBytes'), r.spanReserveBytes);
    for (const c of p.classes)
      assert.equal(c.requestBytes + c.wasteBytes + c.freeBytes + c.reserveBytes, c.spanBytes, `class ${c.spanClass}`);
  });

  test('a heap of gigabytes keeps the page map at limits.maxPageCells cells, arenas on cell boundaries', () => {
    const sim = new HeapSim(rulesFor('1.26'), { gogc: 'off' });
    sim.apply({ alloc: { bytes: 64 << 10, pointers: false, count: 40_000, keep: true } });
    sim.apply({ alloc: { bytes: 16, pointers: true, count: 100_000, keep: true } });
    const p = toPanelSnapshot(sim, 1, 1, 'x');
    const pages = decodePages(p);
    assert.ok(p.pages.pagesPerCell > 1);
    assert.ok(pages.length <= limits.maxPageCells);
    assert.equal(pages.length, Math.ceil(p.pages.pagesMapped / p.pages.pagesPerCell));
    assert.equal(p.pages.pagesPerArena % p.pages.pagesPerCell, 0);
    let inUse = 0;
    let runCells = 0;
    for (let i = 0; i < p.pages.cellInUseRuns.length; i += 2) {
      inUse += p.pages.cellInUseRuns[i]! * p.pages.cellInUseRuns[i + 1]!;
      runCells += p.pages.cellInUseRuns[i + 1]!;
    }
    assert.equal(runCells, pages.length);
    assert.equal(inUse, sim.report().pagesInUse);
    // Large objects stay apart: every 8-page object is its own span in the map's span list.
    assert.ok(JSON.stringify(p).length < 400_000, `one snapshot is ${JSON.stringify(p).length} B`);
    assert.ok(isHostToWebview({ type: 'snapshots', v: 1, runId: 1, batch: [p], done: true }));
  });

  test('host → webview validation rejects malformed snapshots', () => {
    const sim = new HeapSim(rulesFor('1.26'));
    sim.apply({ alloc: { bytes: 16, pointers: false, count: 10, keep: true } });
    const good = toPanelSnapshot(sim, 1, 1, 'x');
    const wrap = (b: unknown) => ({ type: 'snapshots', v: 1, runId: 1, batch: [b], done: false });
    assert.ok(isHostToWebview(wrap(good)));
    assert.equal(isHostToWebview(wrap({ ...good, counters: { ...good.counters, heapInuseBytes: 'many' } })), false);
    assert.equal(isHostToWebview(wrap({ ...good, classes: [{ spanClass: 1 }] })), false);
    assert.equal(isHostToWebview(wrap({ ...good, pages: { ...good.pages, spans: null } })), false);
    assert.equal(isHostToWebview(wrap({ ...good, pages: { ...good.pages, cellRuns: [5, 1] } })), false, 'an owner past the span list');
    assert.equal(isHostToWebview(wrap({ ...good, pages: { ...good.pages, cellRuns: [0, limits.maxPageCells + 1] } })), false);
    assert.equal(isHostToWebview(wrap({ ...good, heapGoalBytes: 'x' })), false);
    assert.equal(isHostToWebview({ type: 'init', v: 1, sites: [{ id: 'a' }], settings, goVersions: [], arch: 'amd64', source: '' }), false);
    assert.ok(isHostToWebview({ type: 'error', v: 1, message: 'boom' }));
  });
});

suite('protocol: a run in steps (simRunner)', () => {
  const rules = rulesFor('1.26');
  function sitesOf(n: number): Map<string, AllocationSite> {
    const m = new Map<string, AllocationSite>();
    for (let i = 0; i < n; i++) {
      const bytes = [8, 24, 48, 200, 1500, 9000, 40000][i % 7]!;
      const pointers = i % 3 === 0;
      m.set(`s${i}`, {
        file: '/m/a.go',
        line: i + 1,
        column: 2,
        construct: 'new',
        expr: `new(T${i})`,
        escapes: true,
        reason: [],
        type: null,
        prediction: classify({ bytes, pointers }, rules),
      });
    }
    return m;
  }

  async function run(n: number, count: number, gcAtEnd: boolean) {
    const sites = sitesOf(n);
    const rows = [...sites.keys()].map((id) => ({ id, count, keep: true }));
    const batches: { batch: PanelSnapshot[]; done: boolean }[] = [];
    await runSimulation({
      settings,
      arch: 'amd64',
      rows,
      gcAtEnd,
      sites,
      signal: new AbortController().signal,
      yieldToHost: () => Promise.resolve(),
      onBatch: (batch, done) => batches.push({ batch, done }),
    });
    const want = simulate(
      validateWorkload({
        go: '1.26',
        arch: 'amd64',
        procs: 1,
        gogc: 100,
        ops: [
          ...rows.map((r) => ({
            alloc: { bytes: sites.get(r.id)!.prediction.requestBytes, pointers: !sites.get(r.id)!.prediction.noscan, count, keep: true },
          })),
          ...(gcAtEnd ? [{ gc: true }] : []),
        ],
      }),
    );
    return { snaps: batches.flatMap((b) => b.batch), batches, want };
  }

  test('2,000 rows × 1,000 make about targetSteps steps, not 2,000; the last step is the whole run', async () => {
    const { snaps, batches, want } = await run(2000, 1000, true);
    assert.ok(snaps.length <= targetSteps + 2, `${snaps.length} steps`);
    assert.ok(snaps.length >= targetSteps - 2, `${snaps.length} steps`);
    assert.deepEqual(
      snaps.map((s) => s.step),
      snaps.map((_, i) => i + 1),
    );
    assert.ok(
      snaps.every((s) => s.totalSteps === snaps.length),
      'totalSteps is known before the run',
    );
    assert.deepEqual(
      batches.map((b) => b.done),
      batches.map((_, i) => i === batches.length - 1),
    );
    const last = snaps[snaps.length - 1]!;
    assert.equal(last.label, 'GC cycle');
    assert.equal(last.counters.heapInuseBytes, want.heapInuseBytes);
    assert.equal(last.counters.gcCycles, want.gcCycles);
    assert.match(snaps[0]!.label, /^\d+ rows, up to 1,000 × new\(T\d+\)/);
  });

  test('one big row is split into steps of its own; planSteps counts what the run sends', async () => {
    const { snaps, want } = await run(1, 1_000_000, false);
    assert.equal(snaps.length, targetSteps);
    assert.match(snaps[0]!.label, / — 8,334 of 1,000,000$/);
    assert.equal(snaps[snaps.length - 1]!.counters.heapInuseBytes, want.heapInuseBytes);
    assert.deepEqual(planSteps([{ gc: true }, { gc: true }]), { perStep: 1, totalSteps: 2 });
  });
});

function decodePages(p: PanelSnapshot): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.pages.cellRuns.length; i += 2)
    for (let k = 0; k < p.pages.cellRuns[i + 1]!; k++) out.push(p.pages.cellRuns[i]! - 1);
  return out;
}

suite('protocol: workload rows from analysed sites', () => {
  test('heap sites only, one row per site, with the request and the hint', async () => {
    const { workloadSites } = await import('../../src/protocol/snapshot.ts');
    const r = rulesFor('1.26');
    const mk = (line: number, bytes: number, pointers: boolean, escapes = true) => ({
      file: '/m/main.go',
      line,
      column: 2,
      construct: 'new' as const,
      expr: `e${line}`,
      escapes,
      reason: [],
      type: null,
      prediction: escapes ? classify({ bytes, pointers }, r) : { ...classify({ bytes, pointers }, r), kind: 'stack' as const },
    });
    const { rows, byId } = workloadSites([mk(1, 48, true), mk(1, 48, true), mk(2, 0, false), mk(3, 8, false, false), mk(4, 40000, false)]);
    assert.deepEqual(
      rows.map((x) => [x.label, x.where, x.bytes, x.pointers, x.hint]),
      [
        ['e1', 'main.go:1', 48, true, '⇡ 48 B · c5 scan'],
        ['e4', 'main.go:4', 40000, false, '⇡ 40000 B · large 5p noscan'],
      ],
    );
    assert.equal(byId.size, 2);
    assert.ok(isHostToWebview({ type: 'init', v: 1, sites: rows, settings, goVersions: ['1.26'], arch: 'amd64', source: 'x' }));
  });
});
