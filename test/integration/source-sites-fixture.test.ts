// The constructs fixture's sites that the compiler prints no -m line for, or prints only at an
// inlined call (issue 13, classes 4, 5, 8, 9; test/fixtures/constructs/alloc/source.go and
// alloc.go), analysed end to end with the go on PATH and with go1.21: each is a site, sized.
// The runtime's answer for the same constructs: test/fidelity/source-sites.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { suite, test } from 'node:test';
import { analyzeWorkspace, type AnalysisResult } from '../../src/toolchain/analyze.ts';

const repo = resolve(__dirname, '../..');
const cacheDir = join(repo, '.cache', 'xdg', 'go-heap-lens');
const fixture = join(repo, 'test/fixtures/constructs');
const hasGo = spawnSync('go', ['version']).status === 0;
const env = { GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false', GOWORK: 'off' };

const at = (r: AnalysisResult, file: string, line: number) => r.sites.filter((s) => s.file.endsWith(file) && s.line === line);
const slots = (s: AnalysisResult['sites'][number]) => (s.objects ?? []).map((o) => [o.what, o.prediction.slotBytes]);

suite('constructs fixture: sites found in the source and through inlining', () => {
  for (const [label, goBinary] of [
    ['go on PATH', undefined],
    ['go1.21', join(repo, '.cache/go/go-1.21/bin/go')],
  ] as const) {
    test(`${label}: make(chan), map inserts, +=, an inlined bufio buffer and a generic shape`, async (t) => {
      if (!hasGo) return t.skip('go is not installed');
      if (goBinary && !existsSync(goBinary)) return t.skip(`${goBinary} is not installed`);
      const r = await analyzeWorkspace({ dir: fixture, env, cacheDir, ...(goBinary ? { goBinary } : {}) });
      assert.deepEqual(r.errors, []);
      const minor = Number(/^go1\.(\d+)/.exec(r.goVersion)![1]);
      const hchan = minor >= 25 ? 112 : minor >= 23 ? 104 : 96;

      const [big] = at(r, 'alloc/source.go', 22);
      assert.equal(big?.construct, 'make-chan');
      assert.deepEqual(slots(big!), [
        ['hchan', hchan],
        ['chan buf', 768],
      ]);
      const [nodes] = at(r, 'alloc/alloc.go', 53);
      assert.equal(nodes?.expr, 'make(chan *Node, 4)');
      assert.deepEqual(slots(nodes!), [
        ['hchan', hchan],
        ['chan buf', 32],
      ]);

      for (const [file, line] of [
        ['alloc/source.go', 29],
        ['alloc/alloc.go', 45],
      ] as const) {
        const [ins] = at(r, file, line);
        assert.equal(ins?.construct, 'map-insert', `${file}:${line}`);
        assert.match(ins.unknownReason!, /allocates when the map grows/);
        assert.equal(ins.dynamic?.[0]?.minN, 1);
      }
      // The literal map[string]int{"two": 2} at alloc.go:46 has its first group/bucket (208 B slot).
      const lit = at(r, 'alloc/alloc.go', 46).find((s) => s.expr === 'map[string]int{...}')!;
      assert.deepEqual(
        lit.objects?.map((o) => o.prediction.slotBytes),
        [48, 208],
      );

      for (const line of [36, 41]) {
        const [s] = at(r, 'alloc/source.go', line);
        assert.equal(s?.construct, 'string-concat');
        assert.equal(s.escapes, true);
      }

      const buf = at(r, 'alloc/source.go', 50).find((s) => s.expr === 'make([]byte, bufio.size)');
      assert.deepEqual([buf?.prediction.kind, buf?.prediction.requestBytes, buf?.prediction.slotBytes], ['small', 4096, 4096]);

      const shaped = at(r, 'alloc/source.go', 61).find((s) => s.expr === '&Stack[go.shape.string]{}');
      assert.deepEqual([shaped?.prediction.kind, shaped?.prediction.slotBytes], ['small', 24]);
    });
  }
});
