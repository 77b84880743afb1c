// Benchmark: layout advice for every struct of golang.org/x/tools (the pinned copy of module.ts),
// as a share of the analysis of the same module in the same run. One layoutWorkspace() call: the
// escape analysis and the helper's -layout run go in parallel (as the CLI runs them), and the pure
// advice step (core/layout advise(), every struct: advise.all) is timed on its own; the helper's
// -layout run is then timed alone too. Then, on golang.org/x/mod (pinned, from the module proxy),
// the comparison with fieldalignment (built from the same x/tools copy): findings of each, and how
// many of each change the size class (go1.26 amd64 rules, the malloc header included).
// Run: node --import tsx bench/layout.ts   (writes bench/runs/layout-<date>.json, prints a summary)
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rulesFor } from '../src/core/alloc/versions.ts';
import { slotOf } from '../src/core/layout/order.ts';
import { layoutFacts, layoutWorkspace } from '../src/toolchain/layout.ts';
import { benchCacheDir, goEnvFor, repoRoot, run, runChecked } from './lib.ts';
import { ensureModule } from './module.ts';

const comparedModule = 'golang.org/x/mod@v0.42.0';

async function main(): Promise<void> {
  const env = { ...(process.env as Record<string, string>), ...goEnvFor() };
  await mkdir(benchCacheDir, { recursive: true });
  const xtools = await ensureModule();
  const goVersion = (await runChecked('go', ['env', 'GOVERSION'], { env })).stdout.trim();

  const t0 = performance.now();
  const res = await layoutWorkspace({ dir: xtools, env, advise: { all: true } });
  const wallMs = performance.now() - t0;
  const t1 = performance.now();
  const facts = await layoutFacts({ cwd: xtools, goVersion, arch: res.report.arch, baseEnv: env });
  const helperMs = performance.now() - t1;
  const analysisMs = res.analysis.durationMs;

  // fieldalignment vs the advisor on x/mod.
  const dl = await runChecked('go', ['mod', 'download', '-json', comparedModule], {
    cwd: benchCacheDir,
    env: { ...env, GOPROXY: process.env.GOPROXY ?? '', GOFLAGS: '-mod=mod' },
  });
  const modSrc = (JSON.parse(dl.stdout) as { Dir: string }).Dir;
  const xmod = join(benchCacheDir, 'xmod');
  await rm(xmod, { recursive: true, force: true });
  await cp(modSrc, xmod, { recursive: true });
  await runChecked('chmod', ['-R', 'u+w', xmod]);
  const fa = join(benchCacheDir, 'fieldalignment');
  await runChecked('go', ['build', '-o', fa, './go/analysis/passes/fieldalignment/cmd/fieldalignment'], { cwd: xtools, env });
  const faRun = await run(fa, ['./...'], { cwd: xmod, env });
  const faLines = (faRun.stderr + faRun.stdout)
    .split('\n')
    .filter((l) => /: (struct of size|struct with|.* has size \d+|.* leading bytes of pointer data)/.test(l));
  const modFacts = await layoutFacts({ cwd: xmod, goVersion, arch: 'amd64', baseEnv: env });
  const rules = rulesFor('1.26', 'amd64');
  const byPos = new Map(modFacts.structs.map((s) => [`${s.file}:${s.line}`, s]));
  let faSize = 0;
  let faClass = 0;
  let faPtr = 0;
  for (const l of faLines) {
    // Older fieldalignment: "struct of size N could be M"; newer: "T has size N but optimal value is M".
    const m = /^(.*?):(\d+):\d+: (?:struct of size|.* has size) (\d+) (?:could be|but optimal value is) (\d+)/.exec(l);
    if (m) {
      faSize++;
      // fieldalignment reports at the `struct` keyword; the helper at the type name, on the same line.
      const s =
        byPos.get(`${join(xmod, m[1]!.replace(xmod + '/', ''))}:${m[2]}`) ??
        [...byPos.values()].find((x) => x.file.endsWith(m[1]!) && x.line === Number(m[2]));
      const ptr = (s?.ptrBytes ?? 0) > 0;
      if (slotOf(Number(m[3]), ptr, rules).slotBytes !== slotOf(Number(m[4]), ptr, rules).slotBytes) faClass++;
    } else faPtr++;
  }
  const heapRes = await layoutWorkspace({ dir: xmod, env });
  const allRes = await layoutWorkspace({ dir: xmod, env, advise: { all: true } });
  const count = (r: typeof heapRes) => ({
    advised: r.report.types.length,
    slotShrinks: r.report.types.filter((t) => t.slotSavingBytes > 0).length,
    scanOnly: r.report.types.filter((t) => t.slotSavingBytes === 0 && t.scanSavingBytes > 0).length,
    elementSitesOnly: r.report.types.filter((t) => t.slotSavingBytes === 0 && t.scanSavingBytes === 0).length,
    refused: r.report.types.filter((t) => t.fix === 'refused').length,
    examined: r.report.examined,
  });

  const out = {
    goVersion,
    xtools: {
      structs: facts.structs.length,
      examined: res.report.examined,
      advised: res.report.types.length,
      analysisMs: Math.round(analysisMs),
      wallMs: Math.round(wallMs),
      adviseMs: Math.round(res.adviseMs * 10) / 10,
      helperLayoutMs: Math.round(helperMs),
      adviseShareOfAnalysis: res.adviseMs / analysisMs,
      adviseAndHelperShareOfAnalysis: (res.adviseMs + helperMs) / analysisMs,
    },
    comparison: {
      module: comparedModule,
      fieldalignment: { findings: faLines.length, sizeFindings: faSize, pointerFindings: faPtr, sizeFindingsThatChangeTheClass: faClass },
      advisorHeapSites: count(heapRes),
      advisorAllStructs: count(allRes),
    },
  };
  await mkdir(join(repoRoot, 'bench', 'runs'), { recursive: true });
  await writeFile(
    join(repoRoot, 'bench', 'runs', `layout-${new Date().toISOString().slice(0, 10)}.json`),
    JSON.stringify(out, null, 2) + '\n',
  );
  console.log(JSON.stringify(out, null, 2));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
