// Benchmark 3: the heap simulator against the real runtime (see run.ts for the whole suite).
//
// One fixed mixed trace (≥ 10 M allocations in the full run) is allocated by a real Go program
// (simprog/main.go, GOMAXPROCS=1, GOGC=100) and replayed by the simulator (sim-child.ts, in its own
// process for its memory figures) with the same procs and GOGC. Sizes are drawn, weighted by how
// many sites ask for them, from the heap sites of a real analysis. The trace is runs of 1–32
// allocations of one size (a loop, a burst of appends); 5 % of small runs are kept, the rest is
// garbage. Figures: simulated allocs/s ÷ real allocs/s, and the simulator's heap per million
// allocations. The Go program also checks itself: the runtime's mallocs over the loop must be at
// least the trace's allocations, or the figure is refused.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AllocationSite } from '../src/core/sites/site.ts';
import { fmt, goEnvFor, repoRoot, rng, runChecked, runChildJson, type Figure } from './lib.ts';

export interface SizeWeight {
  readonly bytes: number;
  readonly pointers: boolean;
  readonly weight: number;
}

export interface TraceOp {
  readonly bytes: number;
  readonly pointers: boolean;
  readonly count: number;
  readonly keep: boolean;
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

export function traceText(ops: readonly TraceOp[]): string {
  return ops.map((o) => `${o.bytes} ${o.pointers ? 'scan' : 'noscan'} ${o.count} ${o.keep ? 'keep' : 'drop'}\n`).join('');
}

export interface RealRun {
  readonly allocs: number;
  readonly seconds: number;
  readonly mallocs: number;
  readonly numGC: number;
  readonly go: string;
}

export interface SimRun {
  readonly allocs: number;
  readonly seconds: number;
  readonly gcCycles: number;
  /** Simulator heap (V8 heapUsed after a full GC, simulator alive) minus the same before it ran. */
  readonly heapBytes: number;
  readonly maxRssKiB: number;
}

export async function runReal(traceFile: string, goBin = 'go'): Promise<RealRun> {
  const dir = join(repoRoot, 'bench', 'simprog');
  const r = await runChecked(goBin, ['run', '.', traceFile], { cwd: dir, env: goEnvFor({ GOMAXPROCS: '1', GOGC: '100', GOFLAGS: '' }) });
  const real = JSON.parse(r.stdout.trim()) as RealRun;
  if (real.mallocs < real.allocs) throw new Error(`simprog: the runtime counted ${real.mallocs} mallocs for ${real.allocs} allocations: the loop was optimised away`);
  return real;
}

export async function runSim(traceFile: string, goVersion: string, opts: { cpuProfDir?: string; script?: string } = {}): Promise<SimRun> {
  return runChildJson<SimRun>(opts.script ?? join(repoRoot, 'bench', 'sim-child.ts'), [traceFile, goVersion],
    { nodeFlags: ['--expose-gc'], ...(opts.cpuProfDir ? { cpuProfDir: opts.cpuProfDir } : {}) });
}

export interface SimBench {
  readonly figures: Figure[];
  readonly traceFile: string;
  readonly real: RealRun;
  readonly sim: SimRun;
}

/** benchSimulator writes the trace, runs both sides `repeats` times (interleaved) and keeps the best of each. */
export async function benchSimulator(sizes: readonly SizeWeight[], totalAllocs: number, workDir: string,
  opts: { goBin?: string; goVersion: string; repeats?: number; sizesFrom: string }): Promise<SimBench> {
  const ops = makeTrace(sizes, totalAllocs);
  const traceFile = join(workDir, `trace-${totalAllocs}.txt`);
  await writeFile(traceFile, traceText(ops));
  let real: RealRun | undefined;
  let sim: SimRun | undefined;
  for (let i = 0; i < (opts.repeats ?? 3); i++) {
    const a = await runReal(traceFile, opts.goBin);
    const b = await runSim(traceFile, opts.goVersion);
    if (!real || a.seconds < real.seconds) real = a;
    if (!sim || b.seconds < sim.seconds) sim = b;
  }
  const realRate = real!.allocs / real!.seconds;
  const simRate = sim!.allocs / sim!.seconds;
  const kept = ops.filter((o) => o.keep).reduce((n, o) => n + o.count, 0);
  const figures: Figure[] = [
    { bench: 'simulator', metric: 'trace', value: `${ops.length} runs, ${totalAllocs} allocations (${kept} kept), ${sizes.length} sizes from ${opts.sizesFrom}` },
    { bench: 'simulator', metric: 'real runtime allocs/s (GOMAXPROCS=1, GOGC=100)', value: `${fmt(realRate / 1e6, 2)} M (${real!.numGC} GCs, ${real!.go})` },
    { bench: 'simulator', metric: 'simulator allocs/s', value: `${fmt(simRate / 1e6, 2)} M (${sim!.gcCycles} GC cycles)` },
    { bench: 'simulator', metric: 'simulated allocs/s ÷ real allocs/s', value: fmt(simRate / realRate), target: '≥ 1.0', met: simRate >= realRate },
    { bench: 'simulator', metric: 'simulator heap per million allocations', value: `${fmt(sim!.heapBytes / 2 ** 20 / (totalAllocs / 1e6), 2)} MiB (peak RSS ${fmt(sim!.maxRssKiB / 1024, 0)} MiB)` },
  ];
  return { figures, traceFile, real: real!, sim: sim! };
}
