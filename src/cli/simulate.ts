// go-heap-lens simulate: replay a workload through the heap simulator (docs/architecture.md, contracts).
// The engine is src/core/alloc/heapsim.ts; this file reads the workload and prints.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { simulate, type SimulationReport } from '../core/alloc/heapsim.ts';
import type { Prediction } from '../core/alloc/malloc.ts';
import { parseWorkload, validateWorkload, type Workload, type WorkloadOp } from '../core/alloc/workload.ts';
import type { AllocationSite } from '../core/sites/site.ts';
import { analyzeWorkspace } from '../toolchain/analyze.ts';
import { toolchainExitCode } from './analyze.ts';
import { ToolchainError } from '../toolchain/go.ts';
import { exitFailed, exitOk, parseFlags, UsageError, type CliIO, type Command, type Flags } from './io.ts';

export const usage = `usage: go-heap-lens simulate --workload FILE|- [--json]
       go-heap-lens simulate --from-analysis DIR [--count N] [--json]

Replays allocations through the modelled mcache → mcentral → mheap on a fresh heap and prints
the heap counters (as runtime/metrics and MemStats count them) and a table by size class.

  --workload FILE      a workload JSON file ("-": standard input), e.g.
                         { "go": "1.26", "arch": "amd64", "procs": 1, "gogc": "off", "goexperiment": "",
                           "ops": [ { "alloc": { "bytes": 48, "pointers": false, "count": 1000, "keep": true } },
                                    { "gc": true } ] }
                       go and ops are required; arch defaults to amd64, procs to 1, gogc to 100
  --from-analysis DIR  analyze the Go module in DIR and allocate each heap site's object, kept live
  --count N            with --from-analysis: objects per site (default 1)
  --json               print the report as one JSON object

exit codes: 0 ok, 1 the analysis failed, 2 bad flags or a bad workload`;

async function readWorkloadText(path: string, io: CliIO): Promise<string> {
  if (path === '-') {
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of io.stdin()) text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    return text + decoder.decode();
  }
  const full = resolve(io.cwd, path);
  try {
    return await readFile(full, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read workload ${path}: ${readErrorText(e)}${full !== path ? ` (${full})` : ''}`);
  }
}

/** readErrorText: what went wrong reading a file, in words (the errno code alone, e.g. ENOENT, says little). */
export function readErrorText(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return (e as Error).message;
  }
}

const mib = (b: number) => `${(b / (1 << 20)).toFixed(2)} MiB`;

export function formatReport(r: SimulationReport): string {
  const lines = [
    `go${r.goVersion}/${r.arch}  GOMAXPROCS=${r.procs}  GOGC=${r.gogc}`,
    `heap in use   ${r.heapInuseBytes} B (${mib(r.heapInuseBytes)}) in ${r.spansInUse} spans, ${r.pagesInUse} pages`,
    `heap alloc    ${r.heapAllocBytes} B in ${r.heapObjects} objects (tiny blocks count once)`,
    `large         ${r.largeObjects} objects, ${r.largePages} pages`,
    `tiny allocs   ${r.tinyAllocs} packed into existing blocks`,
    `waste         internal ${r.internalWasteBytes} B, free slots ${r.externalFreeBytes} B, span reserve ${r.spanReserveBytes} B`,
    `heap          ${r.heapGrows} grows, ${r.arenas} arenas, ${r.heapSysBytes} B managed, ${r.freePages} free pages ` +
      `(largest run ${r.largestFreeRunPages}), ${r.pageCachedPages} in page caches`,
    `gc            ${r.gcCycles} cycles, marked ${r.heapMarkedBytes} B, goal ${r.heapGoalBytes ?? 'off'}`,
    `mcache        ${r.mcacheRefills} refills`,
    '',
  ];
  const header = ['class', 'slot B', 'pages', 'spans', 'objects', 'free slots', 'scan spans', 'noscan spans', 'allocs', 'frees'];
  const rows = r.bySizeClass.map((c) => [
    String(c.sizeClass),
    String(c.slotBytes),
    String(c.npages),
    String(c.spans),
    String(c.objects),
    String(c.freeSlots),
    String(c.scan.spans),
    String(c.noscan.spans),
    String(r.allocsBySizeClass[c.sizeClass - 1]),
    String(r.freesBySizeClass[c.sizeClass - 1]),
  ]);
  const large = r.allocsBySizeClass[r.allocsBySizeClass.length - 1]!;
  if (r.largeObjects > 0 || large > 0) {
    rows.push([
      'large',
      '-',
      String(r.largePages),
      String(r.largeObjects),
      String(r.largeObjects),
      '0',
      '-',
      '-',
      String(large),
      String(r.freesBySizeClass[r.freesBySizeClass.length - 1]),
    ]);
  }
  if (rows.length === 0) {
    lines.push('no spans in use');
  } else {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const fmt = (row: readonly string[]) => row.map((c, i) => c.padStart(widths[i]!)).join('  ');
    lines.push(fmt(header), ...rows.map(fmt));
  }
  return lines.join('\n') + '\n';
}

/**
 * workloadFromSites: every heap object the analysed sites allocate, `count` times each, kept
 * live, in source order. Sites that stay on the stack allocate nothing; sites whose size the
 * analysis could not know are left out and counted, so nothing is dropped silently.
 */
export function workloadFromSites(
  sites: readonly AllocationSite[],
  goVersion: string,
  arch: string,
  count: number,
): { workload: Workload; skippedUnknown: number } {
  const ops: WorkloadOp[] = [];
  let skippedUnknown = 0;
  const heapObject = (p: Prediction) => p.kind === 'tiny' || p.kind === 'small' || p.kind === 'large';
  for (const site of sites) {
    const objects = site.objects?.length ? site.objects.map((o) => o.prediction) : [site.prediction];
    for (const p of objects) {
      if (p.kind === 'unknown') skippedUnknown++;
      else if (heapObject(p)) ops.push({ alloc: { bytes: p.requestBytes, pointers: !p.noscan, count, keep: true } });
    }
  }
  return { workload: validateWorkload({ go: goVersion, arch, ops }), skippedUnknown };
}

const flags = {
  workload: { type: 'string' },
  'from-analysis': { type: 'string' },
  count: { type: 'string' },
  json: { type: 'boolean', default: false },
} satisfies Flags;

export const run: Command = async (argv, io) => {
  const { values } = parseFlags(argv, false, flags, (m) => `${m}\n${usage}`);
  if ((values.workload === undefined) === (values['from-analysis'] === undefined)) {
    throw new UsageError(`simulate needs --workload FILE (or - for stdin), or --from-analysis DIR [--count N]\n${usage}`);
  }
  let workload: Workload;
  if (values.workload !== undefined) {
    if (values.count !== undefined) throw new UsageError('--count goes with --from-analysis; a workload file has its own counts');
    workload = parseWorkload(await readWorkloadText(values.workload, io));
  } else {
    const count = values.count === undefined ? 1 : Number(values.count);
    if (!/^\d+$/.test(values.count ?? '1') || !Number.isSafeInteger(count) || count < 1) {
      throw new UsageError(`--count: expected a whole number ≥ 1, got "${values.count}"`);
    }
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(io.env)) if (v !== undefined) env[k] = v;
    let analysis;
    try {
      analysis = await analyzeWorkspace({
        dir: resolve(io.cwd, values['from-analysis']!),
        env,
        ...(io.env['GO_HEAP_LENS_GO'] ? { goBinary: io.env['GO_HEAP_LENS_GO'] } : {}),
      });
    } catch (e) {
      if (ToolchainError.is(e)) {
        io.stderr(`go-heap-lens simulate: ${e.message}\n`);
        return toolchainExitCode(e);
      }
      throw e;
    }
    for (const e of analysis.errors) io.stderr(`go-heap-lens simulate: analysis ${e.kind}: ${e.message}\n`);
    if (analysis.errors.some((e) => e.kind === 'build' || e.kind === 'noModules' || e.kind === 'toolchain')) return exitFailed;
    const built = workloadFromSites(analysis.sites, analysis.goVersion, analysis.arch, count);
    if (built.skippedUnknown > 0) io.stderr(`go-heap-lens simulate: ${built.skippedUnknown} allocations of unknown size left out\n`);
    workload = built.workload;
  }
  const report = simulate(workload);
  io.stdout(values.json ? JSON.stringify(report) + '\n' : formatReport(report));
  return exitOk;
};
