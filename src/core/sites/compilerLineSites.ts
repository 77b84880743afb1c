// The join's use of compilerLines.ts: per diagnostic (build) and once at the end (finish), for the
// sites the compiler's own lines decide or add (issue 13 classes 1, 2, 3, 6, 7; overview: join.ts).
import type { AllocatorRules } from '../alloc/versions.ts';
import type { Diagnostic } from '../escape/diagnostic.ts';
import { resolveFile } from '../escape/position.ts';
import type { TypeFact } from './facts.ts';
import type { Built } from './predict.ts';
import type { ExprShape } from './shape.ts';
import type { AllocationSite, DynamicClassRange } from './site.ts';
import {
  CaptureLines,
  concatBoxedObjects,
  goWrapperBuilt,
  inliningChains,
  moveToHeapBuilt,
  nonEscapingConcatRows,
  withCompilerCaptures,
  type InlinedBranch,
} from './compilerLines.ts';
import { classify } from '../alloc/malloc.ts';

export type { InlinedBranch } from './compilerLines.ts';

type BuildSite = (d: Diagnostic, s: ExprShape, fact: TypeFact | undefined, escapes: boolean, rules: AllocatorRules) => Built;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The stack buffer a non-escaping append (and go1.26+'s moved slices) starts in: ir.MaxStackVarSize-independent base.Debug.VariableMakeThreshold. */
const appendStackBufBytes = 32;

export function compilerLineSites(
  diagnostics: readonly Diagnostic[],
  facts: readonly TypeFact[],
  byPos: ReadonlyMap<string, TypeFact[]>,
  key: (file: string, line: number, col: number) => string,
  opts: { readonly rules: AllocatorRules; readonly baseDir?: string; readonly inlinedBranches?: readonly InlinedBranch[] },
) {
  const rules = opts.rules;
  const fileOf = (d: Diagnostic) => d.absFile ?? (opts.baseDir ? resolveFile(opts.baseDir, d.file) : undefined);
  const captures = new CaptureLines(diagnostics, fileOf);
  const chains = inliningChains(diagnostics, fileOf);
  const branches = new Map<string, InlinedBranch>();
  for (const b of opts.inlinedBranches ?? []) branches.set(`${key(b.file, b.line, b.col)}\0${b.callees.join('\0')}`, b);
  const funcLits = new Set<string>();
  const appends = new Map<string, Mutable<AllocationSite>>();

  return {
    build(
      d: Diagnostic,
      s: ExprShape,
      fact: TypeFact | undefined,
      here: readonly TypeFact[],
      escapes: boolean,
      inlined: boolean,
      buildSite: BuildSite,
      file: string,
    ): Built & { conditional?: true } {
      const at = key(file, d.line, d.column ?? 0);
      let notes: string[] = [];
      if (s.kind === 'funclit') funcLits.add(at);
      if (fact?.kind === 'funclit') ({ fact, notes } = withCompilerCaptures(fact, file, captures));
      const built: Mutable<Built> & { conditional?: true } = { ...buildSite(d, s, fact, escapes, rules) };
      if (fact?.kind === 'concat') {
        if (escapes && here.some((f) => f.kind === 'iface' && !f.const)) built.objects = concatBoxedObjects(rules);
        if (!escapes && built.dynamic) {
          built.dynamic = nonEscapingConcatRows(built.dynamic, rules);
          notes.push(`does not escape: a result up to 32 B is built in the caller's frame, a longer one is allocated (rawstring)`);
        }
      }
      const chain = chains.get(`${file}\0${d.line}\0${d.column}`);
      if (inlined && chain) {
        const b = branches.get(`${at}\0${chain.callees.join('\0')}`);
        if (b?.conditional) {
          built.conditional = true;
          notes.push(
            `conditional: on a branch of the inlined ${b.callees[0]}${b.callees.length > 1 ? ` (via ${b.callees.slice(1).join(', ')})` : ''}: ` +
              'allocates only when that branch runs',
          );
        }
      }
      if (notes.length) built.notes = [...(built.notes ?? []), ...notes];
      return built;
    },

    /** Each site the join made, at its byte-position key (the append sites get go1.26+'s note in finish). */
    added(site: AllocationSite, at: string): void {
      if (site.construct === 'append' && !appends.has(at)) appends.set(at, site as Mutable<AllocationSite>);
    },

    finish(sites: AllocationSite[], toUtf16: (file: string, line: number, col: number) => number): AllocationSite[] {
      // go/defer wrappers: a `func literal` explained (-m=2) but never reported as a site, with `.autotmp_N` captures on its line.
      for (const d of diagnostics) {
        if (d.kind !== 'explanation' || d.expr !== 'func literal' || d.column === null) continue;
        const file = fileOf(d);
        if (!file) continue;
        const at = key(file, d.line, d.column);
        if (funcLits.has(at)) continue;
        const gowrap = (byPos.get(at) ?? []).find((f) => f.kind === 'gowrap');
        const end = gowrap?.endLine !== undefined && gowrap.endCol !== undefined ? { line: gowrap.endLine, col: gowrap.endCol } : undefined;
        const temps = captures.wrapperTemps(file, d.line, end, { col: d.column });
        if (!temps.length) continue;
        funcLits.add(at);
        const site: Mutable<AllocationSite> = {
          file,
          line: d.line,
          column: toUtf16(file, d.line, d.column),
          expr: d.expr,
          escapes: true,
          reason: (d.steps ?? []).map((st) => ({ text: st.text, ...(st.why ? { why: st.why } : {}) })),
          ...goWrapperBuilt(temps, gowrap, rules),
        };
        if (d.package) site.package = d.package;
        const func = gowrap?.func ?? d.func;
        if (func) site.func = func;
        sites.push(site);
      }
      // go1.26+: a slice appended to and then returned is built in a stack buffer and moved at the return.
      if (rules.goMinor >= 26) {
        for (const f of facts) {
          if (f.kind !== 'move2heap' || f.appendLine === undefined || f.appendCol === undefined) continue;
          const app = appends.get(key(f.file, f.appendLine, f.appendCol));
          if (!app?.escapes) continue;
          const moved = moveToHeapBuilt(f, rules);
          if (!moved) continue;
          const built: Mutable<typeof moved> = { ...moved };
          const elemBytes = f.elem?.size ?? 0;
          const inBuf = elemBytes > 0 ? Math.floor(appendStackBufBytes / elemBytes) : 0;
          const pointers = (f.elem?.ptrBytes ?? 0) > 0;
          built.dynamic = cutRows(built.dynamic!, inBuf, rules, pointers);
          app.notes = [
            ...(app.notes ?? []),
            `go1.26+: up to ${inBuf} element${inBuf === 1 ? '' : 's'} (a 32 B stack buffer) this append allocates nothing; the slice is moved to the heap at line ${f.line}`,
          ];
          const site: Mutable<AllocationSite> = {
            file: f.file,
            line: f.line,
            column: toUtf16(f.file, f.line, f.col),
            expr: `return ${f.name ?? ''}`.trim(),
            escapes: true,
            reason: [],
            ...built,
          };
          if (app.package) site.package = app.package;
          if (f.func ?? app.func) site.func = f.func ?? app.func;
          sites.push(site);
        }
      }
      return sites;
    },
  };
}

/** Rows past the stack buffer's elements allocate nothing at the return: growslice already moved the slice at the append. */
function cutRows(rows: readonly DynamicClassRange[], inBuf: number, rules: AllocatorRules, pointers: boolean): DynamicClassRange[] {
  const none = classify({ bytes: 0, pointers }, rules);
  const out: DynamicClassRange[] = [];
  for (const r of rows) {
    if (r.minN > inBuf) continue;
    out.push(r.maxN === null || r.maxN > inBuf ? { ...r, maxN: inBuf } : r);
  }
  out.push({ minN: inBuf + 1, maxN: null, prediction: none });
  return out;
}
