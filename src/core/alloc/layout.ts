// How a Go type is laid out, as types.Sizes computes it for the compiler (field offsets,
// alignment, arrays and pointers): the shapes every construct's requests are built from.
// The allocator overview is in malloc.ts; docs/runtime-facts.md §6.
import { ModelInputError, type AllocatorRules } from './versions.ts';

/** A Go type as the allocator sees it: unsafe.Sizeof, unsafe.Alignof, and whether it holds pointers. */
export interface TypeShape {
  readonly bytes: number;
  readonly align: number;
  readonly pointers: boolean;
}

export function checkCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new ModelInputError(`invalid ${name} ${String(n)}: expected a whole number ≥ 0`);
}

export function checkType(name: string, t: TypeShape): void {
  checkCount(`${name} size`, t.bytes);
  if (!Number.isInteger(t.align) || t.align < 1 || (t.align & (t.align - 1)) !== 0) {
    throw new ModelInputError(`invalid ${name} alignment ${String(t.align)}: expected a power of two`);
  }
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** structLayout is types.CalcSize for a struct: fields in order, each aligned, total rounded to the widest alignment. */
export function structLayout(fields: readonly TypeShape[]): TypeShape {
  let off = 0;
  let align = 1;
  let pointers = false;
  for (const f of fields) {
    off = alignUp(off, f.align) + f.bytes;
    align = Math.max(align, f.align);
    pointers ||= f.pointers;
  }
  return { bytes: alignUp(off, align), align, pointers };
}

export function arrayOf(n: number, t: TypeShape): TypeShape {
  return { bytes: n * t.bytes, align: t.align, pointers: n > 0 && t.pointers };
}

export function ptrType(rules: AllocatorRules): TypeShape {
  return { bytes: rules.ptrSize, align: rules.ptrSize, pointers: true };
}
