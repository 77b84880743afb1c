package main

// Where and under which name the compiler reports a construct (see the package comment, main.go).

import (
	"go/ast"
	"go/token"
)

// compilerPos is the position the compiler prints for an expression (see the package comment).
func compilerPos(e ast.Expr) token.Pos {
	switch e := e.(type) {
	case *ast.CallExpr:
		return e.Lparen
	case *ast.CompositeLit:
		return e.Lbrace
	case *ast.UnaryExpr:
		return e.OpPos
	case *ast.BinaryExpr:
		return e.OpPos
	case *ast.SelectorExpr:
		return e.Sel.Pos() - 1
	case *ast.IndexExpr:
		return e.Lbrack
	case *ast.SliceExpr:
		return e.Lbrack
	case *ast.StarExpr:
		return e.Star
	case *ast.TypeAssertExpr:
		return e.Lparen - 1
	case *ast.FuncLit:
		return e.Type.Func
	case *ast.ParenExpr:
		return compilerPos(e.X)
	case *ast.KeyValueExpr:
		return e.Colon
	}
	return e.Pos()
}

// funcDeclName names a declaration the way the compiler's diagnostics do: F, T.M or (*T).M.
func funcDeclName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	ptr := false
	if st, ok := t.(*ast.StarExpr); ok {
		ptr, t = true, st.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	name := "?"
	if id, ok := t.(*ast.Ident); ok {
		name = id.Name
	}
	if ptr {
		return "(*" + name + ")." + fd.Name.Name
	}
	return name + "." + fd.Name.Name
}
