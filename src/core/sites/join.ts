// The join: compiler escape diagnostics × exact type facts → AllocationSites.
//
// The compiler says *what* escapes and *why* (`&T{...} escapes to heap`, the -m=2
// flow steps) at a byte position; it does not say how big the object is. The
// type-facts helper (src/toolchain/typefacts) says, for every allocating expression,
// its type's size, alignment and pointer prefix at the position the compiler prints
// for it. Joining them:
//
//	1. Index facts by (absolute file, line, byte column).
//	2. For each allocation diagnostic (escapes, moved to heap, does not escape) pick the
//	   fact at its position whose kind matches the expression's shape (`new(…)`,
//	   `&T{…}`, `make(…)`, `func literal`, `... argument`, a conversion, a concat, a
//	   moved variable, else an interface conversion of a concrete value).
//	3. Diagnostics about an inlined callee's body sit at the caller's call site, where
//	   no such expression exists; for `new(T)`, `&T{…}`, `T{…}` and `make(T…)` the type
//	   in the printed expression still identifies the facts (same type ⇒ same size),
//	   provided every fact for that type name agrees; types from other packages come
//	   resolved from the dependencies (typeQueries → the helper's -resolve mode).
//	4. Ask constructs.ts what the construct requests and classify() where it lands;
//	   dynamic sizes (`make([]T, n)`, append) get the class as a function of n.
//	5. Attach the -m=2 explanation of the same subject as the reason, with columns
//	   converted to UTF-16 through the caller's lineText.
// Nothing is guessed: without facts, or when the size depends on a type parameter or
// a run-time length, the prediction is `unknown` and unknownReason says why.
import { classThresholdsForN, constructPredictions, type ConstructSpec, type TypeShape } from '../alloc/constructs.ts';
import { classify, stackPrediction, unknownPrediction, type Prediction } from '../alloc/malloc.ts';
import type { AllocatorRules } from '../alloc/versions.ts';
import type { Diagnostic, DiagnosticKind, FlowStep } from '../escape/diagnostic.ts';
import { resolveFile, utf8ColumnToUtf16 } from '../escape/position.ts';
import type { AllocationSite, Construct, DynamicClassRange, FlowStepAt, TypeFacts } from './site.ts';

/** A type as the helper prints it (typefacts/main.go typeFacts). */
export interface FactType {
  readonly name: string;
  /** Every package qualified by its name, as -m prints types of other packages. */
  readonly qname: string;
  readonly size: number | null;
  readonly align: number | null;
  readonly ptrBytes: number | null;
  readonly dependsOnTypeParam?: boolean;
  /** slice, map, chan, string, struct, array, pointer, interface, func, basic, typeparam, other */
  readonly kind: string;
}

export type TypeFactKind =
  | 'new'
  | 'composite'
  | 'addr-composite'
  | 'make'
  | 'append'
  | 'conversion'
  | 'concat'
  | 'funclit'
  | 'var'
  | 'iface'
  | 'variadic'
  | 'methodvalue';

/** One allocating expression from the helper, at the position the compiler prints for it. */
export interface TypeFact {
  readonly kind: TypeFactKind;
  /** Absolute path. */
  readonly file: string;
  readonly line: number;
  /** 1-based byte column. */
  readonly col: number;
  readonly type?: FactType;
  readonly elem?: FactType;
  readonly key?: FactType;
  readonly from?: FactType;
  readonly len?: number;
  readonly cap?: number;
  readonly operands?: number;
  /** Captured variables in first-use order; line/col is the variable's declaration. */
  readonly captures?: readonly {
    readonly name: string;
    readonly type: FactType;
    readonly byRef: boolean;
    readonly line?: number;
    readonly col?: number;
  }[];
  /** The converted value is a compile-time constant. */
  readonly const?: boolean;
  readonly name?: string;
  readonly pkg: string;
  /** The enclosing top-level function (F, T.M, (*T).M, init). */
  readonly func?: string;
}

export interface TypeFactsPackage {
  readonly kind: 'package';
  readonly pkg: string;
  readonly dir: string;
  readonly files: number;
  readonly errors: readonly string[] | null;
}

/** A type named in a diagnostic, resolved by the helper's -resolve mode (typefacts/resolve.go). */
export interface ResolvedType {
  readonly kind: 'resolved';
  /** The compiling package, as in the diagnostic's `# pkg` header. */
  readonly pkg: string;
  /** The type as -m printed it. */
  readonly typeExpr: string;
  readonly type?: FactType;
  readonly elem?: FactType;
  readonly key?: FactType;
  readonly error?: string;
}

export const resolvedKey = (pkg: string, typeExpr: string) => `${pkg}\0${typeExpr}`;

export interface JoinOptions {
  readonly rules: AllocatorRules;
  /** Types of inlined constructs, keyed by resolvedKey(package, type as printed). */
  readonly resolved?: ReadonlyMap<string, ResolvedType>;
  /** The text of a line (1-based) of an absolute file, for byte → UTF-16 columns; undefined if unknown. */
  readonly lineText?: (file: string, line: number) => string | undefined;
  /** Directory the compiler output's relative paths are relative to (for `at POS` steps). */
  readonly baseDir?: string;
}

const key = (file: string, line: number, col: number | null | undefined) => `${file}\0${line}\0${col ?? 0}`;

/**
 * Position keys with the file as a small number: the keys of the join's maps are built per
 * diagnostic and hashed once each, and an absolute path is most of a key's length (the file
 * strings themselves repeat, and a string's hash is computed once).
 */
class PositionKeys {
  private readonly ids = new Map<string, number>();

  of(file: string, line: number, col: number | null | undefined): string {
    let id = this.ids.get(file);
    if (id === undefined) this.ids.set(file, (id = this.ids.size));
    return `${id}:${line}:${col ?? 0}`;
  }
}

function toTypeFacts(t: FactType | undefined): TypeFacts | null {
  if (!t) return null;
  return { name: t.name, size: t.size, align: t.align, ptrBytes: t.ptrBytes };
}

function shape(t: FactType | undefined): TypeShape | undefined {
  if (!t || t.size === null || t.align === null || t.ptrBytes === null) return undefined;
  return { bytes: t.size, align: Math.max(1, t.align), pointers: t.ptrBytes > 0 };
}

/** Splits `a, b(c, d), e` at top-level commas. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

type ExprShape =
  | { kind: 'new'; type: string }
  | { kind: 'addr-composite'; type: string }
  | { kind: 'composite'; type: string }
  | { kind: 'make'; type: string }
  | { kind: 'append' }
  | { kind: 'funclit' }
  | { kind: 'variadic' }
  | { kind: 'conversion'; to: string }
  | { kind: 'concat' }
  | { kind: 'value' };

/** exprShape reads the construct off the expression as -m prints it (escape-output.md §1.5). */
export function exprShape(expr: string): ExprShape {
  if (expr === 'func literal') return { kind: 'funclit' };
  if (expr === '... argument') return { kind: 'variadic' };
  if (expr === 'append' || expr.startsWith('append(')) return { kind: 'append' };
  if (expr.startsWith('new(') && expr.endsWith(')')) return { kind: 'new', type: expr.slice(4, -1) };
  if (expr.startsWith('make(') && expr.endsWith(')')) return { kind: 'make', type: splitTopLevel(expr.slice(5, -1))[0] ?? '' };
  const lit = /^(&?)(.+?)\{(\.\.\.)?\}$/s.exec(expr);
  if (lit && !expr.startsWith('func(') && lit[2] !== undefined && !/[\s+]$/.test(lit[2])) {
    return lit[1] ? { kind: 'addr-composite', type: lit[2] } : { kind: 'composite', type: lit[2] };
  }
  const conv = /^(string|\(\[\]byte\)|\(\[\]rune\)|\(\[\]uint8\)|\(\[\]int32\))\(/.exec(expr);
  if (conv && expr.endsWith(')')) return { kind: 'conversion', to: conv[1]!.replace(/^\((.*)\)$/, '$1') };
  if (/ \+ /.test(expr) && !/^"/.test(expr)) return { kind: 'concat' };
  return { kind: 'value' };
}

const allocKinds: ReadonlySet<DiagnosticKind> = new Set(['escapes', 'moved-to-heap', 'does-not-escape']);

function factMatches(f: TypeFact, s: ExprShape, d: Diagnostic): boolean {
  if (d.kind === 'moved-to-heap') return f.kind === 'var' && f.name === d.expr;
  switch (s.kind) {
    case 'new':
      return f.kind === 'new';
    case 'addr-composite':
      return f.kind === 'addr-composite';
    case 'composite':
      return f.kind === 'composite';
    case 'make':
      return f.kind === 'make';
    case 'append':
      return f.kind === 'append';
    case 'funclit':
      return f.kind === 'funclit';
    case 'variadic':
      return f.kind === 'variadic';
    case 'conversion':
      return f.kind === 'conversion';
    case 'concat':
      return f.kind === 'concat' || f.kind === 'iface'; // `i + j escapes`: a boxed integer sum
    case 'value':
      return f.kind === 'iface' || f.kind === 'methodvalue';
  }
}

/** The keys under which joinSites finds the explanation of a subject at position key `k` (the first block for a key wins). */
function explanationKeys(k: string, expr: string): [string, string] {
  return [`${k}\0${expr}`, `${k}\0${expr.startsWith('append(') ? 'append' : expr}`];
}

/**
 * SiteCollector keeps, from a stream of diagnostics, what joinSites reads: the allocation
 * diagnostics that can become sites, and the steps of an explanation only when it is the first of
 * its subject (the join takes the first) and, in the end, some kept allocation's subject. Its
 * `want` is a TextParser `want` filter and `add` its onDiagnostic; with the parser's deferSteps,
 * steps are parsed only for those explanations. So the -m=2 text of every other diagnostic
 * (inlining notes, parameter leaks, repeated explanations) is never built, or built without steps
 * with `keepAll` (analyze counts every diagnostic per package). joinSites(collector.diagnostics(), …)
 * equals joinSites of the whole parse (test/unit/site-collector.test.ts).
 */
export class SiteCollector {
  private readonly kept: Diagnostic[] = [];
  /** Deferred steps of kept explanations, by index in `kept`. */
  private readonly deferred = new Map<number, () => readonly FlowStep[]>();
  private readonly explained = new Set<string>();
  private readonly keys = new PositionKeys();
  private readonly keepAll: boolean;
  private built: Diagnostic[] | undefined;

  constructor(opts: { readonly keepAll?: boolean } = {}) {
    this.keepAll = opts.keepAll === true;
  }

  readonly want = (kind: DiagnosticKind, file: string, line: number, column: number | null, expr: string): boolean | 'bare' => {
    if (kind === 'explanation') {
      const [k1, k2] = explanationKeys(this.keys.of(file, line, column), expr);
      if (!this.explained.has(k1) || !this.explained.has(k2)) return true;
      return this.keepAll ? 'bare' : false;
    }
    if (this.keepAll) return true;
    // A parameter or plain value that does not escape never becomes a site (joinSites skips it
    // whatever the facts say, and its duplicates the same way).
    if (kind === 'does-not-escape') return exprShape(expr).kind !== 'value';
    return allocKinds.has(kind);
  };

  readonly add = (d: Diagnostic, steps?: () => readonly FlowStep[]): void => {
    if (this.built) throw new Error('SiteCollector.add after diagnostics()');
    if (d.kind === 'explanation') {
      // As joinSites reads them: a block without steps explains nothing and claims no key.
      if (steps !== undefined || d.steps?.length) {
        const [k1, k2] = explanationKeys(this.keys.of(d.absFile ?? d.file, d.line, d.column), d.expr);
        if (!this.explained.has(k1) || !this.explained.has(k2)) {
          this.explained.add(k1);
          this.explained.add(k2);
          if (steps !== undefined) this.deferred.set(this.kept.length, steps);
        } else if (!this.keepAll) {
          return;
        }
      } else if (!this.keepAll) {
        return;
      }
    } else if (!this.keepAll && !allocKinds.has(d.kind)) {
      return;
    }
    this.kept.push(d);
  };

  /**
   * The kept diagnostics in input order. A deferred explanation gets its steps when a kept
   * allocation has its subject; otherwise joinSites would not read it, and it is dropped (kept
   * without steps with keepAll).
   */
  diagnostics(): Diagnostic[] {
    if (this.built) return this.built;
    const subjects = new Set<string>();
    for (const d of this.kept) {
      if (allocKinds.has(d.kind)) subjects.add(`${this.keys.of(d.absFile ?? d.file, d.line, d.column)}\0${d.expr}`);
    }
    const dropped = new Set<number>();
    for (const [i, steps] of this.deferred) {
      const d = this.kept[i]!;
      const [k1, k2] = explanationKeys(this.keys.of(d.absFile ?? d.file, d.line, d.column), d.expr);
      // The collector's own object (the parser hands each out once): completed in place, no spread.
      if (subjects.has(k1) || subjects.has(k2)) (d as { steps?: readonly FlowStep[] }).steps = steps();
      else if (!this.keepAll) dropped.add(i);
    }
    const out = dropped.size === 0 ? this.kept : this.kept.filter((_, i) => !dropped.has(i));
    this.deferred.clear();
    return (this.built = out);
  }
}

/**
 * joinSites turns allocation diagnostics into AllocationSites (see the overview above).
 * Diagnostics that are not about an allocation (parameters, inlining) are ignored;
 * duplicates (same position, expression and verdict) collapse into one site.
 */
export function joinSites(diagnostics: readonly Diagnostic[], facts: readonly TypeFact[], opts: JoinOptions): AllocationSite[] {
  const rules = opts.rules;
  const keys = new PositionKeys();
  const key = keys.of.bind(keys);
  const byPos = new Map<string, TypeFact[]>();
  const byTypeName = new Map<string, TypeFact[]>();
  for (const f of facts) {
    const k = key(f.file, f.line, f.col);
    const list = byPos.get(k);
    if (list) list.push(f);
    else byPos.set(k, [f]);
    if ((f.kind === 'new' || f.kind === 'addr-composite' || f.kind === 'composite' || f.kind === 'make') && f.type) {
      for (const n of new Set([`${f.pkg}\0${f.type.name}`, `*\0${f.type.qname}`])) {
        const l = byTypeName.get(n);
        if (l) l.push(f);
        else byTypeName.set(n, [f]);
      }
    }
  }
  const explanations = new Map<string, readonly FlowStep[]>();
  for (const d of diagnostics) {
    if (d.kind !== 'explanation' || !d.steps?.length) continue;
    for (const kk of explanationKeys(key(d.absFile ?? d.file, d.line, d.column), d.expr)) {
      if (!explanations.has(kk)) explanations.set(kk, d.steps);
    }
  }
  const lineText = opts.lineText ?? (() => undefined);
  const toUtf16 = (file: string, line: number, col: number | null | undefined): number => {
    if (!col) return 1;
    const text = lineText(file, line);
    return text === undefined ? col : utf8ColumnToUtf16(text, col);
  };

  const seen = new Set<string>();
  const sites: AllocationSite[] = [];
  // Sites explained by the same block (a subject under its two keys, or reported twice) share its
  // converted steps: the conversion reads source lines.
  const reasons = new Map<readonly FlowStep[], readonly FlowStepAt[]>();
  for (const d of diagnostics) {
    if (!allocKinds.has(d.kind) || d.column === null) continue;
    const file = d.absFile ?? (opts.baseDir ? resolveFile(opts.baseDir, d.file) : undefined);
    if (!file) continue; // <autogenerated>, $WORK/…: no source to point at
    const at = key(file, d.line, d.column);
    const dedup = `${at}\0${d.expr}\0${d.kind}`;
    if (seen.has(dedup)) continue;
    seen.add(dedup);
    const s = exprShape(d.expr);
    // The construct's own fact first (a string concat), then a boxing of the same expression.
    const here = (byPos.get(at) ?? [])
      .filter((f) => factMatches(f, s, d))
      .sort((a, b) => Number(a.kind === 'iface') - Number(b.kind === 'iface'));
    let fact = here[0];
    let via = 'position';
    if (!fact && 'type' in s) {
      // Inlined callee: identify the type by name (own package first, then qualified names).
      const own = (byTypeName.get(`${d.package ?? ''}\0${s.type}`) ?? []).filter((f) => factMatches(f, s, d));
      const sameKind = own.length ? own : (byTypeName.get(`*\0${s.type}`) ?? []).filter((f) => factMatches(f, s, d));
      const sizes = new Set(sameKind.map((f) => `${f.type?.size}/${f.type?.ptrBytes}/${f.elem?.size}/${f.elem?.ptrBytes}/${f.key?.size}`));
      if (sameKind.length > 0 && sizes.size === 1) {
        // Only the type is shared: lengths/captures of another site are not.
        const f0 = sameKind[0]!;
        fact = {
          kind: f0.kind,
          file,
          line: d.line,
          col: d.column,
          pkg: f0.pkg,
          ...(f0.type ? { type: f0.type } : {}),
          ...(f0.elem ? { elem: f0.elem } : {}),
          ...(f0.key ? { key: f0.key } : {}),
        };
        via = 'type name';
      }
    }
    if (!fact && 'type' in s && d.package) {
      const rt = opts.resolved?.get(resolvedKey(d.package, s.type));
      if (rt?.type) {
        fact = {
          kind: s.kind as TypeFactKind,
          file,
          line: d.line,
          col: d.column,
          pkg: d.package,
          type: rt.type,
          ...(rt.elem ? { elem: rt.elem } : {}),
          ...(rt.key ? { key: rt.key } : {}),
        };
        via = 'resolved';
      }
    }
    if (
      d.kind === 'does-not-escape' &&
      (!fact || fact.kind === 'var' || fact.kind === 'iface' || fact.kind === 'methodvalue') &&
      s.kind === 'value'
    ) {
      continue; // a parameter or plain value that stays put: not an allocation site
    }
    const escapes = d.kind !== 'does-not-escape';
    const steps = explanations.get(`${key(d.absFile ?? d.file, d.line, d.column)}\0${d.expr}`) ?? [];
    let reason = reasons.get(steps);
    if (reason === undefined)
      reasons.set(
        steps,
        (reason = steps.map((st) => {
          const at = st.file && opts.baseDir ? resolveFile(opts.baseDir, st.file) : undefined;
          // Built by assignment, not spreads: object spread is slow on Node 20 (bench/RESULTS.md).
          const step: { -readonly [K in keyof FlowStepAt]: FlowStepAt[K] } = { text: st.text };
          if (st.why) step.why = st.why;
          if (!at || st.line === undefined) return step;
          step.file = at;
          step.line = st.line;
          if (st.column) step.column = toUtf16(at, st.line, st.column);
          return step;
        })),
      );
    const built = buildSite(d, s, fact, escapes, rules);
    // Assigned, not spread (see above); the keys keep the order the spreads gave them (JSON output).
    const site: { -readonly [K in keyof AllocationSite]: AllocationSite[K] } = Object.assign(
      { file, line: d.line, column: toUtf16(file, d.line, d.column), expr: d.expr, escapes, reason },
      built,
    );
    if (via === 'type name') site.notes = [...(built.notes ?? []), 'inlined: type facts matched by type name'];
    if (via === 'resolved')
      site.notes = [
        ...(built.notes ?? []),
        `inlined from another package: ${s.kind === 'value' ? '' : (s as { type: string }).type} resolved in its dependencies`,
      ];
    if (d.package) site.package = d.package;
    const func = fact?.func ?? d.func;
    if (func) site.func = func;
    sites.push(site);
  }
  return sites;
}

/**
 * typeQueries lists the (package, printed type) pairs of allocation diagnostics that have no
 * fact at their position and no same-named type in the workspace: the helper's -resolve mode
 * looks them up in the dependencies.
 */
export function typeQueries(diagnostics: readonly Diagnostic[], facts: readonly TypeFact[]): { pkg: string; type: string }[] {
  const at = new Set(facts.map((f) => `${key(f.file, f.line, f.col)}\0${f.kind}`));
  const named = new Set(facts.flatMap((f) => (f.type ? [`${f.kind}\0${f.pkg}\0${f.type.name}`, `${f.kind}\0*\0${f.type.qname}`] : [])));
  const out = new Map<string, { pkg: string; type: string }>();
  for (const d of diagnostics) {
    if (!allocKinds.has(d.kind) || !d.package || !d.absFile) continue;
    const s = exprShape(d.expr);
    if (!('type' in s) || at.has(`${key(d.absFile, d.line, d.column)}\0${s.kind}`)) continue;
    if (named.has(`${s.kind}\0${d.package}\0${s.type}`) || named.has(`${s.kind}\0*\0${s.type}`)) continue;
    out.set(resolvedKey(d.package, s.type), { pkg: d.package, type: s.type });
  }
  return [...out.values()];
}

type Built = Pick<AllocationSite, 'construct' | 'type' | 'elements' | 'prediction' | 'objects' | 'dynamic' | 'unknownReason' | 'notes'>;

function constructOf(s: ExprShape, fact: TypeFact | undefined, d: Diagnostic): Construct {
  if (d.kind === 'moved-to-heap') return 'moved-to-heap';
  switch (s.kind) {
    case 'new':
      return 'new';
    case 'addr-composite':
      return 'composite-lit';
    case 'composite':
      return fact?.type?.kind === 'struct' || fact?.type?.kind === 'array' ? 'interface-conv' : 'composite-lit';
    case 'make':
      return fact?.type?.kind === 'map' ? 'make-map' : fact?.type?.kind === 'chan' ? 'make-chan' : 'make-slice';
    case 'append':
      return 'append';
    case 'funclit':
      return 'closure';
    case 'variadic':
      return 'variadic';
    case 'conversion':
      return s.to === 'string' ? 'string-conv' : s.to === '[]rune' || s.to === '[]int32' ? 'runes-conv' : 'bytes-conv';
    case 'concat':
      return fact?.kind === 'iface' ? 'interface-conv' : 'string-concat';
    case 'value':
      return fact?.kind === 'methodvalue' ? 'closure' : fact?.kind === 'iface' ? 'interface-conv' : 'other';
  }
}

function unknown(rules: AllocatorRules, construct: Construct, why: string, t?: FactType, extra: Partial<Built> = {}): Built {
  return { construct, type: toTypeFacts(t), prediction: unknownPrediction(rules, (t?.ptrBytes ?? 0) > 0), unknownReason: why, ...extra };
}

/** Why a type has no size: a type parameter, or a type the helper could not determine. */
function typeParamWhy(...ts: (FactType | undefined)[]): string | undefined {
  const t = ts.find((x) => x?.dependsOnTypeParam || (x && x.size === null));
  if (!t) return undefined;
  return t.dependsOnTypeParam
    ? `the size of ${t.name} depends on a type parameter (generic code is compiled per shape)`
    : `the type ${t.name} could not be determined (type-check error in this package)`;
}

/** One shared, frozen table per (rules, element size, pointers): thousands of sites share a handful. */
const dynamicCache = new WeakMap<AllocatorRules, Map<string, readonly DynamicClassRange[]>>();

function dynamicRanges(elem: TypeShape, rules: AllocatorRules): readonly DynamicClassRange[] {
  let perRules = dynamicCache.get(rules);
  if (!perRules) dynamicCache.set(rules, (perRules = new Map()));
  const k = `${elem.bytes}/${elem.pointers}`;
  let ranges = perRules.get(k);
  if (!ranges) perRules.set(k, (ranges = Object.freeze(computeDynamicRanges(elem, rules))));
  return ranges;
}

function computeDynamicRanges(elem: TypeShape, rules: AllocatorRules): DynamicClassRange[] {
  return classThresholdsForN(elem.bytes, elem.pointers, rules).map((r) => ({
    minN: r.nMin,
    maxN: Number.isFinite(r.nMax) ? r.nMax : null,
    prediction: classify({ bytes: r.nMin * elem.bytes, pointers: elem.pointers }, rules),
  }));
}

function isPointerShaped(t: FactType, rules: AllocatorRules): boolean {
  return t.size === rules.ptrSize && t.ptrBytes === rules.ptrSize;
}

function fromSpec(
  spec: ConstructSpec,
  construct: Construct,
  escapes: boolean,
  rules: AllocatorRules,
  t: FactType | undefined,
  extra: Partial<Built> = {},
): Built {
  const r = constructPredictions(spec, rules);
  const objects = r.objects.map((o) => ({ what: o.what, prediction: o.prediction }));
  const main = construct === 'closure' ? objects[objects.length - 1] : objects[0];
  let prediction: Prediction;
  if (main) prediction = main.prediction;
  else if (!escapes) prediction = stackPrediction(t?.size ?? 0, (t?.ptrBytes ?? 0) > 0, rules);
  else prediction = classify({ bytes: 0, pointers: false }, rules); // no mallocgc call at all (notes say why)
  return {
    construct,
    type: toTypeFacts(t),
    prediction,
    ...(objects.length ? { objects } : {}),
    ...(r.notes?.length ? { notes: r.notes } : {}),
    ...extra,
  };
}

/** -m prints constants as literals (go1.25+ substitutes them): strings, runes, numbers, booleans. */
const constantExpr = /^("|'|`|-?\d|-?\.\d|true$|false$)/;

/**
 * withoutFacts: what can still be said when no type facts sit at the position (the
 * construct was inlined from another package). Constants are static data whatever their
 * type; byte/rune/string results have a known element size, so their class as a
 * function of n is exact; everything else stays unknown.
 */
function withoutFacts(d: Diagnostic, s: ExprShape, construct: Construct, escapes: boolean, rules: AllocatorRules): Built {
  if (s.kind === 'value' && constantExpr.test(d.expr)) {
    return {
      construct: 'interface-conv',
      type: null,
      notes: ['a constant converted to an interface points at static data: no allocation'],
      prediction: escapes ? classify({ bytes: 0, pointers: false }, rules) : stackPrediction(0, false, rules),
    };
  }
  const noFacts = `no type facts at ${d.file}:${d.line}:${d.column} for "${d.expr}" (inlined from another package, generated code, or a construct the helper does not model)`;
  const dyn = (bytes: number) => ({ dynamic: dynamicRanges({ bytes, align: bytes, pointers: false }, rules) });
  if (construct === 'string-conv' || construct === 'bytes-conv' || construct === 'string-concat')
    return unknown(rules, construct, 'the length is only known at run time: see the class as a function of n (bytes)', undefined, dyn(1));
  if (construct === 'runes-conv')
    return unknown(
      rules,
      construct,
      'the rune count is only known at run time: see the class as a function of n (runes)',
      undefined,
      dyn(4),
    );
  return unknown(rules, construct, noFacts);
}

function buildSite(d: Diagnostic, s: ExprShape, fact: TypeFact | undefined, escapes: boolean, rules: AllocatorRules): Built {
  const construct = constructOf(s, fact, d);
  if (!fact) return withoutFacts(d, s, construct, escapes, rules);
  const t = fact.type;
  const tp = typeParamWhy(t, fact.elem, fact.key);
  switch (fact.kind) {
    case 'var':
    case 'new':
    case 'addr-composite':
    case 'methodvalue': {
      if (tp) return unknown(rules, construct, tp, t);
      const sh = shape(t)!;
      if (d.kind === 'moved-to-heap' && rules.aggregatesScalarHeapLocals && !sh.pointers && sh.bytes < 16 && sh.bytes > 0) {
        return fromSpec({ kind: 'new', type: sh, escapes }, construct, escapes, rules, t, {
          notes: ['go1.25+: scalar heap variables < 16 B of one function may share one allocation (ssagen newHeapaddr)'],
        });
      }
      return fromSpec({ kind: 'new', type: sh, escapes }, construct, escapes, rules, t);
    }
    case 'funclit': {
      const caps = fact.captures ?? [];
      const bad = caps.find((c) => c.type.size === null);
      if (bad) return unknown(rules, construct, `captured ${bad.name} has a type-parameter-dependent size`, t);
      return fromSpec(
        { kind: 'closure', escapes, captures: caps.map((c) => ({ type: shape(c.type)!, reassigned: c.byRef })) },
        construct,
        escapes,
        rules,
        t,
      );
    }
    case 'composite':
    case 'make':
    case 'variadic': {
      const kind = t?.kind;
      if (kind === 'struct' || kind === 'array') {
        if (tp) return unknown(rules, construct, tp, t);
        // A struct/array literal escapes by being boxed into an interface (convT).
        return fromSpec({ kind: 'convert', type: shape(t)!, escapes }, construct, escapes, rules, t);
      }
      if (tp) return unknown(rules, construct, tp, t);
      if (kind === 'map') {
        if (fact.kind === 'make' && fact.len === undefined && /,/.test(d.expr.slice(5))) {
          return unknown(rules, construct, 'the map size hint is not a constant', t);
        }
        return fromSpec(
          { kind: 'makemap', key: shape(fact.key)!, elem: shape(fact.elem)!, hint: fact.len ?? 0, escapes },
          construct,
          escapes,
          rules,
          t,
        );
      }
      if (kind === 'chan') {
        const hasSize = /,/.test(d.expr.slice(5));
        if (hasSize && fact.len === undefined) return unknown(rules, construct, 'the channel buffer size is not a constant', t);
        return fromSpec({ kind: 'makechan', elem: shape(fact.elem)!, size: fact.len ?? 0 }, construct, escapes, rules, t);
      }
      const elem = shape(fact.elem);
      if (!elem) return unknown(rules, construct, 'element type unknown', t);
      const elements = { type: toTypeFacts(fact.elem)!, len: fact.len ?? null, cap: fact.cap ?? fact.len ?? null };
      const n = fact.cap ?? fact.len;
      const lenKnown =
        fact.len !== undefined && (fact.cap !== undefined || splitTopLevel(d.expr.slice(5, -1)).length < 3 || fact.kind !== 'make');
      if (n === undefined || !lenKnown) {
        return unknown(rules, construct, 'the length is only known at run time: see the class as a function of n', t, {
          elements,
          dynamic: dynamicRanges(elem, rules),
        });
      }
      return fromSpec({ kind: 'makeslice', elem, len: fact.len ?? n, cap: n, escapes, constantSize: true }, construct, escapes, rules, t, {
        elements,
      });
    }
    case 'append': {
      if (tp) return unknown(rules, construct, tp, t);
      const elem = shape(fact.elem)!;
      return unknown(
        rules,
        construct,
        'append grows the backing array from its run-time capacity: see the class as a function of the new capacity',
        t,
        {
          elements: { type: toTypeFacts(fact.elem)!, len: null, cap: null },
          dynamic: dynamicRanges(elem, rules),
        },
      );
    }
    case 'conversion': {
      const len = fact.len;
      if (construct === 'bytes-conv' && len !== undefined)
        return fromSpec({ kind: 'bytes-from-string', len, escapes }, construct, escapes, rules, t);
      if (construct === 'bytes-conv' || construct === 'string-conv') {
        return unknown(rules, construct, 'the length is only known at run time: see the class as a function of n (bytes)', t, {
          dynamic: dynamicRanges({ bytes: 1, align: 1, pointers: false }, rules),
        });
      }
      return unknown(rules, construct, 'the rune count is only known at run time: see the class as a function of n (runes)', t, {
        dynamic: dynamicRanges({ bytes: 4, align: 4, pointers: false }, rules),
      });
    }
    case 'concat':
      return unknown(
        rules,
        construct,
        "the result length is the sum of the operands' run-time lengths: see the class as a function of n (bytes)",
        t,
        {
          dynamic: dynamicRanges({ bytes: 1, align: 1, pointers: false }, rules),
        },
      );
    case 'iface': {
      if (tp || !t) return unknown(rules, construct, tp ?? 'converted type unknown', t);
      const sh = shape(t)!;
      const conv: ConstructSpec = {
        kind: 'convert',
        type: sh,
        escapes,
        shape: isPointerShaped(t, rules) ? 'pointer-shaped' : t.kind === 'string' ? 'string' : t.kind === 'slice' ? 'slice' : 'value',
        ...(fact.const ? { staticValue: 'constant' as const } : {}),
      };
      const smallInt = t.kind === 'basic' && !fact.const && !sh.pointers && sh.bytes === sh.align && [2, 4, 8].includes(sh.bytes);
      return fromSpec(
        conv,
        construct,
        escapes,
        rules,
        t,
        smallInt && escapes
          ? {
              notes: [`values below 256 box into runtime.staticuint64s without allocating (convT${sh.bytes * 8})`],
            }
          : {},
      );
    }
  }
}
