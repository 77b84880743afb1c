// A saved baseline (`analyze --json` output kept in a repository) read back: checked field by field,
// because a baseline from another tool, a truncated file or a hand-edited one must stop the gate
// with a clear message (exit 2) instead of reporting every site as new.
import type { AllocationSite } from '../sites/site.ts';

export interface Baseline {
  readonly goVersion: string;
  readonly arch: string;
  readonly sites: readonly AllocationSite[];
}

/** BaselineError: the base result is not an analysis this tool wrote. */
export class BaselineError extends Error {
  override readonly name = 'BaselineError';
}

function siteProblem(s: unknown): string | undefined {
  if (!s || typeof s !== 'object') return 'is not an object';
  const o = s as Record<string, unknown>;
  if (typeof o['file'] !== 'string') return 'has no "file"';
  if (typeof o['line'] !== 'number' || typeof o['column'] !== 'number') return 'has no "line"/"column"';
  if (typeof o['construct'] !== 'string' || typeof o['expr'] !== 'string') return 'has no "construct"/"expr"';
  if (typeof o['escapes'] !== 'boolean') return 'has no "escapes"';
  if (!Array.isArray(o['reason'])) return 'has no "reason"';
  const p = o['prediction'] as Record<string, unknown> | null | undefined;
  if (!p || typeof p !== 'object' || typeof p['kind'] !== 'string' || typeof p['slotBytes'] !== 'number') return 'has no "prediction"';
  return undefined;
}

/** parseBaseline: text of `analyze --json` → its sites; a BaselineError naming what is wrong otherwise. */
export function parseBaseline(text: string, name: string): Baseline {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new BaselineError(
      `base result ${name} is not JSON (${(e as Error).message}); save one with: go-heap-lens analyze --json > ${name}`,
    );
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new BaselineError(`base result ${name} is not an analyze --json object`);
  const o = v as Record<string, unknown>;
  if (typeof o['goVersion'] !== 'string' || typeof o['arch'] !== 'string' || !Array.isArray(o['sites'])) {
    throw new BaselineError(
      `base result ${name} is not the output of go-heap-lens analyze --json (it has no goVersion, arch and sites); save one with: go-heap-lens analyze --json > ${name}`,
    );
  }
  const sites = o['sites'] as unknown[];
  for (let i = 0; i < sites.length; i++) {
    const why = siteProblem(sites[i]);
    if (why) throw new BaselineError(`base result ${name}: site ${i} ${why}: not a site of go-heap-lens analyze --json`);
  }
  return { goVersion: o['goVersion'], arch: o['arch'], sites: sites as AllocationSite[] };
}
