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
