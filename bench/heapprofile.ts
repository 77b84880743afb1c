// Benchmark: decoding and joining a ~100 MB (uncompressed) heap profile, against `go tool pprof
// -raw` printing the same file, in the same run; and the peak memory the decode+join adds.
//
// The profile is generated here with pprof-format's encoder (deterministic, xorshift): a module of
// 2,000 files × 40 functions with 4 allocating lines each (320 k lines, 400 k analysed sites with
// predictions), 1 M samples whose stacks are 12–28 locations deep (the leaf in the module, some with
// inlined frames; callers from the module and from testing/runtime), each with the `bytes` label.
// The source text the join reads (to check functions and read lines with no site) is generated in
// memory with a `func` at each function's start line. Inputs are cached in bench/.cache.
//
//	node --import tsx bench/heapprofile.ts            run and print the figures
//	(child modes: `gen OUT`, `join PROFILE` — used by the parent)
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Function as PFunction, Label, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { classify, unknownPrediction } from '../src/core/alloc/malloc.ts';
import { rulesFor } from '../src/core/alloc/versions.ts';
import { decodeHeapProfile } from '../src/core/profile/decode.ts';
import { joinProfile } from '../src/core/profile/join.ts';
import type { AllocationSite } from '../src/core/sites/site.ts';
import { readProfileFile } from '../src/toolchain/profileFile.ts';
import { benchCacheDir, fmt, mib, rng, run, runChildJson, type Figure } from './lib.ts';

const modPath = 'example.com/big';
const modDir = '/src/big';
const files = 2000;
const fnsPerFile = 40;
const linesPerFn = 6; // func line, 4 allocating lines, closing brace
const samples = 1_000_000;
const rules = rulesFor('1.26');

const fileName = (f: number) => `${modDir}/p${Math.floor(f / 5)}/f${f % 5}.go`;
const fnName = (f: number, k: number) => `${modPath}/p${Math.floor(f / 5)}.F${f % 5}_${k}`;
const startLine = (k: number) => 3 + k * linesPerFn;
const slotSizes = [16, 24, 32, 48, 64, 96, 128, 256, 512, 1024, 4096, 8192, 40960];

/** The source of one generated file: `package`, blank, then per function `func F…() {`, 4 lines, `}`. */
export function sourceOf(f: number): string[] {
  const lines = [`package p${Math.floor(f / 5)}`, ''];
  for (let k = 0; k < fnsPerFile; k++) {
    lines.push(`func F${f % 5}_${k}() {`);
    for (let i = 0; i < 4; i++) lines.push(`\tsink = &T${i}{}`);
    lines.push('}');
  }
  return lines;
}

/** The analysed sites: one per allocating line, two on every fourth (told apart by slot); some dynamic. */
export function sitesOf(): AllocationSite[] {
  const out: AllocationSite[] = [];
  for (let f = 0; f < files; f++) {
    for (let k = 0; k < fnsPerFile; k++) {
      for (let i = 0; i < 4; i++) {
        const line = startLine(k) + 1 + i;
        const slot = slotSizes[(f + k + i) % slotSizes.length]!;
        const base = {
          file: fileName(f),
          line,
          column: 9,
          escapes: true,
          reason: [],
          type: null,
          package: `${modPath}/p${Math.floor(f / 5)}`,
          func: `F${f % 5}_${k}`,
        };
        if (i === 3) out.push({ ...base, construct: 'append', expr: 'append', prediction: unknownPrediction(rules) });
        else out.push({ ...base, construct: 'new', expr: `&T${i}{}`, prediction: classify({ bytes: slot, pointers: true }, rules) });
        if (i === 0)
          out.push({ ...base, column: 20, construct: 'new', expr: 'new(U)', prediction: classify({ bytes: 8, pointers: false }, rules) });
      }
    }
  }
  return out;
}

function generate(): Uint8Array {
  const rand = rng(12);
  const pick = (n: number) => Math.floor(rand() * n);
  const st = new StringTable();
  const functions: PFunction[] = [];
  const fnIds = new Map<string, number>();
  const fnId = (name: string, file: string, start: number) => {
    let id = fnIds.get(name);
    if (id === undefined) {
      id = functions.length + 1;
      functions.push(new PFunction({ id, name: st.dedup(name), systemName: st.dedup(name), filename: st.dedup(file), startLine: start }));
      fnIds.set(name, id);
    }
    return id;
  };
  const locations: Location[] = [];
  const loc = (frames: [string, string, number, number][]) => {
    const id = locations.length + 1;
    locations.push(
      new Location({
        id,
        mappingId: 1,
        address: 0x400000 + id * 8,
        line: frames.map(([n, f, l, s]) => new Line({ functionId: fnId(n, f, s), line: l })),
      }),
    );
    return id;
  };
  // Leaf locations: every allocating line (a quarter inlined into a caller function's line).
  const leaves: number[] = [];
  for (let f = 0; f < files; f++)
    for (let k = 0; k < fnsPerFile; k++)
      for (let i = 0; i < 4; i++) {
        const frame: [string, string, number, number] = [fnName(f, k), fileName(f), startLine(k) + 1 + i, startLine(k)];
        if (i === 2) {
          const k2 = (k + 1) % fnsPerFile;
          leaves.push(loc([frame, [fnName(f, k2), fileName(f), startLine(k2) + 1, startLine(k2)]]));
        } else leaves.push(loc([frame]));
      }
  // Caller locations: module call sites and a few library/runtime frames.
  const callers: number[] = [];
  for (let c = 0; c < 60_000; c++) {
    const f = pick(files);
    const k = pick(fnsPerFile);
    callers.push(loc([[fnName(f, k), fileName(f), startLine(k) + 1 + pick(4), startLine(k)]]));
  }
  const lib = [
    loc([['testing.(*B).runN', '/go/src/testing/benchmark.go', 219, 197]]),
    loc([['testing.(*B).launch', '/go/src/testing/benchmark.go', 347, 331]]),
    loc([['runtime.goexit', '/go/src/runtime/asm_amd64.s', 1700, 1699]]),
  ];
  const bytesKey = st.dedup('bytes');
  const out: Sample[] = [];
  for (let s = 0; s < samples; s++) {
    const depth = 12 + pick(17);
    const ids = [leaves[pick(leaves.length)]!];
    for (let d = 0; d < depth - 3; d++) ids.push(callers[pick(callers.length)]!);
    ids.push(...lib);
    const slot = slotSizes[pick(slotSizes.length)]!;
    const n = 1 + pick(2000);
    const live = pick(4) === 0 ? pick(n) : 0;
    out.push(new Sample({ locationId: ids, value: [n, n * slot, live, live * slot], label: [new Label({ key: bytesKey, num: slot })] }));
  }
  const p = new Profile({
    sampleType: [
      ['alloc_objects', 'count'],
      ['alloc_space', 'bytes'],
      ['inuse_objects', 'count'],
      ['inuse_space', 'bytes'],
    ].map(([t, u]) => new ValueType({ type: st.dedup(t!), unit: st.dedup(u!) })),
    sample: out,
    mapping: [
      new Mapping({
        id: 1,
        memoryStart: 0x400000,
        memoryLimit: 0x4000000,
        filename: st.dedup('/tmp/big.test'),
        buildId: st.dedup('bench'),
        hasFunctions: true,
      }),
    ],
    location: locations,
    function: functions,
    stringTable: st,
    periodType: new ValueType({ type: st.dedup('space'), unit: st.dedup('bytes') }),
    period: 1,
  });
  return p.encode();
}

/** The child that is measured: read (gunzip), decode, join, against a baseline taken after the sites and sources are in memory. */
async function joinChild(profileFile: string): Promise<void> {
  const sites = sitesOf();
  const sources = new Map<string, string[]>();
  for (let f = 0; f < files; f++) sources.set(fileName(f), sourceOf(f));
  global.gc?.();
  const baseRss = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const bytes = await readProfileFile(profileFile);
  const tRead = performance.now();
  const profile = decodeHeapProfile(bytes);
  const tDecode = performance.now();
  const j = joinProfile(profile, sites, {
    file: profileFile,
    modules: [{ path: modPath, dir: modDir }],
    sourceLines: (f) => sources.get(f),
  });
  const tJoin = performance.now();
  const maxRss = process.resourceUsage().maxRSS * 1024;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    JSON.stringify({
      readMs: tRead - t0,
      decodeMs: tDecode - tRead,
      joinMs: tJoin - tDecode,
      totalMs: tJoin - t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
      baseRss,
      maxRss,
      uncompressed: bytes.length,
      sites: j.sites.length,
      attributed: j.summary.attributedBytesShare,
      records: profile.records.length,
    }) + '\n',
  );
}

export async function benchHeapProfile(opts: { goBin?: string } = {}): Promise<{ figures: Figure[] }> {
  const goBin = opts.goBin ?? 'go';
  const file = join(benchCacheDir, 'heap-profile-1m.pprof');
  if (!existsSync(file)) await runChildJson<unknown>(__filename, ['gen', file], { nodeFlags: ['--max-old-space-size=8192'] });
  const ours = await runChildJson<{
    readMs: number;
    decodeMs: number;
    joinMs: number;
    totalMs: number;
    cpuMs: number;
    baseRss: number;
    maxRss: number;
    uncompressed: number;
    sites: number;
    attributed: number;
    records: number;
  }>(__filename, ['join', file], { nodeFlags: ['--expose-gc', '--max-old-space-size=8192'] });
  // The machine is shared: CPU seconds (user+sys) are compared as well as wall time.
  const pprof = await run('/usr/bin/time', ['-f', '%U %S %M', goBin, 'tool', 'pprof', '-raw', file], {
    env: { GOTOOLCHAIN: 'local' },
    stdoutFile: '/dev/null',
  });
  if (pprof.code !== 0) throw new Error(`go tool pprof -raw failed: ${pprof.stderr.slice(-500)}`);
  const [, pu, ps, pm] = /([\d.]+) ([\d.]+) (\d+)\s*$/.exec(pprof.stderr.trim()) ?? [];
  const pprofCpuMs = (Number(pu) + Number(ps)) * 1000;
  const pprofMaxRss = Number(pm) * 1024;
  const extra = ours.maxRss - ours.baseRss;
  const size = ours.uncompressed;
  return {
    figures: [
      {
        bench: 'heapprof',
        metric: 'profile',
        value: `${fmt(mib(size), 1)} MiB uncompressed (${fmt(mib(statSync(file).size), 1)} MiB gzip), ${ours.records} leaf×slot records, ${ours.sites} sites hit`,
      },
      {
        bench: 'heapprof',
        metric: 'read+decode+join ÷ go tool pprof -raw',
        value: `${fmt(ours.totalMs / pprof.wallMs)} (${fmt(ours.totalMs / 1000, 1)} s: read ${fmt(ours.readMs / 1000, 1)} + decode ${fmt(ours.decodeMs / 1000, 1)} + join ${fmt(ours.joinMs / 1000, 1)}; pprof ${fmt(pprof.wallMs / 1000, 1)} s)`,
        target: '< 1',
        met: ours.totalMs < pprof.wallMs,
      },
      {
        bench: 'heapprof',
        metric: 'CPU seconds: read+decode+join ÷ go tool pprof -raw',
        value: `${fmt(ours.cpuMs / pprofCpuMs)} (${fmt(ours.cpuMs / 1000, 1)} s ÷ ${fmt(pprofCpuMs / 1000, 1)} s)`,
        target: '< 1',
        met: ours.cpuMs < pprofCpuMs,
      },
      {
        bench: 'heapprof',
        metric: 'peak extra memory ÷ uncompressed size',
        value: `${fmt(extra / size)} (${fmt(mib(extra), 0)} MiB over a ${fmt(mib(ours.baseRss), 0)} MiB baseline; pprof's peak RSS ${fmt(mib(pprofMaxRss), 0)} MiB)`,
        target: '≤ 2',
        met: extra <= 2 * size,
      },
    ],
  };
}

if (require.main === module) {
  const [mode, arg] = process.argv.slice(2);
  if (mode === 'gen') {
    const raw = generate();
    void writeFile(arg!, gzipSync(raw)).then(() => process.stdout.write(JSON.stringify({ bytes: raw.length }) + '\n'));
  } else if (mode === 'join') {
    void joinChild(arg!);
  } else {
    void benchHeapProfile().then((r) => {
      for (const f of r.figures)
        process.stdout.write(`${f.metric}: ${f.value}${f.target ? `  [target ${f.target}: ${f.met ? 'met' : 'MISSED'}]` : ''}\n`);
    });
  }
}
