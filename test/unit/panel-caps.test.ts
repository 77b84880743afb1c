// The Simulate Heap panel lists at most limits.maxRows workload rows (a run takes no more) and
// says how many heap sites it left off; the Heap view's paging is tested in present.test.ts.
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { classify } from '../../src/core/alloc/malloc.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';
import { isWebviewToHost, limits } from '../../src/protocol/messages.ts';
import { workloadSites } from '../../src/protocol/snapshot.ts';

const rules = rulesFor('1.26');

function site(i: number, escapes = true): AllocationSite {
  return {
    file: `/ws/m/f${i % 97}.go`,
    line: 1 + i,
    column: 5,
    construct: 'new',
    expr: `new(T${i})`,
    escapes,
    reason: [],
    type: { name: `m.T${i}`, size: 48, align: 8, ptrBytes: 8 },
    prediction: classify({ bytes: 48, pointers: true }, rules),
  };
}

suite('panel caps: workload rows', () => {
  test('25 000 heap sites (and stack sites, and duplicates): the first 10 000 are rows, the other 15 000 are counted', () => {
    const sites = Array.from({ length: 25_000 }, (_, i) => site(i));
    const withNoise = [...sites, ...sites.slice(0, 100), ...Array.from({ length: 50 }, (_, i) => site(30_000 + i, false))];
    const { rows, byId, leftOff } = workloadSites(withNoise);
    assert.equal(rows.length, limits.maxRows);
    assert.equal(leftOff, 15_000, 'duplicates and stack sites are not counted as left off');
    assert.equal(byId.size, limits.maxRows);
    assert.equal(rows[0]!.label, 'new(T0)');
    assert.equal(rows[rows.length - 1]!.label, `new(T${limits.maxRows - 1})`);
    // The rows the panel lists make a run the host accepts.
    const run = {
      type: 'run',
      v: 1,
      runId: 1,
      settings: { go: '1.26', procs: 1, gogc: 100 },
      gcAtEnd: false,
      rows: rows.map((r) => ({ id: r.id, count: 1, keep: true })),
    };
    assert.ok(isWebviewToHost(run));
    assert.ok(
      !isWebviewToHost({ ...run, rows: [...run.rows, { id: 'x', count: 1, keep: true }] }),
      "one row more is refused: the cap is the host's limit",
    );
  });

  test('under the cap nothing is left off', () => {
    const { rows, leftOff } = workloadSites(Array.from({ length: 300 }, (_, i) => site(i)));
    assert.equal(rows.length, 300);
    assert.equal(leftOff, 0);
    assert.equal(
      workloadSites(
        Array.from({ length: 300 }, (_, i) => site(i)),
        120,
      ).leftOff,
      180,
    );
  });
});
