// Before/after of the optimisations (see run.ts): the same measurements run against the sources of
// an older commit (extracted with `git archive` into bench/.cache/before-REV) and against the
// working tree, interleaved in the same run, on the same inputs. The child scripts of this bench
// are copied next to the old sources so that both sides are measured by identical code.
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AllocationSite } from '../src/core/sites/site.ts';
import { benchCacheDir, fmt, percentile, repoRoot, runChecked, type Figure } from './lib.ts';
import { runChild, type ChildResult } from './parser.ts';
import { runSim, type SimRun } from './simulator.ts';

/** The commit before the optimisations of bench/RESULTS.md. */
export const defaultBeforeRev = '2985d6a';

/** beforeTree extracts src/ of `rev` and this bench's child scripts into bench/.cache/before-REV. */
export async function beforeTree(rev: string): Promise<string> {
  const dir = join(benchCacheDir, `before-${rev}`);
  if (!existsSync(join(dir, 'src'))) {
    await mkdir(dir, { recursive: true });
    await runChecked('sh', ['-c', `git archive --format=tar "$0" src | tar -x -C "$1"`, rev, dir], { cwd: repoRoot });
  }
  return withChildScripts(dir);
}

/** withChildScripts copies this bench's child scripts next to the sources in `dir` (its src/). */
async function withChildScripts(dir: string): Promise<string> {
  await mkdir(join(dir, 'bench'), { recursive: true });
  for (const f of ['parse-child.ts', 'sim-child.ts']) await copyFile(join(repoRoot, 'bench', f), join(dir, 'bench', f));
  return dir;
}

type HoverModule = typeof import('../src/core/sites/siteAt.ts');
type PresentModule = typeof import('../src/core/sites/present.ts');

/** hoverP: p50/p99 (ms) of `n` hovers on one file of `sites` with a given siteAt implementation. */
function hoverTimes(m: HoverModule, present: PresentModule, sites: readonly AllocationSite[], n: number): number[] {
  const lines = sites[sites.length - 1]!.line;
  let x = 12345;
  const out: number[] = [];
  let sink = 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const line = 1 + (x % lines);
    const t0 = performance.now();
    const hit = m.siteAtPosition(sites, line, x % 60, 80);
    if (hit) for (const s of m.sitesAtSameColumn(sites, hit.site)) sink += present.hoverMarkdown(s).length;
    out.push(performance.now() - t0);
  }
  if (sink === 0) throw new Error('no hover hit');
  return out.sort((a, b) => a - b);
}

export interface CompareOptions {
  readonly rev?: string;
  /** The "before" sources as a directory holding src/, instead of `rev` (then no git history is needed). */
  readonly beforeDir?: string;
  readonly stdFile?: string;
  readonly traceFile?: string;
  readonly goVersion: string;
  /** Sites for the hover comparison (one file, laid out by editor.ts). */
  readonly hoverSites?: readonly AllocationSite[];
  readonly repeats?: number;
  readonly hoverSamples?: number;
}

export async function benchCompare(opts: CompareOptions): Promise<{ figures: Figure[] }> {
  const rev = opts.rev ?? defaultBeforeRev;
  const tree = opts.beforeDir ? await withChildScripts(opts.beforeDir) : await beforeTree(rev);
  const figures: Figure[] = [];
  const repeats = opts.repeats ?? 2;
  const label = `before ${opts.beforeDir ?? rev} ÷ after (working tree)`;
  if (opts.stdFile) {
    let b: ChildResult | undefined;
    let a: ChildResult | undefined;
    for (let i = 0; i < repeats; i++) {
      const x = await runChild('parse', opts.stdFile, { join: true, script: join(tree, 'bench', 'parse-child.ts') });
      // The working tree parses as analyze does (the byte front end, src/core/escape/bytes.ts).
      const y = await runChild('parse', opts.stdFile, { join: true, bytes: true });
      if (!b || x.parseMs + x.joinMs < b.parseMs + b.joinMs) b = x;
      if (!a || y.parseMs + y.joinMs < a.parseMs + a.joinMs) a = y;
    }
    figures.push(
      {
        bench: 'before/after',
        metric: `parse time, ${label}`,
        value: `${fmt(b!.parseMs / a!.parseMs)} (${fmt(b!.parseMs, 0)} → ${fmt(a!.parseMs, 0)} ms)`,
      },
      {
        bench: 'before/after',
        metric: `join time, ${label}`,
        value: `${fmt(b!.joinMs / a!.joinMs)} (${fmt(b!.joinMs, 0)} → ${fmt(a!.joinMs, 0)} ms; ${b!.sites} → ${a!.sites} sites)`,
      },
      {
        bench: 'before/after',
        metric: `parse+join peak RSS, ${label}`,
        value: `${fmt(b!.maxRssKiB / a!.maxRssKiB)} (${fmt(b!.maxRssKiB / 1024, 0)} → ${fmt(a!.maxRssKiB / 1024, 0)} MiB)`,
      },
      {
        bench: 'before/after',
        metric: `parse+join wall time, ${label}`,
        value: `${fmt((b!.parseMs + b!.joinMs) / (a!.parseMs + a!.joinMs))} (${fmt(b!.parseMs + b!.joinMs, 0)} → ${fmt(a!.parseMs + a!.joinMs, 0)} ms)`,
      },
      {
        bench: 'before/after',
        metric: `parse+join CPU time (all threads), ${label}`,
        value: `${fmt((b!.parseCpuMs + b!.joinCpuMs) / (a!.parseCpuMs + a!.joinCpuMs))} (${fmt(b!.parseCpuMs + b!.joinCpuMs, 0)} → ${fmt(a!.parseCpuMs + a!.joinCpuMs, 0)} ms)`,
      },
    );
  }
  if (opts.traceFile) {
    let b: SimRun | undefined;
    let a: SimRun | undefined;
    for (let i = 0; i < repeats; i++) {
      const x = await runSim(opts.traceFile, opts.goVersion, { script: join(tree, 'bench', 'sim-child.ts') });
      const y = await runSim(opts.traceFile, opts.goVersion);
      if (!b || x.seconds < b.seconds) b = x;
      if (!a || y.seconds < a.seconds) a = y;
    }
    figures.push({
      bench: 'before/after',
      metric: `simulator time on the trace, ${label}`,
      value: `${fmt(b!.seconds / a!.seconds)} (${fmt(b!.seconds, 2)} → ${fmt(a!.seconds, 2)} s, ${b!.allocs} allocations)`,
    });
  }
  if (opts.hoverSites) {
    // siteAt.ts moved from src/ui to src/core/sites; an older tree has it in src/ui.
    const siteAtIn = (t: string): string =>
      existsSync(join(t, 'src', 'core', 'sites', 'siteAt.ts'))
        ? join(t, 'src', 'core', 'sites', 'siteAt.ts')
        : join(t, 'src', 'ui', 'siteAt.ts');
    const before = (await import(siteAtIn(tree))) as HoverModule;
    const beforePresent = (await import(join(tree, 'src', 'core', 'sites', 'present.ts'))) as PresentModule;
    const after = await import('../src/core/sites/siteAt.ts');
    const afterPresent = await import('../src/core/sites/present.ts');
    const n = opts.hoverSamples ?? 5000;
    hoverTimes(before, beforePresent, opts.hoverSites, 200);
    hoverTimes(after, afterPresent, opts.hoverSites, 200);
    const tb = hoverTimes(before, beforePresent, opts.hoverSites, n);
    const ta = hoverTimes(after, afterPresent, opts.hoverSites, n);
    const us = (ms: number) => `${fmt(ms * 1000, 0)} µs`;
    figures.push({
      bench: 'before/after',
      metric: `hover p50 / p99 on a ${opts.hoverSites.length}-site file, ${label}`,
      value: `${fmt(percentile(tb, 50) / percentile(ta, 50))} / ${fmt(percentile(tb, 99) / percentile(ta, 99))} (p50 ${us(percentile(tb, 50))} → ${us(percentile(ta, 50))}, p99 ${us(percentile(tb, 99))} → ${us(percentile(ta, 99))})`,
    });
  }
  return { figures };
}
