// Runs a panel workload on the simulator in slices (see panel.ts for why it runs in the host).
import { HeapSim } from '../core/alloc/heapsim.ts';
import { validateWorkload } from '../core/alloc/workload.ts';
import type { AllocationSite } from '../core/sites/site.ts';
import { limits, type PanelSnapshot, type SimSettings, type WorkloadRow } from '../protocol/messages.ts';
import { buildWorkload, toPanelSnapshot, type RowSite } from '../protocol/snapshot.ts';

export interface RunRequest {
  readonly settings: SimSettings;
  readonly arch: string;
  readonly rows: readonly WorkloadRow[];
  readonly gcAtEnd: boolean;
  readonly sites: ReadonlyMap<string, AllocationSite>;
  readonly signal: AbortSignal;
  readonly onBatch: (batch: PanelSnapshot[], done: boolean) => void;
}

/** Steps per run the panel can step through; big ops are split into about this many slices. */
const targetSteps = 120;
/** Snapshots per message. */
const batchSize = 8;

const yieldToHost = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function runSimulation(req: RunRequest): Promise<void> {
  const rowSites = new Map<string, RowSite>();
  for (const [id, s] of req.sites) rowSites.set(id, { bytes: s.prediction.requestBytes, pointers: !s.prediction.noscan, label: s.expr });
  const { workload, labels } = buildWorkload(req.settings, req.arch, req.rows, rowSites, req.gcAtEnd);
  const w = validateWorkload(workload);
  const sim = new HeapSim(w.rules, { procs: w.procs, gogc: w.gogc });
  const totalObjects = w.ops.reduce((n, op) => n + ('alloc' in op ? op.alloc.count : 0), 0);
  const perStep = Math.max(1, Math.ceil(totalObjects / targetSteps));
  // Each alloc op takes ceil(count / perStep) steps, each gc op one.
  const totalSteps = w.ops.reduce((n, op) => n + ('alloc' in op ? Math.max(1, Math.ceil(op.alloc.count / perStep)) : 1), 0);
  let batch: PanelSnapshot[] = [];
  let step = 0;
  for (const st of sim.steps(w.ops, perStep)) {
    if (req.signal.aborted) return;
    step++;
    const what =
      st.objectsTotal > 0 && st.objectsTotal > perStep
        ? `${labels[st.opIndex]} — ${st.objectsDone.toLocaleString('en-US')} of ${st.objectsTotal.toLocaleString('en-US')}`
        : labels[st.opIndex]!;
    batch.push(toPanelSnapshot(sim.snapshot({ maxSpans: limits.maxSpansPerSnapshot }), step, totalSteps, what));
    if (batch.length >= batchSize) {
      req.onBatch(batch, false);
      batch = [];
      await yieldToHost();
    }
  }
  if (!req.signal.aborted) req.onBatch(batch, true);
}
