// The measured heap as an icicle (a flame graph upside down): one row of packages, one of their
// functions, one of their allocation sites, each as wide as its share of the profile's bytes,
// sites coloured by span class. Inline SVG built with DOM calls (createElementNS, textContent) like
// charts.ts: names come from the analysis and the profile and may hold anything, `<b>` included,
// so they are only ever text. A click on a site asks the host to reveal it.
import type { MeasuredPicture, PictureSite } from '../src/protocol/measuredPicture.ts';
import { bytes } from './charts.ts';
import { classFill, flameLayout, rowHeight, width } from './flameLayout.ts';
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

/** flameChart: the picture, a legend of the span classes it shows, and what it leaves out. */
export function flameChart(p: MeasuredPicture, onReveal: (s: PictureSite) => void): HTMLElement {
  const fig = el('figure', undefined, 'chart flame');
  fig.id = 'measured-flame';
  fig.appendChild(
    el(
      'figcaption',
      `Measured heap of ${p.title}: ${bytes(p.totalBytes)} allocated, by package → function → site (width: bytes; colour: span class)`,
    ),
  );
  const rows = flameLayout(p);
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${rows.length * rowHeight}`,
    role: 'img',
    preserveAspectRatio: 'none',
    width: '100%',
    height: rows.length * rowHeight,
  });
  root.appendChild(svg('title', {}, `Measured heap of ${p.title}`));
  rows.forEach((row, i) => {
    for (const b of row) {
      if (b.w < 0.5) continue;
      const g = svg('g', { class: b.site ? 'flame-site' : 'flame-group' });
      g.appendChild(svg('title', {}, b.tip));
      g.appendChild(
        svg('rect', {
          x: b.x.toFixed(2),
          y: i * rowHeight,
          width: Math.max(0.5, b.w - 0.5).toFixed(2),
          height: rowHeight - 2,
          fill: b.fill,
        }),
      );
      // A label only where about 7 px per character fit; the tooltip always has the whole name.
      const chars = Math.floor(b.w / 7) - 1;
      if (chars >= 3)
        g.appendChild(
          svg(
            'text',
            { x: (b.x + 3).toFixed(2), y: i * rowHeight + 15, class: 'flame-label' },
            b.label.length > chars ? `${b.label.slice(0, chars - 1)}…` : b.label,
          ),
        );
      const site = b.site;
      if (site) {
        g.setAttribute('tabindex', '0');
        g.setAttribute('data-site', site.id);
        g.addEventListener('click', () => onReveal(site));
      }
      root.appendChild(g);
    }
  });
  fig.appendChild(root);
  const shown = new Map<number, string>();
  for (const s of p.sites) if (!shown.has(s.spanClass)) shown.set(s.spanClass, s.cls);
  const legend = el('div', undefined, 'legend');
  for (const [spc, cls] of [...shown.entries()].slice(0, 16)) {
    const sw = svg('svg', { width: 10, height: 10, 'aria-hidden': 'true' });
    sw.appendChild(svg('rect', { width: 10, height: 10, fill: classFill(spc) }));
    const item = el('span', undefined, 'legend-item');
    item.append(sw, document.createTextNode(` ${cls}`));
    legend.appendChild(item);
  }
  fig.appendChild(legend);
  if (p.leftOff > 0) fig.appendChild(el('p', `${p.leftOff} lighter sites (${bytes(p.leftOffBytes)}) are not drawn.`, 'note'));
  return fig;
}
