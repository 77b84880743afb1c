// The hover of a changed site adds the other side of the last comparison (core hoverOtherSide);
// VS Code shows it with the site's own hover (hover.ts), so that adapter needs no change.
import * as vscode from 'vscode';
import { hoverOtherSide } from '../core/drift/report.ts';
import { siteAtPosition } from '../core/sites/siteAt.ts';
import type { DriftService } from './drift.ts';

export function registerDriftHover(drift: DriftService): vscode.Disposable {
  return vscode.languages.registerHoverProvider(
    { language: 'go', scheme: 'file' },
    {
      provideHover(doc, pos) {
        const d = drift.result;
        const changes = drift.changesForFile(doc.uri.fsPath);
        if (!d || changes.length === 0) return undefined;
        const heads = changes.map((c) => c.head!);
        const hit = siteAtPosition(heads, pos.line + 1, pos.character, doc.lineAt(pos.line).text.length);
        if (!hit) return undefined;
        const c = changes[heads.indexOf(hit.site)]!;
        const md = new vscode.MarkdownString();
        md.appendText('Go Heap Lens drift: ');
        md.appendMarkdown(hoverOtherSide(c, d.base).replace(/[<>]/g, ''));
        md.isTrusted = false;
        md.supportHtml = false;
        return new vscode.Hover(md, new vscode.Range(pos.line, hit.start, pos.line, hit.end));
      },
    },
  );
}
