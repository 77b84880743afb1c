package main

// Allocations the compiler's -m output never mentions, found in the source (issue 13, classes 4, 5,
// 9): they are runtime calls the compiler emits after escape analysis, so no escape diagnostic can
// be joined with them.
//   - make(chan T, n): walk turns OMAKECHAN into runtime.makechan, which always allocates the hchan
//     (and the buffer) with mallocgc; escape analysis does not model channels as allocations.
//   - m[k] = v, m[k] op= v, m[k]++: runtime.mapassign, which allocates when the map grows.
//   - s += x on a string: walk rewrites the OASOP to s = s + x after escape analysis, so the new
//     OADDSTR has no escape verdict and concatstrings gets no stack buffer: the result is on the
//     heap even for a local (measured: a 25 B local `s += "…"` allocates a 32 B slot, go1.21 and go1.27).
// Each is printed as a fact of its own kind with the source text (expr) a site shows.

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
)

// sourceSite emits the fact of node n if it is one of the constructs above.
func (fc *factCollector) sourceSite(n ast.Node) {
	switch n := n.(type) {
	case *ast.CallExpr:
		if !isBuiltin(fc.info, n.Fun, "make") || len(n.Args) == 0 {
			return
		}
		t := fc.info.TypeOf(n.Args[0])
		if _, ok := under(t).(*types.Chan); !ok {
			return
		}
		f := fc.typedFact("makechan", t)
		if len(n.Args) > 1 {
			f.Len = fc.constInt(n.Args[1])
		}
		f.Expr = types.ExprString(n)
		fc.emit(f, n.Lparen)
	case *ast.AssignStmt:
		if n.Tok == token.ADD_ASSIGN && len(n.Lhs) == 1 && len(n.Rhs) == 1 && isString(fc.info.TypeOf(n.Lhs[0])) {
			f := fact{Kind: "concat-assign", Type: fc.facts(fc.info.TypeOf(n.Lhs[0])), Operands: 1 + countConcat(n.Rhs[0])}
			if cv := fc.info.Types[n.Rhs[0]].Value; cv != nil && cv.Kind() == constant.String {
				// The appended operand's length is known: `s += ""` allocates nothing.
				l := int64(len(constant.StringVal(cv)))
				f.Len = &l
			}
			f.Expr = types.ExprString(n.Lhs[0]) + " += " + types.ExprString(n.Rhs[0])
			fc.emit(f, n.TokPos)
		}
		if n.Tok == token.DEFINE {
			return
		}
		for i, l := range n.Lhs {
			rhs := ""
			if len(n.Rhs) == len(n.Lhs) {
				rhs = types.ExprString(n.Rhs[i])
			}
			fc.mapAssign(l, n.Tok.String()+" "+rhs)
		}
	case *ast.IncDecStmt:
		fc.mapAssign(n.X, n.Tok.String())
	}
}

// mapAssign emits a mapassign fact when lhs is an index expression on a map.
func (fc *factCollector) mapAssign(lhs ast.Expr, tail string) {
	ix, ok := unparen(lhs).(*ast.IndexExpr)
	if !ok {
		return
	}
	t := fc.info.TypeOf(ix.X)
	if _, ok := under(t).(*types.Map); !ok {
		return
	}
	f := fc.typedFact("mapassign", t)
	expr := types.ExprString(ix)
	if tail == "++" || tail == "--" {
		expr += tail
	} else {
		expr += " " + tail
	}
	f.Expr = expr
	fc.emit(f, ix.Lbrack)
}
