// The Upgrade Report page: bytes by span class before and after as a grouped bar chart (inline SVG
// built with DOM calls), then the table of changed sites. Every string from the host is inserted
// with textContent: expressions and paths come from compiler output.
import { driftReportProtocol, isHostToDriftReport, type DriftReportToHost } from '../src/protocol/driftReport.ts';
import type { UpgradeModel } from '../src/protocol/driftReport.ts';

declare function acquireVsCodeApi(): { postMessage(m: DriftReportToHost): void };
const vscode = acquireVsCodeApi();
const svgNs = 'http://www.w3.org/2000/svg';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function bytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

/** chart: one group per span class whose bytes differ or are non-zero, base bar then head bar. */
function chart(m: UpgradeModel): SVGElement {
  const rows = m.classes.filter((c) => c.baseBytes > 0 || c.headBytes > 0);
  const max = Math.max(1, ...rows.map((c) => Math.max(c.baseBytes, c.headBytes)));
  const labelW = 110;
  const barMax = 360;
  const rowH = 30;
  const height = rows.length * rowH + 36;
  const root = svg('svg', {
    id: 'class-chart',
    width: labelW + barMax + 110,
    height,
    role: 'img',
    'aria-label': 'heap bytes by span class, before and after',
  });
  root.appendChild(svg('rect', { x: 4, y: 4, width: 10, height: 10, class: 'bar-base' }));
  root.appendChild(svg('text', { x: 18, y: 13, class: 'legend' }, m.baseName));
  root.appendChild(svg('rect', { x: 220, y: 4, width: 10, height: 10, class: 'bar-head' }));
  root.appendChild(svg('text', { x: 234, y: 13, class: 'legend' }, m.headName));
  rows.forEach((c, i) => {
    const y = 28 + i * rowH;
    const g = svg('g', { class: 'class-row', 'data-class': c.label });
    g.appendChild(svg('text', { x: 0, y: y + 16, class: 'class-label' }, c.label));
    const wb = Math.max(c.baseBytes > 0 ? 1 : 0, (c.baseBytes / max) * barMax);
    const wh = Math.max(c.headBytes > 0 ? 1 : 0, (c.headBytes / max) * barMax);
    g.appendChild(svg('rect', { x: labelW, y, width: wb, height: 11, class: 'bar-base' }));
    g.appendChild(svg('rect', { x: labelW, y: y + 12, width: wh, height: 11, class: 'bar-head' }));
    g.appendChild(
      svg('text', { x: labelW + Math.max(wb, wh) + 6, y: y + 16, class: 'bar-value' }, `${bytes(c.baseBytes)} → ${bytes(c.headBytes)}`),
    );
    const title = svg('title', {}, `${c.label}: ${c.baseSites} → ${c.headSites} sites, ${c.baseBytes} → ${c.headBytes} B`);
    g.appendChild(title);
    root.appendChild(g);
  });
  return root;
}

function table(m: UpgradeModel): HTMLTableElement {
  const t = el('table', undefined, 'sites');
  t.id = 'site-table';
  const head = el('tr');
  for (const h of ['change', 'site', 'expression', 'before', 'after', 'Δ', 'why']) head.appendChild(el('th', h));
  t.appendChild(el('thead')).appendChild(head);
  const body = t.appendChild(el('tbody'));
  for (const s of m.sites) {
    const tr = el('tr');
    tr.appendChild(el('td', s.change));
    const where = el('td');
    // A button, not an anchor: webview code never assigns an href (hostile-text.test.ts).
    const a = el('button', s.where, 'where');
    a.type = 'button';
    a.addEventListener('click', (e) => {
      e.preventDefault();
      vscode.postMessage({ v: driftReportProtocol, type: 'reveal', file: s.file, line: s.line });
    });
    where.appendChild(a);
    tr.appendChild(where);
    tr.appendChild(el('td', s.expr, 'expr'));
    tr.appendChild(el('td', s.before));
    tr.appendChild(el('td', s.after));
    tr.appendChild(el('td', s.deltaBytes ? `${s.deltaBytes > 0 ? '+' : ''}${s.deltaBytes} B` : ''));
    tr.appendChild(el('td', s.why));
    body.appendChild(tr);
  }
  return t;
}

function render(m: UpgradeModel): void {
  const main = document.getElementById('report')!;
  main.replaceChildren();
  main.appendChild(el('h1', `Upgrade Report: ${m.baseName} → ${m.headName}`));
  for (const n of m.notes) main.appendChild(el('p', n, 'note'));
  main.appendChild(el('p', m.summary, 'summary'));
  main.appendChild(el('h2', 'Heap bytes by span class (each site once)'));
  main.appendChild(chart(m));
  main.appendChild(el('h2', `Changed sites (${m.sites.length})`));
  main.appendChild(table(m));
  main.setAttribute('aria-busy', 'false');
  main.dataset['rendered'] = String(m.classes.length);
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  if (isHostToDriftReport(e.data)) render(e.data.model);
});
vscode.postMessage({ v: driftReportProtocol, type: 'ready' });
