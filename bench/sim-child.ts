// The simulator side of benchmark 3 (simulator.ts), in a process of its own for its memory
// figures. Usage: node --expose-gc --import tsx bench/sim-child.ts TRACE GOVERSION
// Reads the same trace file simprog reads and replays it on a fresh heap with procs 1, GOGC 100.
import { readFileSync } from 'node:fs';
import { HeapSim } from '../src/core/alloc/heapsim.ts';
import { validateWorkload } from '../src/core/alloc/workload.ts';

function main(): void {
  const [traceFile, goVersion] = process.argv.slice(2);
  if (!traceFile || !goVersion) throw new Error('usage: sim-child.ts TRACE GOVERSION');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc: the heap figure needs a full GC before and after');
  const ops: { alloc: { bytes: number; pointers: boolean; count: number; keep: boolean } }[] = [];
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
  const sim = new HeapSim(w.rules, { procs: w.procs, gogc: w.gogc });
  for (const _ of sim.steps(w.ops)) { /* run to the end */ }
  const report = sim.report();
  const seconds = (performance.now() - t0) / 1000;
  gc();
  const heapBytes = process.memoryUsage().heapUsed - heapBefore;
  // The trace and the workload were counted in heapBefore: keep them alive until here so that
  // their collection does not subtract from the simulator's own heap.
  if (ops.length !== w.ops.length) throw new Error('workload lost ops');
  process.stdout.write(JSON.stringify({
    allocs, seconds, gcCycles: report.gcCycles, heapInuseBytes: report.heapInuseBytes, heapBytes, maxRssKiB: process.resourceUsage().maxRSS, spans: sim.heap.spans.size,
  }) + '\n');
}

main();
