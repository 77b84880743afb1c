// What the compiler's own lines say beyond "escapes" (issue 13), read before the type-facts helper's
// guesses: `F capturing by value|ref: x (addr=… assign=… width=N)` (-m=2) decides how a closure holds
// each variable; the capture lines of a `go` statement's wrapper closure (`.autotmp_N`) size it; the
// type checker's constness (never the expression's text) decides whether a concatenation allocates;
// the helper's analysis of inlined callees says which inlined allocations sit on a branch; and the
// go1.26+ slice pass (cmd/compile/internal/slice) moves a stack-buffered append to the heap at its
// return. Overview of the join: join.ts.
import { constructPredictions, dynamicRows, type TypeShape } from '../alloc/constructs.ts';
import { classify, stackPrediction, unknownPrediction, type Prediction } from '../alloc/malloc.ts';
import type { AllocatorRules } from '../alloc/versions.ts';
import type { Diagnostic } from '../escape/diagnostic.ts';
import type { TypeFact } from './facts.ts';
import type { AllocationSite, DynamicClassRange } from './site.ts';

/** One `F capturing by value|ref: x (addr=… assign=… width=N)` line. */
export interface CaptureLine {
  readonly func: string;
  readonly name: string;
  readonly byRef: boolean;
  readonly widthBytes: number;
}

const captureRe = /^(.+) capturing by (value|ref): (.+) \(addr=(?:true|false) assign=(?:true|false) width=(\d+)\)$/;

export function parseCaptureLine(message: string): CaptureLine | undefined {
  const m = captureRe.exec(message);
  if (!m) return undefined;
  return { func: m[1]!, byRef: m[2] === 'ref', name: m[3]!, widthBytes: Number(m[4]) };
}

/** The capture lines of a compiler output, by position (file\0line\0col) of the captured variable. */
export class CaptureLines {
  private readonly byPos = new Map<string, CaptureLine[]>();
  private readonly byLine = new Map<string, CaptureLine[]>();
  /** The `.autotmp_N` captures (go/defer wrappers) by file, in output order, with their positions. */
  private readonly temps = new Map<string, (CaptureLine & { line: number; col: number })[]>();

  constructor(diagnostics: readonly Diagnostic[], resolve: (d: Diagnostic) => string | undefined) {
    for (const d of diagnostics) {
      if (d.kind !== 'other' || d.column === null) continue;
      const c = parseCaptureLine(d.message);
      const file = c && resolve(d);
      if (!c || !file) continue;
      if (c.name.startsWith('.autotmp_')) {
        const l = this.temps.get(file);
        const t = { ...c, line: d.line, col: d.column };
        if (l) l.push(t);
        else this.temps.set(file, [t]);
      }
      for (const [map, k] of [
        [this.byPos, `${file}\0${d.line}\0${d.column}\0${c.name}`],
        [this.byLine, `${file}\0${d.line}`],
      ] as const) {
        const l = map.get(k);
        if (l) l.push(c);
        else map.set(k, [c]);
      }
    }
  }

  get size(): number {
    return this.byPos.size;
  }

  /** The compiler's line for variable `name` declared at file:line:col (the position it prints). */
  at(file: string, line: number, col: number, name: string): CaptureLine | undefined {
    return this.byPos.get(`${file}\0${line}\0${col}\0${name}`)?.[0];
  }

  /**
   * The `.autotmp_N` captures of the wrapper a go/defer statement makes. With the statement's extent
   * (the helper's gowrap fact): those within it, of the outermost function among them (a func literal
   * inside the statement has its own, longer-named, wrappers); the compiler positions them at the
   * statement, the call or the operand, by version. Without it: those on the statement's line.
   */
  wrapperTemps(file: string, line: number, end?: { line: number; col: number }, start?: { col: number }): CaptureLine[] {
    if (!end || !start) return (this.byLine.get(`${file}\0${line}`) ?? []).filter((c) => c.name.startsWith('.autotmp_'));
    const within = (this.temps.get(file) ?? []).filter(
      (t) => (t.line > line || (t.line === line && t.col >= start.col)) && (t.line < end.line || (t.line === end.line && t.col <= end.col)),
    );
    const outer = Math.min(...within.map((t) => t.func.length));
    const seen = new Set<string>();
    return within.filter((t) => t.func.length === outer && !seen.has(t.name) && seen.add(t.name));
  }
}

/**
 * withCompilerCaptures: a funclit fact whose captures follow the compiler's capture lines where there
 * are any (the helper's by-ref rule is a guess: loop variables of a go ≤1.21 module, for one, are one
 * variable per loop and go by reference). Also returns a note per capture the compiler decided.
 */
export function withCompilerCaptures(fact: TypeFact, file: string, lines: CaptureLines): { fact: TypeFact; notes: string[] } {
  if (!fact.captures?.length || lines.size === 0) return { fact, notes: [] };
  const notes: string[] = [];
  const captures = fact.captures.map((c) => {
    if (c.line === undefined || c.col === undefined) return c;
    const line = lines.at(file, c.line, c.col, c.name);
    if (!line) return c;
    notes.push(`the compiler: capturing by ${line.byRef ? 'ref' : 'value'}: ${c.name} (width=${line.widthBytes})`);
    return line.byRef === c.byRef ? c : { ...c, byRef: line.byRef };
  });
  return { fact: { ...fact, captures }, notes };
}

/** The alignment a field of `width` bytes can have at most (its size is a multiple of its alignment). */
function maxAlign(widthBytes: number, ptrSize: number): number {
  let a = 1;
  while (a < ptrSize && widthBytes % (a * 2) === 0) a *= 2;
  return widthBytes === 0 ? 1 : a;
}

/**
 * goWrapperSite: a `go`/`defer` statement whose call has arguments is compiled into a closure that
 * captures the evaluated arguments (typecheck normalizeGoDeferCall); the compiler prints only the
 * -m=2 explanation of that `func literal` and its `.autotmp_N` capture lines. The funcval is the
 * code pointer plus each captured temporary (by value, as the widths say). The helper's gowrap fact,
 * when there, says whether any argument holds pointers (the span class); otherwise scan is assumed.
 */
export function goWrapperBuilt(
  temps: readonly CaptureLine[],
  gowrap: TypeFact | undefined,
  rules: AllocatorRules,
): Pick<AllocationSite, 'construct' | 'type' | 'prediction' | 'objects' | 'notes'> {
  const pointers = gowrap ? (gowrap.captures ?? []).some((c) => (c.type.ptrBytes ?? 1) > 0) : true;
  const captures = temps.map((t) => ({
    type: { bytes: t.widthBytes, align: maxAlign(t.widthBytes, rules.ptrSize), pointers } satisfies TypeShape,
  }));
  const r = constructPredictions({ kind: 'closure', captures, escapes: true }, rules);
  const last = r.objects[r.objects.length - 1];
  const notes = [
    `a go statement with arguments runs a wrapper closure: the code pointer plus ${temps.length} captured argument${
      temps.length === 1 ? '' : 's'
    } (${temps.map((t) => `${t.widthBytes} B`).join(' + ')}, from the compiler's capture lines)`,
  ];
  if (!gowrap) notes.push('whether the arguments hold pointers is not known here: the span class assumes they do');
  return {
    construct: 'closure',
    type: null,
    prediction: last!.prediction,
    objects: r.objects.map((o) => ({ what: o.what === 'closure' ? 'go wrapper closure' : o.what, prediction: o.prediction })),
    notes,
  };
}

/**
 * concatBoxed: an escaping string concatenation that is also converted to an interface allocates the
 * string (concatstring2…; its length is the run-time sum of the operands) and then the 16 B string
 * header (convTstring). Both are listed; the site stays unknown because the first one is.
 */
export function concatBoxedObjects(rules: AllocatorRules): { what: string; prediction: Prediction }[] {
  const boxed = constructPredictions(
    { kind: 'convert', type: { bytes: 2 * rules.ptrSize, align: rules.ptrSize, pointers: true }, shape: 'string' },
    rules,
  );
  return [
    { what: 'concatstrings (the result, n bytes)', prediction: classify({ bytes: 0, pointers: false }, rules) },
    ...boxed.objects.map((o) => ({ what: o.what, prediction: o.prediction })),
  ];
}

const tmpStringBufBytes = 32; // runtime/string.go tmpStringBufSize

/**
 * nonEscapingConcatRows: a concatenation that does not escape gets a 32 B buffer in the caller's
 * frame (concatstrings → rawstringtmp): results up to 32 B stay there, longer ones are allocated.
 */
export function nonEscapingConcatRows(rows: readonly DynamicClassRange[], rules: AllocatorRules): DynamicClassRange[] {
  const out: DynamicClassRange[] = [];
  for (const r of rows) {
    const max = r.maxN ?? Infinity;
    if (r.minN > tmpStringBufBytes) out.push(r);
    else {
      out.push({
        minN: r.minN,
        maxN: Math.min(max, tmpStringBufBytes),
        prediction: r.minN === 0 ? r.prediction : stackPrediction(0, false, rules),
      });
      if (max > tmpStringBufBytes) out.push({ minN: tmpStringBufBytes + 1, maxN: r.maxN, prediction: r.prediction });
    }
  }
  return out;
}

/** One inlined call chain at a call site and whether its allocations sit on a branch of the callees. */
export interface InlinedBranch {
  readonly pkg: string;
  readonly file: string;
  readonly line: number;
  /** 1-based byte column of the call (the `inlining call to` position). */
  readonly col: number;
  /** Outermost first, as -m prints them at that position: fmt.Errorf, then errors.New. */
  readonly callees: readonly string[];
  /** The innermost callee is reached only on a branch (if/switch/select case, loop body, after a conditional return). */
  readonly conditional: boolean;
}

/** The inlined call chains by position: the `inlining call to` lines at each (file, line, col). */
export function inliningChains(
  diagnostics: readonly Diagnostic[],
  resolve: (d: Diagnostic) => string | undefined,
): Map<string, { pkg: string; file: string; line: number; col: number; callees: string[] }> {
  const out = new Map<string, { pkg: string; file: string; line: number; col: number; callees: string[] }>();
  for (const d of diagnostics) {
    if (d.kind !== 'inlining-call' || d.column === null) continue;
    const file = resolve(d);
    if (!file) continue;
    const k = `${file}\0${d.line}\0${d.column}`;
    let c = out.get(k);
    if (!c) out.set(k, (c = { pkg: d.package ?? '', file, line: d.line, col: d.column, callees: [] }));
    if (!c.callees.includes(d.expr)) c.callees.push(d.expr);
  }
  return out;
}

/**
 * moveToHeapBuilt: go1.26+ (cmd/compile/internal/slice) builds a slice that is only appended to and
 * then returned in a stack buffer, and at the return calls runtime.moveSlice*: with the capacity unused,
 * moveSliceNoCap[NoScan] allocates roundupsize(len × elem) — the class as a function of the length.
 */
export function moveToHeapBuilt(
  fact: TypeFact,
  rules: AllocatorRules,
): Pick<AllocationSite, 'construct' | 'type' | 'prediction' | 'dynamic' | 'unknownReason' | 'notes'> | undefined {
  const e = fact.elem;
  if (!e || e.size === null || e.ptrBytes === null) return undefined;
  const pointers = e.ptrBytes > 0;
  const elemBytes = e.size;
  // moveSliceNoCap rounds len × elem up to the slot and cuts it to whole elements, as growslice does
  // for its new capacity: the same rows, with n the length.
  const rows: DynamicClassRange[] = dynamicRows('growslice', { bytes: e.size, align: Math.max(1, e.align ?? 1), pointers }, rules).map(
    (r) => ({
      minN: r.nMin,
      maxN: Number.isFinite(r.nMax) ? r.nMax : null,
      prediction: classify({ bytes: r.requestBytes, pointers }, rules),
    }),
  );
  return {
    construct: 'append',
    type: fact.type ? { name: fact.type.name, size: fact.type.size, align: fact.type.align, ptrBytes: fact.type.ptrBytes } : null,
    prediction: unknownPrediction(rules, pointers),
    dynamic: rows,
    unknownReason: `the slice's length at the return is only known at run time: see the class as a function of n (elements of ${e.name})`,
    notes: [
      `go1.26+: ${fact.name ?? 'the slice'} is appended to in a 32 B stack buffer and moved to the heap here ` +
        `(runtime.moveSlice${pointers ? '' : 'NoScan'} family: roundupsize(len × ${elemBytes} B) when the capacity is never used)`,
    ],
  };
}
