// analyzeWorkspace (src/toolchain/analyze.ts) end to end with the real go command on
// fixture and temporary modules: sites and their classes, build errors in one package,
// missing go, the build cache replay, overlays, test variants, old
// toolchains, and pasted output. Empty folders (no process): test/unit/analyze-no-module.test.ts.
import { write, tempDirs } from '../helpers/tempModule.ts';
import { test, suite, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseText } from '../../src/core/escape/text.ts';
import { analyzeWorkspace, type AnalysisResult, type AnalyzeOptions } from '../../src/toolchain/analyze.ts';
import { defaultSpawner, runGo, ToolchainError, type Spawner } from '../../src/toolchain/go.ts';

const repo = resolve(__dirname, '../..');
// The same cache the CLI tests reach through XDG_CACHE_HOME=.cache/xdg: one helper build per Go version.
const cacheDir = join(repo, '.cache', 'xdg', 'go-heap-lens');
const fixture = join(repo, 'test/fixtures/constructs');
const hasGo = spawnSync('go', ['version']).status === 0;
const noGo = 'go is not installed on this machine: analyze cannot run the compiler';
const env = { GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false', GOWORK: 'off' };

const temps = tempDirs('ghl-analyze-');
const tempDir = temps.make;

const analyze = (o: Partial<AnalyzeOptions> & { dir: string }) => analyzeWorkspace({ env, cacheDir, ...o });

function site(r: AnalysisResult, file: string, expr: string) {
  return r.sites.find((s) => s.file.endsWith(file) && s.expr === expr);
}

suite('analyzeWorkspace', () => {
  after(() => {
    temps.removeAll();
  });

  let constructs: AnalysisResult | undefined;
  before(async () => {
    if (hasGo) constructs = await analyze({ dir: fixture });
  });

  test('constructs fixture: every line parsed, no errors, sites classified as the runtime does', (t) => {
    if (!hasGo) return t.skip(noGo);
    const r = constructs!;
    assert.equal(r.unparsed, 0, JSON.stringify(r.unparsedLines.slice(0, 3)));
    assert.deepEqual(r.errors, []);
    assert.match(r.goVersion, /^go1\.\d+/);
    // alloc.Point is struct{X, Y int64}: 16 B noscan → size class 2, span class 5.
    const p = site(r, 'alloc/alloc.go', '&Point{...}');
    assert.ok(p, 'no &Point{...} site');
    assert.equal(p.escapes, true);
    assert.deepEqual(p.type, { name: 'Point', size: 16, align: 8, ptrBytes: 0 });
    assert.deepEqual([p.prediction.kind, p.prediction.sizeClass, p.prediction.spanClass], ['small', 2, 5]);
    // alloc.Node is {*Node; string; [2]int64}: 40 B; the last pointer word is the string's data
    // pointer at offset 8, so PtrBytes is 16 → 48 B slot (class 5), scan.
    const n = site(r, 'alloc/alloc.go', 'new(Node)');
    assert.ok(n);
    assert.deepEqual(n.type, { name: 'Node', size: 40, align: 8, ptrBytes: 16 });
    assert.deepEqual([n.prediction.sizeClass, n.prediction.spanClass, n.prediction.slotBytes], [5, 10, 48]);
    // Sites name their enclosing function (the Heap view groups package → function → sites).
    assert.equal(n.func, 'NewBox');
    assert.ok(
      r.sites.filter((s) => s.file.includes('/alloc/')).every((s) => typeof s.func === 'string' && s.func !== ''),
      'every alloc site has its function',
    );
    // make([]int, n) is dynamic: unknown with the class as a function of n.
    const m = site(r, 'alloc/alloc.go', 'make([]int, n)');
    assert.ok(m);
    assert.equal(m.prediction.kind, 'unknown');
    assert.ok((m.dynamic?.length ?? 0) > 10);
    // Columns are UTF-16 and 1-based; every site has an absolute file.
    assert.ok(r.sites.every((s) => s.file.startsWith('/') && s.line >= 1 && s.column >= 1));
    const withReason = r.sites.filter((s) => s.escapes && s.reason.length > 0).length;
    assert.ok(withReason > r.sites.filter((s) => s.escapes).length / 2, 'most heap sites carry their -m=2 explanation');
  });

  test('every process goes through the injected spawner and is reported to onCommand', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const spawned: string[] = [];
    const logged: string[] = [];
    const spy: Spawner = (c, a, o) => {
      spawned.push([c, ...a].join(' '));
      return defaultSpawner(c, a, o);
    };
    await analyze({ dir: fixture, spawn: spy, onCommand: (argv) => logged.push(argv.join(' ')) });
    assert.deepEqual(spawned, logged);
    assert.ok(spawned.some((c) => c.startsWith('go env -json')));
    assert.ok(spawned.some((c) => c.startsWith('go build -gcflags=-m=2')));
    assert.ok(spawned.some((c) => /typefacts/.test(c)));
    // A spawner that refuses (what an untrusted workspace would get) stops the analysis.
    await assert.rejects(
      analyze({
        dir: fixture,
        spawn: () => {
          throw Object.assign(new Error('spawn refused'), { code: 'EACCES' });
        },
      }),
      (e: unknown) => ToolchainError.is(e, 'goNotFound'),
    );
  });

  test('a bogus go binary rejects with goNotFound', async () => {
    await assert.rejects(analyze({ dir: fixture, goBinary: '/nonexistent/bin/go' }), (e: unknown) => ToolchainError.is(e, 'goNotFound'));
  });

  test('go.work: every module is built from its own root; sites and flow steps point into the right module', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const dir = tempDir();
    const src = (pkg: string) =>
      `package ${pkg}\n\ntype T struct{ p *int; n [5]int }\n\nvar Sink *T\n\nfunc F() {\n\tt := &T{}\n\tSink = t\n}\n`;
    write(dir, {
      'go.work': 'go 1.21\n\nuse (\n\t./a\n\t./b\n)\n',
      'a/go.mod': 'module example.com/a\n\ngo 1.21\n',
      'a/a.go': src('a'),
      'b/go.mod': 'module example.com/b\n\ngo 1.21\n',
      'b/sub/b.go': src('b'),
    });
    const r = await analyze({ dir, env: { ...env, GOWORK: '' } });
    assert.deepEqual(r.modules, [join(dir, 'a'), join(dir, 'b')]);
    assert.deepEqual(r.errors, []);
    for (const file of [join(dir, 'a/a.go'), join(dir, 'b/sub/b.go')]) {
      const s = r.sites.find((x) => x.file === file && x.expr === '&T{}');
      assert.ok(s, `no site in ${file}`);
      // 8 + 40 = 48 B pointerful → class 5 (48 B), scan.
      assert.deepEqual([s.prediction.requestBytes, s.prediction.slotBytes, s.prediction.noscan], [48, 48, false]);
      const at = s.reason.filter((st) => st.file);
      assert.ok(at.length > 0 && at.every((st) => st.file === file), JSON.stringify(s.reason));
    }
  });

  test('a compile error in one package is an error; the other packages keep their sites', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const dir = tempDir();
    write(dir, {
      'go.mod': 'module example.com/broken\n\ngo 1.21\n',
      'good/good.go': 'package good\n\ntype T struct{ a, b, c *int }\n\nfunc New() *T { return &T{} }\n',
      'bad/bad.go': 'package bad\n\nfunc F() int { return undefinedName }\n',
    });
    const r = await analyze({ dir });
    const err = r.errors.find((e) => e.kind === 'build');
    assert.ok(err, JSON.stringify(r.errors));
    assert.ok(
      r.errors.some((e) => e.kind === 'build' && e.file?.endsWith('bad/bad.go') && e.line === 3 && /undefined/.test(e.message)),
      JSON.stringify(r.errors),
    );
    const s = site(r, 'good/good.go', '&T{}');
    assert.ok(s, 'the good package lost its sites');
    assert.deepEqual([s.prediction.requestBytes, s.prediction.sizeClass, s.prediction.noscan], [24, 3, false]);
  });

  test('the second run replays the compiler output from the build cache, with identical sites', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const dir = tempDir();
    const gocache = tempDir();
    write(dir, {
      'go.mod': 'module example.com/replay\n\ngo 1.21\n',
      'r.go':
        'package replay\n\ntype B struct{ buf [100]byte }\n\nvar Sink any\n\nfunc F(n int) {\n\tSink = new(B)\n\tSink = make([]int, n)\n}\n',
    });
    const e2 = { ...env, GOCACHE: gocache };
    const first = await analyze({ dir, env: e2 });
    const second = await analyze({ dir, env: e2 });
    assert.ok(first.sites.length >= 2);
    assert.deepEqual(second.sites, first.sites);
    assert.deepEqual(second.diagnostics, first.diagnostics);
    // Prove the replay: with -x, cmd/go shows no compile of the package, yet the -m=2 text is all there.
    const x = await runGo(['build', '-x', '-gcflags=-m=2', '-o', '/dev/null', './...'], { cwd: dir, env: e2 });
    assert.equal(x.exitCode, 0);
    assert.doesNotMatch(x.stderr, /compile .*-p example\.com\/replay /);
    const replayed = parseText(x.stderr, { baseDir: dir })
      .diagnostics.filter((d) => d.kind === 'escapes')
      .map((d) => d.message);
    assert.ok(replayed.includes('new(B) escapes to heap'), x.stderr.slice(0, 2000));
  });

  test('allocations inlined from the standard library get their type from the dependency (errors.New)', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const dir = tempDir();
    write(dir, {
      'go.mod': 'module example.com/inl\n\ngo 1.21\n',
      'e.go': 'package inl\n\nimport "errors"\n\nfunc F() error { return errors.New("boom") }\n',
    });
    const r = await analyze({ dir });
    const s = site(r, 'e.go', '&errors.errorString{...}');
    assert.ok(s, JSON.stringify(r.sites.map((x) => x.expr)));
    // errorString is struct{ s string }: 16 B, pointer in the first word → class 2 scan (span class 4).
    assert.deepEqual(s.type, { name: 'errors.errorString', size: 16, align: 8, ptrBytes: 8 });
    assert.deepEqual([s.prediction.sizeClass, s.prediction.spanClass], [2, 4]);
    assert.ok(s.notes?.some((n) => /resolved/.test(n)));
  });

  test('unsaved buffers (overlay) are compiled and measured instead of the file on disk', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const dir = tempDir();
    write(dir, { 'go.mod': 'module example.com/ov\n\ngo 1.21\n', 'o.go': 'package ov\n\nvar Sink any\n\nfunc F() { Sink = new(int) }\n' });
    const unsaved = 'package ov\n\nvar Sink any\n\ntype Big struct{ a [600]*int }\n\n// é€😀\nfunc F() { /* é */ Sink = new(Big) }\n';
    const r = await analyze({ dir, overlay: new Map([[join(dir, 'o.go'), unsaved]]) });
    assert.equal(site(r, 'o.go', 'new(int)'), undefined);
    const s = site(r, 'o.go', 'new(Big)');
    assert.ok(s, JSON.stringify(r.sites.map((x) => x.expr)));
    assert.equal(s.line, 8);
    // "func F() { /* é */ Sink = new(Big) }": the compiler's byte column of "(" is one more than its UTF-16 column.
    assert.equal(s.column, 'func F() { /* é */ Sink = new('.length);
    // 4800 B pointerful: + 8 B malloc header (go1.22+) → 4864 B class.
    assert.equal(s.prediction.requestBytes, 4800);
  });

  test('includeTests adds the _test.go files of the package', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const r = await analyze({ dir: fixture, includeTests: true, packages: ['./alloc'] });
    assert.equal(r.unparsed, 0);
    assert.deepEqual(r.errors, []);
    assert.ok(
      r.sites.some((s) => s.file.endsWith('_test.go')),
      'no site in a _test.go file',
    );
    assert.ok(r.sites.some((s) => s.file.endsWith('alloc/alloc.go')));
  });

  test('an older toolchain (go1.21) gives go1.21 answers: no malloc header', async (t) => {
    const go121 = join(repo, '.cache/go/go-1.21/bin/go');
    if (!hasGo) return t.skip(noGo);
    if (!existsSync(go121)) return t.skip(`${go121} is not installed (scripts/install-go-toolchains.sh installs it)`);
    const dir = tempDir();
    write(dir, {
      'go.mod': 'module example.com/old\n\ngo 1.21\n',
      'o.go': 'package old\n\ntype P struct{ a [70]*int }\n\nvar Sink any\n\nfunc F() { Sink = new(P) }\n',
    });
    const r = await analyze({ dir, goBinary: go121 });
    assert.match(r.goVersion, /^go1\.21/);
    const s = site(r, 'o.go', 'new(P)')!;
    // 560 B pointerful: go1.21 has no header → class 576; go1.22+ would ask for 568 B, also 576.
    assert.equal(s.prediction.headerBytes, 0);
    assert.equal(s.prediction.slotBytes, 576);
  });

  test('fromFile: recorded compiler output is parsed and joined without building', async (t) => {
    const recorded = join(repo, 'test/fixtures/recorded/go1.27/constructs-m2.txt');
    if (!existsSync(recorded)) return t.skip(`${recorded} is not recorded yet`);
    const r = await analyze({ dir: fixture, fromFile: recorded, goVersion: '1.27' });
    assert.equal(r.unparsed, 0);
    assert.equal(r.goVersion, '1.27');
    assert.ok(r.sites.length > 30);
    if (hasGo)
      assert.ok(site(r, 'alloc/alloc.go', '&Point{...}')?.prediction.kind === 'small', 'type facts joined with the recorded output');
  });
});
