// Lint, and the layer rules of docs/architecture.md: which folder may import which.
//   src/core       pure: nothing of ours outside src/core, no vscode, no Node, no timers or clocks
//   src/protocol   pure: only src/core
//   src/toolchain, src/cli   never src/ui (nor the composition root src/extension.ts), no vscode
//   webview/       a browser bundle: only src/protocol, no vscode, no Node
// test/unit/lint-layers.test.ts imports across each edge and fails if a rule stops firing.
import tseslint from 'typescript-eslint';

const nodeModules = ['node:*', 'fs', 'path', 'child_process', 'os', 'util', 'crypto', 'events', 'stream', 'readline', 'url'];
/** @typedef {{ group: string[], message: string }} Pattern */
/** @type {(message: string) => Pattern} */
const noVscode = (message) => ({ group: ['vscode'], message });
/** @type {(message: string) => Pattern} */
const noNode = (message) => ({ group: nodeModules, message });

/**
 * Relative imports are plain strings to the rule, so "leaves the folder" is decided by depth: a file
 * `depth` folders below its layer's root leaves the layer with `depth + 1` leading `../` (after any
 * `./`); what follows is then relative to the folder holding the layer (src/, or the repository for
 * webview/). One config per depth keeps that exact: `../alloc/x.ts` in src/core/sites stays in core,
 * `../../ui/x.ts` leaves it.
 */
const maxDepth = 6;
/** @type {(depth: number) => string} */
const climb = (depth) => `^(?:\\./)*(?:\\.\\./){${depth + 1}}`;

/**
 * layer: for the `.ts` files under `root`, ban every relative import that leaves `root` unless what
 * follows the climb starts with one of `allowed` (a leave-list), or ban only the folders in
 * `banned` (a deny-list); plus the package `patterns` given.
 * @param {{ root: string, allowed?: string[], banned?: string[], patterns: Pattern[], message: string }} o
 */
function layer({ root, allowed, banned = [], patterns, message }) {
  /** @type {import('typescript-eslint').ConfigWithExtends[]} */
  const configs = [];
  for (let depth = 0; depth <= maxDepth; depth++) {
    const regex = allowed
      ? `${climb(depth)}(?!${allowed.map((a) => `${a}/`).join('|')})`
      : `${climb(depth)}(?:\\.\\./src/)?(?:${banned.join('|')})(?:/|\\.ts$|$)`;
    configs.push({
      files: [`${root}/${'*/'.repeat(depth)}*.ts`],
      rules: { 'no-restricted-imports': ['error', { patterns: [...patterns, { regex, message }] }] },
    });
  }
  return configs;
}

/** @type {import('eslint').Linter.RulesRecord} */
const pureGlobals = {
  'no-restricted-globals': [
    'error',
    { name: 'setTimeout', message: 'core is pure: no timers' },
    { name: 'setInterval', message: 'core is pure: no timers' },
    { name: 'Date', message: 'core is deterministic: no clocks' },
    { name: 'process', message: 'core is pure: no process' },
    { name: 'require', message: 'core is pure' },
  ],
  'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'core is deterministic' }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test/fixtures/**', '.cache/**', 'bench/.cache/**', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...layer({
    root: 'src/core',
    allowed: ['core'],
    patterns: [noVscode('src/core is pure: no vscode.'), noNode('src/core is pure: no Node modules.')],
    message: 'src/core imports nothing of ours outside src/core (docs/architecture.md, layers).',
  }),
  ...layer({
    root: 'src/protocol',
    allowed: ['core', 'protocol'],
    patterns: [noVscode('src/protocol is pure: no vscode.'), noNode('src/protocol is pure: no Node modules.')],
    message: 'src/protocol imports only src/core (docs/architecture.md, layers).',
  }),
  ...['src/toolchain', 'src/cli'].flatMap((root) =>
    layer({
      root,
      banned: ['ui', 'extension'],
      patterns: [noVscode('Only src/ui imports vscode (docs/architecture.md, layers).')],
      message: `${root} never imports src/ui or src/extension.ts (docs/architecture.md, layers).`,
    }),
  ),
  ...layer({
    root: 'webview',
    allowed: ['src/protocol', 'webview'],
    patterns: [{ group: ['vscode', ...nodeModules], message: 'webview/ is a browser bundle.' }],
    message: 'webview/ imports only src/protocol (docs/architecture.md, layers).',
  }),
  { files: ['src/core/**/*.ts', 'src/protocol/**/*.ts'], rules: pureGlobals },
);
