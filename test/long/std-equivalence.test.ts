// The byte parser against the text parser on the whole `go build -gcflags=-m=2 std` output
// (.cache/std-m2.txt, 144 MiB, about a minute of 2 cores): too long for `npm test`, so it is its
// own command, `npm run test:long` (docs/testing.md). The file is made by the parser bench
// (`npm run bench -- --only parser`); without it this test fails and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertSame, split } from '../helpers/byteParity.ts';

const stdFile = join(__dirname, '..', '..', '.cache', 'std-m2.txt');

test('std output of go build -gcflags=-m=2 std (.cache/std-m2.txt): the byte parser equals the text parser', { timeout: 600_000 }, () => {
  assert.ok(existsSync(stdFile), `${stdFile} is absent: make it with the parser bench (npm run bench -- --only parser)`);
  const bytes = new Uint8Array(readFileSync(stdFile));
  assertSame(
    bytes,
    process.cwd(),
    split(
      bytes,
      Array.from({ length: Math.ceil(bytes.length / (1 << 20)) }, (_, i) => i << 20),
    ),
    undefined,
    ['keepAll', 'sitesOnly'],
  );
});
