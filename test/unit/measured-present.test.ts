// What the measured heap adds to the hover, the inline hint and the Heap view (core/sites/
// measuredHover.ts, measuredTree.ts): the figures as `go tool pprof -raw` counts them, the
// verdict against the prediction, and profile-provided names shown literally.
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { classify } from '../../src/core/alloc/malloc.ts';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import type { Measured, ProfileSummary } from '../../src/core/profile/types.ts';
import {
  compactCount,
  grouped,
  measuredHintPrefix,
  measuredHoverMarkdown,
  percent,
  profileHeaderText,
  slotsText,
  verdictText,
} from '../../src/core/sites/measuredHover.ts';
import { topAllocationsTree, unattributedId } from '../../src/core/sites/measuredTree.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';

const go126 = rulesFor('1.26');

function site(bytes: number, pointers: boolean, o: Partial<AllocationSite> = {}): AllocationSite {
  return {
    file: '/ws/demo/main.go',
    line: 10,
    column: 9,
    construct: 'composite-lit',
    expr: '&T{}',
    escapes: true,
    reason: [],
    type: { name: 'T', size: bytes, align: 8, ptrBytes: pointers ? 8 : 0 },
    prediction: classify({ bytes, pointers }, go126),
    package: 'example.com/demo',
    func: 'newT',
    ...o,
  };
}

function measured(o: Partial<Measured>): Measured {
  return { objects: 0, bytes: 0, inuseObjects: 0, inuseBytes: 0, slots: [], share: 0, verdict: 'confirmed', ...o };
}

const summary = (o: Partial<ProfileSummary> = {}): ProfileSummary => ({
  file: 'mem.pprof',
  sampleTypes: ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes'],
  totalObjects: 1000,
  totalBytes: 1_000_000,
  attributedBytesShare: 0.973,
  unattributed: [],
  ...o,
});

suite('measured heap: hover, hint and Top allocations text', () => {
  test('numbers: compact counts, shares, exact figures grouped like pprof prints them', () => {
    assert.deepEqual([0, 950, 1200, 12_345, 1_234_567, 123_456_789, 3.4e9].map(compactCount), [
      '0',
      '950',
      '1.2 k',
      '12.3 k',
      '1.2 M',
      '123 M',
      '3.4 G',
    ]);
    assert.deepEqual([0, 0.0004, 0.023, 0.23, 1].map(percent), ['0 %', '< 0.1 %', '2.3 %', '23 %', '100 %']);
    assert.equal(grouped(2048000), '2,048,000');
    assert.equal(grouped(50), '50');
  });

  test('the hover: figures, share, the verdict against the prediction, where the profile came from', () => {
    const s = site(24, true); // 24 B with a pointer: 24 B slot, c3 scan
    const m = measured({
      objects: 1_200_000,
      bytes: 28_800_000,
      inuseObjects: 3,
      inuseBytes: 72,
      share: 0.23,
      slots: [{ bytes: 24, objects: 1_200_000 }],
    });
    const md = measuredHoverMarkdown(s, m, { kind: 'benchmark', label: 'BenchmarkParse', dir: '/ws/demo' });
    assert.match(md, /^\*\*Measured:\*\* 1\.2 M objects · 27\.5 MiB \(23 % of the profile\) · 24 B slot ✓ as predicted {2}\n/);
    const shown = md.replace(/\\(.)/g, '$1'); // as rendered: the escapes of escapeMarkdown gone
    assert.ok(shown.includes('1,200,000 objects, 28,800,000 B allocated; in use at the profile: 3 objects, 72 B'), md);
    assert.ok(shown.includes('from benchmark BenchmarkParse in demo'), md);
    const differs = verdictText(site(520, true), measured({ verdict: 'differs', slots: [{ bytes: 640, objects: 3 }] }));
    assert.equal(differs, '640 B slot ✗ predicted 576 B');
    const dynamic = site(0, false, {
      construct: 'append',
      prediction: { ...classify({ bytes: 8, pointers: false }, go126), kind: 'unknown' },
    });
    const slots = [
      { bytes: 4096, objects: 81 },
      { bytes: 2048, objects: 12 },
      { bytes: 1024, objects: 7 },
    ];
    assert.equal(verdictText(dynamic, measured({ verdict: 'resolved', slots })), 'slots 4 KiB × 81 % · 2 KiB × 12 % · 1 KiB × 7 %');
    assert.equal(slotsText(slots, 1), '4 KiB × 81 % · 2 more');
  });

  test('names from a profile render literally in the hover (markdown and HTML escaped)', () => {
    const s = site(24, true);
    const md = measuredHoverMarkdown(s, measured({ objects: 1, bytes: 24, slots: [{ bytes: 24, objects: 1 }] }), {
      kind: 'file',
      label: '/tmp/<img src=x onerror=alert(1)>[a](command:evil).pprof',
    });
    // Every markdown/HTML-significant character of the name is backslash-escaped: none starts a tag or a link.
    assert.doesNotMatch(md.slice(md.indexOf(' from ')), /(^|[^\\])[<[\]()]/, md);
    assert.ok(md.replace(/\\(.)/g, '$1').includes('from profile /tmp/<img src=x onerror=alert(1)>[a](command:evil).pprof'), md);
  });

  test('the inline hint leads with the line share only when something was measured there', () => {
    assert.equal(measuredHintPrefix([measured({ objects: 5, share: 0.2 }), measured({ objects: 1, share: 0.03 })]), '23 % · ');
    assert.equal(measuredHintPrefix([undefined]), '');
    assert.equal(measuredHintPrefix([]), '');
  });

  test('the Heap view header', () => {
    assert.equal(
      profileHeaderText(summary({ totalBytes: 412 * 1024 * 1024 }), 'mem.pprof', 1240),
      'profile mem.pprof: 412 MiB, 97.3 % attributed to 1,240 sites',
    );
  });

  test('Top allocations: heaviest first by bytes or by objects, then Unattributed by reason', () => {
    const big = {
      site: site(40000, false, { expr: 'new(bigBuffer)', line: 58 }),
      measured: measured({ objects: 50, bytes: 2_048_000, share: 0.9 }),
    };
    const small = {
      site: site(48, true, { expr: 'new(node)', line: 40 }),
      measured: measured({ objects: 500, bytes: 24_000, share: 0.01 }),
    };
    const none = { site: site(8, false, { expr: 'new(x)', line: 41 }), measured: measured({}) };
    const s = summary({
      unattributed: [
        {
          function: 'runtime.malg',
          file: '/go/src/runtime/proc.go',
          line: 5000,
          objects: 1,
          bytes: 416,
          reason: 'runtime-internal: a goroutine',
        },
        { function: 'main.<b>x</b>', file: '/ws/demo/main.go', line: 80, objects: 2, bytes: 64, reason: 'map growth on insert' },
        {
          function: 'runtime.newproc1',
          file: '/go/src/runtime/proc.go',
          line: 5010,
          objects: 1,
          bytes: 32,
          reason: 'runtime-internal: a goroutine',
        },
      ],
    });
    const byBytes = topAllocationsTree([small, none, big], s, 'bytes');
    assert.deepEqual(
      byBytes.map((n) => n.label),
      ['new(bigBuffer)', 'new(node)', 'Unattributed'],
    );
    assert.match(byBytes[0]!.description, /^90 % · 1\.95 MiB · 50 objects · newT · main\.go:58$/);
    assert.deepEqual(byBytes[0]!.site, { id: byBytes[0]!.site!.id, file: '/ws/demo/main.go', line: 58, column: 9 });
    const byObjects = topAllocationsTree([big, small], s, 'objects');
    assert.deepEqual(
      byObjects.map((n) => n.label),
      ['new(node)', 'new(bigBuffer)', 'Unattributed'],
    );
    const un = byBytes[2]!;
    assert.equal(un.id, unattributedId);
    assert.deepEqual(
      un.children.map((c) => [c.label, c.description]),
      [
        ['runtime-internal: a goroutine', '2 places · 448 B'],
        ['map growth on insert', '1 place · 64 B'],
      ],
    );
    // A function name from the profile is a plain-text label (tree items render no HTML).
    assert.equal(un.children[1]!.children[0]!.label, 'main.<b>x</b>');
    assert.equal(topAllocationsTree([], summary(), 'bytes').length, 0);
  });
});
