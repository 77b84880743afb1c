#!/usr/bin/env node
// `npm run package`: the VSIX, via @vscode/vsce, packaged from a staging folder that holds exactly
// the files .vscodeignore allows (packagedFiles, the same list the e2e suite installs), so vsce does
// not walk .cache/ and node_modules/. The repository README shows screenshots from docs/screenshots/
// by relative path; vsce would rewrite them against a public repository URL, which this project does
// not have, so the staged README has each image replaced by its alt text.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packagedFiles } from './code-server-env.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stage = join(root, '.cache', 'vsix-stage');
rmSync(stage, { recursive: true, force: true });
for (const f of [...packagedFiles(), '.vscodeignore']) {
  mkdirSync(dirname(join(stage, f)), { recursive: true });
  copyFileSync(join(root, f), join(stage, f));
}
const readme = readFileSync(join(root, 'README.md'), 'utf8').replace(/!\[([^\]\n]*)\]\([^)\n]*\)/g, '$1');
writeFileSync(join(stage, 'README.md'), readme);
const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, `${name}-${version}.vsix`);
execFileSync(join(root, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '-o', out, ...process.argv.slice(2)], {
  cwd: stage,
  stdio: 'inherit',
});
