// The measured heap: a heap profile joined to the analysed allocation sites.
//
// A heap profile (`go test -memprofile`, pprof.WriteHeapProfile, /debug/pprof/allocs) is a
// profile.proto whose samples carry alloc_objects, alloc_space, inuse_objects, inuse_space and a
// numeric label `bytes`: the size-class slot the runtime gave the object (malloc header included,
// whole pages for large objects, the 16 B block for tiny ones, recorded once per new block). When
// runtime/pprof writes the profile it drops the runtime's own frames at the leaf (mallocgc,
// growslice, mapassign…), so a sample's leaf Location is the user line that called into the
// runtime; its Line[] lists inlined frames innermost first, and the innermost is where the
// allocating expression is written.
//
//	1. decode.ts: pprof-format decodes; samples are summed by (leaf location, recorded slot).
//	2. Each leaf's frames, innermost first: a frame in the analysed modules (its file is under a
//	   module directory, or its -trimpath name starts with the module path) names a line; the sites
//	   on that line that can put something on the heap are the candidates, narrowed to the
//	   frame's function when some site names it (inlined copies of a body are reported at the call
//	   site without a function). Outer (caller) frames only take a sample whose slot one of their
//	   sites predicts, so an inlined callee's map insert is not pinned on the caller's `&T{}`.
//	3. Among the candidates the recorded slot decides: the site whose prediction (or one of its
//	   objects) has that slot, else a site with no static size (the slot is its answer), else the
//	   first candidate (the verdict says the slot differs).
//	4. What no site takes is unattributed, with the cause: the runtime's own objects, code outside
//	   the analysed packages, or what the source line does that the compiler reports no site for
//	   (map growth on insert, append, string +=, a go statement…), read from the current source.
//	   A line that cannot allocate in the current source means the profile is older than the file.
//	5. Before joining, every profiled function of the analysed packages is checked against the
//	   current source (its start line holds its `func`, its lines exist). A profile where none of its
//	   functions is in the analysed packages is of another program; one where most are not where the
//	   profile puts them is of another build. Both are errors, not a silent, wrong join.
import type { Prediction } from '../alloc/malloc.ts';
import { KindedError } from '../errors.ts';
import type { AllocationSite } from '../sites/site.ts';
import type { HeapProfile, HeapRecord, ProfileFrame } from './decode.ts';
import type { Measured, MeasuredSlot, MeasuredVerdict, ProfileSummary, UnattributedSample } from './types.ts';

/** ProfileMismatchError: the profile is of another program, or of another build of the analysed code. */
export class ProfileMismatchError extends KindedError {
  override readonly name = 'ProfileMismatchError';
}

export interface MeasuredSite {
  readonly site: AllocationSite;
  readonly measured: Measured;
}

/** An analysed module: its module path (go.mod) and absolute directory. */
export interface ProfileModule {
  readonly path: string;
  readonly dir: string;
}

export interface JoinProfileOptions {
  /** Where the profile came from (a path, or `BenchmarkX`), shown as `profile.file`. */
  readonly file: string;
  /** The analysed modules. Without them the sites' own files and packages define what is analysed. */
  readonly modules?: readonly ProfileModule[];
  /** The current text of a source file (absolute path) as lines; undefined when it cannot be read. */
  readonly sourceLines?: (file: string) => readonly string[] | undefined;
  /** 'error' (default): a profile of another program or build throws ProfileMismatchError; 'warn': joins and says so in summary.warnings. */
  readonly mismatch?: 'error' | 'warn';
}

export interface ProfileJoinSummary extends ProfileSummary {
  /** runtime.MemProfileRate of the run: 1 = exact counts; larger = sampled, scaled estimates. */
  readonly periodBytes: number;
  readonly inuseObjects: number;
  readonly inuseBytes: number;
  /** alloc_space whose allocating line is in the analysed code (attributed, or unattributed with the line's construct). */
  readonly analysedBytes: number;
  /** Number of sites the profile hits. */
  readonly sites: number;
  /** Problems with the profile as a whole (an older build, sampling), in words. */
  readonly warnings: readonly string[];
}

export interface ProfileJoin {
  /** The sites the profile hits, most bytes first. */
  readonly sites: readonly MeasuredSite[];
  readonly bySite: ReadonlyMap<AllocationSite, Measured>;
  readonly summary: ProfileJoinSummary;
}

/** packageOf: the import path of a Go symbol as pprof prints it (`example.com/m/sub.(*T).M` → `example.com/m/sub`). */
export function packageOf(fn: string): string {
  const s = stripTypeArgs(fn);
  const slash = s.lastIndexOf('/');
  const dot = s.indexOf('.', slash + 1);
  return dot < 0 ? s : s.slice(0, dot);
}

/** localName: the symbol without its package (`(*T).M`, `F.func1`), type arguments dropped. */
export function localName(fn: string): string {
  const s = stripTypeArgs(fn);
  const pkg = packageOf(s);
  return s.length > pkg.length ? s.slice(pkg.length + 1) : s;
}

function stripTypeArgs(s: string): string {
  if (!s.includes('[')) return s;
  let out = '';
  let depth = 0;
  for (const c of s) {
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += c;
  }
  return out;
}

function isRuntimePackage(pkg: string): boolean {
  return pkg === 'runtime' || pkg.startsWith('internal/runtime/') || pkg === 'internal/abi';
}

/** What the runtime allocates for itself in a function, by the functions that do it (proc.go, iface.go…). */
function runtimeReason(fn: string): string {
  const name = localName(fn);
  if (name === 'malg' || name === 'newproc1') return 'runtime-internal: a goroutine (its g and stack) for a go statement';
  if (name === 'allocm' || name === 'newm' || name === 'mcommoninit') return 'runtime-internal: an OS thread (M)';
  if (name.startsWith('gcBgMarkStartWorkers') || name.startsWith('gcBgMarkWorker')) return 'runtime-internal: a GC mark worker';
  if (name.includes('itab') || name === 'getitab') return 'runtime-internal: the itab cache (interface conversion or type assertion)';
  if (name.startsWith('newdefer')) return 'runtime-internal: a defer record';
  return `runtime-internal: the runtime allocates for itself in ${fn}`;
}

/**
 * lineReason: what a line the compiler reports no site for does to allocate, from its current
 * text. The leaf of a heap sample is the line that called into the runtime, so the construct
 * on it is the cause.
 */
export function lineReason(text: string): string {
  const code = text.replace(/\/\/.*$/, '').trim();
  const shown = code.length > 60 ? code.slice(0, 57) + '…' : code;
  const q = `(\`${shown}\`)`;
  const older = `this line does not allocate in the current source ${code ? q : '(it is blank or a comment)'}: the profile is older than the file`;
  if (!code || /^[{}()[\],;]*$/.test(code) || /^(package|import)\b/.test(code)) return older;
  if (/(^|[^\w.])go\s+[\w.(]/.test(code)) return `go statement ${q}: the goroutine's closure and arguments (the compiler reports no site)`;
  if (/[\w\])]\[[^\]]*\]\s*(?:[-+*/%|&^]?=(?!=)|\+\+|--)/.test(code)) return `map growth on insert ${q}: the compiler reports no site`;
  if (/\bappend\s*\(/.test(code)) return `append growth ${q}: the compiler reports no site for it`;
  if (/\+=/.test(code) || /"\s*\+|\+\s*"/.test(code)) return `string concatenation ${q}: the compiler reports no site for it`;
  if (/\bmake\s*\(\s*chan\b/.test(code)) return `channel (make chan) ${q}: the compiler reports no site for it`;
  if (/\bmake\s*\(\s*map\b|\bmap\[/.test(code)) return `map (make map or literal) ${q}: the compiler reports no site for it`;
  if (/\bmake\s*\(/.test(code)) return `make ${q}: the compiler reports no site for it`;
  if (/^defer\b/.test(code)) return `defer ${q}: a heap defer record (the compiler reports no site)`;
  if (/\bpanic\s*\(/.test(code)) return `panic value ${q}: the compiler reports no site for it`;
  if (/\bfunc\s*\(/.test(code)) return `closure ${q}: the compiler reports no site for it`;
  if (/\.\(\s*[\w*[]|\.\(type\)/.test(code)) return `type assertion ${q}: the runtime's itab cache`;
  if (/<-|\bselect\b/.test(code)) return `channel operation ${q}: the runtime's own objects (sudog, timers)`;
  if (/\bfor\b.*\brange\b/.test(code)) return `range loop ${q}: a map iterator or range-over-func closure (the compiler reports no site)`;
  if (/\w\s*\(/.test(code)) return `a call lowered into the runtime ${q}: the compiler reports no site for it`;
  return older;
}

/**
 * Slots a site's prediction says its objects land in (`fixed`), and the slots its dynamic-size
 * ranges allow (`ranged`); hasDynamic when some object has no static size (append, make with n).
 */
function predictedSlots(site: AllocationSite): { fixed: Set<number>; ranged: Set<number>; hasDynamic: boolean } {
  const fixed = new Set<number>();
  const ranged = new Set<number>();
  let hasDynamic = Boolean(site.dynamic?.length);
  const add = (p: Prediction, into: Set<number>) => {
    if (p.kind === 'tiny' || p.kind === 'small' || p.kind === 'large') into.add(p.slotBytes);
    else if (p.kind === 'unknown') hasDynamic = true;
  };
  if (!site.dynamic?.length) add(site.prediction, fixed);
  for (const o of site.objects ?? []) add(o.prediction, site.dynamic?.length ? ranged : fixed);
  for (const r of site.dynamic ?? []) add(r.prediction, ranged);
  return { fixed, ranged, hasDynamic };
}

/** canAllocate: a site whose prediction can put an object on the heap (not zero-size, not a stack-only fixed size). */
function canAllocate(site: AllocationSite): boolean {
  const k = site.prediction.kind;
  if (k === 'zero') return Boolean(site.objects?.some((o) => o.prediction.kind !== 'zero'));
  if (k === 'stack') return Boolean(site.dynamic?.length) || site.prediction.requestBytes === 0;
  return true;
}

interface Acc {
  objects: number;
  bytes: number;
  inuseObjects: number;
  inuseBytes: number;
  slots: Map<number, number>;
}

interface Resolver {
  /** The local absolute path of a profiled file in the analysed modules, or undefined. */
  local(frame: ProfileFrame): string | undefined;
}

function makeResolver(sites: readonly AllocationSite[], opts: JoinProfileOptions): Resolver {
  const modules = [...(opts.modules ?? [])].sort((a, b) => b.path.length - a.path.length);
  const siteFiles = new Set(sites.map((s) => s.file));
  const dirOf = (f: string) => f.slice(0, f.lastIndexOf('/'));
  // -trimpath names files `importpath/file.go`; a site's package and directory map them back.
  const pkgDirs = new Map<string, string>();
  for (const s of sites) if (s.package) pkgDirs.set(s.package.replace(/_test$/, ''), dirOf(s.file));
  const under = (f: string, dir: string) => f.startsWith(dir.endsWith('/') ? dir : dir + '/');
  return {
    local(frame) {
      const f = frame.file;
      if (siteFiles.has(f)) return f;
      if (f.startsWith('/')) {
        // A module's vendor tree and nested modules are not the analysed module.
        for (const m of modules) if (under(f, m.dir) && !f.slice(m.dir.length).includes('/vendor/')) return f;
        return undefined;
      }
      const dir = pkgDirs.get(dirOf(f));
      if (dir) return `${dir}/${f.slice(f.lastIndexOf('/') + 1)}`;
      for (const m of modules) if (f === m.path || f.startsWith(m.path + '/')) return m.dir + f.slice(m.path.length);
      return undefined;
    },
  };
}

/** Whether the current source still has the function where the profile says it starts. */
function functionInSource(fn: string, startLine: number, lines: readonly string[] | undefined): boolean {
  if (!lines) return false;
  if (startLine <= 0) return true;
  const text = lines[startLine - 1];
  if (text === undefined || !/\bfunc\b/.test(text)) return false;
  const name = localName(fn).split('.');
  // Closures (`F.func1`, `gowrap1`) start on their `func` keyword; named functions and methods carry the name.
  const last = name.at(-1) ?? '';
  const base = /^(func|gowrap|deferwrap)\d+$/.test(last) || name.length > 2 ? '' : last;
  return base === '' || base === 'init' || text.includes(base);
}

export function joinProfile(profile: HeapProfile, sites: readonly AllocationSite[], opts: JoinProfileOptions): ProfileJoin {
  const resolver = makeResolver(sites, opts);
  const source = opts.sourceLines ?? (() => undefined);
  const warnings: string[] = [];

  // 5. Is this profile of this code?
  let analysedFns = 0;
  const staleFns = new Map<string, string>();
  for (const f of profile.functions) {
    const local = resolver.local({ function: f.name, file: f.file, line: f.startLine, startLine: f.startLine });
    if (!local) continue;
    analysedFns++;
    if (opts.sourceLines && !functionInSource(f.name, f.startLine, source(local))) {
      const lines = source(local);
      staleFns.set(
        f.name,
        !lines
          ? `${local} no longer exists`
          : f.startLine > lines.length
            ? `${f.name} starts at line ${f.startLine}, beyond the end of ${local} (${lines.length} lines)`
            : `${f.name} no longer starts at line ${f.startLine} of ${local}`,
      );
    }
  }
  const mainMapping = profile.mappings[0];
  const binary = mainMapping ? ` (binary ${mainMapping.file || '?'}${mainMapping.buildId ? `, build id ${mainMapping.buildId}` : ''})` : '';
  const mismatch = (msg: string) => {
    if ((opts.mismatch ?? 'error') === 'error') throw new ProfileMismatchError(msg);
    warnings.push(msg);
  };
  if (analysedFns === 0 && (opts.modules?.length || sites.length)) {
    const names = opts.modules?.length ? opts.modules.map((m) => m.path) : [...new Set(sites.map((s) => s.package ?? s.file))];
    mismatch(
      `the profile is of another program${binary}: none of its ${profile.functions.length} functions is in the analysed code (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`,
    );
  } else if (staleFns.size > 0 && staleFns.size * 2 > analysedFns) {
    const first = [...staleFns.values()].slice(0, 2).join('; ');
    mismatch(
      `the profile is of another build of this code${binary}: ${staleFns.size} of its ${analysedFns} functions in the analysed packages are not where the profile puts them (${first}); profile the current source again`,
    );
  } else if (staleFns.size > 0) {
    warnings.push(
      `the profile is older than the source: ${staleFns.size} of ${analysedFns} profiled functions moved (${[...staleFns.values()][0]})`,
    );
  }
  if (profile.periodBytes > 1)
    warnings.push(
      `sampled profile (one sample per ${profile.periodBytes} B on average): counts are estimates; -memprofilerate=1 makes them exact`,
    );

  // Sites by line; 2. and 3.
  const byLine = new Map<string, AllocationSite[]>();
  for (const s of sites) {
    if (!canAllocate(s)) continue;
    const k = `${s.file}\0${s.line}`;
    const a = byLine.get(k);
    if (a) a.push(s);
    else byLine.set(k, [s]);
  }
  const slotInfo = new Map<AllocationSite, ReturnType<typeof predictedSlots>>();
  const info = (s: AllocationSite) => {
    let i = slotInfo.get(s);
    if (!i) slotInfo.set(s, (i = predictedSlots(s)));
    return i;
  };
  const pick = (cands: readonly AllocationSite[], slot: number | null, innermost: boolean): AllocationSite | undefined => {
    if (slot !== null) {
      const exact = cands.find((s) => info(s).fixed.has(slot)) ?? cands.find((s) => info(s).ranged.has(slot));
      if (exact) return exact;
    }
    const dynamic = cands.find((s) => info(s).hasDynamic);
    if (dynamic) return dynamic;
    if (!innermost) return undefined;
    return cands.find((s) => s.escapes) ?? cands[0];
  };
  const candidatesAt = (file: string, frame: ProfileFrame): AllocationSite[] => {
    const all = byLine.get(`${file}\0${frame.line}`);
    if (!all) return [];
    const fn = localName(frame.function);
    const own = all.filter((s) => s.func !== undefined && stripTypeArgs(s.func) === fn);
    return own.length ? own : all;
  };

  const accs = new Map<AllocationSite, Acc>();
  const unattributed = new Map<string, { -readonly [K in keyof UnattributedSample]: UnattributedSample[K] }>();
  let attributedBytes = 0;
  let analysedBytes = 0;
  const unattribute = (r: HeapRecord, frame: ProfileFrame | undefined, reason: string) => {
    const fn = frame?.function ?? '';
    const file = frame?.file ?? '';
    const line = frame?.line ?? 0;
    const k = `${fn}\0${file}\0${line}\0${reason}`;
    const u = unattributed.get(k);
    if (u) {
      u.objects += r.allocObjects;
      u.bytes += r.allocBytes;
    } else unattributed.set(k, { function: fn, file, line, objects: r.allocObjects, bytes: r.allocBytes, reason });
  };
  const calledFrom = (r: HeapRecord): string => {
    const c = r.caller?.frames.find((f) => resolver.local(f));
    return c ? ` (called from ${c.function} at ${c.file}:${c.line})` : '';
  };

  for (const r of profile.records) {
    const frames = r.leaf.frames;
    let site: AllocationSite | undefined;
    let firstLocal: { frame: ProfileFrame; file: string } | undefined;
    for (let i = 0; i < frames.length && !site; i++) {
      const frame = frames[i]!;
      const file = resolver.local(frame);
      if (!file) continue;
      firstLocal ??= { frame, file };
      site = pick(candidatesAt(file, frame), r.slotBytes, i === 0);
    }
    if (site || firstLocal?.frame === frames[0]) analysedBytes += r.allocBytes;
    if (site) {
      let a = accs.get(site);
      if (!a) accs.set(site, (a = { objects: 0, bytes: 0, inuseObjects: 0, inuseBytes: 0, slots: new Map() }));
      a.objects += r.allocObjects;
      a.bytes += r.allocBytes;
      a.inuseObjects += r.inuseObjects;
      a.inuseBytes += r.inuseBytes;
      if (r.slotBytes !== null) a.slots.set(r.slotBytes, (a.slots.get(r.slotBytes) ?? 0) + r.allocObjects);
      attributedBytes += r.allocBytes;
      continue;
    }
    const leaf = frames[0];
    if (firstLocal && leaf && firstLocal.frame !== leaf) {
      // The allocating body is another package's, inlined into analysed code.
      const at = `${firstLocal.frame.function} at ${firstLocal.frame.file}:${firstLocal.frame.line}`;
      unattribute(r, leaf, `code outside the analysed packages: ${packageOf(leaf.function)}, inlined into ${at}`);
      continue;
    }
    if (firstLocal) {
      const stale = staleFns.get(firstLocal.frame.function);
      if (stale) {
        unattribute(r, firstLocal.frame, `the profile is older than the file: ${stale}`);
        continue;
      }
      const lines = opts.sourceLines ? source(firstLocal.file) : undefined;
      const text = lines?.[firstLocal.frame.line - 1];
      const reason = !opts.sourceLines
        ? 'no analysed site on this line (the compiler reports none here)'
        : text === undefined
          ? `this line does not exist in the current source (${lines ? `${lines.length} lines` : 'file not found'}): the profile is older than the file`
          : lineReason(text);
      unattribute(r, firstLocal.frame, reason);
      continue;
    }
    if (!leaf) {
      unattribute(r, undefined, 'the profile has no source position for this sample (no symbols)');
      continue;
    }
    const pkg = packageOf(leaf.function);
    unattribute(
      r,
      leaf,
      isRuntimePackage(pkg) ? runtimeReason(leaf.function) + calledFrom(r) : `code outside the analysed packages: ${pkg}${calledFrom(r)}`,
    );
  }

  const total = profile.totalBytes;
  const measuredSites: MeasuredSite[] = [];
  const bySite = new Map<AllocationSite, Measured>();
  for (const [site, a] of accs) {
    const slots: MeasuredSlot[] = [...a.slots]
      .map(([bytes, objects]) => ({ bytes, objects }))
      .sort((x, y) => y.objects - x.objects || x.bytes - y.bytes);
    const { fixed, hasDynamic } = info(site);
    const allPredicted = slots.every((s) => fixed.has(s.bytes));
    const verdict: MeasuredVerdict = fixed.size > 0 && allPredicted ? 'confirmed' : hasDynamic ? 'resolved' : 'differs';
    const measured: Measured = {
      objects: a.objects,
      bytes: a.bytes,
      inuseObjects: a.inuseObjects,
      inuseBytes: a.inuseBytes,
      slots,
      share: total > 0 ? a.bytes / total : 0,
      verdict,
    };
    bySite.set(site, measured);
    measuredSites.push({ site, measured });
  }
  measuredSites.sort((x, y) => y.measured.bytes - x.measured.bytes || x.site.file.localeCompare(y.site.file) || x.site.line - y.site.line);
  const un = [...unattributed.values()].sort((x, y) => y.bytes - x.bytes || x.file.localeCompare(y.file) || x.line - y.line);
  return {
    sites: measuredSites,
    bySite,
    summary: {
      file: opts.file,
      sampleTypes: profile.sampleTypes,
      totalObjects: profile.totalObjects,
      totalBytes: total,
      attributedBytesShare: total > 0 ? attributedBytes / total : 0,
      unattributed: un,
      periodBytes: profile.periodBytes,
      inuseObjects: profile.totalInuseObjects,
      inuseBytes: profile.totalInuseBytes,
      analysedBytes,
      sites: measuredSites.length,
      warnings,
    },
  };
}
