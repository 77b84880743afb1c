// CI gates over a drift result: `--fail-on` conditions and the budget file (.goheaplens.json).
// A gate that holds makes the CLI exit 3; every reason is reported, not only the first.
import type { AllocationSite } from '../sites/site.ts';
import { isHeap, siteHeapBytes, type DriftResult, type SideTotals, type SiteChange } from './changes.ts';

export type FailOn =
  { readonly kind: 'new-heap-sites' } | { readonly kind: 'class-up' } | { readonly kind: 'bytes'; readonly percent: number };

/** parseFailOn: `new-heap-sites`, `class-up` or `bytes+N%`; undefined when it is none of them. */
export function parseFailOn(s: string): FailOn | undefined {
  if (s === 'new-heap-sites' || s === 'class-up') return { kind: s };
  const m = /^bytes\+(\d+(?:\.\d+)?)%$/.exec(s);
  return m ? { kind: 'bytes', percent: Number(m[1]) } : undefined;
}

/** A site the budget file allows: every field given must be equal (file: the path ends with it). */
export interface AllowedSite {
  readonly package?: string;
  readonly func?: string;
  readonly expr?: string;
  readonly construct?: string;
  readonly file?: string;
  readonly reason?: string;
}

export interface PackageBudget {
  readonly maxHeapSites?: number;
  readonly maxHeapBytes?: number;
}

/** .goheaplens.json: `packages` keys are import paths, or a prefix ending in `/...`. */
export interface Budget {
  readonly packages: Readonly<Record<string, PackageBudget>>;
  readonly allow: readonly AllowedSite[];
}

const allowFields = ['package', 'func', 'expr', 'construct', 'file', 'reason'] as const;

/** parseBudget: the budget file's JSON, strictly (an unknown key is a typo that would silently allow everything). */
export function parseBudget(v: unknown): Budget {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the budget must be a JSON object { packages, allow }');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== 'packages' && k !== 'allow' && k !== '$schema') throw new Error(`unknown key "${k}" in the budget`);
  const packages: Record<string, PackageBudget> = {};
  const p = o['packages'] ?? {};
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw new Error('budget "packages" must be an object of import path → limits');
  for (const [pkg, lim] of Object.entries(p as Record<string, unknown>)) {
    if (!lim || typeof lim !== 'object' || Array.isArray(lim)) throw new Error(`budget for "${pkg}" must be an object`);
    const b: { maxHeapSites?: number; maxHeapBytes?: number } = {};
    for (const [k, n] of Object.entries(lim as Record<string, unknown>)) {
      if (k !== 'maxHeapSites' && k !== 'maxHeapBytes') throw new Error(`unknown key "${k}" in the budget for "${pkg}"`);
      if (typeof n !== 'number' || !(n >= 0)) throw new Error(`budget "${pkg}".${k} must be a number ≥ 0`);
      b[k] = n;
    }
    packages[pkg] = b;
  }
  const a = o['allow'] ?? [];
  if (!Array.isArray(a)) throw new Error('budget "allow" must be an array of sites');
  const allow = a.map((x, i): AllowedSite => {
    if (!x || typeof x !== 'object' || Array.isArray(x)) throw new Error(`budget allow[${i}] must be an object`);
    const site: Record<string, string> = {};
    for (const [k, s] of Object.entries(x as Record<string, unknown>)) {
      if (!(allowFields as readonly string[]).includes(k)) throw new Error(`unknown key "${k}" in budget allow[${i}]`);
      if (typeof s !== 'string') throw new Error(`budget allow[${i}].${k} must be a string`);
      site[k] = s;
    }
    if (!Object.keys(site).some((k) => k !== 'reason')) throw new Error(`budget allow[${i}] names no site`);
    return site;
  });
  return { packages, allow };
}

export function isAllowed(s: AllocationSite, allow: readonly AllowedSite[]): boolean {
  return allow.some(
    (a) =>
      (a.package === undefined || a.package === s.package) &&
      (a.func === undefined || a.func === s.func) &&
      (a.expr === undefined || a.expr === s.expr) &&
      (a.construct === undefined || a.construct === s.construct) &&
      (a.file === undefined || s.file === a.file || s.file.endsWith('/' + a.file.replace(/^\.\//, ''))),
  );
}

function packageMatches(pattern: string, pkg: string): boolean {
  if (pattern.endsWith('/...')) {
    const prefix = pattern.slice(0, -4);
    return pkg === prefix || pkg.startsWith(prefix + '/');
  }
  return pattern === pkg;
}

function at(c: SiteChange): string {
  const s = (c.head ?? c.base)!;
  return `${s.file}:${s.line}`;
}

function slotGrew(c: SiteChange): boolean {
  return c.kind === 'class-changed' && c.base !== null && c.head !== null && siteHeapBytes(c.head) > siteHeapBytes(c.base);
}

function bytesOf(t: SideTotals, weighted: boolean): number {
  return weighted ? (t.weightedBytes ?? 0) : t.heapBytes;
}

/** gateReasons: why the gates hold (empty: the change passes). */
export function gateReasons(
  d: DriftResult,
  failOn: readonly FailOn[],
  budget: Budget | undefined,
  headSites: readonly AllocationSite[],
): string[] {
  const allow = budget?.allow ?? [];
  const reasons: string[] = [];
  for (const f of failOn) {
    if (f.kind === 'new-heap-sites') {
      for (const c of d.changes)
        if ((c.kind === 'new' || c.kind === 'now-escapes') && !isAllowed(c.head!, allow))
          reasons.push(`new heap site: ${c.head!.expr} at ${at(c)} (${c.kind})`);
    } else if (f.kind === 'class-up') {
      for (const c of d.changes)
        if (slotGrew(c) && !isAllowed(c.head!, allow))
          reasons.push(`class up: ${c.head!.expr} at ${at(c)} (${siteHeapBytes(c.base!)} → ${siteHeapBytes(c.head!)} B)`);
    } else {
      const weighted = d.totals.head.weightedBytes !== undefined;
      const b = bytesOf(d.totals.base, weighted);
      const h = bytesOf(d.totals.head, weighted);
      if (h > b * (1 + f.percent / 100))
        reasons.push(
          `${weighted ? 'weighted ' : ''}heap bytes grew ${b} → ${h} B${b > 0 ? ` (+${(((h - b) / b) * 100).toFixed(1)}%)` : ''}, over +${f.percent}%`,
        );
    }
  }
  if (budget) {
    for (const [pattern, lim] of Object.entries(budget.packages)) {
      let sites = 0;
      let bytes = 0;
      for (const s of headSites)
        if (isHeap(s) && packageMatches(pattern, s.package ?? '') && !isAllowed(s, allow)) {
          sites++;
          bytes += siteHeapBytes(s);
        }
      if (lim.maxHeapSites !== undefined && sites > lim.maxHeapSites)
        reasons.push(`budget: ${pattern} has ${sites} heap sites, over its maximum of ${lim.maxHeapSites}`);
      if (lim.maxHeapBytes !== undefined && bytes > lim.maxHeapBytes)
        reasons.push(`budget: ${pattern} takes ${bytes} heap bytes per pass, over its maximum of ${lim.maxHeapBytes}`);
    }
  }
  return reasons;
}
