// The panel's two charts as inline SVG, built with DOM calls (createElementNS, textContent):
// no chart library, no markup strings, and colours through attributes and stylesheet classes,
// so the nonce-only CSP needs no exception. Labels are plain text (<title> gives the tooltip).
import type { ClassRow, PanelSnapshot } from '../src/protocol/messages.ts';
import { el } from './ui.ts';

const svgNs = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  text?: string,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** bytes: 1536 → "1.5 KiB". */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

/** classLabel: "c5 scan 48 B", "large noscan". */
export function classLabel(c: Pick<ClassRow, 'sizeClass' | 'noscan' | 'slotBytes'>): string {
  return c.sizeClass === 0 ? `large ${c.noscan ? 'noscan' : 'scan'}` : `c${c.sizeClass} ${c.noscan ? 'noscan' : 'scan'} ${c.slotBytes} B`;
}

const parts = [
  { key: 'requestBytes', label: 'asked for', cls: 'part-request' },
  { key: 'wasteBytes', label: 'rounding + headers', cls: 'part-waste' },
  { key: 'freeBytes', label: 'free slots', cls: 'part-free' },
  { key: 'reserveBytes', label: 'span reserve (heap bits, tail)', cls: 'part-reserve' },
] as const;

function legend(items: readonly { label: string; cls: string }[]): HTMLElement {
  const box = el('div', undefined, 'legend');
  for (const it of items) {
    const sw = el('span', undefined, `swatch ${it.cls}`);
    sw.setAttribute('aria-hidden', 'true');
    const item = el('span', undefined, 'legend-item');
    item.append(sw, document.createTextNode(it.label));
    box.appendChild(item);
  }
  return box;
}

/**
 * classBytesChart: one bar per span class (the `maxBars` largest by span bytes, the rest summed),
 * split into what the program asked for and the three kinds of overhead.
 */
export function classBytesChart(classes: readonly ClassRow[], maxBars = 12): HTMLElement {
  const fig = el('figure', undefined, 'chart');
  fig.id = 'class-bytes-chart';
  const cap = el('figcaption', 'Bytes of in-use spans by span class: what the program asked for, and what the allocator adds');
  if (classes.length === 0) {
    fig.append(cap, el('p', 'No span in use.', 'empty'));
    return fig;
  }
  const sorted = [...classes].sort((a, b) => b.spanBytes - a.spanBytes);
  const shown = sorted.slice(0, maxBars);
  const rest = sorted.slice(maxBars);
  type Bar = { label: string; total: number; values: Record<(typeof parts)[number]['key'], number>; title: string };
  const bars: Bar[] = shown.map((c) => ({
    label: classLabel(c),
    total: c.spanBytes,
    values: { requestBytes: c.requestBytes, wasteBytes: c.wasteBytes, freeBytes: c.freeBytes, reserveBytes: c.reserveBytes },
    title:
      `span class ${c.spanClass} (${classLabel(c)}): ${c.spans} spans, ${c.objects} objects, ${bytes(c.spanBytes)} — ` +
      parts.map((p) => `${p.label} ${bytes(c[p.key])}`).join(', '),
  }));
  if (rest.length) {
    const sum = (k: (typeof parts)[number]['key'] | 'spanBytes') => rest.reduce((n, c) => n + c[k], 0);
    bars.push({
      label: `${rest.length} more classes`,
      total: sum('spanBytes'),
      values: {
        requestBytes: sum('requestBytes'),
        wasteBytes: sum('wasteBytes'),
        freeBytes: sum('freeBytes'),
        reserveBytes: sum('reserveBytes'),
      },
      title: `${rest.length} smaller span classes: ${bytes(sum('spanBytes'))}`,
    });
  }
  const max = Math.max(1, ...bars.map((b) => b.total));
  const rowH = 18;
  const labelW = 130;
  const valueW = 70;
  const width = 560;
  const barW = width - labelW - valueW;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${bars.length * rowH + 4}`, role: 'img', class: 'bars' });
  chart.setAttribute('aria-label', `Bytes by span class, ${bars.length} bars`);
  bars.forEach((b, i) => {
    const y = i * rowH + 2;
    const g = svg('g');
    g.appendChild(svg('title', {}, b.title));
    g.appendChild(svg('text', { x: labelW - 6, y: y + rowH - 5, 'text-anchor': 'end', class: 'axis-label' }, b.label));
    let x = labelW;
    for (const p of parts) {
      const w = (b.values[p.key] / max) * barW;
      if (w > 0) g.appendChild(svg('rect', { x, y, width: Math.max(w, 0.5), height: rowH - 4, class: p.cls }));
      x += w;
    }
    g.appendChild(svg('text', { x: x + 4, y: y + rowH - 5, class: 'axis-label' }, bytes(b.total)));
    chart.appendChild(g);
  });
  fig.append(cap, legend(parts), chart);
  return fig;
}

/**
 * heapChart: HeapInuse, HeapAlloc and the GC goal at every step received so far, GC cycles
 * marked, the shown step highlighted; a click on the plot goes to that step.
 */
export function heapChart(snaps: readonly PanelSnapshot[], current: number, go: (i: number) => void): HTMLElement {
  const fig = el('figure', undefined, 'chart');
  fig.id = 'heap-chart';
  const cap = el('figcaption', 'Heap over the steps: in use (HeapInuse), allocated slots (HeapAlloc) and the GC goal; ▲ a GC cycle ended');
  const width = 560;
  const height = 150;
  const left = 64;
  const bottom = 18;
  const n = snaps.length;
  const max = Math.max(1, ...snaps.map((s) => Math.max(s.counters.heapInuseBytes, s.heapGoalBytes ?? 0)));
  const xOf = (i: number) => left + (n <= 1 ? 0 : (i / (n - 1)) * (width - left - 8));
  const yOf = (v: number) => 6 + (1 - v / max) * (height - bottom - 6);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'lines' });
  chart.setAttribute('aria-label', `Heap over ${n} steps, up to ${bytes(max)}`);
  for (const f of [0, 0.5, 1]) {
    chart.appendChild(svg('line', { x1: left, x2: width - 8, y1: yOf(max * f), y2: yOf(max * f), class: 'grid-line' }));
    chart.appendChild(svg('text', { x: left - 4, y: yOf(max * f) + 4, 'text-anchor': 'end', class: 'axis-label' }, bytes(max * f)));
  }
  chart.appendChild(svg('text', { x: left, y: height - 3, class: 'axis-label' }, 'step 1'));
  chart.appendChild(svg('text', { x: width - 8, y: height - 3, 'text-anchor': 'end', class: 'axis-label' }, `step ${n}`));
  const series = [
    { label: 'GC goal', cls: 'line-goal', v: (s: PanelSnapshot) => s.heapGoalBytes },
    { label: 'HeapInuse', cls: 'line-inuse', v: (s: PanelSnapshot) => s.counters.heapInuseBytes },
    { label: 'HeapAlloc', cls: 'line-alloc', v: (s: PanelSnapshot) => s.counters.heapAllocBytes },
  ];
  for (const se of series) {
    const pts: string[] = [];
    snaps.forEach((s, i) => {
      const v = se.v(s);
      if (v !== null) pts.push(`${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`);
    });
    if (pts.length === 1) pts.push(pts[0]!.replace(/^[\d.]+/, (x) => String(Number(x) + 2)));
    if (pts.length) chart.appendChild(svg('polyline', { points: pts.join(' '), class: se.cls, fill: 'none' }));
  }
  snaps.forEach((s, i) => {
    if (i > 0 && s.counters.gcCycles > snaps[i - 1]!.counters.gcCycles) {
      const m = svg('text', { x: xOf(i), y: height - bottom + 12, 'text-anchor': 'middle', class: 'gc-mark' }, '▲');
      m.appendChild(svg('title', {}, `step ${s.step}: GC cycle ${s.counters.gcCycles} ended`));
      chart.appendChild(m);
    }
  });
  if (current >= 0 && current < n) {
    const s = snaps[current]!;
    const cur = svg('line', { x1: xOf(current), x2: xOf(current), y1: 4, y2: height - bottom, class: 'current-step' });
    cur.appendChild(svg('title', {}, `step ${s.step}: HeapInuse ${bytes(s.counters.heapInuseBytes)}`));
    chart.appendChild(cur);
  }
  chart.addEventListener('click', (e) => {
    const r = chart.getBoundingClientRect();
    if (r.width === 0 || n === 0) return;
    const x = ((e.clientX - r.left) / r.width) * width;
    go(Math.max(0, Math.min(n - 1, Math.round(((x - left) / (width - left - 8)) * (n - 1)))));
  });
  fig.append(cap, legend(series.map((s) => ({ label: s.label, cls: s.cls }))), chart);
  return fig;
}
