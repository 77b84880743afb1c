// Hardening (issue 6, item 3): workspace trust. In Restricted Mode the only analysis is loading
// saved compiler output, through goSettings.ts restrictedLoadOptions, which the extension uses
// as is (analysis.ts loadFromFile). These tests run the real pipeline with those options and
// watch the process spawner: nothing may reach it, whatever the workspace's settings say; the
// settings that choose an executable, flags or environment are named in the message.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeWorkspace } from '../../src/toolchain/analyze.ts';
import type { Spawner } from '../../src/toolchain/go.ts';
import {
  ignoredWhenRestricted,
  refuseSpawn,
  resolveSettings,
  restrictedLoadOptions,
  type RawSettings,
} from '../../src/toolchain/goSettings.ts';

const repo = join(__dirname, '..', '..');
const fixture = join(repo, 'test', 'fixtures', 'constructs');
const recorded = join(repo, 'test', 'fixtures', 'recorded', 'go1.26', 'constructs-m2.txt');

/** A workspace's .vscode/settings.json written by an attacker. */
const hostileRaw: RawSettings = {
  packages: ['./...'],
  buildFlags: ['-toolexec=/tmp/evil.sh'],
  buildTags: ['pwn'],
  analyzeOnSave: true,
  includeTests: true,
  goVersion: undefined,
  arch: undefined,
  inlineHints: true,
  escapingOnly: true,
  minBytes: 0,
  goGoroot: '/tmp/evil-goroot',
  goAlternateTools: { go: '/tmp/evil-go' },
  goToolsEnvVars: { GOFLAGS: '-toolexec=/tmp/evil.sh', LD_PRELOAD: '/tmp/x.so' },
  goBuildFlags: ['-exec=/tmp/evil.sh'],
  goBuildTags: 'more',
};

function spyOn(inner: Spawner): { spawn: Spawner; calls: string[] } {
  const calls: string[] = [];
  return { calls, spawn: (c, a, o) => (calls.push([c, ...a].join(' ')), inner(c, a, o)) };
}

suite('trust: Restricted Mode spawns nothing', () => {
  test('every executable/flag/environment setting of a hostile workspace is named as ignored', () => {
    const s = resolveSettings(hostileRaw, '/home/u', '/ws').analysis;
    assert.equal(s.goBinary, '/tmp/evil-go', 'the trusted path would use it: the restricted path must not');
    const ignored = ignoredWhenRestricted(s);
    for (const want of [/go\.alternateTools/, /go\.toolsEnvVars/, /buildFlags/, /buildTags/])
      assert.ok(
        ignored.some((i) => want.test(i)),
        `${want} in ${ignored.join(' | ')}`,
      );
    assert.deepEqual(
      ignoredWhenRestricted(
        resolveSettings(
          {
            ...hostileRaw,
            buildFlags: [],
            buildTags: [],
            goGoroot: '',
            goAlternateTools: {},
            goToolsEnvVars: {},
            goBuildFlags: [],
            goBuildTags: '',
          },
          '/h',
          '/ws',
        ).analysis,
      ),
      [],
    );
  });

  test('the restricted options carry none of them, only the file, the version and a refusing spawner', () => {
    const o = restrictedLoadOptions(fixture, recorded, 'go1.26', 'arm64');
    assert.deepEqual(Object.keys(o).sort(), ['arch', 'dir', 'fromFile', 'goVersion', 'noToolchain', 'spawn']);
    assert.equal(o.noToolchain, true);
    assert.throws(
      () =>
        refuseSpawn('go', ['build'], {
          cwd: '/',
          env: {},
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
          windowsHide: true,
          shell: false,
        }),
      /Restricted Mode: refusing to start go/,
    );
  });

  test('loading compiler output works with no process started: sites classified for the chosen version', async () => {
    const spy = spyOn(refuseSpawn);
    const r = await analyzeWorkspace({ ...restrictedLoadOptions(fixture, recorded, 'go1.26', undefined), spawn: spy.spawn });
    assert.deepEqual(spy.calls, [], 'nothing may be spawned in Restricted Mode');
    assert.equal(r.unparsed, 0);
    assert.match(r.goVersion, /1\.26/);
    assert.ok(r.sites.filter((s) => s.escapes).length > 20, `${r.sites.length} sites`);
    assert.ok(
      r.errors.some((e) => e.kind === 'typefacts' && /Restricted Mode/.test(e.message)),
      'the missing type facts are explained',
    );
  });

  test('without noToolchain the same load does try to run go (so the check above can fail)', async () => {
    const spy = spyOn(refuseSpawn);
    const { noToolchain: _dropped, ...trusted } = restrictedLoadOptions(fixture, recorded, 'go1.26', undefined);
    const r = await analyzeWorkspace({ ...trusted, spawn: spy.spawn });
    assert.ok(
      spy.calls.some((c) => /^go env/.test(c)),
      spy.calls.join('\n'),
    );
    assert.ok(
      r.errors.some((e) => /refusing to start go/.test(e.message)),
      JSON.stringify(r.errors),
    );
  });

  test('noToolchain refuses anything but a saved file with a version: a clear error, nothing spawned', async () => {
    const spy = spyOn(refuseSpawn);
    await assert.rejects(
      analyzeWorkspace({ dir: fixture, noToolchain: true, spawn: spy.spawn }),
      /only saved compiler output can be loaded/,
    );
    await assert.rejects(
      analyzeWorkspace({ dir: fixture, fromFile: recorded, noToolchain: true, spawn: spy.spawn }),
      /Go version must be given/,
    );
    assert.deepEqual(spy.calls, []);
  });

  test('the manifest: analysis commands need trust, loading a file does not; executable settings are restricted', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
      contributes: { commands: { command: string; enablement?: string }[] };
      capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
    };
    const cmd = (id: string) => pkg.contributes.commands.find((c) => c.command === id);
    assert.equal(cmd('goHeap.analyzeWorkspace')?.enablement, 'isWorkspaceTrusted');
    assert.equal(cmd('goHeap.analyzePackage')?.enablement, 'isWorkspaceTrusted');
    assert.equal(cmd('goHeap.loadCompilerOutput')?.enablement, undefined, 'loading saved output must work in Restricted Mode');
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    for (const k of ['goHeap.analysis.buildFlags', 'goHeap.analysis.buildTags', 'goHeap.analysis.packages']) {
      assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(k), k);
    }
  });

  test('the extension gates every spawning entry point on trust (source check of the adapter)', () => {
    // The AnalysisService needs a VS Code host (the e2e suite); here we make sure each entry point
    // that can start a run consults canSpawn() first, and that loadFromFile switches to the
    // restricted options instead of refusing.
    const src = readFileSync(join(repo, 'src', 'ui', 'analysis.ts'), 'utf8');
    const body = (name: string): string => {
      const m = new RegExp(`\\n  (?:private )?(?:async )?${name}\\(`).exec(src);
      assert.ok(m, name);
      const i = m.index;
      return src.slice(i, src.indexOf('\n  }\n', i));
    };
    for (const entry of ['onOpen', 'onSave', 'analyzeWorkspace', 'analyzePackage']) assert.match(body(entry), /canSpawn\(\)/, entry);
    assert.match(body('loadFromFile'), /canSpawn\(\)[\s\S]*restricted|ignoredWhenRestricted/);
    assert.match(src, /restrictedLoadOptions\(/);
  });
});
