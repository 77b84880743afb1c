// Inline hints: after-line text on each allocating line of visible Go editors, one per line
// (core lineHints: a busy line gets a summary, the hover has the details). One decoration
// type per kind, created once, coloured through themable ThemeColors (package.json colors).
// Hints of a document are cleared on its first edit and restored when a re-analysis lands.
import * as vscode from 'vscode';
import { filterSites, lineHints, type HintKind } from '../core/sites/present.ts';
import type { AnalysisService } from './analysis.ts';
import { readSettings } from './config.ts';
import type { ProfileService } from './profile.ts';

export class InlineHints implements vscode.Disposable {
  private readonly types: Record<HintKind, vscode.TextEditorDecorationType>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly service: AnalysisService,
    private readonly profiles?: ProfileService,
    /** Per line, a hint that replaces the ordinary one (a changed site of the last comparison: ui/drift.ts). */
    private readonly overrides: (file: string) => ReadonlyMap<number, string> = () => new Map(),
  ) {
    const make = (color: string): vscode.TextEditorDecorationType =>
      vscode.window.createTextEditorDecorationType({
        after: { color: new vscode.ThemeColor(color), margin: '0 0 0 2em', fontStyle: 'italic' },
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      });
    this.types = {
      heap: make('goHeap.heapHintForeground'),
      tiny: make('goHeap.tinyHintForeground'),
      large: make('goHeap.largeHintForeground'),
      stack: make('goHeap.stackHintForeground'),
    };
    this.disposables.push(
      ...Object.values(this.types),
      service.onDidChange(() => this.renderAll()),
      ...(profiles ? [profiles.onDidChange(() => this.renderAll())] : []),
      vscode.window.onDidChangeVisibleTextEditors(() => this.renderAll()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('goHeap.display')) this.renderAll();
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0) return;
        for (const ed of vscode.window.visibleTextEditors) if (ed.document === e.document) this.clear(ed);
      }),
    );
    this.renderAll();
  }

  private clear(ed: vscode.TextEditor): void {
    for (const t of Object.values(this.types)) ed.setDecorations(t, []);
  }

  renderAll(): void {
    for (const ed of vscode.window.visibleTextEditors) this.render(ed);
  }

  private render(ed: vscode.TextEditor): void {
    if (ed.document.languageId !== 'go' || ed.document.uri.scheme !== 'file') return;
    const display = readSettings(ed.document.uri).display;
    if (!display.inlineHints) return this.clear(ed);
    const sites = filterSites(this.service.sitesForFile(ed.document.uri.fsPath), display);
    // Sites that allocate nothing get a hint only when every site is shown (escapingOnly off).
    const out: Record<HintKind, vscode.DecorationOptions[]> = { heap: [], tiny: [], large: [], stack: [] };
    const changed = this.overrides(ed.document.uri.fsPath);
    for (const h of lineHints(sites, !display.escapingOnly)) {
      if (h.line < 1 || h.line > ed.document.lineCount) continue;
      const end = ed.document.lineAt(h.line - 1).range.end;
      // With a heap profile loaded the hint leads with the line's measured share (`23 % · ⇡ 24→32 B c3 scan`);
      // a changed site of the last comparison replaces the ordinary hint.
      const text = (this.profiles?.hintPrefix(ed.document.uri.fsPath, h.line) ?? '') + (changed.get(h.line) ?? h.text);
      out[h.kind].push({ range: new vscode.Range(end, end), renderOptions: { after: { contentText: text } } });
    }
    for (const k of Object.keys(out) as HintKind[]) ed.setDecorations(this.types[k], out[k]);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
