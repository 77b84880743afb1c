// The measured heap's entry points in the editor: Load Heap Profile… (file picker, a Uri or
// { file } argument, or a file dropped on the Heap view), the `Profile allocations` CodeLens
// above each benchmark and test (with the last run's ns/op, B/op, allocs/op beside it), and
// Profile Benchmarks in Package… (pick benchmarks and a benchtime, or take them from its argument
// so nothing is asked). The work is ProfileService's (profile.ts).
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { benchFiguresText, benchFuncs } from '../core/bench/figures.ts';
import { commandIds } from '../protocol/manifest.ts';
import { profileFileArgs, profileRunArgs } from './commandArgs.ts';
import type { ProfileService } from './profile.ts';

/** loadHeapProfile: the command. With an argument nothing is asked. */
export async function loadHeapProfile(profiles: ProfileService, arg: unknown): Promise<boolean> {
  const given = profileFileArgs(arg);
  if (given === 'invalid') {
    void vscode.window.showErrorMessage('Go Heap Lens: Load Heap Profile takes a file (a Uri or { file: "/abs/path/mem.pprof" }).');
    return false;
  }
  const file =
    given?.file ??
    (
      await vscode.window.showOpenDialog({
        canSelectMany: false,
        openLabel: 'Load',
        title: 'Heap profile (go test -memprofile, pprof.WriteHeapProfile, /debug/pprof/heap or /allocs)',
        filters: { 'Heap profiles': ['pprof', 'prof', 'out', 'pb', 'gz'], 'All files': ['*'] },
      })
    )?.[0]?.fsPath;
  if (!file) return false;
  return profiles.loadFile(file);
}

/** profileBenchmark: the CodeLens command, `{ file, benchmark }` or `{ file, test }` (also a keybinding's args). */
export async function profileBenchmark(profiles: ProfileService, arg: unknown): Promise<boolean> {
  const a = profileRunArgs(arg);
  if (a === undefined || a === 'invalid' || (!a.benchmarks && !a.tests)) {
    void vscode.window.showErrorMessage(
      'Go Heap Lens: Profile Allocations takes { file: "/abs/x_test.go", benchmark: "BenchmarkX" } or { file, test: "TestX" }.',
    );
    return false;
  }
  return profiles.runProfile(a);
}

/** The benchmarks the package in `dir` declares, from its _test.go files. */
function packageBenchmarks(dir: string): string[] {
  const out: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('_test.go'));
  } catch {
    return out;
  }
  for (const n of names.sort()) {
    try {
      const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === path.join(dir, n));
      for (const f of benchFuncs(open ? open.getText() : readFileSync(path.join(dir, n), 'utf8')))
        if (f.kind === 'benchmark') out.push(f.name);
    } catch {
      /* unreadable file: its benchmarks are not offered */
    }
  }
  return out;
}

/**
 * profileBenchmarksInPackage: the command. Without an argument: the active Go file's package, a
 * pick of its benchmarks and a benchtime. With { dir | file, benchmarks?, benchtime? }: nothing is
 * asked (all benchmarks and go test's default benchtime when not given).
 */
export async function profileBenchmarksInPackage(profiles: ProfileService, arg: unknown): Promise<boolean> {
  const a = profileRunArgs(arg);
  if (a === 'invalid' || a?.tests) {
    void vscode.window.showErrorMessage(
      'Go Heap Lens: Profile Benchmarks in Package takes { dir: "/abs/pkg", benchmarks?: ["BenchmarkX"], benchtime?: "100x" }.',
    );
    return false;
  }
  if (a) return profiles.runProfile(a);
  const active = vscode.window.activeTextEditor?.document;
  if (!active || active.uri.scheme !== 'file' || !active.fileName.endsWith('.go')) {
    void vscode.window.showWarningMessage('Go Heap Lens: open a Go file of the package whose benchmarks to profile.');
    return false;
  }
  const dir = path.dirname(active.uri.fsPath);
  const all = packageBenchmarks(dir);
  if (all.length === 0) {
    void vscode.window.showInformationMessage(`Go Heap Lens: no benchmarks (func BenchmarkX(b *testing.B)) in ${dir}.`);
    return false;
  }
  const picked = await vscode.window.showQuickPick(
    all.map((n) => ({ label: n, picked: true })),
    { canPickMany: true, title: `Go Heap: benchmarks to profile in ${path.basename(dir)}` },
  );
  if (!picked || picked.length === 0) return false;
  const benchtime = await vscode.window.showInputBox({
    title: 'Go Heap: -benchtime (every allocation is recorded, so keep it short)',
    value: '100x',
    validateInput: (s) => (/^\d+(\.\d+)?(x|ns|us|µs|ms|s|m|h)$/.test(s.trim()) ? undefined : 'A duration (1s, 500ms) or a count (100x)'),
  });
  if (benchtime === undefined) return false;
  return profiles.runProfile({ dir, benchmarks: picked.map((p) => p.label), benchtime: benchtime.trim() });
}

/** BenchLensProvider: `Profile allocations` above each benchmark and test, and the last run's figures beside a benchmark's. */
export class BenchLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly profiles: ProfileService) {
    this.sub = profiles.onDidChange(() => this.changed.fire());
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!doc.fileName.endsWith('_test.go') || doc.uri.scheme !== 'file') return [];
    const dir = path.dirname(doc.uri.fsPath);
    const out: vscode.CodeLens[] = [];
    for (const f of benchFuncs(doc.getText())) {
      const range = new vscode.Range(f.line - 1, 0, f.line - 1, 0);
      const arg = { file: doc.uri.fsPath, [f.kind]: f.name };
      out.push(
        new vscode.CodeLens(range, {
          title: 'Profile allocations',
          tooltip: `Run ${f.name} with -memprofile -memprofilerate=1 and join the heap profile to the analysis`,
          command: commandIds.profileBenchmark,
          arguments: [arg],
        }),
      );
      const fig = f.kind === 'benchmark' ? this.profiles.figuresFor(dir, f.name) : undefined;
      if (fig) {
        out.push(
          new vscode.CodeLens(range, {
            title: benchFiguresText(fig),
            tooltip: `${f.name}: ${fig.iterations} iterations in the last profiled run (every allocation recorded, so slower than a plain run)`,
            command: 'workbench.view.extension.goHeap',
          }),
        );
      }
    }
    return out;
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
}

/** HeapViewDrop: a profile file dropped on the Heap view is loaded (from the Explorer or the OS). */
export class HeapViewDrop implements vscode.TreeDragAndDropController<unknown> {
  readonly dropMimeTypes = ['text/uri-list', 'files'];
  readonly dragMimeTypes: string[] = [];

  constructor(private readonly profiles: ProfileService) {}

  async handleDrop(_target: unknown, data: vscode.DataTransfer): Promise<void> {
    const file = data.get('files');
    const f = file?.asFile();
    if (f?.uri) {
      await loadHeapProfile(this.profiles, f.uri);
      return;
    }
    const list = await data.get('text/uri-list')?.asString();
    const first = list
      ?.split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l && !l.startsWith('#'));
    if (!first) return;
    const uri = vscode.Uri.parse(first);
    await loadHeapProfile(this.profiles, uri);
  }
}
