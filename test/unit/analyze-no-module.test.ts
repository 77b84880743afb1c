// analyzeWorkspace (src/toolchain/analyze.ts) on folders without a Go module: it answers without
// starting go. With the real go command: test/integration/analyze.test.ts.
import { write, tempDirs } from '../helpers/tempModule.ts';
import { test, suite, after } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeWorkspace, type AnalyzeOptions } from '../../src/toolchain/analyze.ts';
import type { Spawner } from '../../src/toolchain/go.ts';

const temps = tempDirs('ghl-analyze-');
const tempDir = temps.make;

const spawnNothing: Spawner = (c) => {
  throw new Error(`${c} started for a folder without a module`);
};
const analyze = (o: Partial<AnalyzeOptions> & { dir: string }) => analyzeWorkspace({ spawn: spawnNothing, ...o });

suite('analyzeWorkspace', () => {
  after(() => {
    temps.removeAll();
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
