// Issue 6 in a real VS Code: workspace trust ENABLED (code-server without --disable-workspace-trust,
// a fresh user-data dir, no startup prompt), so the folder opens in Restricted Mode. The folder's
// own .vscode/settings.json points go.alternateTools and go.toolsEnvVars at other programs, as an
// attacker's repository would. While Go files are opened, edited and saved and Analyze is tried,
// the process table is polled for any toolchain process under code-server (or carrying this
// run's marker), and `go` on PATH is a recording wrapper around the real one: neither may see a
// single go. "Load Compiler Output" of a recorded -m=2 file must still give hovers.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  cannotRun,
  hoverAt,
  notificationText,
  openFile,
  openWorkbench,
  ProcWatch,
  procLine,
  root,
  runCommand,
  skipOrFail,
  type Workbench,
} from './harness.ts';

const reason = cannotRun();
const recorded = join(root, 'test', 'fixtures', 'recorded', 'go1.26', 'constructs-m2.txt');
/** The key bound to Load Compiler Output with this suite's file and version as the argument. */
const loadKey = { binding: 'ctrl+alt+shift+l', press: 'Control+Alt+Shift+L' };

/** The recorded &Point{...} site (line, column) in alloc/alloc.go. */
function pointSite(): RegExpExecArray {
  const m = /^alloc\/alloc\.go:(\d+):(\d+): (&Point\{\.\.\.\}) escapes to heap$/m.exec(readFileSync(recorded, 'utf8'));
  assert.ok(m, 'the recorded output has the &Point{...} site');
  return m;
}

/** waitUntil polls `cond` (a DOM condition) until it holds; fails naming `what` after 30 s. */
async function waitUntil(cond: () => Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; !(await cond());) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

suite('e2e: Restricted Mode (workspace trust enabled) starts no go', { timeout: 600_000 }, () => {
  if (reason) return skipOrFail(reason);

  let work: string;
  let ws: string;
  let goLog: string;
  let wb: Workbench | undefined;
  let page: Page;
  let watch: ProcWatch | undefined;
  const marker = `GHL_E2E_RUN=trust-${process.pid}`;
  const shot = async (name: string): Promise<void> => wb?.shot(name);

  /** Every go the wrapper saw, and every toolchain process the poll saw. */
  const spawned = (): string[] => [
    ...(existsSync(goLog)
      ? readFileSync(goLog, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => `go wrapper: ${l}`)
      : []),
    ...[...(watch?.seen.values() ?? [])].map(procLine),
  ];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ghl-e2e-trust-'));
    ws = join(work, 'constructs');
    cpSync(join(root, 'test', 'fixtures', 'constructs'), ws, { recursive: true });
    cpSync(recorded, join(work, 'constructs-m2.txt'));
    mkdirSync(join(ws, '.vscode'));
    writeFileSync(
      join(ws, '.vscode', 'settings.json'),
      JSON.stringify({
        'go.alternateTools': { go: join(work, 'evil-go') },
        'go.toolsEnvVars': { GOFLAGS: '-toolexec=/bin/false' },
        'goHeap.analysis.buildFlags': ['-toolexec=/bin/false'],
      }),
    );
    // `go` on the server's PATH records each call, then runs the real go (nothing should reach it).
    const bin = join(work, 'bin');
    mkdirSync(bin);
    goLog = join(work, 'go-calls.log');
    const realGo = join(process.env.GOROOT ?? '/usr/local/go', 'bin', 'go');
    writeFileSync(
      join(bin, 'go'),
      `#!/bin/sh\necho "$$ $PWD: go $*" >> '${goLog}'\nexec '${existsSync(realGo) ? realGo : '/usr/local/go/bin/go'}' "$@"\n`,
    );
    chmodSync(join(bin, 'go'), 0o755);
    wb = await openWorkbench({
      work,
      folder: ws,
      readyFile: 'main.go',
      logName: 'code-server-trust.log',
      workspaceTrust: true,
      env: { PATH: `${bin}:${process.env.PATH}`, GHL_E2E_RUN: marker.split('=')[1]! },
      keybindings: [
        {
          key: loadKey.binding,
          command: 'goHeap.loadCompilerOutput',
          args: { file: join(work, 'constructs-m2.txt'), goVersion: 'go1.26' },
        },
      ],
    });
    page = wb.page;
    watch = new ProcWatch(wb.serverPid, marker);
  });

  after(async () => {
    watch?.stop();
    await wb?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the folder is in Restricted Mode and the extension says so', async () => {
    // VS Code's own indicator, then ours (status item + one message).
    await page
      .locator('.statusbar-item, .monaco-workbench .banner')
      .filter({ hasText: 'Restricted Mode' })
      .first()
      .waitFor({ timeout: 60_000 });
    await openFile(page, 'main.go', 'package main');
    await page.locator('.statusbar-item').filter({ hasText: 'Go Heap: restricted' }).first().waitFor({ timeout: 60_000 });
    await notificationText(page, 'runs no Go toolchain in Restricted Mode');
    await shot('trust-01-restricted');
  });

  test('opening, editing and saving Go files and trying Analyze start no go process', async () => {
    // Another Go file through Quick Open, an edit and a save (the analyze-on-save path).
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget:visible input');
    await page.keyboard.type('alloc.go');
    await page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: 'alloc.go' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.monaco-editor .view-line').filter({ hasText: 'package alloc' }).first().waitFor({ timeout: 60_000 });
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n// edited in Restricted Mode\n');
    await page.keyboard.press('Control+S');
    await page.locator('.editor-group-container .tab.active.dirty').waitFor({ state: 'detached', timeout: 60_000 });
    // The Analyze commands need trust (their enablement): the palette does not list them; if it did, they would run.
    for (const title of ['Go Heap: Analyze Workspace', 'Go Heap: Analyze Package']) {
      await page.keyboard.press('F1');
      await page.waitForSelector('.quick-input-widget:visible input');
      await page.keyboard.type(title);
      const row = page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: title }).first();
      const listed = await row.waitFor({ timeout: 3000 }).then(
        () => true,
        () => false,
      );
      await page.keyboard.press(listed ? 'Enter' : 'Escape');
    }
    // Give a spawned go (or a debounced save) time to show up in the poll.
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(spawned(), [], 'a go process was started in Restricted Mode');
    assert.ok(watch!.samples.length > 100, `the process table was polled (${watch!.samples.length} samples)`);
    await shot('trust-02-no-go');
  });

  test('Load Compiler Output with the file as its argument gives hovers, still without any go; the ignored settings are named', async () => {
    // The command runs with { file, goVersion } from a key bound in the user's keybindings.json (the
    // palette passes no argument): nothing to type into a dialog, so nothing a busy machine can reorder.
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press(loadKey.press);
    await page
      .locator('.statusbar-item')
      .filter({ hasText: /Go Heap: \d+ sites · go1\.26/ })
      .first()
      .waitFor({ timeout: 60_000 });
    const w = await notificationText(page, 'Restricted Mode): ignoring');
    // vscode-go's settings reach the extension (their owner is not installed to restrict them); our own
    // buildFlags is in restrictedConfigurations, so VS Code itself withholds the workspace's value.
    for (const named of ['go.alternateTools', 'go.toolsEnvVars']) assert.ok(w.includes(named), `${named} named in: ${w}`);
    assert.ok(!w.includes('goHeap.analysis.buildFlags'), `VS Code withholds a restricted setting: ${w}`);
    // alloc.go is open (previous test): hover the recorded site &Point{...} at alloc/alloc.go:21:9.
    const m = pointSite();
    await page.locator('.editor-group-container .tab').filter({ hasText: 'alloc.go' }).first().click();
    const hover = await hoverAt(page, join(ws, 'alloc', 'alloc.go'), Number(m[1]), Number(m[2]), shot);
    const text = (await hover.innerText()).replace(/\u00a0/g, ' ');
    assert.ok(text.includes('&Point{...}') && text.includes('escapes to heap'), text);
    assert.match(text, /go1\.26 amd64/);
    await shot('trust-03-loaded-hover');
    await page.keyboard.press('Escape');
    assert.deepEqual(spawned(), [], 'a go process was started in Restricted Mode');
  });

  test('Load Compiler Output through the file dialog and the Go version pick', async () => {
    // The one test of the dialog path. code-server's simple file dialog is a quick input holding a
    // path; it fills in its starting folder asynchronously, and a path typed before that lands is
    // overwritten (seen under load). So: wait until the dialog shows its folder and lists it, type
    // the path, wait until the list shows the file and the input still holds the path, then accept.
    await runCommand(page, 'Go Heap: Load Compiler Output');
    const dialog = page.locator('.quick-input-widget:visible');
    const input = dialog.locator('input').first();
    await input.waitFor();
    await waitUntil(
      async () => (await input.inputValue()).endsWith('/') && (await dialog.locator('.monaco-list-row').count()) > 0,
      'the dialog lists its starting folder',
    );
    const file = join(work, 'constructs-m2.txt');
    await input.fill(file);
    await dialog.locator('.monaco-list-row').filter({ hasText: 'constructs-m2.txt' }).first().waitFor({ timeout: 60_000 });
    assert.equal(await input.inputValue(), file, 'the dialog kept the typed path');
    await page.keyboard.press('Enter');
    // Restricted Mode cannot ask go for its version: the user picks it (here one the first load did not use).
    const versionPick = page.locator('.quick-input-widget:visible').filter({ hasText: 'Which Go version printed this compiler output?' });
    await versionPick.waitFor({ timeout: 60_000 });
    await versionPick.locator('.monaco-list-row').filter({ hasText: 'go1.25' }).first().click();
    await page
      .locator('.statusbar-item')
      .filter({ hasText: /Go Heap: \d+ sites · go1\.25/ })
      .first()
      .waitFor({ timeout: 60_000 });
    const m = pointSite();
    const hover = await hoverAt(page, join(ws, 'alloc', 'alloc.go'), Number(m[1]), Number(m[2]), shot);
    assert.match((await hover.innerText()).replace(/\u00a0/g, ' '), /go1\.25 amd64/);
    await page.keyboard.press('Escape');
    assert.deepEqual(spawned(), [], 'a go process was started in Restricted Mode');
  });
});
