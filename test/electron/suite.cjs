// Runs inside the VS Code extension host started by run.mjs. Checks that the extension activates on
// the demo module, registers every command it contributes, analyses with the real `go`, and hovers a
// pointerful 520 B allocation with the malloc-header answer (class 27, 576 B slot).
const assert = require('node:assert/strict');
const vscode = require('vscode');

/**
 * @template T
 * @param {string} what
 * @param {() => T | Promise<T>} fn polled every 500 ms until it returns a truthy value
 * @returns {Promise<NonNullable<T>>}
 */
async function waitFor(what, fn, timeoutMs = 120000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

exports.run = async function run() {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the demo module is open');
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'main.go'));
  await vscode.window.showTextDocument(doc);
  const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'go-heap-lens');
  assert.ok(ext, 'the extension is loaded');
  await waitFor('activation', () => ext.isActive);

  const registered = new Set(await vscode.commands.getCommands(true));
  for (const c of ext.packageJSON.contributes.commands) assert.ok(registered.has(c.command), `command ${c.command} registered`);

  await vscode.commands.executeCommand('goHeap.analyzeWorkspace');
  const line = doc
    .getText()
    .split('\n')
    .findIndex((l) => l.includes('&header520{}'));
  assert.ok(line >= 0, 'demo has &header520{}');
  const col = doc.lineAt(line).text.indexOf('&header520{}') + 2;
  const hover = await waitFor('a hover on &header520{}', async () => {
    /** @type {import('vscode').Hover[] | undefined} */
    const hovers = await vscode.commands.executeCommand('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, col));
    const text = (hovers ?? []).flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    return text.includes('Go Heap Lens') ? text : undefined;
  });
  assert.match(hover, /576 B slot/);
  assert.match(hover, /malloc header/);
};
