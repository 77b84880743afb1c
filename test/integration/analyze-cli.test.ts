// `go-heap-lens analyze` (src/cli/analyze.ts) run in-process: JSON contract fields,
// text lines, SARIF validated against the official SARIF 2.1.0 schema, exit codes. It runs the real
// go; --build-flags parsing alone: test/unit/cli-build-flags.test.ts.
import { test, suite } from 'node:test';
import { predictionFields } from '../helpers/cliio.ts';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/io.ts';

const repo = resolve(__dirname, '../..');
const hasGo = spawnSync('go', ['version']).status === 0;
const noGo = 'go is not installed on this machine: analyze cannot run the compiler';

async function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    stdin: async function* () {
      /* no input */
    },
    cwd: repo,
    env: {
      ...process.env,
      GOTOOLCHAIN: 'local',
      GOFLAGS: '-buildvcs=false',
      GOWORK: 'off',
      XDG_CACHE_HOME: join(repo, '.cache', 'xdg'),
      ...env,
    },
  };
  const code = await main(['analyze', ...argv], io);
  return { code, stdout, stderr };
}

function sarifValidator() {
  // The official schema is draft-04 (`id`); ajv 8 speaks draft-07, which reads it the same once `id` is `$id`.
  const schema = JSON.parse(readFileSync(join(repo, 'test/integration/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
  const { id, $schema: _draft, ...rest } = schema;
  // unicodeRegExp off: the schema's language-tag pattern is not valid under the u flag.
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  return ajv.compile({ ...rest, $id: id as string });
}

suite('analyze CLI', () => {
  test('--json follows the contract of docs/architecture.md', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const r = await cli(['test/fixtures/constructs', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const k of ['goVersion', 'arch', 'sites', 'diagnostics', 'unparsed', 'errors']) assert.ok(k in out, `missing ${k}`);
    assert.equal(out['unparsed'], 0);
    const sites = out['sites'] as Record<string, unknown>[];
    assert.ok(sites.length > 30);
    for (const k of ['file', 'line', 'column', 'construct', 'expr', 'escapes', 'reason', 'type', 'prediction'])
      assert.ok(k in sites[0]!, `site lacks ${k}`);
    const p = sites[0]!['prediction'] as Record<string, unknown>;
    for (const k of predictionFields) {
      assert.ok(k in p, `prediction lacks ${k}`);
    }
  });

  test('--text prints file:line:col: message lines and a summary', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const r = await cli(['test/fixtures/constructs', '--text', '--packages', './alloc']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines.at(-1)!, /^# \d+ sites \(\d+ heap, \d+ stack\) on go1\.\d+/);
    for (const l of lines.slice(0, -1)) assert.match(l, /^alloc\/[\w.]+\.go:\d+:\d+: .+/);
    assert.ok(
      lines.some((l) => /^alloc\/alloc\.go:\d+:\d+: &Point\{\.\.\.\} escapes to heap .*16 B → 16 B slot, span class 5/.test(l)),
      r.stdout,
    );
  });

  test('--sarif is valid SARIF 2.1.0 with one result per site', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const r = await cli(['test/fixtures/constructs', '--sarif']);
    assert.equal(r.code, 0, r.stderr);
    const log = JSON.parse(r.stdout) as { runs: { results: unknown[] }[] };
    const validate = sarifValidator();
    assert.ok(validate(log), JSON.stringify(validate.errors?.slice(0, 5), null, 1));
    const json = JSON.parse((await cli(['test/fixtures/constructs', '--json'])).stdout) as { sites: unknown[] };
    assert.equal(log.runs[0]!.results.length, json.sites.length);
    // The validator is not vacuous: a result without a message is rejected.
    const broken = structuredClone(log) as { runs: { results: Record<string, unknown>[] }[] };
    delete broken.runs[0]!.results[0]!['message'];
    assert.equal(validate(broken), false);
  });

  test("a build error exits 1 and still prints the other packages' sites; usage errors exit 2", async (t) => {
    if (!hasGo) return t.skip(noGo);
    const dir = mkdtempSync(join(tmpdir(), 'ghl-cli-'));
    mkdirSync(join(dir, 'ok'));
    mkdirSync(join(dir, 'bad'));
    writeFileSync(join(dir, 'go.mod'), 'module example.com/cli\n\ngo 1.21\n');
    writeFileSync(join(dir, 'ok/ok.go'), 'package ok\n\nfunc P() *[64]byte { return new([64]byte) }\n');
    writeFileSync(join(dir, 'bad/bad.go'), 'package bad\n\nvar X int = "s"\n');
    const r = await cli([dir, '--json']);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as { sites: { expr: string }[]; errors: { kind: string; file?: string }[] };
    assert.ok(out.sites.some((s) => s.expr === 'new([64]byte)'));
    assert.ok(out.errors.some((e) => e.kind === 'build' && e.file?.endsWith('bad/bad.go')));
    assert.match(r.stderr, /build: bad\/bad\.go:3/);
    rmSync(dir, { recursive: true, force: true });
    assert.equal((await cli(['a', 'b'])).code, 2);
    assert.equal((await cli(['--json', '--sarif'])).code, 2);
    assert.equal((await cli(['--no-such-flag'])).code, 2);
    assert.equal((await cli(['--packages', '-toolexec=x'])).code, 2);
  });

  test('no go → exit 1 with an actionable message', async () => {
    const r = await cli(['test/fixtures/constructs', '--json'], { GO_HEAP_LENS_GO: '/nonexistent/go' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot run|not found/);
  });
});
