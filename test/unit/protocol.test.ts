import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { HeapSim } from '../../src/core/alloc/heapsim.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import { validateWorkload } from '../../src/core/alloc/workload.ts';
import { isHostToWebview, isPanelState, isWebviewToHost, type HostToWebview } from '../../src/protocol/messages.ts';
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
    const snap = sim.snapshot();
    const p = toPanelSnapshot(snap, 2, 2, 'test');
    const msg: HostToWebview = { type: 'snapshots', v: 1, runId: 1, batch: [p], done: true };
    assert.ok(isHostToWebview(JSON.parse(JSON.stringify(msg))));
    assert.equal(p.counters.heapInuseBytes, snap.report.heapInuseBytes);
    // 1000 objects of 48 B scan at 165 per span (go1.26: heap bits + inline mark bits) → 7 spans.
    const c5 = p.classes.find((c) => c.spanClass === 10)!;
    assert.equal(c5.objects, 1000);
    assert.equal(c5.spans, Math.ceil(1000 / 165));
    const large = p.classes.find((c) => c.spanClass === 1)!;
    assert.deepEqual([large.spans, large.objects], [2, 2]);
    assert.equal(p.counters.largeObjects, 2);
    assert.equal(p.pages.spans.length, c5.spans + 2);
    assert.equal(p.mcaches.length, 2);
  });

  test('host → webview validation rejects malformed snapshots', () => {
    const sim = new HeapSim(rulesFor('1.26'));
    sim.apply({ alloc: { bytes: 16, pointers: false, count: 10, keep: true } });
    const good = toPanelSnapshot(sim.snapshot(), 1, 1, 'x');
    const wrap = (b: unknown) => ({ type: 'snapshots', v: 1, runId: 1, batch: [b], done: false });
    assert.ok(isHostToWebview(wrap(good)));
    assert.equal(isHostToWebview(wrap({ ...good, counters: { ...good.counters, heapInuseBytes: 'many' } })), false);
    assert.equal(isHostToWebview(wrap({ ...good, classes: [{ spanClass: 1 }] })), false);
    assert.equal(isHostToWebview(wrap({ ...good, pages: { ...good.pages, spans: null } })), false);
    assert.equal(isHostToWebview({ type: 'init', v: 1, sites: [{ id: 'a' }], settings, goVersions: [], arch: 'amd64', source: '' }), false);
    assert.ok(isHostToWebview({ type: 'error', v: 1, message: 'boom' }));
  });
});

suite('protocol: workload rows from analysed sites', () => {
  test('heap sites only, one row per site, with the request and the hint', async () => {
    const { classify } = await import('../../src/core/alloc/malloc.ts');
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
