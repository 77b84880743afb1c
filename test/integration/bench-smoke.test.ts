// A quick run of every benchmark of `npm run bench` (bench/run.ts) on tiny inputs, so that the
// benchmarks keep working between full runs. Nothing here judges speed: the checks are that each
// benchmark measures what it says (same line counts as its baseline, the runtime really
// allocated the trace, hovers hit sites, the profile is a V8 profile).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { benchCompare } from '../../bench/compare.ts';
import { benchEditor, layout, sitesFromOutput } from '../../bench/editor.ts';
import { benchCacheDir, repoRoot } from '../../bench/lib.ts';
import { benchLatency } from '../../bench/latency.ts';
import { benchModule } from '../../bench/module.ts';
import { benchParser, generateStdOutput, runChild } from '../../bench/parser.ts';
import { summariseProfile } from '../../bench/profile.ts';
import { benchSimulator, makeTrace, sizesFromSites } from '../../bench/simulator.ts';

const goVersion = (() => {
  const r = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } });
  return r.status === 0 ? r.stdout.trim() : undefined;
})();
const noGo = 'SKIPPED LOUDLY: no `go` on PATH — the benchmarks compile and run Go code';

const work = mkdtempSync(join(tmpdir(), 'ghl-bench-smoke-'));
mkdirSync(benchCacheDir, { recursive: true });
const tinyOutput = join(work, 'utf8-m2.txt');

suite('bench smoke (tiny inputs)', { timeout: 600_000 }, () => {
  test('parser: compiles a package with an empty GOCACHE, parser and baseline see the same lines', async (t) => {
    if (!goVersion) return t.skip(noGo);
    const std = await generateStdOutput(tinyOutput, { packages: ['unicode/utf8', 'unicode'] });
    assert.ok(std.compileMs! > 0);
    const r = await benchParser(std, 1);
    assert.ok(r.parse.lines > 100, `only ${r.parse.lines} lines of -m=2 output`);
    assert.equal(r.parse.lines, r.baseline.lines, 'the parser and readline count the same lines');
    assert.equal(r.parse.unparsed, 0);
    assert.ok(r.parse.diagnostics > 0 && r.parse.sites > 0);
    assert.ok(r.figures.some((f) => f.metric.startsWith('parse+join ÷ compile') && f.met !== undefined));
  });

  test('profile: node --cpu-prof of the parse child is summarised by self time', async (t) => {
    if (!goVersion) return t.skip(noGo);
    const dir = join(work, 'prof');
    mkdirSync(dir);
    await runChild('parse', tinyOutput, { join: true, cpuProfDir: dir });
    const f = readdirSync(dir).find((n) => n.endsWith('.cpuprofile'));
    assert.ok(f, 'a .cpuprofile was written');
    const s = summariseProfile(readFileSync(join(dir, f), 'utf8'), 200);
    assert.match(s, /^total \d+ ms sampled/);
    assert.throws(() => summariseProfile('{}'), /not a V8 CPU profile/);
  });

  test('latency: the editor run of a three-package module shows the focus file first, counts its packages', async (t) => {
    if (!goVersion) return t.skip(noGo);
    const mod = join(work, 'latency');
    for (const p of ['a', 'b', 'c']) {
      mkdirSync(join(mod, p), { recursive: true });
      writeFileSync(join(mod, p, `${p}.go`), `package ${p}\n\ntype T struct{ p *int; n [5]int }\n\nfunc New() *T { return &T{} }\n`);
    }
    writeFileSync(join(mod, 'go.mod'), 'module example.com/latency\n\ngo 1.21\n');
    const r = await benchLatency({ module: { dir: mod, focusPackage: './b', focusFile: 'b/b.go' } });
    assert.equal(r.packages, 3);
    assert.ok(r.cold.firstHintMs !== undefined && r.cold.firstHintMs < r.cold.completeMs, JSON.stringify(r.cold));
    assert.deepEqual(r.cold.lastProgress, { packagesDone: 3, packagesTotal: 3 });
    assert.equal(r.cold.errors, 0);
    assert.equal(r.warm.sites, r.cold.sites);
    assert.ok(r.cold.maxRssMiB > 0);
    assert.ok(r.figures.some((f) => f.metric.startsWith('cold: first hint') && f.met !== undefined));
  });

  test('module: cold, warm and edit of a two-package module, each against go build', async (t) => {
    if (!goVersion) return t.skip(noGo);
    const mod = join(work, 'mod');
    mkdirSync(join(mod, 'a'), { recursive: true });
    mkdirSync(join(mod, 'b'), { recursive: true });
    writeFileSync(join(mod, 'go.mod'), 'module example.com/smoke\n\ngo 1.21\n');
    writeFileSync(join(mod, 'a', 'a.go'), 'package a\n\ntype T struct{ p *int; n [5]int }\n\nfunc New() *T { return &T{} }\n');
    writeFileSync(
      join(mod, 'b', 'b.go'),
      'package b\n\nimport "example.com/smoke/a"\n\nvar Keep []*a.T\n\nfunc F(n int) { Keep = append(Keep, a.New(), new(a.T)); _ = make([]byte, n) }\n',
    );
    const r = await benchModule({ moduleDir: mod, edit: { pkg: './b', file: 'b/b.go' } });
    assert.equal(r.packages, 2);
    assert.ok(r.sites >= 2, `${r.sites} sites`);
    assert.ok(r.results.edit.sites.length >= r.sites, 'the edited module still has its sites');
    assert.equal(r.figures.filter((f) => f.metric.startsWith('edit')).length, 2);
    // The save path re-analysed package b alone and merged it: a's sites are those of the full run.
    assert.deepEqual(r.results.save.reanalysed?.dirs, [join(mod, 'b')]);
    const inA = (x: typeof r.results.warm) => x.sites.filter((s) => s.file.endsWith('a.go'));
    assert.deepEqual(inA(r.results.save), inA(r.results.warm));
    assert.match(readFileSync(join(mod, 'b', 'b.go'), 'utf8'), /^package b\n[^]*\}\n$/, 'the edit is undone');
  });

  test('simulator: the real runtime allocates the trace, the simulator replays it', async (t) => {
    if (!goVersion) return t.skip(noGo);
    const sites = sitesFromOutput(
      readFileSync(join(repoRoot, 'test', 'fixtures', 'recorded', 'go1.26', 'constructs-m2.txt'), 'utf8'),
      join(repoRoot, 'test', 'fixtures', 'constructs'),
    );
    // The recorded output alone has no type facts, so sizes come from a fixed mix here.
    const sizes =
      sizesFromSites(sites).length > 0
        ? sizesFromSites(sites)
        : [
            { bytes: 8, pointers: false, weight: 2 },
            { bytes: 48, pointers: true, weight: 3 },
            { bytes: 40000, pointers: false, weight: 0.1 },
          ];
    const ops = makeTrace(sizes, 5000);
    assert.equal(
      ops.reduce((n, o) => n + o.count, 0),
      5000,
    );
    assert.deepEqual(makeTrace(sizes, 5000), ops, 'the trace is deterministic');
    const r = await benchSimulator(sizes, 20_000, work, { goVersion: goVersion!, repeats: 1, sizesFrom: 'a fixed mix' });
    assert.equal(r.real.allocs, 20_000);
    assert.ok(r.real.mallocs >= 20_000);
    assert.equal(r.sim.allocs, 20_000);
    assert.ok(r.sim.seconds > 0 && r.real.seconds > 0);
    assert.ok(r.figures.some((f) => f.metric.includes('÷ real') && f.met !== undefined));
  });

  test('editor: hovers on laid-out real sites hit, hints are built, the bundle compiles', async () => {
    const r = await benchEditor({ perFile: 200, files: 3, samples: 300, vsix: false });
    assert.equal(r.fileSites.length, 200);
    const p99 = r.figures.filter((f) => f.target === 'p99 ≤ 1 ms');
    assert.equal(p99.length, 2);
    const byFile = layout(r.fileSites, 2, 10);
    assert.deepEqual(
      [...byFile.values()].map((l) => l.length),
      [10, 10],
    );
  });

  test('compare: old sources and the working tree measured side by side', async (t) => {
    if (!goVersion) return t.skip(noGo);
    // The "before" side is a copy of the working tree's sources made here, not a commit: the test then
    // runs in a shallow clone too (`npm run bench` compares against the commit, bench/compare.ts).
    const before = join(work, 'before');
    cpSync(join(repoRoot, 'src'), join(before, 'src'), { recursive: true });
    const r = await benchEditor({ perFile: 100, files: 1, samples: 50, vsix: false });
    const sizes = [
      { bytes: 24, pointers: true, weight: 1 },
      { bytes: 5, pointers: false, weight: 1 },
    ];
    const trace = join(work, 'cmp-trace.txt');
    writeFileSync(
      trace,
      makeTrace(sizes, 2000)
        .map((o) => `${o.bytes} ${o.pointers ? 'scan' : 'noscan'} ${o.count} ${o.keep ? 'keep' : 'drop'}\n`)
        .join(''),
    );
    const c = await benchCompare({
      beforeDir: before,
      goVersion: goVersion!,
      stdFile: tinyOutput,
      traceFile: trace,
      hoverSites: r.fileSites,
      repeats: 1,
      hoverSamples: 50,
    });
    const names = c.figures.map((f) => f.metric.replace(/,.*$/, '').replace(/ on a \d+-site file$/, ''));
    assert.deepEqual(names, [
      'parse time',
      'join time',
      'parse+join peak RSS',
      'parse+join wall time',
      'parse+join CPU time (all threads)',
      'simulator time on the trace',
      'hover p50 / p99',
    ]);
    for (const f of c.figures) assert.match(f.value, /^\d+(\.\d+)? /, `${f.metric}: a ratio first, then its terms (${f.value})`);
  });
});

process.on('exit', () => rmSync(work, { recursive: true, force: true }));
