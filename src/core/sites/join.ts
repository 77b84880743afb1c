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
//
// The parts: facts.ts (the helper's wire schema), shape.ts (what an allocation diagnostic's
// expression says), collector.ts (the stream filter that keeps only what the join reads), keys.ts
// (the position keys both use), predict.ts (a site's construct and prediction); this file matches
// diagnostics with facts and explanations.
import type { AllocatorRules } from '../alloc/versions.ts';
import type { Diagnostic, FlowStep } from '../escape/diagnostic.ts';
import { resolveFile, utf8ColumnToUtf16 } from '../escape/position.ts';
import { resolvedKey, type ResolvedType, type TypeFact, type TypeFactKind } from './facts.ts';
import { explanationKeys, key, PositionKeys } from './keys.ts';
import { buildSite } from './predict.ts';
import { allocKinds, exprShape, type ExprShape } from './shape.ts';
import type { AllocationSite, FlowStepAt } from './site.ts';
import { compilerLineSites, type InlinedBranch } from './compilerLineSites.ts';

// What analyze.ts and the bench (which also runs beside older sources) take from here with joinSites.
export { SiteCollector } from './collector.ts';
export { resolvedKey, type ResolvedType, type TypeFact } from './facts.ts';

export interface JoinOptions {
  readonly rules: AllocatorRules;
  /** Types of inlined constructs, keyed by resolvedKey(package, type as printed). */
  readonly resolved?: ReadonlyMap<string, ResolvedType>;
  /** The text of a line (1-based) of an absolute file, for byte → UTF-16 columns; undefined if unknown. */
  readonly lineText?: (file: string, line: number) => string | undefined;
  /** Directory the compiler output's relative paths are relative to (for `at POS` steps). */
  readonly baseDir?: string;
  /** The helper's answer per inlined call chain: is the innermost callee on a branch (compilerLines.ts)? */
  readonly inlinedBranches?: readonly InlinedBranch[];
}

function factMatches(f: TypeFact, s: ExprShape, d: Diagnostic): boolean {
  if (d.kind === 'moved-to-heap') return f.kind === 'var' && f.name === d.expr;
  switch (s.kind) {
    case 'concat':
      return f.kind === 'concat' || f.kind === 'iface'; // `i + j escapes`: a boxed integer sum
    case 'value':
      return f.kind === 'iface' || f.kind === 'methodvalue';
    default:
      // Every other shape is named after the one fact kind it matches.
      return f.kind === s.kind;
  }
}

/**
 * joinSites turns allocation diagnostics into AllocationSites (see the overview above).
 * Diagnostics that are not about an allocation (parameters, inlining) are ignored;
 * duplicates (same position, expression and verdict) collapse into one site.
 */
export function joinSites(diagnostics: readonly Diagnostic[], facts: readonly TypeFact[], opts: JoinOptions): AllocationSite[] {
  const keys = new PositionKeys();
  const key = keys.of.bind(keys);
  const byPos = new Map<string, TypeFact[]>();
  const byTypeName = new Map<string, TypeFact[]>();
  // A site with no fact of its own (code inlined from another package or a generic body) still sits in
  // the function that encloses its line: any fact on that line names it.
  const funcOfLine = new Map<string, string>();
  const funcExtents = new Map<string, { line: number; endLine: number; func: string }[]>();
  for (const f of facts) {
    if (f.kind === 'func') {
      if (f.func && f.endLine)
        (funcExtents.get(f.file) ?? funcExtents.set(f.file, []).get(f.file)!).push({ line: f.line, endLine: f.endLine, func: f.func });
      continue;
    }
    if (f.func && !funcOfLine.has(`${f.file}:${f.line}`)) funcOfLine.set(`${f.file}:${f.line}`, f.func);
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
  const fromCompiler = compilerLineSites(diagnostics, facts, byPos, key, opts);
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
    let inlinedLen: number | undefined;
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
    // Code compiled per shape names its layout (go.shape.X is X): the shape's type beats a type-parameter fact.
    const shaped = 'type' in s && s.type.includes('go.shape.') && (!fact || dependsOnTypeParam(fact));
    if (shaped) via = 'shape';
    if ((!fact || shaped) && 'type' in s && d.package) {
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
        if (via !== 'shape') via = 'resolved';
      }
    }
    if (fact && via !== 'position' && s.kind === 'make' && d.kind === 'escapes' && fact.len === undefined && d.package) {
      // Inlined from another function: the constant its calls pass (typefacts/inline.go).
      const inl = opts.resolved?.get(resolvedKey(d.package, inlineQueryType(d)));
      if (inl?.len !== undefined) {
        fact = { ...fact, len: inl.len, ...(inl.cap !== undefined ? { cap: inl.cap } : {}) };
        inlinedLen = inl.len;
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
    const built = fromCompiler.build(d, s, fact, here, escapes, via !== 'position' || !fact, buildSite, file);
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
    if (via === 'shape' && fact?.type && !fact.type.dependsOnTypeParam)
      site.notes = [...(built.notes ?? []), 'generic shape: go.shape.X has the layout of X'];
    if (inlinedLen !== undefined)
      site.notes = [
        ...(site.notes ?? []),
        `inlined: the length is the constant ${inlinedLen} the inlined calls pass (their source, followed)`,
      ];
    if (d.package) site.package = d.package;
    const func =
      fact?.func ??
      d.func ??
      funcOfLine.get(`${file}:${d.line}`) ??
      funcExtents.get(file)?.find((e) => e.line <= d.line && d.line <= e.endLine)?.func;
    if (func) site.func = func;
    sites.push(site);
    fromCompiler.added(site, at);
  }
  return fromCompiler.finish(sites, toUtf16);
}

/** A query for the helper's -resolve mode: a printed type, or (with a position) an inlined make's length. */
export interface TypeQueryOf {
  readonly pkg: string;
  readonly type: string;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  readonly expr?: string;
}

/** The `type` key of an inline query: the make's text at its position, since its length is per call. */
export function inlineQueryType(d: Diagnostic): string {
  return `${d.expr}@${d.absFile ?? d.file}:${d.line}:${d.column ?? 0}`;
}

function dependsOnTypeParam(f: TypeFact): boolean {
  return [f.type, f.elem, f.key].some((t) => t?.dependsOnTypeParam || t?.size === null);
}

/**
 * typeQueries lists the (package, printed type) pairs of allocation diagnostics that have no
 * fact at their position and no same-named type in the workspace: the helper's -resolve mode
 * looks them up in the dependencies.
 */
export function typeQueries(diagnostics: readonly Diagnostic[], facts: readonly TypeFact[]): TypeQueryOf[] {
  const at = new Set(facts.map((f) => `${key(f.file, f.line, f.col)}\0${f.kind}`));
  const named = new Set(facts.flatMap((f) => (f.type ? [`${f.kind}\0${f.pkg}\0${f.type.name}`, `${f.kind}\0*\0${f.type.qname}`] : [])));
  const out = new Map<string, TypeQueryOf>();
  for (const d of diagnostics) {
    if (!allocKinds.has(d.kind) || !d.package || !d.absFile) continue;
    const s = exprShape(d.expr);
    if (!('type' in s)) continue;
    if (s.kind === 'make' && d.kind === 'escapes' && s.type.startsWith('[]') && !at.has(`${key(d.absFile, d.line, d.column)}\0make`)) {
      // An inlined make([]T, …): its length may be a constant the inlined calls pass.
      const type = inlineQueryType(d);
      out.set(resolvedKey(d.package, type), { pkg: d.package, type, file: d.absFile, line: d.line, col: d.column ?? 0, expr: d.expr });
    }
    if (at.has(`${key(d.absFile, d.line, d.column)}\0${s.kind}`) && !s.type.includes('go.shape.')) continue;
    if (named.has(`${s.kind}\0${d.package}\0${s.type}`) || named.has(`${s.kind}\0*\0${s.type}`)) continue;
    out.set(resolvedKey(d.package, s.type), { pkg: d.package, type: s.type });
  }
  return [...out.values()];
}
