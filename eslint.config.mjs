import tseslint from 'typescript-eslint';

const nodeModules = ['node:*', 'fs', 'path', 'child_process', 'os', 'util', 'crypto', 'events', 'stream', 'readline', 'url'];
const pure = {
  patterns: [
    { group: ['vscode'], message: 'src/core, src/protocol and webview/ are pure: no vscode (design.md §3).' },
    { group: nodeModules, message: 'src/core and src/protocol are pure: no Node modules (design.md §3).' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test/fixtures/**', '.cache/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', pure],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'core is pure: no timers' },
        { name: 'setInterval', message: 'core is pure: no timers' },
        { name: 'Date', message: 'core is deterministic: no clocks' },
        { name: 'process', message: 'core is pure: no process' },
        { name: 'require', message: 'core is pure' },
      ],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'core is deterministic' }],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['vscode', ...nodeModules], message: 'webview/ is a browser bundle.' }] }],
    },
  },
  {
    files: ['src/toolchain/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['vscode'], message: 'Only src/ui imports vscode (design.md §3).' }] }],
    },
  },
);
