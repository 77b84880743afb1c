// Drift: what changed between two analyses of (nearly) the same source — a base (an older commit,
// a saved result, another Go version) and a head. Sites are paired by identity.ts; each pair that
// differs in where its objects land becomes one change. Only heap sites can be new or gone: a stack
// site that appears costs the heap nothing. Output order is by position, never by the order the
// compiler printed sites in (go build's stderr order varies from run to run).
import type { Prediction } from '../alloc/malloc.ts';
import { heapBytes } from '../sites/landing.ts';
import type { AllocationSite } from '../sites/site.ts';
import { comparePosition, matchSites, type SitePair } from './identity.ts';

export type ChangeKind = 'new' | 'gone' | 'now-escapes' | 'no-longer-escapes' | 'class-changed' | 'size-changed';

export const changeKinds: readonly ChangeKind[] = ['new', 'gone', 'now-escapes', 'no-longer-escapes', 'class-changed', 'size-changed'];

export interface SiteChange {
  readonly kind: ChangeKind;
  readonly base: AllocationSite | null;
  readonly head: AllocationSite | null;
}

/** One side of a diff: which toolchain/runtime its answers are for, and where it came from. */
export interface DriftSide {
  readonly goVersion: string;
  readonly arch: string;
  /** The git ref (and the commit it named), the baseline file, or absent for the working tree. */
  readonly ref?: string;
  /** The escape decisions are another compiler's: only the allocator rules are this version's. */
  readonly modelOnly: boolean;
  /** Said plainly when modelOnly: e.g. "model only: escape decisions of go1.26". */
  readonly note?: string;
}

export interface ClassTotals {
  readonly sites: number;
  readonly bytes: number;
}

export interface SideTotals {
  readonly sites: number;
  readonly heapSites: number;
  /** Heap bytes one execution of every heap site takes (slots; tiny objects their block share). */
  readonly heapBytes: number;
  /** Σ measured objects × this side's bytes per object, when either side carries measured counts. */
  readonly weightedBytes?: number;
  /** By span class (as spanClassName prints it, e.g. "c27 scan", "large scan"): the Upgrade Report chart. */
  readonly bySpanClass: Readonly<Record<string, ClassTotals>>;
  readonly byPackage: Readonly<Record<string, { readonly heapSites: number; readonly heapBytes: number }>>;
}

export interface DriftResult {
  readonly base: DriftSide;
  readonly head: DriftSide;
  readonly changes: readonly SiteChange[];
  readonly totals: { readonly base: SideTotals; readonly head: SideTotals };
}

/**
 * isHeap: a site whose objects are on the heap. An escaping zero-size object or static data
 * allocates nothing, and compilers word those differently (go1.27 prints a folded constant where
 * go1.21 printed the expression), so they are not heap sites to pair.
 */
export function isHeap(s: AllocationSite): boolean {
  return s.escapes && s.prediction.kind !== 'stack' && s.prediction.kind !== 'zero';
}

/** The objects a site allocates: the constructs that allocate several list them all. */
function predictionsOf(s: AllocationSite): readonly Prediction[] {
  return s.objects?.length ? s.objects.map((o) => o.prediction) : [s.prediction];
}

/** siteHeapBytes: heap bytes one execution of the site takes on its side's runtime. */
export function siteHeapBytes(s: AllocationSite): number {
  if (!isHeap(s)) return 0;
  let n = 0;
  for (const p of predictionsOf(s)) n += heapBytes(p);
  return n;
}

function landing(p: Prediction): string {
  return `${p.kind}/${p.sizeClass}/${p.spanClass}/${p.noscan}/${p.slotBytes}/${p.npages}/${p.objectsPerSpan}`;
}

function landings(s: AllocationSite): string {
  const parts = predictionsOf(s).map(landing);
  for (const r of s.dynamic ?? []) parts.push(`${r.minN}-${r.maxN}:${landing(r.prediction)}`);
  return parts.join(' ');
}

function requests(s: AllocationSite): string {
  return `${predictionsOf(s)
    .map((p) => `${p.requestBytes}+${p.headerBytes}`)
    .join(' ')}/${s.type?.size ?? ''}/${s.elements?.len ?? ''}/${s.elements?.cap ?? ''}`;
}

/** changeOf: what changed for one pair, or undefined when nothing that matters did. */
export function changeOf(pair: SitePair): ChangeKind | undefined {
  const { base, head } = pair;
  if (!base) return head && isHeap(head) ? 'new' : undefined;
  if (!head) return isHeap(base) ? 'gone' : undefined;
  const hb = isHeap(base);
  const hh = isHeap(head);
  if (!hb && hh) return 'now-escapes';
  if (hb && !hh) return 'no-longer-escapes';
  if (!hb) return undefined;
  if (landings(base) !== landings(head)) return 'class-changed';
  if (requests(base) !== requests(head)) return 'size-changed';
  return undefined;
}

function measuredObjects(s: AllocationSite | null): number | undefined {
  const m = (s as { measured?: { objects?: unknown } } | null)?.measured;
  return m && typeof m.objects === 'number' ? m.objects : undefined;
}

interface TotalsBuilder {
  sites: number;
  heapSites: number;
  heapBytes: number;
  weightedBytes: number;
  bySpanClass: Record<string, { sites: number; bytes: number }>;
  byPackage: Record<string, { heapSites: number; heapBytes: number }>;
}

function newTotals(): TotalsBuilder {
  return { sites: 0, heapSites: 0, heapBytes: 0, weightedBytes: 0, bySpanClass: {}, byPackage: {} };
}

/** spanClassLabel: the chart's category for one object (`c27 scan`, `tiny`, `large noscan`). */
export function spanClassLabel(p: Prediction): string {
  switch (p.kind) {
    case 'tiny':
      return 'tiny';
    case 'large':
      return `large ${p.noscan ? 'noscan' : 'scan'}`;
    case 'small':
      return `c${p.sizeClass} ${p.noscan ? 'noscan' : 'scan'}`;
    default:
      return p.kind;
  }
}

function addSite(t: TotalsBuilder, s: AllocationSite, weight: number | undefined): void {
  t.sites++;
  if (!isHeap(s)) return;
  const bytes = siteHeapBytes(s);
  t.heapSites++;
  t.heapBytes += bytes;
  if (weight !== undefined) t.weightedBytes += weight * bytes;
  for (const p of predictionsOf(s)) {
    const b = heapBytes(p);
    if (b === 0 && p.kind !== 'unknown') continue;
    const c = (t.bySpanClass[spanClassLabel(p)] ??= { sites: 0, bytes: 0 });
    c.sites++;
    c.bytes += b;
  }
  const pkg = (t.byPackage[s.package ?? ''] ??= { heapSites: 0, heapBytes: 0 });
  pkg.heapSites++;
  pkg.heapBytes += bytes;
}

function sortedRecord<T>(r: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}

function finish(t: TotalsBuilder, weighted: boolean): SideTotals {
  return {
    sites: t.sites,
    heapSites: t.heapSites,
    heapBytes: t.heapBytes,
    ...(weighted ? { weightedBytes: t.weightedBytes } : {}),
    bySpanClass: sortedRecord(t.bySpanClass),
    byPackage: sortedRecord(t.byPackage),
  };
}

const kindRank = new Map(changeKinds.map((k, i) => [k, i]));

/** compareChanges: by the head's position (the base's for a gone site), then kind. */
export function compareChanges(a: SiteChange, b: SiteChange): number {
  return comparePosition((a.head ?? a.base)!, (b.head ?? b.base)!) || kindRank.get(a.kind)! - kindRank.get(b.kind)!;
}

/**
 * diffAnalyses: the changes between two site lists and both sides' totals. A measured object
 * count on either side of a pair weighs both sides' bytes (the profile counts executions, which
 * the change does not alter).
 */
export function diffAnalyses(
  base: readonly AllocationSite[],
  head: readonly AllocationSite[],
  sides: { base: DriftSide; head: DriftSide },
): DriftResult {
  const pairs = matchSites(base, head);
  const changes: SiteChange[] = [];
  const tb = newTotals();
  const th = newTotals();
  let weighted = false;
  for (const pair of pairs) {
    const w = measuredObjects(pair.head) ?? measuredObjects(pair.base);
    if (w !== undefined) weighted = true;
    if (pair.base) addSite(tb, pair.base, w);
    if (pair.head) addSite(th, pair.head, w);
    const kind = changeOf(pair);
    if (kind) changes.push({ kind, base: pair.base, head: pair.head });
  }
  changes.sort(compareChanges);
  return { base: sides.base, head: sides.head, changes, totals: { base: finish(tb, weighted), head: finish(th, weighted) } };
}
