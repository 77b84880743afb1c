// The compiler's message catalogue (facts §1.2–1.4, §6): what a message (the text after `POS: `) says
// and what it is about, anchored on each message's fixed prefix/suffix, never on the expression in
// between (overview of the parsers: text.ts).
import type { DiagnosticKind } from './diagnostic.ts';
import { isInt } from './position.ts';

/** `cannot inline F: REASON` reasons (facts §1.3) that contain no `: `. */
const cannotInlineReasons = [
  'no name',
  'marked go:noinline',
  'marked go:norace with -race compilation',
  'marked go:nocheckptr',
  'marked go:cgo_unsafe_args',
  'marked as having a keep-alive uintptr argument',
  'marked as having an escaping uintptr argument',
  'marked go:yeswritebarrierrec',
  'no function body',
  'call to GetCallerPC',
  'call to GetCallerSP',
  'defer call in range func',
  'call to recover',
  'not inlining functions with closures',
  'recursive',
  'too expensive',
];

/**
 * messageKind maps a message (the text after `POS: `) to its kind and the expression it
 * is about. Messages of the catalogue that are none of the design's kinds, and unknown messages
 * (compile errors, newer wording), are `other`; `known` tells them apart.
 */
export function messageKind(m: string): { kind: DiagnosticKind; expr: string; known: boolean } {
  if (m.startsWith('moved to heap: ')) return { kind: 'moved-to-heap', expr: m.slice(15), known: true };
  if (m.startsWith('leaking param content: ')) return { kind: 'leaking-param-content', expr: m.slice(23), known: true };
  if (m.startsWith('leaking param: ')) {
    const to = m.indexOf(' to result ', 15);
    const level = m.lastIndexOf(' level=');
    if (to > 0 && level > to && isInt(m.slice(level + 7))) return { kind: 'leaking-param-result', expr: m.slice(15, to), known: true };
    return { kind: 'leaking-param', expr: m.slice(15), known: true };
  }
  if (m.endsWith(' escapes to heap')) return { kind: 'escapes', expr: m.slice(0, -16), known: true };
  if (m.endsWith(' does not escape')) return { kind: 'does-not-escape', expr: m.slice(0, -16), known: true };
  if (m.endsWith(' does not escape, mutate, or call')) return { kind: 'does-not-escape', expr: m.slice(0, -33), known: true };
  if (m.startsWith('can inline ')) {
    const cost = m.indexOf(' with cost ', 11);
    return { kind: 'can-inline', expr: cost > 0 ? m.slice(11, cost) : m.slice(11), known: true };
  }
  if (m.startsWith('cannot inline ')) return { kind: 'cannot-inline', expr: cannotInlineName(m.slice(14)), known: true };
  if (m.startsWith('inlining call to ')) {
    const score = m.lastIndexOf(' with score ');
    return { kind: 'inlining-call', expr: score > 0 && isInt(m.slice(score + 12)) ? m.slice(17, score) : m.slice(17), known: true };
  }
  for (const prefix of devirtPrefixes) {
    if (m.startsWith(prefix)) {
      const to = m.lastIndexOf(' to ');
      return { kind: 'devirtualized', expr: to > prefix.length ? m.slice(prefix.length, to) : m.slice(prefix.length), known: true };
    }
  }
  const expr = otherExpr(m);
  return { kind: 'other', expr: expr ?? '', known: expr !== undefined };
}

/**
 * isKnownMessage: whether a message is in the catalogue (an optimisation note of any kind), as opposed
 * to a compile error or a wording this parser does not know.
 */
export function isKnownMessage(m: string): boolean {
  return messageKind(m).known;
}

const devirtPrefixes = [
  'devirtualizing ',
  'partially devirtualizing ',
  'PGO devirtualizing interface call ',
  'PGO devirtualizing function call ',
  'PGO devirtualizing ',
];

function cannotInlineName(rest: string): string {
  for (const r of cannotInlineReasons) {
    if (rest.endsWith(': ' + r)) return rest.slice(0, -(r.length + 2));
  }
  const into = rest.indexOf(' into ');
  if (rest.endsWith(': repeated recursive cycle') && into > 0) return rest.slice(0, into);
  for (const marker of [': function too complex: ', ': unhandled op ']) {
    const at = rest.lastIndexOf(marker);
    if (at > 0) return rest.slice(0, at);
  }
  const colon = rest.indexOf(': ');
  return colon > 0 ? rest.slice(0, colon) : rest;
}

/** Catalogue messages (facts §1.2–1.4) of kind `other` that name no subject. */
const otherFixed = new Set([
  'zero-copy string->[]byte conversion',
  'index bounds check elided',
  'imprecise interface call',
  'closure converted to global',
  'open-coded defer',
  'stack-allocated defer',
  'heap-allocated defer',
  'Found IsInBounds',
  'Found IsSliceInBounds',
  'expr will be kept alive',
  'function result will be kept alive',
  'function results will be kept alive',
  'function arg will be kept alive',
  'dereference will be kept alive',
  'expr is unknown to bloop pass',
]);
const otherPrefixes = [
  'cannot devirtualize ',
  'should not PGO devirtualize ',
  'function ',
  'skip inlining within testing.B.loop for ',
  'leaking closure reference ',
  'rewriting OCONVIFACE value from ',
  'convert: ',
  'heap closure, captured vars = ',
  'stack closure, captured vars = ',
  'alias analysis: ',
  'live at ',
  'stack object ',
  'Before inlining: ',
  'After inlining ',
];

const bigSuffix = " considered 'big'; reducing max cost of inlinees";

/**
 * otherExpr recognises the catalogue's `other` messages and returns their subject
 * ('' when they have none); undefined for a message it does not know (a compile
 * error, a -m=3 trace, a newer compiler's wording).
 */
function otherExpr(m: string): string | undefined {
  if (otherFixed.has(m)) return '';
  const cap = m.indexOf(' capturing by ');
  if (cap > 0) {
    const colon = m.indexOf(': ', cap);
    const paren = m.lastIndexOf(' (addr=');
    if (colon > 0 && paren > colon) return m.slice(colon + 2, paren);
  }
  if (m.startsWith('assuming ') && m.endsWith(' is unsafe uintptr')) return m.slice(9, -18);
  if (m.startsWith('marking ')) {
    const as = m.lastIndexOf(' as escaping ');
    if (as > 8) return m.slice(8, as);
  }
  if (m.startsWith('loop variable ')) {
    const now = m.indexOf(' now per-iteration, ');
    if (now > 14) return m.slice(14, now);
  }
  if (m.startsWith('mutates param: ') || m.startsWith('calls param: ')) {
    const d = m.lastIndexOf(' derefs=');
    const start = m.indexOf(': ') + 2;
    if (d > start) return m.slice(start, d);
  }
  if (m.endsWith(' escapes to heap, not allowed in runtime')) return m.slice(0, -40);
  if (m.endsWith(' will be kept alive')) return m.slice(0, -19);
  if (m.includes(' loop ending at ') && m.includes(' was modified')) return '';
  const self = m.indexOf(' ignoring self-assignment in ');
  if (self > 0) return m.slice(self + 29);
  if (m.charCodeAt(0) === 91 /* [ */ && m.includes(' stmt: ')) return ''; // -m=3 `POS:[depth] F stmt: S`
  for (const suffix of [' non-looping label', ' looping label']) {
    if (m.endsWith(suffix)) return m.slice(0, -suffix.length).trim();
  }
  for (const prefix of otherPrefixes) {
    if (m.startsWith(prefix)) {
      if (prefix === 'function ') return m.endsWith(bigSuffix) ? m.slice(9, -bigSuffix.length) : undefined;
      return '';
    }
  }
  return undefined;
}
