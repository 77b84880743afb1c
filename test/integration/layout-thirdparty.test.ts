// `go-heap-lens layout --apply` on a real module we did not write: golang.org/x/mod, pinned, from the
// Go module proxy (cached in the module cache). After the rewrite `go build`, `go vet` and the
// module's own tests (-short: its TestVCS clones from github.com, which this machine cannot reach)
// pass, the files are gofmt-clean, and a second --apply changes nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, suite, test } from 'node:test';
import type { CliIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { tempDirs } from '../helpers/tempModule.ts';

const pinned = 'golang.org/x/mod@v0.42.0';
const repo = resolve(__dirname, '../..');
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  GOTOOLCHAIN: 'local',
  GOFLAGS: '-mod=mod -buildvcs=false',
  GOWORK: 'off',
  XDG_CACHE_HOME: join(repo, '.cache', 'xdg'),
};
const dirs = tempDirs('ghl-layout-xmod-');
after(() => dirs.removeAll());

function download(): string | undefined {
  const r = spawnSync('go', ['mod', 'download', '-json', pinned], { cwd: dirs.make(), env, encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return (JSON.parse(r.stdout) as { Dir: string }).Dir;
}

function goFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.go')) out.set(p, readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    stdin: async function* () {
      /* no input */
    },
    cwd,
    env: { ...env, GOPROXY: 'off' },
  };
  return { code: await main(['layout', ...argv], io), stdout, stderr };
}

const src = spawnSync('go', ['version']).status === 0 ? download() : undefined;

suite(`layout --apply on ${pinned}`, { skip: !src && `${pinned} is not reachable through the Go module proxy` }, () => {
  test('rewrites, then builds, vets and passes its tests; a second --apply changes nothing', { timeout: 900_000 }, async () => {
    const d = dirs.make();
    cpSync(src!, d, { recursive: true });
    spawnSync('chmod', ['-R', 'u+w', d]);
    const first = await cli(['.', '--apply'], d);
    assert.equal(first.code, 0, first.stderr);
    const m = /# (\d+) types? reordered in (\d+) files?/.exec(first.stdout);
    assert.ok(m && Number(m[1]) > 0, first.stdout);
    // Unkeyed literals, including those in _test.go files, are refused with their places.
    assert.match(first.stderr, /refused: unkeyed composite literal at .*_test\.go:\d+:\d+/);
    assert.equal(spawnSync('gofmt', ['-l', d], { encoding: 'utf8' }).stdout, '');
    const offline = { ...env, GOPROXY: 'off' };
    for (const args of [
      ['build', './...'],
      ['vet', './...'],
      ['test', '-short', './...'],
    ]) {
      const r = spawnSync('go', args, { cwd: d, env: offline, encoding: 'utf8' });
      assert.equal(r.status, 0, `go ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    }
    const before = goFiles(d);
    const second = await cli(['.', '--apply'], d);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /# 0 types reordered in 0 files/);
    assert.deepEqual(goFiles(d), before);
  });
});
