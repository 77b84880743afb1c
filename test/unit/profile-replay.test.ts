// Simulate Heap's "Replay the profile" rows (src/protocol/replay.ts) and their place in the init
// message's validator: the profile's objects per site, in-use kept, the rest garbage.
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { classify } from '../../src/core/alloc/malloc.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import type { Measured } from '../../src/core/profile/types.ts';
import { siteId } from '../../src/core/sites/selection.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';
import { buildWorkload } from '../../src/protocol/snapshot.ts';
import { isHostToWebview, limits, protocolVersion } from '../../src/protocol/messages.ts';
import { replayRows } from '../../src/protocol/replay.ts';
import { workloadSites } from '../../src/protocol/snapshot.ts';

const go126 = rulesFor('1.26');

function site(bytes: number, pointers: boolean, line: number, expr: string): AllocationSite {
  return {
    file: '/ws/demo/main.go',
    line,
    column: 9,
    construct: 'new',
    expr,
    escapes: true,
    reason: [],
    type: { name: 'T', size: bytes, align: 8, ptrBytes: pointers ? 8 : 0 },
    prediction: classify({ bytes, pointers }, go126),
  };
}

const m = (objects: number, inuseObjects: number): Measured => ({
  objects,
  bytes: 0,
  inuseObjects,
  inuseBytes: 0,
  slots: [],
  share: 0,
  verdict: 'confirmed',
});

suite('Simulate Heap: Replay the profile', () => {
  const big = site(40000, false, 59, 'new(bigBuffer)');
  const header = site(520, true, 54, '&header520{}');
  const dynamic: AllocationSite = {
    ...site(8, false, 74, 'make([]int64, n)'),
    prediction: { ...classify({ bytes: 8, pointers: false }, go126), kind: 'unknown' },
  };
  const panel = workloadSites([big, header, dynamic]);

  test('in-use objects kept, the rest garbage; sites of run-time size counted, not replayed', () => {
    const r = replayRows(
      [
        { site: big, measured: m(51, 1) },
        { site: header, measured: m(204, 0) },
        { site: dynamic, measured: m(7, 7) },
      ],
      new Set(panel.byId.keys()),
      'BenchmarkDemo',
    );
    assert.ok(r);
    assert.deepEqual(r.rows, [
      { id: siteId(big), count: 1, keep: true },
      { id: siteId(big), count: 50, keep: false },
      { id: siteId(header), count: 204, keep: false },
    ]);
    assert.equal(
      r.label,
      '2 sites as BenchmarkDemo allocated them: in-use objects kept, the rest garbage; 1 measured site of run-time size not replayed',
    );
    // The rows run as they are: the simulator gets each site's request, kept and garbage apart.
    const { workload } = buildWorkload(
      { go: '1.26', procs: 1, gogc: 'off' },
      'amd64',
      r.rows,
      new Map(panel.rows.map((w) => [w.id, w])),
      true,
    );
    assert.deepEqual(
      workload.ops.map((o) => ('alloc' in o ? [o.alloc.bytes, o.alloc.count, o.alloc.keep] : 'gc')),
      [[40000, 1, true], [40000, 50, false], [520, 204, false], 'gc'],
    );
    assert.equal(replayRows([{ site: dynamic, measured: m(7, 7) }], new Set(panel.byId.keys()), 'x'), undefined);
  });

  test('the init message carries the replay, validated like the rest', () => {
    const init = {
      type: 'init',
      v: protocolVersion,
      sites: panel.rows,
      settings: { go: '1.26', procs: 1, gogc: 100 },
      goVersions: ['1.26'],
      arch: 'amd64',
      source: 's',
    };
    assert.ok(isHostToWebview(init));
    assert.ok(isHostToWebview({ ...init, replay: { label: 'l', rows: [{ id: 'a', count: 3, keep: true }] } }));
    assert.ok(!isHostToWebview({ ...init, replay: { label: 'l', rows: [{ id: 'a', count: -1, keep: true }] } }));
    assert.ok(
      !isHostToWebview({
        ...init,
        replay: { label: 'l', rows: Array.from({ length: limits.maxRows + 1 }, () => ({ id: 'a', count: 1, keep: true })) },
      }),
    );
    assert.ok(!isHostToWebview({ ...init, replay: 'everything' }));
  });
});
