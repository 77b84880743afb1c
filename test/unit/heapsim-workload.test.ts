// Workload validation (workload.ts) and the `simulate` CLI, run in-process. `--from-analysis` on a
// module compiled by the real go: test/integration/simulate-from-analysis.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, suite, test } from 'node:test';
import { ModelInputError } from '../../src/core/alloc/versions.ts';
import { maxSimulatedSpans, parseWorkload } from '../../src/core/alloc/workload.ts';
import { classify, stackPrediction, unknownPrediction } from '../../src/core/alloc/malloc.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';
import { workloadFromSites } from '../../src/cli/simulate.ts';
import { runCli } from '../helpers/cliio.ts';

const ok = { go: '1.26', ops: [{ alloc: { bytes: 24, pointers: true, count: 10, keep: true } }] };
const withOp = (op: unknown, extra: object = {}) => JSON.stringify({ go: '1.26', ...extra, ops: [op] });
const a = (fields: object) => ({ alloc: { bytes: 24, pointers: true, count: 10, keep: true, ...fields } });

suite('parseWorkload', () => {
  test('defaults: amd64, 1 P, GOGC=100; rules resolved from go/arch/goexperiment', () => {
    const w = parseWorkload(JSON.stringify(ok));
    assert.deepEqual([w.arch, w.procs, w.gogc, w.rules.goVersion, w.rules.greenTeaInlineMarkBits], ['amd64', 1, 100, '1.26', true]);
    const g = parseWorkload(JSON.stringify({ ...ok, goexperiment: 'nogreenteagc', arch: '386', procs: 8, gogc: 'off' }));
    assert.deepEqual([g.arch, g.procs, g.gogc, g.rules.greenTeaInlineMarkBits, g.goexperiment], ['386', 8, 'off', false, 'nogreenteagc']);
  });

  const bad: [string, string, RegExp][] = [
    ['malformed JSON', '{"go": "1.26", ops: []}', /^workload is not valid JSON: /],
    ['not an object', '[1]', /^workload: expected an object, got an array/],
    ['missing go', JSON.stringify({ ops: [] }), /workload\.go: missing/],
    ['go as a number', JSON.stringify({ go: 1.2, ops: [] }), /workload\.go: expected a version string like "1\.26", got 1\.2/],
    ['unknown Go version', JSON.stringify({ go: '1.19', ops: [] }), /unsupported Go version "1\.19"/],
    ['unknown arch', JSON.stringify({ go: '1.26', arch: 'vax', ops: [] }), /unsupported GOARCH "vax"/],
    [
      'experiment absent in that version',
      JSON.stringify({ go: '1.21', goexperiment: 'greenteagc', ops: [] }),
      /GOEXPERIMENT "greenteagc" for go1\.21 \(it exists in go1\.25–go1\.27\)/,
    ],
    ['unknown top-level key', JSON.stringify({ ...ok, gomaxprocs: 2 }), /workload: unknown field "gomaxprocs"/],
    ['procs 0', withOp(a({}), { procs: 0 }), /workload\.procs: expected a whole number of Ps from 1 to 256, got 0/],
    ['procs 257', withOp(a({}), { procs: 257 }), /workload\.procs: .* got 257/],
    ['procs 1.5', withOp(a({}), { procs: 1.5 }), /workload\.procs: .* got 1\.5/],
    ['gogc 0', withOp(a({}), { gogc: 0 }), /workload\.gogc: expected "off" or a positive number, got 0/],
    ['gogc "on"', withOp(a({}), { gogc: 'on' }), /workload\.gogc: .* got "on"/],
    ['ops missing', JSON.stringify({ go: '1.26' }), /workload\.ops: missing/],
    ['op not an object', withOp(7), /workload\.ops\[0\]: expected \{"alloc": \{…\}\} or \{"gc": true\}, got 7/],
    ['gc false', withOp({ gc: false }), /workload\.ops\[0\]\.gc: expected true, got false/],
    ['negative bytes', withOp(a({ bytes: -1 })), /workload\.ops\[0\]\.alloc\.bytes: expected a whole number of bytes ≥ 0, got -1/],
    ['fractional bytes', withOp(a({ bytes: 2.5 })), /alloc\.bytes: .* got 2\.5/],
    ['bytes as a string', withOp(a({ bytes: '24' })), /alloc\.bytes: .* got "24"/],
    ['bytes beyond maxAlloc', withOp(a({ bytes: 2 ** 49 })), /alloc\.bytes: size \d+ exceeds the runtime's maxAlloc/],
    ['negative count', withOp(a({ count: -3 })), /alloc\.count: expected a whole number ≥ 0, got -3/],
    ['count beyond 2^53', withOp(a({ count: 2 ** 60 })), /alloc\.count: expected a whole number ≥ 0/],
    ['pointers not boolean', withOp(a({ pointers: 1 })), /alloc\.pointers: expected true or false, got 1/],
    ['keep missing', withOp({ alloc: { bytes: 8, pointers: false, count: 1 } }), /alloc\.keep: missing/],
    ['unknown alloc key', withOp(a({ size: 8 })), /alloc: unknown field "size"/],
    ['p out of range', withOp(a({ p: 2 }), { procs: 2 }), /alloc\.p: expected a P index from 0 to 1, got 2/],
    [
      '10^12 objects of 8 B: too much work, not a hang',
      withOp(a({ bytes: 8, pointers: true, count: 1e12, keep: false })),
      /workload needs about .* spans by this op; the simulator handles up to 2097152/,
    ],
    [
      'kept objects beyond the address space',
      withOp(a({ bytes: 2 ** 40, pointers: false, count: 300 })),
      /more than the 48-bit heap address space of amd64/,
    ],
    [
      'a kept heap the simulator will not map (1 TB objects: minutes and gigabytes before this bound)',
      withOp(a({ bytes: 1e12, pointers: true, count: 100 })),
      /heap would hold about [\d.]+e\+14 bytes at once by this op; the simulator maps up to 256 GiB/,
    ],
    [
      'one garbage object the simulator will not map',
      withOp(a({ bytes: 2 ** 39, pointers: false, count: 1, keep: false })),
      /heap would hold about 5\.50e\+11 bytes at once/,
    ],
    [
      'kept objects beyond a 32-bit address space',
      withOp(a({ bytes: 2 ** 30, pointers: false, count: 5 }), { arch: '386' }),
      /more than the 32-bit heap address space of 386/,
    ],
  ];
  for (const [what, text, re] of bad) {
    test(`rejects ${what}`, () => {
      assert.throws(
        () => parseWorkload(text),
        (e: unknown) => {
          assert.ok(ModelInputError.is(e), `a ModelInputError, got ${String(e)}`);
          assert.match(e.message, re);
          return true;
        },
      );
    });
  }

  test('the span budget admits 10 million small objects, not 10 million one-per-span objects', () => {
    // The bound is on spans (the simulator's cost), so 10M × 64 B (~81k spans) runs while
    // 10M × 8192 B (one object per span: 10M spans, 80 GB) is refused up front.
    assert.ok(10_000_000 / 124 < maxSimulatedSpans);
    assert.doesNotThrow(() => parseWorkload(withOp(a({ bytes: 64, count: 10_000_000 }))));
    assert.throws(() => parseWorkload(withOp(a({ bytes: 8192, pointers: false, count: 10_000_000 }))), /spans by this op/);
  });
});

suite('go-heap-lens simulate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ghl-sim-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, body: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
    return p;
  };
  const w = {
    go: '1.26',
    arch: 'amd64',
    procs: 1,
    gogc: 'off',
    ops: [
      { alloc: { bytes: 8, pointers: false, count: 4096, keep: true } },
      { alloc: { bytes: 1024, pointers: true, count: 100, keep: false } },
      { alloc: { bytes: 40000, pointers: true, count: 2, keep: true } },
      { gc: true },
    ],
  };

  test('--json prints the report with every contract field (docs/architecture.md)', async () => {
    const r = await runCli(['simulate', '--workload', file('w.json', w), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    for (const k of [
      'heapInuseBytes',
      'spansInUse',
      'pagesInUse',
      'largeObjects',
      'bySizeClass',
      'tinyAllocs',
      'mcacheRefills',
      'heapGrows',
      'arenas',
      'internalWasteBytes',
      'externalFreeBytes',
      'gcCycles',
      'allocsBySizeClass',
      'freesBySizeClass',
    ]) {
      assert.ok(k in j, `field ${k}`);
    }
    assert.deepEqual([j.tinyAllocs, j.allocsBySizeClass[1], j.largeObjects, j.freesBySizeClass[32], j.gcCycles], [2048, 2048, 2, 100, 1]);
    assert.deepEqual(
      j.bySizeClass.map((c: { sizeClass: number; spans: number }) => [c.sizeClass, c.spans]),
      [[2, 5]],
    );
    assert.equal(j.heapInuseBytes, (5 + 10) * 8192);
  });

  test('without --json: a table per class, relative paths resolve against cwd, - reads stdin', async () => {
    file('rel.json', w);
    const r = await runCli(['simulate', '--workload', 'rel.json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /heap in use\s+122880 B/);
    assert.match(r.stdout, /^\s+class\s+slot B\s+pages\s+spans/m);
    assert.match(r.stdout, /^\s+2\s+16\s+1\s+5\s+2048/m);
    assert.match(r.stdout, /^\s*large\s/m);
    const s = await runCli(['simulate', '--workload', '-', '--json'], { stdin: JSON.stringify(w) });
    assert.equal(s.code, 0, s.stderr);
    assert.equal(JSON.parse(s.stdout).heapInuseBytes, 122880);
  });

  test('bad workload, missing file, missing flag: exit 2 with the message', async () => {
    const bad = await runCli([
      'simulate',
      '--workload',
      file('bad.json', { go: '1.26', ops: [{ alloc: { bytes: -8, pointers: false, count: 1, keep: true } }] }),
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^go-heap-lens simulate: workload\.ops\[0\]\.alloc\.bytes: expected a whole number of bytes ≥ 0, got -8/);
    const broken = await runCli(['simulate', '--workload', file('broken.json', '{"go":')]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /workload is not valid JSON/);
    const missing = await runCli(['simulate', '--workload', join(dir, 'nope.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read workload .*nope\.json: no such file/);
    const noFlag = await runCli(['simulate']);
    assert.equal(noFlag.code, 2);
    assert.match(noFlag.stderr, /simulate needs --workload FILE \(or - for stdin\), or --from-analysis DIR/);
    const unknown = await runCli(['simulate', '--workload', 'x', '--bogus']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /bogus/);
  });
});

suite('simulate --from-analysis', () => {
  test('workloadFromSites: every heap object of every site × count; stack sites allocate nothing; unknown sizes are counted', () => {
    const rules = rulesFor('1.26');
    const site = (p: AllocationSite['prediction'], objects?: AllocationSite['objects']) =>
      ({
        file: '/m/a.go',
        line: 1,
        column: 1,
        construct: 'new',
        expr: 'x',
        escapes: true,
        reason: [],
        type: null,
        prediction: p,
        ...(objects ? { objects } : {}),
      }) as AllocationSite;
    const map = [classify({ bytes: 48, pointers: true }, rules), classify({ bytes: 3200, pointers: true }, rules)];
    const { workload, skippedUnknown } = workloadFromSites(
      [
        site(classify({ bytes: 24, pointers: true }, rules)),
        site(stackPrediction(64, false, rules)),
        site(unknownPrediction(rules)),
        site(
          map[0]!,
          map.map((prediction, i) => ({ what: `part ${i}`, prediction })),
        ),
        site(classify({ bytes: 5, pointers: false }, rules)),
      ],
      '1.26',
      'amd64',
      7,
    );
    assert.equal(skippedUnknown, 1);
    assert.deepEqual(workload.ops, [
      { alloc: { bytes: 24, pointers: true, count: 7, keep: true } },
      { alloc: { bytes: 48, pointers: true, count: 7, keep: true } },
      { alloc: { bytes: 3200, pointers: true, count: 7, keep: true } },
      { alloc: { bytes: 5, pointers: false, count: 7, keep: true } },
    ]);
  });
});
