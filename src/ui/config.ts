// Reads goHeap.* and vscode-go's go.* settings into a frozen snapshot (toolchain/goSettings.ts decides
// how they merge). Nothing else in the extension reads WorkspaceConfiguration.
import * as os from 'node:os';
import * as vscode from 'vscode';
import { configSection } from '../protocol/manifest.ts';
import { resolveSettings, type HeapSettings } from '../toolchain/goSettings.ts';

export function readSettings(scope?: vscode.Uri): HeapSettings {
  const c = vscode.workspace.getConfiguration(configSection, scope);
  const go = vscode.workspace.getConfiguration('go', scope);
  const folder = scope ? vscode.workspace.getWorkspaceFolder(scope) : vscode.workspace.workspaceFolders?.[0];
  return resolveSettings(
    {
      packages: c.get('analysis.packages'),
      buildFlags: c.get('analysis.buildFlags'),
      buildTags: c.get('analysis.buildTags'),
      analyzeOnSave: c.get('analysis.analyzeOnSave'),
      includeTests: c.get('analysis.includeTests'),
      goVersion: c.get('analysis.goVersion'),
      arch: c.get('analysis.arch'),
      inlineHints: c.get('display.inlineHints'),
      escapingOnly: c.get('display.escapingOnly'),
      minBytes: c.get('display.minBytes'),
      goGoroot: go.get('goroot'),
      goAlternateTools: go.get('alternateTools'),
      goToolsEnvVars: go.get('toolsEnvVars'),
      goBuildFlags: go.get('buildFlags'),
      goBuildTags: go.get('buildTags'),
    },
    os.homedir(),
    folder?.uri.fsPath,
  );
}

/** updateSetting writes to the workspace when one is open, else to the user settings. */
export async function updateSetting(key: string, value: unknown): Promise<void> {
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration(configSection).update(key, value, target);
}

/** goHeap.display.layoutAdvice: the bar for layout advice (ui/layout.ts). */
export function readLayoutMinSaving(): 'slotOrScan' | 'anyPadding' | 'off' {
  const v = vscode.workspace.getConfiguration(configSection).get<string>('display.layoutAdvice');
  return v === 'anyPadding' || v === 'off' ? v : 'slotOrScan';
}
