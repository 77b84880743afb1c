// Benchmark 8: how soon an editor shows hints on a large module, and how long the whole module
// takes, against the go builds of the same packages in the same run (see run.ts for the suite).
//
// golang.org/x/tools at the pinned version of module.ts (216 packages). The editor side runs in a
// child process (latency-child.ts: the run scheduler driving analyzeWorkspace, as on opening a file)
// so its peak RSS is the analysis's own. Every case has a GOCACHE of its own, empty when cold:
//   first hint — opening container/intsets/sparse.go (a leaf package: nothing in the module
//                imports it) with an empty cache, until the first show with a site in that file
//                ÷ a plain `go build ./container/intsets` (the package and its dependencies) cold;
//   complete   — the same run until the module's result ÷ `go build -gcflags=-m=2 ./...` with its
//                output discarded (the compile that cannot be avoided), and ÷ a plain
//                `go build ./...`; cold, then warm (a new session over the filled cache).
// The cold builds run one after another, interleaved with the analysis, not in parallel: on a
// shared 2-core machine parallel runs would measure each other.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { goEnv } from '../src/toolchain/go.ts';
import { ensureTypefactsHelper } from '../src/toolchain/typefacts.ts';
import type { LatencyChildResult } from './latency-child.ts';
import { ensureModule, moduleVersion } from './module.ts';
import { benchCacheDir, fmt, goEnvFor, repoRoot, run, runChecked, runChildJson, type Figure } from './lib.ts';

const xtoolsFocusPackage = './container/intsets';
const xtoolsFocusFile = 'container/intsets/sparse.go';

export interface LatencyBench {
  readonly figures: Figure[];
  readonly cold: LatencyChildResult;
  readonly warm: LatencyChildResult;
  readonly packages: number;
}

export interface LatencyBenchOptions {
  readonly goBin?: string;
  /** Another module (the smoke test's), with its focus package and file (relative). */
  readonly module?: { readonly dir: string; readonly focusPackage: string; readonly focusFile: string };
}

export async function benchLatency(opts: LatencyBenchOptions = {}): Promise<LatencyBench> {
  const goBin = opts.goBin ?? 'go';
  const dir = opts.module?.dir ?? (await ensureModule(goBin));
  const focusPackage = opts.module?.focusPackage ?? xtoolsFocusPackage;
  const focusFile = opts.module?.focusFile ?? xtoolsFocusFile;
  const moduleName = opts.module ? dir : moduleVersion;
  const caches: string[] = [];
  const fresh = async (name: string) => {
    const d = await mkdtemp(join(benchCacheDir, `gocache-${name}-`));
    caches.push(d);
    return d;
  };
  try {
    // The helper is built once per Go version (kept across sessions): not part of any case.
    const env = await goEnv({ cwd: dir, env: goEnvFor(), ...(goBin !== 'go' ? { goBinary: goBin } : {}) });
    await ensureTypefactsHelper({ goVersion: env.GOVERSION, ...(goBin !== 'go' ? { goBinary: goBin } : {}) });

    const build = async (cache: string, args: readonly string[]) => {
      const r = await run(goBin, ['build', ...args], { cwd: dir, env: goEnvFor({ GOCACHE: cache }), stderrFile: '/dev/null' });
      if (r.code !== 0) throw new Error(`go build ${args.join(' ')} exited ${r.code}`);
      return r.wallMs;
    };
    const editor = (cache: string) =>
      runChildJson<LatencyChildResult>(join(repoRoot, 'bench', 'latency-child.ts'), [dir, focusFile, cache, goBin]);

    const leafCache = await fresh('leaf');
    const analysisCache = await fresh('editor');
    const m2Cache = await fresh('m2');
    const plainCache = await fresh('plain');
    const leafMs = await build(leafCache, [focusPackage]);
    const cold = await editor(analysisCache);
    const m2ColdMs = await build(m2Cache, ['-gcflags=-m=2', '-o', '/dev/null', './...']);
    const plainColdMs = await build(plainCache, ['./...']);
    const warm = await editor(analysisCache);
    const m2WarmMs = await build(m2Cache, ['-gcflags=-m=2', '-o', '/dev/null', './...']);
    const plainWarmMs = await build(plainCache, ['./...']);
    const listed = await runChecked(goBin, ['list', './...'], { cwd: dir, env: goEnvFor({ GOCACHE: plainCache }) });
    const packages = listed.stdout.trim().split('\n').filter(Boolean).length;

    const s = (ms: number | undefined) => (ms === undefined ? 'never' : `${fmt(ms / 1000, 1)} s`);
    const ratio = (a: number | undefined, b: number) => (a === undefined ? NaN : a / b);
    const first = ratio(cold.firstHintMs, leafMs);
    const completeCold = cold.completeMs / m2ColdMs;
    const completeWarm = warm.completeMs / m2WarmMs;
    const figures: Figure[] = [
      {
        bench: 'latency',
        metric: 'module',
        value: `${moduleName}: ${packages} packages; focus file ${focusFile}; ${cold.sites} sites, ${cold.errors} errors`,
      },
      {
        bench: 'latency',
        metric: `cold: first hint in ${focusFile} ÷ go build ${focusPackage} (with its dependencies, empty GOCACHE)`,
        value: `${fmt(first)} (${s(cold.firstHintMs)} ÷ ${s(leafMs)})`,
        target: '≤ 1.2',
        met: first <= 1.2,
      },
      {
        bench: 'latency',
        metric: 'cold: whole module ÷ go build -gcflags=-m=2 ./... (output discarded)',
        value: `${fmt(completeCold)} (${s(cold.completeMs)} ÷ ${s(m2ColdMs)}); ÷ plain go build ./...: ${fmt(cold.completeMs / plainColdMs)} (${s(plainColdMs)})`,
        target: '≤ 1.15',
        met: completeCold <= 1.15,
      },
      {
        bench: 'latency',
        metric: 'warm (new session, filled GOCACHE): whole module ÷ go build -gcflags=-m=2 ./...',
        value: `${fmt(completeWarm)} (${s(warm.completeMs)} ÷ ${s(m2WarmMs)}); ÷ plain go build ./...: ${fmt(warm.completeMs / plainWarmMs)} (${s(plainWarmMs)})`,
        target: '≤ 1.15',
        met: completeWarm <= 1.15,
      },
      {
        bench: 'latency',
        metric: 'shows before the module was done (focus result + packages as they arrived; cold / warm)',
        value: `${cold.showsBeforeEnd} / ${warm.showsBeforeEnd}; first site of any file at ${s(cold.firstShowMs)} / ${s(warm.firstShowMs)}; progress reports ${cold.progressReports} (last ${JSON.stringify(cold.lastProgress)})`,
      },
      {
        bench: 'latency',
        metric: 'peak RSS of the analysing process (cold / warm)',
        value: `${fmt(cold.maxRssMiB, 0)} / ${fmt(warm.maxRssMiB, 0)} MiB`,
      },
    ];
    return { figures, cold, warm, packages };
  } finally {
    for (const d of caches) {
      await runChecked('chmod', ['-R', 'u+w', d]).catch(() => undefined);
      await rm(d, { recursive: true, force: true });
    }
  }
}
