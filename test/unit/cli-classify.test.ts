import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { predictionFields, runCli } from '../helpers/cliio.ts';

suite('go-heap-lens classify', () => {
  test('go1.21 and go1.22 differ on pointerful 1024 B as the runtime does', async () => {
    const a = await runCli(['classify', '1024', '--pointers', '--go', '1.21', '--json']);
    const b = await runCli(['classify', '1024', '--pointers', '--go', '1.22', '--json']);
    assert.equal(a.code, 0);
    assert.equal(b.code, 0);
    const pa = JSON.parse(a.stdout);
    const pb = JSON.parse(b.stdout);
    assert.deepEqual([pa.sizeClass, pa.slotBytes, pa.headerBytes], [32, 1024, 0]);
    assert.deepEqual([pb.sizeClass, pb.slotBytes, pb.headerBytes], [33, 1152, 8]);
    for (const k of predictionFields) {
      assert.ok(k in pb, `field ${k}`);
    }
  });

  test('5 is tiny and 40000 is large with 5 pages (text output)', async () => {
    assert.match((await runCli(['classify', '5'])).stdout, /tiny/);
    const l = await runCli(['classify', '40000']);
    assert.match(l.stdout, /large/);
    assert.match(l.stdout, /5 pages/);
  });

  test('--stdin answers one JSON object per line, in order, and flags bad lines with exit 2', async () => {
    const ok = await runCli(['classify', '--stdin', '--go', '1.26', '--json'], { stdin: '24 scan\n5 noscan\n40000 noscan\n' });
    assert.equal(ok.code, 0);
    const lines = ok.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((p) => p.kind),
      ['small', 'tiny', 'large'],
    );
    const bad = await runCli(['classify', '--stdin', '--json'], { stdin: '24 scan\nfoo\n16 maybe\n8 noscan' });
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout.trim().split('\n').length, 2);
    assert.match(bad.stderr, /line 2: invalid size "foo"/);
    assert.match(bad.stderr, /line 3: expected "<bytes> <scan\|noscan>"/);
  });

  test('bad input: exit 2 with a clear message', async () => {
    for (const [argv, re] of [
      [['classify', '-5'], /invalid size "-5"/],
      [['classify', 'abc'], /invalid size "abc"/],
      [['classify', '8', '--go', '1.12'], /unsupported Go version/],
      [['classify', '8', '--arch', 'sparc'], /unsupported GOARCH/],
      [['classify'], /exactly one size/],
      [['classify', '8', '--bogus'], /Unknown option/],
      [['frobnicate'], /unknown command/],
    ] as const) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, re);
    }
  });
});
