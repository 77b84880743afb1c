// The Simulate Heap app (browser side). It renders what the host sends and sends back only
// validated requests; the protocol and its validators are src/protocol/messages.ts, the
// host side is src/ui/panel.ts. Inputs persist through vscode.setState so a restored panel
// (WebviewPanelSerializer) comes back as the user left it.
import {
  isHostToWebview,
  isPanelState,
  protocolVersion,
  type HostToWebview,
  type PanelSnapshot,
  type PanelState,
  type SimSettings,
  type WebviewToHost,
  type WorkloadRow,
  type WorkloadSite,
} from '../src/protocol/messages.ts';
import { renderStep } from './results.ts';
import { flameChart } from './flame.ts';
import type { MeasuredPicture } from '../src/protocol/measuredPicture.ts';
import { settingsBar } from './settings.ts';
import { button, checkbox, el, registerComponents, setDisabled } from './ui.ts';
import { parseCount, workloadTable, type WorkloadTable } from './workload.ts';

interface VsCodeApi {
  postMessage(m: WebviewToHost): void;
  getState(): unknown;
  setState(s: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
registerComponents();

interface Model {
  sites: readonly WorkloadSite[];
  goVersions: readonly string[];
  arch: string;
  source: string;
  settings: SimSettings;
  counts: Record<string, number>;
  keep: Record<string, boolean>;
  gcAtEnd: boolean;
  runId: number;
  snapshots: PanelSnapshot[];
  done: boolean;
  index: number;
  playing: ReturnType<typeof setInterval> | undefined;
  error: string | undefined;
  /** performance.now() when the run was asked for, for the "Done in" time. */
  runStartMs: number;
  /** A loaded heap profile's rows (init.replay), and whether the table currently shows them (the next run sends them). */
  replay: { readonly label: string; readonly rows: readonly WorkloadRow[] } | undefined;
  replaying: boolean;
  picture: MeasuredPicture | undefined;
}

const restored = vscode.getState();
const saved: PanelState | undefined = isPanelState(restored) ? restored : undefined;
const model: Model = {
  sites: [],
  goVersions: [],
  arch: 'amd64',
  source: '',
  settings: saved?.settings ?? { go: '1.26', procs: 1, gogc: 100 },
  counts: { ...(saved?.counts ?? {}) },
  keep: { ...(saved?.keep ?? {}) },
  gcAtEnd: saved?.gcAtEnd ?? false,
  runId: 0,
  snapshots: [],
  done: true,
  index: -1,
  playing: undefined,
  error: undefined,
  runStartMs: 0,
  replay: undefined,
  replaying: false,
  picture: undefined,
};

const app = document.getElementById('app')!;
const output = el('section', undefined, 'output');
output.id = 'output';
output.setAttribute('aria-live', 'polite');
const status = el('p', '', 'status');
status.id = 'status';
status.setAttribute('role', 'status');

function persist(): void {
  vscode.setState({ v: protocolVersion, settings: model.settings, counts: model.counts, keep: model.keep, gcAtEnd: model.gcAtEnd });
}

function countOf(s: WorkloadSite): number {
  return model.counts[s.id] ?? 1000;
}

function keepOf(s: WorkloadSite): boolean {
  return model.keep[s.id] ?? true;
}

function setStatus(text: string, isError = false): void {
  status.textContent = text;
  status.classList.toggle('error', isError);
}

// ---- building the static part (once per init) -------------------------------------------

const controls: { run?: HTMLElement; step?: HTMLElement; back?: HTMLElement; play?: HTMLElement; cancel?: HTMLElement } = {};
const invalid = new Set<string>();

function validity(key: string, ok: boolean): void {
  if (ok) invalid.delete(key);
  else invalid.add(key);
  if (controls.run) setDisabled(controls.run, invalid.size > 0);
  if (invalid.size > 0) setStatus(`Fix the highlighted inputs: ${[...invalid].join(', ')}`, true);
  else if (status.classList.contains('error') && !model.error) setStatus('');
}

function buildSettings(): HTMLElement {
  return settingsBar({
    settings: model.settings,
    goVersions: model.goVersions,
    arch: model.arch,
    validity,
    onChange: (next) => {
      model.settings = next;
      persist();
    },
  });
}

/**
 * applyReplay shows the profile's counts in the table (a site's kept and garbage rows summed; keep
 * ticked when some of its objects were still in use) and makes the next run send the profile's rows
 * as they are, then a GC: what the profile kept stays live, the rest is collected. Editing a row ends it.
 */
function applyReplay(): void {
  const replay = model.replay;
  if (!replay) return;
  for (const s of model.sites) {
    model.counts[s.id] = 0;
    model.keep[s.id] = false;
  }
  for (const r of replay.rows) {
    model.counts[r.id] = (model.counts[r.id] ?? 0) + r.count;
    if (r.keep) model.keep[r.id] = true;
  }
  model.gcAtEnd = true;
  model.replaying = true;
  persist();
  for (const k of [...invalid]) if (k.startsWith('count of ')) validity(k, true);
  workload?.refresh();
  if (gcCheckbox) (gcCheckbox as HTMLElement & { checked: boolean }).checked = true;
}

function applyPreset(count: number, keep: boolean, gcAtEnd: boolean): void {
  model.replaying = false;
  for (const s of model.sites) {
    model.counts[s.id] = count;
    model.keep[s.id] = keep;
  }
  model.gcAtEnd = gcAtEnd;
  persist();
  for (const k of [...invalid]) if (k.startsWith('count of ')) validity(k, true);
  workload?.refresh();
  if (gcCheckbox) (gcCheckbox as HTMLElement & { checked: boolean }).checked = gcAtEnd;
}

let workload: WorkloadTable | undefined;
let gcCheckbox: HTMLElement | undefined;

function buildWorkload(): HTMLElement {
  const box = el('section', undefined, 'workload');
  box.setAttribute('aria-label', 'Workload');
  box.appendChild(el('h2', 'Workload'));
  box.appendChild(el('p', model.source, 'source'));
  if (model.picture)
    box.appendChild(flameChart(model.picture, (s) => vscode.postMessage({ type: 'reveal', v: protocolVersion, siteId: s.id })));
  const presets = el('div', undefined, 'presets');
  presets.appendChild(el('span', 'Presets:'));
  for (const [label, count, keep, gc, title] of [
    ['Each site × 1', 1, true, false],
    ['× 1 000 live', 1000, true, false],
    ['× 100 000 live', 100_000, true, false],
    ['× 10 000 garbage + GC', 10_000, false, true, 'Allocate garbage, then run one GC cycle'],
  ] as const)
    presets.appendChild(button(label, () => applyPreset(count, keep, gc), { secondary: true, title }));
  if (model.replay) presets.appendChild(button('Replay the profile', () => applyReplay(), { secondary: true, title: model.replay.label }));
  presets.append(
    (gcCheckbox = checkbox('GC after the workload', model.gcAtEnd, (v) => {
      model.gcAtEnd = v;
      persist();
    })),
  );
  box.appendChild(presets);
  if (model.sites.length === 0) {
    workload = undefined;
    box.appendChild(el('p', 'No heap allocation sites yet. Run “Go Heap: Analyze Workspace”; the rows appear here.', 'empty'));
    return box;
  }
  workload = workloadTable({
    sites: model.sites,
    countOf,
    keepOf,
    onCount: (s, v) => {
      const n = parseCount(v);
      validity(`count of ${s.label}`, n !== undefined);
      if (n !== undefined) {
        model.replaying = false;
        model.counts[s.id] = n;
        persist();
      }
      return n !== undefined;
    },
    onKeep: (s, v) => {
      model.replaying = false;
      model.keep[s.id] = v;
      persist();
    },
    onReveal: (s) => vscode.postMessage({ type: 'reveal', v: protocolVersion, siteId: s.id }),
  });
  box.appendChild(workload.element);
  return box;
}

function buildControls(): HTMLElement {
  const box = el('section', undefined, 'controls');
  box.setAttribute('aria-label', 'Run controls');
  controls.run = button('Run', () => run(), { id: 'run', title: 'Run the workload from a fresh heap' });
  controls.back = button('◀ Step back', () => go(model.index - 1), { id: 'step-back', secondary: true });
  controls.step = button('Step ▶', () => go(model.index + 1), { id: 'step', secondary: true });
  controls.play = button('Play', () => togglePlay(), { id: 'play', secondary: true });
  controls.cancel = button('Cancel', () => vscode.postMessage({ type: 'cancel', v: protocolVersion, runId: model.runId }), {
    id: 'cancel',
    secondary: true,
  });
  box.append(controls.run, controls.back, controls.step, controls.play, controls.cancel, status);
  updateControls();
  return box;
}

function buildStatic(): void {
  const top = el('header', undefined, 'top');
  top.append(el('h1', 'Simulate Heap'), buildSettings(), buildControls());
  const layout = el('div', undefined, 'layout');
  layout.append(output, buildWorkload());
  app.replaceChildren(top, layout);
  app.setAttribute('aria-busy', 'false');
  renderSnapshot();
}

// ---- running and stepping ----------------------------------------------------------------

function run(): void {
  if (invalid.size > 0) return;
  stopPlay();
  model.runId++;
  model.snapshots = [];
  model.index = -1;
  model.done = false;
  model.error = undefined;
  model.runStartMs = performance.now();
  delete status.dataset.runMs;
  const rows =
    model.replaying && model.replay ? model.replay.rows : model.sites.map((s) => ({ id: s.id, count: countOf(s), keep: keepOf(s) }));
  vscode.postMessage({ type: 'run', v: protocolVersion, runId: model.runId, settings: model.settings, rows, gcAtEnd: model.gcAtEnd });
  setStatus('Running…');
  updateControls();
}

function go(i: number): void {
  if (i < 0 || i >= model.snapshots.length) return;
  model.index = i;
  renderSnapshot();
  updateControls();
}

function togglePlay(): void {
  if (model.playing) return stopPlay();
  if (model.index >= model.snapshots.length - 1) model.index = -1;
  model.playing = setInterval(() => {
    if (model.index < model.snapshots.length - 1) go(model.index + 1);
    else if (model.done) stopPlay();
  }, 400);
  updateControls();
}

function stopPlay(): void {
  if (model.playing) clearInterval(model.playing);
  model.playing = undefined;
  updateControls();
}

function updateControls(): void {
  if (!controls.run) return;
  setDisabled(controls.back!, model.index <= 0);
  setDisabled(controls.step!, model.index >= model.snapshots.length - 1);
  setDisabled(controls.play!, model.snapshots.length === 0);
  setDisabled(controls.cancel!, model.done);
  controls.play!.textContent = model.playing ? 'Pause' : 'Play';
}

// ---- rendering one snapshot -----------------------------------------------------------

let renderQueued = false;
let outputWidthPx = 0;
new ResizeObserver((entries) => {
  const w = Math.round(entries[0]?.contentRect.width ?? 0);
  if (w && w !== outputWidthPx) {
    const first = outputWidthPx === 0;
    outputWidthPx = w;
    if (!first) scheduleRender();
  }
}).observe(output);

/** What arrived since the last frame: the run's step count, and whether the shown step changed. */
let progress = { steps: 0, redraw: true };
let lastDrawMs = 0;

/**
 * scheduleRender: draw at the next frame; batches that arrive meanwhile share one draw. A
 * finished run is timed from the `run` message to the frame after its last step was drawn.
 */
function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    const running = model.runStartMs > 0 && !model.error;
    if (running && !model.done) setStatus(`Running… ${model.snapshots.length} of ${progress.steps} steps`);
    updateControls();
    // While a run streams in, its latest step is drawn at most every 750 ms: the draw costs
    // more than a batch does, and the last step is drawn as soon as the run is done.
    const throttled = running && !model.done && performance.now() - lastDrawMs < 750;
    if (progress.redraw && !throttled) {
      renderSnapshot();
      lastDrawMs = performance.now();
      progress = { ...progress, redraw: false };
    }
    if (running && model.done && status.dataset.runMs === undefined) {
      const runId = model.runId;
      requestAnimationFrame(() => {
        if (runId !== model.runId) return;
        const ms = performance.now() - model.runStartMs;
        status.dataset.runMs = String(Math.round(ms));
        setStatus(`Done: ${model.snapshots.length} steps in ${(ms / 1000).toFixed(1)} s.`);
      });
    }
  });
}

function renderSnapshot(): void {
  const s = model.snapshots[model.index];
  if (!s) {
    output.replaceChildren(el('p', model.snapshots.length === 0 ? 'Press Run to replay the workload on a fresh heap.' : '', 'empty'));
    return;
  }
  output.replaceChildren(...renderStep(s, model.snapshots, model.index, outputWidthPx || 600, go));
}

// ---- messages ---------------------------------------------------------------------------

function onMessage(m: HostToWebview): void {
  switch (m.type) {
    case 'init': {
      model.sites = m.sites;
      model.goVersions = m.goVersions;
      model.arch = m.arch;
      model.source = m.source;
      model.replay = m.replay;
      model.picture = m.picture;
      if (!m.replay) model.replaying = false;
      if (!isPanelState(restored)) model.settings = m.settings;
      buildStatic();
      return;
    }
    case 'snapshots': {
      if (m.runId !== model.runId) return;
      const wasAtEnd = model.index === model.snapshots.length - 1;
      model.snapshots.push(...m.batch);
      model.done = m.done;
      if (!model.playing && wasAtEnd) model.index = model.snapshots.length - 1;
      // Status, controls and the shown step are drawn once per frame, however many batches came.
      progress = {
        steps: m.batch[0]?.totalSteps ?? progress.steps,
        redraw: progress.redraw || model.index === model.snapshots.length - 1 || m.done,
      };
      scheduleRender();
      return;
    }
    case 'error':
      if (m.runId !== undefined && m.runId !== model.runId) return;
      model.error = m.message;
      model.done = true;
      setStatus(m.message, true);
      updateControls();
      return;
  }
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  if (isHostToWebview(e.data)) onMessage(e.data);
  else console.warn('Simulate Heap: ignored an invalid message from the host');
});
window.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement | null;
  if (t && /^(INPUT|TEXTAREA|VSCODE-TEXT-FIELD)$/.test(t.tagName)) return;
  if (e.key === 'ArrowRight' || e.key === '.') go(model.index + 1);
  else if (e.key === 'ArrowLeft' || e.key === ',') go(model.index - 1);
});
vscode.postMessage({ type: 'ready', v: protocolVersion });
