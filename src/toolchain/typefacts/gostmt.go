package main

// go and defer statements with arguments: the compiler wraps the call in a closure that captures the operands
// evaluated at the statement (cmd/compile/internal/typecheck normalizeGoDeferCall). The capture
// lines (-m=2) give their widths; this fact gives their types (pointers decide the span class).

import (
	"go/ast"
	"go/token"
	"go/types"
)

func (fc *factCollector) goStmts(body ast.Node) {
	ast.Inspect(body, func(n ast.Node) bool {
		var call *ast.CallExpr
		var at, end token.Pos
		switch st := n.(type) {
		case *ast.GoStmt:
			call, at, end = st.Call, st.Go, st.End()
		case *ast.DeferStmt:
			// A defer's wrapper is the same closure; it is on the heap only in a loop (the compiler says).
			call, at, end = st.Call, st.Defer, st.End()
		default:
			return true
		}
		var caps []capture
		add := func(e ast.Expr) {
			if t := fc.info.TypeOf(e); t != nil {
				caps = append(caps, capture{Name: types.ExprString(e), Type: *fc.facts(t)})
			}
		}
		var visit func(e ast.Expr)
		visit = func(e ast.Expr) {
			e = unparen(e)
			tv := fc.info.Types[e]
			if tv.Value != nil || tv.IsNil() || tv.IsType() {
				return // constants and nil are evaluated inside the wrapper
			}
			switch x := e.(type) {
			case *ast.Ident:
				if _, isFunc := fc.info.Uses[x].(*types.Func); isFunc {
					return // a reference to a global function
				}
			case *ast.SelectorExpr:
				if _, isFunc := fc.info.Uses[x.Sel].(*types.Func); isFunc && fc.info.Selections[x] == nil {
					return // pkg.F
				}
				if s := fc.info.Selections[x]; s != nil && s.Kind() == types.MethodExpr {
					return
				}
			case *ast.CallExpr:
				if isBuiltin(fc.info, x.Fun, "new") {
					return
				}
			case *ast.UnaryExpr:
				if id, ok := unparen(x.X).(*ast.Ident); ok && x.Op.String() == "&" {
					if v, ok := fc.info.Uses[id].(*types.Var); ok && v.Parent() == fc.pkg.Scope() {
						return // address of a global
					}
				}
			case *ast.CompositeLit:
				switch under(tv.Type).(type) {
				case *types.Array, *types.Slice, *types.Struct:
					for _, el := range x.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							el = kv.Value
						}
						visit(el)
					}
					return
				}
			}
			add(e)
		}
		if sel, ok := unparen(call.Fun).(*ast.SelectorExpr); ok {
			if s := fc.info.Selections[sel]; s != nil && s.Kind() == types.MethodVal {
				// x.M(args): the receiver is the first operand (the interface, or the value/pointer passed).
				visit(sel.X)
				for _, a := range call.Args {
					visit(a)
				}
				fc.emitGoWrap(caps, at, end)
				return true
			}
		}
		visit(call.Fun)
		for _, a := range call.Args {
			visit(a)
		}
		fc.emitGoWrap(caps, at, end)
		return true
	})
}

func (fc *factCollector) emitGoWrap(caps []capture, at, end token.Pos) {
	if len(caps) == 0 {
		return
	}
	e := fc.fset.Position(end)
	fc.emit(fact{Kind: "gowrap", Captures: caps, EndLine: e.Line, EndCol: e.Column}, at)
}
