// go-heap-lens diff: what changed in the heap between a base and the working tree — another commit
// (--base REF, analysed in a temporary git worktree), a saved `analyze --json` (--base-result), or
// the same source under two Go toolchains (--go A --go B). Gates (--fail-on, .goheaplens.json)
// make it exit 3. Pairing and changes: core/drift/.
import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseGoVersion } from '../core/alloc/versions.ts';
import { BaselineError, parseBaseline } from '../core/drift/baseline.ts';
import { diffAnalyses, type DriftResult, type SiteChange } from '../core/drift/changes.ts';
import { gateReasons, parseBudget, parseFailOn, type Budget, type FailOn } from '../core/drift/gate.ts';
import { changeWords, landingShort, markdownReport, relativeTo, textReport } from '../core/drift/report.ts';
import type { AllocationSite } from '../core/sites/site.ts';
import { analyzeWorkspace, type AnalysisResult, type AnalyzeOptions } from '../toolchain/analyze.ts';
import { compareBaseRef, compareGoVersions, failed, side, type DiffSides } from '../toolchain/baseDiff.ts';
import { BaseRefError } from '../toolchain/baseRef.ts';
import { ToolchainError } from '../toolchain/go.ts';
import { splitFlags, toolchainExitCode } from './analyze.ts';
import { exitFailed, exitOk, exitUsage, parseFlags, UsageError, type CliIO, type Command, type Flags } from './io.ts';

export const exitGate = 3;

const usageLine =
  'usage: go-heap-lens diff [dir] (--base REF | --base-result FILE | --go A --go B) [--json|--markdown|--sarif|--text] [--fail-on new-heap-sites|bytes+N%|class-up] [--budget FILE]';

export const usage = `${usageLine}

Compares the allocation sites of dir (default: the current directory) with a base, site by site:
new and gone heap sites, sites that now (no longer) escape, sites whose size class, span class or
objects per span changed, and sites whose size changed. Moved code is the same site.

  --base REF           analyse the git ref in a temporary worktree (cached by tree hash)
  --base-result FILE   a result saved earlier with: go-heap-lens analyze --json > FILE
  --go A --go B        the same source compiled by go1.A (base) and go1.B (head)
  --goroot DIR         a GOROOT to take a --go toolchain from (repeatable)
  --json | --markdown | --sarif | --text (default)
  --fail-on C          exit 3 when C holds: new-heap-sites, class-up, bytes+N% (repeatable)
  --budget FILE        per-package limits and allowed sites (default: dir/.goheaplens.json if present)
  --packages, --build-flags, --tags, --tests, --timeout: as for analyze

exit codes: 0 ok, 1 analysis failed, 2 bad flags or bad base, 3 a gate holds`;

const flags = {
  json: { type: 'boolean', default: false },
  markdown: { type: 'boolean', default: false },
  sarif: { type: 'boolean', default: false },
  text: { type: 'boolean', default: false },
  base: { type: 'string' },
  'base-result': { type: 'string' },
  go: { type: 'string', multiple: true },
  goroot: { type: 'string', multiple: true },
  'fail-on': { type: 'string', multiple: true },
  budget: { type: 'string' },
  packages: { type: 'string', multiple: true },
  'build-flags': { type: 'string' },
  tags: { type: 'string' },
  tests: { type: 'boolean', default: false },
  timeout: { type: 'string' },
} satisfies Flags;

type Values = ReturnType<typeof parseFlags<typeof flags>>['values'];

function envOf(io: CliIO): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(io.env)) if (v !== undefined) env[k] = v;
  return env;
}

function analyzeOptions(values: Values, dir: string, env: Record<string, string>, signal: AbortSignal): AnalyzeOptions {
  const timeoutS = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutS !== undefined && !(timeoutS > 0)) throw new UsageError(`invalid --timeout "${values.timeout}": expected seconds > 0`);
  return {
    dir,
    env,
    signal,
    ...(values.packages ? { packages: values.packages.flatMap((p) => p.split(',')).filter(Boolean) } : {}),
    ...(values['build-flags'] ? { buildFlags: splitFlags(values['build-flags']) } : {}),
    ...(values.tags ? { buildTags: values.tags.split(',').filter(Boolean) } : {}),
    ...(values.tests ? { includeTests: true } : {}),
    ...(env['GO_HEAP_LENS_GO'] ? { goBinary: env['GO_HEAP_LENS_GO'] } : {}),
    ...(timeoutS ? { timeoutMs: timeoutS * 1000 } : {}),
  };
}

async function readBudget(values: Values, dir: string, io: CliIO): Promise<Budget | undefined> {
  const file = values.budget !== undefined ? resolve(io.cwd, values.budget) : resolve(dir, '.goheaplens.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (values.budget === undefined && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read the budget ${file}: ${(e as Error).message}`);
  }
  try {
    return parseBudget(JSON.parse(text));
  } catch (e) {
    throw new UsageError(`budget ${file}: ${(e as Error).message}`);
  }
}

async function fromBaseResult(values: Values, io: CliIO, opts: AnalyzeOptions): Promise<DiffSides> {
  const name = values['base-result']!;
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, name), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the base result ${name}: ${(e as Error).message}`);
  }
  const b = parseBaseline(text, name);
  const head = await analyzeWorkspace(opts);
  const base = { goVersion: b.goVersion, arch: b.arch, sites: [...b.sites] } as AnalysisResult;
  return { base, head, baseSide: side(b, { ref: name }), headSide: side(head), notes: [], baseFailed: false };
}

function fileUri(file: string, root: string): { uri: string; uriBaseId?: string } {
  const rel = relativeTo(root, file);
  return rel !== file ? { uri: encodeURI(rel), uriBaseId: 'SRCROOT' } : { uri: pathToFileURL(file).href };
}

/** sarifDiff: SARIF 2.1.0; new escapes are warnings with their flow as codeFlows, class and size changes notes. */
export function sarifDiff(d: DriftResult, root: string): unknown {
  const results = d.changes
    .filter((c): c is SiteChange & { head: AllocationSite } => c.head !== null && c.kind !== 'no-longer-escapes')
    .map((c) => {
      const s = c.head;
      const flow = s.reason.filter((st) => st.file && st.line);
      return {
        ruleId: `drift/${c.kind}`,
        level: c.kind === 'new' || c.kind === 'now-escapes' ? 'warning' : 'note',
        message: {
          text: `${changeWords[c.kind]}: ${s.expr}${s.func ? ` in ${s.func}` : ''}: ${c.base ? landingShort(c.base.prediction) : '—'} → ${landingShort(s.prediction)}`,
        },
        locations: [
          { physicalLocation: { artifactLocation: fileUri(s.file, root), region: { startLine: s.line, startColumn: s.column } } },
        ],
        ...(flow.length
          ? {
              codeFlows: [
                {
                  threadFlows: [
                    {
                      locations: flow.map((st) => ({
                        location: {
                          physicalLocation: {
                            artifactLocation: fileUri(st.file!, root),
                            region: { startLine: st.line!, ...(st.column ? { startColumn: st.column } : {}) },
                          },
                          message: { text: st.text },
                        },
                      })),
                    },
                  ],
                },
              ],
            }
          : {}),
        properties: { kind: c.kind, base: c.base, head: c.head },
      };
    });
  const rules = [...new Set(results.map((r) => r.ruleId))].sort();
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'go-heap-lens',
            informationUri: 'https://example.invalid/go-heap-lens',
            rules: rules.map((id) => ({ id, shortDescription: { text: changeWords[id.slice('drift/'.length) as SiteChange['kind']] } })),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(root.endsWith(sep) ? root : root + sep).href } },
        columnKind: 'utf16CodeUnits',
        results: results.map((r) => ({ ...r, ruleIndex: rules.indexOf(r.ruleId) })),
        properties: { base: d.base, head: d.head, totals: d.totals },
      },
    ],
  };
}

/**
 * runDiff: the command, with the directory whose parents are searched for installed GOROOTs
 * (.cache/go/go-1.NN): the CLI's own (run) or a test's.
 */
export const runDiff =
  (searchRoot: string): Command =>
  async (argv, io: CliIO) => {
    const { values, positionals } = parseFlags(argv, true, flags, (m) => `${m}\n${usageLine}`);
    if (positionals.length > 1) throw new UsageError(`diff takes at most one directory\n${usageLine}`);
    if ([values.json, values.markdown, values.sarif, values.text].filter(Boolean).length > 1)
      throw new UsageError('choose one of --json, --markdown, --sarif, --text');
    const modes = [values.base !== undefined, values['base-result'] !== undefined, values.go !== undefined].filter(Boolean).length;
    if (modes !== 1) throw new UsageError(`diff needs exactly one of --base REF, --base-result FILE, --go A --go B\n${usageLine}`);
    const failOn: FailOn[] = (values['fail-on'] ?? []).map((f) => {
      const p = parseFailOn(f);
      if (!p) throw new UsageError(`invalid --fail-on "${f}": expected new-heap-sites, class-up or bytes+N%`);
      return p;
    });
    const dir = resolve(io.cwd, positionals[0] ?? '.');
    const env = envOf(io);
    const abort = new AbortController();
    // Ctrl-C or a CI cancel: abort the builds so the base worktree is removed before the exit.
    const onSignal = (sig: NodeJS.Signals) => {
      abort.abort(new Error(`cancelled by ${sig}`));
      process.exitCode = 130;
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let sides: DiffSides;
    let budget: Budget | undefined;
    try {
      budget = await readBudget(values, dir, io);
      const opts = analyzeOptions(values, dir, env, abort.signal);
      if (values['base-result'] !== undefined) sides = await fromBaseResult(values, io, opts);
      else if (values.base !== undefined) sides = await compareBaseRef(values.base, opts, env);
      else {
        if (values.go!.length !== 2)
          throw new UsageError(`--go takes two versions, the base and the head (--go 1.21 --go 1.27)\n${usageLine}`);
        const [a, b] = values.go!.map((v) => parseGoVersion(v));
        const goroots = (values.goroot ?? []).map((g) => resolve(io.cwd, g));
        sides = await compareGoVersions([a!, b!], goroots, opts, env, searchRoot);
      }
    } catch (e) {
      if (e instanceof BaselineError || e instanceof BaseRefError) {
        io.stderr(`go-heap-lens diff: ${e.message}\n`);
        return exitUsage;
      }
      if (ToolchainError.is(e)) {
        io.stderr(`go-heap-lens diff: ${e.message}\n`);
        return toolchainExitCode(e);
      }
      throw e;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const d = diffAnalyses(sides.base.sites, sides.head.sites, { base: sides.baseSide, head: sides.headSide });
    const gate = gateReasons(d, failOn, budget, sides.head.sites);
    const gated = failOn.length > 0 || budget !== undefined;
    // Notes first: on a terminal they would otherwise land inside the report.
    for (const n of sides.notes) io.stderr(`go-heap-lens diff: ${n}\n`);
    for (const e of sides.head.errors)
      io.stderr(`go-heap-lens diff: head: ${e.kind}: ${e.file ? `${relativeTo(dir, e.file)}: ` : ''}${e.message}\n`);
    if (values.json) io.stdout(JSON.stringify({ ...d, ...(gated ? { gate: { failed: gate.length > 0, reasons: gate } } : {}) }) + '\n');
    else if (values.sarif) io.stdout(JSON.stringify(sarifDiff(d, dir), null, 2) + '\n');
    else if (values.markdown) io.stdout(markdownReport(d, dir, gate));
    else io.stdout(textReport(d, dir, gate));
    if (failed(sides.head)) return exitFailed;
    return gate.length > 0 ? exitGate : exitOk;
  };

export const run: Command = runDiff(__dirname);
