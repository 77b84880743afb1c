// The hover check of the hostile-text tests (test/unit/hostile-text.test.ts, test/integration/hostile-fixture.test.ts):
// a site's hover rendered with markdown-it (html enabled, the worst case; VS Code hovers additionally set
// supportHtml=false) must be inert, with the compiler's text shown literally.
import assert from 'node:assert/strict';
import { hoverMarkdown } from '../../src/core/sites/present.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';

// markdown-it is what vsce renders READMEs with (installed with @vscode/vsce); typed minimally here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it') as new (o: object) => { render(s: string): string };
const md = new MarkdownIt({ html: true, linkify: false });

const reveal = 'goHeap.revealPosition';

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** checkHover renders one site's hover and checks that it is inert and literal. */
export function checkHover(site: AllocationSite, literal: readonly string[]): void {
  const src = hoverMarkdown(site, { revealCommand: reveal });
  // In the markdown source, the only unescaped `command:` URIs are ours.
  for (const m of src.matchAll(/(?<!\\)command:([^?)\s]*)/g)) assert.equal(m[1], reveal, `foreign command link in:\n${src}`);
  const html = md.render(src);
  const tags = [...html.matchAll(/<([a-z][a-z0-9-]*)\b[^>]*>/gi)].map((m) => m[1]!.toLowerCase());
  const allowed = new Set([
    'p',
    'strong',
    'em',
    'code',
    'a',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'ul',
    'ol',
    'li',
    'hr',
    'br',
    'pre',
  ]);
  for (const t of tags) assert.ok(allowed.has(t), `<${t}> rendered from compiler text:\n${html}`);
  for (const m of html.matchAll(/<a\s[^>]*href="([^"]*)"/g))
    assert.ok(decodeEntities(m[1]!).startsWith(`command:${reveal}?`), `link ${m[1]}`);
  // Attributes: only an anchor's href (checked above); `onerror=` etc. may appear only as text.
  for (const m of html.matchAll(/<([a-z][a-z0-9-]*)\b([^>]*)>/gi)) {
    assert.ok(
      m[2]!.trim() === '' || (m[1] === 'a' && /^\s*href="[^"]*"\s*$/.test(m[2]!)) || /^\s*(start|style)="[^"]*"\s*$/.test(m[2]!),
      `attributes ${m[0]}`,
    );
  }
  const text = decodeEntities(html.replace(/<[^>]*>/g, ''));
  for (const l of literal) assert.ok(text.includes(l), `"${l}" is not shown literally in:\n${text}`);
}
