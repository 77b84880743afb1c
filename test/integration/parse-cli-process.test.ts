// go-heap-lens parse as a real process (node running src/cli/main.ts): a file is streamed and stdout
// is JSON. The command's contract, run in-process: test/unit/parse-cli.test.ts.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

suite('go-heap-lens parse', () => {
  test('a real process: the file is streamed and stdout is JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-parse-'));
    try {
      const big = join(dir, 'big.txt');
      const block = (n: number) =>
        `# example.com/p${n}\n./p.go:${n}:2: x escapes to heap in F:\n./p.go:${n}:2:   flow: {heap} ← &x:\n./p.go:${n}:2: moved to heap: x\n`;
      writeFileSync(big, Array.from({ length: 50_000 }, (_, i) => block(i + 1)).join(''));
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'parse', big, '--stats'], {
        encoding: 'utf8',
        cwd: root,
      });
      assert.equal(r.status, 0, r.stderr);
      const stats = JSON.parse(r.stdout);
      assert.deepEqual(
        [stats.lines, stats.diagnostics, stats.unparsed, stats.byKind.explanation, stats.headerLines],
        [200_000, 100_000, 0, 50_000, 50_000],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
