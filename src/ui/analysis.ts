// The analysis service: when and how the pipeline (src/toolchain/analyze.ts) runs for the
// editor, and the results every other adapter reads.
//
//	- One run per Go module (the directory holding go.mod). A newer run of a module aborts the
//	  older one through its AbortSignal and starts once the older one has ended; runs of
//	  different modules proceed independently.
//	- Runs start when a Go file is first opened, when one is saved (debounced), and on the
//	  Analyze commands. Unsaved Go buffers of the module go to the compiler as an -overlay.
//	- A save re-analyses only the packages of the files saved within the debounce window and
//	  merges them into the module's last result (toolchain/reanalyze.ts, merge.ts): about one
//	  `go build` of those packages instead of the whole module. What it cannot see — callers in
//	  other packages that inline an edited function keep their old sites until the next full
//	  analysis — is why the status bar says how many packages were re-analysed since then.
//	  A save during a full run waits for it (on a large module a restart per save would never
//	  finish) and then re-analyses its packages, whose state the full run may predate; a save
//	  during a package run aborts it and re-runs the union of both runs' packages. The Analyze
//	  Workspace command always analyses whole modules.
//	  The session's AnalysisCache (toolchain/cache.ts) keeps `go env` answers between runs.
//	- The last good result of a module is kept when a run fails; errors are shown once per
//	  distinct message, with a "Show Log" button; every go argv + cwd goes to the log.
//	- In an untrusted workspace nothing is spawned (trust.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { maxGoMinor, minGoMinor } from '../core/alloc/versions.ts';
import { countsText, siteCounts } from '../core/sites/present.ts';
import type { AllocationSite } from '../core/sites/site.ts';
import type { AnalysisResult, AnalyzeOptions } from '../toolchain/analyze.ts';
import { AnalysisCache } from '../toolchain/cache.ts';
import { canMerge, mergePackageRun } from '../toolchain/merge.ts';
import { packagesOfFiles, reanalyzeSaved } from '../toolchain/reanalyze.ts';
import { commandIds, contextKeys } from '../protocol/manifest.ts';
import { readSettings } from './config.ts';
import { ignoredWhenRestricted, restrictedLoadOptions } from '../toolchain/goSettings.ts';
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
  /** The promise of each module's current run: a newer run waits for it after aborting it. */
  private readonly runDone = new Map<string, Promise<void>>();
  /** Files of the module's in-flight package run (a save path run); absent for a full run. */
  private readonly runningSaved = new Map<string, readonly string[]>();
  private readonly saveTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Files saved per module within the debounce window. */
  private readonly savedFiles = new Map<string, Set<string>>();
  /** Files saved while a full run of the module was in flight: re-analysed when it ends. */
  private readonly queuedSaves = new Map<string, Set<string>>();
  private readonly cache = new AnalysisCache();
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

  constructor(
    private readonly analyze: AnalyzeFn,
    private readonly log: Log,
  ) {
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
    const files = this.savedFiles.get(mod) ?? new Set<string>();
    files.add(doc.uri.fsPath);
    this.savedFiles.set(mod, files);
    const t = this.saveTimers.get(mod);
    if (t) clearTimeout(t);
    this.saveTimers.set(
      mod,
      setTimeout(() => {
        this.saveTimers.delete(mod);
        this.savedFiles.delete(mod);
        // A full run in flight: these packages go after it. A package run in flight is aborted
        // and its packages go along with these.
        if (this.running.has(mod) && !this.runningSaved.has(mod)) {
          const queued = this.queuedSaves.get(mod) ?? new Set<string>();
          for (const f of files) queued.add(f);
          this.queuedSaves.set(mod, queued);
          return;
        }
        void this.runModule(mod, 'save', undefined, undefined, undefined, [...(this.runningSaved.get(mod) ?? []), ...files]);
      }, saveDebounceMs),
    );
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
   * it still works but runs nothing (goSettings.ts restrictedLoadOptions): the Go version the output
   * came from is the caller's `pickedGoVersion`, the goVersion setting or the user's pick, and the
   * settings that would choose an executable, flags or environment are ignored with a message naming them.
   */
  async loadFromFile(file: string, dir: string, pickedGoVersion?: string): Promise<void> {
    if (canSpawn()) return this.runModule(dir, 'file', undefined, file);
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
    return this.runModule(dir, 'file', undefined, file, goVersion);
  }

  private async runModule(
    moduleDir: string,
    trigger: RunTrigger,
    packages?: string[],
    fromFile?: string,
    restrictedGoVersion?: string,
    saved?: readonly string[],
  ): Promise<void> {
    this.running.get(moduleDir)?.abort();
    const ac = new AbortController();
    this.running.set(moduleDir, ac);
    if (saved) this.runningSaved.set(moduleDir, saved);
    else this.runningSaved.delete(moduleDir);
    const previous = this.runDone.get(moduleDir);
    let done!: () => void;
    const thisRun = new Promise<void>((res) => {
      done = res;
    });
    this.runDone.set(moduleDir, thisRun);
    try {
      // Full and package runs of one module never overlap: the aborted run ends (its process
      // groups killed) before this one spawns anything.
      await previous;
      if (ac.signal.aborted) return;
      await this.runModuleNow(moduleDir, ac, trigger, packages, fromFile, restrictedGoVersion, saved);
    } finally {
      if (this.runningSaved.get(moduleDir) === saved) this.runningSaved.delete(moduleDir);
      if (this.runDone.get(moduleDir) === thisRun) this.runDone.delete(moduleDir);
      const current = this.running.get(moduleDir) === ac;
      if (current) {
        this.running.delete(moduleDir);
        this.updateStatus();
      }
      done();
      const queued = this.queuedSaves.get(moduleDir);
      if (current && !saved && queued) {
        this.queuedSaves.delete(moduleDir);
        void this.runModule(moduleDir, 'save', undefined, undefined, undefined, [...queued]);
      }
    }
  }

  private async runModuleNow(
    moduleDir: string,
    ac: AbortController,
    trigger: RunTrigger,
    packages?: string[],
    fromFile?: string,
    restrictedGoVersion?: string,
    saved?: readonly string[],
  ): Promise<void> {
    const settings = readSettings(vscode.Uri.file(moduleDir)).analysis;
    // The overlay captures the buffers as they are now; edits after this point stay invalidating.
    const editedAtStart = new Map([...this.editedSince].filter(([f]) => f.startsWith(moduleDir + path.sep)));
    const opts: AnalyzeOptions =
      restrictedGoVersion !== undefined && fromFile !== undefined
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
            cache: this.cache,
            onCommand: (argv, cwd) => this.log.command(argv, cwd),
            ...(settings.goBinary ? { goBinary: settings.goBinary } : {}),
            ...(settings.goVersion ? { goVersion: settings.goVersion } : {}),
            ...(settings.arch ? { arch: settings.arch } : {}),
            ...(fromFile ? { fromFile } : {}),
          };
    const savedPackages = saved ? packagesOfFiles(moduleDir, saved, opts.packages) : undefined;
    if (savedPackages?.patterns.length === 0) return; // nothing saved in a package the configuration covers
    const what = packages ?? savedPackages?.patterns;
    const runDirs = savedPackages?.dirs ?? packages?.map((p) => path.resolve(moduleDir, p));
    this.log.info(
      'analysis',
      `${trigger}: analyzing ${moduleDir}${what ? ` (${what.join(' ')})` : ''}${fromFile ? ` from ${fromFile}` : ''}`,
    );
    this.updateStatus();
    const location = trigger === 'save' ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification;
    // Cancelled from the progress notification, as opposed to superseded by a newer run: the user is told.
    let cancelledByUser = false;
    try {
      const result = await vscode.window.withProgress(
        { location, title: `Go Heap: analyzing ${path.basename(moduleDir)}`, cancellable: true },
        (_progress, token) => {
          token.onCancellationRequested(() => {
            cancelledByUser = true;
            ac.abort();
          });
          return this.analyzeFor(moduleDir, opts, packages, saved);
        },
      );
      if (ac.signal.aborted && cancelledByUser) this.tellCancelled(moduleDir);
      if (ac.signal.aborted || !result) return;
      // A merged package run refreshed only its own packages' files.
      const refreshed =
        result.reanalysed && runDirs ? new Map([...editedAtStart].filter(([f]) => runDirs.includes(path.dirname(f)))) : editedAtStart;
      this.accept(moduleDir, result, refreshed);
    } catch (e) {
      if (ac.signal.aborted) {
        this.log.info('analysis', `${moduleDir}: run cancelled`);
        if (cancelledByUser) this.tellCancelled(moduleDir);
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

  /**
   * analyzeFor: a save path run (the packages of `saved`, merged into the module's last result),
   * a package run of the Analyze Package command (merged the same way), or a full run.
   */
  private async analyzeFor(
    moduleDir: string,
    opts: AnalyzeOptions,
    packages: string[] | undefined,
    saved: readonly string[] | undefined,
  ): Promise<AnalysisResult | undefined> {
    const prev = this.results.get(moduleDir)?.result;
    if (saved) {
      const r = await reanalyzeSaved(this.analyze, opts, prev, saved);
      if (r)
        this.log.info(
          'analysis',
          r.full ? `${moduleDir}: analysed the whole module` : `${moduleDir}: re-analysed ${r.patterns.join(' ')} and merged`,
        );
      return r?.result;
    }
    const result = await this.analyze(packages ? { ...opts, singleModule: true } : opts);
    if (!packages || !prev || !canMerge(prev, result)) return result;
    return mergePackageRun(
      prev,
      result,
      packages.map((p) => path.resolve(moduleDir, p)),
    );
  }

  private accept(moduleDir: string, result: AnalysisResult, editedAtStart: ReadonlyMap<string, number>): void {
    this.log.info(
      'analysis',
      `${moduleDir}: go${result.goVersion.replace(/^go/, '')} ${result.arch}, ${result.sites.length} sites, ` +
        `${result.unparsed} unparsed lines, ${result.errors.length} errors, ${Math.round(result.durationMs)} ms`,
    );
    for (const u of result.unparsedLines.slice(0, 20)) this.log.warn('parse', `unparsed line ${u.line}: ${u.text}`);
    for (const err of result.errors) {
      this.log.error(
        'go',
        `${err.kind}${err.package ? ` ${err.package}` : ''}${err.file ? ` ${err.file}:${err.line ?? ''}` : ''}: ${err.message}`,
      );
    }
    const prev = this.results.get(moduleDir);
    if (result.errors.length > 0) {
      this.showErrorOnce(
        `Go Heap Lens: ${result.errors.length} error${result.errors.length === 1 ? '' : 's'} in ${path.basename(moduleDir)}: ` +
          `${result.errors[0]!.message.split('\n')[0]}`,
      );
    }
    // A failed build with nothing to show keeps the last good results (marked stale).
    if (result.sites.length === 0 && result.errors.length > 0 && prev) {
      this.results.set(moduleDir, { ...prev, stale: true });
      this.changed.fire();
      return;
    }
    const sites = result.sites;
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

  private tellCancelled(moduleDir: string): void {
    const kept = this.results.has(moduleDir) ? ': the previous results stay shown' : '';
    void vscode.window.showInformationMessage(`Go Heap Lens: analysis of ${path.basename(moduleDir)} cancelled${kept}.`);
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
      const reanalysed = [...this.results.values()].reduce((n, r) => n + (r.result.reanalysed?.dirs.length ?? 0), 0);
      const staleDirs = [...this.results.values()].flatMap((r) => r.result.reanalysed?.staleDirs ?? []);
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
    for (const ac of this.running.values()) ac.abort();
    for (const t of this.saveTimers.values()) clearTimeout(t);
    this.savedFiles.clear();
    this.queuedSaves.clear();
    for (const d of this.disposables) d.dispose();
  }
}

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
