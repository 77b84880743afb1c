// spanClass: a size class and a noscan bit in one byte. Mirrors runtime/mheap.go.
// See malloc.ts for the overview.

/** numSpanClasses = numSizeClasses << 1: one mcentral and one mcache slot per span class. */
export const numSpanClasses = 136;

/** makeSpanClass(sizeclass, noscan) = sizeclass<<1 | noscan. Span class 0/1 = large scan/noscan. */
export function makeSpanClass(sizeClass: number, noscan: boolean): number {
  return (sizeClass << 1) | (noscan ? 1 : 0);
}

export function spanClassSizeClass(spc: number): number {
  return spc >> 1;
}

export function spanClassNoscan(spc: number): boolean {
  return (spc & 1) !== 0;
}

/** tinySpanClass: size class 2 (16 B), noscan. */
export const tinySpanClass = 5;

/** spanClassName renders a span class the way the UI shows it: "c6 scan", "c2 noscan", "large scan". */
export function spanClassName(spc: number): string {
  const sc = spanClassSizeClass(spc);
  const kind = spanClassNoscan(spc) ? 'noscan' : 'scan';
  return sc === 0 ? `large ${kind}` : `c${sc} ${kind}`;
}
