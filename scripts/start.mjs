#!/usr/bin/env node
// `npm start`: build, install code-server if missing (idempotent), link this checkout in as
// the extension and open the demo module (test/fixtures/demo) on http://127.0.0.1:PORT.
// Ctrl+C stops code-server and everything it started. PORT=… to change the port.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrap } from './bootstrap.mjs';
import { e2eCache, repoRoot, startCodeServer } from './code-server-env.mjs';

/** @param {string} cmd @param {string[]} args */
function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: repoRoot });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// npm packages, code-server and chromium when missing (GHL_OFFLINE=1: no installs).
if (!bootstrap(['npm', 'code-server'])) process.exit(1);
run('npm', ['run', '--silent', 'build']);
const port = Number(process.env.PORT ?? 8377);
const runDir = join(e2eCache, 'start');
mkdirSync(runDir, { recursive: true });
const demo = join(repoRoot, 'test', 'fixtures', 'demo');
const cs = await startCodeServer({ runDir, port, logFile: join(runDir, 'code-server.log'), graceSeconds: 60 });
console.log(
  `\nGo Heap Lens demo: ${cs.url}/?folder=${encodeURIComponent(demo)}\n(code-server log: ${join(runDir, 'code-server.log')}; Ctrl+C stops it)`,
);
const stop = async () => {
  await cs.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
cs.child.on('exit', (code) => {
  console.log(`code-server exited (${code})`);
  process.exit(code ?? 1);
});
