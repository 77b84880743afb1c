// The text parser (src/core/escape/text.ts) runs in linear time on pathological lines: each shape at n
// and 2n, compared as a ratio of CPU time. Pure, but about half a minute of CPU: kept out of the unit
// tier (docs/testing.md). The parser's other tests: test/unit/escape-text.test.ts.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { parseText } from '../../src/core/escape/text.ts';

suite('escape text: linear time on pathological input', () => {
  // Ratio of the time for 2× input; never an absolute limit. CPU time of this process
  // (not wall time, which other work on a 2-core machine distorts), the best of
  // several runs, repeating short inputs until each measurement is ≥ 100 ms.
  function time(text: string): number {
    let best = Infinity;
    for (let i = 0; i < 2; i++) {
      const c0 = process.cpuUsage();
      let runs = 0;
      let ms = 0;
      do {
        parseText(text);
        runs++;
        const c = process.cpuUsage(c0);
        ms = (c.user + c.system) / 1000;
      } while (ms < 100);
      best = Math.min(best, ms / runs);
    }
    return best;
  }
  const shapes: [string, number, (n: number) => string][] = [
    ['a 10 MB line of `a:1` runs (position candidates)', 3_400_000, (n) => 'a:1'.repeat(n) + ': x'],
    ['a 10 MB line of `:1[` (unclosed -L brackets)', 3_400_000, (n) => 'f.go' + ':1['.repeat(n)],
    // This shape's parse is a memory-bound scan (about 1 ms per 10 MB), so 10 MB → 20 MB measured the
    // last-level cache (32 MiB here: 0.8 → 3.5 ms, a steady 4.4×), not the parser; 40 MB → 80 MB is
    // out of cache on both sides (measured 1.8–2.3×).
    [
      'a 40 MB `from` step of `) at (` runs',
      6_800_000,
      (n) => './m.go:1:1: x escapes to heap:\n./m.go:1:1:     from ' + ') at ('.repeat(n),
    ],
    ['1e6 tiny lines', 1_000_000, (n) => 'x\n'.repeat(n)],
    ['1e5 positioned lines', 100_000, (n) => './a.go:1:2: moved to heap: x\n'.repeat(n)],
  ];
  for (const [name, n, make] of shapes) {
    test(name, () => {
      parseText(make(n / 4)); // warm up the JIT
      const t1 = time(make(n));
      const t2 = time(make(2 * n));
      assert.ok(t2 / Math.max(t1, 1) < 4, `2× input took ${(t2 / t1).toFixed(2)}× as long (${t1.toFixed(1)} → ${t2.toFixed(1)} ms)`);
    });
  }
});
