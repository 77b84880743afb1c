// `npm run fidelity:real`: the real-code accuracy suite of issue 13. For each pinned third-party module
// and each Go toolchain: fetch it through the Go module proxy (cache: .cache/fidelity-real/gomodcache),
// copy it into a writable temp dir, run its own tests and benchmarks with -memprofilerate=1, analyse it
// with `dist/cli.js analyze --json --tests` on the same toolchain, join each profile to the sites with the
// product's join (src/core/profile), and compare every profiled line inside the module with the sites
// there (compare.ts). Writes a JSON report and a markdown summary.
//
// Flags: --go 1.21,1.27 (toolchains: $GHL_GO_TOOLCHAINS/go-1.NN/bin/go, default .cache/go)
//        --modules uuid,toml (substrings of the module paths)   --benchtime 5x   --out test/fidelity/real-report
//        --require: exit 1 unless every module and version meets the issue's bar (compare.ts meetsBar).
//        --retriage: run nothing; triage the lines of the existing <out>.json again and rewrite both files.
// A module that fails to fetch, build or analyse is reported with the error; the run goes on.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeHeapProfile } from '../../../src/core/profile/decode.ts';
import type { ProfileJoin } from '../../../src/core/profile/join.ts';
import type { AllocationSite } from '../../../src/core/sites/site.ts';
import { joinProfileWithAnalysis, readProfileFile } from '../../../src/toolchain/profileFile.ts';
import { classNotes, compare, linesFromJoin, meetsBar, pct, triage, type Figures, type LineResult } from './compare.ts';

const repoRoot = resolve(__dirname, '..', '..', '..');

/** The modules: popular, no cgo, their own tests and benchmarks, go.mod at or below go1.21. Pinned. */
export const realModules: readonly { path: string; version: string; why: string }[] = [
  { path: 'github.com/google/uuid', version: 'v1.6.0', why: 'no go directive (language go1.16): per-loop variables' },
  { path: 'github.com/BurntSushi/toml', version: 'v1.6.0', why: 'go 1.18: reflection-heavy encoder/decoder, several packages' },
  { path: 'github.com/gorilla/mux', version: 'v1.8.1', why: 'go 1.20: string building, regexps, maps, closures' },
  { path: 'github.com/valyala/fastjson', version: 'v1.6.4', why: 'go 1.12: allocation-avoiding parser with arenas and pools' },
];

const { values: args } = parseArgs({
  options: {
    go: { type: 'string', default: '1.21,1.27' },
    modules: { type: 'string' },
    benchtime: { type: 'string', default: '5x' },
    out: { type: 'string', default: join(repoRoot, 'test', 'fidelity', 'real-report') },
    require: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    retriage: { type: 'boolean', default: false },
  },
});

const cacheDir = join(repoRoot, '.cache', 'fidelity-real');
const goModCache = join(cacheDir, 'gomodcache');
const toolchainsDir = process.env.GHL_GO_TOOLCHAINS ?? join(repoRoot, '.cache', 'go');
const cli = join(repoRoot, 'dist', 'cli.js');
const minutes = 60_000;

function goEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GOTOOLCHAIN: 'local', GOMODCACHE: goModCache, GOFLAGS: '-mod=mod', GOWORK: 'off' };
  delete env.GOEXPERIMENT;
  delete env.GOARCH;
  return env;
}

function tail(s: string | Buffer | null | undefined, n = 1500): string {
  const t = String(s ?? '').trim();
  return t.length > n ? '…' + t.slice(-n) : t;
}

function failed(r: SpawnSyncReturns<string | Buffer>, what: string): string | undefined {
  if (r.error) return `${what}: ${r.error.message}`;
  if (r.status !== 0) return `${what}: exit ${r.status ?? r.signal}\n${tail(r.stderr)}`;
  return undefined;
}

function run(cmd: string, argv: string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = goEnv()): SpawnSyncReturns<string> {
  return spawnSync(cmd, argv, { cwd, env, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 << 20 });
}

/** makeWritable: the module cache is read-only; the copy's tests may write (go.sum, testdata output). */
function makeWritable(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    chmodSync(p, e.isDirectory() ? 0o755 : 0o644);
    if (e.isDirectory()) makeWritable(p);
  }
}

interface Toolchain {
  readonly want: string;
  readonly goBin: string;
  readonly version: string;
  readonly minor: number;
}

function toolchain(want: string): Toolchain | { want: string; error: string } {
  const minorText = /^1\.(\d+)/.exec(want)?.[1];
  if (!minorText) return { want, error: `not a Go version: ${want}` };
  const goBin = join(toolchainsDir, `go-1.${minorText}`, 'bin', 'go');
  if (!existsSync(goBin)) return { want, error: `no toolchain at ${goBin} (scripts/install-go-toolchains.sh)` };
  const r = run(goBin, ['env', 'GOVERSION'], repoRoot, 2 * minutes);
  const err = failed(r, 'go env');
  if (err) return { want, error: err };
  return { want, goBin, version: r.stdout.trim(), minor: Number(minorText) };
}

interface RunReport {
  readonly module: string;
  readonly version: string;
  readonly go: string;
  readonly error?: string;
  /** Wall time of the fetch, tests, analysis and join. */
  readonly seconds?: number;
  readonly packages?: readonly { pkg: string; ok: boolean; error?: string }[];
  readonly figures?: Figures;
  readonly bar?: { ok: boolean; why: string[] };
  readonly analysis?: { sites: number; heapSites: number; errors: readonly string[] };
  /** The product's join over all the module's profiles: site verdicts, bytes attributed to a site. */
  readonly join?: { confirmed: number; differs: number; resolved: number; totalBytes: number; attributedBytes: number; warnings: string[] };
  /** Every line that does not agree, and the 50 heaviest unknown-size lines (agreeing lines are counted in figures only). */
  readonly lines?: readonly LineResult[];
}

function fetchModule(mod: { path: string; version: string }, goBin: string): { dir: string } | { error: string } {
  mkdirSync(goModCache, { recursive: true });
  const r = run(goBin, ['mod', 'download', '-json', `${mod.path}@${mod.version}`], cacheDir, 10 * minutes);
  let info: { Dir?: string; Error?: string } = {};
  try {
    info = JSON.parse(r.stdout) as typeof info;
  } catch {
    // the error below says what went wrong
  }
  if (info.Error) return { error: `go mod download: ${info.Error}` };
  const err = failed(r, 'go mod download');
  if (err) return { error: err };
  if (!info.Dir) return { error: 'go mod download printed no Dir' };
  return { dir: info.Dir };
}

async function runModule(mod: { path: string; version: string }, tc: Toolchain, work: string): Promise<RunReport> {
  const base = { module: mod.path, version: mod.version, go: tc.version };
  const fetched = fetchModule(mod, tc.goBin);
  if ('error' in fetched) return { ...base, error: fetched.error };
  const root = join(work, `${mod.path.replace(/[/]/g, '_')}@${mod.version}-${tc.version}`);
  cpSync(fetched.dir, root, { recursive: true });
  chmodSync(root, 0o755);
  makeWritable(root);
  const listed = run(tc.goBin, ['list', '-f', '{{.ImportPath}}\t{{len .TestGoFiles}}\t{{len .XTestGoFiles}}', './...'], root, 10 * minutes);
  const listErr = failed(listed, 'go list');
  if (listErr) return { ...base, error: listErr };
  const pkgs = listed.stdout
    .trim()
    .split('\n')
    .map((l) => l.split('\t'))
    .filter(([, t, x]) => Number(t) + Number(x) > 0)
    .map(([p]) => p ?? '');
  const profDir = join(root, '.ghl-profiles');
  mkdirSync(profDir);
  const packages: { pkg: string; ok: boolean; error?: string }[] = [];
  const profiles: { pkg: string; file: string }[] = [];
  for (const [i, pkg] of pkgs.entries()) {
    const prof = join(profDir, `${i}.pb.gz`);
    process.stderr.write(`  ${tc.version} go test ${pkg}\n`);
    const r = run(
      tc.goBin,
      ['test', '-count=1', '-run', '.', '-bench', '.', '-benchtime', args.benchtime, '-timeout', '600s'].concat([
        '-memprofilerate',
        '1',
        '-memprofile',
        prof,
        '-o',
        join(profDir, `${i}.test`),
        pkg,
      ]),
      root,
      20 * minutes,
    );
    // A failing test still leaves its profile: its lines count, and the failure is reported.
    const err = failed(r, 'go test');
    packages.push({ pkg, ok: !err, ...(err ? { error: tail(r.stdout + '\n' + r.stderr, 800) } : {}) });
    if (existsSync(prof)) profiles.push({ pkg, file: prof });
  }

  process.stderr.write(`  ${tc.version} analyze --json --tests\n`);
  const outFile = join(work, 'analyze.json');
  const fd = openSync(outFile, 'w');
  const a = spawnSync(process.execPath, [cli, 'analyze', root, '--json', '--tests', '--timeout', '1200'], {
    cwd: root,
    env: { ...goEnv(), GO_HEAP_LENS_GO: tc.goBin },
    stdio: ['ignore', fd, 'pipe'],
    encoding: 'utf8',
    timeout: 25 * minutes,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
  });
  closeSync(fd);
  let result: { sites: AllocationSite[]; errors: { kind: string; message: string }[] };
  try {
    result = JSON.parse(readFileSync(outFile, 'utf8')) as typeof result;
  } catch {
    return { ...base, packages, error: failed(a, 'analyze') ?? `analyze: no JSON\n${tail(a.stderr)}` };
  }
  const joins: ProfileJoin[] = [];
  for (const p of profiles) {
    try {
      const profile = decodeHeapProfile(await readProfileFile(p.file));
      joins.push(await joinProfileWithAnalysis(profile, result.sites, [root], { file: p.file, mismatch: 'warn' }));
    } catch (e) {
      packages.push({ pkg: p.pkg, ok: false, error: `profile: ${(e as Error).message}` });
    }
  }
  rmSync(profDir, { recursive: true, force: true });
  const srcCache = new Map<string, string[]>();
  const sourceLine = (file: string, line: number): string => {
    let text = srcCache.get(file);
    if (!text) {
      try {
        text = readFileSync(join(root, file), 'utf8').split('\n');
      } catch {
        text = [];
      }
      srcCache.set(file, text);
    }
    return text[line - 1] ?? '';
  };
  const relPath = (abs: string): string | undefined => {
    const r = relative(root, abs);
    return r.startsWith('..') || r === abs ? undefined : r.split(sep).join('/');
  };
  const { lines: compared, figures } = compare(
    linesFromJoin(
      joins.map((j) => ({ sites: j.sites, unattributed: j.summary.unattributed })),
      relPath,
    ),
    result.sites,
    relPath,
    sourceLine,
    tc.minor,
  );
  if (!args.keep) rmSync(root, { recursive: true, force: true });
  return {
    ...base,
    packages,
    figures,
    bar: meetsBar(figures),
    join: {
      confirmed: joins.reduce((n, j) => n + j.sites.filter((m) => m.measured.verdict === 'confirmed').length, 0),
      differs: joins.reduce((n, j) => n + j.sites.filter((m) => m.measured.verdict === 'differs').length, 0),
      resolved: joins.reduce((n, j) => n + j.sites.filter((m) => m.measured.verdict === 'resolved').length, 0),
      totalBytes: joins.reduce((n, j) => n + j.summary.totalBytes, 0),
      attributedBytes: joins.reduce((n, j) => n + j.summary.totalBytes * j.summary.attributedBytesShare, 0),
      // The copy's temp path says nothing to a reader of the committed report.
      warnings: joins.flatMap((j) => j.summary.warnings.map((w) => w.split(root).join(`${mod.path}@${mod.version}`))),
    },
    analysis: {
      sites: result.sites.length,
      heapSites: result.sites.filter((s) => s.escapes).length,
      errors: result.errors.map((e) => `${e.kind}: ${e.message}`.slice(0, 400)),
    },
    // Every disagreeing line; of the unknown-size ones (counted in figures) the 50 heaviest.
    lines: [
      ...compared.filter((l) => l.category !== 'agree' && l.category !== 'multi-agree' && l.category !== 'unknown'),
      ...compared
        .filter((l) => l.category === 'unknown')
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 50),
    ],
  };
}

/** compact: a line as the JSON report keeps it (the sites' long expressions and notes cut, the ten largest slots). */
function compact(l: LineResult): LineResult {
  const sites = l.sites.map(({ notes: _notes, ...v }) => ({ ...v, expr: v.expr.length > 80 ? v.expr.slice(0, 79) + '…' : v.expr }));
  return { ...l, sites, recorded: l.recorded.slice(0, 10), source: l.source.slice(0, 160) };
}

/** reportJson: one line of JSON per profiled line, so that a new run's diff shows which lines changed. */
function reportJson(head: Record<string, unknown>, runs: readonly RunReport[]): string {
  const runText = runs.map(({ lines, ...r }) => {
    const body = JSON.stringify(r);
    if (!lines) return body;
    return `${body.slice(0, -1)},"lines":[\n${lines.map((l) => JSON.stringify(compact(l))).join(',\n')}\n]}`;
  });
  return `${JSON.stringify(head).slice(0, -1)},"runs":[\n${runText.join(',\n')}\n]}\n`;
}

function slotsText(xs: readonly { bytes: number; objects: number }[]): string {
  return xs.map((x) => `${x.bytes} B×${x.objects}`).join(', ');
}

function siteText(l: LineResult): string {
  if (l.sites.length === 0) return '(no site)';
  return l.sites
    .map(
      (s) =>
        `${s.construct} \`${s.expr.slice(0, 60)}\` ${s.escapes ? 'heap' : 'stack'} ${s.kind}${s.slots.length ? ' ' + s.slots.join('/') + ' B' : ''}`,
    )
    .join('; ');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function markdown(reports: readonly RunReport[], started: string, benchtime: string): string {
  const out: string[] = [];
  out.push('# Real-code accuracy report (issue 13)', '');
  out.push(
    `Generated by \`npm run fidelity:real\` (test/fidelity/real/run.ts) on ${started}, benchtime ${benchtime}.`,
    "Each module's own tests and benchmarks ran with `-memprofilerate=1`; every module line the profile records",
    'allocations on (leaf location, innermost frame inside the module) is compared with the sites of',
    '`go-heap-lens analyze --json --tests` on that line (test/fidelity/real/compare.ts). Counts of objects',
    'vary with how the tests ran; the comparison uses only which slots a line records.',
    '',
    '| module | Go | profiled lines | comparable agree | multi-slot agree | said none/stack | no site | unknown size | bar | sites confirmed / differs / resolved | profile bytes on a site (all code) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of reports) {
    const f = r.figures;
    if (!f) {
      out.push(`| ${r.module}@${r.version} | ${r.go} | error: ${cell((r.error ?? '').split('\n')[0] ?? '')} | | | | | | | | |`);
      continue;
    }
    out.push(
      `| ${r.module}@${r.version} | ${r.go} | ${f.profiledLines} | ${f.comparableAgree}/${f.comparable} (${pct(f.comparableAgree, f.comparable)}) | ` +
        `${f.multiAgree}/${f.multi} | ${f.saidNone} | ${f.noSite} (${pct(f.noSite, f.profiledLines)}) | ${f.unknown} | ${r.bar?.ok ? 'met' : 'not met'} | ` +
        `${r.join ? `${r.join.confirmed} / ${r.join.differs} / ${r.join.resolved} | ${pct(r.join.attributedBytes, r.join.totalBytes)}` : ' | '} |`,
    );
  }
  const seconds = reports.reduce((n, r) => n + (r.seconds ?? 0), 0);
  if (seconds > 0)
    out.push(
      '',
      `Wall time: ${Math.round(seconds / 60)} min (${reports.map((r) => `${r.module.split('/').pop()} ${r.go} ${r.seconds ?? '?'} s`).join(', ')}).`,
    );
  const failedPkgs = reports.flatMap((r) => (r.packages ?? []).filter((p) => !p.ok).map((p) => `${r.go} ${p.pkg}`));
  if (failedPkgs.length) out.push('', `Packages whose tests failed (their profiles still count): ${failedPkgs.join(', ')}.`);
  out.push('', '## Disagreements by construct class', '');
  out.push(
    'Triage by the sites and the code on each line (compare.ts `triage`), one example per module and version, the rest counted.',
    '',
  );
  const byClass = new Map<string, { r: RunReport; l: LineResult }[]>();
  for (const r of reports)
    for (const l of r.lines ?? []) {
      if (l.category === 'unknown') continue;
      const k = l.triage ?? 'unclassified';
      const list = byClass.get(k);
      if (list) list.push({ r, l });
      else byClass.set(k, [{ r, l }]);
    }
  const order = (c: string) => Number(/^\d+/.exec(c)?.[0] ?? 99);
  for (const [cls, items] of [...byClass].sort(([a], [b]) => order(a) - order(b) || (a < b ? -1 : 1))) {
    out.push(`### ${cls} (${items.length} lines)`, '');
    const note = classNotes[cls.split(' ')[0] ?? ''];
    if (note) out.push(note, '');
    out.push('| module / Go | line | code | recorded slots | sites | category |', '|---|---|---|---|---|---|');
    const seen = new Map<string, number>();
    for (const { r, l } of items) {
      const k = `${r.module}/${r.go}`;
      const n = seen.get(k) ?? 0;
      seen.set(k, n + 1);
      if (n >= 3) continue;
      out.push(
        `| ${r.module.split('/').pop()} ${r.go} | ${l.file}:${l.line} | \`${cell(l.source.slice(0, 90))}\` | ${slotsText(l.recorded)} | ${cell(siteText(l))} | ${l.category} |`,
      );
    }
    const more = [...seen].filter(([, n]) => n > 3).map(([k, n]) => `${k}: ${n - 3} more`);
    if (more.length) out.push('', `(${more.join('; ')})`);
    out.push('');
  }
  const unknown = reports.flatMap((r) => (r.lines ?? []).filter((l) => l.category === 'unknown').map((l) => ({ r, l })));
  out.push('## Unknown-size lines', '', `${unknown.length} lines over all runs; the heaviest ten by recorded bytes:`, '');
  out.push('| module / Go | line | code | recorded slots | sites |', '|---|---|---|---|---|');
  for (const { r, l } of unknown.sort((a, b) => b.l.bytes - a.l.bytes).slice(0, 10))
    out.push(
      `| ${r.module.split('/').pop()} ${r.go} | ${l.file}:${l.line} | \`${cell(l.source.slice(0, 90))}\` | ${slotsText(l.recorded.slice(0, 4))} | ${cell(siteText(l))} |`,
    );
  out.push('');
  return out.join('\n');
}

/** retriage: the saved report with its lines triaged by the current compare.ts (no fetch, no go). */
function retriage(): number {
  const json = JSON.parse(readFileSync(`${args.out}.json`, 'utf8')) as { generated: string; benchtime: string; runs: RunReport[] };
  const runs = json.runs.map((r) => {
    const goMinor = Number(/^go1\.(\d+)/.exec(r.go)?.[1] ?? 0);
    const unknown = new Set(
      r.lines
        ?.filter((l) => l.category === 'unknown')
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 50),
    );
    const lines = r.lines
      ?.filter((l) => l.category !== 'unknown' || unknown.has(l))
      .map((l) => ({
        ...l,
        triage: triage(
          l.category,
          l.sites,
          l.recorded.map((x) => x.bytes),
          l.source,
          goMinor,
          l.reason,
        ),
      }));
    return { ...r, ...(lines ? { lines } : {}) };
  });
  const { runs: _old, ...head } = json;
  writeFileSync(`${args.out}.json`, reportJson(head, runs));
  writeFileSync(`${args.out}.md`, markdown(runs, json.generated, json.benchtime));
  return 0;
}

async function main(): Promise<number> {
  if (args.retriage) return retriage();
  if (!existsSync(cli)) {
    process.stderr.write(`fidelity:real: ${cli} is missing: npm run build first\n`);
    return 2;
  }
  const started = new Date().toISOString().slice(0, 16) + 'Z';
  const want = args.modules?.split(',') ?? [];
  const mods = realModules.filter((m) => want.length === 0 || want.some((w) => m.path.includes(w)));
  const work = mkdtempSync(join(tmpdir(), 'ghl-real-'));
  const reports: RunReport[] = [];
  try {
    for (const v of args.go.split(',')) {
      const tc = toolchain(v.trim());
      if ('error' in tc) {
        for (const m of mods) reports.push({ module: m.path, version: m.version, go: tc.want, error: tc.error });
        continue;
      }
      for (const m of mods) {
        process.stderr.write(`${m.path}@${m.version} on ${tc.version}\n`);
        let r: RunReport;
        const t0 = performance.now();
        try {
          r = await runModule(m, tc, work);
        } catch (e) {
          r = { module: m.path, version: m.version, go: tc.version, error: (e as Error).stack ?? String(e) };
        }
        r = { ...r, seconds: Math.round((performance.now() - t0) / 1000) };
        reports.push(r);
        const f = r.figures;
        process.stderr.write(
          f
            ? `  ${f.profiledLines} lines: comparable ${f.comparableAgree}/${f.comparable}, said-none ${f.saidNone}, no site ${f.noSite}, unknown ${f.unknown}\n`
            : `  error: ${r.error}\n`,
        );
      }
    }
  } finally {
    if (statSync(work, { throwIfNoEntry: false })) rmSync(work, { recursive: true, force: true });
  }
  writeFileSync(`${args.out}.json`, reportJson({ generated: started, benchtime: args.benchtime, modules: realModules }, reports));
  writeFileSync(`${args.out}.md`, markdown(reports, started, args.benchtime));
  process.stderr.write(`wrote ${args.out}.json and ${args.out}.md\n`);
  if (args.require) {
    const missed = reports.filter((r) => !r.bar?.ok);
    for (const r of missed) process.stderr.write(`bar not met: ${r.module} ${r.go}: ${r.error ?? r.bar?.why.join('; ')}\n`);
    return missed.length ? 1 : 0;
  }
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`fidelity:real: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
