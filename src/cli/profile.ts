// go-heap-lens profile: a heap profile joined with the analysis of a module (core/profile/join.ts),
// and the pieces `analyze --profile` shares: reading the profile before the build (a bad file fails
// fast, exit 2), the join, and the `measured` / `profile` additions to the JSON and text outputs.
import { relative, resolve, sep } from 'node:path';
import { decodeHeapProfile, ProfileInputError, type HeapProfile } from '../core/profile/decode.ts';
import { ProfileMismatchError, type ProfileJoin } from '../core/profile/join.ts';
import { measuredText, summaryText } from '../core/profile/present.ts';
import { constructLabel } from '../core/sites/present.ts';
import type { AllocationSite } from '../core/sites/site.ts';
import { analyzeWorkspace, type AnalysisResult, type AnalyzeOptions } from '../toolchain/analyze.ts';
import { ToolchainError } from '../toolchain/go.ts';
import { joinProfileWithAnalysis, readProfileFile } from '../toolchain/profileFile.ts';
import { splitFlags, toolchainExitCode } from './analyze.ts';
import { exitFailed, exitOk, parseFlags, UsageError, type CliIO, type Command, type Flags } from './io.ts';

/** loadProfile: the decoded heap profile at `path`; anything that is not one is a UsageError (exit 2). */
export async function loadProfile(path: string): Promise<HeapProfile> {
  try {
    return decodeHeapProfile(await readProfileFile(path));
  } catch (e) {
    if (ProfileInputError.is(e)) throw new UsageError(`${e.message.includes(path) ? '' : `profile ${path}: `}${e.message}`);
    throw e;
  }
}

/** joinForCli: the join; a profile of another program or build is bad input (exit 2). */
export async function joinForCli(profile: HeapProfile, r: AnalysisResult, file: string): Promise<ProfileJoin> {
  try {
    return await joinProfileWithAnalysis(profile, r.sites, r.modules, { file });
  } catch (e) {
    if (ProfileMismatchError.is(e)) throw new UsageError(`profile ${file}: ${e.message}`);
    throw e;
  }
}

/** withMeasured: the analysis as JSON with `measured` on every site the profile hits and the top-level `profile`. */
export function withMeasured(r: AnalysisResult, j: ProfileJoin): AnalysisResult & { profile: ProfileJoin['summary'] } {
  return { ...r, sites: r.sites.map((s) => (j.bySite.has(s) ? { ...s, measured: j.bySite.get(s)! } : s)), profile: j.summary };
}

function relPath(base: string, file: string): string {
  const r = relative(base, file);
  return r && !r.startsWith('..') ? r.split(sep).join('/') : file;
}

/** measuredLine: the text output's line under a site the profile hits. */
export function measuredLine(s: AllocationSite, j: ProfileJoin): string | undefined {
  const m = j.bySite.get(s);
  return m ? `    measured: ${measuredText(m, s)}` : undefined;
}

/** profileTextLines: the summary, the heaviest sites and the unattributed lines, for `profile --text`. */
export function profileTextLines(j: ProfileJoin, base: string, top = 30): string[] {
  const s = j.summary;
  const out = [`# ${summaryText(s, j.sites.length)}`];
  for (const w of s.warnings) out.push(`# warning: ${w}`);
  for (const { site, measured } of j.sites.slice(0, top)) {
    const what = `${constructLabel(site.construct)}${site.type ? ` ${site.type.name}` : ''}`;
    out.push(
      `${relPath(base, site.file)}:${site.line}:${site.column}: ${site.expr} [${what}] ${measured.verdict}: ${measuredText(measured, site)}`,
    );
  }
  if (j.sites.length > top) out.push(`# … ${j.sites.length - top} more sites (--json lists them all)`);
  const un = s.unattributed.filter((u) => u.bytes > 0);
  if (un.length) out.push(`# unattributed: ${un.length} lines`);
  for (const u of un.slice(0, top))
    out.push(`${relPath(base, u.file)}:${u.line}: ${u.function}: ${u.objects} objects, ${u.bytes} B: ${u.reason}`);
  if (un.length > top) out.push(`# … ${un.length - top} more unattributed lines (--json lists them all)`);
  return out;
}

const usageLine =
  'usage: go-heap-lens profile <file> [dir] [--json|--text] [--packages ./...] [--build-flags "..."] [--tags a,b] [--go V] [--arch A] [--timeout SECONDS]';

export const usage = `${usageLine}

Joins a heap profile (go test -memprofile, pprof.WriteHeapProfile, /debug/pprof/allocs; gzipped
or not) with the analysis of the Go module(s) in dir (default: the current directory, tests
included): every sample goes to the allocation site on its line, or to an unattributed reason.

  --json               { goVersion, arch, profile: { file, sampleTypes, totalObjects, totalBytes,
                       attributedBytesShare, unattributed: [...] }, sites: [site + measured, heaviest first] }
  --text               the summary, the heaviest sites, the unattributed lines (the default)
  other flags as for analyze

exit codes: 0 ok, 1 analysis failed, 2 bad flags, a file that is not a heap profile, or a profile of another program or build`;

const flags = {
  json: { type: 'boolean', default: false },
  text: { type: 'boolean', default: false },
  packages: { type: 'string', multiple: true },
  'build-flags': { type: 'string' },
  tags: { type: 'string' },
  go: { type: 'string' },
  arch: { type: 'string' },
  timeout: { type: 'string' },
} satisfies Flags;

export const run: Command = async (argv, io: CliIO) => {
  const { values, positionals } = parseFlags(argv, true, flags, (m) => `${m}\n${usageLine}`);
  if (positionals.length < 1 || positionals.length > 2)
    throw new UsageError(`profile takes a profile file and at most one directory\n${usageLine}`);
  if (values.json && values.text) throw new UsageError('choose one of --json, --text');
  const file = resolve(io.cwd, positionals[0]!);
  const dir = resolve(io.cwd, positionals[1] ?? '.');
  const profile = await loadProfile(file);
  const timeoutS = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutS !== undefined && !(timeoutS > 0)) throw new UsageError(`invalid --timeout "${values.timeout}": expected seconds > 0`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(io.env)) if (v !== undefined) env[k] = v;
  const opts: AnalyzeOptions = {
    dir,
    env,
    includeTests: true,
    ...(values.packages ? { packages: values.packages.flatMap((p) => p.split(',')).filter(Boolean) } : {}),
    ...(values['build-flags'] ? { buildFlags: splitFlags(values['build-flags']) } : {}),
    ...(values.tags ? { buildTags: values.tags.split(',').filter(Boolean) } : {}),
    ...(values.go ? { goVersion: values.go } : {}),
    ...(values.arch ? { arch: values.arch } : {}),
    ...(io.env['GO_HEAP_LENS_GO'] ? { goBinary: io.env['GO_HEAP_LENS_GO'] } : {}),
    ...(timeoutS ? { timeoutMs: timeoutS * 1000 } : {}),
  };
  let r: AnalysisResult;
  try {
    r = await analyzeWorkspace(opts);
  } catch (e) {
    if (ToolchainError.is(e)) {
      io.stderr(`go-heap-lens profile: ${e.message}\n`);
      return toolchainExitCode(e);
    }
    throw e;
  }
  for (const e of r.errors) io.stderr(`go-heap-lens profile: ${e.kind}: ${e.file ? `${relPath(dir, e.file)}: ` : ''}${e.message}\n`);
  if (r.errors.some((e) => e.kind === 'build' || e.kind === 'noModules' || e.kind === 'toolchain')) return exitFailed;
  const j = await joinForCli(profile, r, positionals[0]!);
  if (values.json) {
    const sites = j.sites.map(({ site, measured }) => ({ ...site, measured }));
    io.stdout(JSON.stringify({ goVersion: r.goVersion, arch: r.arch, experiments: r.experiments, profile: j.summary, sites }) + '\n');
  } else io.stdout(profileTextLines(j, dir).join('\n') + '\n');
  return exitOk;
};
