// What each Go construct asks mallocgc for: every object, its size and whether it has
// pointers, per Go version. See malloc.ts for the allocator overview; this file stops
// at the mallocgc call and classify() takes it from there. Runtime sources mirrored:
// runtime/slice.go (makeslice, growslice, nextslicecap), runtime/string.go
// (concatstrings, slicebytetostring, rawbyteslice, rawruneslice), runtime/iface.go
// (convT*), runtime/chan.go (makechan), runtime/map.go (go1.21–1.25 hmap) and
// internal/runtime/maps (go1.24+ swiss tables), cmd/compile walk/convert.go (dataWord)
// and walk/closure.go; docs/runtime-facts.md §6 and §7.
//
// Only escaping values are modelled as heap objects; where the compiler keeps a value
// on the stack the result has no objects and a note says why.
import { classify, roundupsize, type Prediction } from './malloc.ts';
import { ModelInputError, type AllocatorRules } from './versions.ts';
import { checkCount, checkType, ptrType, structLayout, type TypeShape } from './layout.ts';
import { hmapRequests, swissMapRequests } from './map.ts';
import { withInserts } from './mapgrowth.ts';
import { growslice } from './slice.ts';

export { structLayout, type TypeShape } from './layout.ts';
export { swissGroup, hmapBucket } from './map.ts';
export * from './slice.ts';

export interface ClosureCapture {
  readonly type: TypeShape;
  /** The variable is assigned after capture or has its address taken: captured by reference. */
  readonly reassigned?: boolean;
}

/** One construct, as an escape-analysed site presents it. `escapes` defaults to true. */
export type ConstructSpec =
  | { readonly kind: 'new'; readonly type: TypeShape; readonly escapes?: boolean }
  | {
      readonly kind: 'makeslice';
      readonly elem: TypeShape;
      readonly len: number;
      readonly cap?: number;
      readonly escapes?: boolean;
      readonly constantSize?: boolean;
    }
  | { readonly kind: 'append'; readonly elem: TypeShape; readonly oldCap: number; readonly newLen: number; readonly escapes?: boolean }
  | { readonly kind: 'string-from-bytes'; readonly len: number; readonly escapes?: boolean }
  | {
      readonly kind: 'bytes-from-string';
      readonly len: number;
      readonly escapes?: boolean;
      /** The string is a constant: the compiler allocates a [len]byte itself, with no rounding (walk/convert.go walkStringToBytes). */
      readonly constant?: boolean;
    }
  | { readonly kind: 'runes-from-string'; readonly runes: number; readonly escapes?: boolean }
  | { readonly kind: 'concat'; readonly operandBytes: readonly number[]; readonly escapes?: boolean; readonly operandOnStack?: boolean }
  | { readonly kind: 'closure'; readonly captures: readonly ClosureCapture[]; readonly escapes?: boolean }
  | {
      readonly kind: 'convert';
      readonly type: TypeShape;
      /** string/slice use convTstring/convTslice; pointer-shaped types (pointers, maps, chans, funcs, 1-pointer structs) need no allocation. */
      readonly shape?: 'value' | 'string' | 'slice' | 'pointer-shaped';
      /** The value is known to be zero/empty/nil, or an integer < 256 (runtime shortcuts), or a constant/read-only global. */
      readonly staticValue?: 'small-int' | 'empty' | 'constant';
      readonly escapes?: boolean;
    }
  | {
      readonly kind: 'makemap';
      readonly key: TypeShape;
      readonly elem: TypeShape;
      readonly hint: number;
      readonly escapes?: boolean;
      /** Distinct keys inserted right after make, as a map literal does (its hint is its length): their growth objects too. */
      readonly inserts?: number;
    }
  | { readonly kind: 'makechan'; readonly elem: TypeShape; readonly size: number };

/** One mallocgc call: its size argument and whether the type has pointers. */
export interface ObjectRequest {
  readonly what: string;
  readonly bytes: number;
  readonly pointers: boolean;
}

export interface ConstructRequests {
  /** Every heap object the construct allocates, in the order the runtime allocates them. */
  readonly objects: readonly ObjectRequest[];
  /** append / []byte(s) / []rune(s): the capacity of the resulting slice. */
  readonly newCap?: number;
  readonly notes?: readonly string[];
}

const maxAlignedStackBytes = 64 << 10; // ir.MaxImplicitStackVarSize
const tmpBufBytes = 32; // runtime/string.go tmpStringBufSize
const zeroValBytes = 1024; // abi.ZeroValSize: non-escaping conversions up to this use a stack temporary
const variableMakeThresholdBytes = 32; // go1.25+ Debug.VariableMakeThreshold
const closureByValueMaxBytes = 128; // escape.go: captured by value only if ≤ 128 B

const none = (note: string): ConstructRequests => ({ objects: [], notes: [note] });

/** constructRequests lists every mallocgc call a construct makes on this version/arch. */
export function constructRequests(c: ConstructSpec, rules: AllocatorRules): ConstructRequests {
  switch (c.kind) {
    case 'new': {
      checkType('type', c.type);
      if (c.type.bytes === 0) return none('zero-size type: &zerobase, no allocation');
      if (c.escapes === false) return none('does not escape: stack');
      return { objects: [{ what: 'newobject', bytes: c.type.bytes, pointers: c.type.pointers }] };
    }
    case 'makeslice': {
      checkType('element', c.elem);
      checkCount('len', c.len);
      const cap = c.cap ?? c.len;
      checkCount('cap', cap);
      if (cap < c.len) throw new ModelInputError(`makeslice: len ${c.len} > cap ${cap}: the runtime panics (cap out of range)`);
      const bytes = c.elem.bytes * cap; // makeslice does not round the capacity
      if (bytes === 0) return none('zero bytes: &zerobase, no allocation');
      if (c.escapes === false) {
        if (c.constantSize && bytes <= maxAlignedStackBytes) return none('does not escape, constant size ≤ 64 KiB: stack');
        if (!c.constantSize && rules.goMinor >= 25 && bytes <= variableMakeThresholdBytes) {
          return none('does not escape, variable size ≤ 32 B: go1.25+ stack buffer');
        }
      }
      return { objects: [{ what: 'makeslice', bytes, pointers: c.elem.pointers }] };
    }
    case 'append': {
      checkType('element', c.elem);
      // go1.25+ (cmd/compile ssagen append): an append to an empty slice that does not escape
      // uses a stack store of K = 32/elemsize elements when newLen ≤ K, once per call of the
      // enclosing function (a `used` flag): in a loop only the first iteration gets it. The
      // fidelity suite saw 63 heap objects for 64 iterations on go1.25–1.27.
      const stackK = c.elem.bytes > 0 ? Math.floor(variableMakeThresholdBytes / c.elem.bytes) : 0;
      if (c.escapes === false && rules.goMinor >= 25 && c.oldCap === 0 && c.newLen >= 1 && c.newLen <= stackK) {
        return {
          objects: [],
          newCap: stackK,
          notes: [
            'go1.25+: append to an empty non-escaping slice uses a 32 B stack store, once per call (later appends in a loop use growslice)',
          ],
        };
      }
      const g = growslice(c.oldCap, c.newLen, c.elem.bytes, c.elem.pointers, rules);
      const notes: string[] = [];
      if (c.escapes === false && rules.goMinor >= 26)
        notes.push('go1.26+: a non-escaping append may grow inside a 32 B stack store (growsliceBuf)');
      if (g.bytes === 0) return { objects: [], newCap: g.newCap, notes: ['zero-size elements: &zerobase, no allocation', ...notes] };
      return {
        objects: [{ what: 'growslice', bytes: g.bytes, pointers: c.elem.pointers }],
        newCap: g.newCap,
        ...(notes.length ? { notes } : {}),
      };
    }
    case 'string-from-bytes': {
      checkCount('length', c.len);
      if (c.len === 0) return none('empty: "" with no allocation');
      if (c.len === 1) return none('one byte: points into runtime.staticuint64s, no allocation');
      if (c.escapes === false && c.len <= tmpBufBytes) return none("does not escape, ≤ 32 B: the caller's stack tmpBuf");
      return { objects: [{ what: 'slicebytetostring', bytes: c.len, pointers: false }] };
    }
    case 'bytes-from-string': {
      checkCount('length', c.len);
      if (c.constant) {
        if (c.len === 0)
          return { objects: [], newCap: 0, notes: ['[]byte of an empty constant: new([0]byte) is &zerobase, no allocation'] };
        if (c.escapes === false && c.len <= maxAlignedStackBytes)
          return { objects: [], newCap: c.len, notes: ['does not escape, constant string ≤ 64 KiB: a [n]byte on the stack'] };
        return { objects: [{ what: 'new([n]byte)', bytes: c.len, pointers: false }], newCap: c.len };
      }
      if (c.escapes === false && c.len <= tmpBufBytes)
        return { objects: [], newCap: tmpBufBytes, notes: ["does not escape, ≤ 32 B: the caller's stack tmpBuf"] };
      const cap = roundupsize(c.len, true, rules); // rawbyteslice rounds the capacity
      if (cap === 0) return { objects: [], newCap: 0, notes: ['empty: &zerobase, no allocation'] };
      return { objects: [{ what: 'rawbyteslice', bytes: cap, pointers: false }], newCap: cap };
    }
    case 'runes-from-string': {
      checkCount('rune count', c.runes);
      if (c.escapes === false && c.runes <= tmpBufBytes)
        return { objects: [], newCap: tmpBufBytes, notes: ["does not escape, ≤ 32 runes: the caller's stack [32]rune"] };
      const mem = roundupsize(c.runes * 4, true, rules); // rawruneslice
      if (mem === 0) return { objects: [], newCap: 0, notes: ['empty: &zerobase, no allocation'] };
      return { objects: [{ what: 'rawruneslice', bytes: mem, pointers: false }], newCap: Math.floor(mem / 4) };
    }
    case 'concat': {
      let total = 0;
      let nonEmpty = 0;
      for (const n of c.operandBytes) {
        checkCount('operand length', n);
        total += n;
        if (n > 0) nonEmpty++;
      }
      if (nonEmpty === 0) return none('all operands empty: "" with no allocation');
      // concatstrings returns the only non-empty operand when the result stays in the frame
      // or that operand's bytes are not on the stack.
      if (nonEmpty === 1 && (c.escapes === false || !c.operandOnStack)) return none('one non-empty operand: returned as is, no allocation');
      if (c.escapes === false && total <= tmpBufBytes) return none("does not escape, ≤ 32 B: the caller's stack tmpBuf");
      return { objects: [{ what: 'rawstring', bytes: total, pointers: false }] };
    }
    case 'closure':
      return closureRequests(c.captures, c.escapes ?? true, rules);
    case 'convert':
      return convertRequests(c, rules);
    case 'makemap':
      return withInserts(rules.swissMaps ? swissMapRequests(c, rules) : hmapRequests(c, rules), c, rules);
    case 'makechan': {
      checkType('element', c.elem);
      checkCount('buffer size', c.size);
      if (c.elem.bytes >= 1 << 16) throw new ModelInputError('makechan: element size ≥ 64 KiB is a compile error');
      const mem = c.elem.bytes * c.size;
      const hchan = rules.hchanSizeBytes;
      // makechan: the hchan and an unscanned buffer share one noscan object; a buffer with
      // pointers is its own object so the GC can scan it with the element type.
      if (mem === 0) return { objects: [{ what: 'hchan', bytes: hchan, pointers: false }] };
      if (!c.elem.pointers) return { objects: [{ what: 'hchan+buf', bytes: hchan + mem, pointers: false }] };
      return {
        objects: [
          { what: 'hchan', bytes: hchan, pointers: true },
          { what: 'chan buf', bytes: mem, pointers: true },
        ],
      };
    }
  }
}

function closureRequests(captures: readonly ClosureCapture[], escapes: boolean, rules: AllocatorRules): ConstructRequests {
  if (captures.length === 0) return none('no captures: a static funcval, no allocation');
  const uintptr: TypeShape = { bytes: rules.ptrSize, align: rules.ptrSize, pointers: false };
  const fields: TypeShape[] = [uintptr];
  const moved: ObjectRequest[] = [];
  const notes: string[] = [];
  for (const [i, cap] of captures.entries()) {
    checkType(`capture ${i}`, cap.type);
    const byValue = !cap.reassigned && cap.type.bytes <= closureByValueMaxBytes;
    if (byValue) {
      fields.push(cap.type);
      continue;
    }
    fields.push(ptrType(rules));
    // A variable captured by reference lives on the heap when the closure escapes.
    if (escapes && cap.type.bytes > 0) {
      moved.push({ what: `captured variable ${i} (moved to heap)`, bytes: cap.type.bytes, pointers: cap.type.pointers });
      if (rules.aggregatesScalarHeapLocals && !cap.type.pointers && cap.type.bytes < 16) {
        notes.push(`go1.25+: scalar heap locals < 16 B of one function share one allocation (capture ${i})`);
      }
    }
  }
  if (!escapes) return none('closure does not escape: stack');
  const layout = structLayout(fields);
  return { objects: [...moved, { what: 'closure', bytes: layout.bytes, pointers: layout.pointers }], ...(notes.length ? { notes } : {}) };
}

function convertRequests(c: Extract<ConstructSpec, { kind: 'convert' }>, rules: AllocatorRules): ConstructRequests {
  checkType('type', c.type);
  const t = c.type;
  const shape = c.shape ?? 'value';
  // cmd/compile walk/convert.go dataWord: the cases that need no allocation come first.
  if (shape === 'pointer-shaped') return none('pointer-shaped type: stored directly in the interface');
  if (t.bytes === 0) return none('zero-size: &zerobase');
  if (t.bytes === 1 && !t.pointers) return none('one byte: points into runtime.staticuint64s');
  if (c.staticValue === 'constant') return none('constant or read-only global: static data');
  if (c.escapes === false && t.bytes <= zeroValBytes) return none('does not escape, ≤ 1024 B: stack temporary');
  if (shape === 'string') {
    if (c.staticValue === 'empty') return none('convTstring of "": &zeroVal');
    return { objects: [{ what: 'convTstring', bytes: 2 * rules.ptrSize, pointers: true }] };
  }
  if (shape === 'slice') {
    if (c.staticValue === 'empty') return none('convTslice of nil: &zeroVal');
    return { objects: [{ what: 'convTslice', bytes: 3 * rules.ptrSize, pointers: true }] };
  }
  // convT16/32/64 need the alignment of uint16/32/64; uint64 is 4-aligned on 32-bit targets.
  const u64Align = Math.min(8, rules.ptrSize);
  if (!t.pointers && ((t.bytes === 2 && t.align === 2) || (t.bytes === 4 && t.align === 4) || (t.bytes === 8 && t.align === u64Align))) {
    if (c.staticValue === 'small-int' || c.staticValue === 'empty')
      return none(`convT${t.bytes * 8} of a value < 256: points into runtime.staticuint64s`);
    return { objects: [{ what: `convT${t.bytes * 8}`, bytes: t.bytes, pointers: false }] };
  }
  return { objects: [{ what: t.pointers ? 'convT' : 'convTnoptr', bytes: t.bytes, pointers: t.pointers }] };
}

/** A construct's objects with the allocator's answer for each. */
export function constructPredictions(
  c: ConstructSpec,
  rules: AllocatorRules,
): { objects: (ObjectRequest & { prediction: Prediction })[]; newCap?: number; notes?: readonly string[] } {
  const r = constructRequests(c, rules);
  return { ...r, objects: r.objects.map((o) => ({ ...o, prediction: classify({ bytes: o.bytes, pointers: o.pointers }, rules) })) };
}
