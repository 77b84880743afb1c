// The hover for one allocation site, laid out for a hover box a few hundred pixels tall: the
// answer first (where the object lands: slot, span class, objects per span, waste), then why it
// is on the heap and what was requested, then the details (the full table, the compiler's flow
// steps with a plain reading, every object and every n range). Every compiler-provided string is
// escaped; the only links are flow-step positions through `opts.revealCommand`.
import type { Prediction } from '../alloc/malloc.ts';
import { allocationKinds } from './allocKind.ts';
import { flowSteps, whyLine } from './flow.ts';
import { answerLine, objectSummary, predictionRows, shortLanding } from './landing.ts';
import { escapeMarkdown, formatBytes, hardBreak } from './markdown.ts';
import type { AllocationSite, Construct, DynamicClassRange } from './site.ts';

export interface HoverOptions {
  /** Command id linked from flow steps (e.g. `goHeap.revealPosition`); no links when absent. */
  readonly revealCommand?: string;
  /** Most dynamic-size ranges to list (default 8). */
  readonly maxRanges?: number;
}

const constructWords: Record<Construct, string> = {
  new: 'new(T)',
  'composite-lit': 'composite literal',
  'make-slice': 'make (slice)',
  'make-map': 'make (map)',
  'make-chan': 'make (chan)',
  'map-insert': 'map insert (mapassign)',
  append: 'append (growslice)',
  'string-concat': 'string concatenation',
  'string-conv': 'string conversion',
  'bytes-conv': '[]byte conversion',
  'runes-conv': '[]rune conversion',
  closure: 'closure',
  'moved-to-heap': 'variable moved to heap',
  'interface-conv': 'interface conversion',
  variadic: 'variadic arguments',
  other: 'allocation',
};

/** constructLabel: a construct as the UI names it. */
export function constructLabel(c: Construct): string {
  return constructWords[c];
}

/** requestText: what mallocgc is asked for and why that many bytes; for a size known only at run time, what it depends on. */
function requestText(site: AllocationSite, p: Prediction): string {
  const e = site.elements;
  const n = e ? (e.cap ?? e.len) : null;
  const elems = e ? `${n === null ? 'n' : n} × ${escapeMarkdown(e.type.name)}${e.type.size !== null ? ` (${e.type.size} B)` : ''}` : '';
  if (p.kind === 'unknown') return e ? `${elems}, n known only at run time` : 'known only at run time';
  const parts = [formatBytes(p.requestBytes)];
  if (p.headerBytes > 0) parts.push(`\\+ ${p.headerBytes} B malloc header`);
  const t = site.type;
  if (t) {
    const facts = [`type ${escapeMarkdown(t.name)}`];
    if (t.size !== null) facts.push(`size ${t.size} B`);
    if (t.ptrBytes !== null) facts.push(t.ptrBytes > 0 ? `${t.ptrBytes} pointer bytes` : 'no pointers');
    parts.push(`(${facts.join(', ')})`);
  }
  if (e) parts.push(`— ${elems}`);
  return parts.join(' ');
}

function rangeLabel(r: DynamicClassRange, compact: boolean): string {
  if (r.maxN === null) return `n ≥ ${r.minN}`;
  if (r.minN === r.maxN) return compact ? `n=${r.minN}` : `n = ${r.minN}`;
  return compact ? `n ${r.minN}–${r.maxN}` : `${r.minN} ≤ n ≤ ${r.maxN}`;
}

/** byNLine: the class as a function of n on a line or two ("n=1: 8 B tiny · n 3–4: 32 B c4 noscan · …"). */
function byNLine(ranges: readonly DynamicClassRange[], max: number): string {
  const shown = ranges.slice(0, max).map((r) => `${rangeLabel(r, true)}: ${shortLanding(r.prediction)}`);
  if (ranges.length > max) shown.push(`… ${ranges.length - max} more`);
  return shown.join(' · ');
}

/** answer: the lead line: where the object lands, or why nothing lands on the heap. */
function answer(site: AllocationSite, p: Prediction, maxRanges: number): string {
  const a = answerLine(p);
  if (a) {
    const i = a.indexOf(' · ');
    return i < 0 ? `**${a}**` : `**${a.slice(0, i)}**${a.slice(i)}`;
  }
  if (site.dynamic && site.dynamic.length > 0) return `**By n:** ${byNLine(site.dynamic, maxRanges)}`;
  switch (p.kind) {
    case 'stack':
      return '**Stays on the stack:** no heap allocation';
    case 'zero':
      return `**No heap allocation:** ${escapeMarkdown(site.notes?.[0] ?? 'zero-size objects share runtime.zerobase')}`;
    default:
      return `**Size unknown at compile time**${site.unknownReason ? `: ${escapeMarkdown(site.unknownReason)}` : ''}`;
  }
}

function table(rows: readonly [string, string][]): string {
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

/** hoverMarkdown: the full hover for one site. */
export function hoverMarkdown(site: AllocationSite, opts: HoverOptions = {}): string {
  const p = site.prediction;
  const maxRanges = opts.maxRanges ?? 8;
  const verdict = site.escapes ? (site.construct === 'moved-to-heap' ? 'moved to heap' : 'escapes to heap') : 'does not escape';
  // The lead: one paragraph of short lines (hard breaks keep it tight).
  const lead = [
    `**Go Heap Lens** · ${escapeMarkdown(site.expr)} — ${verdict} (${constructLabel(site.construct)})`,
    answer(site, p, maxRanges),
  ];
  lead.push(`**Requested:** ${requestText(site, p)}`);
  const why = site.escapes ? whyLine(site, opts.revealCommand) : undefined;
  if (why) lead.push(`**Why:** ${why}`);
  const out = [lead.join(hardBreak)];
  const kinds = allocationKinds(site); // our own words, no compiler text
  if (kinds.length > 0) out.push(kinds.map((k) => `**${k.text}**`).join(hardBreak));
  // A zero-kind site's first note is its answer already.
  const notes = p.kind === 'zero' ? site.notes?.slice(1) : site.notes;
  if (notes && notes.length > 0) out.push(notes.map((n) => `*Note:* ${escapeMarkdown(n)}`).join(hardBreak));
  // Details, below the fold when the box is short.
  out.push('---');
  if (p.kind !== 'unknown' || !site.dynamic?.length) out.push(table(predictionRows(p)));
  if (site.dynamic && site.dynamic.length > 0) {
    const rows = site.dynamic.slice(0, maxRanges).map((r) => `- ${rangeLabel(r, false)}: ${objectSummary(r.prediction)}`);
    if (site.dynamic.length > maxRanges) rows.push(`- … ${site.dynamic.length - maxRanges} more ranges`);
    out.push(['**Size class by n:**', '', ...rows].join('\n'));
  }
  if (site.objects && site.objects.length > 1) {
    out.push(
      ['**Objects allocated:**', '', ...site.objects.map((o) => `- ${escapeMarkdown(o.what)}: ${objectSummary(o.prediction)}`)].join('\n'),
    );
  }
  if (site.escapes && site.reason.length > 1)
    out.push(['**Escape flow** (as -m=2 prints it):', '', ...flowSteps(site, opts.revealCommand)].join('\n'));
  out.push(`*Model: go${escapeMarkdown(p.goVersion)} ${escapeMarkdown(p.arch)}*`);
  return out.join('\n\n');
}
