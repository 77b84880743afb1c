// Site identity and changes (src/core/drift): moved code is the same site, each kind of change is
// found, output order does not depend on the order sites were printed in, totals and gates.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../src/core/alloc/malloc.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import { parseBaseline, BaselineError } from '../../src/core/drift/baseline.ts';
import { diffAnalyses, type DriftSide } from '../../src/core/drift/changes.ts';
import { gateReasons, parseBudget, parseFailOn } from '../../src/core/drift/gate.ts';
import { changedHint, markdownReport } from '../../src/core/drift/report.ts';
import { matchSites } from '../../src/core/drift/identity.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';

const side = (goVersion: string): DriftSide => ({ goVersion, arch: 'amd64', modelOnly: false });
const sides = { base: side('1.21'), head: side('1.26') };

function site(over: Partial<AllocationSite> & { bytes?: number; pointers?: boolean; go?: string }): AllocationSite {
  const { bytes = 48, pointers = true, go = '1.26', ...rest } = over;
  const escapes = rest.escapes ?? true;
  const prediction = escapes
    ? classify({ bytes, pointers }, rulesFor(go))
    : { ...classify({ bytes, pointers }, rulesFor(go)), kind: 'stack' as const, spanClass: -1 };
  return {
    file: '/m/a.go',
    line: 10,
    column: 9,
    construct: 'composite-lit',
    expr: '&T{...}',
    escapes,
    reason: [],
    type: { name: 'T', size: bytes, align: 8, ptrBytes: pointers ? 8 : 0 },
    prediction,
    package: 'example.com/m',
    func: 'F',
    ...rest,
  };
}

suite('drift identity', () => {
  test('moved code (other line, other file) is the same site and no change', () => {
    const base = [site({}), site({ func: 'G', expr: 'new(int)', construct: 'new', line: 20, bytes: 8, pointers: false })];
    const head = [
      site({ line: 40, file: '/m/b.go' }),
      site({ func: 'G', expr: 'new(int)', construct: 'new', line: 3, bytes: 8, pointers: false }),
    ];
    const d = diffAnalyses(base, head, { base: side('1.26'), head: side('1.26') });
    assert.deepEqual(d.changes, []);
    assert.equal(matchSites(base, head).filter((p) => p.base && p.head).length, 2);
  });

  test('an inserted copy of an expression is the new one; the old ones keep their partners', () => {
    const base = [site({ line: 10 }), site({ line: 30 })];
    const head = [site({ line: 12 }), site({ line: 20 }), site({ line: 32 })];
    const d = diffAnalyses(base, head, { base: side('1.26'), head: side('1.26') });
    assert.deepEqual(
      d.changes.map((c) => [c.kind, c.head?.line]),
      [['new', 20]],
    );
  });

  test('each kind of change', () => {
    const base = [
      site({ func: 'Esc', escapes: false }),
      site({ func: 'Stay' }),
      site({ func: 'Cls', bytes: 48 }),
      site({ func: 'Gone' }),
      site({ func: 'Size', bytes: 44 }),
    ];
    const head = [
      site({ func: 'Esc' }),
      site({ func: 'Stay', escapes: false }),
      site({ func: 'Cls', bytes: 72, type: { name: 'T', size: 72, align: 8, ptrBytes: 8 } }),
      site({ func: 'New', line: 99 }),
      site({ func: 'Size', bytes: 48 }),
    ];
    const d = diffAnalyses(base, head, { base: side('1.26'), head: side('1.26') });
    assert.deepEqual(d.changes.map((c) => `${c.kind}:${(c.head ?? c.base)!.func}`).sort(), [
      'class-changed:Cls',
      'gone:Gone',
      'new:New',
      'no-longer-escapes:Stay',
      'now-escapes:Esc',
      'size-changed:Size',
    ]);
    assert.equal(d.totals.base.heapSites, 4);
    assert.equal(d.totals.head.heapSites, 4);
  });

  test('inlined code attributed to another package in the other build is the same site', () => {
    const inl = {
      file: '/go/src/slices/iter.go',
      line: 26,
      column: 6,
      construct: 'closure' as const,
      expr: 'func literal',
      func: undefined,
    };
    const d = diffAnalyses([site({ ...inl, package: 'example.com/a' })], [site({ ...inl, package: 'example.com/b' })], sides);
    assert.deepEqual(d.changes, []);
  });

  test('a stack site that appears or goes is no change', () => {
    const d = diffAnalyses([site({ func: 'A', escapes: false })], [site({ func: 'B', escapes: false })], sides);
    assert.deepEqual(d.changes, []);
  });

  test('order does not depend on the order the compiler printed sites in', () => {
    const base = [site({ func: 'A', line: 5 }), site({ func: 'B', line: 9, bytes: 16 })];
    const head = [site({ func: 'C', line: 7 }), site({ func: 'A', line: 5, bytes: 96 }), site({ func: 'D', line: 2 })];
    const a = diffAnalyses(base, head, sides);
    const b = diffAnalyses([...base].reverse(), [...head].reverse(), sides);
    assert.deepEqual(JSON.stringify(a), JSON.stringify(b));
    assert.deepEqual(
      a.changes.map((c) => (c.head ?? c.base)!.line),
      [2, 5, 7, 9],
    );
  });

  test('Green Tea and the malloc header across versions: objects per span and the class', () => {
    const base = [site({ func: 'H', bytes: 576, go: '1.21' }), site({ func: 'G', bytes: 64, pointers: false, go: '1.21' })];
    const head = [site({ func: 'H', bytes: 576, go: '1.26' }), site({ func: 'G', bytes: 64, pointers: false, go: '1.26' })];
    const d = diffAnalyses(base, head, sides);
    const h = d.changes.find((c) => c.head?.func === 'H')!;
    assert.equal(h.kind, 'class-changed');
    assert.equal(h.base!.prediction.sizeClass, 27);
    assert.equal(h.head!.prediction.sizeClass, 28);
    assert.equal(changedHint(h, sides.base), '⇡ 576→640 B · c28 scan · was c27 14/span on go1.21');
    const g = d.changes.find((c) => c.head?.func === 'G')!;
    assert.equal(g.kind, 'class-changed');
    assert.deepEqual([g.base!.prediction.objectsPerSpan, g.head!.prediction.objectsPerSpan], [128, 126]);
    assert.deepEqual(d.totals.base.bySpanClass['c27 scan'], { sites: 1, bytes: 576 });
    assert.deepEqual(d.totals.head.bySpanClass['c28 scan'], { sites: 1, bytes: 640 });
  });

  test('measured object counts weigh both sides', () => {
    const withMeasured = (s: AllocationSite, objects: number) => ({ ...s, measured: { objects, bytes: 0 } }) as AllocationSite;
    const d = diffAnalyses([site({ bytes: 48 })], [withMeasured(site({ bytes: 72 }), 10)], sides);
    assert.equal(d.totals.base.weightedBytes, 480);
    assert.equal(d.totals.head.weightedBytes, 800);
  });
});

suite('drift gates and budget', () => {
  const base = [site({ func: 'A', bytes: 48 })];
  const head = [
    site({ func: 'A', bytes: 72 }),
    site({ func: 'B', line: 30, expr: 'new(int)', construct: 'new', bytes: 8, pointers: false }),
  ];
  const d = diffAnalyses(base, head, sides);

  test('parseFailOn', () => {
    assert.deepEqual(parseFailOn('bytes+5%'), { kind: 'bytes', percent: 5 });
    assert.equal(parseFailOn('bytes+%'), undefined);
    assert.equal(parseFailOn('everything'), undefined);
  });

  test('new-heap-sites, class-up, bytes+N% hold or not', () => {
    assert.equal(gateReasons(d, [{ kind: 'new-heap-sites' }], undefined, head).length, 1);
    assert.equal(gateReasons(d, [{ kind: 'class-up' }], undefined, head).length, 1);
    assert.equal(gateReasons(d, [{ kind: 'bytes', percent: 100 }], undefined, head).length, 0);
    assert.equal(gateReasons(d, [{ kind: 'bytes', percent: 10 }], undefined, head).length, 1);
    const allowed = parseBudget({ allow: [{ package: 'example.com/m', func: 'B' }] });
    assert.equal(gateReasons(d, [{ kind: 'new-heap-sites' }], allowed, head).length, 0);
  });

  test('per-package budget', () => {
    const b = parseBudget({ packages: { 'example.com/...': { maxHeapSites: 1 }, 'example.com/m': { maxHeapBytes: 1000 } } });
    assert.deepEqual(gateReasons(d, [], b, head), ['budget: example.com/... has 2 heap sites, over its maximum of 1']);
    assert.throws(() => parseBudget({ packages: { x: { maxSites: 1 } } }), /unknown key "maxSites"/);
  });

  test('Markdown: summary line and a table row per change, compiler text escaped', () => {
    const md = markdownReport(d, '/m');
    assert.match(md.split('\n')[0]!, /^\*\*Go Heap Lens:\*\* 1 class changed, 1 new heap site/);
    assert.match(md, /\| class changed \| `a\.go:10` \| &T\{\.\.\.\} in A \|/);
  });
});

suite('drift baseline', () => {
  test('a foreign or broken baseline is a BaselineError naming the base', () => {
    assert.throws(
      () => parseBaseline('{"not":"an analysis"}', 'old.json'),
      (e: unknown) => e instanceof BaselineError && /base/.test(e.message),
    );
    assert.throws(() => parseBaseline('{"goVersion":"1.26","arch":"amd64","sites":[{"file":1}]}', 'old.json'), /site 0 has no "file"/);
    assert.throws(() => parseBaseline('{', 'old.json'), /not JSON/);
    const ok = parseBaseline(JSON.stringify({ goVersion: '1.26', arch: 'amd64', sites: [site({})] }), 'old.json');
    assert.equal(ok.sites.length, 1);
  });
});
