// Issue 16 in a real VS Code: opening a file of a large module shows its hints before the module
// is done, and the status bar counts packages while it builds. The module (300 packages, generated
// here into a temp dir, so nothing of it is in the build cache) is opened in code-server; the file
// is opened from the Explorer, which starts the analysis with that file's package first
// (src/toolchain/scheduler.ts). The status bar is sampled from inside the page from the start, so
// what is asserted is the order of what the page showed, not how long anything took.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import type { Page } from 'playwright-core';
import { write } from '../helpers/tempModule.ts';
import { afterText, cannotRun, openFile, openWorkbench, skipOrFail, type Workbench } from './harness.ts';

const reason = cannotRun();
const packages = 300;

declare const document: { querySelectorAll(s: string): Iterable<{ textContent: string | null }> };
declare const window: { __ghlStatus?: { at: number; text: string; hint: string }[]; setInterval(f: () => void, ms: number): void };
declare function getComputedStyle(e: unknown, pseudo: string): { content: string };

/**
 * A module of `packages` packages: p000 … p299, each importing the one before it (so the build is a
 * long chain no parallelism shortens), with enough functions that each compile takes a moment; and
 * the leaf package `aaa` that nothing imports, whose file the test opens.
 */
function generate(root: string): void {
  const nonce = randomBytes(6).toString('hex');
  const files: Record<string, string> = { 'go.mod': 'module example.com/big\n\ngo 1.21\n' };
  for (let i = 0; i < packages - 1; i++) {
    const name = `p${String(i).padStart(3, '0')}`;
    const prev = i > 0 ? `p${String(i - 1).padStart(3, '0')}` : undefined;
    const funcs = Array.from(
      { length: 12 },
      (_, k) =>
        `type T${k} struct{ a [${k + 1}]int; p *T${k}; s string }\n\nvar sink${k} *T${k}\n\n` +
        `func New${k}(n int) *T${k} {\n\tt := &T${k}{s: "${nonce}"}\n\tsink${k} = t\n\tb := make([]byte, n)\n\t_ = b\n\treturn t\n}\n`,
    ).join('\n');
    const use = prev ? `\nvar _ = ${prev}.New0\n` : '';
    files[`${name}/${name}.go`] = `package ${name}\n\n${prev ? `import "example.com/big/${prev}"\n\n` : ''}${funcs}${use}`;
  }
  files['aaa/focus.go'] =
    'package aaa\n\ntype Node struct {\n\tnext *Node\n\tval  [6]int\n}\n\nvar head *Node\n\nfunc Push(v int) {\n\thead = &Node{next: head}\n\thead.val[0] = v\n}\n';
  write(root, files);
}

suite('e2e: the open package first, results as packages finish', { timeout: 900_000 }, () => {
  if (reason) return skipOrFail(reason);

  let work: string;
  let wb: Workbench | undefined;
  let page: Page;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ghl-e2e-progressive-'));
    const mod = join(work, 'big');
    generate(mod);
    wb = await openWorkbench({ work, folder: mod, readyFile: 'aaa', logName: 'code-server-progressive.log' });
    page = wb.page;
  });

  after(async () => {
    await wb?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the opened file shows hints while the module still builds; the status bar counts its packages', async () => {
    // Sampled in the page every 50 ms: the Go Heap status item and the hint after `head = &Node{`.
    await page.evaluate(() => {
      window.__ghlStatus = [];
      const t0 = Date.now();
      window.setInterval(() => {
        const status = [...document.querySelectorAll('.statusbar-item')].map((e) => e.textContent ?? '').find((t) => t.includes('Go Heap'));
        let hint = '';
        for (const row of document.querySelectorAll('.monaco-editor .view-line')) {
          if (!(row.textContent ?? '').replace(/\u00a0/g, ' ').includes('head = &Node{')) continue;
          for (const s of (row as unknown as { querySelectorAll(s: string): Iterable<unknown> }).querySelectorAll('span')) {
            const c = getComputedStyle(s, '::after').content;
            if (c && c !== 'none' && c !== 'normal') hint = c;
          }
        }
        window.__ghlStatus!.push({ at: Date.now() - t0, text: status ?? '', hint });
      }, 50);
    });
    // Expand the folder (a click on its row; again if the workbench was still restoring), then open the file.
    const focusRow = page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: 'focus.go' }).first();
    for (let attempt = 1; ; attempt++) {
      await page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: 'aaa' }).first().click({ timeout: 60_000 });
      if (
        await focusRow.waitFor({ timeout: 20_000 }).then(
          () => true,
          () => false,
        )
      )
        break;
      if (attempt === 4) throw new Error('the folder aaa did not expand');
    }
    await openFile(page, 'focus.go', 'package aaa');
    // The hint of the escaping &Node{...}: a size class.
    const deadline = Date.now() + 600_000;
    let hint = '';
    while (Date.now() < deadline && !/\d/.test(hint)) {
      hint = await afterText(page, 'head = &Node{');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(hint, /\d/, `a hint on the opened file: ${hint}`);
    // Then the module's end: the idle status item.
    await page
      .locator('.statusbar-item')
      .filter({ hasText: /Go Heap: \d+ sites · go1\.\d+/ })
      .first()
      .waitFor({ timeout: 600_000 });
    const samples = await page.evaluate(() => window.__ghlStatus ?? []);
    await wb!.shot('progressive-done');
    const firstHint = samples.findIndex((s) => /\d/.test(s.hint));
    const idle = samples.findIndex((s) => /Go Heap: \d+ sites · go1\./.test(s.text));
    const counts = samples.map((s) => /Go Heap: (\d+)\/(\d+) packages/.exec(s.text)).filter((m) => m !== null);
    const trace = samples
      .filter((s, i) => i === 0 || s.text !== samples[i - 1]!.text || s.hint !== samples[i - 1]!.hint)
      .map((s) => `${s.at} ms: ${s.text} | ${s.hint}`)
      .slice(0, 60)
      .join('\n');
    console.error(`e2e progressive: first hint at sample ${firstHint}, idle at ${idle}, ${counts.length} counting samples`);
    assert.ok(firstHint >= 0, `the hint was sampled:\n${trace}`);
    assert.ok(idle > firstHint, `the first hint came before the module was done:\n${trace}`);
    assert.ok(
      samples.slice(firstHint, idle).some((s) => /Go Heap: (\d+\/\d+ packages|analyzing)/.test(s.text)),
      `the module was still being analysed when the hint showed:\n${trace}`,
    );
    assert.ok(counts.length > 0, `the status bar counted packages:\n${trace}`);
    assert.ok(
      counts.every((m) => Number(m[2]) === packages && Number(m[1]) <= packages),
      `counts of ${packages}:\n${trace}`,
    );
    const done = counts.map((m) => Number(m[1]));
    assert.ok(
      done.every((n, i) => i === 0 || n >= done[i - 1]!),
      'the count never goes down',
    );
  });
});
