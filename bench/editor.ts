// Benchmark 4: editor latency (see run.ts for the suite).
//
// Sites are real AllocationSites: the join of a real -m=2 output (the std output of stage 1, or
// a recorded fixture in the smoke test), laid out again in synthetic files so that one file holds
// 10 k sites on 5 k lines (2 per line) and a workspace holds 200 k (20 such files). The hover path
// is what src/ui/hover.ts runs for one request, minus the vscode objects: the file's sites from
// the workspace map (AnalysisService.sitesForFile), siteAtPosition, sitesAtSameColumn and
// hoverMarkdown of each hit. Inline hints are what src/ui/hints.ts render() computes for one
// editor: filterSites, and lineHints (one hint per line, busy lines summarised).
// Baselines in the same run: the same hover on a 10-site file; the hints of a 50-line file.
// Activation: V8's compile of the extension bundle, and the real activation in code-server +
// chromium (vscodeActivation: VS Code's own activation times from "Developer: Startup
// Performance", against an extension whose activate() is empty, in the same extension host);
// the VSIX is packaged by vsce.
import { cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { rulesFor } from '../src/core/alloc/versions.ts';
import type { Diagnostic } from '../src/core/escape/diagnostic.ts';
import { TextParser } from '../src/core/escape/text.ts';
import { joinSites } from '../src/core/sites/join.ts';
import { filterSites, hoverMarkdown, lineHints } from '../src/core/sites/present.ts';
import type { AllocationSite } from '../src/core/sites/site.ts';
import { siteAtPosition, sitesAtSameColumn } from '../src/core/sites/siteAt.ts';
import { benchCacheDir, fmt, percentile, repoRoot, rng, runChecked, type Figure } from './lib.ts';

/** sitesFromOutput parses and joins compiler output the way analyze.ts does (no type facts). */
export function sitesFromOutput(text: string, baseDir: string): AllocationSite[] {
  const diagnostics: Diagnostic[] = [];
  const p = new TextParser({ baseDir, onDiagnostic: (d) => diagnostics.push(d) });
  p.push(text);
  p.end();
  return joinSites(diagnostics, [], { rules: rulesFor('go1.26', 'amd64'), baseDir });
}

/** layout puts `perFile` sites (cycling through `sites`) on `perFile / perLine` lines of each of `files` files. */
export function layout(sites: readonly AllocationSite[], files: number, perFile: number, perLine = 2): Map<string, AllocationSite[]> {
  if (sites.length === 0) throw new Error('no allocation sites to lay out');
  const byFile = new Map<string, AllocationSite[]>();
  let k = 0;
  for (let f = 0; f < files; f++) {
    const file = `/bench/workspace/pkg${f}/file.go`;
    const list: AllocationSite[] = [];
    for (let i = 0; i < perFile; i++) {
      const s = sites[k++ % sites.length]!;
      list.push({ ...s, file, line: 1 + Math.floor(i / perLine), column: 2 + (i % perLine) * 24 });
    }
    byFile.set(file, list);
  }
  return byFile;
}

type Workspace = ReadonlyMap<string, ReadonlyMap<string, readonly AllocationSite[]>>;

/** hover runs one hover request as src/ui/hover.ts does; returns the markdown length (kept, so nothing is dead code). */
function hover(ws: Workspace, file: string, line0: number, character: number, lineLength: number): number {
  let sites: readonly AllocationSite[] = [];
  for (const byFile of ws.values()) {
    const s = byFile.get(file);
    if (s) {
      sites = s;
      break;
    }
  }
  if (sites.length === 0) return 0;
  const hit = siteAtPosition(sites, line0 + 1, character, lineLength);
  if (!hit) return 0;
  let n = 0;
  for (const s of sitesAtSameColumn(sites, hit.site)) n += hoverMarkdown(s, { revealCommand: 'goHeap.revealPosition' }).length;
  return n;
}

/** hints computes what InlineHints.render sets on one editor: one hint per line (lineHints). */
function hints(sites: readonly AllocationSite[]): number {
  let n = 0;
  for (const h of lineHints(filterSites(sites, { escapingOnly: true, minBytes: 0 }), false)) n += h.text.length + h.kind.length;
  return n;
}

/** lookupTimes: wall time of `n` hovers at random positions of random files of `ws` (ms, sorted). */
function lookupTimes(ws: Workspace, n: number, seed: number): number[] {
  const files: { file: string; lines: number }[] = [];
  for (const byFile of ws.values()) for (const [file, list] of byFile) files.push({ file, lines: list[list.length - 1]!.line });
  const r = rng(seed);
  const out: number[] = [];
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const f = files[Math.floor(r() * files.length)]!;
    const line0 = Math.floor(r() * f.lines);
    const ch = Math.floor(r() * 60);
    const t0 = performance.now();
    sink += hover(ws, f.file, line0, ch, 80);
    out.push(performance.now() - t0);
  }
  if (sink === 0) throw new Error('no hover produced any markdown: the lookup found nothing');
  return out.sort((a, b) => a - b);
}

function timesOf(f: () => number, n: number): number[] {
  const out: number[] = [];
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    sink += f();
    out.push(performance.now() - t0);
  }
  if (sink === 0) throw new Error('the measured function produced nothing');
  return out.sort((a, b) => a - b);
}

export interface EditorBenchOptions {
  /** Compiler output to take sites from (default: the recorded go1.26 constructs fixture). */
  readonly stdFile?: string;
  /** Scale: sites per file, files in the big workspace, hover samples. */
  readonly perFile?: number;
  readonly files?: number;
  readonly samples?: number;
  /** Also package a VSIX (slow: runs vsce). */
  readonly vsix?: boolean;
  /** Also measure activation in code-server + chromium (slow: ~2 min; default: as vsix, the other slow part). */
  readonly realActivation?: boolean;
}

export async function benchEditor(opts: EditorBenchOptions = {}): Promise<{ figures: Figure[]; fileSites: AllocationSite[] }> {
  const input = opts.stdFile ?? join(repoRoot, 'test', 'fixtures', 'recorded', 'go1.26', 'constructs-m2.txt');
  const sites = sitesFromOutput(readFileSync(input, 'utf8'), join(repoRoot, 'test', 'fixtures', 'constructs'));
  const perFile = opts.perFile ?? 10_000;
  const files = opts.files ?? 20;
  const samples = opts.samples ?? 20_000;
  const one = new Map([['m', layout(sites, 1, perFile)]]);
  const big = new Map([['m', layout(sites, files, perFile)]]);
  const tiny = new Map([['m', layout(sites, 1, 10)]]);
  lookupTimes(big, Math.min(2000, samples), 7); // warm the JIT for every measured path
  const tTiny = lookupTimes(tiny, samples, 1);
  const tOne = lookupTimes(one, samples, 2);
  const tBig = lookupTimes(big, samples, 3);
  const fileSites = [...one.get('m')!.values()][0]!;
  const lines = fileSites[fileSites.length - 1]!.line;
  const small = fileSites.filter((s) => s.line <= 50);
  const hintsFile = timesOf(() => hints(fileSites), 50);
  const hintsSmall = timesOf(() => hints(small), 500);
  const p = (xs: number[], q: number) => percentile(xs, q);
  const us = (ms: number) => `${fmt(ms * 1000, 1)} µs`;
  const figures: Figure[] = [
    {
      bench: 'editor',
      metric: 'sites',
      value: `${sites.length} distinct real sites from ${input.split('/').slice(-2).join('/')}, laid out as ${perFile} per file on ${lines} lines`,
    },
    {
      bench: 'editor',
      metric: `hover p50 / p99, file of ${perFile} sites`,
      value: `${us(p(tOne, 50))} / ${us(p(tOne, 99))}`,
      target: 'p99 ≤ 1 ms',
      met: p(tOne, 99) <= 1,
    },
    {
      bench: 'editor',
      metric: `hover p50 / p99, workspace of ${perFile * files} sites`,
      value: `${us(p(tBig, 50))} / ${us(p(tBig, 99))}`,
      target: 'p99 ≤ 1 ms',
      met: p(tBig, 99) <= 1,
    },
    {
      bench: 'editor',
      metric: 'hover p99 ÷ p99 on a 10-site file',
      value: `${fmt(p(tOne, 99) / p(tTiny, 99))} (file), ${fmt(p(tBig, 99) / p(tTiny, 99))} (workspace); 10-site p99 ${us(p(tTiny, 99))}`,
    },
    {
      bench: 'editor',
      metric: `inline hints of the ${lines}-line file (render computes the whole file) p50 / max`,
      value: `${fmt(p(hintsFile, 50), 2)} ms / ${fmt(hintsFile[hintsFile.length - 1]!, 2)} ms`,
    },
    { bench: 'editor', metric: 'hints of the file ÷ hints of a 50-line range', value: fmt(p(hintsFile, 50) / p(hintsSmall, 50), 1) },
  ];
  figures.push(...activation());
  if (opts.realActivation ?? opts.vsix ?? true) {
    figures.push(
      ...(await vscodeActivation().catch((e: unknown) => [
        {
          bench: 'editor',
          metric: 'activation in VS Code (code-server)',
          value: `FAILED: ${(e as Error).message.split('\n')[0]} (log: bench/.cache/activation-code-server.log)`,
        },
      ])),
    );
  }
  if (opts.vsix ?? true) figures.push(await vsixSize());
  return { figures, fileSites };
}

/**
 * activation: V8 compiling dist/extension.js is the part of activation the bundle's size controls;
 * ÷ the same for an empty module. Activation itself needs the vscode API: it is not run here.
 */
function activation(): Figure[] {
  const bundle = join(repoRoot, 'dist', 'extension.js');
  const src = readFileSync(bundle, 'utf8');
  const compile = (code: string, i: number) => {
    const t0 = performance.now();
    // A distinct filename per run, so V8's compilation cache does not answer the second time.
    new Script(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, { filename: `${bundle}#${i}` });
    return performance.now() - t0;
  };
  const times = Array.from({ length: 5 }, (_, i) => compile(src, i)).sort((a, b) => a - b);
  const empty = Array.from({ length: 5 }, (_, i) => compile('module.exports = {};', i)).sort((a, b) => a - b);
  return [
    {
      bench: 'editor',
      metric: 'extension bundle compile (V8 alone; the activation in VS Code is measured below)',
      value: `${fmt(percentile(times, 50), 1)} ms for ${fmt(statSync(bundle).size / 1024, 0)} KiB (empty module ${fmt(percentile(empty, 50), 2)} ms)`,
    },
  ];
}

/**
 * vsixSize packages the VSIX as `npm run package` does (scripts/package.mjs): from a staging folder
 * of exactly the allow-listed files, the README's images replaced by their alt text (vsce refuses
 * relative images without a repository URL), into a temp dir of its own.
 */
async function vsixSize(): Promise<Figure> {
  const dir = await mkdtemp(join(benchCacheDir, 'vsix-'));
  try {
    const { packagedFiles } = await import('../scripts/code-server-env.mjs');
    const stage = join(dir, 'stage');
    for (const f of [...packagedFiles(), '.vscodeignore']) {
      mkdirSync(dirname(join(stage, f)), { recursive: true });
      cpSync(join(repoRoot, f), join(stage, f));
    }
    writeFileSync(join(stage, 'README.md'), readFileSync(join(repoRoot, 'README.md'), 'utf8').replace(/!\[([^\]\n]*)\]\([^)\n]*\)/g, '$1'));
    const out = join(dir, 'go-heap-lens.vsix');
    await runChecked(
      process.execPath,
      [join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '-o', out],
      { cwd: stage },
    );
    return {
      bench: 'editor',
      metric: 'VSIX size (vsce package of the current dist/, staged as npm run package does)',
      value: `${fmt(statSync(out).size / 1024, 0)} KiB`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** VS Code's activation times of one extension, as the extension host measured them (ms). */
export interface ActivationTimes {
  readonly id: string;
  readonly eager: boolean;
  /** require() of the main module. */
  readonly loadCodeMs: number;
  /** The activate() call until it returned. */
  readonly callActivateMs: number;
  /** From activate() returning until its promise resolved (0 for a synchronous activate). */
  readonly finishActivateMs: number;
  readonly event: string;
}

/**
 * parseActivationStats reads the "Extension Activation Stats" table of VS Code's Startup
 * Performance document (perfview: | Extension | Eager | Load Code | Call Activate | Finish Activate | Event | By |).
 */
export function parseActivationStats(doc: string): ActivationTimes[] {
  const at = doc.indexOf('## Extension Activation Stats');
  if (at < 0) return [];
  const out: ActivationTimes[] = [];
  for (const line of doc.slice(at).split('\n').slice(1)) {
    if (line.startsWith('##')) break;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells.length < 6 || !/^\d+$/.test(cells[2]!)) continue;
    out.push({
      id: cells[0]!,
      eager: cells[1] === 'true',
      loadCodeMs: Number(cells[2]),
      callActivateMs: Number(cells[3]),
      finishActivateMs: Number(cells[4]),
      event: cells[5]!,
    });
  }
  return out;
}

const baselineId = 'ghl-bench.empty-activate';
const baselineMarker = 'baseline.ghlbench';

/**
 * vscodeActivation measures activate() of the packaged extension in a real VS Code: code-server
 * (scripts/code-server-env.mjs) with chromium, the demo module opened so `workspaceContains:**\/go.mod`
 * activates it at startup. The times are the extension host's own (ExtensionActivationTimes:
 * require of the bundle, the activate() call, its promise), read from "Developer: Startup
 * Performance". Baseline in the same code-server: an extension with an empty activate(),
 * activated the same way (workspaceContains, at startup) by a folder holding only its marker
 * file, in a window of its own — activations in one host overlap (each one's load time would
 * include the other's), so each folder's window activates only one of the two. Windows
 * alternate, `runs` each (each load starts a new extension host); the first is also reported
 * (cold file cache). vscode.git, which activates in every window, is listed for scale.
 */
export async function vscodeActivation(runs = 5): Promise<Figure[]> {
  const env = await import('../scripts/code-server-env.mjs');
  const missing = env.missing();
  if (missing.length) {
    return [
      {
        bench: 'editor',
        metric: 'activation in VS Code (code-server)',
        value: `NOT MEASURED: not installed: ${missing.join(', ')} (scripts/install-code-server.sh)`,
      },
    ];
  }
  const work = await mkdtemp(join(benchCacheDir, 'activation-'));
  const demo = join(work, 'demo');
  cpSync(join(repoRoot, 'test', 'fixtures', 'demo'), demo, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    publisher: string;
    name: string;
    version: string;
    activationEvents: string[];
    engines: object;
  };
  const ourId = `${pkg.publisher}.${pkg.name}`;
  // The baseline is installed like ours: a directory in the extensions dir, scanned at start.
  const base = join(work, 'run', 'extensions', `${baselineId}-0.0.1`);
  mkdirSync(base, { recursive: true });
  writeFileSync(
    join(base, 'package.json'),
    JSON.stringify({
      name: 'empty-activate',
      publisher: 'ghl-bench',
      version: '0.0.1',
      engines: pkg.engines,
      main: './extension.js',
      activationEvents: [`workspaceContains:**/${baselineMarker}`, 'onLanguage:ghl-bench-baseline'],
      contributes: { languages: [{ id: 'ghl-bench-baseline', extensions: ['.ghlbench'] }] },
    }),
  );
  const baseFolder = join(work, 'baseline');
  mkdirSync(baseFolder);
  writeFileSync(join(baseFolder, baselineMarker), 'activates ghl-bench.empty-activate\n');
  writeFileSync(join(base, 'extension.js'), 'exports.activate = function () {};\nexports.deactivate = function () {};\n');
  const port = await freePort();
  const cs = await env.startCodeServer({
    runDir: join(work, 'run'),
    port,
    logFile: join(benchCacheDir, 'activation-code-server.log'),
    packaged: true,
  });
  const { chromium } = await import('playwright-core');
  const profile = join(work, 'chromium');
  const context = await chromium
    .launchPersistentContext(profile, {
      executablePath: env.chromiumBin,
      headless: true,
      viewport: { width: 1600, height: 1000 },
      env: { ...process.env, XDG_CONFIG_HOME: join(profile, 'xdg-config'), XDG_CACHE_HOME: join(profile, 'xdg-cache') } as Record<
        string,
        string
      >,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    })
    .catch(async (e: unknown) => {
      await cs.stop();
      throw e;
    });
  const samples: { ours: ActivationTimes; baseline: ActivationTimes; git: ActivationTimes | undefined }[] = [];
  let keep = false;
  const t0 = Date.now();
  const mark = (what: string) => process.stderr.write(`editor: activation: ${what} after ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  try {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: cs.url });
    const page = context.pages()[0] ?? (await context.newPage());
    const load = async (folder: string, file: string, id: string, other: string) => {
      await page.goto(`${cs.url}/?folder=${encodeURIComponent(folder)}`);
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      // Opening the file also activates by onLanguage: on a loaded machine VS Code gives up the
      // workspaceContains glob search (after 7 s: "Timed out while searching for 'workspaceContains'").
      const row = page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: file }).first();
      await row.waitFor({ timeout: 60_000 });
      await row.click();
      const stats = await readActivationStats(page, [id]);
      const find = (x: string) => stats.find((s) => s.id.toLowerCase() === x.toLowerCase());
      if (find(other)) throw new Error(`${other} activated in the window meant for ${id} alone`);
      mark(`${id} window ${samples.length + 1}`);
      return { times: find(id)!, git: find('vscode.git') };
    };
    for (let run = 0; run < runs; run++) {
      const ours = await load(demo, 'main.go', ourId, baselineId);
      const baseline = await load(baseFolder, baselineMarker, baselineId, ourId);
      samples.push({ ours: ours.times, baseline: baseline.times, git: ours.git });
    }
  } catch (e) {
    await context
      .pages()[0]
      ?.screenshot({ path: join(benchCacheDir, 'activation-failed.png') })
      .catch(() => undefined);
    keep = true;
    throw e;
  } finally {
    await context.close().catch(() => undefined);
    await cs.stop();
    if (!keep) await rm(work, { recursive: true, force: true });
    else process.stderr.write(`editor: activation failed: kept ${work}\n`);
  }
  const total = (a: ActivationTimes) => a.loadCodeMs + a.callActivateMs + a.finishActivateMs;
  const parts = (a: ActivationTimes) =>
    `${total(a)} ms (load ${a.loadCodeMs} + activate() ${a.callActivateMs} + promise ${a.finishActivateMs})`;
  /** The window load whose total is the median (so its parts add up), of ours or the baseline's. */
  const median = (pick: (s: (typeof samples)[number]) => ActivationTimes) =>
    [...samples].map(pick).sort((a, b) => total(a) - total(b))[(samples.length - 1) >> 1]!;
  const first = samples[0]!;
  const csDir = join(dirname(dirname(env.codeServerBin)), 'code-server');
  const version = (f: string) => (JSON.parse(readFileSync(f, 'utf8')) as { version: string }).version;
  const versions = `code-server ${version(join(csDir, 'package.json'))}, VS Code ${version(join(csDir, 'lib', 'vscode', 'package.json'))}`;
  const events = (pick: (s: (typeof samples)[number]) => ActivationTimes) => [...new Set(samples.map((s) => pick(s).event))].join(', ');
  const gits = samples
    .filter((s) => s.git)
    .map((s) => total(s.git!))
    .sort((a, b) => a - b);
  const all = (pick: (s: (typeof samples)[number]) => ActivationTimes) => samples.map((s) => total(pick(s))).join(', ');
  return [
    {
      bench: 'editor',
      metric: `activation in VS Code (${versions}; median of ${runs} window loads each, by ${events((s) => s.ours)}; baseline by ${events((s) => s.baseline)})`,
      value:
        `${parts(median((s) => s.ours))}; empty activate() baseline ${parts(median((s) => s.baseline))}` +
        (gits.length ? `; vscode.git ${percentile(gits, 50)} ms` : ''),
    },
    {
      bench: 'editor',
      metric: 'activation in VS Code, every window load (ms; the first has a cold file cache)',
      value: `ours ${all((s) => s.ours)}; baseline ${all((s) => s.baseline)}; first: ${parts(first.ours)}`,
    },
  ];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * readActivationStats opens "Developer: Startup Performance" and copies its text (the document
 * updates itself as extensions activate) until every id in `want` has a row; 3 minutes at most (a loaded
 * 2-core machine took 85 s to register the extensions once).
 */
async function readActivationStats(page: import('playwright-core').Page, want: readonly string[]): Promise<ActivationTimes[]> {
  const deadline = Date.now() + 180_000;
  let stats: ActivationTimes[] = [];
  let doc = '';
  await runPaletteCommand(page, 'Developer: Startup Performance');
  const editor = page.locator('.editor-instance .monaco-editor .view-lines').first();
  await editor.waitFor({ timeout: 30_000 });
  while (Date.now() < deadline) {
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Control+C');
    doc = (await page.evaluate('navigator.clipboard.readText()')) as string;
    stats = parseActivationStats(doc);
    if (want.every((id) => stats.some((s) => s.id.toLowerCase() === id.toLowerCase()))) {
      writeFileSync(join(benchCacheDir, 'activation-startup-performance.md'), doc);
      return stats;
    }
    await page.waitForTimeout(500);
  }
  throw new Error(
    `Startup Performance never listed ${want.join(', ')} (found: ${stats.map((s) => s.id).join(', ') || 'no activation table'}; ${doc.length} chars)`,
  );
}

async function runPaletteCommand(page: import('playwright-core').Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget:visible input');
  await page.keyboard.type(title);
  await page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}
