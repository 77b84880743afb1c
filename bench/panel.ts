// Benchmark 5: the Simulate Heap panel's default run on a module of ~2,000 heap sites (see
// run.ts for the suite). The default run is every site × 1,000, kept live, GOMAXPROCS 1, GOGC 100.
//
// Baseline in the same run: the simulator alone on the same workload (HeapSim.steps to the end,
// one report). Measured against it: (1) the host side of the panel, src/protocol/simRunner.ts
// with every batch serialised as the message the extension host sends (JSON.stringify: VS Code
// serialises webview messages as JSON) and parsed and validated as the webview does; (2) the
// real webview in code-server + chromium (test/e2e/harness.ts): a generated Go module of the same
// sites analysed by the extension, the panel's Run pressed, and the time the page itself
// reports from its `run` message to the last batch drawn (#status data-run-ms), median of 3.
//
// The sites: `gen.go` of the generated module holds one `func fN() *tN { return &tN{} }` per site,
// tN a struct whose size and pointers follow a fixed mix (mostly small objects, a tail of 1–32 KiB
// and a few large ones); the host side uses the same sizes as AllocationSites.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeapSim } from '../src/core/alloc/heapsim.ts';
import { classify } from '../src/core/alloc/malloc.ts';
import { rulesFor } from '../src/core/alloc/versions.ts';
import { validateWorkload } from '../src/core/alloc/workload.ts';
import type { AllocationSite } from '../src/core/sites/site.ts';
import { isHostToWebview, type PanelSnapshot } from '../src/protocol/messages.ts';
import { runSimulation } from '../src/protocol/simRunner.ts';
import { buildWorkload, workloadSites, type RowSite } from '../src/protocol/snapshot.ts';
import { fmt, median, rng, type Figure } from './lib.ts';

export interface SiteSize {
  readonly bytes: number;
  readonly pointers: boolean;
}

/** siteSizes: n request sizes in the fixed mix (word-aligned, pointerful ones start with a pointer). */
export function siteSizes(n: number, seed = 20_032): SiteSize[] {
  const r = rng(seed);
  const out: SiteSize[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    const lo = x < 0.7 ? 8 : x < 0.9 ? 128 : x < 0.98 ? 1024 : x < 0.995 ? 8192 : 32 * 1024 + 8;
    const hi = x < 0.7 ? 128 : x < 0.9 ? 1024 : x < 0.98 ? 8192 : x < 0.995 ? 32 * 1024 : 128 * 1024;
    const bytes = Math.ceil((lo + r() * (hi - lo)) / 8) * 8;
    out.push({ bytes, pointers: r() < 0.5 });
  }
  return out;
}

/** goModule writes a module whose gen.go has one heap allocation site per size. */
export function goModule(dir: string, sizes: readonly SiteSize[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), 'module example.com/panelbench\n\ngo 1.21\n');
  const lines = ['package panelbench', ''];
  sizes.forEach((s, i) => {
    const body = s.pointers ? `p *int; b [${s.bytes - 8}]byte` : `b [${s.bytes}]byte`;
    lines.push(`type t${i} struct{ ${body} }`, '', `func F${i}() *t${i} { return &t${i}{} }`, '');
  });
  writeFileSync(join(dir, 'gen.go'), lines.join('\n'));
}

/** The same sites as the analysis of goModule reports them, for the host side. */
export function allocationSites(sizes: readonly SiteSize[]): AllocationSite[] {
  const rules = rulesFor('1.26');
  return sizes.map((s, i) => ({
    file: '/bench/panelbench/gen.go',
    line: 3 + 4 * i + 2,
    column: 34,
    construct: 'composite-lit',
    expr: `&t${i}{}`,
    escapes: true,
    reason: [],
    type: { name: `panelbench.t${i}`, size: s.bytes, align: 8, ptrBytes: s.pointers ? 8 : 0 },
    prediction: classify({ bytes: s.bytes, pointers: s.pointers }, rules),
  }));
}

const settings = { go: '1.26', procs: 1, gogc: 100 } as const;

/** simulatorAlone: the default workload through HeapSim, no panel (ms). */
function simulatorAlone(sites: readonly AllocationSite[]): number {
  const { rows, byId } = workloadSites(sites);
  const rowSites = new Map<string, RowSite>();
  for (const [id, s] of byId) rowSites.set(id, { bytes: s.prediction.requestBytes, pointers: !s.prediction.noscan, label: s.expr });
  const t0 = performance.now();
  const { workload } = buildWorkload(
    settings,
    'amd64',
    rows.map((r) => ({ id: r.id, count: 1000, keep: true })),
    rowSites,
    false,
  );
  const w = validateWorkload(workload);
  const sim = new HeapSim(w.rules, { procs: w.procs, gogc: w.gogc });
  for (const _ of sim.steps(w.ops)) {
    /* run to the end */
  }
  if (sim.report().heapObjects === 0) throw new Error('the workload allocated nothing');
  return performance.now() - t0;
}

interface HostRun {
  readonly ms: number;
  readonly messages: number;
  readonly steps: number;
  readonly bytes: number;
  readonly largestMessageBytes: number;
  /** JSON.parse + isHostToWebview of every message, as the webview receives them. */
  readonly receiveMs: number;
}

async function hostRun(sites: readonly AllocationSite[]): Promise<HostRun> {
  const { rows, byId } = workloadSites(sites);
  let messages = 0;
  let steps = 0;
  let bytes = 0;
  let largest = 0;
  let receiveMs = 0;
  const t0 = performance.now();
  await runSimulation({
    settings,
    arch: 'amd64',
    rows: rows.map((r) => ({ id: r.id, count: 1000, keep: true })),
    gcAtEnd: false,
    sites: byId,
    signal: new AbortController().signal,
    yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
    onBatch: (batch: PanelSnapshot[], done: boolean) => {
      const json = JSON.stringify({ type: 'snapshots', v: 1, runId: 1, batch, done });
      messages++;
      steps += batch.length;
      bytes += json.length;
      largest = Math.max(largest, json.length);
      const t = performance.now();
      if (!isHostToWebview(JSON.parse(json))) throw new Error('the webview would refuse a batch');
      receiveMs += performance.now() - t;
    },
  });
  return { ms: performance.now() - t0, messages, steps, bytes, largestMessageBytes: largest, receiveMs };
}

/** webviewRuns: the default run in the real panel (code-server + chromium), `runs` times; ms each as the page reports it. */
async function webviewRuns(sizes: readonly SiteSize[], runs: number): Promise<{ ms: number[]; steps: string } | string> {
  const h = await import('../test/e2e/harness.ts');
  const why = h.cannotRun();
  if (why) return `NOT MEASURED: ${why}`;
  const work = mkdtempSync(join(tmpdir(), 'ghl-bench-panel-'));
  const mod = join(work, 'panelbench');
  goModule(mod, sizes);
  const wb = await h.openWorkbench({ work, folder: mod, readyFile: 'gen.go', logName: 'bench-panel-code-server.log' });
  try {
    const page = wb.page;
    await h.openFile(page, 'gen.go', 'package panelbench');
    // The analysis is done when the panel lists the sites (init is sent again after each analysis).
    await h.runCommand(page, 'Go Heap: Simulate Heap');
    const frame = page.frameLocator('iframe.webview.ready').first().frameLocator('iframe#active-frame');
    await frame.locator('.source', { hasText: `${sizes.length} heap sites` }).waitFor({ timeout: 300_000 });
    const ms: number[] = [];
    let steps = '';
    for (let i = 0; i < runs; i++) {
      await frame.locator('vscode-button', { hasText: '× 1 000 live' }).click();
      await frame.locator('#run').click();
      await frame.locator('#status[data-run-ms]').waitFor({ timeout: 600_000 });
      ms.push(Number(await frame.locator('#status').getAttribute('data-run-ms')));
      steps = await frame.locator('#status').innerText();
    }
    await page
      .locator('iframe.webview.ready')
      .first()
      .screenshot({ path: join(h.artifacts, 'bench-panel-webview.png') })
      .catch(() => undefined);
    return { ms, steps };
  } finally {
    await wb.close();
    rmSync(work, { recursive: true, force: true });
  }
}

export async function benchPanel(opts: { sites?: number; webview?: boolean } = {}): Promise<Figure[]> {
  const n = opts.sites ?? 2032;
  const sizes = siteSizes(n);
  const sites = allocationSites(sizes);
  simulatorAlone(sites); // warm the JIT for both
  const alone = median([simulatorAlone(sites), simulatorAlone(sites), simulatorAlone(sites)]);
  const hosts = [await hostRun(sites), await hostRun(sites), await hostRun(sites)].sort((a, b) => a.ms - b.ms);
  const host = hosts[1]!;
  const figures: Figure[] = [
    {
      bench: 'panel',
      metric: 'workload (the panel default: each site × 1,000 kept, GOMAXPROCS 1, GOGC 100)',
      value: `${n} sites, ${n * 1000} objects; simulator alone ${fmt(alone, 0)} ms (median of 3)`,
    },
    {
      bench: 'panel',
      metric: 'host side of a run (simRunner + JSON per message) ÷ simulator alone',
      value: `${fmt(host.ms / alone, 2)} (${fmt(host.ms, 0)} ms; ${host.steps} steps in ${host.messages} messages, ${fmt(host.bytes / 1e6, 2)} MB, largest ${fmt(host.largestMessageBytes / 1e3, 0)} kB)`,
    },
    { bench: 'panel', metric: 'webview receive (JSON.parse + validation) of the whole run', value: `${fmt(host.receiveMs, 0)} ms` },
  ];
  if (opts.webview ?? true) {
    const r = await webviewRuns(sizes, 3).catch((e: unknown) => `FAILED: ${(e as Error).message.split('\n')[0]}`);
    if (typeof r === 'string') figures.push({ bench: 'panel', metric: 'default run in the webview (code-server)', value: r });
    else {
      const m = median(r.ms);
      figures.push({
        bench: 'panel',
        metric: 'default run in the webview (code-server + chromium; Run → last step drawn, as the page times it) ÷ simulator alone',
        value: `${fmt(m / alone, 1)} (median ${fmt(m / 1000, 2)} s of ${r.ms.map((x) => fmt(x / 1000, 2)).join(', ')} s; ${r.steps})`,
        target: '≤ 5 s',
        met: m <= 5000,
      });
    }
  }
  return figures;
}
