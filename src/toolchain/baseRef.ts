// The base of `diff --base REF`: the ref checked out into a temporary `git worktree`, analysed like
// the working tree, and removed afterwards — on success, on error and on cancel (SIGINT/SIGTERM
// abort the signal and the finally runs). A kill -9 leaves the worktree behind, so every run first
// removes the worktrees earlier runs left whose process is gone: they are recognisable by their
// directory name, `go-heap-lens-base-<pid>-<random>`, under the OS temp directory.
// Results are cached per (tree hash, subdirectory, toolchain, options) in the repository's git
// directory: a ref whose tree did not change is not analysed again.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { AllocationSite, FlowStepAt } from '../core/sites/site.ts';
import type { AnalysisResult, AnalyzeFn, AnalyzeOptions } from './result.ts';

export const worktreePrefix = 'go-heap-lens-base-';
const worktreeName = 'tree';

/** BaseRefError: the ref cannot be used (not a repository, unknown ref); the CLI exits 2. */
export class BaseRefError extends Error {
  override readonly name = 'BaseRefError';
}

export function git(args: readonly string[], cwd: string, signal?: AbortSignal): Promise<string> {
  return new Promise((done, fail) => {
    execFile('git', [...args], { cwd, maxBuffer: 64 << 20, ...(signal ? { signal } : {}) }, (err, stdout, stderr) => {
      if (err) fail(Object.assign(new Error(`git ${args.join(' ')}: ${String(stderr || err.message).trim()}`), { cause: err }));
      else done(stdout);
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** ownerPid: the pid in one of our worktree directory names, or undefined for any other directory. */
export function ownerPid(dir: string): number | undefined {
  // The worktree itself is <temp>/go-heap-lens-base-<pid>-<random>/tree.
  const name = basename(dir) === worktreeName ? basename(dirname(dir)) : basename(dir);
  const m = new RegExp(`^${worktreePrefix}(\\d+)-`).exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * cleanStaleWorktrees: removes the worktrees of this repository that an earlier run made and
 * whose process is gone, and our temp directories no repository knows any more. Returns what it removed.
 */
export async function cleanStaleWorktrees(top: string): Promise<string[]> {
  const removed: string[] = [];
  const list = await git(['worktree', 'list', '--porcelain'], top);
  for (const line of list.split('\n')) {
    if (!line.startsWith('worktree ')) continue;
    const path = line.slice('worktree '.length);
    const pid = ownerPid(path);
    if (pid === undefined || pidAlive(pid)) continue;
    await git(['worktree', 'remove', '--force', path], top).catch(() => rm(path, { recursive: true, force: true }));
    removed.push(path);
  }
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    const pid = ownerPid(name);
    if (pid === undefined || pidAlive(pid)) continue;
    const path = join(tmpdir(), name);
    await rm(path, { recursive: true, force: true }).catch(() => undefined);
    if (!removed.some((r) => r === path || dirname(r) === path)) removed.push(path);
  }
  await git(['worktree', 'prune'], top).catch(() => undefined);
  return removed;
}

export interface BaseRefRun {
  /** The directory analysed (the CLI's dir), inside the repository. */
  readonly dir: string;
  readonly ref: string;
  readonly analyze: AnalyzeFn;
  readonly options: Omit<AnalyzeOptions, 'dir'>;
  /** Identifies the toolchain in the cache key (e.g. `go env GOVERSION` and the go binary). */
  readonly toolchainKey: string;
  readonly signal?: AbortSignal;
  /** Called with the worktree path once it exists (tests kill the CLI then). */
  readonly onWorktree?: (path: string) => void;
}

export interface BaseRefResult {
  readonly result: AnalysisResult;
  readonly commit: string;
  readonly tree: string;
  readonly cached: boolean;
  /** What the head is: the working tree, with or without uncommitted changes. */
  readonly headState: string;
  readonly removedStale: readonly string[];
}

function rebasePath(file: string, from: string, to: string): string {
  return file === from || file.startsWith(from + sep) ? to + file.slice(from.length) : file;
}

/** rebaseSites: the worktree's paths as the repository's, so base and head sites name the same files. */
export function rebaseResult(r: AnalysisResult, from: string, to: string): AnalysisResult {
  const step = (s: FlowStepAt): FlowStepAt => (s.file ? { ...s, file: rebasePath(s.file, from, to) } : s);
  const site = (s: AllocationSite): AllocationSite => ({ ...s, file: rebasePath(s.file, from, to), reason: s.reason.map(step) });
  return {
    ...r,
    modules: r.modules.map((m) => rebasePath(m, from, to)),
    sites: r.sites.map(site),
    errors: r.errors.map((e) => (e.file ? { ...e, file: rebasePath(e.file, from, to) } : e)),
  };
}

async function resolveRef(top: string, ref: string): Promise<{ commit: string; tree: string }> {
  try {
    const commit = (await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], top)).trim();
    const tree = (await git(['rev-parse', '--verify', '--quiet', `${ref}^{tree}`], top)).trim();
    return { commit, tree };
  } catch {
    throw new BaseRefError(`base ref "${ref}" is not a commit of ${top} (git rev-parse found nothing); try a branch, tag or commit hash`);
  }
}

async function headState(top: string): Promise<string> {
  const status = await git(['status', '--porcelain', '--untracked-files=no'], top);
  const n = status.split('\n').filter(Boolean).length;
  return n === 0 ? 'the working tree (clean)' : `the working tree with ${n} uncommitted file${n === 1 ? '' : 's'} (not HEAD)`;
}

/** analyzeBaseRef: the analysis of `ref`, from the cache when its tree was analysed the same way before. */
export async function analyzeBaseRef(run: BaseRefRun): Promise<BaseRefResult> {
  let top: string;
  try {
    top = (await git(['rev-parse', '--show-toplevel'], run.dir)).trim();
  } catch {
    throw new BaseRefError(`--base ${run.ref}: ${run.dir} is not inside a git repository (use --base-result FILE for a saved baseline)`);
  }
  const { commit, tree } = await resolveRef(top, run.ref);
  const sub = relative(top, resolve(run.dir));
  const common = resolve(top, (await git(['rev-parse', '--git-common-dir'], top)).trim());
  const removedStale = await cleanStaleWorktrees(top);
  const state = await headState(top);
  const { signal: _s, onCommand: _c, spawn: _p, cache: _a, ...keyed } = run.options;
  const key = createHash('sha256')
    .update(JSON.stringify({ tree, sub, toolchain: run.toolchainKey, options: keyed }))
    .digest('hex')
    .slice(0, 32);
  const cacheDir = join(common, 'go-heap-lens', 'base-cache');
  const cacheFile = join(cacheDir, `${key}.json`);
  try {
    const hit = JSON.parse(await readFile(cacheFile, 'utf8')) as AnalysisResult;
    return { result: rebaseResult(hit, '<repo>', top), commit, tree, cached: true, headState: state, removedStale };
  } catch {
    // not cached (or unreadable): analyse
  }
  const parent = await mkdtemp(join(tmpdir(), `${worktreePrefix}${process.pid}-`));
  const wt = join(parent, worktreeName);
  let added = false;
  try {
    await git(['worktree', 'add', '--detach', '--quiet', wt, commit], top, run.signal);
    added = true;
    run.onWorktree?.(wt);
    const raw = await run.analyze({ ...run.options, dir: join(wt, sub), ...(run.signal ? { signal: run.signal } : {}) });
    const result = rebaseResult(raw, wt, top);
    if (!result.errors.some((e) => e.kind === 'toolchain')) {
      await mkdir(cacheDir, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(rebaseResult(raw, wt, '<repo>')));
      await rename(tmp, cacheFile);
    }
    return { result, commit, tree, cached: false, headState: state, removedStale };
  } finally {
    if (added) await git(['worktree', 'remove', '--force', wt], top).catch(() => undefined);
    await rm(parent, { recursive: true, force: true }).catch(() => undefined);
    await git(['worktree', 'prune'], top).catch(() => undefined);
  }
}
