// The measured-heap icicle's geometry (flame.ts draws it): DOM-free, so it is tested in node.
import type { MeasuredPicture, PictureSite } from '../src/protocol/measuredPicture.ts';

/** bytes: 1536 → "1.5 KiB" (charts.ts says it the same way; that module needs a DOM). */
function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

/** classFill: one hue per span class, scan darker than noscan; grey for sites sized at run time. */
export function classFill(spanClass: number): string {
  if (spanClass < 0) return 'hsl(0, 0%, 55%)';
  const sizeClass = spanClass >> 1;
  const noscan = (spanClass & 1) === 1;
  return `hsl(${(sizeClass * 47) % 360}, 60%, ${noscan ? 62 : 44}%)`;
}

export interface Box {
  readonly label: string;
  readonly tip: string;
  readonly x: number;
  readonly w: number;
  readonly fill: string;
  readonly site?: PictureSite;
}

export const width = 1000;
export const rowHeight = 22;

function pct(b: number, total: number): string {
  const p = (b / total) * 100;
  return p < 10 ? `${p.toFixed(1)} %` : `${Math.round(p)} %`;
}

/** layout: the three rows' boxes, packages and functions heaviest first, sites within them likewise. */
export function flameLayout(p: MeasuredPicture): Box[][] {
  const scale = width / p.totalBytes;
  const pkgs = new Map<string, Map<string, PictureSite[]>>();
  for (const s of p.sites) {
    let fns = pkgs.get(s.pkg);
    if (!fns) pkgs.set(s.pkg, (fns = new Map()));
    const list = fns.get(s.func);
    if (list) list.push(s);
    else fns.set(s.func, [s]);
  }
  const sum = (l: readonly PictureSite[]) => l.reduce((n, s) => n + s.bytes, 0);
  const rows: Box[][] = [[], [], []];
  let x = 0;
  const ordered = [...pkgs.entries()].map(([pkg, fns]) => ({ pkg, fns, b: sum([...fns.values()].flat()) })).sort((a, b) => b.b - a.b);
  for (const { pkg, fns, b } of ordered) {
    rows[0]!.push({
      label: pkg,
      tip: `${pkg}: ${bytes(b)} (${pct(b, p.totalBytes)})`,
      x,
      w: b * scale,
      fill: 'var(--vscode-editorWidget-border, #888)',
    });
    let fx = x;
    for (const [fn, list] of [...fns.entries()].sort((a, c) => sum(c[1]) - sum(a[1]))) {
      const fb = sum(list);
      rows[1]!.push({
        label: fn,
        tip: `${pkg}.${fn}: ${bytes(fb)} (${pct(fb, p.totalBytes)})`,
        x: fx,
        w: fb * scale,
        fill: 'var(--vscode-badge-background, #777)',
      });
      let sx = fx;
      for (const s of [...list].sort((a, c) => c.bytes - a.bytes)) {
        rows[2]!.push({
          label: s.label,
          tip: `${s.label} — ${s.where}: ${bytes(s.bytes)} (${pct(s.bytes, p.totalBytes)}), ${s.objects} objects, ${s.cls}`,
          x: sx,
          w: s.bytes * scale,
          fill: classFill(s.spanClass),
          site: s,
        });
        sx += s.bytes * scale;
      }
      fx += fb * scale;
    }
    x += b * scale;
  }
  return rows;
}
