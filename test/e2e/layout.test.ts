// End to end: layout advice in code-server. A scratch module with a struct that a reorder moves from
// the 64 B class to the 32 B class, and one built with an unkeyed literal. The fix runs as the
// quick fix does (goHeap.applyLayoutFix with { file, name }, from a key bound in the user's
// keybindings.json: arguments, not typed text); after it the re-analysis must show the new slot in
// the site's inline hint and hover; the unkeyed type offers no fix and says where the literal is.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import type { LayoutReport } from '../../src/core/layout/types.ts';
import { write } from '../helpers/tempModule.ts';
import {
  afterText,
  cannotRun,
  goToLine,
  notificationText,
  openFile,
  openWorkbench,
  root,
  skipOrFail,
  visibleHover,
  visualColumn,
  type Workbench,
} from './harness.ts';

const reason = cannotRun();

const mainGo = `package main

import "fmt"

// Session is 56 B as written: slot 64 (class 6); 32 B with the int64 fields first.
type Session struct {
	Active bool
	ID     int64
	Admin  bool
	Start  int64
	Guest  bool
	End    int64
	Closed bool
}

// Point is built with an unkeyed literal below: no fix.
type Point struct {
	Tag    bool
	X, Y   float64
	Hidden bool
}

var sink any

func main() {
	s := &Session{ID: 1}
	sink = s
	p := &Point{true, 1, 2, false}
	sink = p
	fmt.Println(s.ID, p.X)
}
`;

const fixKey = { binding: 'ctrl+alt+shift+j', press: 'Control+Alt+Shift+J' };
const refusedKey = { binding: 'ctrl+alt+shift+k', press: 'Control+Alt+Shift+K' };

suite('e2e: layout advice and its quick fix', { timeout: 600_000 }, () => {
  if (reason) return skipOrFail(reason);
  let work: string;
  let ws: string;
  let file: string;
  let wb: Workbench | undefined;
  let page: Page;
  let report: LayoutReport;
  const shot = async (name: string): Promise<void> => wb?.shot(name);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ghl-e2e-layout-'));
    ws = join(work, 'ws');
    write(ws, { 'go.mod': 'module example.com/layoute2e\n\ngo 1.21\n', 'main.go': mainGo });
    file = join(ws, 'main.go');
    const cli = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'layout', ws, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, GOTOOLCHAIN: 'local' },
    });
    assert.equal(cli.status, 0, cli.stderr);
    report = JSON.parse(cli.stdout) as LayoutReport;
    wb = await openWorkbench({
      work,
      folder: ws,
      readyFile: 'main.go',
      logName: 'code-server-layout.log',
      workspaceTrust: false,
      keybindings: [
        { key: fixKey.binding, command: 'goHeap.applyLayoutFix', args: { file, name: 'Session' } },
        { key: refusedKey.binding, command: 'goHeap.applyLayoutFix', args: { file, name: 'Point' } },
      ],
    });
    page = wb.page;
    await openFile(page, 'main.go', 'package main');
  });

  after(async () => {
    await wb?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function lineOf(text: string): number {
    const i = readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text));
    assert.ok(i >= 0, text);
    return i + 1;
  }

  /** hoverWith: the caret at line:column, Show Hover, until the hover holds `want` (the advice comes after the analysis). */
  async function hoverWith(line: number, column: number, want: RegExp, name: string): Promise<string> {
    const col = visualColumn(readFileSync(file, 'utf8').split('\n')[line - 1] ?? '', column);
    let last = '';
    for (let attempt = 0; attempt < 40; attempt++) {
      await page.keyboard.press('Escape');
      await goToLine(page, `${line}:${col}`);
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
      const hover: Locator = visibleHover(page, '');
      const seen = await hover.waitFor({ state: 'visible', timeout: 4000 }).then(
        () => true,
        () => false,
      );
      if (seen) {
        last = (await hover.innerText()).replace(/\u00a0/g, ' ');
        if (want.test(last)) return last;
      }
      await new Promise((r) => setTimeout(r, 1500));
    }
    await shot(`layout-${name}`);
    throw new Error(`hover at ${line}:${column} never matched ${want}: last ${JSON.stringify(last)}`);
  }

  test('the struct name says what a reorder saves; the site hint shows the 64 B slot', async () => {
    const session = report.types.find((t) => t.name === 'Session')!;
    assert.deepEqual([session.current.slotBytes, session.best.slotBytes], [64, 32]);
    const hover = await hoverWith(lineOf('type Session struct'), 6, /Layout/, 'session-hover');
    assert.match(hover, /reordered: 56 → 32 B, slot 64 → 32 B \(c6 → c4\), −50 % per object/);
    assert.match(hover, /fix available/);
    const hint = await afterText(page, 's := &Session{ID: 1}');
    assert.match(hint, /56→64 B/);
    await shot('layout-01-advice');
  });

  test('the type with an unkeyed literal offers no fix and says where the literal is', async () => {
    const hover = await hoverWith(lineOf('type Point struct'), 6, /Layout/, 'point-hover');
    const at = `main.go:${lineOf('p := &Point{true')}:`;
    assert.match(hover, /no automatic fix: unkeyed composite literal at /);
    assert.ok(hover.includes(at), `${at} in ${hover}`);
    await page.keyboard.press('Escape');
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press(refusedKey.press);
    const n = await notificationText(page, 'no automatic fix');
    assert.ok(n.includes('unkeyed composite literal') && n.includes(at), n);
    assert.ok(readFileSync(file, 'utf8').includes('type Point struct {\n\tTag    bool'), 'Point is untouched');
  });

  test('the fix moves Session to the 32 B class; after the re-analysis the hint and the hover say so', async () => {
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press(fixKey.press);
    // The fix edits the buffer and saves it: wait for the saved file.
    for (let i = 0; i < 120 && !readFileSync(file, 'utf8').includes('type Session struct {\n\tID'); i++)
      await new Promise((r) => setTimeout(r, 500));
    const text = readFileSync(file, 'utf8');
    assert.match(text, /type Session struct \{\n\tID +int64\n\tStart +int64\n\tEnd +int64\n/);
    assert.equal(spawnSync('gofmt', ['-l', ws], { encoding: 'utf8' }).stdout, '');
    // The hint follows the re-analysis: 32 B, no rounding up.
    let hint = '';
    for (let i = 0; i < 60 && !/32 B/.test(hint); i++) {
      hint = await afterText(page, 's := &Session{ID: 1}');
      if (!/32 B/.test(hint)) await new Promise((r) => setTimeout(r, 1000));
    }
    assert.match(hint, /⇡ 32 B/);
    const site = report.types.find((t) => t.name === 'Session')!.sites[0]!;
    const hover = await hoverWith(lineOf('s := &Session{ID: 1}'), site.column, /32 B/, 'site-after');
    assert.doesNotMatch(hover, /64 B/);
    await shot('layout-02-fixed');
  });
});
