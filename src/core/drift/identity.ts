// Site identity across two analyses (two commits, or two Go versions of the same source): which
// site of the base is which site of the head. Line numbers are the weakest evidence — any edit
// above a site moves it — so a site is first known by what it is (package, enclosing function,
// construct, expression text, type), and only among sites equal in all of those by the nearest
// line. A second pass drops the type, so a type whose definition changed (same name, new size) or
// a renamed type at the same expression is still the same site, and shows as a class or size change.
// A last pass pairs what is left by position (see positionKey).
import type { AllocationSite } from '../sites/site.ts';

/** A matched pair, or a site present on one side only. */
export interface SitePair {
  readonly base: AllocationSite | null;
  readonly head: AllocationSite | null;
}

function strictKey(s: AllocationSite): string {
  return `${s.package ?? ''}\0${s.func ?? ''}\0${s.construct}\0${s.expr}\0${s.type?.name ?? ''}`;
}

function looseKey(s: AllocationSite): string {
  return `${s.package ?? ''}\0${s.func ?? ''}\0${s.construct}\0${s.expr}`;
}

/**
 * positionKey: code inlined from another package (slices/iter.go into a caller) is one site at one
 * position, but the analysis attributes it to whichever importing package the compiler reported
 * first, which varies from build to build; the same position and expression is the same site.
 */
function positionKey(s: AllocationSite): string {
  return `${s.file}\0${s.line}\0${s.column}\0${s.construct}\0${s.expr}`;
}

/** Position order, so equal inputs pair the same way whatever order the compiler printed them in. */
export function comparePosition(a: AllocationSite, b: AllocationSite): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column;
}

function groupBy(sites: readonly AllocationSite[], key: (s: AllocationSite) => string): Map<string, AllocationSite[]> {
  const m = new Map<string, AllocationSite[]>();
  for (const s of sites) {
    const k = key(s);
    const g = m.get(k);
    if (g) g.push(s);
    else m.set(k, [s]);
  }
  for (const g of m.values()) g.sort(comparePosition);
  return m;
}

/**
 * Above this many candidate pairs in one group, pairing is by order instead of by distance:
 * generated code can repeat one expression thousands of times in one function.
 */
const maxDistancePairs = 4096;

/**
 * pairGroup: sites equal by key, paired. Equal counts pair in position order (code that moved as a
 * block keeps its order); otherwise the closest lines pair first, ties by position, so an inserted
 * copy of an expression is the new one and the old ones keep their partners.
 */
function pairGroup(
  base: AllocationSite[],
  head: AllocationSite[],
  out: SitePair[],
  restBase: AllocationSite[],
  restHead: AllocationSite[],
) {
  if (base.length === head.length || base.length * head.length > maxDistancePairs) {
    const n = Math.min(base.length, head.length);
    for (let i = 0; i < n; i++) out.push({ base: base[i]!, head: head[i]! });
    for (let i = n; i < base.length; i++) restBase.push(base[i]!);
    for (let i = n; i < head.length; i++) restHead.push(head[i]!);
    return;
  }
  const cand: [number, number, number][] = [];
  for (let i = 0; i < base.length; i++)
    for (let j = 0; j < head.length; j++) {
      const a = base[i]!;
      const b = head[j]!;
      const d = (a.file === b.file ? 0 : 1e9) + Math.abs(a.line - b.line) * 1000 + Math.min(999, Math.abs(a.column - b.column));
      cand.push([d, i, j]);
    }
  cand.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
  const usedB = new Set<number>();
  const usedH = new Set<number>();
  for (const [, i, j] of cand) {
    if (usedB.has(i) || usedH.has(j)) continue;
    usedB.add(i);
    usedH.add(j);
    out.push({ base: base[i]!, head: head[j]! });
  }
  base.forEach((s, i) => usedB.has(i) || restBase.push(s));
  head.forEach((s, j) => usedH.has(j) || restHead.push(s));
}

function pairBy(
  base: readonly AllocationSite[],
  head: readonly AllocationSite[],
  key: (s: AllocationSite) => string,
  out: SitePair[],
): { restBase: AllocationSite[]; restHead: AllocationSite[] } {
  const gb = groupBy(base, key);
  const gh = groupBy(head, key);
  const restBase: AllocationSite[] = [];
  const restHead: AllocationSite[] = [];
  for (const [k, b] of gb) {
    const h = gh.get(k);
    if (h) pairGroup(b, h, out, restBase, restHead);
    else restBase.push(...b);
  }
  for (const [k, h] of gh) if (!gb.has(k)) restHead.push(...h);
  return { restBase, restHead };
}

/** matchSites: every site of both sides, paired where they are the same site (see the overview above). */
export function matchSites(base: readonly AllocationSite[], head: readonly AllocationSite[]): SitePair[] {
  const out: SitePair[] = [];
  const strict = pairBy(base, head, strictKey, out);
  const loose = pairBy(strict.restBase, strict.restHead, looseKey, out);
  const placed = pairBy(loose.restBase, loose.restHead, positionKey, out);
  for (const s of placed.restBase) out.push({ base: s, head: null });
  for (const s of placed.restHead) out.push({ base: null, head: s });
  return out;
}
