// How a drift result reads: the text of the terminal, the Markdown of a pull-request comment, the
// hint and hover words of the editor. Pure: paths are shown relative to a root the caller gives.
import type { Prediction } from '../alloc/malloc.ts';
import { keyStep, plainReason } from '../sites/flow.ts';
import { heapBytes } from '../sites/landing.ts';
import type { AllocationSite } from '../sites/site.ts';
import { isHeap, siteHeapBytes, spanClassLabel, type ChangeKind, type DriftResult, type DriftSide, type SiteChange } from './changes.ts';

export function relativeTo(root: string, file: string): string {
  const r = root.endsWith('/') ? root : root + '/';
  return file.startsWith(r) ? file.slice(r.length) : file;
}

export const changeWords: Record<ChangeKind, string> = {
  new: 'new heap site',
  gone: 'heap site gone',
  'now-escapes': 'now escapes',
  'no-longer-escapes': 'no longer escapes',
  'class-changed': 'class changed',
  'size-changed': 'size changed',
};

/** sideName: `go1.26/amd64`, with the ref and the model-only note when there are. */
export function sideName(s: DriftSide): string {
  return `${goName(s.goVersion)}/${s.arch}${s.ref ? ` @ ${s.ref}` : ''}${s.modelOnly ? ` (${s.note ?? 'model only'})` : ''}`;
}

/** goName: `go1.21.13` whether the analysis said `go1.21.13` or `1.21.13`. */
export function goName(v: string): string {
  return v.startsWith('go') ? v : `go${v}`;
}

/** goMinorName: `go1.21` of `go1.21.13`: what a hint has room for. */
export function goMinorName(v: string): string {
  const n = goName(v);
  return /^go1\.\d+/.exec(n)?.[0] ?? n;
}

/** landingShort: one object's landing in hint words: `520→576 B · c27 scan`. */
export function landingShort(p: Prediction): string {
  switch (p.kind) {
    case 'stack':
      return 'stack';
    case 'zero':
      return 'no heap alloc';
    case 'unknown':
      return 'size unknown';
    case 'tiny':
      return `${p.requestBytes} B · tiny · ${p.objectsPerSpan} blocks/span`;
    default: {
      const req = p.headerBytes ? `${p.requestBytes}+${p.headerBytes} hdr` : `${p.requestBytes}`;
      const sizes = p.requestBytes + p.headerBytes === p.slotBytes ? `${req} B` : `${req}→${p.slotBytes} B`;
      return `${sizes} · ${spanClassLabel(p)} · ${p.objectsPerSpan}/span`;
    }
  }
}

function siteLanding(s: AllocationSite | null): string {
  if (!s) return '—';
  if (!isHeap(s)) return 'stack';
  return landingShort(s.prediction);
}

/** changedHint: the editor's hint for a changed site, e.g. `⇡ 520→576 B · c27 scan · was c26 on go1.21`. */
export function changedHint(c: SiteChange, base: DriftSide): string {
  const on = base.ref ? `at ${base.ref}` : `on ${goMinorName(base.goVersion)}`;
  const h = c.head;
  const now =
    h && isHeap(h)
      ? h.prediction.kind === 'small' || h.prediction.kind === 'large'
        ? shortNow(h.prediction)
        : landingShort(h.prediction)
      : 'stack';
  switch (c.kind) {
    case 'new':
      return `⇡ ${now} · new since ${base.ref ?? goMinorName(base.goVersion)}`;
    case 'now-escapes':
      return `⇡ ${now} · was stack ${on}`;
    case 'no-longer-escapes':
      return `· stack · was ${c.base ? wasShort(c.base.prediction) : 'heap'} ${on}`;
    case 'class-changed':
    case 'size-changed':
      return `⇡ ${now} · was ${c.base ? wasShort(c.base.prediction) : '?'} ${on}`;
    case 'gone':
      return `· gone since ${base.ref ?? goMinorName(base.goVersion)}`;
  }
}

function shortNow(p: Prediction): string {
  const sizes = p.requestBytes === p.slotBytes ? `${p.requestBytes} B` : `${p.requestBytes}→${p.slotBytes} B`;
  return `${sizes} · ${spanClassLabel(p)}`;
}

function wasShort(p: Prediction): string {
  if (p.kind === 'small') return `c${p.sizeClass}${p.objectsPerSpan ? ` ${p.objectsPerSpan}/span` : ''}`;
  if (p.kind === 'large') return `large ${p.npages}p`;
  if (p.kind === 'tiny') return 'tiny';
  return `${p.requestBytes} B`;
}

/** whyStep: the flow step that explains the escape, in words, with its position. */
export function whyStep(s: AllocationSite | null, root: string): string {
  if (!s || !s.escapes) return '';
  const k = keyStep(s.reason);
  if (!k) return '';
  const words = k.why ? plainReason(k.why) : k.text;
  return k.file && k.line ? `${words} (${relativeTo(root, k.file)}:${k.line})` : words;
}

function where(c: SiteChange, root: string): string {
  const s = (c.head ?? c.base)!;
  return `${relativeTo(root, s.file)}:${s.line}`;
}

function signedBytes(n: number): string {
  return `${n > 0 ? '+' : ''}${n} B`;
}

function summary(d: DriftResult): string {
  const counts = new Map<ChangeKind, number>();
  for (const c of d.changes) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
  const parts = [...counts].map(([k, n]) => `${n} ${changeWords[k]}${n > 1 && k === 'new' ? 's' : ''}`);
  const b = d.totals.base;
  const h = d.totals.head;
  const bytes =
    h.weightedBytes !== undefined ? `weighted ${b.weightedBytes} → ${h.weightedBytes} B` : `${b.heapBytes} → ${h.heapBytes} B per pass`;
  return (
    `${d.changes.length === 0 ? 'No heap changes' : parts.join(', ')}: heap sites ${b.heapSites} → ${h.heapSites}, ${bytes} ` +
    `(${sideName(d.base)} → ${sideName(d.head)})`
  );
}

function mdCell(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[<>*_`[\]]/g, (c) => '\\' + c)
    .replace(/\n/g, ' ');
}

/** markdownReport: a summary line, then a table of the changes (fit for a pull-request comment). */
export function markdownReport(d: DriftResult, root: string, gate: readonly string[] = []): string {
  const out = [`**Go Heap Lens:** ${mdCell(summary(d))}`, ''];
  for (const s of [d.base, d.head]) if (s.modelOnly && s.note) out.push(`> ${mdCell(s.note)}`, '');
  if (d.changes.length > 0) {
    out.push('| change | site | expression | before | after | why |', '|---|---|---|---|---|---|');
    for (const c of d.changes) {
      const s = (c.head ?? c.base)!;
      out.push(
        `| ${changeWords[c.kind]} | \`${where(c, root).replace(/`/g, '')}\` | ${mdCell(s.expr)}${s.func ? ` in ${mdCell(s.func)}` : ''} | ${mdCell(siteLanding(c.base))} | ${mdCell(siteLanding(c.head))} | ${mdCell(whyStep(c.head ?? c.base, root))} |`,
      );
    }
    out.push('');
  }
  const classes = [...new Set([...Object.keys(d.totals.base.bySpanClass), ...Object.keys(d.totals.head.bySpanClass)])].sort();
  const moved = classes.filter((k) => (d.totals.base.bySpanClass[k]?.bytes ?? 0) !== (d.totals.head.bySpanClass[k]?.bytes ?? 0));
  if (moved.length > 0) {
    out.push('<details><summary>Bytes by span class</summary>', '', '| span class | before | after |', '|---|---|---|');
    for (const k of moved)
      out.push(`| ${k} | ${d.totals.base.bySpanClass[k]?.bytes ?? 0} B | ${d.totals.head.bySpanClass[k]?.bytes ?? 0} B |`);
    out.push('', '</details>', '');
  }
  if (gate.length > 0) {
    out.push('**Gate failed:**', '');
    for (const g of gate) out.push(`- ${mdCell(g)}`);
    out.push('');
  }
  return out.join('\n');
}

/** textReport: one line per change, `file:line: kind: expr: before → after`, then the summary. */
export function textReport(d: DriftResult, root: string, gate: readonly string[] = []): string {
  const lines = d.changes.map((c) => {
    const s = (c.head ?? c.base)!;
    const delta = c.base && c.head ? ` (${signedBytes(siteHeapBytes(c.head) - siteHeapBytes(c.base))})` : '';
    const why = whyStep(c.head, root);
    return `${where(c, root)}: ${changeWords[c.kind]}: ${s.expr}${s.func ? ` in ${s.func}` : ''}: ${siteLanding(c.base)} → ${siteLanding(c.head)}${delta}${why ? `; ${why}` : ''}`;
  });
  for (const s of [d.base, d.head]) if (s.modelOnly && s.note) lines.push(`# ${s.note}`);
  lines.push(`# ${summary(d)}`);
  for (const g of gate) lines.push(`# gate: ${g}`);
  return lines.join('\n') + '\n';
}

/** hoverOtherSide: what the hover adds for a changed site: the other side's landing. */
export function hoverOtherSide(c: SiteChange, base: DriftSide): string {
  const on = base.ref ? `at ${base.ref}` : `on ${goMinorName(base.goVersion)}`;
  const other = c.base
    ? isHeap(c.base)
      ? `${landingShort(c.base.prediction)} (${heapBytes(c.base.prediction)} B per pass)`
      : 'stack'
    : 'no such site';
  return `**${changeWords[c.kind]}** — ${on}: ${other}${base.modelOnly && base.note ? ` (${base.note})` : ''}`;
}
