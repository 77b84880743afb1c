// runGo's bounds on what go prints (src/toolchain/go.ts, point 5 of its overview): fake go
// scripts that print without end on stderr or stdout must end in outputTooLarge with the
// caller's memory bounded and no process left; a streamed stream passes everything on and is
// not capped; error details keep only an excerpt.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { suite, test } from 'node:test';
import { defaultSpawner as spawnChild, errorExcerptBytes, runGo, ToolchainError } from '../../src/toolchain/go.ts';
import { fakeGoDir } from './helpers/fakego.ts';
import { groupMembers } from './helpers/procs.ts';

const { dir, fakeGo } = fakeGoDir('ghl-output-');

const line = './internal/x/x.go:12:9: &T{...} escapes to heap in f: flow: ~r0 ← &{storage for &T{...}}';
const endlessStderr = fakeGo('endless-stderr', `exec yes '${line}' >&2`);
const endlessStdout = fakeGo('endless-stdout', `exec yes '${line}'`);

interface Report {
  outcome: 'resolved' | 'rejected' | 'runaway';
  reason?: string;
  message?: string;
  detailsStderrLength?: number;
  stderrLength?: number;
  stderrEnd?: string;
  exitCode?: number;
  consumed: number;
  pgid?: number;
  peakGrowthBytes: number;
}

/** inChild runs runGo in a separate node process (helpers/runaway-go.ts) so its RSS is this run's alone. */
function inChild(goBinary: string, limit: number | undefined, mode = ''): Report {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'helpers', 'runaway-go.ts'), goBinary, limit === undefined ? '' : String(limit), mode],
    {
      encoding: 'utf8',
      timeout: 120_000,
      cwd: join(__dirname, '..', '..'),
    },
  );
  assert.ok(r.stdout.trim(), `the child reported nothing (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Report;
}

async function assertGroupGone(pgid: number | undefined): Promise<void> {
  assert.ok(pgid, 'the child saw the spawn');
  let left = groupMembers(pgid);
  for (let i = 0; i < 100 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
    left = groupMembers(pgid);
  }
  assert.deepEqual(left, [], `processes of group ${pgid} still running`);
}

const MiB = 1024 * 1024;

suite('toolchain: go output bounds', () => {
  for (const [stream, goBinary] of [
    ['stderr', endlessStderr],
    ['stdout', endlessStdout],
  ] as const) {
    test(`a go printing without end on ${stream}: outputTooLarge at the limit, RSS bounded, nothing left running`, async () => {
      const limit = 16 * MiB;
      const r = inChild(goBinary, limit);
      assert.notEqual(
        r.outcome,
        'runaway',
        `RSS grew by ${(r.peakGrowthBytes / MiB).toFixed(0)} MiB: the output was buffered without bound`,
      );
      assert.equal(r.outcome, 'rejected', JSON.stringify(r));
      assert.equal(r.reason, 'outputTooLarge', r.message);
      assert.match(r.message!, new RegExp(`printed more than ${limit} bytes \\(16\\.0 MiB\\) on ${stream}`));
      // The limit's 16 MiB plus slack for the runtime (measured: 16.3 MiB of growth in all; without
      // the limit the watchdog stops the child at 512 MiB within a second).
      assert.ok(r.peakGrowthBytes < limit + 32 * MiB, `peak RSS grew by ${(r.peakGrowthBytes / MiB).toFixed(1)} MiB`);
      assert.ok(r.detailsStderrLength! <= 2 * errorExcerptBytes + 100, `error details hold ${r.detailsStderrLength} chars of stderr`);
      await assertGroupGone(r.pgid);
    });
  }

  test('a streamed stderr is passed on whole and not capped; GoRun keeps its excerpt', () => {
    // 4 M lines, 8 bytes each (the arrow is 3 bytes of UTF-8): 32 MiB through a 1 MiB limit.
    const go = fakeGo('finite-stderr', `yes 'a ← bc' | head -n 4194304 >&2`);
    const r = inChild(go, MiB, 'streamStderr');
    assert.equal(r.outcome, 'resolved', JSON.stringify(r));
    assert.equal(r.exitCode, 0);
    assert.equal(r.consumed, 4194304 * 7, 'every character reached the consumer, none split or lost');
    assert.ok(r.stderrLength! <= 2 * errorExcerptBytes + 100);
    assert.match(r.stderrEnd!, /a ← bc\n$/);
  });

  test("under the limit the output is whole; a timeout's details keep only the ends of stderr", async () => {
    const go = fakeGo('some-output', `printf 'out\\n'; printf 'err ← x\\n' >&2`);
    const ok = await runGo(['build'], { goBinary: go, cwd: dir, maxOutputBytes: 64 });
    assert.deepEqual([ok.stdout, ok.stderr, ok.exitCode], ['out\n', 'err ← x\n', 0]);
    const slow = fakeGo('slow', `printf 'first\\n' >&2; yes '${line}' | head -c 1048576 >&2; printf 'last\\n' >&2; exec sleep 60`);
    const e = await runGo([], { goBinary: slow, cwd: dir, timeoutMs: 1500 }).then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(ToolchainError.is(e, 'timeout'), String(e));
    const s = e.details.stderr!;
    assert.ok(s.length <= 2 * errorExcerptBytes + 100, `${s.length}`);
    assert.match(s, /^first\n/);
    assert.match(s, /last\n$/);
    assert.match(s, /\[… \d+ bytes left out …\]/);
  });

  test('a consumer that throws ends the run with its error and leaves nothing running', async () => {
    let pgid: number | undefined;
    const boom = new Error('consumer refused the output');
    const e = await runGo([], {
      goBinary: endlessStderr,
      cwd: dir,
      onStderr: () => {
        throw boom;
      },
      spawn: (c, a, o) => {
        const child = spawnChild(c, a, o);
        pgid = child.pid;
        return child;
      },
    }).then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.equal(e, boom);
    await assertGroupGone(pgid);
  });
});
