// What `vsce package` ships, from .vscodeignore's rules over the built tree: it reads dist/, so it runs
// after the build (the integration tier builds first).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, test } from 'node:test';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

suite('ui: what the VSIX ships (.vscodeignore allow-list)', () => {
  test('the bundles, media, the type-facts helper sources and nothing else', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { packagedFiles } = require('../../scripts/code-server-env.mjs') as typeof import('../../scripts/code-server-env.mjs');
    const files = packagedFiles();
    for (const f of [
      'package.json',
      'LICENSE',
      'CHANGELOG.md',
      'README.md',
      'dist/extension.js',
      'dist/webview.js',
      'dist/driftReport.js',
      'media/driftReport.css',
      'media/panel.css',
      'media/heap.svg',
      'src/toolchain/typefacts/main.go',
      'src/toolchain/typefacts/go.mod',
    ]) {
      assert.ok(files.includes(f), `${f} is packaged`);
    }
    assert.deepEqual(
      files.filter((f) => f.endsWith('.map') || f.endsWith('.ts') || f.startsWith('test/') || f.endsWith('_test.go')),
      [],
    );
    // The manifest's icon and the webview's resources are inside the package.
    assert.ok(files.includes(pkg.contributes.viewsContainers.activitybar[0].icon));
  });
});
