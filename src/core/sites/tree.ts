// The Heap view's model: sites grouped by span class or by package → function, heaviest first,
// with labels short enough that the counts survive a default-width sidebar (the numbers sit in
// the description, right after a short label). Plain data: src/ui/heapView.ts only maps it to
// TreeItems; filters and counts are in selection.ts, paging in paging.ts.
import { allocationKinds } from './allocKind.ts';
import type { Prediction } from '../alloc/malloc.ts';
import { spanClassName } from '../alloc/spanclass.ts';
import { heapBytes, scanWord } from './landing.ts';
import { basename, compactBytes, plural } from './markdown.ts';
import { onHeap, siteCounts, siteId } from './selection.ts';
import type { AllocationSite } from './site.ts';

export interface HeapTreeNode {
  readonly id: string;
  readonly parentId: string | undefined;
  readonly label: string;
  readonly description: string;
  /** Plain text (not markdown) tooltip. */
  readonly tooltip: string;
  /** 'spanClass' | 'package' | 'func' groups; 'site' leaves; 'more' stands for the children a page left out (pagedChildren). */
  readonly kind: 'spanClass' | 'package' | 'func' | 'site' | 'more';
  readonly children: readonly HeapTreeNode[];
  /** For leaves: the site's id (siteId) and position. */
  readonly site?: { readonly id: string; readonly file: string; readonly line: number; readonly column: number };
  /** For 'more' items: the node whose children continue (undefined: the roots) and how many are listed before it. */
  readonly more?: { readonly nodeId: string | undefined; readonly shown: number; readonly total: number };
}

export type HeapGrouping = 'spanClass' | 'package';

/** The heap bytes of a group when each of its sites runs once, and whether some sites have no known size. */
interface Weight {
  readonly bytes: number;
  readonly unknown: number;
  readonly heap: number;
  /** Heap sites that allocate nothing (zerobase, static data). */
  readonly none: number;
}

function weigh(sites: readonly AllocationSite[]): Weight {
  const c = siteCounts(sites);
  let bytes = 0;
  for (const s of sites) if (onHeap(s)) bytes += heapBytes(s.prediction);
  return { bytes, unknown: c.unknownSize, heap: c.heap, none: c.noAlloc };
}

/** weightText: a group's bytes per pass, honest about sites whose size is known only at run time. */
function weightText(w: Weight): string {
  if (w.heap === 0) return 'no heap';
  if (w.none === w.heap) return 'allocates nothing';
  if (w.unknown + w.none === w.heap) return 'size at run time';
  return `${w.unknown ? '≥ ' : ''}${compactBytes(w.bytes)}`;
}

function weightSentence(w: Weight, n: number): string {
  if (w.heap === 0 || w.none === w.heap) return `${plural(n, 'site')}, none allocating on the heap`;
  const unknown = w.unknown ? `; ${w.unknown} of them of a size known only at run time, not counted` : '';
  return `${plural(n, 'site')}: ${w.bytes} B of heap if each runs once${unknown}`;
}

/** byWeight: heaviest first; groups with no known bytes after them (by count), ties by label. */
function byWeight<T extends { readonly w: Weight; readonly n: number; readonly label: string; readonly rank?: number }>(
  a: T,
  b: T,
): number {
  return (a.rank ?? 0) - (b.rank ?? 0) || b.w.bytes - a.w.bytes || b.n - a.n || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
}

/** packageNames: each package's shortest path suffix that no other listed package shares ("http2", "x/net/http2"). */
function packageNames(pkgs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of pkgs) {
    const parts = p.split('/');
    let k = 1;
    const clash = (name: string): boolean => pkgs.some((q) => q !== p && (q === name || q.endsWith(`/${name}`)));
    while (k < parts.length && clash(parts.slice(-k).join('/'))) k++;
    out.set(p, parts.slice(-k).join('/'));
  }
  return out;
}

function siteLeaf(s: AllocationSite, parentId: string, pkgName: string | undefined): HeapTreeNode {
  const p = s.prediction;
  const id = `${parentId}/${siteId(s)}`;
  const where = `${pkgName ? `${pkgName} · ` : ''}${basename(s.file)}:${s.line}`;
  const size =
    p.kind === 'unknown'
      ? 'size at run time'
      : p.kind === 'zero'
        ? 'no alloc'
        : p.kind === 'stack' || !s.escapes
          ? 'stack'
          : p.kind === 'tiny'
            ? `${p.requestBytes} B tiny`
            : p.requestBytes === p.slotBytes
              ? `${p.slotBytes} B`
              : `${p.requestBytes}→${p.slotBytes} B`;
  const cls = p.kind === 'small' ? ` ${spanClassName(p.spanClass)}` : p.kind === 'large' ? ` large` : '';
  return {
    id,
    parentId,
    kind: 'site',
    label: s.expr,
    description: `${where} · ${size}${pkgName === undefined ? cls : ''}${allocationKinds(s)
      .map((k) => ` · ${k.short}`)
      .join('')}`,
    tooltip: `${s.expr}\n${s.package ? `package ${s.package}\n` : ''}${s.file}:${s.line}:${s.column}\n${landingTooltip(s)}`,
    children: [],
    site: { id: siteId(s), file: s.file, line: s.line, column: s.column },
  };
}

function landingTooltip(s: AllocationSite): string {
  const p = s.prediction;
  if (p.kind === 'unknown') return `size known only at run time${s.unknownReason ? `: ${s.unknownReason}` : ''}`;
  if (p.kind === 'zero') return `no heap allocation${s.notes?.length ? `: ${s.notes[0]}` : ' (zerobase)'}`;
  if (p.kind === 'stack' || !s.escapes) return 'stays on the stack';
  if (p.kind === 'large') return `large object: ${p.npages} pages in its own span, span class ${p.spanClass} (${scanWord(p)})`;
  return `${p.slotBytes} B slot, size class ${p.sizeClass}, span class ${p.spanClass} (${spanClassName(p.spanClass)}), ${p.objectsPerSpan} per span`;
}

function spanClassKey(p: Prediction): string {
  switch (p.kind) {
    case 'small':
    case 'tiny':
    case 'large':
      return `spc${p.spanClass}`;
    default:
      return p.kind;
  }
}

/** A span-class group's short label (what survives a narrow sidebar), its long name and its sort rank (0: by bytes). */
function spanClassGroup(p: Prediction): { label: string; name: string; rank: number } {
  switch (p.kind) {
    case 'tiny':
      return {
        label: `tiny · c${p.sizeClass} noscan`,
        name: `span class ${p.spanClass} (${spanClassName(p.spanClass)}): the tiny allocator's 16 B blocks, ${p.objectsPerSpan} per ${p.npages}-page span`,
        rank: 0,
      };
    case 'small':
      return {
        label: `${p.slotBytes} B · ${spanClassName(p.spanClass)}`,
        name: `span class ${p.spanClass} (${spanClassName(p.spanClass)}): ${p.slotBytes} B slots, ${p.objectsPerSpan} per ${p.npages}-page span`,
        rank: 0,
      };
    case 'large':
      return {
        label: `large · ${scanWord(p)}`,
        name: `span class ${p.spanClass} (large ${scanWord(p)}): objects over the size classes, one span each`,
        rank: 0,
      };
    case 'unknown':
      return { label: 'size unknown', name: 'size known only at run time (a run-time length, a type parameter, no type facts)', rank: 1 };
    case 'zero':
      return {
        label: 'no allocation',
        name: 'allocates nothing: zero-size objects share runtime.zerobase; constants are static data',
        rank: 2,
      };
    case 'stack':
      return { label: 'stack', name: 'stays on the stack (does not escape): no heap allocation', rank: 3 };
  }
}

function positionOrder(a: AllocationSite, b: AllocationSite): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column;
}

/** The func label for sites whose function is not known, and why it is not. */
const noFunc = '(function unknown)';
const noFuncWhy =
  'The type-facts helper has no fact at these positions (e.g. generated or cgo code, a file it did not load) and the compiler message names no function.';

/** heapTree: the Heap view's roots for a grouping, heaviest first (bytes if each site runs once); leaves by file position. */
export function heapTree(sites: readonly AllocationSite[], grouping: HeapGrouping): HeapTreeNode[] {
  const sorted = [...sites].sort(positionOrder);
  const pkgNames = packageNames([...new Set(sorted.map((s) => s.package ?? ''))].filter((p) => p !== ''));
  if (grouping === 'spanClass') {
    const groups = new Map<string, { p: Prediction; sites: AllocationSite[] }>();
    for (const s of sorted) {
      const k = spanClassKey(s.prediction);
      const g = groups.get(k);
      if (g) g.sites.push(s);
      else groups.set(k, { p: s.prediction, sites: [s] });
    }
    return [...groups.entries()]
      .map(([k, g]) => {
        const l = spanClassGroup(g.p);
        return { k, g, l, label: l.label, rank: l.rank, w: weigh(g.sites), n: g.sites.length };
      })
      .sort(byWeight)
      .map(({ k, g, l, w, n }) => {
        const id = `spanClass:${k}`;
        return {
          id,
          parentId: undefined,
          kind: 'spanClass' as const,
          label: l.label,
          // Groups with no bytes to show (rank > 0) say so in their label: the count alone keeps the row short.
          description: l.rank > 0 ? plural(n, 'site') : `${plural(n, 'site')} · ${weightText(w)}`,
          tooltip: `${l.name}\n${weightSentence(w, n)}`,
          children: g.sites.map((s) => siteLeaf(s, id, s.package ? pkgNames.get(s.package) : '')),
        };
      });
  }
  const pkgs = new Map<string, Map<string, AllocationSite[]>>();
  for (const s of sorted) {
    const pkg = s.package ?? '(unknown package)';
    const fn = s.func ?? noFunc;
    let fns = pkgs.get(pkg);
    if (!fns) pkgs.set(pkg, (fns = new Map()));
    const list = fns.get(fn);
    if (list) list.push(s);
    else fns.set(fn, [s]);
  }
  return [...pkgs.entries()]
    .map(([pkg, fns]) => {
      const all = [...fns.values()].flat();
      return { pkg, fns, label: pkgNames.get(pkg) ?? pkg, w: weigh(all), n: all.length };
    })
    .sort(byWeight)
    .map(({ pkg, fns, label, w, n }) => {
      const pid = `package:${pkg}`;
      return {
        id: pid,
        parentId: undefined,
        kind: 'package' as const,
        label,
        description: `${plural(n, 'site')} · ${weightText(w)}`,
        tooltip: `package ${pkg}\n${weightSentence(w, n)}`,
        children: [...fns.entries()]
          .map(([fn, list]) => ({ fn, list, label: fn, w: weigh(list), n: list.length, rank: fn === noFunc ? 1 : 0 }))
          .sort(byWeight)
          .map(({ fn, list, w: fw, n: fnN }) => {
            const fid = `${pid}/func:${fn}`;
            return {
              id: fid,
              parentId: pid,
              kind: 'func' as const,
              label: fn,
              description: `${plural(fnN, 'site')} · ${weightText(fw)}`,
              tooltip: `${fn === noFunc ? `${noFuncWhy}\n` : `${pkg}.${fn}\n`}${weightSentence(fw, fnN)}`,
              children: list.map((s) => siteLeaf(s, fid, undefined)),
            };
          }),
      };
    });
}
