// Builds the three bundles: the extension host (node, cjs, vscode external),
// the CLI (node, cjs, with a shebang) and the webview (browser, iife).
// `--watch` rebuilds on change and reports each rebuild for the "npm: watch" task
// (.vscode/tasks.json): its background matcher waits for the start and finish lines.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/**
 * watchReporter prints `[watch] build started` when the first bundle of a rebuild starts and
 * `[watch] build finished` when the last one ends (one change can rebuild all three bundles; the
 * task must not see "finished" while one is still building), and each error or warning on one
 * `file:line:col: error: text` line, the form of the task's problem pattern. esbuild's own log is
 * silent in watch mode so every problem is printed once.
 * @returns {esbuild.Plugin}
 */
function watchReporter() {
  let building = 0;
  /** @type {esbuild.Message[]} */
  let messages = [];
  /** @param {'error' | 'warning'} severity @param {esbuild.Message} m */
  const line = (severity, m) => {
    const where = m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : '';
    return `${where}${severity}: ${m.text}`;
  };
  return {
    name: 'watch-reporter',
    setup(build) {
      build.onStart(() => {
        if (building++ === 0) {
          messages = [];
          console.log('[watch] build started');
        }
      });
      build.onEnd((result) => {
        for (const m of result.errors) console.log(line('error', m));
        for (const m of result.warnings) console.log(line('warning', m));
        messages.push(...result.errors);
        if (--building === 0) {
          const errors = messages.length;
          console.log(`[watch] build finished${errors ? ` with ${errors} error${errors === 1 ? '' : 's'}` : ''}`);
        }
      });
    },
  };
}

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: watch ? 'silent' : 'warning',
  plugins: watch ? [watchReporter()] : [],
};
/** @type {esbuild.BuildOptions[]} */
const targets = [
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
];
if (existsSync('src/extension.ts')) {
  targets.push({
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  });
}
if (existsSync('webview/main.ts')) {
  targets.push({
    ...common,
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  });
}
if (existsSync('webview/driftReport.ts')) {
  targets.push({
    ...common,
    entryPoints: ['webview/driftReport.ts'],
    outfile: 'dist/driftReport.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  });
}
const contexts = await Promise.all(targets.map((t) => esbuild.context(t)));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
