// The Simulate Heap panel's picture of a loaded heap profile: where the measured bytes go, package →
// function → site, each site coloured by its span class (webview/flame.ts draws it). The host sends
// the heaviest sites only, so the message stays small whatever the profile; the rest is a sum.
import { spanClassName } from '../core/alloc/spanclass.ts';
import type { MeasuredSite } from '../core/profile/join.ts';
import { basename } from '../core/sites/markdown.ts';
import { siteId } from '../core/sites/selection.ts';

export interface PictureSite {
  readonly id: string;
  /** Import path, as the analysis names it (render as text only, like every name here). */
  readonly pkg: string;
  readonly func: string;
  readonly label: string;
  /** "main.go:59". */
  readonly where: string;
  readonly bytes: number;
  readonly objects: number;
  /** The predicted span class; -1 for a site whose size is known only at run time. */
  readonly spanClass: number;
  /** "c27 scan", "large noscan", "size at run time". */
  readonly cls: string;
}

export interface MeasuredPicture {
  /** What was measured: "BenchmarkDemo", "mem.pprof". */
  readonly title: string;
  /** The profile's alloc_space; the picture's width. */
  readonly totalBytes: number;
  /** Heaviest first. */
  readonly sites: readonly PictureSite[];
  /** Sites left out (beyond maxPictureSites) and their bytes; unattributed bytes are neither. */
  readonly leftOff: number;
  readonly leftOffBytes: number;
}

export const maxPictureSites = 1000;

/** measuredPicture: the heaviest `max` measured sites as the picture's input. */
export function measuredPicture(
  measured: readonly MeasuredSite[],
  title: string,
  totalBytes: number,
  max = maxPictureSites,
): MeasuredPicture | undefined {
  const heavy = [...measured].filter((m) => m.measured.bytes > 0).sort((a, b) => b.measured.bytes - a.measured.bytes);
  if (heavy.length === 0 || totalBytes <= 0) return undefined;
  const sites = heavy.slice(0, max).map(({ site, measured: m }): PictureSite => {
    const p = site.prediction;
    const sized = site.escapes && (p.kind === 'small' || p.kind === 'tiny' || p.kind === 'large');
    return {
      id: siteId(site),
      pkg: site.package ?? '(unknown package)',
      func: site.func ?? '(function unknown)',
      label: site.expr,
      where: `${basename(site.file)}:${site.line}`,
      bytes: m.bytes,
      objects: m.objects,
      spanClass: sized ? p.spanClass : -1,
      cls: sized ? spanClassName(p.spanClass) : 'size at run time',
    };
  });
  const rest = heavy.slice(max);
  return { title, totalBytes, sites, leftOff: rest.length, leftOffBytes: rest.reduce((n, m) => n + m.measured.bytes, 0) };
}
