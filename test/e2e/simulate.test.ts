// End to end: the Simulate Heap panel at the default split in code-server + chromium
// (harness.ts). The panel opens beside the editor, ~620 px wide: the workload table fits it
// (no clipped Count/Keep columns), the results come before the workload, the page map has a
// legend and per-cell details, the charts are drawn, and after the "garbage + GC" preset each P's
// mcache says why it holds no span. The screenshot of the panel goes to
// docs/screenshots/simulate-heap.png (and test/e2e/artifacts/).
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { artifacts, cannotRun, openFile, openWorkbench, root, runCommand, skipOrFail, type Workbench } from './harness.ts';

const reason = cannotRun();

// Browser globals used inside evaluate callbacks (they run in the page, not in Node).
interface Box {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}
interface El {
  readonly scrollWidth: number;
  readonly clientWidth: number;
  getBoundingClientRect(): Box;
  querySelectorAll(s: string): Iterable<El>;
}
declare const document: { documentElement: El; getElementById(id: string): El | null; querySelectorAll(s: string): Iterable<El> };

suite('e2e: Simulate Heap at the default split', { timeout: 900_000 }, () => {
  if (reason) return skipOrFail(reason);

  let work: string;
  let wb: Workbench | undefined;
  let page: Page;
  let frame: FrameLocator;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ghl-e2e-sim-'));
    const demo = join(work, 'demo');
    cpSync(join(root, 'test', 'fixtures', 'demo'), demo, { recursive: true });
    wb = await openWorkbench({ work, folder: demo, readyFile: 'main.go', logName: 'code-server-simulate.log' });
    page = wb.page;
    await openFile(page, 'main.go', 'package main');
    await runCommand(page, 'Go Heap: Simulate Heap');
    frame = page.frameLocator('iframe.webview.ready').first().frameLocator('iframe#active-frame');
    await frame.locator('.source', { hasText: 'from the last analysis' }).waitFor({ timeout: 120_000 });
  });

  after(async () => {
    await wb?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const runPreset = async (preset: string): Promise<void> => {
    await frame.locator('vscode-button', { hasText: preset }).click();
    await frame.locator('#run').click();
    await frame.locator('#status[data-run-ms]').waitFor({ timeout: 120_000 });
  };

  test('the workload table fits the ~620 px panel: no clipped column, results above the rows', async () => {
    const layout = await frame.locator('html').evaluate(() => {
      const doc = document.documentElement;
      const table = document.getElementById('workload')!;
      const scroller = table.getBoundingClientRect();
      const inputs = [...document.querySelectorAll('#workload input')].map((i) => i.getBoundingClientRect());
      return {
        viewport: doc.clientWidth,
        pageOverflow: doc.scrollWidth - doc.clientWidth,
        tableRight: scroller.right,
        inputsPastEdge: inputs.filter((b) => b.right > doc.clientWidth || b.left < 0).length,
        inputs: inputs.length,
        outputTop: document.getElementById('output')!.getBoundingClientRect().top,
        workloadTop: table.getBoundingClientRect().top,
      };
    });
    console.error(`e2e simulate: webview ${layout.viewport} px wide`);
    assert.ok(layout.viewport >= 560 && layout.viewport <= 700, `the panel is at the default split: ${layout.viewport} px`);
    assert.equal(layout.pageOverflow, 0, 'nothing in the panel is wider than the panel');
    assert.ok(layout.tableRight <= layout.viewport, `the workload table ends at ${layout.tableRight} px of ${layout.viewport}`);
    assert.ok(layout.inputs >= 10, 'count and keep inputs per row');
    assert.equal(layout.inputsPastEdge, 0, 'every Count and Keep input is inside the panel');
    assert.ok(layout.outputTop < layout.workloadTop, 'the results come before the workload rows');
  });

  test('a run draws the heap chart, the bytes-by-class chart and a page map with a legend and per-cell details', async () => {
    await runPreset('× 1 000 live');
    assert.match(await frame.locator('#status').innerText(), /^Done: \d+ steps in [\d.]+ s\.$/);
    assert.ok((await frame.locator('#heap-chart polyline').count()) >= 2, 'HeapInuse and the goal');
    assert.ok((await frame.locator('#class-bytes-chart rect').count()) >= 4, 'bars per span class');
    const legend = await frame.locator('#pagemap-legend').innerText();
    assert.match(legend, /size class \d+ (scan|noscan)/);
    assert.match(legend, /large noscan/, 'the demo allocates new(bigBuffer): large objects have their own legend entry');
    assert.match(legend, /arena boundary/);
    const map = frame.locator('#pagemap');
    const box = await map.boundingBox();
    assert.ok(box, 'the page map is on screen');
    await map.hover({ position: { x: 2, y: 2 } });
    const detail = await frame.locator('#pagemap-detail').innerText();
    assert.match(detail, /^pages? 0(–\d+)? \(arena 0\): (\d+ of \d+ pages in use, mostly )?(span class \d+|free)/, detail);
    await frame.locator('#pagemap').screenshot({ path: join(artifacts, 'simulate-pagemap.png') });
  });

  test('after "× 10 000 garbage + GC" each P says why its mcache holds no span, and the mcentrals hold them', async () => {
    await runPreset('× 10 000 garbage + GC');
    assert.match(await frame.locator('#step-label').innerText(), /: GC cycle$/);
    const empty = await frame.locator('#mcaches .mcache-empty').allInnerTexts();
    assert.equal(empty.length, 1, 'GOMAXPROCS 1: one P');
    assert.match(empty[0]!, /^P0 holds no span: mark termination of GC cycle \d+ flushed every mcache/);
    assert.equal(await frame.locator('#mcaches table').count(), 0, 'no table without rows');
    await runPreset('× 1 000 live');
  });

  test('screenshot of the panel (docs/screenshots/simulate-heap.png)', async () => {
    // A taller window, so the panel shows the step, the charts and the page map whole.
    await page.setViewportSize({ width: 1600, height: 1500 });
    await frame.locator('html').evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await frame.locator('#step-label').waitFor();
    await page.waitForTimeout(500);
    const panel = page.locator('iframe.webview.ready').first();
    await panel.screenshot({ path: join(artifacts, 'simulate-heap.png') });
    await panel.screenshot({ path: join(root, 'docs', 'screenshots', 'simulate-heap.png') });
    const csp = wb!.consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e));
    assert.deepEqual(csp, [], 'no CSP violations in the webview');
  });
});
