// What an allocation diagnostic is about, read off the expression as -m prints it (overview: join.ts).
import type { DiagnosticKind } from '../escape/diagnostic.ts';

/** The diagnostics that can become allocation sites. */
export const allocKinds: ReadonlySet<DiagnosticKind> = new Set(['escapes', 'moved-to-heap', 'does-not-escape']);

/** Splits `a, b(c, d), e` at top-level commas. */
export function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export type ExprShape =
  | { kind: 'new'; type: string }
  | { kind: 'addr-composite'; type: string }
  | { kind: 'composite'; type: string }
  | { kind: 'make'; type: string }
  | { kind: 'append' }
  | { kind: 'funclit' }
  | { kind: 'variadic' }
  | { kind: 'conversion'; to: string }
  | { kind: 'concat' }
  | { kind: 'value' };

/** exprShape reads the construct off the expression as -m prints it (escape-output.md §1.5). */
export function exprShape(expr: string): ExprShape {
  if (expr === 'func literal') return { kind: 'funclit' };
  if (expr === '... argument') return { kind: 'variadic' };
  if (expr === 'append' || expr.startsWith('append(')) return { kind: 'append' };
  if (expr.startsWith('new(') && expr.endsWith(')')) return { kind: 'new', type: expr.slice(4, -1) };
  if (expr.startsWith('make(') && expr.endsWith(')')) return { kind: 'make', type: splitTopLevel(expr.slice(5, -1))[0] ?? '' };
  const lit = /^(&?)(.+?)\{(\.\.\.)?\}$/s.exec(expr);
  if (lit && !expr.startsWith('func(') && lit[2] !== undefined && !/[\s+]$/.test(lit[2])) {
    return lit[1] ? { kind: 'addr-composite', type: lit[2] } : { kind: 'composite', type: lit[2] };
  }
  const conv = /^(string|\(\[\]byte\)|\(\[\]rune\)|\(\[\]uint8\)|\(\[\]int32\))\(/.exec(expr);
  if (conv && expr.endsWith(')')) return { kind: 'conversion', to: conv[1]!.replace(/^\((.*)\)$/, '$1') };
  if (hasTopLevelPlus(expr)) return { kind: 'concat' };
  return { kind: 'value' };
}

/**
 * hasTopLevelPlus: ` + ` outside string and rune literals. Whether a `+` expression is a constant is
 * the type checker's answer (the helper's concat/iface facts), not this; this only tells a
 * concatenation (`"v" + ~r0`) from one literal that contains " + ".
 */
export function hasTopLevelPlus(expr: string): boolean {
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '"' || c === "'") {
      for (i++; i < expr.length && expr[i] !== c; i++) if (expr[i] === '\\') i++;
    } else if (c === '`') {
      i = expr.indexOf('`', i + 1);
      if (i < 0) return false;
    } else if (c === '+' && expr[i - 1] === ' ' && expr[i + 1] === ' ') return true;
  }
  return false;
}
