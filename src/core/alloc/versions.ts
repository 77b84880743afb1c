// Per-Go-version allocator rules: every rule that changed between go1.21 and go1.27,
// in one table, each citing the runtime file and release it mirrors. See malloc.ts
// for the overview. Facts and their sources: docs/runtime-facts.md.

import { KindedError } from '../errors.ts';

/** GOARCH values the model knows the pointer size of. */
export const knownArchs = {
  amd64: 8,
  arm64: 8,
  ppc64: 8,
  ppc64le: 8,
  riscv64: 8,
  s390x: 8,
  mips64: 8,
  mips64le: 8,
  loong64: 8,
  wasm: 8,
  '386': 4,
  arm: 4,
  mips: 4,
  mipsle: 4,
} as const;
export type GoArch = keyof typeof knownArchs;

/** Go minor versions the model covers (go1.21 .. go1.27). */
export const minGoMinor = 21;
export const maxGoMinor = 27;

/** A user-facing input error (bad version, arch, size): the CLI maps it to exit code 2. */
export class ModelInputError extends KindedError {
  override readonly name = 'ModelInputError';
}

/**
 * GOEXPERIMENT flags that change placement. Absent = the version's default.
 * Parsed from `go env GOEXPERIMENT` (e.g. "nogreenteagc,noswissmap").
 */
export interface Experiments {
  /** Green Tea GC inline mark bits (go1.25 opt-in, go1.26+ default). */
  readonly greenteagc?: boolean;
  /** Malloc headers (go1.22 default, opt-out only in go1.22). */
  readonly allocheaders?: boolean;
  /** Swiss-table maps (go1.24/1.25 default, the only maps from go1.26). */
  readonly swissmap?: boolean;
  /** Size-specialized malloc (go1.26 opt-in, go1.27 default): speed only, never placement. */
  readonly sizespecializedmalloc?: boolean;
}

/**
 * The GOEXPERIMENT names each release accepts, as [first minor, last minor]: the fields of
 * internal/goexperiment/flags.go `type Flags` @ go1.21.0 … go1.27 (lower-cased, as
 * internal/buildcfg/exp.go matches them), plus buildcfg's "regabi" alias. The go command rejects
 * any other name ("unknown GOEXPERIMENT"), so a typed one that is not here describes no real build.
 */
export const goExperimentReleases: Readonly<Record<string, readonly [first: number, last: number]>> = {
  fieldtrack: [21, 27],
  preemptibleloops: [21, 27],
  staticlockranking: [21, 27],
  boringcrypto: [21, 27],
  regabi: [21, 27],
  regabiwrappers: [21, 27],
  regabiargs: [21, 27],
  heapminimum512kib: [21, 27],
  coverageredesign: [21, 24],
  arenas: [21, 27],
  pagetrace: [21, 22],
  cgocheck2: [21, 27],
  loopvar: [21, 27],
  cacheprog: [21, 25],
  newinliner: [22, 27],
  rangefunc: [22, 25],
  range: [22, 22],
  allocheaders: [22, 22],
  exectracer2: [22, 22],
  aliastypeparams: [23, 25],
  swissmap: [24, 25],
  spinbitmutex: [24, 24],
  synchashtriemap: [24, 25],
  synctest: [24, 25],
  dwarf5: [25, 27],
  jsonv2: [25, 27],
  greenteagc: [25, 27],
  randomizedheapbase64: [26, 27],
  runtimefreegc: [26, 27],
  sizespecializedmalloc: [26, 27],
  goroutineleakprofile: [26, 26],
  simd: [26, 27],
  runtimesecret: [26, 27],
  mapsplitgroup: [27, 27],
};

/** The experiments that change sizes or placement (the rest are accepted and change nothing the model shows). */
const placementExperiments = ['greenteagc', 'allocheaders', 'swissmap'] as const;

/**
 * parseGoExperiment reads a GOEXPERIMENT list: "a,nob" → {a: true, b: false}. Given `goVersion`
 * (a list a user typed), every name must exist in that release, as the go command requires; without
 * it (the list `go env GOEXPERIMENT` printed, which the go command already checked) names the
 * model does not know are ignored.
 */
export function parseGoExperiment(s: string, goVersion?: string | number): Experiments {
  const minor = goVersion === undefined ? undefined : typeof goVersion === 'number' ? checkMinor(goVersion) : parseGoVersion(goVersion);
  const out: Record<string, boolean> = {};
  for (const raw of s.split(',')) {
    const t = raw.trim().toLowerCase();
    if (!t) continue;
    if (minor !== undefined && t !== 'none') checkExperimentName(t.startsWith('no') ? t.slice(2) : t, minor, raw.trim());
    if (t.startsWith('no')) out[t.slice(2)] = false;
    else out[t] = true;
  }
  const pick = (k: keyof Experiments): boolean | undefined => out[k];
  const e: { -readonly [K in keyof Experiments]: Experiments[K] } = {};
  for (const k of ['greenteagc', 'allocheaders', 'swissmap', 'sizespecializedmalloc'] as const) {
    const v = pick(k);
    if (v !== undefined) e[k] = v;
  }
  return e;
}

function checkExperimentName(name: string, minor: number, typed: string): void {
  const span = Object.hasOwn(goExperimentReleases, name) ? goExperimentReleases[name] : undefined;
  if (span !== undefined && span[0] <= minor && minor <= span[1]) return;
  const known = Object.keys(goExperimentReleases)
    .sort()
    .filter((k) => goExperimentReleases[k]![0] <= minor && minor <= goExperimentReleases[k]![1]);
  const placement = placementExperiments.filter((k) => known.includes(k));
  throw new ModelInputError(
    `unknown GOEXPERIMENT "${typed}" for go1.${minor}` +
      (span !== undefined ? ` (it exists in go1.${span[0]}${span[1] > span[0] ? `–go1.${span[1]}` : ''})` : '') +
      `: known experiments are ${known.join(', ')}` +
      (placement.length ? `; of these only ${placement.join(', ')} change${placement.length === 1 ? 's' : ''} placement` : '') +
      ' (prefix "no" to turn one off)',
  );
}

/** parseGoVersion accepts "1.26", "1.26.4", "go1.26.4", "go1.27rc1", "devel go1.27-abc" → minor 26/27. */
export function parseGoVersion(s: string): number {
  const m = /(?:^|go)1\.(\d{1,3})(?:$|[.\-a-z\s])/.exec(s.trim());
  if (!m || m[1] === undefined) throw new ModelInputError(`unknown Go version "${s}": expected e.g. 1.26 or go1.26.4`);
  const minor = Number(m[1]);
  if (minor < minGoMinor || minor > maxGoMinor) {
    throw new ModelInputError(`unsupported Go version "${s}": the model covers go1.${minGoMinor} to go1.${maxGoMinor}`);
  }
  return minor;
}

export function parseArch(s: string): GoArch {
  if (Object.hasOwn(knownArchs, s)) return s as GoArch;
  throw new ModelInputError(`unsupported GOARCH "${s}": expected one of ${Object.keys(knownArchs).join(', ')}`);
}

/** Everything the model needs to know about one (Go version, GOARCH, GOEXPERIMENT) build. */
export interface AllocatorRules {
  /** "1.26" */
  readonly goVersion: string;
  readonly goMinor: number;
  readonly arch: GoArch;
  readonly ptrSize: 4 | 8;
  /** Small objects are those with size <= this (32768 before go1.22, 32760 after). malloc.go mallocgc. */
  readonly maxSmallRequestBytes: number;
  /** Malloc header for pointerful objects > minSizeForMallocHeaderBytes (go1.22+). */
  readonly mallocHeader: boolean;
  readonly mallocHeaderBytes: number;
  /** PtrSize*PtrBits: 512 on 64-bit, 128 on 32-bit. Objects up to this keep heap bits in the span. */
  readonly minSizeForMallocHeaderBytes: number;
  /** Scan spans with elemsize <= minSizeForMallocHeader reserve nbytes/PtrSize/8 at the span's end (go1.22+). */
  readonly heapBitsInSpan: boolean;
  /** Green Tea: 128 B of inline mark bits in 1-page spans with elemsize in [16, minSizeForMallocHeader]. */
  readonly greenTeaInlineMarkBits: boolean;
  readonly inlineMarkBitsBytes: number;
  /** Tiny allocator: noscan requests 1..tinySizeBytes-1 share 16 B blocks in span class 5. */
  readonly tinySizeBytes: number;
  /** go1.26+ swiss-table maps (go1.24/1.25 default); old hmap/buckets otherwise. */
  readonly swissMaps: boolean;
  /** unsafe.Sizeof(hchan): 96 (≤1.22), 104 (1.23–1.24), 112 (1.25+) on 64-bit. */
  readonly hchanSizeBytes: number;
  /** go1.25+: heap-escaping scalar locals (<16 B each) of one function share one allocation. */
  readonly aggregatesScalarHeapLocals: boolean;
  /** Size-specialized malloc: changes speed only; kept so the UI can say which path runs. */
  readonly sizeSpecializedMalloc: boolean;
  /** mheap geometry. */
  readonly heapArenaBytes: number;
  readonly pallocChunkPages: number;
  readonly pageCachePages: number;
  /** The GOEXPERIMENT flags these rules were resolved with (after defaults). */
  readonly experiments: Required<Experiments>;
}

/**
 * The per-version rule table. Each row: the first minor version it applies to, the value,
 * and the runtime source it mirrors. Later rows override earlier ones.
 */
interface Rule<T> {
  readonly since: number;
  readonly value: T;
  readonly source: string;
}

export const versionTable = {
  /** Malloc headers: GOEXPERIMENT=allocheaders default in go1.22 (internal/buildcfg/exp.go @ go1.22.0), unconditional in go1.23. */
  allocHeadersDefault: [
    { since: 21, value: false, source: 'runtime/malloc.go @ go1.21.0 (heapBitsSetType, no header)' },
    { since: 22, value: true, source: 'runtime/mbitmap_allocheaders.go, internal/buildcfg/exp.go @ go1.22.0' },
  ],
  /** Whether GOEXPERIMENT=noallocheaders is honoured (go1.22 only; go1.23 removed the experiment). */
  allocHeadersOptional: [
    { since: 21, value: false, source: 'no such experiment before go1.22' },
    { since: 22, value: true, source: 'runtime/mbitmap_noallocheaders.go @ go1.22.0' },
    { since: 23, value: false, source: 'experiment removed @ go1.23.0 (runtime/mbitmap.go)' },
  ],
  /** Green Tea GC: opt-in experiment in go1.25, default from go1.26 (internal/buildcfg/exp.go @ go1.26.0). */
  greenTeaDefault: [
    { since: 21, value: false, source: 'no Green Tea before go1.25' },
    { since: 26, value: true, source: 'internal/buildcfg/exp.go @ go1.26.0: GreenTeaGC: true; runtime/mheap.go initSpan' },
  ],
  greenTeaAvailable: [
    { since: 21, value: false, source: 'runtime/mgcmark_greenteagc.go absent before go1.25' },
    { since: 25, value: true, source: 'runtime/mgcmark_greenteagc.go @ go1.25.0' },
  ],
  /** Swiss maps: default go1.24 and go1.25 (noswissmap opts out), the only maps from go1.26. */
  swissMapDefault: [
    { since: 21, value: false, source: 'runtime/map.go @ go1.23.0 (hmap/bmap)' },
    { since: 24, value: true, source: 'internal/runtime/maps @ go1.24.0; internal/buildcfg/exp.go SwissMap: true' },
  ],
  swissMapOptional: [
    { since: 21, value: false, source: 'no swiss maps before go1.24' },
    { since: 24, value: true, source: 'GOEXPERIMENT=noswissmap @ go1.24.0, go1.25.0' },
    { since: 26, value: false, source: 'old maps removed @ go1.26.0' },
  ],
  /** hchanSize on 64-bit (runtime/chan.go): timer field added go1.23, bubble field go1.25. 32-bit: 56/56/64. */
  hchanSize64: [
    { since: 21, value: 96, source: 'runtime/chan.go @ go1.21.0' },
    { since: 23, value: 104, source: 'runtime/chan.go @ go1.23.0 (timer *timer)' },
    { since: 25, value: 112, source: 'runtime/chan.go @ go1.25.0 (bubble *synctestBubble)' },
  ],
  hchanSize32: [
    { since: 21, value: 56, source: 'runtime/chan.go @ go1.21.0' },
    { since: 25, value: 64, source: 'runtime/chan.go @ go1.25.0' },
  ],
  /** Aggregated scalar heap locals: cmd/compile/internal/ssagen/ssa.go newHeapaddr @ go1.25.0 (commit 5fc596ebe7). */
  aggregatesScalarHeapLocals: [
    { since: 21, value: false, source: 'ssagen/ssa.go @ go1.24.0' },
    { since: 25, value: true, source: 'ssagen/ssa.go @ go1.25.0 maxAggregatedHeapAllocation = 16' },
  ],
  /** Size-specialized malloc: opt-in go1.26, default go1.27 (internal/buildcfg/exp.go @ tip). */
  sizeSpecializedDefault: [
    { since: 21, value: false, source: 'not present before go1.26' },
    { since: 27, value: true, source: 'internal/buildcfg/exp.go: SizeSpecializedMalloc: true (go1.27)' },
  ],
  /** wasm arenas and palloc chunks shrink to 512 KiB in go1.26 (runtime/malloc.go logHeapArenaBytes). */
  wasmSmallArenas: [
    { since: 21, value: false, source: 'runtime/malloc.go @ go1.25.0: (2+20) for wasm' },
    { since: 26, value: true, source: 'runtime/malloc.go @ go1.26.0: (9+10) for wasm; mpagealloc.go logPallocChunkPages' },
  ],
} satisfies Record<string, readonly Rule<unknown>[]>;

function pick<T>(rules: readonly Rule<T>[], minor: number): T {
  let v: T | undefined;
  for (const r of rules) if (r.since <= minor) v = r.value;
  if (v === undefined) throw new Error('version table has no row for go1.' + minor);
  return v;
}

/**
 * rulesFor resolves the allocator rules for one build. Experiments that a version
 * does not have are rejected, so a prediction never claims a layout that cannot exist.
 */
export function rulesFor(goVersion: string | number, arch: GoArch | string = 'amd64', experiments: Experiments = {}): AllocatorRules {
  const minor = typeof goVersion === 'number' ? checkMinor(goVersion) : parseGoVersion(goVersion);
  const a = parseArch(arch);
  const ptrSize = knownArchs[a];
  const v = versionTable;

  let allocheaders = pick(v.allocHeadersDefault, minor);
  if (experiments.allocheaders !== undefined && experiments.allocheaders !== allocheaders) {
    if (!pick(v.allocHeadersOptional, minor)) {
      throw new ModelInputError(`GOEXPERIMENT=${experiments.allocheaders ? '' : 'no'}allocheaders does not exist in go1.${minor}`);
    }
    allocheaders = experiments.allocheaders;
  }
  let greenteagc = pick(v.greenTeaDefault, minor);
  if (experiments.greenteagc !== undefined && experiments.greenteagc !== greenteagc) {
    if (!pick(v.greenTeaAvailable, minor)) throw new ModelInputError(`GOEXPERIMENT=greenteagc does not exist in go1.${minor}`);
    greenteagc = experiments.greenteagc;
  }
  let swissmap = pick(v.swissMapDefault, minor);
  if (experiments.swissmap !== undefined && experiments.swissmap !== swissmap) {
    if (!pick(v.swissMapOptional, minor)) {
      throw new ModelInputError(`GOEXPERIMENT=${experiments.swissmap ? '' : 'no'}swissmap does not exist in go1.${minor}`);
    }
    swissmap = experiments.swissmap;
  }
  const sizespecializedmalloc = experiments.sizespecializedmalloc ?? pick(v.sizeSpecializedDefault, minor);

  const wasmSmall = a === 'wasm' && pick(v.wasmSmallArenas, minor);
  // heapArenaBytes (runtime/malloc.go logHeapArenaBytes): 64 MiB on 64-bit linux/darwin,
  // 4 MiB on 32-bit and wasm (512 KiB for wasm in go1.26+). windows/ios differ but GOOS is not modelled.
  const heapArenaBytes = wasmSmall ? 512 << 10 : ptrSize === 8 && a !== 'wasm' ? 64 << 20 : 4 << 20;
  const minSizeForMallocHeaderBytes = ptrSize * 8 * ptrSize; // PtrSize * PtrBits
  return {
    goVersion: `1.${minor}`,
    goMinor: minor,
    arch: a,
    ptrSize,
    maxSmallRequestBytes: allocheaders ? 32768 - 8 : 32768,
    mallocHeader: allocheaders,
    mallocHeaderBytes: allocheaders ? 8 : 0,
    minSizeForMallocHeaderBytes,
    heapBitsInSpan: allocheaders,
    greenTeaInlineMarkBits: greenteagc,
    inlineMarkBitsBytes: 128,
    tinySizeBytes: 16,
    swissMaps: swissmap,
    hchanSizeBytes: ptrSize === 8 ? pick(v.hchanSize64, minor) : pick(v.hchanSize32, minor),
    aggregatesScalarHeapLocals: pick(v.aggregatesScalarHeapLocals, minor),
    sizeSpecializedMalloc: sizespecializedmalloc,
    heapArenaBytes,
    pallocChunkPages: wasmSmall ? 64 : 512,
    pageCachePages: 64,
    experiments: { allocheaders, greenteagc, swissmap, sizespecializedmalloc },
  };
}

function checkMinor(minor: number): number {
  if (!Number.isInteger(minor) || minor < minGoMinor || minor > maxGoMinor) {
    throw new ModelInputError(`unsupported Go version 1.${minor}: the model covers go1.${minGoMinor} to go1.${maxGoMinor}`);
  }
  return minor;
}
