// The page map: mheap's mapped pages as a grid of cells, 128 per row, each cell one page or,
// for a big heap, a power-of-two run of pages (the host picks the scale: src/protocol/snapshot.ts).
// A cell takes the colour of the span covering most of it: hue by size class, scan darker than
// noscan, lighter the fuller the span; large objects in two neutral tones. A span's first cell
// has a dark left edge, so back-to-back large objects read as separate blocks, and arena
// boundaries are drawn as lines. Hovering a cell says what it holds (text, never markup).
import { spanFields, type PageMapView } from '../src/protocol/messages.ts';
import { bytes } from './charts.ts';
import { el } from './ui.ts';

const cellsPerRow = 128;
const pageBytes = 8192;

interface Span {
  readonly basePage: number;
  readonly npages: number;
  readonly spanClass: number;
  readonly allocCount: number;
  readonly nelems: number;
}

function spansOf(p: PageMapView): Span[] {
  const out: Span[] = [];
  const n = spanFields.length;
  for (let i = 0; i + n <= p.spans.length; i += n) {
    out.push({
      basePage: p.spans[i]!,
      npages: p.spans[i + 1]!,
      spanClass: p.spans[i + 2]!,
      allocCount: p.spans[i + 3]!,
      nelems: p.spans[i + 4]!,
    });
  }
  return out;
}

/** expand: run-length pairs (value, run) back to one value per cell, plus `offset`. */
function expand(runs: readonly number[], offset = 0): Int32Array {
  let cells = 0;
  for (let i = 1; i < runs.length; i += 2) cells += runs[i]!;
  const out = new Int32Array(cells);
  let c = 0;
  for (let i = 0; i < runs.length; i += 2) out.fill(runs[i]! + offset, c, (c += runs[i + 1]!));
  return out;
}

/** colourOf: the fill of a span class at fullness 0..1. */
export function colourOf(spanClass: number, full: number): string {
  const light = 30 + Math.round(35 * full);
  if (spanClass <= 1) return spanClass === 1 ? `hsl(210 12% ${light}%)` : `hsl(35 18% ${light}%)`;
  // Golden-angle hues: neighbouring size classes get far-apart colours.
  const hue = Math.round(((spanClass >> 1) * 137.508) % 360);
  return (spanClass & 1) === 1 ? `hsl(${hue} 65% ${light + 5}%)` : `hsl(${hue} 55% ${light - 5}%)`;
}

function className(spanClass: number): string {
  const sc = spanClass >> 1;
  return sc === 0 ? `large ${spanClass & 1 ? 'noscan' : 'scan'}` : `size class ${sc} ${spanClass & 1 ? 'noscan' : 'scan'}`;
}

/** pageMap: the figure (canvas, legend, hover details line) for one step's pages. */
export function pageMap(p: PageMapView, widthPx: number): HTMLElement {
  const fig = el('figure', undefined, 'pagemap');
  const spans = spansOf(p);
  /** Cell owners (span index, -1 for none) and in-use pages per cell, in address order. */
  const owners = expand(p.cellRuns, -1);
  const inUsePages = p.cellInUseRuns.length ? expand(p.cellInUseRuns) : undefined;
  const cell = Math.max(3, Math.min(6, Math.floor(widthPx / cellsPerRow)));
  const rows = Math.max(1, Math.ceil(owners.length / cellsPerRow));
  const canvas = el('canvas');
  canvas.id = 'pagemap';
  canvas.width = cellsPerRow * cell;
  canvas.height = rows * cell;
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  const scale =
    p.pagesPerCell === 1 ? 'one page (8 KiB) per cell' : `${p.pagesPerCell} pages (${bytes(p.pagesPerCell * pageBytes)}) per cell`;
  const summary =
    `${p.arenas} arena${p.arenas === 1 ? '' : 's'} (${bytes(p.pagesPerArena * pageBytes)} each), ${p.pagesMapped.toLocaleString('en-US')} pages mapped, ` +
    `${p.spansInUse.toLocaleString('en-US')} spans in use; ${scale}`;
  canvas.setAttribute('aria-label', `Page map: ${summary}`);
  const ctx = canvas.getContext('2d');
  if (ctx) {
    const css = getComputedStyle(document.body);
    const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
    ctx.fillStyle = v('--vscode-editorWidget-background', '#252526');
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const edge = v('--vscode-editor-background', '#1e1e1e');
    const arenaLine = v('--vscode-editor-foreground', '#ccc');
    for (let c = 0; c < owners.length; c++) {
      const o = owners[c]!;
      const x = (c % cellsPerRow) * cell;
      const y = Math.floor(c / cellsPerRow) * cell;
      if (o < 0) continue;
      const s = spans[o]!;
      const inUse = inUsePages ? inUsePages[c]! / p.pagesPerCell : 1;
      ctx.fillStyle = colourOf(s.spanClass, s.nelems > 0 ? s.allocCount / s.nelems : 1);
      // A cell partly in use is drawn partly filled (bottom up).
      const h = Math.max(1, Math.round((cell - 1) * inUse));
      ctx.fillRect(x, y + cell - 1 - h, cell - 1, h);
      if (s.basePage >= 0 && Math.floor(s.basePage / p.pagesPerCell) === c) {
        ctx.fillStyle = edge;
        ctx.fillRect(x, y, 1, cell - 1);
      }
    }
    ctx.strokeStyle = arenaLine;
    ctx.lineWidth = 1;
    const cellsPerArena = p.pagesPerArena / p.pagesPerCell;
    for (let a = 1; a * cellsPerArena < owners.length; a++) {
      const c = a * cellsPerArena;
      const col = c % cellsPerRow;
      const y = Math.floor(c / cellsPerRow) * cell;
      ctx.beginPath();
      ctx.moveTo(0, y + (col ? cell : 0) - 0.5);
      ctx.lineTo(col * cell, y + (col ? cell : 0) - 0.5);
      if (col) {
        ctx.lineTo(col * cell - 0.5, y - 0.5);
        ctx.lineTo(canvas.width, y - 0.5);
      } else ctx.lineTo(canvas.width, y - 0.5);
      ctx.stroke();
    }
  }
  const detail = el('p', 'Hover a cell (or focus the map and use the arrow keys) for what it holds.', 'pagemap-detail');
  detail.id = 'pagemap-detail';
  const describe = (c: number): string => {
    const first = c * p.pagesPerCell;
    const last = Math.min(p.pagesMapped, first + p.pagesPerCell) - 1;
    const pagesText = first === last ? `page ${first}` : `pages ${first}–${last}`;
    const where = `${pagesText} (arena ${Math.floor(first / p.pagesPerArena)})`;
    const o = owners[c]!;
    if (o < 0) return `${where}: free (mapped, no span)`;
    const s = spans[o]!;
    const inUse = inUsePages ? `${inUsePages[c]} of ${last - first + 1} pages in use, mostly ` : '';
    if (s.basePage < 0) {
      const full = s.spanClass > 1 ? `, its span ${Math.round((100 * s.allocCount) / s.nelems)}% full` : '';
      return `${where}: ${inUse}span class ${s.spanClass} (${className(s.spanClass)})${full}`;
    }
    const slot = s.spanClass > 1 ? `${s.allocCount} of ${s.nelems} slots allocated` : `one large object of ${bytes(s.npages * pageBytes)}`;
    return `${where}: ${inUse}span class ${s.spanClass} (${className(s.spanClass)}), span of ${s.npages} page${s.npages === 1 ? '' : 's'} at page ${s.basePage}, ${slot}`;
  };
  let focusCell = 0;
  const show = (c: number) => {
    if (c < 0 || c >= owners.length) return;
    focusCell = c;
    detail.textContent = describe(c);
    canvas.title = detail.textContent;
  };
  canvas.addEventListener('mousemove', (e) => {
    const r = canvas.getBoundingClientRect();
    if (r.width === 0) return;
    const col = Math.floor(((e.clientX - r.left) / r.width) * cellsPerRow);
    const row = Math.floor(((e.clientY - r.top) / r.height) * rows);
    show(row * cellsPerRow + col);
  });
  canvas.addEventListener('keydown', (e) => {
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: cellsPerRow, ArrowUp: -cellsPerRow }[e.key];
    if (step === undefined) return;
    e.preventDefault();
    e.stopPropagation();
    show(Math.max(0, Math.min(owners.length - 1, focusCell + step)));
  });
  fig.append(el('figcaption', `mheap: arenas → pages → spans. ${summary}.`), legendOf(p, spans, owners), canvas, detail);
  return fig;
}

/** legendOf: the span classes that own the most cells (at most 10), free pages and the arena line. */
function legendOf(p: PageMapView, spans: readonly Span[], owners: Int32Array): HTMLElement {
  const cellsByClass = new Map<number, number>();
  for (const o of owners) if (o >= 0) cellsByClass.set(spans[o]!.spanClass, (cellsByClass.get(spans[o]!.spanClass) ?? 0) + 1);
  const top = [...cellsByClass.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
  const box = el('div', undefined, 'legend');
  box.id = 'pagemap-legend';
  const item = (fill: string | undefined, label: string, cls?: string) => {
    const sw = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    sw.setAttribute('width', '12');
    sw.setAttribute('height', '12');
    sw.setAttribute('aria-hidden', 'true');
    const r = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    r.setAttribute('width', '12');
    r.setAttribute('height', '12');
    if (fill) r.setAttribute('fill', fill);
    if (cls) r.setAttribute('class', cls);
    sw.appendChild(r);
    const it = el('span', undefined, 'legend-item');
    it.append(sw, document.createTextNode(label));
    box.appendChild(it);
  };
  for (const [spc, cells] of top) item(colourOf(spc, 1), `${className(spc)} (${cells} cell${cells === 1 ? '' : 's'})`);
  if (cellsByClass.size > top.length) box.appendChild(el('span', `+ ${cellsByClass.size - top.length} more classes`, 'legend-item'));
  item(undefined, 'free page', 'swatch-free');
  item(undefined, `arena boundary (${bytes(p.pagesPerArena * pageBytes)})`, 'swatch-arena');
  box.appendChild(el('span', 'brighter = fuller span; dark left edge = a span starts', 'legend-item note'));
  return box;
}
