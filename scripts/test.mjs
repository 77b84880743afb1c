#!/usr/bin/env node
// `npm test`: build, type-check, lint, then every suite in ONE node:test run so the
// output ends with the runner's summary. Usage: node scripts/test.mjs [unit|fidelity|e2e ...]
// Suites that cannot run on this machine (no `go`, no chromium) say so loudly from inside
// the suite (a skipped test with the reason), never by silently disappearing.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrap } from './bootstrap.mjs';

const allSuites = ['unit', 'fidelity', 'e2e'];
const wanted = process.argv.slice(2).filter((a) => allSuites.includes(a));
const suites = wanted.length ? wanted : allSuites;

/** @param {string} cmd @param {string[]} args @param {import('node:child_process').SpawnSyncOptions} [opts] */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`\n${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

/** @param {string} dir @returns {string[]} */
function findTests(dir) {
  /** @type {string[]} */
  const out = [];
  /** @type {string[]} */
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (e === 'node_modules' || e === 'fixtures') continue;
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (e.endsWith('.test.ts') || e.endsWith('.test.mjs')) out.push(p);
  }
  return out;
}

// bootstrap: npm packages, code-server + chromium and Go 1.21–1.27 when missing (GHL_OFFLINE=1: none;
// the suites that need what is missing then skip loudly, or fail under CI=true).
bootstrap();
if (!process.env.GHL_SKIP_BUILD) {
  run('npm', ['run', '--silent', 'build']);
  run('npm', ['run', '--silent', 'check-types']);
  run('npm', ['run', '--silent', 'lint']);
}
const files = suites.flatMap((s) => findTests(join('test', s)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  env: { ...process.env, GHL_SUITES: suites.join(',') },
});
