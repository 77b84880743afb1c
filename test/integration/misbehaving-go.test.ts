// Hardening (issue 6, item 4): faults of the go command seen through the whole pipeline
// (analyzeWorkspace), with a `go` that misbehaves only where the compile runs. The wrapper
// below hands every other invocation (go env, the type-facts helper's build) to the real go,
// and for `-gcflags=-m=2` hangs, crashes, prints garbage, or gets killed from outside while
// its child lives on. Each case: a clear typed error or a result with the damage counted,
// the overlay's temp files removed, and no process of the run's process group left behind
// (read from /proc). go-runner.test.ts covers the real go's cancellation and timeout.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeWorkspace, type AnalysisResult } from '../../src/toolchain/analyze.ts';
import { defaultSpawner, ToolchainError, type Spawner } from '../../src/toolchain/go.ts';
import { groupMembers } from './helpers/procs.ts';

const realGo = spawnSync('go', ['env', 'GOROOT'], { encoding: 'utf8' });
const hasGo = realGo.status === 0;
const noGo = 'go is not installed on this machine: the pipeline fault tests need the real go for `go env`';
const goBin = hasGo ? join(realGo.stdout.trim(), 'bin', 'go') : '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const fakeGo = `#!/bin/bash
# A go that misbehaves only for the escape-analysis build (GHL_FAULT), real otherwise.
fault=
for a in "$@"; do [ "$a" = "-gcflags=-m=2" ] && fault=$GHL_FAULT; done
[ -z "$fault" ] && exec "$GHL_REAL_GO" "$@"
case "$fault" in
  hang) sleep 600 & sleep 600 & wait ;;
  crash) kill -SEGV $$ ;;
  garbage) head -c 300000 /dev/urandom >&2; printf '\\n./main.go:5:9: &T{...} escapes to heap\\n' >&2; exit 2 ;;
  orphan) sleep 600 & echo $! > "$GHL_CHILD_PID"; echo $$ > "$GHL_GO_PID"; wait ;;
esac
`;

async function assertGroupGone(pgids: readonly number[]): Promise<void> {
  let left: number[] = [];
  for (let i = 0; i < 150; i++) {
    left = pgids.flatMap(groupMembers);
    if (left.length === 0) return;
    await sleep(20);
  }
  assert.deepEqual(
    left,
    [],
    `processes left running: ${left
      .map((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
        } catch {
          return p;
        }
      })
      .join('; ')}`,
  );
}

/** Overlay temp dirs (workspace.ts writeOverlay) whose Replace map names a file under `root`. */
function overlayDirsOf(root: string): string[] {
  return readdirSync(tmpdir()).filter((e) => {
    if (!e.startsWith('go-heap-lens-overlay-')) return false;
    try {
      return readFileSync(join(tmpdir(), e, 'overlay.json'), 'utf8').includes(root);
    } catch {
      return false;
    }
  });
}

suite('faults: a misbehaving go through the whole pipeline', () => {
  let root: string;
  let mod: string;
  let go: string;
  const roots: string[] = [];

  const setup = () => {
    root = mkdtempSync(join(tmpdir(), 'ghl-faults-'));
    roots.push(root);
    mod = join(root, 'm');
    mkdirSync(mod);
    writeFileSync(join(mod, 'go.mod'), 'module example.com/faults\n\ngo 1.21\n');
    writeFileSync(join(mod, 'main.go'), 'package main\n\ntype T struct{ a [64]byte }\n\nvar sink *T\n\nfunc main() { sink = &T{} }\n');
    go = join(root, 'go');
    writeFileSync(go, fakeGo);
    chmodSync(go, 0o755);
  };

  /** Runs the pipeline with the fake go and records the process group of every spawn. */
  function run(fault: string, extra: { signal?: AbortSignal; timeoutMs?: number; onSpawn?: (c: ChildProcess) => void } = {}) {
    const groups: number[] = [];
    const spawn: Spawner = (c, a, o) => {
      const child = defaultSpawner(c, a, o);
      if (child.pid !== undefined) groups.push(child.pid);
      if (a.includes('-gcflags=-m=2')) extra.onSpawn?.(child);
      return child;
    };
    const p = analyzeWorkspace({
      dir: mod,
      goBinary: go,
      spawn,
      cacheDir: join(root, 'cache'),
      env: {
        GHL_FAULT: fault,
        GHL_REAL_GO: goBin,
        GOTOOLCHAIN: 'local',
        GHL_CHILD_PID: join(root, 'child.pid'),
        GHL_GO_PID: join(root, 'go.pid'),
      },
      // An unsaved buffer makes the pipeline write an -overlay: it must be cleaned up on every path.
      overlay: new Map([
        [join(mod, 'main.go'), 'package main\n\ntype T struct{ a [64]byte }\n\nvar sink *T\n\nfunc main() { sink = &T{} }\n'],
      ]),
      ...(extra.signal ? { signal: extra.signal } : {}),
      ...(extra.timeoutMs ? { timeoutMs: extra.timeoutMs } : {}),
    });
    return { p, groups };
  }

  test('the wrapper really is transparent when nothing is injected (the checks below can fail for the right reason)', async (t) => {
    if (!hasGo) return t.skip(noGo);
    setup();
    const { p, groups } = run('');
    const r: AnalysisResult = await p;
    assert.ok(
      r.sites.some((s) => s.escapes && s.expr.includes('&T{')),
      JSON.stringify(r.sites.map((s) => s.expr)),
    );
    assert.deepEqual(r.errors, []);
    await assertGroupGone(groups);
  });

  test('a go binary that does not exist: goNotFound naming it', async () => {
    await assert.rejects(
      analyzeWorkspace({ dir: tmpdir(), goBinary: join(tmpdir(), 'no-such-dir', 'go') }),
      (e: unknown) => ToolchainError.is(e, 'goNotFound') && /no-such-dir\/go/.test(e.message),
    );
  });

  test('a go that hangs: the timeout kills go and its children and says so', async (t) => {
    if (!hasGo) return t.skip(noGo);
    setup();
    const { p, groups } = run('hang', { timeoutMs: 20_000 });
    // go env and the helper are real and must finish inside the timeout; the build then hangs.
    await assert.rejects(p, (e: unknown) => ToolchainError.is(e, 'timeout') && /timed out after 20000 ms/.test(e.message));
    await assertGroupGone(groups);
    assert.deepEqual(overlayDirsOf(root), [], 'the overlay temp dir is removed');
  });

  test('cancel while go hangs: cancelled, whole tree gone, overlay removed', async (t) => {
    if (!hasGo) return t.skip(noGo);
    setup();
    const ac = new AbortController();
    let build: ChildProcess | undefined;
    const { p, groups } = run('hang', { signal: ac.signal, onSpawn: (c) => (build = c) });
    const outcome = p.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    for (let i = 0; i < 1500 && (build === undefined || groupMembers(build.pid!).length < 3); i++) await sleep(20);
    assert.ok(build && groupMembers(build.pid!).length >= 3, 'the hanging go and its two children are running');
    ac.abort();
    const e = await outcome;
    assert.ok(ToolchainError.is(e, 'cancelled'), `expected cancelled, got ${String(e)}`);
    await assertGroupGone(groups);
    assert.deepEqual(overlayDirsOf(root), [], 'the overlay temp dir is removed');
  });

  test('a go that crashes (SIGSEGV): crashed, with the signal in the message', async (t) => {
    if (!hasGo) return t.skip(noGo);
    setup();
    const { p, groups } = run('crash');
    await assert.rejects(p, (e: unknown) => ToolchainError.is(e, 'crashed') && /SIGSEGV/.test(e.message));
    await assertGroupGone(groups);
  });

  test('a go that prints 300 kB of random bytes and fails: a result, garbage counted as unparsed, the real line kept', async (t) => {
    if (!hasGo) return t.skip(noGo);
    setup();
    const { p, groups } = run('garbage');
    const r = await p;
    assert.ok(r.unparsed > 0, 'garbage lines are counted');
    assert.equal(r.unparsed, r.unparsedLines.length);
    assert.ok(
      r.errors.some((e) => e.kind === 'build'),
      JSON.stringify(r.errors).slice(0, 500),
    );
    assert.ok(
      r.sites.some((s) => s.line === 5 && s.escapes),
      'the one real diagnostic still becomes a site',
    );
    await assertGroupGone(groups);
  });

  test('go killed from outside mid-run while its child holds the output pipes: crashed, the child is killed too', async (t) => {
    if (!hasGo) return t.skip(noGo);
    setup();
    const { p, groups } = run('orphan');
    const outcome = p.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    const goPid = join(root, 'go.pid');
    for (let i = 0; i < 1500 && !existsSync(goPid); i++) await sleep(20);
    await sleep(50);
    const pid = Number(readFileSync(goPid, 'utf8'));
    const childPid = Number(readFileSync(join(root, 'child.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL'); // e.g. the OOM killer: only go dies, its child keeps stderr open
    const e = await Promise.race([outcome, sleep(20_000).then(() => 'still waiting after 20 s')]);
    assert.ok(ToolchainError.is(e, 'crashed') && /SIGKILL/.test(e.message), `expected crashed by SIGKILL, got ${String(e)}`);
    await assertGroupGone(groups);
    assert.ok(
      !existsSync(`/proc/${childPid}`) || readFileSync(`/proc/${childPid}/stat`, 'utf8').includes(') Z '),
      'the orphaned child is gone',
    );
  });

  test('cleanup', () => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });
});
