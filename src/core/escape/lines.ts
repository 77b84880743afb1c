// Where the lines of the compiler output end, for both front ends: text.ts over strings and bytes.ts over
// UTF-8 bytes. Terminators: `\n`, `\r\n` and a lone `\r`; chunks may split a line, or a `\r\n` pair,
// anywhere. Only indexOf is asked of a chunk (a string's or a Uint8Array's, both native searches): the
// `\n` found after a `\r` tells whether the two form one terminator, so no character is read one by one.

/** A chunk of text (searched for '\n' and '\r') or of bytes (for 10 and 13). */
interface Searchable<T> {
  readonly length: number;
  indexOf(needle: T, from: number): number;
}

/**
 * LineSplitter walks one chunk at a time: start(chunk), then next() while it returns true, each time
 * with the line in [from, end) (its terminator excluded); once next() returns false, the chunk's
 * unterminated rest starts at `rest` (=== its length when there is none) and continues in the next
 * chunk. The caller's loop stays its own: no callback per line.
 */
export class LineSplitter<T extends string | number> {
  /** The line found by next(): [from, end) of the chunk. */
  from = 0;
  end = 0;
  /** After next() returned false: where the chunk's unterminated rest starts. */
  rest = 0;
  private chunk: Searchable<T> | undefined;
  private i = 0;
  private n = 0;
  /** The next `\n` / `\r` at or after i (-1: none left; -2: not searched yet). */
  private nl = -2;
  private cr = -2;
  /** The previous chunk ended in `\r`, which ended its line: a `\n` at this chunk's start belongs to it. */
  private pendingCR = false;

  constructor(
    private readonly lf: T,
    private readonly crNeedle: T,
  ) {}

  start(chunk: Searchable<T>): void {
    this.chunk = chunk;
    this.n = chunk.length;
    this.i = 0;
    this.nl = -2;
    this.cr = -2;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (this.n > 0) {
        this.nl = chunk.indexOf(this.lf, 0);
        if (this.nl === 0) this.i = 1;
      }
    }
  }

  next(): boolean {
    const c = this.chunk!;
    const n = this.n;
    const i = this.i;
    if (i < n) {
      if (this.nl !== -1 && this.nl < i) this.nl = c.indexOf(this.lf, i);
      if (this.cr !== -1 && this.cr < i) this.cr = c.indexOf(this.crNeedle, i);
      const nl = this.nl;
      const cr = this.cr;
      if (nl !== -1 || cr !== -1) {
        const end = nl === -1 ? cr : cr === -1 ? nl : nl < cr ? nl : cr;
        this.from = i;
        this.end = end;
        if (end !== cr) this.i = end + 1;
        else if (end + 1 < n) this.i = nl === end + 1 ? end + 2 : end + 1;
        else {
          this.pendingCR = true;
          this.i = n;
        }
        return true;
      }
    }
    this.rest = i;
    this.chunk = undefined; // not kept alive until the next chunk
    return false;
  }
}
