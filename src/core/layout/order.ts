// Field orders: the layout gc gives an order (cmd/compile/internal/types.CalcStructSize) and
// the best order by (slot, pointer prefix, size, moves).
import { classify } from '../alloc/malloc.ts';
import type { AllocatorRules } from '../alloc/versions.ts';
import type { LayoutField } from './types.ts';

export interface OrderCost {
  readonly size: number;
  readonly align: number;
  /** Offset of the end of the last pointer word: what the GC scans of one object. */
  readonly ptrBytes: number;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/**
 * orderCost lays fields out in `order` as gc does: each at its alignment, the total rounded to
 * the widest; a zero-size final field gets one byte of padding so &s.last never points past the
 * object (CalcStructSize), which is why zero-size fields belong first.
 */
export function orderCost(fields: readonly LayoutField[], order: readonly number[]): OrderCost {
  let off = 0;
  let align = 1;
  let ptrBytes = 0;
  for (const i of order) {
    const f = fields[i]!;
    off = alignUp(off, f.align);
    if (f.ptrBytes > 0) ptrBytes = off + f.ptrBytes;
    off += f.size;
    align = Math.max(align, f.align);
  }
  const last = order.length ? fields[order[order.length - 1]!]! : undefined;
  if (last && last.size === 0 && off > 0) off++;
  return { size: alignUp(off, align), align, ptrBytes };
}

/** slotOf: the slot (and class) of one object of the given size, as mallocgc picks it. */
export function slotOf(size: number, pointers: boolean, rules: AllocatorRules): { slotBytes: number; sizeClass: number } {
  const p = classify({ bytes: size, pointers }, rules);
  // Tiny objects share a 16 B block: their footprint is their aligned size, not the block.
  if (p.kind === 'tiny') return { slotBytes: size, sizeClass: 0 };
  return { slotBytes: p.slotBytes, sizeClass: p.kind === 'small' ? p.sizeClass : 0 };
}

/** moves: fields not on a longest run kept in written order (n − LIS of the order). */
export function movesOf(order: readonly number[]): number {
  const tails: number[] = [];
  for (const x of order) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tails[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = x;
  }
  return order.length - tails.length;
}

/**
 * sortedOrder reaches the smallest size and, with it, the smallest pointer prefix: zero-size fields
 * first, then by alignment (sizes are multiples of alignments, so no padding is left inside), and
 * within the widest alignment (where every pointer lives) pointerful fields first, the one with the
 * most pointer-free tail last. Stable, so ties keep the written order.
 */
export function sortedOrder(fields: readonly LayoutField[]): number[] {
  const idx = fields.map((_, i) => i);
  const key = (i: number): [number, number, number, number] => {
    const f = fields[i]!;
    return [f.size === 0 ? 0 : 1, -f.align, f.ptrBytes > 0 ? 0 : 1, f.ptrBytes > 0 ? f.size - f.ptrBytes : 0];
  };
  return idx.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let k = 0; k < 4; k++) if (ka[k] !== kb[k]) return ka[k]! - kb[k]!;
    return a - b;
  });
}

/** Above this many fields the fewer-moves search is skipped (it is cubic per step). */
const maxFieldsForMoveSearch = 24;

/**
 * bestOrder: smallest slot, then smallest pointer prefix, then smallest size, then fewest moves.
 * The pointers (so scan or noscan, and the malloc header) do not depend on the order, so the
 * smallest size is the smallest slot; sortedOrder reaches it and the smallest pointer prefix; a greedy search of single-field moves from the written
 * order looks for the same cost with fewer fields moved (people review a diff of what moved).
 */
export function bestOrder(fields: readonly LayoutField[]): number[] {
  const written = fields.map((_, i) => i);
  const sorted = sortedOrder(fields);
  const target = orderCost(fields, sorted);
  const sortedMoves = movesOf(sorted);
  if (sortedMoves <= 1 || fields.length > maxFieldsForMoveSearch) return sorted;
  const reached = (c: OrderCost): boolean => c.size === target.size && c.ptrBytes === target.ptrBytes;
  const better = (a: OrderCost, b: OrderCost): boolean => a.size < b.size || (a.size === b.size && a.ptrBytes < b.ptrBytes);
  let cur = written;
  let curCost = orderCost(fields, cur);
  for (let step = 0; step < sortedMoves - 1; step++) {
    let bestNext: number[] | undefined;
    let bestCost = curCost;
    for (let from = 0; from < cur.length; from++) {
      for (let to = 0; to < cur.length; to++) {
        if (to === from) continue;
        const next = cur.slice();
        const [f] = next.splice(from, 1);
        next.splice(to, 0, f!);
        const c = orderCost(fields, next);
        if (better(c, bestCost)) {
          bestCost = c;
          bestNext = next;
        }
      }
    }
    if (!bestNext) break;
    cur = bestNext;
    curCost = bestCost;
    if (reached(curCost)) return movesOf(cur) < sortedMoves ? cur : sorted;
  }
  // Not reached by greedy single moves in fewer moves: the sorted order it is.
  return sorted;
}
