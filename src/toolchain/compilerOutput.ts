// The compiler output of one analysis (every go command's stderr, or a saved file), parsed as it
// arrives, and what the run learns about package directories, so that every error, unparsed line
// and diagnostic count can name the package directory it belongs to (merge.ts replaces by it).
import { isKnownMessage } from '../core/escape/messages.ts';
import { isAbsolute } from 'node:path';
import type { Diagnostic, ParseResult } from '../core/escape/diagnostic.ts';
import { ByteTextParser } from '../core/escape/bytes.ts';
import { SiteCollector, typeQueries, type TypeFact } from '../core/sites/join.ts';
import { dirOf, type AnalysisError, type AnalysisUnparsedLine } from './result.ts';
import type { TypeQuery } from './typefacts.ts';
import { bufferUtf8Decode } from './utf8.ts';

/** Compiler messages that are errors, not optimisation notes (kind `other` from a failed build). */
function isCompileError(d: Diagnostic): boolean {
  return d.kind === 'other' && !isKnownMessage(d.message);
}

/** One go command's stderr (or a saved output file), fed as its bytes arrive. */
export interface OutputParse {
  push(bytes: Uint8Array): void;
  /** The command ended; `failed`: it exited non-zero, so its `other` messages that are not notes are build errors. */
  end(failed: boolean): void;
}

/**
 * CompilerOutput gathers the parses of every go command of a run, in order: diagnostics (and the
 * batches of them per command cwd, which relative `at POS` paths of -m=2 steps resolve against),
 * unparsed lines numbered through all outputs, counts by kind, and the build errors, which go
 * into the run's `errors` in the order they are found among its other errors.
 */
export class CompilerOutput {
  readonly diagnostics: Diagnostic[] = [];
  readonly unparsedLines: AnalysisUnparsedLine[] = [];
  readonly counts: Record<string, number> = {};
  readonly batches: { baseDir: string; diagnostics: Diagnostic[] }[] = [];
  /** The `# pkg` section of each unparsed line (by index into unparsedLines), until directories are known. */
  readonly unparsedPackage = new Map<number, string>();
  private linesBefore = 0;

  constructor(private readonly errors: AnalysisError[]) {}

  /**
   * parse: the parse of one go command's stderr, fed its bytes as they arrive (runGo
   * onStderrBytes), so that it runs while the compiler does and the output is never held whole (a
   * saved output file is fed the same way, 1 MiB at a time: it can exceed V8's longest string):
   * every diagnostic is built, but -m=2 steps only for the explanations the join reads
   * (SiteCollector), and the step lines of the others are never decoded (core/escape/bytes.ts).
   * `onSection` hears each `# pkg` header as it arrives: the progress count of a run.
   */
  parse(baseDir: string, hooks: SectionHooks = {}): OutputParse {
    // One collector per `# pkg` section, so that a section's sites can be joined as soon as it is
    // complete; joinSites reads the first explanation of a subject, and subjects are positions in
    // the section's own files, so the sections' lists joined equal one collector's (a test
    // variant's repeated explanations keep their steps here, and the join still takes the first).
    let cur: { key: string; pkg: string | undefined; n: number; readonly headersAtOpen: number; readonly c: SiteCollector } | undefined;
    const sections: Diagnostic[][] = [];
    let headersSeen = 0;
    const close = () => {
      if (!cur) return;
      const ds = cur.c.diagnostics();
      sections.push(ds);
      hooks.onSectionDone?.(cur.pkg, ds);
      cur = undefined;
    };
    const open = (key: string, pkg: string | undefined) =>
      (cur = { key, pkg, n: 0, headersAtOpen: headersSeen, c: new SiteCollector({ keepAll: true }) });
    // `# pkg` lines, for the section of each unparsed line.
    const headers: { line: number; pkg: string }[] = [];
    const p = new ByteTextParser({
      baseDir,
      want: (kind, file, line, column, expr) => (cur ?? open('', undefined)).c.want(kind, file, line, column, expr),
      onDiagnostic: (d, steps) => {
        const key = `${d.package ?? ''}\0${d.packageVariant ?? ''}`;
        if (cur === undefined || (cur.key !== key && (cur.key !== '' || cur.n > 0))) {
          close();
          open(key, d.package);
        } else if (cur.key !== key) {
          cur.key = key;
          cur.pkg = d.package;
        }
        cur!.n++;
        cur!.c.add(d, steps);
      },
      deferSteps: true,
      decode: bufferUtf8Decode,
      onHeaderLine: (line, text) => {
        const pkg = basePackage(text.slice(2).trim());
        headers.push({ line, pkg });
        headersSeen++;
        hooks.onSection?.(pkg);
      },
    });
    return {
      push: (b) => {
        p.push(b);
        // A header after the open section's start, pushed whole: that section's last block was
        // closed by it, so the section is complete (cmd/go prints a package's output in one piece).
        if (cur !== undefined && cur.n > 0 && headersSeen > cur.headersAtOpen) close();
      },
      end: (failed) => {
        const rest = p.end();
        close();
        const r: ParseResult = { ...rest, diagnostics: sections.length === 1 ? sections[0]! : sections.flat() };
        r.unparsed.forEach((u, i) => {
          const pkg = sectionOf(headers, u.line);
          if (pkg !== undefined) this.unparsedPackage.set(this.unparsedLines.length + i, pkg);
        });
        this.add(r, baseDir, failed);
      },
    };
  }

  private add(r: ParseResult, baseDir: string, failed: boolean): void {
    for (const u of r.unparsed) this.unparsedLines.push({ line: u.line + this.linesBefore, text: u.text });
    this.linesBefore += r.stats.lines;
    this.batches.push({ baseDir, diagnostics: [...r.diagnostics] });
    for (const [k, n] of Object.entries(r.stats.byKind)) this.counts[k] = (this.counts[k] ?? 0) + (n ?? 0);
    for (const d of r.diagnostics) {
      if (failed && isCompileError(d)) {
        this.errors.push({
          kind: 'build',
          message: d.message,
          ...(d.package ? { package: d.package } : {}),
          file: d.absFile ?? d.file,
          line: d.line,
        });
      }
      this.diagnostics.push(d);
    }
  }
}

/** What a parse tells as it goes: each `# pkg` header, and each section's diagnostics once it is complete. */
export interface SectionHooks {
  readonly onSection?: (pkg: string) => void;
  /** A section's diagnostics (as the join reads them: SiteCollector), with the package of its header when it has one. */
  readonly onSectionDone?: (pkg: string | undefined, diagnostics: readonly Diagnostic[]) => void;
}

/** Package import path (variant stripped) → directory, from the helper's package records and, failing those, the diagnostics' files. */
export class PackageDirs {
  private readonly dirs = new Map<string, string>();

  set(pkg: string, dir: string): void {
    this.dirs.set(basePackage(pkg), dir);
  }

  /** of: the directory of a package as cmd/go's header or the helper names it. */
  of(pkg: string | undefined): string | undefined {
    return pkg === undefined ? undefined : this.dirs.get(basePackage(pkg));
  }

  /** learnFrom: without the helper's records (it failed, or a saved output), a package's directory is that of its diagnostics' files. */
  learnFrom(diagnostics: readonly Diagnostic[]): void {
    for (const d of diagnostics)
      if (d.package && d.absFile && !this.dirs.has(basePackage(d.package))) this.set(d.package, dirOf(d.absFile));
  }
}

/** attributeToDirs: the package directory of each error and unparsed line that belongs to one (see the overview). */
export function attributeToDirs(out: CompilerOutput, errors: readonly AnalysisError[], dirs: PackageDirs): void {
  dirs.learnFrom(out.diagnostics);
  for (const e of errors) {
    if (e.dir !== undefined) continue;
    const d = e.file && isAbsolute(e.file) ? dirOf(e.file) : dirs.of(e.package);
    if (d !== undefined) e.dir = d;
  }
  for (const [i, pkg] of out.unparsedPackage) {
    const d = dirs.of(pkg);
    if (d !== undefined) out.unparsedLines[i]!.dir = d;
  }
}

/** countsByDir: diagnostic counts per directory of the package whose compile printed them (so a merge can replace them). */
export function countsByDir(diagnostics: readonly Diagnostic[], dirs: PackageDirs): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const d of diagnostics) {
    const dir = dirs.of(d.package) ?? (d.absFile ? dirOf(d.absFile) : '');
    const c = (out[dir] ??= {});
    c[d.kind] = (c[d.kind] ?? 0) + 1;
  }
  return out;
}

/**
 * queriesByDir: the type queries each package directory would need if analysed alone (cache.ts):
 * a package run has only its own package's facts, so a type of another analysed package that a
 * full run finds among the facts (`&a.T{...}` inlined from a.New) is a query there.
 */
export function queriesByDir(ds: readonly Diagnostic[], runFacts: readonly TypeFact[], dirs: PackageDirs): Map<string, TypeQuery[]> {
  const diags = new Map<string, Diagnostic[]>();
  for (const d of ds) {
    const dir = dirs.of(d.package) ?? (d.absFile ? dirOf(d.absFile) : undefined);
    if (dir !== undefined) (diags.get(dir) ?? diags.set(dir, []).get(dir)!).push(d);
  }
  const factsOf = new Map<string, TypeFact[]>();
  for (const f of runFacts) {
    const dir = dirs.of(f.pkg);
    if (dir !== undefined) (factsOf.get(dir) ?? factsOf.set(dir, []).get(dir)!).push(f);
  }
  const out = new Map<string, TypeQuery[]>();
  for (const [dir, list] of diags) out.set(dir, typeQueries(list, factsOf.get(dir) ?? []));
  return out;
}

/** The package of a cmd/go `# pkg` or `# pkg [pkg.test]` header, without the variant. */
function basePackage(pkg: string): string {
  const i = pkg.indexOf(' [');
  return i < 0 ? pkg : pkg.slice(0, i);
}

/** sectionOf: the package of the last header before `line`. */
function sectionOf(headers: readonly { line: number; pkg: string }[], line: number): string | undefined {
  let lo = 0;
  let hi = headers.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (headers[mid]!.line < line) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : headers[lo - 1]!.pkg;
}
