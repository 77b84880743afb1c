// End to end in a real VS Code: code-server 4.139.1 + Debian chromium driven by playwright-core
// (recipe: shared/recipes/vscode-e2e.md). Opens a copy of test/fixtures/demo, waits for the
// extension's analysis with the real pipeline and the real `go`, then checks what a user sees
// against the CLI's answer for the same module: hovers on a tiny, a pointerful > 512 B and a
// large allocation, the inline hints' ::after text, the Heap view, and the Simulate Heap webview's
// numbers against the simulator run directly. Screenshots go to test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { simulate } from '../../src/core/alloc/heapsim.ts';
import { validateWorkload } from '../../src/core/alloc/workload.ts';
import { countsText, filterSites, hintText, lineHints, notSimulatedText, siteCounts } from '../../src/core/sites/present.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';
import {
  afterText,
  artifacts,
  cannotRun,
  goToLine as goToLineIn,
  hoverOn,
  openFile,
  openWorkbench,
  root,
  runCommand,
  skipOrFail,
  type PageElement,
  type Workbench,
} from './harness.ts';

// Browser globals used inside page.waitForFunction callbacks (they run in the page, not in Node).
declare const document: {
  querySelectorAll(s: string): Iterable<PageElement>;
  createTreeWalker(root: unknown, what: number): { nextNode(): { textContent: string | null } | null };
  createRange(): { setStart(n: unknown, o: number): void; setEnd(n: unknown, o: number): void; getBoundingClientRect(): Rect };
};
declare function getComputedStyle(e: PageElement, pseudo?: string): { readonly content: string; readonly textOverflow: string };
interface Rect {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}
/** What the DOM measures below read from an element (PageElement has only what the other checks use). */
interface Measured {
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly scrollTop: number;
  readonly textContent: string | null;
  getAttribute(n: string): string | null;
  getBoundingClientRect(): Rect;
  querySelector(s: string): Measured | null;
}

const reason = cannotRun();

suite('e2e: the extension in code-server', { timeout: 600_000 }, () => {
  if (reason) return skipOrFail(reason);

  let work: string;
  let demo: string;
  let wb: Workbench | undefined;
  let page: Page;
  let cliSites: AllocationSite[];
  let cliResult: { goVersion: string; arch: string; sites: AllocationSite[] };
  let consoleErrors: string[] = [];

  const shot = async (name: string): Promise<void> => wb?.shot(name);

  before(async () => {
    const t0 = Date.now();
    const mark = (what: string): void => console.error(`e2e: ${what} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    work = mkdtempSync(join(tmpdir(), 'ghl-e2e-'));
    demo = join(work, 'demo');
    cpSync(join(root, 'test', 'fixtures', 'demo'), demo, { recursive: true });
    const cli = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'analyze', demo, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, GOTOOLCHAIN: 'local' },
      maxBuffer: 64 << 20,
    });
    assert.equal(cli.status, 0, `go-heap-lens analyze failed: ${cli.stderr}`);
    cliResult = JSON.parse(cli.stdout);
    cliSites = cliResult.sites;
    assert.ok(cliSites.length > 5, 'the CLI finds the demo sites');

    mark('CLI analyze');
    wb = await openWorkbench({ work, folder: demo, readyFile: 'main.go', logName: 'code-server.log' });
    page = wb.page;
    consoleErrors = wb.consoleErrors;
    await openFile(page, 'main.go', 'package main');
    mark('main.go open');
  });

  after(async () => {
    await wb?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function cliSite(line: number, expr: string): AllocationSite {
    const s = cliSites.find((x) => x.line === line && x.expr === expr);
    assert.ok(s, `the CLI reports ${expr} at line ${line}`);
    return s;
  }

  /** lineOf: the 1-based line of the first line containing `text` in the fixture. */
  function lineOf(text: string): number {
    const i = readFileSync(join(demo, 'main.go'), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text));
    assert.ok(i >= 0, text);
    return i + 1;
  }

  const goToLine = (line: number): Promise<void> => goToLineIn(page, line);

  let lastHover: ReturnType<Page['locator']> | undefined;
  /** cursorAt waits for the status bar's "Ln L, Col C"; VS Code counts Col visually (tabs expand to tab size 4). */
  const cursorAt = async (line: number, utf16Column: number): Promise<void> => {
    const text = readFileSync(join(demo, 'main.go'), 'utf8').split('\n')[line - 1]!;
    let col = 1;
    for (const ch of text.slice(0, utf16Column - 1)) col = ch === '\t' ? col + 4 - ((col - 1) % 4) : col + 1;
    try {
      await page
        .locator('[id="status.editor.selection"]')
        .filter({ hasText: `Ln ${line}, Col ${col}` })
        .first()
        .waitFor({ timeout: 10_000 });
    } catch {
      await shot(`cursor-${line}-${col}`);
      assert.fail(`cursor not at Ln ${line}, Col ${col}: ${JSON.stringify(await page.locator('.statusbar-item').allInnerTexts())}`);
    }
  };

  async function hoverText(lineText: string, token: string, line: number): Promise<string> {
    lastHover = await hoverOn(page, line, lineText, token, shot);
    return (await lastHover.innerText()).replace(/\u00a0/g, ' ');
  }

  /**
   * answerAboveTheFold: in the open hover (VS Code's default box, not scrolled), the second line —
   * slot, span class, objects per span — is inside the visible part of the box.
   */
  async function answerAboveTheFold(expr: string, word: string): Promise<void> {
    const got = await page.evaluate(
      ([expr, word]) => {
        const hover = [...document.querySelectorAll('.monaco-editor .monaco-hover:not(.hidden)')].find((h) =>
          (h.textContent ?? '').includes('Go Heap Lens'),
        ) as unknown as Measured | undefined;
        if (!hover) return 'no hover';
        const box = (hover.querySelector('.monaco-scrollable-element') ?? hover).getBoundingClientRect();
        const walker = document.createTreeWalker(hover, 4);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const i = (n.textContent ?? '').indexOf(word);
          if (i < 0) continue;
          const r = document.createRange();
          r.setStart(n, i);
          r.setEnd(n, i + word.length);
          const w = r.getBoundingClientRect();
          return {
            box: { top: box.top, bottom: box.bottom },
            word: { top: w.top, bottom: w.bottom },
            title: (hover.textContent ?? '').includes(expr),
          };
        }
        return `no "${word}" in the hover`;
      },
      [expr, word] as const,
    );
    assert.ok(typeof got === 'object', String(got));
    assert.ok(got.title, 'the hover names the expression');
    assert.ok(got.word.top >= got.box.top && got.word.bottom <= got.box.bottom, `"${word}" below the hover's fold: ${JSON.stringify(got)}`);
  }

  test('analysis finishes: status bar shows the site count and Go version', async () => {
    const item = page
      .locator('.statusbar-item')
      .filter({ hasText: /Go Heap: \d+ sites · go1\.\d+/ })
      .first();
    try {
      await item.waitFor({ timeout: 90_000 });
    } catch (e) {
      await shot('01-status-missing');
      throw new Error(`status bar: ${JSON.stringify(await page.locator('.statusbar-item').allInnerTexts())}: ${String(e)}`);
    }
    const text = await item.innerText();
    const heap = cliSites.filter((s) => s.escapes && s.prediction.kind !== 'stack').length;
    assert.match(text, new RegExp(`Go Heap: ${heap} sites · go${cliResult.goVersion.replace(/^go/, '').replace(/\./g, '\\.')}`));
    await shot('01-analysed');
  });

  test('hovers match the CLI: tiny, pointerful > 512 B (malloc header), large', async () => {
    const cases = [
      { line: lineOf('return &point{X: x, Y: y}'), expr: '&point{...}', lineText: 'return &point{X: x, Y: y}', token: 'point' },
      { line: lineOf('return &header520{}'), expr: '&header520{}', lineText: 'return &header520{}', token: 'header520' },
      { line: lineOf('return new(bigBuffer)'), expr: 'new(bigBuffer)', lineText: 'return new(bigBuffer)', token: 'new' },
    ];
    for (const c of cases) {
      const s = cliSite(c.line, c.expr);
      const p = s.prediction;
      const text = await hoverText(c.lineText, c.token, c.line);
      await shot(`02-hover-${p.kind}`);
      assert.ok(text.includes(c.expr), `hover names ${c.expr}: ${text}`);
      assert.ok(text.includes('escapes to heap'), text);
      assert.ok(text.includes(`go${p.goVersion} ${p.arch}`), `model version in hover: ${text}`);
      assert.ok(text.includes(`${p.requestBytes} B`), `requested bytes ${p.requestBytes}: ${text}`);
      if (p.kind === 'tiny') {
        assert.equal(p.spanClass, 5);
        assert.match(text, /Span class\s+5 \(c2 noscan, the tiny allocator\)/);
        assert.match(text, new RegExp(`${p.objectsPerSpan} blocks`));
      } else if (p.kind === 'small') {
        assert.equal(p.headerBytes, 8, 'the >512 B pointerful case carries a malloc header');
        assert.ok(text.includes('+ 8 B malloc header'), text);
        assert.match(text, new RegExp(`Size class\\s+${p.sizeClass} · ${p.slotBytes} B slot`));
        assert.match(text, new RegExp(`Span class\\s+${p.spanClass} \\(c${p.sizeClass} scan\\)`));
        assert.match(text, new RegExp(`${p.objectsPerSpan} objects`));
        assert.match(text, new RegExp(`Waste\\s+${p.wasteBytes} B/object`));
      } else {
        assert.equal(p.kind, 'large');
        assert.match(text, new RegExp(`Span class\\s+${p.spanClass} \\(large noscan\\)`));
        assert.match(text, new RegExp(`${p.npages} pages`));
        assert.match(text, new RegExp(`Waste\\s+${p.wasteBytes} B \\(page rounding\\)`));
      }
      // The key flow step, said plainly and once, links to its position through our command.
      assert.match(text, /Why:\s+returned to the caller, so it outlives the function: return /);
      await answerAboveTheFold(c.expr, p.kind === 'tiny' ? 'blocks/span' : 'object' + (p.kind === 'large' ? '/span' : 's/span'));
      const ret = s.reason.filter((r) => r.why === 'return').pop();
      assert.ok(ret?.line && ret.column, 'the CLI has the return step with a position');
      await lastHover!
        .locator('a', { hasText: `main.go:${ret.line}:${ret.column}` })
        .first()
        .click();
      await cursorAt(ret.line, ret.column);
      await page.keyboard.press('Escape');
    }
    // A dynamic size: the class as a function of n leads the hover, above its fold.
    const dyn = cliSite(lineOf('return make([]int64, n)'), 'make([]int64, n)');
    const text = await hoverText('return make([]int64, n)', 'make', dyn.line);
    assert.match(text, /By n: n=0: no alloc · n=1: 8 B tiny · n=2: 16 B c2 noscan/);
    assert.match(text, /Requested: n × int64 \(8 B\), n known only at run time/);
    await answerAboveTheFold(dyn.expr, 'n=2: 16 B c2 noscan');
    await shot('02-hover-dynamic');
    await page.keyboard.press('Escape');
  });

  test("inline hints render as ::after text equal to the CLI site's hint", async () => {
    for (const [lineText, expr] of [
      ['return &point{X: x, Y: y}', '&point{...}'],
      ['return &header520{}', '&header520{}'],
      ['return new(bigBuffer)', 'new(bigBuffer)'],
    ] as const) {
      const line = lineOf(lineText);
      await goToLine(line);
      const want = hintText(cliSite(line, expr));
      const got = await page.waitForFunction(
        (t) => {
          const row = [...document.querySelectorAll('.monaco-editor .view-line')].find((l) =>
            (l.textContent ?? '').replace(/\u00a0/g, ' ').includes(t),
          );
          if (!row) return undefined;
          for (const s of row.querySelectorAll('span')) {
            const c = getComputedStyle(s, '::after').content;
            if (c && c !== 'none' && c !== 'normal') return c;
          }
          return undefined;
        },
        lineText,
        { timeout: 15_000 },
      );
      assert.equal(await got.jsonValue(), JSON.stringify(want));
    }
    // The busy line (ten heap sites and a constant in one call): one summary, the same as the core's, on screen.
    const busy = 'fmt.Println(p.X, n.val[0]';
    const busyLine = lineOf(busy);
    const busyWant = lineHints(filterSites(cliSites, { escapingOnly: true, minBytes: 0 }), false).find((h) => h.line === busyLine);
    assert.ok(busyWant && /^⇡ \d+ allocs · /.test(busyWant.text), JSON.stringify(busyWant));
    await goToLine(busyLine - 12);
    const fit = await page.waitForFunction(
      (t) => {
        const row = [...document.querySelectorAll('.monaco-editor .view-line')].find((l) =>
          (l.textContent ?? '').replace(/\u00a0/g, ' ').includes(t),
        );
        if (!row) return undefined;
        const after = [...row.querySelectorAll('span')].filter((s) => {
          const c = getComputedStyle(s, '::after').content;
          return c && c !== 'none' && c !== 'normal';
        }) as unknown as Measured[];
        if (after.length === 0) return undefined;
        const r = after[after.length - 1]!.getBoundingClientRect();
        return {
          count: after.length,
          text: getComputedStyle(after[0] as unknown as PageElement, '::after').content,
          width: r.right - r.left,
        };
      },
      busy,
      { timeout: 15_000 },
    );
    const m = (await fit.jsonValue())!;
    assert.equal(m.count, 1, 'one hint on the busy line');
    assert.equal(m.text, JSON.stringify(busyWant.text));
    // The line itself is wider than the editor; the hint adds no more than a short summary to it.
    assert.ok(m.width <= 320, `the busy line's hint is ${m.width} px wide`);
    await shot('03-hints');
    // The whole busy line and its summary, with the side bar closed (the line alone is wider than the editor beside it).
    await page.keyboard.press('Control+B');
    await page.locator('.part.sidebar').first().waitFor({ state: 'hidden', timeout: 10_000 });
    await goToLine(busyLine);
    await page.waitForFunction(
      (t) => [...document.querySelectorAll('.monaco-editor .view-line span')].some((e) => getComputedStyle(e, '::after').content === t),
      JSON.stringify(busyWant.text),
    );
    await shot('03-hints-busy-line');
    await page.keyboard.press('Control+B');
    await page.locator('.part.sidebar').first().waitFor({ state: 'visible', timeout: 10_000 });
    await goToLine(lineOf('return &point{X: x, Y: y}'));
    await shot('03-hints-lines');
  });

  test('Heap view: heaviest span classes first, counts not cut at the default sidebar width, the numbers explained', async () => {
    await page
      .locator('.activitybar .action-item a[aria-label^="Go Heap"], .activitybar .action-item[aria-label^="Go Heap"]')
      .first()
      .click();
    const tree = page.locator('.pane-body .monaco-list').filter({ hasText: 'tiny · c2 noscan' }).first();
    await tree.waitFor({ timeout: 20_000 });
    const header = cliSite(lineOf('return &header520{}'), '&header520{}').prediction;
    const group = tree
      .locator('.monaco-list-row')
      .filter({ hasText: `${header.slotBytes} B · c${header.sizeClass} scan` })
      .first();
    await group.click();
    const leaf = tree.locator('.monaco-list-row').filter({ hasText: '&header520{}' }).first();
    await leaf.waitFor({ timeout: 10_000 });
    // Clicking a site reveals it in the editor.
    await goToLine(1);
    await leaf.click();
    const hs = cliSite(lineOf('return &header520{}'), '&header520{}');
    await cursorAt(hs.line, hs.column);
    const rows = await tree.locator('.monaco-list-row').allInnerTexts();
    // The large object outweighs every other group; the leaf names its package with the file:line.
    assert.match(rows[0]!, /^large · noscan\s*1 site · 40 KiB/, rows.join('\n'));
    assert.ok(
      rows.some((r) => /&header520\{\}\s*demo · main\.go:54/.test(r)),
      rows.join('\n'),
    );
    assert.ok(
      rows.some((r) => /^size unknown\s*4 sites$/.test(r)),
      rows.join('\n'),
    );
    // The view's message says what the numbers count: the status bar's heap sites, split as Simulate Heap runs them.
    const message = await page.locator('.pane-body .message').filter({ hasText: 'heap sites' }).first().innerText();
    assert.ok(message.includes(countsText(siteCounts(cliSites))), message);
    // At the default sidebar width, no group row is cut: its label and description fit (no ellipsis).
    const cut = await page.evaluate(() => {
      const out: string[] = [];
      for (const row of document.querySelectorAll('.pane-body .monaco-list-row') as unknown as Iterable<Measured>) {
        if (row.getAttribute('aria-level') !== '1') continue;
        const box = row.querySelector('.monaco-icon-label-container');
        const desc = row.querySelector('.label-description');
        if (!box || !desc) continue;
        if (box.scrollWidth > box.clientWidth || desc.getBoundingClientRect().right > box.getBoundingClientRect().right + 0.5)
          out.push(`${row.textContent} (${box.scrollWidth} > ${box.clientWidth} px)`);
      }
      return out;
    });
    const width = await page
      .locator('.part.sidebar')
      .first()
      .evaluate((e) => (e as unknown as Measured).clientWidth);
    assert.deepEqual(cut, [], `rows cut at a ${width} px sidebar`);
    await shot('04-heap-view');
  });

  test("Simulate Heap: the webview runs the analysed workload and shows the simulator's numbers", async () => {
    await runCommand(page, 'Go Heap: Simulate Heap');
    const frame: FrameLocator = page.frameLocator('iframe.webview.ready').first().frameLocator('iframe#active-frame');
    await frame.locator('#workload tbody tr').first().waitFor({ timeout: 30_000 });
    // The sites it cannot run are counted, not dropped.
    const source = await frame.locator('p.source').first().innerText();
    assert.ok(source.includes(`${siteCounts(cliSites).sized} heap sites of known size`), source);
    assert.ok(source.includes(notSimulatedText(siteCounts(cliSites))), source);
    await frame.locator('vscode-button', { hasText: '× 1 000 live' }).click();
    await frame.locator('#run').click();
    await frame.locator('#status', { hasText: 'Done' }).waitFor({ timeout: 60_000 });
    const shown = async (k: string): Promise<number> => Number(await frame.locator(`#counter-${k}`).getAttribute('data-value'));
    // The same workload, straight through the simulator: every heap site × 1000, kept live.
    const ops = cliSites
      .filter((s) => s.escapes && !['stack', 'unknown', 'zero'].includes(s.prediction.kind))
      .map((s) => ({ alloc: { bytes: s.prediction.requestBytes, pointers: !s.prediction.noscan, count: 1000, keep: true } }));
    const want = simulate(
      validateWorkload({
        go: cliResult.goVersion.replace(/^go/, '').split('.').slice(0, 2).join('.'),
        arch: cliResult.arch,
        procs: 1,
        gogc: 100,
        ops,
      }),
    );
    assert.equal(await shown('heapInuseBytes'), want.heapInuseBytes);
    assert.equal(await shown('spansInUse'), want.spansInUse);
    assert.equal(await shown('pagesInUse'), want.pagesInUse);
    assert.equal(await shown('largeObjects'), want.largeObjects);
    assert.equal(await shown('tinyAllocs'), want.tinyAllocs);
    const rows = await frame.locator('#classes tbody tr').count();
    assert.ok(rows >= 4, 'per-class table has the demo classes');
    const label = await frame.locator('#step-label').innerText();
    assert.match(label, /^Step (\d+) of \1:/);
    // Stepping back shows the previous snapshot; the heap was smaller then.
    await frame.locator('#step-back').click();
    const prev = await frame.locator('#step-label').innerText();
    const total = Number(label.match(/^Step (\d+)/)![1]);
    assert.ok(prev.startsWith(`Step ${total - 1} of ${total}:`), prev);
    assert.ok((await shown('heapInuseBytes')) <= want.heapInuseBytes);
    await page
      .locator('iframe.webview.ready')
      .first()
      .screenshot({ path: join(artifacts, '05-simulate-webview.png') });
    await shot('06-full');
    const csp = consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e));
    assert.deepEqual(csp, [], 'no CSP violations in the webview');
  });

  test('an unsaved edit clears the hint; Analyze Workspace sees the buffer through -overlay', async () => {
    const hintOn = (lineText: string): Promise<string> => afterText(page, lineText);
    // Back to the editor, change bigBuffer's array length 40000 → 50000 without saving.
    await page.locator('.editor-group-container .tab').filter({ hasText: 'main.go' }).first().click();
    await goToLine(lineOf('buf [40000]byte'));
    // The caret is at the line's start: End, back over "]byte", select "40000" (sticky scroll covers the line for mouse clicks).
    await page.keyboard.press('End');
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
    for (let i = 0; i < 5; i++) await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.type('50000');
    await page.locator('.monaco-editor .view-line').filter({ hasText: 'buf [50000]byte' }).first().waitFor();
    await goToLine(lineOf('return new(bigBuffer)'));
    await page.locator('.monaco-editor .view-line').filter({ hasText: 'return new(bigBuffer)' }).first().waitFor();
    assert.equal(await hintOn('return new(bigBuffer)'), '', 'hints of an edited document are cleared');
    const big = cliSite(lineOf('return new(bigBuffer)'), 'new(bigBuffer)');
    const want = hintText({ ...big, prediction: { ...big.prediction, requestBytes: 50000 } }).replace('5p', `${Math.ceil(50000 / 8192)}p`);
    await runCommand(page, 'Go Heap: Analyze Workspace');
    await page.waitForFunction(
      (t) => {
        const row = [...document.querySelectorAll('.monaco-editor .view-line')].find((l) =>
          (l.textContent ?? '').replace(/\u00a0/g, ' ').includes('return new(bigBuffer)'),
        );
        if (!row) return false;
        for (const s of row.querySelectorAll('span')) if (getComputedStyle(s, '::after').content === t) return true;
        return false;
      },
      JSON.stringify(want),
      { timeout: 60_000 },
    );
    assert.match(readFileSync(join(demo, 'main.go'), 'utf8'), /buf \[40000\]byte/, 'the file on disk is unchanged');
    await shot('07-overlay');
  });

  test('Show Log: every go run is logged with its argv and cwd', async () => {
    await runCommand(page, 'Go Heap: Show Log');
    await page.locator('.panel .monaco-editor .view-line').filter({ hasText: '[go] cd ' }).first().waitFor({ timeout: 20_000 });
    // Long lines wrap into several view-lines: join them back.
    const text = (await page.locator('.panel .monaco-editor .view-line').allInnerTexts()).join('').replace(/\u00a0/g, ' ');
    assert.ok(text.includes(`cd ${demo} && `), text);
    assert.match(text, /-gcflags=/);
    await shot('08-log');
  });
});
