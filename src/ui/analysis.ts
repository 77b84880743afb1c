// The analysis service: when and how the pipeline (src/toolchain/analyze.ts) runs for the
// editor, and the results every other adapter reads.
//
//	- One run per Go module (the directory holding go.mod). A newer run of a module aborts the
//	  older one through its AbortSignal; runs of different modules proceed independently.
//	- Runs start when a Go file is first opened, when one is saved (debounced), and on the
//	  Analyze commands. Unsaved Go buffers of the module go to the compiler as an -overlay.
//	- The last good result of a module is kept when a run fails; errors are shown once per
//	  distinct message, with a "Show Log" button; every go argv + cwd goes to the log.
//	- In an untrusted workspace nothing is spawned (trust.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { maxGoMinor, minGoMinor } from '../core/alloc/versions.ts';
import type { AllocationSite } from '../core/sites/site.ts';
import type { AnalysisResult, AnalyzeOptions } from '../toolchain/analyze.ts';
import { commandIds, contextKeys, viewIds } from './commands.ts';
import { readSettings } from './config.ts';
import { ignoredWhenRestricted, restrictedLoadOptions } from './goSettings.ts';
import type { Log } from './log.ts';
import { canSpawn, untrustedReason } from './trust.ts';

export type AnalyzeFn = (opts: AnalyzeOptions) => Promise<AnalysisResult>;

export interface ModuleResult {
  readonly moduleDir: string;
  readonly result: AnalysisResult;
  /** Sites by absolute file. */
  readonly byFile: ReadonlyMap<string, readonly AllocationSite[]>;
  /** True when the newest run failed and this is the previous good result. */
  readonly stale: boolean;
}

type RunTrigger = 'open' | 'save' | 'command' | 'trust' | 'file';

const saveDebounceMs = 400;

export class AnalysisService implements vscode.Disposable {
  private readonly results = new Map<string, ModuleResult>();
  private readonly running = new Map<string, AbortController>();
  private readonly saveTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly shownErrors = new Set<string>();
  private readonly seenModules = new Set<string>();
  /** Files edited since their module's last analysis (→ edit count): their positions may be stale. */
  private readonly editedSince = new Map<string, number>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly statusItem = vscode.window.createStatusBarItem('goHeap.status', vscode.StatusBarAlignment.Left, 10);
  private readonly disposables: vscode.Disposable[] = [];
  private untrustedToldOnce = false;

  /** Fires after any module's results change (new results, cleared, stale). */
  readonly onDidChange = this.changed.event;

  constructor(private readonly analyze: AnalyzeFn, private readonly log: Log) {
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
          const f = e.document.uri.fsPath;
          this.editedSince.set(f, (this.editedSince.get(f) ?? 0) + 1);
          this.changed.fire();
        }
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.analyzeWorkspace('trust')),
    );
    for (const d of vscode.workspace.textDocuments) this.onOpen(d);
  }

  /** sitesForFile: the sites of one file, or none when the file was edited since it was analysed. */
  sitesForFile(fsPath: string): readonly AllocationSite[] {
    if (this.editedSince.has(fsPath)) return [];
    for (const r of this.results.values()) {
      const s = r.byFile.get(fsPath);
      if (s) return s;
    }
    return [];
  }

  allSites(): AllocationSite[] {
    return [...this.results.values()].flatMap((r) => r.result.sites);
  }

  modules(): readonly ModuleResult[] {
    return [...this.results.values()];
  }

  /** The model's Go version/arch of the newest result (the simulator's default). */
  latest(): AnalysisResult | undefined {
    let last: AnalysisResult | undefined;
    for (const r of this.results.values()) last = r.result;
    return last;
  }

  isRunning(): boolean {
    return this.running.size > 0;
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
    void this.runModule(mod, 'open');
  }

  private onSave(doc: vscode.TextDocument): void {
    if (doc.languageId !== 'go' || doc.uri.scheme !== 'file') return;
    if (!readSettings(doc.uri).analysis.analyzeOnSave || !canSpawn()) return;
    const mod = findModuleDir(doc.uri.fsPath);
    if (!mod) return;
    const t = this.saveTimers.get(mod);
    if (t) clearTimeout(t);
    this.saveTimers.set(mod, setTimeout(() => {
      this.saveTimers.delete(mod);
      void this.runModule(mod, 'save');
    }, saveDebounceMs));
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

  /** analyzeWorkspace runs every module found in the workspace folders (go.mod files outside vendor/testdata). */
  async analyzeWorkspace(trigger: RunTrigger = 'command'): Promise<void> {
    if (!canSpawn()) return this.tellUntrusted();
    const mods = await findWorkspaceModules();
    if (mods.length === 0) {
      void vscode.window.showInformationMessage('Go Heap Lens: no go.mod found in the workspace.');
      return;
    }
    await Promise.all(mods.map((m) => this.runModule(m, trigger)));
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
    await this.runModule(mod, 'command', [rel === '' ? '.' : `./${rel.split(path.sep).join('/')}`]);
  }

  /**
   * loadFromFile parses saved compiler output; positions resolve against `dir`. In Restricted Mode
   * it still works but runs nothing (goSettings.ts restrictedLoadOptions): the Go version the
   * output came from is the goVersion setting or the user's pick, and the settings that would
   * choose an executable, flags or environment are ignored with a message naming them.
   */
  async loadFromFile(file: string, dir: string): Promise<void> {
    if (canSpawn()) return this.runModule(dir, 'file', undefined, file);
    const settings = readSettings(vscode.Uri.file(dir)).analysis;
    const ignored = ignoredWhenRestricted(settings);
    if (ignored.length > 0) {
      const msg = `Go Heap Lens (Restricted Mode): ignoring ${ignored.join(', ')}; no Go toolchain runs in an untrusted workspace.`;
      this.log.warn('trust', msg);
      void vscode.window.showWarningMessage(msg);
    }
    const goVersion = settings.goVersion ?? (await vscode.window.showQuickPick(
      Array.from({ length: maxGoMinor - minGoMinor + 1 }, (_, i) => `go1.${maxGoMinor - i}`),
      { title: 'Which Go version printed this compiler output? (Restricted Mode cannot run go to ask)', ignoreFocusOut: true },
    ));
    if (!goVersion) return;
    return this.runModule(dir, 'file', undefined, file, goVersion);
  }

  private async runModule(moduleDir: string, trigger: RunTrigger, packages?: string[], fromFile?: string, restrictedGoVersion?: string): Promise<void> {
    this.running.get(moduleDir)?.abort();
    const ac = new AbortController();
    this.running.set(moduleDir, ac);
    const settings = readSettings(vscode.Uri.file(moduleDir)).analysis;
    // The overlay captures the buffers as they are now; edits after this point stay invalidating.
    const editedAtStart = new Map([...this.editedSince].filter(([f]) => f.startsWith(moduleDir + path.sep)));
    const opts: AnalyzeOptions = restrictedGoVersion !== undefined && fromFile !== undefined
      ? restrictedLoadOptions(moduleDir, fromFile, restrictedGoVersion, settings.arch, ac.signal)
      : {
        dir: moduleDir,
        packages: packages ?? [...settings.packages],
        buildFlags: [...settings.buildFlags],
        buildTags: [...settings.buildTags],
        includeTests: settings.includeTests,
        overlay: unsavedGoBuffers(moduleDir),
        signal: ac.signal,
        env: { ...settings.env },
        onCommand: (argv, cwd) => this.log.command(argv, cwd),
        ...(settings.goBinary ? { goBinary: settings.goBinary } : {}),
        ...(settings.goVersion ? { goVersion: settings.goVersion } : {}),
        ...(settings.arch ? { arch: settings.arch } : {}),
        ...(fromFile ? { fromFile } : {}),
      };
    this.log.info('analysis', `${trigger}: analyzing ${moduleDir}${packages ? ` (${packages.join(' ')})` : ''}${fromFile ? ` from ${fromFile}` : ''}`);
    this.updateStatus();
    const location = trigger === 'save' ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification;
    try {
      const result = await vscode.window.withProgress(
        { location, title: `Go Heap: analyzing ${path.basename(moduleDir)}`, cancellable: true },
        (_progress, token) => {
          token.onCancellationRequested(() => ac.abort());
          return this.analyze(opts);
        },
      );
      if (ac.signal.aborted) return;
      this.accept(moduleDir, result, packages, editedAtStart);
    } catch (e) {
      if (ac.signal.aborted) {
        this.log.info('analysis', `${moduleDir}: run cancelled`);
        return;
      }
      const message = e instanceof Error ? e.message : String(e);
      this.log.error('analysis', `${moduleDir}: ${message}`);
      const prev = this.results.get(moduleDir);
      if (prev) this.results.set(moduleDir, { ...prev, stale: true });
      this.showErrorOnce(`Go Heap Lens: analysis of ${path.basename(moduleDir)} failed: ${message}`);
      this.changed.fire();
    } finally {
      if (this.running.get(moduleDir) === ac) this.running.delete(moduleDir);
      this.updateStatus();
    }
  }

  private accept(moduleDir: string, result: AnalysisResult, packages: string[] | undefined, editedAtStart: ReadonlyMap<string, number>): void {
    this.log.info('analysis', `${moduleDir}: go${result.goVersion.replace(/^go/, '')} ${result.arch}, ${result.sites.length} sites, ` +
      `${result.unparsed} unparsed lines, ${result.errors.length} errors, ${Math.round(result.durationMs)} ms`);
    for (const u of result.unparsedLines.slice(0, 20)) this.log.warn('parse', `unparsed line ${u.line}: ${u.text}`);
    for (const err of result.errors) {
      this.log.error('go', `${err.kind}${err.package ? ` ${err.package}` : ''}${err.file ? ` ${err.file}:${err.line ?? ''}` : ''}: ${err.message}`);
    }
    const prev = this.results.get(moduleDir);
    if (result.errors.length > 0) {
      this.showErrorOnce(`Go Heap Lens: ${result.errors.length} error${result.errors.length === 1 ? '' : 's'} in ${path.basename(moduleDir)}: ` +
        `${result.errors[0]!.message.split('\n')[0]}`);
    }
    // A failed build with nothing to show keeps the last good results (marked stale).
    if (result.sites.length === 0 && result.errors.length > 0 && prev) {
      this.results.set(moduleDir, { ...prev, stale: true });
      this.changed.fire();
      return;
    }
    let sites = result.sites;
    if (packages && prev) {
      // A package-only run replaces that package's files and keeps the rest of the module.
      const files = new Set(sites.map((s) => s.file));
      const dirs = new Set(packages.map((p) => path.resolve(moduleDir, p)));
      sites = [...prev.result.sites.filter((s) => !files.has(s.file) && !dirs.has(path.dirname(s.file))), ...sites];
    }
    const byFile = new Map<string, AllocationSite[]>();
    for (const s of sites) {
      const list = byFile.get(s.file);
      if (list) list.push(s);
      else byFile.set(s.file, [s]);
    }
    this.results.set(moduleDir, { moduleDir, result: { ...result, sites }, byFile, stale: false });
    // Edits made while the run was in flight still invalidate their files.
    for (const [f, n] of editedAtStart) if (this.editedSince.get(f) === n) this.editedSince.delete(f);
    void vscode.commands.executeCommand('setContext', contextKeys.hasResults, this.allSites().length > 0);
    this.changed.fire();
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
    if (!canSpawn() && this.results.size === 0) {
      item.text = '$(shield) Go Heap: restricted';
      item.tooltip = untrustedReason;
    } else if (this.running.size > 0) {
      item.text = '$(sync~spin) Go Heap: analyzing';
      item.tooltip = [...this.running.keys()].join('\n');
    } else if (this.results.size > 0) {
      const latest = this.latest()!;
      const sites = this.allSites();
      const heap = sites.filter((s) => s.escapes && s.prediction.kind !== 'stack').length;
      const stale = [...this.results.values()].some((r) => r.stale);
      const go = `go${latest.goVersion.replace(/^go/, '')}`;
      item.text = `${stale ? '$(warning)' : '$(database)'} Go Heap: ${heap} sites · ${go}`;
      item.tooltip = `${heap} heap allocation sites (${sites.length} analysed) · ${go} ${latest.arch}` +
        `${stale ? '\nThe last run failed: showing the previous results (see Show Log).' : ''}`;
    } else {
      item.text = '$(database) Go Heap';
      item.tooltip = 'Go Heap Lens: no analysis yet';
    }
    item.show();
  }

  dispose(): void {
    for (const ac of this.running.values()) ac.abort();
    for (const t of this.saveTimers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}

/** The view id is re-exported for the status item's reveal. */
export const heapViewId = viewIds.heap;

/** findModuleDir: the nearest directory at or above `file`'s directory holding a go.mod. */
export function findModuleDir(file: string): string | undefined {
  let dir = path.dirname(file);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'go.mod'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

async function findWorkspaceModules(): Promise<string[]> {
  const uris = await vscode.workspace.findFiles('**/go.mod', '{**/vendor/**,**/testdata/**,**/node_modules/**,**/.cache/**}', 200);
  return [...new Set(uris.map((u) => path.dirname(u.fsPath)))].sort();
}

/** unsavedGoBuffers: dirty Go documents inside the module, by absolute path (the -overlay input). */
function unsavedGoBuffers(moduleDir: string): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const d of vscode.workspace.textDocuments) {
    if (d.isDirty && d.languageId === 'go' && d.uri.scheme === 'file' && d.uri.fsPath.startsWith(moduleDir + path.sep)) {
      out.set(d.uri.fsPath, d.getText());
    }
  }
  return out;
}
