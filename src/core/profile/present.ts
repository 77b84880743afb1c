// The measured heap in words, as plain text (the CLI's --text; the editor escapes it for markdown).
import type { AllocationSite } from '../sites/site.ts';
import { compactBytes } from '../sites/markdown.ts';
import type { Measured, ProfileSummary } from './types.ts';

/** count: 1234567 → "1,234,567" without locale data (the core has no Intl guarantees across hosts). */
export function count(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** percent: a share in [0, 1] as "23 %", "0.4 %", "< 0.1 %". */
export function percent(share: number): string {
  const p = share * 100;
  if (p > 0 && p < 0.1) return '< 0.1 %';
  return `${Number.isInteger(p) ? p.toFixed(0) : p.toFixed(1)} %`;
}

function slotList(m: Measured, max = 4): string {
  const total = m.slots.reduce((a, s) => a + s.objects, 0);
  const shown = m.slots
    .slice(0, max)
    .map((s) => `${compactBytes(s.bytes)} ×${count(s.objects)}${total > 0 ? ` (${percent(s.objects / total)})` : ''}`);
  return shown.join(', ') + (m.slots.length > max ? `, … ${m.slots.length - max} more` : '');
}

/** measuredText: "201 objects · 12.6 KiB (1.7 % of the profile) · 64 B slot ✓ as predicted". */
export function measuredText(m: Measured, site: AllocationSite): string {
  const head = `${count(m.objects)} object${m.objects === 1 ? '' : 's'} · ${compactBytes(m.bytes)} (${percent(m.share)} of the profile)`;
  const inuse = m.inuseBytes > 0 ? ` · ${compactBytes(m.inuseBytes)} in use` : '';
  switch (m.verdict) {
    case 'confirmed':
      return `${head}${inuse} · ${m.slots.length === 1 ? `${compactBytes(m.slots[0]!.bytes)} slot` : `slots ${slotList(m)}`} ✓ as predicted`;
    case 'resolved':
      return `${head}${inuse} · slots ${slotList(m)} (measured; no static size)`;
    case 'differs':
      return `${head}${inuse} · recorded slots ${slotList(m)} ≠ predicted ${compactBytes(site.prediction.slotBytes)}`;
  }
}

/** summaryText: "profile mem.out: 412 MiB, 97.3 % attributed to 1,240 sites". */
export function summaryText(s: ProfileSummary, sites: number): string {
  return `profile ${s.file}: ${compactBytes(s.totalBytes)} in ${count(s.totalObjects)} objects, ${percent(s.attributedBytesShare)} attributed to ${count(sites)} site${sites === 1 ? '' : 's'}`;
}
