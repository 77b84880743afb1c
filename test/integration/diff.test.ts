// `go-heap-lens diff` against the real go and git: a fixture repository built here (one commit
// moves code, one changes a type across a size class, one adds an escape) diffed with --base, the
// version fixtures with the installed go1.21 and go1.27, the gates' exit codes, a saved baseline,
// and the temporary worktree of a CLI killed with SIGKILL removed by the next run.
import { test, suite, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cliio.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { runDiff } from '../../src/cli/diff.ts';
import { tempDirs, write } from '../helpers/tempModule.ts';
import { worktreePrefix } from '../../src/toolchain/baseRef.ts';

const repo = resolve(__dirname, '../..');
const hasGo = spawnSync('go', ['version']).status === 0;
const hasGit = spawnSync('git', ['version']).status === 0;
const skip = !hasGo || !hasGit ? 'needs go and git on PATH' : false;
const dirs = tempDirs('ghl-diff-');
after(() => dirs.removeAll());

const env = {
  ...process.env,
  GOTOOLCHAIN: 'local',
  GOFLAGS: '-buildvcs=false',
  GOWORK: 'off',
  XDG_CACHE_HOME: join(repo, '.cache', 'xdg'),
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, env, encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const smallV = (n: number) => `package drift

// Small is 8 + 8n bytes with a pointer: 40 B (class 5, 48 B) with n=4, 56 B (class 6, 64 B) with n=6.
type Small struct {
	P *int
	V [${n}]int64
}
`;

const base = {
  'go.mod': 'module example.com/drift\n\ngo 1.21\n',
  'types.go': smallV(4),
  'a.go': `package drift

var sink any

//go:noinline
func NewSmall() *Small { return &Small{} }

//go:noinline
func Keep(n int) int {
	x := &Small{}
	x.V[0] = int64(n)
	return int(x.V[0])
}

//go:noinline
func Moved(n int) []byte { return make([]byte, 100+n) }
`,
};

/** makeRepo: c1 base; c2 moves Moved to b.go and shifts a.go's lines; c3 grows Small across a class; the working tree adds an escape. */
function makeRepo(): string {
  const d = dirs.make();
  write(d, base);
  git(d, 'init', '-q', '-b', 'main');
  git(d, 'add', '.');
  git(d, 'commit', '-qm', 'base');
  write(d, {
    'a.go': `package drift

// A comment block that moves every site below it.
//
// (three more lines)

var sink any

//go:noinline
func NewSmall() *Small { return &Small{} }

//go:noinline
func Keep(n int) int {
	x := &Small{}
	x.V[0] = int64(n)
	return int(x.V[0])
}
`,
    'b.go': `package drift

//go:noinline
func Moved(n int) []byte { return make([]byte, 100+n) }
`,
  });
  git(d, 'add', '.');
  git(d, 'commit', '-qm', 'move code');
  write(d, { 'types.go': smallV(6) });
  git(d, 'commit', '-qam', 'grow Small across a class');
  write(d, {
    'a.go': readA(d).replace('x.V[0] = int64(n)\n', 'x.V[0] = int64(n)\n\tsink = x\n'),
  });
  git(d, 'commit', '-qam', 'Keep lets x escape');
  return d;
}

function readA(d: string): string {
  return spawnSync('cat', [join(d, 'a.go')], { encoding: 'utf8' }).stdout;
}

interface Change {
  kind: string;
  base: { func: string; line: number; file: string; prediction: { sizeClass: number; slotBytes: number } } | null;
  head: { func: string; line: number; file: string; prediction: { sizeClass: number; slotBytes: number } } | null;
}

function changesOf(stdout: string): Change[] {
  return (JSON.parse(stdout) as { changes: Change[] }).changes;
}

function ourWorktrees(d: string): string[] {
  return git(d, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree ') && l.includes(worktreePrefix));
}

suite('diff --base REF on a fixture repository', { skip }, () => {
  let d = '';
  before(() => {
    d = makeRepo();
  });

  test('HEAD~1 (the working tree adds one escape): exactly that change', async () => {
    const r = await runCli(['diff', d, '--base', 'HEAD~1', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const c = changesOf(r.stdout);
    assert.deepEqual(
      c.map((x) => [x.kind, x.head?.func]),
      [['now-escapes', 'Keep']],
    );
    assert.deepEqual(ourWorktrees(d), []);
  });

  test('HEAD~3: the class change and the escape; nothing for the moved code', async () => {
    const r = await runCli(['diff', d, '--base', 'HEAD~3', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const c = changesOf(r.stdout);
    assert.deepEqual(
      c.map((x) => [x.kind, x.head?.func]),
      [
        ['class-changed', 'NewSmall'],
        ['now-escapes', 'Keep'],
      ],
    );
    const cls = c[0]!;
    assert.deepEqual([cls.base!.prediction.slotBytes, cls.head!.prediction.slotBytes], [48, 64]);
    assert.equal(cls.base!.file, join(d, 'a.go'), 'base paths are the repository’s, not the removed worktree’s');
    assert.equal(cls.base!.line, 6);
    assert.equal(cls.head!.line, 10);
    assert.match(r.stderr, /head: the working tree \(clean\)/);
  });

  test('a second run with the same base tree is served from the cache', async () => {
    await runCli(['diff', d, '--base', 'HEAD~2', '--json'], { env });
    const r = await runCli(['diff', d, '--base', 'HEAD~2', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /cached result/);
    assert.deepEqual(
      changesOf(r.stdout).map((x) => x.kind),
      ['class-changed', 'now-escapes'],
    );
  });

  test('gates: --fail-on new-heap-sites and class-up exit 3; a passing gate exits 0', async () => {
    const a = await runCli(['diff', d, '--base', 'HEAD~1', '--markdown', '--fail-on', 'new-heap-sites'], { env });
    assert.equal(a.code, 3, a.stderr);
    assert.match(a.stdout, /Gate failed/);
    const b = await runCli(['diff', d, '--base', 'HEAD~1', '--text', '--fail-on', 'class-up'], { env });
    assert.equal(b.code, 0, b.stderr);
    const c = await runCli(['diff', d, '--base', 'HEAD~2', '--text', '--fail-on', 'class-up'], { env });
    assert.equal(c.code, 3, c.stderr);
    const e = await runCli(['diff', d, '--base', 'HEAD~1', '--json', '--fail-on', 'bytes+1000%'], { env });
    assert.equal(e.code, 0, e.stderr);
  });

  test('a budget file allows a site and limits a package', async () => {
    const budget = join(dirs.make(), 'budget.json');
    writeFileSync(budget, JSON.stringify({ allow: [{ package: 'example.com/drift', func: 'Keep' }] }));
    const a = await runCli(['diff', d, '--base', 'HEAD~1', '--json', '--fail-on', 'new-heap-sites', '--budget', budget], { env });
    assert.equal(a.code, 0, a.stderr);
    writeFileSync(budget, JSON.stringify({ packages: { 'example.com/drift': { maxHeapSites: 2 } } }));
    const b = await runCli(['diff', d, '--base', 'HEAD~1', '--json', '--budget', budget], { env });
    assert.equal(b.code, 3, b.stderr);
    assert.deepEqual(JSON.parse(b.stdout).gate.reasons, ['budget: example.com/drift has 3 heap sites, over its maximum of 2']);
  });

  test('an unknown ref exits 2 naming it', async () => {
    const r = await runCli(['diff', d, '--base', 'no-such-branch', '--json'], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /base ref "no-such-branch" is not a commit/);
  });

  test('a dirty working tree is the head, and the report says so', async () => {
    const e = dirs.make();
    git(e, 'clone', '-q', d, '.');
    write(e, {
      'b.go':
        'package drift\n\n//go:noinline\nfunc Moved(n int) []byte { return make([]byte, 100+n) }\n\n//go:noinline\nfunc Extra() *[3]int { return new([3]int) }\n',
    });
    const r = await runCli(['diff', e, '--base', 'HEAD', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /head: the working tree with 1 uncommitted file \(not HEAD\)/);
    assert.deepEqual(
      changesOf(r.stdout).map((x) => [x.kind, x.head?.func]),
      [['new', 'Extra']],
    );
  });

  test('a base that does not build is reported and what built is diffed', async () => {
    const e = dirs.make();
    write(e, { ...base, 'c/c.go': 'package c\n\nfunc Broken() int { return "x" }\n' });
    git(e, 'init', '-q', '-b', 'main');
    git(e, 'add', '.');
    git(e, 'commit', '-qm', 'broken base');
    write(e, { 'c/c.go': 'package c\n\n//go:noinline\nfunc Fixed() *int { return new(int) }\n' });
    const r = await runCli(['diff', e, '--base', 'HEAD', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /base HEAD does not build fully: .*c\.go:3.*diffing what built/);
    assert.deepEqual(
      changesOf(r.stdout).map((x) => [x.kind, x.head?.func]),
      [['new', 'Fixed']],
    );
  });

  test('the worktree of a CLI killed with SIGKILL mid-run is removed by the next run', async () => {
    // A go that blocks inside the base worktree until the test has killed the CLI: no timing involved.
    const tools = dirs.make();
    const mark = join(tools, 'in-worktree');
    const goPath = spawnSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' }).stdout.trim();
    const wrapper = join(tools, 'go');
    writeFileSync(
      wrapper,
      `#!/bin/sh\ncase "$PWD" in *${worktreePrefix}*) case "$1" in build|test) echo $$ > "${mark}.tmp"; mv "${mark}.tmp" "${mark}"; while :; do sleep 1; done;; esac;; esac\nexec "${goPath}" "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    const child = spawn(process.execPath, [join(repo, 'dist', 'cli.js'), 'diff', d, '--base', 'HEAD~1', '--json'], {
      env: { ...env, GO_HEAP_LENS_GO: wrapper },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((done) => child.on('exit', () => done()));
    while (!existsSync(mark)) await new Promise((r) => setTimeout(r, 50));
    const left = ourWorktrees(d);
    assert.equal(left.length, 1, 'the worktree exists while the CLI runs');
    child.kill('SIGKILL');
    await exited;
    // The wrapper's process group outlives the CLI: end it, as a crash's orphan would be ended.
    process.kill(Number(readFileSync(mark, 'utf8').trim()), 'SIGKILL');
    assert.equal(ourWorktrees(d).length, 1, 'SIGKILL leaves it behind');
    const r = await runCli(['diff', d, '--base', 'HEAD~1', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /removed 1 stale worktree/);
    assert.deepEqual(ourWorktrees(d), [], r.stderr + git(d, 'worktree', 'list', '--porcelain') + ` child ${child.pid} self ${process.pid}`);
    assert.deepEqual(
      readdirSync(tmpdir()).filter((n) => n.startsWith(`${worktreePrefix}${child.pid}-`)),
      [],
    );
  });
});

suite('diff --go across installed toolchains', () => {
  const have = (m: number) => existsSync(join(repo, '.cache', 'go', `go-1.${m}`, 'bin', 'go'));
  const fixture = join(repo, 'test', 'fixtures', 'drift', 'versions');

  test(
    'go1.21 → go1.27: malloc header, Green Tea objects per span, a slice kept on the stack',
    { skip: !have(21) || !have(27) ? 'needs .cache/go/go-1.21 and go-1.27 (scripts/)' : false },
    async () => {
      const r = await runCli(['diff', fixture, '--go', '1.21', '--go', '1.27', '--json'], { env });
      assert.equal(r.code, 0, r.stderr);
      const o = JSON.parse(r.stdout) as {
        base: { goVersion: string; modelOnly: boolean };
        head: { goVersion: string };
        changes: (Change & {
          base: { expr: string; prediction: Record<string, number> } | null;
          head: { expr: string; escapes: boolean; prediction: Record<string, number> } | null;
        })[];
      };
      assert.match(o.base.goVersion, /^go1\.21\./);
      assert.match(o.head.goVersion, /^go1\.27\./);
      assert.equal(o.base.modelOnly, false);
      const by = new Map(o.changes.map((c) => [(c.head ?? c.base)!.expr, c]));
      const h520 = by.get('&header520{}')!;
      assert.equal(h520.kind, 'size-changed');
      assert.deepEqual([h520.base!.prediction.headerBytes, h520.head!.prediction.headerBytes], [0, 8]);
      assert.deepEqual([h520.base!.prediction.slotBytes, h520.head!.prediction.slotBytes], [576, 576]);
      const h576 = by.get('&header576{}')!;
      assert.equal(h576.kind, 'class-changed');
      assert.deepEqual([h576.base!.prediction.sizeClass, h576.head!.prediction.sizeClass], [27, 28]);
      assert.deepEqual([h576.base!.prediction.slotBytes, h576.head!.prediction.slotBytes], [576, 640]);
      const gt = by.get('new([64]byte)')!;
      assert.equal(gt.kind, 'class-changed');
      assert.deepEqual([gt.base!.prediction.objectsPerSpan, gt.head!.prediction.objectsPerSpan], [128, 126]);
      const slice = by.get('make([]int, n)')!;
      assert.equal(slice.kind, 'no-longer-escapes');
      assert.equal(slice.head!.escapes, false);
      assert.equal(o.changes.length, 4);
    },
  );

  test('a version that is not installed: model only, said plainly, with how to get it', async () => {
    const minor = Number(/go1\.(\d+)/.exec(spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', env }).stdout)![1]);
    const other = minor === 21 ? 22 : 21;
    // Searched from a temp dir, with an empty home and module cache: only the go on PATH exists.
    const iso = dirs.make();
    write(iso, base);
    let stdout = '';
    let stderr = '';
    const io: CliIO = {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      stdin: async function* () {},
      cwd: iso,
      env: { ...env, HOME: iso, GOMODCACHE: join(iso, 'modcache') },
    };
    const code = await runDiff(iso)(['diff', iso, '--go', `1.${other}`, '--go', `1.${minor}`, '--json'].slice(1), io);
    assert.equal(code, 0, stderr);
    const o = JSON.parse(stdout);
    assert.deepEqual(o.base, {
      goVersion: `1.${other}`,
      arch: 'amd64',
      modelOnly: true,
      note: `model only: escape decisions of go1.${minor}`,
    });
    assert.equal(o.head.modelOnly, false);
    assert.match(stderr, new RegExp(`GOTOOLCHAIN=go1\\.${other}\\.0 go version`));
  });
});

suite('diff --base-result', { skip }, () => {
  test('a corrupt baseline exits 2 naming the base', async () => {
    const d = dirs.make();
    write(d, base);
    const bad = join(d, 'old.json');
    writeFileSync(bad, '{"goVersion":"1.26","arch":"amd64","sites":[{"file":"x"}]');
    const r = await runCli(['diff', d, '--base-result', bad, '--json'], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /base result .*old\.json is not JSON/);
  });

  test('a saved analysis of the same tree: no changes, SARIF 2.1.0 has no results', async () => {
    const d = dirs.make();
    write(d, base);
    const a = await runCli(['analyze', d, '--json'], { env });
    assert.equal(a.code, 0, a.stderr);
    writeFileSync(join(d, 'old.json'), a.stdout);
    const r = await runCli(['diff', d, '--base-result', join(d, 'old.json'), '--sarif'], { env });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.version, '2.1.0');
    assert.deepEqual(s.runs[0].results, []);
    write(d, { 'a.go': base['a.go'].replace('x.V[0] = int64(n)\n', 'x.V[0] = int64(n)\n\tsink = x\n') });
    const n = await runCli(['diff', d, '--base-result', join(d, 'old.json'), '--sarif'], { env });
    const res = JSON.parse(n.stdout).runs[0].results;
    assert.equal(res.length, 1);
    assert.equal(res[0].ruleId, 'drift/now-escapes');
    assert.ok(res[0].codeFlows[0].threadFlows[0].locations.length > 0, 'the why-chain is a code flow');
  });
});
