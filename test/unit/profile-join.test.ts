import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { constructRequests } from '../../src/core/alloc/constructs.ts';
import { classify, unknownPrediction } from '../../src/core/alloc/malloc.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import { decodeHeapProfile, ProfileInputError } from '../../src/core/profile/decode.ts';
import {
  joinProfile,
  lineReason,
  localName,
  packageOf,
  ProfileMismatchError,
  type JoinProfileOptions,
} from '../../src/core/profile/join.ts';
import { measuredText, percent, summaryText } from '../../src/core/profile/present.ts';
import type { AllocationSite, Construct } from '../../src/core/sites/site.ts';
import { encodeProfile, type FrameSpec, type SampleSpec } from '../helpers/pprofBuild.ts';

const go126 = rulesFor('1.26');
const dir = '/ws/m';
const file = `${dir}/m.go`;
const modules = [{ path: 'example.com/m', dir }];

function site(
  line: number,
  expr: string,
  bytes: number | null,
  o: Partial<AllocationSite> & { construct?: Construct; pointers?: boolean } = {},
): AllocationSite {
  return {
    file,
    line,
    column: 9,
    construct: o.construct ?? 'composite-lit',
    expr,
    escapes: true,
    reason: [],
    type: null,
    prediction: bytes === null ? unknownPrediction(go126) : classify({ bytes, pointers: o.pointers ?? true }, go126),
    package: 'example.com/m',
    ...o,
  };
}

/** A source of `n` lines where `at` gives some lines text; every function the tests profile starts at a `func` line. */
function source(at: Record<number, string>, n = 60): readonly string[] {
  const lines: string[] = [];
  for (let i = 1; i <= n; i++) lines.push(at[i] ?? '');
  return lines;
}

const fr = (fn: string, line: number, start = 1, f = file): FrameSpec => [fn, f, line, start];
const main: FrameSpec = ['main.main', '_testmain.go', 40, 30];

/** A heap sample: `objects` objects of `slot` bytes, none in use. */
function alloc(stack: SampleSpec['stack'], objects: number, slot: number): SampleSpec {
  return { stack, values: [objects, objects * slot, 0, 0], slot };
}

function join(
  samples: readonly SampleSpec[],
  sites: readonly AllocationSite[],
  src: Record<number, string>,
  opts: Partial<JoinProfileOptions> = {},
) {
  const lines = source({ 1: 'func F() {', ...src });
  return joinProfile(decodeHeapProfile(encodeProfile({ samples })), sites, {
    file: 'mem.out',
    modules,
    sourceLines: (f) => (f === file ? lines : undefined),
    ...opts,
  });
}

suite('decodeHeapProfile', () => {
  test('sums samples by leaf location and recorded slot, and totals the four values', () => {
    const leaf = [fr('example.com/m.F', 5)];
    const p = decodeHeapProfile(
      encodeProfile({
        samples: [
          { stack: [leaf, [main]], values: [3, 96, 1, 32], slot: 32 },
          { stack: [leaf, [['example.com/m.G', file, 20, 18]], [main]], values: [2, 64, 0, 0], slot: 32 },
          { stack: [leaf, [main]], values: [1, 48, 1, 48], slot: 48 },
          { stack: [[main]], values: [0, 0, 0, 0], slot: 16 },
        ],
      }),
    );
    assert.deepEqual(p.sampleTypes, ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']);
    assert.equal(p.periodBytes, 1);
    assert.equal(p.records.length, 2, 'the zero sample is dropped; two slots at one leaf are two records');
    const r32 = p.records.find((r) => r.slotBytes === 32)!;
    assert.deepEqual([r32.allocObjects, r32.allocBytes, r32.inuseObjects, r32.inuseBytes], [5, 160, 1, 32]);
    assert.deepEqual(r32.leaf.frames[0], { function: 'example.com/m.F', file, line: 5, startLine: 1 });
    assert.deepEqual([p.totalObjects, p.totalBytes, p.totalInuseObjects, p.totalInuseBytes], [6, 208, 2, 80]);
    assert.deepEqual(p.mappings, [{ file: '/tmp/app.test', buildId: 'abc123' }]);
  });

  test('a CPU profile, a goroutine profile, a block profile are named, not decoded as heap', () => {
    const stack = [[fr('example.com/m.F', 5)]];
    const kinds: [readonly (readonly [string, string])[], RegExp][] = [
      [
        [
          ['samples', 'count'],
          ['cpu', 'nanoseconds'],
        ],
        /a CPU profile \(sample types samples\/count, cpu\/nanoseconds\), not a heap profile/,
      ],
      [[['goroutine', 'count']], /a goroutine profile/],
      [
        [
          ['contentions', 'count'],
          ['delay', 'nanoseconds'],
        ],
        /a block or mutex profile/,
      ],
    ];
    for (const [sampleTypes, re] of kinds) {
      const bytes = encodeProfile({ sampleTypes, samples: [{ stack, values: sampleTypes.map(() => 1) }] });
      assert.throws(
        () => decodeHeapProfile(bytes),
        (e: unknown) => ProfileInputError.is(e) && re.test(e.message),
      );
    }
  });

  test('bytes that are not profile.proto, an empty file, gzip left in, a profile of zeros: each says what it is', () => {
    // A deterministic non-profile: text, which is not a valid sequence of protobuf fields.
    const junk = new TextEncoder().encode('<html><body>this is not a profile at all</body></html>\n'.repeat(20));
    const cases: [Uint8Array, RegExp][] = [
      [junk, /not a pprof profile/],
      [new Uint8Array(0), /empty/],
      [Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0), /gzip/],
      [encodeProfile({ samples: [{ stack: [[main]], values: [0, 0, 0, 0] }] }), /no allocations/],
      [encodeProfile({ samples: [] }), /no samples/],
    ];
    for (const [bytes, re] of cases) {
      assert.throws(
        () => decodeHeapProfile(bytes),
        (e: unknown) => ProfileInputError.is(e) && re.test(e.message) && /profile/.test(e.message) && !/unknown/i.test(e.message),
        String(re),
      );
    }
  });
});

suite('joinProfile', () => {
  test('a static site whose every sample records the predicted slot is confirmed, with exact sums and share', () => {
    const s = site(5, '&T{}', 40); // 40 B pointerful → 48 B class
    const j = join([alloc([[fr('example.com/m.F', 5)], [main]], 100, 48), alloc([[main]], 10, 16)], [s], { 5: '\treturn &T{}' });
    const m = j.bySite.get(s)!;
    assert.deepEqual(
      { ...m, slots: [...m.slots] },
      {
        objects: 100,
        bytes: 4800,
        inuseObjects: 0,
        inuseBytes: 0,
        slots: [{ bytes: 48, objects: 100 }],
        share: 4800 / 4960,
        verdict: 'confirmed',
      },
    );
    assert.equal(j.summary.totalBytes, 4960);
    assert.equal(j.summary.attributedBytesShare, 4800 / 4960);
    assert.equal(j.summary.analysedBytes, 4800);
    assert.equal(j.sites[0]!.site, s);
  });

  test('a recorded slot that is not the predicted one is differs; a site with no static size is resolved', () => {
    const fixed = site(5, '&T{}', 40);
    const grow = site(9, 'append', null, { construct: 'append' });
    const j = join(
      [alloc([[fr('example.com/m.F', 5)]], 3, 64), alloc([[fr('example.com/m.F', 9)]], 4, 16), alloc([[fr('example.com/m.F', 9)]], 2, 32)],
      [fixed, grow],
      {},
    );
    assert.equal(j.bySite.get(fixed)!.verdict, 'differs');
    const g = j.bySite.get(grow)!;
    assert.equal(g.verdict, 'resolved');
    assert.deepEqual(g.slots, [
      { bytes: 16, objects: 4 },
      { bytes: 32, objects: 2 },
    ]);
    assert.match(measuredText(j.bySite.get(fixed)!, fixed), /recorded slots 64 B ×3 \(100 %\) ≠ predicted 48 B/);
    assert.match(measuredText(g, grow), /slots 16 B ×4 \(66\.7 %\), 32 B ×2 \(33\.3 %\) \(measured; no static size\)/);
  });

  test('two sites on one line are told apart by the recorded slot, and by the function', () => {
    const box = site(7, 'x', 24, { construct: 'interface-conv', column: 7 }); // 24 B → 24
    const lit = site(7, '&T{}', 100, { column: 20 }); // 100 B → 112
    const inG = site(7, '&U{}', 100, { column: 30, func: 'G' });
    const j = join(
      [
        alloc([[fr('example.com/m.F', 7)]], 5, 24),
        alloc([[fr('example.com/m.F', 7)]], 6, 112),
        alloc([[fr('example.com/m.G', 7, 6)]], 2, 112),
      ],
      [box, lit, inG],
      { 6: 'func G() { F() }' },
    );
    assert.equal(j.bySite.get(box)!.objects, 5);
    assert.equal(j.bySite.get(lit)!.objects, 6);
    assert.equal(j.bySite.get(inG)!.objects, 2);
    assert.ok([box, lit, inG].every((s) => j.bySite.get(s)!.verdict === 'confirmed'));
    assert.deepEqual(j.summary.warnings, []);
  });

  test('inlined frames: the innermost is the allocating line; a caller line takes a sample only into an inlined copy predicting its slot', () => {
    const inner = site(20, '&Node{}', 40, { func: 'Grow' });
    // The compiler reports an inlined body's escapes at the call site too, without a function.
    const caller = site(30, '&T{}', 200); // 208 B class
    const own = site(30, 'new(V)', 570, { func: 'F', column: 40 }); // 576 B class, F's own
    const j = join(
      [
        // Grow inlined into F: Line[] = [Grow at 20, F at 30].
        alloc([[fr('example.com/m.Grow', 20, 18), fr('example.com/m.F', 30)]], 4, 48),
        // A map insert inlined from H (line 40, no site) into F's line 30: 208 B is also what F's site predicts…
        alloc([[fr('example.com/m.H', 40, 38), fr('example.com/m.F', 30)]], 1, 208),
        // …but a slot F's site does not predict stays with the inner line.
        alloc([[fr('example.com/m.H', 40, 38), fr('example.com/m.F', 30)]], 3, 576),
      ],
      [inner, caller, own],
      { 18: 'func Grow() {', 38: 'func H(m map[int]int) {', 40: '\tm[k] = v' },
    );
    assert.equal(j.bySite.get(inner)!.objects, 4);
    assert.equal(j.bySite.get(caller)!.objects, 1);
    assert.equal(j.bySite.get(own), undefined, "the caller's own site does not take the callee's map growth");
    const un = j.summary.unattributed.find((u) => u.line === 40)!;
    assert.equal(un.objects, 3);
    assert.match(un.reason, /^map growth on insert \(`m\[k\] = v`\)/);
  });

  test('unattributed samples name their cause: runtime, other packages, inlined library code, the construct on the line, an older profile', () => {
    const j = join(
      [
        alloc(
          [[['runtime.mallocgc', '/go/src/runtime/malloc.go', 1150, 1000]], [['runtime.malg', '/go/src/runtime/proc.go', 5000, 4990]]],
          1,
          480,
        ),
        alloc([[['fmt.Sprintf', '/go/src/fmt/print.go', 240, 237]], [fr('example.com/m.F', 12)]], 2, 16),
        alloc([[['strings.(*Builder).grow', '/go/src/strings/builder.go', 80, 75], fr('example.com/m.F', 13)]], 1, 64),
        alloc([[fr('example.com/m.F', 14)]], 1, 16),
        alloc([[fr('example.com/m.F', 15)]], 1, 16),
        alloc([[fr('example.com/m.F', 16)]], 1, 96),
        alloc([[fr('example.com/m.F', 17)]], 1, 32),
        alloc([[fr('example.com/m.F', 18)]], 1, 32),
        alloc([[fr('example.com/m.F', 99)]], 1, 32),
      ],
      [site(5, '&T{}', 40)],
      {
        12: '\ts := fmt.Sprintf("%d", n)',
        13: '\tb.WriteString(s)',
        14: '\tgo work(ch)',
        15: '\ts += "x"',
        16: '\tch := make(chan int, 10)',
        17: '',
        18: '\t}',
      },
    );
    const reasons = new Map(j.summary.unattributed.map((u) => [`${u.function}:${u.line}`, u.reason]));
    assert.equal(reasons.get('runtime.mallocgc:1150'), 'runtime-internal: a goroutine (its g and stack) for a go statement');
    assert.equal(reasons.get('fmt.Sprintf:240'), `code outside the analysed packages: fmt (called from example.com/m.F at ${file}:12)`);
    assert.equal(
      reasons.get('strings.(*Builder).grow:80'),
      `code outside the analysed packages: strings, inlined into example.com/m.F at ${file}:13`,
    );
    assert.match(reasons.get('example.com/m.F:14')!, /^go statement/);
    assert.match(reasons.get('example.com/m.F:15')!, /^string concatenation/);
    assert.match(reasons.get('example.com/m.F:16')!, /^channel \(make chan\)/);
    assert.match(reasons.get('example.com/m.F:17')!, /does not allocate in the current source .*: the profile is older than the file/);
    assert.match(reasons.get('example.com/m.F:18')!, /the profile is older than the file/);
    assert.match(
      reasons.get('example.com/m.F:99')!,
      /does not exist in the current source \(60 lines\): the profile is older than the file/,
    );
    assert.equal(j.summary.attributedBytesShare, 0);
    assert.equal(
      j.summary.analysedBytes,
      16 + 16 + 96 + 32 + 32 + 32,
      'lines of the analysed code count, library and runtime code does not',
    );
  });

  test('a profile of another program is an error naming it, not an empty join', () => {
    const samples = [alloc([[['other.com/x.F', '/src/x/x.go', 5, 3]], [main]], 1, 16)];
    assert.throws(
      () => join(samples, [site(5, '&T{}', 40)], {}),
      (e: unknown) => ProfileMismatchError.is(e) && /another program \(binary \/tmp\/app\.test, build id abc123\)/.test(e.message),
    );
    const warned = join(samples, [site(5, '&T{}', 40)], {}, { mismatch: 'warn' });
    assert.match(warned.summary.warnings[0]!, /another program/);
  });

  test('a profile of another build (functions no longer where it puts them) is an error; one moved function is a warning', () => {
    const lines = { 1: 'func F() {', 20: 'func G() {', 30: 'func H() {', 40: 'func K() {' };
    const moved = [
      alloc([[fr('example.com/m.F', 5, 3)]], 1, 48),
      alloc([[fr('example.com/m.G', 25, 21)]], 1, 48),
      alloc([[fr('example.com/m.H', 35, 31)]], 1, 48),
    ];
    assert.throws(
      () => join(moved, [site(5, '&T{}', 40)], lines),
      (e: unknown) => ProfileMismatchError.is(e) && /another build of this code.*3 of its 3 functions/.test(e.message),
    );
    const one = join(
      [
        alloc([[fr('example.com/m.G', 25, 20)]], 1, 48),
        alloc([[fr('example.com/m.K', 45, 40)]], 1, 48),
        alloc([[fr('example.com/m.F', 5, 3)]], 1, 48),
      ],
      [site(5, '&T{}', 40)],
      lines,
    );
    assert.match(one.summary.warnings[0]!, /older than the source: 1 of 3/);
    assert.match(
      one.summary.unattributed.find((u) => u.line === 5)!.reason,
      /^the profile is older than the file: example\.com\/m\.F no longer starts at line 3/,
    );
  });

  test('-trimpath file names (module path/file.go) map to the analysed files', () => {
    const s = site(5, '&T{}', 40);
    const j = join([alloc([[fr('example.com/m.F', 5, 1, 'example.com/m/m.go')]], 2, 48)], [s], {});
    assert.equal(j.bySite.get(s)!.objects, 2);
  });

  test('function names carrying HTML or markdown stay literal in the summary and the reasons', () => {
    const evil = '<img src=x onerror=alert(1)>.**F**[x](javascript:1)';
    const j = join(
      [alloc([[[evil, '/src/evil/<b>.go', 3, 1]]], 1, 16), alloc([[fr('example.com/m.F', 5)]], 1, 48)],
      [site(5, '&T{}', 40)],
      {},
      {
        file: '<script>mem.out',
      },
    );
    const u = j.summary.unattributed[0]!;
    assert.equal(u.function, evil);
    assert.equal(u.file, '/src/evil/<b>.go');
    assert.match(u.reason, /^code outside the analysed packages: <img src=x onerror=alert\(1\)>$/);
    assert.match(summaryText(j.summary, j.sites.length), /^profile <script>mem\.out: /);
  });
});

suite('the runtime on user lines', () => {
  test("a one-off unpredicted slot at a fixed-size site is the runtime's object, not the site's; a steady one is differs", () => {
    const s = site(5, 'make(map[string]int, 8)', 48, { construct: 'make-map' });
    const j = join([alloc([[fr('example.com/m.F', 5)]], 41, 48), alloc([[fr('example.com/m.F', 5)]], 1, 96)], [s], {});
    assert.equal(j.bySite.get(s)!.verdict, 'confirmed');
    assert.equal(j.bySite.get(s)!.objects, 41);
    assert.match(j.summary.unattributed[0]!.reason, /^runtime-internal: a one-off 96 B object the runtime allocated while this line ran/);
    const steady = join([alloc([[fr('example.com/m.F', 5)]], 41, 48), alloc([[fr('example.com/m.F', 5)]], 41, 96)], [s], {});
    assert.equal(steady.bySite.get(s)!.verdict, 'differs');
  });
});

suite('what profiles taught the model', () => {
  test('a map literal with entries allocates its first group (go1.21-1.23: bucket) on its own line; an empty one does not', () => {
    const key = { bytes: 16, align: 8, pointers: true };
    const elem = { bytes: 8, align: 8, pointers: false };
    const req = (rules: ReturnType<typeof rulesFor>, inserts?: number) =>
      constructRequests(
        { kind: 'makemap', key, elem, hint: inserts ?? 0, ...(inserts === undefined ? {} : { inserts }) },
        rules,
      ).objects.map((o) => [o.what.split(' ')[0], o.bytes]);
    // The demo of constructs/alloc (alloc.go:46, map[string]int{"two": 2}) recorded 48 B and 208 B on go1.26.
    assert.deepEqual(req(go126, 1), [
      ['maps.Map', 48],
      ['group', 200],
    ]);
    assert.deepEqual(req(go126, 0), [['maps.Map', 48]]);
    assert.deepEqual(req(go126), [['maps.Map', 48]]);
    assert.deepEqual(req(rulesFor('1.22'), 1), [
      ['hmap', 48],
      ['bucket', 208],
    ]);
  });
});

suite('profile names and words', () => {
  test('packageOf and localName split pprof symbols, type arguments and all', () => {
    assert.equal(packageOf('example.com/m/sub.(*T).M'), 'example.com/m/sub');
    assert.equal(localName('example.com/m/sub.(*T).M'), '(*T).M');
    assert.equal(localName('example.com/m.G[go.shape.struct { example.com/x.A int }].func1'), 'G.func1');
    assert.equal(packageOf('main.main'), 'main');
    assert.equal(packageOf('runtime.mallocgc'), 'runtime');
  });

  test('lineReason reads the construct on the line', () => {
    assert.match(lineReason('\tcounts[word]++'), /^map growth on insert/);
    assert.match(lineReason('\ts.byID[id] = v // cache'), /^map growth on insert/);
    assert.match(lineReason('\tout = append(out, x)'), /^append growth/);
    assert.match(lineReason('\tdefer mu.Unlock()'), /^defer/);
    assert.match(lineReason('\tv := x.(fmt.Stringer)'), /^type assertion/);
    assert.match(lineReason('\tfor k := range m {'), /^range loop/);
    assert.match(lineReason('// a comment'), /older than the file/);
    assert.doesNotMatch(lineReason('\tif a == b {'), /map growth/);
  });

  test('percent keeps small shares visible', () => {
    assert.equal(percent(0.973), '97.3 %');
    assert.equal(percent(0.23), '23 %');
    assert.equal(percent(0.0004), '< 0.1 %');
    assert.equal(percent(0), '0 %');
  });
});
