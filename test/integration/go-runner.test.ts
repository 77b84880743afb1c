// The go runner (src/toolchain/go.ts) against the real go command: missing binaries, cancellation
// that must leave no process behind, timeouts, go env in a module. Workspace discovery (go.work,
// nested modules, overlays): test/unit/workspace.test.ts.
import { write } from '../helpers/tempModule.ts';
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultSpawner, goEnv, runGo, ToolchainError, type Spawner } from '../../src/toolchain/go.ts';
import { groupMembers } from './helpers/procs.ts';

const hasGo = spawnSync('go', ['version']).status === 0;
const noGo = 'go is not installed on this machine: the real-toolchain tests cannot run';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ghl-toolchain-'));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

suite('toolchain: go runner', () => {
  test('a bogus go binary is goNotFound, and onCommand saw the argv', async () => {
    const seen: string[][] = [];
    await assert.rejects(
      runGo(['version'], { goBinary: '/nonexistent/go-heap-lens/go', cwd: tmpdir(), onCommand: (argv) => seen.push([...argv]) }),
      (e: unknown) => ToolchainError.is(e, 'goNotFound') && /nonexistent/.test(e.message),
    );
    await assert.rejects(runGo(['version'], { goBinary: 'go-heap-lens-no-such-go', cwd: tmpdir() }), (e: unknown) =>
      ToolchainError.is(e, 'goNotFound'),
    );
    assert.deepEqual(seen, [['/nonexistent/go-heap-lens/go', 'version']]);
  });

  test('an aborted signal spawns nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    let spawned = 0;
    const spy: Spawner = (c, a, o) => {
      spawned++;
      return defaultSpawner(c, a, o);
    };
    await assert.rejects(runGo(['version'], { cwd: tmpdir(), signal: ac.signal, spawn: spy }), (e: unknown) =>
      ToolchainError.is(e, 'cancelled'),
    );
    assert.equal(spawned, 0);
  });

  test('go env -json in a module dir reports version and arch', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const dir = tempDir();
    write(dir, { 'go.mod': 'module example.com/envtest\n\ngo 1.21\n' });
    const env = await goEnv({ cwd: dir, env: { GOTOOLCHAIN: 'local' } });
    assert.match(env.GOVERSION, /^go1\.\d+/);
    assert.ok(env.GOARCH.length > 0);
    assert.ok(env.GOROOT.length > 0);
    rmSync(dir, { recursive: true, force: true });
  });

  test('go env runs in the module dir, so its toolchain line selects the Go version (GOTOOLCHAIN=auto)', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const go127 = resolve(__dirname, '../../.cache/go/go-1.27/bin/go');
    if (!existsSync(go127)) return t.skip(`${go127} is not installed (scripts/install-go-toolchains.sh installs it)`);
    const v = spawnSync(go127, ['env', 'GOVERSION'], { env: { ...process.env, GOTOOLCHAIN: 'local' } })
      .stdout.toString()
      .trim();
    if (
      spawnSync('go', ['env', 'GOVERSION'], { env: { ...process.env, GOTOOLCHAIN: 'local' } })
        .stdout.toString()
        .trim() === v
    ) {
      return t.skip(`the machine go is already ${v}: a toolchain switch cannot be observed`);
    }
    // cmd/go switches toolchains by running a binary named after the version from PATH first.
    const dir = tempDir();
    write(dir, { 'go.mod': `module example.com/switch\n\ngo 1.21\n\ntoolchain ${v}\n` });
    mkdirSync(join(dir, 'bin'));
    symlinkSync(go127, join(dir, 'bin', v));
    const env = await goEnv({ cwd: dir, env: { GOTOOLCHAIN: 'auto', PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? ''}` } });
    assert.equal(env.GOVERSION, v);
    rmSync(dir, { recursive: true, force: true });
  });

  test('cancellation kills the whole process tree (go and the program it runs)', { timeout: 180_000 }, async (t) => {
    if (!hasGo) return t.skip(noGo);
    // `go run` starts the built program as its own child; the program sleeps for an hour, so
    // only a kill of the whole group ends it (killing go alone would leave it running, and
    // its open stdout would keep runGo from ever settling: this test would time out).
    const dir = tempDir();
    write(dir, {
      'go.mod': 'module example.com/sleeper\n\ngo 1.21\n',
      'main.go': 'package main\n\nimport "time"\n\nfunc main() { time.Sleep(time.Hour) }\n',
    });
    let child: ChildProcess | undefined;
    const spawn: Spawner = (c, a, o) => (child = defaultSpawner(c, a, o));
    const ac = new AbortController();
    const outcome = runGo(['run', '.'], {
      cwd: dir,
      signal: ac.signal,
      spawn,
      env: { GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' },
    }).then(
      () => 'resolved',
      (e: unknown) => e,
    );
    for (let i = 0; i < 300 && child?.pid === undefined; i++) await sleep(10);
    const pgid = child!.pid!;
    const comm = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        return '';
      }
    };
    let running = false;
    for (let i = 0; i < 2400 && !running; i++) {
      running = groupMembers(pgid).some((pid) => comm(pid) === 'sleeper');
      if (!running) await sleep(50);
    }
    assert.ok(running, 'the program never started');
    ac.abort();
    const e = await outcome;
    assert.ok(ToolchainError.is(e, 'cancelled'), `expected cancelled, got ${String(e)}`);
    let left = groupMembers(pgid);
    for (let i = 0; i < 100 && left.length > 0; i++) {
      await sleep(20);
      left = groupMembers(pgid);
    }
    assert.deepEqual(left.map(comm), [], `processes of group ${pgid} still running`);
    rmSync(dir, { recursive: true, force: true });
  });

  test('cancellation during a build also reaps the compile processes', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const cache = tempDir();
    let child: ChildProcess | undefined;
    const spawn: Spawner = (c, a, o) => (child = defaultSpawner(c, a, o));
    const ac = new AbortController();
    // A cold cache and -a make `go build std` fork compile processes for a long time.
    const p = runGo(['build', '-a', 'std'], { cwd: tmpdir(), signal: ac.signal, spawn, env: { GOCACHE: cache, GOFLAGS: '-p=2' } });
    const outcome = p.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    let sawChildren = false;
    for (let i = 0; i < 300 && child?.pid === undefined; i++) await sleep(10);
    const pgid = child!.pid!;
    for (let i = 0; i < 600 && !sawChildren; i++) {
      sawChildren = groupMembers(pgid).length > 1;
      if (!sawChildren) await sleep(50);
    }
    assert.ok(sawChildren, 'go build std never forked a child process');
    ac.abort();
    const e = await outcome;
    assert.ok(ToolchainError.is(e, 'cancelled'), `expected cancelled, got ${String(e)}`);
    // SIGKILL of the group is delivered asynchronously: a compile can still be listed for a few
    // milliseconds after go itself is reaped (seen once in CI), so wait as the tests above do.
    let left = groupMembers(pgid);
    for (let i = 0; i < 100 && left.length > 0; i++) {
      await sleep(20);
      left = groupMembers(pgid);
    }
    assert.deepEqual(left, [], `processes of group ${pgid} still running`);
    rmSync(cache, { recursive: true, force: true });
  });

  test('timeouts kill the tree and say so', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const cache = tempDir();
    let child: ChildProcess | undefined;
    const spawn: Spawner = (c, a, o) => (child = defaultSpawner(c, a, o));
    await assert.rejects(runGo(['build', '-a', 'std'], { cwd: tmpdir(), timeoutMs: 1500, spawn, env: { GOCACHE: cache } }), (e: unknown) =>
      ToolchainError.is(e, 'timeout'),
    );
    let left = groupMembers(child!.pid!);
    for (let i = 0; i < 100 && left.length > 0; i++) {
      await sleep(20);
      left = groupMembers(child!.pid!);
    }
    assert.deepEqual(left, []);
    rmSync(cache, { recursive: true, force: true });
  });

  test('a non-zero exit is a result, not an error (the caller reads the output)', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const r = await runGo(['no-such-subcommand'], { cwd: tmpdir() });
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /unknown command/);
  });
});
