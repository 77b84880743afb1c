// Hardening (issue 6, item 5) on the `npm test` budget: big compiler output is parsed as a stream, measured
// as the peak RSS of the built CLI (a child process). Loading a saved file: test/unit/saved-output-streaming.test.ts.
// `npm run fuzz` pipes 1 GiB through the same command and reports the figures (bench/fuzz.ts).
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');
const recorded = join(repo, 'test', 'fixtures', 'recorded', 'go1.26', 'constructs-m2.txt');

/** Pipes `mib` MiB of recorded -m=2 output into `parse - --stats`; returns its stats and peak RSS (MB). */
async function parseStream(mib: number): Promise<{ lines: number; unparsed: number; peakMB: number; sentBytes: number }> {
  const block = Buffer.from(readFileSync(recorded, 'utf8').repeat(4));
  const child = spawn('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, cli, 'parse', '-', '--stats'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const done = new Promise<number | null>((r) => child.on('close', r));
  let sentBytes = 0;
  for (; sentBytes < mib * 1024 * 1024; sentBytes += block.length) {
    if (!child.stdin.write(block)) await new Promise((r) => child.stdin.once('drain', r));
  }
  child.stdin.end();
  assert.equal(await done, 0, err);
  const stats = JSON.parse(out) as { lines: number; unparsed: number };
  return { lines: stats.lines, unparsed: stats.unparsed, peakMB: Number(/maxrss_kb=(\d+)/.exec(err)?.[1]) / 1024, sentBytes };
}

suite('big compiler output', () => {
  test('parse streams: 128 MiB through the CLI grows peak RSS by far less than the input (≤ 150 MB)', async (t) => {
    if (!existsSync('/usr/bin/time')) return t.skip('/usr/bin/time is not installed (apt-get install time): peak RSS cannot be measured');
    if (!existsSync(cli)) return t.skip(`${cli} is not built: run npm run build (npm test does)`);
    const small = await parseStream(1);
    const big = await parseStream(128);
    assert.equal(big.unparsed, 0);
    // Whole blocks are sent (a block may exceed 1 MiB): every line of every block is counted.
    assert.equal(big.lines, (big.sentBytes / small.sentBytes) * small.lines, `${big.lines} lines vs ${small.lines}`);
    const growth = big.peakMB - small.peakMB;
    assert.ok(
      growth <= 150,
      `peak RSS grew by ${growth.toFixed(0)} MB for 128 MiB (${small.peakMB.toFixed(0)} → ${big.peakMB.toFixed(0)} MB)`,
    );
  });
});
