import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import fc from 'fast-check';
import { classify } from '../../src/core/alloc/malloc.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import {
  countsText,
  escapeMarkdown,
  notSimulatedText,
  filterSites,
  heapPageSize,
  heapTree,
  hintText,
  hoverMarkdown,
  keyStep,
  lineHints,
  pagedChildren,
  plainFlow,
  showMore,
  siteCounts,
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

suite('present: one hint per line', () => {
  const zero = (line: number) =>
    site(0, false, { line, construct: 'interface-conv', notes: ['constant or read-only global: static data'] });
  const stack = (line: number) =>
    site(24, true, { line, escapes: false, prediction: { ...classify({ bytes: 24, pointers: true }, go126), kind: 'stack' } });
  const unknown = (line: number) =>
    site(0, false, { line, prediction: { ...classify({ bytes: 8, pointers: false }, go126), kind: 'unknown', requestBytes: 0 } });

  test('a busy line gets one summary; a lone site its own hint; nothing-allocating sites none by default', () => {
    const sites = [
      site(8, false, { line: 3, column: 5 }),
      site(40, true, { line: 3, column: 20 }),
      site(4, false, { line: 3, column: 30 }),
      zero(3),
      site(48, true, { line: 7 }),
      zero(9),
    ];
    assert.deepEqual(lineHints(sites, false), [
      { line: 3, kind: 'heap', text: '⇡ 3 allocs · 60 B' },
      { line: 7, kind: 'heap', text: '⇡ 48 B · c5 scan' },
    ]);
    // Every site asked for: the nothing-allocating ones show, and say so.
    assert.deepEqual(lineHints(sites, true), [
      { line: 3, kind: 'heap', text: '⇡ 3 allocs · 60 B · 1 no alloc' },
      { line: 7, kind: 'heap', text: '⇡ 48 B · c5 scan' },
      { line: 9, kind: 'stack', text: '· no heap alloc' },
    ]);
  });

  test('unknown sizes and stack sites in a summary; hints stay short whatever the line holds', () => {
    assert.equal(lineHints([site(48, true), unknown(10)], false)[0]!.text, '⇡ 2 allocs · ≥ 48 B');
    assert.equal(lineHints([unknown(10), unknown(10)], false)[0]!.text, '⇡ 2 allocs · size unknown');
    assert.equal(lineHints([stack(10), stack(10)], true)[0]!.text, '· 2 stack');
    assert.equal(lineHints([site(40000, false), stack(10)], true)[0]!.kind, 'large');
    const busy = Array.from({ length: 500 }, (_, i) => site(8 + (i % 400), i % 2 === 0, { column: i + 1 }));
    const [h] = lineHints([...busy, ...Array.from({ length: 50 }, () => unknown(10)), stack(10), zero(10)], true);
    assert.equal(h!.text, '⇡ 550 allocs · ≥ 91.4 KiB · 1 stack · 1 no alloc');
  });
});

suite('present: hover markdown', () => {
  test('the answer first: slot, span class, objects per span and waste on the second line; then what, then why', () => {
    const md = hoverMarkdown(site(520, true, { reason: returnFlow }), { revealCommand: 'goHeap.revealPosition' });
    const lines = md.split('\n');
    assert.match(lines[0]!, /^\*\*Go Heap Lens\*\* · \\&T\\\{\\\.\\\.\\\.\\\} — escapes to heap \(composite literal\) {2}$/);
    assert.equal(
      lines[1],
      '**576 B slot (size class 27)** · span class 54 (c27 scan) · 14 objects/span (1 page) · waste 56 B/object + 128 B/span  ',
    );
    assert.equal(lines[2], '**Requested:** 520 B \\+ 8 B malloc header (type main\\.T, size 520 B, 8 pointer bytes)  ');
    // The key step once: its plain reason, the expression, the position (no repeat of the compiler's line).
    assert.match(
      lines[3]!,
      /^\*\*Why:\*\* returned to the caller\\, so it outlives the function: return \\&T\\\{\\\.\\\.\\\.\\\} \(\[main\\\.go\\:10\\:2\]/,
    );
    assert.equal((lines[3]!.match(/return/g) ?? []).length, 2, lines[3]);
    // Details below: the table, the flow as the compiler printed it with a plain reading of `flow:` lines.
    assert.match(md, /\| Size class \| 27 · 576 B slot \|/);
    assert.match(md, /\| Span class \| 54 \(c27 scan\) \|/);
    assert.match(md, /\| Span \| 1 page \(8 KiB\) · 14 objects \|/);
    assert.match(md, /\| Waste \| 56 B\/object · 128 B\/span/);
    assert.match(md, /1\. flow\\: \\~r0 ← .* — \*the function\\'s result holds the address of the object \\&T/);
    assert.match(md, /go1\\\.26 amd64/);
    assert.ok(md.indexOf('| Size class') > md.indexOf('**Why:**'), 'details after the answer and the why');
    // Every step links to its position through our command only.
    const links = [...md.matchAll(/\]\((command:[^?)]+)\?/g)].map((m) => m[1]);
    assert.ok(links.length >= 1);
    assert.ok(links.every((l) => l === 'command:goHeap.revealPosition'));
    const arg = md.match(/command:goHeap\.revealPosition\?([^)]+)\)/)![1]!;
    assert.deepEqual(JSON.parse(decodeURIComponent(arg)), [{ file: './main.go', line: 10, base: '/ws/demo/main.go', column: 2 }]);
  });

  test('plain readings of the compiler notation', () => {
    assert.equal(
      plainFlow('flow: ~r0 ← &{storage for &T{...}}:'),
      "the function's result holds the address of the object &T{...} allocates",
    );
    assert.equal(plainFlow('flow: {heap} ← *fmt.a:'), 'the heap holds what fmt.a points to');
    assert.equal(plainFlow('flow: {storage for func literal} ← &c:'), 'the object func literal allocates holds the address of c');
    assert.equal(plainFlow('from x (spill) at ./a.go:1:2'), undefined);
  });

  test('the key step is the sink, not a carrier like spill or slice-literal-element', () => {
    const call: FlowStepAt[] = [
      { text: 'flow: {storage for ... argument} ← &{storage for x}:' },
      { text: 'from x (spill) at ./main.go:5:3', why: 'spill', file: './main.go', line: 5, column: 3 },
      { text: 'from fmt.Println(x) (call parameter) at ./main.go:5:13', why: 'call parameter', file: './main.go', line: 5, column: 13 },
      { text: 'from ... argument (slice-literal-element) at ./main.go:5:13', why: 'slice-literal-element' },
    ];
    assert.equal(keyStep(call)?.why, 'call parameter');
    assert.match(
      hoverMarkdown(site(8, false, { reason: call })),
      /\*\*Why:\*\* passed to a parameter the callee lets escape: fmt\\\.Println\\\(x\\\)/,
    );
  });

  test('tiny and large objects', () => {
    const tiny = hoverMarkdown(site(8, false));
    assert.match(tiny, /16 B tiny block shared by up to 2 such objects/);
    assert.match(tiny, /Span class \| 5 \(c2 noscan, the tiny allocator\)/);
    const large = hoverMarkdown(site(40000, false));
    assert.match(large, /Size class \| 0 \(large object/);
    assert.match(large, /5 pages \(40 KiB\) · 1 object/);
    assert.match(
      large.split('\n')[1]!,
      /^\*\*large object: its own 5 pages span \(40 KiB\)\*\* · span class 1 \(large noscan\) · 1 object\/span/,
    );
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

  test('dynamic sizes: the class by n leads, compact; the full list is in the details; no "Requested: 0 B"', () => {
    const p = (n: number) => classify({ bytes: 8 * n, pointers: false }, go126);
    const md = hoverMarkdown(
      site(0, false, {
        construct: 'append',
        expr: 'append(b, x)',
        type: { name: '[]int64', size: 24, align: 8, ptrBytes: 8 },
        elements: { type: { name: 'int64', size: 8, align: 8, ptrBytes: 0 }, len: null, cap: null },
        prediction: { ...p(1), kind: 'unknown', requestBytes: 0 },
        dynamic: [
          { minN: 1, maxN: 1, prediction: p(1) },
          { minN: 2, maxN: 2, prediction: p(2) },
          { minN: 3, maxN: 4, prediction: p(4) },
          { minN: 4097, maxN: null, prediction: p(4097) },
        ],
      }),
    );
    const lines = md.split('\n');
    assert.equal(lines[1], '**By n:** n=1: 8 B tiny · n=2: 16 B c2 noscan · n 3–4: 32 B c4 noscan · n ≥ 4097: large 40 KiB  ');
    assert.equal(lines[2], '**Requested:** n × int64 (8 B), n known only at run time');
    assert.doesNotMatch(md, /Requested:\*\* 0 B/);
    assert.match(md, /- n = 1: 8 B in a 16 B tiny block/);
    assert.match(md, /- 3 ≤ n ≤ 4: 32 B → 32 B slot, span class 9/);
    assert.match(md, /- n ≥ 4097: 32776 B → large, 5 pages/);
    const many = hoverMarkdown(
      site(0, false, {
        prediction: { ...p(1), kind: 'unknown' },
        dynamic: Array.from({ length: 60 }, (_, i) => ({ minN: i + 1, maxN: i + 1, prediction: p(i + 1) })),
      }),
    );
    assert.match(many.split('\n')[1]!, / · … 52 more {2}$/, 'the lead lists 8 ranges and says how many more');
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

  test('by span class: heaviest group first, short labels with the counts after them, leaves name their package', () => {
    const roots = heapTree(sites, 'spanClass');
    assert.deepEqual(
      roots.map((r) => `${r.label} | ${r.description}`),
      ['large · noscan | 1 site · 40 KiB', '48 B · c5 scan | 2 sites · 96 B', 'tiny · c2 noscan | 1 site · 8 B', 'stack | 1 site'],
    );
    const c5 = roots[1]!;
    assert.match(c5.tooltip, /^span class 10 \(c5 scan\): 48 B slots, 165 per 1-page span\n2 sites: 96 B of heap if each runs once$/);
    for (const leaf of c5.children) {
      assert.equal(leaf.parentId, c5.id);
      assert.equal(leaf.kind, 'site');
    }
    assert.equal(c5.children[0]!.site!.id, siteId(sites[2]!));
    // Two packages named …/demo and …/demo/b: the shortest suffix that tells them apart.
    assert.deepEqual(
      c5.children.map((l) => l.description),
      ['b · b.go:20 · 48 B', 'demo · main.go:9 · 48 B'],
    );
  });

  test('sites that allocate nothing or have no known size are grouped, counted and labelled, never dropped', () => {
    const unknown = site(0, false, {
      line: 50,
      construct: 'append',
      prediction: { ...classify({ bytes: 8, pointers: false }, go126), kind: 'unknown', requestBytes: 0 },
    });
    const zero = site(0, false, { line: 60, construct: 'interface-conv', notes: ['constant or read-only global: static data'] });
    const all = [...sites, unknown, zero];
    const roots = heapTree(filterSites(all, { escapingOnly: true, minBytes: 0 }), 'spanClass');
    assert.deepEqual(
      roots.slice(-2).map((r) => `${r.label} | ${r.description}`),
      ['size unknown | 1 site', 'no allocation | 1 site'],
    );
    const [pkg] = heapTree(filterSites(all, { escapingOnly: true, minBytes: 0 }), 'package');
    assert.equal(pkg!.description, '5 sites · ≥ 40.1 KiB', 'a known lower bound when some sizes are unknown');
    const c = siteCounts(all);
    assert.deepEqual(c, { analysed: 7, heap: 6, sized: 4, unknownSize: 1, noAlloc: 1, stack: 1 });
    assert.equal(
      countsText(c),
      '6 heap sites: 4 of known size, 1 of unknown size, 1 allocating nothing (zerobase, static data); 1 on the stack',
    );
    assert.equal(notSimulatedText(c), '; not simulated: 1 of unknown size, 1 allocating nothing');
    assert.equal(notSimulatedText(siteCounts(sites)), '');
  });

  test('by package → function, heaviest first; a missing function is explained', () => {
    const roots = heapTree(
      filterSites([...sites, site(16, true, { line: 70, func: undefined })], { escapingOnly: true, minBytes: 0 }),
      'package',
    );
    assert.deepEqual(
      roots.map((r) => r.label),
      ['demo', 'b'],
    );
    assert.equal(roots[0]!.tooltip.split('\n')[0], 'package example.com/demo');
    assert.deepEqual(
      roots[0]!.children.map((f) => f.label),
      ['newBig', 'newNode', 'newPoint', '(function unknown)'],
    );
    assert.match(roots[0]!.children[3]!.tooltip, /type-facts helper has no fact at these positions/);
    const leaf = roots[0]!.children[1]!.children[0]!;
    assert.equal(leaf.parentId, roots[0]!.children[1]!.id);
    assert.equal(leaf.description, 'main.go:9 · 48 B c5 scan');
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
    assert.equal(root.description, '1000 sites · 46.9 KiB');
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
    const big = roots.find((r) => r.label === 'big')!;
    assert.equal(big.description, '550 sites · 25.8 KiB');
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
