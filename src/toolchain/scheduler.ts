// When and how the pipeline runs for an editor session: RunScheduler owns every run of every Go
// module (the directory holding go.mod), the session's AnalysisCache (cache.ts) and the results
// (moduleResults.ts). The UI (ui/analysis.ts) turns editor events into requests and shows what
// the scheduler reports; the rules below are unit-tested with a scripted analyze function and
// manual timers (test/unit/scheduler.test.ts).
//
//	- One run per module at a time. A newer run of a module aborts the older one through its
//	  AbortSignal and starts once the older one has ended (its go processes killed), so at most
//	  one go build of a module runs at any moment; runs of different modules are independent.
//	- A request is a full run (`full`), some packages (`packages`, the Analyze Package command),
//	  saved files (`saved`) or saved compiler output (`file`, with the Go version that printed it
//	  where go cannot be asked).
//	- Saves are debounced per module (saveDebounceMs); the files saved in the window make one
//	  request. A save to an idle module does not wait: its run starts at once (a save feels like
//	  a build) and the window opens behind it, so saves within it re-run the union once. A save re-analyses only their packages and merges them into the module's last
//	  result (reanalyze.ts decides whether it can, merge.ts merges): about one `go build` of those
//	  packages instead of the whole module. A save during a run that is not a save run waits for it
//	  (on a large module a restart per save would never finish) and then re-analyses its packages,
//	  whose state that run may predate; a save during a save run aborts it and re-runs the union
//	  of both runs' files, so the last save wins.
//	- The open packages first: a full run that names `focus` files (the visible editors) first
//	  analyses their packages alone and shows them, then the whole module, whose build replays
//	  those packages (and their dependencies) from the build cache, so nothing compiles twice.
//	  Showing a file of a package the module run has not delivered moves that package up
//	  (focus()): the module run is restarted behind a focus run of it; cmd/go has cached every
//	  package the aborted build finished, so what is lost is the compiles in flight.
//	- A module run reports its progress (packages whose output arrived, of how many) to the host,
//	  and shows each package's sites as they arrive (AnalyzeOptions.onPackage), replacing that
//	  package's sites in what is shown: the first at once, then at most one update per
//	  partialResultsMs (each rebuilds the module's file index and redraws the hints).
//	- The last good result of a module is kept when a run fails (marked stale) or is cancelled;
//	  a run cancelled by the user is reported, one superseded by a newer run is not.
import { dirname, resolve } from 'node:path';
import { AnalysisCache } from './cache.ts';
import { ModuleResults, refreshedBy, type EditSnapshot } from './moduleResults.ts';
import { analyzePackages, packagesOfFiles, type SavedPackages } from './reanalyze.ts';
import {
  dirOf,
  type AnalysisError,
  type AnalysisResult,
  type AnalyzeFn,
  type AnalyzeOptions,
  type AnalyzeProgress,
  type PackageSites,
} from './result.ts';

export type RunRequest =
  | {
      readonly kind: 'full';
      readonly trigger: 'open' | 'command' | 'trust';
      /** Files shown in editors: their packages are analysed and shown first (see the overview). */
      readonly focus?: readonly string[];
    }
  | { readonly kind: 'packages'; readonly packages: readonly string[] }
  | { readonly kind: 'saved'; readonly files: readonly string[] }
  | { readonly kind: 'file'; readonly file: string; readonly goVersion?: string };

/** The timers the debounce uses: the host's in the editor, a manual clock in tests. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const hostTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface RunLog {
  info(component: string, message: string): void;
  warn(component: string, message: string): void;
  error(component: string, message: string): void;
}

/** What the scheduler asks of its host (the UI) and tells it. Only optionsFor is required. */
export interface RunHost {
  /** The options of one run: settings, unsaved buffers, the request's packages or file. The scheduler adds its cache. */
  optionsFor(moduleDir: string, request: RunRequest, signal: AbortSignal): AnalyzeOptions;
  /** Shows a run while `work` runs; `cancel` is the user's cancellation of this run. */
  progress?<T>(moduleDir: string, request: RunRequest, work: () => Promise<T>, cancel: () => void): PromiseLike<T>;
  /** A run started or ended: the set of modules with a run changed. */
  runsChanged?(): void;
  /** A module run's progress changed (packages compiled, of how many once known). */
  progressed?(moduleDir: string, progress: AnalyzeProgress): void;
  /** A module's results changed: a new or merged result, or the last one marked stale. */
  resultsChanged?(moduleDir: string): void;
  /** A run's result reports errors (compile errors, a failed helper). */
  errorsReported?(moduleDir: string, errors: readonly AnalysisError[]): void;
  /** A run failed as a whole (no go, a timeout): the last good result stays, marked stale. */
  failed?(moduleDir: string, message: string): void;
  /** The user cancelled a run; `keptPrevious`: the module still shows its last result. */
  cancelled?(moduleDir: string, keptPrevious: boolean): void;
}

interface Run {
  readonly request: RunRequest;
  readonly ac: AbortController;
  cancelledByUser: boolean;
  /** A full run's step: its focus packages alone, then the whole module. */
  phase: 'focus' | 'module' | undefined;
  /** The package directories this run has shown (its focus packages once their run ended). */
  readonly shownDirs: Set<string>;
  /** The run's configured package patterns (a moved-up file must be in one). */
  configured: readonly string[];
  /** The module step's progress, as last reported. */
  progress: AnalyzeProgress | undefined;
  /** Package sites the module step delivered, by package directory, and whether some are not shown yet. */
  readonly delivered: Map<string, PackageSites>;
  unshown: boolean;
  /** The pause between two shows of delivered sites (partialResultsMs), when one is running. */
  cooldown: unknown;
}

interface ModuleRuns {
  /** The newest run: running, or waiting for the run it aborted to end. */
  current: Run | undefined;
  /** Settles when the newest run has ended: the next run waits for it. */
  last: Promise<void>;
  /** Files saved within the debounce window, and the window's timer. */
  saving: { readonly files: Set<string>; readonly timer: unknown; readonly atOnce: boolean } | undefined;
  /** Files saved while a run that is not a save run was in flight: re-analysed when it ends. */
  readonly queued: Set<string>;
}

export const saveDebounceMs = 400;
/** The shortest pause between two shows of a module run's delivered package sites. */
export const partialResultsMs = 1000;

export class RunScheduler {
  readonly results = new ModuleResults();
  private readonly cache = new AnalysisCache();
  private readonly modules = new Map<string, ModuleRuns>();
  private disposed = false;

  constructor(
    private readonly analyze: AnalyzeFn,
    private readonly host: RunHost,
    private readonly log: RunLog,
    private readonly timers: Timers = hostTimers,
  ) {}

  /** The modules with a run in flight (or waiting to start). */
  runningModules(): string[] {
    return [...this.modules].filter(([, m]) => m.current).map(([dir]) => dir);
  }

  /** run starts `request` for the module, aborting its run in flight; resolves when this run has ended. */
  run(moduleDir: string, request: RunRequest): Promise<void> {
    if (this.disposed) return Promise.resolve();
    const m = this.stateOf(moduleDir);
    m.current?.ac.abort();
    const run: Run = {
      request,
      ac: new AbortController(),
      cancelledByUser: false,
      phase: undefined,
      shownDirs: new Set(),
      configured: ['./...'],
      progress: undefined,
      delivered: new Map(),
      unshown: false,
      cooldown: undefined,
    };
    m.current = run;
    const previous = m.last;
    const done = (async () => {
      try {
        await previous;
        if (!run.ac.signal.aborted) await this.execute(moduleDir, run);
      } finally {
        this.ended(moduleDir, run);
      }
    })();
    m.last = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  /**
   * save: `file` of the module was saved. When the module is idle (no run, no open window) its
   * packages' run starts at once, with the saves of the same moment (a Save All), and a window
   * opens behind it; otherwise the file joins the window, whose saves re-analyse their packages
   * once it closes (see the overview).
   */
  save(moduleDir: string, file: string): void {
    if (this.disposed) return;
    const m = this.stateOf(moduleDir);
    if (m.saving?.atOnce) {
      m.saving.files.add(file);
      return;
    }
    if (!m.saving && !m.current) {
      const files = new Set([file]);
      m.saving = {
        files,
        atOnce: true,
        timer: this.timers.setTimeout(() => {
          this.openSaveWindow(moduleDir, new Set());
          void this.run(moduleDir, { kind: 'saved', files: [...files] });
        }, 0),
      };
      return;
    }
    if (m.saving) this.timers.clearTimeout(m.saving.timer);
    const files = m.saving?.files ?? new Set<string>();
    files.add(file);
    this.openSaveWindow(moduleDir, files);
  }

  private openSaveWindow(moduleDir: string, files: Set<string>): void {
    const m = this.stateOf(moduleDir);
    m.saving = { files, atOnce: false, timer: this.timers.setTimeout(() => this.saveWindowClosed(moduleDir, files), saveDebounceMs) };
  }

  /**
   * focus: `file` is shown in an editor. If the module's full run is in its module step and has
   * not shown the file's package (nor has an earlier result), that package moves up: the run is
   * restarted with the file as its focus (see the overview). Returns whether it did.
   */
  focus(moduleDir: string, file: string): boolean {
    if (this.disposed || !file.endsWith('.go')) return false;
    const run = this.modules.get(moduleDir)?.current;
    if (!run || run.request.kind !== 'full' || run.phase !== 'module' || run.ac.signal.aborted) return false;
    const dir = dirname(file);
    if (run.shownDirs.has(dir) || this.results.get(moduleDir)?.result.diagnosticsByDir?.[dir] !== undefined) return false;
    if (packagesOfFiles(moduleDir, [file], run.configured).patterns.length === 0) return false;
    this.log.info('analysis', `${moduleDir}: ${file} is shown and its package not analysed yet: it moves up`);
    void this.run(moduleDir, { kind: 'full', trigger: run.request.trigger, focus: [file] });
    return true;
  }

  /** progressOf: the module step's progress of the module's run in flight, if it reported any. */
  progressOf(moduleDir: string): AnalyzeProgress | undefined {
    return this.modules.get(moduleDir)?.current?.progress;
  }

  /** noteEdit: `file` changed in the editor: it shows no sites until a run that starts after now ends. */
  noteEdit(file: string): void {
    this.results.noteEdit(file);
  }

  dispose(): void {
    this.disposed = true;
    for (const m of this.modules.values()) {
      m.current?.ac.abort();
      if (m.saving) this.timers.clearTimeout(m.saving.timer);
      m.saving = undefined;
      m.queued.clear();
    }
  }

  private stateOf(moduleDir: string): ModuleRuns {
    let m = this.modules.get(moduleDir);
    if (!m) this.modules.set(moduleDir, (m = { current: undefined, last: Promise.resolve(), saving: undefined, queued: new Set() }));
    return m;
  }

  private saveWindowClosed(moduleDir: string, files: ReadonlySet<string>): void {
    const m = this.stateOf(moduleDir);
    m.saving = undefined;
    if (files.size === 0) return;
    const current = m.current?.request;
    if (current && current.kind !== 'saved') {
      for (const f of files) m.queued.add(f);
      return;
    }
    void this.run(moduleDir, { kind: 'saved', files: [...(current?.files ?? []), ...files] });
  }

  /** ended: the run is over; if it was still the newest, the module is idle, and the saves it held back run now. */
  private ended(moduleDir: string, run: Run): void {
    const m = this.stateOf(moduleDir);
    if (m.current !== run) return;
    m.current = undefined;
    this.host.runsChanged?.();
    if (run.request.kind === 'saved' || m.queued.size === 0 || this.disposed) return;
    const files = [...m.queued];
    m.queued.clear();
    void this.run(moduleDir, { kind: 'saved', files });
  }

  private async execute(moduleDir: string, run: Run): Promise<void> {
    const { request, ac } = run;
    // The overlay captures the buffers as they are now; edits after this point stay invalidating.
    const editsAtStart = this.results.editsIn(moduleDir);
    const hostOpts = this.host.optionsFor(moduleDir, request, ac.signal);
    const opts: AnalyzeOptions = hostOpts.noToolchain ? hostOpts : { ...hostOpts, cache: this.cache };
    const pkgs = packagesOf(moduleDir, request, opts);
    if (pkgs?.patterns.length === 0) return; // nothing saved in a package the configuration covers
    const from = request.kind === 'file' ? ` from ${request.file}` : '';
    this.log.info('analysis', `${triggerOf(request)}: analyzing ${moduleDir}${pkgs ? ` (${pkgs.patterns.join(' ')})` : ''}${from}`);
    this.host.runsChanged?.();
    const cancel = () => {
      run.cancelledByUser = true;
      ac.abort();
    };
    run.configured = opts.packages?.length ? opts.packages : ['./...'];
    const work = () => this.analyzeFor(moduleDir, run, opts, pkgs, editsAtStart);
    try {
      const result = await (this.host.progress ? this.host.progress(moduleDir, request, work, cancel) : work());
      if (ac.signal.aborted) {
        if (run.cancelledByUser) this.host.cancelled?.(moduleDir, this.results.has(moduleDir));
        return;
      }
      this.accept(moduleDir, result, refreshedBy(result, editsAtStart, pkgs?.dirs));
    } catch (e) {
      if (ac.signal.aborted) {
        this.log.info('analysis', `${moduleDir}: run cancelled`);
        if (run.cancelledByUser) this.host.cancelled?.(moduleDir, this.results.has(moduleDir));
        return;
      }
      const message = e instanceof Error ? e.message : String(e);
      this.log.error('analysis', `${moduleDir}: ${message}`);
      this.results.markStale(moduleDir);
      this.host.failed?.(moduleDir, message);
      this.host.resultsChanged?.(moduleDir);
    }
  }

  /** analyzeFor: a save run and a package run go through the merge decision (reanalyze.ts); the others are full runs. */
  private async analyzeFor(
    moduleDir: string,
    run: Run,
    opts: AnalyzeOptions,
    pkgs: SavedPackages | undefined,
    editsAtStart: EditSnapshot,
  ): Promise<AnalysisResult> {
    const { request } = run;
    const prev = this.results.get(moduleDir)?.result;
    if (!pkgs) {
      if (request.kind === 'full' && request.focus?.length && !opts.fromFile) await this.analyzeFocus(moduleDir, run, opts, editsAtStart);
      run.phase = 'module';
      const base = this.results.get(moduleDir)?.result;
      try {
        return await this.analyze({
          ...opts,
          onProgress: (p) => {
            if (run.ac.signal.aborted) return;
            run.progress = p;
            this.host.progressed?.(moduleDir, p);
          },
          onPackage: (d) => {
            if (run.ac.signal.aborted || this.disposed) return;
            run.delivered.set(d.dir, d);
            run.shownDirs.add(d.dir);
            run.unshown = true;
            if (run.cooldown === undefined) this.showDelivered(moduleDir, run, base, editsAtStart);
          },
        });
      } finally {
        if (run.cooldown !== undefined) this.timers.clearTimeout(run.cooldown);
        run.cooldown = undefined;
      }
    }
    const r = await analyzePackages(this.analyze, opts, prev, pkgs, request.kind === 'saved' ? 'module' : 'alone');
    if (request.kind === 'saved') {
      this.log.info(
        'analysis',
        r.full ? `${moduleDir}: analysed the whole module` : `${moduleDir}: re-analysed ${r.patterns.join(' ')} and merged`,
      );
    }
    return r.result;
  }

  /**
   * showDelivered: the module's shown result with the delivered packages' sites in place of their
   * earlier ones (`base`: what was shown when the module step started), then a pause of
   * partialResultsMs during which deliveries only accumulate.
   */
  private showDelivered(moduleDir: string, run: Run, base: AnalysisResult | undefined, editsAtStart: EditSnapshot): void {
    run.unshown = false;
    const fresh = [...run.delivered.values()];
    const first = fresh[0]!;
    const byDir: Record<string, Record<string, number>> = { ...base?.diagnosticsByDir };
    for (const d of fresh) byDir[d.dir] ??= {};
    const partial: AnalysisResult = {
      goVersion: first.goVersion,
      arch: first.arch,
      experiments: first.experiments,
      modules: base?.modules ?? [moduleDir],
      sites: [...(base?.sites.filter((s) => !run.delivered.has(dirOf(s.file))) ?? []), ...fresh.flatMap((d) => d.sites)],
      diagnostics: base?.diagnostics ?? {},
      diagnosticsByDir: byDir,
      unparsed: base?.unparsed ?? 0,
      unparsedLines: base?.unparsedLines ?? [],
      errors: base?.errors ?? [],
      durationMs: 0,
      ...(base?.reanalysed ? { reanalysed: base.reanalysed } : {}),
    };
    this.results.accept(moduleDir, partial, new Map([...editsAtStart].filter(([f]) => run.delivered.has(dirname(f)))));
    this.host.resultsChanged?.(moduleDir);
    run.cooldown = this.timers.setTimeout(() => {
      run.cooldown = undefined;
      if (run.unshown && !run.ac.signal.aborted && this.modules.get(moduleDir)?.current === run)
        this.showDelivered(moduleDir, run, base, editsAtStart);
    }, partialResultsMs);
  }

  /**
   * analyzeFocus: a full run's first step, the packages of its focus files alone, shown at once
   * (merged into the module's last result when there is one). A failure here is left to the
   * module step, which builds the same packages and reports it.
   */
  private async analyzeFocus(moduleDir: string, run: Run, opts: AnalyzeOptions, editsAtStart: EditSnapshot): Promise<void> {
    if (run.request.kind !== 'full' || !run.request.focus) return;
    const focus = packagesOfFiles(moduleDir, run.request.focus, run.configured);
    if (focus.patterns.length === 0) return;
    run.phase = 'focus';
    this.log.info('analysis', `${moduleDir}: analysing the open packages first (${focus.patterns.join(' ')})`);
    let r: Awaited<ReturnType<typeof analyzePackages>>;
    try {
      r = await analyzePackages(this.analyze, opts, this.results.get(moduleDir)?.result, focus, 'alone');
    } catch (e) {
      if (run.ac.signal.aborted) throw e;
      this.log.warn(
        'analysis',
        `${moduleDir}: the open packages' run failed (${e instanceof Error ? e.message : String(e)}); the module run goes on`,
      );
      return;
    }
    if (run.ac.signal.aborted) return;
    for (const d of focus.dirs) run.shownDirs.add(d);
    // A package run refreshes only its packages' files, merged or not.
    const refreshed = new Map([...editsAtStart].filter(([f]) => focus.dirs.includes(dirname(f))));
    this.accept(moduleDir, r.result, refreshed);
  }

  private accept(moduleDir: string, result: AnalysisResult, refreshed: ReadonlyMap<string, number>): void {
    this.log.info(
      'analysis',
      `${moduleDir}: go${result.goVersion.replace(/^go/, '')} ${result.arch}, ${result.sites.length} sites, ` +
        `${result.unparsed} unparsed lines, ${result.errors.length} errors, ${Math.round(result.durationMs)} ms`,
    );
    for (const u of result.unparsedLines.slice(0, 20)) this.log.warn('parse', `unparsed line ${u.line}: ${u.text}`);
    for (const err of result.errors) {
      this.log.error(
        'go',
        `${err.kind}${err.package ? ` ${err.package}` : ''}${err.file ? ` ${err.file}:${err.line ?? ''}` : ''}: ${err.message}`,
      );
    }
    if (result.errors.length > 0) this.host.errorsReported?.(moduleDir, result.errors);
    this.results.accept(moduleDir, result, refreshed);
    this.host.resultsChanged?.(moduleDir);
  }
}

/** packagesOf: the packages a package run of `request` analyses (saved files → their packages); undefined for a full run. */
function packagesOf(moduleDir: string, request: RunRequest, opts: AnalyzeOptions): SavedPackages | undefined {
  if (request.kind === 'saved') return packagesOfFiles(moduleDir, request.files, opts.packages?.length ? opts.packages : ['./...']);
  if (request.kind === 'packages') return { patterns: [...request.packages], dirs: request.packages.map((p) => resolve(moduleDir, p)) };
  return undefined;
}

function triggerOf(request: RunRequest): string {
  return request.kind === 'full' ? request.trigger : request.kind === 'saved' ? 'save' : request.kind === 'packages' ? 'command' : 'file';
}
