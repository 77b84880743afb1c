// Real-code accuracy (issue 13): the lines of a third-party module that its own tests and benchmarks
// allocated on, at -memprofilerate=1, against the sites `go-heap-lens analyze --json --tests` reports
// there. Pure: run.ts fetches, runs, and joins each profile to the sites with the product's own join
// (src/core/profile/join.ts); this file turns the join into lines and compares them.
//
// The unit of comparison is a source line, not a sample count: which slots a line records is fixed by
// the code (the `bytes` label is the size-class slot), how many objects depends on how the tests ran.
import type { Prediction } from '../../../src/core/alloc/malloc.ts';
import type { MeasuredSite } from '../../../src/core/profile/join.ts';
import type { UnattributedSample } from '../../../src/core/profile/types.ts';
import type { AllocationSite } from '../../../src/core/sites/site.ts';

/** One module line the profile recorded allocations on: the recorded slots (bytes → objects). */
export interface ProfiledLine {
  /** Path relative to the module root, '/'-separated. */
  readonly file: string;
  readonly line: number;
  /** The function the line belongs to (the module frame of the sample's leaf location). */
  readonly func: string;
  /** Recorded slot bytes → objects, of the samples the join attributed to sites on this line. */
  readonly slots: ReadonlyMap<number, number>;
  readonly objects: number;
  readonly bytes: number;
  /** Why the join attributed some samples of this line to no site (join.ts lineReason). */
  readonly reason?: string;
}

type MutableLine = { -readonly [K in keyof ProfiledLine]: ProfiledLine[K] } & { slots: Map<number, number> };

/**
 * linesFromJoin: the module lines of one or more joins (one per profiled package): the lines of the
 * sites the join measured, with their recorded slots, and the module lines of its unattributed samples
 * (no site takes them). Samples outside the module (the runtime's own, the standard library, code
 * inlined from it that no site explains) are not module lines.
 */
export function linesFromJoin(
  joins: readonly { readonly sites: readonly MeasuredSite[]; readonly unattributed: readonly UnattributedSample[] }[],
  relPath: (abs: string) => string | undefined,
): ProfiledLine[] {
  const lines = new Map<string, MutableLine>();
  const at = (file: string, line: number, func: string): MutableLine => {
    const k = `${file}:${line}`;
    let l = lines.get(k);
    if (!l) lines.set(k, (l = { file, line, func, slots: new Map(), objects: 0, bytes: 0 }));
    return l;
  };
  for (const j of joins) {
    for (const { site, measured } of j.sites) {
      const rel = relPath(site.file);
      if (rel === undefined) continue;
      const l = at(rel, site.line, site.func ?? '');
      for (const s of measured.slots) l.slots.set(s.bytes, (l.slots.get(s.bytes) ?? 0) + s.objects);
      l.objects += measured.objects;
      l.bytes += measured.bytes;
    }
    for (const u of j.unattributed) {
      const rel = relPath(u.file);
      if (rel === undefined) continue;
      const l = at(rel, u.line, u.function);
      l.objects += u.objects;
      l.bytes += u.bytes;
      l.reason ??= u.reason;
    }
  }
  return [...lines.values()];
}

export type LineCategory =
  | 'agree' // one concrete predicted slot, one recorded slot, equal
  | 'differ' // one concrete predicted slot, one recorded slot, not equal
  | 'multi-agree' // concrete predictions, several slots on either side, every recorded slot predicted
  | 'multi-differ' // concrete predictions, several slots on either side, a recorded slot nobody predicted
  | 'unknown' // a heap site on the line has no static size
  | 'said-none' // sites on the line, none of them a heap allocation ("no allocation", "stack")
  | 'no-site'; // the analysis reports nothing on the line

export interface SiteView {
  readonly column: number;
  readonly construct: string;
  readonly expr: string;
  readonly escapes: boolean;
  readonly kind: string;
  /** Predicted slots of every object the site allocates (empty for zero/stack/unknown). */
  readonly slots: readonly number[];
  readonly unknownReason?: string;
  readonly notes?: readonly string[];
}

export interface LineResult {
  readonly file: string;
  readonly line: number;
  readonly func: string;
  readonly category: LineCategory;
  readonly recorded: readonly { bytes: number; objects: number }[];
  readonly predicted: readonly number[];
  readonly sites: readonly SiteView[];
  readonly objects: number;
  readonly bytes: number;
  readonly source: string;
  /** Why the join left samples of this line unattributed. */
  readonly reason?: string;
  /** For every category but agree / multi-agree: the construct class of issue 13 it looks like. */
  readonly triage?: string;
}

export interface Figures {
  readonly profiledLines: number;
  readonly comparable: number;
  readonly comparableAgree: number;
  readonly multi: number;
  readonly multiAgree: number;
  readonly unknown: number;
  readonly saidNone: number;
  readonly noSite: number;
  /** Bytes recorded on module lines, and on lines in each category. */
  readonly bytes: number;
  readonly bytesByCategory: Readonly<Record<LineCategory, number>>;
}

const heapKinds = new Set(['tiny', 'small', 'large', 'unknown']);

function allocates(p: Prediction): boolean {
  return heapKinds.has(p.kind);
}

/** A site the tool says puts something on the heap (any of its objects). */
function heapSite(s: AllocationSite): boolean {
  return (
    allocates(s.prediction) ||
    (s.objects ?? []).some((o) => allocates(o.prediction)) ||
    (s.dynamic ?? []).some((r) => allocates(r.prediction))
  );
}

/** No static size: unknown, or a class that depends on a run-time n (the dynamic rows). */
function unknownSize(s: AllocationSite): boolean {
  return s.prediction.kind === 'unknown' || Boolean(s.dynamic?.length) || (s.objects ?? []).some((o) => o.prediction.kind === 'unknown');
}

function siteSlots(s: AllocationSite): number[] {
  const preds = s.objects?.length ? s.objects.map((o) => o.prediction) : [s.prediction];
  return preds.filter((p) => p.kind === 'tiny' || p.kind === 'small' || p.kind === 'large').map((p) => p.slotBytes);
}

function view(s: AllocationSite): SiteView {
  return {
    column: s.column,
    construct: s.construct,
    expr: s.expr,
    escapes: s.escapes,
    kind: s.prediction.kind,
    slots: siteSlots(s),
    ...(s.unknownReason ? { unknownReason: s.unknownReason } : {}),
    ...(s.notes?.length ? { notes: s.notes } : {}),
  };
}

function sameSet(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** categorise: what the analysis says about one profiled line, against what the runtime recorded there. */
export function categorise(
  sitesOnLine: readonly AllocationSite[],
  recorded: ReadonlySet<number>,
): { category: LineCategory; predicted: number[] } {
  if (sitesOnLine.length === 0) return { category: 'no-site', predicted: [] };
  const heap = sitesOnLine.filter(heapSite);
  if (heap.length === 0) return { category: 'said-none', predicted: [] };
  const predicted = new Set(heap.flatMap(siteSlots));
  const sorted = [...predicted].sort((a, b) => a - b);
  if (heap.some(unknownSize)) return { category: 'unknown', predicted: sorted };
  if (predicted.size === 1 && recorded.size === 1) {
    return { category: sameSet(predicted, recorded) ? 'agree' : 'differ', predicted: sorted };
  }
  // A predicted object that is not recorded may be conditional (an interface conversion of a small
  // integer uses the runtime's static array); a recorded slot that no site predicts is a miss.
  return {
    category: recorded.size > 0 && [...recorded].every((r) => predicted.has(r)) ? 'multi-agree' : 'multi-differ',
    predicted: sorted,
  };
}

/** What each class is, with the evidence behind it (real-report.md prints it under the class's heading). */
export const classNotes: Readonly<Record<string, string>> = {
  '1': 'A module whose go.mod says go1.21 or older (no go line: go1.16) has per-loop variables whatever the toolchain: the closure captures by reference (8 B per capture), the site sizes it by value.',
  '2': 'An escaping concatenation that starts with a string literal is said to be a constant converted to an interface.',
  '3': 'Inlined code: a site of the callee that does not run on this path is shown, the allocation that does run has no site.',
  '4': "A map literal's site lists only the header (48 B); the buckets/groups (208, 288, 352 B …) are recorded on the literal's line or, for a multi-line literal, on the line of an element; inserts allocate on growth with no site.",
  '5': 'make(chan T, n) and channel operations: no compiler line.',
  '6': 'A go statement with arguments wraps the call in a closure.',
  '7': 'go1.27 moves a stack-buffered append to the heap at the return.',
  '8': 'Inlined constant sizes and generic shapes resolved to no type facts.',
  '9': 's += "…" has no compiler line and no site.',
  '10': 'append growth (growslice) on a line with no append site: before go1.25 the compiler prints nothing for append, so every growing append line is unreported; from go1.25 on only non-escaping ones.',
  '11': 'A concatenation with no site at all (`delete(m, "invalid/"+path)`, `"{" + strings.Join(ss, ",") + "}"`): one that does not escape still allocates when the result exceeds the 32 B stack buffer.',
  '12': "The runtime's own objects on a user line (the itab cache of a type assertion, a sudog of a channel send, a goroutine): no construct of the line's own; report them as runtime-internal or leave them out of the no-site share.",
  '13': 'A slice stored in an interface (a []T{…} element of []any or map[string]any, a variadic ...any argument) allocates its 24 B slice header (convTslice) besides the backing array; only the array has a site.',
  '15': "A multi-line literal (`[2][]any{` … `}`): the inner literals' allocations are recorded on the outer literal's first line, their sites are on their own lines.",
  '16': 'A call whose inlined body allocates (http.Header.Add: a map insert and an append in textproto) has no site at the call.',
  '14': "go1.21's go/types (StdSizes) leaves out a struct's trailing padding, so []T{…} of a struct like {string; *T; uint8} is sized 25 B per element instead of 32 B; go1.22+ (gcSizes) pads.",
};

/** Strips string and rune literals and comments, so the triage patterns see only code. */
function codeOnly(src: string): string {
  return src
    .replace(/`[^`]*`/g, '``')
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/'(?:[^'\\]|\\.)*'/g, "''")
    .replace(/\/\/.*$/, '');
}

/**
 * triage: the construct class of issue 13 (1–9) or a class found here (10–13) that a disagreeing line
 * looks like, from the sites and the code on the line and the join's reason for samples no site took.
 * A routing aid for the report, read by a person: the predictions never use it.
 */
export function triage(
  category: LineCategory,
  sites: readonly SiteView[],
  recorded: readonly number[],
  src: string,
  goMinor: number,
  reason = '',
): string {
  const code = codeOnly(src);
  const missed = (predicted: readonly number[]) => recorded.filter((r) => !predicted.includes(r));
  const closure = sites.find((s) => s.construct === 'closure' && s.slots.length > 0);
  if ((category === 'differ' || category === 'multi-differ') && closure && recorded.some((r) => r < Math.max(...closure.slots)))
    return '1 closure captures by reference';
  if (/\bfmt\.Errorf\(|\berrors\.New\(/.test(code)) return '3 conditional site of inlined code';
  if (category === 'said-none' && sites.some((s) => s.kind === 'zero' && s.construct === 'interface-conv') && /\+/.test(code))
    return '2 concatenation said to be a constant';
  if (sites.some((s) => /go\.shape/.test(s.expr) || /go\.shape/.test(s.unknownReason ?? ''))) return '8 generic shape';
  if (category === 'unknown' && sites.some((s) => /type facts/.test(s.unknownReason ?? ''))) return '8 inlined code without type facts';
  if (/\bmake\(\s*chan\b/.test(code) || /^channel \(make chan\)/.test(reason)) return '5 channel';
  if (/^\s*go\s/.test(code) || /^go statement/.test(reason)) return '6 go statement with arguments';
  // hmap and the swiss Map header are both 48 B: a map literal's site lists the header, the profile adds the buckets.
  const mapLit =
    sites.some((s) => s.construct === 'composite-lit' && !s.expr.startsWith('&') && s.slots.includes(48)) && missed([48]).length > 0;
  if (/\bmap\[/.test(code) || mapLit || /^map /.test(reason) || sites.some((s) => s.construct === 'make-map'))
    return '4 map literal or map growth';
  if (/^\s*return\b/.test(code) && goMinor >= 27) return '7 stack-buffered append moved at return (go1.27)';
  if (category === 'no-site' && /\+=/.test(code)) return '9 string append assignment without a site';
  if (/^map growth on insert/.test(reason) || (category === 'no-site' && /[\w\])]\[.*\]\s*(,\s*\w+\s*)?(=(?!=)|\+\+|--|\+=|-=)/.test(code)))
    return '4 map literal or map growth';
  // An element line of a multi-line literal (`"k": v,`): a map literal's inserts allocate its buckets there.
  if (category === 'no-site' && /^\s*(""|\w+|\d+)\s*:\s*.*,\s*$/.test(code)) return '4 map literal or map growth';
  if (/^append growth/.test(reason) || ((category === 'no-site' || category === 'said-none') && /\bappend\(/.test(code)))
    return `10 append growth without a site${goMinor < 25 ? ' (no compiler message before go1.25)' : ''}`;
  if (/^string concatenation/.test(reason) || (category === 'no-site' && /""\s*\+|\+\s*""/.test(code)))
    return '11 concatenation without any site';
  if (category === 'said-none' && sites.some((s) => s.kind === 'zero') && /\.(Write\w*|Grow)\(/.test(code))
    return "3 inlined code: the callee's growth has no site, its constant panic argument says none";
  if (
    /^runtime-internal|^type assertion|^channel operation/.test(reason) ||
    (category === 'no-site' && /^\s*select\s*\{|<-|\.\(\s*[\w*.[]+\s*\)|\.\(type\)/.test(code))
  )
    return "12 the runtime's own objects on a user line";
  if (category === 'no-site' && /\{\s*$/.test(code)) return "15 a nested literal's allocation recorded on the outer literal's first line";
  if (category === 'no-site' && /\w\s*\(/.test(code)) return '16 an inlined callee allocates (map insert, append) with no site at the call';
  if (
    (category === 'differ' || category === 'multi-differ') &&
    sites.some((s) => s.construct === 'composite-lit' && /^\[\]/.test(s.expr)) &&
    recorded.includes(24) &&
    !sites.some((s) => s.slots.includes(24))
  )
    return '13 a slice converted to an interface (24 B slice header) has no site';
  if (
    category === 'differ' &&
    goMinor < 22 &&
    sites.some((s) => s.construct === 'composite-lit' && /^\[/.test(s.expr)) &&
    recorded.every((r) => sites.every((s) => s.slots.every((p) => r > p)))
  )
    return '14 array element without its trailing padding (go1.21)';
  if (category === 'unknown') return 'unknown size (run-time length)';
  return 'unclassified';
}

/** compare: every profiled module line against the sites on it. `sourceLine` reads the module's source. */
export function compare(
  profiled: readonly ProfiledLine[],
  sites: readonly AllocationSite[],
  relPath: (abs: string) => string | undefined,
  sourceLine: (file: string, line: number) => string,
  goMinor: number,
): { lines: LineResult[]; figures: Figures } {
  const byLine = new Map<string, AllocationSite[]>();
  for (const s of sites) {
    const rel = relPath(s.file);
    if (rel === undefined) continue;
    const key = `${rel}:${s.line}`;
    const list = byLine.get(key);
    if (list) list.push(s);
    else byLine.set(key, [s]);
  }
  const lines: LineResult[] = [];
  for (const p of profiled) {
    const onLine = byLine.get(`${p.file}:${p.line}`) ?? [];
    const recorded = [...p.slots]
      .map(([bytes, objects]) => ({ bytes, objects }))
      .sort((a, b) => b.objects - a.objects || a.bytes - b.bytes);
    const { category, predicted } = categorise(onLine, new Set(p.slots.keys()));
    const views = onLine.map(view);
    const source = sourceLine(p.file, p.line);
    const agreeing = category === 'agree' || category === 'multi-agree';
    lines.push({
      file: p.file,
      line: p.line,
      func: p.func,
      category,
      recorded,
      predicted,
      sites: views,
      objects: p.objects,
      bytes: p.bytes,
      source: source.trim(),
      ...(p.reason ? { reason: p.reason } : {}),
      ...(agreeing
        ? {}
        : {
            triage: triage(
              category,
              views,
              recorded.map((r) => r.bytes),
              source,
              goMinor,
              p.reason,
            ),
          }),
    });
  }
  lines.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return { lines, figures: figures(lines) };
}

export function figures(lines: readonly LineResult[]): Figures {
  const count = (c: LineCategory) => lines.filter((l) => l.category === c).length;
  const bytesByCategory = { agree: 0, differ: 0, 'multi-agree': 0, 'multi-differ': 0, unknown: 0, 'said-none': 0, 'no-site': 0 };
  for (const l of lines) bytesByCategory[l.category] += l.bytes;
  return {
    profiledLines: lines.length,
    comparable: count('agree') + count('differ'),
    comparableAgree: count('agree'),
    multi: count('multi-agree') + count('multi-differ'),
    multiAgree: count('multi-agree'),
    unknown: count('unknown'),
    saidNone: count('said-none'),
    noSite: count('no-site'),
    bytes: lines.reduce((n, l) => n + l.bytes, 0),
    bytesByCategory,
  };
}

/** The bar: ≥ 99 % of comparable lines agree, no allocating line said "none"/"stack", ≤ 2 % of lines without a site. */
export function meetsBar(f: Figures): { ok: boolean; why: string[] } {
  const why: string[] = [];
  if (f.comparable > 0 && f.comparableAgree / f.comparable < 0.99)
    why.push(`comparable agreeing ${pct(f.comparableAgree, f.comparable)} < 99 %`);
  if (f.saidNone > 0) why.push(`${f.saidNone} allocating lines said "no allocation"/"stack"`);
  if (f.profiledLines > 0 && f.noSite / f.profiledLines > 0.02) why.push(`lines without a site ${pct(f.noSite, f.profiledLines)} > 2 %`);
  return { ok: why.length === 0, why };
}

export function pct(n: number, d: number): string {
  return d === 0 ? '–' : `${((100 * n) / d).toFixed(1)} %`;
}
