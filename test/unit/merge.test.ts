// mergePackageRun (src/toolchain/merge.ts): a package run of the save path replaces what the
// module's last result said about its packages and keeps everything else.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../src/core/alloc/malloc.ts';
import { parseGoExperiment, rulesFor } from '../../src/core/alloc/versions.ts';
import type { AllocationSite } from '../../src/core/sites/site.ts';
import { canMerge, mergePackageRun } from '../../src/toolchain/merge.ts';
import { dirOf, type AnalysisError, type AnalysisResult } from '../../src/toolchain/result.ts';

const rules = rulesFor('go1.26.8', 'amd64', parseGoExperiment(''));

function site(file: string, line: number, expr = 'new(T)'): AllocationSite {
  return {
    file,
    line,
    column: 5,
    construct: 'new',
    expr,
    escapes: true,
    reason: [],
    type: { name: 'T', size: 24, align: 8, ptrBytes: 8 },
    prediction: classify({ bytes: 24, pointers: true }, rules),
  };
}

function result(parts: Partial<AnalysisResult> & { sites: AllocationSite[] }): AnalysisResult {
  const byDir = parts.diagnosticsByDir ?? {};
  const diagnostics: Record<string, number> = {};
  for (const c of Object.values(byDir)) for (const [k, n] of Object.entries(c)) diagnostics[k] = (diagnostics[k] ?? 0) + n;
  return {
    goVersion: 'go1.26.8',
    arch: 'amd64',
    experiments: '',
    modules: ['/m'],
    errors: [],
    unparsedLines: [],
    durationMs: 1000,
    diagnostics,
    diagnosticsByDir: byDir,
    ...parts,
    unparsed: (parts.unparsedLines ?? []).length,
  };
}

const full = result({
  sites: [site('/m/a/a.go', 3), site('/m/a/a2.go', 7), site('/m/b/b.go', 4), site('/m/c/c.go', 9)],
  diagnosticsByDir: { '/m/a': { escapes: 2, 'can-inline': 5 }, '/m/b': { escapes: 1 }, '/m/c': { escapes: 1 }, '': { other: 1 } },
  errors: [
    { kind: 'typecheck', message: 'a: old complaint', package: 'm/a', dir: '/m/a' },
    { kind: 'typecheck', message: 'c: still true', package: 'm/c', dir: '/m/c' },
    { kind: 'typefacts', message: 'full run: 2 helper output lines were not JSON' },
  ],
  unparsedLines: [
    { line: 10, text: 'a: odd line', dir: '/m/a' },
    { line: 20, text: 'before any header' },
  ],
});

suite('mergePackageRun', () => {
  test("the re-analysed package's old sites disappear; other packages are untouched", () => {
    const next = result({ sites: [site('/m/a/a.go', 4, 'new(U)')], diagnosticsByDir: { '/m/a': { escapes: 1 } } });
    const m = mergePackageRun(full, next, ['/m/a']);
    assert.deepEqual(
      m.sites.filter((s) => s.file.startsWith('/m/a/')).map((s) => [s.line, s.expr]),
      [[4, 'new(U)']],
    );
    // a2.go is in package a too: its site is gone although next reported nothing in that file.
    assert.equal(
      m.sites.some((s) => s.file === '/m/a/a2.go'),
      false,
    );
    assert.deepEqual(
      m.sites.filter((s) => !s.file.startsWith('/m/a/')),
      full.sites.slice(2),
    );
    assert.deepEqual(m.diagnostics, { escapes: 3, other: 1 });
    assert.deepEqual(m.diagnosticsByDir?.['/m/a'], { escapes: 1 });
    assert.deepEqual(m.diagnosticsByDir?.['/m/b'], { escapes: 1 });
    assert.deepEqual(m.reanalysed, { dirs: ['/m/a'], runs: 1, staleDirs: [] });
  });

  test("the re-analysed package's errors and unparsed lines are replaced; those of others and of the full run stay", () => {
    const next = result({
      sites: [site('/m/a/a.go', 3)],
      errors: [{ kind: 'typecheck', message: 'a: new complaint', package: 'm/a', dir: '/m/a' }],
      unparsedLines: [{ line: 2, text: 'a: another odd line', dir: '/m/a' }],
    });
    const m = mergePackageRun(full, next, ['/m/a']);
    assert.deepEqual(
      m.errors.map((e) => e.message),
      ['c: still true', 'full run: 2 helper output lines were not JSON', 'a: new complaint'],
    );
    assert.deepEqual(
      m.unparsedLines.map((u) => u.text),
      ['before any header', 'a: another odd line'],
    );
    assert.equal(m.unparsed, 2);
  });

  test('errors of no package belong to their run: a later package run replaces those of the earlier one, not the full run', () => {
    const run1 = result({ sites: [site('/m/a/a.go', 3)], errors: [{ kind: 'typefacts', message: 'package run 1: helper failed' }] });
    const m1 = mergePackageRun(full, run1, ['/m/a']);
    assert.deepEqual(
      m1.errors.filter((e) => e.dir === undefined).map((e) => e.message),
      ['full run: 2 helper output lines were not JSON', 'package run 1: helper failed'],
    );
    const run2 = result({ sites: [site('/m/b/b.go', 4)] });
    const m2 = mergePackageRun(m1, run2, ['/m/b']);
    assert.deepEqual(
      m2.errors.filter((e) => e.dir === undefined).map((e) => e.message),
      ['full run: 2 helper output lines were not JSON'],
    );
    assert.deepEqual(m2.reanalysed, { dirs: ['/m/a', '/m/b'], runs: 2, staleDirs: [] });
  });

  test('a package that now fails to build keeps its previous sites, marked stale, with the new errors', () => {
    const broken: AnalysisError = { kind: 'build', message: 'undefined: x', file: '/m/b/b.go', line: 4, package: 'm/b', dir: '/m/b' };
    const next = result({ sites: [], errors: [broken], diagnosticsByDir: { '/m/b': { other: 1 } } });
    const m = mergePackageRun(full, next, ['/m/b']);
    assert.deepEqual(
      m.sites.filter((s) => s.file.startsWith('/m/b/')),
      [full.sites[2]],
    );
    assert.ok(m.errors.includes(broken));
    assert.deepEqual(m.reanalysed?.staleDirs, ['/m/b']);
    // Fixed in the next save: fresh sites, no longer stale.
    const fixed = result({ sites: [site('/m/b/b.go', 5)] });
    const m2 = mergePackageRun(m, fixed, ['/m/b']);
    assert.deepEqual(
      m2.sites.filter((s) => s.file.startsWith('/m/b/')).map((s) => s.line),
      [5],
    );
    assert.deepEqual(m2.reanalysed?.staleDirs, []);
    assert.equal(m2.errors.includes(broken), false);
  });

  test('a failed build that still reports sites (another package of the run built) replaces as usual', () => {
    const next = result({
      sites: [site('/m/a/a.go', 8)],
      errors: [{ kind: 'build', message: 'undefined: y', file: '/m/b/b.go', line: 1, dir: '/m/b' }],
    });
    const m = mergePackageRun(full, next, ['/m/a', '/m/b']);
    assert.deepEqual(
      m.sites.map((s) => `${s.file}:${s.line}`),
      ['/m/b/b.go:4', '/m/c/c.go:9', '/m/a/a.go:8'],
    );
    assert.deepEqual(m.reanalysed?.staleDirs, ['/m/b']);
  });

  test('a site elsewhere that the package run reports at the same position is not reported twice', () => {
    // A generic body in package c instantiated by package a: a's compile reports it in c's file.
    const next = result({ sites: [site('/m/a/a.go', 3), { ...site('/m/c/c.go', 9), escapes: false }] });
    const m = mergePackageRun(full, next, ['/m/a']);
    const atC = m.sites.filter((s) => s.file === '/m/c/c.go');
    assert.equal(atC.length, 1);
    assert.equal(atC[0]!.escapes, false);
  });

  test('canMerge: only results of the same Go version, arch and experiments', () => {
    const next = result({ sites: [] });
    assert.equal(canMerge(full, next), true);
    assert.equal(canMerge(full, { ...next, goVersion: 'go1.25.3' }), false);
    assert.equal(canMerge(full, { ...next, arch: 'arm64' }), false);
    assert.equal(canMerge(full, { ...next, experiments: 'nogreenteagc' }), false);
  });

  test('dirOf', () => {
    assert.equal(dirOf('/m/a/a.go'), '/m/a');
    assert.equal(dirOf('C:\\m\\a\\a.go'), 'C:\\m\\a');
    assert.equal(dirOf('/a.go'), '/');
    assert.equal(dirOf('a.go'), '');
  });
});
