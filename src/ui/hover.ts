// Hover for allocation sites. The markdown is built in core (present.ts); this adapter only
// wraps it, trusting exactly one command: the reveal used by flow-step links.
import * as vscode from 'vscode';
import { hoverMarkdown } from '../core/sites/present.ts';
import type { AnalysisService } from './analysis.ts';
import { commandIds } from '../protocol/manifest.ts';
import { siteAtPosition, sitesAtSameColumn } from '../core/sites/siteAt.ts';
import type { ProfileService } from './profile.ts';

export function registerHover(service: AnalysisService, profiles?: ProfileService): vscode.Disposable {
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
          // A loaded heap profile's figures lead (profile.ts): what the site cost before what it is.
          const measured = profiles?.hoverMarkdown(s);
          const md = new vscode.MarkdownString(
            `${measured ? `${measured}\n\n` : ''}${hoverMarkdown(s, { revealCommand: commandIds.revealPosition })}`,
          );
          md.isTrusted = { enabledCommands: [commandIds.revealPosition] };
          md.supportHtml = false;
          return md;
        });
        return new vscode.Hover(parts, new vscode.Range(pos.line, hit.start, pos.line, hit.end));
      },
    },
  );
}
