// Layout advice: shapes. The struct facts come from the type-facts helper's -layout mode
// (src/toolchain/typefacts/layout.go), one JSON line per struct type and per constraining use.
// LayoutAdvice and LayoutReport are a public contract (README: `layout --json`).

/** One field as the helper reports it, on the target GOARCH. */
export interface LayoutField {
  /** `_` for blank fields; the type's name for embedded ones. */
  readonly name: string;
  readonly embedded?: boolean;
  readonly type: string;
  readonly size: number;
  readonly align: number;
  /** The field type's pointer prefix (the runtime's PtrBytes); 0 = no pointers. */
  readonly ptrBytes: number;
  /** Index of the declaration it belongs to (`a, b int` is one declaration). */
  readonly decl: number;
}

export interface LayoutStruct {
  readonly kind: 'struct';
  /** Import path. */
  readonly pkg: string;
  readonly pkgName: string;
  readonly name: string;
  readonly file: string;
  readonly line: number;
  /** 1-based byte column of the type's name. */
  readonly col: number;
  readonly exported: boolean;
  readonly local?: boolean;
  readonly generic?: boolean;
  /** unsafe.Sizeof as go/types computes it for gc; null when generic or invalid. */
  readonly size: number | null;
  readonly align: number | null;
  readonly ptrBytes: number | null;
  readonly fields: readonly LayoutField[];
  /** The struct type's source text when analysed: the fix refuses when it changed since. */
  readonly structText: string;
  readonly generated?: boolean;
  readonly hostLayout?: boolean;
  readonly cgo?: boolean;
  readonly invalid?: boolean;
}

export type LayoutUseKind =
  'unkeyed-literal' | 'unsafe-offsetof' | 'unsafe-pointer' | 'encoding-binary' | 'marshal-json' | 'marshal-xml' | 'marshal-csv';

/** A place that constrains reordering the struct `of` ("pkgpath.Name"). */
export interface LayoutUse {
  readonly kind: 'layoutUse';
  readonly of: string;
  readonly what: LayoutUseKind;
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** One field order's cost on the target Go version and GOARCH. */
export interface OrderFacts {
  readonly fields: readonly string[];
  readonly size: number;
  readonly align: number;
  readonly ptrBytes: number;
  /** The slot one `new(T)` takes: the size class (malloc header included) or whole pages. */
  readonly slotBytes: number;
  /** 0 for large objects (and tiny/zero-size ones, which have no class of their own). */
  readonly sizeClass: number;
  readonly noscan: boolean;
}

/** What one heap site of the type saves with the best order. */
export interface LayoutSiteSaving {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly construct: string;
  /** Elements of the type per object at this site (1 for a single object). */
  readonly elements: number;
  readonly slotBytesBefore: number;
  readonly slotBytesAfter: number;
  readonly sizeClassBefore: number;
  readonly sizeClassAfter: number;
  /** Objects the loaded heap profile recorded at the site. */
  readonly objects?: number;
}

export type LayoutFixStatus = 'ok' | 'refused';

export interface LayoutAdvice {
  readonly package: string;
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly current: OrderFacts;
  readonly best: OrderFacts;
  /** Slot bytes one object saves (new(T)); 0 when only the scanned bytes shrink. */
  readonly slotSavingBytes: number;
  /** Bytes the GC scans less per object (its pointer prefix shrinks, or it stops being scanned). */
  readonly scanSavingBytes: number;
  readonly weight: { readonly sites: number; readonly objects?: number };
  /** slot saving × recorded objects, summed over the sites (heap profile loaded). */
  readonly totalSavingBytes?: number;
  readonly fix: LayoutFixStatus;
  readonly reasons: readonly string[];
  readonly warnings: readonly string[];
  /** noscan hints: what making the type pointer-free would save (advice, not a fix). */
  readonly hints: readonly string[];
  /** The best order as indices into the written order (the rewrite's input). */
  readonly order: readonly number[];
  /** Fields that move (written order → best order). */
  readonly moves: number;
  readonly structText: string;
  readonly sites: readonly LayoutSiteSaving[];
}

/** A struct type at a heap site that gets no advice, and why (generic, cgo, invalid, too large). */
export interface LayoutSkipped {
  readonly package: string;
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

export interface LayoutReport {
  readonly goVersion: string;
  readonly arch: string;
  readonly types: readonly LayoutAdvice[];
  readonly notAdvised: readonly LayoutSkipped[];
  /** Struct types examined (at heap sites, or all of them with `all`). */
  readonly examined: number;
}
