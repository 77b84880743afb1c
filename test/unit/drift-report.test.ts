// The editor's views of a drift result: the Changes tree, the Upgrade Report model, and the
// report page's HTML (CSP by nonce) and message validators.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../src/core/alloc/malloc.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import { diffAnalyses } from '../../src/core/drift/changes.ts';
import { changesTree } from '../../src/core/drift/tree.ts';
import { upgradeModel } from '../../src/core/drift/upgradeModel.ts';
import { driftReportHtml, isDriftReportToHost, isHostToDriftReport } from '../../src/protocol/driftReport.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';

function site(go: string, bytes: number, func: string, line: number): AllocationSite {
  return {
    file: '/m/a.go',
    line,
    column: 9,
    construct: 'composite-lit',
    expr: '&header{...}<img>',
    escapes: true,
    reason: [],
    type: { name: 'header', size: bytes, align: 8, ptrBytes: 8 },
    prediction: classify({ bytes, pointers: true }, rulesFor(go)),
    package: 'example.com/m',
    func,
  };
}

const d = diffAnalyses([site('1.21', 576, 'H', 5), site('1.21', 48, 'N', 9)], [site('1.27', 576, 'H', 5), site('1.27', 48, 'N', 9)], {
  base: { goVersion: 'go1.21.13', arch: 'amd64', modelOnly: false },
  head: { goVersion: 'go1.27.3', arch: 'amd64', modelOnly: false },
});

suite('drift views', () => {
  test('Changes tree: one root, a Changed group, leaves that reveal the head site', () => {
    const [root] = changesTree(d, '/m');
    assert.equal(root!.label, 'Changes');
    assert.match(root!.description, /^2 vs go1\.21\.13\/amd64/);
    const changed = root!.children.find((c) => c.label === 'Changed')!;
    assert.equal(changed.children.length, 2);
    assert.deepEqual(changed.children[0]!.site, { id: changed.children[0]!.id, file: '/m/a.go', line: 5, column: 9 });
    assert.match(changed.children[0]!.description, /class changed · a\.go:5 · \+64 B/);
    assert.deepEqual(changesTree(undefined, '/m'), []);
  });

  test('Upgrade Report model: classes in allocator order with both sides’ bytes', () => {
    const m = upgradeModel(d, '/m');
    assert.deepEqual(
      m.classes.map((c) => [c.label, c.baseBytes, c.headBytes]),
      [
        ['c5 scan', 48, 48],
        ['c27 scan', 576, 0],
        ['c28 scan', 0, 640],
      ],
    );
    assert.equal(m.sites[0]!.where, 'a.go:5');
    assert.ok(isHostToDriftReport({ v: 1, type: 'report', model: m }));
    assert.ok(!isHostToDriftReport({ v: 1, type: 'report', model: { ...m, classes: [{ label: 1 }] } }));
  });

  test('page HTML: scripts by nonce only, no inline or eval allowances', () => {
    const html = driftReportHtml({
      cspSource: 'vscode-resource:',
      scriptUri: 's.js',
      styleUri: 's.css',
      nonce: 'AAAAAAAAAAAAAAAAAAAAAA==',
    });
    const csp = /content="([^"]*)"/.exec(html)![1]!;
    assert.match(csp, /script-src 'nonce-AAAAAAAAAAAAAAAAAAAAAA=='/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.throws(() => driftReportHtml({ cspSource: 'x', scriptUri: 's', styleUri: 's', nonce: 'short' }));
  });

  test('messages from the page are checked field by field', () => {
    assert.ok(isDriftReportToHost({ v: 1, type: 'ready' }));
    assert.ok(isDriftReportToHost({ v: 1, type: 'reveal', file: '/m/a.go', line: 3 }));
    assert.ok(!isDriftReportToHost({ v: 1, type: 'reveal', file: '/m/a.go', line: 0 }));
    assert.ok(!isDriftReportToHost({ v: 1, type: 'reveal', file: '/m/a.go', line: 3, command: 'x' }));
  });
});
