// Hardening (issue 6, item 6): bad workloads, settings, messages and versions. Whatever arrives —
// a workload file, a webview message, a settings.json value, a Go version — the answer is a
// value or a clear ModelInputError/usage error (exit 2) naming what is wrong; never another
// exception, never a hang. heapsim-workload.test.ts has the table of specific rejections; here
// the inputs are generated.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ModelInputError, parseGoVersion, rulesFor } from '../../src/core/alloc/versions.ts';
import { parseWorkload } from '../../src/core/alloc/workload.ts';
import { simulate } from '../../src/core/alloc/heapsim.ts';
import { isHostToWebview, isPanelState, isSimSettings, isWebviewToHost } from '../../src/protocol/messages.ts';
import { resolveSettings, type RawSettings } from '../../src/toolchain/goSettings.ts';
import { classify } from '../../src/core/alloc/malloc.ts';
import { runCli } from '../helpers/cliio.ts';

const valid = {
  go: '1.26',
  arch: 'amd64',
  procs: 2,
  gogc: 100,
  ops: [{ alloc: { bytes: 24, pointers: true, count: 100, keep: true } }, { gc: true }],
};

/** Any JSON value, biased to the numbers that break allocators: negative, huge, fractional, NaN-ish. */
const nasty: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    -1,
    0,
    1,
    1e12,
    1e300,
    -0,
    0.5,
    2 ** 53,
    2 ** 64,
    Number.MAX_SAFE_INTEGER + 2,
    '1e12',
    'off',
    'on',
    '',
    '1.99',
    'go2',
    null,
    true,
    [],
    {},
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A valid workload with one field replaced by a nasty value (or a key added/removed). */
const mutatedWorkload = fc.tuple(fc.nat(), nasty, fc.boolean()).map(([pick, v, drop]) => {
  const w = structuredClone(valid) as Record<string, unknown>;
  const alloc = (w.ops as { alloc: Record<string, unknown> }[])[0]!.alloc;
  const slots: [Record<string, unknown>, string][] = [
    [w, 'go'],
    [w, 'arch'],
    [w, 'procs'],
    [w, 'gogc'],
    [w, 'ops'],
    [w, 'experiments'],
    [alloc, 'bytes'],
    [alloc, 'pointers'],
    [alloc, 'count'],
    [alloc, 'keep'],
    [alloc, 'p'],
    [w, '__proto__'],
    [alloc, 'constructor'],
  ];
  const [obj, key] = slots[pick % slots.length]!;
  if (drop) delete obj[key];
  else obj[key] = v;
  return JSON.stringify(w);
});

suite('bad workloads, messages, settings and versions', () => {
  test('parseWorkload: any mutation is a workload or a ModelInputError naming the field; accepted ones simulate', () => {
    let rejected = 0;
    let accepted = 0;
    fc.assert(
      fc.property(mutatedWorkload, (text) => {
        let w;
        try {
          w = parseWorkload(text);
        } catch (e) {
          assert.ok(ModelInputError.is(e), `not a ModelInputError: ${String(e)}`);
          assert.match(e.message, /^workload/);
          rejected++;
          return;
        }
        accepted++;
        const r = simulate(w);
        assert.ok(Number.isSafeInteger(r.heapInuseBytes) && r.heapInuseBytes >= 0);
      }),
      { numRuns: 300 },
    );
    assert.ok(rejected > 50 && accepted > 10, `${rejected} rejected, ${accepted} accepted: both paths exercised`);
  });

  test('parseWorkload: random text and truncated JSON are ModelInputErrors', () => {
    const text = JSON.stringify(valid);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.nat(text.length - 1).map((n) => text.slice(0, n)),
        ),
        (s) => {
          assert.throws(
            () => parseWorkload(s),
            (e: unknown) => ModelInputError.is(e),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  test('simulate CLI: absurd count, negative size, unknown Go version, bad JSON → exit 2 with the reason', async () => {
    const cases: [unknown, RegExp][] = [
      [{ ...valid, ops: [{ alloc: { bytes: 8, pointers: true, count: 1e12, keep: true } }] }, /count|spans/],
      [{ ...valid, ops: [{ alloc: { bytes: -8, pointers: true, count: 1, keep: true } }] }, /bytes/],
      [{ ...valid, go: '1.99' }, /Go version "1\.99"|go1\.21 to go1\.27/],
      [{ ...valid, go: 'go2' }, /Go version/],
      [{ ...valid, arch: 'z80' }, /GOARCH "z80"/],
      ['{"go": "1.26", "ops": [', /not valid JSON/],
    ];
    for (const [w, re] of cases) {
      const r = await runCli(['simulate', '--workload', '-', '--json'], { stdin: typeof w === 'string' ? w : JSON.stringify(w) });
      assert.equal(r.code, 2, `${JSON.stringify(w)} → ${r.code} ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stdout, '');
    }
  });

  test('classify CLI: negative, fractional, huge and non-numeric sizes are usage errors', async () => {
    for (const arg of ['-1', '1.5', '1e400', 'NaN', '0x10', '99999999999999999999']) {
      const r = await runCli(['classify', '--', arg, '--json']);
      assert.equal(r.code, 2, `${arg}: ${r.code} ${r.stdout}`);
    }
    assert.throws(
      () => classify({ bytes: -1, pointers: false }, rulesFor('1.26', 'amd64', {})),
      (e: unknown) => ModelInputError.is(e),
    );
  });

  test('Go versions: anything outside go1.21–go1.27 is a ModelInputError, never a guess', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 12 }),
          fc.tuple(fc.nat(3), fc.nat(40), fc.nat(20)).map(([a, b, c]) => `go${a}.${b}.${c}`),
        ),
        (s) => {
          try {
            const minor = parseGoVersion(s);
            assert.ok(minor >= 21 && minor <= 27, `${s} → ${minor}`);
          } catch (e) {
            assert.ok(ModelInputError.is(e), String(e));
          }
        },
      ),
      { numRuns: 500 },
    );
    for (const bad of ['1.99', 'go1.20', '2.0', '', 'latest'])
      assert.throws(
        () => parseGoVersion(bad),
        (e: unknown) => ModelInputError.is(e),
        bad,
      );
  });

  test('webview messages and saved panel state: validators never throw and refuse junk', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record(
            { type: fc.constantFrom('ready', 'run', 'reveal', 'state', 'snapshot', 'step'), v: fc.oneof(fc.constant(1), fc.anything()) },
            { requiredKeys: [] },
          ),
        ),
        (m) => {
          for (const check of [isWebviewToHost, isHostToWebview, isPanelState, isSimSettings]) assert.equal(typeof check(m), 'boolean');
        },
      ),
      { numRuns: 1000 },
    );
    assert.equal(isWebviewToHost({ type: 'reveal', v: 1, siteId: { toString: 'x' } }), false);
  });

  test('settings.json with values of the wrong type: defaults, never a throw or a non-string in argv', () => {
    const keys: (keyof RawSettings)[] = [
      'packages',
      'buildFlags',
      'buildTags',
      'analyzeOnSave',
      'includeTests',
      'goVersion',
      'arch',
      'inlineHints',
      'escapingOnly',
      'minBytes',
      'goGoroot',
      'goAlternateTools',
      'goToolsEnvVars',
      'goBuildFlags',
      'goBuildTags',
    ];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), fc.oneof(fc.anything(), nasty)), (raw) => {
        const s = resolveSettings(raw as unknown as RawSettings, '/home/u', '/ws');
        for (const list of [s.analysis.packages, s.analysis.buildFlags, s.analysis.buildTags])
          assert.ok(list.every((x) => typeof x === 'string'));
        assert.ok(Object.values(s.analysis.env).every((x) => typeof x === 'string'));
        assert.ok(Number.isFinite(s.display.minBytes) && s.display.minBytes >= 0);
        assert.ok(s.analysis.goBinary === undefined || typeof s.analysis.goBinary === 'string');
      }),
      { numRuns: 500 },
    );
  });
});
