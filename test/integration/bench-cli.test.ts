// `go-heap-lens bench` (src/cli/bench.ts) in-process with the real go: the demo benchmark's figures,
// the profile joined to the analysis (JSON contract: benchmarks, profile, sites with measured), the
// text output, and the exit codes of a failing benchmark and of bad flags.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { after, suite, test } from 'node:test';
import type { CliIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { tempDirs, write } from '../helpers/tempModule.ts';

const repo = resolve(__dirname, '../..');
const demo = join(repo, 'test', 'fixtures', 'demo');
const hasGo = spawnSync('go', ['version']).status === 0;
const noGo = 'go is not installed on this machine: bench cannot run go test';
const dirs = tempDirs('ghl-bench-cli-');
after(() => dirs.removeAll());

async function bench(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    stdin: async function* () {
      /* no input */
    },
    cwd: repo,
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false', GOWORK: 'off' },
  };
  const code = await main(['bench', ...argv], io);
  return { code, stdout, stderr };
}

interface JsonSite {
  readonly expr: string;
  readonly line: number;
  readonly measured: { objects: number; bytes: number; slots: { bytes: number; objects: number }[]; verdict: string; share: number };
}

suite('cli: go-heap-lens bench', { skip: hasGo ? false : noGo }, () => {
  test('--json: the benchmark figures and every measured site of the demo, confirmed', async () => {
    const r = await bench([demo, '--bench', '^BenchmarkDemo$', '--benchtime', '20x', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      benchmarks: { name: string; iterations: number; allocsPerOp: number }[];
      profile: { totalBytes: number; attributedBytesShare: number; unattributed: unknown[] };
      sites: JsonSite[];
    };
    assert.deepEqual(
      out.benchmarks.map((b) => [b.name, b.iterations, b.allocsPerOp]),
      [['BenchmarkDemo', 20, 15]],
    );
    const big = out.sites.find((s) => s.expr === 'new(bigBuffer)');
    assert.ok(big, 'new(bigBuffer) is measured');
    assert.equal(big.measured.verdict, 'confirmed');
    assert.deepEqual(
      big.measured.slots.map((s) => s.bytes),
      [40960],
    );
    assert.ok(big.measured.objects >= 20 && big.measured.bytes === big.measured.objects * 40960);
    const header = out.sites.find((s) => s.expr === '&header520{}')!;
    assert.equal(header.measured.objects, 4 * big.measured.objects, 'four headers per buffer, in every run of the body');
    assert.equal(out.sites[0]!.expr, 'new(bigBuffer)', 'heaviest first');
    assert.ok(out.profile.attributedBytesShare > 0.5 && out.profile.attributedBytesShare <= 1);
  });

  test('--text: figures first, then the join', async () => {
    const r = await bench([demo, '--bench', '^BenchmarkDemo$', '--benchtime', '5x']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^BenchmarkDemo(-\d+)?: 5 iterations, [\d.]+ (ns|µs|ms)\/op · \d+ B\/op · 15 allocs\/op$/);
    assert.match(lines[1]!, /^# profile BenchmarkDemo: /);
    assert.match(r.stdout, /main\.go:\d+:\d+: new\(bigBuffer\) .* confirmed: /);
  });

  test('a failing benchmark exits 1 naming it; bad flags exit 2', async () => {
    const mod = dirs.make();
    write(mod, {
      'go.mod': 'module example.com/fail\n\ngo 1.21\n',
      'p.go': 'package p\n',
      'p_test.go': 'package p\n\nimport "testing"\n\nfunc BenchmarkBoom(b *testing.B) { b.Fatal("boom") }\n',
    });
    const r = await bench([mod]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /BenchmarkBoom failed/);
    assert.equal((await bench([demo, '--benchtime', 'forever'])).code, 2);
    assert.equal((await bench([demo, '--bench', '-x'])).code, 2);
    assert.equal((await bench([demo, '--json', '--text'])).code, 2);
  });
});
