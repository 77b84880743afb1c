// Fake `go` executables for the toolchain tests: shell scripts in a temporary directory that is
// removed when the test file ends.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/** fakeGoDir makes the directory and returns a function writing one executable script into it. */
export function fakeGoDir(prefix: string): { dir: string; fakeGo: (name: string, body: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    fakeGo: (name, body) => {
      const p = join(dir, name);
      writeFileSync(p, `#!/bin/sh\n${body}\n`);
      chmodSync(p, 0o755);
      return p;
    },
  };
}
