// The words the hover and the Heap view use for growth sites and for sites that do not escape but
// still allocate (src/core/sites/allocKind.ts).
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { unknownPrediction } from '../../src/core/alloc/malloc.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import { allocationKinds } from '../../src/core/sites/allocKind.ts';
import { hoverMarkdown } from '../../src/core/sites/hover.ts';
import type { AllocationSite, Construct } from '../../src/core/sites/site.ts';
import { heapTree } from '../../src/core/sites/tree.ts';

const rules = rulesFor('1.27');
const site = (construct: Construct, escapes: boolean, expr = 'x'): AllocationSite => ({
  file: '/m/a.go',
  line: 3,
  column: 2,
  construct,
  expr,
  escapes,
  reason: [],
  type: null,
  prediction: unknownPrediction(rules),
  package: 'example.com/m',
  func: 'F',
});

suite('allocation kinds', () => {
  test('map inserts and appends are growth sites', () => {
    assert.deepEqual(
      allocationKinds(site('map-insert', true)).map((k) => k.kind),
      ['growth'],
    );
    assert.deepEqual(
      allocationKinds(site('append', true)).map((k) => k.kind),
      ['growth'],
    );
  });

  test('a non-escaping append, concatenation or conversion still allocates; new(T) on the stack does not', () => {
    assert.deepEqual(
      allocationKinds(site('append', false)).map((k) => k.kind),
      ['growth', 'stack-but-allocates'],
    );
    for (const c of ['string-concat', 'string-conv', 'bytes-conv', 'runes-conv'] as const)
      assert.match(allocationKinds(site(c, false))[0]!.text, /over 32 B/);
    assert.deepEqual(allocationKinds(site('new', false)), []);
    assert.deepEqual(allocationKinds(site('string-concat', true)), []);
  });

  test('a site marked conditional (a branch of inlined code) says so first', () => {
    const s = { ...site('composite-lit', true), conditional: true } as AllocationSite;
    assert.deepEqual(
      allocationKinds(s).map((k) => k.kind),
      ['conditional'],
    );
  });

  test('the hover and the Heap view say it', () => {
    assert.match(hoverMarkdown(site('map-insert', true, 'm[k] = v')), /Growth site/);
    assert.match(hoverMarkdown(site('string-concat', false, 'a + b')), /Does not escape, but still allocates/);
    const json = JSON.stringify(heapTree([site('append', false, 'append(xs, x)')], 'package'));
    assert.match(json, /no escape, allocates/);
  });
});
