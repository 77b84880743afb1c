// Benchmark 3: the heap simulator against the real runtime (see run.ts for the whole suite).
//
// One fixed mixed trace (≥ 10 M allocations in the full run) is allocated by a real Go program
// (simprog/main.go, GOMAXPROCS=1, GOGC=100) and replayed by the simulator (sim-child.ts, in its own
// process for its memory figures) with the same procs and GOGC. Sizes are drawn, weighted by how
// many sites ask for them, from the heap sites of a real analysis (run.ts: the analysis of std,
// stdSizes below). The trace is runs of 1–32 allocations of one size (a loop, a burst of appends);
// 5 % of small runs are kept, the rest is garbage. Figures: simulated allocs/s ÷ real allocs/s,
// the simulator's heap per million allocations, and the pacer: GC cycles of the loop and where
// they trigger, runtime (GODEBUG=gctrace=1,gcpacertrace=1) vs simulator. The simulator first
// replays what simprog holds when its loop starts (prologueFor). The Go program also checks
// itself: the runtime's mallocs over the loop must be at least the trace's allocations, or the
// figure is refused.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rulesFor } from '../src/core/alloc/versions.ts';
import type { Diagnostic } from '../src/core/escape/diagnostic.ts';
import { TextParser } from '../src/core/escape/text.ts';
import { joinSites, resolvedKey, typeQueries, type ResolvedType } from '../src/core/sites/join.ts';
import type { AllocationSite } from '../src/core/sites/site.ts';
import { sourceLineReader } from '../src/toolchain/analyze.ts';
import { ensureTypefactsHelper, parseTypefactsOutput, resolveTypes } from '../src/toolchain/typefacts.ts';
import {
  loopCycles,
  medianOf,
  parseGCTrace,
  prologueOps,
  runtimeEndRatios,
  runtimeTriggerRatios,
  traceText,
  type TraceOp,
} from '../test/fidelity/pacer.ts';
import { fmt, goEnvFor, repoRoot, rng, runChecked, runChildJson, type Figure } from './lib.ts';

export { traceText, type TraceOp };

export interface SizeWeight {
  readonly bytes: number;
  readonly pointers: boolean;
  readonly weight: number;
}

/** sizesFromSites: the request sizes of escaping sites with a known size, weighted by site count. */
export function sizesFromSites(sites: readonly AllocationSite[]): SizeWeight[] {
  const w = new Map<string, SizeWeight>();
  for (const s of sites) {
    const p = s.prediction;
    if (!s.escapes || (p.kind !== 'tiny' && p.kind !== 'small' && p.kind !== 'large') || p.requestBytes <= 0) continue;
    const pointers = !p.noscan;
    // simprog makes pointerful objects as []unsafe.Pointer: whole words.
    const bytes = pointers ? Math.ceil(p.requestBytes / 8) * 8 : p.requestBytes;
    const k = `${bytes}/${pointers}`;
    const prev = w.get(k);
    w.set(k, { bytes, pointers, weight: (prev?.weight ?? 0) + 1 });
  }
  return [...w.values()].sort((a, b) => a.bytes - b.bytes || Number(a.pointers) - Number(b.pointers));
}

const largeBytes = 32768;

/** makeTrace draws runs of allocations until `totalAllocs` objects are reached. */
export function makeTrace(sizes: readonly SizeWeight[], totalAllocs: number, seed = 0x9e3779b9): TraceOp[] {
  if (sizes.length === 0) throw new Error('no sizes to draw a trace from (the analysis found no heap sites of known size)');
  const cum: number[] = [];
  let sum = 0;
  for (const s of sizes) cum.push((sum += s.weight));
  const r = rng(seed);
  const ops: TraceOp[] = [];
  let n = 0;
  while (n < totalAllocs) {
    const x = r() * sum;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    const s = sizes[lo]!;
    const count = Math.min(totalAllocs - n, 1 + Math.floor(r() * 32));
    // Large objects are never kept: 5 % of them would retain gigabytes over 10 M allocations.
    const keep = s.bytes <= largeBytes && r() < 0.05;
    ops.push({ bytes: s.bytes, pointers: s.pointers, count, keep });
    n += count;
  }
  return ops;
}

export interface RealRun {
  readonly allocs: number;
  readonly seconds: number;
  readonly mallocs: number;
  /** GC cycles during the loop (/gc/cycles/total delta). */
  readonly numGC: number;
  readonly go: string;
  /** What simprog held when the loop started (simprog/main.go). */
  readonly ops: number;
  readonly opBytes: number;
  readonly kept: number;
  readonly ptrSize: number;
  readonly baseLive: number;
  readonly globals: number;
  readonly stack: number;
  /** Per loop cycle from the GC trace: heapLive at trigger ÷ goal, and at mark termination ÷ goal. */
  readonly triggerRatios: number[];
  readonly endRatios: number[];
  readonly tracedCycles: number;
}

export interface SimRun {
  readonly allocs: number;
  readonly seconds: number;
  readonly gcCycles: number;
  /** Automatic cycles after the prologue's runtime.GC() (null from sources without per-cycle records). */
  readonly loopCycles: number | null;
  readonly triggerRatios: number[] | null;
  /** Simulator heap (V8 heapUsed after a full GC, simulator alive) minus the same before it ran. */
  readonly heapBytes: number;
  readonly maxRssKiB: number;
}

export async function runReal(traceFile: string, goBin = 'go'): Promise<RealRun> {
  const dir = join(repoRoot, 'bench', 'simprog');
  const r = await runChecked(goBin, ['run', '.', traceFile], {
    cwd: dir,
    env: goEnvFor({ GOMAXPROCS: '1', GOGC: '100', GOFLAGS: '', GODEBUG: 'gctrace=1,gcpacertrace=1', GOMEMLIMIT: '' }),
  });
  const real = JSON.parse(r.stdout.trim()) as Omit<RealRun, 'triggerRatios' | 'endRatios' | 'tracedCycles'>;
  if (real.mallocs < real.allocs)
    throw new Error(`simprog: the runtime counted ${real.mallocs} mallocs for ${real.allocs} allocations: the loop was optimised away`);
  const cycles = loopCycles(parseGCTrace(r.stderr));
  return { ...real, triggerRatios: runtimeTriggerRatios(cycles), endRatios: runtimeEndRatios(cycles), tracedCycles: cycles.length };
}

/**
 * prologueFor: what simprog held when its loop started, as simulator ops (test/fidelity/pacer.ts
 * prologueOps: the ops array, the retention array, the rest of the live heap, runtime.GC()), and
 * its stack and global roots for the goal.
 */
export function prologueFor(real: RealRun, goVersion: string): { ops: unknown[]; rootsBytes: number } {
  return { ops: prologueOps(real, rulesFor(goVersion, 'amd64')), rootsBytes: real.globals + real.stack };
}

export async function runSim(
  traceFile: string,
  goVersion: string,
  opts: { cpuProfDir?: string; script?: string; prologueFile?: string } = {},
): Promise<SimRun> {
  return runChildJson<SimRun>(
    opts.script ?? join(repoRoot, 'bench', 'sim-child.ts'),
    [traceFile, goVersion, ...(opts.prologueFile ? [opts.prologueFile] : [])],
    { nodeFlags: ['--expose-gc'], ...(opts.cpuProfDir ? { cpuProfDir: opts.cpuProfDir } : {}) },
  );
}

export interface SimBench {
  readonly figures: Figure[];
  readonly traceFile: string;
  readonly real: RealRun;
  readonly sim: SimRun;
}

/** benchSimulator writes the trace, runs both sides `repeats` times (interleaved) and keeps the best of each. */
export async function benchSimulator(
  sizes: readonly SizeWeight[],
  totalAllocs: number,
  workDir: string,
  opts: { goBin?: string; goVersion: string; repeats?: number; sizesFrom: string },
): Promise<SimBench> {
  const ops = makeTrace(sizes, totalAllocs);
  const traceFile = join(workDir, `trace-${totalAllocs}.txt`);
  await writeFile(traceFile, traceText(ops));
  let real: RealRun | undefined;
  let sim: SimRun | undefined;
  const realCycles: number[] = [];
  const prologueFile = join(workDir, `prologue-${totalAllocs}.json`);
  for (let i = 0; i < (opts.repeats ?? 3); i++) {
    const a = await runReal(traceFile, opts.goBin);
    if (i === 0) await writeFile(prologueFile, JSON.stringify(prologueFor(a, opts.goVersion)));
    const b = await runSim(traceFile, opts.goVersion, { prologueFile });
    realCycles.push(a.numGC);
    if (!real || a.seconds < real.seconds) real = a;
    if (!sim || b.seconds < sim.seconds) sim = b;
  }
  const realRate = real!.allocs / real!.seconds;
  const simRate = sim!.allocs / sim!.seconds;
  const kept = ops.filter((o) => o.keep).reduce((n, o) => n + o.count, 0);
  const figures: Figure[] = [
    {
      bench: 'simulator',
      metric: 'trace',
      value: `${ops.length} runs, ${totalAllocs} allocations (${kept} kept), ${sizes.length} sizes from ${opts.sizesFrom}`,
    },
    {
      bench: 'simulator',
      metric: 'real runtime allocs/s (GOMAXPROCS=1, GOGC=100)',
      value: `${fmt(realRate / 1e6, 2)} M (${real!.numGC} GCs, ${real!.go})`,
    },
    { bench: 'simulator', metric: 'simulator allocs/s', value: `${fmt(simRate / 1e6, 2)} M (${sim!.gcCycles} GC cycles)` },
    {
      bench: 'simulator',
      metric: 'simulated allocs/s ÷ real allocs/s',
      value: fmt(simRate / realRate),
      target: '≥ 1.0',
      met: simRate >= realRate,
    },
    {
      bench: 'simulator',
      metric: 'simulator heap per million allocations',
      value: `${fmt(sim!.heapBytes / 2 ** 20 / (totalAllocs / 1e6), 2)} MiB (peak RSS ${fmt(sim!.maxRssKiB / 1024, 0)} MiB)`,
    },
    {
      bench: 'simulator',
      metric: 'GC cycles of the loop: runtime (each run) / simulator',
      value: `${realCycles.join(', ')} / ${sim!.loopCycles ?? sim!.gcCycles} (${fmt(((sim!.loopCycles ?? sim!.gcCycles) / medianOf(realCycles) - 1) * 100, 0)} % vs the runtime's median)`,
    },
    {
      bench: 'simulator',
      metric: 'heapLive at trigger ÷ goal, median: runtime / simulator; at mark end ÷ goal: runtime (model: 1)',
      value:
        `${fmt(medianOf(real!.triggerRatios), 3)} / ${sim!.triggerRatios ? fmt(medianOf(sim!.triggerRatios), 3) : 'n/a'}; ` +
        `${fmt(medianOf(real!.endRatios), 3)} (max ${fmt(Math.max(...real!.endRatios), 2)})`,
    },
  ];
  return { figures, traceFile, real: real!, sim: sim! };
}

export interface StdSizes {
  readonly sizes: SizeWeight[];
  readonly from: string;
  /** Heap sites (escaping allocations) in the std output, and those whose size is known (in `sizes`). */
  readonly heapSites: number;
  readonly knownSites: number;
  /** Heap sites without a known size, by prediction kind and construct (e.g. `unknown make`: a variable length). */
  readonly unknownByReason: Record<string, number>;
  readonly factsPackages: number;
  readonly factsPackageErrors: number;
}

/**
 * stdSizes: the request sizes of std's heap sites. The compiler output of `go build
 * -gcflags=-m=2 std` (parser.ts writes it) is parsed and joined, as analyze.ts joins a workspace's,
 * with the type facts of std's own packages: the type-facts helper run with -std over `std`, and
 * its -resolve answers for types of inlined code. Cached in bench/.cache by Go version and input.
 */
export async function stdSizes(stdFile: string, opts: { goBin?: string; goVersion: string; cacheDir: string }): Promise<StdSizes> {
  const goBin = opts.goBin ?? 'go';
  const st = statSync(stdFile);
  const cacheKey = `${opts.goVersion} ${st.size} ${st.mtimeMs}`;
  const cacheFile = join(opts.cacheDir, 'std-sizes.json');
  if (existsSync(cacheFile)) {
    const c = JSON.parse(readFileSync(cacheFile, 'utf8')) as { key: string; value: StdSizes };
    if (c.key === cacheKey) return c.value;
  }
  const diagnostics: Diagnostic[] = [];
  const parser = new TextParser({ baseDir: repoRoot, onDiagnostic: (d) => diagnostics.push(d) });
  parser.push(readFileSync(stdFile, 'utf8'));
  parser.end();
  const env = goEnvFor({ GOFLAGS: '' });
  const helper = await ensureTypefactsHelper({ goVersion: opts.goVersion, goBinary: goBin, env });
  const out = await runChecked(helper, ['-go', goBin, '-arch', 'amd64', '-std', 'std'], { cwd: repoRoot, env });
  const tf = parseTypefactsOutput(out.stdout, out.stderr);
  if (tf.unparsed.length) throw new Error(`type-facts helper: ${tf.unparsed.length} lines not JSON, e.g. ${tf.unparsed[0]!.slice(0, 200)}`);
  const queries = typeQueries(diagnostics, tf.facts);
  const resolved = new Map<string, ResolvedType>();
  for (const rt of await resolveTypes(
    { goVersion: opts.goVersion, goBinary: goBin, env, cwd: repoRoot, patterns: ['std'], arch: 'amd64' },
    queries,
  )) {
    resolved.set(resolvedKey(rt.pkg, rt.typeExpr), rt);
  }
  const lineText = sourceLineReader();
  const sites = joinSites(diagnostics, tf.facts, { rules: rulesFor(opts.goVersion, 'amd64'), lineText, baseDir: repoRoot, resolved });
  const heap = sites.filter((s) => s.escapes);
  const sizes = sizesFromSites(heap);
  const knownSites = sizes.reduce((n, s) => n + s.weight, 0);
  const unknownByReason: Record<string, number> = {};
  for (const s of heap) {
    const p = s.prediction;
    if ((p.kind === 'tiny' || p.kind === 'small' || p.kind === 'large') && p.requestBytes > 0) continue;
    const why = `${p.kind} ${s.construct}`;
    unknownByReason[why] = (unknownByReason[why] ?? 0) + 1;
  }
  const value: StdSizes = {
    sizes,
    heapSites: heap.length,
    knownSites,
    unknownByReason,
    factsPackages: tf.packages.length,
    factsPackageErrors: tf.packages.filter((p) => p.errors?.length).length,
    from: `the heap sites of std (${opts.goVersion}, go build -gcflags=-m=2 std joined with the type facts of std: ${knownSites} of ${heap.length} heap sites with a known size)`,
  };
  await writeFile(cacheFile, JSON.stringify({ key: cacheKey, value }));
  return value;
}
