// Building, caching and running the type-facts helper (typefacts/main.go, whose
// package comment says what it prints and why it must match the workspace's Go).
// See go.ts for how processes are run.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ResolvedType, TypeFact, TypeFactsPackage } from '../core/sites/facts.ts';
import { runGo, ToolchainError, type GoRun, type RunGoOptions } from './go.ts';

/** Where the helper's Go sources live: next to this file in the repo, or beside the bundle. */
export function typefactsSourceDir(): string {
  const candidates = [join(__dirname, 'typefacts'), resolve(__dirname, '../src/toolchain/typefacts'), resolve(__dirname, 'typefacts')];
  for (const c of candidates) if (existsSync(join(c, 'main.go'))) return c;
  throw new ToolchainError('crashed', `type-facts helper sources not found (looked in ${candidates.join(', ')})`);
}

/** defaultCacheDir: $XDG_CACHE_HOME/go-heap-lens, else ~/.cache/go-heap-lens. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'go-heap-lens');
}

async function sourceHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.go') || n === 'go.mod').sort()) {
    h.update(f)
      .update('\0')
      .update(await readFile(join(dir, f)))
      .update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

export interface HelperOptions extends Omit<RunGoOptions, 'cwd'> {
  /** The workspace's Go version as `go env GOVERSION` prints it (e.g. go1.26.8). */
  readonly goVersion: string;
  readonly cacheDir?: string;
}

/**
 * ensureTypefactsHelper builds the helper with the workspace's Go toolchain once per
 * (Go version, helper source) into `cacheDir/typefacts/<goVersion>/` and returns its path.
 * GOTOOLCHAIN pins the build to the workspace's version so the helper's export-data
 * importer can read what that compiler writes.
 */
export async function ensureTypefactsHelper(opts: HelperOptions): Promise<string> {
  const src = typefactsSourceDir();
  const dir = join(opts.cacheDir ?? defaultCacheDir(opts.baseEnv ?? process.env), 'typefacts', opts.goVersion.replace(/[^\w.+-]/g, '_'));
  const bin = join(dir, `typefacts-${await sourceHash(src)}${process.platform === 'win32' ? '.exe' : ''}`);
  if (existsSync(bin)) return bin;
  await mkdir(dir, { recursive: true });
  const tmp = `${bin}.tmp${process.pid}`;
  // Built for the host (no GOOS/GOARCH from the user's cross-compile settings), outside any
  // workspace or GOFLAGS, with exactly the workspace's toolchain.
  const overrides: Record<string, string> = { ...opts.env, GOFLAGS: '', GOWORK: 'off', CGO_ENABLED: '0' };
  const { GOOS: _os, GOARCH: _arch, ...env } = overrides;
  if (/^go1\.\d+(\.\d+)?$/.test(opts.goVersion)) env['GOTOOLCHAIN'] = opts.goVersion;
  const { GOOS: _baseOs, GOARCH: _baseArch, ...baseEnv } = opts.baseEnv ?? process.env;
  const r = await runGo(['build', '-trimpath', '-o', tmp, '.'], { ...opts, baseEnv, env, cwd: src });
  if (r.exitCode !== 0) {
    await rm(tmp, { force: true });
    throw new ToolchainError('buildFailed', `building the type-facts helper with ${opts.goVersion} failed: ${r.stderr.trim()}`, {
      argv: r.argv,
      cwd: r.cwd,
      stderr: r.stderr,
      exitCode: r.exitCode,
    });
  }
  await rename(tmp, bin);
  return bin;
}

export interface TypefactsRunOptions extends HelperOptions {
  /** Module root to run in. */
  readonly cwd: string;
  readonly patterns: readonly string[];
  readonly arch: string;
  readonly overlayPath?: string;
  readonly buildTags?: readonly string[];
  readonly includeTests?: boolean;
}

/** A type named by a diagnostic of inlined code, relative to the package that printed it (see resolveTypes). */
export interface TypeQuery {
  readonly pkg: string;
  readonly type: string;
  /** An inline query (typefacts/inline.go): the make -m printed at the call at file:line:col. */
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  readonly expr?: string;
}

export interface TypefactsResult {
  readonly facts: TypeFact[];
  readonly packages: TypeFactsPackage[];
  /** Answers to the `prefetch` queries of runTypefacts (errors included: an answer is an answer). */
  readonly resolved: ResolvedType[];
  /** Output lines that were not JSON (counted, never dropped silently). */
  readonly unparsed: string[];
  readonly stderr: string;
}

/**
 * runTypefacts runs the helper in a module and parses its JSON lines. `prefetch`: queries to
 * answer in the same process after the scan (those the last analysis of these packages needed),
 * so that resolveTypes has nothing left to ask in the usual case.
 */
export async function runTypefacts(opts: TypefactsRunOptions, prefetch: readonly TypeQuery[] = []): Promise<TypefactsResult> {
  if (prefetch.length === 0) {
    const r = await runHelper(opts, [], 'type-facts helper');
    return parseTypefactsOutput(r.stdout, r.stderr);
  }
  return withQueryFile(prefetch, async (file) => {
    const r = await runHelper(opts, ['-prefetch', file], 'type-facts helper');
    return parseTypefactsOutput(r.stdout, r.stderr);
  });
}

export async function withQueryFile<T>(queries: readonly TypeQuery[], f: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'go-heap-lens-resolve-'));
  try {
    const file = join(dir, 'queries.json');
    await writeFile(file, JSON.stringify(queries));
    return await f(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** runHelper runs the (cached) helper with the workspace's go, arch, overlay, tags and patterns. */
export async function runHelper(opts: TypefactsRunOptions, extra: readonly string[], what: string): Promise<GoRun> {
  const helper = await ensureTypefactsHelper(opts);
  // -listcache: the helper remembers its dependencies' export-data listing there (typefacts/listcache.go).
  const lists = join(opts.cacheDir ?? defaultCacheDir(opts.baseEnv ?? process.env), 'typefacts', 'lists');
  const args = ['-go', opts.goBinary || 'go', '-arch', opts.arch, '-listcache', lists, ...extra];
  if (opts.overlayPath) args.push('-overlay', opts.overlayPath);
  if (opts.buildTags?.length) args.push('-tags', opts.buildTags.join(','));
  if (opts.includeTests) args.push('-test');
  args.push(...opts.patterns);
  const r = await runGo(args, { ...opts, goBinary: helper });
  if (r.exitCode !== 0) {
    throw new ToolchainError('buildFailed', `${what} failed in ${opts.cwd}: ${r.stderr.trim() || `exit ${r.exitCode}`}`, {
      argv: r.argv,
      cwd: r.cwd,
      stderr: r.stderr,
      exitCode: r.exitCode,
    });
  }
  return r;
}

/**
 * resolveTypes asks the helper for the facts of types named in diagnostics of inlined
 * code (`&errors.errorString{...}`), each relative to the package that printed it.
 */
export async function resolveTypes(opts: TypefactsRunOptions, queries: readonly TypeQuery[]): Promise<ResolvedType[]> {
  if (queries.length === 0) return [];
  return withQueryFile(queries, async (file) => {
    const r = await runHelper(opts, ['-resolve', file], 'type-facts helper -resolve');
    const out: ResolvedType[] = [];
    for (const line of r.stdout.split('\n')) {
      if (!line.trim()) continue;
      const v = JSON.parse(line) as ResolvedType;
      if (v.kind === 'resolved') out.push(v);
    }
    return out;
  });
}

export function parseTypefactsOutput(stdout: string, stderr = ''): TypefactsResult {
  const facts: TypeFact[] = [];
  const packages: TypeFactsPackage[] = [];
  const resolved: ResolvedType[] = [];
  const unparsed: string[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      unparsed.push(line);
      continue;
    }
    const o = v as { kind?: unknown };
    if (o.kind === 'package') packages.push(v as TypeFactsPackage);
    else if (o.kind === 'resolved') resolved.push(v as ResolvedType);
    else if (typeof o.kind === 'string') facts.push(v as TypeFact);
    else unparsed.push(line);
  }
  return { facts, packages, resolved, unparsed, stderr };
}
