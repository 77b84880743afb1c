// The type-facts helper (src/toolchain/typefacts) against the real compiler and runtime:
//	- every allocation the compiler reports at its own source position (not at an
//	  inlined call site) has a fact of the matching kind at exactly that byte position,
//	  for the machine's Go and the oldest/newest extra toolchains when installed;
//	- size and ptrBytes equal what the runtime's type descriptors say (Size_, PtrBytes).
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseText } from '../../src/core/escape/text.ts';
import type { TypeFact } from '../../src/core/sites/facts.ts';
import { exprShape } from '../../src/core/sites/shape.ts';
import { goEnv, runGo } from '../../src/toolchain/go.ts';
import { runTypefacts } from '../../src/toolchain/typefacts.ts';

const repo = resolve(__dirname, '../..');
// The same cache the CLI tests reach through XDG_CACHE_HOME=.cache/xdg: one helper build per Go version.
const cacheDir = join(repo, '.cache', 'xdg', 'go-heap-lens');
const fixture = join(repo, 'test/fixtures/constructs');
const hasGo = spawnSync('go', ['version']).status === 0;
const noGo = 'go is not installed on this machine: the type-facts helper cannot be built or checked';

const toolchains: { name: string; go: string }[] = [{ name: 'machine go', go: 'go' }];
for (const v of ['1.21', '1.27']) toolchains.push({ name: `go${v}`, go: join(repo, `.cache/go/go-${v}/bin/go`) });

/** Is the diagnostic at the construct's own source text (rather than at an inlined call site)? */
function atOwnSource(expr: string, kind: string, lineText: string, col: number): boolean {
  const before = Buffer.from(lineText)
    .subarray(0, col - 1)
    .toString();
  const at = Buffer.from(lineText)
    .subarray(col - 1)
    .toString();
  if (kind === 'moved-to-heap') return at.startsWith(expr) && !/\w/.test(at[expr.length] ?? ' ');
  const s = exprShape(expr);
  switch (s.kind) {
    case 'new':
      return /\bnew$/.test(before);
    case 'make':
      return /\bmake$/.test(before);
    case 'append':
      return /\bappend$/.test(before) && expr !== 'append';
    case 'addr-composite':
      return at.startsWith('&');
    case 'composite':
      return at.startsWith('{') && !/\)\s*$/.test(before);
    case 'funclit':
      return at.startsWith('func');
    case 'variadic':
      return at.startsWith('(') && /\w$/.test(before);
    case 'concat':
      return at.startsWith('+');
    case 'conversion':
      return /(string|\[\]byte|\[\]rune)\($/.test(before);
    case 'value':
      return false;
  }
}

const matchKind: Record<string, TypeFact['kind'][]> = {
  new: ['new'],
  make: ['make'],
  append: ['append'],
  'addr-composite': ['addr-composite'],
  composite: ['composite'],
  funclit: ['funclit'],
  variadic: ['variadic'],
  concat: ['concat'],
  conversion: ['conversion'],
};

suite('typefacts helper', () => {
  for (const tc of toolchains) {
    test(`${tc.name}: facts sit at the compiler's positions for every directly reported allocation in the constructs fixture`, async (t) => {
      if (!hasGo) return t.skip(noGo);
      if (tc.go !== 'go' && !existsSync(tc.go)) return t.skip(`${tc.go} is not installed (scripts/install-go-toolchains.sh installs it)`);
      const env = { GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false', GOWORK: 'off' };
      const e = await goEnv({ goBinary: tc.go, cwd: fixture, env });
      const [build, tf] = await Promise.all([
        runGo(['build', '-gcflags=-m=2', '-o', '/dev/null', './...'], { goBinary: tc.go, cwd: fixture, env }),
        runTypefacts({ goBinary: tc.go, cwd: fixture, env, patterns: ['./...'], arch: e.GOARCH, goVersion: e.GOVERSION, cacheDir }),
      ]);
      assert.equal(build.exitCode, 0, build.stderr);
      assert.deepEqual(tf.unparsed, []);
      assert.ok(tf.packages.length >= 6, `type-checked ${tf.packages.length} packages`);
      for (const p of tf.packages) assert.deepEqual(p.errors ?? [], [], `type errors in ${p.pkg}`);
      const byPos = new Map<string, TypeFact[]>();
      for (const f of tf.facts) {
        const k = `${f.file}:${f.line}:${f.col}`;
        byPos.set(k, [...(byPos.get(k) ?? []), f]);
      }
      const parsed = parseText(build.stderr, { baseDir: fixture });
      const lines = new Map<string, string[]>();
      let direct = 0;
      let variadicMatched = 0;
      const missing: string[] = [];
      const inlinedVariadic: string[] = [];
      for (const d of parsed.diagnostics) {
        if (!['escapes', 'does-not-escape', 'moved-to-heap'].includes(d.kind) || !d.absFile || d.column === null) continue;
        if (!lines.has(d.absFile)) lines.set(d.absFile, readFileSync(d.absFile, 'utf8').split('\n'));
        const text = lines.get(d.absFile)![d.line - 1] ?? '';
        if (!atOwnSource(d.expr, d.kind, text, d.column)) continue;
        direct++;
        const want = d.kind === 'moved-to-heap' ? ['var'] : matchKind[exprShape(d.expr).kind]!;
        const here = byPos.get(`${d.absFile}:${d.line}:${d.column}`) ?? [];
        const ok = here.some((f) => want.includes(f.kind));
        // `... argument` sits at the call's "(" whether the variadic call is here or was inlined
        // into this call (fmt.Sprint inside an inlined callee): the source text cannot tell.
        if (exprShape(d.expr).kind === 'variadic' && !ok) inlinedVariadic.push(`${d.file}:${d.line}:${d.column}`);
        else if (!ok) missing.push(`${d.file}:${d.line}:${d.column}: ${d.message}`);
        else if (exprShape(d.expr).kind === 'variadic') variadicMatched++;
      }
      assert.ok(variadicMatched >= 2, `only ${variadicMatched} variadic calls matched`);
      // The compiler says how it captures each variable (-m=2 "F capturing by value|ref: x"),
      // at the variable's declaration: the helper's byRef must agree.
      const captures = new Map<string, boolean>();
      for (const f of tf.facts) for (const c of f.captures ?? []) captures.set(`${f.file}:${c.line}:${c.col}:${c.name}`, c.byRef);
      let checkedCaptures = 0;
      for (const d of parsed.diagnostics) {
        const m = / capturing by (value|ref): (\S+) \(addr=/.exec(d.message);
        // .autotmp_N: arguments of `go f(x)`/`defer f(x)` captured by the compiler's own wrapper
        // closure; pkg.x: a closure of an inlined callee, reported at the call site.
        if (!m || !d.absFile || m[2]!.includes('.')) continue;
        const k = `${d.absFile}:${d.line}:${d.column}:${m[2]}`;
        assert.ok(captures.has(k), `no capture fact for ${d.file}:${d.line}:${d.column}: ${d.message}`);
        assert.equal(captures.get(k), m[1] === 'ref', `${d.file}:${d.line}:${d.column}: ${d.message}`);
        checkedCaptures++;
      }
      assert.ok(checkedCaptures >= 3, `only ${checkedCaptures} capture lines checked`);
      assert.ok(direct >= 30, `only ${direct} directly reported allocations found`);
      assert.deepEqual(missing, [], `${missing.length} of ${direct} allocations without facts at the compiler's position`);
      t.diagnostic(
        `${e.GOVERSION}: ${direct - inlinedVariadic.length} allocations at their own source, all matched ` +
          `(${variadicMatched} variadic); ${checkedCaptures} closure captures agree with the compiler; ${inlinedVariadic.length} '... argument' at inlined call sites (${inlinedVariadic.join(', ')}); ${tf.facts.length} facts`,
      );
    });
  }

  test('closure captures: by value or by reference exactly as the compiler decides', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const dir = mkdtempSync(join(tmpdir(), 'ghl-captures-'));
    writeFileSync(join(dir, 'go.mod'), 'module example.com/cap\n\ngo 1.21\n');
    // Assigned before the closure (A, D: by value), in a loop around it (B, E: by ref), after it
    // (C: by ref), by another closure (F: by ref), address taken (G: by ref), > 128 B (H: by ref).
    writeFileSync(
      join(dir, 'c.go'),
      `package cap

var Sink []func() int

func A(n int) {
	p := 1
	if n > 0 {
		p = n
	}
	Sink = append(Sink, func() int { return p })
}

func B(n int) {
	q := 1
	for i := 0; i < n; i++ {
		q = i
		Sink = append(Sink, func() int { return q })
	}
}

func C(n int) {
	r := 1
	Sink = append(Sink, func() int { return r })
	r = n
}

func D(n int) {
	s := 1
	s++
	Sink = append(Sink, func() int { return s })
}

func E(n int) {
	t := 1
	for i := 0; i < n; i++ {
		Sink = append(Sink, func() int { return t })
		t = i
	}
}

func F(n int) {
	u := 1
	set := func() { u = n }
	Sink = append(Sink, func() int { set(); return u })
}

func G(n int) {
	w := n
	pw := &w
	Sink = append(Sink, func() int { return w + *pw })
}

func H(n int) {
	var big [20]int
	big[0] = n
	Sink = append(Sink, func() int { return big[1] })
}
`,
    );
    const env = { GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false', GOWORK: 'off' };
    const e = await goEnv({ cwd: dir, env });
    const [build, tf] = await Promise.all([
      runGo(['build', '-gcflags=-m=2', '-o', '/dev/null', '.'], { cwd: dir, env }),
      runTypefacts({ cwd: dir, env, patterns: ['./...'], arch: e.GOARCH, goVersion: e.GOVERSION, cacheDir }),
    ]);
    assert.equal(build.exitCode, 0, build.stderr);
    const compiler = new Map<string, boolean>();
    for (const d of parseText(build.stderr, { baseDir: dir }).diagnostics) {
      const m = / capturing by (value|ref): (\w+) /.exec(d.message);
      if (m) compiler.set(m[2]!, m[1] === 'ref');
    }
    const helper = new Map<string, boolean>();
    for (const f of tf.facts) for (const c of f.captures ?? []) helper.set(c.name, c.byRef);
    const expected = { big: true, p: false, q: true, r: true, s: false, t: true, u: true, w: true };
    for (const [name, byRef] of Object.entries(expected)) assert.equal(compiler.get(name), byRef, `the compiler's capture of ${name}`);
    for (const [name, byRef] of compiler) assert.equal(helper.get(name), byRef, `capture of ${name}`);
    rmSync(dir, { recursive: true, force: true });
  });

  test('size and ptrBytes equal the runtime type descriptors (abi.Type Size_, PtrBytes)', async (t) => {
    if (!hasGo) return t.skip(noGo);
    const dir = mkdtempSync(join(tmpdir(), 'ghl-typefacts-'));
    const types: Record<string, string> = {
      A: 'struct{ a int64; p *int; b int64 }',
      B: '[3]*int',
      C: 'struct{ s string; n int }',
      D: 'struct{ n int; e any }',
      E: 'struct{ b bool; m map[int]int; x [4]byte }',
      F: 'struct{ f func(); c chan int; s []int }',
      G: '[2]struct{ n int; p *int }',
      H: 'struct{ a [0]*int; b int32 }',
      I: 'struct{ x int8; y int64; z int8 }',
      J: 'struct{ e struct{}; p *int; t struct{} }',
      K: 'string',
      L: '[]int',
      M: '[1]any', // a nil `any` has no type descriptor to read
      N: '[5]int16',
      O: 'struct{ u uintptr; up unsafe.Pointer }',
    };
    const names = Object.keys(types);
    const src = `package main

import (
	"fmt"
	"unsafe"
)

${names.map((n) => `type ${n} ${types[n]}`).join('\n')}

// ptrBytes reads the runtime type descriptor of v: internal/abi.Type starts with Size_, PtrBytes.
func ptrBytes(v any) (uintptr, uintptr) {
	typ := (*[2]unsafe.Pointer)(unsafe.Pointer(&v))[0]
	w := (*[2]uintptr)(typ)
	return w[0], w[1]
}

func main() {
${names.map((n) => `\tvar v${n} ${n}\n\ts${n}, p${n} := ptrBytes(v${n})\n\tfmt.Println("${n}", s${n}, p${n})`).join('\n')}
}
`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'go.mod'), 'module example.com/ptrbytes\n\ngo 1.21\n');
    writeFileSync(join(dir, 'main.go'), src);
    const env = { GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false', GOWORK: 'off' };
    const run = await runGo(['run', '.'], { cwd: dir, env });
    assert.equal(run.exitCode, 0, run.stderr);
    const runtime = new Map(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => {
          const [n, s, p] = l.split(' ');
          return [n!, { size: Number(s), ptrBytes: Number(p) }];
        }),
    );
    const e = await goEnv({ cwd: dir, env });
    const tf = await runTypefacts({ cwd: dir, env, patterns: ['./...'], arch: e.GOARCH, goVersion: e.GOVERSION, cacheDir });
    for (const n of names) {
      const f = tf.facts.find((x) => x.kind === 'var' && x.name === `v${n}`);
      assert.ok(f?.type, `no var fact for v${n}`);
      assert.deepEqual({ size: f.type.size, ptrBytes: f.type.ptrBytes }, runtime.get(n), `type ${n} = ${types[n]}`);
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
