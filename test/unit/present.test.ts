import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import fc from 'fast-check';
import { classify } from '../../src/core/alloc/malloc.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import {
  escapeMarkdown,
  filterSites,
  heapPageSize,
  heapTree,
  hintText,
  hoverMarkdown,
  keyStep,
  pagedChildren,
  showMore,
  siteId,
  spanTailBytes,
  type HeapTreeNode,
} from '../../src/core/sites/present.ts';
import type { AllocationSite, Construct, FlowStepAt } from '../../src/core/sites/site.ts';

const go126 = rulesFor('1.26');
const go121 = rulesFor('1.21');

function site(
  bytes: number,
  pointers: boolean,
  o: Partial<AllocationSite> & { construct?: Construct } = {},
  rules = go126,
): AllocationSite {
  return {
    file: '/ws/demo/main.go',
    line: 10,
    column: 9,
    construct: 'composite-lit',
    expr: '&T{...}',
    escapes: true,
    reason: [],
    type: { name: 'main.T', size: bytes, align: 8, ptrBytes: pointers ? 8 : 0 },
    prediction: classify({ bytes, pointers }, rules),
    package: 'example.com/demo',
    func: 'newT',
    ...o,
  };
}

const returnFlow: FlowStepAt[] = [
  { text: 'flow: ~r0 ← &{storage for &T{...}}:' },
  { text: 'from &T{...} (spill) at ./main.go:10:9', why: 'spill', file: './main.go', line: 10, column: 9 },
  { text: 'from return &T{...} (return) at ./main.go:10:2', why: 'return', file: './main.go', line: 10, column: 2 },
];

suite('present: inline hints', () => {
  test('tiny, exact slot, rounded slot, header case, large, stack', () => {
    assert.equal(hintText(site(8, false)), '⇡ 8 B · tiny c2 noscan');
    assert.equal(hintText(site(48, true)), '⇡ 48 B · c5 scan');
    assert.equal(hintText(site(40, true)), '⇡ 40→48 B · c5 scan');
    assert.equal(hintText(site(65, false)), '⇡ 65→80 B · c7 noscan');
    // 512 B with pointers needs no header; 520 B gets the 8 B header → 528 → class 27 (576 B) on go1.22+.
    assert.equal(hintText(site(512, true)), '⇡ 512 B · c26 scan');
    assert.equal(hintText(site(520, true)), '⇡ 520→576 B · c27 scan');
    assert.equal(hintText(site(40000, false)), '⇡ 40000 B · large 5p noscan');
    assert.equal(
      hintText(site(24, true, { escapes: false, prediction: { ...classify({ bytes: 24, pointers: true }, go126), kind: 'stack' } })),
      '· stack 24 B',
    );
  });

  test('go1.21 has no malloc header: 1024 B with pointers stays in class 32', () => {
    assert.equal(hintText(site(1024, true, {}, go121)), '⇡ 1024 B · c32 scan');
    assert.equal(hintText(site(1024, true)), '⇡ 1024→1152 B · c33 scan');
  });
});

suite('present: hover markdown', () => {
  test('says why, what is requested and where it lands', () => {
    const md = hoverMarkdown(site(520, true, { reason: returnFlow }), { revealCommand: 'goHeap.revealPosition' });
    assert.match(md, /escapes to heap/);
    assert.match(md, /\*\*Why:\*\* from return \\&T\\\{\\\.\\\.\\\.\\\} \\\(return\\\) at.*— \*return\*/);
    assert.match(md, /520 B/);
    assert.match(md, /\\\+ 8 B malloc header/);
    assert.match(md, /\| Size class \| 27 · 576 B slot \|/);
    assert.match(md, /\| Span class \| 54 \(c27 scan\) \|/);
    assert.match(md, /\| Span \| 1 page \(8192 B \(8 KiB\)\) · 14 objects \|/);
    assert.match(md, /\| Waste \| 56 B\/object · 128 B\/span/);
    assert.match(md, /go1\\\.26 amd64/);
    // The key step links to its position through our command only.
    const links = [...md.matchAll(/\]\((command:[^?)]+)\?/g)].map((m) => m[1]);
    assert.ok(links.length >= 1);
    assert.ok(links.every((l) => l === 'command:goHeap.revealPosition'));
    const arg = md.match(/command:goHeap\.revealPosition\?([^)]+)\)/)![1]!;
    assert.deepEqual(JSON.parse(decodeURIComponent(arg)), [{ file: './main.go', line: 10, base: '/ws/demo/main.go', column: 2 }]);
  });

  test('tiny and large objects', () => {
    const tiny = hoverMarkdown(site(8, false));
    assert.match(tiny, /16 B tiny block shared by up to 2 such objects/);
    assert.match(tiny, /Span class \| 5 \(c2 noscan, the tiny allocator\)/);
    const large = hoverMarkdown(site(40000, false));
    assert.match(large, /Size class \| 0 \(large object/);
    assert.match(large, /5 pages \(40960 B \(40 KiB\)\) · 1 object/);
    assert.match(large, /Waste \| 960 B \(page rounding\)/);
  });

  test('hostile compiler text renders literally: no links, HTML or table breaks', () => {
    const evil = '[click](command:workbench.action.terminal.sendSequence?%7B%7D) <img src=x onerror=alert(1)> | `x` *y* \n# h';
    const md = hoverMarkdown(
      site(48, true, {
        expr: evil,
        reason: [{ text: evil, why: evil, file: '/x/a(b).go', line: 3, column: 1 }],
        type: { name: evil, size: 48, align: 8, ptrBytes: 8 },
      }),
      { revealCommand: 'goHeap.revealPosition' },
    );
    // Every command link is ours; the hostile one is escaped text.
    for (const m of md.matchAll(/\]\(command:([\w.]+)/g)) assert.equal(m[1], 'goHeap.revealPosition');
    assert.ok(!/[^\\]<img/.test(md), 'raw HTML must be escaped');
    assert.ok(!/[^\\]\[click\]/.test(md), 'link syntax must be escaped');
    assert.ok(!md.includes('\n# h'), 'no new block from a newline');
    // A path with parentheses cannot close the link destination early.
    const dest = md.match(/\]\(command:goHeap\.revealPosition\?([^)]*)\)/)![1]!;
    assert.equal(JSON.parse(decodeURIComponent(dest))[0].file, '/x/a(b).go');
  });

  test('escapeMarkdown escapes every ASCII punctuation mark that means something', () => {
    assert.equal(escapeMarkdown('a*b_c'), 'a\\*b\\_c');
    assert.equal(escapeMarkdown('x\ny'), 'x y');
    assert.equal(escapeMarkdown('plain words 123'), 'plain words 123');
  });

  test('dynamic sizes list the class as a function of n', () => {
    const p = (n: number) => classify({ bytes: 8 * n, pointers: false }, go126);
    const md = hoverMarkdown(
      site(0, false, {
        construct: 'make-slice',
        expr: 'make([]int64, n)',
        prediction: { ...p(1), kind: 'unknown' },
        dynamic: [
          { minN: 1, maxN: 1, prediction: p(1) },
          { minN: 2, maxN: 2, prediction: p(2) },
          { minN: 3, maxN: 4, prediction: p(4) },
          { minN: 4097, maxN: null, prediction: p(4097) },
        ],
      }),
    );
    assert.match(md, /- n = 1: 8 B in a 16 B tiny block/);
    assert.match(md, /- 3 ≤ n ≤ 4: 32 B → 32 B slot, span class 9/);
    assert.match(md, /- n ≥ 4097: 32776 B → large, 5 pages/);
  });

  test('keyStep prefers the last step with a reason', () => {
    assert.equal(keyStep(returnFlow)?.why, 'return');
    assert.equal(keyStep([{ text: 'a' }, { text: 'b' }])?.text, 'b');
    assert.equal(keyStep([]), undefined);
  });

  test('span tail bytes: class 5 (48 B) scan on go1.26 reserves 128 B heap bits + 128 B mark bits', () => {
    const p = classify({ bytes: 48, pointers: true }, go126);
    assert.equal(p.objectsPerSpan, 165);
    assert.equal(spanTailBytes(p), 8192 - 165 * 48);
  });
});

suite('present: heap view models', () => {
  const sites = [
    site(8, false, { line: 5, func: 'newPoint' }),
    site(48, true, { line: 9, func: 'newNode' }),
    site(48, true, { line: 20, file: '/ws/demo/b.go', func: 'other', package: 'example.com/demo/b' }),
    site(40000, false, { line: 30, func: 'newBig' }),
    site(16, true, { line: 40, escapes: false, prediction: { ...classify({ bytes: 16, pointers: true }, go126), kind: 'stack' } }),
  ];

  test('by span class: one group per span class, ordered, leaves point back to their parent', () => {
    const roots = heapTree(sites, 'spanClass');
    assert.deepEqual(
      roots.map((r) => r.label),
      [
        'span class 1 · large noscan',
        'span class 5 · tiny 16 B blocks (noscan)',
        'span class 10 · 48 B scan (c5)',
        'stack (does not escape)',
      ],
    );
    const c5 = roots[2]!;
    assert.equal(c5.children.length, 2);
    assert.equal(c5.description, '2 sites · 96 B per pass');
    for (const leaf of c5.children) {
      assert.equal(leaf.parentId, c5.id);
      assert.equal(leaf.kind, 'site');
    }
    assert.equal(c5.children[0]!.site!.id, siteId(sites[2]!));
  });

  test('by package → function', () => {
    const roots = heapTree(filterSites(sites, { escapingOnly: true, minBytes: 0 }), 'package');
    assert.deepEqual(
      roots.map((r) => r.label),
      ['example.com/demo', 'example.com/demo/b'],
    );
    assert.deepEqual(
      roots[0]!.children.map((f) => f.label),
      ['newPoint', 'newNode', 'newBig'],
    );
    const leaf = roots[0]!.children[1]!.children[0]!;
    assert.equal(leaf.parentId, roots[0]!.children[1]!.id);
    assert.equal(leaf.description, 'main.go:9 · 48 B · c5 scan');
  });

  test('filters: escaping only, min bytes, constructs', () => {
    assert.equal(filterSites(sites, { escapingOnly: true, minBytes: 0 }).length, 4);
    assert.equal(filterSites(sites, { escapingOnly: false, minBytes: 0 }).length, 5);
    assert.equal(filterSites(sites, { escapingOnly: true, minBytes: 48 }).length, 3);
    assert.equal(filterSites(sites, { escapingOnly: true, minBytes: 0, constructs: ['new'] }).length, 0);
  });
});

suite('present: heap view pages (a 200 k-site workspace is not one tree item per site)', () => {
  // 1000 sites of one span class (48 B scan), in 450 packages of one function each plus one big package.
  const many = Array.from({ length: 1000 }, (_, i) =>
    site(48, true, {
      line: i + 1,
      file: `/ws/demo/f${String(i).padStart(4, '0')}.go`,
      package: i < 450 ? `example.com/p${String(i).padStart(3, '0')}` : 'example.com/big',
      func: 'f',
    }),
  );

  /** clickThrough: list a node's children as the view does, clicking "Show more" until none is left. */
  function clickThrough(parentId: string | undefined, children: readonly HeapTreeNode[], pageSize = heapPageSize) {
    let shown = 0;
    let clicks = 0;
    for (;;) {
      const page = pagedChildren(parentId, children, shown, pageSize);
      const last = page[page.length - 1];
      const more = last?.kind === 'more' ? last : undefined;
      const listed = more ? page.slice(0, -1) : page;
      assert.ok(listed.length <= Math.max(pageSize, shown), 'a page lists no more than asked for');
      if (!more) return { listed, clicks };
      assert.equal(more.more!.nodeId, parentId);
      assert.equal(more.more!.total, children.length);
      shown = showMore(more.more!.shown, more.more!.total, pageSize);
      clicks++;
    }
  }

  test('a group of 1000 sites lists 200 and a "Show 200 more…" item; the group total stays exact', () => {
    const [root] = heapTree(many, 'spanClass');
    assert.ok(root);
    assert.equal(root.children.length, 1000);
    assert.equal(root.description, '1000 sites · 46.9 KiB per pass');
    const page = pagedChildren(root.id, root.children, 0);
    assert.equal(page.length, heapPageSize + 1);
    const more = page[heapPageSize]!;
    assert.equal(more.kind, 'more');
    assert.equal(more.label, 'Show 200 more…');
    assert.equal(more.description, '200 of 1000 shown');
    assert.equal(more.parentId, root.id);
    assert.deepEqual(more.more, { nodeId: root.id, shown: 200, total: 1000 });
    assert.deepEqual(page.slice(0, heapPageSize), root.children.slice(0, heapPageSize));
  });

  test('"Show more" pages through every child in order, none lost or repeated; the last page says how many remain', () => {
    const [root] = heapTree(many, 'spanClass');
    const { listed, clicks } = clickThrough(root!.id, root!.children);
    assert.equal(clicks, 4);
    assert.deepEqual(
      listed.map((n) => n.id),
      root!.children.map((n) => n.id),
    );
    assert.equal(new Set(listed.map((n) => n.id)).size, 1000);
    const odd = pagedChildren('x', root!.children.slice(0, 950), 800);
    assert.equal(odd[odd.length - 1]!.label, 'Show 150 more…');
    assert.equal(odd[odd.length - 1]!.description, '800 of 950 shown');
  });

  test('the roots are paged too (451 packages), and every package count is exact', () => {
    const roots = heapTree(many, 'package');
    assert.equal(roots.length, 451);
    const page = pagedChildren(undefined, roots, 0);
    assert.equal(page.length, heapPageSize + 1);
    assert.equal(page[heapPageSize]!.id, 'more:');
    assert.equal(page[heapPageSize]!.more!.nodeId, undefined);
    assert.deepEqual(
      clickThrough(undefined, roots).listed.map((r) => r.label),
      roots.map((r) => r.label),
    );
    const big = roots.find((r) => r.label === 'example.com/big')!;
    assert.equal(big.description, '550 sites · 25.8 KiB per pass');
    assert.equal(big.children[0]!.children.length, 550);
    assert.equal(
      roots.reduce((n, r) => n + r.children.reduce((m, f) => m + f.children.length, 0), 0),
      1000,
    );
  });

  test('a node with at most one page of children has no "more" item', () => {
    const [root] = heapTree(many.slice(0, heapPageSize), 'spanClass');
    assert.deepEqual(pagedChildren(root!.id, root!.children, 0), root!.children);
    assert.deepEqual(pagedChildren('x', [], 0), []);
  });

  test('property: any size and page size pages through everything, in order', () => {
    const [root] = heapTree(many, 'spanClass');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 300 }), (n, pageSize) => {
        const children = root!.children.slice(0, n);
        const { listed, clicks } = clickThrough('g', children, pageSize);
        assert.deepEqual(
          listed.map((c) => c.id),
          children.map((c) => c.id),
        );
        assert.equal(clicks, Math.max(0, Math.ceil(n / pageSize) - 1));
      }),
      { numRuns: 200 },
    );
  });
});
