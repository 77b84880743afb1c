// A run's progress (AnalyzeOptions.onProgress, analyze.ts) with the real go command: one count per
// package whose `# pkg` section arrived, the total once the type-facts helper has listed the
// packages, never past it; each package's sites delivered as its section completes (onPackage); a focus run of one package first (scheduler.ts) followed by the module.
import { write, tempDirs } from '../helpers/tempModule.ts';
import { test, suite, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { analyzeWorkspace, type AnalyzeOptions, type AnalyzeProgress, type PackageSites } from '../../src/toolchain/analyze.ts';
import { RunScheduler } from '../../src/toolchain/scheduler.ts';

const repo = resolve(__dirname, '../..');
const cacheDir = join(repo, '.cache', 'xdg', 'go-heap-lens');
const hasGo = spawnSync('go', ['version']).status === 0;
const env = { GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false', GOWORK: 'off' };
const temps = tempDirs('ghl-progress-');

/** A module of `n` packages p0…p(n-1), each allocating on the heap; p(i) imports p(i-1). */
function chain(n: number): string {
  const root = temps.make();
  const files: Record<string, string> = { 'go.mod': 'module example.com/chain\n\ngo 1.21\n' };
  for (let i = 0; i < n; i++) {
    const imp = i > 0 ? `import "example.com/chain/p${i - 1}"\n\n` : '';
    const use = i > 0 ? `\n\tp${i - 1}.New(n)` : '';
    files[`p${i}/p.go`] =
      `package p${i}\n\n${imp}type T struct{ a, b [${i + 1}]int; p *T }\n\nvar sink *T\n\n//go:noinline\nfunc New(n int) *T {${use}\n\tt := &T{}\n\tsink = t\n\treturn t\n}\n`;
  }
  write(root, files);
  return root;
}

suite('progress', { skip: !hasGo && 'go is not installed on this machine' }, () => {
  after(temps.removeAll);

  test('counts packages as their output arrives, up to the helper\u2019s total', async () => {
    const dir = chain(6);
    const seen: AnalyzeProgress[] = [];
    const delivered: PackageSites[] = [];
    const opts: AnalyzeOptions = { dir, env, cacheDir, onProgress: (p) => seen.push(p), onPackage: (d) => delivered.push(d) };
    const r = await analyzeWorkspace(opts);
    assert.deepEqual(r.errors, []);
    // Each package delivered once, in its own directory, with the sites the result has there.
    assert.deepEqual(
      delivered.map((d) => d.dir).sort(),
      [0, 1, 2, 3, 4, 5].map((i) => join(dir, `p${i}`)),
    );
    const key = (x: { file: string; line: number; column: number; expr: string; prediction: unknown }) =>
      JSON.stringify([x.file, x.line, x.column, x.expr, x.prediction]);
    assert.deepEqual(delivered.flatMap((d) => d.sites.map(key)).sort(), r.sites.map(key).sort());
    for (const d of delivered) assert.ok(d.sites.every((x) => x.file.startsWith(d.dir + '/')));
    assert.ok(seen.length >= 6, JSON.stringify(seen));
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.packagesDone >= seen[i - 1]!.packagesDone, 'never counts down');
    for (const p of seen) if (p.packagesTotal !== undefined) assert.ok(p.packagesDone <= p.packagesTotal);
    assert.deepEqual(seen.at(-1), { packagesDone: 6, packagesTotal: 6 });
    assert.equal(new Set(r.sites.map((s) => s.package)).size, 6);
  });

  test('the scheduler shows the focus package before the module run, whose result then covers all', async () => {
    const dir = chain(4);
    const shown: number[] = [];
    const s = new RunScheduler(
      analyzeWorkspace,
      {
        optionsFor: (moduleDir, _request, signal) => ({ dir: moduleDir, env, cacheDir, signal }),
        resultsChanged: () => shown.push(s.results.allSites().length),
      },
      { info: () => {}, warn: () => {}, error: (_c, m) => assert.fail(m) },
    );
    await s.run(dir, { kind: 'full', trigger: 'open', focus: [join(dir, 'p2', 'p.go')] });
    const files = (n: number) => [...new Set(s.results.allSites().map((x) => x.file))].length === n;
    // The focus result, the module's packages as they arrive (as many shows as the pauses allow), the result.
    assert.ok(shown.length >= 2, JSON.stringify(shown));
    assert.ok(shown[0]! > 0 && shown[0]! < shown.at(-1)!, JSON.stringify(shown));
    assert.ok(files(4));
    s.dispose();
  });
});
