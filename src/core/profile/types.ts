// The measured heap: a heap profile (profile.proto) decoded and joined to the analysed
// allocation sites. Overview of decoding and the join: see join.ts. These shapes are a
// public contract (README: `analyze --profile`, `profile`, `bench`).

/** How a site's recorded slots compare with its static prediction. */
export type MeasuredVerdict =
  | 'confirmed' // every recorded slot is the predicted slot
  | 'differs' // some recorded slot is not the predicted slot
  | 'resolved'; // the site had no static size: the recorded slots are the answer

/** One slot size recorded in the profile's `bytes` label, with how many objects used it. */
export interface MeasuredSlot {
  /** The runtime's slot size: size class bytes (malloc header included), whole pages for large objects, 16 for a tiny block. */
  readonly bytes: number;
  readonly objects: number;
}

/** What the profile says about one allocation site. */
export interface Measured {
  /** alloc_objects summed over the samples joined to the site. */
  readonly objects: number;
  /** alloc_space, bytes. */
  readonly bytes: number;
  readonly inuseObjects: number;
  readonly inuseBytes: number;
  /** Recorded slots, largest object count first. */
  readonly slots: readonly MeasuredSlot[];
  /** bytes ÷ the profile's total alloc_space, in [0, 1]. */
  readonly share: number;
  readonly verdict: MeasuredVerdict;
}

/** A profiled allocation that no analysed site explains, and why. */
export interface UnattributedSample {
  readonly function: string;
  /** As the profile names it (absolute when the binary was built from local source). */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  readonly objects: number;
  readonly bytes: number;
  readonly reason: string;
}

/** The profile-level summary printed at the top level of the JSON (`profile`). */
export interface ProfileSummary {
  readonly file: string;
  /** e.g. ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']. */
  readonly sampleTypes: readonly string[];
  readonly totalObjects: number;
  readonly totalBytes: number;
  /** Share of totalBytes joined to a site, in [0, 1]. */
  readonly attributedBytesShare: number;
  readonly unattributed: readonly UnattributedSample[];
}
