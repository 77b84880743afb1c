// Workloads for the heap simulator: the JSON format of docs/architecture.md (contracts), validated strictly.
// See heapsim.ts for how a workload runs, and malloc.ts for the allocator overview.
//
//	{ "go": "1.26", "arch": "amd64", "procs": 1, "gogc": "off" | 100, "goexperiment": "nogreenteagc",
//	  "ops": [ { "alloc": { "bytes": 24, "pointers": true, "count": 1000, "keep": true, "p": 0 } },
//	           { "gc": true } ] }
//
// `go` and `ops` are required; `arch` defaults to amd64, `procs` to 1, `gogc` to 100,
// `sweep` ("full" | "lazy": how automatic GCs sweep, see gc.ts) to "full".
// Every alloc field but `p` is required; `p` pins the op to one P (otherwise ops take the
// Ps round-robin). Unknown keys are errors, so a typo never silently changes a result.
import { classify } from './malloc.ts';
import { ModelInputError, parseGoExperiment, rulesFor, type AllocatorRules } from './versions.ts';

export interface AllocOp {
  readonly alloc: {
    /** mallocgc's size argument. */
    readonly bytes: number;
    readonly pointers: boolean;
    readonly count: number;
    /** true: the objects stay reachable for the rest of the workload; false: garbage at the next GC. */
    readonly keep: boolean;
    /** The P that allocates; round-robin over ops when absent. */
    readonly p?: number;
  };
}

export interface GcOp {
  readonly gc: true;
}

export type WorkloadOp = AllocOp | GcOp;

export interface Workload {
  readonly go: string;
  readonly arch: string;
  readonly procs: number;
  readonly gogc: number | 'off';
  readonly goexperiment?: string;
  /** Sweeping after automatic GCs (heapsim.ts HeapSimOptions.sweep); "full" when absent. */
  readonly sweep?: 'full' | 'lazy';
  readonly ops: readonly WorkloadOp[];
  /** The allocator rules `go`/`arch`/`goexperiment` resolve to. */
  readonly rules: AllocatorRules;
}

export const maxProcs = 256;

/**
 * The most spans a workload may create over its run (about 16 GiB of 8 KiB spans). The
 * simulator costs O(spans); this bound keeps an absurd count an error instead of a hang.
 */
export const maxSimulatedSpans = 1 << 21;

/**
 * The most heap the simulator maps at once: the kept objects plus the op's own object when it is
 * large (256 GiB). Its cost grows with the heap it maps (arenas, pages), so a 1 TB object, kept
 * or not, is an error here instead of minutes of CPU and gigabytes of memory.
 */
export const maxSimulatedHeapBytes = 2 ** 38;

export function isAllocOp(op: WorkloadOp): op is AllocOp {
  return 'alloc' in op;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function fail(path: string, msg: string): never {
  throw new ModelInputError(`workload${path}: ${msg}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function isObject(v: unknown): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(path: string, o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) fail(path, `unknown field "${k}" (expected ${allowed.join(', ')})`);
  }
}

function wholeNumber(path: string, v: unknown, min: number, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(path, `expected ${what}, got ${describe(v)}`);
  return v;
}

function bool(path: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(path, `expected true or false, got ${describe(v)}`);
  return v;
}

/** heapAddrBits (runtime/malloc.go): the address space the heap can ever occupy. */
function heapAddrBits(rules: AllocatorRules): number {
  return rules.ptrSize === 8 && rules.arch !== 'wasm' ? 48 : 32;
}

/**
 * parseWorkload reads and validates a workload. Every problem is a ModelInputError naming the
 * field (e.g. `workload.ops[3].alloc.count: expected a whole number ≥ 0, got -1`).
 */
export function parseWorkload(text: string): Workload {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ModelInputError(`workload is not valid JSON: ${(e as Error).message}`);
  }
  return validateWorkload(raw);
}

/** validateWorkload checks an already-parsed value (e.g. one built by the extension). */
export function validateWorkload(raw: unknown): Workload {
  if (!isObject(raw)) fail('', `expected an object, got ${describe(raw)}`);
  checkKeys('', raw, ['go', 'arch', 'procs', 'gogc', 'goexperiment', 'sweep', 'ops']);
  if (raw.sweep !== undefined && raw.sweep !== 'full' && raw.sweep !== 'lazy') {
    fail('.sweep', `expected "full" or "lazy", got ${describe(raw.sweep)}`);
  }
  if (typeof raw.go !== 'string') {
    fail('.go', raw.go === undefined ? 'missing (e.g. "go": "1.26")' : `expected a version string like "1.26", got ${describe(raw.go)}`);
  }
  const arch = raw.arch === undefined ? 'amd64' : raw.arch;
  if (typeof arch !== 'string') fail('.arch', `expected a GOARCH string like "amd64", got ${describe(arch)}`);
  const goexperiment = raw.goexperiment;
  if (goexperiment !== undefined && typeof goexperiment !== 'string') {
    fail('.goexperiment', `expected a GOEXPERIMENT string like "nogreenteagc", got ${describe(goexperiment)}`);
  }
  let rules: AllocatorRules;
  try {
    rules = rulesFor(raw.go, arch, parseGoExperiment(goexperiment ?? '', raw.go));
  } catch (e) {
    if (ModelInputError.is(e)) fail('', e.message);
    throw e;
  }
  const procs = raw.procs === undefined ? 1 : wholeNumber('.procs', raw.procs, 1, `a whole number of Ps from 1 to ${maxProcs}`);
  if (procs > maxProcs) fail('.procs', `expected a whole number of Ps from 1 to ${maxProcs}, got ${procs}`);
  let gogc: number | 'off' = 100;
  if (raw.gogc !== undefined) {
    if (raw.gogc === 'off') gogc = 'off';
    else if (typeof raw.gogc === 'number' && Number.isFinite(raw.gogc) && raw.gogc > 0) gogc = raw.gogc;
    else fail('.gogc', `expected "off" or a positive number, got ${describe(raw.gogc)}`);
  }
  if (!Array.isArray(raw.ops))
    fail(
      '.ops',
      raw.ops === undefined ? 'missing (a list of {alloc: …} and {gc: true} ops)' : `expected an array, got ${describe(raw.ops)}`,
    );
  const ops: WorkloadOp[] = [];
  let spans = 0;
  let keptBytes = 0;
  raw.ops.forEach((o, i) => {
    const path = `.ops[${i}]`;
    if (!isObject(o)) fail(path, `expected {"alloc": {…}} or {"gc": true}, got ${describe(o)}`);
    if ('gc' in o) {
      checkKeys(path, o, ['gc']);
      if (o.gc !== true) fail(`${path}.gc`, `expected true, got ${describe(o.gc)}`);
      ops.push({ gc: true });
      return;
    }
    if (!('alloc' in o)) fail(path, 'expected {"alloc": {…}} or {"gc": true}');
    checkKeys(path, o, ['alloc']);
    const a = o.alloc;
    const ap = `${path}.alloc`;
    if (!isObject(a)) fail(ap, `expected an object, got ${describe(a)}`);
    checkKeys(ap, a, ['bytes', 'pointers', 'count', 'keep', 'p']);
    for (const k of ['bytes', 'pointers', 'count', 'keep']) if (!(k in a)) fail(`${ap}.${k}`, 'missing');
    const bytes = wholeNumber(`${ap}.bytes`, a.bytes, 0, 'a whole number of bytes ≥ 0');
    const pointers = bool(`${ap}.pointers`, a.pointers);
    const count = wholeNumber(`${ap}.count`, a.count, 0, 'a whole number ≥ 0');
    const keep = bool(`${ap}.keep`, a.keep);
    let p: number | undefined;
    if (a.p !== undefined) {
      p = wholeNumber(`${ap}.p`, a.p, 0, `a P index from 0 to ${procs - 1}`);
      if (p >= procs) fail(`${ap}.p`, `expected a P index from 0 to ${procs - 1}, got ${p}`);
    }
    let pred;
    try {
      pred = classify({ bytes, pointers }, rules);
    } catch (e) {
      if (ModelInputError.is(e)) fail(`${ap}.bytes`, e.message);
      throw e;
    }
    // Cost and size bounds, before anything runs. A tiny object may share a block, but is
    // charged a whole one here: the bound only has to be safe, not tight.
    if (pred.kind !== 'zero' && count > 0) {
      const perSpan = pred.kind === 'large' ? 1 : pred.objectsPerSpan;
      spans += Math.ceil(count / perSpan);
      if (keep) keptBytes += (count * pred.slotBytes) / (pred.tinyPerBlock ?? 1);
    }
    const bits = heapAddrBits(rules);
    if (keptBytes > 2 ** bits) {
      fail(
        ap,
        `the kept objects need about ${keptBytes.toExponential(2)} bytes, more than the ${bits}-bit heap address space of ${rules.arch}`,
      );
    }
    if (spans > maxSimulatedSpans) {
      fail(
        ap,
        `the workload needs about ${spans.toExponential(2)} spans by this op; the simulator handles up to ${maxSimulatedSpans} ` +
          `(about ${(maxSimulatedSpans * 8192) / 2 ** 30} GiB of 8 KiB spans)`,
      );
    }
    const mapped = keptBytes + (pred.kind === 'large' && count > 0 ? pred.slotBytes : 0);
    if (mapped > maxSimulatedHeapBytes) {
      fail(
        ap,
        `the heap would hold about ${mapped.toExponential(2)} bytes at once by this op; the simulator maps up to ` +
          `${maxSimulatedHeapBytes / 2 ** 30} GiB`,
      );
    }
    ops.push({ alloc: p === undefined ? { bytes, pointers, count, keep } : { bytes, pointers, count, keep, p } });
  });
  const w: Workload = {
    go: raw.go,
    arch,
    procs,
    gogc,
    ops,
    rules,
    ...(raw.sweep === undefined ? {} : { sweep: raw.sweep as 'full' | 'lazy' }),
  };
  return goexperiment === undefined ? w : { ...w, goexperiment };
}
