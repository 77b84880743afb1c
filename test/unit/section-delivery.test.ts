// Progressive delivery (src/toolchain/compilerOutput.ts): a parse hands on each `# pkg` section's
// diagnostics once the section is complete. On every recorded compiler output (several
// packages each, and whole-module recordings where there are some), in random chunkings: the
// sections delivered before the end, and the run's diagnostics, join to the sites of the whole
// parse; every section is delivered once, in input order, and is complete when delivered.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { rulesFor } from '../../src/core/alloc/versions.ts';
import type { Diagnostic } from '../../src/core/escape/diagnostic.ts';
import { parseText } from '../../src/core/escape/text.ts';
import { joinSites } from '../../src/core/sites/join.ts';
import { CompilerOutput } from '../../src/toolchain/compilerOutput.ts';

const fixtures = join(__dirname, '..', 'fixtures');
const recorded = join(fixtures, 'recorded');
const rules = rulesFor('go1.26', 'amd64');

const recordings = existsSync(recorded)
  ? readdirSync(recorded)
      .filter((v) => /^go1\.\d+$/.test(v))
      .flatMap((v) =>
        readdirSync(join(recorded, v))
          .filter((f) => f.endsWith('.txt'))
          .map((f) => ({ v, f, path: join(recorded, v, f), baseDir: join(fixtures, f.split('-')[0]!) })),
      )
  : [];

const sitesOf = (ds: readonly Diagnostic[], baseDir: string) => JSON.parse(JSON.stringify(joinSites(ds, [], { rules, baseDir })));

interface Delivery {
  readonly pkg: string | undefined;
  readonly diagnostics: readonly Diagnostic[];
  /** Bytes pushed when it was delivered. */
  readonly at: number;
}

function run(bytes: Uint8Array, cuts: readonly number[], baseDir: string) {
  const out = new CompilerOutput([]);
  const delivered: Delivery[] = [];
  const headers: string[] = [];
  let pushed = 0;
  const p = out.parse(baseDir, {
    onSection: (pkg) => headers.push(pkg),
    onSectionDone: (pkg, diagnostics) => delivered.push({ pkg, diagnostics, at: pushed }),
  });
  let from = 0;
  for (const c of [...cuts, bytes.length]) {
    p.push(bytes.subarray(from, c));
    pushed = c;
    from = c;
  }
  const beforeEnd = delivered.length;
  p.end(false);
  return { out, delivered, beforeEnd, headers };
}

function check(text: string, baseDir: string, cuts: readonly number[]): void {
  const bytes = new TextEncoder().encode(text);
  const whole = parseText(text, { baseDir });
  const { out, delivered, beforeEnd, headers } = run(bytes, cuts, baseDir);
  assert.deepEqual(sitesOf(out.diagnostics, baseDir), sitesOf(whole.diagnostics, baseDir), 'the run\u2019s sites');
  assert.deepEqual(
    sitesOf(
      delivered.flatMap((d) => d.diagnostics),
      baseDir,
    ),
    sitesOf(whole.diagnostics, baseDir),
    'the delivered sections\u2019 sites',
  );
  assert.equal(
    delivered.reduce((n, d) => n + d.diagnostics.length, 0),
    whole.diagnostics.length,
  );
  // A section delivered before the end holds every diagnostic of its package (that section of the input).
  for (const d of delivered.slice(0, beforeEnd)) {
    const all = whole.diagnostics.filter((w) => w.package === d.pkg && w.packageVariant === d.diagnostics[0]?.packageVariant);
    assert.ok(d.diagnostics.length >= 1);
    assert.equal(d.diagnostics.length, all.length, `section ${d.pkg} complete when delivered`);
  }
  const distinct = new Set(whole.diagnostics.map((w) => `${w.package}\0${w.packageVariant}`)).size;
  if (headers.length > 1 && cuts.length === 0) assert.equal(delivered.length, distinct, 'one delivery per section');
}

suite('CompilerOutput: sections delivered as they complete', () => {
  test('recordings with several packages exist', () => {
    const multi = recordings.filter((r) => (readFileSync(r.path, 'utf8').match(/^# /gm) ?? []).length > 1);
    assert.ok(multi.length >= 3, `${multi.length} multi-package recordings`);
  });

  for (const rec of recordings) {
    test(`${rec.v}/${rec.f}`, () => {
      const text = readFileSync(rec.path, 'utf8');
      check(text, rec.baseDir, []);
      // Line by line: each section is delivered when the next header has been pushed.
      const lines: number[] = [];
      const bytes = new TextEncoder().encode(text);
      for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) lines.push(i + 1);
      check(text, rec.baseDir, lines);
    });
  }

  test('random chunkings of the multi-package recordings', () => {
    const multi = recordings.filter((r) => (readFileSync(r.path, 'utf8').match(/^# /gm) ?? []).length > 1).slice(0, 4);
    for (const rec of multi) {
      const text = readFileSync(rec.path, 'utf8');
      const n = new TextEncoder().encode(text).length;
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, n - 1) }), { maxLength: 40 }), (cuts) => {
          check(
            text,
            rec.baseDir,
            [...cuts].sort((a, b) => a - b),
          );
        }),
        { numRuns: 15 },
      );
    }
  });
});
