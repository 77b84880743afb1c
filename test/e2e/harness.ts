// The e2e harness shared by test/e2e/*.test.ts: code-server 4.139.1 + Debian chromium driven by
// playwright-core (recipe: shared/recipes/vscode-e2e.md; code-server itself: scripts/code-server-env.mjs),
// the workbench gestures the suites repeat, and the process table of what the extension started.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const env = require('../../scripts/code-server-env.mjs') as typeof import('../../scripts/code-server-env.mjs');

// Browser globals used inside page.evaluate callbacks (they run in the page, not in Node).
export interface PageElement {
  readonly textContent: string | null;
  querySelectorAll(s: string): Iterable<PageElement>;
}
declare const document: { querySelectorAll(s: string): Iterable<PageElement> };
declare function getComputedStyle(e: PageElement, pseudo: string): { readonly content: string };

export const root = join(__dirname, '..', '..');
export const artifacts = join(__dirname, 'artifacts');
export const ci = process.env.CI === 'true' || process.env.CI === '1';

function goAvailable(): boolean {
  return spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
}

/** Why the e2e suites cannot run here, or undefined. Under CI a reason is a failure, not a skip. */
export function cannotRun(): string | undefined {
  const m = env.missing();
  if (m.length) return `not installed: ${m.join(', ')} — run scripts/install-code-server.sh`;
  if (!goAvailable()) return 'no `go` on PATH: the extension analyses with the real toolchain';
  try {
    require.resolve('playwright-core');
  } catch {
    return 'playwright-core is not installed (npm ci)';
  }
  return undefined;
}

/** skipOrFail registers the one test a suite has when it cannot run: a loud skip, or under CI a failure. */
export function skipOrFail(reason: string): void {
  if (ci) test('e2e prerequisites', () => assert.fail(`e2e cannot run under CI: ${reason}`));
  else test('e2e in code-server', (t) => t.skip(`SKIPPED LOUDLY: ${reason}`));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export interface Workbench {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly url: string;
  /** code-server's pid (= its session and process group). */
  readonly serverPid: number;
  /** Console errors of the page and its frames (webviews included), with their location. */
  readonly consoleErrors: string[];
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface WorkbenchOptions {
  /** Scratch dir of the suite: the run dir and the chromium profile go under it. */
  readonly work: string;
  /** The folder to open. */
  readonly folder: string;
  /** A file the Explorer must list before the workbench counts as ready. */
  readonly readyFile: string;
  /** Name of the code-server log under test/e2e/artifacts/. */
  readonly logName: string;
  readonly settings?: Record<string, unknown>;
  readonly workspaceTrust?: boolean;
  readonly env?: Record<string, string>;
  /** The user's keybindings.json: how a suite runs a command with an argument. */
  readonly keybindings?: readonly import('../../scripts/code-server-env.mjs').Keybinding[];
}

/** openWorkbench starts code-server with the packaged extension and opens `folder` in chromium. */
export async function openWorkbench(o: WorkbenchOptions): Promise<Workbench> {
  const t0 = Date.now();
  const mark = (what: string): void => console.error(`e2e ${o.logName}: ${what} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  mkdirSync(artifacts, { recursive: true });
  const port = await freePort();
  const cs = await env.startCodeServer({
    runDir: join(o.work, 'run'),
    port,
    logFile: join(artifacts, o.logName),
    packaged: true,
    settings: { 'files.autoSave': 'off', ...o.settings },
    workspaceTrust: o.workspaceTrust ?? false,
    env: o.env ?? {},
    keybindings: o.keybindings ?? [],
  });
  mark('code-server up');
  const { chromium } = await import('playwright-core');
  const profile = join(o.work, 'chromium');
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: env.chromiumBin,
      headless: true,
      env: { ...process.env, XDG_CONFIG_HOME: join(profile, 'xdg-config'), XDG_CACHE_HOME: join(profile, 'xdg-cache') } as Record<
        string,
        string
      >,
      viewport: { width: 1600, height: 1000 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    });
  } catch (e) {
    await cs.stop();
    throw e;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${m.location().url}:${m.location().lineNumber}: ${m.text()}`);
  });
  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: join(artifacts, `${name}.png`) }).catch(() => undefined);
  };
  const wb: Workbench = {
    page,
    context,
    url: cs.url,
    serverPid: cs.pid,
    consoleErrors,
    shot,
    close: async () => {
      await context.close().catch(() => undefined);
      await cs.stop();
    },
  };
  try {
    // The workbench's bundles take long to load on a busy machine: wait for the document only (the
    // workbench itself is awaited below), with bounds far above an idle machine's seconds.
    await page.goto(`${cs.url}/?folder=${encodeURIComponent(o.folder)}`, { waitUntil: 'domcontentloaded', timeout: 180_000 });
    await waitForWorkbench(page, o.readyFile);
    mark('workbench ready');
  } catch (e) {
    await shot(`${o.logName}-not-ready`);
    await wb.close();
    throw e;
  }
  return wb;
}

/** waitForWorkbench: the workbench is ready when the Explorer lists `file`. */
export async function waitForWorkbench(page: Page, file: string): Promise<void> {
  await page.waitForSelector('.monaco-workbench', { timeout: 180_000 });
  await page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: file }).first().waitFor({ timeout: 120_000 });
}

/**
 * openFile clicks `name` in the Explorer and waits for its text and the Go language mode. A click
 * that lands while the workbench is still restoring is dropped (seen on a loaded machine), so the
 * row is clicked again until the editor shows the file; clicking an open file's row is harmless.
 */
export async function openFile(page: Page, name: string, someText: string): Promise<void> {
  const row = page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: name }).first();
  const text = page.locator('.monaco-editor .view-line').filter({ hasText: someText }).first();
  for (let attempt = 1; ; attempt++) {
    await row.click({ timeout: 60_000 });
    if (
      await text.waitFor({ timeout: 20_000 }).then(
        () => true,
        () => false,
      )
    )
      break;
    if (attempt === 4) throw new Error(`${name} did not open after ${attempt} clicks in the Explorer`);
  }
  await page
    .locator('[id="status.editor.mode"]')
    .filter({ hasText: /^\s*Go\s*$/ })
    .waitFor({ timeout: 60_000 });
}

/** runCommand runs a command palette entry by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget:visible input');
  await page.keyboard.type(title);
  await page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/**
 * notificationText: the text of the notification holding `text`. A toast hides itself after
 * 15–20 s, which a loaded machine can spend before the test looks, so a toast not seen at once is
 * looked up in the notification center (which keeps every notification), then the center is closed.
 */
export async function notificationText(page: Page, text: string | RegExp, timeoutMs = 60_000): Promise<string> {
  const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: text }).first();
  if (
    await toast.waitFor({ timeout: 5_000 }).then(
      () => true,
      () => false,
    )
  )
    return toast.innerText();
  await runCommand(page, 'Notifications: Show Notifications');
  const item = page.locator('.notifications-center .notification-list-item').filter({ hasText: text }).first();
  await item.waitFor({ timeout: timeoutMs });
  const got = await item.innerText();
  await runCommand(page, 'Notifications: Hide Notifications');
  return got;
}

/** goToLine: Control+G with "L" or "L:C" (C visual: see visualColumn). */
export async function goToLine(page: Page, line: number | string): Promise<void> {
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+G');
  await page.waitForSelector('.quick-input-widget:visible input');
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
}

/** The visible hover widget holding `marker`. */
export function visibleHover(page: Page, marker = 'Go Heap Lens'): Locator {
  return page.locator('.monaco-editor .monaco-hover:not(.hidden)').filter({ hasText: marker }).first();
}

/**
 * hoverOn moves the mouse onto the first span of line `line` (of the text `lineText`) holding
 * `token` and waits for our hover; the hover needs real movement, so it retries from outside.
 */
export async function hoverOn(
  page: Page,
  line: number,
  lineText: string,
  token: string,
  onFail: (n: string) => Promise<void>,
): Promise<Locator> {
  await goToLine(page, line);
  const row = page.locator('.monaco-editor .view-line').filter({ hasText: lineText }).first();
  await row.waitFor();
  const tok = row.locator('span span').filter({ hasText: token }).first();
  for (let attempt = 0; attempt < 6; attempt++) {
    const box = await tok.boundingBox();
    assert.ok(box, `token ${token} is on screen`);
    await page.mouse.move(box.x - 60, box.y - 60);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
    const hover = visibleHover(page);
    try {
      await hover.waitFor({ state: 'visible', timeout: 4000 });
      return hover;
    } catch {
      /* retry: the hover needs real movement */
    }
  }
  await onFail('hover-failed');
  throw new Error(`no Go Heap Lens hover on ${token} at line ${line}`);
}

/**
 * visualColumn: Go to Line's column for the 1-based UTF-16 `column` of `lineText` (it counts a tab
 * up to the next multiple of the tab size, 4 here, as the status bar does).
 */
export function visualColumn(lineText: string, column: number): number {
  let col = 1;
  for (const ch of lineText.slice(0, column - 1)) col = ch === '\t' ? col + 4 - ((col - 1) % 4) : col + 1;
  return col;
}

/**
 * hoverAt puts the caret at line:column of `file` (column as the compiler counts, converted for
 * Go to Line) and opens the hover from the keyboard (Show or Focus Hover), for tokens the mouse
 * cannot single out.
 */
export async function hoverAt(
  page: Page,
  file: string,
  line: number,
  column: number,
  onFail: (n: string) => Promise<void>,
): Promise<Locator> {
  const col = visualColumn(readFileSync(file, 'utf8').split('\n')[line - 1] ?? '', column);
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.keyboard.press('Escape');
    await goToLine(page, `${line}:${col}`);
    await page
      .locator('[id="status.editor.selection"]')
      .filter({ hasText: `Ln ${line}, Col ${col}` })
      .first()
      .waitFor({ timeout: 10_000 });
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    const hover = visibleHover(page);
    try {
      await hover.waitFor({ state: 'visible', timeout: 4000 });
      return hover;
    } catch {
      /* retry */
    }
  }
  await onFail(`hover-at-${line}-${column}`);
  throw new Error(`no Go Heap Lens hover at ${line}:${column}`);
}

/** afterText: the ::after decoration text on the view line holding `lineText` ('' when none, 'no row' when the line is not shown). */
export function afterText(page: Page, lineText: string): Promise<string> {
  return page.evaluate((t) => {
    const row = [...document.querySelectorAll('.monaco-editor .view-line')].find((l) =>
      (l.textContent ?? '').replace(/\u00a0/g, ' ').includes(t),
    );
    if (!row) return 'no row';
    for (const s of row.querySelectorAll('span')) {
      const c = getComputedStyle(s, '::after').content;
      if (c && c !== 'none' && c !== 'normal') return c;
    }
    return '';
  }, lineText);
}

// ---- the process table ---------------------------------------------------------------------

export interface Proc {
  readonly pid: number;
  readonly ppid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22): (pid, start) names one process. */
  readonly start: number;
  readonly comm: string;
  readonly args: string[];
  readonly cwd: string;
  /** Descends from the pid given to processTable (false: reparented away, e.g. to init). */
  readonly descendant: boolean;
}

/** Executables of the Go toolchain and what it builds for us (`comm` is cut to 15 bytes). */
const toolchainComm = /^(go|compile|asm|link|cgo|vet|typefacts-.*)$/;

/**
 * toolchainProcesses: the live (non-zombie) toolchain processes that descend from `rootPid` or
 * carry `marker` (a NAME=value the suite put in code-server's environment, which every process
 * the extension starts inherits, so a process reparented to init after its parent died is still
 * found).
 */
export function toolchainProcesses(rootPid: number, marker: string): Proc[] {
  const all = new Map<number, { ppid: number; start: number; comm: string; state: string }>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      all.set(Number(e), { state: f[0]!, ppid: Number(f[1]), start: Number(f[19]), comm });
    } catch {
      /* exited meanwhile */
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = pid, n = 0; p > 1 && n < 64; n++) {
      if (p === rootPid) return true;
      const s = all.get(p);
      if (!s) return false;
      p = s.ppid;
    }
    return false;
  };
  const out: Proc[] = [];
  for (const [pid, s] of all) {
    if (s.state === 'Z' || !toolchainComm.test(s.comm)) continue;
    try {
      const descendant = descends(pid);
      if (!descendant && !readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker)) continue;
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      out.push({ pid, ppid: s.ppid, start: s.start, comm: s.comm, args, cwd: readlinkSync(`/proc/${pid}/cwd`), descendant });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

export const procKey = (p: Proc): string => `${p.pid}@${p.start}`;
export const procLine = (p: Proc): string =>
  `${p.pid} (ppid ${p.ppid}${p.descendant ? '' : ', NOT under code-server'}) ${p.args.join(' ')} [cwd ${p.cwd}]`;

/**
 * ProcWatch polls the table every `everyMs` until stopped, keeping every toolchain process seen
 * (by pid@start) and each sample, so a short-lived `go env` is caught as well as overlaps.
 */
export class ProcWatch {
  readonly seen = new Map<string, Proc>();
  readonly samples: Proc[][] = [];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly rootPid: number,
    private readonly marker: string,
    everyMs = 15,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): Proc[] {
    const now = toolchainProcesses(this.rootPid, this.marker);
    for (const p of now) if (!this.seen.has(procKey(p))) this.seen.set(procKey(p), p);
    this.samples.push(now);
    return now;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
