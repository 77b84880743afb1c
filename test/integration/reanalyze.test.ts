// The save path (src/toolchain/reanalyze.ts) and the session cache (cache.ts) with the real go
// command: a package run merged into the last full result says what a fresh full analysis says,
// a broken package keeps its last sites, and go env is asked again when what it depends on changes.
// The pure parts (which packages a save covers, cache keys, the helper's answers): test/unit/analysis-cache.test.ts.
import { write, tempDirs } from '../helpers/tempModule.ts';
import { test, suite, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AllocationSite } from '../../src/core/sites/site.ts';
import { analyzeWorkspace, type AnalysisResult, type AnalyzeOptions } from '../../src/toolchain/analyze.ts';
import { AnalysisCache } from '../../src/toolchain/cache.ts';
import { defaultSpawner, type Spawner } from '../../src/toolchain/go.ts';
import { reanalyzeSaved } from '../../src/toolchain/reanalyze.ts';

const repo = resolve(__dirname, '../..');
const cacheDir = join(repo, '.cache', 'xdg', 'go-heap-lens');
const hasGo = spawnSync('go', ['version']).status === 0;
const noGo = 'go is not installed on this machine: the save path cannot run the compiler';
const env = { GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false', GOWORK: 'off' };

const temps = tempDirs('ghl-reanalyze-');
const tempDir = temps.make;

/** A spawner that records each process as `go <verb>` or `typefacts [-resolve|-prefetch]`. */
function recording(into: string[]): Spawner {
  return (command, args, options) => {
    into.push(
      /typefacts/.test(command)
        ? `typefacts${args.includes('-resolve') ? ' -resolve' : ''}${args.includes('-prefetch') ? ' -prefetch' : ''}`
        : `go ${args[0]}`,
    );
    return defaultSpawner(command, args, options);
  };
}

// A type inlined from another package is named as seen from the package that printed it when
// resolved (a.T), and as its own package names it when a full run finds its facts (T): the same
// type, size and class. Names are compared without their package qualifier.
const key = (s: AllocationSite) =>
  JSON.stringify([
    s.file,
    s.line,
    s.column,
    s.expr,
    s.construct,
    s.escapes,
    s.type && { ...s.type, name: s.type.name.replace(/\w+\./g, '') },
    s.prediction,
  ]);
const keys = (r: AnalysisResult) => r.sites.map(key).sort();

const moduleFiles = {
  'go.mod': 'module example.com/save\n\ngo 1.21\n',
  'a/a.go':
    'package a\n\ntype T struct{ p *int; n [5]int }\n\nvar Sink any\n\nfunc New() *T { return &T{} }\n\nfunc Keep() { Sink = New() }\n',
  // errors.New inlines &errors.errorString{...}: a type the helper resolves (-resolve / -prefetch).
  'b/b.go':
    'package b\n\nimport (\n\t"errors"\n\n\t"example.com/save/a"\n)\n\nvar Keep []*a.T\n\nfunc F(n int) error {\n\tKeep = append(Keep, a.New(), new(a.T))\n\t_ = make([]byte, n)\n\treturn errors.New("b")\n}\n',
};

suite('save path: reanalyzeSaved', () => {
  after(() => {
    temps.removeAll();
  });

  test('a saved package is re-analysed alone and merged: the same sites as a fresh full analysis', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const dir = tempDir();
    write(dir, moduleFiles);
    const cache = new AnalysisCache();
    const spawned: string[] = [];
    const opts: AnalyzeOptions = { dir, env, cacheDir, cache, spawn: recording(spawned) };
    const full = await analyzeWorkspace(opts);
    assert.deepEqual(full.errors, []);
    const aSites = full.sites.filter((s) => s.file.endsWith('a/a.go'));
    assert.ok(
      aSites.length > 0 && full.sites.some((s) => s.expr === '&errors.errorString{...}'),
      JSON.stringify(full.sites.map((s) => s.expr)),
    );

    // Edit b: one allocation gone, a new one (a 100-byte array) added.
    write(dir, {
      'b/b.go': moduleFiles['b/b.go']
        .replace('\t_ = make([]byte, n)\n', '\tvar buf [100]byte\n\tSinkB = buf[:]\n')
        .replace('var Keep []*a.T\n', 'var Keep []*a.T\n\nvar SinkB []byte\n'),
    });
    spawned.length = 0;
    const saved = await reanalyzeSaved(analyzeWorkspace, opts, full, [join(dir, 'b', 'b.go')]);
    assert.ok(saved && !saved.full);
    assert.deepEqual(saved.patterns, ['./b']);
    // go env was remembered; one build of ./b, one helper run that also answered the inlined
    // type's query (prefetched from the full run), no second helper run for -resolve.
    assert.deepEqual(spawned.sort(), ['go build', 'typefacts -prefetch']);
    const fresh = await analyzeWorkspace({ dir, env, cacheDir });
    assert.deepEqual(keys(saved.result), keys(fresh));
    assert.deepEqual(saved.result.diagnostics, fresh.diagnostics);
    assert.ok(saved.result.sites.some((s) => s.expr === 'buf' && s.construct === 'moved-to-heap'));
    assert.ok(!saved.result.sites.some((s) => s.expr === 'make([]byte, n)'));
    assert.deepEqual(
      saved.result.sites.filter((s) => s.file.endsWith('a/a.go')),
      aSites,
      'package a untouched',
    );
    assert.deepEqual(saved.result.reanalysed, { dirs: [join(dir, 'b')], runs: 1, staleDirs: [] });

    // b no longer builds: its last sites stay (stale), the error is b's.
    write(dir, { 'b/b.go': 'package b\n\nfunc F() int { return undefinedName }\n' });
    const broken = await reanalyzeSaved(analyzeWorkspace, opts, saved.result, [join(dir, 'b', 'b.go')]);
    assert.ok(broken && !broken.full);
    assert.ok(
      broken.result.errors.some((e) => e.kind === 'build' && e.dir === join(dir, 'b') && /undefined/.test(e.message)),
      JSON.stringify(broken.result.errors),
    );
    assert.deepEqual(keys(broken.result), keys(saved.result));
    assert.deepEqual(broken.result.reanalysed?.staleDirs, [join(dir, 'b')]);
  });

  test("a dependency's changed file is seen by the next package run (the helper's listing cache misses)", async (t) => {
    if (!hasGo) return t.skip(noGo);
    const dir = tempDir();
    write(dir, moduleFiles);
    const lists = tempDir();
    const opts: AnalyzeOptions = { dir, env, cacheDir, cache: new AnalysisCache() };
    const newT = (r: AnalysisResult) => r.sites.find((s) => s.file.endsWith('b/b.go') && s.expr === 'new(a.T)');
    const withLists = { ...opts, cacheDir: lists };
    const full = await analyzeWorkspace(withLists);
    const entries = () =>
      readdirSync(join(lists, 'typefacts', 'lists'))
        .filter((n) => n.endsWith('.json'))
        .sort();
    const afterFull = entries();
    assert.ok(
      afterFull.some((n) => n.endsWith('-largest.json')),
      JSON.stringify(afterFull),
    );
    // The first package run of b is answered from the full run's listing (b's imports' closure):
    // no go list, so no new entry. The second one too.
    const first = await reanalyzeSaved(analyzeWorkspace, withLists, full, [join(dir, 'b', 'b.go')]);
    assert.deepEqual(entries(), afterFull);
    const second = await reanalyzeSaved(analyzeWorkspace, withLists, first!.result, [join(dir, 'b', 'b.go')]);
    assert.deepEqual(entries(), afterFull);
    assert.equal(newT(second!.result)?.type?.size, 48);
    // a.T grows from 48 to 1048 bytes; only b is saved. Its export data in GOCACHE is still the old one.
    write(dir, { 'a/a.go': moduleFiles['a/a.go'].replace('n [5]int', 'n [130]int') });
    const third = await reanalyzeSaved(analyzeWorkspace, withLists, second!.result, [join(dir, 'b', 'b.go')]);
    assert.equal(newT(third!.result)?.type?.size, 1048);
    // 1048 B with pointers: + 8 B malloc header → 1056 → the 1152 B class.
    assert.equal(newT(third!.result)?.prediction.sizeClass, 33);
  });

  test('without a previous result the save path analyses the whole module', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const dir = tempDir();
    write(dir, moduleFiles);
    const r = await reanalyzeSaved(analyzeWorkspace, { dir, env, cacheDir }, undefined, [join(dir, 'b', 'b.go')]);
    assert.ok(r?.full);
    assert.ok(r.result.sites.some((s) => s.file.endsWith('a/a.go')));
  });
});

suite('AnalysisCache', () => {
  test('go env is asked once per module while go.mod, go.work and the settings are unchanged', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const dir = tempDir();
    write(dir, { 'go.mod': 'module example.com/env\n\ngo 1.21\n' });
    const cache = new AnalysisCache();
    const runs: string[] = [];
    const o = { cwd: dir, env, onCommand: (argv: readonly string[]) => runs.push(argv.join(' ')) };
    const first = await cache.goEnv(o);
    assert.match(first.GOVERSION, /^go1\.\d+/);
    assert.deepEqual(await cache.goEnv(o), first);
    assert.equal(runs.length, 1);
    // go.mod changed: asked again (a toolchain line can change GOVERSION).
    write(dir, { 'go.mod': 'module example.com/env\n\ngo 1.22\n' });
    await cache.goEnv(o);
    assert.equal(runs.length, 2);
    // A go.work appears above the module: asked again.
    const outer = tempDir();
    write(outer, { 'go.work': 'go 1.22\n\nuse ./m\n', 'm/go.mod': 'module example.com/w\n\ngo 1.22\n' });
    const inWork = { ...o, cwd: join(outer, 'm'), env: { GOTOOLCHAIN: 'local' } };
    await cache.goEnv(inWork);
    write(outer, { 'go.work': 'go 1.22\n\nuse (\n\t./m\n)\n' });
    await cache.goEnv(inWork);
    assert.equal(runs.length, 4);
    // A setting (environment override) changed: asked again, and it matters.
    const arm = await cache.goEnv({ ...o, env: { ...env, GOARCH: 'arm64' } });
    assert.equal(arm.GOARCH, 'arm64');
    assert.equal(runs.length, 5);
    assert.equal(cache.goEnvRuns, 5);
  });
});
