// CLI papercuts (issue 10 item 8): per-command --help, paths that do not exist, unknown
// GOEXPERIMENT names, sizes past what a double holds, unreadable workload files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite, test } from 'node:test';
import type { CliIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { goExperimentReleases, maxGoMinor, minGoMinor, parseGoExperiment } from '../../src/core/alloc/versions.ts';
import { runCli } from '../helpers/cliio.ts';

const repo = resolve(__dirname, '../..');

suite('go-heap-lens --help', () => {
  for (const cmd of ['classify', 'simulate', 'parse', 'analyze']) {
    test(`${cmd} --help, ${cmd} -h and help ${cmd} print that command's usage, exit 0`, async () => {
      for (const argv of [
        [cmd, '--help'],
        [cmd, '-h'],
        ['help', cmd],
        [cmd, '--json', '--help'],
      ]) {
        const r = await runCli(argv);
        assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
        assert.equal(r.stderr, '', argv.join(' '));
        assert.ok(r.stdout.startsWith(`usage: go-heap-lens ${cmd} `), `${argv.join(' ')}: ${r.stdout.slice(0, 80)}`);
        // The command's own flags are explained, not only the one-line synopsis.
        assert.match(r.stdout, /\n {2}--json /, argv.join(' '));
        assert.match(r.stdout, /exit codes:/, argv.join(' '));
      }
    });
  }

  test('after -- a "--help" is an operand, not a request for help', async () => {
    const r = await runCli(['parse', '--', '--help']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read --help/);
  });

  test('the top-level usage still answers --help and an empty command line', async () => {
    const h = await runCli(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^usage: go-heap-lens <command>/);
    const none = await runCli([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^usage: go-heap-lens <command>/);
  });
});

suite('analyze of a path that does not exist', () => {
  test('says the path does not exist and exits 2 (no toolchain runs)', async () => {
    const r = await runCli(['analyze', 'no/such/dir', '--json'], { cwd: repo });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /no\/such\/dir: the path does not exist/);
    assert.doesNotMatch(r.stderr, /no Go module/);
    assert.equal(r.stdout, '');
  });

  test('a file where a directory is expected, and a missing --from-file, are exit 2 too', async () => {
    const file = await runCli(['analyze', 'package.json'], { cwd: repo });
    assert.equal(file.code, 2);
    assert.match(file.stderr, /package\.json: not a directory/);
    const from = await runCli(['analyze', '.', '--from-file', 'missing-output.txt'], { cwd: repo });
    assert.equal(from.code, 2);
    assert.match(from.stderr, /missing-output\.txt: the path does not exist/);
  });
});

suite('GOEXPERIMENT names', () => {
  test('classify --goexperiment bogus: exit 2, listing the known experiments', async () => {
    const r = await runCli(['classify', '8', '--goexperiment', 'bogus', '--go', '1.26']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /unknown GOEXPERIMENT "bogus" for go1\.26/);
    assert.match(r.stderr, /known experiments are .*\barenas\b.*\bgreenteagc\b.*\bsizespecializedmalloc\b/);
    assert.match(r.stderr, /only greenteagc changes placement/);
  });

  test('a name of another release is rejected with the releases that have it; real names are accepted', async () => {
    const old = await runCli(['classify', '8', '--goexperiment', 'greenteagc', '--go', '1.24']);
    assert.equal(old.code, 2);
    assert.match(old.stderr, /unknown GOEXPERIMENT "greenteagc" for go1\.24 \(it exists in go1\.25–go1\.27\)/);
    // go1.26 has no swiss map experiment (the old maps are gone), even as a no-op.
    const gone = await runCli(['classify', '8', '--goexperiment', 'swissmap', '--go', '1.26']);
    assert.equal(gone.code, 2);
    const ok = await runCli(['classify', '1024', '--pointers', '--goexperiment', 'nogreenteagc,arenas', '--go', '1.26', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).sizeClass, 33);
  });

  test('a workload with an unknown goexperiment is rejected (simulate exit 2)', async () => {
    const w = {
      go: '1.26',
      arch: 'amd64',
      goexperiment: 'nogreenteagc,bogus',
      ops: [{ alloc: { bytes: 8, pointers: false, count: 1, keep: true } }],
    };
    const r = await runCli(['simulate', '--workload', '-', '--json'], { stdin: JSON.stringify(w) });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown GOEXPERIMENT "bogus" for go1\.26/);
  });

  test('the GOEXPERIMENT go env printed is read without checks (the go command already checked it)', () => {
    assert.deepEqual(parseGoExperiment('nogreenteagc,someday'), { greenteagc: false });
    assert.throws(() => parseGoExperiment('someday', '1.26'), /unknown GOEXPERIMENT "someday"/);
  });

  test('the names match internal/goexperiment/flags.go of every installed Go source tree', (t) => {
    let checked = 0;
    for (let minor = minGoMinor; minor <= maxGoMinor; minor++) {
      const flags = join(repo, '.cache/go', `go-1.${minor}`, 'src/internal/goexperiment/flags.go');
      if (!existsSync(flags)) continue;
      const src = readFileSync(flags, 'utf8');
      const body = src.slice(src.indexOf('type Flags struct'), src.indexOf('\n}', src.indexOf('type Flags struct')));
      const fromSource = [...body.matchAll(/^\s+([A-Z][A-Za-z0-9]+)\s+bool/gm)].map((m) => m[1]!.toLowerCase());
      fromSource.push('regabi'); // internal/buildcfg/exp.go's alias
      const modelled = Object.keys(goExperimentReleases).filter(
        (k) => goExperimentReleases[k]![0] <= minor && minor <= goExperimentReleases[k]![1],
      );
      assert.deepEqual(modelled.sort(), fromSource.sort(), `go1.${minor}`);
      checked++;
    }
    if (checked === 0) t.skip('no Go source trees in .cache/go (scripts/install-go-toolchains.sh)');
  });

  test('analyze with GOEXPERIMENT=bogus in the environment: the go command refuses it, exit 2', async (t) => {
    if (spawnSync('go', ['version']).status !== 0) return t.skip('go is not installed');
    const dir = mkdtempSync(join(tmpdir(), 'ghl-goexp-'));
    try {
      writeFileSync(join(dir, 'go.mod'), 'module example.com/m\n\ngo 1.21\n');
      writeFileSync(join(dir, 'm.go'), 'package m\n\nfunc New() *int { return new(int) }\n');
      let stderr = '';
      const io: CliIO = {
        stdout: () => {},
        stderr: (s) => void (stderr += s),
        stdin: async function* () {},
        cwd: dir,
        env: { ...process.env, GOEXPERIMENT: 'bogus', GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false', GOWORK: 'off' },
      };
      const code = await main(['analyze', '.', '--json'], io);
      assert.equal(code, 2, stderr);
      assert.match(stderr, /unknown GOEXPERIMENT bogus/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

suite('classify echoes the size as typed', () => {
  test('a size past maxAlloc is reported in the digits typed, not as a rounded double', async () => {
    for (const typed of ['99999999999999999999', '9007199254740993', '281474976710657']) {
      const r = await runCli(['classify', typed]);
      assert.equal(r.code, 2, typed);
      assert.match(r.stderr, new RegExp(`size ${typed} B exceeds the runtime's maxAlloc`), typed);
    }
    const r = await runCli(['classify', '99999999999999999999']);
    assert.doesNotMatch(r.stderr, /100000000000000000000/);
  });

  test('the largest size the runtime can allocate is classified exactly', async () => {
    const r = await runCli(['classify', '281474976710656', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout);
    assert.equal(p.requestBytes, 281474976710656);
    assert.equal(p.kind, 'large');
    assert.equal(p.npages, 281474976710656 / 8192);
    const text = await runCli(['classify', '281474976710655']);
    assert.match(text.stdout, /^281474976710655 B noscan/);
  });

  test('--stdin reports an oversized line in its own digits and answers the rest', async () => {
    const r = await runCli(['classify', '--stdin', '--json'], { stdin: '8 noscan\n123456789012345678901234567890 scan\n16 scan\n' });
    assert.equal(r.code, 2);
    assert.equal(r.stdout.trim().split('\n').length, 2);
    assert.match(r.stderr, /line 2: size 123456789012345678901234567890 B exceeds/);
  });
});

suite('simulate --workload of an unreadable file', () => {
  test('a missing file: a sentence naming the file, exit 2', async () => {
    const r = await runCli(['simulate', '--workload', 'missing.json'], { cwd: repo });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read workload missing\.json: no such file \(.*missing\.json\)/);
    assert.doesNotMatch(r.stderr, /ENOENT/);
  });

  test('a directory: said so, exit 2', async () => {
    const r = await runCli(['simulate', '--workload', 'test'], { cwd: repo });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read workload test: it is a directory, not a file/);
  });
});
