// go-heap-lens layout: field orders that reach a smaller size class or make the GC scan less
// (core/layout), as text, JSON (README: "layout --json"), a unified diff, or applied in place by the
// type-facts helper's rewrite (go/ast + go/format).
import { readFile, stat, writeFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { layoutText } from '../core/layout/present.ts';
import type { LayoutReport } from '../core/layout/types.ts';
import { ToolchainError } from '../toolchain/go.ts';
import { layoutWorkspace, rewriteLayouts, type LayoutWorkspaceResult } from '../toolchain/layout.ts';
import { exitFailed, exitOk, parseFlags, UsageError, type CliIO, type Command, type Flags } from './io.ts';

const usageLine =
  'usage: go-heap-lens layout [dir] [--go V] [--arch A] [--json|--text|--diff|--apply] [--packages P] [--tags a,b] [--all] [--padding]';

export const usage = `${usageLine}

For every struct type at a heap site of the module(s) in dir (as the object, or as the element of a
slice, array, map or chan), the field order with the smallest slot (size class after the malloc
header rule of the Go version, or pages), then the smallest pointer prefix the GC scans, then the
fewest moved fields. Advice only where the slot or the scanned bytes shrink.

  --json      { goVersion, arch, types: [...], notAdvised: [...], examined } as one line
  --text      one block per advised type (the default)
  --diff      a unified diff of the fixes that are not refused
  --apply     rewrite the files (a second --apply changes nothing)
  --all       every struct of the packages, not only those at heap sites
  --padding   advise on any padding, even when no slot or scanned byte is saved
  --go V, --arch A, --packages P, --tags a,b: as for analyze

exit codes: 0 ok, 1 analysis failed, 2 bad flags or a path that does not exist`;

const flags = {
  json: { type: 'boolean', default: false },
  text: { type: 'boolean', default: false },
  diff: { type: 'boolean', default: false },
  apply: { type: 'boolean', default: false },
  all: { type: 'boolean', default: false },
  padding: { type: 'boolean', default: false },
  packages: { type: 'string', multiple: true },
  tags: { type: 'string' },
  go: { type: 'string' },
  arch: { type: 'string' },
} satisfies Flags;

function relPath(base: string, file: string): string {
  const r = relative(base, file);
  return r && !r.startsWith('..') ? r.split(sep).join('/') : file;
}

/** unifiedDiff: `diff -u` of two texts (line LCS; the rewrite changes one field list per type). */
export function unifiedDiff(a: string, b: string, nameA: string, nameB: string, context = 3): string {
  const x = a.split('\n');
  const y = b.split('\n');
  let pre = 0;
  while (pre < x.length && pre < y.length && x[pre] === y[pre]) pre++;
  let suf = 0;
  while (suf < x.length - pre && suf < y.length - pre && x[x.length - 1 - suf] === y[y.length - 1 - suf]) suf++;
  const xm = x.slice(pre, x.length - suf);
  const ym = y.slice(pre, y.length - suf);
  // LCS table over the changed middle only.
  const lcs: number[][] = Array.from({ length: xm.length + 1 }, () => new Array<number>(ym.length + 1).fill(0));
  for (let i = xm.length - 1; i >= 0; i--)
    for (let j = ym.length - 1; j >= 0; j--)
      lcs[i]![j] = xm[i] === ym[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  type Op = { op: ' ' | '-' | '+'; text: string; ai: number; bi: number };
  const ops: Op[] = [];
  for (let k = 0; k < pre; k++) ops.push({ op: ' ', text: x[k]!, ai: k, bi: k });
  let i = 0;
  let j = 0;
  while (i < xm.length || j < ym.length) {
    if (i < xm.length && j < ym.length && xm[i] === ym[j]) {
      ops.push({ op: ' ', text: xm[i]!, ai: pre + i, bi: pre + j });
      i++;
      j++;
    } else if (i < xm.length && (j === ym.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ op: '-', text: xm[i]!, ai: pre + i, bi: pre + j });
      i++;
    } else {
      ops.push({ op: '+', text: ym[j]!, ai: pre + i, bi: pre + j });
      j++;
    }
  }
  for (let k = 0; k < suf; k++) ops.push({ op: ' ', text: x[x.length - suf + k]!, ai: x.length - suf + k, bi: y.length - suf + k });
  const out = [`--- ${nameA}`, `+++ ${nameB}`];
  let k = 0;
  while (k < ops.length) {
    while (k < ops.length && ops[k]!.op === ' ') k++;
    if (k >= ops.length) break;
    let start = Math.max(0, k - context);
    let end = k;
    // Extend the hunk while changes are within 2*context lines of each other.
    for (;;) {
      while (end < ops.length && ops[end]!.op !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next]!.op === ' ') next++;
      if (next < ops.length && next - end <= 2 * context) end = next;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, stop);
    const aLen = hunk.filter((o) => o.op !== '+').length;
    const bLen = hunk.filter((o) => o.op !== '-').length;
    const first = hunk[0]!;
    out.push(`@@ -${first.ai + (aLen ? 1 : 0)},${aLen} +${first.bi + (bLen ? 1 : 0)},${bLen} @@`);
    for (const o of hunk) out.push(o.op + o.text);
    k = stop;
    start = stop;
  }
  return out.join('\n') + '\n';
}

function jsonReport(r: LayoutReport): string {
  return JSON.stringify(r) + '\n';
}

export const run: Command = async (argv, io: CliIO) => {
  const { values, positionals } = parseFlags(argv, true, flags, (m) => `${m}\n${usageLine}`);
  if (positionals.length > 1) throw new UsageError(`layout takes at most one directory\n${usageLine}`);
  if ([values.json, values.text, values.diff, values.apply].filter(Boolean).length > 1)
    throw new UsageError('choose one of --json, --text, --diff, --apply');
  const dir = resolve(io.cwd, positionals[0] ?? '.');
  try {
    if (!(await stat(dir)).isDirectory()) throw new UsageError(`${positionals[0] ?? '.'}: not a directory`);
  } catch (e) {
    if (UsageError.is(e)) throw e;
    throw new UsageError(`${positionals[0] ?? '.'}: the path does not exist`);
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(io.env)) if (v !== undefined) env[k] = v;
  let res: LayoutWorkspaceResult;
  try {
    res = await layoutWorkspace({
      dir,
      env,
      ...(values.packages ? { packages: values.packages.flatMap((p) => p.split(',')).filter(Boolean) } : {}),
      ...(values.tags ? { buildTags: values.tags.split(',').filter(Boolean) } : {}),
      ...(values.go ? { goVersion: values.go } : {}),
      ...(values.arch ? { arch: values.arch } : {}),
      ...(io.env['GO_HEAP_LENS_GO'] ? { goBinary: io.env['GO_HEAP_LENS_GO'] } : {}),
      advise: { all: values.all, minSaving: values.padding ? 'padding' : 'class' },
    });
  } catch (e) {
    if (ToolchainError.is(e)) {
      io.stderr(`go-heap-lens layout: ${e.message}\n`);
      return exitFailed;
    }
    throw e;
  }
  for (const e of res.errors) io.stderr(`go-heap-lens layout: ${e}\n`);
  for (const e of res.analysis.errors) io.stderr(`go-heap-lens layout: ${e.kind}: ${e.message}\n`);
  const { report } = res;
  // Like analyze: a build error is a failed analysis (exit 1), though the report is still printed.
  const done = res.analysis.errors.some((e) => e.kind === 'build') ? exitFailed : exitOk;
  if (values.json) {
    io.stdout(jsonReport(report));
    return done;
  }
  if (values.diff || values.apply) {
    const rw = await rewriteLayouts(report.types, {
      cwd: dir,
      goVersion: res.toolchainVersion,
      baseEnv: env,
      ...(io.env['GO_HEAP_LENS_GO'] ? { goBinary: io.env['GO_HEAP_LENS_GO'] } : {}),
    });
    for (const r of rw.results)
      if (r.status === 'refused') io.stderr(`go-heap-lens layout: ${relPath(dir, r.file)}: ${r.type}: not rewritten: ${r.reason}\n`);
    for (const a of report.types)
      if (a.fix === 'refused')
        io.stderr(`go-heap-lens layout: ${relPath(dir, a.file)}:${a.line}: ${a.name}: refused: ${a.reasons.join('; ')}\n`);
    for (const [file, content] of [...rw.contents].sort(([a], [b]) => a.localeCompare(b))) {
      if (values.diff) {
        const old = await readFile(file, 'utf8');
        const rel = relPath(dir, file);
        io.stdout(unifiedDiff(old, content, `a/${rel}`, `b/${rel}`));
      } else {
        await writeFile(file, content);
        io.stdout(`rewrote ${relPath(dir, file)}\n`);
      }
    }
    if (values.apply) {
      const n = rw.results.filter((r) => r.status === 'ok').length;
      io.stdout(`# ${n} type${n === 1 ? '' : 's'} reordered in ${rw.contents.size} file${rw.contents.size === 1 ? '' : 's'}\n`);
    }
    return done;
  }
  for (const a of report.types) io.stdout(layoutText({ ...a, file: relPath(dir, a.file) }) + '\n');
  for (const s of report.notAdvised) io.stdout(`${relPath(dir, s.file)}:${s.line}: ${s.name}: ${s.reason}\n`);
  io.stdout(`# ${report.types.length} advised of ${report.examined} struct types examined on go${report.goVersion}/${report.arch}\n`);
  return done;
};
