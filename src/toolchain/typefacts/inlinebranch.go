package main

// Allocations inlined from a chain of callees (`inlining call to fmt.Errorf`, then `inlining call to
// errors.New` at the same call site): the allocation of the last callee runs only if every call along
// the chain does. A call is on a branch when it sits in an if/else block, a case or select clause, a
// loop body or a func literal, or after a statement that may return early. -resolve answers
// {pkg, callees} queries with {kind: "branch", conditional}.

import (
	"go/ast"
	"go/parser"
	"path/filepath"
	"strings"
)

// splitCallee reads `fmt.Errorf`, `bytes.(*Buffer).String`, `slices.Index[go.shape.int]` into the
// package name, the receiver type name ("" for functions) and the function name.
func splitCallee(s string) (pkg, recv, name string) {
	if i := strings.Index(s, "["); i >= 0 {
		s = s[:i]
	}
	dot := strings.Index(s, ".")
	if dot < 0 {
		return "", "", s
	}
	pkg, rest := s[:dot], s[dot+1:]
	if j := strings.LastIndex(rest, "."); j >= 0 {
		recv = strings.Trim(rest[:j], "()*")
		if k := strings.Index(recv, "["); k >= 0 {
			recv = recv[:k]
		}
		return pkg, recv, rest[j+1:]
	}
	return pkg, "", rest
}

func (r *resolver) funcDecl(from *listedPackage, callee string) *ast.FuncDecl {
	pkgName, recv, name := splitCallee(callee)
	for _, c := range r.candidates(from, pkgName) {
		lp := r.byPath[c]
		for _, fn := range lp.GoFiles {
			f, err := parser.ParseFile(r.fset, filepath.Join(lp.Dir, fn), nil, parser.SkipObjectResolution)
			if err != nil {
				continue
			}
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Name.Name != name || fd.Body == nil {
					continue
				}
				if (fd.Recv == nil) != (recv == "") {
					continue
				}
				if recv != "" && recvName(fd.Recv.List[0].Type) != recv {
					continue
				}
				return fd
			}
		}
	}
	return nil
}

func recvName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return recvName(x.X)
	case *ast.IndexExpr:
		return recvName(x.X)
	case *ast.IndexListExpr:
		return recvName(x.X)
	case *ast.Ident:
		return x.Name
	}
	return ""
}

// callsOnBranch: whether every call to `next` in fd's body is on a branch (nil: no such call found).
func callsOnBranch(fd *ast.FuncDecl, next string) *bool {
	_, _, name := splitCallee(next)
	var found, allBranch = false, true
	var path []ast.Node
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if n == nil {
			path = path[:len(path)-1]
			return false
		}
		path = append(path, n)
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		callee := ""
		switch f := call.Fun.(type) {
		case *ast.Ident:
			callee = f.Name
		case *ast.SelectorExpr:
			callee = f.Sel.Name
		case *ast.IndexExpr:
			callee = recvName(f.X)
		}
		if callee == name {
			found = true
			if !onBranch(path) {
				allBranch = false
			}
		}
		return true
	})
	if !found {
		return nil
	}
	return &allBranch
}

// onBranch: path runs from the function body down to a node; is that node reached only on some runs?
func onBranch(path []ast.Node) bool {
	for i := 0; i < len(path)-1; i++ {
		child := path[i+1]
		switch p := path[i].(type) {
		case *ast.IfStmt:
			if child == p.Body || child == p.Else {
				return true
			}
		case *ast.CaseClause, *ast.CommClause, *ast.FuncLit:
			return true
		case *ast.ForStmt:
			if child == p.Body {
				return true
			}
		case *ast.RangeStmt:
			if child == p.Body {
				return true
			}
		case *ast.BlockStmt:
			for _, st := range p.List {
				if st == child {
					break
				}
				if mayReturn(st) {
					return true
				}
			}
		}
	}
	return false
}

func mayReturn(st ast.Stmt) bool {
	found := false
	ast.Inspect(st, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.ReturnStmt:
			found = true
		case *ast.FuncLit:
			return false
		}
		return !found
	})
	return found
}

// branch answers one query: is the innermost callee's body reached only on a branch of the chain?
func (r *resolver) branch(from *listedPackage, callees []string) (bool, error) {
	for i := 0; i+1 < len(callees); i++ {
		fd := r.funcDecl(from, callees[i])
		if fd == nil {
			return false, errNoDecl(callees[i])
		}
		if b := callsOnBranch(fd, callees[i+1]); b != nil && *b {
			return true, nil
		}
	}
	return false, nil
}

type errNoDecl string

func (e errNoDecl) Error() string {
	return "no declaration of " + string(e) + " among the dependencies"
}
