// The editor's side of benchmark 8 (latency.ts), in a process of its own so its peak RSS is that of
// an extension host's analysis alone. Usage:
//	node --import tsx bench/latency-child.ts MODULE_DIR FOCUS_FILE GOCACHE [GO] [first]
// `first`: stop at the first hint in FOCUS_FILE (the run is aborted, its go processes killed).
// Drives the run scheduler (src/toolchain/scheduler.ts) as the editor does on opening FOCUS_FILE:
// a full run of the module with that file in focus, through analyzeWorkspace. Prints one JSON line:
// when the file's first site was shown, when the module was done, how many shows and progress
// reports there were, and the process's peak RSS.
import { join } from 'node:path';
import { analyzeWorkspace } from '../src/toolchain/analyze.ts';
import { RunScheduler } from '../src/toolchain/scheduler.ts';
import { goEnvFor } from './lib.ts';

export interface LatencyChildResult {
  /** ms from the run's start to the first show with a site in the focus file (undefined: never). */
  readonly firstHintMs: number | undefined;
  /** ms to the first show of any site. */
  readonly firstShowMs: number | undefined;
  readonly completeMs: number;
  readonly shows: number;
  /** Shows before the end of the run (the focus result and the packages as they arrived). */
  readonly showsBeforeEnd: number;
  readonly progressReports: number;
  readonly lastProgress: { packagesDone: number; packagesTotal?: number } | undefined;
  readonly sites: number;
  readonly errors: number;
  readonly maxRssMiB: number;
}

async function main(): Promise<void> {
  const [moduleDir, focusRel, gocache, goBin, until] = process.argv.slice(2);
  if (!moduleDir || !focusRel || !gocache) throw new Error('usage: latency-child.ts MODULE_DIR FOCUS_FILE GOCACHE [GO]');
  const focus = join(moduleDir, focusRel);
  const errors: string[] = [];
  let shows = 0;
  let firstHintMs: number | undefined;
  let firstShowMs: number | undefined;
  let progressReports = 0;
  let lastProgress: LatencyChildResult['lastProgress'];
  const t0 = performance.now();
  const s: RunScheduler = new RunScheduler(
    analyzeWorkspace,
    {
      optionsFor: (dir, _request, signal) => ({
        dir,
        signal,
        env: goEnvFor({ GOCACHE: gocache }),
        ...(goBin && goBin !== 'go' ? { goBinary: goBin } : {}),
      }),
      resultsChanged: () => {
        shows++;
        const t = performance.now() - t0;
        if (firstShowMs === undefined && s.results.size > 0 && s.results.allSites().length > 0) firstShowMs = t;
        if (firstHintMs === undefined && s.results.sitesForFile(focus).length > 0) {
          firstHintMs = t;
          if (until === 'first') s.dispose();
        }
      },
      progressed: (_dir, p) => {
        progressReports++;
        lastProgress = p;
      },
      failed: (_dir, message) => errors.push(message),
      errorsReported: (_dir, es) => errors.push(...es.map((e) => e.message)),
    },
    { info: () => {}, warn: () => {}, error: (_c, m) => errors.push(m) },
  );
  let showsAtEnd = 0;
  const done = s.run(moduleDir, { kind: 'full', trigger: 'open', focus: [focus] });
  await done;
  const completeMs = performance.now() - t0;
  showsAtEnd = shows;
  s.dispose();
  const out: LatencyChildResult = {
    firstHintMs,
    firstShowMs,
    completeMs,
    shows: showsAtEnd,
    showsBeforeEnd: showsAtEnd - 1,
    progressReports,
    lastProgress,
    sites: s.results.allSites().length,
    errors: errors.length,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  if (errors.length) process.stderr.write(`latency-child: ${errors.length} errors: ${errors.slice(0, 3).join(' | ')}\n`);
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`latency-child failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
