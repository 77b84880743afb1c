package main

// Variables and closures: which variables a func literal captures, by value or by reference (the
// compiler's rules: reassigned or address-taken variables, and those over 128 bytes, go by
// reference), and the closure a method value makes.

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
)

// scanAssignments records which local variables are reassigned or have their address taken;
// the compiler captures a variable by value only if neither holds and it is ≤ 128 bytes.
func (fc *factCollector) scanAssignments(root ast.Node) {
	markAddr := func(e ast.Expr) {
		if o := fc.storedVar(e); o != nil {
			fc.addrTaken[o] = true
		}
	}
	// An assignment takes effect when its statement completes: `f = func() { f() }` assigns
	// after the closure exists, so the statement's end is what is compared with closures.
	var stmtEnd token.Pos
	markAssign := func(e ast.Expr) {
		if o := fc.storedVar(e); o != nil {
			fc.assigned[o] = append(fc.assigned[o], stmtEnd)
		}
	}
	ast.Inspect(root, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ForStmt:
			fc.loops = append(fc.loops, [2]token.Pos{n.Pos(), n.End()})
			fc.markLoopVars(n)
		case *ast.RangeStmt:
			fc.loops = append(fc.loops, [2]token.Pos{n.Pos(), n.End()})
			fc.markLoopVars(n)
		case *ast.FuncLit:
			fc.funcLits = append(fc.funcLits, [2]token.Pos{n.Pos(), n.End()})
			// Every outer variable the literal refers to is captured here; the first capture
			// in evaluation (source) order is what the compiler's reassignment rule uses.
			lit := n
			ast.Inspect(lit.Body, func(x ast.Node) bool {
				if id, ok := x.(*ast.Ident); ok {
					if v, ok := fc.info.Uses[id].(*types.Var); ok && !v.IsField() && (v.Pos() < lit.Pos() || v.Pos() >= lit.End()) {
						if first, seen := fc.firstCapture[v]; !seen || lit.Pos() < first {
							fc.firstCapture[v] = lit.Pos()
						}
					}
				}
				return true
			})
		}
		switch n := n.(type) {
		case *ast.AssignStmt:
			stmtEnd = n.End()
			for _, l := range n.Lhs {
				markAssign(l) // for :=, Uses holds only the redeclared (reassigned) names
			}
		case *ast.IncDecStmt:
			stmtEnd = n.End()
			markAssign(n.X)
		case *ast.ReturnStmt:
			// `return x` assigns x to the named results of the enclosing function.
			if len(n.Results) > 0 {
				stmtEnd = n.End()
				for _, r := range fc.namedResultsAt(root, n.Pos()) {
					fc.assigned[r] = append(fc.assigned[r], stmtEnd)
				}
			}
		case *ast.RangeStmt:
			stmtEnd = n.End()
			if n.Tok == token.ASSIGN {
				if n.Key != nil {
					markAssign(n.Key)
				}
				if n.Value != nil {
					markAssign(n.Value)
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				markAddr(n.X)
			}
		case *ast.SliceExpr:
			if _, isArr := under(fc.info.TypeOf(n.X)).(*types.Array); isArr {
				markAddr(n.X)
			}
		case *ast.SelectorExpr:
			// x.M() with a pointer receiver on an addressable x takes &x implicitly.
			if s := fc.info.Selections[n]; s != nil && s.Kind() != types.FieldVal && !s.Indirect() {
				if sig, ok := s.Obj().Type().(*types.Signature); ok && sig.Recv() != nil {
					if _, ptrRecv := sig.Recv().Type().(*types.Pointer); ptrRecv {
						if _, isPtr := under(fc.info.TypeOf(n.X)).(*types.Pointer); !isPtr {
							markAddr(n.X)
						}
					}
				}
			}
		}
		return true
	})
}

// storedVar is the variable whose own storage e denotes: x, x.f of a struct value and x[i] of an
// array value all store into (or take the address of part of) x. It is nil when e reaches
// through a pointer, a slice or a map, or names a package-level variable of another package:
// none of these is a variable a closure captures.
func (fc *factCollector) storedVar(e ast.Expr) types.Object {
	for {
		switch x := unparen(e).(type) {
		case *ast.Ident:
			return fc.info.Uses[x]
		case *ast.SelectorExpr:
			if s := fc.info.Selections[x]; s == nil || s.Indirect() {
				return nil
			}
			if _, isPtr := under(fc.info.TypeOf(x.X)).(*types.Pointer); isPtr {
				return nil
			}
			e = x.X
		case *ast.IndexExpr:
			if _, isArr := under(fc.info.TypeOf(x.X)).(*types.Array); !isArr {
				return nil
			}
			e = x.X
		default:
			return nil
		}
	}
}

func (fc *factCollector) methodValue(n *ast.SelectorExpr, s *types.Selection) {
	// Closure for a method value: struct { F uintptr; R recv }.
	recv := fc.info.TypeOf(n.X)
	if recv == nil {
		return
	}
	fields := []*types.Var{
		types.NewField(token.NoPos, nil, "F", types.Typ[types.Uintptr], false),
		types.NewField(token.NoPos, nil, "R", recv, false),
	}
	st := types.NewStruct(fields, nil)
	tf := fc.facts(st)
	tf.Name = "method value " + types.ExprString(n)
	fc.emit(fact{Kind: "methodvalue", Type: tf, Name: s.Obj().Name()}, compilerPos(n))
}

func (fc *factCollector) funcLit(n *ast.FuncLit) {
	var caps []capture
	seen := map[types.Object]bool{}
	var fields []*types.Var
	fields = append(fields, types.NewField(token.NoPos, nil, "F", types.Typ[types.Uintptr], false))
	ast.Inspect(n.Body, func(x ast.Node) bool {
		id, ok := x.(*ast.Ident)
		if !ok {
			return true
		}
		v, ok := fc.info.Uses[id].(*types.Var)
		if !ok || v.IsField() || seen[v] || v.Parent() == nil || v.Parent() == fc.pkg.Scope() || v.Pkg() != fc.pkg {
			return true
		}
		if v.Pos() >= n.Pos() && v.Pos() < n.End() {
			return true
		}
		seen[v] = true
		byRef := fc.addrTaken[v] || fc.reassigned(v)
		t := v.Type()
		if !byRef && !dependsOnTypeParam(t) && fc.sizes.Sizeof(t) > 128 {
			byRef = true
		}
		ft := t
		if byRef {
			ft = types.NewPointer(t)
		}
		fields = append(fields, types.NewField(token.NoPos, nil, fmt.Sprintf("X%d", len(fields)), ft, false))
		decl := fc.fset.Position(v.Pos())
		caps = append(caps, capture{Name: v.Name(), Type: *fc.facts(t), ByRef: byRef, Line: decl.Line, Col: decl.Column})
		return true
	})
	st := types.NewStruct(fields, nil)
	tf := fc.facts(st)
	tf.Name = "closure"
	fc.emit(fact{Kind: "funclit", Type: tf, Captures: caps}, n.Type.Func)
}

// reassigned mirrors escape analysis (cmd/compile/internal/escape: (*escape).reassigned
// and the OCLOSURE case of exprSkipInit): any assignment other than the declaration marks a
// variable reassigned, except that reassignments in straight-line code before its first
// capture are forgotten when that capture is at the declaration's loop depth.
func (fc *factCollector) reassigned(v *types.Var) bool {
	first, captured := fc.firstCapture[v]
	for _, a := range fc.assigned[v] {
		if captured && a <= first && fc.loopDepth(first) == fc.loopDepth(v.Pos()) {
			continue
		}
		return true
	}
	return false
}

// namedResultsAt returns the named results of the innermost function (declaration or
// literal) in root that contains pos.
func (fc *factCollector) namedResultsAt(root ast.Node, pos token.Pos) []types.Object {
	var ft *ast.FuncType
	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil || pos < n.Pos() || pos >= n.End() {
			return false
		}
		switch f := n.(type) {
		case *ast.FuncDecl:
			ft = f.Type
		case *ast.FuncLit:
			ft = f.Type
		}
		return true
	})
	var out []types.Object
	if ft != nil && ft.Results != nil {
		for _, f := range ft.Results.List {
			for _, id := range f.Names {
				if o := fc.info.Defs[id]; o != nil {
					out = append(out, o)
				}
			}
		}
	}
	return out
}

func (fc *factCollector) loopDepth(p token.Pos) int {
	d := 0
	for _, l := range fc.loops {
		if p >= l[0] && p < l[1] {
			d++
		}
	}
	return d
}
