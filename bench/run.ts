// `npm run bench`: the benchmarks of Go Heap Lens, side by side with their baselines.
//
//	1. parser.ts     the -m=2 parser over `go build -gcflags=-m=2 std` (compiled in this run) vs
//	                 readline + one regex; parse+join ÷ compile time; peak RSS.
//	2. module.ts     analyzeWorkspace on golang.org/x/tools (216 packages): cold, warm, one-line edit,
//	                 each ÷ plain `go build` of the same packages.
//	3. simulator.ts  the heap simulator vs a Go program allocating the same ≥ 10 M-allocation trace.
//	4. editor.ts     hover lookup p50/p99 (10 k-site file, 200 k-site workspace), inline hints for a
//	                 visible range of a 5 k-line file, extension activation, VSIX size.
//	5. panel.ts      the Simulate Heap panel's default run on ~2,000 sites: host side and the real
//	                 webview (code-server + chromium) ÷ the simulator alone on the same workload.
//	6. a CPU profile (node --cpu-prof) of the slowest stage, summarised by self time.
//	8. heapprofile.ts decode+join of a ~100 MB heap profile ÷ `go tool pprof -raw` printing it; peak extra memory.
//	7. compare.ts    before/after of the optimisations: the sources of --before REV (default: the
//	                 commit before them) vs the working tree, on the inputs of stages 1, 3 and 4.
//	9. latency.ts    opening a file of golang.org/x/tools cold: time to its first hint ÷ go build of
//	                 its package; the whole module cold and warm ÷ go build -gcflags=-m=2 ./...; peak RSS.
// Each figure is a ratio against a baseline measured in the same run; each run writes its own file,
// bench/runs/<start time>.md (date, machine, Go, figures); bench/RESULTS.md says what they show. Usage:
//	npm run bench [-- --only parser,module,simulator,editor,panel,profile,compare,heapprof,latency] [--reuse-std] [--allocs N] [--before REV] [--skip-cold]
// --reuse-std parses bench/.cache/std-m2.txt (or .cache/std-m2.txt) without compiling std again, so
// the parse÷compile ratio is not reported. --skip-cold leaves out the module stage's cold case
// (module.ts: one GOCACHE kept across runs). Inputs are cached in bench/.cache (gitignored).
import { existsSync } from 'node:fs';
import { appendFile, copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchCacheDir, fmt, machine, repoRoot, run, type Figure } from './lib.ts';
import { summariseProfile } from './profile.ts';

const stages = ['parser', 'module', 'simulator', 'editor', 'panel', 'profile', 'compare', 'heapprof', 'latency'] as const;
type Stage = (typeof stages)[number];

function table(figs: readonly Figure[]): string {
  const rows = figs.map(
    (f) => `| ${f.bench} | ${f.metric} | ${f.value} | ${f.target ?? ''} | ${f.met === undefined ? '' : f.met ? 'met' : '**missed**'} |`,
  );
  return ['| bench | metric | value | target | |', '|---|---|---|---|---|', ...rows].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      'reuse-std': { type: 'boolean' },
      allocs: { type: 'string' },
      results: { type: 'string' },
      go: { type: 'string' },
      before: { type: 'string' },
      'skip-cold': { type: 'boolean' },
    },
  });
  const only = values.only ? values.only.split(',') : [...stages];
  for (const s of only) if (!stages.includes(s as Stage)) throw new Error(`unknown stage ${s}: expected ${stages.join(',')}`);
  const want = (s: Stage) => only.includes(s);
  const goBin = values.go ?? 'go';
  await mkdir(benchCacheDir, { recursive: true });
  const m = await machine(goBin);
  const goVersion = /go1\.\d+(\.\d+)?/.exec(m.go)?.[0] ?? 'go1.26';
  const started = new Date();
  const figures: Figure[] = [];
  const notes: string[] = [];
  const say = (f: readonly Figure[]) => {
    for (const x of f)
      process.stdout.write(
        `${x.bench.padEnd(10)} ${x.metric}: ${x.value}${x.target ? `  [target ${x.target}: ${x.met ? 'met' : 'MISSED'}]` : ''}\n`,
      );
    figures.push(...f);
  };
  const stageMs: Record<string, number> = {};
  // A failing stage is reported as a row and the run goes on: the other stages' figures still reach
  // the run's file, and the exit status says that something failed.
  const failed: string[] = [];
  const timedStage = async (name: Stage, f: () => Promise<void>) => {
    const t0 = performance.now();
    try {
      await f();
    } catch (e) {
      failed.push(name);
      process.stderr.write(`stage ${name} failed: ${(e as Error).stack ?? String(e)}\n`);
      say([{ bench: name, metric: 'stage failed', value: `FAILED: ${((e as Error).message ?? String(e)).split('\n')[0]}` }]);
    }
    stageMs[name] = performance.now() - t0;
  };
  const profDir = join(benchCacheDir, 'profiles');
  await rm(profDir, { recursive: true, force: true });
  await mkdir(profDir, { recursive: true });

  // Stage 1 first: stage 3 draws its sizes from the analysis of stage 1's std output.
  let stdFile = join(benchCacheDir, 'std-m2.txt');
  if (want('parser') || want('profile')) {
    await timedStage('parser', async () => {
      const { benchParser, generateStdOutput } = await import('./parser.ts');
      let std: { file: string; compileMs?: number };
      if (values['reuse-std']) {
        const shared = join(repoRoot, '.cache', 'std-m2.txt');
        if (!existsSync(stdFile) && existsSync(shared)) await copyFile(shared, stdFile);
        if (!existsSync(stdFile)) std = await generateStdOutput(stdFile, { goBin });
        else std = { file: stdFile };
        notes.push('--reuse-std: the std output was not compiled in this run, so parse+join ÷ compile is not reported.');
      } else {
        std = await generateStdOutput(stdFile, { goBin });
      }
      stdFile = std.file;
      if (want('parser')) say((await benchParser(std)).figures);
    });
  }
  const sizesCache = join(benchCacheDir, 'sizes.json');
  let traceFile: string | undefined;
  let hoverSites: import('../src/core/sites/site.ts').AllocationSite[] | undefined;
  let sizesFrom: { sizes: import('./simulator.ts').SizeWeight[]; from: string } | undefined;
  if (want('module')) {
    await timedStage('module', async () => {
      const { benchModule } = await import('./module.ts');
      const { sizesFromSites } = await import('./simulator.ts');
      const r = await benchModule({ goBin, skipCold: values['skip-cold'] === true });
      say(r.figures);
      if (values['skip-cold'])
        notes.push('--skip-cold: no cold case; one GOCACHE kept in bench/.cache/gocache-kept across runs (bench/module.ts).');
      sizesFrom = {
        sizes: sizesFromSites((r.results.cold ?? r.results.warm).sites),
        from: `the heap sites of the ${r.packages}-package module analysis`,
      };
      await writeFile(sizesCache, JSON.stringify(sizesFrom));
    });
  }
  if (want('simulator')) {
    await timedStage('simulator', async () => {
      const { benchSimulator, stdSizes } = await import('./simulator.ts');
      // Sizes from the analysis of std: its -m=2 output (stage 1's, or an earlier run's, else compiled
      // now) joined with the type facts of std's packages (simulator.ts stdSizes).
      const shared = join(repoRoot, '.cache', 'std-m2.txt');
      if (!existsSync(stdFile) && existsSync(shared)) stdFile = shared;
      if (!existsSync(stdFile)) stdFile = (await (await import('./parser.ts')).generateStdOutput(stdFile, { goBin })).file;
      const std = await stdSizes(stdFile, { goBin, goVersion, cacheDir: benchCacheDir });
      const unknown = Object.entries(std.unknownByReason)
        .sort((x, y) => y[1] - x[1])
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');
      notes.push(
        `simulator sizes: ${std.knownSites} of the ${std.heapSites} heap sites of std have a known request size (${std.sizes.length} sizes); ` +
          `the others, by prediction and construct: ${unknown} (unknown: the size depends on a run-time length; zero: no allocation).`,
      );
      const allocs = Number(values.allocs ?? 10_000_000);
      const r = await benchSimulator(std.sizes, allocs, benchCacheDir, { goBin, goVersion, sizesFrom: std.from });
      traceFile = r.traceFile;
      say(r.figures);
    });
  }
  if (want('editor')) {
    await timedStage('editor', async () => {
      const { benchEditor } = await import('./editor.ts');
      // The bundle the user installs: activation, compile time and VSIX size are of the minified build
      // of the working tree (on a fresh clone dist/ does not exist yet).
      const build = await run(process.execPath, ['esbuild.mjs', '--production'], { cwd: repoRoot });
      if (build.code !== 0) throw new Error(`node esbuild.mjs --production exited ${build.code}: ${build.stderr}`);
      notes.push('editor: dist/ was rebuilt with `node esbuild.mjs --production` (minified, as packaged) before the stage.');
      const r = await benchEditor({ stdFile: existsSync(stdFile) ? stdFile : undefined });
      hoverSites = r.fileSites;
      say(r.figures);
    });
  }
  if (want('panel')) {
    await timedStage('panel', async () => {
      const { benchPanel } = await import('./panel.ts');
      say(await benchPanel());
    });
  }
  let profile = '';
  if (want('profile')) {
    await timedStage('profile', async () => {
      // The slowest stage of a user's day is the parse of a big build's output (stage 1 input), through
      // the path analyze takes (the byte front end).
      const { runChild } = await import('./parser.ts');
      await runChild('parse', stdFile, { join: true, bytes: true, cpuProfDir: profDir });
      const f = (await readdir(profDir)).find((n) => n.endsWith('.cpuprofile'));
      if (!f) throw new Error('node --cpu-prof wrote no profile');
      profile = summariseProfile(await readFile(join(profDir, f), 'utf8'), 15);
      process.stdout.write(profile + '\n');
    });
  }

  if (want('heapprof')) {
    await timedStage('heapprof', async () => {
      const { benchHeapProfile } = await import('./heapprofile.ts');
      say((await benchHeapProfile({ goBin })).figures);
    });
  }
  if (want('compare')) {
    await timedStage('compare', async () => {
      const { benchCompare } = await import('./compare.ts');
      say(
        (
          await benchCompare({
            ...(values.before ? { rev: values.before } : {}),
            goVersion,
            ...(existsSync(stdFile) ? { stdFile } : {}),
            ...(traceFile ? { traceFile } : {}),
            ...(hoverSites ? { hoverSites } : {}),
          })
        ).figures,
      );
    });
  }

  if (want('latency')) {
    await timedStage('latency', async () => {
      const { benchLatency } = await import('./latency.ts');
      say((await benchLatency({ goBin })).figures);
    });
  }

  const vsix = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot });
  const section = [
    `# Run of ${started.toISOString()}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB; Node ${m.node}; ${m.go}; commit ${vsix.stdout.trim()}` + (await uncommitted()),
    `Stages: ${only.join(', ')} (${Object.entries(stageMs)
      .map(([k, v]) => `${k} ${fmt(v / 1000, 0)} s`)
      .join(', ')})`,
    ...notes.map((n) => `Note: ${n}`),
    '',
    table(figures),
    ...(profile ? ['', 'CPU profile of the parse+join of the std output (self time, top functions):', '', '```', profile, '```'] : []),
    '',
  ].join('\n');
  // --results FILE appends the run to FILE instead (a scratch file of one's own).
  const stamp = started
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
  const runFile = values.results ?? join(repoRoot, 'bench', 'runs', `${stamp}.md`);
  await mkdir(dirname(runFile), { recursive: true });
  if (values.results) await appendFile(runFile, '\n' + section);
  else await writeFile(runFile, section);
  process.stdout.write(`wrote ${runFile}\n`);
  if (failed.length > 0) {
    process.stderr.write(`bench: stage(s) ${failed.join(', ')} failed (rows marked FAILED above)\n`);
    process.exitCode = 1;
  }
}

async function uncommitted(): Promise<string> {
  const r = await run('git', ['status', '--porcelain', '--', 'src'], { cwd: repoRoot });
  const n = r.stdout.trim().split('\n').filter(Boolean).length;
  return n ? ` (+ ${n} uncommitted files under src/ from the working tree)` : '';
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
