// Host side of the Simulate Heap webview (protocol: src/protocol/messages.ts).
//
// The simulation runs here, in the extension host, not in the webview: the simulator is the
// same bundled core the CLI runs (one implementation, one set of input checks), the webview
// stays a renderer that cannot be fed a model it did not validate, and a run can use the
// analysed sites' exact request sizes without shipping them through the page first. Runs are
// sliced (a batch of steps per macrotask, src/protocol/simRunner.ts) so the host stays
// responsive, and a newer run or a `cancel` stops the older one.
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { maxGoMinor, minGoMinor } from '../core/alloc/versions.ts';
import { notSimulatedText, siteCounts } from '../core/sites/present.ts';
import type { AllocationSite } from '../core/sites/site.ts';
import {
  isWebviewToHost,
  limits,
  protocolVersion,
  type HostToWebview,
  type PanelSnapshot,
  type SimSettings,
  type WebviewToHost,
} from '../protocol/messages.ts';
import { panelHtml } from '../protocol/panelHtml.ts';
import { runSimulation } from '../protocol/simRunner.ts';
import { workloadSites } from '../protocol/snapshot.ts';
import type { AnalysisService } from './analysis.ts';
import { commandIds, panelViewType } from '../protocol/manifest.ts';
import type { Log } from './log.ts';
import type { ProfileService } from './profile.ts';
import { replayRows } from '../protocol/replay.ts';
import { measuredPicture } from '../protocol/measuredPicture.ts';
import { siteId } from '../core/sites/present.ts';

export class SimulatePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private runAbort: AbortController | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private siteIndex = new Map<string, AllocationSite>();
  private ready = false;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly service: AnalysisService,
    private readonly log: Log,
    private readonly profiles?: ProfileService,
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(panelViewType, {
        deserializeWebviewPanel: async (panel) => {
          // The page restores its own inputs from getState; the host re-sends the current sites.
          this.attach(panel);
        },
      }),
      service.onDidChange(() => {
        if (this.panel && this.ready) this.postInit();
      }),
      ...(profiles
        ? [
            profiles.onDidChange(() => {
              if (this.panel && this.ready) this.postInit();
            }),
          ]
        : []),
    );
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside);
      return;
    }
    const panel = vscode.window.createWebviewPanel(panelViewType, 'Simulate Heap', vscode.ViewColumn.Beside, this.options());
    this.attach(panel);
  }

  private options(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = false;
    const webview = panel.webview;
    webview.options = this.options();
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'heap.svg');
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: crypto.randomBytes(16).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css')).toString(),
    });
    const subs = [
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => {
        this.runAbort?.abort();
        this.panel = undefined;
        for (const s of subs) s.dispose();
      }),
    ];
  }

  private post(m: HostToWebview): void {
    void this.panel?.webview.postMessage(m);
  }

  private postInit(): void {
    const { rows, byId, leftOff } = workloadSites(this.service.allSites());
    this.siteIndex = byId;
    const latest = this.service.latest();
    const goVersions: string[] = [];
    for (let m = maxGoMinor; m >= minGoMinor; m--) goVersions.push(`1.${m}`);
    const settings: SimSettings = {
      go: latest?.goVersion.replace(/^go/, '').split('.').slice(0, 2).join('.') ?? goVersions[0]!,
      procs: 1,
      gogc: 100,
    };
    const join = this.profiles?.join;
    const origin = this.profiles?.origin;
    const replay =
      join && origin ? replayRows(join.sites, new Set(byId.keys()), origin.kind === 'file' ? 'the profile' : origin.label) : undefined;
    const picture =
      join && origin
        ? measuredPicture(
            join.sites,
            origin.kind === 'file' ? (origin.label.split(/[\\/]/).pop() ?? origin.label) : origin.label,
            join.summary.totalBytes,
          )
        : undefined;
    this.post({
      type: 'init',
      ...(replay ? { replay } : {}),
      ...(picture ? { picture } : {}),
      v: protocolVersion,
      sites: rows,
      settings,
      goVersions,
      arch: latest?.arch ?? 'amd64',
      source: latest
        ? `${rows.length} heap sites of known size from the last analysis (go${latest.goVersion.replace(/^go/, '')} ${latest.arch})` +
          notSimulatedText(siteCounts(this.service.allSites())) +
          (leftOff
            ? `; ${leftOff} more not listed (the first ${rows.length} of ${rows.length + leftOff}: a run takes at most ${limits.maxRows} rows)`
            : '')
        : 'no analysis yet: add rows by analysing a Go module',
    });
  }

  private onMessage(raw: unknown): void {
    if (!isWebviewToHost(raw)) {
      this.log.warn('panel', `ignored an invalid message from the webview: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    const m: WebviewToHost = raw;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.postInit();
        return;
      case 'cancel':
        this.runAbort?.abort();
        return;
      case 'reveal': {
        // A site of the measured picture may be one the workload has no row for (its size is known only at run time).
        const s = this.siteIndex.get(m.siteId) ?? this.profiles?.join?.sites.find((x) => siteId(x.site) === m.siteId)?.site;
        if (s)
          void vscode.commands.executeCommand(commandIds.revealPosition, { file: s.file, line: s.line, column: s.column, base: s.file });
        return;
      }
      case 'run':
        void this.run(m);
        return;
    }
  }

  private async run(m: Extract<WebviewToHost, { type: 'run' }>): Promise<void> {
    this.runAbort?.abort();
    const ac = new AbortController();
    this.runAbort = ac;
    const arch = this.service.latest()?.arch ?? 'amd64';
    try {
      await runSimulation({
        settings: m.settings,
        arch,
        rows: m.rows,
        gcAtEnd: m.gcAtEnd,
        sites: this.siteIndex,
        signal: ac.signal,
        yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
        onBatch: (batch: PanelSnapshot[], done: boolean) =>
          this.post({ type: 'snapshots', v: protocolVersion, runId: m.runId, batch, done }),
      });
    } catch (e) {
      if (ac.signal.aborted) return;
      const message = e instanceof Error ? e.message : String(e);
      this.log.error('panel', `simulation failed: ${message}`);
      this.post({ type: 'error', v: protocolVersion, message, runId: m.runId });
    }
  }

  dispose(): void {
    this.runAbort?.abort();
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
