// Draws mheap's pages as a grid of cells (one page per cell, 128 per row): each span's pages
// take its span class's hue, brighter the fuller the span. Colours come from the theme's CSS
// variables so the map follows light, dark and high-contrast themes.
import type { PanelSnapshot } from '../src/protocol/messages.ts';

const pagesPerRow = 128;
/** Rows drawn at most (32768 pages, 256 MiB of heap); pages past them are counted, not drawn. */
const maxRows = 256;

/** drawPageMap draws the spans' pages and returns how many span pages did not fit (past maxRows). */
export function drawPageMap(canvas: HTMLCanvasElement, pages: PanelSnapshot['pages']): number {
  const spans = [...pages.spans].sort((a, b) => a.basePage - b.basePage);
  const lastPage = spans.reduce((m, s) => Math.max(m, s.basePage + s.npages), 0);
  const firstPage = spans.length ? spans[0]!.basePage : 0;
  const shown = Math.max(pagesPerRow, lastPage - firstPage);
  const rows = Math.min(maxRows, Math.ceil(shown / pagesPerRow));
  const drawable = rows * pagesPerRow;
  let notDrawn = 0;
  for (const s of spans) notDrawn += Math.max(0, s.basePage - firstPage + s.npages - Math.max(drawable, s.basePage - firstPage));
  const cell = Math.floor(canvas.width / pagesPerRow);
  canvas.height = Math.max(cell, rows * cell);
  const ctx = canvas.getContext('2d');
  if (!ctx) return notDrawn;
  const css = getComputedStyle(document.body);
  ctx.fillStyle = css.getPropertyValue('--vscode-editorWidget-background').trim() || '#222';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (const s of spans) {
    const hue = s.spanClass <= 1 ? 0 : (s.spanClass * 37) % 360;
    const full = s.nelems > 0 ? s.allocCount / s.nelems : 1;
    ctx.fillStyle = `hsl(${hue} 60% ${25 + Math.round(40 * full)}%)`;
    for (let p = 0; p < s.npages; p++) {
      const i = s.basePage - firstPage + p;
      const r = Math.floor(i / pagesPerRow);
      if (r >= rows) break;
      ctx.fillRect((i % pagesPerRow) * cell, r * cell, cell - 1, cell - 1);
    }
  }
  return notDrawn;
}
