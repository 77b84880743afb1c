// Unit tests for the pure parts of src/ui (no vscode import): webview HTML and CSP, settings
// merging with vscode-go's, cursor → site, and the manifest ↔ code ids.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, test } from 'node:test';
import { classify } from '../../src/core/alloc/malloc.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';
import { commandIds, panelViewType, viewIds } from '../../src/protocol/manifest.ts';
import { resolveSettings, splitTags, type RawSettings } from '../../src/toolchain/goSettings.ts';
import { shellQuote } from '../../src/toolchain/shellQuote.ts';
import { contentSecurityPolicy, panelHtml } from '../../src/protocol/panelHtml.ts';
import { siteAtPosition } from '../../src/core/sites/siteAt.ts';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

suite('ui: webview HTML', () => {
  const input = {
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    nonce: 'q2n4YVdD1mK3f0Zp0AbCdQ==',
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/panel.css',
  };

  test('CSP: default none, scripts by nonce only, no unsafe-*, nothing remote', () => {
    const html = panelHtml(input);
    const csp = html.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)![1]!;
    assert.equal(csp, contentSecurityPolicy(input.cspSource, input.nonce));
    assert.match(csp, /^default-src 'none';/);
    assert.match(csp, /script-src 'nonce-q2n4YVdD1mK3f0Zp0AbCdQ=='/);
    assert.ok(!/unsafe-(inline|eval)|\*|https?:\/\/(?!file\+)/.test(csp), csp);
    // Every script tag carries the nonce; no inline handlers or inline styles.
    const scripts = [...html.matchAll(/<script([^>]*)>/g)];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0]![1]!, /nonce="q2n4YVdD1mK3f0Zp0AbCdQ=="/);
    assert.ok(!/\son\w+=|style=/.test(html));
  });

  test('a missing or short nonce is refused; URIs are attribute-escaped', () => {
    assert.throws(() => panelHtml({ ...input, nonce: '' }), /nonce/);
    assert.throws(() => panelHtml({ ...input, nonce: 'abc' }), /nonce/);
    const html = panelHtml({ ...input, scriptUri: 'x"><script>alert(1)</script>' });
    assert.equal([...html.matchAll(/<script/g)].length, 1);
  });
});

suite('ui: settings merged with vscode-go', () => {
  const base: RawSettings = {
    packages: undefined,
    buildFlags: undefined,
    buildTags: undefined,
    analyzeOnSave: undefined,
    includeTests: undefined,
    goVersion: '',
    arch: '',
    inlineHints: undefined,
    escapingOnly: undefined,
    minBytes: undefined,
  };

  test('defaults', () => {
    const s = resolveSettings(base, '/home/u', '/ws');
    assert.deepEqual(s.analysis.packages, ['./...']);
    assert.deepEqual(s.analysis.buildFlags, []);
    assert.equal(s.analysis.goBinary, undefined);
    assert.equal(s.analysis.goVersion, undefined);
    assert.equal(s.analysis.analyzeOnSave, true);
    assert.deepEqual(s.display, { inlineHints: true, escapingOnly: true, minBytes: 0 });
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.analysis) && Object.isFrozen(s.analysis.buildFlags));
  });

  test('go.goroot, go.alternateTools.go, go.toolsEnvVars, go.buildFlags, go.buildTags', () => {
    const s = resolveSettings(
      {
        ...base,
        buildFlags: ['-mod=mod'],
        buildTags: ['b', 'c'],
        goGoroot: '~/sdk/go1.22',
        goToolsEnvVars: { GOFLAGS: '-x', BAD: 3 },
        goBuildFlags: ['-trimpath'],
        goBuildTags: 'a,b c',
      },
      '/home/u',
      '/ws',
    );
    assert.equal(s.analysis.goBinary, '/home/u/sdk/go1.22/bin/go');
    assert.deepEqual(s.analysis.env, { GOFLAGS: '-x', GOROOT: '/home/u/sdk/go1.22' });
    assert.deepEqual(s.analysis.buildFlags, ['-trimpath', '-mod=mod']);
    assert.deepEqual(s.analysis.buildTags, ['a', 'b', 'c']);
    const alt = resolveSettings(
      { ...base, goGoroot: '/usr/lib/go', goAlternateTools: { go: '${workspaceFolder}/bin/go' } },
      '/home/u',
      '/ws',
    );
    assert.equal(alt.analysis.goBinary, '/ws/bin/go');
  });

  test('bad values fall back instead of reaching the pipeline', () => {
    const s = resolveSettings({ ...base, packages: [1, '', './cmd/...'], minBytes: -4, buildFlags: 'not-an-array' }, '/h', undefined);
    assert.deepEqual(s.analysis.packages, ['./cmd/...']);
    assert.equal(s.display.minBytes, 0);
    assert.deepEqual(s.analysis.buildFlags, []);
    assert.deepEqual(splitTags(' x, y  z,'), ['x', 'y', 'z']);
  });

  test('log lines quote argv so they can be pasted into a shell', () => {
    assert.equal(shellQuote('-gcflags=-m=2'), '-gcflags=-m=2');
    assert.equal(shellQuote("it's here"), `'it'\\''s here'`);
  });
});

suite('ui: which site the cursor is on', () => {
  const rules = rulesFor('1.26');
  const mk = (line: number, column: number, expr: string): AllocationSite => ({
    file: '/a.go',
    line,
    column,
    construct: 'new',
    expr,
    escapes: true,
    reason: [],
    type: null,
    prediction: classify({ bytes: 8, pointers: true }, rules),
  });
  const sites = [mk(3, 9, 'a'), mk(3, 20, 'b'), mk(4, 2, 'c')];

  test('nearest site starting at or before the cursor; first site when left of all', () => {
    assert.equal(siteAtPosition(sites, 3, 10, 40)?.site.expr, 'a');
    assert.equal(siteAtPosition(sites, 3, 19, 40)?.site.expr, 'b');
    assert.equal(siteAtPosition(sites, 3, 0, 40)?.site.expr, 'a');
    assert.deepEqual({ ...siteAtPosition(sites, 3, 10, 40), site: undefined }, { site: undefined, start: 8, end: 19 });
    assert.equal(siteAtPosition(sites, 5, 0, 10), undefined);
  });
});

suite('ui: manifest and code agree', () => {
  const contributed = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));

  test('every command id in code is contributed, and every contributed command is registered in code', () => {
    const ids = new Set<string>(Object.values(commandIds));
    assert.deepEqual([...contributed].sort(), [...ids].sort());
    const ext = readFileSync(join(root, 'src', 'extension.ts'), 'utf8');
    for (const [k] of Object.entries(commandIds)) assert.ok(ext.includes(`commandIds.${k}`), `extension.ts registers ${k}`);
  });

  test('ids, category, titles and settings follow one prefix', () => {
    for (const c of pkg.contributes.commands) {
      assert.match(c.command, /^goHeap\.[a-z][A-Za-z]+$/);
      assert.equal(c.category, 'Go Heap');
      assert.ok(!c.title.startsWith('Go Heap'), 'the category supplies the prefix');
    }
    const settings = pkg.contributes.configuration.flatMap((s: { title: string; properties: object }) => Object.keys(s.properties));
    for (const k of settings) assert.match(k, /^goHeap\.(analysis|display)\.[a-z][A-Za-z]+$/);
    for (const k of pkg.capabilities.untrustedWorkspaces.restrictedConfigurations) assert.ok(settings.includes(k), k);
    for (const c of pkg.contributes.colors) assert.match(c.id, /^goHeap\.[a-z]+HintForeground$/);
    const hints = readFileSync(join(root, 'src', 'ui', 'hints.ts'), 'utf8');
    for (const c of pkg.contributes.colors) assert.ok(hints.includes(`'${c.id}'`), `hints.ts uses ${c.id}`);
  });

  test('activation, views and the webview serializer', () => {
    // A root go.mod/go.work is checked by file existence. A `**/go.mod` glob is a search that VS Code
    // abandons after a few seconds on a busy machine (seen in the activation bench), so a module in a
    // subfolder activates the extension by onLanguage:go, when a Go file opens.
    assert.deepEqual(pkg.activationEvents, [
      'onLanguage:go',
      'workspaceContains:go.mod',
      'workspaceContains:go.work',
      `onWebviewPanel:${panelViewType}`,
    ]);
    assert.equal(pkg.contributes.views.goHeap[0].id, viewIds.heap);
    assert.equal(pkg.main, './dist/extension.js');
    assert.equal(pkg.capabilities.virtualWorkspaces.supported, 'limited');
    for (const w of pkg.contributes.viewsWelcome) {
      for (const m of w.contents.matchAll(/\(command:([\w.]+)\)/g)) {
        assert.ok(contributed.has(m[1]!) || m[1]!.startsWith('workbench.'), m[1]);
      }
    }
  });
});

suite('ui: the only inline style the CSP admits is the empty one', () => {
  test('emptyStyleHash is sha256("") in base64', async () => {
    const { createHash } = await import('node:crypto');
    const { emptyStyleHash } = await import('../../src/protocol/panelHtml.ts');
    assert.equal(emptyStyleHash, `sha256-${createHash('sha256').update('').digest('base64')}`);
  });
});
