// Decoding a heap profile (profile.proto, already gunzipped by the toolchain layer) with
// pprof-format, and reducing it to what the join reads: per leaf location and recorded slot, the
// four heap values. Overview of the decoding and the join: see join.ts.
import { Profile } from 'pprof-format';
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
  /** The first caller location outside the leaf's function, from the first sample seen (for "called from" in reasons). */
  readonly caller: ProfileLocation | undefined;
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

const num = (v: number | bigint | undefined): number => (typeof v === 'bigint' ? Number(v) : (v ?? 0));

/**
 * decodeHeapProfile: the profile's heap values by leaf location and slot. Throws ProfileInputError
 * for bytes that do not decode as profile.proto, for other profile kinds, and for an empty profile.
 */
export function decodeHeapProfile(bytes: Uint8Array): HeapProfile {
  if (bytes.length === 0) throw new ProfileInputError('the profile file is empty (0 bytes): not a heap profile');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw new ProfileInputError('the profile is still gzip-compressed: gunzip it first');
  let p: Profile;
  try {
    p = Profile.decode(bytes);
  } catch {
    // The library's own message names wire types; what the user needs is what the file is not.
    throw new ProfileInputError(
      'not a pprof profile: the bytes do not decode as profile.proto (a heap profile from go test -memprofile or pprof.WriteHeapProfile)',
    );
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
  if (p.sample.length === 0) throw new ProfileInputError('the heap profile has no samples: nothing was allocated while it was recorded');

  const functions = new Map<number, { name: string; file: string; startLine: number }>();
  for (const f of p.function) functions.set(num(f.id), { name: str(f.name), file: str(f.filename), startLine: num(f.startLine) });
  const locations = new Map<number, ProfileLocation>();
  for (const l of p.location) {
    const id = num(l.id);
    locations.set(id, {
      id,
      frames: l.line.map((ln) => {
        const f = functions.get(num(ln.functionId));
        return { function: f?.name ?? '', file: f?.file ?? '', line: num(ln.line), startLine: f?.startLine ?? 0 };
      }),
    });
  }
  const bytesKey = strings.indexOf('bytes');
  const records = new Map<string, HeapRecord>();
  let totalObjects = 0;
  let totalBytes = 0;
  let totalInuseObjects = 0;
  let totalInuseBytes = 0;
  for (const s of p.sample) {
    const v = (c: number) => (c < 0 ? 0 : num(s.value[c]));
    const ao = v(col[0]!);
    const ab = v(col[1]!);
    const io = v(col[2]!);
    const ib = v(col[3]!);
    if (ao === 0 && ab === 0 && io === 0 && ib === 0) continue;
    totalObjects += ao;
    totalBytes += ab;
    totalInuseObjects += io;
    totalInuseBytes += ib;
    let slot: number | null = null;
    for (const lb of s.label) if (bytesKey >= 0 && num(lb.key) === bytesKey) slot = num(lb.num);
    const leafId = num(s.locationId[0]);
    const leaf = locations.get(leafId) ?? { id: leafId, frames: [] };
    const k = `${leafId} ${slot ?? ''}`;
    let r = records.get(k);
    if (!r) {
      const leafFn = leaf.frames.at(-1)?.function;
      let caller: ProfileLocation | undefined;
      for (let i = 1; i < s.locationId.length && !caller; i++) {
        const c = locations.get(num(s.locationId[i]));
        if (c && c.frames[0]?.function !== leafFn) caller = c;
      }
      r = { leaf, caller, slotBytes: slot, allocObjects: 0, allocBytes: 0, inuseObjects: 0, inuseBytes: 0 };
      records.set(k, r);
    }
    r.allocObjects += ao;
    r.allocBytes += ab;
    r.inuseObjects += io;
    r.inuseBytes += ib;
  }
  if (records.size === 0) throw new ProfileInputError('the heap profile records no allocations (every sample is zero)');
  return {
    sampleTypes: types,
    periodBytes: num(p.period),
    records: [...records.values()],
    mappings: p.mapping.map((m) => ({ file: str(m.filename), buildId: str(m.buildId) })),
    functions: [...functions.values()],
    totalObjects,
    totalBytes,
    totalInuseObjects,
    totalInuseBytes,
  };
}
