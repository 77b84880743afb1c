// -m=2 explanation blocks (overview of the parsers: text.ts): the header (`X escapes to heap in F:`,
// `parameter p leaks to {heap} for F with derefs=0:`; go1.24 and older print no `in F`/`for F`), the
// step lines under it (`  flow: …`, `    from WHERE (WHY) at POS`, `  warning: …`), and the state of
// the block the text parser has open.
import type { FlowStep } from './diagnostic.ts';
import { isInt, parsePosition, resolveFile, type PrintedPosition } from './position.ts';

export interface OpenBlock {
  /** `explanation` for -m=2 blocks; `other` for a -m=3 `Before inlining:`/`After inlining` line and its IR dump. */
  readonly kind: 'explanation' | 'other';
  readonly posText: string;
  readonly pos: PrintedPosition;
  readonly message: string;
  readonly expr: string;
  readonly func: string | undefined;
  readonly steps: FlowStep[];
  readonly inputLine: number;
  lines: number;
  /** The `want` option declined it (or its steps, `bare`): lines are counted, steps not kept. */
  readonly skip: boolean;
  readonly bare: boolean;
  /** deferSteps: the step lines are kept in `raw` (after `POS: `, joined by `\n`), not parsed. */
  readonly defer: boolean;
  raw: string;
}

/**
 * openBlock: a block as the text parser opens it, on its first line; `want` is the parser's `want`
 * answer for it, `deferSteps` the parser's option (a block defers its steps only when wanted whole).
 */
export function openBlock(
  kind: OpenBlock['kind'],
  pos: PrintedPosition,
  posText: string,
  message: string,
  header: { readonly expr: string; readonly func: string | undefined },
  inputLine: number,
  want: boolean | 'bare',
  deferSteps: boolean,
): OpenBlock {
  return {
    kind,
    posText,
    pos,
    message,
    expr: header.expr,
    func: header.func,
    steps: [],
    inputLine,
    lines: 1,
    skip: want !== true,
    bare: want === 'bare',
    defer: want === true && deferSteps,
    raw: '',
  };
}

export function appendRaw(raw: string, step: string): string {
  return raw === '' ? step : raw + '\n' + step;
}

/** The WHY of `from WHERE (WHY) at POS` lines (facts §1.3), all versions. */
const flowReasons = new Set([
  'address-of',
  'indirection',
  'dot',
  'dot of pointer',
  'fixed-array-index-of',
  'slice',
  'slice-to-array',
  'interface-converted',
  'array literal element',
  'slice-literal-element',
  'struct literal element',
  'map literal key',
  'map literal value',
  'spill',
  'reference',
  'captured by a closure',
  'call parameter',
  'callee operand',
  'appendee slice',
  'appended slice...',
  'copied slice',
  'range',
  'range-deref',
  'switch case',
  'send',
  'assign',
  'assign-pair',
  'assign-pair-dot-type',
  'assign-pair-mapr',
  'assign-pair-receive',
  'return',
  'key of map put',
  'conversion to unsafe.Pointer',
  '//go:uintptrescapes',
  'reflect.Header.Data',
  'too large for stack',
  'too aligned for stack',
  'zero-sized element',
  'non-constant size',
]);
const longestReason = 40;

/** isStepAt: whether text from `at` is a step line (parseStep would return a step), without building it. */
export function isStepAt(text: string, at: number): boolean {
  let i = at;
  while (i < text.length && text.charCodeAt(i) === 32) i++;
  if (i - at === 2) return text.startsWith('flow: ', i) || text.startsWith('warning: ', i);
  return i - at === 4 && text.startsWith('from ', i);
}

export function parseStep(message: string, baseDir: string | undefined): FlowStep | undefined {
  // message still has its indentation: `  flow: …`, `    from …`, `  warning: …`.
  let i = 0;
  while (i < message.length && message.charCodeAt(i) === 32) i++;
  const text = message.slice(i);
  if (i === 2 && text.startsWith('flow: ')) return { kind: 'flow', text };
  if (i === 4 && text.startsWith('from ')) return parseFrom(text, baseDir);
  if (i === 2 && text.startsWith('warning: ')) return { kind: 'note', text };
  return undefined;
}

/** `from WHERE (WHY) at POS`: WHY is from a closed set; WHERE and POS can contain anything. */
function parseFrom(text: string, baseDir: string | undefined): FlowStep {
  // WHY is known and short, POS ends the line: try the last `) at ` first (a path
  // rarely contains one), then the first (a WHERE string literal may). Two tries keep
  // this linear on hostile input.
  const last = text.lastIndexOf(') at ');
  const first = text.indexOf(') at ', 5);
  let fallback: FlowStep | undefined;
  for (const close of first >= 0 && first !== last ? [last, first] : [last]) {
    if (close < 5) continue;
    const segStart = Math.max(5, close - longestReason - 2);
    const rel = text.slice(segStart, close).lastIndexOf(' (');
    if (rel < 0) continue;
    const open = segStart + rel;
    const pos = parsePosition(text.slice(close + 5));
    if (pos === undefined) continue;
    const why = text.slice(open + 2, close);
    const step: MutableStep = { kind: 'from', text, why, where: text.slice(5, open), file: pos.file, line: pos.line, column: pos.column };
    const abs = baseDir !== undefined ? resolveFile(baseDir, pos.file) : undefined;
    if (abs !== undefined) step.absFile = abs;
    if (flowReasons.has(why)) return step;
    fallback ??= step;
  }
  return fallback ?? { kind: 'from', text };
}

type MutableStep = { -readonly [K in keyof FlowStep]: FlowStep[K] };

/** -m=2 explanation headers, go1.25+ (`in F`/`for F`) and go1.24 and older. */
export function parseExplanationHeader(m: string): { expr: string; func: string | undefined } | undefined {
  if (m.charCodeAt(m.length - 1) !== 58 /* : */) return undefined;
  const body = m.slice(0, -1);
  if (body.startsWith('parameter ')) {
    const leaks = body.indexOf(' leaks to ', 10);
    const derefs = body.lastIndexOf(' with derefs=');
    if (leaks < 0 || derefs < leaks || !isInt(body.slice(derefs + 13))) return undefined;
    const loc = body.slice(leaks + 10, derefs);
    const forAt = loc.lastIndexOf(' for ');
    return { expr: body.slice(10, leaks), func: forAt >= 0 ? loc.slice(forAt + 5) : undefined };
  }
  const inAt = body.lastIndexOf(' escapes to heap in ');
  if (inAt > 0) return { expr: body.slice(0, inAt), func: body.slice(inAt + 20) };
  if (body.endsWith(' escapes to heap')) return { expr: body.slice(0, -16), func: undefined };
  return undefined;
}
