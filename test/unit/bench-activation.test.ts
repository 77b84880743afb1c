// bench/editor.ts reads VS Code's own activation times from the "Developer: Startup Performance"
// document; the layout below is that document's as code-server 4.139.1 (VS Code 1.139.1) writes it.
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { parseActivationStats } from '../../bench/editor.ts';

const doc = `## System Info

* code-server: 1.139.1 (53c2f3253bcf32886706fc023e794bbeb253c90f)
* Initial Startup: false

## Performance Marks

| What                      | Duration | Process    | Info |
| ------------------------- | -------- | ---------- | ---- |
| extensions registered     | 26251    | [renderer] | -    |

## Extension Activation Stats

| Extension                          | Eager | Load Code | Call Activate | Finish Activate | Event                          | By                         |
| ---------------------------------- | ----- | --------- | ------------- | --------------- | ------------------------------ | -------------------------- |
| vscode.git                         | true  | 208       | 13            | 53              | *                              | vscode.git                 |
| go-heap-lens.go-heap-lens          | false | 23        | 4             | 0               | onLanguage:go                  | go-heap-lens.go-heap-lens  |
| ghl-bench.empty-activate           | false | 1         | 0             | 0               | onLanguage:ghl-bench-baseline  | ghl-bench.empty-activate   |

## Terminal Stats

| Name | Timestamp | Delta | Total |
| ---- | --------- | ----- | ----- |
| code/terminal/willGetTerminalBackend | 1795667489403 | 0 | 0 |
`;

suite('bench: VS Code activation times', () => {
  test('the activation table, every row, nothing from the tables around it', () => {
    assert.deepEqual(parseActivationStats(doc), [
      { id: 'vscode.git', eager: true, loadCodeMs: 208, callActivateMs: 13, finishActivateMs: 53, event: '*' },
      { id: 'go-heap-lens.go-heap-lens', eager: false, loadCodeMs: 23, callActivateMs: 4, finishActivateMs: 0, event: 'onLanguage:go' },
      {
        id: 'ghl-bench.empty-activate',
        eager: false,
        loadCodeMs: 1,
        callActivateMs: 0,
        finishActivateMs: 0,
        event: 'onLanguage:ghl-bench-baseline',
      },
    ]);
  });

  test('no activation table yet (the document says "Loading..." or no extension has activated)', () => {
    assert.deepEqual(parseActivationStats('Loading...'), []);
    assert.deepEqual(parseActivationStats(doc.slice(0, doc.indexOf('## Extension Activation Stats'))), []);
  });
});
