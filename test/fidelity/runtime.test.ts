// Fidelity: the allocator model against the real Go runtime, with every Go toolchain on
// the machine. 100% agreement is the bar; each mismatch is listed with the data.
// Method and its sources: docs/runtime-facts.md §1 and §10, and README.md here; the probe is probe/main.go.
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, suite, test } from 'node:test';
import { constructPredictions, type ConstructSpec } from '../../src/core/alloc/constructs.ts';
import { simulate as simulateWorkload, type SimulationReport } from '../../src/core/alloc/heapsim.ts';
import { sizeClassToSize } from '../../src/core/alloc/sizeclasses.ts';
import { rulesFor, type AllocatorRules } from '../../src/core/alloc/versions.ts';
import { validateWorkload } from '../../src/core/alloc/workload.ts';
import {
  constructCases,
  dynamicCases,
  expectDynamic,
  expectSize,
  expectSpans,
  spanCases,
  sweepSizes,
  type DynamicCase,
  type DynamicMeasurement,
  type SizeMeasurement,
  type SpansMeasurement,
} from './cases.ts';
import { buildProbe, findToolchains, runPacerProbe, runProbe, writeReport, type GoToolchain } from './harness.ts';
import {
  loopCycles,
  medianOf,
  pacerTraces,
  parseGCTrace,
  replayPacer,
  runtimeEndRatios,
  runtimeTriggerRatios,
  simTriggerRatios,
  traceText,
  type PacerMeasurement,
} from './pacer.ts';

interface Row {
  version: string;
  arch: string;
  goexperiment: string;
  /** What a k=0 control probe measures (subtracted from the size sweep). */
  noise?: string;
  /** Size probes measured again after a first disagreement (background noise). */
  remeasured?: string[];
  noscan?: [number, number];
  scan?: [number, number];
  spans?: [number, number];
  simulator?: string;
  simulatorSizes?: string;
  constructs?: [number, number];
  /** Dynamic-size rows (append, make, string conversions at run-time n) that agree / cases. */
  dynamic?: [number, number];
  /** Per trace and GOGC: runtime/simulator automatic cycles and trigger ÷ goal medians. */
  pacer?: string[];
}

const { found, skipped } = findToolchains();
const rows: Row[] = [];
const remeasuredData: string[] = [];

function fraction(v: [number, number] | undefined): string {
  return v ? `${v[0]}/${v[1]}` : 'not run';
}

after(() => {
  const lines = [
    '# Fidelity report: allocator model vs the real Go runtime',
    '',
    `Written by test/fidelity/runtime.test.ts on ${new Date().toISOString()} (${os.type()} ${os.arch()}, ${os.cpus().length} CPUs; probes run with GOMAXPROCS=1).`,
    'agree/total per check; method in test/fidelity/README.md. Re-measured: size probes (bytes, s=scan, n=noscan) or span',
    'cases whose first measurement disagreed and a repeat agreed (their first data are listed below the table).',
    '',
    '| Go | GOARCH | GOEXPERIMENT | sizes noscan | sizes scan | control noise | spans | simulator: sizes | simulator: spans | constructs | dynamic rows |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.version} | ${r.arch} | ${r.goexperiment || '(default)'} | ${fraction(r.noscan)} | ${fraction(r.scan)} | ${r.noise ?? ''}${r.remeasured?.length ? ` (re-measured: ${r.remeasured.join(' ')})` : ''} | ${fraction(r.spans)} | ${r.simulatorSizes ?? 'not run'} | ${r.simulator ?? 'not run'} | ${fraction(r.constructs)} | ${fraction(r.dynamic)} |`,
    ),
    '',
    "Pacer (GOMAXPROCS=1; automatic GC cycles of the loop, runtime vs simulator; median heapLive at trigger ÷ goal; the runtime's median heapLive at mark termination ÷ goal, which the model puts at 1):",
    '',
    '| Go | trace | GOGC | cycles runtime (each run) / simulator | trigger ÷ goal runtime / simulator | end ÷ goal runtime |',
    '|---|---|---|---|---|---|',
    ...rows.flatMap((r) => (r.pacer ?? []).map((p) => `| ${r.version} | ${p} |`)),
    '',
    ...(remeasuredData.length ? ['First measurements of re-measured probes:', '', ...remeasuredData.map((d) => `- ${d}`), ''] : []),
    ...(skipped.length ? ['Skipped:', '', ...skipped.map((s) => `- ${s.what}: ${s.why}`), ''] : []),
  ];
  const md = lines.join('\n');
  console.log('\n' + md);
  try {
    console.log(`fidelity report written to ${writeReport(md)}`);
  } catch (e) {
    console.log(`could not write the fidelity report: ${(e as Error).message}`);
  }
});

/** Collects mismatches so one failing test shows all of them, with the measured data. */
class Mismatches {
  readonly list: string[] = [];
  add(what: string, model: unknown, runtime: unknown): void {
    this.list.push(`${what}: model ${JSON.stringify(model)} ≠ runtime ${JSON.stringify(runtime)}`);
  }
  check(what: string, model: unknown, runtime: unknown): boolean {
    if (JSON.stringify(model) === JSON.stringify(runtime)) return true;
    this.add(what, model, runtime);
    return false;
  }
  assertNone(title: string): void {
    assert.equal(
      this.list.length,
      0,
      `${title}: ${this.list.length} disagreement(s) with the runtime:\n${this.list.slice(0, 60).join('\n')}`,
    );
  }
}

suite('fidelity: allocator model vs the real Go runtime', () => {
  for (const s of skipped) test(`toolchain ${s.what}`, (t) => t.skip(`SKIPPED ${s.what}: ${s.why}`));
  if (found.length === 0) {
    test('no Go toolchain', (t) =>
      t.skip('SKIPPED: no Go toolchain found; the fidelity suite needs `go` (see scripts/install-go-toolchains.sh)'));
  }
  for (const tc of found) versionSuite(tc);
});

function versionSuite(tc: GoToolchain): void {
  suite(`${tc.version} ${tc.arch}${tc.goexperiment ? ' GOEXPERIMENT=' + tc.goexperiment : ''}`, () => {
    const row: Row = { version: tc.version, arch: tc.arch, goexperiment: tc.goexperiment };
    rows.push(row);
    let probe: { bin: string; cleanup: () => void } | undefined;
    let rules: AllocatorRules;
    before(() => {
      rules = rulesFor(tc.version, tc.arch, tc.experiments);
      probe = buildProbe(tc);
    });
    after(() => probe?.cleanup());

    test('size classes: dense sweep, allocs-by-size and tiny counts, objects per span, malloc header', () => {
      // Control probes (k = 0) at the start, middle and end measure what the procedure itself
      // allocates (go1.21–1.23: one 16 B object per runtime.GC() pair); it must be the same
      // every time, and is subtracted from every measurement.
      const sweep = sweepSizes(rules.ptrSize);
      const control = { size: 8, scan: false, k: 0 };
      const mid = Math.floor(sweep.length / 2);
      const probes = [control, ...sweep.slice(0, mid), control, ...sweep.slice(mid), control];
      const all = runProbe<SizeMeasurement>(probe!.bin, 'sizes', probes, { gogcOff: false });
      assert.equal(all.length, probes.length, 'one result per probe');
      const controls = [all[0]!, all[mid + 1]!, all[all.length - 1]!];
      const noise = { deltas: controls[0]!.deltas, tiny: controls[0]!.tiny };
      for (const c of controls)
        assert.deepEqual({ deltas: c.deltas, tiny: c.tiny }, noise, 'control probes (k=0) differ: the measurement is not stable');
      row.noise = Object.keys(noise.deltas).length || noise.tiny ? JSON.stringify(noise) : 'none';
      let got = all.filter((_, i) => i !== 0 && i !== mid + 1 && i !== all.length - 1).map((m) => subtractNoise(m, noise));
      // Runtime goroutines share the one P's mcache, so one of their objects can land in a
      // measurement (seen before the probe's warm-up existed: +1 16 B block on go1.23/1.24 from
      // gcBgMarkStartWorkers). Such noise only adds and does not repeat, while a model error
      // repeats: a disagreeing probe is measured again, twice at most, and the report lists it.
      const remeasured: string[] = [];
      for (let attempt = 0; attempt < 2; attempt++) {
        const again = got.filter((m) => !sizeAgrees(m, expectSize(m, rules)));
        if (again.length === 0) break;
        remeasured.push(...again.map((m) => `${m.size}${m.scan ? 's' : 'n'}`));
        remeasuredData.push(
          ...again.map(
            (m) =>
              `${tc.version} ${tc.arch} ${tc.goexperiment}: ${m.size} B ${m.scan ? 'scan' : 'noscan'} k=${m.k}: first measured ${JSON.stringify({ deltas: m.deltas, tiny: m.tiny, maxOff: m.maxOff })}, model ${JSON.stringify(expectSize(m, rules))}`,
          ),
        );
        const fresh = new Map(
          runProbe<SizeMeasurement>(
            probe!.bin,
            'sizes',
            again.map(({ size, scan, k }) => ({ size, scan, k })),
            { gogcOff: false },
          ).map((m) => [`${m.size}/${m.scan}`, subtractNoise(m, noise)]),
        );
        got = got.map((m) => {
          const f = fresh.get(`${m.size}/${m.scan}`);
          return f && sizeAgrees(f, expectSize(f, rules)) ? f : m;
        });
      }
      row.remeasured = [...(row.remeasured ?? []), ...remeasured];
      const bad = new Mismatches();
      // The histogram's buckets are the class table: [size(c-1)+1, size(c)+1).
      bad.check(
        'allocs-by-size bucket boundaries',
        sizeClassToSize.map((s) => s + 1),
        got[0]!.buckets,
      );
      const agree = { noscan: 0, scan: 0 };
      const total = { noscan: 0, scan: 0 };
      for (const m of got) {
        const e = expectSize(m, rules);
        const key = m.scan ? 'scan' : 'noscan';
        total[key]++;
        const what = `${m.size} B ${key} (model ${e.label}, k=${m.k})`;
        let ok = bad.check(`${what} bucket deltas`, e.deltas, m.deltas);
        ok = bad.check(`${what} tiny allocs`, e.tiny, m.tiny) && ok;
        if (e.mod !== undefined) {
          ok = bad.check(`${what} addr%8192 %${e.mod} offsets`, { mod: e.mod, offMod: e.offMod }, { mod: m.mod, offMod: m.offMod }) && ok;
          ok = bad.check(`${what} max addr%8192 (objects per span)`, e.maxOff, m.maxOff) && ok;
        }
        if (ok) agree[key]++;
      }
      row.noscan = [agree.noscan, total.noscan];
      row.scan = [agree.scan, total.scan];
      row.simulatorSizes = compareSimulatorSizes(tc, rules, got, bad);
      bad.assertNone(`${tc.version} size sweep`);
    });

    test('spans: HeapInuse steps per fresh span, pages per span, GC frees whole spans (GOGC=off)', () => {
      const cases = spanCases(rules);
      let got = runProbe<SpansMeasurement>(probe!.bin, 'spans', cases, { gogcOff: true });
      assert.equal(got.length, cases.length);
      // A runtime goroutine's object landing in a measured span shifts a step by one (seen once:
      // go1.21, 8 B scan). As for sizes: a disagreeing case is measured again, twice at most.
      const spansAgree = (m: SpansMeasurement) =>
        JSON.stringify(expectSpans(m, rules)) === JSON.stringify({ steps: m.steps, growBytes: m.growBytes, gcBytes: m.gcBytes });
      for (let attempt = 0; attempt < 2; attempt++) {
        const again = got.filter((m) => !spansAgree(m));
        if (again.length === 0) break;
        remeasuredData.push(
          ...again.map(
            (m) =>
              `${tc.version} ${tc.arch} ${tc.goexperiment}: spans ${m.size} B ${m.scan ? 'scan' : 'noscan'} ×${m.n}: first measured ${JSON.stringify({ steps: m.steps, growBytes: m.growBytes, gcBytes: m.gcBytes })}, model ${JSON.stringify(expectSpans(m, rules))}`,
          ),
        );
        row.remeasured = [...(row.remeasured ?? []), ...again.map((m) => `spans:${m.size}${m.scan ? 's' : 'n'}`)];
        const fresh = runProbe<SpansMeasurement>(
          probe!.bin,
          'spans',
          again.map(({ size, scan, n, drop }) => ({ size, scan, n, drop })),
          { gogcOff: true },
        );
        got = got.map((m) => {
          const f = fresh.find((x) => x.size === m.size && x.scan === m.scan && x.n === m.n && x.drop === m.drop);
          return f && spansAgree(f) ? f : m;
        });
      }
      const bad = new Mismatches();
      let agree = 0;
      for (const m of got) {
        const e = expectSpans(m, rules);
        const what = `${m.size} B ${m.scan ? 'scan' : 'noscan'} ×${m.n} (drop ${m.drop})`;
        let ok = bad.check(`${what} HeapInuse steps {object index, bytes}`, e.steps, m.steps);
        ok = bad.check(`${what} HeapInuse growth`, e.growBytes, m.growBytes) && ok;
        ok = bad.check(`${what} HeapInuse change across GC`, e.gcBytes, m.gcBytes) && ok;
        if (ok) agree++;
      }
      row.spans = [agree, got.length];
      row.simulator = compareSimulator(tc, rules, got, bad);
      bad.assertNone(`${tc.version} spans`);
    });

    test('constructs: per-site heap profile (MemProfileRate=1) vs constructRequests + classify', () => {
      const cases = constructCases(rules.ptrSize);
      const got = runProbe<{ fn: string; k: number; records: Record<string, number>; cap: number }>(probe!.bin, 'constructs', [], {
        gogcOff: true,
      });
      const byFn = new Map(got.map((g) => [g.fn, g]));
      const bad = new Mismatches();
      let agree = 0;
      for (const c of cases) {
        const m = byFn.get(c.fn);
        if (!m) {
          bad.add(`${c.fn}`, 'a result', 'none');
          continue;
        }
        const e = expectProfile(c.spec, m.k, rules);
        let ok = true;
        for (const [slot, count] of Object.entries(e.records)) {
          const seen = m.records[slot] ?? 0;
          // A construct's first tiny object may land in a tiny block already started before it.
          const tinySlack = e.tinyBlocks.has(Number(slot)) ? 1 : 0;
          if (seen > count || seen < count - tinySlack) ok = false;
        }
        for (const slot of Object.keys(m.records)) if (!(slot in e.records)) ok = false;
        if (!ok) bad.add(`${c.fn} heap profile {bytes per object: objects}`, e.records, m.records);
        if (e.newCap !== undefined) ok = bad.check(`${c.fn} cap()`, e.newCap, m.cap) && ok;
        if (ok) agree++;
      }
      row.constructs = [agree, cases.length];
      bad.assertNone(`${tc.version} constructs`);
    });

    test('dynamic sizes: the "size class by n" rows of append, make and string conversions vs allocs-by-size and cap()', () => {
      // The rows the hover shows (constructs.ts dynamicRows) must be what the runtime allocates
      // at each n: growslice and rawbyteslice round up to the slot before mallocgc, so e.g. a
      // []byte append needing 12 bytes is a 16 B object, not a tiny one.
      const cases = dynamicCases(rules.ptrSize);
      const control: DynamicCase = { op: 'none', n: 0, k: 0 };
      const mid = Math.floor(cases.length / 2);
      const probes = [control, ...cases.slice(0, mid), control, ...cases.slice(mid), control];
      const all = runProbe<DynamicMeasurement>(probe!.bin, 'dynamic', probes, { gogcOff: true });
      assert.equal(all.length, probes.length, 'one result per probe');
      const controls = [all[0]!, all[mid + 1]!, all[all.length - 1]!];
      for (const c of controls)
        assert.deepEqual(
          { deltas: c.deltas, tiny: c.tiny },
          { deltas: {}, tiny: 0 },
          'control probes (k=0) allocated: the measurement is not clean',
        );
      const key = (m: DynamicCase) => `${m.op}/${m.n}/${m.k}/${m.tiny4 === true}`;
      const agrees = (m: DynamicMeasurement) => {
        const e = expectDynamic(m, rules);
        return (
          JSON.stringify({ deltas: e.deltas, tiny: e.tiny, cap: e.cap }) === JSON.stringify({ deltas: m.deltas, tiny: m.tiny, cap: m.cap })
        );
      };
      let got = all.filter((_, i) => i !== 0 && i !== mid + 1 && i !== all.length - 1);
      // As for sizes: a runtime goroutine's object can land in a measurement once; a model error repeats.
      for (let attempt = 0; attempt < 2; attempt++) {
        const again = got.filter((m) => !agrees(m));
        if (again.length === 0) break;
        row.remeasured = [...(row.remeasured ?? []), ...again.map((m) => `dynamic:${m.op}:${m.n}`)];
        remeasuredData.push(
          ...again.map(
            (m) =>
              `${tc.version} ${tc.arch} ${tc.goexperiment}: dynamic ${m.op} n=${m.n} k=${m.k}: first measured ${JSON.stringify({ deltas: m.deltas, tiny: m.tiny, cap: m.cap })}, model ${JSON.stringify(expectDynamic(m, rules))}`,
          ),
        );
        const fresh = new Map(
          runProbe<DynamicMeasurement>(
            probe!.bin,
            'dynamic',
            again.map(({ op, n, k, tiny4 }) => ({ op, n, k, ...(tiny4 ? { tiny4 } : {}) })),
            { gogcOff: true },
          ).map((m) => [key(m), m]),
        );
        got = got.map((m) => {
          const f = fresh.get(key(m));
          return f && agrees(f) ? f : m;
        });
      }
      const bad = new Mismatches();
      let agree = 0;
      for (const m of got) {
        const e = expectDynamic(m, rules);
        const what = `${m.op}${m.tiny4 ? '+tiny4' : ''} n=${m.n} ×${m.k} (model ${e.label})`;
        let ok = bad.check(`${what} allocs-by-size deltas`, e.deltas, m.deltas);
        ok = bad.check(`${what} tiny allocs`, e.tiny, m.tiny) && ok;
        ok = bad.check(`${what} cap()`, e.cap, m.cap) && ok;
        if (ok) agree++;
      }
      row.dynamic = [agree, got.length];
      bad.assertNone(`${tc.version} dynamic sizes`);
    });

    // The model's pacer is one code path (gc.ts) for every configuration; whether the runtime's pacing
    // really ignores GOARCH=386 and the GOEXPERIMENTs (greenteagc changes how marking scans) is asked of
    // the runtime here too, not assumed.
    test('pacer: automatic GC cycles and trigger points of three traces, GOGC=100 and 50 (GOMAXPROCS=1)', () => {
      const bad = new Mismatches();
      row.pacer = [];
      for (const trace of pacerTraces()) {
        const text = traceText(trace.ops);
        for (const gogc of [100, 50]) {
          const what = `${trace.name} GOGC=${gogc}`;
          // Tolerance (README.md, pacer): the runtime's own range over 5 runs reached 9 % (82–90 cycles); the
          // model's bias from ending the mark exactly at the goal stayed within 5 % on every toolchain. A run
          // outside it is measured again, four times at most: the runtime's noise does not repeat, a model error
          // does. The trigger follows the cons/mark ratio the runtime measures in wall time, so a burst of load
          // from other processes moves it (go1.21 386 GOGC=50 read 0.938 against 0.969 three runs in a row
          // while a busy loop and e2e suites ran beside a full npm test).
          // ±0.05: idle runs agree within 0.01 on every toolchain, but two fresh-clone `npm test` runs (the
          // integration tier compiling beside this suite) read 0.935 and 0.938 against the model's 0.969 on
          // go1.21 386 GOGC=50, five attempts each: the runtime's trigger follows its wall-time cons/mark.
          const triggerTolerance = 0.05;
          const runs: string[] = [];
          let ok = false;
          let first: { sim: number; trigger: string; end: string } | undefined;
          for (let attempt = 0; attempt < 5 && !ok; attempt++) {
            const { result: m, stderr } = runPacerProbe<PacerMeasurement>(probe!.bin, text, gogc);
            const traced = loopCycles(parseGCTrace(stderr));
            // The loop's cycles are those /gc/cycles/total counted by its end; the GC trace must show each,
            // plus at most one that was marking when the loop ended and finished before the exit.
            const counted = m.cyclesAfter - m.cyclesBefore;
            if (traced.length !== counted && traced.length !== counted + 1) {
              bad.add(`${what}: gctrace cycles vs /gc/cycles/total delta`, counted, traced.length);
              break;
            }
            const real = traced.slice(0, counted);
            const sim = replayPacer(trace.ops, m, {
              go: rules.goVersion,
              arch: tc.arch,
              gogc,
              ...(tc.goexperiment ? { goexperiment: tc.goexperiment } : {}),
            });
            const tol = Math.max(3, Math.ceil(0.1 * real.length));
            const rt = medianOf(runtimeTriggerRatios(real));
            const st = medianOf(simTriggerRatios(sim.cycles));
            runs.push(String(real.length));
            ok = Math.abs(sim.cycles.length - real.length) <= tol && Math.abs(rt - st) <= triggerTolerance;
            first ??= {
              sim: sim.cycles.length,
              trigger: `${rt.toFixed(3)} / ${st.toFixed(3)}`,
              end: medianOf(runtimeEndRatios(real)).toFixed(3),
            };
            if (!ok && attempt === 4) {
              if (Math.abs(sim.cycles.length - real.length) > tol)
                bad.add(`${what}: automatic cycles (tolerance ±${tol}; runtime runs ${runs.join(', ')})`, sim.cycles.length, real.length);
              if (!(Math.abs(rt - st) <= triggerTolerance))
                bad.add(`${what}: median heapLive at trigger ÷ goal (tolerance ±${triggerTolerance})`, st.toFixed(3), rt.toFixed(3));
            }
          }
          if (first) row.pacer.push(`${trace.name} | ${gogc} | ${runs.join(', ')} / ${first.sim} | ${first.trigger} | ${first.end}`);
        }
      }
      bad.assertNone(`${tc.version} pacer`);
    });
  });
}

function sizeAgrees(m: SizeMeasurement, e: ReturnType<typeof expectSize>): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return (
    same(e.deltas, m.deltas) &&
    e.tiny === m.tiny &&
    (e.mod === undefined || (same({ mod: e.mod, offMod: e.offMod }, { mod: m.mod, offMod: m.offMod }) && e.maxOff === m.maxOff))
  );
}

function subtractNoise(m: SizeMeasurement, noise: { deltas: Record<string, number>; tiny: number }): SizeMeasurement {
  const deltas: Record<string, number> = { ...m.deltas };
  for (const [b, n] of Object.entries(noise.deltas)) {
    const v = (deltas[b] ?? 0) - n;
    if (v === 0) delete deltas[b];
    else deltas[b] = v;
  }
  return { ...m, deltas, tiny: m.tiny - noise.tiny };
}

/**
 * expectProfile: what MemProfile shows for k runs of a construct. Each small object is one
 * sample of its slot; a large one of its pages; tiny objects are sampled only when they start
 * a 16 B block, so k of them give ceil(k / per block) samples of 16 B.
 */
function expectProfile(
  spec: ConstructSpec,
  k: number,
  rules: AllocatorRules,
): { records: Record<string, number>; tinyBlocks: Set<number>; newCap?: number } {
  const r = constructPredictions(spec, rules);
  const records: Record<string, number> = {};
  const tinyBlocks = new Set<number>();
  for (const o of r.objects) {
    const p = o.prediction;
    if (p.kind === 'zero') continue;
    let n = k;
    if (p.kind === 'tiny') {
      n = Math.ceil(k / p.tinyPerBlock!);
      tinyBlocks.add(16);
    }
    records[p.slotBytes] = (records[p.slotBytes] ?? 0) + n;
  }
  return { records, tinyBlocks, ...(r.newCap !== undefined ? { newCap: r.newCap } : {}) };
}

/** The simulator on a workload, validated the way the CLI validates one. */
function simulate(raw: unknown): SimulationReport {
  return simulateWorkload(validateWorkload(raw));
}

/**
 * compareSimulatorSizes replays each size probe (k objects of one size on a fresh heap) and
 * checks the simulator's allocs-by-size counts and tiny count against the runtime's deltas.
 */
function compareSimulatorSizes(tc: GoToolchain, rules: AllocatorRules, got: readonly SizeMeasurement[], bad: Mismatches): string {
  let agree = 0;
  for (const m of got) {
    const what = `simulator ${m.size} B ${m.scan ? 'scan' : 'noscan'} ×${m.k}`;
    try {
      const r = simulate({
        go: rules.goVersion,
        arch: tc.arch,
        procs: 1,
        gogc: 'off',
        goexperiment: tc.goexperiment,
        ops: [{ alloc: { bytes: m.size, pointers: m.scan, count: m.k, keep: true } }],
      });
      const counts = r.allocsBySizeClass as number[];
      const deltas: Record<string, number> = {};
      counts.forEach((n, i) => {
        if (n !== 0) deltas[i] = n;
      });
      let ok = bad.check(`${what} allocs-by-size`, deltas, m.deltas);
      ok = bad.check(`${what} tiny allocs`, r.tinyAllocs, m.tiny) && ok;
      if (ok) agree++;
    } catch (e) {
      bad.add(what, 'a result', `threw ${(e as Error).message}`);
    }
  }
  return `${agree}/${got.length}`;
}

/**
 * compareSimulator replays each span case as a workload (docs/architecture.md, contracts: a fresh heap, counts
 * comparable with before/after deltas) and checks heapInuseBytes after the allocations and
 * after the GC against the runtime's HeapInuse changes.
 */
function compareSimulator(tc: GoToolchain, rules: AllocatorRules, got: readonly SpansMeasurement[], bad: Mismatches): string {
  let agree = 0;
  for (const m of got) {
    const base = { go: rules.goVersion, arch: tc.arch, procs: 1, gogc: 'off', goexperiment: tc.goexperiment };
    const alloc = (count: number, keep: boolean) => ({ alloc: { bytes: m.size, pointers: m.scan, count, keep } });
    const what = `simulator ${m.size} B ${m.scan ? 'scan' : 'noscan'} ×${m.n}`;
    try {
      const grown = simulate({ ...base, ops: [alloc(m.n, true)] });
      const collected = simulate({ ...base, ops: [alloc(m.drop, false), alloc(m.n - m.drop, true), { gc: true }] });
      let ok = bad.check(`${what} heapInuseBytes`, grown.heapInuseBytes, m.growBytes);
      ok = bad.check(`${what} spansInUse`, grown.spansInUse, m.steps.length) && ok;
      ok = bad.check(`${what} heapInuseBytes after GC`, collected.heapInuseBytes, m.growBytes + m.gcBytes) && ok;
      if (ok) agree++;
    } catch (e) {
      bad.add(what, 'a result', `threw ${(e as Error).message}`);
    }
  }
  return `${agree}/${got.length}`;
}
