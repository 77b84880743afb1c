// Composition root: builds the adapters in src/ui, wires them to the pipeline
// (src/toolchain/analyze.ts) and registers every disposable. Nothing else lives here.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyzeWorkspace } from './toolchain/analyze.ts';
import { findModuleDir } from './toolchain/workspace.ts';
import { AnalysisService } from './ui/analysis.ts';
import { commandIds } from './protocol/manifest.ts';
import { readSettings, updateSetting } from './ui/config.ts';
import { HeapView } from './ui/heapView.ts';
import { LayoutAdvisor } from './ui/layout.ts';
import { InlineHints } from './ui/hints.ts';
import { registerHover } from './ui/hover.ts';
import { Log } from './ui/log.ts';
import { SimulatePanel } from './ui/panel.ts';
import { loadArgs } from './ui/commandArgs.ts';
import { revealPosition } from './ui/reveal.ts';
import { ProfileService } from './ui/profile.ts';
import { BenchLensProvider, HeapViewDrop, loadHeapProfile, profileBenchmark, profileBenchmarksInPackage } from './ui/profileCommands.ts';
import { DriftService } from './ui/drift.ts';
import { registerDriftHover } from './ui/driftHover.ts';
import { DriftPanel } from './ui/driftPanel.ts';

export function activate(context: vscode.ExtensionContext): void {
  const log = new Log();
  const service = new AnalysisService(analyzeWorkspace, log);
  const profiles = new ProfileService(service, log);
  const layout = new LayoutAdvisor(service, log);
  const drift = new DriftService(context.extensionPath, log);
  const view = new HeapView(service, profiles, new HeapViewDrop(profiles), () => [...drift.treeRoots(), ...layout.treeGroup()]);
  layout.onDidChange(() => view.refresh());
  const hints = new InlineHints(service, profiles, (file) => drift.hintOverrides(file));
  const lenses = new BenchLensProvider(profiles);
  const driftPanel = new DriftPanel(context.extensionUri, drift);
  const panel = new SimulatePanel(context.extensionUri, service, log, profiles);
  log.info(
    'activate',
    `Go Heap Lens ${String(context.extension.packageJSON.version)} (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'restricted'})`,
  );
  const reg = (id: string, fn: (...args: unknown[]) => unknown): vscode.Disposable => vscode.commands.registerCommand(id, fn);

  context.subscriptions.push(
    log,
    service,
    layout,
    view,
    hints,
    panel,
    registerHover(service, profiles),
    profiles,
    lenses,
    vscode.languages.registerCodeLensProvider({ language: 'go', scheme: 'file', pattern: '**/*_test.go' }, lenses),
    reg(commandIds.loadHeapProfile, (arg?: unknown) => loadHeapProfile(profiles, arg)),
    reg(commandIds.profileBenchmark, (arg?: unknown) => profileBenchmark(profiles, arg)),
    reg(commandIds.profileBenchmarks, (arg?: unknown) => profileBenchmarksInPackage(profiles, arg)),
    reg(commandIds.groupByTopAllocations, () => view.setGrouping('top')),
    reg(commandIds.toggleTopOrder, () => view.toggleTopOrder()),
    reg(commandIds.unloadHeapProfile, () => profiles.clear()),
    drift,
    driftPanel,
    registerDriftHover(drift),
    drift.onDidChange(() => {
      view.refresh();
      hints.renderAll();
    }),
    reg(commandIds.compareWithGoVersion, (arg?: unknown) => drift.compareWithGoVersion(arg)),
    reg(commandIds.compareWithGitRef, (arg?: unknown) => drift.compareWithGitRef(arg)),
    reg(commandIds.upgradeReport, (arg?: unknown) => driftPanel.show(arg, (a) => drift.compareWithGoVersion(a))),
    reg(commandIds.showLog, () => log.show()),
    reg(commandIds.analyzeWorkspace, () => service.analyzeWorkspace('command')),
    reg(commandIds.analyzePackage, (uri?: unknown) => {
      const file = uri instanceof vscode.Uri ? uri.fsPath : vscode.window.activeTextEditor?.document.uri.fsPath;
      if (!file || !file.endsWith('.go')) {
        void vscode.window.showWarningMessage('Go Heap Lens: open a Go file to analyze its package.');
        return;
      }
      return service.analyzePackage(file);
    }),
    reg(commandIds.simulateHeap, () => panel.show()),
    reg(commandIds.toggleInlineHints, () => updateSetting('display.inlineHints', !readSettings().display.inlineHints)),
    reg(commandIds.toggleEscapingOnly, () => updateSetting('display.escapingOnly', !readSettings().display.escapingOnly)),
    reg(commandIds.groupBySpanClass, () => view.setGrouping('spanClass')),
    reg(commandIds.groupByPackage, () => view.setGrouping('package')),
    reg(commandIds.filterConstructs, () => view.pickConstructs()),
    reg(commandIds.setMinBytes, async () => {
      const v = await vscode.window.showInputBox({
        title: 'Go Heap: hide sites smaller than (bytes)',
        value: String(readSettings().display.minBytes),
        validateInput: (s) => (/^\d+$/.test(s.trim()) ? undefined : 'A whole number of bytes, 0 for all sites'),
      });
      if (v !== undefined) await updateSetting('display.minBytes', Number(v.trim()));
    }),
    reg(commandIds.loadCompilerOutput, async (arg?: unknown) => {
      // Works in Restricted Mode too: there it runs no process (AnalysisService.loadFromFile).
      // With an argument (the Explorer's context menu passes the file's Uri; a keybinding or
      // another extension can pass { file, goVersion }) nothing is asked that the argument answers.
      const given = loadArgs(arg);
      if (given === 'invalid') {
        void vscode.window.showErrorMessage(
          'Go Heap Lens: Load Compiler Output takes a file (a Uri or { file: "/abs/path", goVersion?: "go1.26" }).',
        );
        return;
      }
      const file =
        given?.file ??
        (
          await vscode.window.showOpenDialog({
            canSelectMany: false,
            openLabel: 'Load',
            title: 'Compiler output of go build -gcflags=-m=2',
            filters: { 'Compiler output': ['txt', 'log', 'out'], 'All files': ['*'] },
          })
        )?.[0]?.fsPath;
      if (!file) return;
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      const dir = findModuleDir(file) ?? (folder && findModuleDir(path.join(folder, 'x.go'))) ?? folder ?? path.dirname(file);
      await service.loadFromFile(file, dir, given?.goVersion);
    }),
    reg(commandIds.revealPosition, revealPosition),
  );
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
