// Where the lines of the compiler output end, for both front ends: text.ts over strings and bytes.ts over
// UTF-8 bytes. Terminators: `\n`, `\r\n` and a lone `\r`; chunks may split a line, or a `\r\n` pair,
// anywhere. Only indexOf is asked of a chunk (a string's or a Uint8Array's, both native searches): the
// `\n` found after a `\r` tells whether the two form one terminator.

/** A chunk of text (searched for '\n' and '\r') or of bytes (for 10 and 13). */
interface Searchable<T> {
  readonly length: number;
  indexOf(needle: T, from: number): number;
}

/**
 * LineSplitter hands each line that ends in a chunk to the caller's onLine, as [from, end) of the chunk
 * (its terminator excluded), and returns where the chunk's unterminated rest starts (=== its length
 * when there is none); that rest continues in the next chunk. The scan keeps its positions in locals
 * and calls onLine once per line, as the two loops it replaced did: the byte parser is as fast as
 * with its own loop.
 */
export class LineSplitter<T extends string | number> {
  /** The previous chunk ended in `\r`, which ended its line: a `\n` at this chunk's start belongs to it. */
  private pendingCR = false;

  constructor(
    private readonly lf: T,
    private readonly cr: T,
  ) {}

  split<C extends Searchable<T>>(chunk: C, onLine: (chunk: C, from: number, end: number) => void): number {
    const n = chunk.length;
    let i = 0;
    let nl = -2;
    let cr = -2;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (n > 0) {
        nl = chunk.indexOf(this.lf, 0);
        if (nl === 0) i = 1;
      }
    }
    while (i < n) {
      if (nl !== -1 && nl < i) nl = chunk.indexOf(this.lf, i);
      if (cr !== -1 && cr < i) cr = chunk.indexOf(this.cr, i);
      let end: number;
      if (nl === -1 && cr === -1) break;
      else if (nl === -1) end = cr;
      else if (cr === -1) end = nl;
      else end = nl < cr ? nl : cr;
      const from = i;
      if (end === cr) {
        if (end + 1 < n) i = nl === end + 1 ? end + 2 : end + 1;
        else {
          this.pendingCR = true;
          i = n;
        }
      } else {
        i = end + 1;
      }
      onLine(chunk, from, end);
    }
    return i;
  }
}
