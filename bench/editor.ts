// Benchmark 4: editor latency (see run.ts for the suite).
//
// Sites are real AllocationSites: the join of a real -m=2 output (the std output of stage 1, or
// a recorded fixture in the smoke test), laid out again in synthetic files so that one file holds
// 10 k sites on 5 k lines (2 per line) and a workspace holds 200 k (20 such files). The hover path
// is what src/ui/hover.ts runs for one request, minus the vscode objects: the file's sites from
// the workspace map (AnalysisService.sitesForFile), siteAtPosition, sitesAtSameColumn and
// hoverMarkdown of each hit. Inline hints are what src/ui/hints.ts render() computes for one
// editor: filterSites, the per-line grouping, the strongest kind and hintText of each site.
// Baselines in the same run: the same hover on a 10-site file; the hints of a 50-line file.
// Activation: only V8's compile of the extension bundle (a real VS Code activation is not
// measured here, see RESULTS.md); the VSIX is packaged by vsce.
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { rulesFor } from '../src/core/alloc/versions.ts';
import type { Diagnostic } from '../src/core/escape/diagnostic.ts';
import { TextParser } from '../src/core/escape/text.ts';
import { joinSites } from '../src/core/sites/join.ts';
import { filterSites, hintText, hoverMarkdown } from '../src/core/sites/present.ts';
import type { AllocationSite } from '../src/core/sites/site.ts';
import { siteAtPosition, sitesAtSameColumn } from '../src/ui/siteAt.ts';
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
    if (s) { sites = s; break; }
  }
  if (sites.length === 0) return 0;
  const hit = siteAtPosition(sites, line0 + 1, character, lineLength);
  if (!hit) return 0;
  let n = 0;
  for (const s of sitesAtSameColumn(sites, hit.site)) n += hoverMarkdown(s, { revealCommand: 'goHeap.revealPosition' }).length;
  return n;
}

/** hints computes what InlineHints.render sets on one editor: one joined hint per line. */
function hints(sites: readonly AllocationSite[]): number {
  const shown = filterSites(sites, { escapingOnly: true, minBytes: 0 });
  const byLine = new Map<number, AllocationSite[]>();
  for (const s of shown) {
    const l = byLine.get(s.line);
    if (l) l.push(s);
    else byLine.set(s.line, [s]);
  }
  const ranked = ['stack', 'tiny', 'heap', 'large'];
  const kindOf = (s: AllocationSite) => (!s.escapes || s.prediction.kind === 'stack' ? 'stack' : s.prediction.kind === 'tiny' ? 'tiny' : s.prediction.kind === 'large' ? 'large' : 'heap');
  let n = 0;
  for (const list of byLine.values()) {
    list.sort((a, b) => a.column - b.column);
    const kind = list.map(kindOf).reduce((a, b) => (ranked.indexOf(b) > ranked.indexOf(a) ? b : a));
    n += list.map(hintText).join('  ').length + kind.length;
  }
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
    { bench: 'editor', metric: 'sites', value: `${sites.length} distinct real sites from ${input.split('/').slice(-2).join('/')}, laid out as ${perFile} per file on ${lines} lines` },
    {
      bench: 'editor', metric: `hover p50 / p99, file of ${perFile} sites`, value: `${us(p(tOne, 50))} / ${us(p(tOne, 99))}`,
      target: 'p99 ≤ 1 ms', met: p(tOne, 99) <= 1,
    },
    {
      bench: 'editor', metric: `hover p50 / p99, workspace of ${perFile * files} sites`, value: `${us(p(tBig, 50))} / ${us(p(tBig, 99))}`,
      target: 'p99 ≤ 1 ms', met: p(tBig, 99) <= 1,
    },
    { bench: 'editor', metric: 'hover p99 ÷ p99 on a 10-site file', value: `${fmt(p(tOne, 99) / p(tTiny, 99))} (file), ${fmt(p(tBig, 99) / p(tTiny, 99))} (workspace); 10-site p99 ${us(p(tTiny, 99))}` },
    { bench: 'editor', metric: `inline hints of the ${lines}-line file (render computes the whole file) p50 / max`, value: `${fmt(p(hintsFile, 50), 2)} ms / ${fmt(hintsFile[hintsFile.length - 1]!, 2)} ms` },
    { bench: 'editor', metric: 'hints of the file ÷ hints of a 50-line range', value: fmt(p(hintsFile, 50) / p(hintsSmall, 50), 1) },
  ];
  figures.push(...activation());
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
  return [{
    bench: 'editor', metric: 'extension bundle compile (V8, before activate(); real VS Code activation not measured)',
    value: `${fmt(percentile(times, 50), 1)} ms for ${fmt(statSync(bundle).size / 1024, 0)} KiB (empty module ${fmt(percentile(empty, 50), 2)} ms)`,
  }];
}

async function vsixSize(): Promise<Figure> {
  const dir = await mkdtemp(join(benchCacheDir, 'vsix-'));
  try {
    const out = join(dir, 'go-heap-lens.vsix');
    await runChecked(process.execPath, [join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--skip-license', '-o', out], { cwd: repoRoot });
    return { bench: 'editor', metric: 'VSIX size (vsce package of the current dist/)', value: `${fmt(statSync(out).size / 1024, 0)} KiB` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
