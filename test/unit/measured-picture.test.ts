// The Simulate Heap panel's measured-heap picture: the host's input (src/protocol/measuredPicture.ts,
// validated in the init message) and the icicle's layout (webview/flame.ts flameLayout).
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { classify } from '../../src/core/alloc/malloc.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import type { MeasuredSite } from '../../src/core/profile/join.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';
import { measuredPicture } from '../../src/protocol/measuredPicture.ts';
import { isHostToWebview, protocolVersion } from '../../src/protocol/messages.ts';
import { classFill, flameLayout } from '../../webview/flameLayout.ts';

const go126 = rulesFor('1.26');

function ms(bytes: number, pointers: boolean, o: Partial<AllocationSite>, measuredBytes: number): MeasuredSite {
  const site: AllocationSite = {
    file: '/ws/demo/main.go',
    line: 10,
    column: 9,
    construct: 'new',
    expr: 'new(T)',
    escapes: true,
    reason: [],
    type: null,
    prediction: classify({ bytes, pointers }, go126),
    package: 'example.com/demo',
    func: 'f',
    ...o,
  };
  return {
    site,
    measured: { objects: 1, bytes: measuredBytes, inuseObjects: 0, inuseBytes: 0, slots: [], share: 0, verdict: 'confirmed' },
  };
}

suite('Simulate Heap: the measured heap picture', () => {
  const sites = [
    ms(520, true, { expr: '&header520{}', func: 'newHeader520', line: 54 }, 100),
    ms(40000, false, { expr: 'new(bigBuffer)', func: 'newBigBuffer', line: 59 }, 800),
    ms(8, false, { expr: '<img src=x onerror=alert(1)>', package: 'example.com/<b>other</b>', func: 'g', line: 3 }, 100),
    ms(8, false, { expr: 'never', line: 4 }, 0),
  ];

  test('heaviest sites first, span classes named, what is left out summed', () => {
    const p = measuredPicture(sites, 'BenchmarkDemo', 1000, 2)!;
    assert.deepEqual(
      p.sites.map((s) => [s.label, s.where, s.cls, s.bytes]),
      [
        ['new(bigBuffer)', 'main.go:59', 'large noscan', 800],
        ['&header520{}', 'main.go:54', 'c27 scan', 100],
      ],
    );
    assert.deepEqual([p.leftOff, p.leftOffBytes], [1, 100]);
    assert.equal(measuredPicture([], 'x', 1000), undefined);
  });

  test('the init message validates the picture', () => {
    const picture = measuredPicture(sites, 'BenchmarkDemo', 1000)!;
    const init = {
      type: 'init',
      v: protocolVersion,
      sites: [],
      settings: { go: '1.26', procs: 1, gogc: 100 },
      goVersions: ['1.26'],
      arch: 'amd64',
      source: 's',
    };
    assert.ok(isHostToWebview({ ...init, picture }));
    assert.ok(!isHostToWebview({ ...init, picture: { ...picture, totalBytes: 0 } }));
    assert.ok(!isHostToWebview({ ...init, picture: { ...picture, sites: [{ ...picture.sites[0], spanClass: 'c5' }] } }));
  });

  test('layout: packages, then functions, then sites, each as wide as its bytes, names kept as given', () => {
    const rows = flameLayout(measuredPicture(sites, 'BenchmarkDemo', 1000)!);
    assert.deepEqual(
      rows[0]!.map((b) => [b.label, Math.round(b.x), Math.round(b.w)]),
      [
        ['example.com/demo', 0, 900],
        ['example.com/<b>other</b>', 900, 100],
      ],
    );
    assert.deepEqual(
      rows[1]!.map((b) => [b.label, Math.round(b.x), Math.round(b.w)]),
      [
        ['newBigBuffer', 0, 800],
        ['newHeader520', 800, 100],
        ['g', 900, 100],
      ],
    );
    assert.deepEqual(
      rows[2]!.map((b) => b.label),
      ['new(bigBuffer)', '&header520{}', '<img src=x onerror=alert(1)>'],
    );
    assert.equal(rows[2]![0]!.fill, classFill(1));
    assert.notEqual(classFill(54), classFill(55));
    assert.equal(classFill(-1), 'hsl(0, 0%, 55%)');
  });
});
