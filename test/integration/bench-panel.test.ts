// A quick run of the panel benchmark (bench/panel.ts) on a small workload, so it keeps working
// between full runs: the generated module really has one heap site per size, and the host side
// of a run sends what the webview accepts. Nothing here judges speed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, test } from 'node:test';
import { allocationSites, benchPanel, goModule, siteSizes } from '../../bench/panel.ts';

suite('bench panel (small inputs)', () => {
  test('the generated module has one escaping &tN{} per size, as large as the size says', (t) => {
    const go = spawnSync('go', ['version'], { encoding: 'utf8' });
    if (go.status !== 0) return t.skip('SKIPPED LOUDLY: no `go` on PATH');
    const dir = mkdtempSync(join(tmpdir(), 'ghl-bench-panel-'));
    try {
      const sizes = siteSizes(40);
      goModule(dir, sizes);
      const r = spawnSync('go', ['build', '-gcflags=-m', '.'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '', GOWORK: 'off' },
      });
      assert.equal(r.status, 0, r.stderr);
      const escaping = r.stderr.split('\n').filter((l) => /&t\d+\{\} escapes to heap/.test(l));
      assert.equal(escaping.length, sizes.length, r.stderr);
      const sites = allocationSites(sizes);
      assert.deepEqual(
        sites.map((s) => s.prediction.requestBytes),
        sizes.map((s) => s.bytes),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('host side: a run of 60 sites × 1,000 goes through simRunner and the webview validator', async () => {
    const figures = await benchPanel({ sites: 60, webview: false });
    assert.equal(figures.length, 3);
    assert.match(figures[0]!.value, /^60 sites, 60000 objects; simulator alone [\d.]+ ms/);
    assert.match(figures[1]!.value, /\d+ steps in \d+ messages/);
  });
});
