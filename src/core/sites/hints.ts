// Inline hints: the text after an allocating line. One hint per line, short enough to stay on
// screen: a line with one site shows that site (`⇡ 40→48 B · c5 scan`), a busy line a summary
// (`⇡ 3 allocs · 52 B`) whose details are in the hover. Sites that allocate nothing (zerobase,
// static data) get no hint unless every site is asked for.
import { spanClassName } from '../alloc/spanclass.ts';
import { classShort, heapBytes, scanWord } from './landing.ts';
import { compactBytes } from './markdown.ts';
import type { AllocationSite } from './site.ts';

/**
 * hintText: one site's hint, e.g. `⇡ 40→48 B · c5 scan`. The arrow shows the request rounding up
 * to the slot; a single number means the request fills its slot exactly.
 */
export function hintText(site: AllocationSite): string {
  const p = site.prediction;
  if (!site.escapes || p.kind === 'stack') return `· stack${p.requestBytes ? ` ${p.requestBytes} B` : ''}`;
  const sizes = p.requestBytes === p.slotBytes ? `${p.requestBytes} B` : `${p.requestBytes}→${p.slotBytes} B`;
  switch (p.kind) {
    case 'zero':
      return '· no heap alloc';
    case 'tiny':
      return `⇡ ${p.requestBytes} B · tiny c${p.sizeClass} noscan`;
    case 'small':
      return `⇡ ${sizes} · ${spanClassName(p.spanClass)}`;
    case 'large':
      return `⇡ ${p.requestBytes} B · large ${p.npages}p ${scanWord(p)}`;
    case 'unknown': {
      const d = site.dynamic;
      if (d && d.length > 0) return `⇡ n-sized · ${classShort(d[0]!.prediction)}…${classShort(d[d.length - 1]!.prediction)}`;
      return '⇡ size unknown';
    }
  }
}

/** The colour a hint takes: its strongest site's kind. */
export type HintKind = 'heap' | 'tiny' | 'large' | 'stack';

function hintKind(s: AllocationSite): HintKind {
  const k = s.prediction.kind;
  if (!s.escapes || k === 'stack' || k === 'zero') return 'stack';
  if (k === 'tiny') return 'tiny';
  if (k === 'large') return 'large';
  return 'heap';
}

const kindRank: readonly HintKind[] = ['stack', 'tiny', 'heap', 'large'];

export interface LineHint {
  /** 1-based line. */
  readonly line: number;
  readonly text: string;
  readonly kind: HintKind;
}

/** allocatesNothing: a site the runtime never allocates for (stack, zerobase, static data). */
function allocatesNothing(s: AllocationSite): boolean {
  return !s.escapes || s.prediction.kind === 'stack' || s.prediction.kind === 'zero';
}

/** summaryText: one hint for several sites of a line: heap allocations, their bytes per pass, what else is there. */
function summaryText(sites: readonly AllocationSite[]): string {
  const heap = sites.filter((s) => !allocatesNothing(s));
  const unknown = heap.filter((s) => s.prediction.kind === 'unknown').length;
  const stack = sites.filter((s) => !s.escapes || s.prediction.kind === 'stack').length;
  const none = sites.length - heap.length - stack;
  const parts: string[] = [];
  if (heap.length > 0) {
    const bytes = heap.reduce((n, s) => n + heapBytes(s.prediction), 0);
    const sized = unknown === heap.length ? 'size unknown' : `${unknown > 0 ? '≥ ' : ''}${compactBytes(bytes)}`;
    parts.push(`⇡ ${heap.length} alloc${heap.length === 1 ? '' : 's'} · ${sized}`);
  }
  if (stack > 0) parts.push(`${heap.length ? '' : '· '}${stack} stack`);
  if (none > 0) parts.push(`${heap.length || stack ? '' : '· '}${none} no alloc`);
  return parts.join(' · ');
}

/**
 * lineHints: one hint per line for `sites` (already filtered by the display settings). Sites that
 * allocate nothing are left out unless `showNoAlloc` (the user asked for every site, stack ones too).
 */
export function lineHints(sites: readonly AllocationSite[], showNoAlloc: boolean): LineHint[] {
  const byLine = new Map<number, AllocationSite[]>();
  for (const s of sites) {
    if (!showNoAlloc && s.escapes && s.prediction.kind === 'zero') continue;
    const list = byLine.get(s.line);
    if (list) list.push(s);
    else byLine.set(s.line, [s]);
  }
  const out: LineHint[] = [];
  for (const [line, list] of byLine) {
    const kind = list.map(hintKind).reduce((a, b) => (kindRank.indexOf(b) > kindRank.indexOf(a) ? b : a));
    out.push({ line, kind, text: list.length === 1 ? hintText(list[0]!) : summaryText(list) });
  }
  return out.sort((a, b) => a.line - b.line);
}
