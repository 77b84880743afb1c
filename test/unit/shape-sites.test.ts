// Generic code compiled per shape (issue 13, class 8): `&Stack[go.shape.string]{}` names the layout
// (a shape is its underlying type), so the site is sized from the helper's answer for the shape type
// (typefacts/shapes.go) instead of "depends on a type parameter" or "no type facts".
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import type { Diagnostic } from '../../src/core/escape/diagnostic.ts';
import type { FactType, ResolvedType, TypeFact } from '../../src/core/sites/facts.ts';
import { joinSites, resolvedKey, typeQueries } from '../../src/core/sites/join.ts';

const file = '/m/g.go';
const pkg = 'example.com/m';
const rules = rulesFor('1.27');

const diag = (expr: string, line: number, column: number): Diagnostic => ({
  file: './g.go',
  absFile: file,
  line,
  column,
  kind: 'escapes',
  expr,
  message: `${expr} escapes to heap`,
  inputLine: 1,
  package: pkg,
});
const typeParamStack: FactType = {
  name: 'Stack[T]',
  qname: 'Stack[T]',
  size: null,
  align: null,
  ptrBytes: null,
  dependsOnTypeParam: true,
  kind: 'struct',
};
const stackString: FactType = { name: 'Stack[string]', qname: 'm.Stack[string]', size: 24, align: 8, ptrBytes: 8, kind: 'struct' };

suite('generic shapes', () => {
  test('a shape site inside the generic body asks for the shape type even though a type-parameter fact sits there', () => {
    const d = diag('&Stack[go.shape.string]{}', 7, 43);
    const f: TypeFact = { kind: 'addr-composite', file, line: 7, col: 43, pkg, type: typeParamStack };
    assert.deepEqual(typeQueries([d], [f]), [{ pkg, type: 'Stack[go.shape.string]' }]);
  });

  test('the resolved shape type sizes the site: Stack[string] is 24 B with a pointer → 24 B slot, scan', () => {
    const d = diag('&Stack[go.shape.string]{}', 7, 43);
    const f: TypeFact = { kind: 'addr-composite', file, line: 7, col: 43, pkg, type: typeParamStack };
    const rt: ResolvedType = { kind: 'resolved', pkg, typeExpr: 'Stack[go.shape.string]', type: stackString };
    const [s] = joinSites([d], [f], { rules, resolved: new Map([[resolvedKey(pkg, rt.typeExpr), rt]]) });
    assert.equal(s!.prediction.kind, 'small');
    assert.deepEqual([s!.prediction.slotBytes, s!.prediction.noscan], [24, false]);
    assert.ok(s!.notes?.some((n) => /shape/.test(n)));
  });
});
