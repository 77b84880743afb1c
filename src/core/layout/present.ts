// The words every view (CLI text, hover, diagnostic, Heap view) uses for one piece of layout advice.
import type { LayoutAdvice, OrderFacts } from './types.ts';

function classLabel(o: OrderFacts): string {
  return o.sizeClass > 0 ? `c${o.sizeClass}` : o.slotBytes > 32768 ? 'large' : 'tiny';
}

export function formatBytes(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (abs >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (abs >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

/** "reordered: 72 → 64 B, slot 80 → 64 B (c7 → c5), −20 % per object, −19.0 MiB on the loaded profile" */
export function layoutSummary(a: LayoutAdvice): string {
  const parts = [`reordered: ${a.current.size} → ${a.best.size} B`];
  if (a.slotSavingBytes > 0) {
    const pct = Math.round((a.slotSavingBytes / a.current.slotBytes) * 100);
    parts.push(
      `slot ${a.current.slotBytes} → ${a.best.slotBytes} B (${classLabel(a.current)} → ${classLabel(a.best)})`,
      `−${pct} % per object`,
    );
  }
  if (a.scanSavingBytes > 0) parts.push(`GC scans ${a.current.ptrBytes} → ${a.best.ptrBytes} B`);
  if (a.totalSavingBytes && a.totalSavingBytes > 0) parts.push(`−${formatBytes(a.totalSavingBytes)} on the loaded profile`);
  return parts.join(', ');
}

/** The fix's state in one line: why it is refused, or what to mind. */
export function layoutFixLine(a: LayoutAdvice): string {
  if (a.fix === 'refused') return `no automatic fix: ${a.reasons.join('; ')}`;
  return a.warnings.length ? `fix available; note: ${a.warnings.join('; ')}` : 'fix available';
}

/** Multi-line text of one advice (CLI --text). */
export function layoutText(a: LayoutAdvice): string {
  const lines = [
    `${a.file}:${a.line}:${a.column}: ${a.name}: ${layoutSummary(a)}`,
    `  current: ${a.current.fields.join(', ')}`,
    `  best:    ${a.best.fields.join(', ')} (${a.moves} field${a.moves === 1 ? '' : 's'} move)`,
    `  ${layoutFixLine(a)}`,
  ];
  for (const h of a.hints) lines.push(`  hint: ${h}`);
  for (const s of a.sites) {
    lines.push(
      `  site ${s.file}:${s.line}: ${s.construct}${s.elements > 1 ? ` ×${s.elements}` : ''} slot ${s.slotBytesBefore} → ${s.slotBytesAfter} B${s.objects !== undefined ? `, ${s.objects} objects recorded` : ''}`,
    );
  }
  return lines.join('\n');
}
