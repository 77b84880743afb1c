// What the user reads about an allocation site — hover markdown, the inline hint and the
// Heap view's tree — computed here, in the pure core, so the CLI, the editor and the
// tests all say the same thing. The UI only wraps these strings and models in vscode
// types (src/ui/hover.ts, hints.ts, heapView.ts).
//
// Compiler-provided text (expressions, flow steps, type names) can contain anything a Go
// source file can: backticks, brackets, `<script>`, pipes. It always goes through
// escapeMarkdown, so it shows literally and never becomes a link, HTML or a table cell break.
import type { Prediction } from '../alloc/malloc.ts';
import { spanClassName } from '../alloc/spanclass.ts';
import type { AllocationSite, Construct, FlowStepAt } from './site.ts';

/** siteId: a stable key for a site within one analysis (tree ids, reveal arguments, workload rows). */
export function siteId(site: Pick<AllocationSite, 'file' | 'line' | 'column' | 'expr'>): string {
  return `${site.file}:${site.line}:${site.column}:${site.expr}`;
}

/**
 * escapeMarkdown makes arbitrary text render literally in CommonMark/GFM: every ASCII
 * punctuation character is backslash-escaped (CommonMark §2.4 allows it for all of them),
 * and line breaks become spaces so a hostile string cannot start a block.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ').replace(/[\\`*_{}[\]()#+\-.!|<>~&"'=:;,/?@$%^]/g, (c) => `\\${c}`);
}

/** formatBytes: exact bytes, with a binary-unit gloss above 1 KiB ("40960 B (40 KiB)"). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return `${bytes} B (${compactBytes(bytes)})`;
}

/** compactBytes: the shortest honest form ("48 B", "40 KiB", "1.5 MiB"); used where space is tight. */
export function compactBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${bytes} B`;
  const s = Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1).replace(/\.?0+$/, '');
  return `${s} ${units[u]}`;
}

/** scanWord: the span kind as the runtime names it. */
function scanWord(p: Prediction): string {
  return p.noscan ? 'noscan' : 'scan';
}

/** spanBytes: bytes of one span of the prediction's span class. */
function spanBytes(p: Prediction): number {
  return p.npages * 8192;
}

/**
 * wastePerSpanBytes: span bytes holding no object — the slots' rounding waste is per object;
 * this is the tail plus in-span reserves (heap bits, inline mark bits), as (*mheap).initSpan leaves them.
 */
export function spanTailBytes(p: Prediction): number {
  if (p.kind === 'large') return p.slotBytes - p.requestBytes;
  if (p.kind !== 'small' && p.kind !== 'tiny') return 0;
  return spanBytes(p) - p.objectsPerSpan * p.slotBytes;
}

/**
 * hintText: the compact after-line text, e.g. `⇡ 40→48 B · c5 scan`. The arrow shows the request
 * rounding up to the slot; a single number means the request fills its slot exactly.
 */
export function hintText(site: AllocationSite): string {
  const p = site.prediction;
  if (!site.escapes || p.kind === 'stack') return `· stack${p.requestBytes ? ` ${p.requestBytes} B` : ''}`;
  const sizes = p.requestBytes === p.slotBytes ? `${p.requestBytes} B` : `${p.requestBytes}→${p.slotBytes} B`;
  switch (p.kind) {
    case 'zero':
      return '⇡ 0 B · zerobase';
    case 'tiny':
      return `⇡ ${p.requestBytes} B · tiny c${p.sizeClass} noscan`;
    case 'small':
      return `⇡ ${sizes} · ${spanClassName(p.spanClass)}`;
    case 'large':
      return `⇡ ${p.requestBytes} B · large ${p.npages}p ${scanWord(p)}`;
    case 'unknown': {
      const d = site.dynamic;
      if (d && d.length > 0) {
        const first = d[0]!.prediction;
        const last = d[d.length - 1]!.prediction;
        return `⇡ n-sized · ${classShort(first)}…${classShort(last)}`;
      }
      return '⇡ size unknown';
    }
  }
}

function classShort(p: Prediction): string {
  switch (p.kind) {
    case 'tiny':
      return 'tiny';
    case 'small':
      return `c${p.sizeClass}`;
    case 'large':
      return 'large';
    case 'zero':
      return 'zero';
    default:
      return '?';
  }
}

/** Position of a flow step for the reveal command; relative files are resolved against the site's file by the UI. */
export interface RevealTarget {
  readonly file: string;
  readonly line: number;
  readonly column?: number;
  /** The site's absolute file, for resolving a relative `file`. */
  readonly base: string;
}

export interface HoverOptions {
  /** Command id linked from flow steps (e.g. `goHeap.revealPosition`); no links when absent. */
  readonly revealCommand?: string;
  /** Most dynamic-size ranges to list (default 8). */
  readonly maxRanges?: number;
}

/**
 * keyStep picks the flow step that explains the escape: the last step with a reason in
 * parentheses (the sink: return, call parameter, assignment to a heap location), else the last step.
 */
export function keyStep(reason: readonly FlowStepAt[]): FlowStepAt | undefined {
  for (let i = reason.length - 1; i >= 0; i--) if (reason[i]!.why) return reason[i];
  return reason[reason.length - 1];
}

function stepLink(step: FlowStepAt, site: AllocationSite, opts: HoverOptions): string {
  if (!step.file || !step.line) return '';
  const where = `${basename(step.file)}:${step.line}${step.column ? `:${step.column}` : ''}`;
  if (!opts.revealCommand) return ` (${escapeMarkdown(where)})`;
  const target: RevealTarget = { file: step.file, line: step.line, base: site.file, ...(step.column ? { column: step.column } : {}) };
  return ` ([${escapeMarkdown(where)}](command:${opts.revealCommand}?${commandArgs([target])}))`;
}

/** commandArgs encodes command-link arguments; parentheses too, so a path cannot end the link early. */
export function commandArgs(args: readonly unknown[]): string {
  return encodeURIComponent(JSON.stringify(args)).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function basename(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i >= 0 ? p.slice(i + 1) : p;
}

/** requestLine: what mallocgc is asked for and why that many bytes. */
function requestText(site: AllocationSite, p: Prediction): string {
  const parts = [`${formatBytes(p.requestBytes)}`];
  const t = site.type;
  if (t) {
    const facts = [`type ${escapeMarkdown(t.name)}`];
    if (t.size !== null) facts.push(`size ${t.size} B`);
    if (t.ptrBytes !== null) facts.push(t.ptrBytes > 0 ? `${t.ptrBytes} pointer bytes` : 'no pointers');
    parts.push(`(${facts.join(', ')})`);
  }
  if (site.elements) {
    const e = site.elements;
    const n = e.cap ?? e.len;
    parts.push(`— ${n === null ? 'n' : n} × ${escapeMarkdown(e.type.name)}${e.type.size !== null ? ` (${e.type.size} B)` : ''}`);
  }
  if (p.headerBytes > 0) parts.push(`\\+ ${p.headerBytes} B malloc header`);
  return parts.join(' ');
}

/** predictionRows: the table rows describing where one object lands (shared by hover and CLI text). */
export function predictionRows(p: Prediction): [string, string][] {
  switch (p.kind) {
    case 'zero':
      return [['Lands in', 'no allocation: zero-size objects share runtime.zerobase']];
    case 'stack':
      return [['Lands in', 'the stack (does not escape): no heap allocation']];
    case 'unknown':
      return [['Lands in', 'unknown: the size is not known at compile time']];
    case 'tiny': {
      const per = p.tinyPerBlock ?? 1;
      return [
        ['Size class', `${p.sizeClass} · 16 B tiny block shared by up to ${per} such object${per === 1 ? '' : 's'}`],
        ['Span class', `${p.spanClass} (${spanClassName(p.spanClass)}, the tiny allocator)`],
        ['Span', `${p.npages} page${p.npages === 1 ? '' : 's'} · ${p.objectsPerSpan} blocks`],
        ['Waste', `${p.wasteBytes} B/object · ${spanTailBytes(p)} B/span`],
      ];
    }
    case 'small':
      return [
        ['Size class', `${p.sizeClass} · ${p.slotBytes} B slot`],
        ['Span class', `${p.spanClass} (${spanClassName(p.spanClass)})`],
        ['Span', `${p.npages} page${p.npages === 1 ? '' : 's'} (${formatBytes(spanBytes(p))}) · ${p.objectsPerSpan} objects`],
        [
          'Waste',
          `${p.wasteBytes} B/object · ${spanTailBytes(p)} B/span${p.spanReserveBytes ? ` (${p.spanReserveBytes} B reserved for mark/heap bits)` : ''}`,
        ],
      ];
    case 'large':
      return [
        ['Size class', `0 (large object, > ${p.goVersion && Number(p.goVersion.split('.')[1]) >= 22 ? '32760' : '32768'} B)`],
        ['Span class', `${p.spanClass} (${spanClassName(p.spanClass)}), its own span`],
        ['Span', `${p.npages} page${p.npages === 1 ? '' : 's'} (${formatBytes(p.slotBytes)}) · 1 object`],
        ['Waste', `${p.wasteBytes} B (page rounding)`],
      ];
  }
}

function table(rows: readonly [string, string][]): string {
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

const constructWords: Record<Construct, string> = {
  new: 'new(T)',
  'composite-lit': 'composite literal',
  'make-slice': 'make (slice)',
  'make-map': 'make (map)',
  'make-chan': 'make (chan)',
  append: 'append (growslice)',
  'string-concat': 'string concatenation',
  'string-conv': 'string conversion',
  'bytes-conv': '[]byte conversion',
  'runes-conv': '[]rune conversion',
  closure: 'closure',
  'moved-to-heap': 'variable moved to heap',
  'interface-conv': 'interface conversion',
  variadic: 'variadic arguments',
  other: 'allocation',
};

/** constructLabel: a construct as the UI names it. */
export function constructLabel(c: Construct): string {
  return constructWords[c];
}

/**
 * hoverMarkdown: the full hover for one site. Every compiler-provided string is escaped; the only
 * links are flow-step positions through `opts.revealCommand`.
 */
export function hoverMarkdown(site: AllocationSite, opts: HoverOptions = {}): string {
  const p = site.prediction;
  const out: string[] = [];
  const verdict = site.escapes ? (site.construct === 'moved-to-heap' ? 'moved to heap' : 'escapes to heap') : 'does not escape';
  out.push(`**Go Heap Lens** · ${escapeMarkdown(site.expr)} — ${verdict} (${constructLabel(site.construct)})`);
  const key = keyStep(site.reason);
  if (site.escapes && key) {
    out.push('', `**Why:** ${escapeMarkdown(key.text)}${key.why ? ` — *${escapeMarkdown(key.why)}*` : ''}${stepLink(key, site, opts)}`);
    if (site.reason.length > 1) {
      const steps = site.reason.slice(0, 8).map((s, i) => `${i + 1}. ${escapeMarkdown(s.text)}${stepLink(s, site, opts)}`);
      if (site.reason.length > 8) steps.push(`${9}. … ${site.reason.length - 8} more steps`);
      out.push('', ...steps);
    }
  }
  out.push('', `**Requested:** ${requestText(site, p)}`);
  out.push('', table(predictionRows(p)));
  if (site.objects && site.objects.length > 1) {
    out.push('', '**Objects allocated:**', '');
    for (const o of site.objects) out.push(`- ${escapeMarkdown(o.what)}: ${objectSummary(o.prediction)}`);
  }
  if (site.dynamic && site.dynamic.length > 0) {
    const max = opts.maxRanges ?? 8;
    out.push('', '**Size class by n:**', '');
    for (const r of site.dynamic.slice(0, max)) {
      const range = r.maxN === null ? `n ≥ ${r.minN}` : r.minN === r.maxN ? `n = ${r.minN}` : `${r.minN} ≤ n ≤ ${r.maxN}`;
      out.push(`- ${range}: ${objectSummary(r.prediction)}`);
    }
    if (site.dynamic.length > max) out.push(`- … ${site.dynamic.length - max} more ranges`);
  }
  out.push('', `*Model: go${escapeMarkdown(p.goVersion)} ${escapeMarkdown(p.arch)}*`);
  return out.join('\n');
}

/** objectSummary: one line for one object's landing place ("48 B slot, c5 scan, 170/span"). */
export function objectSummary(p: Prediction): string {
  switch (p.kind) {
    case 'zero':
      return 'zerobase (no allocation)';
    case 'stack':
      return 'stack';
    case 'unknown':
      return 'size unknown';
    case 'tiny':
      return `${p.requestBytes} B in a 16 B tiny block (span class ${p.spanClass})`;
    case 'small':
      return `${p.requestBytes} B → ${p.slotBytes} B slot, span class ${p.spanClass} (${spanClassName(p.spanClass)}), ${p.objectsPerSpan}/span`;
    case 'large':
      return `${p.requestBytes} B → large, ${p.npages} pages, span class ${p.spanClass} (${scanWord(p)})`;
  }
}

// ---- Heap view models -------------------------------------------------------------------

export interface SiteFilter {
  /** Hide sites that stay on the stack. */
  readonly escapingOnly: boolean;
  /** Hide sites whose slot is smaller than this (0 = all). */
  readonly minBytes: number;
  /** Only these constructs (empty/absent = all). */
  readonly constructs?: readonly Construct[];
}

export function filterSites(sites: readonly AllocationSite[], f: SiteFilter): AllocationSite[] {
  return sites.filter((s) => {
    if (f.escapingOnly && (!s.escapes || s.prediction.kind === 'stack')) return false;
    if (f.minBytes > 0 && Math.max(s.prediction.slotBytes, s.prediction.requestBytes) < f.minBytes) return false;
    if (f.constructs && f.constructs.length > 0 && !f.constructs.includes(s.construct)) return false;
    return true;
  });
}

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

function siteLeaf(s: AllocationSite, parentId: string, showClass: boolean): HeapTreeNode {
  const p = s.prediction;
  const id = `${parentId}/${siteId(s)}`;
  const where = `${basename(s.file)}:${s.line}`;
  const cls = showClass
    ? ` · ${hintText(s).replace(/^⇡ /, '')}`
    : p.requestBytes === p.slotBytes
      ? ` · ${p.slotBytes} B`
      : ` · ${p.requestBytes}→${p.slotBytes} B`;
  return {
    id,
    parentId,
    kind: 'site',
    label: s.expr,
    description: `${where}${cls}`,
    tooltip: `${s.expr}\n${s.file}:${s.line}:${s.column}\n${objectSummary(p)}`,
    children: [],
    site: { id: siteId(s), file: s.file, line: s.line, column: s.column },
  };
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

function spanClassGroupLabel(p: Prediction): { label: string; order: number; detail: string } {
  switch (p.kind) {
    case 'tiny':
      return {
        label: `span class ${p.spanClass} · tiny 16 B blocks (noscan)`,
        order: p.spanClass,
        detail: `${p.objectsPerSpan} blocks/span · ${p.npages} page`,
      };
    case 'small':
      return {
        label: `span class ${p.spanClass} · ${p.slotBytes} B ${scanWord(p)} (c${p.sizeClass})`,
        order: p.spanClass,
        detail: `${p.objectsPerSpan} objects/span · ${p.npages} page${p.npages === 1 ? '' : 's'}`,
      };
    case 'large':
      return { label: `span class ${p.spanClass} · large ${scanWord(p)}`, order: p.spanClass, detail: 'one span per object' };
    case 'zero':
      return { label: 'zero-size (zerobase)', order: 1000, detail: 'no allocation' };
    case 'stack':
      return { label: 'stack (does not escape)', order: 1001, detail: 'no heap allocation' };
    case 'unknown':
      return { label: 'size unknown', order: 1002, detail: 'dynamic or type-parameter size' };
  }
}

function plural(n: number, w: string): string {
  return `${n} ${w}${n === 1 ? '' : 's'}`;
}

/** heapTree: the Heap view's roots for a grouping, with sites sorted by file position. */
export function heapTree(sites: readonly AllocationSite[], grouping: HeapGrouping): HeapTreeNode[] {
  const sorted = [...sites].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
  if (grouping === 'spanClass') {
    const groups = new Map<string, { p: Prediction; sites: AllocationSite[] }>();
    for (const s of sorted) {
      const k = spanClassKey(s.prediction);
      const g = groups.get(k);
      if (g) g.sites.push(s);
      else groups.set(k, { p: s.prediction, sites: [s] });
    }
    return [...groups.entries()]
      .map(([k, g]) => ({ k, g, l: spanClassGroupLabel(g.p) }))
      .sort((a, b) => a.l.order - b.l.order)
      .map(({ k, g, l }) => {
        const id = `spanClass:${k}`;
        const bytes = g.sites.reduce((n, s) => n + s.prediction.slotBytes, 0);
        return {
          id,
          parentId: undefined,
          kind: 'spanClass' as const,
          label: l.label,
          description: `${plural(g.sites.length, 'site')} · ${compactBytes(bytes)} per pass`,
          tooltip: `${l.label}\n${l.detail}\n${plural(g.sites.length, 'site')}, ${bytes} B of slots if each runs once`,
          children: g.sites.map((s) => siteLeaf(s, id, false)),
        };
      });
  }
  const pkgs = new Map<string, Map<string, AllocationSite[]>>();
  for (const s of sorted) {
    const pkg = s.package ?? '(unknown package)';
    const fn = s.func ?? '(function not reported)';
    let fns = pkgs.get(pkg);
    if (!fns) pkgs.set(pkg, (fns = new Map()));
    const list = fns.get(fn);
    if (list) list.push(s);
    else fns.set(fn, [s]);
  }
  return [...pkgs.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([pkg, fns]) => {
      const pid = `package:${pkg}`;
      const all = [...fns.values()].flat();
      const bytes = all.reduce((n, s) => n + s.prediction.slotBytes, 0);
      return {
        id: pid,
        parentId: undefined,
        kind: 'package' as const,
        label: pkg,
        description: `${plural(all.length, 'site')} · ${compactBytes(bytes)} per pass`,
        tooltip: `package ${pkg}`,
        children: [...fns.entries()].map(([fn, list]) => {
          const fid = `${pid}/func:${fn}`;
          const fb = list.reduce((n, s) => n + s.prediction.slotBytes, 0);
          return {
            id: fid,
            parentId: pid,
            kind: 'func' as const,
            label: fn,
            description: `${plural(list.length, 'site')} · ${compactBytes(fb)}`,
            tooltip: `${pkg}.${fn}`,
            children: list.map((s) => siteLeaf(s, fid, true)),
          };
        }),
      };
    });
}

/**
 * heapPageSize: most children the Heap view lists under one node (and at the top) before a
 * "Show N more…" item. A 200 k-site workspace would otherwise become one tree node per site,
 * which the tree renders and diffs as a whole; a page keeps each expansion small. Group totals
 * are computed by heapTree over every site, so paging never changes a count.
 */
export const heapPageSize = 200;

/**
 * pagedChildren: the first `shown` of `children` (at least one page), followed, when some are
 * left out, by a 'more' item naming how many the next page adds and how many are hidden.
 * `parentId` is the node whose children these are (undefined for the roots); the 'more' item's
 * `more.nodeId` is what the UI passes back to showMore.
 */
export function pagedChildren(
  parentId: string | undefined,
  children: readonly HeapTreeNode[],
  shown: number,
  pageSize = heapPageSize,
): HeapTreeNode[] {
  const limit = Math.max(pageSize, shown);
  if (children.length <= limit) return [...children];
  const hidden = children.length - limit;
  const next = Math.min(pageSize, hidden);
  return [
    ...children.slice(0, limit),
    {
      id: `more:${parentId ?? ''}`,
      parentId,
      kind: 'more',
      label: `Show ${next} more…`,
      description: `${limit} of ${children.length} shown`,
      tooltip: `${limit} of ${children.length} shown; ${hidden} more not listed yet. Click to list the next ${next}.`,
      children: [],
      more: { nodeId: parentId, shown: limit, total: children.length },
    },
  ];
}

/** showMore: how many children of a node to list after its 'more' item was clicked once. */
export function showMore(shown: number, total: number, pageSize = heapPageSize): number {
  return Math.min(total, Math.max(pageSize, shown) + pageSize);
}

/** heapSummary: the one-line status text ("12 heap sites · go1.26 amd64"). */
export function heapSummary(sites: readonly AllocationSite[], goVersion: string, arch: string): string {
  const heap = sites.filter((s) => s.escapes && s.prediction.kind !== 'stack').length;
  return `${plural(heap, 'heap site')} · go${goVersion.replace(/^go/, '')} ${arch}`;
}
