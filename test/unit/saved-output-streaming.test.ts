// Hardening (issue 6, item 5): loading a saved compiler-output file streams it in read chunks, and a
// character split across two chunks decodes whole. The CLI's peak RSS on 128 MiB:
// test/integration/parse-memory.test.ts.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseText } from '../../src/core/escape/text.ts';
import { analyzeWorkspace } from '../../src/toolchain/analyze.ts';
import { restrictedLoadOptions } from '../../src/toolchain/goSettings.ts';

const repo = join(__dirname, '..', '..');
const recorded = join(repo, 'test', 'fixtures', 'recorded', 'go1.26', 'constructs-m2.txt');

suite('big compiler output', () => {
  test('loading a saved file streams it: multi-byte characters split across read chunks decode intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-big-'));
    try {
      // 1 byte of padding shifts every later 64 KiB chunk boundary; the recording has é and ←.
      const text = '\n' + readFileSync(recorded, 'utf8').repeat(6);
      writeFileSync(join(dir, 'out.txt'), text);
      const whole = parseText(text);
      const r = await analyzeWorkspace(
        restrictedLoadOptions(join(repo, 'test', 'fixtures', 'constructs'), join(dir, 'out.txt'), 'go1.26', undefined),
      );
      assert.equal(r.unparsed, 0);
      assert.deepEqual(r.diagnostics, whole.stats.byKind);
      assert.ok(!JSON.stringify(r.sites).includes('\ufffd'), 'no replacement character from a split UTF-8 sequence');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
