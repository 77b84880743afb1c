// Which site a cursor position means. No vscode import (unit-tested directly).
import type { AllocationSite } from '../core/sites/site.ts';

/**
 * siteAtPosition picks the site on `line` (1-based) whose expression starts at or before the cursor
 * (0-based UTF-16 `character`), nearest first; when the cursor is left of every site, the first site on
 * the line. Returns the site and the [start, end) character span it owns on the line: up to the next
 * site's start, or the line's end.
 */
export function siteAtPosition(sites: readonly AllocationSite[], line: number, character: number, lineLength: number):
  { site: AllocationSite; start: number; end: number } | undefined {
  const onLine = sites.filter((s) => s.line === line).sort((a, b) => a.column - b.column);
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
  return sites.filter((s) => s.line === site.line && s.column === site.column);
}
