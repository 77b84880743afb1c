// The analysis service: the editor's side of the run scheduler (src/toolchain/scheduler.ts, which
// has the rules for when and how runs happen) and the results every other adapter reads.
//
//	- Runs start when a Go file of a module is first opened, when one is saved (if
//	  analyzeOnSave), on the Analyze commands and when the workspace becomes trusted. Unsaved Go
//	  buffers of the module go to the compiler as an -overlay.
//	- A save re-analyses only the packages saved and merges them into the module's last result
//	  (scheduler.ts). What it cannot see — callers in other packages that inline an edited
//	  function keep their old sites until the next full analysis — is why the status bar says how
//	  many packages were re-analysed since then. The Analyze Workspace command always analyses
//	  whole modules.
//	- Errors are shown once per distinct message, with a "Show Log" button; every go argv + cwd
//	  goes to the log.
//	- In an untrusted workspace nothing is spawned (trust.ts).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { maxGoMinor, minGoMinor } from '../core/alloc/versions.ts';
import { countsText, siteCounts } from '../core/sites/present.ts';
import type { AllocationSite } from '../core/sites/site.ts';
import type { AnalysisResult, AnalyzeFn, AnalyzeOptions } from '../toolchain/result.ts';
import { RunScheduler, type RunRequest } from '../toolchain/scheduler.ts';
import { findModuleDir, findModules } from '../toolchain/workspace.ts';
import { commandIds, contextKeys } from '../protocol/manifest.ts';
import { readSettings } from './config.ts';
import { ignoredWhenRestricted, restrictedLoadOptions } from '../toolchain/goSettings.ts';
import type { Log } from './log.ts';
import { canSpawn, untrustedReason } from './trust.ts';

export class AnalysisService implements vscode.Disposable {
  private readonly scheduler: RunScheduler;
  private readonly shownErrors = new Set<string>();
  private readonly seenModules = new Set<string>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly statusItem = vscode.window.createStatusBarItem('goHeap.status', vscode.StatusBarAlignment.Left, 10);
  private readonly disposables: vscode.Disposable[] = [];
  private untrustedToldOnce = false;

  /** Fires after any module's results change (new results, cleared, stale). */
  readonly onDidChange = this.changed.event;

  constructor(
    analyze: AnalyzeFn,
    private readonly log: Log,
  ) {
    this.scheduler = new RunScheduler(
      analyze,
      {
        optionsFor: (moduleDir, request, signal) => this.optionsFor(moduleDir, request, signal),
        progress: (moduleDir, request, work, cancel) =>
          vscode.window.withProgress(
            {
              location: request.kind === 'saved' ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification,
              title: `Go Heap: analyzing ${path.basename(moduleDir)}`,
              cancellable: true,
            },
            (_progress, token) => {
              token.onCancellationRequested(cancel);
              return work();
            },
          ),
        runsChanged: () => this.updateStatus(),
        progressed: () => this.updateStatus(),
        resultsChanged: () => {
          void vscode.commands.executeCommand('setContext', contextKeys.hasResults, this.allSites().length > 0);
          this.changed.fire();
        },
        errorsReported: (moduleDir, errors) =>
          this.showErrorOnce(
            `Go Heap Lens: ${errors.length} error${errors.length === 1 ? '' : 's'} in ${path.basename(moduleDir)}: ` +
              `${errors[0]!.message.split('\n')[0]}`,
          ),
        failed: (moduleDir, message) => this.showErrorOnce(`Go Heap Lens: analysis of ${path.basename(moduleDir)} failed: ${message}`),
        cancelled: (moduleDir, keptPrevious) => {
          const kept = keptPrevious ? ': the previous results stay shown' : '';
          void vscode.window.showInformationMessage(`Go Heap Lens: analysis of ${path.basename(moduleDir)} cancelled${kept}.`);
        },
      },
      log,
    );
    this.statusItem.name = 'Go Heap Lens';
    this.statusItem.command = `workbench.view.extension.goHeap`;
    this.updateStatus();
    this.disposables.push(
      this.changed,
      this.statusItem,
      vscode.workspace.onDidOpenTextDocument((d) => this.onOpen(d)),
      vscode.workspace.onDidSaveTextDocument((d) => this.onSave(d)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.languageId === 'go' && e.contentChanges.length > 0) {
          this.scheduler.noteEdit(e.document.uri.fsPath);
          this.changed.fire();
        }
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.analyzeWorkspace('trust')),
      vscode.window.onDidChangeActiveTextEditor((e) => this.onShown(e?.document)),
    );
    for (const d of vscode.workspace.textDocuments) this.onOpen(d);
  }

  /** sitesForFile: the sites of one file, or none when the file was edited since it was analysed. */
  sitesForFile(fsPath: string): readonly AllocationSite[] {
    return this.scheduler.results.sitesForFile(fsPath);
  }

  allSites(): AllocationSite[] {
    return this.scheduler.results.allSites();
  }

  /** The model's Go version/arch of the newest result (the simulator's default). */
  latest(): AnalysisResult | undefined {
    return this.scheduler.results.latest();
  }

  private onOpen(doc: vscode.TextDocument): void {
    if (doc.languageId !== 'go' || doc.uri.scheme !== 'file') return;
    const mod = findModuleDir(doc.uri.fsPath);
    if (!mod || this.seenModules.has(mod)) return;
    this.seenModules.add(mod);
    if (!canSpawn()) {
      this.tellUntrusted();
      return;
    }
    void this.scheduler.run(mod, { kind: 'full', trigger: 'open', focus: [...new Set([doc.uri.fsPath, ...visibleGoFiles(mod)])] });
  }

  /** onShown: a file shown in an editor whose package the module run has not reached moves up (scheduler.ts). */
  private onShown(doc: vscode.TextDocument | undefined): void {
    if (!doc || doc.languageId !== 'go' || doc.uri.scheme !== 'file' || !canSpawn()) return;
    const mod = findModuleDir(doc.uri.fsPath);
    if (mod) this.scheduler.focus(mod, doc.uri.fsPath);
  }

  private onSave(doc: vscode.TextDocument): void {
    if (doc.languageId !== 'go' || doc.uri.scheme !== 'file') return;
    if (!readSettings(doc.uri).analysis.analyzeOnSave || !canSpawn()) return;
    const mod = findModuleDir(doc.uri.fsPath);
    if (mod) this.scheduler.save(mod, doc.uri.fsPath);
  }

  private tellUntrusted(): void {
    this.log.warn('trust', untrustedReason);
    this.updateStatus();
    if (this.untrustedToldOnce) return;
    this.untrustedToldOnce = true;
    void vscode.window.showInformationMessage(untrustedReason, 'Manage Workspace Trust').then((pick) => {
      if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  }

  /** analyzeWorkspace runs every module of the workspace folders (findModules: go.work uses, else go.mod files outside vendor/testdata). */
  async analyzeWorkspace(trigger: 'command' | 'trust' = 'command'): Promise<void> {
    if (!canSpawn()) return this.tellUntrusted();
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const mods = [...new Set((await Promise.all(folders.map(findModules))).flatMap((s) => s.modules))].sort();
    if (mods.length === 0) {
      void vscode.window.showInformationMessage('Go Heap Lens: no go.mod found in the workspace.');
      return;
    }
    await Promise.all(mods.map((m) => this.scheduler.run(m, { kind: 'full', trigger, focus: visibleGoFiles(m) })));
  }

  /** analyzePackage runs only the package of `file` (its directory) within its module. */
  async analyzePackage(file: string): Promise<void> {
    if (!canSpawn()) return this.tellUntrusted();
    const mod = findModuleDir(file);
    if (!mod) {
      void vscode.window.showWarningMessage(`Go Heap Lens: ${file} is not inside a Go module (no go.mod above it).`);
      return;
    }
    const rel = path.relative(mod, path.dirname(file));
    await this.scheduler.run(mod, { kind: 'packages', packages: [rel === '' ? '.' : `./${rel.split(path.sep).join('/')}`] });
  }

  /**
   * loadFromFile parses saved compiler output; positions resolve against `dir`. In Restricted Mode
   * it still works but runs nothing (goSettings.ts restrictedLoadOptions): the Go version the output
   * came from is the caller's `pickedGoVersion`, the goVersion setting or the user's pick, and the
   * settings that would choose an executable, flags or environment are ignored with a message naming them.
   */
  async loadFromFile(file: string, dir: string, pickedGoVersion?: string): Promise<void> {
    if (canSpawn()) return this.scheduler.run(dir, { kind: 'file', file });
    const settings = readSettings(vscode.Uri.file(dir)).analysis;
    const ignored = ignoredWhenRestricted(settings);
    if (ignored.length > 0) {
      const msg = `Go Heap Lens (Restricted Mode): ignoring ${ignored.join(', ')}; no Go toolchain runs in an untrusted workspace.`;
      this.log.warn('trust', msg);
      void vscode.window.showWarningMessage(msg);
    }
    const goVersion =
      pickedGoVersion ??
      settings.goVersion ??
      (await vscode.window.showQuickPick(
        Array.from({ length: maxGoMinor - minGoMinor + 1 }, (_, i) => `go1.${maxGoMinor - i}`),
        { title: 'Which Go version printed this compiler output? (Restricted Mode cannot run go to ask)', ignoreFocusOut: true },
      ));
    if (!goVersion) return;
    return this.scheduler.run(dir, { kind: 'file', file, goVersion });
  }

  /**
   * optionsFor: a run's options from the settings. Saved output in Restricted Mode runs no
   * process (restrictedLoadOptions); a file's Go version, when given, is the version it came from.
   */
  private optionsFor(moduleDir: string, request: RunRequest, signal: AbortSignal): AnalyzeOptions {
    const settings = readSettings(vscode.Uri.file(moduleDir)).analysis;
    if (request.kind === 'file' && !canSpawn()) {
      // Without its Go version the pipeline refuses the load (it cannot run go to ask).
      return restrictedLoadOptions(moduleDir, request.file, request.goVersion ?? '', settings.arch, signal);
    }
    const goVersion = request.kind === 'file' ? (request.goVersion ?? settings.goVersion) : settings.goVersion;
    return {
      dir: moduleDir,
      packages: [...settings.packages],
      buildFlags: [...settings.buildFlags],
      buildTags: [...settings.buildTags],
      includeTests: settings.includeTests,
      overlay: unsavedGoBuffers(moduleDir),
      signal,
      env: { ...settings.env },
      onCommand: (argv, cwd) => this.log.command(argv, cwd),
      ...(settings.goBinary ? { goBinary: settings.goBinary } : {}),
      ...(goVersion ? { goVersion } : {}),
      ...(settings.arch ? { arch: settings.arch } : {}),
      ...(request.kind === 'file' ? { fromFile: request.file } : {}),
    };
  }

  private showErrorOnce(message: string): void {
    if (this.shownErrors.has(message)) return;
    this.shownErrors.add(message);
    void vscode.window.showErrorMessage(message, 'Show Log').then((pick) => {
      if (pick) void vscode.commands.executeCommand(commandIds.showLog);
    });
  }

  private updateStatus(): void {
    const item = this.statusItem;
    const results = this.scheduler.results;
    const running = this.scheduler.runningModules();
    if (!canSpawn() && results.size === 0) {
      item.text = '$(shield) Go Heap: restricted';
      item.tooltip = untrustedReason;
    } else if (running.length > 0) {
      const progress = running.map((m) => this.scheduler.progressOf(m)).filter((p) => p !== undefined);
      const done = progress.reduce((n, p) => n + p.packagesDone, 0);
      const total = progress.every((p) => p.packagesTotal !== undefined) ? progress.reduce((n, p) => n + p.packagesTotal!, 0) : undefined;
      item.text =
        progress.length === 0
          ? '$(sync~spin) Go Heap: analyzing'
          : `$(sync~spin) Go Heap: ${done}${total !== undefined ? `/${total}` : ''} packages`;
      item.tooltip = running.join('\n');
    } else if (results.size > 0) {
      const latest = this.latest()!;
      const sites = this.allSites();
      const heap = sites.filter((s) => s.escapes && s.prediction.kind !== 'stack').length;
      const stale = [...results.values()].some((r) => r.stale);
      const go = `go${latest.goVersion.replace(/^go/, '')}`;
      const reanalysed = [...results.values()].reduce((n, r) => n + (r.result.reanalysed?.dirs.length ?? 0), 0);
      const staleDirs = [...results.values()].flatMap((r) => r.result.reanalysed?.staleDirs ?? []);
      item.text = `${stale || staleDirs.length > 0 ? '$(warning)' : '$(database)'} Go Heap: ${heap} sites · ${go}${reanalysed ? ` · ${reanalysed} re-analysed` : ''}`;
      item.tooltip =
        `${countsText(siteCounts(sites))} · ${go} ${latest.arch}` +
        `${stale ? '\nThe last run failed: showing the previous results (see Show Log).' : ''}` +
        (reanalysed
          ? `\n${reanalysed} package${reanalysed === 1 ? '' : 's'} re-analysed on save since the last full analysis: ` +
            'callers in other packages that inline their functions show what the full analysis saw (Analyze Workspace refreshes them).'
          : '') +
        (staleDirs.length ? `\nDoes not build, showing its previous sites: ${staleDirs.map((d) => path.basename(d)).join(', ')}.` : '');
    } else {
      item.text = '$(database) Go Heap';
      item.tooltip = 'Go Heap Lens: no analysis yet';
    }
    item.show();
  }

  dispose(): void {
    this.scheduler.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/** visibleGoFiles: the Go files of the module shown in editors now, active first (a full run analyses their packages first). */
function visibleGoFiles(moduleDir: string): string[] {
  const active = vscode.window.activeTextEditor?.document;
  const docs = [...(active ? [active] : []), ...vscode.window.visibleTextEditors.map((e) => e.document)];
  const files = docs
    .filter((d) => d.languageId === 'go' && d.uri.scheme === 'file' && d.uri.fsPath.startsWith(moduleDir + path.sep))
    .map((d) => d.uri.fsPath);
  return [...new Set(files)];
}

/** unsavedGoBuffers: dirty Go documents inside the module, by absolute path (the -overlay input). */
export function unsavedGoBuffers(moduleDir: string): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const d of vscode.workspace.textDocuments) {
    if (d.isDirty && d.languageId === 'go' && d.uri.scheme === 'file' && d.uri.fsPath.startsWith(moduleDir + path.sep)) {
      out.set(d.uri.fsPath, d.getText());
    }
  }
  return out;
}
