// The Upgrade Report webview: its HTML (host fills in URIs and the nonce) and its messages. Same
// rules as the Simulate Heap panel (panelHtml.ts): scripts only by nonce, no inline styles, nothing
// remote; the page inserts every string as text.
import type { UpgradeModel } from '../core/drift/upgradeModel.ts';

export type { UpgradeModel };
import { contentSecurityPolicy } from './panelHtml.ts';

export const driftReportViewType = 'goHeap.upgradeReport';
export const driftReportProtocol = 1;

export type HostToDriftReport = { readonly v: 1; readonly type: 'report'; readonly model: UpgradeModel };
export type DriftReportToHost =
  { readonly v: 1; readonly type: 'ready' } | { readonly v: 1; readonly type: 'reveal'; readonly file: string; readonly line: number };

export function isDriftReportToHost(m: unknown): m is DriftReportToHost {
  if (!m || typeof m !== 'object') return false;
  const o = m as Record<string, unknown>;
  if (o['v'] !== driftReportProtocol) return false;
  if (o['type'] === 'ready') return Object.keys(o).length === 2;
  return (
    o['type'] === 'reveal' &&
    typeof o['file'] === 'string' &&
    typeof o['line'] === 'number' &&
    Number.isInteger(o['line']) &&
    (o['line'] as number) >= 1 &&
    Object.keys(o).length === 4
  );
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isStr(v: unknown): v is string {
  return typeof v === 'string';
}

/** isHostToDriftReport: the page checks what it renders (a stale or foreign message is dropped). */
export function isHostToDriftReport(m: unknown): m is HostToDriftReport {
  if (!m || typeof m !== 'object') return false;
  const o = m as Record<string, unknown>;
  if (o['v'] !== driftReportProtocol || o['type'] !== 'report') return false;
  const r = o['model'] as Record<string, unknown> | undefined;
  if (!r || !isStr(r['baseName']) || !isStr(r['headName']) || !isStr(r['summary'])) return false;
  if (!Array.isArray(r['notes']) || !r['notes'].every(isStr)) return false;
  if (!Array.isArray(r['classes']) || !Array.isArray(r['sites'])) return false;
  const classOk = (c: Record<string, unknown>) =>
    isStr(c['label']) && isNum(c['baseBytes']) && isNum(c['headBytes']) && isNum(c['baseSites']) && isNum(c['headSites']);
  const siteOk = (s: Record<string, unknown>) =>
    ['change', 'where', 'file', 'expr', 'before', 'after', 'why'].every((k) => isStr(s[k])) && isNum(s['line']) && isNum(s['deltaBytes']);
  return (r['classes'] as Record<string, unknown>[]).every(classOk) && (r['sites'] as Record<string, unknown>[]).every(siteOk);
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface DriftReportHtmlInput {
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly nonce: string;
}

export function driftReportHtml(i: DriftReportHtmlInput): string {
  if (!/^[A-Za-z0-9+/]{16,}={0,2}$/.test(i.nonce)) throw new Error('driftReportHtml: the nonce must be base64 of ≥ 12 random bytes');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(i.cspSource, i.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(i.styleUri)}">
<title>Upgrade Report</title>
</head>
<body>
<main id="report" aria-busy="true"><p id="boot">Comparing…</p></main>
<script nonce="${attr(i.nonce)}" src="${attr(i.scriptUri)}"></script>
</body>
</html>`;
}
