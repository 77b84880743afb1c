// Real heap profiles for the integration and fidelity suites: `go test -bench -memprofile
// -memprofilerate=1` on a fixture module, and `go tool pprof -raw` read back as the reference the
// join's per-line sums are compared with.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const repo = resolve(__dirname, '../..');

/** The environment every suite runs go with: no toolchain switch, no VCS stamping, no workspace, the shared cache. */
export function goEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return { ...env, GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false', GOWORK: 'off', XDG_CACHE_HOME: join(repo, '.cache', 'xdg'), ...extra };
}

/**
 * memProfile: runs the benchmarks matching `bench` in `pkgDir` at -memprofilerate=1 and writes the
 * profile to `out` (the test binary goes next to it, not into the fixture). Returns go test's output.
 */
export function memProfile(o: { go?: string; pkgDir: string; out: string; bench?: string; benchtime?: string; flag?: string }): string {
  const r = spawnSync(
    o.go ?? 'go',
    [
      'test',
      '-run',
      '^$',
      '-bench',
      o.bench ?? '.',
      '-benchtime',
      o.benchtime ?? '50x',
      o.flag ?? '-memprofile',
      o.out,
      ...(o.flag && o.flag !== '-memprofile' ? [] : ['-memprofilerate=1']),
      '-o',
      `${o.out}.test`,
      '.',
    ],
    { cwd: o.pkgDir, env: goEnv(), encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (r.status !== 0) throw new Error(`go test in ${o.pkgDir} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

export interface RawLine {
  objects: number;
  bytes: number;
}

/**
 * pprofRawByLine: alloc_objects and alloc_space per innermost leaf line (`file:line`), summed over
 * the samples `go tool pprof -raw` prints, and the totals. pprof's own reading of the file: the
 * reference for the join.
 */
export function pprofRawByLine(go: string, profile: string): { byLine: Map<string, RawLine>; total: RawLine } {
  const r = spawnSync(go, ['tool', 'pprof', '-raw', profile], { env: goEnv(), encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`go tool pprof -raw failed: ${r.stderr}`);
  const lines = r.stdout.split('\n');
  const locs = new Map<number, string>();
  let section = '';
  const samples: { objects: number; bytes: number; leaf: number }[] = [];
  for (const l of lines) {
    if (/^(Samples|Locations|Mappings):?/.test(l)) {
      section = l.replace(/:$/, '');
      continue;
    }
    if (section === 'Samples') {
      const m = /^\s*(\d+)\s+(\d+)\s+\d+\s+\d+: (\d+)/.exec(l);
      if (m) samples.push({ objects: Number(m[1]), bytes: Number(m[2]), leaf: Number(m[3]) });
    } else if (section === 'Locations') {
      const m = /^\s*(\d+): 0x[0-9a-f]+ M=\d+ .* (\S+?):(\d+)(?::\d+)? s=\d+$/.exec(l);
      if (m) locs.set(Number(m[1]), `${m[2]}:${m[3]}`);
    }
  }
  const byLine = new Map<string, RawLine>();
  const total = { objects: 0, bytes: 0 };
  for (const s of samples) {
    const k = locs.get(s.leaf) ?? `?${s.leaf}`;
    const a = byLine.get(k) ?? { objects: 0, bytes: 0 };
    a.objects += s.objects;
    a.bytes += s.bytes;
    byLine.set(k, a);
    total.objects += s.objects;
    total.bytes += s.bytes;
  }
  return { byLine, total };
}
