// Hover for allocation sites. The markdown is built in core (present.ts); this adapter only
// wraps it, trusting exactly one command: the reveal used by flow-step links.
import * as vscode from 'vscode';
import { hoverMarkdown } from '../core/sites/present.ts';
import type { AnalysisService } from './analysis.ts';
import { commandIds } from '../protocol/manifest.ts';
import { siteAtPosition, sitesAtSameColumn } from '../core/sites/siteAt.ts';

export function registerHover(service: AnalysisService): vscode.Disposable {
  return vscode.languages.registerHoverProvider(
    { language: 'go', scheme: 'file' },
    {
      provideHover(doc, pos) {
        const sites = service.sitesForFile(doc.uri.fsPath);
        if (sites.length === 0) return undefined;
        const lineText = doc.lineAt(pos.line).text;
        const hit = siteAtPosition(sites, pos.line + 1, pos.character, lineText.length);
        if (!hit) return undefined;
        const parts = sitesAtSameColumn(sites, hit.site).map((s) => {
          const md = new vscode.MarkdownString(hoverMarkdown(s, { revealCommand: commandIds.revealPosition }));
          md.isTrusted = { enabledCommands: [commandIds.revealPosition] };
          md.supportHtml = false;
          return md;
        });
        return new vscode.Hover(parts, new vscode.Range(pos.line, hit.start, pos.line, hit.end));
      },
    },
  );
}
