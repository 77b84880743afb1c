// The parser on fresh output of this machine's Go toolchain (not a recording):
// `go build -gcflags=-m=2` of the fixture modules must parse with 0 unparsed lines.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseText } from '../../src/core/escape/text.ts';
import { parseBuildJson } from '../../src/core/escape/buildjson.ts';

const fixtures = join(__dirname, '..', 'fixtures');
const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false', GOWORK: 'off', GOPROXY: 'off' };
const version = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', env });
const goVersion = version.status === 0 ? version.stdout.trim() : undefined;
const minor = goVersion !== undefined ? Number(/^go1\.(\d+)/.exec(goVersion)?.[1] ?? 0) : 0;

suite(`live compiler output (${goVersion ?? 'no go on PATH'})`, () => {
  for (const mod of ['constructs', 'service', 'rangefunc']) {
    test(`go build -gcflags=-m=2 ./... in ${mod}: 0 unparsed`, (t) => {
      if (goVersion === undefined)
        return t.skip(`no \`go\` on PATH (${version.error?.message ?? version.stderr}): cannot run the compiler here`);
      if (mod === 'rangefunc' && minor < 23) return t.skip(`${goVersion} cannot build range-over-func (needs go1.23)`);
      const dir = join(fixtures, mod);
      const r = spawnSync('go', ['build', '-gcflags=-m=2', './...'], { cwd: dir, encoding: 'utf8', env, maxBuffer: 64 << 20 });
      assert.equal(r.status, 0, r.stderr);
      const p = parseText(r.stderr, { baseDir: dir });
      assert.deepEqual(p.unparsed, []);
      assert.ok(p.stats.diagnostics > 30, JSON.stringify(p.stats));
      assert.ok((p.stats.byKind.explanation ?? 0) > 0);
      assert.ok(p.diagnostics.every((d) => d.package?.startsWith(`example.com/${mod}`)));
      if (mod === 'constructs') {
        const site = p.diagnostics.find((d) => d.file === 'text/text.go' && d.line === 20 && d.column === 37 && d.kind === 'escapes');
        assert.equal(site?.expr, '&Label{...}');
        assert.equal(site?.absFile, join(dir, 'text', 'text.go'));
      }
    });
  }

  test('go build -gcflags=-m=3 (traces, labels, IR dumps): 0 unparsed', (t) => {
    if (goVersion === undefined) return t.skip('no `go` on PATH: cannot run the compiler here');
    const dir = join(fixtures, 'constructs');
    const r = spawnSync('go', ['build', '-gcflags=-m=3', './...'], { cwd: dir, encoding: 'utf8', env, maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const p = parseText(r.stderr, { baseDir: dir });
    assert.deepEqual(p.unparsed.slice(0, 5), []);
    assert.ok(p.diagnostics.some((d) => d.message.startsWith('Before inlining:') && (d.steps?.length ?? 0) > 0));
  });

  test('go build -json -gcflags=-m=2 agrees with text mode', (t) => {
    if (goVersion === undefined) return t.skip('no `go` on PATH: cannot run the compiler here');
    if (minor < 24) return t.skip(`${goVersion} has no go build -json (go1.24+)`);
    const dir = join(fixtures, 'service');
    const j = spawnSync('go', ['build', '-json', '-gcflags=-m=2', './...'], { cwd: dir, encoding: 'utf8', env, maxBuffer: 64 << 20 });
    const txt = spawnSync('go', ['build', '-gcflags=-m=2', './...'], { cwd: dir, encoding: 'utf8', env, maxBuffer: 64 << 20 });
    assert.equal(j.status, 0, j.stderr);
    const pj = parseBuildJson(j.stdout);
    const pt = parseText(txt.stderr);
    assert.deepEqual(pj.unparsed, []);
    const key = (d: { file: string; line: number; column: number | null; message: string }) =>
      `${d.file}:${d.line}:${d.column} ${d.message}`;
    assert.deepEqual(pj.diagnostics.map(key).sort(), pt.diagnostics.map(key).sort());
  });
});
