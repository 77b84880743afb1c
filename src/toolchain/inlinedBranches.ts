// Which allocations inlined from a chain of callees sit on a branch (issue 13 class 3): the join
// marks them conditional (core/sites/compilerLineSites.ts). The chains come from the compiler's
// `inlining call to` lines at the positions of allocation sites that have no fact of their own
// there (the allocation is in the callee's body); the helper's -resolve mode reads the callees'
// source (typefacts/inlinebranch.go).
import type { Diagnostic } from '../core/escape/diagnostic.ts';
import type { TypeFact } from '../core/sites/facts.ts';
import type { InlinedBranch } from '../core/sites/compilerLines.ts';
import { allocKinds, exprShape } from '../core/sites/shape.ts';
import { runHelper, withQueryFile, type TypefactsRunOptions } from './typefacts.ts';

interface BranchQuery {
  readonly pkg: string;
  /** Unused by branch queries; the helper's query schema has it. */
  readonly type: string;
  readonly callees: readonly string[];
  readonly at: readonly { file: string; line: number; col: number }[];
}

/** branchQueries: one query per (package, chain) of the inlined chains that carry an allocation without a fact at its position. */
export function branchQueries(diagnostics: readonly Diagnostic[], facts: readonly TypeFact[]): BranchQuery[] {
  const factAt = new Set(facts.map((f) => `${f.file}\0${f.line}\0${f.col}\0${f.kind}`));
  const chains = new Map<string, { pkg: string; file: string; line: number; col: number; callees: string[] }>();
  const allocAt = new Set<string>();
  for (const d of diagnostics) {
    if (!d.absFile || d.column === null) continue;
    const k = `${d.absFile}\0${d.line}\0${d.column}`;
    if (d.kind === 'inlining-call') {
      let c = chains.get(k);
      if (!c) chains.set(k, (c = { pkg: d.package ?? '', file: d.absFile, line: d.line, col: d.column, callees: [] }));
      if (!c.callees.includes(d.expr)) c.callees.push(d.expr);
    } else if (allocKinds.has(d.kind) && !factAt.has(`${k}\0${exprShape(d.expr).kind}`)) allocAt.add(k);
  }
  const out = new Map<string, { pkg: string; type: string; callees: string[]; at: { file: string; line: number; col: number }[] }>();
  for (const [k, c] of chains) {
    if (!allocAt.has(k) || c.callees.length < 2) continue; // one callee: its own body is the allocation's, no chain to branch on
    const qk = `${c.pkg}\0${c.callees.join('\0')}`;
    let q = out.get(qk);
    if (!q) out.set(qk, (q = { pkg: c.pkg, type: '', callees: c.callees, at: [] }));
    q.at.push({ file: c.file, line: c.line, col: c.col });
  }
  return [...out.values()];
}

/** resolveBranches asks the helper about each chain and spreads the answers to every call site of it. */
export async function resolveBranches(opts: TypefactsRunOptions, queries: readonly BranchQuery[]): Promise<InlinedBranch[]> {
  if (queries.length === 0) return [];
  const wire = queries.map((q) => ({ pkg: q.pkg, type: q.type, callees: q.callees }));
  return withQueryFile(wire, async (file) => {
    const r = await runHelper(opts, ['-resolve', file], 'type-facts helper -resolve (inlined branches)');
    const answers = new Map<string, boolean>();
    for (const line of r.stdout.split('\n')) {
      if (!line.trim()) continue;
      const v = JSON.parse(line) as { kind?: string; pkg?: string; callees?: string[]; conditional?: boolean };
      if (v.kind === 'branch' && v.callees) answers.set(`${v.pkg}\0${v.callees.join('\0')}`, v.conditional === true);
    }
    return queries.flatMap((q) => {
      const conditional = answers.get(`${q.pkg}\0${q.callees.join('\0')}`) ?? false;
      return q.at.map((a) => ({ pkg: q.pkg, ...a, callees: q.callees, conditional }));
    });
  });
}
