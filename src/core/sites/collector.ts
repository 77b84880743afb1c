// The join's stream filter: from the parser's diagnostics, only what joinSites reads (overview: join.ts).
import type { Diagnostic, DiagnosticKind, FlowStep } from '../escape/diagnostic.ts';
import { explanationKeys, PositionKeys } from './keys.ts';
import { allocKinds, exprShape } from './shape.ts';

/** Besides allocations, the join reads capture lines (`other`) and inlined call chains (compilerLines.ts). */
const joinReads: ReadonlySet<DiagnosticKind> = new Set(['other', 'inlining-call']);

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
    return allocKinds.has(kind) || joinReads.has(kind);
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
    } else if (!this.keepAll && !allocKinds.has(d.kind) && !joinReads.has(d.kind)) {
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
      // A `func literal` explained but never reported is a go statement's wrapper: a site of its own (compilerLineSites.ts).
      if (subjects.has(k1) || subjects.has(k2) || d.expr === 'func literal') (d as { steps?: readonly FlowStep[] }).steps = steps();
      else if (!this.keepAll) dropped.add(i);
    }
    const out = dropped.size === 0 ? this.kept : this.kept.filter((_, i) => !dropped.has(i));
    this.deferred.clear();
    return (this.built = out);
  }
}
