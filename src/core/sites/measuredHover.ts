// What the measured heap adds to a site's hover, its inline hint and the Heap view: the profile's
// objects and bytes for the site, its share of the profile, and how the recorded slots (the
// profile's `bytes` label) compare with the prediction. Pure formatting: the join that makes a
// Measured is core/profile's; the editor only wraps these strings. Names that come from a profile
// (benchmark names, file paths, functions) go through escapeMarkdown: a profile is input like any other.
import type { Measured, MeasuredSlot, ProfileSummary } from '../profile/types.ts';
import { compactBytes, escapeMarkdown, hardBreak, plural } from './markdown.ts';
import type { AllocationSite } from './site.ts';

/** Where a profile came from, as the hover says it: a benchmark run or a loaded file. */
export interface ProfileOrigin {
  /** `benchmark` (also a test run) or `file`. */
  readonly kind: 'benchmark' | 'test' | 'file';
  /** Benchmark/test names, or the file's path. */
  readonly label: string;
  /** For runs: the package directory (shown after the names). */
  readonly dir?: string;
}

/** compactCount: 950, 12 k, 1.2 M, 3.4 G — a count where space is tight. */
export function compactCount(n: number): string {
  const units: [number, string][] = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [v, u] of units) {
    if (n >= v) {
      const x = n / v;
      return `${x >= 100 ? Math.round(x) : x.toFixed(1).replace(/\.0$/, '')} ${u}`;
    }
  }
  return String(n);
}

/** percent: a share in [0, 1] as `23 %`, with one decimal under 10 % and `< 0.1 %` for what rounds to nothing. */
export function percent(share: number): string {
  const p = share * 100;
  if (p > 0 && p < 0.05) return '< 0.1 %';
  if (p < 10) return `${p.toFixed(1).replace(/\.0$/, '')} %`;
  return `${Math.round(p)} %`;
}

/** grouped: 1234567 → `1,234,567` (exact figures, comparable with `go tool pprof -raw`). */
export function grouped(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** predictedSlotBytes: the slot the profile's `bytes` label should record for the site, or undefined when the size is not static. */
export function predictedSlotBytes(site: AllocationSite): number | undefined {
  const p = site.prediction;
  if (!site.escapes) return undefined;
  if (p.kind === 'small' || p.kind === 'large' || p.kind === 'tiny') return p.slotBytes;
  return undefined;
}

/** slotsText: the recorded slots as a histogram, largest count first: `4096 B × 81 % · 2048 B × 12 % · 2 more`. */
export function slotsText(slots: readonly MeasuredSlot[], most = 4): string {
  const total = slots.reduce((n, s) => n + s.objects, 0);
  const shown = slots.slice(0, most).map((s) => `${compactBytes(s.bytes)} × ${percent(total ? s.objects / total : 0)}`);
  if (slots.length > most) shown.push(`${slots.length - most} more`);
  return shown.join(' · ');
}

/** verdictText: `32 B slot ✓ as predicted`, `640 B slot ✗ predicted 576 B`, or the histogram of a dynamic site. */
export function verdictText(site: AllocationSite, m: Measured): string {
  const predicted = predictedSlotBytes(site);
  const only = m.slots.length === 1 ? m.slots[0]! : undefined;
  switch (m.verdict) {
    case 'confirmed':
      return `${compactBytes(only?.bytes ?? predicted ?? 0)} slot ✓ as predicted`;
    case 'differs':
      return `${only ? `${compactBytes(only.bytes)} slot` : `slots ${slotsText(m.slots)}`} ✗ predicted ${predicted === undefined ? 'another size' : compactBytes(predicted)}`;
    case 'resolved':
      return only ? `${compactBytes(only.bytes)} slot (measured: the size is known only at run time)` : `slots ${slotsText(m.slots)}`;
  }
}

/** originText: `BenchmarkDemo (demo)` or the file's name, for the hover's "from …". */
export function originText(o: ProfileOrigin): string {
  if (o.kind === 'file') return `profile ${o.label}`;
  const dir = o.dir ? ` in ${o.dir.split(/[\\/]/).filter(Boolean).pop() ?? o.dir}` : '';
  return `${o.kind === 'test' ? 'test' : 'benchmark'} ${o.label}${dir}`;
}

/**
 * measuredHoverMarkdown: the hover's measured section, e.g.
 * `**Measured:** 1.2 M objects · 38 MiB (23 % of the profile) · 32 B slot ✓ as predicted`, then the
 * exact figures (alloc and in use) and where the profile came from.
 */
export function measuredHoverMarkdown(site: AllocationSite, m: Measured, origin: ProfileOrigin | undefined): string {
  const lead =
    `**Measured:** ${compactCount(m.objects)} objects · ${compactBytes(m.bytes)} (${percent(m.share)} of the profile) · ` +
    escapeMarkdown(verdictText(site, m));
  const exact = `${grouped(m.objects)} objects, ${grouped(m.bytes)} B allocated; in use at the profile: ${grouped(m.inuseObjects)} objects, ${grouped(m.inuseBytes)} B`;
  const from = origin ? ` — from ${escapeMarkdown(originText(origin))}` : '';
  const histogram =
    m.slots.length > 1 && m.verdict !== 'resolved' ? `${hardBreak}Recorded slots: ${escapeMarkdown(slotsText(m.slots))}` : '';
  return `${lead}${hardBreak}${escapeMarkdown(exact)}${from}${histogram}`;
}

/** measuredHintPrefix: what leads a line's inline hint when a profile is loaded (`23 % · `); '' when nothing was measured there. */
export function measuredHintPrefix(measured: readonly (Measured | undefined)[]): string {
  const share = measured.reduce((n, m) => n + (m?.share ?? 0), 0);
  const any = measured.some((m) => m !== undefined && m.objects > 0);
  return any ? `${percent(share)} · ` : '';
}

/** profileHeaderText: the Heap view's header line, `profile mem.pprof: 412 MiB, 97.3 % attributed to 1,240 sites`. */
export function profileHeaderText(summary: ProfileSummary, name: string, attributedSites: number): string {
  return (
    `profile ${name}: ${compactBytes(summary.totalBytes)}, ${(summary.attributedBytesShare * 100).toFixed(1)} % attributed to ` +
    `${plural(attributedSites, 'site').replace(/^(\d+)/, (d) => grouped(Number(d)))}`
  );
}
