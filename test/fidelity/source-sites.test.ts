// Sites with no -m line (issue 13, classes 4, 5, 9) against the real runtime: a scratch module with a
// channel of 72 B pointerful structs, a map literal, map inserts and string `+=` (a field and a
// local), analysed with each Go toolchain, then its benchmarks profiled at -memprofilerate=1. Every
// slot the heap profile records on those lines (its `bytes` label) must be one the site predicts, and
// every object the site predicts must be recorded. Toolchains: .cache/go/go-1.NN (GHL_FIDELITY_GO
// narrows them, as in runtime.test.ts); a missing one is a loud skip.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, suite, test } from 'node:test';
import { Profile } from 'pprof-format';
import { mapInsertGrowth } from '../../src/core/alloc/mapgrowth.ts';
import { hmapBucket } from '../../src/core/alloc/map.ts';
import { classify } from '../../src/core/alloc/malloc.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';
import { analyzeWorkspace } from '../../src/toolchain/analyze.ts';
import { tempDirs, write } from '../helpers/tempModule.ts';

const repo = resolve(__dirname, '../..');
const cacheDir = join(repo, '.cache', 'xdg', 'go-heap-lens');
const temps = tempDirs('ghl-source-sites-');
const only = (process.env.GHL_FIDELITY_GO ?? '1.21,1.27').split(',').filter(Boolean);

const src = `package src

import (
	"bufio"
	"io"
)

type S struct {
	p *int
	a [8]int64
}

type U struct{ Path string }

var (
	SinkC chan S
	SinkM map[string]int
	SinkI map[int64]int64
)

func Chan() { SinkC = make(chan S, 10) }

func Lit(i int) { SinkM = map[string]int{"a": i, "b": 2, "c": 3} }

func Insert12() {
	m := make(map[int64]int64)
	for j := int64(0); j < 12; j++ {
		m[j] = j
	}
	SinkI = m
}

func AppendPath(u *U) { u.Path += "/" }

func Local(s string) int {
	s += "-suffix"
	return len(s)
}

type Encoder struct{ w *bufio.Writer }

func NewEnc(w io.Writer) *Encoder { return &Encoder{w: bufio.NewWriter(w)} }

type Stack[T any] struct{ items []T }

func NewStack[T any]() *Stack[T] { return &Stack[T]{} }

var SinkE *Encoder
var SinkStack *Stack[string]

func Gen() { SinkStack = NewStack[string]() }
`;
const lineOf = (needle: string) => src.split('\n').findIndex((l) => l.includes(needle)) + 1;

const bench = `package src

import (
	"io"
	"strings"
	"testing"
)

var s20 = strings.Repeat("y", 20)

func BenchmarkAll(b *testing.B) {
	u := &U{}
	n := 0
	for i := 0; i < b.N; i++ {
		Chan()
		Lit(i)
		Insert12()
		u.Path = s20
		AppendPath(u)
		n += Local(s20)
		SinkE = NewEnc(io.Discard)
		Gen()
	}
	_ = n
}
`;

/** Slot sizes → objects recorded per line of src.go (the innermost frame in that file). */
function profileSlots(profilePath: string): Map<number, Map<number, number>> {
  const p = Profile.decode(gunzipSync(readFileSync(profilePath)));
  const str = p.stringTable.strings;
  const fnFile = new Map(p.function.map((f) => [Number(f.id), str[Number(f.filename)] ?? '']));
  const loc = new Map(p.location.map((l) => [Number(l.id), l]));
  const bytesKey = str.indexOf('bytes');
  const out = new Map<number, Map<number, number>>();
  for (const s of p.sample) {
    const objects = Number(s.value[0]);
    const slot = Number(s.label.find((l) => Number(l.key) === bytesKey)?.num ?? 0);
    if (!objects || !slot) continue;
    let line = 0;
    for (const id of s.locationId) {
      const hit = loc.get(Number(id))?.line.find((ln) => fnFile.get(Number(ln.functionId))?.endsWith('/src.go'));
      if (hit) {
        line = Number(hit.line);
        break;
      }
    }
    if (!line) continue;
    const m = out.get(line) ?? new Map<number, number>();
    m.set(slot, (m.get(slot) ?? 0) + objects);
    out.set(line, m);
  }
  return out;
}

suite('source-only sites vs the runtime heap profile', () => {
  after(() => temps.removeAll());
  for (const minor of only.map((v) => v.split('.')[1])) {
    const goBin = join(repo, `.cache/go/go-1.${minor}/bin/go`);
    test(`go1.${minor}: make(chan), map literal, map inserts and += record exactly the predicted slots`, async (t) => {
      if (!existsSync(goBin)) return t.skip(`${goBin} is not installed (scripts/install-go-toolchains.sh)`);
      const dir = temps.make();
      write(dir, { 'go.mod': 'module example.com/src\n\ngo 1.21\n', 'src.go': src, 'src_test.go': bench });
      const env = { GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false', GOWORK: 'off' };
      const r = await analyzeWorkspace({ dir, env, cacheDir, goBinary: goBin });
      const rules = rulesFor(r.goVersion, r.arch);
      const at = (line: number) => r.sites.filter((s) => s.line === line);
      const run = spawnSync(
        goBin,
        ['test', '-run', '^$', '-bench', '.', '-benchtime', '200x', '-memprofile', 'm.out', '-memprofilerate=1', '-o', 'bin.test', '.'],
        { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' },
      );
      assert.equal(run.status, 0, run.stderr + run.stdout);
      const recorded = profileSlots(join(dir, 'm.out'));
      const slotsOf = (line: number) => [...(recorded.get(line)?.keys() ?? [])].sort((a, b) => a - b);
      const predictedSlots = (sites: AllocationSite[]) =>
        [...new Set(sites.flatMap((s) => (s.objects ?? [s.prediction]).map((o) => ('prediction' in o ? o.prediction : o).slotBytes)))].sort(
          (a, b) => a - b,
        );

      // Class 5: hchan (96 B go1.21, 112 B go1.25+) and a separate 720 B buffer in a 768 B slot.
      const chanLine = lineOf('make(chan S, 10)');
      const chan = at(chanLine);
      assert.equal(chan.length, 1, JSON.stringify(r.sites.map((s) => [s.line, s.expr])));
      assert.deepEqual(predictedSlots(chan), slotsOf(chanLine));
      assert.ok(slotsOf(chanLine).includes(768));

      // Class 4: the literal's header and first group/bucket (208 B for string→int).
      const litLine = lineOf('map[string]int{');
      assert.deepEqual(predictedSlots(at(litLine)), slotsOf(litLine));

      // Class 4: 12 inserts into an empty map: the growth steps up to length 12 (an hmap bucket that
      // overflows by hash adds one more bucket and a mapextra, as the site's note says).
      const insLine = lineOf('m[j] = j');
      const ins = at(insLine);
      assert.equal(ins[0]?.construct, 'map-insert');
      const i64 = { bytes: 8, align: 8, pointers: false };
      const steps = mapInsertGrowth(i64, i64, 0, 12, true, rules).steps;
      const expected = steps.flatMap((s) => s.objects.map((o) => classify(o, rules).slotBytes));
      const rows = (ins[0]?.dynamic ?? []).filter((d) => d.minN <= 12).map((d) => d.prediction.slotBytes);
      for (const slot of rows) assert.ok(expected.includes(slot));
      const allowed = new Set(expected);
      if (!rules.swissMaps) {
        // An overflow bucket, and for noscan buckets h.createOverflow's mapextra, the []*bmap header and
        // that slice's growth (appends of one pointer at a time).
        allowed.add(classify({ bytes: hmapBucket(i64, i64, rules).bytes, pointers: false }, rules).slotBytes);
        allowed.add(classify({ bytes: 3 * rules.ptrSize, pointers: true }, rules).slotBytes);
        for (let n = 1; n <= 64; n *= 2) allowed.add(classify({ bytes: n * rules.ptrSize, pointers: true }, rules).slotBytes);
      }
      for (const slot of slotsOf(insLine)) assert.ok(allowed.has(slot), `go1.${minor} insert slot ${slot} not predicted`);
      for (const slot of expected) assert.ok(slotsOf(insLine).includes(slot), `go1.${minor} insert slot ${slot} not recorded`);

      // Class 9: u.Path += "/" of a 20 B path: 21 B → 24 B slot; a local += of 20 + 7 B: 27 B → 32 B
      // on the heap (no stack buffer).
      for (const [needle, len] of [
        ['u.Path += "/"', 21],
        ['s += "-suffix"', 27],
      ] as const) {
        const line = lineOf(needle);
        const [s] = at(line);
        assert.equal(s?.construct, 'string-concat', needle);
        const row = s!.dynamic!.find((d) => d.minN <= len && (d.maxN === null || len <= d.maxN))!;
        assert.deepEqual([row.prediction.slotBytes], slotsOf(line), needle);
      }

      // Class 8: bufio.NewWriter's make([]byte, size) inlined with size = 4096; &Stack[go.shape.string]{}
      // inlined from a generic function: both sized, and the profile records exactly those slots.
      const encLine = lineOf('bufio.NewWriter(w)');
      const buf = at(encLine).find((s) => s.expr === 'make([]byte, bufio.size)');
      assert.ok(buf, JSON.stringify(at(encLine).map((s) => s.expr)));
      assert.equal(buf.prediction.kind, 'small', buf.unknownReason);
      assert.deepEqual(predictedSlots(at(encLine)), slotsOf(encLine));
      const genLine = lineOf('SinkStack = NewStack');
      const shaped = at(genLine).filter((s) => s.expr.includes('go.shape.'));
      assert.ok(shaped.length > 0 && shaped.every((s) => s.prediction.kind === 'small'), JSON.stringify(at(genLine)));
      // The profile names the inlined frame's own line (NewStack's body); -m names the call.
      assert.deepEqual(predictedSlots(at(genLine)), slotsOf(lineOf('func NewStack')));
    });
  }
});
