// What the Upgrade Report page shows: bytes by span class before and after (the chart), and the
// table of changed sites. Plain strings and numbers: the page inserts them as text.
import { siteHeapBytes, type DriftResult } from './changes.ts';
import { changeWords, goName, relativeTo, whyStep } from './report.ts';
import { landingShort } from './report.ts';
import { isHeap } from './changes.ts';

export interface UpgradeClassRow {
  readonly label: string;
  readonly baseBytes: number;
  readonly headBytes: number;
  readonly baseSites: number;
  readonly headSites: number;
}

export interface UpgradeSiteRow {
  readonly change: string;
  readonly where: string;
  readonly file: string;
  readonly line: number;
  readonly expr: string;
  readonly before: string;
  readonly after: string;
  readonly deltaBytes: number;
  readonly why: string;
}

export interface UpgradeModel {
  readonly baseName: string;
  readonly headName: string;
  readonly notes: readonly string[];
  readonly summary: string;
  readonly classes: readonly UpgradeClassRow[];
  readonly sites: readonly UpgradeSiteRow[];
}

/** Span-class labels in allocator order: tiny, c1…c67 (scan before noscan), large. */
function classOrder(label: string): number {
  if (label === 'tiny') return -1;
  const m = /^c(\d+) (scan|noscan)$/.exec(label);
  if (m) return Number(m[1]) * 2 + (m[2] === 'noscan' ? 1 : 0);
  return label.startsWith('large') ? 1000 + (label.endsWith('noscan') ? 1 : 0) : 2000;
}

export function upgradeModel(d: DriftResult, root: string): UpgradeModel {
  const b = d.totals.base.bySpanClass;
  const h = d.totals.head.bySpanClass;
  const labels = [...new Set([...Object.keys(b), ...Object.keys(h)])].sort((x, y) => classOrder(x) - classOrder(y) || (x < y ? -1 : 1));
  const side = (s: DriftResult['base']) => `${goName(s.goVersion)}/${s.arch}${s.ref ? ` @ ${s.ref}` : ''}`;
  return {
    baseName: side(d.base),
    headName: side(d.head),
    notes: [d.base, d.head].filter((s) => s.modelOnly && s.note).map((s) => `${side(s)}: ${s.note}`),
    summary: `${d.changes.length} changed sites; heap sites ${d.totals.base.heapSites} → ${d.totals.head.heapSites}; ${d.totals.base.heapBytes} → ${d.totals.head.heapBytes} B if each runs once`,
    classes: labels.map((label) => ({
      label,
      baseBytes: b[label]?.bytes ?? 0,
      headBytes: h[label]?.bytes ?? 0,
      baseSites: b[label]?.sites ?? 0,
      headSites: h[label]?.sites ?? 0,
    })),
    sites: d.changes.map((c) => {
      const s = (c.head ?? c.base)!;
      const text = (x: typeof c.base) => (!x ? '—' : isHeap(x) ? landingShort(x.prediction) : 'stack');
      return {
        change: changeWords[c.kind],
        where: `${relativeTo(root, s.file)}:${s.line}`,
        file: s.file,
        line: s.line,
        expr: s.expr,
        before: text(c.base),
        after: text(c.head),
        deltaBytes: (c.head ? siteHeapBytes(c.head) : 0) - (c.base ? siteHeapBytes(c.base) : 0),
        why: whyStep(c.head ?? c.base, root),
      };
    }),
  };
}
