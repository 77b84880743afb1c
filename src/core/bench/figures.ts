// The figures `go test -bench -benchmem` prints per benchmark, read from its text output.
// The format is testing.BenchmarkResult.String plus MemString (src/testing/benchmark.go):
//
//	BenchmarkName[/sub]-GOMAXPROCS <TAB> N <TAB> x ns/op [<TAB> y B/op <TAB> z allocs/op] [<TAB> v unit ...]
//
// The `-GOMAXPROCS` suffix is absent when GOMAXPROCS is 1 (the name is then printed bare), and
// b.ReportMetric adds further `value unit` pairs, which are kept as extra metrics.

export interface BenchFigures {
  /** As declared, without the -GOMAXPROCS suffix: `BenchmarkParse` or `BenchmarkParse/small`. */
  readonly name: string;
  /** The GOMAXPROCS suffix, when printed. */
  readonly procs: number | undefined;
  /** b.N of the final run. */
  readonly iterations: number;
  readonly nsPerOp: number;
  /** -benchmem figures (undefined without -benchmem). */
  readonly bytesPerOp: number | undefined;
  readonly allocsPerOp: number | undefined;
  /** Other `value unit` pairs (b.ReportMetric), by unit. */
  readonly metrics: Readonly<Record<string, number>>;
}

const benchLine = /^(Benchmark\S*?)(?:-(\d+))?\s+(\d+)((?:\s+[0-9.eE+-]+\s+\S+)+)\s*$/;

/** parseBenchFigures: every result line of `go test -bench` output, in order. Other lines are ignored. */
export function parseBenchFigures(output: string): BenchFigures[] {
  const out: BenchFigures[] = [];
  for (const raw of output.split('\n')) {
    const m = benchLine.exec(raw.replace(/\r$/, ''));
    if (!m) continue;
    const pairs = m[4]!.trim().split(/\s+/);
    const metrics: Record<string, number> = {};
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const v = Number(pairs[i]);
      if (!Number.isFinite(v)) continue;
      metrics[pairs[i + 1]!] = v;
    }
    const nsPerOp = metrics['ns/op'];
    if (nsPerOp === undefined) continue;
    const { 'ns/op': _ns, 'B/op': bytesPerOp, 'allocs/op': allocsPerOp, ...rest } = metrics;
    out.push({
      name: m[1]!,
      procs: m[2] === undefined ? undefined : Number(m[2]),
      iterations: Number(m[3]),
      nsPerOp,
      bytesPerOp,
      allocsPerOp,
      metrics: rest,
    });
  }
  return out;
}

/** benchFiguresText: `1043 ns/op · 48 B/op · 1 allocs/op`, as the lens and the CLI show them. */
export function benchFiguresText(f: BenchFigures): string {
  const parts = [`${formatNs(f.nsPerOp)}/op`];
  if (f.bytesPerOp !== undefined) parts.push(`${f.bytesPerOp} B/op`);
  if (f.allocsPerOp !== undefined) parts.push(`${f.allocsPerOp} allocs/op`);
  return parts.join(' · ');
}

function formatNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns % 1 === 0 ? ns : ns.toFixed(1)} ns`;
}

/** The failing benchmark or test names in `go test` output (`--- FAIL: BenchmarkX`), in order. */
export function failedNames(output: string): string[] {
  const out: string[] = [];
  for (const m of output.matchAll(/^\s*--- FAIL: (\S+)/gm)) out.push(m[1]!);
  return out;
}

/**
 * benchFuncs: the benchmark and test functions a Go source file declares, with their 1-based lines
 * (what the CodeLens sits above). Only top-level `func BenchmarkX(b *testing.B)` /
 * `func TestX(t *testing.T)` count, as `go test` finds them (the name after the prefix must not
 * start with a lower-case letter).
 */
export function benchFuncs(source: string): { readonly name: string; readonly kind: 'benchmark' | 'test'; readonly line: number }[] {
  const out: { name: string; kind: 'benchmark' | 'test'; line: number }[] = [];
  const lines = source.split('\n');
  const re = /^func\s+((Benchmark|Test)(?:[^a-z\s(][\w]*)?)\s*\(\s*\w+\s+\*testing\.(B|T)\s*\)/;
  for (let i = 0; i < lines.length; i++) {
    const m = re.exec(lines[i]!);
    if (!m) continue;
    const kind = m[2] === 'Benchmark' ? 'benchmark' : 'test';
    if ((kind === 'benchmark') !== (m[3] === 'B')) continue;
    out.push({ name: m[1]!, kind, line: i + 1 });
  }
  return out;
}
