// The comparison of the real-code accuracy suite (test/fidelity/real/compare.ts): which category a
// profiled line falls in, the bar, and the triage of disagreements. The suite itself (fetch,
// go test, analyze) is test/fidelity/real/run.ts, run by `npm run fidelity:real`.
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { classify, stackPrediction, unknownPrediction } from '../../src/core/alloc/malloc.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import type { AllocationSite, Construct } from '../../src/core/sites/site.ts';
import { categorise, compare, linesFromJoin, meetsBar, type ProfiledLine } from '../fidelity/real/compare.ts';

const rules = rulesFor('go1.21');
const root = '/m';

function site(line: number, construct: Construct, expr: string, p: AllocationSite['prediction'], escapes = true): AllocationSite {
  return { file: `${root}/a.go`, line, column: 2, construct, expr, escapes, reason: [], type: null, prediction: p };
}

const heap = (bytes: number, pointers = true) => classify({ bytes, pointers }, rules);

function profiled(line: number, slots: [number, number][]): ProfiledLine {
  const m = new Map(slots);
  return {
    file: 'a.go',
    line,
    func: 'm.f',
    slots: m,
    objects: slots.reduce((n, [, o]) => n + o, 0),
    bytes: slots.reduce((n, [b, o]) => n + b * o, 0),
  };
}

suite('real-code accuracy: comparing profiled lines with sites', () => {
  test('one concrete slot against one recorded slot: agree or differ; several: set equality', () => {
    const s48 = site(1, 'new', 'new(T)', heap(40));
    assert.equal(s48.prediction.slotBytes, 48);
    assert.deepEqual(categorise([s48], new Set([48])), { category: 'agree', predicted: [48] });
    assert.deepEqual(categorise([s48], new Set([64])), { category: 'differ', predicted: [48] });
    assert.equal(categorise([s48], new Set([48, 64])).category, 'multi-differ');
    const s16 = site(1, 'new', 'new(U)', heap(16));
    assert.equal(categorise([s48, s16], new Set([16, 48])).category, 'multi-agree');
    // A predicted object the run never made is no miss (conditional, or a small integer's static box); an unpredicted slot is.
    assert.equal(categorise([s48, s16], new Set([48])).category, 'multi-agree');
    assert.equal(categorise([s48, s16], new Set([16, 32])).category, 'multi-differ');
  });

  test('a line whose sites are all on the stack, or whose only site is unknown, or that has no site', () => {
    assert.equal(categorise([site(1, 'new', 'new(T)', stackPrediction(40, true, rules), false)], new Set([48])).category, 'said-none');
    assert.equal(categorise([site(1, 'append', 'append(s, x)', unknownPrediction(rules))], new Set([48])).category, 'unknown');
    assert.equal(categorise([], new Set([48])).category, 'no-site');
  });

  test('compare joins by module-relative file and line, keeps the source, and triages disagreements', () => {
    const sites = [
      site(3, 'closure', 'func literal', heap(56)),
      site(5, 'new', 'new(T)', heap(40)),
      { ...site(9, 'new', 'new(T)', heap(40)), file: '/elsewhere/a.go' },
    ];
    const src = ['', '', '\tt.Run(name, func(t *testing.T) {', '', '\tx := new(T)', '', '', '', '\tm[k] = v'];
    const { lines, figures } = compare(
      [profiled(5, [[48, 3]]), profiled(3, [[16, 2]]), profiled(9, [[160, 1]])],
      sites,
      (abs) => (abs.startsWith(root + '/') ? abs.slice(root.length + 1) : undefined),
      (_f, n) => src[n - 1] ?? '',
      21,
    );
    assert.deepEqual(
      lines.map((l) => [l.line, l.category, l.triage]),
      [
        [3, 'differ', '1 closure captures by reference'],
        [5, 'agree', undefined],
        [9, 'no-site', '4 map literal or map growth'],
      ],
    );
    assert.equal(figures.comparable, 2);
    assert.equal(figures.comparableAgree, 1);
    assert.equal(figures.noSite, 1);
    assert.equal(figures.bytesByCategory['no-site'], 160);
    const bar = meetsBar(figures);
    assert.equal(bar.ok, false);
    assert.equal(bar.why.length, 2);
  });

  test('linesFromJoin: measured sites give their line its recorded slots; unattributed module lines come without slots', () => {
    const a = site(5, 'new', 'new(T)', heap(40));
    const b = site(5, 'new', 'new(U)', heap(16));
    const measured = (slots: [number, number][]) => ({
      objects: slots.reduce((n, [, o]) => n + o, 0),
      bytes: slots.reduce((n, [s, o]) => n + s * o, 0),
      inuseObjects: 0,
      inuseBytes: 0,
      slots: slots.map(([bytes, objects]) => ({ bytes, objects })),
      share: 0,
      verdict: 'confirmed' as const,
    });
    const rel = (abs: string) => (abs.startsWith(root + '/') ? abs.slice(root.length + 1) : undefined);
    const lines = linesFromJoin(
      [
        {
          sites: [
            { site: a, measured: measured([[48, 2]]) },
            { site: b, measured: measured([[16, 1]]) },
          ],
          unattributed: [
            { function: 'm.f', file: `${root}/a.go`, line: 9, objects: 3, bytes: 480, reason: 'map growth on insert' },
            { function: 'runtime.malg', file: '/go/src/runtime/proc.go', line: 1, objects: 1, bytes: 416, reason: 'runtime-internal' },
          ],
        },
        { sites: [{ site: a, measured: measured([[48, 1]]) }], unattributed: [] },
      ],
      rel,
    );
    assert.deepEqual(
      lines.map((l) => [l.file, l.line, [...l.slots].sort(), l.objects, l.bytes, l.reason]),
      [
        [
          'a.go',
          5,
          [
            [16, 1],
            [48, 3],
          ],
          4,
          160,
          undefined,
        ],
        ['a.go', 9, [], 3, 480, 'map growth on insert'],
      ],
    );
  });

  test('triage reads code, not literals: a "+" inside a string is no concatenation', () => {
    const zero = { ...stackPrediction(0, false, rules), kind: 'zero' as const };
    const conv = (text: string) =>
      compare(
        [profiled(1, [[16, 1]])],
        [site(1, 'interface-conv', 'x', zero)],
        (abs) => abs.slice(root.length + 1),
        () => text,
        21,
      ).lines[0]?.triage;
    assert.equal(conv('\tlog("v" + strconv.Itoa(i))'), '2 concatenation said to be a constant');
    assert.equal(conv('\tlog("a+b", i)'), 'unclassified');
    const noSite = (text: string, goMinor: number, reason?: string) =>
      compare(
        [{ ...profiled(1, [[16, 1]]), ...(reason ? { reason } : {}) }],
        [],
        (abs) => abs.slice(root.length + 1),
        () => text,
        goMinor,
      ).lines[0]?.triage;
    assert.equal(noSite('\txs = append(xs, x)', 21), '10 append growth without a site (no compiler message before go1.25)');
    assert.equal(noSite('\tu.Path += "/"', 27), '9 string append assignment without a site');
    assert.equal(
      noSite('\tif v, ok := x.(I); ok {', 27, "type assertion (`…`): the runtime's itab cache"),
      "12 the runtime's own objects on a user line",
    );
  });
});
