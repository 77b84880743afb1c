// Allocation sites the compiler never prints (issue 13, classes 4, 5, 9): runtime calls the
// compiler emits after escape analysis, found in the source by the type-facts helper
// (typefacts/sourcesites.go) and sized here by the same allocator model as every other site.
//   - make(chan T, n): runtime.makechan, always on the heap (constructs.ts makechan).
//   - m[k] = v: runtime.mapassign allocates when the map grows (alloc/mapgrowth.ts).
//   - s += x: the rewritten s = s + x has no escape verdict, so concatstrings puts it on the heap.
import { constructPredictions, type TypeShape } from '../alloc/constructs.ts';
import { formatBytes } from './markdown.ts';
import { classify, unknownPrediction } from '../alloc/malloc.ts';
import { mapInsertGrowth } from '../alloc/mapgrowth.ts';
import type { AllocatorRules } from '../alloc/versions.ts';
import { utf8ColumnToUtf16 } from '../escape/position.ts';
import type { FactType, TypeFact } from './facts.ts';
import { dynamicRanges, stringElem, toTypeFacts } from './predict.ts';
import type { AllocationSite, DynamicClassRange } from './site.ts';

export interface SourceSiteOptions {
  readonly rules: AllocatorRules;
  /** The text of a line (1-based) of an absolute file, for byte → UTF-16 columns. */
  readonly lineText?: (file: string, line: number) => string | undefined;
}

/** Growth steps listed for a map insert: up to the last doubling of one table (swiss) or B = 10 (hmap). */
const mapGrowthListedLen = 7000;

function shape(t: FactType | undefined): TypeShape | undefined {
  if (!t || t.size === null || t.align === null || t.ptrBytes === null) return undefined;
  return { bytes: t.size, align: Math.max(1, t.align), pointers: t.ptrBytes > 0 };
}

type Sized = Pick<AllocationSite, 'construct' | 'type' | 'prediction' | 'objects' | 'dynamic' | 'unknownReason' | 'notes'>;

function unknownSite(rules: AllocatorRules, construct: Sized['construct'], f: TypeFact, why: string, extra: Partial<Sized> = {}): Sized {
  return {
    construct,
    type: toTypeFacts(f.type),
    prediction: unknownPrediction(rules, (f.type?.ptrBytes ?? 0) > 0),
    unknownReason: why,
    ...extra,
  };
}

function typeParamWhy(...ts: (FactType | undefined)[]): string | undefined {
  const t = ts.find((x) => x && (x.dependsOnTypeParam || x.size === null));
  return t ? `the size of ${t.name} depends on a type parameter (generic code is compiled per shape)` : undefined;
}

function chanSite(f: TypeFact, rules: AllocatorRules): Sized {
  const tp = typeParamWhy(f.elem);
  if (tp) return unknownSite(rules, 'make-chan', f, tp);
  const elem = shape(f.elem)!;
  if (f.len === undefined) {
    const buf = elem.pointers
      ? `a separate buffer of n × ${elem.bytes} B (scan)`
      : `hchan (${rules.hchanSizeBytes} B) and n × ${elem.bytes} B in one noscan object`;
    return unknownSite(
      rules,
      'make-chan',
      f,
      `the buffer size n is only known at run time: makechan allocates ${elem.pointers ? `the ${rules.hchanSizeBytes} B hchan and ` : ''}${buf}`,
    );
  }
  const r = constructPredictions({ kind: 'makechan', elem, size: f.len }, rules);
  return {
    construct: 'make-chan',
    type: toTypeFacts(f.type),
    prediction: r.objects[0]!.prediction,
    objects: r.objects.map((o) => ({ what: o.what, prediction: o.prediction })),
    notes: ['makechan always allocates on the heap; the compiler prints no -m line for channels'],
  };
}

type Growth = Pick<Sized, 'dynamic' | 'notes'>;

function mapInsertSite(f: TypeFact, rules: AllocatorRules, memo: Map<string, Growth>): Sized {
  const tp = typeParamWhy(f.key, f.elem);
  if (tp) return unknownSite(rules, 'map-insert', f, `allocates when the map grows; ${tp}`);
  const key = shape(f.key)!;
  const elem = shape(f.elem)!;
  // Thousands of inserts share a handful of key/elem layouts.
  const k = `${key.bytes}/${key.align}/${key.pointers}|${elem.bytes}/${elem.align}/${elem.pointers}`;
  let growth = memo.get(k);
  if (!growth) memo.set(k, (growth = mapGrowthRows(key, elem, rules)));
  return unknownSite(
    rules,
    'map-insert',
    f,
    'allocates when the map grows: n is the map length after the insert (from an empty map; a make hint moves the first growth later, ' +
      'and a map made in this function that does not escape has its first ' +
      (rules.swissMaps ? 'group' : 'bucket') +
      ' on the stack)',
    growth,
  );
}

function mapGrowthRows(key: TypeShape, elem: TypeShape, rules: AllocatorRules): Growth {
  const g = mapInsertGrowth(key, elem, 0, mapGrowthListedLen, true, rules);
  const dynamic: DynamicClassRange[] = [];
  const notes: string[] = [];
  for (const s of g.steps) {
    const preds = s.objects.map((o) => ({ o, p: classify({ bytes: o.bytes, pointers: o.pointers }, rules) }));
    // The row shows the largest object of the step (the groups or buckets); the note lists them all.
    const main = preds.reduce((a, b) => (b.o.bytes > a.o.bytes ? b : a));
    dynamic.push({ minN: s.atLen, maxN: s.atLen, prediction: main.p });
    notes.push(
      `at length ${s.atLen}: ${preds.map(({ o, p }) => `${o.what} ${formatBytes(o.bytes)} → ${formatBytes(p.slotBytes)}`).join(', ')}`,
    );
  }
  return { dynamic, notes: [...notes, ...g.notes] };
}

function concatAssignSite(f: TypeFact, rules: AllocatorRules): Sized | undefined {
  if (f.len === 0) return undefined; // s += "": concatstrings returns s
  return unknownSite(
    rules,
    'string-concat',
    f,
    'allocates (concatstrings): `+=` becomes s = s + x after escape analysis, so the result goes to the heap even for a local; ' +
      'n is the result length in bytes',
    {
      dynamic: dynamicRanges('rawstring', stringElem.rawstring, rules),
      notes: ['no stack buffer: the compiler gives the rewritten concatenation no escape verdict'],
    },
  );
}

/**
 * sourceSites: a site for each source-only fact (makechan, mapassign, concat-assign) with no site
 * from the compiler at its position already.
 */
export function sourceSites(facts: readonly TypeFact[], existing: readonly AllocationSite[], opts: SourceSiteOptions): AllocationSite[] {
  const rules = opts.rules;
  const lineText = opts.lineText ?? (() => undefined);
  const taken = new Set(existing.map((s) => `${s.file}\0${s.line}\0${s.column}`));
  const out: AllocationSite[] = [];
  const memo = new Map<string, Growth>();
  for (const f of facts) {
    let sized: Sized | undefined;
    if (f.kind === 'makechan') sized = chanSite(f, rules);
    else if (f.kind === 'mapassign') sized = mapInsertSite(f, rules, memo);
    else if (f.kind === 'concat-assign') sized = concatAssignSite(f, rules);
    else continue;
    if (!sized) continue;
    const text = lineText(f.file, f.line);
    const column = text === undefined ? f.col : utf8ColumnToUtf16(text, f.col);
    const k = `${f.file}\0${f.line}\0${column}`;
    if (taken.has(k)) continue;
    taken.add(k);
    const site: AllocationSite = {
      file: f.file,
      line: f.line,
      column,
      expr: f.expr ?? '',
      escapes: true,
      reason: [],
      ...sized,
      package: f.pkg,
      ...(f.func ? { func: f.func } : {}),
    };
    out.push(site);
  }
  return out;
}
