// Benchmark: heap drift on golang.org/x/tools (the module stage's pinned version, fetched the same
// way: module.ts ensureModule). Figures, each a ratio measured in this run:
//   diff ÷ analysis   — diffAnalyses of two analyses of the module (pairing, changes, totals), as the
//                       CLI runs it, ÷ one analysis (target ≤ 2 %; the analysis is the warm one, the
//                       shortest, so the ratio is the strictest);
//   --base ÷ analysis — compareBaseRef('HEAD~1') on a git repository of the module with a one-line
//                       edit committed on top (base worktree + head in parallel) ÷ one analysis in the
//                       same cache state (target ≤ 2.2×); then again with the base cached (≤ 1.2×).
// --gocache DIR keeps one GOCACHE (warm runs); without it every measured build starts from an empty
// GOCACHE (cold: std and the dependencies compile too, ~25 min per analysis on the 2-core machine).
// Usage: node --import tsx bench/drift.ts [--gocache DIR] [--only diff|base]
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { diffAnalyses } from '../src/core/drift/changes.ts';
import { analyzeWorkspace, type AnalysisResult } from '../src/toolchain/analyze.ts';
import { compareBaseRef } from '../src/toolchain/baseDiff.ts';
import { benchCacheDir, fmt, goEnvFor, machine } from './lib.ts';
import { ensureModule } from './module.ts';

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; v: T }> {
  const t0 = performance.now();
  const v = await f();
  return { ms: performance.now() - t0, v };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { gocache: { type: 'string' }, only: { type: 'string' } } });
  const m = await machine();
  process.stdout.write(`machine: ${m.cpu} × ${m.cores}, ${m.memGiB} GiB, node ${m.node}, ${m.go}\n`);
  // ensureModule's processes get a minimal environment: name go by its path.
  const goBin = join(execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim(), 'bin', 'go');
  await mkdir(benchCacheDir, { recursive: true });
  const src = await ensureModule(goBin);
  const gocache = async (): Promise<{ dir: string; done: () => Promise<void> }> => {
    if (values.gocache) return { dir: values.gocache, done: async () => undefined };
    const dir = await mkdtemp(join(benchCacheDir, 'gocache-drift-'));
    return { dir, done: () => rm(dir, { recursive: true, force: true }) };
  };
  const envFor = (cache: string) => ({
    ...(process.env as Record<string, string>),
    ...goEnvFor({ GOCACHE: cache, GOFLAGS: '-mod=mod -buildvcs=false' }),
  });
  const lines: string[] = [];
  const say = (s: string) => {
    lines.push(s);
    process.stdout.write(s + '\n');
  };

  if (!values.only || values.only === 'diff') {
    const c = await gocache();
    const a = await timed(() => analyzeWorkspace({ dir: src, env: envFor(c.dir) }));
    const b = await timed(() => analyzeWorkspace({ dir: src, env: envFor(c.dir) }));
    await c.done();
    const analysisMs = Math.min(a.ms, b.ms);
    // The diff itself is fast: repeat it and take the median so timer resolution does not decide.
    const runs: number[] = [];
    let changes = 0;
    for (let i = 0; i < 9; i++) {
      const d = await timed(async () => diffAnalyses(a.v.sites, b.v.sites, { base: side(a.v), head: side(b.v) }));
      runs.push(d.ms);
      changes = d.v.changes.length;
    }
    runs.sort((x, y) => x - y);
    const diffMs = runs[4]!;
    say(
      `diff: ${a.v.sites.length} × ${b.v.sites.length} sites, ${changes} changes: ${fmt(diffMs, 1)} ms ÷ analysis ${fmt(analysisMs / 1000, 1)} s ` +
        `(first ${fmt(a.ms / 1000, 1)} s) = ${fmt((diffMs / analysisMs) * 100, 3)} % [target ≤ 2 %]`,
    );
  }

  if (!values.only || values.only === 'base') {
    // A git repository of the module with one commit on top that edits one line.
    const repo = await mkdtemp(join(benchCacheDir, 'xtools-git-'));
    execFileSync('cp', ['-a', `${src}/.`, repo]);
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.invalid', ...args], { cwd: repo, stdio: 'pipe' });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'x/tools');
    await appendFile(join(repo, 'container/intsets/sparse.go'), '\nvar benchDriftEdit = new(int)\n');
    git('commit', '-qam', 'edit');
    const c = await gocache();
    // A kept cache is warmed first, so the one analysis and the head side start in the same state.
    if (values.gocache) await analyzeWorkspace({ dir: repo, env: envFor(c.dir) });
    const one = await timed(() => analyzeWorkspace({ dir: repo, env: envFor(c.dir) }));
    await c.done();
    const c2 = await gocache();
    const env2 = envFor(c2.dir);
    const base = await timed(() => compareBaseRef('HEAD~1', { dir: repo, env: env2 }, env2));
    const cached = await timed(() => compareBaseRef('HEAD~1', { dir: repo, env: env2 }, env2));
    await c2.done();
    say(`--base HEAD~1: ${fmt(base.ms / 1000, 1)} s ÷ one analysis ${fmt(one.ms / 1000, 1)} s = ${fmt(base.ms / one.ms)}× [target ≤ 2.2×]`);
    say(`--base HEAD~1, base cached: ${fmt(cached.ms / 1000, 1)} s = ${fmt(cached.ms / one.ms)}× [target ≤ 1.2×] (${cached.v.notes[0]})`);
    await rm(repo, { recursive: true, force: true });
  }
  say(
    `(${values.gocache ? `one GOCACHE kept: ${values.gocache}` : 'every measured run from an empty GOCACHE'}; ${new Date().toISOString()})`,
  );
}

function side(r: AnalysisResult) {
  return { goVersion: r.goVersion, arch: r.arch, modelOnly: false };
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
