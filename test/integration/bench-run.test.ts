// The benchmark runner (src/toolchain/benchRun.ts) against the real go command: the demo module's
// benchmark with a rate-1 profile, a failing benchmark, a test run, cancel of a benchmark that never
// ends (the whole process group goes), and no file left in the package or the temp dir.
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, suite, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { defaultSpawner, ToolchainError, type Spawner } from '../../src/toolchain/go.ts';
import { benchArgs, runBenchmarks } from '../../src/toolchain/benchRun.ts';
import { tempDirs, write } from '../helpers/tempModule.ts';
import { groupMembers } from './helpers/procs.ts';

const hasGo = spawnSync('go', ['version']).status === 0;
const noGo = 'go is not installed on this machine: the real-toolchain tests cannot run';
const demo = join(__dirname, '..', 'fixtures', 'demo');
const dirs = tempDirs('ghl-bench-');
after(() => dirs.removeAll());

const benchTemps = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('go-heap-lens-bench-'));

suite('toolchain: benchmark runs with a heap profile', { skip: hasGo ? false : noGo }, () => {
  test('argv: anchored names, rate 1, binary and profile out of the package, flags and tags', () => {
    const argv = benchArgs(
      { dir: '.', benchmarks: ['BenchmarkA', 'BenchmarkB'], benchtime: '10x', buildFlags: ['-race'], buildTags: ['x', 'y'] },
      '/t/m',
      '/t/b',
      '/t/o.json',
    );
    assert.deepEqual(argv, [
      'test',
      '-run',
      '^$',
      '-bench',
      '^(BenchmarkA|BenchmarkB)$',
      '-benchmem',
      '-benchtime',
      '10x',
      '-memprofile',
      '/t/m',
      '-memprofilerate=1',
      '-o',
      '/t/b',
      '-race',
      '-tags=x,y',
      '-overlay=/t/o.json',
      '.',
    ]);
    assert.deepEqual(benchArgs({ dir: '.', tests: ['TestA'] }, '/t/m', '/t/b', undefined).slice(0, 4), [
      'test',
      '-run',
      '^(TestA)$',
      '-count=1',
    ]);
    assert.throws(() => benchArgs({ dir: '.', benchmarks: ['Bad|.*'] }, '/t/m', '/t/b', undefined), /not a Go function name/);
  });

  test('the demo benchmark: figures per op, a gzipped profile, nothing left behind', async () => {
    const before = new Set(benchTemps());
    const seen: string[][] = [];
    const r = await runBenchmarks({ dir: demo, benchmarks: ['BenchmarkDemo'], benchtime: '20x', onCommand: (a) => seen.push([...a]) });
    assert.equal(seen.length, 1);
    assert.equal(r.benchmarks.length, 1);
    const f = r.benchmarks[0]!;
    assert.equal(f.name, 'BenchmarkDemo');
    assert.equal(f.iterations, 20);
    // 1 large 40960 B span + 4 × 576 B + 10 × 48 B per iteration: 15 allocations, 43744 B (what the
    // testing package allocates meanwhile is spread over b.N into the per-op figure: a little more).
    assert.equal(f.allocsPerOp, 15);
    assert.ok(f.bytesPerOp! >= 43744 && f.bytesPerOp! < 43744 + 2048, `B/op ${f.bytesPerOp}`);
    assert.deepEqual([...r.profile.subarray(0, 2)], [0x1f, 0x8b], 'go test writes the profile gzipped');
    assert.ok(gunzipSync(r.profile).length > 0);
    assert.deepEqual(
      benchTemps().filter((n) => !before.has(n)),
      [],
    );
    assert.ok(!existsSync(join(demo, 'demo.test')) && !readdirSync(demo).some((n) => n.endsWith('.test')), 'no test binary in the package');
  });

  test('a test run profiles the test', async () => {
    const r = await runBenchmarks({ dir: demo, tests: ['TestDemoPoint'] });
    assert.deepEqual(r.benchmarks, []);
    assert.ok(r.profile.length > 0);
  });

  test('a failing benchmark is an error naming it, with its message', async () => {
    const mod = dirs.make();
    write(mod, {
      'go.mod': 'module example.com/fail\n\ngo 1.21\n',
      'p.go': 'package p\n',
      'p_test.go': 'package p\n\nimport "testing"\n\nfunc BenchmarkBoom(b *testing.B) { b.Fatal("boom at iteration zero") }\n',
    });
    await assert.rejects(
      runBenchmarks({ dir: mod, benchmarks: ['BenchmarkBoom'] }),
      (e: unknown) =>
        ToolchainError.is(e, 'buildFailed') && /^BenchmarkBoom failed/.test(e.message) && /boom at iteration zero/.test(e.message),
    );
    await assert.rejects(
      runBenchmarks({ dir: mod, benchmarks: ['BenchmarkMissing'] }),
      (e: unknown) => ToolchainError.is(e, 'buildFailed') && /no benchmark matched/.test(e.message),
    );
    await assert.rejects(runBenchmarks({ dir: mod, benchmarks: ['BenchmarkBoom'], benchtime: '1; rm -rf /' }), /not a duration/);
  });

  test('cancel of a benchmark that never ends kills its whole process group', async () => {
    const mod = dirs.make();
    const marker = join(mod, 'started');
    write(mod, {
      'go.mod': 'module example.com/forever\n\ngo 1.21\n',
      'p.go': 'package p\n',
      'p_test.go':
        'package p\n\nimport (\n\t"os"\n\t"strconv"\n\t"testing"\n)\n\n' +
        `func BenchmarkForever(b *testing.B) {\n\tos.WriteFile(${JSON.stringify(marker)}, []byte(strconv.Itoa(os.Getpid())), 0o644)\n\tfor {\n\t}\n}\n`,
    });
    let child: ChildProcess | undefined;
    const spy: Spawner = (c, a, o) => (child = defaultSpawner(c, a, o));
    const ac = new AbortController();
    const run = runBenchmarks({ dir: mod, benchmarks: ['BenchmarkForever'], signal: ac.signal, spawn: spy });
    // Wait for the benchmark itself to be running (it writes its pid), however long the build takes.
    while (!existsSync(marker) || readFileSync(marker, 'utf8') === '') await new Promise((r) => setTimeout(r, 25));
    const benchPid = Number(readFileSync(marker, 'utf8'));
    ac.abort();
    await assert.rejects(run, (e: unknown) => ToolchainError.is(e, 'cancelled'));
    assert.ok(child?.pid);
    assert.deepEqual(groupMembers(child.pid), [], 'no process of the run is left');
    assert.ok(
      !existsSync(`/proc/${benchPid}`) || readFileSync(`/proc/${benchPid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z'),
      'the benchmark binary is gone',
    );
  });
});
