// Workspace trust: in Restricted Mode nothing is spawned (a go.mod can point `go` at arbitrary
// code through toolchain directives, and go.alternateTools at any binary). Users are told why once.
import * as vscode from 'vscode';

export const untrustedReason =
  'Go Heap Lens runs no Go toolchain in Restricted Mode: building the workspace would run tools it configures. ' +
  'Trust the workspace to analyze it, or load saved compiler output.';

export function canSpawn(): boolean {
  return vscode.workspace.isTrusted;
}
