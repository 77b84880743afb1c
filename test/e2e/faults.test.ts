// Issue 6 in a real VS Code: faults in the editor, checked against the process table. A generated
// module whose one package takes seconds to compile (thousands of functions; a fresh seed in a
// comment defeats the build cache before each run) is opened, then:
//   (a) 100 saves of main.go as fast as the UI takes them (each adds an x to a string whose
//       length is an allocation's size), in two halves with a run started in between: at no sampled moment is more than one `go build` of the module alive, and the
//       result shown at the end is the newest content's;
//   (b) a running analysis is cancelled from its progress notification: a clear message, the last
//       good results kept, and no go/compile process of the run left;
//   (c) the window is reloaded while an analysis runs (of a module four times bigger, whose compile
//       would outlive the check by far): the old extension host's go processes are ended with it
//       (the progress is cancelled and AnalysisService.dispose aborts), none is left orphaned.
// Checked by mutation: with both aborts removed from the bundle, (c) sees go and compile reparented
// to init, still running 8 s after the reload.
// Processes are found by ancestry (descendants of code-server) and by a marker in their environment
// (inherited from code-server), so one reparented to init after its parent died is still seen.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  afterText,
  cannotRun,
  goToLine,
  openFile,
  openWorkbench,
  ProcWatch,
  procKey,
  procLine,
  runCommand,
  skipOrFail,
  toolchainProcesses,
  visualColumn,
  waitForWorkbench,
  type Proc,
  type Workbench,
} from './harness.ts';

const reason = cannotRun();
/** Functions in the generated package: a few seconds of compile -m=2 on this 2-core machine. */
const genFuncs = 2500;
/** Each save adds one x to the string: the allocation's size is its length, so each content has its own size. */
const mainLine = '\tsink = make([]byte, len(""))';

function writeModule(dir: string): void {
  writeFileSync(join(dir, 'go.mod'), 'module example.com/slow\n\ngo 1.21\n');
  writeFileSync(join(dir, 'main.go'), `package main\n\nvar sink any\n\nfunc main() {\n${mainLine}\n\trun()\n}\n`);
  reseed(dir);
}

/** reseed rewrites the big file (`funcs` functions) with a new seed comment: its compile is a build-cache miss. */
function reseed(dir: string, funcs = genFuncs): void {
  const out = [`// seed ${process.hrtime.bigint()}`, 'package main', '', 'type T struct {', '\ta, b, c int', '\tp    *T', '}', ''];
  for (let i = 1; i <= funcs; i++) {
    out.push(
      `func f${i}(x int) *T {`,
      `\tt := &T{a: x + ${i}}`,
      `\tif x > ${i} {`,
      '\t\tt.p = &T{b: x}',
      '\t}',
      '\ts := make([]int, x)',
      '\tsink = s',
      '\treturn t',
      '}',
      '',
    );
  }
  out.push('func run() { sink = f1(3) }', '');
  writeFileSync(join(dir, 'gen.go'), out.join('\n'));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

suite('e2e: faults in the editor (saves, cancel, reload) leave no go behind', { timeout: 900_000 }, () => {
  if (reason) return skipOrFail(reason);

  let work: string;
  let mod: string;
  let wb: Workbench | undefined;
  let page: Page;
  const marker = `GHL_E2E_RUN=faults-${process.pid}`;
  const shot = async (name: string): Promise<void> => wb?.shot(name);
  const procs = (): Proc[] => toolchainProcesses(wb!.serverPid, marker);
  const isBuild = (p: Proc): boolean => p.comm === 'go' && p.args[1] === 'build' && p.cwd === mod;
  /** The go builds themselves: go forks before it execs compile, and the fork briefly looks like go build too. */
  const topBuilds = (ps: readonly Proc[]): Proc[] => {
    const builds = ps.filter(isBuild);
    return builds.filter((b) => !builds.some((o) => o.pid === b.ppid));
  };
  /** The module's own build processes: go build in the module and the compile/asm/link it started there. */
  const ofModule = (p: Proc): boolean => isBuild(p) || (p.comm !== 'go' && p.cwd.startsWith(mod));

  async function waitFor<T>(what: string, f: () => T | undefined | false, timeoutMs: number, everyMs = 20): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = f();
      if (v) return v;
      if (Date.now() > deadline) {
        await shot(`faults-timeout-${what.replace(/\W+/g, '-')}`);
        throw new Error(`timed out waiting for ${what}; toolchain processes: ${procs().map(procLine).join('\n') || 'none'}`);
      }
      await sleep(everyMs);
    }
  }

  /** The status item once no run is going: "Go Heap: N sites · goX". */
  async function idleStatus(timeoutMs: number): Promise<string> {
    const item = page
      .locator('.statusbar-item')
      .filter({ hasText: /Go Heap: \d+ sites · go1\.\d+/ })
      .first();
    await item.waitFor({ timeout: timeoutMs });
    return (await item.innerText()).trim();
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ghl-e2e-faults-'));
    mod = join(work, 'slow');
    mkdirSync(mod);
    writeModule(mod);
    wb = await openWorkbench({
      work,
      folder: mod,
      readyFile: 'main.go',
      logName: 'code-server-faults.log',
      env: { GHL_E2E_RUN: marker.split('=')[1]! },
    });
    page = wb.page;
    await openFile(page, 'main.go', 'package main');
    await idleStatus(240_000);
  });

  after(async () => {
    await wb?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('(a) 100 saves: at most one go build of the module at any moment; the newest content wins', async () => {
    reseed(mod); // the first run after the saves compiles for seconds, so the second half's run must supersede it
    const watch = new ProcWatch(wb!.serverPid, marker, 20);
    let hint = '';
    try {
      await goToLine(page, `6:${visualColumn(mainLine, mainLine.indexOf('""') + 2)}`); // between the quotes
      await page.locator('[id="status.editor.selection"]').filter({ hasText: 'Ln 6,' }).first().waitFor();
      // Control stays down: each save is one inserted x and one s key (Ctrl+S), three protocol messages.
      const saves = async (n: number): Promise<number> => {
        const t = Date.now();
        await page.keyboard.down('Control');
        try {
          for (let i = 0; i < n; i++) {
            await page.keyboard.insertText('x');
            await page.keyboard.press('s');
          }
        } finally {
          await page.keyboard.up('Control');
        }
        return Date.now() - t;
      };
      const firstHalfMs = await saves(50);
      // The debounced run of the first half starts its go build; the second half's run must take over.
      await waitFor('the first go build', () => watch.sample().some(isBuild), 60_000, 5);
      const secondHalfMs = await saves(50);
      console.error(`e2e faults: 100 saves in ${firstHalfMs} + ${secondHalfMs} ms`);
      await shot('faults-a-saved');
      await page.locator('.editor-group-container .tab.active.dirty').waitFor({ state: 'detached', timeout: 10_000 });
      // The newest content is the last save's, on disk: its string's length is the size the hint must show.
      const onDisk = readFileSync(join(mod, 'main.go'), 'utf8');
      const size = /len\("(x*)"\)/.exec(onDisk)?.[1]?.length ?? assert.fail(`main.go after the saves:\n${onDisk}`);
      console.error(`e2e faults: the last save has ${size} x`);
      assert.ok(size >= 90, `the saves reached the file (${size} x)`);
      const deadline = Date.now() + 240_000;
      while (Date.now() < deadline) {
        hint = await afterText(page, 'sink = make([]byte, len("x');
        if (hint.includes(`⇡ ${size}→`)) break;
        await sleep(250);
      }
      await shot('faults-a-saves');
      assert.ok(hint.includes(`⇡ ${size}→`), `the hint of the newest content (${size} B): ${hint}`);
      await waitFor('no build running', () => !watch.sample().some(isBuild) || undefined, 60_000);
    } finally {
      watch.stop();
    }
    const builds = topBuilds([...watch.seen.values()]);
    const maxAlive = Math.max(...watch.samples.map((s) => topBuilds(s).length));
    console.error(
      `e2e faults: ${builds.length} go builds of the module seen in ${watch.samples.length} samples, at most ${maxAlive} at once`,
    );
    assert.ok(builds.length >= 1, 'the saves ran go build');
    assert.ok(watch.samples.length > 200, `the process table was sampled often (${watch.samples.length})`);
    const overlaps = watch.samples.filter((s) => topBuilds(s).length > 1);
    assert.deepEqual(
      overlaps.map((s) => topBuilds(s).map(procLine)),
      [],
      'two go builds of one module alive at once',
    );
  });

  test('(b) Cancel on the progress notification: a clear message, last good results kept, no go/compile left', async () => {
    const before = await idleStatus(60_000);
    const hintBefore = await afterText(page, 'sink = make([]byte, len("');
    assert.match(hintBefore, /⇡ \d+/, 'the last good results show a hint');
    reseed(mod);
    await runCommand(page, 'Go Heap: Analyze Workspace');
    const running = await waitFor(
      'go build of the module',
      () => {
        const ps = procs().filter(ofModule);
        return ps.some((p) => p.comm === 'compile') ? ps : undefined;
      },
      120_000,
      10,
    );
    const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'Go Heap: analyzing slow' }).first();
    await toast.hover();
    await toast.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
    const cancelledAt = Date.now();
    // Every process of the run is gone soon (the compile alone takes seconds more if left running).
    const left = await (async () => {
      for (;;) {
        const alive = procs().filter((p) => ofModule(p) || running.some((r) => procKey(r) === procKey(p)));
        if (alive.length === 0 || Date.now() - cancelledAt > 3000) return alive;
        await sleep(20);
      }
    })();
    assert.deepEqual(left.map(procLine), [], 'go/compile processes left 3 s after Cancel');
    await page
      .locator('.notifications-toasts .notification-toast')
      .filter({ hasText: 'analysis of slow cancelled' })
      .first()
      .waitFor({ timeout: 10_000 });
    await shot('faults-b-cancelled');
    assert.equal(await idleStatus(10_000), before, 'the status still shows the last good results');
    assert.equal(await afterText(page, 'sink = make([]byte, len("'), hintBefore, 'the last good hints are kept');
    await sleep(1000);
    assert.deepEqual(procs().filter(ofModule).map(procLine), [], 'nothing was started again');
  });

  test("(c) Reload Window while an analysis runs: the old run's go processes end with its extension host, none orphaned", async () => {
    // Four times the functions: left running, this compile outlives the 8 s allowed below by far.
    reseed(mod, 4 * genFuncs);
    await runCommand(page, 'Go Heap: Analyze Workspace');
    const old = await waitFor(
      'go build of the module',
      () => {
        const ps = procs().filter(ofModule);
        return ps.some((p) => p.comm === 'compile') ? ps : undefined;
      },
      120_000,
      10,
    );
    const oldKeys = new Set(old.map(procKey));
    const watch = new ProcWatch(wb!.serverPid, marker, 20);
    try {
      await runCommand(page, 'Developer: Reload Window');
      const reloadedAt = Date.now();
      // The old processes must be gone within a few seconds (their compile alone takes longer).
      await (async () => {
        for (;;) {
          const alive = watch.sample().filter((p) => oldKeys.has(procKey(p)));
          if (alive.length === 0) {
            console.error(`e2e faults: the old run's ${oldKeys.size} processes were gone ${Date.now() - reloadedAt} ms after the reload`);
            reseed(mod); // the reloaded window analyses again: the usual size will do
            return;
          }
          if (Date.now() - reloadedAt > 8000)
            assert.fail(`the old run's processes outlived the reload by 8 s:\n${alive.map(procLine).join('\n')}`);
          await sleep(20);
        }
      })();
      await waitForWorkbench(page, 'main.go');
      await shot('faults-c-reloaded');
    } finally {
      watch.stop();
    }
    const orphans = [...watch.seen.values()].filter((p) => !p.descendant);
    assert.deepEqual(orphans.map(procLine), [], 'toolchain processes reparented away from code-server (orphans)');
    // The new window analyses again (main.go is restored): let it finish, then nothing is left at all.
    await idleStatus(240_000).catch(() => undefined);
    await waitFor('no toolchain process', () => procs().length === 0 || undefined, 60_000);
  });
});
