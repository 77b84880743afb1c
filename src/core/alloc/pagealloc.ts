// Page allocator: which pages of the heap are free. Mirrors runtime/mpagealloc.go
// (pageAlloc over palloc chunks) and runtime/mpagecache.go (the per-P 64-page cache).
// See malloc.ts for the allocator overview.
//
// The runtime keeps a radix tree of pallocSum summaries so that `find` is fast; its
// answer is always the lowest-addressed run of free pages that fits. Here each chunk
// keeps the same (start, max, end) summary and a search walks chunks in address order,
// which gives the same answer. Pages are numbered from the heap's first page.

/** Pages a per-P page cache covers: 8*sizeof(uint64) (runtime/mpagecache.go pageCachePages). */
export const pageCachePages = 64;

interface ChunkSum {
  /** Free pages at the start of the chunk. */
  start: number;
  /** Longest run of free pages in the chunk. */
  max: number;
  /** Free pages at the end of the chunk. */
  end: number;
  free: number;
}

export class PageAlloc {
  readonly chunkPages: number;
  /** One byte per page: 1 allocated (pallocBits set), 0 free. Indexed by chunk. */
  private readonly chunks: Uint8Array[] = [];
  private readonly sums: (ChunkSum | null)[] = [];
  /** Free pages per chunk, kept current so full chunks are skipped without a summary. */
  private freeInChunk = new Int32Array(0);
  /** No free page below this one (the runtime's searchAddr). */
  private searchPage = 0;

  constructor(chunkPages: number) {
    this.chunkPages = chunkPages;
  }

  /** Pages under management (the runtime's p.end, in pages). */
  get endPage(): number {
    return this.chunks.length * this.chunkPages;
  }

  get chunkCount(): number {
    return this.chunks.length;
  }

  /** grow hands [basePage, basePage+npages) to the allocator, free (pageAlloc.grow). The heap grows contiguously, in whole chunks. */
  grow(basePage: number, npages: number): void {
    if (basePage !== this.endPage || npages % this.chunkPages !== 0) {
      throw new Error(`pageAlloc.grow(${basePage}, ${npages}): heap must grow contiguously by whole chunks`);
    }
    for (let i = 0; i < npages / this.chunkPages; i++) {
      this.chunks.push(new Uint8Array(this.chunkPages));
      this.sums.push(null);
    }
    const free = new Int32Array(this.chunks.length);
    free.set(this.freeInChunk);
    free.fill(this.chunkPages, this.freeInChunk.length);
    this.freeInChunk = free;
    if (this.searchPage > basePage) this.searchPage = basePage;
  }

  isAllocated(page: number): boolean {
    return this.chunks[Math.floor(page / this.chunkPages)]![page % this.chunkPages] === 1;
  }

  private sum(ci: number): ChunkSum {
    const cached = this.sums[ci];
    if (cached) return cached;
    const bits = this.chunks[ci]!;
    const n = bits.length;
    let start = -1;
    let max = 0;
    let run = 0;
    let free = 0;
    for (let i = 0; i < n; i++) {
      if (bits[i] === 0) {
        run++;
        free++;
        if (run > max) max = run;
      } else {
        if (start < 0) start = i;
        run = 0;
      }
    }
    const s = { start: start < 0 ? n : start, max, end: run, free };
    this.sums[ci] = s;
    return s;
  }

  /** find returns the first page of the lowest-addressed run of npages free pages, or -1 (pageAlloc.find). */
  find(npages: number): number {
    const cp = this.chunkPages;
    let runStart = -1;
    let runLen = 0;
    for (let ci = Math.floor(this.searchPage / cp); ci < this.chunks.length; ci++) {
      if (this.freeInChunk[ci] === 0) {
        runLen = 0;
        continue;
      }
      const s = this.sum(ci);
      if (runLen > 0 && runLen + s.start >= npages) return runStart;
      if (s.start === cp) {
        if (runLen === 0) runStart = ci * cp;
        runLen += cp;
        if (runLen >= npages) return runStart;
        continue;
      }
      if (s.max >= npages) {
        const bits = this.chunks[ci]!;
        let run = 0;
        for (let i = 0; i < cp; i++) {
          if (bits[i] === 0) {
            if (++run === npages) return ci * cp + i + 1 - npages;
          } else run = 0;
        }
        throw new Error('pageAlloc: chunk summary out of date');
      }
      runLen = s.end;
      runStart = (ci + 1) * cp - s.end;
    }
    return -1;
  }

  /** alloc takes the lowest-addressed run of npages free pages and returns its first page, or -1 (pageAlloc.alloc). */
  alloc(npages: number): number {
    const base = this.find(npages);
    if (base < 0) return -1;
    this.setRange(base, npages, 1);
    return base;
  }

  /** free returns [base, base+npages) to the allocator (pageAlloc.free). */
  free(base: number, npages: number): void {
    this.setRange(base, npages, 0);
    if (base < this.searchPage) this.searchPage = base;
  }

  private setRange(base: number, npages: number, v: 0 | 1): void {
    const cp = this.chunkPages;
    for (let p = base; p < base + npages; p++) {
      const ci = Math.floor(p / cp);
      const bits = this.chunks[ci]!;
      if (bits[p % cp] === v) throw new Error(`pageAlloc: page ${p} is already ${v ? 'allocated' : 'free'}`);
      bits[p % cp] = v;
      this.sums[ci] = null;
      this.freeInChunk[ci]! += v ? -1 : 1;
    }
    if (v === 1 && base === this.searchPage) this.searchPage = base + npages;
  }

  /**
   * allocToCache takes every free page of the 64-page-aligned block that holds the lowest
   * free page, for a P's page cache (pageAlloc.allocToCache). Empty when the heap is full.
   */
  allocToCache(): PageCache {
    const first = this.find(1);
    if (first < 0) return new PageCache(-1, new Uint8Array(pageCachePages));
    const base = first - (first % pageCachePages);
    const free = new Uint8Array(pageCachePages);
    for (let i = 0; i < pageCachePages; i++) {
      if (!this.isAllocated(base + i)) {
        free[i] = 1;
        this.setRange(base + i, 1, 1);
      }
    }
    this.searchPage = Math.max(this.searchPage, base + pageCachePages - 1);
    return new PageCache(base, free);
  }

  /** Per-chunk occupancy for snapshots. */
  chunkSummary(ci: number): { allocatedPages: number; largestFreeRunPages: number } {
    const s = this.sum(ci);
    return { allocatedPages: this.chunkPages - s.free, largestFreeRunPages: s.max };
  }

  freePages(): number {
    let n = 0;
    for (const f of this.freeInChunk) n += f;
    return n;
  }

  largestFreeRun(): number {
    let best = 0;
    let run = 0;
    for (let ci = 0; ci < this.chunks.length; ci++) {
      const s = this.sum(ci);
      if (s.start === this.chunkPages) {
        run += this.chunkPages;
        best = Math.max(best, run);
        continue;
      }
      best = Math.max(best, run + s.start, s.max);
      run = s.end;
    }
    return best;
  }
}

/**
 * A P's private run of up to 64 free pages (runtime/mpagecache.go pageCache). The pages are
 * allocated as far as the page allocator knows; spans of fewer than 16 pages are cut from
 * here without the heap lock.
 */
export class PageCache {
  /** First page of the 64-page block, or -1 when empty and never filled. */
  readonly basePage: number;
  /** 1 = free page in the cache (the runtime's `cache` bitmask). */
  private readonly freeBits: Uint8Array;
  private free: number;

  constructor(basePage: number, freeBits: Uint8Array) {
    this.basePage = basePage;
    this.freeBits = freeBits;
    this.free = freeBits.reduce((a, b) => a + b, 0);
  }

  static empty(): PageCache {
    return new PageCache(-1, new Uint8Array(pageCachePages));
  }

  get freeCount(): number {
    return this.free;
  }

  isEmpty(): boolean {
    return this.free === 0;
  }

  /** alloc cuts npages from the cache: the lowest free page, or the lowest run (findBitRange64); -1 if none fits. */
  alloc(npages: number): number {
    if (this.free < npages) return -1;
    let run = 0;
    for (let i = 0; i < pageCachePages; i++) {
      if (this.freeBits[i] === 1) {
        if (++run === npages) {
          const first = i + 1 - npages;
          this.freeBits.fill(0, first, i + 1);
          this.free -= npages;
          return this.basePage + first;
        }
      } else run = 0;
    }
    return -1;
  }

  /** flush gives every cached page back to the page allocator (pageCache.flush). */
  flush(pages: PageAlloc): void {
    for (let i = 0; i < pageCachePages; i++) {
      if (this.freeBits[i] === 1) {
        pages.free(this.basePage + i, 1);
        this.freeBits[i] = 0;
      }
    }
    this.free = 0;
  }
}
