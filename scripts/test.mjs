#!/usr/bin/env node
// The test tiers (docs/testing.md says what goes where):
//   unit         pure: no process, no network, no build; the whole tier ≤ 30 s
//   integration  the real go, fake go scripts, child processes, the built CLI, the benchmarks
//   fidelity     the allocator model against the real Go runtime, every installed toolchain
//   e2e          the extension in code-server + chromium
//
// Usage: node scripts/test.mjs [tier ...] [filter ...]
//   no tier      every tier, after build + check-types + lint (this is `npm test`)
//   tier names   only those tiers; integration and e2e build dist/ first (esbuild only), unit and
//                fidelity build nothing
//   filter       only the test files whose path contains one of the words (`npm run test:unit -- present`)
// GHL_SKIP_BUILD=1 skips build, check-types and lint.
//
// Several tiers run as one node:test process each, at the same time where they do not disturb each
// other (`schedule` below). Their TAP output is printed one tier after another (the first streams live,
// the others are held until it ends), top-level results numbered in one sequence, and the runners'
// own summaries are added up into ONE summary at the end, the last lines of the output
// (`# tests N`, `# pass N`, `# fail N`, … as node:test prints them): CI reads those.
//
// Suites that cannot run on this machine (no `go`, no chromium) say so loudly from inside the suite
// (a skipped test with the reason; under CI=true the e2e suites fail instead), never by disappearing.
//
// Only node: built-ins at the top level: this script runs before node_modules may exist.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** concurrency: files of the tier run at once (`--test-concurrency`); build: the tier reads dist/. */
const tiers = {
  unit: { concurrency: 2, build: false },
  integration: { concurrency: 1, build: true },
  fidelity: { concurrency: 1, build: false },
  e2e: { concurrency: 1, build: true },
};
/** @typedef {keyof typeof tiers} Tier */

/**
 * The order of `npm test`: phases one after another; in a phase, lanes at the same time, the tiers of a
 * lane one after another. e2e (about 10 minutes, a browser against a timing-sensitive workbench) runs
 * with the cheap unit tier only; then fidelity (one long file: a Go build per toolchain, then runtime
 * probes) alongside integration (mostly waiting on go). docs/testing.md has the measurements.
 */
/** @type {Tier[][][]} */
const schedule = [
  [['e2e'], ['unit']],
  [['fidelity'], ['integration']],
];

const args = process.argv.slice(2);
const wanted = /** @type {Tier[]} */ (args.filter((a) => a in tiers));
const filters = args.filter((a) => !(a in tiers));
const all = wanted.length === 0;

/**
 * @param {string} cmd
 * @param {string[]} argv
 */
function runOrExit(cmd, argv) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: repoRoot });
  if (r.status !== 0) {
    console.error(`\n${cmd} ${argv.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

/**
 * @param {string} dir
 * @returns {string[]}
 */
function findTests(dir) {
  /** @type {string[]} */
  const out = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (e === 'node_modules' || e === 'fixtures') continue;
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (e.endsWith('.test.ts') || e.endsWith('.test.mjs')) out.push(p);
  }
  return out;
}

/**
 * filesOf: the tier's test files (relative to the repository), narrowed by the filters.
 * @param {Tier} tier
 */
function filesOf(tier) {
  const files = findTests(join(repoRoot, 'test', tier)).map((f) => relative(repoRoot, f));
  return filters.length ? files.filter((f) => filters.some((w) => f.includes(w))) : files;
}

/**
 * @param {Tier} tier
 * @param {string[]} files
 * @param {string} [reporter]
 */
const nodeTest = (tier, files, reporter) => [
  '--import',
  'tsx',
  '--test',
  `--test-concurrency=${tiers[tier].concurrency}`,
  ...(reporter ? [`--test-reporter=${reporter}`] : []),
  ...files,
];

// The summary lines node:test's TAP reporter ends with, in its order.
const summaryKeys = /** @type {const} */ (['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo', 'duration_ms']);
/** @typedef {(typeof summaryKeys)[number]} SummaryKey */
/** @typedef {Record<SummaryKey, number>} Summary */
const summaryLine = new RegExp(`^# (${summaryKeys.join('|')}) (\\d+(?:\\.\\d+)?)$`);

/** @typedef {{ lines: string[]; ended: boolean }} Stream */
/** @typedef {{ push: (line: string) => void; end: () => void }} Channel */

/** The output of the tiers, in one TAP stream: one tier at a time on the terminal, the others held. */
class Output {
  /** @type {Stream[]} */
  #streams = [];
  #live = 0;
  #number = 0;
  #headerDone = false;
  /**
   * A tier's channel: push(line) while it runs, end() when it has finished.
   * @returns {Channel}
   */
  channel() {
    /** @type {Stream} */
    const s = { lines: [], ended: false };
    this.#streams.push(s);
    return {
      push: (line) => {
        if (this.#streams[this.#live] === s) this.#print(line);
        else s.lines.push(line);
      },
      end: () => {
        s.ended = true;
        this.#advance();
      },
    };
  }
  #advance() {
    while (this.#streams[this.#live]?.ended) {
      this.#live++;
      const next = this.#streams[this.#live];
      if (!next) return;
      for (const l of next.lines.splice(0)) this.#print(l);
    }
  }
  /** @param {string} line */
  #print(line) {
    if (line === 'TAP version 13') {
      if (this.#headerDone) return;
      this.#headerDone = true;
    }
    // Top-level results (one per test file) numbered across the tiers, so the stream is one TAP plan.
    const m = /^(not ok|ok) \d+( .*)?$/.exec(line);
    if (m) line = `${m[1]} ${++this.#number}${m[2] ?? ''}`;
    process.stdout.write(line + '\n');
  }
  get count() {
    return this.#number;
  }
}

/**
 * runTier: one node:test process over the tier's files; resolves to its summary (as node:test counted).
 * @param {Tier} tier
 * @param {string[]} files
 * @param {Output} out
 * @returns {Promise<Summary>}
 */
function runTier(tier, files, out) {
  const ch = out.channel();
  const t0 = Date.now();
  const summary = /** @type {Summary} */ (Object.fromEntries(summaryKeys.map((k) => [k, 0])));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, nodeTest(tier, files, 'tap'), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    /** @param {(line: string) => void} onLine */
    const lineReader = (onLine) => {
      let rest = '';
      return {
        /** @param {string} chunk */
        data: (chunk) => {
          const parts = (rest + chunk).split('\n');
          rest = /** @type {string} */ (parts.pop());
          for (const l of parts) onLine(l);
        },
        flush: () => rest && onLine(rest),
      };
    };
    // The summary is the block of summary-shaped lines the output ends with; such a line followed by
    // anything else was a test's own output.
    /** @type {string[]} */
    const pending = [];
    const stdout = lineReader((l) => {
      if (summaryLine.test(l)) return void pending.push(l);
      for (const p of pending.splice(0)) ch.push(p);
      if (!/^1\.\.\d+$/.test(l)) ch.push(l);
    });
    const stderr = lineReader((l) => ch.push(`# [${tier} stderr] ${l}`));
    child.stdout.setEncoding('utf8').on('data', stdout.data);
    child.stderr.setEncoding('utf8').on('data', stderr.data);
    child.on('close', (code, signal) => {
      stdout.flush();
      stderr.flush();
      for (const l of pending) {
        const m = /** @type {RegExpExecArray} */ (summaryLine.exec(l));
        summary[/** @type {SummaryKey} */ (m[1])] = Number(m[2]);
      }
      const seenSummary = pending.some((l) => l.startsWith('# tests '));
      // A runner that died without its summary, or exited non-zero with nothing failed, is a failure too.
      if (!seenSummary || (code !== 0 && summary.fail === 0 && summary.cancelled === 0)) {
        ch.push(`not ok 0 - ${tier}: node --test exited with ${code ?? signal}${seenSummary ? '' : ' before its summary'}`);
        summary.tests++;
        summary.fail++;
      }
      const s = ((Date.now() - t0) / 1000).toFixed(1);
      ch.push(
        `# ${tier}: ${summary.tests} tests, ${summary.pass} pass, ${summary.fail} fail, ${summary.cancelled} cancelled, ${summary.skipped} skipped in ${s} s`,
      );
      ch.end();
      resolve(summary);
    });
  });
}

async function main() {
  // bootstrap: what the chosen tiers need, installed when missing (GHL_OFFLINE=1: nothing is installed;
  // the suites that need what is missing then skip loudly, or fail under CI=true).
  const { bootstrap } = await import('./bootstrap.mjs');
  const needs = { unit: ['npm'], integration: ['npm', 'go'], fidelity: ['npm', 'go'], e2e: ['npm', 'code-server'] };
  const chosen = all ? /** @type {Tier[]} */ (Object.keys(tiers)) : wanted;
  bootstrap([...new Set(chosen.flatMap((t) => /** @type {('npm' | 'code-server' | 'go')[]} */ (needs[t])))]);

  const selected = all
    ? /** @type {Tier[]} */ (Object.keys(tiers))
    : /** @type {Tier[]} */ (Object.keys(tiers)).filter((t) => wanted.includes(t));
  const files = /** @type {Record<Tier, string[]>} */ (Object.fromEntries(selected.map((t) => [t, filesOf(t)])));
  const total = selected.reduce((n, t) => n + files[t].length, 0);
  if (total === 0) {
    console.error(`no test files in ${selected.map((t) => `test/${t}`).join(', ')}${filters.length ? ` match ${filters.join(' ')}` : ''}`);
    process.exit(1);
  }
  for (const t of selected)
    if (files[t].length === 0 && !filters.length) console.error(`WARNING: test/${t} has no test files: the ${t} tier runs nothing`);
  const running = selected.filter((t) => files[t].length > 0);

  if (!process.env.GHL_SKIP_BUILD) {
    if (all) {
      runOrExit('npm', ['run', '--silent', 'build']);
      runOrExit('npm', ['run', '--silent', 'check-types']);
      runOrExit('npm', ['run', '--silent', 'lint']);
    } else if (running.some((t) => tiers[t].build)) runOrExit('npm', ['run', '--silent', 'build']);
  }

  // One tier: node:test as it is, with the reporter it picks (spec on a terminal) and its own summary.
  if (running.length === 1) {
    const t = /** @type {Tier} */ (running[0]);
    const r = spawnSync(process.execPath, nodeTest(t, files[t]), { stdio: 'inherit', cwd: repoRoot });
    process.exitCode = r.status ?? 1;
    return;
  }

  const t0 = Date.now();
  const out = new Output();
  /** @type {Summary[]} */
  const summaries = [];
  for (const phase of schedule) {
    const lanes = phase.map((lane) => lane.filter((t) => running.includes(t))).filter((lane) => lane.length > 0);
    await Promise.all(
      lanes.map(async (lane) => {
        for (const t of lane) summaries.push(await runTier(t, files[t], out));
      }),
    );
  }
  const sum = /** @type {Summary} */ (Object.fromEntries(summaryKeys.map((k) => [k, summaries.reduce((n, s) => n + s[k], 0)])));
  sum.duration_ms = Date.now() - t0;
  process.stdout.write(`1..${out.count}\n`);
  for (const k of summaryKeys) process.stdout.write(`# ${k} ${sum[k]}\n`);
  process.exitCode = sum.fail === 0 && sum.cancelled === 0 ? 0 : 1;
}

await main();
