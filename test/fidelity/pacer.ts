// The pacer check of the fidelity suite (runtime.test.ts): a few allocation traces run by the
// real runtime (probe/pacer.go, GOMAXPROCS=1, GOGC=100 and 50, GODEBUG=gctrace=1,gcpacertrace=1)
// and replayed by the simulator. Compared: the number of automatic GC cycles, and where they
// trigger (heapLive at the trigger ÷ the goal). How the tolerances were measured is in README.md.
import { HeapSim } from '../../src/core/alloc/heapsim.ts';
import type { GCCycleRecord } from '../../src/core/alloc/gc.ts';
import type { AllocatorRules } from '../../src/core/alloc/versions.ts';
import { validateWorkload, type WorkloadOp } from '../../src/core/alloc/workload.ts';

/** One cycle as GODEBUG=gctrace=1,gcpacertrace=1 prints it. */
export interface TracedCycle {
  readonly n: number;
  readonly forced: boolean;
  /** gcpacertrace "in T B -> L B (∆goal D, …)": heapLive at the trigger and at mark termination,
   * and the goal L − D. Absent for a cycle in which nothing was allocated (runtime.GC() alone). */
  readonly triggeredBytes?: number;
  readonly endLiveBytes?: number;
  readonly goalBytes?: number;
  /** gctrace "A->B->C MB": C, the marked heap, in MiB (rounded down). */
  readonly markedMiB: number;
}

const pacerLine = /^pacer: \d+% CPU .* in (\d+) B -> (\d+) B \(∆goal (-?\d+),/;
const gcLine = /^gc (\d+) @.* (\d+)->(\d+)->(\d+) MB, (\d+) MB goal.*?( \(forced\))?$/;

/**
 * parseGCTrace reads the cycles of a run's stderr. The pacer line of a cycle comes just before
 * its gctrace line (gcpacertrace prints from endCycle, gctrace at the end of mark termination);
 * the go1.21–go1.27 runtimes print both in the same format. Other lines are skipped.
 */
export function parseGCTrace(stderr: string): TracedCycle[] {
  const out: TracedCycle[] = [];
  let pending: RegExpExecArray | null = null;
  for (const line of stderr.split('\n')) {
    const p = pacerLine.exec(line);
    if (p) {
      pending = p;
      continue;
    }
    const g = gcLine.exec(line);
    if (!g) continue;
    const c: TracedCycle = { n: Number(g[1]), forced: g[6] !== undefined, markedMiB: Number(g[4]) };
    out.push(
      pending
        ? { ...c, triggeredBytes: Number(pending[1]), endLiveBytes: Number(pending[2]), goalBytes: Number(pending[2]) - Number(pending[3]) }
        : c,
    );
    pending = null;
  }
  return out;
}

/** The cycles after the last forced one: the allocation loop's, once runtime.GC() has run before it. */
export function loopCycles(cycles: readonly TracedCycle[]): TracedCycle[] {
  let last = -1;
  cycles.forEach((c, i) => {
    if (c.forced) last = i;
  });
  return cycles.slice(last + 1);
}

export interface TraceOp {
  readonly bytes: number;
  readonly pointers: boolean;
  readonly count: number;
  readonly keep: boolean;
}

/** The text format bench/simprog and probe/pacer.go read: `BYTES scan|noscan COUNT keep|drop` per line. */
export function traceText(ops: readonly TraceOp[]): string {
  return ops.map((o) => `${o.bytes} ${o.pointers ? 'scan' : 'noscan'} ${o.count} ${o.keep ? 'keep' : 'drop'}\n`).join('');
}

export function parseTraceText(text: string): TraceOp[] {
  const ops: TraceOp[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const f = line.trim().split(/\s+/);
    const bytes = Number(f[0]);
    const count = Number(f[2]);
    if (
      f.length !== 4 ||
      !Number.isSafeInteger(bytes) ||
      !Number.isSafeInteger(count) ||
      !['scan', 'noscan'].includes(f[1]!) ||
      !['keep', 'drop'].includes(f[3]!)
    ) {
      throw new Error(`trace line ${i + 1}: expected BYTES scan|noscan COUNT keep|drop, got ${JSON.stringify(line.slice(0, 80))}`);
    }
    ops.push({ bytes, pointers: f[1] === 'scan', count, keep: f[3] === 'keep' });
  });
  return ops;
}

/** A deterministic generator (xorshift32), so the traces are the same in every run. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/**
 * pacerTraces: three shapes. "small": runs of 1–32 objects of 11 small sizes, scan and noscan,
 * tiny included, 5 % of runs kept (the heap grows from the 4 MiB minimum to ~30 MiB). "garbage":
 * 64 B noscan, nothing kept (the goal stays at the minimum; only the trigger moves). "large":
 * like small with 5 % of runs 40 000 B noscan (large objects move heapLive 40 KiB at a time).
 */
export function pacerTraces(): { name: string; ops: TraceOp[] }[] {
  const small: [number, boolean][] = [
    [8, false],
    [16, true],
    [24, true],
    [32, false],
    [48, true],
    [64, false],
    [128, true],
    [256, false],
    [512, true],
    [1024, false],
    [3000, false],
  ];
  const mixed = (total: number, largeShare: number, seed: number): TraceOp[] => {
    const r = xorshift(seed);
    const ops: TraceOp[] = [];
    for (let n = 0; n < total;) {
      let [bytes, pointers] = small[Math.floor(r() * small.length)]!;
      if (r() < largeShare) [bytes, pointers] = [40_000, false];
      const count = Math.min(total - n, 1 + Math.floor(r() * 32));
      ops.push({ bytes, pointers, count, keep: bytes <= 32768 && r() < 0.05 });
      n += count;
    }
    return ops;
  };
  return [
    { name: 'small', ops: mixed(400_000, 0, 7) },
    { name: 'garbage', ops: Array.from({ length: 1000 }, () => ({ bytes: 64, pointers: false, count: 1000, keep: false })) },
    { name: 'large', ops: mixed(200_000, 0.05, 11) },
  ];
}

/** What probe/pacer.go prints on stdout (its own objects before the loop, the roots, the cycle counter). */
export interface PacerMeasurement {
  readonly ops: number;
  readonly opBytes: number;
  readonly kept: number;
  readonly ptrSize: number;
  readonly allocs: number;
  /** /gc/heap/live:bytes after the runtime.GC() just before the loop. */
  readonly baseLive: number;
  readonly globals: number;
  readonly stack: number;
  readonly cyclesBefore: number;
  readonly cyclesAfter: number;
  readonly go: string;
}

/**
 * prologueOps: what the Go program holds when its loop starts, as simulator ops: its ops array
 * (noscan), its retention array (one pointer per kept object, scan), then runtime.GC(). What the
 * runtime had marked beyond those two (`baseLive` minus them: the runtime's and the packages'
 * own objects, ~80–100 KiB on go1.26) is replayed as one kept noscan object of that size.
 */
export function prologueOps(
  m: Pick<PacerMeasurement, 'ops' | 'opBytes' | 'kept' | 'ptrSize' | 'baseLive'>,
  rules: AllocatorRules,
): WorkloadOp[] {
  const own: WorkloadOp[] = [{ alloc: { bytes: m.ops * m.opBytes, pointers: false, count: 1, keep: true } }];
  if (m.kept > 0) own.push({ alloc: { bytes: m.kept * m.ptrSize, pointers: true, count: 1, keep: true } });
  const probe = new HeapSim(rules);
  for (const op of own) probe.apply(op);
  probe.apply({ gc: true });
  const residue = Math.floor((m.baseLive - probe.gc.heapMarked) / 8) * 8;
  return [...own, ...(residue > 0 ? [{ alloc: { bytes: residue, pointers: false, count: 1, keep: true } }] : []), { gc: true }];
}

export interface PacerReplay {
  /** The simulator's automatic cycles in the loop (after the prologue's runtime.GC()). */
  readonly cycles: GCCycleRecord[];
}

/** replayPacer runs prologue + trace through the simulator with the runtime's roots (stacks + globals). */
export function replayPacer(
  ops: readonly TraceOp[],
  m: PacerMeasurement,
  opts: { go: string; arch: string; goexperiment?: string; gogc: number },
): PacerReplay {
  const base = {
    go: opts.go,
    arch: opts.arch,
    procs: 1,
    gogc: opts.gogc,
    ...(opts.goexperiment ? { goexperiment: opts.goexperiment } : {}),
  };
  const rules = validateWorkload({ ...base, ops: [] }).rules;
  const w = validateWorkload({ ...base, ops: [...prologueOps(m, rules), ...ops.map((o) => ({ alloc: { ...o } }))] });
  const sim = new HeapSim(w.rules, { procs: 1, gogc: w.gogc, rootsBytes: m.globals + m.stack });
  for (const _ of sim.steps(w.ops)) {
    /* run to the end */
  }
  const all = sim.gc.cycles;
  let lastForced = -1;
  all.forEach((c, i) => {
    if (c.forced) lastForced = i;
  });
  return { cycles: all.slice(lastForced + 1) };
}

export function medianOf(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Trigger points (heapLive at trigger ÷ goal) of runtime cycles that allocated during the mark. */
export function runtimeTriggerRatios(cycles: readonly TracedCycle[]): number[] {
  return cycles.flatMap((c) => (c.triggeredBytes !== undefined && c.goalBytes ? [c.triggeredBytes / c.goalBytes] : []));
}

export function runtimeEndRatios(cycles: readonly TracedCycle[]): number[] {
  return cycles.flatMap((c) => (c.endLiveBytes !== undefined && c.goalBytes ? [c.endLiveBytes / c.goalBytes] : []));
}

export function simTriggerRatios(cycles: readonly GCCycleRecord[]): number[] {
  return cycles.map((c) => c.triggeredBytes / c.goalBytes);
}
