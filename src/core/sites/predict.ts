// What a joined allocation site is and where it lands: its construct, from the expression's shape and
// its type fact, and the prediction constructs.ts and the allocator model give for it (overview: join.ts).
import { constructPredictions, dynamicRows, type ConstructSpec, type DynamicAlloc, type TypeShape } from '../alloc/constructs.ts';
import { classify, stackPrediction, unknownPrediction, type Prediction } from '../alloc/malloc.ts';
import type { AllocatorRules } from '../alloc/versions.ts';
import type { Diagnostic } from '../escape/diagnostic.ts';
import type { FactType, TypeFact } from './facts.ts';
import { hasTopLevelPlus, splitTopLevel, type ExprShape } from './shape.ts';
import type { AllocationSite, Construct, DynamicClassRange, TypeFacts } from './site.ts';

export type Built = Pick<
  AllocationSite,
  'construct' | 'type' | 'elements' | 'prediction' | 'objects' | 'dynamic' | 'unknownReason' | 'notes'
>;

export function toTypeFacts(t: FactType | undefined): TypeFacts | null {
  if (!t) return null;
  return { name: t.name, size: t.size, align: t.align, ptrBytes: t.ptrBytes };
}

function shape(t: FactType | undefined): TypeShape | undefined {
  if (!t || t.size === null || t.align === null || t.ptrBytes === null) return undefined;
  return { bytes: t.size, align: Math.max(1, t.align), pointers: t.ptrBytes > 0 };
}

function constructOf(s: ExprShape, fact: TypeFact | undefined, d: Diagnostic): Construct {
  if (d.kind === 'moved-to-heap') return 'moved-to-heap';
  switch (s.kind) {
    case 'new':
      return 'new';
    case 'addr-composite':
      return 'composite-lit';
    case 'composite':
      return fact?.type?.kind === 'struct' || fact?.type?.kind === 'array' ? 'interface-conv' : 'composite-lit';
    case 'make':
      return fact?.type?.kind === 'map' ? 'make-map' : fact?.type?.kind === 'chan' ? 'make-chan' : 'make-slice';
    case 'append':
      return 'append';
    case 'funclit':
      return 'closure';
    case 'variadic':
      return 'variadic';
    case 'conversion':
      return s.to === 'string' ? 'string-conv' : s.to === '[]rune' || s.to === '[]int32' ? 'runes-conv' : 'bytes-conv';
    case 'concat':
      return fact?.kind === 'iface' ? 'interface-conv' : 'string-concat';
    case 'value':
      return fact?.kind === 'methodvalue' ? 'closure' : fact?.kind === 'iface' ? 'interface-conv' : 'other';
  }
}

function unknown(rules: AllocatorRules, construct: Construct, why: string, t?: FactType, extra: Partial<Built> = {}): Built {
  return { construct, type: toTypeFacts(t), prediction: unknownPrediction(rules, (t?.ptrBytes ?? 0) > 0), unknownReason: why, ...extra };
}

/** Why a type has no size: a type parameter, or a type the helper could not determine. */
function typeParamWhy(...ts: (FactType | undefined)[]): string | undefined {
  const t = ts.find((x) => x?.dependsOnTypeParam || (x && x.size === null));
  if (!t) return undefined;
  return t.dependsOnTypeParam
    ? `the size of ${t.name} depends on a type parameter (generic code is compiled per shape)`
    : `the type ${t.name} could not be determined (type-check error in this package)`;
}

/** One shared, frozen table per (rules, runtime function, element size, pointers): thousands of sites share a handful. */
const dynamicCache = new WeakMap<AllocatorRules, Map<string, readonly DynamicClassRange[]>>();

/**
 * dynamicRanges: the class as a function of n, from what `alloc` (the runtime function the
 * construct calls) asks mallocgc for at each n: make([]T, n) asks for n*size, append and
 * []byte(s) round up to the slot first, string(b) of one byte allocates nothing (constructs.ts).
 */
export function dynamicRanges(alloc: DynamicAlloc, elem: TypeShape, rules: AllocatorRules): readonly DynamicClassRange[] {
  let perRules = dynamicCache.get(rules);
  if (!perRules) dynamicCache.set(rules, (perRules = new Map()));
  const k = `${alloc}/${elem.bytes}/${elem.pointers}`;
  let ranges = perRules.get(k);
  if (!ranges) perRules.set(k, (ranges = Object.freeze(computeDynamicRanges(alloc, elem, rules))));
  return ranges;
}

function computeDynamicRanges(alloc: DynamicAlloc, elem: TypeShape, rules: AllocatorRules): DynamicClassRange[] {
  return dynamicRows(alloc, elem, rules).map((r) => ({
    minN: r.nMin,
    maxN: Number.isFinite(r.nMax) ? r.nMax : null,
    prediction: classify({ bytes: r.requestBytes, pointers: elem.pointers }, rules),
  }));
}

/** The elements of the string conversions' runtime functions (bytes, runes). */
export const stringElem = {
  rawstring: { bytes: 1, align: 1, pointers: false },
  rawbyteslice: { bytes: 1, align: 1, pointers: false },
  rawruneslice: { bytes: 4, align: 4, pointers: false },
} as const satisfies Partial<Record<DynamicAlloc, TypeShape>>;
const bytesConvWhy =
  'the length is only known at run time: see the class as a function of n (bytes; the runtime rounds the capacity up to the size class)';
const runesConvWhy =
  'the rune count is only known at run time: see the class as a function of n (runes; the runtime rounds the capacity up to the size class)';

function isPointerShaped(t: FactType, rules: AllocatorRules): boolean {
  return t.size === rules.ptrSize && t.ptrBytes === rules.ptrSize;
}

function fromSpec(
  spec: ConstructSpec,
  construct: Construct,
  escapes: boolean,
  rules: AllocatorRules,
  t: FactType | undefined,
  extra: Partial<Built> = {},
): Built {
  const r = constructPredictions(spec, rules);
  const objects = r.objects.map((o) => ({ what: o.what, prediction: o.prediction }));
  const main = construct === 'closure' ? objects[objects.length - 1] : objects[0];
  let prediction: Prediction;
  if (main) prediction = main.prediction;
  else if (!escapes) prediction = stackPrediction(t?.size ?? 0, (t?.ptrBytes ?? 0) > 0, rules);
  else prediction = classify({ bytes: 0, pointers: false }, rules); // no mallocgc call at all (notes say why)
  return {
    construct,
    type: toTypeFacts(t),
    prediction,
    ...(objects.length ? { objects } : {}),
    ...(r.notes?.length ? { notes: r.notes } : {}),
    ...extra,
  };
}

/** -m prints constants as literals (go1.25+ substitutes them): strings, runes, numbers, booleans. */
const constantExpr = /^("|'|`|-?\d|-?\.\d|true$|false$)/;

/**
 * withoutFacts: what can still be said when no type facts sit at the position (the
 * construct was inlined from another package). Constants are static data whatever their
 * type; byte/rune/string results have a known element size, so their class as a
 * function of n is exact; everything else stays unknown.
 */
function withoutFacts(d: Diagnostic, s: ExprShape, construct: Construct, escapes: boolean, rules: AllocatorRules): Built {
  if (s.kind === 'value' && constantExpr.test(d.expr) && !hasTopLevelPlus(d.expr)) {
    return {
      construct: 'interface-conv',
      type: null,
      notes: ['a constant converted to an interface points at static data: no allocation'],
      prediction: escapes ? classify({ bytes: 0, pointers: false }, rules) : stackPrediction(0, false, rules),
    };
  }
  const noFacts = `no type facts at ${d.file}:${d.line}:${d.column} for "${d.expr}" (inlined from another package, generated code, or a construct the helper does not model)`;
  const dyn = (alloc: keyof typeof stringElem) => ({ dynamic: dynamicRanges(alloc, stringElem[alloc], rules) });
  if (construct === 'string-conv' || construct === 'string-concat')
    return unknown(
      rules,
      construct,
      'the length is only known at run time: see the class as a function of n (bytes)',
      undefined,
      dyn('rawstring'),
    );
  if (construct === 'bytes-conv') return unknown(rules, construct, bytesConvWhy, undefined, dyn('rawbyteslice'));
  if (construct === 'runes-conv') return unknown(rules, construct, runesConvWhy, undefined, dyn('rawruneslice'));
  return unknown(rules, construct, noFacts);
}

export function buildSite(d: Diagnostic, s: ExprShape, fact: TypeFact | undefined, escapes: boolean, rules: AllocatorRules): Built {
  const construct = constructOf(s, fact, d);
  if (!fact) return withoutFacts(d, s, construct, escapes, rules);
  const t = fact.type;
  const tp = typeParamWhy(t, fact.elem, fact.key);
  switch (fact.kind) {
    case 'var':
    case 'new':
    case 'addr-composite':
    case 'methodvalue': {
      if (tp) return unknown(rules, construct, tp, t);
      const sh = shape(t)!;
      if (d.kind === 'moved-to-heap' && rules.aggregatesScalarHeapLocals && !sh.pointers && sh.bytes < 16 && sh.bytes > 0) {
        return fromSpec({ kind: 'new', type: sh, escapes }, construct, escapes, rules, t, {
          notes: ['go1.25+: scalar heap variables < 16 B of one function may share one allocation (ssagen newHeapaddr)'],
        });
      }
      return fromSpec({ kind: 'new', type: sh, escapes }, construct, escapes, rules, t);
    }
    case 'funclit': {
      const caps = fact.captures ?? [];
      const bad = caps.find((c) => c.type.size === null);
      if (bad) return unknown(rules, construct, `captured ${bad.name} has a type-parameter-dependent size`, t);
      return fromSpec(
        { kind: 'closure', escapes, captures: caps.map((c) => ({ type: shape(c.type)!, reassigned: c.byRef })) },
        construct,
        escapes,
        rules,
        t,
      );
    }
    case 'composite':
    case 'make':
    case 'variadic': {
      const kind = t?.kind;
      if (kind === 'struct' || kind === 'array') {
        if (tp) return unknown(rules, construct, tp, t);
        // A struct/array literal escapes by being boxed into an interface (convT).
        return fromSpec({ kind: 'convert', type: shape(t)!, escapes }, construct, escapes, rules, t);
      }
      if (tp) return unknown(rules, construct, tp, t);
      if (kind === 'map') {
        if (fact.kind === 'make' && fact.len === undefined && /,/.test(d.expr.slice(5))) {
          return unknown(rules, construct, 'the map size hint is not a constant', t);
        }
        return fromSpec(
          {
            kind: 'makemap',
            key: shape(fact.key)!,
            elem: shape(fact.elem)!,
            hint: fact.len ?? 0,
            escapes,
            // A literal inserts its keys at once: the first group or bucket is allocated with it.
            ...(fact.kind === 'composite' && fact.len ? { inserts: fact.len } : {}),
          },
          construct,
          escapes,
          rules,
          t,
        );
      }
      if (kind === 'chan') {
        const hasSize = /,/.test(d.expr.slice(5));
        if (hasSize && fact.len === undefined) return unknown(rules, construct, 'the channel buffer size is not a constant', t);
        return fromSpec({ kind: 'makechan', elem: shape(fact.elem)!, size: fact.len ?? 0 }, construct, escapes, rules, t);
      }
      const elem = shape(fact.elem);
      if (!elem) return unknown(rules, construct, 'element type unknown', t);
      const elements = { type: toTypeFacts(fact.elem)!, len: fact.len ?? null, cap: fact.cap ?? fact.len ?? null };
      const n = fact.cap ?? fact.len;
      const lenKnown =
        fact.len !== undefined && (fact.cap !== undefined || splitTopLevel(d.expr.slice(5, -1)).length < 3 || fact.kind !== 'make');
      if (n === undefined || !lenKnown) {
        return unknown(rules, construct, 'the length is only known at run time: see the class as a function of n', t, {
          elements,
          dynamic: dynamicRanges('makeslice', elem, rules),
        });
      }
      return fromSpec({ kind: 'makeslice', elem, len: fact.len ?? n, cap: n, escapes, constantSize: true }, construct, escapes, rules, t, {
        elements,
      });
    }
    case 'append': {
      if (tp) return unknown(rules, construct, tp, t);
      const elem = shape(fact.elem)!;
      return unknown(
        rules,
        construct,
        'append grows the backing array from its run-time capacity: n is the capacity growslice asks for (the new length when ' +
          'appending to an empty slice or past twice the capacity, else twice the old capacity, 1.25× from 256 elements), ' +
          'which it rounds up to the size class before allocating',
        t,
        {
          elements: { type: toTypeFacts(fact.elem)!, len: null, cap: null },
          dynamic: dynamicRanges('growslice', elem, rules),
        },
      );
    }
    case 'conversion': {
      const len = fact.len;
      if (construct === 'bytes-conv' && len !== undefined)
        // The type facts give a length only for constant strings, which the compiler copies into a new [len]byte.
        return fromSpec({ kind: 'bytes-from-string', len, escapes, constant: true }, construct, escapes, rules, t);
      if (construct === 'bytes-conv') {
        return unknown(rules, construct, bytesConvWhy, t, { dynamic: dynamicRanges('rawbyteslice', stringElem.rawbyteslice, rules) });
      }
      if (construct === 'string-conv') {
        return unknown(rules, construct, 'the length is only known at run time: see the class as a function of n (bytes)', t, {
          dynamic: dynamicRanges('rawstring', stringElem.rawstring, rules),
        });
      }
      return unknown(rules, construct, runesConvWhy, t, { dynamic: dynamicRanges('rawruneslice', stringElem.rawruneslice, rules) });
    }
    case 'makechan':
    case 'mapassign':
    case 'concat-assign':
      // Never joined with a diagnostic (the compiler prints none): sourceSites.ts builds these.
      return unknown(rules, construct, 'a construct found only in the source', t);
    case 'gowrap':
    case 'move2heap':
    case 'func': // an extent, never in byPos (join.ts)
      // Sites of their own (compilerLineSites.ts), never a diagnostic's fact.
      return unknown(rules, construct, 'no compiler line reports this construct here', t);
    case 'concat':
      return unknown(
        rules,
        construct,
        "the result length is the sum of the operands' run-time lengths: see the class as a function of n (bytes)",
        t,
        { dynamic: dynamicRanges('rawstring', stringElem.rawstring, rules) },
      );
    case 'iface': {
      if (tp || !t) return unknown(rules, construct, tp ?? 'converted type unknown', t);
      const sh = shape(t)!;
      const conv: ConstructSpec = {
        kind: 'convert',
        type: sh,
        escapes,
        shape: isPointerShaped(t, rules) ? 'pointer-shaped' : t.kind === 'string' ? 'string' : t.kind === 'slice' ? 'slice' : 'value',
        ...(fact.const ? { staticValue: 'constant' as const } : {}),
      };
      const smallInt = t.kind === 'basic' && !fact.const && !sh.pointers && sh.bytes === sh.align && [2, 4, 8].includes(sh.bytes);
      return fromSpec(
        conv,
        construct,
        escapes,
        rules,
        t,
        smallInt && escapes
          ? {
              notes: [`values below 256 box into runtime.staticuint64s without allocating (convT${sh.bytes * 8})`],
            }
          : {},
      );
    }
  }
}
