// The parsers against real compiler output: every recording under
// test/fixtures/recorded/go1.NN (made by scripts/record-compiler-output.sh with that
// toolchain) parses with 0 unparsed lines, known sites come out with the right kind,
// expression and position, and the three input formats agree with each other.
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseText } from '../../src/core/escape/text.ts';
import { parseBuildJson } from '../../src/core/escape/buildjson.ts';
import { parseLogopt, type LogoptFile } from '../../src/core/escape/logopt.ts';
import { utf8ColumnToUtf16 } from '../../src/core/escape/position.ts';
import type { Diagnostic, ParseResult } from '../../src/core/escape/diagnostic.ts';

const fixtures = join(__dirname, '..', 'fixtures');
const recorded = join(fixtures, 'recorded');
const versions = existsSync(recorded)
  ? readdirSync(recorded)
      .filter((d) => /^go1\.\d+$/.test(d))
      .sort()
  : [];
const expectedVersions = ['go1.21', 'go1.22', 'go1.23', 'go1.24', 'go1.25', 'go1.26', 'go1.27'];
const minor = (v: string): number => Number(v.slice(4));

function read(path: string): string {
  return readFileSync(path, 'utf8');
}

function parseRecording(v: string, name: string): ParseResult {
  return parseText(read(join(recorded, v, name)), { baseDir: join(fixtures, name.split('-')[0]!) });
}

function key(d: Diagnostic): string {
  return `${d.package}|${d.packageVariant ?? ''}|${d.file}:${d.line}:${d.column}|${d.kind}|${d.message}|${JSON.stringify(d.steps ?? [])}`;
}

function find(r: ParseResult, file: string, line: number, column: number, kind: Diagnostic['kind']): Diagnostic[] {
  return r.diagnostics.filter((d) => d.file === file && d.line === line && d.column === column && d.kind === kind);
}

test('recordings exist for every Go version 1.21–1.27', () => {
  assert.deepEqual(versions, expectedVersions);
});

for (const v of versions) {
  suite(`recorded ${v}`, () => {
    const dir = join(recorded, v);
    const texts = readdirSync(dir)
      .filter((f) => f.endsWith('.txt'))
      .sort();

    test('every recording is accounted for by a sidecar naming the toolchain', () => {
      assert.ok(texts.length >= 5, `only ${texts.length} recordings`);
      for (const f of texts) {
        const meta = JSON.parse(read(join(dir, f.replace(/\.txt$/, '.meta.json')))) as { goVersion: string; exitCode: number };
        assert.match(meta.goVersion, new RegExp(`^go version ${v.replace('.', '\\.')}(\\.\\d+)? linux/`), f);
        assert.equal(meta.exitCode, 0, f);
      }
    });

    for (const f of texts) {
      test(`${f}: 0 unparsed lines, every line accounted for`, () => {
        const r = parseRecording(v, f);
        assert.deepEqual(r.unparsed, []);
        const s = r.stats;
        assert.ok(s.lines > 20);
        assert.equal(s.lines, (s.diagnosticLines ?? 0) + (s.headerLines ?? 0) + (s.blankLines ?? 0) + (s.toolLines ?? 0));
        // Each recording is one real build: every diagnostic has a package and a position.
        for (const d of r.diagnostics) {
          assert.ok(d.package?.startsWith('example.com/'), `no package: ${JSON.stringify(d)}`);
          assert.ok(d.line > 0, JSON.stringify(d));
        }
        if (f.endsWith('-m1.txt')) assert.equal(s.byKind.explanation, undefined, 'explanations at -m=1');
        else assert.ok((s.byKind.explanation ?? 0) > 0, 'no explanation blocks at -m=2 and above');
        if (f.endsWith('-m3.txt')) {
          // The IR dumps of -m=3 stay with their `Before inlining:`/`After inlining` line.
          const dumps = r.diagnostics.filter((d) => d.message.startsWith('Before inlining:') || d.message.startsWith('After inlining'));
          assert.ok(dumps.length > 0 && dumps.every((d) => d.kind === 'other' && (d.steps?.length ?? 0) > 0));
        }
      });
    }

    test('known sites of the constructs module: kinds, expressions, byte columns', () => {
      const r = parseRecording(v, 'constructs-m1.txt');
      const site = (file: string, line: number, col: number, kind: Diagnostic['kind'], expr: string) => {
        const ds = find(r, file, line, col, kind);
        assert.ok(
          ds.some((d) => d.expr === expr),
          `${file}:${line}:${col} ${kind} ${expr}; got ${JSON.stringify(ds)}`,
        );
      };
      site('alloc/alloc.go', 21, 9, 'escapes', '&Point{...}');
      site('alloc/alloc.go', 26, 10, 'escapes', 'new(Node)');
      site('alloc/alloc.go', 34, 13, 'escapes', 'make([]int, n)');
      site('alloc/alloc.go', 46, 23, 'escapes', 'map[string]int{...}');
      site('alloc/alloc.go', 63, 17, 'escapes', 'a + "/" + b');
      site('alloc/alloc.go', 77, 16, 'escapes', '([]rune)(s)');
      site('alloc/alloc.go', 82, 16, 'escapes', 'string(b)');
      site('alloc/alloc.go', 87, 7, 'does-not-escape', '&Point{...}');
      site('alloc/alloc.go', 20, 6, 'can-inline', 'NewPoint');
      site('closures/closures.go', 10, 2, 'moved-to-heap', 'n');
      site('closures/closures.go', 11, 9, 'escapes', 'func literal');
      site('closures/closures.go', 48, 2, 'moved-to-heap', 'x');
      site('iface/iface.go', 32, 16, 'devirtualized', 'sh.Area');
      site('text/text.go', 20, 37, 'escapes', '&Label{...}');
      site('text/text.go', 21, 21, 'escapes', '&Label{...}');
      site('text/text.go', 21, 36, 'escapes', '"é" + labels[0].S');
      // go1.25 started reporting the backing store of append on its own line.
      assert.equal(
        find(r, 'sizes/sizes.go', 53, 3, 'escapes').some((d) => d.expr === 'append'),
        minor(v) >= 25,
      );
    });

    test('byte columns point at the expression once converted to UTF-16', () => {
      const r = parseRecording(v, 'constructs-m1.txt');
      const src = read(join(fixtures, 'constructs', 'text', 'text.go')).split('\n');
      const escapes = r.diagnostics.filter((d) => d.file === 'text/text.go' && d.kind === 'escapes' && d.expr.startsWith('&Label'));
      assert.ok(escapes.length >= 4);
      for (const d of escapes) {
        const lineText = src[d.line - 1]!;
        const col16 = utf8ColumnToUtf16(lineText, d.column!);
        assert.equal(lineText.slice(col16 - 1, col16 - 1 + 6), '&Label', `${d.line}:${d.column} → ${col16}`);
        if (/[^\x00-\x7f]/.test(lineText.slice(0, col16 - 1))) assert.ok(col16 < d.column!, 'non-ASCII before the column must shift it');
      }
    });

    test('-m=2 explanation blocks attach to their subject with their steps', () => {
      const r = parseRecording(v, 'constructs-m2.txt');
      const [moved] = find(r, 'closures/closures.go', 10, 2, 'explanation');
      assert.ok(moved, 'no explanation for n in Counter');
      assert.equal(moved.expr, 'n');
      assert.equal(moved.func, minor(v) >= 25 ? 'Counter' : undefined);
      assert.equal(moved.message, minor(v) >= 25 ? 'n escapes to heap in Counter:' : 'n escapes to heap:');
      assert.equal(moved.steps![0]!.text, `flow: {storage for func literal} ${minor(v) >= 25 ? '←' : '='} &n:`);
      const captured = moved.steps!.find((s) => s.why === 'captured by a closure');
      assert.deepEqual([captured?.where, captured?.file, captured?.line, captured?.column], ['n', 'closures/closures.go', 12, 3]);
      assert.equal(captured?.absFile, join(fixtures, 'constructs', 'closures', 'closures.go'));
      const label = find(r, 'text/text.go', 20, 37, 'explanation')[0];
      assert.ok(label);
      assert.ok(
        label.steps!.some((s) => s.why === 'call parameter' && s.where === 'append(labels, l)'),
        JSON.stringify(label.steps),
      );
      // The level-1 summary follows its block and is still its own diagnostic.
      assert.equal(find(r, 'closures/closures.go', 10, 2, 'moved-to-heap').length, 1);
      // Every from step of every block has a known WHY and a position.
      for (const d of r.diagnostics) {
        for (const s of d.steps ?? []) {
          if (s.kind === 'from') assert.ok(s.why && s.line !== undefined && s.file, `${d.file}:${d.line}: ${s.text}`);
        }
      }
    });

    test('the test build: test variants, external test package, _testmain.go and <autogenerated>', () => {
      const r = parseRecording(v, 'constructs-test-m2.txt');
      const pkgs = new Set(r.diagnostics.map((d) => `${d.package} [${d.packageVariant ?? ''}]`));
      assert.ok(pkgs.has('example.com/constructs/alloc [example.com/constructs/alloc.test]'), [...pkgs].join(', '));
      assert.ok(pkgs.has('example.com/constructs/alloc_test [example.com/constructs/alloc.test]'));
      assert.ok(pkgs.has('example.com/constructs/alloc.test []'));
      assert.ok(r.diagnostics.some((d) => d.file === '_testmain.go' && d.absFile === undefined));
      assert.ok(r.diagnostics.some((d) => d.file.endsWith('alloc_test.go') && d.kind === 'escapes'));
    });

    if (minor(v) >= 24) {
      for (const mod of ['constructs', 'service', 'rangefunc']) {
        const jsonl = join(dir, `${mod}-m2.build.jsonl`);
        test(`${mod} go build -json: 0 unparsed, same diagnostics as text mode`, () => {
          const j = parseBuildJson(read(jsonl), { baseDir: join(fixtures, mod) });
          assert.deepEqual(j.unparsed, []);
          assert.deepEqual(j.failedPackages, []);
          const t = parseRecording(v, `${mod}-m2.txt`);
          // Package blocks come out in a nondeterministic order; compare as multisets.
          assert.deepEqual(j.diagnostics.map(key).sort(), t.diagnostics.map(key).sort());
          const lines = read(jsonl)
            .split('\n')
            .filter((l) => l !== '');
          for (const d of j.diagnostics) assert.match(lines[d.inputLine - 1]!, /"Action":"build-output"/);
        });
      }
    } else {
      test('go build -json is not recorded before go1.24', () => {
        assert.equal(
          readdirSync(dir).some((f) => f.endsWith('.build.jsonl')),
          false,
        );
      });
    }

    test('the -json=0,DIR log parses and agrees with the text output', () => {
      const root = join(dir, 'logopt-constructs');
      const files: LogoptFile[] = [];
      const walk = (d: string): void => {
        for (const e of readdirSync(d).sort()) {
          const p = join(d, e);
          if (statSync(p).isDirectory()) walk(p);
          else if (e.endsWith('.json')) files.push({ path: relative(root, p), content: read(p) });
        }
      };
      walk(root);
      assert.ok(files.length >= 6);
      const r = parseLogopt(files);
      assert.deepEqual(r.unparsed, []);
      assert.equal(r.headers.length, files.length);
      assert.ok(
        r.headers.every((h) => h.gc_version.startsWith(v)),
        r.headers.map((h) => h.gc_version).join(),
      );
      // Every escaping expression of the log is an `escapes` line of the text output at the
      // same file:line:col (the log has absolute paths, the text relative ones).
      const text = parseRecording(v, 'constructs-m2.txt');
      // A variable the log says escapes is `moved to heap` in text, with an explanation block.
      const textEscapes = new Set(
        text.diagnostics
          .filter((d) => d.kind === 'escapes' || d.kind === 'explanation')
          .map((d) => `${d.absFile}:${d.line}:${d.column}:${d.expr}`),
      );
      // The log holds the absolute paths of the checkout it was recorded in; map them to this one.
      const mainHeader = r.headers.find((h) => h.file.endsWith('/constructs/main.go'));
      assert.ok(mainHeader, 'the log has a header for constructs/main.go');
      const recordedModule = mainHeader.file.slice(0, -'/main.go'.length);
      const here = (f: string | undefined) =>
        f?.startsWith(recordedModule + '/') ? join(fixtures, 'constructs', f.slice(recordedModule.length + 1)) : f;
      const logEscapes = r.diagnostics.filter((d) => d.kind === 'escapes' && d.file.startsWith(recordedModule + '/'));
      assert.ok(logEscapes.length > 20, `${logEscapes.length} escapes under ${recordedModule}`);
      for (const d of logEscapes)
        assert.ok(textEscapes.has(`${here(d.absFile)}:${d.line}:${d.column}:${d.expr}`), `${d.file}:${d.line}:${d.column} ${d.expr}`);
      const leak = r.diagnostics.find((d) => d.kind === 'leaking-param-content' && d.file.endsWith('text/text.go'));
      assert.equal(leak?.expr, 'ls');
      assert.ok(r.diagnostics.some((d) => d.kind === 'explanation' && d.steps!.some((s) => s.kind === 'from' && s.why === 'range-deref')));
    });
  });
}
