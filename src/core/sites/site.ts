// AllocationSite: one heap allocation the compiler reports, joined with exact type
// facts and the allocator model's Prediction. Field names are a public contract
// (docs/architecture.md, contracts). Overview of the join: see join.ts.
import type { Prediction } from '../alloc/malloc.ts';

/** The Go construct that allocates at a site (what constructs.ts knows how to size). */
export type Construct =
  | 'new' // new(T)
  | 'composite-lit' // &T{...}, []T{...}, map literal
  | 'make-slice'
  | 'make-map'
  | 'make-chan'
  | 'map-insert' // m[k] = v: allocates when the map grows
  | 'append'
  | 'string-concat'
  | 'string-conv' // string(b), string(r)
  | 'bytes-conv' // []byte(s)
  | 'runes-conv' // []rune(s)
  | 'closure'
  | 'moved-to-heap'
  | 'interface-conv'
  | 'variadic' // ... argument
  | 'other';

export interface TypeFacts {
  /** Go type as go/types prints it (qualified by package path's last element). */
  readonly name: string;
  /** unsafe.Sizeof on the build's GOARCH, bytes. null when it depends on a type parameter. */
  readonly size: number | null;
  readonly align: number | null;
  /** Bytes of the type's prefix that can hold pointers (the runtime's PtrBytes); 0 = noscan. */
  readonly ptrBytes: number | null;
}

export interface ElementFacts {
  readonly type: TypeFacts;
  /** Constant length/capacity when the compiler can see it; null when dynamic. */
  readonly len: number | null;
  readonly cap: number | null;
}

export interface FlowStepAt {
  readonly text: string;
  readonly why?: string;
  readonly file?: string;
  readonly line?: number;
  /** 1-based UTF-16 column, when the position has one. */
  readonly column?: number;
}

/** A size class as a function of n for dynamic sizes: for n in [minN, maxN] the class is `prediction`. */
export interface DynamicClassRange {
  readonly minN: number;
  readonly maxN: number | null;
  readonly prediction: Prediction;
}

export interface AllocationSite {
  /** Absolute path. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based UTF-16 column (VS Code's unit), converted from the compiler's byte column. */
  readonly column: number;
  readonly construct: Construct;
  readonly expr: string;
  readonly escapes: boolean;
  /** The -m=2 flow steps explaining the escape, in order (empty at -m=1). */
  readonly reason: readonly FlowStepAt[];
  readonly type: TypeFacts | null;
  readonly elements?: ElementFacts;
  /** The allocator model's answer for the (first) object this site allocates. */
  readonly prediction: Prediction;
  /** Every object the construct allocates (maps and chans allocate several). */
  readonly objects?: readonly { readonly what: string; readonly prediction: Prediction }[];
  /** For dynamic sizes: the class as a function of n. */
  readonly dynamic?: readonly DynamicClassRange[];
  /** Why prediction.kind is `unknown` (a type parameter, a run-time length, no type facts). */
  readonly unknownReason?: string;
  /** Model notes: why nothing is allocated, version-specific effects (from constructs.ts). */
  readonly notes?: readonly string[];
  /** On a branch of inlined code (fmt.Errorf's no-argument errors.New): allocates only when that branch runs, so not certain. */
  readonly conditional?: boolean;
  readonly package?: string;
  readonly func?: string;
}
