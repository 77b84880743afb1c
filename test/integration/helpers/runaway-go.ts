// Child process of toolchain-output.test.ts: runs runGo on a fake go and reports, as one JSON
// line, how the run ended and how far this process's RSS grew (ru_maxrss: the true peak, not a
// sample). A watchdog stops a run whose RSS grows past `runawayBytes` — what happens when
// runGo buffers without bound — so the test fails quickly instead of exhausting the machine.
import { tmpdir } from 'node:os';
import { defaultSpawner, runGo, ToolchainError } from '../../../src/toolchain/go.ts';

const [goBinary, limit, stream] = process.argv.slice(2);
const runawayBytes = 512 * 1024 * 1024;
const baseRss = process.memoryUsage().rss;
let pgid: number | undefined;
let consumed = 0;
const report = (o: object) =>
  process.stdout.write(`${JSON.stringify({ ...o, pgid, peakGrowthBytes: process.resourceUsage().maxRSS * 1024 - baseRss, consumed })}\n`);
const watchdog = setInterval(() => {
  if (process.memoryUsage().rss - baseRss <= runawayBytes) return;
  if (pgid)
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* gone */
    }
  report({ outcome: 'runaway' });
  process.exit(3);
}, 10);
async function main(): Promise<void> {
  const r = await runGo([], {
    goBinary,
    cwd: tmpdir(),
    ...(limit ? { maxOutputBytes: Number(limit) } : {}),
    ...(stream === 'streamStderr'
      ? {
          onStderr: (t: string) => {
            consumed += t.length;
          },
        }
      : {}),
    spawn: (c, a, o) => {
      const child = defaultSpawner(c, a, o);
      pgid = child.pid;
      return child;
    },
  });
  report({
    outcome: 'resolved',
    exitCode: r.exitCode,
    stdoutLength: r.stdout.length,
    stderrLength: r.stderr.length,
    stderrEnd: r.stderr.slice(-200),
  });
}
main()
  .catch((e: unknown) => {
    report({
      outcome: 'rejected',
      reason: ToolchainError.is(e) ? e.reason : undefined,
      message: (e as Error).message,
      detailsStderrLength: ToolchainError.is(e) ? e.details.stderr?.length : undefined,
    });
  })
  .finally(() => clearInterval(watchdog));
