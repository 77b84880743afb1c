// analyzeWorkspace (src/toolchain/analyze.ts) on folders without a Go module: it answers without
// starting go. With the real go command: test/integration/analyze.test.ts.
import { test, suite, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeWorkspace, type AnalyzeOptions } from '../../src/toolchain/analyze.ts';
import type { Spawner } from '../../src/toolchain/go.ts';

function write(root: string, files: Record<string, string>): void {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), content);
  }
}

const temps: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ghl-analyze-'));
  temps.push(d);
  return d;
}

const spawnNothing: Spawner = (c) => {
  throw new Error(`${c} started for a folder without a module`);
};
const analyze = (o: Partial<AnalyzeOptions> & { dir: string }) => analyzeWorkspace({ spawn: spawnNothing, ...o });

suite('analyzeWorkspace', () => {
  after(() => {
    for (const d of temps) rmSync(d, { recursive: true, force: true });
  });

  test('empty and non-Go folders: no modules, no sites, an error saying so', async () => {
    const empty = tempDir();
    const r = await analyze({ dir: empty });
    assert.deepEqual(r.sites, []);
    assert.equal(r.errors[0]?.kind, 'noModules');
    const notGo = tempDir();
    write(notGo, { 'README.md': '# hi\n', 'src/x.js': 'x\n' });
    const r2 = await analyze({ dir: notGo });
    assert.equal(r2.errors[0]?.kind, 'noModules');
  });
});
