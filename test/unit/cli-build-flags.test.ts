// `go-heap-lens analyze --build-flags` (src/cli/analyze.ts): the flags are split like a shell would.
// The analyze command itself runs go: test/integration/analyze-cli.test.ts.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { splitFlags } from '../../src/cli/analyze.ts';

suite('analyze CLI', () => {
  test('--build-flags splits like a shell for words and quotes', () => {
    assert.deepEqual(splitFlags(`-trimpath -ldflags "-s -w" '-gcflags=all=-N'`), ['-trimpath', '-ldflags', '-s -w', '-gcflags=all=-N']);
  });
});
