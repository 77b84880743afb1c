package main

// The walk over a type-checked package: each top-level declaration in turn, and the constructs in
// it that may allocate (construct.go, capture.go).

import (
	"encoding/json"
	"go/ast"
	"go/token"
	"go/types"
)

type factCollector struct {
	fset    *token.FileSet
	info    *types.Info
	sizes   types.Sizes
	pkg     *types.Package
	enc     *json.Encoder
	pkgDesc string
	// per enclosing top-level function: variables assigned after declaration and address-taken.
	assigned  map[types.Object][]token.Pos
	addrTaken map[types.Object]bool
	loops     [][2]token.Pos
	funcLits  [][2]token.Pos
	// firstCapture: position of the first func literal that captures each variable.
	firstCapture map[types.Object]token.Pos
	// called: selectors in call position (x.M(...)), which are not method values.
	called map[*ast.SelectorExpr]bool
	// funcName: the top-level declaration being walked (see fact.Func).
	funcName string
	// perLoopVars: loop variables are per loop (loopvar.go).
	perLoopVars bool
}

func (fc *factCollector) emit(f fact, at token.Pos) {
	pos := fc.fset.Position(at)
	f.File, f.Line, f.Col, f.Pkg, f.Func = pos.Filename, pos.Line, pos.Column, fc.pkgDesc, fc.funcName
	_ = fc.enc.Encode(f)
}

func (fc *factCollector) qualifier(p *types.Package) string {
	if p == fc.pkg {
		return ""
	}
	return p.Name()
}

func (fc *factCollector) file(f *ast.File) {
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			// package-level var initialisers allocate too (in init).
			fc.funcName = "init"
			fc.assigned, fc.addrTaken, fc.loops, fc.funcLits, fc.firstCapture = map[types.Object][]token.Pos{}, map[types.Object]bool{}, nil, nil, map[types.Object]token.Pos{}
			fc.walk(d, nil)
			continue
		}
		fc.assigned, fc.addrTaken, fc.loops, fc.funcLits, fc.firstCapture = map[types.Object][]token.Pos{}, map[types.Object]bool{}, nil, nil, map[types.Object]token.Pos{}
		fc.funcName = funcDeclName(fd)
		// The declaration's extent: sites with no fact of their own (bodies inlined from other
		// packages, generic instances) are named after the function whose lines hold them.
		fc.emit(fact{Kind: "func", EndLine: fc.fset.Position(fd.End()).Line}, fd.Pos())
		fc.scanAssignments(fd)
		fc.params(fd.Recv, fd.Type)
		if fd.Body != nil {
			fc.walk(fd.Body, fd.Type)
			fc.goStmts(fd.Body)
			fc.moveToHeap(fd.Type, fd.Body)
		}
	}
}

func (fc *factCollector) params(recv *ast.FieldList, ft *ast.FuncType) {
	for _, fl := range []*ast.FieldList{recv, ft.Params, ft.Results} {
		if fl == nil {
			continue
		}
		for _, field := range fl.List {
			for _, n := range field.Names {
				fc.varFact(n)
			}
		}
	}
}

func (fc *factCollector) varFact(id *ast.Ident) {
	obj, ok := fc.info.Defs[id].(*types.Var)
	if !ok || id.Name == "_" {
		return
	}
	fc.emit(fact{Kind: "var", Name: id.Name, Type: fc.facts(obj.Type())}, id.Pos())
}

func unparen(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

func under(t types.Type) types.Type {
	if t == nil {
		return nil
	}
	return t.Underlying()
}

func isInterface(t types.Type) bool {
	if t == nil {
		return false
	}
	if _, ok := unalias(t).(*types.TypeParam); ok {
		return false
	}
	return types.IsInterface(t)
}

func (fc *factCollector) walk(root ast.Node, sig *ast.FuncType) {
	var resultTypes []types.Type
	if sig != nil && sig.Results != nil {
		for _, f := range sig.Results.List {
			t := fc.info.TypeOf(f.Type)
			n := len(f.Names)
			if n == 0 {
				n = 1
			}
			for i := 0; i < n; i++ {
				resultTypes = append(resultTypes, t)
			}
		}
	}
	ast.Inspect(root, func(n ast.Node) bool {
		fc.sourceSite(n)
		switch n := n.(type) {
		case *ast.FuncLit:
			fc.funcLit(n)
			fc.params(nil, n.Type)
			fc.walk(n.Body, n.Type)
			return false
		case *ast.ValueSpec:
			for i, id := range n.Names {
				fc.varFact(id)
				if i < len(n.Values) && n.Type != nil {
					fc.ifaceConv(n.Values[i], fc.info.TypeOf(n.Type))
				}
			}
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						fc.varFact(id)
					}
				}
			} else if n.Tok == token.ASSIGN && len(n.Lhs) == len(n.Rhs) {
				for i, l := range n.Lhs {
					fc.ifaceConv(n.Rhs[i], fc.info.TypeOf(l))
				}
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				for _, e := range []ast.Expr{n.Key, n.Value} {
					if id, ok := e.(*ast.Ident); ok {
						fc.varFact(id)
					}
				}
			}
		case *ast.TypeSwitchStmt:
			// each clause's implicit variable: moved to heap at the clause's position is rare; skip.
		case *ast.ReturnStmt:
			if len(n.Results) == len(resultTypes) {
				for i, r := range n.Results {
					fc.ifaceConv(r, resultTypes[i])
				}
			}
		case *ast.SendStmt:
			if ch, ok := under(fc.info.TypeOf(n.Chan)).(*types.Chan); ok {
				fc.ifaceConv(n.Value, ch.Elem())
			}
		case *ast.CompositeLit:
			fc.compositeLit(n)
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				if cl, ok := unparen(n.X).(*ast.CompositeLit); ok {
					if t := fc.info.TypeOf(cl); t != nil {
						fc.emit(fact{Kind: "addr-composite", Type: fc.facts(t)}, n.OpPos)
					}
				}
			}
		case *ast.BinaryExpr:
			if n.Op == token.ADD {
				tv := fc.info.Types[n]
				if tv.Value == nil && isString(tv.Type) {
					fc.emit(fact{Kind: "concat", Type: fc.facts(tv.Type), Operands: countConcat(n)}, n.OpPos)
				}
			}
			if n.Op == token.EQL || n.Op == token.NEQ {
				// mixed interface/concrete comparisons convert the concrete side (no allocation
				// since go1.x uses efaceeq on the value in place, but the compiler may still report it).
				lt, rt := fc.info.TypeOf(n.X), fc.info.TypeOf(n.Y)
				if isInterface(lt) && !isInterface(rt) {
					fc.ifaceConv(n.Y, lt)
				} else if isInterface(rt) && !isInterface(lt) {
					fc.ifaceConv(n.X, rt)
				}
			}
		case *ast.SelectorExpr:
			if s := fc.info.Selections[n]; s != nil && s.Kind() == types.MethodVal && !fc.called[n] {
				fc.methodValue(n, s)
			}
		case *ast.CallExpr:
			if sel, ok := unparen(n.Fun).(*ast.SelectorExpr); ok {
				fc.called[sel] = true
			}
			fc.call(n)
		}
		return true
	})
}
