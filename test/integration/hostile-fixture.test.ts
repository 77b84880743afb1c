// Hardening (issue 6, item 2), the part that needs the real compiler: string literals of
// test/fixtures/hostile, compiled by go, show literally in hovers, hints and the Heap view, never as
// HTML, never as a link, and the only command a hover may run is ours. Crafted output with names Go
// refuses to build: test/unit/hostile-text.test.ts.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { heapTree, hintText } from '../../src/core/sites/present.ts';
import { analyzeWorkspace } from '../../src/toolchain/analyze.ts';
import { checkHover } from '../helpers/hover-check.ts';

const repo = join(__dirname, '..', '..');
const fixture = join(repo, 'test', 'fixtures', 'hostile');
const hasGo = spawnSync('go', ['version']).status === 0;

const hostileStrings = [
  `"<script>document.title='pwned'</script>"`,
  '"[click me](command:workbench.action.terminal.new)"',
  '"javascript:alert(1)//"',
  '"<img src=x onerror=alert(1)>"',
  '"`code` **bold** <b>b</b> | cell | ![i](https://example.invalid/p.png)"',
  '"&lt;script&gt; \\\\[escaped\\\\](command:x)"',
];

suite("hostile text from the user's code", () => {
  test('the fixture module, compiled by the real go: hovers, hints and tree show the literals and run nothing', async (t) => {
    if (!hasGo) return t.skip('go is not installed on this machine: the hostile fixture must be compiled by the real compiler');
    const r = await analyzeWorkspace({ dir: fixture, env: { GOTOOLCHAIN: 'local' } });
    assert.deepEqual(r.errors, []);
    assert.equal(r.unparsed, 0);
    for (const lit of hostileStrings) {
      const sites = r.sites.filter((s) => s.expr.includes(lit));
      assert.ok(sites.length > 0, `no site for ${lit}: ${r.sites.map((s) => s.expr).join('\n')}`);
      for (const s of sites) {
        checkHover(s, [lit]);
        assert.doesNotMatch(hintText(s), /[<>[\]`]/, 'hints carry no compiler text');
      }
    }
    // Tree items are plain-text labels (TreeItem.label is never markdown): the literal text is kept.
    const labels = heapTree(r.sites, 'package').flatMap(function all(n): string[] {
      return [n.label, n.description ?? '', ...n.children.flatMap(all)];
    });
    assert.ok(
      labels.some((l) => l.includes('<script>')),
      'the Heap view shows the literal, unescaped text',
    );
  });
});
