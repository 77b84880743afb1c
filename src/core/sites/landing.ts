// Where one object lands, in words: the table rows, the one-line answer, the short forms used
// by hints and dynamic-size lists, and the heap bytes one execution of a site takes. Shared by
// the hover, the hints, the Heap view and the CLI's --text.
import type { Prediction } from '../alloc/malloc.ts';
import { spanClassName } from '../alloc/spanclass.ts';
import { compactBytes } from './markdown.ts';

/** scanWord: the span kind as the runtime names it. */
export function scanWord(p: Prediction): string {
  return p.noscan ? 'noscan' : 'scan';
}

/** spanBytes: bytes of one span of the prediction's span class. */
function spanBytes(p: Prediction): number {
  return p.npages * 8192;
}

function pages(n: number): string {
  return `${n} page${n === 1 ? '' : 's'}`;
}

/**
 * spanTailBytes: span bytes holding no object. The slots' rounding waste is per object; this is
 * the tail plus in-span reserves (heap bits, inline mark bits), as (*mheap).initSpan leaves them.
 */
export function spanTailBytes(p: Prediction): number {
  if (p.kind === 'large') return p.slotBytes - p.requestBytes;
  if (p.kind !== 'small' && p.kind !== 'tiny') return 0;
  return spanBytes(p) - p.objectsPerSpan * p.slotBytes;
}

/**
 * heapBytes: heap bytes one execution of the site takes: the slot for small and large objects,
 * the object's steady-state share of a 16 B block for tiny ones (request + its waste share),
 * 0 for what allocates nothing (stack, zerobase, static data) or has no known size.
 */
export function heapBytes(p: Prediction): number {
  switch (p.kind) {
    case 'tiny':
      return p.requestBytes + p.wasteBytes;
    case 'small':
    case 'large':
      return p.slotBytes;
    default:
      return 0;
  }
}

/** largeCutoffBytes: mallocgc's small-object limit for the prediction's version (the header moved it in go1.22). */
function largeCutoffBytes(p: Prediction): number {
  return p.goVersion && Number(p.goVersion.split('.')[1]) >= 22 ? 32760 : 32768;
}

/** predictionRows: the table rows describing where one object lands. */
export function predictionRows(p: Prediction): [string, string][] {
  switch (p.kind) {
    case 'zero':
      return [['Lands in', 'no allocation: zero-size objects share runtime.zerobase']];
    case 'stack':
      return [['Lands in', 'the stack (does not escape): no heap allocation']];
    case 'unknown':
      return [['Lands in', 'unknown: the size is not known at compile time']];
    case 'tiny': {
      const per = p.tinyPerBlock ?? 1;
      return [
        ['Size class', `${p.sizeClass} · 16 B tiny block shared by up to ${per} such object${per === 1 ? '' : 's'}`],
        ['Span class', `${p.spanClass} (${spanClassName(p.spanClass)}, the tiny allocator)`],
        ['Span', `${pages(p.npages)} (${compactBytes(spanBytes(p))}) · ${p.objectsPerSpan} blocks`],
        ['Waste', `${p.wasteBytes} B/object · ${spanTailBytes(p)} B/span`],
      ];
    }
    case 'small':
      return [
        ['Size class', `${p.sizeClass} · ${p.slotBytes} B slot`],
        ['Span class', `${p.spanClass} (${spanClassName(p.spanClass)})`],
        ['Span', `${pages(p.npages)} (${compactBytes(spanBytes(p))}) · ${p.objectsPerSpan} objects`],
        [
          'Waste',
          `${p.wasteBytes} B/object · ${spanTailBytes(p)} B/span${p.spanReserveBytes ? ` (${p.spanReserveBytes} B reserved for mark/heap bits)` : ''}`,
        ],
      ];
    case 'large':
      return [
        ['Size class', `0 (large object, > ${largeCutoffBytes(p)} B)`],
        ['Span class', `${p.spanClass} (${spanClassName(p.spanClass)}), its own span`],
        ['Span', `${pages(p.npages)} (${compactBytes(p.slotBytes)}) · 1 object`],
        ['Waste', `${p.wasteBytes} B (page rounding)`],
      ];
  }
}

/**
 * answerLine: the one line a hover leads with: the slot, the span class, objects per span and
 * the waste, for an object whose size is known. undefined when nothing lands on the heap or the
 * size is unknown (the hover says why instead).
 */
export function answerLine(p: Prediction): string | undefined {
  switch (p.kind) {
    case 'tiny':
      return (
        `16 B tiny block (size class ${p.sizeClass}), shared by up to ${p.tinyPerBlock ?? 1} · ` +
        `span class ${p.spanClass} (${spanClassName(p.spanClass)}) · ${p.objectsPerSpan} blocks/span · waste ${p.wasteBytes} B/object`
      );
    case 'small':
      return (
        `${p.slotBytes} B slot (size class ${p.sizeClass}) · span class ${p.spanClass} (${spanClassName(p.spanClass)}) · ` +
        `${p.objectsPerSpan} objects/span (${pages(p.npages)}) · waste ${p.wasteBytes} B/object + ${spanTailBytes(p)} B/span`
      );
    case 'large':
      return (
        `large object: its own ${pages(p.npages)} span (${compactBytes(p.slotBytes)}) · span class ${p.spanClass} ` +
        `(${spanClassName(p.spanClass)}) · 1 object/span · waste ${p.wasteBytes} B (page rounding)`
      );
    default:
      return undefined;
  }
}

/** objectSummary: one line for one object's landing place ("48 B slot, c5 scan, 170/span"); the CLI's --text uses it. */
export function objectSummary(p: Prediction): string {
  switch (p.kind) {
    case 'zero':
      return 'zerobase (no allocation)';
    case 'stack':
      return 'stack';
    case 'unknown':
      return 'size unknown';
    case 'tiny':
      return `${p.requestBytes} B in a 16 B tiny block (span class ${p.spanClass})`;
    case 'small':
      return `${p.requestBytes} B → ${p.slotBytes} B slot, span class ${p.spanClass} (${spanClassName(p.spanClass)}), ${p.objectsPerSpan}/span`;
    case 'large':
      return `${p.requestBytes} B → large, ${p.npages} pages, span class ${p.spanClass} (${scanWord(p)})`;
  }
}

/** shortLanding: the fewest words for a landing place, for lists that must stay on a line or two ("48 B c5 scan"). */
export function shortLanding(p: Prediction): string {
  switch (p.kind) {
    case 'zero':
      return 'no alloc';
    case 'stack':
      return 'stack';
    case 'unknown':
      return '?';
    case 'tiny':
      return `${p.requestBytes} B tiny`;
    case 'small':
      return `${p.slotBytes} B ${spanClassName(p.spanClass)}`;
    case 'large':
      return `large ${compactBytes(p.slotBytes)}`;
  }
}

/** classShort: the class alone ("tiny", "c5", "large"), for a dynamic site's range in a hint. */
export function classShort(p: Prediction): string {
  switch (p.kind) {
    case 'tiny':
      return 'tiny';
    case 'small':
      return `c${p.sizeClass}`;
    case 'large':
      return 'large';
    case 'zero':
      return 'zero';
    default:
      return '?';
  }
}
