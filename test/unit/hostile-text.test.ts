// Hardening (issue 6, item 2): text that comes from the user's code — string literals inside the
// expressions the compiler prints, file names, package paths, flow steps — must show literally
// in hovers, hints, the Heap view and the webview, never as HTML, never as a link, and the only
// command a hover may run is ours. The hovers are rendered with markdown-it (html enabled, the
// worst case; VS Code hovers additionally set supportHtml=false) and checked as HTML.
// Here: crafted compiler output with names Go itself refuses to build (so only a hostile `go` or a
// loaded file can produce them), and the webview's source. test/fixtures/hostile compiled by the
// real go: test/integration/hostile-fixture.test.ts.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeWorkspace } from '../../src/toolchain/analyze.ts';
import { restrictedLoadOptions } from '../../src/toolchain/goSettings.ts';
import { checkHover } from '../helpers/hover-check.ts';

const repo = join(__dirname, '..', '..');

suite("hostile text from the user's code", () => {
  test('crafted output with names go refuses (HTML file names, markdown package paths, command: in steps)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-hostile-'));
    const file = '<img src=x onerror=alert(1)>.go';
    const out = [
      '# example.com/<script>alert(1)</script> [[x](command:evil)]',
      `./${file}:3:9: &T{...} escapes to heap in [f](command:workbench.action.terminal.new):`,
      `./${file}:3:9:   flow: {heap} ← &T{...}:`,
      `./${file}:3:9:     from &T{...} (spill) at ./[x](command:evil).go:1:1`,
      `./${file}:3:9:     from <script>alert(2)</script> (javascript:alert(3)) at ./${file}:3:2`,
      `./${file}:3:9: &T{...} escapes to heap`,
      `./${file}:4:2: moved to heap: javascript:alert(4)`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'out.txt'), out);
    writeFileSync(join(dir, file), 'package p\n\ntype T struct{ a [3]int }\nvar x = &T{}\n');
    try {
      const r = await analyzeWorkspace(restrictedLoadOptions(dir, 'out.txt', 'go1.26', undefined));
      assert.equal(r.unparsed, 0);
      assert.ok(r.sites.length >= 2, JSON.stringify(r.sites.map((s) => s.expr)));
      for (const s of r.sites) {
        checkHover(s, [s.expr]);
        assert.ok(s.file.endsWith(file), s.file);
      }
      const withSteps = r.sites.find((s) => s.reason.length > 0);
      assert.ok(withSteps, 'the explanation block is attached');
      checkHover(withSteps, ['<script>alert(2)</script>', 'javascript:alert(3)']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the webview never parses strings as HTML and never evaluates code (source check of webview/)', () => {
    const dir = join(repo, 'webview');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const src = readFileSync(join(dir, f), 'utf8');
      assert.doesNotMatch(
        src,
        /\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\(\s*['"]on|\.href\s*=/,
        f,
      );
    }
  });
});
