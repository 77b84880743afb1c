// Decoding a heap profile (profile.proto, already gunzipped by the toolchain layer) with
// pprof-format, and reducing it to what the join reads: per leaf location and recorded slot, the
// four heap values. Overview of the decoding and the join: see join.ts.
import { Profile, Sample, type ProfileInput } from 'pprof-format';
import { KindedError } from '../errors.ts';

/** ProfileInputError: the bytes are not a heap profile (not profile.proto, a CPU profile, empty…). */
export class ProfileInputError extends KindedError {
  override readonly name = 'ProfileInputError';
}

/** One frame of a Location's Line[]: innermost inlined frame first, the caller last. */
export interface ProfileFrame {
  /** As the profile names it: `example.com/m.(*T).Method`, `example.com/m.F.func1`. */
  readonly function: string;
  /** As the binary recorded it: absolute for local builds, `module/path/file.go` under -trimpath. */
  readonly file: string;
  readonly line: number;
  /** The function's first line (its `func` keyword), 0 when the profile does not say. */
  readonly startLine: number;
}

/** A Location: one PC of a stack, with its inlined frames. */
export interface ProfileLocation {
  readonly id: number;
  /** Innermost inlined frame first; the allocating statement is frames[0]. */
  readonly frames: readonly ProfileFrame[];
}

/**
 * HeapRecord: the samples sharing a leaf location and a recorded slot, summed. The runtime
 * writes one sample per (stack, slot); the join only reads the leaf, so the records sum over callers.
 */
export interface HeapRecord {
  readonly leaf: ProfileLocation;
  /** The leaf's callers, nearest first, up to callerDepth, from the first sample seen: what the unattributed reasons name. */
  readonly callers: readonly ProfileLocation[];
  /** The `bytes` label: the slot the runtime recorded; null when the sample has none. */
  readonly slotBytes: number | null;
  allocObjects: number;
  allocBytes: number;
  inuseObjects: number;
  inuseBytes: number;
}

export interface HeapMapping {
  readonly file: string;
  readonly buildId: string;
}

export interface HeapProfile {
  /** `type/unit` for each value of a sample, in order. */
  readonly sampleTypes: readonly string[];
  /** The sampling rate in bytes (runtime.MemProfileRate); 1 means every allocation is recorded. */
  readonly periodBytes: number;
  readonly records: readonly HeapRecord[];
  readonly mappings: readonly HeapMapping[];
  /** Every function the profile names, once. */
  readonly functions: readonly { readonly name: string; readonly file: string; readonly startLine: number }[];
  readonly totalObjects: number;
  readonly totalBytes: number;
  readonly totalInuseObjects: number;
  readonly totalInuseBytes: number;
}

export const heapSampleTypes = ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes'] as const;

/** What a non-heap profile is, from its sample types (runtime/pprof's names). */
function profileKind(types: readonly string[]): string {
  const has = (t: string) => types.includes(t);
  if (has('cpu/nanoseconds') || has('samples/count')) return 'a CPU profile';
  if (has('goroutine/count')) return 'a goroutine profile';
  if (has('contentions/count') && has('delay/nanoseconds')) return 'a block or mutex profile';
  if (has('threadcreate/count') || types.some((t) => t.startsWith('threadcreate'))) return 'a threadcreate profile';
  return 'not a heap profile';
}

/** How many callers of a leaf a record keeps: enough to get out of the runtime's allocation paths. */
const callerDepth = 8;

const num = (v: number | bigint | undefined): number => (typeof v === 'bigint' ? Number(v) : (v ?? 0));

/**
 * The samples as they stream out of the decoder. Go writes the samples before the locations and
 * the string table, so a record first keeps ids (leaf location, first label, callers in a shared
 * pool) and is resolved once the whole profile is read; the decoded Sample objects are dropped at
 * once, which keeps a 100 MB profile's memory near the size of the file.
 */
class Pending {
  leaf!: ProfileLocation;
  slotBytes: number | null = null;
  readonly values: number[];
  constructor(
    readonly leafId: number,
    readonly labelKey: number,
    readonly labelNum: number,
    width: number,
    readonly callerStart: number,
    readonly callerCount: number,
    private readonly ctx: { pool: Int32Array; locations: Map<number, ProfileLocation> },
  ) {
    this.values = new Array<number>(width).fill(0);
  }
  allocObjects = 0;
  allocBytes = 0;
  inuseObjects = 0;
  inuseBytes = 0;
  get callers(): readonly ProfileLocation[] {
    const out: ProfileLocation[] = [];
    for (let i = 0; i < this.callerCount; i++) {
      const l = this.ctx.locations.get(this.ctx.pool[this.callerStart + i]!);
      if (l) out.push(l);
    }
    return out;
  }
}

/** Decodes with pprof-format, handing each sample to `onSample` instead of keeping it in the Profile. */
class StreamedProfile extends Profile {
  static onSample: ((s: Sample) => void) | undefined;
  static override decodeValue(data: ProfileInput, field: number, buffer: Uint8Array): void {
    // Field 2 of profile.proto is `repeated Sample sample`.
    if (field === 2 && StreamedProfile.onSample) StreamedProfile.onSample(Sample.decode(buffer));
    else Profile.decodeValue(data, field, buffer);
  }
}

/**
 * decodeHeapProfile: the profile's heap values by leaf location and slot. Throws ProfileInputError
 * for bytes that do not decode as profile.proto, for other profile kinds, and for an empty profile.
 */
export function decodeHeapProfile(bytes: Uint8Array): HeapProfile {
  if (bytes.length === 0) throw new ProfileInputError('the profile file is empty (0 bytes): not a heap profile');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw new ProfileInputError('the profile is still gzip-compressed: gunzip it first');
  const ctx = { pool: new Int32Array(1 << 16), locations: new Map<number, ProfileLocation>() };
  let poolUsed = 0;
  const pending = new Map<number, Pending | Pending[]>();
  let sampleCount = 0;
  let p: Profile;
  StreamedProfile.onSample = (s) => {
    sampleCount++;
    const width = s.value.length;
    let any = false;
    for (const v of s.value) if (num(v) !== 0) any = true;
    if (!any) return;
    const leafId = num(s.locationId[0]);
    // The first numeric label: runtime/pprof writes exactly one, `bytes`; its key is checked once the strings are read.
    const lb = s.label.find((l) => num(l.num) !== 0 || num(l.str) === 0);
    const labelKey = lb ? num(lb.key) : -1;
    const labelNum = lb ? num(lb.num) : 0;
    const at = pending.get(leafId);
    let r =
      at instanceof Pending
        ? at.labelKey === labelKey && at.labelNum === labelNum
          ? at
          : undefined
        : at?.find((x) => x.labelKey === labelKey && x.labelNum === labelNum);
    if (!r) {
      const n = Math.min(callerDepth, Math.max(0, s.locationId.length - 1));
      if (poolUsed + n > ctx.pool.length) {
        const grown = new Int32Array(ctx.pool.length * 2);
        grown.set(ctx.pool);
        ctx.pool = grown;
      }
      for (let i = 0; i < n; i++) ctx.pool[poolUsed + i] = num(s.locationId[i + 1]);
      r = new Pending(leafId, labelKey, labelNum, width, poolUsed, n, ctx);
      poolUsed += n;
      if (!at) pending.set(leafId, r);
      else if (at instanceof Pending) pending.set(leafId, [at, r]);
      else at.push(r);
    }
    const vals = r.values;
    for (let i = 0; i < width && i < vals.length; i++) vals[i]! += num(s.value[i]);
  };
  try {
    p = StreamedProfile.decode(bytes);
  } catch {
    // The library's own message names wire types; what the user needs is what the file is not.
    throw new ProfileInputError(
      'not a pprof profile: the bytes do not decode as profile.proto (a heap profile from go test -memprofile or pprof.WriteHeapProfile)',
    );
  } finally {
    StreamedProfile.onSample = undefined;
  }
  const strings = p.stringTable.strings;
  const str = (i: number | bigint | undefined) => strings[num(i)] ?? '';
  const types = p.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`);
  if (types.length === 0)
    throw new ProfileInputError(
      'not a pprof profile: it has no sample types (a heap profile has alloc_objects, alloc_space, inuse_objects, inuse_space)',
    );
  const col = heapSampleTypes.map((t) => types.indexOf(t));
  if (col[1]! < 0 && col[3]! < 0) {
    throw new ProfileInputError(
      `${profileKind(types)} (sample types ${types.join(', ')}), not a heap profile: a heap profile has ${heapSampleTypes.join(', ')}`,
    );
  }
  if (sampleCount === 0) throw new ProfileInputError('the heap profile has no samples: nothing was allocated while it was recorded');

  const functions = new Map<number, { name: string; file: string; startLine: number }>();
  for (const f of p.function) functions.set(num(f.id), { name: str(f.name), file: str(f.filename), startLine: num(f.startLine) });
  for (const l of p.location) {
    const id = num(l.id);
    ctx.locations.set(id, {
      id,
      frames: l.line.map((ln) => {
        const f = functions.get(num(ln.functionId));
        return { function: f?.name ?? '', file: f?.file ?? '', line: num(ln.line), startLine: f?.startLine ?? 0 };
      }),
    });
  }
  const bytesKey = strings.indexOf('bytes');
  const records: HeapRecord[] = [];
  let totalObjects = 0;
  let totalBytes = 0;
  let totalInuseObjects = 0;
  let totalInuseBytes = 0;
  const v = (r: Pending, c: number) => (c < 0 ? 0 : (r.values[c] ?? 0));
  const finish = (r: Pending) => {
    r.leaf = ctx.locations.get(r.leafId) ?? { id: r.leafId, frames: [] };
    r.slotBytes = bytesKey >= 0 && r.labelKey === bytesKey ? r.labelNum : null;
    r.allocObjects = v(r, col[0]!);
    r.allocBytes = v(r, col[1]!);
    r.inuseObjects = v(r, col[2]!);
    r.inuseBytes = v(r, col[3]!);
    totalObjects += r.allocObjects;
    totalBytes += r.allocBytes;
    totalInuseObjects += r.inuseObjects;
    totalInuseBytes += r.inuseBytes;
    records.push(r);
  };
  for (const at of pending.values()) {
    if (at instanceof Pending) finish(at);
    else for (const r of at) finish(r);
  }
  pending.clear();
  if (records.length === 0) throw new ProfileInputError('the heap profile records no allocations (every sample is zero)');
  return {
    sampleTypes: types,
    periodBytes: num(p.period),
    records,
    mappings: p.mapping.map((m) => ({ file: str(m.filename), buildId: str(m.buildId) })),
    functions: [...functions.values()],
    totalObjects,
    totalBytes,
    totalInuseObjects,
    totalInuseBytes,
  };
}
