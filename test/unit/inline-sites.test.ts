// Constant sizes through inlining (issue 13, class 8): `make([]byte, bufio.size)` printed at the call
// to bufio.NewWriter has no fact at its position; the helper's inline query (typefacts/inline.go)
// finds the constant the inlined calls pass (4096), and the site is sized from it.
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import type { Diagnostic } from '../../src/core/escape/diagnostic.ts';
import type { ResolvedType } from '../../src/core/sites/facts.ts';
import { inlineQueryType, joinSites, resolvedKey, typeQueries } from '../../src/core/sites/join.ts';

const file = '/m/enc.go';
const pkg = 'example.com/m';
const rules = rulesFor('1.27');
const d: Diagnostic = {
  file: './enc.go',
  absFile: file,
  line: 50,
  column: 36,
  kind: 'escapes',
  expr: 'make([]byte, bufio.size)',
  message: 'make([]byte, bufio.size) escapes to heap',
  inputLine: 1,
  package: pkg,
};
const bytesType: ResolvedType = {
  kind: 'resolved',
  pkg,
  typeExpr: '[]byte',
  type: { name: '[]byte', qname: '[]byte', size: 24, align: 8, ptrBytes: 8, kind: 'slice' },
  elem: { name: 'byte', qname: 'byte', size: 1, align: 1, ptrBytes: 0, kind: 'basic' },
};

suite('inlined constant sizes', () => {
  test('an inlined make with no fact at its position is an inline query with its position and text', () => {
    const qs = typeQueries([d], []);
    assert.ok(qs.some((q) => q.file === file && q.line === 50 && q.col === 36 && q.expr === 'make([]byte, bufio.size)'));
  });

  test('the inline answer sizes the make: 4096 B noscan → the 4096 B class', () => {
    const inline: ResolvedType = { kind: 'resolved', pkg, typeExpr: inlineQueryType(d), len: 4096 };
    const resolved = new Map([
      [resolvedKey(pkg, '[]byte'), bytesType],
      [resolvedKey(pkg, inline.typeExpr), inline],
    ]);
    const [s] = joinSites([d], [], { rules, resolved });
    assert.equal(s!.prediction.kind, 'small');
    assert.deepEqual([s!.prediction.requestBytes, s!.prediction.slotBytes, s!.prediction.noscan], [4096, 4096, true]);
    assert.ok(s!.notes?.some((n) => /4096/.test(n)));
  });

  test('without an inline answer the make stays a size known only at run time', () => {
    const [s] = joinSites([d], [], { rules, resolved: new Map([[resolvedKey(pkg, '[]byte'), bytesType]]) });
    assert.equal(s!.prediction.kind, 'unknown');
  });
});
