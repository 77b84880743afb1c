// Checks of the arguments our commands accept from outside (a keybinding's args, another
// extension, a context menu): anything else is refused rather than trusted.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { maxGoMinor, minGoMinor } from '../core/alloc/versions.ts';

export /**
 * loadArgs reads Load Compiler Output's optional argument: a Uri, or { file, goVersion? } with an
 * absolute path and a version the model knows (go1.21 … go1.27). undefined: none given (ask).
 */
function loadArgs(a: unknown): { file: string; goVersion?: string } | undefined | 'invalid' {
  if (a === undefined || a === null) return undefined;
  if (a instanceof vscode.Uri) return a.scheme === 'file' ? { file: a.fsPath } : 'invalid';
  const o = a as { file?: unknown; goVersion?: unknown };
  if (typeof o !== 'object' || typeof o.file !== 'string' || !path.isAbsolute(o.file)) return 'invalid';
  if (o.goVersion === undefined) return { file: o.file };
  const m = typeof o.goVersion === 'string' ? /^go1\.(\d+)$/.exec(o.goVersion) : null;
  if (!m || Number(m[1]) < minGoMinor || Number(m[1]) > maxGoMinor) return 'invalid';
  return { file: o.file, goVersion: m[0] };
}

/** profileFileArgs reads Load Heap Profile's optional argument: a file Uri or { file } with an absolute path. */
export function profileFileArgs(a: unknown): { file: string } | undefined | 'invalid' {
  if (a === undefined || a === null) return undefined;
  if (a instanceof vscode.Uri) return a.scheme === 'file' ? { file: a.fsPath } : 'invalid';
  const o = a as { file?: unknown };
  if (typeof o !== 'object' || typeof o.file !== 'string' || !path.isAbsolute(o.file)) return 'invalid';
  return { file: o.file };
}

/** A profiling run's argument: where (a Go file or the package directory, absolute) and what. */
export interface ProfileRunArgs {
  /** The package directory. */
  readonly dir: string;
  readonly benchmarks?: string[];
  readonly tests?: string[];
  readonly benchtime?: string;
}

const goName = /^(Benchmark|Test)\w*$/;

/**
 * profileRunArgs reads the argument of the CodeLens command and of Profile Benchmarks in Package…:
 * { file | dir, benchmark? | test? | benchmarks?: [], benchtime? } (or a Uri of a file/folder).
 * Names must be Benchmark…/Test… identifiers and the benchtime a duration or count, as go test
 * takes them: anything else is refused rather than passed to go test.
 */
export function profileRunArgs(a: unknown): ProfileRunArgs | undefined | 'invalid' {
  if (a === undefined || a === null) return undefined;
  if (a instanceof vscode.Uri)
    return a.scheme === 'file' ? { dir: a.fsPath.endsWith('.go') ? path.dirname(a.fsPath) : a.fsPath } : 'invalid';
  if (typeof a !== 'object') return 'invalid';
  const o = a as Record<string, unknown>;
  const where = typeof o.dir === 'string' ? o.dir : typeof o.file === 'string' ? path.dirname(o.file) : undefined;
  if (!where || !path.isAbsolute(where)) return 'invalid';
  const names = (v: unknown): string[] | 'invalid' | undefined => {
    if (v === undefined) return undefined;
    const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : undefined;
    if (!list || list.length === 0 || !list.every((n): n is string => typeof n === 'string' && goName.test(n))) return 'invalid';
    return list;
  };
  const benchmarks = names(o.benchmarks ?? o.benchmark);
  const tests = names(o.tests ?? o.test);
  if (benchmarks === 'invalid' || tests === 'invalid' || (benchmarks && tests)) return 'invalid';
  if (benchmarks?.some((n) => !n.startsWith('Benchmark')) || tests?.some((n) => !n.startsWith('Test'))) return 'invalid';
  if (o.benchtime !== undefined && (typeof o.benchtime !== 'string' || !/^\d+(\.\d+)?(x|ns|us|µs|ms|s|m|h)$/.test(o.benchtime)))
    return 'invalid';
  return {
    dir: where,
    ...(benchmarks ? { benchmarks } : {}),
    ...(tests ? { tests } : {}),
    ...(typeof o.benchtime === 'string' ? { benchtime: o.benchtime } : {}),
  };
}
