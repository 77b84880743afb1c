// The Simulate Heap app (browser side). It renders what the host sends and sends back only
// validated requests; the protocol and its validators are src/protocol/messages.ts, the
// host side is src/ui/panel.ts. Inputs persist through vscode.setState so a restored panel
// (WebviewPanelSerializer) comes back as the user left it.
import {
  counterNames,
  isHostToWebview,
  isPanelState,
  limits,
  protocolVersion,
  type HostToWebview,
  type PanelSnapshot,
  type PanelState,
  type SimSettings,
  type WebviewToHost,
  type WorkloadSite,
} from '../src/protocol/messages.ts';
import { drawPageMap } from './pagemap.ts';
import { button, checkbox, divider, dropdown, el, registerComponents, setDisabled, table, textField } from './ui.ts';

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

function parseCount(v: string): number | undefined {
  const t = v.trim().replace(/[_\s]/g, '');
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) && n <= limits.maxCount ? n : undefined;
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
  const box = el('section', undefined, 'settings');
  box.setAttribute('aria-label', 'Simulation settings');
  const goOptions = model.goVersions.includes(model.settings.go) ? model.goVersions : [model.settings.go, ...model.goVersions];
  box.append(
    dropdown(
      'Go version',
      goOptions,
      model.settings.go,
      (v) => {
        model.settings = { ...model.settings, go: v };
        persist();
      },
      'go-version',
    ),
    textField(
      'GOMAXPROCS',
      String(model.settings.procs),
      (v) => {
        const n = Number(v.trim());
        const ok = /^\d+$/.test(v.trim()) && n >= 1 && n <= limits.maxProcs;
        validity('GOMAXPROCS (1–256)', ok);
        if (ok) {
          model.settings = { ...model.settings, procs: n };
          persist();
        }
      },
      { id: 'procs', size: 5 },
    ),
    textField(
      'GOGC',
      String(model.settings.gogc),
      (v) => {
        const t = v.trim().toLowerCase();
        const n = Number(t);
        const ok = t === 'off' || (/^\d+$/.test(t) && n >= 1 && n <= limits.maxGogc);
        validity('GOGC ("off" or a positive number)', ok);
        if (ok) {
          model.settings = { ...model.settings, gogc: t === 'off' ? 'off' : n };
          persist();
        }
      },
      { id: 'gogc', size: 6 },
    ),
    el('span', `GOARCH ${model.arch}`, 'arch'),
  );
  return box;
}

function applyPreset(count: number, keep: boolean, gcAtEnd: boolean): void {
  for (const s of model.sites) {
    model.counts[s.id] = count;
    model.keep[s.id] = keep;
  }
  model.gcAtEnd = gcAtEnd;
  persist();
  buildStatic();
}

function buildWorkload(): HTMLElement {
  const box = el('section', undefined, 'workload');
  box.setAttribute('aria-label', 'Workload');
  box.appendChild(el('h2', 'Workload'));
  box.appendChild(el('p', model.source, 'source'));
  const presets = el('div', undefined, 'presets');
  presets.append(
    el('span', 'Presets:'),
    button('Each site × 1', () => applyPreset(1, true, false), { secondary: true }),
    button('× 1 000 live', () => applyPreset(1000, true, false), { secondary: true }),
    button('× 100 000 live', () => applyPreset(100_000, true, false), { secondary: true }),
    button('× 10 000 garbage + GC', () => applyPreset(10_000, false, true), {
      secondary: true,
      title: 'Allocate garbage, then run one GC cycle',
    }),
    checkbox('GC after the workload', model.gcAtEnd, (v) => {
      model.gcAtEnd = v;
      persist();
    }),
  );
  box.appendChild(presets);
  if (model.sites.length === 0) {
    box.appendChild(el('p', 'No heap allocation sites yet. Run “Go Heap: Analyze Workspace”; the rows appear here.', 'empty'));
    return box;
  }
  const t = el('table', undefined, 'grid workload-table');
  t.id = 'workload';
  t.appendChild(
    el('caption', 'Each analysed heap site × an editable count (keep: the objects stay live; otherwise they are garbage for the next GC)'),
  );
  const head = el('tr');
  for (const h of ['Site', 'Where', 'Bytes', 'Lands in', 'Count', 'Keep']) {
    const th = el('th', h);
    th.scope = 'col';
    head.appendChild(th);
  }
  t.appendChild(el('thead')).appendChild(head);
  const body = el('tbody');
  for (const s of model.sites) {
    const tr = el('tr');
    const label = el('button', s.label, 'link');
    label.type = 'button';
    label.title = 'Reveal in the editor';
    label.addEventListener('click', () => vscode.postMessage({ type: 'reveal', v: protocolVersion, siteId: s.id }));
    const c1 = el('td');
    c1.appendChild(label);
    const count = textField(
      '',
      String(countOf(s)),
      (v) => {
        const n = parseCount(v);
        validity(`count of ${s.label}`, n !== undefined);
        if (n !== undefined) {
          model.counts[s.id] = n;
          persist();
        }
      },
      { size: 10, ariaLabel: `count of ${s.label} at ${s.where}` },
    );
    const c5 = el('td');
    c5.appendChild(count);
    const c6 = el('td');
    c6.appendChild(
      checkbox(
        '',
        keepOf(s),
        (v) => {
          model.keep[s.id] = v;
          persist();
        },
        `keep ${s.label} live`,
      ),
    );
    tr.append(c1, el('td', s.where), el('td', String(s.bytes), 'num'), el('td', s.hint), c5, c6);
    body.appendChild(tr);
  }
  t.appendChild(body);
  box.appendChild(t);
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
  app.replaceChildren(el('h1', 'Simulate Heap'), buildSettings(), divider(), buildWorkload(), buildControls(), output);
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
  const rows = model.sites.map((s) => ({ id: s.id, count: countOf(s), keep: keepOf(s) }));
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

const counterLabels: Record<(typeof counterNames)[number], string> = {
  heapInuseBytes: 'HeapInuse (bytes in in-use spans)',
  spansInUse: 'Spans in use',
  pagesInUse: 'Pages in use',
  largeObjects: 'Large objects',
  tinyAllocs: 'Tiny allocs (packed into a block)',
  mcacheRefills: 'mcache refills',
  heapGrows: 'Heap grows',
  arenas: 'Arenas (64 MiB)',
  internalWasteBytes: 'Internal waste (rounding + headers)',
  externalFreeBytes: 'Free slots in in-use spans (bytes)',
  gcCycles: 'GC cycles',
};

function renderSnapshot(): void {
  const s = model.snapshots[model.index];
  if (!s) {
    output.replaceChildren(el('p', model.snapshots.length === 0 ? 'Press Run to replay the workload on a fresh heap.' : '', 'empty'));
    return;
  }
  const stepLine = el('h2', `Step ${s.step} of ${s.totalSteps}: ${s.label}`);
  stepLine.id = 'step-label';
  const counters = el('table', undefined, 'grid counters');
  counters.id = 'counters';
  counters.appendChild(el('caption', 'Counters (this workload only, from a fresh heap)'));
  const tb = el('tbody');
  for (const k of counterNames) {
    const tr = el('tr');
    const th = el('th', counterLabels[k]);
    th.scope = 'row';
    const td = el('td', s.counters[k].toLocaleString('en-US'), 'num');
    td.id = `counter-${k}`;
    td.dataset.value = String(s.counters[k]);
    tr.append(th, td);
    tb.appendChild(tr);
  }
  counters.appendChild(tb);

  const inuse = s.counters.heapInuseBytes;
  const frag = el(
    'p',
    `Fragmentation: ${pct(s.counters.internalWasteBytes, inuse)} of HeapInuse lost to rounding and headers, ` +
      `${pct(s.counters.externalFreeBytes, inuse)} in free slots of in-use spans.`,
    'fragmentation',
  );
  frag.id = 'fragmentation';

  const mapBox = el('figure', undefined, 'pagemap');
  const canvas = el('canvas');
  canvas.id = 'pagemap';
  canvas.width = 768;
  canvas.setAttribute('role', 'img');
  const pagesNotDrawn = drawPageMap(canvas, s.pages);
  const caption =
    `${s.pages.arenas} arena${s.pages.arenas === 1 ? '' : 's'}, ${s.pages.pagesMapped} pages mapped, ${s.pages.spans.length + s.pages.spansLeftOff} spans` +
    (s.pages.spansLeftOff ? ` (${s.pages.spansLeftOff} spans not drawn: a snapshot carries at most ${limits.maxSpansPerSnapshot})` : '') +
    (pagesNotDrawn ? ` (${pagesNotDrawn} pages of drawn spans past the map's last row not drawn)` : '');
  canvas.setAttribute('aria-label', `Page map: ${caption}`);
  mapBox.append(
    canvas,
    el(
      'figcaption',
      `mheap: arenas → pages → spans. ${caption}. Each cell is a page; colour is the span class, brightness how full the span is.`,
    ),
  );

  const classes = table(
    'Per span class',
    ['Span class', 'Size class', 'Slot B', 'Kind', 'Spans', 'Objects', 'Free slots'],
    s.classes.map((c) => [
      c.spanClass,
      c.sizeClass,
      c.slotBytes,
      c.sizeClass === 0 ? (c.noscan ? 'large noscan' : 'large scan') : c.noscan ? 'noscan' : 'scan',
      c.spans,
      c.objects,
      c.freeSlots,
    ]),
    'classes',
  );
  const mcaches = el('section', undefined, 'mcaches');
  mcaches.appendChild(el('h3', 'mcache per P'));
  for (const m of s.mcaches) {
    mcaches.appendChild(
      table(
        `P${m.p}${m.tinyOffset === null ? '' : ` · tiny block offset ${m.tinyOffset}`}`,
        ['Span class', 'allocCount', 'nelems'],
        m.spans.map((x) => [x.spanClass, x.allocCount, x.nelems]),
      ),
    );
  }
  const centrals = table(
    'mcentral span sets',
    ['Span class', 'partial swept', 'partial unswept', 'full swept', 'full unswept'],
    s.mcentrals.map((c) => [c.spanClass, c.partialSwept, c.partialUnswept, c.fullSwept, c.fullUnswept]),
    'mcentrals',
  );
  output.replaceChildren(stepLine, counters, frag, mapBox, classes, mcaches, centrals);
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '0%';
}

// ---- messages ---------------------------------------------------------------------------

function onMessage(m: HostToWebview): void {
  switch (m.type) {
    case 'init': {
      model.sites = m.sites;
      model.goVersions = m.goVersions;
      model.arch = m.arch;
      model.source = m.source;
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
      setStatus(m.done ? `Done: ${model.snapshots.length} steps.` : `Running… ${model.snapshots.length} steps so far`);
      renderSnapshot();
      updateControls();
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
