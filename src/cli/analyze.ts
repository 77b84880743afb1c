// go-heap-lens analyze: the full pipeline (toolchain/analyze.ts) for terminals and CI,
// as text (`file:line:col: message`), JSON (docs/architecture.md, contracts) or SARIF 2.1.0.
import { stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { constructLabel, objectSummary } from '../core/sites/present.ts';
import type { AllocationSite } from '../core/sites/site.ts';
import { analyzeWorkspace, type AnalysisResult, type AnalyzeOptions } from '../toolchain/analyze.ts';
import { ToolchainError } from '../toolchain/go.ts';
import { exitFailed, exitOk, exitUsage, parseFlags, UsageError, type CliIO, type Command, type Flags } from './io.ts';
import { joinForCli, loadProfile, measuredLine, withMeasured } from './profile.ts';
import type { ProfileJoin } from '../core/profile/join.ts';
import { summaryText } from '../core/profile/present.ts';

/** Splits a --build-flags value like a shell would for plain words and '…'/"…" quoting. */
export function splitFlags(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

function siteMessage(s: AllocationSite): string {
  const verdict =
    s.construct === 'moved-to-heap' ? `moved to heap: ${s.expr}` : `${s.expr} ${s.escapes ? 'escapes to heap' : 'does not escape'}`;
  const what = `${constructLabel(s.construct)}${s.type ? ` ${s.type.name}` : ''}`;
  const p = s.prediction;
  let where = objectSummary(p);
  if (p.kind === 'unknown' && s.unknownReason) where += `: ${s.unknownReason}`;
  if (s.dynamic?.length) {
    const shown = s.dynamic
      .filter((r) => r.prediction.kind !== 'zero')
      .slice(0, 3)
      .map((r) => `n ${r.minN}..${r.maxN ?? '∞'} → ${objectSummary(r.prediction)}`);
    where += ` [${shown.join('; ')}${s.dynamic.length > 4 ? '; …' : ''}]`;
  }
  const notes = s.notes?.length ? ` (${s.notes.join('; ')})` : '';
  return `${verdict} [${what}]: ${where}${notes}`;
}

function relPath(base: string, file: string): string {
  const r = relative(base, file);
  return r && !r.startsWith('..') ? r.split(sep).join('/') : file;
}

function textOutput(r: AnalysisResult, base: string, j?: ProfileJoin): string {
  const lines = r.sites.flatMap((s) => {
    const at = `${relPath(base, s.file)}:${s.line}:${s.column}: ${siteMessage(s)}`;
    const m = j && measuredLine(s, j);
    return m ? [at, m] : [at];
  });
  if (j) lines.push(`# ${summaryText(j.summary, j.sites.length)}`);
  const heap = r.sites.filter((s) => s.escapes).length;
  lines.push(
    `# ${r.sites.length} sites (${heap} heap, ${r.sites.length - heap} stack) on ${r.goVersion}/${r.arch}${r.experiments ? ` GOEXPERIMENT=${r.experiments}` : ''}; ` +
      `${r.unparsed} unparsed lines; ${r.durationMs} ms`,
  );
  return lines.join('\n') + '\n';
}

/** One line: the result is large (class-of-n tables), and line-oriented consumers read it whole. */
function jsonOutput(r: AnalysisResult): string {
  return JSON.stringify(r) + '\n';
}

/** sarifLog: SARIF 2.1.0, one result per site; columns are UTF-16 code units like the sites'. */
export function sarifLog(r: AnalysisResult, base: string): unknown {
  const rules = [...new Set(r.sites.map((s) => ruleId(s)))].sort();
  const baseUri = pathToFileURL(base.endsWith(sep) ? base : base + sep).href;
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'go-heap-lens',
            informationUri: 'https://example.invalid/go-heap-lens',
            rules: rules.map((id) => ({ id, shortDescription: { text: ruleText(id) } })),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: baseUri } },
        columnKind: 'utf16CodeUnits',
        results: r.sites.map((s) => {
          const rel = relPath(base, s.file);
          const inBase = rel !== s.file;
          return {
            ruleId: ruleId(s),
            ruleIndex: rules.indexOf(ruleId(s)),
            level: 'note',
            message: { text: siteMessage(s) },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: inBase ? { uri: encodeURI(rel), uriBaseId: 'SRCROOT' } : { uri: pathToFileURL(s.file).href },
                  region: { startLine: s.line, startColumn: s.column },
                },
              },
            ],
            properties: {
              construct: s.construct,
              expr: s.expr,
              escapes: s.escapes,
              type: s.type,
              prediction: s.prediction,
              ...(s.unknownReason ? { unknownReason: s.unknownReason } : {}),
              ...(s.package ? { package: s.package } : {}),
            },
          };
        }),
        invocations: [
          {
            executionSuccessful: !r.errors.some((e) => e.kind === 'build' || e.kind === 'noModules'),
            toolExecutionNotifications: r.errors.map((e) => ({
              level: 'error',
              message: { text: e.message },
              ...(e.file && e.line
                ? {
                    locations: [
                      {
                        physicalLocation: {
                          artifactLocation: { uri: pathToFileURL(resolve(base, e.file)).href },
                          region: { startLine: e.line },
                        },
                      },
                    ],
                  }
                : {}),
            })),
          },
        ],
        properties: { goVersion: r.goVersion, arch: r.arch, experiments: r.experiments, unparsed: r.unparsed },
      },
    ],
  };
}

function ruleId(s: AllocationSite): string {
  return `${s.escapes ? 'heap' : 'stack'}/${s.construct}`;
}

function ruleText(id: string): string {
  const [where, construct] = id.split('/');
  return `${construct} allocation ${where === 'heap' ? 'that escapes to the heap' : 'kept on the stack'}`;
}

const usageLine =
  'usage: go-heap-lens analyze [dir] [--json|--sarif|--text] [--packages ./...] [--build-flags "..."] [--tags a,b] [--tests] [--go V] [--arch A] [--from-file out.txt] [--timeout SECONDS] [--profile FILE]';

export const usage = `${usageLine}

Builds the Go module(s) in or under dir (default: the current directory) with the compiler's
escape analysis on, and predicts the size class and span class of every allocation site.

  --json               { goVersion, arch, sites: [...], diagnostics, unparsed, errors } as one line
  --sarif              SARIF 2.1.0, one result per site
  --text               file:line:col: message lines (the default)
  --packages P         package patterns to build, comma-separated or repeated (default ./...)
  --build-flags "..."  extra go build flags
  --tags a,b           build tags
  --tests              also analyze _test.go files
  --go V               model this Go version's allocator (default: what go version says)
  --arch A             GOARCH to model and build for (default: go env GOARCH)
  --from-file F        read saved compiler output (go build -gcflags=-m=2 2>F) instead of building
  --timeout SECONDS    stop the go command after this long
  --profile F          join a heap profile (go test -memprofile): sites get \`measured\`, the JSON a top-level \`profile\`
GOEXPERIMENT and the go binary come from the environment (GO_HEAP_LENS_GO overrides the go on PATH).

exit codes: 0 ok, 1 analysis failed (build error, no Go module, no go), 2 bad flags or a path that does not exist`;

/**
 * toolchainExitCode: a go command that failed on the user's own GOEXPERIMENT setting is bad input
 * (exit 2, like classify --goexperiment bogus); any other toolchain failure is a failed analysis.
 */
export function toolchainExitCode(e: ToolchainError): number {
  return /unknown GOEXPERIMENT/.test(e.message) ? exitUsage : exitFailed;
}

/**
 * mustExist: a path that is not there is the user's typo (exit 2), not a failed analysis — without
 * this check, a missing directory reads as "no Go module" and exit 1.
 */
async function mustExist(path: string, shown: string, want: 'directory' | 'file'): Promise<void> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new UsageError(`${shown}: the path does not exist${shown !== path ? ` (${path})` : ''}`);
    }
    throw new UsageError(`cannot read ${shown}: ${(e as Error).message}`);
  }
  if (want === 'directory' && !st.isDirectory())
    throw new UsageError(`${shown}: not a directory (analyze takes the directory of a Go module)`);
  if (want === 'file' && st.isDirectory()) throw new UsageError(`${shown}: is a directory (--from-file takes a file of compiler output)`);
}

const flags = {
  json: { type: 'boolean', default: false },
  sarif: { type: 'boolean', default: false },
  text: { type: 'boolean', default: false },
  packages: { type: 'string', multiple: true },
  'build-flags': { type: 'string' },
  tags: { type: 'string' },
  tests: { type: 'boolean', default: false },
  go: { type: 'string' },
  arch: { type: 'string' },
  'from-file': { type: 'string' },
  timeout: { type: 'string' },
  profile: { type: 'string' },
} satisfies Flags;

export const run: Command = async (argv, io: CliIO) => {
  const { values, positionals } = parseFlags(argv, true, flags, (m) => `${m}\n${usageLine}`);
  if (positionals.length > 1) throw new UsageError(`analyze takes at most one directory\n${usageLine}`);
  if ([values.json, values.sarif, values.text].filter(Boolean).length > 1) throw new UsageError('choose one of --json, --sarif, --text');
  const dir = resolve(io.cwd, positionals[0] ?? '.');
  await mustExist(dir, positionals[0] ?? '.', 'directory');
  if (values['from-file'] !== undefined) await mustExist(resolve(io.cwd, values['from-file']), values['from-file'], 'file');
  const profile = values.profile === undefined ? undefined : await loadProfile(resolve(io.cwd, values.profile));
  const timeoutS = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutS !== undefined && !(timeoutS > 0)) throw new UsageError(`invalid --timeout "${values.timeout}": expected seconds > 0`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(io.env)) if (v !== undefined) env[k] = v;
  const opts: AnalyzeOptions = {
    dir,
    env,
    ...(values.packages ? { packages: values.packages.flatMap((p) => p.split(',')).filter(Boolean) } : {}),
    ...(values['build-flags'] ? { buildFlags: splitFlags(values['build-flags']) } : {}),
    ...(values.tags ? { buildTags: values.tags.split(',').filter(Boolean) } : {}),
    ...(values.tests ? { includeTests: true } : {}),
    ...(values.go ? { goVersion: values.go } : {}),
    ...(values.arch ? { arch: values.arch } : {}),
    ...(values['from-file'] ? { fromFile: resolve(io.cwd, values['from-file']) } : {}),
    ...(io.env['GO_HEAP_LENS_GO'] ? { goBinary: io.env['GO_HEAP_LENS_GO'] } : {}),
    ...(timeoutS ? { timeoutMs: timeoutS * 1000 } : {}),
  };
  let r: AnalysisResult;
  try {
    r = await analyzeWorkspace(opts);
  } catch (e) {
    if (ToolchainError.is(e)) {
      io.stderr(`go-heap-lens analyze: ${e.message}\n`);
      return toolchainExitCode(e);
    }
    throw e;
  }
  const joined = profile && values.profile !== undefined ? await joinForCli(profile, r, values.profile) : undefined;
  if (values.json) io.stdout(jsonOutput(joined ? withMeasured(r, joined) : r));
  else if (values.sarif) io.stdout(JSON.stringify(sarifLog(r, dir), null, 2) + '\n');
  else io.stdout(textOutput(r, dir, joined));
  for (const e of r.errors) {
    const at = e.file ? `${relPath(dir, e.file)}${e.line ? `:${e.line}` : ''}: ` : '';
    io.stderr(`go-heap-lens analyze: ${e.kind}: ${at}${e.message}${e.package ? ` (${e.package})` : ''}\n`);
  }
  return r.errors.some((e) => e.kind === 'build' || e.kind === 'noModules' || e.kind === 'toolchain') ? exitFailed : exitOk;
};
