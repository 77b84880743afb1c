package main

// go1.26+ builds a slice that is only appended to, indexed and finally handed on once (a return or
// an assignment) in a stack buffer, and moves it to the heap at that hand-off
// (cmd/compile/internal/slice, runtime.moveSlice*). This mirrors that pass's rules on the syntax,
// conservatively: a use it does not list (a call argument, a conversion, a closure capture) rules the
// variable out, as an escaping call argument does in the compiler.

import (
	"go/ast"
	"go/token"
	"go/types"
)

const variableMakeThresholdBytes = 32 // base.Debug.VariableMakeThreshold

type movedSlice struct {
	uses, okUses int
	declDepth    int
	weight       int
	transition   ast.Node
	firstAppend  *ast.CallExpr
	bad          bool
}

func (fc *factCollector) moveToHeap(ft *ast.FuncType, body *ast.BlockStmt) {
	if body == nil {
		return
	}
	info := map[*types.Var]*movedSlice{}
	track := func(id *ast.Ident) {
		v, ok := fc.info.Defs[id].(*types.Var)
		if !ok {
			return
		}
		s, ok := under(v.Type()).(*types.Slice)
		if !ok || dependsOnTypeParam(s.Elem()) || fc.sizes.Sizeof(s.Elem()) > variableMakeThresholdBytes {
			return
		}
		info[v] = &movedSlice{}
	}
	var named []*types.Var
	for _, fl := range []*ast.FieldList{ft.Params, ft.Results} {
		if fl == nil {
			continue
		}
		for _, f := range fl.List {
			for _, id := range f.Names {
				track(id)
				if v, ok := fc.info.Defs[id].(*types.Var); ok && fl == ft.Results && info[v] != nil {
					named = append(named, v)
				}
			}
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ValueSpec:
			for _, id := range n.Names {
				track(id)
			}
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						track(id)
					}
				}
			}
		}
		return true
	})
	if len(info) == 0 {
		return
	}
	tracking := func(e ast.Expr) (*types.Var, *movedSlice) {
		id, ok := unparen(e).(*ast.Ident)
		if !ok {
			return nil, nil
		}
		v, _ := fc.info.Uses[id].(*types.Var)
		if v == nil {
			v, _ = fc.info.Defs[id].(*types.Var)
		}
		if i := info[v]; i != nil {
			return v, i
		}
		return nil, nil
	}
	depth := 0
	transition := func(i *movedSlice, at ast.Node) {
		if i.transition != nil || depth > i.declDepth {
			i.bad = true
			return
		}
		i.transition = at
	}
	assign := func(x, y ast.Expr, stmt ast.Node) {
		if _, i := tracking(x); i != nil {
			y := unparen(y)
			switch yy := y.(type) {
			case *ast.CompositeLit:
				i.okUses++
			case *ast.SliceExpr:
				if _, j := tracking(yy.X); j == i {
					i.okUses += 2
				}
			case *ast.CallExpr:
				if isBuiltin(fc.info, yy.Fun, "append") && len(yy.Args) > 0 {
					if _, j := tracking(yy.Args[0]); j == i {
						i.okUses += 2
						i.weight += 1 + depth - i.declDepth
						if i.firstAppend == nil {
							i.firstAppend = yy
						}
					}
				}
			default:
				if tv := fc.info.Types[y]; tv.IsNil() {
					i.okUses++
				}
			}
		}
		if _, i := tracking(y); i != nil {
			i.okUses++
			transition(i, stmt)
		}
	}
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			// A capture is a use the pass does not understand.
			ast.Inspect(n.Body, func(m ast.Node) bool {
				if id, ok := m.(*ast.Ident); ok {
					if _, i := tracking(id); i != nil {
						i.bad = true
					}
				}
				return true
			})
			return false
		case *ast.Ident:
			if _, i := tracking(n); i != nil {
				i.uses++
			}
		case *ast.ValueSpec:
			for k, id := range n.Names {
				if _, i := tracking(id); i != nil {
					// The declaration is one understood use (ODCL), an initialiser a second, assigned, use.
					i.declDepth = depth
					i.uses++
					i.okUses++
					if k < len(n.Values) {
						i.uses++
						assign(id, n.Values[k], n)
					}
				}
			}
			for _, v := range n.Values {
				ast.Inspect(v, visit)
			}
			return false
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for k := range n.Lhs {
					if _, i := tracking(n.Lhs[k]); i != nil && n.Tok == token.DEFINE && fc.info.Defs[unparen(n.Lhs[k]).(*ast.Ident)] != nil {
						i.declDepth = depth
					}
					if n.Tok == token.ASSIGN || n.Tok == token.DEFINE {
						assign(n.Lhs[k], n.Rhs[k], n)
					}
				}
			}
		case *ast.IndexExpr:
			if _, i := tracking(n.X); i != nil {
				i.okUses++
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				if ix, ok := unparen(n.X).(*ast.IndexExpr); ok {
					if _, i := tracking(ix.X); i != nil {
						i.bad = true
					}
				}
			}
		case *ast.CallExpr:
			if (isBuiltin(fc.info, n.Fun, "len") || isBuiltin(fc.info, n.Fun, "cap")) && len(n.Args) == 1 {
				if _, i := tracking(n.Args[0]); i != nil {
					i.okUses++
				}
			}
		case *ast.ReturnStmt:
			for _, r := range n.Results {
				if _, i := tracking(r); i != nil {
					i.okUses++
					transition(i, n)
				}
			}
			if len(n.Results) == 0 {
				for _, v := range named {
					transition(info[v], n)
				}
			}
		case *ast.RangeStmt:
			if _, i := tracking(n.X); i != nil {
				i.okUses++
				transition(i, n)
			}
			depth++
			ast.Inspect(n.X, visit)
			if n.Key != nil {
				ast.Inspect(n.Key, visit)
			}
			if n.Value != nil {
				ast.Inspect(n.Value, visit)
			}
			ast.Inspect(n.Body, visit)
			depth--
			return false
		case *ast.ForStmt:
			depth++
			for _, c := range []ast.Node{n.Init, n.Cond, n.Post, n.Body} {
				if c != nil && !isNilNode(c) {
					ast.Inspect(c, visit)
				}
			}
			depth--
			return false
		}
		return true
	}
	ast.Inspect(body, visit)
	for v, i := range info {
		if i.bad || i.uses != i.okUses || i.weight < 2 || i.firstAppend == nil {
			continue
		}
		r, ok := i.transition.(*ast.ReturnStmt)
		if !ok {
			continue // an assignment hand-off: the compiler moves it there too; not modelled yet
		}
		f := fc.typedFact("move2heap", v.Type())
		f.Name = v.Name()
		ap := fc.fset.Position(i.firstAppend.Lparen)
		f.AppendLine, f.AppendCol = ap.Line, ap.Column
		fc.emit(f, r.Return)
	}
}

func isNilNode(n ast.Node) bool {
	switch x := n.(type) {
	case ast.Stmt:
		return x == nil
	case ast.Expr:
		return x == nil
	}
	return false
}
