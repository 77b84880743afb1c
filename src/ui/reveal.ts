// The revealPosition command: open a file at a position a hover or the Heap view links to (a
// site, or a step of its escape explanation, whose path the compiler printed relative to the
// module root: toolchain/workspace.ts resolveStepFile).
import * as vscode from 'vscode';
import { resolveStepFile } from '../toolchain/workspace.ts';

/** The command's argument, as the links encode it; `base` is the file of the site a step explains. */
export interface RevealArgs {
  readonly file: string;
  readonly line: number;
  readonly column?: number;
  readonly base?: string;
}

/** isRevealArgs: links arrive as untyped JSON (a command URI can be crafted), so every field is checked. */
export function isRevealArgs(a: unknown): a is RevealArgs {
  const o = a as RevealArgs;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.file === 'string' &&
    Number.isInteger(o.line) &&
    o.line >= 1 &&
    (o.column === undefined || (Number.isInteger(o.column) && o.column >= 1)) &&
    (o.base === undefined || typeof o.base === 'string')
  );
}

/** revealPosition opens the file of a well-formed argument with the cursor at its 1-based line and column; anything else is ignored. */
export async function revealPosition(arg: unknown): Promise<void> {
  if (!isRevealArgs(arg)) return;
  const file = resolveStepFile(arg.file, arg.base);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const pos = new vscode.Position(arg.line - 1, (arg.column ?? 1) - 1);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preserveFocus: false });
}
