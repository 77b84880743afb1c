// Scratch Go modules for tests: files written under a root, in temp dirs removed after the suite.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** write puts each `files` entry (path relative to `root` → content) in place, making its folders. */
export function write(root: string, files: Record<string, string>): void {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), content);
  }
}

/** tempDirs makes temp dirs named `prefix…` and removes all of them at once (call removeAll in `after`). */
export function tempDirs(prefix: string): { make: () => string; removeAll: () => void } {
  const made: string[] = [];
  return {
    make: () => {
      const d = mkdtempSync(join(tmpdir(), prefix));
      made.push(d);
      return d;
    },
    removeAll: () => {
      for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}
