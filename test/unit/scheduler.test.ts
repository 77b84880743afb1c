// The run scheduler's rules (src/toolchain/scheduler.ts) with a scripted analyze function and a
// manual clock: nothing is spawned, every interleaving is chosen by the test. Each scripted call
// stays in flight until the test ends it, as a go build does until it exits or is killed.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../src/core/alloc/malloc.ts';
import { parseGoExperiment, rulesFor } from '../../src/core/alloc/versions.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';
import { ToolchainError } from '../../src/toolchain/go.ts';
import type { AnalysisError, AnalysisResult, AnalyzeOptions } from '../../src/toolchain/result.ts';
import {
  partialResultsMs,
  RunScheduler,
  saveDebounceMs,
  type RunHost,
  type RunRequest,
  type Timers,
} from '../../src/toolchain/scheduler.ts';

const rules = rulesFor('go1.26.8', 'amd64', parseGoExperiment(''));

function site(file: string, line: number): AllocationSite {
  return {
    file,
    line,
    column: 5,
    construct: 'new',
    expr: 'new(T)',
    escapes: true,
    reason: [],
    type: { name: 'T', size: 24, align: 8, ptrBytes: 8 },
    prediction: classify({ bytes: 24, pointers: true }, rules),
  };
}

function result(sites: AllocationSite[], parts: Partial<AnalysisResult> = {}): AnalysisResult {
  return {
    goVersion: 'go1.26.8',
    arch: 'amd64',
    experiments: '',
    modules: ['/m'],
    sites,
    diagnostics: { escapes: sites.length },
    unparsed: 0,
    unparsedLines: [],
    errors: [],
    durationMs: 1,
    ...parts,
  };
}

/** One call of the scripted analyze function: in flight until the test ends it. */
interface Call {
  readonly opts: AnalyzeOptions;
  /** The call returns `r` (a result) or rejects with it (an Error). */
  end(r: AnalysisResult | Error): void;
  readonly ended: boolean;
}

/** Scripted analyze: records each call and how many calls of one module were in flight at once. */
class Script {
  readonly calls: Call[] = [];
  private readonly inFlight = new Map<string, number>();
  maxInFlightPerModule = 0;
  /** When true, an aborted call ends at once with ToolchainError('cancelled'), as runGo does once its processes are killed. */
  endOnAbort = true;

  readonly analyze = (opts: AnalyzeOptions): Promise<AnalysisResult> =>
    new Promise((resolve, reject) => {
      const dir = opts.dir;
      const n = (this.inFlight.get(dir) ?? 0) + 1;
      this.inFlight.set(dir, n);
      this.maxInFlightPerModule = Math.max(this.maxInFlightPerModule, n);
      let ended = false;
      const call: Call = {
        opts,
        end: (r) => {
          if (ended) return;
          ended = true;
          this.inFlight.set(dir, this.inFlight.get(dir)! - 1);
          if (r instanceof Error) reject(r);
          else resolve(r);
        },
        get ended() {
          return ended;
        },
      };
      opts.signal?.addEventListener('abort', () => {
        if (this.endOnAbort) call.end(new ToolchainError('cancelled', 'go build cancelled'));
      });
      this.calls.push(call);
    });

  last(): Call {
    return this.calls.at(-1) ?? assert.fail('analyze was not called');
  }
}

/** Timers on a manual clock: a timer fires only when the test advances past it. */
class ManualTimers implements Timers {
  private now = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > this.now) break;
      this.pending.delete(id);
      t.fn();
    }
  }
}

/** Lets every promise chain the scheduler started run to where it waits for a call or a timer. */
const flush = () => new Promise<void>((r) => setImmediate(r));

interface Events {
  cancelled: { moduleDir: string; keptPrevious: boolean }[];
  failed: string[];
  errorsReported: (readonly AnalysisError[])[];
  progress: RunRequest[];
  /** How many times the host was told a module's results changed. */
  shown: number;
  /** The user's cancellation of each run shown, newest last. */
  cancels: (() => void)[];
}

function setup(configured: string[] = [], optionsFor?: RunHost['optionsFor']) {
  const script = new Script();
  const timers = new ManualTimers();
  const events: Events = { cancelled: [], failed: [], errorsReported: [], progress: [], cancels: [], shown: 0 };
  const logged: string[] = [];
  const host: RunHost = {
    optionsFor:
      optionsFor ??
      ((dir, request, signal) => ({ dir, packages: configured, signal, ...(request.kind === 'file' ? { fromFile: request.file } : {}) })),
    progress: (_dir, request, work, cancel) => {
      events.progress.push(request);
      events.cancels.push(cancel);
      return work();
    },
    cancelled: (moduleDir, keptPrevious) => events.cancelled.push({ moduleDir, keptPrevious }),
    failed: (_dir, message) => events.failed.push(message),
    errorsReported: (_dir, errors) => events.errorsReported.push(errors),
    resultsChanged: () => events.shown++,
  };
  const log = { info: (c: string, m: string) => logged.push(`${c}: ${m}`), warn: () => {}, error: () => {} };
  const s = new RunScheduler(script.analyze, host, log, timers);
  return { s, script, timers, events, logged };
}

const full: RunRequest = { kind: 'full', trigger: 'command' };

/** A module /m with a full result of packages a and b. */
async function analysed(configured: string[] = []) {
  const t = setup(configured);
  const done = t.s.run('/m', full);
  await flush();
  t.script.last().end(result([site('/m/a/a.go', 3), site('/m/b/b.go', 4)]));
  await done;
  return t;
}

suite('RunScheduler', () => {
  test('at most one build per module: a newer run waits until the run it aborted has ended', async () => {
    const { s, script } = setup();
    script.endOnAbort = false; // the killed go build takes its time to exit
    const first = s.run('/m', full);
    await flush();
    assert.equal(script.calls.length, 1);
    const second = s.run('/m', full);
    await flush();
    assert.equal(script.calls[0]!.opts.signal?.aborted, true, 'the older run is aborted');
    assert.equal(script.calls.length, 1, 'the newer run has not started its build');
    assert.deepEqual(s.runningModules(), ['/m']);
    script.calls[0]!.end(new ToolchainError('cancelled', 'killed'));
    await first;
    await flush();
    assert.equal(script.calls.length, 2);
    script.calls[1]!.end(result([site('/m/a/a.go', 3)]));
    await second;
    assert.equal(script.maxInFlightPerModule, 1);
    assert.deepEqual(s.runningModules(), []);
    assert.equal(s.results.get('/m')?.result.sites.length, 1);
  });

  test('runs of different modules proceed side by side', async () => {
    const { s, script } = setup();
    void s.run('/m', full);
    void s.run('/n', full);
    await flush();
    assert.deepEqual(
      script.calls.map((c) => [c.opts.dir, c.opts.signal?.aborted]),
      [
        ['/m', false],
        ['/n', false],
      ],
    );
    assert.deepEqual(s.runningModules().sort(), ['/m', '/n']);
  });

  test('a save to an idle module runs at once with the saves of the same moment; saves in the window behind it make one run', async () => {
    const { s, script, timers, logged } = await analysed();
    s.save('/m', '/m/a/a.go');
    s.save('/m', '/m/b/b.go'); // Save All: the same moment
    timers.advance(0);
    await flush();
    assert.equal(script.calls.length, 2, 'no debounce wait');
    const first = script.last();
    assert.deepEqual([first.opts.packages, first.opts.singleModule], [['./a', './b'], true]);
    first.end(result([site('/m/a/a.go', 5), site('/m/b/b.go', 6)], { modules: ['/m'] }));
    await flush();
    let r = s.results.get('/m')!.result;
    assert.deepEqual(
      r.sites.map((x) => x.line),
      [5, 6],
    );
    assert.deepEqual(r.reanalysed, { dirs: ['/m/a', '/m/b'], runs: 1, staleDirs: [] });
    assert.ok(logged.includes('analysis: save: analyzing /m (./a ./b)'), logged.join('\n'));
    assert.ok(logged.includes('analysis: /m: re-analysed ./a ./b and merged'), logged.join('\n'));

    // Within the window behind it, saves wait and make one run.
    s.save('/m', '/m/a/a.go');
    timers.advance(saveDebounceMs - 100);
    s.save('/m', '/m/b/b.go');
    timers.advance(saveDebounceMs - 1);
    await flush();
    assert.equal(script.calls.length, 2, 'the window is still open');
    timers.advance(1);
    await flush();
    assert.equal(script.calls.length, 3);
    assert.deepEqual(script.last().opts.packages, ['./a', './b']);
    script.last().end(result([site('/m/a/a.go', 7), site('/m/b/b.go', 8)]));
    await flush();
    r = s.results.get('/m')!.result;
    assert.deepEqual(
      r.sites.map((x) => x.line),
      [7, 8],
    );

    // Once the window has closed with no save in it, the module is idle again.
    timers.advance(saveDebounceMs);
    s.save('/m', '/m/b/b.go');
    timers.advance(0);
    await flush();
    assert.equal(script.calls.length, 4);
    assert.deepEqual(script.last().opts.packages, ['./b']);
  });

  test('a save in the window behind a run started at once aborts it and re-runs the union', async () => {
    const { s, script, timers } = await analysed();
    s.save('/m', '/m/a/a.go');
    timers.advance(0);
    await flush();
    const atOnce = script.last();
    s.save('/m', '/m/b/b.go');
    timers.advance(saveDebounceMs);
    await flush();
    assert.equal(atOnce.opts.signal?.aborted, true);
    assert.deepEqual(script.last().opts.packages, ['./a', './b']);
    assert.equal(script.maxInFlightPerModule, 1);
  });

  test('the last save wins: a save during a save run aborts it, re-runs the union, and the old run cannot overwrite it', async () => {
    const { s, script, timers } = await analysed();
    script.endOnAbort = false;
    s.save('/m', '/m/a/a.go');
    timers.advance(saveDebounceMs);
    await flush();
    const older = script.last();
    s.save('/m', '/m/b/b.go');
    timers.advance(saveDebounceMs);
    await flush();
    assert.equal(older.opts.signal?.aborted, true);
    // The older build had already finished when it was told to stop: its result comes anyway.
    older.end(result([site('/m/a/a.go', 100)]));
    await flush();
    const newer = script.last();
    assert.notEqual(newer, older);
    assert.deepEqual(newer.opts.packages, ['./a', './b']);
    assert.deepEqual(
      s.results.get('/m')!.result.sites.map((x) => x.line),
      [3, 4],
      'the superseded run changed nothing',
    );
    newer.end(result([site('/m/a/a.go', 7), site('/m/b/b.go', 8)]));
    await flush();
    assert.deepEqual(
      s.results.get('/m')!.result.sites.map((x) => x.line),
      [7, 8],
    );
    assert.equal(script.maxInFlightPerModule, 1);
  });

  test('a save during a full run waits for it, then re-analyses its packages', async () => {
    const { s, script, timers } = await analysed();
    const run = s.run('/m', full);
    await flush();
    const fullCall = script.last();
    s.save('/m', '/m/b/b.go');
    timers.advance(saveDebounceMs);
    await flush();
    assert.equal(fullCall.opts.signal?.aborted, false, 'the full run goes on');
    assert.equal(script.last(), fullCall);
    fullCall.end(result([site('/m/a/a.go', 3), site('/m/b/b.go', 4)]));
    await run;
    await flush();
    const saveCall = script.last();
    assert.notEqual(saveCall, fullCall);
    assert.deepEqual([saveCall.opts.packages, saveCall.opts.singleModule], [['./b'], true]);
    saveCall.end(result([site('/m/b/b.go', 9)]));
    await flush();
    assert.deepEqual(
      s.results.get('/m')!.result.sites.map((x) => x.line),
      [3, 9],
    );
  });

  test("cancel keeps the last good result; the user is told, and only when it was the user's cancel", async () => {
    const { s, script, events } = await analysed();
    const before = s.results.get('/m');
    const run = s.run('/m', full);
    await flush();
    events.cancels.at(-1)!();
    await run;
    assert.equal(script.last().opts.signal?.aborted, true);
    assert.equal(s.results.get('/m'), before, 'the same result object, not marked stale');
    assert.deepEqual(events.cancelled, [{ moduleDir: '/m', keptPrevious: true }]);
    // Superseded by a newer run: not a cancellation the user needs to hear about.
    const superseded = s.run('/m', full);
    await flush();
    void s.run('/m', full);
    await superseded;
    assert.equal(events.cancelled.length, 1);
    // Cancelled before any result: nothing to keep.
    const other = setup();
    const first = other.s.run('/n', full);
    await flush();
    other.events.cancels.at(-1)!();
    await first;
    assert.deepEqual(other.events.cancelled, [{ moduleDir: '/n', keptPrevious: false }]);
    assert.equal(other.s.results.size, 0);
  });

  test('a full run supersedes package runs: it aborts them and its result replaces the merged one', async () => {
    const { s, script, timers } = await analysed();
    s.save('/m', '/m/a/a.go');
    timers.advance(saveDebounceMs);
    await flush();
    script.last().end(result([site('/m/a/a.go', 5)]));
    await flush();
    assert.equal(s.results.get('/m')!.result.reanalysed?.runs, 1);
    const pkgRun = s.run('/m', { kind: 'packages', packages: ['./b'] });
    await flush();
    const pkgCall = script.last();
    assert.deepEqual(pkgCall.opts.packages, ['./b']);
    const fullRun = s.run('/m', full);
    await pkgRun;
    await flush();
    assert.equal(pkgCall.opts.signal?.aborted, true);
    const fullCall = script.last();
    assert.notEqual(fullCall, pkgCall);
    assert.deepEqual([fullCall.opts.packages, fullCall.opts.singleModule], [[], undefined]);
    fullCall.end(result([site('/m/a/a.go', 3), site('/m/b/b.go', 4)]));
    await fullRun;
    assert.equal(s.results.get('/m')!.result.reanalysed, undefined);
    // A save during a package run waits for it too (only a save run is restarted by a save).
    const pkgAgain = s.run('/m', { kind: 'packages', packages: ['./a'] });
    await flush();
    s.save('/m', '/m/b/b.go');
    timers.advance(saveDebounceMs);
    await flush();
    assert.equal(script.last().opts.signal?.aborted, false);
    script.last().end(result([site('/m/a/a.go', 3)]));
    await pkgAgain;
    await flush();
    assert.deepEqual(script.last().opts.packages, ['./b']);
  });

  test('a failed run keeps the last result, marked stale; so does a failed build with nothing to show', async () => {
    const { s, script, events } = await analysed();
    const prev = s.results.get('/m')!.result;
    const run = s.run('/m', full);
    await flush();
    script.last().end(new ToolchainError('goNotFound', 'go: executable file not found in $PATH'));
    await run;
    assert.deepEqual(events.failed, ['go: executable file not found in $PATH']);
    assert.deepEqual([s.results.get('/m')!.result, s.results.get('/m')!.stale], [prev, true]);

    const errors: AnalysisError[] = [{ kind: 'build', message: 'undefined: x', dir: '/m/a' }];
    const broken = s.run('/m', full);
    await flush();
    script.last().end(result([], { errors }));
    await broken;
    assert.deepEqual(events.errorsReported, [errors]);
    assert.deepEqual([s.results.get('/m')!.result, s.results.get('/m')!.stale], [prev, true]);

    // Errors next to sites: the new result is shown, with its errors.
    const partial = s.run('/m', full);
    await flush();
    script.last().end(result([site('/m/b/b.go', 4)], { errors }));
    await partial;
    assert.equal(s.results.get('/m')!.stale, false);
    assert.equal(s.results.get('/m')!.result.sites.length, 1);
  });

  test('the merge decision: whole module without a result or for another Go version; Analyze Package alone without a result', async () => {
    // No result yet: a save analyses the whole module.
    const fresh = setup();
    fresh.s.save('/m', '/m/a/a.go');
    fresh.timers.advance(saveDebounceMs);
    await flush();
    assert.deepEqual([fresh.script.last().opts.packages, fresh.script.last().opts.singleModule], [[], undefined]);
    fresh.script.last().end(result([site('/m/a/a.go', 3), site('/m/b/b.go', 4)]));
    await flush();
    assert.ok(fresh.logged.includes('analysis: /m: analysed the whole module'));

    // The package run says the Go version changed: its packages alone would mix two versions.
    const { s, script, timers } = await analysed();
    s.save('/m', '/m/a/a.go');
    timers.advance(saveDebounceMs);
    await flush();
    script.last().end(result([site('/m/a/a.go', 3)], { goVersion: 'go1.27.0' }));
    await flush();
    assert.deepEqual([script.last().opts.packages, script.last().opts.singleModule], [[], undefined]);
    script.last().end(result([site('/m/a/a.go', 3), site('/m/b/b.go', 4)], { goVersion: 'go1.27.0' }));
    await flush();
    assert.equal(s.results.get('/m')!.result.goVersion, 'go1.27.0');
    assert.equal(s.results.get('/m')!.result.reanalysed, undefined);

    // Analyze Package with no result: that package's run is the result.
    const alone = setup();
    const run = alone.s.run('/m', { kind: 'packages', packages: ['./b'] });
    await flush();
    assert.equal(alone.script.calls.length, 1);
    alone.script.last().end(result([site('/m/b/b.go', 4)]));
    await run;
    assert.deepEqual(
      alone.s.results.get('/m')!.result.sites.map((x) => x.file),
      ['/m/b/b.go'],
    );
  });

  test('a save outside the configured packages runs nothing', async () => {
    const { s, script, timers } = await analysed(['./cmd/...']);
    s.save('/m', '/m/a/a.go');
    s.save('/m', '/m/README.md');
    timers.advance(saveDebounceMs);
    await flush();
    assert.equal(script.calls.length, 1);
    assert.deepEqual(s.runningModules(), []);
    s.save('/m', '/m/cmd/x/main.go');
    timers.advance(saveDebounceMs);
    await flush();
    assert.deepEqual(script.last().opts.packages, ['./cmd/x']);
  });

  test('edited files show no sites until a run that started after the edit ends; a package run refreshes only its packages', async () => {
    const { s, script, timers } = await analysed();
    s.noteEdit('/m/a/a.go');
    s.noteEdit('/m/b/b.go');
    assert.deepEqual(s.results.sitesForFile('/m/a/a.go'), []);
    s.save('/m', '/m/a/a.go');
    timers.advance(saveDebounceMs);
    await flush();
    script.last().end(result([site('/m/a/a.go', 5)]));
    await flush();
    assert.equal(s.results.sitesForFile('/m/a/a.go').length, 1, 'a was re-analysed');
    assert.deepEqual(s.results.sitesForFile('/m/b/b.go'), [], 'b was edited and not re-analysed');
    const run = s.run('/m', full);
    await flush();
    s.noteEdit('/m/a/a.go'); // edited while the run compiles the older buffer
    script.last().end(result([site('/m/a/a.go', 3), site('/m/b/b.go', 4)]));
    await run;
    assert.equal(s.results.sitesForFile('/m/b/b.go').length, 1);
    assert.deepEqual(s.results.sitesForFile('/m/a/a.go'), []);
  });

  test('dispose aborts the runs and drops pending and queued saves', async () => {
    const { s, script, timers } = await analysed();
    const run = s.run('/m', full);
    await flush();
    s.save('/m', '/m/a/a.go');
    timers.advance(saveDebounceMs); // queued behind the full run
    s.save('/m', '/m/b/b.go'); // still in its window
    s.dispose();
    await run;
    timers.advance(saveDebounceMs);
    await flush();
    assert.equal(script.calls.length, 2);
    assert.equal(script.last().opts.signal?.aborted, true);
    await s.run('/m', full);
    assert.equal(script.calls.length, 2, 'no run after dispose');
  });

  test('saved compiler output: a file run; the session cache goes to every run that may start go, not to one that runs none', async () => {
    const { s, script, logged } = setup();
    const run = s.run('/m', { kind: 'file', file: '/tmp/out.txt' });
    await flush();
    assert.equal(script.last().opts.fromFile, '/tmp/out.txt');
    const cache = script.last().opts.cache;
    assert.ok(cache, 'the session cache');
    script.last().end(result([site('/m/a/a.go', 3)]));
    await run;
    assert.ok(logged.includes('analysis: file: analyzing /m from /tmp/out.txt'), logged.join('\n'));
    const again = s.run('/m', full);
    await flush();
    assert.equal(script.last().opts.cache, cache, 'one cache per session');
    script.last().end(result([site('/m/a/a.go', 3)]));
    await again;

    const restricted = setup([], (dir, _request, signal) => ({
      dir,
      signal,
      noToolchain: true,
      goVersion: 'go1.24',
      fromFile: '/tmp/out.txt',
    }));
    void restricted.s.run('/m', { kind: 'file', file: '/tmp/out.txt', goVersion: 'go1.24' });
    await flush();
    assert.equal(restricted.script.last().opts.cache, undefined);
  });

  test('the open packages first: a full run with focus files shows their packages, then builds the module', async () => {
    const { s, script } = setup();
    const run = s.run('/m', { kind: 'full', trigger: 'open', focus: ['/m/b/b.go', '/m/b/c.go', '/m/README.md'] });
    await flush();
    assert.equal(script.calls.length, 1);
    assert.deepEqual(script.last().opts.packages, ['./b'], 'the focus files\u2019 package alone');
    assert.equal(script.last().opts.singleModule, true);
    script.last().end(result([site('/m/b/b.go', 4)]));
    await flush();
    assert.deepEqual(
      s.results.sitesForFile('/m/b/b.go').map((x) => x.line),
      [4],
      'shown before the module run ends',
    );
    assert.equal(script.calls.length, 2);
    const moduleCall = script.last();
    assert.deepEqual(moduleCall.opts.packages, [], 'then the whole module (its configured patterns)');
    assert.equal(s.progressOf('/m'), undefined);
    moduleCall.opts.onProgress?.({ packagesDone: 3 });
    moduleCall.opts.onProgress?.({ packagesDone: 4, packagesTotal: 9 });
    assert.deepEqual(s.progressOf('/m'), { packagesDone: 4, packagesTotal: 9 });
    moduleCall.end(result([site('/m/a/a.go', 3), site('/m/b/b.go', 4)]));
    await run;
    assert.equal(s.results.allSites().length, 2, 'the module result replaces the focus result');
    assert.equal(s.progressOf('/m'), undefined, 'no run, no progress');
    assert.equal(script.calls.length, 2);
  });

  test('a focus run that fails is left to the module run; focus files outside the configured packages run nothing first', async () => {
    const { s, script } = setup(['./a/...']);
    const run = s.run('/m', { kind: 'full', trigger: 'open', focus: ['/m/b/b.go'] });
    await flush();
    assert.deepEqual(script.last().opts.packages, ['./a/...'], 'b is not configured: straight to the module run');
    script.last().end(result([site('/m/a/a.go', 3)]));
    await run;

    const t = setup();
    const again = t.s.run('/m', { kind: 'full', trigger: 'open', focus: ['/m/a/a.go'] });
    await flush();
    t.script.last().end(new ToolchainError('buildFailed', 'helper failed'));
    await flush();
    assert.equal(t.script.calls.length, 2, 'the module run still runs');
    t.script.last().end(result([site('/m/a/a.go', 3)]));
    await again;
    assert.equal(t.s.results.allSites().length, 1);
    assert.deepEqual(t.events.failed, []);
  });

  test('a shown file whose package the module run has not reached moves up; shown packages do not', async () => {
    const { s, script, events } = setup();
    const first = s.run('/m', { kind: 'full', trigger: 'open', focus: ['/m/a/a.go'] });
    await flush();
    assert.equal(s.focus('/m', '/m/c/c.go'), false, 'during the focus step nothing moves');
    script.last().end(result([site('/m/a/a.go', 3)]));
    await flush();
    const moduleCall = script.last();
    assert.equal(s.focus('/m', '/m/a/a2.go'), false, 'a is shown already');
    assert.equal(s.focus('/m', '/m/c/notes.txt'), false, 'not Go');
    assert.equal(s.focus('/n', '/n/x/x.go'), false, 'no run in that module');
    assert.equal(s.focus('/m', '/m/c/c.go'), true);
    await first;
    assert.ok(moduleCall.ended, 'the module run was aborted');
    assert.deepEqual(events.cancelled, [], 'superseded, not cancelled by the user');
    await flush();
    assert.deepEqual(script.last().opts.packages, ['./c'], 'c alone first');
    assert.equal(s.focus('/m', '/m/d/d.go'), false, 'not while a focus step runs');
    script.last().end(result([site('/m/c/c.go', 7)]));
    await flush();
    assert.deepEqual(
      s.results.sitesForFile('/m/c/c.go').map((x) => x.line),
      [7],
    );
    assert.equal(s.results.sitesForFile('/m/a/a.go').length, 1, 'merged into what was shown');
    assert.equal(s.focus('/m', '/m/c/c2.go'), false, 'c is shown');
    const second = script.last();
    assert.deepEqual(second.opts.packages, [], 'then the module again (cmd/go replays what the aborted build finished)');
    second.end(
      result([site('/m/a/a.go', 3), site('/m/c/c.go', 7), site('/m/d/d.go', 1)], {
        diagnosticsByDir: { '/m/a': { escapes: 1 }, '/m/c': { escapes: 1 }, '/m/d': { escapes: 1 } },
      }),
    );
    await flush();
    assert.equal(s.results.allSites().length, 3);
    assert.equal(script.calls.length, 4);

    // With a full result, a package it covers does not move up a later module run.
    const later = s.run('/m', full);
    await flush();
    assert.equal(s.focus('/m', '/m/d/d.go'), false, 'd has a result');
    assert.equal(s.focus('/m', '/m/e/e.go'), true, 'e has none');
    await later;
  });

  test('results as they arrive: package sites show at once, then at most once per pause, replacing their package; the result supersedes them', async () => {
    const { s, script, timers, events } = await analysed();
    events.shown = 0;
    const run = s.run('/m', full);
    await flush();
    const call = script.last();
    const deliver = (dir: string, ...sites: AllocationSite[]) =>
      call.opts.onPackage?.({ pkg: `example.com${dir}`, dir, sites, goVersion: 'go1.26.8', arch: 'amd64', experiments: '' });
    deliver('/m/b', site('/m/b/b.go', 9));
    assert.equal(events.shown, 1, 'the first delivery shows at once');
    assert.deepEqual(
      s.results.sitesForFile('/m/b/b.go').map((x) => x.line),
      [9],
      'b replaced',
    );
    assert.deepEqual(
      s.results.sitesForFile('/m/a/a.go').map((x) => x.line),
      [3],
      'a as before',
    );
    deliver('/m/c', site('/m/c/c.go', 1));
    deliver('/m/d', site('/m/d/d.go', 2));
    assert.equal(events.shown, 1, 'within the pause: accumulated');
    assert.equal(s.results.sitesForFile('/m/c/c.go').length, 0);
    timers.advance(partialResultsMs);
    assert.equal(events.shown, 2, 'one show for both');
    assert.equal(s.results.sitesForFile('/m/c/c.go').length, 1);
    assert.equal(s.results.sitesForFile('/m/d/d.go').length, 1);
    timers.advance(partialResultsMs);
    assert.equal(events.shown, 2, 'nothing new, nothing shown');
    deliver('/m/e', site('/m/e/e.go', 5));
    assert.equal(events.shown, 3, 'after a quiet pause, at once again');
    deliver('/m/f', site('/m/f/f.go', 6));
    call.end(result([site('/m/a/a.go', 3), site('/m/b/b.go', 9)]));
    await run;
    assert.equal(events.shown, 4, 'the result, and no pending show after it');
    timers.advance(partialResultsMs);
    assert.equal(events.shown, 4);
    assert.equal(s.results.allSites().length, 2, 'the result supersedes the deliveries');
    assert.equal(s.focus('/m', '/m/e/e.go'), false, 'no run');

    // A delivered package counts as shown: it does not move up; an aborted run's deliveries stop.
    const next = s.run('/m', full);
    await flush();
    const c2 = script.last();
    c2.opts.onPackage?.({
      pkg: 'example.com/m/g',
      dir: '/m/g',
      sites: [site('/m/g/g.go', 1)],
      goVersion: 'go1.26.8',
      arch: 'amd64',
      experiments: '',
    });
    assert.equal(s.focus('/m', '/m/g/g.go'), false);
    assert.equal(s.focus('/m', '/m/h/h.go'), true);
    await next;
    const before = events.shown;
    c2.opts.onPackage?.({
      pkg: 'example.com/m/i',
      dir: '/m/i',
      sites: [site('/m/i/i.go', 1)],
      goVersion: 'go1.26.8',
      arch: 'amd64',
      experiments: '',
    });
    timers.advance(partialResultsMs);
    assert.equal(s.results.sitesForFile('/m/i/i.go').length, 0, 'nothing from an aborted run');
    assert.equal(events.shown, before, 'nor is anything shown for it');
    assert.equal(s.results.sitesForFile('/m/g/g.go').length, 1, 'what it showed stays until a newer result');
  });
});
