// Host side of the Upgrade Report webview (protocol: src/protocol/driftReport.ts): sends the last
// comparison's report model, and reveals a site the page's table links to.
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { upgradeModel } from '../core/drift/upgradeModel.ts';
import {
  driftReportHtml,
  driftReportProtocol,
  driftReportViewType,
  isDriftReportToHost,
  type HostToDriftReport,
} from '../protocol/driftReport.ts';
import type { DriftService } from './drift.ts';
import { revealPosition } from './reveal.ts';

export class DriftPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly drift: DriftService,
  ) {
    this.disposables.push(drift.onDidChange(() => this.post()));
  }

  /** show: the report of the last comparison; `compare` runs one first when there is none or an argument asks for one. */
  async show(arg: unknown, compare: (arg: unknown) => Promise<unknown>): Promise<void> {
    if (arg !== undefined || !this.drift.result) await compare(arg);
    if (!this.drift.result) return;
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside);
      this.post();
      return;
    }
    const panel = vscode.window.createWebviewPanel(driftReportViewType, 'Upgrade Report', vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    });
    this.panel = panel;
    this.ready = false;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'heap.svg');
    panel.webview.html = driftReportHtml({
      cspSource: panel.webview.cspSource,
      nonce: crypto.randomBytes(16).toString('base64'),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'driftReport.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'driftReport.css')).toString(),
    });
    panel.webview.onDidReceiveMessage((m: unknown) => {
      if (!isDriftReportToHost(m)) return;
      if (m.type === 'ready') {
        this.ready = true;
        this.post();
      } else void revealPosition({ file: m.file, line: m.line });
    });
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.ready = false;
    });
  }

  private post(): void {
    const d = this.drift.result;
    if (!this.panel || !this.ready || !d) return;
    const msg: HostToDriftReport = { v: driftReportProtocol, type: 'report', model: upgradeModel(d, this.drift.displayRoot()) };
    void this.panel.webview.postMessage(msg);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
