// Model of the Go memory allocator (mirrors runtime/malloc.go, go1.21–go1.27).
//
// Small allocations (≤ 32 KiB) are rounded up to one of 67 size classes, and each
// class has two span classes: scan (the object has pointers) and noscan. Allocating
// a small object proceeds up a hierarchy of caches:
//
//	1. Round the size up to a size class and take a free slot from the P's mcache
//	   span for that span class (mcache.ts). No locking in the real runtime.
//	2. If that span is full, refill the mcache from the mcentral for the span class
//	   (mcentral.ts): a swept span with free slots, else sweep one, else grow.
//	3. mcentral.grow takes a run of pages from the mheap (mheap.ts), which takes
//	   them from the per-P page cache or the page allocator (pagealloc.ts), growing
//	   the heap by whole 4 MiB chunks inside 64 MiB arenas when it runs out.
//	4. Objects larger than 32 KiB (32760 B from go1.22) take pages from the mheap
//	   directly, in span class 0 (scan) or 1 (noscan).
//
// Two special paths: zero-size requests return &zerobase and allocate nothing;
// noscan requests under 16 B are packed into 16 B tiny blocks (span class 5).
//
// What changed across versions — malloc headers (go1.22), the 32760 B small
// cutoff (go1.22), heap bits at the end of scan spans (go1.22), Green Tea inline
// mark bits (go1.26 default) — lives in one table: versions.ts. What each Go
// construct asks the allocator for is in constructs.ts. The simulator (gc.ts,
// mcache.ts, mcentral.ts, mheap.ts, pagealloc.ts) replays workloads over this model.
import {
  largeSizeDiv,
  pageSize,
  sizeClassToNPages,
  sizeClassToSize,
  sizeToSizeClass128,
  sizeToSizeClass8,
  smallSizeDiv,
  smallSizeMax,
} from './sizeclasses.ts';
import { makeSpanClass, tinySpanClass } from './spanclass.ts';
import { ModelInputError, type AllocatorRules } from './versions.ts';

export type PredictionKind = 'zero' | 'tiny' | 'small' | 'large' | 'stack' | 'unknown';

/** Where one allocation lands. Field names are a public contract (docs/architecture.md, contracts). */
export interface Prediction {
  readonly kind: PredictionKind;
  /** Bytes the program asked for (mallocgc's size argument). */
  readonly requestBytes: number;
  /** Malloc header bytes added before the class lookup (0 or 8). */
  readonly headerBytes: number;
  /** Size class; 0 for large objects (and for zero/stack/unknown). */
  readonly sizeClass: number;
  /** sizeClass<<1 | noscan; 5 for tiny blocks, 0/1 for large. -1 when nothing is allocated. */
  readonly spanClass: number;
  readonly noscan: boolean;
  /** Bytes of the slot the object occupies: the class size, 16 for a tiny block, npages*8192 for large. */
  readonly slotBytes: number;
  /** Pages per span of this span class (large: pages of the object's own span). */
  readonly npages: number;
  /** Objects (tiny: 16 B blocks) per span on this version/arch (after in-span reserves). */
  readonly objectsPerSpan: number;
  /**
   * Bytes of the slot not holding the object: slot - request (header included). For tiny
   * objects, the steady-state share of a 16 B block per object minus the request.
   */
  readonly wasteBytes: number;
  readonly goVersion: string;
  readonly arch: string;
  /** Tiny only: objects of this size that share one 16 B block when allocated back to back. */
  readonly tinyPerBlock?: number;
  /** Bytes at the end of each span not usable for objects (tail + heap bits + inline mark bits). */
  readonly spanReserveBytes?: number;
}

export interface AllocRequest {
  /** mallocgc's size argument. */
  readonly bytes: number;
  /** The type has pointers (scan span). Equivalent to ptrBytes > 0. */
  readonly pointers: boolean;
}

function divRoundUp(n: number, a: number): number {
  return Math.floor((n + a - 1) / a);
}

/**
 * sizeToClass is the runtime's class lookup: size_to_class8 up to 1016 B, size_to_class128
 * above. For 1017..1024 the runtime's index wraps to 0 in uintptr arithmetic, which is class 32;
 * divRoundUp here gives index 0 too. Valid for 1 <= size <= 32768.
 */
export function sizeToClass(size: number): number {
  if (size <= smallSizeMax - 8) return sizeToSizeClass8[divRoundUp(size, smallSizeDiv)]!;
  return sizeToSizeClass128[Math.max(0, divRoundUp(size - smallSizeMax, largeSizeDiv))]!;
}

/**
 * nelems is the number of objects a fresh span of `sizeClass` holds. Mirrors (*mheap).initSpan
 * (runtime/mheap.go): go1.22+ scan spans with elemsize ≤ minSizeForMallocHeader keep their heap
 * bits (nbytes/PtrSize/8) at the end; Green Tea (go1.26+) also reserves 128 B of inline mark bits
 * in spans with elemsize in [16, minSizeForMallocHeader], scan or noscan.
 */
export function nelems(sizeClass: number, noscan: boolean, rules: AllocatorRules): number {
  return Math.floor((sizeClassToNPages[sizeClass]! * pageSize - spanReserveBytes(sizeClass, noscan, rules)) / sizeClassToSize[sizeClass]!);
}

/** spanReserveBytes: bytes at the end of a span of this class set aside for heap bits and inline mark bits. */
export function spanReserveBytes(sizeClass: number, noscan: boolean, rules: AllocatorRules): number {
  const elemsize = sizeClassToSize[sizeClass]!;
  const nbytes = sizeClassToNPages[sizeClass]! * pageSize;
  const heapBitsInSpan = rules.heapBitsInSpan && elemsize <= rules.minSizeForMallocHeaderBytes;
  let reserve = 0;
  if (rules.greenTeaInlineMarkBits && heapBitsInSpan && elemsize >= 16) reserve += rules.inlineMarkBitsBytes;
  if (heapBitsInSpan && !noscan) reserve += nbytes / rules.ptrSize / 8;
  return reserve;
}

/**
 * roundupsize returns the slot bytes the allocator gives a request of `size`, minus the malloc
 * header. This is what growslice and rawbyteslice use to round capacities. Mirrors
 * runtime/msize.go roundupsize (go1.22+: (size, noscan); go1.21: (size)).
 */
export function roundupsize(size: number, noscan: boolean, rules: AllocatorRules): number {
  if (rules.mallocHeader) {
    if (size <= rules.maxSmallRequestBytes) {
      const reqSize = !noscan && size > rules.minSizeForMallocHeaderBytes ? size + rules.mallocHeaderBytes : size;
      return sizeClassToSize[sizeToClass(reqSize)]! - (reqSize - size);
    }
  } else if (size < 32768) {
    return sizeClassToSize[sizeToClass(size)]!;
  }
  // Large: whole pages (runtime: alignUp(size, _PageSize)), guarding overflow like the runtime.
  return Math.ceil(size / pageSize) * pageSize;
}

/** tinyAlign mirrors mallocgcTiny's offset alignment (runtime/malloc.go). */
export function tinyAlign(size: number, ptrSize: number): number {
  if ((size & 7) === 0) return 8;
  if (ptrSize === 4 && size === 12) return 8; // go.dev/issue/37262
  if ((size & 3) === 0) return 4;
  if ((size & 1) === 0) return 2;
  return 1;
}

/** tinyPerBlock: how many back-to-back tiny objects of `size` share one 16 B block. */
export function tinyPerBlock(size: number, ptrSize: number): number {
  const a = tinyAlign(size, ptrSize);
  const stride = Math.ceil(size / a) * a;
  return Math.floor((16 - size) / stride) + 1;
}

/** Largest request the model accepts: the runtime's maxAlloc on 64-bit is 1<<48. */
export const maxRequestBytes = 2 ** 48;

export function checkRequestBytes(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new ModelInputError(`invalid size ${String(bytes)}: expected a whole number of bytes ≥ 0`);
  }
  if (bytes > maxRequestBytes) throw new ModelInputError(`size ${bytes} exceeds the runtime's maxAlloc (2^48 bytes): the runtime panics`);
}

/**
 * classify says where mallocgc(bytes, typ, ...) puts one object. Mirrors the decision path of
 * mallocgc (runtime/malloc.go): zero → zerobase; noscan < 16 → tiny; small noscan; small scan
 * (+8 B header before the lookup for > minSizeForMallocHeader, go1.22+); large (class 0, pages).
 */
export function classify(req: AllocRequest, rules: AllocatorRules): Prediction {
  checkRequestBytes(req.bytes);
  // Plain object literals: spreading a shared `base` object into each result cost ~16 µs of CPU
  // per call on Node 20, 44 % of a simulator run (measured: bench/RESULTS.md).
  const requestBytes = req.bytes;
  const goVersion = rules.goVersion;
  const arch = rules.arch;
  const size = req.bytes;
  if (size === 0) {
    return {
      requestBytes,
      goVersion,
      arch,
      noscan: !req.pointers,
      kind: 'zero',
      headerBytes: 0,
      sizeClass: 0,
      spanClass: -1,
      slotBytes: 0,
      npages: 0,
      objectsPerSpan: 0,
      wasteBytes: 0,
    };
  }
  const noscan = !req.pointers;
  if (size <= rules.maxSmallRequestBytes) {
    if (noscan && size < rules.tinySizeBytes) {
      const perBlock = tinyPerBlock(size, rules.ptrSize);
      const tinyClass = tinySpanClass >> 1;
      return {
        requestBytes,
        goVersion,
        arch,
        noscan,
        kind: 'tiny',
        headerBytes: 0,
        sizeClass: tinyClass,
        spanClass: tinySpanClass,
        slotBytes: 16,
        npages: sizeClassToNPages[tinyClass]!,
        objectsPerSpan: nelems(tinyClass, true, rules),
        wasteBytes: Math.round((16 / perBlock - size) * 100) / 100,
        tinyPerBlock: perBlock,
        spanReserveBytes: spanReserveBytes(tinyClass, true, rules),
      };
    }
    const headerBytes = !noscan && rules.mallocHeader && size > rules.minSizeForMallocHeaderBytes ? rules.mallocHeaderBytes : 0;
    const sizeClass = sizeToClass(size + headerBytes);
    const slotBytes = sizeClassToSize[sizeClass]!;
    return {
      requestBytes,
      goVersion,
      arch,
      noscan,
      kind: 'small',
      headerBytes,
      sizeClass,
      spanClass: makeSpanClass(sizeClass, noscan),
      slotBytes,
      npages: sizeClassToNPages[sizeClass]!,
      objectsPerSpan: nelems(sizeClass, noscan, rules),
      wasteBytes: slotBytes - size,
      spanReserveBytes: spanReserveBytes(sizeClass, noscan, rules),
    };
  }
  const npages = Math.ceil(size / pageSize);
  return {
    requestBytes,
    goVersion,
    arch,
    noscan,
    kind: 'large',
    headerBytes: 0,
    sizeClass: 0,
    spanClass: makeSpanClass(0, noscan),
    slotBytes: npages * pageSize,
    npages,
    objectsPerSpan: 1,
    wasteBytes: npages * pageSize - size,
    spanReserveBytes: 0,
  };
}

/** noHeapPrediction: an answer with no heap object behind it (the stack, or a size not known). */
function noHeapPrediction(kind: 'stack' | 'unknown', requestBytes: number, pointers: boolean, rules: AllocatorRules): Prediction {
  return {
    kind,
    requestBytes,
    headerBytes: 0,
    sizeClass: 0,
    spanClass: -1,
    noscan: !pointers,
    slotBytes: 0,
    npages: 0,
    objectsPerSpan: 0,
    wasteBytes: 0,
    goVersion: rules.goVersion,
    arch: rules.arch,
  };
}

/** stackPrediction: the answer for a value the compiler keeps on the stack (no heap allocation). */
export function stackPrediction(bytes: number, pointers: boolean, rules: AllocatorRules): Prediction {
  return noHeapPrediction('stack', bytes, pointers, rules);
}

/** unknownPrediction: the size is not known (a type parameter, missing type facts). */
export function unknownPrediction(rules: AllocatorRules, pointers = false): Prediction {
  return noHeapPrediction('unknown', 0, pointers, rules);
}
