// Which site a cursor position means: the hover's lookup, pure (the bench times it too).
import type { AllocationSite } from './site.ts';

/**
 * Sites of one file by line, each line's sites sorted by column (stable: equal columns keep the
 * array's order). Built once per sites array and kept while the array lives: a hover then costs
 * O(sites on the line) instead of a filter and sort of the whole file, which was most of a hover
 * on a 10 k-site file (bench/RESULTS.md). The arrays come from an analysis result and are never
 * mutated after it (they are readonly everywhere).
 */
const lineIndexes = new WeakMap<readonly AllocationSite[], Map<number, AllocationSite[]>>();

function sitesOnLine(sites: readonly AllocationSite[], line: number): readonly AllocationSite[] {
  let index = lineIndexes.get(sites);
  if (!index) {
    index = new Map();
    for (const s of sites) {
      const l = index.get(s.line);
      if (l) l.push(s);
      else index.set(s.line, [s]);
    }
    for (const l of index.values()) l.sort((a, b) => a.column - b.column);
    lineIndexes.set(sites, index);
  }
  return index.get(line) ?? [];
}

/**
 * siteAtPosition picks the site on `line` (1-based) whose expression starts at or before the cursor
 * (0-based UTF-16 `character`), nearest first; when the cursor is left of every site, the first site on
 * the line. Returns the site and the [start, end) character span it owns on the line: up to the next
 * site's start, or the line's end.
 */
export function siteAtPosition(
  sites: readonly AllocationSite[],
  line: number,
  character: number,
  lineLength: number,
): { site: AllocationSite; start: number; end: number } | undefined {
  const onLine = sitesOnLine(sites, line);
  if (onLine.length === 0) return undefined;
  let i = -1;
  for (let k = 0; k < onLine.length; k++) if (onLine[k]!.column - 1 <= character) i = k;
  if (i < 0) i = 0;
  // Several sites at one column (e.g. a closure and its captured variable): the first one wins here,
  // the hover lists the others.
  const site = onLine[i]!;
  const start = Math.min(site.column - 1, character);
  const next = onLine.find((s) => s.column > site.column);
  const end = Math.max(start + 1, Math.min(lineLength, next ? next.column - 1 : lineLength));
  return { site, start, end };
}

/** sitesAtSameColumn: every site sharing `site`'s position (shown together in one hover). */
export function sitesAtSameColumn(sites: readonly AllocationSite[], site: AllocationSite): AllocationSite[] {
  return sitesOnLine(sites, site.line).filter((s) => s.column === site.column);
}
