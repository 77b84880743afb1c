// The two sides of a drift comparison, made the same way for the CLI (src/cli/diff.ts) and the
// editor (src/ui/drift.ts): a git ref against the working tree, or one source under two toolchains.
import { execFile } from 'node:child_process';
import type { DriftSide } from '../core/drift/changes.ts';
import { analyzeWorkspace, type AnalysisResult, type AnalyzeOptions } from './analyze.ts';
import { findToolchain, goMinorOf, howToGet, type FoundToolchain } from './baseGo.ts';
import { analyzeBaseRef } from './baseRef.ts';
import { ToolchainError } from './go.ts';

export function failed(r: AnalysisResult): boolean {
  return r.errors.some((e) => e.kind === 'build' || e.kind === 'noModules' || e.kind === 'toolchain');
}

export function side(r: { goVersion: string; arch: string }, extra: Partial<DriftSide> = {}): DriftSide {
  return { goVersion: r.goVersion, arch: r.arch, modelOnly: false, ...extra };
}

export interface DiffSides {
  base: AnalysisResult;
  head: AnalysisResult;
  baseSide: DriftSide;
  headSide: DriftSide;
  notes: string[];
  baseFailed: boolean;
}

/** compareBaseRef: `ref` analysed in a temporary worktree (baseRef.ts) and the working tree, in parallel. */
export async function compareBaseRef(ref: string, opts: AnalyzeOptions, env: Record<string, string>): Promise<DiffSides> {
  const goBin = opts.goBinary ?? 'go';
  const probe = await findToolchainVersion(goBin, env);
  const [b, head] = await Promise.all([
    analyzeBaseRef({
      dir: opts.dir,
      ref,
      analyze: analyzeWorkspace,
      options: opts,
      toolchainKey: `${goBin} ${probe}`,
      ...(opts.signal ? { signal: opts.signal } : {}),
    }),
    analyzeWorkspace(opts),
  ]);
  const notes = [`base: ${ref} (commit ${b.commit.slice(0, 12)}${b.cached ? ', cached result' : ''}); head: ${b.headState}`];
  if (b.removedStale.length)
    notes.push(`removed ${b.removedStale.length} stale worktree(s) of an earlier run: ${b.removedStale.join(', ')}`);
  const baseFailed = failed(b.result);
  if (baseFailed)
    notes.push(
      `base ${ref} does not build fully: ${b.result.errors
        .filter((e) => e.kind === 'build')
        .map((e) => `${e.file ? `${e.file}${e.line ? ':' + e.line : ''}: ` : ''}${e.message.split('\n')[0]}`)
        .join('; ')}; diffing what built`,
    );
  return {
    base: b.result,
    head,
    baseSide: side(b.result, { ref: `${ref} (${b.commit.slice(0, 12)})` }),
    headSide: side(head),
    notes,
    baseFailed,
  };
}

export async function findToolchainVersion(goBin: string, env: Record<string, string>): Promise<string> {
  return new Promise((done) => execFile(goBin, ['env', 'GOVERSION'], { env }, (err, out) => done(err ? 'unknown' : out.trim())));
}

/**
 * compareGoVersions: the same source compiled by go1.<base> and go1.<head> (undefined: the go of
 * `opts`, as an ordinary analysis runs it). A missing toolchain is replaced by the other side's
 * compiler with the missing version's allocator rules, and that side says so (modelOnly, note).
 */
export async function compareGoVersions(
  minors: readonly [number, number | undefined],
  goroots: readonly string[],
  opts: AnalyzeOptions,
  env: Record<string, string>,
  searchRoot: string,
): Promise<DiffSides> {
  const current = minors[1] ?? goMinorOf(await findToolchainVersion(opts.goBinary ?? 'go', env));
  if (current === undefined)
    throw new ToolchainError('goNotFound', `cannot tell the version of ${opts.goBinary ?? 'go'} (go env GOVERSION failed)`);
  const wanted: readonly [number, number] = [minors[0], current];
  return compareMinors(wanted, goroots, opts, env, searchRoot);
}

async function compareMinors(
  minors: readonly [number, number],
  goroots: readonly string[],
  opts: AnalyzeOptions,
  env: Record<string, string>,
  searchRoot: string,
): Promise<DiffSides> {
  const finds = await Promise.all(minors.map((m) => findToolchain(m, { dir: opts.dir, goroots, env, extensionRoot: searchRoot })));
  const notes: string[] = [];
  const found = finds.map((f) => f.found);
  const [fb, fh] = found;
  if (!fb && !fh) {
    throw new ToolchainError(
      'goNotFound',
      `neither go1.${minors[0]} nor go1.${minors[1]} is installed (looked in: ${finds[0]!.looked.join(', ')}). ${howToGet(minors[0]!)}. ${howToGet(minors[1]!)}`,
    );
  }
  const compile = (t: FoundToolchain, modelMinor?: number) =>
    analyzeWorkspace({
      ...opts,
      goBinary: t.go,
      env: { ...env, GOTOOLCHAIN: 'local' },
      ...(modelMinor !== undefined ? { goVersion: `1.${modelMinor}` } : {}),
    });
  const sideOf = async (i: number): Promise<{ r: AnalysisResult; s: DriftSide }> => {
    const own = found[i];
    if (own) {
      notes.push(`go1.${minors[i]}: ${own.version} (${own.source})`);
      const r = await compile(own);
      return { r, s: side(r) };
    }
    const other = found[1 - i]!;
    const note = `model only: escape decisions of go1.${other.minor} (${other.version}); go1.${minors[i]}'s allocator rules. ${howToGet(minors[i]!)}`;
    notes.push(note);
    const r = await compile(other, minors[i]);
    return { r, s: side(r, { modelOnly: true, note: `model only: escape decisions of go1.${other.minor}` }) };
  };
  const [b, h] = await Promise.all([sideOf(0), sideOf(1)]);
  return { base: b.r, head: h.r, baseSide: b.s, headSide: h.s, notes, baseFailed: failed(b.r) };
}
