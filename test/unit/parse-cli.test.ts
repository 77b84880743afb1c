// go-heap-lens parse (docs/architecture.md, contracts), run in-process: --json / --stats / summary, stdin, exit codes. As a
// real process: test/integration/parse-cli-process.test.ts.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../helpers/cliio.ts';

const root = join(__dirname, '..', '..');
const recording = join(root, 'test', 'fixtures', 'recorded', 'go1.25', 'constructs-m2.txt');
const buildJson = join(root, 'test', 'fixtures', 'recorded', 'go1.25', 'constructs-m2.build.jsonl');

/** The CLI fed `chunks` of bytes on stdin, from the repository root, with an empty environment. */
function runBytes(argv: string[], chunks: Uint8Array[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(argv, { stdin: chunks, cwd: root, env: {} });
}

suite('go-heap-lens parse', () => {
  test('--json has diagnostics, unparsed and stats with the contract fields', async () => {
    const r = await runCli(['parse', recording, '--json']);
    assert.equal(r.code, 0);
    const out = JSON.parse(r.stdout) as { diagnostics: Record<string, unknown>[]; unparsed: unknown[]; stats: Record<string, unknown> };
    assert.deepEqual(Object.keys(out), ['diagnostics', 'unparsed', 'stats']);
    assert.deepEqual(out.unparsed, []);
    for (const k of ['lines', 'diagnostics', 'unparsed', 'byKind']) assert.ok(k in out.stats, k);
    assert.equal(out.stats.diagnostics, out.diagnostics.length);
    const d = out.diagnostics.find((x) => x.kind === 'escapes' && x.file === 'text/text.go' && x.line === 20 && x.column === 37);
    assert.ok(d);
    assert.deepEqual([d.expr, d.message, d.package], ['&Label{...}', '&Label{...} escapes to heap', 'example.com/constructs/text']);
    for (const x of out.diagnostics) for (const k of ['file', 'line', 'column', 'kind', 'expr', 'message']) assert.ok(k in x, k);
  });

  test('--stats prints only the stats; `-` and no argument read stdin; --base-dir fills absFile', async () => {
    const whole = JSON.parse((await runCli(['parse', recording, '--stats'])).stdout);
    const text = (await import('node:fs')).readFileSync(recording, 'utf8');
    assert.deepEqual(JSON.parse((await runCli(['parse', '-', '--stats'], { stdin: text })).stdout), whole);
    assert.deepEqual(JSON.parse((await runCli(['parse', '--stats'], { stdin: text })).stdout), whole);
    assert.equal(whole.unparsed, 0);
    const j = JSON.parse((await runCli(['parse', '--json', '--base-dir', 'test/fixtures/constructs'], { stdin: text, cwd: root })).stdout);
    assert.equal(j.diagnostics[0].absFile, join(root, 'test/fixtures/constructs', j.diagnostics[0].file));
  });

  test('go build -json input is detected and gives the same diagnostics', async () => {
    const a = JSON.parse((await runCli(['parse', buildJson, '--stats'])).stdout);
    const b = JSON.parse((await runCli(['parse', recording, '--stats'])).stdout);
    assert.deepEqual(a.byKind, b.byKind);
    assert.equal(a.unparsed, 0);
  });

  test('unparsed lines: exit 0, counted, listed with line numbers (summary lists them too)', async () => {
    const input = '# example.com/m\n./m.go:3:2: moved to heap: x\nsomething else\r\n\n';
    const j = await runCli(['parse', '--json'], { stdin: input });
    assert.equal(j.code, 0);
    assert.deepEqual(JSON.parse(j.stdout).unparsed, [{ line: 3, text: 'something else' }]);
    const s = await runCli(['parse'], { stdin: input });
    assert.equal(s.code, 0);
    assert.match(s.stdout, /^standard input: 4 lines, 1 diagnostics, 1 unparsed$/m);
    assert.match(s.stdout, /moved-to-heap\s+1/);
    assert.match(s.stdout, /^ {2}3: something else$/m);
  });

  test('bad input and bad usage: exit 2 with a clear message, never a crash', async () => {
    const missing = await runCli(['parse', 'no/such/file.txt']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read no\/such\/file\.txt: ENOENT/);
    const dir = await runCli(['parse', 'test']);
    assert.equal(dir.code, 2);
    assert.match(dir.stderr, /is a directory/);
    const both = await runCli(['parse', recording, '--json', '--stats']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /exclude each other/);
    assert.equal((await runCli(['parse', 'a', 'b'])).code, 2);
    assert.equal((await runCli(['parse', '--nope'])).code, 2);
    const bin = await runBytes(['parse', '-'], [new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2])]);
    assert.equal(bin.code, 2);
    assert.match(bin.stderr, /standard input: looks like binary data/);
  });

  test('invalid UTF-8 without NUL bytes is decoded with replacement characters and counted, not fatal', async () => {
    const r = await runBytes(
      ['parse', '--json', '-'],
      [new Uint8Array([0xff, 0xfe, 0x41, 0x0a]), new TextEncoder().encode('./a.go:1:1: can inline f\n')],
    );
    assert.equal(r.code, 0);
    const out = JSON.parse(r.stdout);
    assert.equal(out.stats.lines, 2);
    assert.equal(out.unparsed[0].text, '\ufffd\ufffdA');
    assert.equal(out.diagnostics[0].kind, 'can-inline');
  });

  test('a multi-byte character split across chunks is decoded whole', async () => {
    const bytes = new TextEncoder().encode('./a.go:1:1: moved to heap: é😀\n');
    const r = await runBytes(
      ['parse', '--json', '-'],
      [...bytes].map((b) => new Uint8Array([b])),
    );
    assert.equal(JSON.parse(r.stdout).diagnostics[0].expr, 'é😀');
  });
});
