// Benchmark 2: end-to-end analysis of a real module we did not write (see run.ts for the suite).
//
// golang.org/x/tools at a pinned version (216 packages), fetched from the Go module proxy into
// bench/.cache and built offline afterwards (GOPROXY=off). Each analysis is analyzeWorkspace(), the
// API the extension and the CLI call, and is divided by a plain `go build` of the same packages in
// the same run, with a build cache of its own and in the same state:
//   cold  — both with an empty GOCACHE (std and the dependencies compile too);
//   warm  — both again: cmd/go replays the cached compiler output, nothing compiles;
//   edit  — one line appended to one leaf package (container/intsets: no package of the module
//           imports it, so only it recompiles); the analysis of the module (./..., what a save
//           triggers) and of that package alone, ÷ `go build` of that package.
import { existsSync } from 'node:fs';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { analyzeWorkspace, type AnalysisResult } from '../src/toolchain/analyze.ts';
import { benchCacheDir, fmt, goEnvFor, runChecked, type Figure } from './lib.ts';

export const moduleVersion = 'golang.org/x/tools@v0.52.0';
const editedPackage = './container/intsets';
const editedFile = 'container/intsets/sparse.go';

/**
 * ensureModule downloads the module (and, from inside it, its dependencies) through the module
 * proxy once, into a writable copy under bench/.cache. Returns the module root.
 */
export async function ensureModule(goBin = 'go'): Promise<string> {
  const dir = join(benchCacheDir, 'xtools');
  if (existsSync(join(dir, '.ghl-ready'))) return dir;
  const dl = await runChecked(goBin, ['mod', 'download', '-json', moduleVersion], { cwd: benchCacheDir, env: { GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' } });
  const src = (JSON.parse(dl.stdout) as { Dir: string }).Dir;
  await rm(dir, { recursive: true, force: true });
  await cp(src, dir, { recursive: true });
  await chmodTree(dir);
  await runChecked(goBin, ['mod', 'download'], { cwd: dir, env: { GOTOOLCHAIN: 'local' } });
  await writeFile(join(dir, '.ghl-ready'), moduleVersion + '\n');
  return dir;
}

async function chmodTree(dir: string): Promise<void> {
  // The module cache is read-only; the copy must be writable for the edit case.
  await runChecked('chmod', ['-R', 'u+w', dir]);
  await chmod(dir, 0o755);
}

interface Timed<T> { readonly ms: number; readonly value: T }

async function timed<T>(f: () => Promise<T>): Promise<Timed<T>> {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
}

export interface ModuleBenchOptions {
  readonly goBin?: string;
  /** Package patterns (default ./...); the smoke test narrows them. */
  readonly packages?: readonly string[];
  readonly moduleDir?: string;
  /** Edited package and file (relative to the module). */
  readonly edit?: { readonly pkg: string; readonly file: string };
}

export interface ModuleBench {
  readonly figures: Figure[];
  readonly packages: number;
  readonly sites: number;
  readonly results: { readonly cold: AnalysisResult; readonly warm: AnalysisResult; readonly edit: AnalysisResult };
}

export async function benchModule(opts: ModuleBenchOptions = {}): Promise<ModuleBench> {
  const goBin = opts.goBin ?? 'go';
  const dir = opts.moduleDir ?? await ensureModule(goBin);
  const patterns = [...(opts.packages ?? ['./...'])];
  const edit = opts.edit ?? { pkg: editedPackage, file: editedFile };
  const plainCache = await mkdtemp(join(benchCacheDir, 'gocache-plain-'));
  const analysisCache = await mkdtemp(join(benchCacheDir, 'gocache-analysis-'));
  const warmupCache = await mkdtemp(join(benchCacheDir, 'gocache-warmup-'));
  const editPath = join(dir, edit.file);
  const original = await readFile(editPath, 'utf8');
  try {
    const listed = await runChecked(goBin, ['list', ...patterns], { cwd: dir, env: goEnvFor({ GOCACHE: plainCache }) });
    const packages = listed.stdout.trim().split('\n').filter(Boolean).length;
    const plain = (pats: readonly string[]) => timed(() => runChecked(goBin, ['build', ...pats], { cwd: dir, env: goEnvFor({ GOCACHE: plainCache }) }));
    const analyze = (pats: readonly string[], gocache = analysisCache) => timed(async () => {
      const r = await analyzeWorkspace({
        dir, packages: [...pats], ...(goBin !== 'go' ? { goBinary: goBin } : {}),
        env: goEnvFor({ GOCACHE: gocache }),
      });
      if (r.errors.length > 0) throw new Error(`analysis of ${dir} reported errors: ${JSON.stringify(r.errors.slice(0, 3))}`);
      return r;
    });
    // The type-facts helper is built once per Go version into its usual cache dir; that one-time
    // build is not part of any case (the extension keeps it across sessions). Its own GOCACHE, so
    // the cold case starts empty.
    await analyze([edit.pkg], warmupCache);

    const plainCold = await plain(patterns);
    const cold = await analyze(patterns);
    const plainWarm = await plain(patterns);
    const warm = await analyze(patterns);

    await appendFile(editPath, `\nvar _ = "go-heap-lens bench edit"\n`);
    const plainEdit = await plain([edit.pkg]);
    const editAll = await analyze(patterns);
    await writeFile(editPath, original);
    await appendFile(editPath, `\nvar _ = "go-heap-lens bench edit 2"\n`);
    const plainEdit2 = await plain([edit.pkg]);
    const editOne = await analyze([edit.pkg]);

    const sites = cold.value.sites.length;
    const diag = Object.values(cold.value.diagnostics).reduce((a, b) => a + b, 0);
    const s = (ms: number) => `${fmt(ms / 1000, 1)} s`;
    const figures: Figure[] = [
      { bench: 'module', metric: 'module', value: `${moduleVersion}: ${packages} packages, ${diag} diagnostics, ${sites} sites, ${cold.value.unparsed} unparsed` },
      { bench: 'module', metric: 'cold: analysis ÷ go build (empty GOCACHE)', value: `${fmt(cold.ms / plainCold.ms)} (${s(cold.ms)} ÷ ${s(plainCold.ms)})` },
      { bench: 'module', metric: 'warm: analysis ÷ go build (cached, output replayed)', value: `${fmt(warm.ms / plainWarm.ms)} (${s(warm.ms)} ÷ ${s(plainWarm.ms)})` },
      {
        bench: 'module', metric: `edit, whole module re-analysed ÷ go build ${edit.pkg}`, value: `${fmt(editAll.ms / plainEdit.ms)} (${s(editAll.ms)} ÷ ${s(plainEdit.ms)})`,
        target: '≤ 1.5', met: editAll.ms / plainEdit.ms <= 1.5,
      },
      {
        bench: 'module', metric: `edit, ${edit.pkg} alone re-analysed ÷ go build ${edit.pkg}`, value: `${fmt(editOne.ms / plainEdit2.ms)} (${s(editOne.ms)} ÷ ${s(plainEdit2.ms)})`,
        target: '≤ 1.5', met: editOne.ms / plainEdit2.ms <= 1.5,
      },
    ];
    return { figures, packages, sites, results: { cold: cold.value, warm: warm.value, edit: editAll.value } };
  } finally {
    await writeFile(editPath, original);
    for (const d of [plainCache, analysisCache, warmupCache]) {
      await runChecked('chmod', ['-R', 'u+w', d]).catch(() => undefined);
      await rm(d, { recursive: true, force: true });
    }
  }
}
