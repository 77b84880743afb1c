// The Simulate Heap webview's HTML (the host, src/ui/panel.ts, fills in the URIs and the nonce).
// Pure, so test/unit/ui.test.ts checks the CSP directly: scripts only by nonce, styles and
// fonts only from the extension's own resource roots, no 'unsafe-inline'/'unsafe-eval',
// nothing remote. The charts are inline SVG built with DOM calls and coloured through
// attributes and classes, so they need no style-src exception either.

export interface PanelHtmlInput {
  /** webview.cspSource */
  readonly cspSource: string;
  /** asWebviewUri(dist/webview.js) */
  readonly scriptUri: string;
  /** asWebviewUri(media/panel.css) */
  readonly styleUri: string;
  /** 128 random bits, base64 (crypto.randomBytes(16)). */
  readonly nonce: string;
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** sha256 of the empty string, base64: the CSP hash that admits only an empty inline style. */
export const emptyStyleHash = 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    // The toolkit (FAST) probes :focus-visible support with an EMPTY <style> element; this hash
    // allows exactly the empty stylesheet and nothing else (no 'unsafe-inline').
    `style-src ${cspSource} '${emptyStyleHash}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function panelHtml(i: PanelHtmlInput): string {
  if (!/^[A-Za-z0-9+/]{16,}={0,2}$/.test(i.nonce)) throw new Error('panelHtml: the nonce must be base64 of ≥ 12 random bytes');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(i.cspSource, i.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(i.styleUri)}">
<title>Simulate Heap</title>
</head>
<body>
<main id="app" aria-busy="true"><p id="boot">Loading the heap simulator…</p></main>
<script nonce="${attr(i.nonce)}" src="${attr(i.scriptUri)}"></script>
</body>
</html>`;
}
