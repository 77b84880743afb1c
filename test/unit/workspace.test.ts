// Workspace discovery (src/toolchain/workspace.ts) on temporary folders: go.work and nested modules,
// overlays. The go runner: test/integration/go-runner.test.ts.
import { write } from '../helpers/tempModule.ts';
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findModules, parseGoWorkUses, writeOverlay } from '../../src/toolchain/workspace.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ghl-toolchain-'));
}

suite('toolchain: workspace', () => {
  test('go.work use directives (single, block, quoted, comments)', () => {
    const uses = parseGoWorkUses('go 1.22\n\nuse ./a // first\nuse (\n\t./b\n\t"./c d"\n\t// ./ignored\n)\nreplace x => y\n');
    assert.deepEqual(uses, ['./a', './b', './c d']);
  });

  test('findModules: nested modules, skipping vendor, testdata, node_modules and dot dirs', async () => {
    const dir = tempDir();
    write(dir, {
      'a/go.mod': 'module a\n',
      'a/sub/b/go.mod': 'module b\n',
      'vendor/v/go.mod': 'module v\n',
      'a/testdata/t/go.mod': 'module t\n',
      'node_modules/n/go.mod': 'module n\n',
      '.git/g/go.mod': 'module g\n',
      '_tmp/u/go.mod': 'module u\n',
      'README.md': 'hi',
    });
    const set = await findModules(dir);
    assert.deepEqual(set.modules, [join(dir, 'a'), join(dir, 'a/sub/b')]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('findModules: go.work lists the modules; a subfolder of a module becomes a pattern; an empty folder has none', async () => {
    const dir = tempDir();
    write(dir, {
      'go.work': 'go 1.21\nuse (\n\t./x\n\t./y\n)\n',
      'x/go.mod': 'module x\n',
      'y/go.mod': 'module y\n',
      'z/go.mod': 'module z\n',
      'x/p/q/f.go': 'package q\n',
    });
    assert.deepEqual((await findModules(dir)).modules, [join(dir, 'x'), join(dir, 'y')]);
    const inner = await findModules(join(dir, 'x/p'));
    assert.deepEqual(inner, { modules: [join(dir, 'x')], patterns: ['./p/...'] });
    const empty = tempDir();
    assert.deepEqual((await findModules(empty)).modules, []);
    rmSync(dir, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });

  test('writeOverlay writes the buffers and the Replace map, and cleans up', async () => {
    const o = await writeOverlay(new Map([['/w/m/main.go', 'package main\n// unsaved\n']]));
    const json = JSON.parse(readFileSync(o.path, 'utf8')) as { Replace: Record<string, string> };
    const tmp = json.Replace['/w/m/main.go']!;
    assert.equal(readFileSync(tmp, 'utf8'), 'package main\n// unsaved\n');
    await o.dispose();
    assert.throws(() => readFileSync(o.path));
  });
});
