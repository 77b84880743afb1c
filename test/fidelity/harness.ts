// Fidelity harness: finds every Go toolchain on this machine, builds the probe module
// (test/fidelity/probe) with each, and runs it. The probe only measures; the tests
// compute every expectation from the model (src/core/alloc) and compare.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseGoExperiment, parseGoVersion, type Experiments } from '../../src/core/alloc/versions.ts';

export const repoRoot = resolve(__dirname, '..', '..');
const probeDir = join(__dirname, 'probe');

export interface GoToolchain {
  /** Absolute path of the go binary. */
  readonly goBin: string;
  /** `go env GOVERSION`, e.g. go1.26.8. */
  readonly version: string;
  readonly minor: number;
  readonly arch: string;
  readonly experiments: Experiments;
  readonly goexperiment: string;
  /** "machine" for the go on PATH, else the toolchain directory it came from. */
  readonly origin: string;
  /** The non-default configuration of this run (env GOEXPERIMENT / GOARCH), if any. */
  readonly variant?: Variant;
}

/** A non-default build configuration: a GOEXPERIMENT list and/or a GOARCH (386 runs natively on amd64 Linux). */
export interface Variant {
  readonly goexperiment?: string;
  readonly goarch?: string;
}

/**
 * Non-default configurations worth a run, per minor version: each flips placement rules
 * (malloc headers, swiss maps, Green Tea inline mark bits, 32-bit pointers). Their first
 * build compiles the standard library again (20–60 s each); later runs hit the build cache.
 */
export const variants: Readonly<Record<number, readonly Variant[]>> = {
  21: [{ goarch: '386' }],
  22: [{ goexperiment: 'noallocheaders' }],
  24: [{ goexperiment: 'noswissmap' }],
  25: [{ goexperiment: 'greenteagc' }],
  26: [{ goexperiment: 'nogreenteagc' }, { goarch: '386' }],
};

export interface Skipped {
  readonly what: string;
  readonly why: string;
}

function variantEnv(v: Variant | undefined): Record<string, string> {
  return {
    ...(v?.goexperiment !== undefined ? { GOEXPERIMENT: v.goexperiment } : {}),
    ...(v?.goarch !== undefined ? { GOARCH: v.goarch } : {}),
  };
}

function goEnv(goBin: string, variant?: Variant): { version: string; arch: string; goexperiment: string } | { error: string } {
  const r = spawnSync(goBin, ['env', 'GOVERSION', 'GOARCH', 'GOEXPERIMENT'], {
    encoding: 'utf8',
    env: { ...process.env, GOTOOLCHAIN: 'local', ...variantEnv(variant) },
    timeout: 60_000,
  });
  if (r.error) return { error: r.error.message };
  if (r.status !== 0) return { error: `go env exited ${r.status}: ${r.stderr.trim()}` };
  const [version = '', arch = '', goexperiment = ''] = r.stdout.split('\n').map((s) => s.trim());
  return { version, arch, goexperiment };
}

function whichGo(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'go'))) return join(dir, 'go');
  }
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined;
}

/**
 * findToolchains: the machine's `go` plus $GHL_GO_TOOLCHAINS (default .cache/go)/go-1.NN/bin/go
 * for NN = 21..27 (scripts/install-go-toolchains.sh). Each missing or unusable one is listed
 * in `skipped` with the reason, so the suite can say so loudly.
 */
export function findToolchains(): { found: GoToolchain[]; skipped: Skipped[] } {
  const found: GoToolchain[] = [];
  const skipped: Skipped[] = [];
  const candidates: { goBin: string; origin: string }[] = [];
  const machine = whichGo();
  if (machine) candidates.push({ goBin: machine, origin: 'machine' });
  else skipped.push({ what: 'machine go', why: 'no `go` on PATH or at /usr/local/go/bin/go' });
  const dir = resolve(process.env.GHL_GO_TOOLCHAINS ?? join(repoRoot, '.cache', 'go'));
  for (let minor = 21; minor <= 27; minor++) {
    const goBin = join(dir, `go-1.${minor}`, 'bin', 'go');
    if (existsSync(goBin)) candidates.push({ goBin, origin: dir });
    else skipped.push({ what: `go1.${minor}`, why: `not installed at ${goBin} (run scripts/install-go-toolchains.sh)` });
  }
  for (const c of candidates) {
    const env = goEnv(c.goBin);
    if ('error' in env) {
      skipped.push({ what: c.goBin, why: env.error });
      continue;
    }
    let minor: number;
    try {
      minor = parseGoVersion(env.version);
    } catch (e) {
      skipped.push({ what: `${env.version} (${c.goBin})`, why: (e as Error).message });
      continue;
    }
    if (found.some((f) => f.version === env.version)) {
      skipped.push({ what: `${env.version} (${c.goBin})`, why: 'same version as another toolchain already tested' });
      continue;
    }
    found.push({
      goBin: c.goBin,
      version: env.version,
      minor,
      arch: env.arch,
      goexperiment: env.goexperiment,
      experiments: parseGoExperiment(env.goexperiment),
      origin: c.origin,
    });
  }
  // GHL_FIDELITY_VARIANTS=0 leaves out the non-default configurations.
  if (process.env.GHL_FIDELITY_VARIANTS === '0') {
    skipped.push({ what: 'GOEXPERIMENT/GOARCH variants', why: 'disabled by GHL_FIDELITY_VARIANTS=0' });
  } else {
    for (const [minor, list] of Object.entries(variants)) {
      const base = found.find((f) => f.minor === Number(minor) && f.variant === undefined);
      if (!base) continue;
      for (const v of list) {
        const label = `${base.version} ${Object.entries(variantEnv(v))
          .map(([k, x]) => `${k}=${x}`)
          .join(' ')}`;
        const env = goEnv(base.goBin, v);
        if ('error' in env) {
          skipped.push({ what: label, why: env.error });
          continue;
        }
        found.push({
          ...base,
          arch: env.arch,
          goexperiment: env.goexperiment,
          experiments: parseGoExperiment(env.goexperiment),
          variant: v,
        });
      }
    }
  }
  // GHL_FIDELITY_GO=1.21,1.26.8 narrows the run (for debugging one version).
  const only = (process.env.GHL_FIDELITY_GO ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (only.length) {
    for (const f of found.splice(0)) {
      if (only.some((o) => f.version === 'go' + o || f.version.startsWith(`go${o}.`) || f.version === o)) found.push(f);
      else skipped.push({ what: f.version, why: `not selected by GHL_FIDELITY_GO=${process.env.GHL_FIDELITY_GO}` });
    }
  }
  found.sort(
    (a, b) =>
      a.minor - b.minor ||
      a.version.localeCompare(b.version, 'en', { numeric: true }) ||
      a.arch.localeCompare(b.arch) ||
      a.goexperiment.localeCompare(b.goexperiment),
  );
  return { found, skipped };
}

/** buildProbe compiles test/fidelity/probe with one toolchain into a fresh temp dir. */
export function buildProbe(tc: GoToolchain): { bin: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `ghl-probe-${tc.version}-${tc.arch}${tc.goexperiment ? '-' + tc.goexperiment : ''}-`));
  const bin = join(dir, 'probe');
  const r = spawnSync(tc.goBin, ['build', '-o', bin, '.'], {
    cwd: probeDir,
    encoding: 'utf8',
    timeout: 600_000,
    env: {
      ...process.env,
      GOTOOLCHAIN: 'local',
      GOWORK: 'off',
      GOFLAGS: '',
      CGO_ENABLED: '0',
      ...variantEnv(tc.variant),
    },
  });
  if (r.error || r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${tc.version} ${tc.arch} ${tc.goexperiment}: building the probe failed: ${r.error?.message ?? r.stderr}`);
  }
  return { bin, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * runProbe runs one probe mode under GOMAXPROCS=1 (one P, one mcache), optionally GOGC=off,
 * feeding `input` as JSON lines; it returns the parsed JSON output lines.
 */
export function runProbe<T>(bin: string, mode: string, input: readonly object[], opts: { gogcOff: boolean }): T[] {
  const env: NodeJS.ProcessEnv = { ...process.env, GOMAXPROCS: '1', GODEBUG: '' };
  if (opts.gogcOff) env.GOGC = 'off';
  else delete env.GOGC;
  delete env.GOMEMLIMIT;
  // A mode without input reads no stdin: none is written, or the write can fail with EPIPE when the
  // probe has already exited (seen once on a loaded machine: exit 0, EPIPE).
  const r = spawnSync(bin, [mode], {
    ...(input.length > 0 ? { input: input.map((o) => JSON.stringify(o)).join('\n') + '\n' } : { stdio: ['ignore', 'pipe', 'pipe'] }),
    encoding: 'utf8',
    env,
    maxBuffer: 256 << 20,
    timeout: 600_000,
  });
  if (r.error || r.status !== 0) throw new Error(`probe ${mode} failed (exit ${r.status}): ${r.error?.message ?? r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
  return lines.map((l, i) => {
    try {
      return JSON.parse(l) as T;
    } catch {
      throw new Error(`probe ${mode}: line ${i + 1} is not JSON: ${l.slice(0, 200)}`);
    }
  });
}

/**
 * runPacerProbe runs `probe pacer` on one trace under GOMAXPROCS=1 and GOGC=gogc with
 * GODEBUG=gctrace=1,gcpacertrace=1, and returns its JSON result and its stderr (the GC trace).
 */
export function runPacerProbe<T>(bin: string, trace: string, gogc: number): { result: T; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, GOMAXPROCS: '1', GOGC: String(gogc), GODEBUG: 'gctrace=1,gcpacertrace=1' };
  delete env.GOMEMLIMIT;
  const r = spawnSync(bin, ['pacer'], { input: trace, encoding: 'utf8', env, maxBuffer: 256 << 20, timeout: 600_000 });
  if (r.error || r.status !== 0) throw new Error(`probe pacer failed (exit ${r.status}): ${r.error?.message ?? r.stderr.slice(-2000)}`);
  try {
    return { result: JSON.parse(r.stdout.trim()) as T, stderr: r.stderr };
  } catch {
    throw new Error(`probe pacer: stdout is not one JSON line: ${r.stdout.slice(0, 200)}`);
  }
}

/** writeReport puts the fidelity report where the lead can quote it (.cache is not committed). */
export function writeReport(markdown: string): string {
  const dir = join(repoRoot, '.cache');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'fidelity-report.md');
  writeFileSync(file, markdown);
  return file;
}
