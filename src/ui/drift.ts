// Heap drift in the editor: Go Heap: Compare with Go Version…, Compare with Git Ref… and Upgrade
// Report…. A comparison runs both sides the way the CLI's `diff` does (toolchain/baseDiff.ts) and
// keeps the result; the Heap view shows it as a Changes group, hints mark changed sites
// (hintOverrides), the hover adds the other side (driftHover.ts) and the report panel charts it
// (driftPanel.ts). Every command takes its answer as an argument too ({ version, goroot? },
// { ref }), so a keybinding or a test runs it without a dialog.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { maxGoMinor, minGoMinor, parseGoVersion } from '../core/alloc/versions.ts';
import { diffAnalyses, type DriftResult, type SiteChange } from '../core/drift/changes.ts';
import { changedHint, sideName } from '../core/drift/report.ts';
import { changesTree } from '../core/drift/tree.ts';
import type { HeapTreeNode } from '../core/sites/tree.ts';
import type { AnalyzeOptions } from '../toolchain/analyze.ts';
import { compareBaseRef, compareGoVersions, type DiffSides } from '../toolchain/baseDiff.ts';
import { readSettings } from './config.ts';
import type { Log } from './log.ts';
import { canSpawn } from './trust.ts';

export interface GoVersionArgs {
  readonly version: string;
  readonly goroot?: string;
}

export interface GitRefArgs {
  readonly ref: string;
}

export function goVersionArgs(a: unknown): GoVersionArgs | undefined {
  if (typeof a === 'string') return { version: a };
  const o = a as Partial<GoVersionArgs> | null;
  if (o && typeof o === 'object' && typeof o.version === 'string' && (o.goroot === undefined || typeof o.goroot === 'string'))
    return { version: o.version, ...(o.goroot ? { goroot: o.goroot } : {}) };
  return undefined;
}

export function gitRefArgs(a: unknown): GitRefArgs | undefined {
  if (typeof a === 'string') return { ref: a };
  const o = a as Partial<GitRefArgs> | null;
  return o && typeof o === 'object' && typeof o.ref === 'string' && o.ref !== '' ? { ref: o.ref } : undefined;
}

export class DriftService implements vscode.Disposable {
  private current: { result: DriftResult; root: string; byFile: Map<string, SiteChange[]> } | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a comparison lands or is cleared. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly extensionPath: string,
    private readonly log: Log,
  ) {}

  get result(): DriftResult | undefined {
    return this.current?.result;
  }

  get root(): string {
    return this.current?.root ?? '';
  }

  /** The Heap view's Changes group (none before a comparison). */
  treeRoots(): HeapTreeNode[] {
    return this.current ? changesTree(this.current.result, this.current.root) : [];
  }

  /** Changes whose head site is in `file` (the hover and the hints read them). */
  changesForFile(file: string): readonly SiteChange[] {
    return this.current?.byFile.get(file) ?? [];
  }

  /** hintOverrides: per line of `file`, the changed hint that replaces the ordinary one. */
  hintOverrides(file: string): Map<number, string> {
    const out = new Map<number, string>();
    if (!this.current) return out;
    for (const c of this.changesForFile(file))
      if (c.head && !out.has(c.head.line)) out.set(c.head.line, changedHint(c, this.current.result.base));
    return out;
  }

  private folder(): string | undefined {
    const active = vscode.window.activeTextEditor?.document.uri;
    const f = (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
    return f?.uri.fsPath;
  }

  private options(dir: string, signal: AbortSignal): { opts: AnalyzeOptions; env: Record<string, string> } {
    const s = readSettings(vscode.Uri.file(dir)).analysis;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    Object.assign(env, s.env);
    const opts: AnalyzeOptions = {
      dir,
      packages: [...s.packages],
      buildFlags: [...s.buildFlags],
      buildTags: [...s.buildTags],
      includeTests: s.includeTests,
      signal,
      env,
      onCommand: (argv, cwd) => this.log.command(argv, cwd),
      ...(s.goBinary ? { goBinary: s.goBinary } : {}),
      ...(s.arch ? { arch: s.arch } : {}),
    };
    return { opts, env };
  }

  private async run(title: string, make: (dir: string, signal: AbortSignal) => Promise<DiffSides>): Promise<DriftResult | undefined> {
    if (!canSpawn()) {
      void vscode.window.showWarningMessage('Go Heap Lens: comparing runs go; trust the workspace first.');
      return undefined;
    }
    const dir = this.folder();
    if (!dir) {
      void vscode.window.showWarningMessage('Go Heap Lens: open a folder with a Go module to compare.');
      return undefined;
    }
    try {
      const sides = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Go Heap: ${title}`, cancellable: true },
        (_p, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort(new Error('cancelled')));
          return make(dir, abort.signal);
        },
      );
      for (const n of sides.notes) this.log.info('drift', n);
      const result = diffAnalyses(sides.base.sites, sides.head.sites, { base: sides.baseSide, head: sides.headSide });
      const byFile = new Map<string, SiteChange[]>();
      for (const c of result.changes) {
        if (!c.head) continue;
        const list = byFile.get(c.head.file) ?? [];
        list.push(c);
        byFile.set(c.head.file, list);
      }
      this.current = { result, root: dir, byFile };
      this.changed.fire();
      const note = [result.base, result.head].find((s) => s.modelOnly)?.note;
      void vscode.window.showInformationMessage(
        `Go Heap: ${result.changes.length} changed site${result.changes.length === 1 ? '' : 's'} vs ${sideName(result.base)}` +
          `${note ? ` — ${note}` : ''}${sides.baseFailed ? ' (the base did not build fully: see the log)' : ''}`,
      );
      return result;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.log.info('drift', `comparison failed: ${msg}`);
      void vscode.window.showErrorMessage(`Go Heap Lens: ${msg}`);
      return undefined;
    }
  }

  async compareWithGoVersion(arg?: unknown): Promise<DriftResult | undefined> {
    let a = goVersionArgs(arg);
    if (!a) {
      const picks: string[] = [];
      for (let m = maxGoMinor; m >= minGoMinor; m--) picks.push(`1.${m}`);
      const v = await vscode.window.showQuickPick(picks, { title: 'Go Heap: compare the heap with Go version…' });
      if (!v) return undefined;
      a = { version: v };
    }
    let minor: number;
    try {
      minor = parseGoVersion(a.version);
    } catch (e) {
      void vscode.window.showErrorMessage(`Go Heap Lens: ${(e as Error).message}`);
      return undefined;
    }
    const goroots = a.goroot ? [a.goroot] : [];
    return this.run(`compiling with go1.${minor}`, (dir, signal) => {
      const { opts, env } = this.options(dir, signal);
      return compareGoVersions([minor, undefined], goroots, opts, env, this.extensionPath);
    });
  }

  async compareWithGitRef(arg?: unknown): Promise<DriftResult | undefined> {
    let a = gitRefArgs(arg);
    if (!a) {
      const ref = await vscode.window.showInputBox({
        title: 'Go Heap: compare the heap with git ref…',
        value: 'HEAD',
        prompt: 'A branch, tag or commit',
      });
      if (!ref) return undefined;
      a = { ref };
    }
    const ref = a.ref;
    return this.run(`analysing ${ref}`, (dir, signal) => {
      const { opts, env } = this.options(dir, signal);
      return compareBaseRef(ref, opts, env);
    });
  }

  /** The module root that relative paths in the report are shown from. */
  displayRoot(): string {
    return this.current ? path.resolve(this.current.root) : '';
  }

  dispose(): void {
    this.changed.dispose();
  }
}
