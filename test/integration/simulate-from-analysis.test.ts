// `go-heap-lens simulate --from-analysis` (run in-process) on a fixture module compiled by the real go.
// Workload validation and the rest of the simulate CLI: test/unit/heapsim-workload.test.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { suite, test } from 'node:test';
import { runCli } from '../helpers/cliio.ts';

suite('simulate --from-analysis', () => {
  test('runs the analysis of a fixture module and simulates its sites', async (t) => {
    try {
      execFileSync('go', ['version'], { stdio: 'ignore' });
    } catch {
      t.skip('SKIPPED: no `go` on PATH; --from-analysis runs the compiler');
      return;
    }
    const r = await runCli(['simulate', '--from-analysis', join(__dirname, '..', 'fixtures', 'constructs'), '--count', '10', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.ok(j.spansInUse > 0 && j.bySizeClass.length > 3, r.stdout.slice(0, 200));
    const bad = await runCli(['simulate', '--from-analysis', '.', '--count', 'x']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--count: expected a whole number ≥ 1, got "x"/);
  });
});
