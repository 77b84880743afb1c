// The save path's and the session cache's pure parts (src/toolchain/reanalyze.ts, cache.ts): which
// packages a save covers, when a cache key changes, the helper's -prefetch answers, remembered type
// queries. With the real go command: test/integration/reanalyze.test.ts.
import { write, tempDirs } from '../helpers/tempModule.ts';
import { test, suite, after } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisCache, goEnvKey } from '../../src/toolchain/cache.ts';
import { packagesOfFiles } from '../../src/toolchain/reanalyze.ts';
import { parseTypefactsOutput } from '../../src/toolchain/typefacts.ts';

const temps = tempDirs('ghl-reanalyze-');
const tempDir = temps.make;

after(() => {
  temps.removeAll();
});

suite('save path: reanalyzeSaved', () => {
  test('packagesOfFiles: directories of saved Go files the configuration covers', () => {
    const m = '/w/m';
    assert.deepEqual(packagesOfFiles(m, ['/w/m/b/b.go', '/w/m/b/c.go', '/w/m/main.go', '/w/m/a/x.txt', '/w/other/o.go']), {
      patterns: ['.', './b'],
      dirs: ['/w/m', '/w/m/b'],
    });
    assert.deepEqual(packagesOfFiles(m, ['/w/m/b/b.go', '/w/m/cmd/x/x.go'], ['./cmd/...']).patterns, ['./cmd/x']);
    assert.deepEqual(packagesOfFiles(m, ['/w/m/b/b.go'], ['./cmd/...']).patterns, []);
    assert.deepEqual(packagesOfFiles(m, ['/w/m/b/b.go'], ['example.com/m/...']).patterns, ['./b']);
  });
});

suite('AnalysisCache', () => {
  test('goEnvKey changes with go.mod content, environment and go binary', () => {
    const dir = tempDir();
    write(dir, { 'go.mod': 'module example.com/k\n\ngo 1.21\n' });
    const base = goEnvKey({ cwd: dir, env: { GOFLAGS: '' } });
    assert.equal(goEnvKey({ cwd: dir, env: { GOFLAGS: '' } }), base);
    assert.notEqual(goEnvKey({ cwd: dir, env: { GOFLAGS: '-tags=x' } }), base);
    assert.notEqual(goEnvKey({ cwd: dir, env: { GOFLAGS: '' }, goBinary: '/opt/go/bin/go' }), base);
    write(dir, { 'go.mod': 'module example.com/k\n\ngo 1.21\n\ntoolchain go1.26.8\n' });
    assert.notEqual(goEnvKey({ cwd: dir, env: { GOFLAGS: '' } }), base);
  });

  test("the helper's -prefetch answers are kept apart from facts and packages", () => {
    const out = [
      '{"kind":"package","pkg":"m/b","dir":"/m/b","files":1,"errors":[]}',
      '{"kind":"new","file":"/m/b/b.go","line":3,"col":9,"pkg":"m/b","type":{"name":"T","size":8,"align":8,"ptrBytes":0,"kind":"basic","qname":"T"}}',
      '{"kind":"resolved","pkg":"m/b","typeExpr":"errors.errorString","type":{"name":"errors.errorString","size":16,"align":8,"ptrBytes":8,"kind":"struct","qname":"errors.errorString"}}',
      '{"kind":"resolved","pkg":"m/b","typeExpr":"x.Gone","error":"no type x.Gone among the dependencies of m/b"}',
      'not json',
    ].join('\n');
    const r = parseTypefactsOutput(out);
    assert.deepEqual([r.packages.length, r.facts.length, r.resolved.length, r.unparsed.length], [1, 1, 2, 1]);
    assert.equal(r.resolved[0]!.type?.size, 16);
  });

  test('remembered type queries are found by the patterns of a later run', () => {
    const cache = new AnalysisCache();
    const q = (pkg: string) => ({ pkg, type: 'errors.errorString' });
    cache.rememberQueries(
      new Map([
        ['/m/a', [q('m/a')]],
        ['/m/a/sub', [q('m/a/sub')]],
        ['/m/b', [q('m/b')]],
      ]),
    );
    assert.deepEqual(cache.queriesFor('/m', ['./a']), [q('m/a')]);
    assert.deepEqual(
      cache
        .queriesFor('/m', ['./a/...'])
        .map((x) => x.pkg)
        .sort(),
      ['m/a', 'm/a/sub'],
    );
    assert.deepEqual(cache.queriesFor('/m', ['./...']).length, 3);
    assert.deepEqual(cache.queriesFor('/m', ['./c']), []);
    // A later run of a package replaces what it needed (here: nothing any more).
    cache.rememberQueries(new Map([['/m/a', []]]));
    assert.deepEqual(cache.queriesFor('/m', ['./a']), []);
  });
});
