// Layout advice: for each struct type at a heap site (as the object, or as the element of a slice,
// array, map or chan), the best field order (order.ts) and what it saves per object in slot bytes
// and in bytes the GC scans; advice only when one of them shrinks (or, with minSaving 'padding',
// when the size does). Safety of the rewrite is judged here from the helper's uses; the rewrite
// itself is the Go helper's (-rewrite).
import { ModelInputError, type AllocatorRules } from '../alloc/versions.ts';
import type { AllocationSite } from '../sites/site.ts';
import { bestOrder, movesOf, orderCost, slotOf } from './order.ts';
import type {
  LayoutAdvice,
  LayoutReport,
  LayoutSiteSaving,
  LayoutSkipped,
  LayoutStruct,
  LayoutUse,
  LayoutUseKind,
  OrderFacts,
} from './types.ts';

export interface AdviseOptions {
  /** 'class': advise only when the slot or the scanned bytes shrink; 'padding': any smaller size too. */
  readonly minSaving?: 'class' | 'padding';
  /** Examine every struct, not only those at heap sites (for comparisons with padding linters). */
  readonly all?: boolean;
  /** Module path of the analysed module: exported types of a non-internal, non-main package warn. */
  readonly modulePath?: string;
}

/** One place a struct type is named by a heap site: the whole object, or one of `elements` elements. */
interface SiteRef {
  readonly site: AllocationSite;
  readonly elements: number;
}

const refuseReason: Partial<Record<LayoutUseKind, string>> = {
  'unkeyed-literal': 'unkeyed composite literal',
  'unsafe-offsetof': 'unsafe.Offsetof',
  'unsafe-pointer': 'unsafe.Pointer conversion or arithmetic',
  'encoding-binary': 'encoding/binary reads or writes it (the byte layout follows the field order)',
};

const warnReason: Partial<Record<LayoutUseKind, string>> = {
  'marshal-json': 'marshalled with encoding/json: the output field order changes',
  'marshal-xml': 'marshalled with encoding/xml: the output element order changes',
  'marshal-csv': 'used with encoding/csv: the column order may follow the field order',
};

/**
 * namedTypesIn: the named types a site's type string holds as the object or as elements,
 * through *, [], [N], map[K]V and chan; a generic instance keeps its brackets ("Pair[int]").
 */
export function namedTypesIn(typeName: string): { name: string; qualifier: string; generic: boolean }[] {
  const out: { name: string; qualifier: string; generic: boolean }[] = [];
  const walk = (s: string, depth: number): void => {
    s = s.trim();
    if (depth > 8 || !s) return;
    if (s.startsWith('*')) return walk(s.slice(1), depth + 1);
    if (s.startsWith('[]')) return walk(s.slice(2), depth + 1);
    let m = /^\[(\d+)\]/.exec(s);
    if (m) return walk(s.slice(m[0].length), depth + 1);
    m = /^(?:<-\s*)?chan(?:<-)?\s+/.exec(s);
    if (m) return walk(s.slice(m[0].length), depth + 1);
    if (s.startsWith('map[')) {
      let d = 0;
      for (let i = 3; i < s.length; i++) {
        if (s[i] === '[') d++;
        else if (s[i] === ']' && --d === 0) {
          walk(s.slice(4, i), depth + 1);
          walk(s.slice(i + 1), depth + 1);
          return;
        }
      }
      return;
    }
    m = /^(?:([A-Za-z_]\w*)\.)?([A-Za-z_]\w*)(\[.*\])?$/.exec(s);
    if (m) out.push({ qualifier: m[1] ?? '', name: m[2]!, generic: m[3] !== undefined });
  };
  walk(typeName, 0);
  return out;
}

function elementCount(site: AllocationSite): number {
  const e = site.elements;
  if (!e) return 1;
  return e.cap ?? e.len ?? 1;
}

function measuredObjects(site: AllocationSite): number | undefined {
  const m = (site as { measured?: { objects?: number } }).measured;
  return typeof m?.objects === 'number' ? m.objects : undefined;
}

function orderFacts(s: LayoutStruct, order: readonly number[], rules: AllocatorRules): OrderFacts {
  const c = orderCost(s.fields, order);
  const noscan = c.ptrBytes === 0;
  const slot = slotOf(c.size, !noscan, rules);
  return {
    fields: order.map((i) => s.fields[i]!.name),
    size: c.size,
    align: c.align,
    ptrBytes: c.ptrBytes,
    slotBytes: slot.slotBytes,
    sizeClass: slot.sizeClass,
    noscan,
  };
}

function pos(u: { file: string; line: number; col: number }): string {
  return `${u.file}:${u.line}:${u.col}`;
}

/** safety: refusals and warnings for reordering s, from its own facts and its uses. */
export function safety(s: LayoutStruct, uses: readonly LayoutUse[], modulePath?: string): { reasons: string[]; warnings: string[] } {
  const reasons: string[] = [];
  const warnings: string[] = [];
  if (s.generated) reasons.push('generated file (Code generated … DO NOT EDIT): change the generator instead');
  if (s.hostLayout) reasons.push('has a structs.HostLayout field: its layout must match the platform ABI');
  if (s.cgo) reasons.push('declared in a cgo file: C code may rely on the field order');
  const by = new Map<LayoutUseKind, LayoutUse[]>();
  for (const u of uses) {
    const list = by.get(u.what);
    if (list) list.push(u);
    else by.set(u.what, [u]);
  }
  for (const [what, list] of by) {
    const places = list.slice(0, 10).map(pos).join(', ') + (list.length > 10 ? `, and ${list.length - 10} more` : '');
    const r = refuseReason[what];
    if (r) reasons.push(`${r} at ${places}`);
    const w = warnReason[what];
    if (w) warnings.push(`${w} (${places})`);
  }
  if (s.exported && modulePath && !/(^|\/)internal(\/|$)/.test(s.pkg) && s.pkg.startsWith(modulePath)) {
    warnings.push(`exported from module ${modulePath}: literals in modules that import it are not checked`);
  }
  return { reasons, warnings };
}

/**
 * noscanHints: a type whose only pointers are one or two string or *T fields is scanned for their
 * sake alone; say what a pointer-free layout would save (noscan span, no malloc header over the
 * header threshold, nothing scanned). A hint, never a fix.
 */
function noscanHints(s: LayoutStruct, best: OrderFacts, rules: AllocatorRules): string[] {
  if (best.noscan) return [];
  const ptrFields = s.fields.filter((f) => f.ptrBytes > 0);
  if (ptrFields.length === 0 || ptrFields.length > 2) return [];
  if (!ptrFields.every((f) => f.type === 'string' || f.type.startsWith('*'))) return [];
  const scan = slotOf(best.size, true, rules);
  const noscan = slotOf(best.size, false, rules);
  const what = ptrFields.map((f) => `${f.name} ${f.type}`).join(', ');
  const slot = noscan.slotBytes < scan.slotBytes ? `slot ${scan.slotBytes} → ${noscan.slotBytes} B (no malloc header), ` : '';
  return [
    `only ${what} hold${ptrFields.length === 1 ? 's' : ''} pointers: pointer-free (an index or offset instead) it would be noscan: ${slot}GC scans 0 of ${best.ptrBytes} B per object`,
  ];
}

interface StructIndex {
  readonly byPathName: Map<string, LayoutStruct>;
  readonly byPkgName: Map<string, LayoutStruct[]>;
}

function indexStructs(structs: readonly LayoutStruct[]): StructIndex {
  const byPathName = new Map<string, LayoutStruct>();
  const byPkgName = new Map<string, LayoutStruct[]>();
  for (const s of structs) {
    const k = `${s.pkg}.${s.name}`;
    // A local type may share its name with a package-level one: the package-level one wins.
    if (!byPathName.has(k) || (byPathName.get(k)!.local && !s.local)) byPathName.set(k, s);
    const pk = `${s.pkgName}.${s.name}`;
    const list = byPkgName.get(pk);
    if (list) list.push(s);
    else byPkgName.set(pk, [s]);
  }
  return { byPathName, byPkgName };
}

function lookup(ix: StructIndex, site: AllocationSite, qualifier: string, name: string): LayoutStruct | undefined {
  if (!qualifier) return site.package ? ix.byPathName.get(`${site.package}.${name}`) : undefined;
  const c = ix.byPkgName.get(`${qualifier}.${name}`);
  return c?.length === 1 ? c[0] : undefined;
}

/** advise: the layout report for the structs the helper printed, weighed by the analysis's heap sites. */
export function advise(
  structs: readonly LayoutStruct[],
  uses: readonly LayoutUse[],
  sites: readonly AllocationSite[],
  rules: AllocatorRules,
  opts: AdviseOptions = {},
): LayoutReport {
  const ix = indexStructs(structs);
  const refs = new Map<LayoutStruct, SiteRef[]>();
  const genericAtSites = new Map<LayoutStruct, string>();
  for (const site of sites) {
    if (!site.escapes || !site.type) continue;
    const named = namedTypesIn(site.type.name);
    for (const n of named) {
      const s = lookup(ix, site, n.qualifier, n.name);
      if (!s) continue;
      if (n.generic || s.generic) {
        genericAtSites.set(s, site.type.name);
        continue;
      }
      const whole = site.type.name.replace(/^\*/, '') === (n.qualifier ? `${n.qualifier}.${n.name}` : n.name);
      const ref = { site, elements: whole ? 1 : elementCount(site) };
      const list = refs.get(s);
      if (list) list.push(ref);
      else refs.set(s, [ref]);
    }
  }
  const usesOf = new Map<string, LayoutUse[]>();
  for (const u of uses) {
    const list = usesOf.get(u.of);
    if (list) list.push(u);
    else usesOf.set(u.of, [u]);
  }

  const examined = opts.all ? structs.filter((s) => !s.local || ix.byPathName.get(`${s.pkg}.${s.name}`) === s) : [...refs.keys()];
  const examinedSet = new Set(examined);
  for (const s of genericAtSites.keys()) if (!examinedSet.has(s)) examined.push(s);
  const types: LayoutAdvice[] = [];
  const notAdvised: LayoutSkipped[] = [];
  const skip = (s: LayoutStruct, reason: string): void => {
    notAdvised.push({ package: s.pkg, name: s.name, file: s.file, line: s.line, reason });
  };
  for (const s of examined) {
    if (s.generic) {
      skip(
        s,
        `generic: not advised (the layout depends on the instantiation${genericAtSites.has(s) ? `, e.g. ${genericAtSites.get(s)}` : ''})`,
      );
      continue;
    }
    if (s.invalid || s.size === null) {
      skip(s, s.cgo ? 'cgo types: not advised' : 'a field type did not type-check: not advised');
      continue;
    }
    if (s.fields.length < 2) continue;
    let advice: LayoutAdvice | undefined;
    try {
      advice = adviseOne(s, refs.get(s) ?? [], usesOf.get(`${s.pkg}.${s.name}`) ?? [], rules, opts);
    } catch (e) {
      if (!ModelInputError.is(e)) throw e;
      skip(s, `too large for the allocator model: ${e.message}`);
      continue;
    }
    if (advice) types.push(advice);
  }
  types.sort(
    (a, b) =>
      (b.totalSavingBytes ?? 0) - (a.totalSavingBytes ?? 0) ||
      b.slotSavingBytes - a.slotSavingBytes ||
      b.scanSavingBytes - a.scanSavingBytes ||
      a.file.localeCompare(b.file) ||
      a.line - b.line,
  );
  return { goVersion: rules.goVersion, arch: rules.arch, types, notAdvised, examined: examined.length };
}

function adviseOne(
  s: LayoutStruct,
  refs: readonly SiteRef[],
  uses: readonly LayoutUse[],
  rules: AllocatorRules,
  opts: AdviseOptions,
): LayoutAdvice | undefined {
  const written = s.fields.map((_, i) => i);
  const order = bestOrder(s.fields);
  const current = orderFacts(s, written, rules);
  const best = orderFacts(s, order, rules);
  const slotSavingBytes = current.slotBytes - best.slotBytes;
  const scanSavingBytes = current.ptrBytes - best.ptrBytes;
  const siteSavings: LayoutSiteSaving[] = [];
  let totalSavingBytes: number | undefined;
  let objects: number | undefined;
  let elementSlotShrinks = false;
  for (const r of refs) {
    const before = slotOf(current.size * r.elements, !current.noscan, rules);
    const after = slotOf(best.size * r.elements, !best.noscan, rules);
    const n = measuredObjects(r.site);
    if (after.slotBytes < before.slotBytes) elementSlotShrinks = true;
    if (n !== undefined) {
      objects = (objects ?? 0) + n;
      totalSavingBytes = (totalSavingBytes ?? 0) + n * (before.slotBytes - after.slotBytes);
    }
    siteSavings.push({
      file: r.site.file,
      line: r.site.line,
      column: r.site.column,
      construct: r.site.construct,
      elements: r.elements,
      slotBytesBefore: before.slotBytes,
      slotBytesAfter: after.slotBytes,
      sizeClassBefore: before.sizeClass,
      sizeClassAfter: after.sizeClass,
      ...(n !== undefined ? { objects: n } : {}),
    });
  }
  const saves =
    slotSavingBytes > 0 || scanSavingBytes > 0 || elementSlotShrinks || (opts.minSaving === 'padding' && best.size < current.size);
  if (!saves) return undefined;
  const { reasons, warnings } = safety(s, uses, opts.modulePath);
  return {
    package: s.pkg,
    name: s.name,
    file: s.file,
    line: s.line,
    column: s.col,
    current,
    best,
    slotSavingBytes,
    scanSavingBytes,
    weight: { sites: refs.length, ...(objects !== undefined ? { objects } : {}) },
    ...(totalSavingBytes !== undefined ? { totalSavingBytes } : {}),
    fix: reasons.length ? 'refused' : 'ok',
    reasons,
    warnings,
    hints: noscanHints(s, best, rules),
    order,
    moves: movesOf(order),
    structText: s.structText,
    sites: siteSavings,
  };
}
