// End to end: the measured heap in code-server + chromium (harness.ts). On a copy of the demo
// module, the `Profile allocations` CodeLens command runs BenchmarkDemo (by command and argument,
// from a key bound in keybindings.json: no dialog, no typing that a busy machine can reorder); the
// hover of `new(bigBuffer)` and `&header520{}` must then show exactly the objects and bytes that
// `go tool pprof -raw` prints for those lines of a profile of the same benchmark made by hand, the
// inline hint must lead with the line's share, Top allocations must list the heaviest site first,
// and Load Heap Profile… of that hand-made file must give the same figures.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { percent } from '../../src/core/sites/measuredHover.ts';
import {
  afterText,
  artifacts,
  cannotRun,
  goToLine,
  hoverOn,
  notificationText,
  openFile,
  openWorkbench,
  root,
  runCommand,
  skipOrFail,
  type Workbench,
} from './harness.ts';

const reason = cannotRun();

const keys = {
  profile: { binding: 'ctrl+alt+shift+p', press: 'Control+Alt+Shift+P' },
  load: { binding: 'ctrl+alt+shift+o', press: 'Control+Alt+Shift+O' },
  top: { binding: 'ctrl+alt+shift+t', press: 'Control+Alt+Shift+T' },
  bad: { binding: 'ctrl+alt+shift+b', press: 'Control+Alt+Shift+B' },
};
/** b.N of both runs: `Nx` runs the benchmark body exactly this many times, so both profiles count the same objects. */
const benchtime = '50x';

interface LineFigures {
  objects: number;
  bytes: number;
  inuseObjects: number;
}

/**
 * pprofRaw: alloc_objects and alloc_space per leaf line (`main.go:58`) as `go tool pprof -raw`
 * prints them: each sample's first location id is its leaf, and a location's first line (the
 * innermost inlined frame) is where the allocation is written. Also the profile's total bytes.
 */
function pprofRaw(file: string): { byLine: Map<string, LineFigures>; totalBytes: number } {
  const raw = execFileSync('go', ['tool', 'pprof', '-raw', file], { encoding: 'utf8' });
  const [samplesPart, rest] = raw.split(/^Locations$/m);
  assert.ok(samplesPart && rest, 'pprof -raw prints Samples and Locations');
  const leafLine = new Map<string, string>();
  for (const m of rest.matchAll(/^\s*(\d+): 0x[0-9a-f]+ M=\d+ \S+ (\S+?\.go):(\d+)/gm)) {
    leafLine.set(m[1]!, `${m[2]!.split('/').pop()}:${m[3]}`);
  }
  const byLine = new Map<string, LineFigures>();
  let totalBytes = 0;
  for (const m of samplesPart.matchAll(/^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+: (\d+)/gm)) {
    const objects = Number(m[1]);
    const bytes = Number(m[2]);
    const inuseObjects = Number(m[3]);
    totalBytes += bytes;
    const line = leafLine.get(m[4]!);
    if (!line) continue;
    const f = byLine.get(line) ?? { objects: 0, bytes: 0, inuseObjects: 0 };
    f.objects += objects;
    f.bytes += bytes;
    f.inuseObjects += inuseObjects;
    byLine.set(line, f);
  }
  return { byLine, totalBytes };
}

const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

suite('e2e: the measured heap (CodeLens run, hover vs pprof -raw, Top allocations, Load Heap Profile)', { timeout: 900_000 }, () => {
  if (reason) return skipOrFail(reason);

  let work: string;
  let demo: string;
  let saved: string;
  let wb: Workbench | undefined;
  let page: Page;
  let expected: ReturnType<typeof pprofRaw>;
  const lineOf = (text: string): number =>
    readFileSync(join(demo, 'main.go'), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ghl-e2e-profile-'));
    demo = join(work, 'demo');
    cpSync(join(root, 'test', 'fixtures', 'demo'), demo, { recursive: true });
    // The profile made by hand, as a user would: the same benchmark and benchtime, every allocation recorded.
    saved = join(work, 'saved.pprof');
    execFileSync(
      'go',
      [
        'test',
        '-run',
        '^$',
        '-bench',
        '^BenchmarkDemo$',
        '-benchtime',
        benchtime,
        '-memprofile',
        saved,
        '-memprofilerate=1',
        '-o',
        join(work, 'demo.test'),
        '.',
      ],
      { cwd: demo, stdio: 'ignore' },
    );
    expected = pprofRaw(saved);
    wb = await openWorkbench({
      work,
      folder: demo,
      readyFile: 'main.go',
      logName: 'code-server-profile.log',
      keybindings: [
        {
          key: keys.profile.binding,
          command: 'goHeap.profileBenchmark',
          args: { file: join(demo, 'main_test.go'), benchmark: 'BenchmarkDemo', benchtime },
        },
        { key: keys.load.binding, command: 'goHeap.loadHeapProfile', args: { file: saved } },
        { key: keys.top.binding, command: 'goHeap.groupByTopAllocations' },
        { key: keys.bad.binding, command: 'goHeap.loadHeapProfile', args: { file: join(demo, 'go.mod') } },
      ],
    });
    page = wb.page;
  });

  after(async () => {
    await wb?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const press = async (key: { press: string }): Promise<void> => {
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press(key.press);
  };

  /** measuredHover: the hover on `lineText` once it says `from` (the profile's origin). */
  const measuredHover = async (lineText: string, token: string, from: RegExp): Promise<string> => {
    for (let attempt = 0; attempt < 4; attempt++) {
      const hover: Locator = await hoverOn(page, lineOf(lineText), lineText, token, (n) => wb!.shot(`profile-${n}`));
      const text = (await hover.innerText()).replace(/\u00a0/g, ' ');
      if (/Measured:/.test(text) && from.test(text)) return text;
      // The hover opened before the profile landed: move away and ask again.
      await page.keyboard.press('Escape');
      await page.mouse.move(5, 5);
      await page
        .locator('.monaco-editor .monaco-hover:not(.hidden)')
        .first()
        .waitFor({ state: 'hidden', timeout: 10_000 })
        .catch(() => undefined);
    }
    await wb!.shot('profile-no-measured-hover');
    throw new Error(`no measured hover from ${from} on ${lineText}`);
  };

  const checkFigures = (text: string, line: number, what: string): void => {
    const want = expected.byLine.get(`main.go:${line}`);
    assert.ok(want, `pprof -raw has main.go:${line}`);
    assert.ok(
      text.includes(`${grouped(want.objects)} objects, ${grouped(want.bytes)} B allocated`),
      `${what}: hover shows pprof's ${want.objects} objects, ${want.bytes} B:\n${text}`,
    );
  };

  test('the CodeLens command profiles BenchmarkDemo: figures beside the lens, hover figures equal pprof -raw, hints lead with the share', async () => {
    await openFile(page, 'main_test.go', 'func BenchmarkDemo');
    await page
      .locator('.statusbar-item')
      .filter({ hasText: /Go Heap: \d+ sites · go1\.\d+/ })
      .first()
      .waitFor({ timeout: 240_000 });
    const lens = page.locator('.monaco-editor .codelens-decoration').filter({ hasText: 'Profile allocations' }).first();
    await lens.waitFor({ timeout: 60_000 });
    await press(keys.profile);
    // After the run the lens carries the benchmark's figures (15 allocations per iteration: 1 + 4 + 10).
    const figures = page.locator('.monaco-editor .codelens-decoration').filter({ hasText: 'allocs/op' }).first();
    await figures.waitFor({ timeout: 300_000 });
    // B/op also counts what the testing package allocates during the run, spread over b.N: at least the 43744 B of the body.
    const fig = /s\/op · (\d+) B\/op · 15 allocs\/op/.exec(await figures.innerText());
    assert.ok(fig && Number(fig[1]) >= 43744, await figures.innerText());
    await wb!.shot('profile-01-lens');

    await openFile(page, 'main.go', 'package main');
    const big = await measuredHover('return new(bigBuffer)', 'new', /from benchmark BenchmarkDemo/);
    checkFigures(big, lineOf('return new(bigBuffer)'), 'new(bigBuffer)');
    assert.match(big, /40 KiB slot ✓ as predicted/);
    const header = await measuredHover('return &header520{}', 'header520', /from benchmark BenchmarkDemo/);
    checkFigures(header, lineOf('return &header520{}'), '&header520{}');
    assert.match(header, /576 B slot ✓ as predicted/);
    await wb!.shot('profile-02-hover');

    const share = percent(expected.byLine.get(`main.go:${lineOf('return new(bigBuffer)')}`)!.bytes / expected.totalBytes);
    await goToLine(page, lineOf('return new(bigBuffer)'));
    await page.waitForFunction(
      ([t, s]) =>
        [...document.querySelectorAll('.monaco-editor .view-line')].some(
          (l) =>
            (l.textContent ?? '').replace(/\u00a0/g, ' ').includes(t) &&
            [...l.querySelectorAll('span')].some((e) => getComputedStyle(e, '::after').content.startsWith(`"${s} · `)),
        ),
      ['return new(bigBuffer)', share] as const,
      { timeout: 30_000 },
    );
    assert.match(await afterText(page, 'return new(bigBuffer)'), new RegExp(`^"${share.replace(/[.]/g, '\\.')} · ⇡ `));
  });

  test('Top allocations lists the heaviest site first, under the profile header', async () => {
    await press(keys.top);
    await page
      .locator('.activitybar .action-item a[aria-label^="Go Heap"], .activitybar .action-item[aria-label^="Go Heap"]')
      .first()
      .click();
    const tree = page.locator('.pane-body .monaco-list').filter({ hasText: 'new(bigBuffer)' }).first();
    await tree.waitFor({ timeout: 30_000 });
    const rows = await tree.locator('.monaco-list-row').allInnerTexts();
    const heaviest = [...expected.byLine.entries()].sort((a, b) => b[1].bytes - a[1].bytes)[0]!;
    assert.equal(heaviest[0], `main.go:${lineOf('return new(bigBuffer)')}`, 'the hand-made profile agrees on the heaviest line');
    assert.match(rows[0]!, /^new\(bigBuffer\)/, rows.join('\n'));
    assert.match(rows[1]!, /^&header520\{\}/, rows.join('\n'));
    const message = await page.locator('.pane-body .message').filter({ hasText: 'attributed to' }).first().innerText();
    assert.match(message, /^profile BenchmarkDemo: [\d.]+ (KiB|MiB), [\d.]+ % attributed to \d+ sites?\./, message);
    await wb!.shot('profile-03-top-allocations');
  });

  test('Load Heap Profile… of the hand-made file gives the same figures', async () => {
    // main.go is still the active editor (the Heap view took the side bar only).
    await page.locator('.monaco-editor .view-line').filter({ hasText: 'return new(bigBuffer)' }).first().waitFor();
    await press(keys.load);
    const big = await measuredHover('return new(bigBuffer)', 'new', /from profile \S*saved\.pprof/);
    checkFigures(big, lineOf('return new(bigBuffer)'), 'new(bigBuffer) from the file');
    const header = await measuredHover('return &header520{}', 'header520', /from profile \S*saved\.pprof/);
    checkFigures(header, lineOf('return &header520{}'), '&header520{} from the file');
    await wb!.shot('profile-04-loaded-file');
  });

  test('Simulate Heap replays the profile: after its GC only the objects the profile kept stay live', async () => {
    await runCommand(page, 'Go Heap: Simulate Heap');
    const frame = page.frameLocator('iframe.webview.ready').first().frameLocator('iframe#active-frame');
    const replay = frame.locator('vscode-button', { hasText: 'Replay the profile' });
    await replay.waitFor({ timeout: 120_000 });
    // The picture of the measured bytes: the heaviest site is drawn first, its name as plain text.
    const firstSite = frame.locator('#measured-flame g.flame-site title').first();
    assert.match((await firstSite.textContent()) ?? '', /^new\(bigBuffer\) — main\.go:\d+: .* large noscan$/);
    await replay.click();
    await frame.locator('#run').click();
    await frame.locator('#status[data-run-ms]').waitFor({ timeout: 120_000 });
    assert.match(await frame.locator('#step-label').innerText(), /: GC cycle$/);
    const big = expected.byLine.get(`main.go:${lineOf('return new(bigBuffer)')}`)!;
    assert.equal((await frame.locator('#counter-largeObjects').innerText()).trim(), String(big.inuseObjects));
    await wb!.shot('profile-05-replay');
    await page
      .locator('iframe.webview.ready')
      .first()
      .screenshot({ path: join(artifacts, 'profile-06-panel.png') })
      .catch(() => undefined);
  });

  test('a file that is not a heap profile is refused with a clear message, and the last good profile stays', async () => {
    await page.keyboard.press('Control+1'); // back to the editor group of main.go
    await page.locator('.monaco-editor .view-line').filter({ hasText: 'return new(bigBuffer)' }).first().waitFor();
    await press(keys.bad);
    const msg = await notificationText(page, /cannot load the heap profile/);
    assert.match(msg, /not a pprof profile/);
    assert.match(msg, /The previous profile \(saved\.pprof\) stays loaded/);
    const big = await measuredHover('return new(bigBuffer)', 'new', /from profile \S*saved\.pprof/);
    checkFigures(big, lineOf('return new(bigBuffer)'), 'new(bigBuffer) after a bad file');
  });
});

// Browser globals used inside evaluate callbacks (they run in the page, not in Node).
interface El {
  readonly textContent: string | null;
  querySelectorAll(s: string): Iterable<El>;
}
declare const document: { querySelectorAll(s: string): Iterable<El> };
declare function getComputedStyle(e: El, pseudo: string): { readonly content: string };
