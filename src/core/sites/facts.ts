// The type-facts helper's wire schema (src/toolchain/typefacts, JSON lines on its stdout): what the
// join reads (overview: join.ts). Field names follow the helper's Go structs (typefacts/facts.go).

/** A type as the helper prints it (typefacts/facts.go typeFacts). */
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
  | 'methodvalue'
  // Found only in the source: no -m line is ever printed for them (typefacts/sourcesites.go, sourceSites.ts).
  | 'makechan'
  | 'mapassign'
  | 'concat-assign'
  /** A go/defer statement's wrapper closure: captures are the evaluated arguments (typefacts/gostmt.go). */
  | 'gowrap'
  /** go1.26+: a returned slice built by appends, moved to the heap at this return (typefacts/movetoheap.go). */
  | 'move2heap'
  /** A top-level function's extent (line to endLine): names the function of sites that have no fact. */
  | 'func';

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
  /** The source text of a construct found only in the source. */
  readonly expr?: string;
  /** move2heap: the append (its byte position) whose stack buffer this return moves. */
  readonly appendLine?: number;
  readonly appendCol?: number;
  /** gowrap: the end of the go/defer statement (1-based byte column); its capture lines lie within. */
  readonly endLine?: number;
  readonly endCol?: number;
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
  /** An inline query's answer: the constant length (and capacity) of the inlined make. */
  readonly len?: number;
  readonly cap?: number;
  readonly error?: string;
}

export const resolvedKey = (pkg: string, typeExpr: string) => `${pkg}\0${typeExpr}`;
