// The measured heap in the editor: the heap profile that is loaded (a file, or the profile of a
// benchmark or test run from a CodeLens or Profile Benchmarks in Package…), joined to the current
// analysis (core/profile/join.ts) and joined again whenever the analysis changes, so hovers, hints
// and the Heap view's Top allocations follow the source. A profile that cannot be read, is not a
// heap profile or is of another program is reported and the last good one stays; so does a failing
// or cancelled benchmark run. Benchmark runs spawn the workspace's code and never run in Restricted
// Mode; loading a file runs nothing and works there too.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BenchFigures } from '../core/bench/figures.ts';
import { decodeHeapProfile, type HeapProfile } from '../core/profile/decode.ts';
import { joinProfile, type ProfileJoin, type ProfileModule } from '../core/profile/join.ts';
import type { Measured } from '../core/profile/types.ts';
import { measuredHintPrefix, measuredHoverMarkdown, type ProfileOrigin } from '../core/sites/measuredHover.ts';
import type { AllocationSite } from '../core/sites/site.ts';
import { runBenchmarks } from '../toolchain/benchRun.ts';
import { ToolchainError } from '../toolchain/go.ts';
import { gunzipProfile, readProfileFile } from '../toolchain/profileFile.ts';
import { findModuleDir } from '../toolchain/workspace.ts';
import { contextKeys } from '../protocol/manifest.ts';
import { unsavedGoBuffers, type AnalysisService } from './analysis.ts';
import { readSettings } from './config.ts';
import type { Log } from './log.ts';
import { canSpawn } from './trust.ts';

/** A run request: benchmarks (or tests) of the package in `dir`. */
export interface ProfileRunRequest {
  readonly dir: string;
  readonly benchmarks?: readonly string[];
  readonly tests?: readonly string[];
  readonly benchtime?: string;
}

interface Loaded {
  readonly origin: ProfileOrigin;
  readonly profile: HeapProfile;
}

export class ProfileService implements vscode.Disposable {
  private loaded: Loaded | undefined;
  private joined: ProfileJoin | undefined;
  /** Why the loaded profile could not be joined to the current analysis (another build…), shown in the view. */
  private joinError: string | undefined;
  /** Figures of the last run of each benchmark, by `dir\0name`. */
  private readonly figures = new Map<string, BenchFigures>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];
  private running: AbortController | undefined;
  /** The sites the current join was made with. */
  private joinedSites: readonly AllocationSite[] = [];

  /** Fires when the profile, its join or the benchmark figures change. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly service: AnalysisService,
    private readonly log: Log,
  ) {
    this.disposables.push(
      this.changed,
      service.onDidChange(() => {
        // The service also fires on every edit (hints clear); only new sites need a new join.
        if (this.loaded && !sameSites(this.service.allSites(), this.joinedSites)) this.rejoin(false);
      }),
    );
  }

  get origin(): ProfileOrigin | undefined {
    return this.loaded?.origin;
  }

  get join(): ProfileJoin | undefined {
    return this.joined;
  }

  get problem(): string | undefined {
    return this.joinError;
  }

  measuredFor(site: AllocationSite): Measured | undefined {
    return this.joined?.bySite.get(site);
  }

  /** hoverMarkdown: the measured section of a site's hover, or '' when nothing was measured there. */
  hoverMarkdown(site: AllocationSite): string {
    const m = this.measuredFor(site);
    return m ? measuredHoverMarkdown(site, m, this.loaded?.origin) : '';
  }

  /** hintPrefix: what leads the inline hint of `line` (1-based) of `file` (`23 % · `), '' without a measured site there. */
  hintPrefix(file: string, line: number): string {
    if (!this.joined) return '';
    return measuredHintPrefix(
      this.service
        .sitesForFile(file)
        .filter((s) => s.line === line)
        .map((s) => this.measuredFor(s)),
    );
  }

  /** figuresFor: the last run's figures of benchmark `name` in `dir`. */
  figuresFor(dir: string, name: string): BenchFigures | undefined {
    return this.figures.get(`${dir}\0${name}`);
  }

  /** loadFile reads, decodes and joins a profile file; on any error the last good profile stays. */
  async loadFile(file: string): Promise<boolean> {
    try {
      const profile = decodeHeapProfile(await readProfileFile(file));
      return this.adopt({ origin: { kind: 'file', label: file }, profile });
    } catch (e) {
      this.fail(`cannot load the heap profile ${file}`, e);
      return false;
    }
  }

  /**
   * runProfile runs benchmarks or tests of one package with a rate-1 profile (toolchain/benchRun.ts),
   * with the analysis's toolchain, environment, flags and unsaved buffers, under a cancellable
   * progress notification. One run at a time: a new one cancels the previous.
   */
  async runProfile(req: ProfileRunRequest): Promise<boolean> {
    if (!canSpawn()) {
      void vscode.window.showWarningMessage(
        'Go Heap Lens: benchmarks and tests run the workspace\u2019s code, so they do not run in Restricted Mode. Trust the workspace, or load a saved heap profile.',
      );
      return false;
    }
    const names = req.tests ?? req.benchmarks ?? [];
    const what = names.length ? names.join(', ') : 'the benchmarks';
    const moduleDir = findModuleDir(path.join(req.dir, 'x.go')) ?? req.dir;
    const settings = readSettings(vscode.Uri.file(req.dir)).analysis;
    this.running?.abort();
    const ac = new AbortController();
    this.running = ac;
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Go Heap: profiling ${what}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => ac.abort());
        try {
          const r = await runBenchmarks({
            dir: req.dir,
            ...(req.tests?.length ? { tests: req.tests } : {}),
            ...(req.benchmarks?.length ? { benchmarks: req.benchmarks } : {}),
            ...(req.benchtime ? { benchtime: req.benchtime } : {}),
            buildFlags: settings.buildFlags,
            buildTags: settings.buildTags,
            env: settings.env,
            ...(settings.goBinary ? { goBinary: settings.goBinary } : {}),
            overlay: unsavedGoBuffers(moduleDir),
            signal: ac.signal,
            onCommand: (argv, cwd) => this.log.command(argv, cwd),
            onOutput: (text) => {
              const last = text.trim().split('\n').pop();
              if (last) progress.report({ message: last.slice(0, 120) });
            },
          });
          for (const f of r.benchmarks) {
            this.figures.set(`${req.dir}\0${f.name}`, f);
            this.log.info(
              'bench',
              `${f.name}: ${f.iterations} iterations, ${f.nsPerOp} ns/op, ${f.bytesPerOp ?? '?'} B/op, ${f.allocsPerOp ?? '?'} allocs/op`,
            );
          }
          const profile = decodeHeapProfile(await gunzipProfile(r.profile));
          const kind = req.tests?.length ? 'test' : 'benchmark';
          const label = names.length ? names.join(', ') : r.benchmarks.map((f) => f.name).join(', ');
          const ok = this.adopt({ origin: { kind, label, dir: req.dir }, profile });
          this.changed.fire();
          return ok;
        } catch (e) {
          if (ToolchainError.is(e, 'cancelled')) {
            void vscode.window.showInformationMessage(
              `Go Heap Lens: profiling ${what} cancelled${this.loaded ? ': the previous profile stays loaded' : ''}.`,
            );
            return false;
          }
          this.fail(`profiling ${what} failed`, e);
          return false;
        } finally {
          if (this.running === ac) this.running = undefined;
        }
      },
    );
  }

  /** clear unloads the profile. */
  clear(): void {
    this.loaded = undefined;
    this.joined = undefined;
    this.joinError = undefined;
    void vscode.commands.executeCommand('setContext', contextKeys.hasProfile, false);
    this.changed.fire();
  }

  /** adopt: a decoded profile becomes the loaded one if it joins the current analysis; else it is refused and the last stays. */
  private adopt(next: Loaded): boolean {
    const prev = { loaded: this.loaded, joined: this.joined, joinError: this.joinError, joinedSites: this.joinedSites };
    this.loaded = next;
    if (!this.rejoin(true)) {
      Object.assign(this, prev);
      return false;
    }
    void vscode.commands.executeCommand('setContext', contextKeys.hasProfile, true);
    const s = this.joined?.summary;
    if (s)
      this.log.info(
        'profile',
        `${s.file}: ${s.totalBytes} B in ${s.totalObjects} objects, ${(s.attributedBytesShare * 100).toFixed(1)} % attributed to ${s.sites} sites`,
      );
    return true;
  }

  /**
   * rejoin joins the loaded profile with the current sites. A mismatch (another program or build)
   * on a fresh profile refuses it (`fresh`); on a re-analysis it is kept and the problem is shown.
   */
  private rejoin(fresh: boolean): boolean {
    const loaded = this.loaded;
    if (!loaded) return false;
    const sites = this.service.allSites();
    this.joinedSites = sites;
    try {
      this.joined = joinProfile(loaded.profile, sites, {
        file: loaded.origin.label,
        modules: modulesOf(sites),
        sourceLines: sourceLinesReader(),
      });
      this.joinError = undefined;
      for (const w of this.joined.summary.warnings) this.log.warn('profile', w);
    } catch (e) {
      if (fresh) {
        this.fail(`the heap profile ${loaded.origin.label} does not fit the analysis`, e);
        return false;
      }
      this.joined = undefined;
      this.joinError = e instanceof Error ? e.message : String(e);
      this.log.warn('profile', this.joinError);
    }
    this.changed.fire();
    return true;
  }

  private fail(what: string, e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    this.log.error('profile', `${what}: ${msg}`);
    const kept = this.loaded ? ` The previous profile (${path.basename(this.loaded.origin.label)}) stays loaded.` : '';
    void vscode.window.showErrorMessage(`Go Heap Lens: ${what}: ${msg.split('\n')[0]}${kept}`, 'Show Log').then((pick) => {
      if (pick) this.log.show();
    });
  }

  dispose(): void {
    this.running?.abort();
    for (const d of this.disposables) d.dispose();
  }
}

function sameSites(a: readonly AllocationSite[], b: readonly AllocationSite[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** modulesOf: the modules the sites belong to, with their module paths from go.mod. */
export function modulesOf(sites: readonly AllocationSite[]): ProfileModule[] {
  const dirs = new Set<string>();
  const seenDirs = new Set<string>();
  for (const s of sites) {
    const d = path.dirname(s.file);
    if (seenDirs.has(d)) continue;
    seenDirs.add(d);
    const m = findModuleDir(s.file);
    if (m) dirs.add(m);
  }
  const out: ProfileModule[] = [];
  for (const dir of dirs) {
    try {
      const m = /^module\s+"?([^\s"]+)"?/m.exec(readFileSync(path.join(dir, 'go.mod'), 'utf8'));
      if (m) out.push({ path: m[1]!, dir });
    } catch {
      /* a module without a readable go.mod: its files still resolve through the sites */
    }
  }
  return out;
}

/** sourceLinesReader: the current text of source files (open buffers first), each read once per join. */
function sourceLinesReader(): (file: string) => readonly string[] | undefined {
  const cache = new Map<string, string[] | undefined>();
  return (file) => {
    if (cache.has(file)) return cache.get(file);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
    let lines: string[] | undefined;
    try {
      lines = (open ? open.getText() : readFileSync(file, 'utf8')).split('\n');
    } catch {
      lines = undefined;
    }
    cache.set(file, lines);
    return lines;
  };
}
