// The layer rules of eslint.config.mjs, exercised: a probe file placed (in memory) in each folder
// imports across every forbidden edge and must get a no-restricted-imports error; the allowed
// edges must lint clean. Removing or loosening a layer's rule fails a case here.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { suite, test } from 'node:test';
import { ESLint } from 'eslint';

const root = join(__dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

/** lint returns the messages ESLint reports for a file at `file` (repository-relative) importing `source`. */
async function lint(file: string, source: string) {
  const code = `import * as m from '${source}';\nexport default m;\n`;
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  assert.ok(result, 'ESLint linted the probe');
  return result.messages;
}

/** Each layer: where its probe files sit, the imports it must refuse, the imports it may make. */
const layers: { name: string; files: string[]; forbidden: string[]; allowed: string[] }[] = [
  {
    name: 'src/core imports nothing of ours outside src/core',
    files: ['src/core/alloc/probe.ts'],
    forbidden: [
      '../../ui/log.ts',
      './../../ui/log.ts',
      '../../toolchain/go.ts',
      '../../cli/io.ts',
      '../../protocol/messages.ts',
      '../../extension.ts',
      '../../../webview/ui.ts',
      '../../../bench/lib.ts',
      '../../../test/unit/helpers/cliio.ts',
      'vscode',
      'node:fs',
      'path',
    ],
    allowed: ['./malloc.ts', '../escape/text.ts', '../sites/site.ts'],
  },
  {
    name: 'src/core, a file at its root',
    files: ['src/core/probe.ts'],
    forbidden: ['../ui/log.ts', '../protocol/messages.ts', '../toolchain/go.ts'],
    allowed: ['./alloc/malloc.ts'],
  },
  {
    name: 'src/core, two folders down',
    files: ['src/core/sites/deeper/probe.ts'],
    forbidden: ['../../../ui/log.ts', '../../../cli/io.ts'],
    allowed: ['../../alloc/malloc.ts', '../site.ts'],
  },
  {
    name: 'src/protocol imports only src/core',
    files: ['src/protocol/probe.ts'],
    forbidden: [
      '../ui/log.ts',
      '../toolchain/go.ts',
      '../cli/io.ts',
      '../extension.ts',
      '../../webview/ui.ts',
      '../../bench/lib.ts',
      'vscode',
      'node:path',
    ],
    allowed: ['./messages.ts', '../core/alloc/malloc.ts', '../core/sites/site.ts'],
  },
  {
    name: 'src/toolchain never imports src/ui',
    files: ['src/toolchain/probe.ts'],
    forbidden: ['../ui/log.ts', '../ui', '../extension.ts', '../../src/ui/log.ts', 'vscode'],
    allowed: ['./go.ts', '../core/alloc/malloc.ts', '../protocol/messages.ts', 'node:fs'],
  },
  {
    name: 'src/toolchain, a folder down',
    files: ['src/toolchain/typefacts/probe.ts'],
    forbidden: ['../../ui/log.ts', '../../extension.ts'],
    allowed: ['../go.ts', '../../core/alloc/malloc.ts'],
  },
  {
    name: 'src/cli never imports src/ui',
    files: ['src/cli/probe.ts'],
    forbidden: ['../ui/hover.ts', '../extension.ts', 'vscode'],
    allowed: ['./io.ts', '../toolchain/analyze.ts', '../core/alloc/malloc.ts', 'node:util'],
  },
  {
    name: 'webview/ imports only src/protocol',
    files: ['webview/probe.ts'],
    forbidden: [
      '../src/core/alloc/malloc.ts',
      '../src/ui/log.ts',
      '../src/toolchain/go.ts',
      '../src/cli/io.ts',
      '../src/extension.ts',
      '../bench/lib.ts',
      'vscode',
      'node:fs',
    ],
    allowed: ['./ui.ts', '../src/protocol/messages.ts', '@vscode/webview-ui-toolkit'],
  },
  {
    name: 'src/ui may import every layer (the control case: the probes above fail for their imports, not their shape)',
    files: ['src/ui/probe.ts'],
    forbidden: [],
    allowed: ['vscode', 'node:fs', '../toolchain/go.ts', '../protocol/messages.ts', '../core/alloc/malloc.ts', './log.ts'],
  },
];

suite('lint: layers (eslint.config.mjs no-restricted-imports)', () => {
  for (const l of layers) {
    for (const file of l.files) {
      test(`${l.name}: ${file}`, async () => {
        for (const source of l.forbidden) {
          const messages = await lint(file, source);
          const refused = messages.filter((m) => m.ruleId === 'no-restricted-imports' && m.severity === 2);
          assert.equal(refused.length, 1, `${file} importing '${source}' must be refused; got ${JSON.stringify(messages)}`);
        }
        for (const source of l.allowed) {
          const messages = await lint(file, source);
          assert.deepEqual(messages, [], `${file} may import '${source}'`);
        }
      });
    }
  }
});
