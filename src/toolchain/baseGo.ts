// Toolchains for `diff --go A --go B`: a real compiler of each version, so the compiler's own
// escape changes show, not only the allocator's. Where one is looked for, in order:
//	1. --goroot DIR (each given), asked for its version;
//	2. GOROOTs installed next to the extension or the module: .cache/go/go-1.NN (scripts/ installs them);
//	3. `go` on PATH (its `go env GOROOT`);
//	4. toolchains the go command downloaded into the module cache (GOTOOLCHAIN=go1.N.x):
//	   $GOMODCACHE/golang.org/toolchain@v0.0.1-go1.N.P.GOOS-GOARCH, newest patch first;
//	5. ~/sdk/go1.N.P (golang.org/dl wrappers).
// Every compile runs with GOTOOLCHAIN=local, so a module's `toolchain` line cannot switch the
// compiler under us.
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface FoundToolchain {
  /** The go binary. */
  readonly go: string;
  readonly goroot: string;
  /** e.g. go1.21.13 */
  readonly version: string;
  readonly minor: number;
  /** Where it was found (for the report). */
  readonly source: string;
}

export function goMinorOf(v: string): number | undefined {
  const m = /^(?:go)?1\.(\d+)/.exec(v.trim());
  return m ? Number(m[1]) : undefined;
}

function run(bin: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((done, fail) =>
    execFile(bin, args, { env: { ...env, GOTOOLCHAIN: 'local' }, timeout: 60_000 }, (err, stdout) => (err ? fail(err) : done(stdout))),
  );
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function probe(goBin: string, source: string, env: Record<string, string>): Promise<FoundToolchain | undefined> {
  if (goBin.includes('/') && !(await isFile(goBin))) return undefined;
  try {
    const [version, goroot] = (await run(goBin, ['env', 'GOVERSION', 'GOROOT'], env)).trim().split('\n');
    const minor = goMinorOf(version ?? '');
    if (minor === undefined || !goroot) return undefined;
    return { go: join(goroot, 'bin', 'go'), goroot, version: version!, minor, source };
  } catch {
    return undefined;
  }
}

/** Directories that may hold .cache/go: the extension's directory, the module dir, and their parents. */
function cacheRoots(dir: string, extensionRoot: string | undefined): string[] {
  const roots: string[] = [];
  for (const start of extensionRoot ? [extensionRoot, dir] : [dir])
    for (let d = resolve(start); ; d = dirname(d)) {
      if (!roots.includes(d)) roots.push(d);
      if (dirname(d) === d) break;
    }
  return roots;
}

function patchOf(name: string): number {
  const m = /go1\.\d+\.(\d+)/.exec(name);
  return m ? Number(m[1]) : 0;
}

export interface FindOptions {
  readonly dir: string;
  readonly goroots: readonly string[];
  readonly env: Record<string, string>;
  /** The extension or CLI package root (its .cache/go is searched). */
  readonly extensionRoot?: string;
}

/** findToolchain: a compiler of go1.<minor>, or undefined with where it looked. */
export async function findToolchain(minor: number, o: FindOptions): Promise<{ found?: FoundToolchain; looked: string[] }> {
  const looked: string[] = [];
  const accept = (t: FoundToolchain | undefined) => (t && t.minor === minor ? t : undefined);
  for (const g of o.goroots) {
    looked.push(`--goroot ${g}`);
    const t = accept(await probe(join(g, 'bin', 'go'), `--goroot ${g}`, o.env));
    if (t) return { found: t, looked };
  }
  for (const root of cacheRoots(o.dir, o.extensionRoot)) {
    const bin = join(root, '.cache', 'go', `go-1.${minor}`, 'bin', 'go');
    if (!(await isFile(bin))) continue;
    looked.push(bin);
    const t = accept(await probe(bin, `installed GOROOT ${dirname(dirname(bin))}`, o.env));
    if (t) return { found: t, looked };
  }
  looked.push('go on PATH');
  const onPath = await probe(o.env['GO_HEAP_LENS_GO'] ?? 'go', 'go on PATH', o.env);
  if (accept(onPath)) return { found: onPath!, looked };
  const modcache = onPath ? (await run(onPath.go, ['env', 'GOMODCACHE'], o.env).catch(() => '')).trim() : '';
  if (modcache) {
    const dir = join(modcache, 'golang.org');
    looked.push(`${dir}/toolchain@v0.0.1-go1.${minor}.*`);
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(`toolchain@v0.0.1-go1.${minor}.`));
    names.sort((a, b) => patchOf(b) - patchOf(a));
    for (const n of names) {
      const t = accept(
        await probe(
          join(dir, n, 'bin', 'go'),
          `module cache (GOTOOLCHAIN=${n.slice('toolchain@v0.0.1-'.length).split('.linux')[0]})`,
          o.env,
        ),
      );
      if (t) return { found: t, looked };
    }
  }
  const sdk = join(homedir(), 'sdk');
  looked.push(`${sdk}/go1.${minor}.*`);
  const sdks = (await readdir(sdk).catch(() => [] as string[])).filter((n) => n.startsWith(`go1.${minor}`));
  sdks.sort((a, b) => patchOf(b) - patchOf(a));
  for (const n of sdks) {
    const t = accept(await probe(join(sdk, n, 'bin', 'go'), `~/sdk/${n}`, o.env));
    if (t) return { found: t, looked };
  }
  return { looked };
}

/** howToGet: the plain instruction for a missing toolchain. */
export function howToGet(minor: number): string {
  return (
    `go1.${minor} is not installed: get it with \`GOTOOLCHAIN=go1.${minor}.0 go version\` (downloads it into the module cache), ` +
    `or \`go install golang.org/dl/go1.${minor}.0@latest && go1.${minor}.0 download\`, or pass --goroot DIR`
  );
}
