// How a site allocates, beside where it lands (issue 13): growth sites allocate only when a map or
// slice outgrows what it has, and some sites that do not escape still allocate on the heap. The
// hover and the Heap view show these words (hover.ts, tree.ts); they are computed here only.
import type { AllocationSite } from './site.ts';

export type AllocationKind = 'conditional' | 'growth' | 'stack-but-allocates';

export interface AllocationKindText {
  readonly kind: AllocationKind;
  /** A few words for a tree row's description. */
  readonly short: string;
  /** One sentence for the hover. */
  readonly text: string;
}

/** The runtime's stack buffer for non-escaping string results (runtime/string.go tmpStringBufSize). */
const tmpBufBytes = 32;

/** allocationKinds: what kind of allocating site this is, when it is more than "allocates once". */
export function allocationKinds(site: AllocationSite): AllocationKindText[] {
  const out: AllocationKindText[] = [];
  // The `conditional` marker (a site on a branch of inlined code) comes with issue 13's compiler-side work.
  if ((site as { readonly conditional?: boolean }).conditional === true)
    out.push({ kind: 'conditional', short: 'conditional', text: 'Conditional: on a branch of inlined code, it may not run.' });
  if (site.construct === 'map-insert')
    out.push({ kind: 'growth', short: 'growth', text: 'Growth site: allocates only when the map grows (see the lengths below).' });
  if (site.construct === 'append')
    out.push({ kind: 'growth', short: 'growth', text: 'Growth site: allocates only when the slice outgrows its capacity (growslice).' });
  if (!site.escapes) {
    if (site.construct === 'append')
      out.push({
        kind: 'stack-but-allocates',
        short: 'no escape, allocates',
        text: 'Does not escape, but still allocates: growslice puts the grown backing array on the heap.',
      });
    else if (['string-concat', 'string-conv', 'bytes-conv', 'runes-conv'].includes(site.construct))
      out.push({
        kind: 'stack-but-allocates',
        short: 'no escape, allocates > 32 B',
        text: `Does not escape, but still allocates when the result is over ${tmpBufBytes} B: only that much fits the stack buffer.`,
      });
  }
  return out;
}
