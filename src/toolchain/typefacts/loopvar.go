package main

// Loop variables are one variable per loop, assigned on every iteration, unless both the toolchain
// and the module's language version are go1.22 or later (per-iteration loop variables, GOEXPERIMENT
// loopvar on by default from go1.22). A closure then captures a per-loop range variable by
// reference: the compiler's `capturing by ref: s (addr=false assign=true …)`.

import (
	"go/ast"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// goMinor reads the minor version of "go1.N…" or "1.N…"; 0 if it cannot.
func goMinor(v string) int {
	v = strings.TrimPrefix(strings.TrimSpace(v), "go")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 || parts[0] != "1" {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err != nil {
		return 0
	}
	return n
}

// moduleGoMinor: the `go` directive of the go.mod above dir (0 when there is none: GOPATH mode, the standard library).
func moduleGoMinor(dir string) int {
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if f := strings.Fields(l); len(f) == 2 && f[0] == "go" {
					return goMinor(f[1])
				}
			}
			return 0
		}
		if filepath.Dir(d) == d {
			return 0
		}
	}
}

// perLoopVars: this package's loop variables are per loop (see above).
func perLoopVars(dir string) bool {
	tc := goMinor(runtime.Version())
	mod := moduleGoMinor(dir)
	return (tc != 0 && tc < 22) || (mod != 0 && mod < 22)
}

// markLoopVars records the per-iteration assignment of the variables a loop declares (at the loop's
// end: after any capture in its body, so reassigned() keeps it).
func (fc *factCollector) markLoopVars(n ast.Node) {
	if !fc.perLoopVars {
		return
	}
	var ids []ast.Expr
	switch l := n.(type) {
	case *ast.RangeStmt:
		if l.Tok == token.DEFINE {
			ids = []ast.Expr{l.Key, l.Value}
		}
	case *ast.ForStmt:
		if as, ok := l.Init.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
			ids = as.Lhs
		}
	}
	for _, e := range ids {
		if id, ok := e.(*ast.Ident); ok && id != nil {
			if o := fc.info.Defs[id]; o != nil {
				fc.assigned[o] = append(fc.assigned[o], n.End())
			}
		}
	}
}
