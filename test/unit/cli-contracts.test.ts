// The CLI's JSON outputs are one object per line (docs/architecture.md, contracts; CI integrations and
// other line-oriented readers read the first line whole).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/cliio.ts';

test('parse --json prints the whole result as one line', async () => {
  const input = ['# example.com/m', './a.go:3:9: &T{...} escapes to heap', './a.go:4:2: moved to heap: x', 'garbage line', ''].join('\n');
  const r = await runCli(['parse', '-', '--json'], { stdin: input });
  assert.equal(r.code, 0);
  const lines = r.stdout.split('\n');
  assert.equal(lines.length, 2, 'one line and the final newline');
  assert.equal(lines[1], '');
  const o = JSON.parse(lines[0]!);
  assert.deepEqual(
    o.diagnostics.map((d: { kind: string }) => d.kind),
    ['escapes', 'moved-to-heap'],
  );
  assert.deepEqual(o.unparsed, [{ line: 4, text: 'garbage line' }]);
  assert.equal(o.stats.lines, 4);
});
