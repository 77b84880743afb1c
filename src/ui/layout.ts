// Layout advice in the editor: after each analysis, the type-facts helper's -layout run of the
// analysed modules and the pure advisor (core/layout) over the analysis's sites give one
// Information diagnostic (code goHeap.layout) on each advised struct's name, a quick fix
// (quickfix + refactor.rewrite) that runs the helper's rewrite, hover text on the struct and on
// its heap sites, and the Layout group of the Heap view. Only in a trusted workspace (it spawns).
import * as vscode from 'vscode';
import { parseGoExperiment, rulesFor } from '../core/alloc/versions.ts';
import { advise } from '../core/layout/advise.ts';
import { layoutFixLine, layoutSummary } from '../core/layout/present.ts';
import { layoutTreeGroup } from '../core/layout/tree.ts';
import type { LayoutAdvice } from '../core/layout/types.ts';
import type { HeapTreeNode } from '../core/sites/present.ts';
import { goEnv, type RunGoOptions } from '../toolchain/go.ts';
import { layoutFacts, rewriteLayouts, type LayoutFacts } from '../toolchain/layout.ts';
import type { AnalysisService } from './analysis.ts';
import type { Log } from './log.ts';
import { readLayoutMinSaving, readSettings } from './config.ts';
import { canSpawn } from './trust.ts';

export const layoutDiagnosticCode = 'goHeap.layout';
/** Runs the fix of one advised type: arguments { file, name } (the code action passes them). */
export const applyLayoutFixCommand = 'goHeap.applyLayoutFix';

interface ModuleFacts extends LayoutFacts {
  readonly goVersion: string;
}

export class LayoutAdvisor implements vscode.Disposable, vscode.CodeActionProvider, vscode.HoverProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix, vscode.CodeActionKind.RefactorRewrite];
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('goHeap.layout');
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private advice: LayoutAdvice[] = [];
  private readonly facts = new Map<string, ModuleFacts>();
  private generation = 0;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly service: AnalysisService,
    private readonly log: Log,
  ) {
    this.disposables.push(
      this.diagnostics,
      this.changed,
      service.onDidChange(() => void this.refresh()),
      vscode.languages.registerCodeActionsProvider({ language: 'go', scheme: 'file' }, this, {
        providedCodeActionKinds: LayoutAdvisor.providedCodeActionKinds,
      }),
      vscode.languages.registerHoverProvider({ language: 'go', scheme: 'file' }, this),
      vscode.commands.registerCommand(applyLayoutFixCommand, (arg: unknown) => this.applyFix(arg)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('goHeap.display.layoutAdvice')) void this.refresh();
      }),
    );
  }

  /** runOptions: how the analysis runs go (the configured binary, environment and build tags), so the helper sees the same build. */
  private runOptions(cwd: string): RunGoOptions & { buildTags: readonly string[] } {
    const settings = readSettings(vscode.Uri.file(cwd)).analysis;
    return {
      cwd,
      env: { ...settings.env },
      buildTags: [...settings.buildTags],
      onCommand: (argv, dir) => this.log.command(argv, dir),
      ...(settings.goBinary ? { goBinary: settings.goBinary } : {}),
    };
  }

  /** All advice, for the Heap view's Layout group and the tests. */
  all(): readonly LayoutAdvice[] {
    return this.advice;
  }

  treeGroup(): HeapTreeNode[] {
    const g = layoutTreeGroup(this.advice);
    return g ? [g] : [];
  }

  /** refresh: the helper's facts of each analysed module (again), then the advice over the current sites. */
  async refresh(): Promise<void> {
    const latest = this.service.latest();
    const bar = readLayoutMinSaving();
    if (bar === 'off') {
      this.advice = [];
      this.publish();
      this.changed.fire();
      return;
    }
    if (!latest || !canSpawn()) return;
    const gen = ++this.generation;
    const structs = [];
    const uses = [];
    try {
      for (const mod of latest.modules) {
        const run = this.runOptions(mod);
        const e = await goEnv(run);
        const f = await layoutFacts({ ...run, goVersion: e.GOVERSION, arch: latest.arch || e.GOARCH });
        this.facts.set(mod, { ...f, goVersion: e.GOVERSION });
        structs.push(...f.structs);
        uses.push(...f.uses);
      }
    } catch (e) {
      this.log.info('layout', `layout facts failed: ${(e as Error).message}`);
      return;
    }
    if (gen !== this.generation) return;
    const rules = rulesFor(latest.goVersion, latest.arch, parseGoExperiment(latest.experiments));
    this.advice = [
      ...advise(structs, uses, this.service.allSites(), rules, { minSaving: bar === 'anyPadding' ? 'padding' : 'class' }).types,
    ];
    this.publish();
    this.changed.fire();
  }

  private publish(): void {
    this.diagnostics.clear();
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const a of this.advice) {
      const range = new vscode.Range(a.line - 1, a.column - 1, a.line - 1, a.column - 1 + a.name.length);
      const d = new vscode.Diagnostic(range, `${a.name}: ${layoutSummary(a)}. ${layoutFixLine(a)}`, vscode.DiagnosticSeverity.Information);
      d.code = layoutDiagnosticCode;
      d.source = 'Go Heap Lens';
      byFile.set(a.file, [...(byFile.get(a.file) ?? []), d]);
    }
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
  }

  private adviceAt(file: string, line0: number): LayoutAdvice | undefined {
    return this.advice.find((a) => a.file === file && a.line - 1 === line0);
  }

  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range | vscode.Selection): vscode.CodeAction[] {
    const a = this.adviceAt(doc.uri.fsPath, range.start.line);
    if (!a || a.fix !== 'ok') return [];
    const diag = this.diagnostics.get(doc.uri)?.find((d) => d.range.start.line === range.start.line);
    const title = `Reorder the fields of ${a.name}: ${layoutSummary(a)}`;
    const make = (kind: vscode.CodeActionKind): vscode.CodeAction => {
      const action = new vscode.CodeAction(title, kind);
      action.command = { command: applyLayoutFixCommand, title, arguments: [{ file: a.file, name: a.name }] };
      if (diag) action.diagnostics = [diag];
      if (kind === vscode.CodeActionKind.QuickFix) action.isPreferred = true;
      return action;
    };
    return [make(vscode.CodeActionKind.QuickFix), make(vscode.CodeActionKind.RefactorRewrite)];
  }

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const file = doc.uri.fsPath;
    const lines: { head: string; text: string }[] = [];
    const onType = this.adviceAt(file, pos.line);
    if (onType) {
      lines.push({ head: 'Layout', text: `${onType.name}: ${layoutSummary(onType)}` }, { head: '', text: layoutFixLine(onType) });
      for (const h of onType.hints) lines.push({ head: 'hint', text: h });
    }
    for (const a of this.advice) {
      if (a === onType) continue;
      for (const s of a.sites) {
        if (s.file !== file || s.line - 1 !== pos.line) continue;
        const each = s.elements > 1 ? ` (×${s.elements}: slot ${s.slotBytesBefore} → ${s.slotBytesAfter} B)` : '';
        lines.push({ head: 'Layout', text: `${a.name} ${layoutSummary(a)}${each}` });
      }
    }
    if (lines.length === 0) return undefined;
    // Compiler- and source-derived text goes in as text, never as markdown.
    const md = new vscode.MarkdownString();
    md.isTrusted = false;
    md.supportHtml = false;
    for (const l of lines) {
      if (l.head) md.appendMarkdown(`**${l.head}** `);
      md.appendText(l.text);
      md.appendMarkdown('\n\n');
    }
    return new vscode.Hover(md);
  }

  /** applyFix: the helper rewrites the struct in the saved file; the edit goes through a WorkspaceEdit (undoable), then re-analysis. */
  async applyFix(arg: unknown): Promise<boolean> {
    const o = arg as { file?: unknown; name?: unknown } | undefined;
    const a = this.advice.find((x) => x.file === o?.file && x.name === o?.name);
    if (!a) {
      void vscode.window.showWarningMessage('Go Heap Lens: no layout advice for that type (analyse again).');
      return false;
    }
    if (a.fix !== 'ok') {
      void vscode.window.showWarningMessage(`Go Heap Lens: ${a.name}: ${layoutFixLine(a)}`);
      return false;
    }
    const uri = vscode.Uri.file(a.file);
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.isDirty) await doc.save();
    const mod = [...this.facts.entries()].find(([m]) => a.file.startsWith(m))?.[1];
    const run = this.runOptions(vscode.Uri.joinPath(uri, '..').fsPath);
    const out = await rewriteLayouts([a], { ...run, goVersion: mod?.goVersion ?? 'go' });
    const r = out.results[0];
    const content = out.contents.get(a.file);
    if (!r || r.status !== 'ok' || content === undefined) {
      void vscode.window.showWarningMessage(`Go Heap Lens: ${a.name} not rewritten: ${r?.reason ?? 'nothing changed'}`);
      return false;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), content);
    if (!(await vscode.workspace.applyEdit(edit))) return false;
    await doc.save();
    this.log.info('layout', `reordered ${a.name} in ${a.file}`);
    await this.service.analyzePackage(a.file);
    return true;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
