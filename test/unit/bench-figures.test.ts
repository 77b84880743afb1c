// The benchmark figures read from `go test -bench -benchmem` output (core/bench/figures.ts) and the
// benchmark/test functions a CodeLens sits above.
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { benchFiguresText, benchFuncs, failedNames, parseBenchFigures } from '../../src/core/bench/figures.ts';

suite('bench figures', () => {
  test('result lines: GOMAXPROCS suffix, sub-benchmarks, -benchmem and ReportMetric pairs', () => {
    const out = [
      'goos: linux',
      'goarch: amd64',
      'pkg: example.com/demo',
      'cpu: AMD EPYC',
      'BenchmarkDemo-2   \t     100\t     29460 ns/op\t   43745 B/op\t      15 allocs/op',
      'BenchmarkParse/small-8         \t 1000000\t      1043 ns/op\t      48 B/op\t       1 allocs/op\t 12.5 MB/s',
      'BenchmarkBare\t2\t500000000.5 ns/op',
      'BenchmarkDemo is not a result line',
      'PASS',
      'ok  \texample.com/demo\t1.2s',
    ].join('\n');
    const got = parseBenchFigures(out);
    assert.deepEqual(
      got.map((f) => [f.name, f.procs, f.iterations, f.nsPerOp, f.bytesPerOp, f.allocsPerOp]),
      [
        ['BenchmarkDemo', 2, 100, 29460, 43745, 15],
        ['BenchmarkParse/small', 8, 1000000, 1043, 48, 1],
        ['BenchmarkBare', undefined, 2, 500000000.5, undefined, undefined],
      ],
    );
    assert.deepEqual(got[1]!.metrics, { 'MB/s': 12.5 });
    assert.equal(benchFiguresText(got[0]!), '29.5 µs/op · 43745 B/op · 15 allocs/op');
    assert.equal(benchFiguresText(got[2]!), '500.00 ms/op');
  });

  test('failed names come from --- FAIL lines', () => {
    assert.deepEqual(failedNames('--- FAIL: BenchmarkBoom\n    x_test.go:5: boom\n    --- FAIL: TestA/sub (0.00s)\nFAIL\n'), [
      'BenchmarkBoom',
      'TestA/sub',
    ]);
  });

  test('benchmark and test functions as go test finds them', () => {
    const src = [
      'package p',
      'func BenchmarkA(b *testing.B) {}',
      'func Benchmark(b *testing.B) {}',
      'func Benchmarkx(b *testing.B) {}',
      'func TestB(t *testing.T) {',
      'func TestC(b *testing.B) {}',
      'func (s *S) BenchmarkM(b *testing.B) {}',
      'func BenchmarkWrongParam(t *testing.T) {}',
      'func Test_under(t *testing.T) {}',
    ].join('\n');
    assert.deepEqual(benchFuncs(src), [
      { name: 'BenchmarkA', kind: 'benchmark', line: 2 },
      { name: 'Benchmark', kind: 'benchmark', line: 3 },
      { name: 'TestB', kind: 'test', line: 5 },
      { name: 'Test_under', kind: 'test', line: 9 },
    ]);
  });
});
