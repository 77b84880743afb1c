#!/usr/bin/env node
// `npm run test:electron`: the extension's smoke suite inside a desktop VS Code, through
// @vscode/test-electron — for developers who have desktop VS Code. It needs either
// VSCODE_EXECUTABLE (path to a VS Code binary) or network access to VS Code's download server.
// CI machines have neither; the automated editor tests there run in code-server (test/e2e/).
import { runTests } from '@vscode/test-electron';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ws = mkdtempSync(join(tmpdir(), 'ghl-electron-'));
cpSync(join(root, 'test', 'fixtures', 'demo'), ws, { recursive: true });
try {
  await runTests({
    ...(process.env.VSCODE_EXECUTABLE ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE } : {}),
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'test', 'electron', 'suite.cjs'),
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (e) {
  console.error(`test:electron failed: ${e instanceof Error ? e.message : e}`);
  console.error('Set VSCODE_EXECUTABLE to a desktop VS Code binary if the download is not reachable.');
  process.exit(1);
}
