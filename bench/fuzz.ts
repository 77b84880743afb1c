// `npm run fuzz`: the long runs of the hardening suite (test/integration/fuzz-parsers.test.ts runs the
// same properties on a small budget inside `npm test`).
//
//	1. Property fuzzing of the three compiler-output parsers with the inputs of fuzz-inputs.ts:
//	   --runs N inputs in total (default 10^6: 50% text, 20% the byte parser analyze uses (against
//	   TextParser), 15% go build -json, 15% -json=0,DIR log), split over --workers processes with
//	   distinct seeds. Any failure prints its seed and
//	   path so `fc.assert(…, { seed, path })` replays it.
//	2. Linear time: the time to parse 2× and 4× an input relative to 1× (best of 5), for random
//	   corpora and for the pathological shapes.
//	3. Big input: --big-mb MiB (default 1024) of real compiler output piped through
//	   `go-heap-lens parse - --stats` (dist/cli.js); peak RSS (/usr/bin/time) against a 1 MiB run.
// Usage: node --import tsx bench/fuzz.ts [--runs N] [--workers W] [--family NAME] [--big-mb M] [--skip-fuzz] [--skip-big] [--skip-linear]
// --family runs all N inputs through the families whose name contains NAME (e.g. `bytes`).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { parseBuildJson } from '../src/core/escape/buildjson.ts';
import { parseLogopt } from '../src/core/escape/logopt.ts';
import { parseText, TextParser } from '../src/core/escape/text.ts';
import {
  buildJsonInputArb,
  checkBuildJson,
  checkBytes,
  checkLogopt,
  checkText,
  logoptInputArb,
  recordedCorpus,
  textInputArb,
} from './fuzz-inputs.ts';

const root = join(__dirname, '..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000000' },
    workers: { type: 'string', default: '2' },
    worker: { type: 'string' },
    seed: { type: 'string', default: String(0x9e3779b9) },
    'big-mb': { type: 'string', default: '1024' },
    family: { type: 'string' },
    'skip-big': { type: 'boolean', default: false },
    'skip-fuzz': { type: 'boolean', default: false },
    'skip-linear': { type: 'boolean', default: false },
  },
});

const batchSize = 10_000;

interface FamilyResult {
  family: string;
  runs: number;
  failures: number;
  ms: number;
  firstFailure?: string;
}

/** fuzzFamilies runs `runs` inputs split over the three parsers with one base seed. */
function fuzzFamilies(runs: number, seed: number): FamilyResult[] {
  const corpus = recordedCorpus();
  const plan: [string, number, () => fc.IPropertyWithHooks<never> | fc.IProperty<never>][] = [];
  const textRuns = Math.round(runs * 0.5);
  const bytesRuns = Math.round(runs * 0.2);
  const bjRuns = Math.round(runs * 0.15);
  const fail = (b: string | undefined): void => {
    if (b) throw new Error(b);
  };
  plan.push([
    'text (-m, -m=2)',
    textRuns,
    () => fc.property(textInputArb(corpus.text), fc.nat(), (s, k) => fail(checkText(s, k % 4 === 0 ? k : -1))) as never,
  ]);
  plan.push([
    'bytes (analyze: ByteTextParser vs TextParser)',
    bytesRuns,
    () =>
      fc.property(textInputArb(corpus.text), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (s, cuts, latin1) =>
        fail(checkBytes(s, cuts, latin1)),
      ) as never,
  ]);
  plan.push(['go build -json', bjRuns, () => fc.property(buildJsonInputArb(corpus.buildJson), (s) => fail(checkBuildJson(s))) as never]);
  plan.push([
    '-json=0,DIR log',
    runs - textRuns - bytesRuns - bjRuns,
    () => fc.property(logoptInputArb(corpus.logopt), (f) => fail(checkLogopt(f))) as never,
  ]);
  const only = values.family;
  const chosen = only === undefined ? plan : plan.filter(([f]) => f.includes(only)).map(([f, , p]): (typeof plan)[number] => [f, runs, p]);
  if (chosen.length === 0) throw new Error(`--family ${only}: no family matches (${plan.map(([f]) => f).join('; ')})`);
  const out: FamilyResult[] = [];
  for (const [family, n, prop] of chosen) {
    const t0 = performance.now();
    const res: FamilyResult = { family, runs: 0, failures: 0, ms: 0 };
    // Batches with their own seeds, so a long run reports progress and a failure replays fast.
    for (let b = 0; res.runs < n; b++) {
      const batchSeed = (seed + b * 104729) | 0;
      const r = fc.check(prop(), { numRuns: Math.min(batchSize, n - res.runs), seed: batchSeed, endOnFailure: true });
      res.runs += r.numRuns;
      if (r.failed) {
        res.failures++;
        res.firstFailure ??= `seed ${r.seed} path ${r.counterexamplePath}: ${String(r.errorInstance).slice(0, 2000)}`;
      }
      res.ms = performance.now() - t0;
      process.stderr.write(
        `progress ${JSON.stringify({ seed, family, runs: res.runs, failures: res.failures, s: Math.round(res.ms / 1000) })}\n`,
      );
      if (r.failed && r.numRuns === 0) break;
    }
    out.push(res);
  }
  return out;
}

function runWorker(i: number, n: number, runs: number, seed: number): Promise<FamilyResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        __filename,
        '--worker',
        String(i),
        '--runs',
        String(runs),
        '--seed',
        String(seed + i * 7919),
        ...(values.family !== undefined ? ['--family', values.family] : []),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`worker ${i}/${n} exited ${code}`));
      else resolve(JSON.parse(out) as FamilyResult[]);
    });
  });
}

function bestOf(k: number, f: () => void): number {
  let best = Infinity;
  for (let i = 0; i < k; i++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** linearity: ms at 1×, 2×, 4× of each shape, and the ratios. */
function linearity(): { shape: string; baseMB: number; ms: number[]; ratio2: number; ratio4: number }[] {
  const corpus = recordedCorpus();
  const sample = (arb: fc.Arbitrary<string>, n: number) => fc.sample(arb, { numRuns: n, seed: 42 }).join('\n');
  const randomText = sample(textInputArb(corpus.text), 6000);
  const randomJson = sample(fc.oneof(buildJsonInputArb(corpus.buildJson)), 6000);
  const realText = corpus.text.map((l) => l.join('\n')).join('\n');
  const logoptLines = corpus.logopt.flat().filter((l) => l.startsWith('{"range"'));
  const logoptHeader = corpus.logopt[0]![0]!;
  const shapes: [string, (k: number) => void, number][] = [];
  // Streamed as the CLI does (callbacks, 1 MiB chunks), so the time is the parser's, not that of
  // a heap growing with kept results.
  const streamed = (s: string): void => {
    const p = new TextParser({ onDiagnostic: () => undefined, onUnparsed: () => undefined });
    for (let i = 0; i < s.length; i += 1 << 20) p.push(s.slice(i, i + (1 << 20)));
    p.end();
  };
  const text = (base: string) => (k: number) => streamed(base.repeat(k));
  shapes.push(['text: random hostile inputs', text(randomText), randomText.length]);
  shapes.push(['text: recorded real output', text(realText), realText.length]);
  shapes.push(['text: 3.4M-char line of `a:1`', (k) => streamed('a:1'.repeat(1_133_000 * k) + ': x'), 3_400_000]);
  shapes.push(['text: 3.4M-char line of `:1[`', (k) => streamed('f.go' + ':1['.repeat(1_133_000 * k)), 3_400_000]);
  shapes.push(['text: 1e6 tiny lines', (k) => streamed('x\n'.repeat(1_000_000 * k)), 2_000_000]);
  shapes.push(['text (kept results): recorded output', (k) => void parseText(realText.repeat(k)), realText.length]);
  shapes.push(['build -json: random events', (k) => void parseBuildJson(randomJson.repeat(k)), randomJson.length]);
  shapes.push([
    'logopt: recorded records',
    (k) => {
      const content = [logoptHeader, ...Array.from({ length: 20 * k }, () => logoptLines).flat()].join('\n');
      void parseLogopt([{ path: 'p/f.json', content }]);
    },
    0,
  ]);
  const out = [];
  for (const [shape, run, chars] of shapes) {
    run(1); // warm up the JIT
    const ms = [1, 2, 4].map((k) => bestOf(5, () => run(k)));
    out.push({ shape, baseMB: chars / 1e6, ms: ms.map((m) => Math.round(m)), ratio2: ms[1]! / ms[0]!, ratio4: ms[2]! / ms[0]! });
  }
  return out;
}

/** bigInput pipes `mb` MiB of recorded compiler output into the parse CLI; peak RSS by /usr/bin/time. */
async function bigInput(mb: number): Promise<{ mb: number; lines: number; unparsed: number; peakRssMB: number; seconds: number }> {
  const block = Buffer.from(readFileSync(join(root, 'test', 'fixtures', 'recorded', 'go1.26', 'constructs-m2.txt'), 'utf8').repeat(8));
  const total = mb * 1024 * 1024;
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, join(root, 'dist', 'cli.js'), 'parse', '-', '--stats'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const done = new Promise<number | null>((r) => child.on('close', r));
  let sent = 0;
  while (sent < total) {
    const part = total - sent >= block.length ? block : block.subarray(0, total - sent);
    sent += part.length;
    if (!child.stdin.write(part)) await new Promise((r) => child.stdin.once('drain', r));
  }
  child.stdin.end();
  const code = await done;
  if (code !== 0) throw new Error(`parse exited ${code}: ${err}`);
  const stats = JSON.parse(out) as { lines: number; unparsed: number };
  const kb = Number(/maxrss_kb=(\d+)/.exec(err)?.[1]);
  return { mb, lines: stats.lines, unparsed: stats.unparsed, peakRssMB: kb / 1024, seconds: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const runs = Number(values.runs);
  const seed = Number(values.seed);
  if (values.worker !== undefined) {
    process.stdout.write(JSON.stringify(fuzzFamilies(runs, seed)));
    return;
  }
  const workers = Math.max(1, Number(values.workers));
  const started = Date.now();
  console.log(`fuzz: ${runs} inputs over ${workers} workers (seed ${seed}), node ${process.version}, ${new Date().toISOString()}`);
  const per = values['skip-fuzz']
    ? []
    : await Promise.all(Array.from({ length: workers }, (_, i) => runWorker(i, workers, Math.ceil(runs / workers), seed)));
  let failures = 0;
  let total = 0;
  for (const family of per[0]?.map((f) => f.family) ?? []) {
    const rows = per.map((w) => w.find((f) => f.family === family)!);
    const n = rows.reduce((a, r) => a + r.runs, 0);
    const f = rows.reduce((a, r) => a + r.failures, 0);
    total += n;
    failures += f;
    console.log(
      `  ${family.padEnd(18)} ${String(n).padStart(8)} inputs  ${f} failures  ${(Math.max(...rows.map((r) => r.ms)) / 1000).toFixed(0)} s`,
    );
    for (const r of rows) if (r.firstFailure) console.log(`    FAILURE ${r.firstFailure}`);
  }
  console.log(`fuzz total: ${total} inputs, ${failures} failures, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (!values['skip-linear']) {
    console.log('linear time (best of 5; ratio of 2× and 4× input to 1×):');
    for (const l of linearity()) {
      console.log(
        `  ${l.shape.padEnd(34)} ${l.baseMB ? `${l.baseMB.toFixed(1)} MB` : ''} ms ${l.ms.join(' / ')}  ×2 → ${l.ratio2.toFixed(2)}  ×4 → ${l.ratio4.toFixed(2)}`,
      );
    }
  }
  if (!values['skip-big']) {
    const base = await bigInput(1);
    const big = await bigInput(Number(values['big-mb']));
    console.log(
      `big input: ${big.mb} MiB (${big.lines} lines, ${big.unparsed} unparsed) through \`parse - --stats\` in ${big.seconds.toFixed(0)} s; ` +
        `peak RSS ${big.peakRssMB.toFixed(0)} MB vs ${base.peakRssMB.toFixed(0)} MB for 1 MiB → growth ${(big.peakRssMB - base.peakRssMB).toFixed(0)} MB`,
    );
  }
  if (failures > 0) process.exitCode = 1;
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
