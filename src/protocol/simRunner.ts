// Runs a panel workload on the simulator in slices and hands the panel its steps (the host
// side, src/ui/panel.ts, says why the simulation runs in the extension host).
//
// What a run costs is what it sends, not what it simulates: the simulator places millions of
// objects a second, but each step is a snapshot that is cloned into a message, parsed,
// validated and drawn by the webview. So the number of steps is bounded by the workload's
// objects, not by its rows: consecutive rows share a step until it holds about 1/targetSteps
// of the objects (a 2,000-row workload is ~120 steps, not 2,000), a big row is split into
// steps of the same size, and every GC is a step of its own. Each snapshot is bounded too
// (snapshot.ts: the page map is at most limits.maxPageCells cells whatever the heap's size).
import { HeapSim } from '../core/alloc/heapsim.ts';
import { isAllocOp, validateWorkload, type WorkloadOp } from '../core/alloc/workload.ts';
import type { AllocationSite } from '../core/sites/site.ts';
import type { PanelSnapshot, SimSettings, WorkloadRow } from './messages.ts';
import { buildWorkload, toPanelSnapshot, type RowSite } from './snapshot.ts';

export interface RunRequest {
  readonly settings: SimSettings;
  readonly arch: string;
  readonly rows: readonly WorkloadRow[];
  readonly gcAtEnd: boolean;
  readonly sites: ReadonlyMap<string, AllocationSite>;
  /** The host's AbortSignal: a newer run or a cancel stops this one. */
  readonly signal: { readonly aborted: boolean };
  readonly onBatch: (batch: PanelSnapshot[], done: boolean) => void;
  /** Lets the host's event loop run between batches (setImmediate in the extension host). */
  readonly yieldToHost: () => Promise<void>;
}

/** About how many allocation steps a run has, whatever its number of rows. */
export const targetSteps = 120;
/** Snapshots per message. */
const batchSize = 8;

/**
 * StepGrouper decides after which simulator step (HeapSim.steps) the panel gets a snapshot:
 * once `perStep` objects have run since the last one, after every GC, and at the end.
 */
class StepGrouper {
  private pending = 0;
  private open = false;
  constructor(private readonly perStep: number) {}

  /**
   * after: a simulator step of `objects` objects (a GC: gc = true) ran; true when a snapshot is
   * due. `gcNext`: a GC op comes right after this step, which then closes its step so that the
   * GC's step shows the GC alone.
   */
  after(objects: number, gc: boolean, gcNext: boolean): boolean {
    this.pending += objects;
    this.open = true;
    if (!gc && !gcNext && this.pending < this.perStep) return false;
    this.pending = 0;
    this.open = false;
    return true;
  }

  /** end: whether the last steps still need their snapshot. */
  end(): boolean {
    return this.open;
  }
}

/** planSteps: the per-step object budget and how many snapshots the run will have, before running it. */
export function planSteps(ops: readonly WorkloadOp[]): { perStep: number; totalSteps: number } {
  const totalObjects = ops.reduce((n, op) => n + (isAllocOp(op) ? op.alloc.count : 0), 0);
  const perStep = Math.max(1, Math.ceil(totalObjects / targetSteps));
  const g = new StepGrouper(perStep);
  let totalSteps = 0;
  // The simulator's own split (HeapSim.steps with perStep): a GC op is one step, an alloc op
  // ceil(count / perStep) steps of perStep objects, the last one holding the rest.
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (!isAllocOp(op)) {
      if (g.after(0, true, false)) totalSteps++;
      continue;
    }
    const gcNext = i + 1 < ops.length && !isAllocOp(ops[i + 1]!);
    let left = op.alloc.count;
    do {
      const n = Math.min(left, perStep);
      left -= n;
      if (g.after(n, false, gcNext && left === 0)) totalSteps++;
    } while (left > 0);
  }
  if (g.end()) totalSteps++;
  return { perStep, totalSteps };
}

export async function runSimulation(req: RunRequest): Promise<void> {
  const rowSites = new Map<string, RowSite>();
  for (const [id, s] of req.sites) rowSites.set(id, { bytes: s.prediction.requestBytes, pointers: !s.prediction.noscan, label: s.expr });
  const { workload, labels } = buildWorkload(req.settings, req.arch, req.rows, rowSites, req.gcAtEnd);
  const w = validateWorkload(workload);
  const sim = new HeapSim(w.rules, { procs: w.procs, gogc: w.gogc });
  const { perStep, totalSteps } = planSteps(w.ops);
  const g = new StepGrouper(perStep);
  let batch: PanelSnapshot[] = [];
  let step = 0;
  let firstOp = 0;
  let lastLabel = '';
  const snapshot = async (lastOp: number): Promise<void> => {
    step++;
    const rowsInStep = lastOp - firstOp + 1;
    const label = rowsInStep > 1 ? `${rowsInStep} rows, up to ${lastLabel}` : lastLabel;
    batch.push(toPanelSnapshot(sim, step, totalSteps, label));
    if (batch.length >= batchSize) {
      req.onBatch(batch, false);
      batch = [];
      await req.yieldToHost();
    }
  };
  let lastOp = -1;
  let doneObjects = 0;
  for (const st of sim.steps(w.ops, perStep)) {
    if (req.signal.aborted) return;
    if (st.opIndex !== lastOp) doneObjects = 0;
    lastOp = st.opIndex;
    const gc = !isAllocOp(w.ops[st.opIndex]!);
    const objects = st.objectsDone - doneObjects;
    doneObjects = st.objectsDone;
    lastLabel =
      st.objectsTotal > perStep
        ? `${labels[st.opIndex]} — ${st.objectsDone.toLocaleString('en-US')} of ${st.objectsTotal.toLocaleString('en-US')}`
        : labels[st.opIndex]!;
    const next = w.ops[st.opIndex + 1];
    const gcNext = st.objectsDone === st.objectsTotal && next !== undefined && !isAllocOp(next);
    if (g.after(objects, gc, gcNext)) {
      await snapshot(st.opIndex);
      if (req.signal.aborted) return;
      firstOp = st.opIndex + (st.objectsDone < st.objectsTotal ? 0 : 1);
    }
  }
  if (g.end()) await snapshot(lastOp);
  if (!req.signal.aborted) req.onBatch(batch, true);
}
