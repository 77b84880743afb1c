// The Simulate Heap panel's wire protocol: every message between the extension host
// (src/ui/panel.ts) and the webview (webview/main.ts), with validators both sides run
// before using a message. Neither side trusts the other: the webview is a browser page,
// and its state can be restored from an older version of this file.
//
// Flow: webview → `ready`; host → `init` (the analysed sites as workload rows); webview →
// `run` (counts, Go version, GOMAXPROCS, GOGC); host → `snapshots` batches until `done`
// (the simulation runs in the host, see src/ui/panel.ts for why); `cancel` stops a run.
import { maxPictureSites, type MeasuredPicture, type PictureSite } from './measuredPicture.ts';

export const protocolVersion = 1;

/** One analysed site offered as a workload row. */
export interface WorkloadSite {
  readonly id: string;
  /** The expression, verbatim from the compiler (render as text only). */
  readonly label: string;
  /** "main.go:12". */
  readonly where: string;
  /** mallocgc's size argument per object. */
  readonly bytes: number;
  readonly pointers: boolean;
  /** The hint text (present.ts hintText) for this site. */
  readonly hint: string;
}

export interface SimSettings {
  readonly go: string;
  readonly procs: number;
  readonly gogc: 'off' | number;
}

export interface WorkloadRow {
  readonly id: string;
  readonly count: number;
  readonly keep: boolean;
}

export const counterNames = [
  'heapInuseBytes',
  'heapAllocBytes',
  'spansInUse',
  'pagesInUse',
  'largeObjects',
  'tinyAllocs',
  'mcacheRefills',
  'heapGrows',
  'arenas',
  'internalWasteBytes',
  'externalFreeBytes',
  'gcCycles',
] as const;
export type CounterName = (typeof counterNames)[number];

/** One span class's in-use spans and where their bytes go (span class 0/1: large objects). */
export interface ClassRow {
  readonly spanClass: number;
  readonly sizeClass: number;
  readonly noscan: boolean;
  /** Slot size; 0 for large objects (one object per span). */
  readonly slotBytes: number;
  readonly spans: number;
  readonly objects: number;
  readonly freeSlots: number;
  /** Pages × 8 KiB. */
  readonly spanBytes: number;
  /** What the program asked for, in the allocated slots. */
  readonly requestBytes: number;
  /** Allocated beyond the request: class rounding, malloc headers, tiny padding, a large object's last page. */
  readonly wasteBytes: number;
  /** Free slots × slot size. */
  readonly freeBytes: number;
  /** Heap bits, inline mark bits and the tail after the last slot. */
  readonly reserveBytes: number;
}

export interface MCacheView {
  readonly p: number;
  /** The span cached per span class (only classes with a span). */
  readonly spans: readonly { readonly spanClass: number; readonly allocCount: number; readonly nelems: number }[];
  /** Offset into the current 16 B tiny block, null when there is none. */
  readonly tinyOffset: number | null;
  /** Free pages in the P's page cache. */
  readonly pageCachePages: number;
}

/** One mcentral's span sets (only span classes with a span in some set). */
export interface MCentralView {
  readonly spanClass: number;
  readonly partialSwept: number;
  readonly partialUnswept: number;
  readonly fullSwept: number;
  readonly fullUnswept: number;
}

/**
 * The page map of one step at a resolution that keeps the message small whatever the heap's
 * size: the mapped pages in cells of `pagesPerCell` pages (a power of two), at most
 * limits.maxPageCells cells, each drawn as the span that covers most of it.
 */
export interface PageMapView {
  readonly arenas: number;
  readonly pagesPerArena: number;
  readonly pagesMapped: number;
  readonly pagesPerCell: number;
  /** Cells in address order, run-length encoded: pairs of (owner span index + 1, or 0 for none; run length). */
  readonly cellRuns: readonly number[];
  /**
   * In-use pages per cell, run-length encoded like cellRuns (pairs: pages, run length); empty
   * when a cell is one page (a cell is then in use iff it has an owner).
   */
  readonly cellInUseRuns: readonly number[];
  /**
   * The owner spans, `spanFields` numbers each. With pagesPerCell > 1 an entry of a small span
   * class stands for every owner of that class and fullness: basePage -1, npages 0, and
   * allocCount/nelems the fullness; large objects always have their own entry.
   */
  readonly spans: readonly number[];
  readonly spansInUse: number;
}

/** The fields of PageMapView.spans, in order. */
export const spanFields = ['basePage', 'npages', 'spanClass', 'allocCount', 'nelems'] as const;

/** What the panel draws for one step of a run (converted from the simulator by the host: snapshot.ts). */
export interface PanelSnapshot {
  readonly step: number;
  readonly totalSteps: number;
  /** What the step did ("alloc 1000 × 48 B scan", "GC"). */
  readonly label: string;
  readonly counters: Readonly<Record<CounterName, number>>;
  /** The pacer's goal, null with GOGC=off. */
  readonly heapGoalBytes: number | null;
  readonly classes: readonly ClassRow[];
  readonly mcaches: readonly MCacheView[];
  readonly mcentrals: readonly MCentralView[];
  readonly pages: PageMapView;
}

export type HostToWebview =
  | {
      readonly type: 'init';
      readonly v: 1;
      readonly sites: readonly WorkloadSite[];
      readonly settings: SimSettings;
      readonly goVersions: readonly string[];
      readonly arch: string;
      readonly source: string;
      /** A loaded heap profile as rows (replay.ts): the "Replay the profile" preset; rows may name a site twice (kept, garbage). */
      readonly replay?: { readonly label: string; readonly rows: readonly WorkloadRow[] };
      /** A loaded heap profile's heaviest sites, for the package → function → site picture (measuredPicture.ts). */
      readonly picture?: MeasuredPicture;
    }
  | { readonly type: 'snapshots'; readonly v: 1; readonly runId: number; readonly batch: readonly PanelSnapshot[]; readonly done: boolean }
  | { readonly type: 'error'; readonly v: 1; readonly message: string; readonly runId?: number };

export type WebviewToHost =
  | { readonly type: 'ready'; readonly v: 1 }
  | {
      readonly type: 'run';
      readonly v: 1;
      readonly runId: number;
      readonly settings: SimSettings;
      readonly rows: readonly WorkloadRow[];
      /** Append a GC after the allocations (frees the rows with keep=false). */
      readonly gcAtEnd: boolean;
    }
  | { readonly type: 'cancel'; readonly v: 1; readonly runId: number }
  | { readonly type: 'reveal'; readonly v: 1; readonly siteId: string };

/** Limits the host enforces on a run (a hostile or stale webview cannot make it hang). */
export const limits = {
  maxRows: 10_000,
  maxCount: 1_000_000_000,
  maxProcs: 256,
  maxGogc: 1_000_000,
  maxPageCells: 4096,
  maxSteps: 100_000,
} as const;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isStr(v: unknown, max = 4096): v is string {
  return typeof v === 'string' && v.length <= max;
}

export function isSimSettings(v: unknown): v is SimSettings {
  return (
    isObj(v) &&
    isStr(v.go, 16) &&
    /^(go)?1\.\d+(\.\d+)?$/.test(v.go) &&
    isInt(v.procs, 1, limits.maxProcs) &&
    (v.gogc === 'off' || isInt(v.gogc, 1, limits.maxGogc))
  );
}

function isRow(v: unknown): v is WorkloadRow {
  return isObj(v) && isStr(v.id) && isInt(v.count, 0, limits.maxCount) && typeof v.keep === 'boolean';
}

function isSite(v: unknown): v is WorkloadSite {
  return (
    isObj(v) &&
    isStr(v.id) &&
    isStr(v.label) &&
    isStr(v.where) &&
    isInt(v.bytes, 0, 2 ** 48) &&
    typeof v.pointers === 'boolean' &&
    isStr(v.hint)
  );
}

function isPictureSite(v: unknown): v is PictureSite {
  return (
    isObj(v) &&
    isStr(v.id) &&
    isStr(v.pkg) &&
    isStr(v.func) &&
    isStr(v.label) &&
    isStr(v.where) &&
    isNum(v.bytes) &&
    v.bytes >= 0 &&
    isNum(v.objects) &&
    isInt(v.spanClass, -1, 255) &&
    isStr(v.cls, 64)
  );
}

function isPicture(v: unknown): v is MeasuredPicture {
  return (
    isObj(v) &&
    isStr(v.title) &&
    isNum(v.totalBytes) &&
    v.totalBytes > 0 &&
    Array.isArray(v.sites) &&
    v.sites.length <= maxPictureSites &&
    v.sites.every(isPictureSite) &&
    isInt(v.leftOff, 0, Number.MAX_SAFE_INTEGER) &&
    isNum(v.leftOffBytes)
  );
}

function isCounters(v: unknown): v is Record<CounterName, number> {
  return isObj(v) && counterNames.every((k) => isNum(v[k]));
}

function allInts(v: unknown, keys: readonly string[]): boolean {
  return isObj(v) && keys.every((k) => isNum(v[k]));
}

function allNums(v: unknown, max: number): v is number[] {
  return Array.isArray(v) && v.length <= max && v.every(isNum);
}

function isPageMap(p: unknown): p is PageMapView {
  if (!isObj(p) || !isNum(p.arenas) || !isInt(p.pagesPerArena, 1, 2 ** 40) || !isNum(p.pagesMapped) || !isNum(p.spansInUse)) return false;
  if (!isInt(p.pagesPerCell, 1, 2 ** 40) || !allNums(p.cellRuns, 2 * limits.maxPageCells)) return false;
  if (!allNums(p.cellInUseRuns, 2 * limits.maxPageCells) || !allNums(p.spans, spanFields.length * limits.maxPageCells)) return false;
  const spans = p.spans.length / spanFields.length;
  if (!Number.isInteger(spans)) return false;
  const cellsOf = (runs: readonly number[], max: number): number => {
    let cells = 0;
    for (let i = 0; i < runs.length; i += 2) {
      if (!isInt(runs[i], 0, max) || !isInt(runs[i + 1], 1, limits.maxPageCells)) return -1;
      cells += runs[i + 1]!;
    }
    return runs.length % 2 === 0 && cells <= limits.maxPageCells ? cells : -1;
  };
  const cells = cellsOf(p.cellRuns, spans);
  if (cells < 0) return false;
  return p.cellInUseRuns.length === 0 || cellsOf(p.cellInUseRuns, p.pagesPerCell) === cells;
}

const classFields = [
  'spanClass',
  'sizeClass',
  'slotBytes',
  'spans',
  'objects',
  'freeSlots',
  'spanBytes',
  'requestBytes',
  'wasteBytes',
  'freeBytes',
  'reserveBytes',
];

function isSnapshot(v: unknown): v is PanelSnapshot {
  if (!isObj(v) || !isInt(v.step, 0, Number.MAX_SAFE_INTEGER) || !isInt(v.totalSteps, 0, Number.MAX_SAFE_INTEGER) || !isStr(v.label))
    return false;
  if (!isCounters(v.counters) || !(v.heapGoalBytes === null || isNum(v.heapGoalBytes))) return false;
  if (!Array.isArray(v.classes) || !v.classes.every((c) => allInts(c, classFields) && typeof (c as Obj).noscan === 'boolean')) return false;
  if (
    !Array.isArray(v.mcaches) ||
    !v.mcaches.every(
      (m) =>
        isObj(m) &&
        isNum(m.p) &&
        isNum(m.pageCachePages) &&
        (m.tinyOffset === null || isNum(m.tinyOffset)) &&
        Array.isArray(m.spans) &&
        m.spans.every((s) => allInts(s, ['spanClass', 'allocCount', 'nelems'])),
    )
  )
    return false;
  if (
    !Array.isArray(v.mcentrals) ||
    !v.mcentrals.every((c) => allInts(c, ['spanClass', 'partialSwept', 'partialUnswept', 'fullSwept', 'fullUnswept']))
  )
    return false;
  return isPageMap(v.pages);
}

/** isWebviewToHost: the host's check of everything the webview sends. */
export function isWebviewToHost(m: unknown): m is WebviewToHost {
  if (!isObj(m) || m.v !== protocolVersion) return false;
  switch (m.type) {
    case 'ready':
      return true;
    case 'run':
      return (
        isInt(m.runId, 0, Number.MAX_SAFE_INTEGER) &&
        isSimSettings(m.settings) &&
        typeof m.gcAtEnd === 'boolean' &&
        Array.isArray(m.rows) &&
        m.rows.length <= limits.maxRows &&
        m.rows.every(isRow)
      );
    case 'cancel':
      return isInt(m.runId, 0, Number.MAX_SAFE_INTEGER);
    case 'reveal':
      return isStr(m.siteId);
    default:
      return false;
  }
}

/** isHostToWebview: the webview's check of everything the host sends. */
export function isHostToWebview(m: unknown): m is HostToWebview {
  if (!isObj(m) || m.v !== protocolVersion) return false;
  switch (m.type) {
    case 'init':
      return (
        Array.isArray(m.sites) &&
        m.sites.every(isSite) &&
        isSimSettings(m.settings) &&
        Array.isArray(m.goVersions) &&
        m.goVersions.every((g) => isStr(g, 16)) &&
        isStr(m.arch, 32) &&
        isStr(m.source) &&
        (m.replay === undefined ||
          (isObj(m.replay) &&
            isStr(m.replay.label) &&
            Array.isArray(m.replay.rows) &&
            m.replay.rows.length <= limits.maxRows &&
            m.replay.rows.every(isRow))) &&
        (m.picture === undefined || isPicture(m.picture))
      );
    case 'snapshots':
      return (
        isInt(m.runId, 0, Number.MAX_SAFE_INTEGER) && typeof m.done === 'boolean' && Array.isArray(m.batch) && m.batch.every(isSnapshot)
      );
    case 'error':
      return isStr(m.message, 65536) && (m.runId === undefined || isInt(m.runId, 0, Number.MAX_SAFE_INTEGER));
    default:
      return false;
  }
}

/** The webview's persisted state (vscode.setState), validated on restore like a message. */
export interface PanelState {
  readonly v: 1;
  readonly settings: SimSettings;
  readonly counts: Readonly<Record<string, number>>;
  readonly keep: Readonly<Record<string, boolean>>;
  readonly gcAtEnd: boolean;
}

export function isPanelState(s: unknown): s is PanelState {
  return (
    isObj(s) &&
    s.v === protocolVersion &&
    isSimSettings(s.settings) &&
    typeof s.gcAtEnd === 'boolean' &&
    isObj(s.counts) &&
    Object.values(s.counts).every((c) => isInt(c, 0, limits.maxCount)) &&
    isObj(s.keep) &&
    Object.values(s.keep).every((k) => typeof k === 'boolean')
  );
}
