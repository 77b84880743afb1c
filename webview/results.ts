// What one step of a run shows: the step, the charts, the page map, the counters and the
// allocator's tables (per span class, each P's mcache, the mcentrals). Rebuilt per shown step;
// a run sends about 120 steps whatever the workload's size (src/protocol/simRunner.ts), so a
// rebuild is the cost of one step's tables, not of the run.
import { counterNames, type CounterName, type MCacheView, type PanelSnapshot } from '../src/protocol/messages.ts';
import { bytes, classBytesChart, classLabel, heapChart } from './charts.ts';
import { pageMap } from './pagemap.ts';
import { el, table } from './ui.ts';

const counterLabels: Record<CounterName, string> = {
  heapInuseBytes: 'HeapInuse (bytes in in-use spans)',
  heapAllocBytes: 'HeapAlloc (bytes of allocated slots)',
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

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '0%';
}

/**
 * mcacheSection: each P's cached spans. A P with none gets a sentence instead of an empty
 * table: right after a GC that is the runtime's state, not a missing row (mark termination
 * flushes every mcache: gcMarkTermination → mcache.prepareForSweep → releaseAll).
 */
function mcacheSection(s: PanelSnapshot): HTMLElement {
  const box = el('section', undefined, 'mcaches');
  box.id = 'mcaches';
  box.appendChild(el('h3', 'mcache per P'));
  const empty = (m: MCacheView): string =>
    s.counters.gcCycles > 0
      ? `P${m.p} holds no span: mark termination of GC cycle ${s.counters.gcCycles} flushed every mcache (mcache.releaseAll), ` +
        'and nothing has allocated on this P since. Its next allocation of each span class refills from that class’s mcentral (below).'
      : `P${m.p} holds no span: it has not allocated yet.`;
  for (const m of s.mcaches) {
    const extra = `${m.tinyOffset === null ? 'no tiny block' : `tiny block offset ${m.tinyOffset} B`}; page cache ${m.pageCachePages} free pages`;
    if (m.spans.length === 0) {
      const p = el('p', `${empty(m)} (${extra})`, 'mcache-empty');
      p.dataset.p = String(m.p);
      box.appendChild(p);
      continue;
    }
    box.appendChild(
      table(
        `P${m.p} · ${extra}`,
        ['Span class', 'allocCount', 'nelems'],
        m.spans.map((x) => [x.spanClass, x.allocCount, x.nelems]),
      ),
    );
  }
  return box;
}

export function renderStep(
  s: PanelSnapshot,
  all: readonly PanelSnapshot[],
  index: number,
  widthPx: number,
  go: (i: number) => void,
): HTMLElement[] {
  const stepLine = el('h2', `Step ${s.step} of ${s.totalSteps}: ${s.label}`);
  stepLine.id = 'step-label';

  const inuse = s.counters.heapInuseBytes;
  const frag = el(
    'p',
    `HeapInuse ${bytes(inuse)}${s.heapGoalBytes === null ? ' (GOGC=off: no goal)' : `, GC goal ${bytes(s.heapGoalBytes)}`}. ` +
      `${pct(s.counters.internalWasteBytes, inuse)} of it lost to rounding and headers, ` +
      `${pct(s.counters.externalFreeBytes, inuse)} in free slots of in-use spans.`,
    'fragmentation',
  );
  frag.id = 'fragmentation';

  const charts = el('div', undefined, 'charts');
  charts.append(heapChart(all, index, go), classBytesChart(s.classes));

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
    if (k.endsWith('Bytes')) td.title = bytes(s.counters[k]);
    tr.append(th, td);
    tb.appendChild(tr);
  }
  counters.appendChild(tb);

  const classes = table(
    'Per span class',
    ['Span class', 'Kind', 'Spans', 'Objects', 'Free slots', 'Span bytes', 'Waste'],
    s.classes.map((c) => [c.spanClass, classLabel(c), c.spans, c.objects, c.freeSlots, c.spanBytes, c.wasteBytes]),
    'classes',
  );
  const centrals = table(
    'mcentral span sets',
    ['Span class', 'partial swept', 'partial unswept', 'full swept', 'full unswept'],
    s.mcentrals.map((c) => [c.spanClass, c.partialSwept, c.partialUnswept, c.fullSwept, c.fullUnswept]),
    'mcentrals',
  );
  const tables = el('div', undefined, 'tables');
  tables.append(counters, classes);
  return [stepLine, frag, charts, pageMap(s.pages, widthPx), tables, mcacheSection(s), centrals];
}
