// `go-heap-lens layout` (src/cli/layout.ts) in-process on copies of test/fixtures/layout and on
// scratch modules: the JSON contract, refusals from the helper's uses, --diff, --apply twice
// (the second changes nothing) with go build, vet and the module's tests passing after it, and
// the rewrite refusing a struct edited since the analysis. Runs the real go and the helper.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, suite, test } from 'node:test';
import type { CliIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import type { LayoutReport } from '../../src/core/layout/types.ts';
import { layoutWorkspace, rewriteLayouts } from '../../src/toolchain/layout.ts';
import { tempDirs, write } from '../helpers/tempModule.ts';

const repo = resolve(__dirname, '../..');
const hasGo = spawnSync('go', ['version']).status === 0;
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  GOTOOLCHAIN: 'local',
  GOFLAGS: '-buildvcs=false',
  GOWORK: 'off',
  XDG_CACHE_HOME: join(repo, '.cache', 'xdg'),
};
const dirs = tempDirs('ghl-layout-');
after(() => dirs.removeAll());

async function cli(argv: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    stdin: async function* () {
      /* no input */
    },
    cwd,
    env,
  };
  const code = await main(['layout', ...argv], io);
  return { code, stdout, stderr };
}

function fixtureCopy(): string {
  const d = dirs.make();
  cpSync(join(repo, 'test/fixtures/layout'), d, { recursive: true });
  return d;
}

function go(args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync('go', args, { cwd, env, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

suite('go-heap-lens layout', { skip: !hasGo && 'go is not installed' }, () => {
  test('--json: the contract, advised and refused types, generic not advised', async () => {
    const d = fixtureCopy();
    const r = await cli(['.', '--json'], d);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.endsWith('\n') && !r.stdout.trimEnd().includes('\n'), 'one line');
    const rep = JSON.parse(r.stdout) as LayoutReport;
    assert.equal(typeof rep.goVersion, 'string');
    assert.equal(rep.arch, 'amd64');
    const by = new Map(rep.types.map((t) => [t.name, t]));
    const s = by.get('Session')!;
    assert.deepEqual(
      Object.keys(s).filter((k) =>
        [
          'package',
          'name',
          'file',
          'line',
          'current',
          'best',
          'slotSavingBytes',
          'scanSavingBytes',
          'weight',
          'fix',
          'reasons',
          'warnings',
        ].includes(k),
      ).length,
      12,
    );
    assert.equal(s.package, 'example.com/layoutdemo/shapes');
    assert.deepEqual(
      [s.current.size, s.current.slotBytes, s.current.sizeClass, s.best.size, s.best.slotBytes, s.best.sizeClass],
      [56, 64, 6, 32, 32, 4],
    );
    assert.equal(s.fix, 'ok');
    assert.deepEqual(s.weight, { sites: 1 });
    const p = by.get('Point')!;
    assert.equal(p.fix, 'refused');
    assert.match(p.reasons[0]!, /unkeyed composite literal at .*shapes\.go:89:/);
    assert.match(by.get('Msg')!.warnings[0]!, /encoding\/json/);
    assert.equal(by.get('Entry')!.scanSavingBytes, 16);
    assert.match(rep.notAdvised.find((n) => n.name === 'Pair')!.reason, /^generic: not advised/);
    assert.equal(by.has('Table'), false, 'a huge array whose page count does not change is not advised');
  });

  test('--apply rewrites gofmt-clean code that builds, vets and passes its tests; a second --apply changes nothing', async () => {
    const d = fixtureCopy();
    const file = join(d, 'shapes/shapes.go');
    const before = readFileSync(file, 'utf8');
    const diff = await cli(['.', '--diff'], d);
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /^--- a\/shapes\/shapes\.go\n\+\+\+ b\/shapes\/shapes\.go\n@@ /);
    assert.match(diff.stderr, /Point: refused: unkeyed composite literal/);
    assert.equal(readFileSync(file, 'utf8'), before, '--diff writes nothing');
    const first = await cli(['.', '--apply'], d);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /# 4 types reordered in 1 file/);
    const after1 = readFileSync(file, 'utf8');
    assert.notEqual(after1, before);
    // Everything but the struct field lists is unchanged: same comments, tags and other lines.
    const words = (t: string) => t.replace(/\s+/g, ' ');
    for (const line of before.split('\n')) assert.ok(words(after1).includes(words(line.trim())), `kept: ${line}`);
    assert.equal(spawnSync('gofmt', ['-l', d], { encoding: 'utf8' }).stdout, '');
    for (const args of [
      ['build', './...'],
      ['vet', './...'],
      ['test', './...'],
    ]) {
      const r = go(args, d);
      assert.equal(r.status, 0, `go ${args.join(' ')}: ${r.out}`);
    }
    const second = await cli(['.', '--apply'], d);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /# 0 types reordered in 0 files/);
    assert.equal(readFileSync(file, 'utf8'), after1);
    const json = JSON.parse((await cli(['.', '--json'], d)).stdout) as LayoutReport;
    assert.deepEqual(
      json.types.map((t) => t.name),
      ['Point'],
      'only the refused type is still advised',
    );
  });

  test('a struct edited since the analysis is refused by the rewrite', async () => {
    const d = fixtureCopy();
    const res = await layoutWorkspace({ dir: d, env });
    const file = join(d, 'shapes/shapes.go');
    writeFileSync(file, readFileSync(file, 'utf8').replace('\tGuest bool\n', '\tGuest bool\n\tVisitor bool\n'));
    const out = await rewriteLayouts(res.report.types, { cwd: d, goVersion: res.toolchainVersion, baseEnv: env });
    const session = out.results.find((r) => r.type === 'Session')!;
    assert.equal(session.status, 'refused');
    assert.match(session.reason!, /changed since the analysis/);
    // The other types of the same file are still rewritten.
    assert.equal(out.results.find((r) => r.type === 'Entry')!.status, 'ok');
  });

  test('refusals found by the helper: unsafe, encoding/binary, HostLayout, generated files', async () => {
    const d = dirs.make();
    const wide = (name: string, extra = '') => `type ${name} struct {\n${extra}\tA bool\n\tB int64\n\tC bool\n\tD int64\n\tE bool\n}\n\n`;
    write(d, {
      'go.mod': 'module example.com/refuse\n\ngo 1.23\n',
      'r.go':
        'package refuse\n\nimport (\n\t"bytes"\n\t"encoding/binary"\n\t"structs"\n\t"unsafe"\n)\n\n' +
        wide('U') +
        wide('B') +
        wide('H', '\t_ structs.HostLayout\n') +
        wide('K') +
        'var sink any\n\n' +
        'func F() uintptr { u := &U{}; sink = u; return unsafe.Offsetof(u.D) }\n\n' +
        'func G() error { b := &B{}; sink = b; return binary.Write(new(bytes.Buffer), binary.LittleEndian, b) }\n\n' +
        'func NewH() { sink = &H{} }\n\n' +
        'func NewK() { k := &K{}; sink = k; p := unsafe.Pointer(k); _ = p }\n',
      'gen.go': '// Code generated by hand. DO NOT EDIT.\n\npackage refuse\n\n' + wide('Gen') + 'func Gn() { sink = &Gen{} }\n',
    });
    const r = await cli(['.', '--json'], d);
    assert.equal(r.code, 0, r.stderr);
    const by = new Map((JSON.parse(r.stdout) as LayoutReport).types.map((t) => [t.name, t]));
    assert.match(by.get('U')!.reasons.join(), /unsafe\.Offsetof at .*r\.go:\d+/);
    assert.match(by.get('B')!.reasons.join(), /encoding\/binary/);
    assert.match(by.get('H')!.reasons.join(), /structs\.HostLayout/);
    assert.match(by.get('K')!.reasons.join(), /unsafe\.Pointer/);
    assert.match(by.get('Gen')!.reasons.join(), /generated file/);
    for (const t of by.values()) assert.equal(t.fix, 'refused', t.name);
  });

  test('a multi-name declaration split by the new order keeps its comments; --arch 386 uses 4 B pointers', async () => {
    const d = dirs.make();
    write(d, {
      'go.mod': 'module example.com/split\n\ngo 1.21\n',
      's.go':
        'package split\n\nvar sink any\n\n// S splits a, b.\ntype S struct {\n\t// doc of a and b\n\ta, b bool // line comment\n\tn    int64\n\tm    int64\n\tc    bool\n\tp    *int\n}\n\nfunc F() { sink = &S{} }\n',
    });
    const r = await cli(['.', '--apply'], d);
    assert.equal(r.code, 0, r.stderr);
    const out = readFileSync(join(d, 's.go'), 'utf8');
    assert.match(out, /\/\/ doc of a and b\n\ta, b +bool \/\/ line comment/);
    assert.equal(spawnSync('gofmt', ['-l', d], { encoding: 'utf8' }).stdout, '');
    assert.equal(go(['vet', './...'], d).status, 0);
    const j = JSON.parse((await cli(['.', '--json', '--arch', '386', '--all', '--padding'], d)).stdout) as LayoutReport;
    assert.equal(j.arch, '386');
  });
});
