// What an editor session remembers between analyses of the same modules, so that re-analysing
// one saved package costs about one `go build` of it (the save path: reanalyze.ts).
//
//	- `go env -json` per module: keyed by everything that can change its answer — the module's
//	  go.mod, the go.work in force (GOWORK or the nearest one above), the go binary (path, size,
//	  mtime), the GOENV file (`go env -w`), and the GO*/PATH/HOME variables the run sees. A
//	  changed go.mod or setting makes a new key; nothing is invalidated by time.
//	- The type queries (`&errors.errorString{...}`: types named by inlined code, resolved by the
//	  helper's -resolve mode) the last analysis of each package directory needed. They are only
//	  a guess of what to ask: the next run of those packages passes them as -prefetch, the helper
//	  answers them from the current sources, and whatever the new output asks beyond them still
//	  goes to -resolve. A stale guess costs time, never a wrong answer.
// The helper's facts themselves are not cached: a saved package changed, and its facts depend on
// its dependencies' types too; the helper type-checks only the analysed packages, against export
// data of their dependencies (typefacts/main.go).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { goEnv, type GoEnv, type RunGoOptions } from './go.ts';
import type { TypeQuery } from './typefacts.ts';

export class AnalysisCache {
  private readonly envs = new Map<string, Promise<GoEnv>>();
  private readonly queries = new Map<string, readonly TypeQuery[]>();
  /** `go env` runs this cache started (tests and the bench read it). */
  goEnvRuns = 0;

  /** goEnv: `go env -json …` in `opts.cwd`, remembered while its inputs (see the overview) are unchanged. */
  goEnv(opts: RunGoOptions): Promise<GoEnv> {
    const key = goEnvKey(opts);
    const hit = this.envs.get(key);
    if (hit) return hit;
    this.goEnvRuns++;
    // Cancellation and failures are not remembered: the next run asks again.
    const p = goEnv(opts).catch((e: unknown) => {
      if (this.envs.get(key) === p) this.envs.delete(key);
      throw e;
    });
    this.envs.set(key, p);
    return p;
  }

  /** rememberQueries records the type queries a run needed, per package directory. */
  rememberQueries(byDir: ReadonlyMap<string, readonly TypeQuery[]>): void {
    for (const [dir, qs] of byDir) this.queries.set(dir, qs);
  }

  /**
   * queriesFor: the remembered queries of the packages `patterns` name in module `mod`
   * (`./a/b` is the directory, `./a/...` every directory below it, `.` the module root).
   */
  queriesFor(mod: string, patterns: readonly string[]): TypeQuery[] {
    const out = new Map<string, TypeQuery>();
    for (const p of patterns) {
      const all = p === '...' || p.endsWith('/...');
      const base = resolve(mod, all ? p.slice(0, -3) || '.' : p);
      for (const [dir, qs] of this.queries) {
        if (dir === base || (all && dir.startsWith(base.endsWith('/') ? base : base + '/'))) {
          for (const q of qs) out.set(`${q.pkg}\0${q.type}`, q);
        }
      }
    }
    return [...out.values()];
  }
}

const envKeyVar = /^(GO\w*|CGO_\w+|CC|CXX|PATH|HOME|XDG_CONFIG_HOME|AppData)$/;

/** goEnvKey: what `go env` in opts.cwd depends on, as one string (files by content or stat). */
export function goEnvKey(opts: RunGoOptions): string {
  const env: Record<string, string | undefined> = { ...(opts.baseEnv ?? process.env), ...opts.env };
  const h = createHash('sha256');
  const put = (name: string, value: string | undefined) =>
    h
      .update(name)
      .update('\0')
      .update(value ?? '\u0001')
      .update('\0');
  put('cwd', resolve(opts.cwd));
  for (const k of Object.keys(env)
    .filter((k) => envKeyVar.test(k))
    .sort())
    put(`env ${k}`, env[k]);
  const goBinary = opts.goBinary || 'go';
  put('go', goBinary);
  put('go stat', statKey(whichBinary(goBinary, env['PATH'] ?? '', opts.cwd)));
  put('go.mod', readOrNull(join(opts.cwd, 'go.mod')));
  const gowork = env['GOWORK'];
  const work = gowork === 'off' ? undefined : gowork ? resolve(opts.cwd, gowork) : findUp(opts.cwd, 'go.work');
  put('go.work', work ? `${work}\0${readOrNull(work) ?? ''}` : 'none');
  const configDir = env['XDG_CONFIG_HOME'] || (env['HOME'] ? join(env['HOME'], '.config') : env['AppData']);
  const goenvFile = env['GOENV'] ?? (configDir ? join(configDir, 'go', 'env') : undefined);
  put('GOENV file', goenvFile && goenvFile !== 'off' ? readOrNull(goenvFile) : undefined);
  return h.digest('hex');
}

function readOrNull(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function statKey(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    const s = statSync(file);
    return `${file}\0${s.size}\0${s.mtimeMs}\0${s.ino}`;
  } catch {
    return undefined;
  }
}

function whichBinary(name: string, pathVar: string, cwd: string): string | undefined {
  if (/[\\/]/.test(name)) return isAbsolute(name) ? name : resolve(cwd, name);
  const exts = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const d of pathVar.split(delimiter)) {
    if (!d) continue;
    for (const e of exts) {
      const f = join(d, name + e);
      try {
        if (statSync(f).isFile()) return f;
      } catch {
        /* next */
      }
    }
  }
  return undefined;
}

function findUp(dir: string, name: string): string | undefined {
  for (let d = resolve(dir), prev = ''; d !== prev; prev = d, d = dirname(d)) {
    const f = join(d, name);
    try {
      if (statSync(f).isFile()) return f;
    } catch {
      /* up */
    }
  }
  return undefined;
}
