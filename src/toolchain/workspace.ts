// Finding the Go modules of a folder or a file, handing unsaved buffers to the go command, and
// finding the files its messages name. See go.ts for how processes are run and analyze.ts for
// the pipeline.
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** Folders the go command itself ignores for `./...` (plus node_modules, which only wastes time). */
function skippedDir(name: string): boolean {
  return name === 'vendor' || name === 'testdata' || name === 'node_modules' || name.startsWith('.') || name.startsWith('_');
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

export interface ModuleSet {
  /** Absolute module root directories, each to be built from its own root. */
  readonly modules: string[];
  /** When `dir` lies inside a module (no go.mod at or below it): the package pattern to build, e.g. `./sub/...`. */
  readonly patterns?: string[];
  /** The go.work file that lists the modules, when there is one. */
  readonly goWork?: string;
}

/**
 * parseGoWorkUses returns the directories of `use` directives in a go.work file
 * (single `use ./a` and block `use ( ./a ./b )` forms, `//` comments, quoted paths).
 */
export function parseGoWorkUses(text: string): string[] {
  const uses: string[] = [];
  let inBlock = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (!line) continue;
    if (inBlock) {
      if (line === ')') inBlock = false;
      else uses.push(unquote(line));
      continue;
    }
    const m = /^use\s*(.*)$/.exec(line);
    if (!m) continue;
    const rest = (m[1] ?? '').trim();
    if (rest === '(') inBlock = true;
    else if (rest.startsWith('(') && rest.endsWith(')')) uses.push(...rest.slice(1, -1).trim().split(/\s+/).filter(Boolean).map(unquote));
    else if (rest) uses.push(unquote(rest));
  }
  return uses;
}

function unquote(s: string): string {
  return /^["`].*["`]$/.test(s) ? s.slice(1, -1) : s;
}

/**
 * findModules lists the modules to analyze for `dir`: the `use` entries of a go.work in
 * `dir`; else every go.mod at or below `dir` (skipping vendor, testdata, node_modules,
 * dot and underscore dirs, like `./...`); else the module enclosing `dir`, restricted to
 * the packages under `dir`. An empty result means "no Go module here".
 */
export async function findModules(dir: string): Promise<ModuleSet> {
  const root = resolve(dir);
  const goWork = join(root, 'go.work');
  if (await isFile(goWork)) {
    const uses = parseGoWorkUses(await readFile(goWork, 'utf8')).map((u) => resolve(root, u));
    const modules: string[] = [];
    for (const u of uses) if (await isFile(join(u, 'go.mod'))) modules.push(u);
    return { modules, goWork };
  }
  const modules: string[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.isFile() && e.name === 'go.mod')) modules.push(d);
    if (depth > 12) return;
    for (const e of entries) {
      if (e.isDirectory() && !skippedDir(e.name)) await walk(join(d, e.name), depth + 1);
    }
  };
  await walk(root, 0);
  if (modules.length > 0) return { modules: modules.sort() };
  const d = findModuleDir(root);
  if (d === undefined) return { modules: [] };
  const rel = root
    .slice(d.length + 1)
    .split('\\')
    .join('/');
  return { modules: [d], patterns: [`./${rel}/...`] };
}

/**
 * findModuleDir: the module `file` belongs to, the nearest directory at or above its directory
 * holding a go.mod file (for a directory: the module enclosing it, above it).
 */
export function findModuleDir(file: string): string | undefined {
  for (let d = dirname(resolve(file)), prev = ''; d !== prev; prev = d, d = dirname(d)) {
    try {
      if (statSync(join(d, 'go.mod')).isFile()) return d;
    } catch {
      /* up */
    }
  }
  return undefined;
}

/** An -overlay file for the go command (`go help build`), with a cleanup. */
export interface Overlay {
  /** Path of the JSON file to pass as `-overlay=PATH`. */
  readonly path: string;
  /** abs source path → abs path of the file holding its unsaved content. */
  readonly replace: ReadonlyMap<string, string>;
  dispose(): Promise<void>;
}

/**
 * writeOverlay writes each unsaved buffer to a temp file and the `{"Replace": {...}}` JSON
 * that maps the real path to it. The go command then compiles the buffer as if saved.
 */
export async function writeOverlay(buffers: ReadonlyMap<string, string>): Promise<Overlay> {
  const dir = await mkdtemp(join(tmpdir(), 'go-heap-lens-overlay-'));
  const replace = new Map<string, string>();
  let i = 0;
  for (const [file, content] of buffers) {
    const abs = resolve(file);
    const tmp = join(dir, `${i++}-${abs.split(/[\\/]/).pop() ?? 'file.go'}`);
    await writeFile(tmp, content, 'utf8');
    replace.set(abs, tmp);
  }
  const path = join(dir, 'overlay.json');
  await writeFile(path, JSON.stringify({ Replace: Object.fromEntries(replace) }), 'utf8');
  return { path, replace, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * resolveStepFile: the compiler prints positions relative to the directory `go build` ran in
 * (the module root), so a relative path is tried against the directory of `base` (the file of
 * the site it explains) and each parent; absolute paths and paths without a base stay as they are.
 */
export function resolveStepFile(file: string, base: string | undefined): string {
  if (isAbsolute(file) || !base) return file;
  for (let dir = dirname(base); ; dir = dirname(dir)) {
    const candidate = resolve(dir, file);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return resolve(dirname(base), file);
  }
}
