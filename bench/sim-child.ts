// The simulator side of benchmark 3 (simulator.ts), in a process of its own for its memory
// figures. Usage: node --expose-gc --import tsx bench/sim-child.ts TRACE GOVERSION [PROLOGUE]
// Reads the same trace file simprog reads and replays it on a fresh heap with procs 1, GOGC 100.
// PROLOGUE (JSON: { ops, rootsBytes }) is what the Go program held when its loop started
// (simulator.ts prologueFor): those ops run first, and rootsBytes goes into the pacer's goal.
// compare.ts also runs this file against older sources, so it asks them only for what every
// version has (HeapSim, steps, report) and reads the per-cycle records when they exist.
import { readFileSync } from 'node:fs';
import { HeapSim } from '../src/core/alloc/heapsim.ts';
import { validateWorkload } from '../src/core/alloc/workload.ts';

interface CycleRecord {
  readonly triggeredBytes: number;
  readonly goalBytes: number;
  readonly endLiveBytes: number;
  readonly forced: boolean;
}

function main(): void {
  const [traceFile, goVersion, prologueFile] = process.argv.slice(2);
  if (!traceFile || !goVersion) throw new Error('usage: sim-child.ts TRACE GOVERSION [PROLOGUE]');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc: the heap figure needs a full GC before and after');
  const prologue = prologueFile
    ? (JSON.parse(readFileSync(prologueFile, 'utf8')) as { ops: unknown[]; rootsBytes: number })
    : { ops: [], rootsBytes: 0 };
  const ops: unknown[] = [...prologue.ops];
  let allocs = 0;
  for (const line of readFileSync(traceFile, 'utf8').split('\n')) {
    if (!line) continue;
    const [b, scan, n, keep] = line.split(' ');
    ops.push({ alloc: { bytes: Number(b), pointers: scan === 'scan', count: Number(n), keep: keep === 'keep' } });
    allocs += Number(n);
  }
  const w = validateWorkload({ go: goVersion, arch: 'amd64', procs: 1, gogc: 100, ops });
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const sim = new HeapSim(w.rules, { procs: w.procs, gogc: w.gogc, rootsBytes: prologue.rootsBytes });
  for (const _ of sim.steps(w.ops)) {
    /* run to the end */
  }
  const report = sim.report();
  const seconds = (performance.now() - t0) / 1000;
  gc();
  const heapBytes = process.memoryUsage().heapUsed - heapBefore;
  // The trace and the workload were counted in heapBefore: keep them alive until here so that
  // their collection does not subtract from the simulator's own heap.
  if (ops.length !== w.ops.length) throw new Error('workload lost ops');
  const records = (sim.gc as { cycles?: readonly CycleRecord[] }).cycles;
  // The loop's cycles: those after the prologue's runtime.GC().
  const loop = records ? records.slice(records.map((c) => c.forced).lastIndexOf(true) + 1) : undefined;
  process.stdout.write(
    JSON.stringify({
      allocs,
      seconds,
      gcCycles: report.gcCycles,
      loopCycles: loop?.length ?? null,
      triggerRatios: loop?.map((c) => c.triggeredBytes / c.goalBytes) ?? null,
      heapMarkedBytes: report.heapMarkedBytes,
      heapInuseBytes: report.heapInuseBytes,
      heapBytes,
      maxRssKiB: process.resourceUsage().maxRSS,
      spans: sim.heap.spans.size,
    }) + '\n',
  );
}

main();
