package main

// Constant sizes through inlining (issue 13, class 8): `&Encoder{w: bufio.NewWriter(w)}` inlines
// bufio.NewWriterSize's `make([]byte, size)`, and -m prints it at the caller's call as
// `make([]byte, bufio.size)`: the callee's parameter, named by its package. The workspace has no
// such expression, so the helper answers an inline query {pkg, file, line, col, expr}: it finds the
// call at that position, follows the calls the callee's body makes (callees type-checked from
// source, GOROOT included) with the constant arguments bound to parameters, and reports the length
// of the make whose printed form is expr. A parameter is a constant only if every assignment to it
// in the body assigns that same constant and its address is never taken; anything else is unknown,
// so the answer is the one value the program can have there, or no answer.

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
)

// maxInlineDepth bounds the call chain followed (the compiler's inliner rarely nests deeper).
const maxInlineDepth = 4

type checkedPackage struct {
	lp    *listedPackage
	pkg   *types.Package
	info  *types.Info
	files []*ast.File
}

type inlineCandidate struct {
	typ      string
	lenTexts map[string]bool
	len      constant.Value
	cap      constant.Value // nil: no cap argument
	hasCap   bool
}

// withInfo type-checks a listed package from source, keeping what the walk needs (cached).
func (r *resolver) withInfo(path string) (*checkedPackage, error) {
	if r.infos == nil {
		r.infos = map[string]*checkedPackage{}
	}
	if c, ok := r.infos[path]; ok {
		if c == nil {
			return nil, fmt.Errorf("package %s did not type-check", path)
		}
		return c, nil
	}
	r.infos[path] = nil
	lp := r.byPath[path]
	if lp == nil {
		return nil, fmt.Errorf("package %s not listed", path)
	}
	var files []*ast.File
	for _, name := range append(append([]string{}, lp.GoFiles...), lp.CgoFiles...) {
		f, err := parseFile(r.fset, filepath.Join(lp.Dir, name))
		if f == nil {
			return nil, err
		}
		files = append(files, f)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}}
	conf := types.Config{Importer: mappedImporter{r.imp, lp.ImportMap}, Sizes: r.sizes, FakeImportC: len(lp.CgoFiles) > 0, Error: func(error) {}}
	base := path
	if i := strings.Index(base, " ["); i >= 0 {
		base = base[:i]
	}
	pkg, _ := conf.Check(base, r.fset, files, info)
	if pkg == nil {
		return nil, fmt.Errorf("package %s did not type-check", path)
	}
	c := &checkedPackage{lp: lp, pkg: pkg, info: info, files: files}
	r.infos[path] = c
	return c, nil
}

// packageOf finds the listed package of fn as seen from c (vendored and test variants mapped).
func (r *resolver) packageOf(c *checkedPackage, fn *types.Func) (*checkedPackage, error) {
	if fn.Pkg() == nil {
		return nil, fmt.Errorf("builtin")
	}
	path := fn.Pkg().Path()
	if fn.Pkg() == c.pkg {
		return c, nil
	}
	if m, ok := c.lp.ImportMap[path]; ok {
		path = m
	}
	return r.withInfo(path)
}

// funcDecl: the declaration of a top-level function, by name in c (fn may come from export data,
// a different object than the source-checked one).
func funcDecl(c *checkedPackage, fn *types.Func) *ast.FuncDecl {
	if sig, ok := fn.Type().(*types.Signature); !ok || sig.Recv() != nil {
		return nil
	}
	obj := c.pkg.Scope().Lookup(fn.Name())
	for _, f := range c.files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil && fd.Recv == nil && c.info.Defs[fd.Name] == obj {
				return fd
			}
		}
	}
	return nil
}

func calleeOf(info *types.Info, call *ast.CallExpr) *types.Func {
	switch f := unparen(call.Fun).(type) {
	case *ast.Ident:
		fn, _ := info.Uses[f].(*types.Func)
		return fn
	case *ast.SelectorExpr:
		fn, _ := info.Uses[f.Sel].(*types.Func)
		return fn
	case *ast.IndexExpr: // an explicit instantiation F[T](…)
		if id, ok := f.X.(*ast.Ident); ok {
			fn, _ := info.Uses[id].(*types.Func)
			return fn
		}
	}
	return nil
}

// evalConst: the constant value of e in frame vals, or nil.
func evalConst(info *types.Info, vals map[types.Object]constant.Value, e ast.Expr) constant.Value {
	if v := info.Types[e].Value; v != nil {
		return v
	}
	if id, ok := unparen(e).(*ast.Ident); ok {
		if v, ok := vals[info.Uses[id]]; ok {
			return v
		}
	}
	return nil
}

// bind: the parameters of fd with the constant arguments that hold throughout the body.
func bind(c *checkedPackage, fd *ast.FuncDecl, args []constant.Value) map[types.Object]constant.Value {
	vals := map[types.Object]constant.Value{}
	i := 0
	for _, field := range fd.Type.Params.List {
		for _, n := range field.Names {
			if i < len(args) && args[i] != nil {
				vals[c.info.Defs[n]] = args[i]
			}
			i++
		}
		if len(field.Names) == 0 {
			i++
		}
	}
	// Any other value a parameter can take makes it unknown.
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for j, l := range n.Lhs {
				id, ok := unparen(l).(*ast.Ident)
				if !ok {
					continue
				}
				obj := c.info.Uses[id]
				v, bound := vals[obj]
				if !bound {
					continue
				}
				if n.Tok != token.ASSIGN || len(n.Rhs) != len(n.Lhs) {
					delete(vals, obj)
					continue
				}
				if w := evalConst(c.info, nil, n.Rhs[j]); w == nil || !constant.Compare(w, token.EQL, v) {
					delete(vals, obj)
				}
			}
		case *ast.IncDecStmt:
			if id, ok := unparen(n.X).(*ast.Ident); ok {
				delete(vals, c.info.Uses[id])
			}
		case *ast.UnaryExpr:
			if id, ok := unparen(n.X).(*ast.Ident); ok && n.Op == token.AND {
				delete(vals, c.info.Uses[id])
			}
		}
		return true
	})
	return vals
}

// makes collects the slice makes reachable from fd through calls, with their constant sizes.
func (r *resolver) makes(c *checkedPackage, fd *ast.FuncDecl, args []constant.Value, depth int, out *[]inlineCandidate) {
	vals := bind(c, fd, args)
	qual := func(p *types.Package) string { return p.Name() }
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if isBuiltin(c.info, call.Fun, "make") && len(call.Args) >= 2 {
			if _, ok := under(c.info.TypeOf(call.Args[0])).(*types.Slice); ok {
				cand := inlineCandidate{typ: types.TypeString(c.info.TypeOf(call.Args[0]), qual), lenTexts: map[string]bool{types.ExprString(call.Args[1]): true}}
				if id, ok := unparen(call.Args[1]).(*ast.Ident); ok {
					// -m names an inlined function's variables by their package: bufio.size.
					cand.lenTexts[c.pkg.Name()+"."+id.Name] = true
				}
				cand.len = evalConst(c.info, vals, call.Args[1])
				if cand.len != nil {
					cand.lenTexts[cand.len.ExactString()] = true
				}
				if len(call.Args) > 2 {
					cand.hasCap = true
					cand.cap = evalConst(c.info, vals, call.Args[2])
				}
				*out = append(*out, cand)
			}
			return true
		}
		if depth >= maxInlineDepth {
			return true
		}
		fn := calleeOf(c.info, call)
		if fn == nil {
			return true
		}
		cc, err := r.packageOf(c, fn)
		if err != nil {
			return true
		}
		callee := funcDecl(cc, fn)
		if callee == nil || callee.Recv != nil {
			return true
		}
		argv := make([]constant.Value, len(call.Args))
		for i, a := range call.Args {
			argv[i] = evalConst(c.info, vals, a)
		}
		r.makes(cc, callee, argv, depth+1, out)
		return true
	})
}

// inlinedMake answers an inline query: the constant length (and capacity) of `expr` at the call at file:line:col.
func (r *resolver) inlinedMake(from *listedPackage, q resolveQuery) (length, capacity *int64, err error) {
	c, err := r.withInfo(from.ImportPath)
	if err != nil {
		return nil, nil, err
	}
	var call *ast.CallExpr
	for _, f := range c.files {
		if r.fset.Position(f.Pos()).Filename != q.File {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if ce, ok := n.(*ast.CallExpr); ok && call == nil {
				if p := r.fset.Position(ce.Lparen); p.Line == q.Line && p.Column == q.Col {
					call = ce
				}
			}
			return call == nil
		})
	}
	if call == nil {
		return nil, nil, fmt.Errorf("no call at %s:%d:%d", q.File, q.Line, q.Col)
	}
	typ, lenText, capText, ok := splitMake(q.Expr)
	if !ok {
		return nil, nil, fmt.Errorf("not a make: %s", q.Expr)
	}
	var cands []inlineCandidate
	fn := calleeOf(c.info, call)
	if fn == nil {
		return nil, nil, fmt.Errorf("no function called at %s:%d:%d", q.File, q.Line, q.Col)
	}
	cc, err := r.packageOf(c, fn)
	if err != nil {
		return nil, nil, err
	}
	fd := funcDecl(cc, fn)
	if fd == nil || fd.Recv != nil {
		return nil, nil, fmt.Errorf("no body for %s", fn.FullName())
	}
	argv := make([]constant.Value, len(call.Args))
	for i, a := range call.Args {
		argv[i] = evalConst(c.info, nil, a)
	}
	r.makes(cc, fd, argv, 1, &cands)
	var found *inlineCandidate
	for i := range cands {
		cd := &cands[i]
		if normType(cd.typ) != normType(typ) || !cd.lenTexts[lenText] || cd.hasCap != (capText != "") {
			continue
		}
		if cd.len == nil || (cd.hasCap && cd.cap == nil) {
			return nil, nil, fmt.Errorf("%s: the length is not one constant", q.Expr)
		}
		if found != nil && (!constant.Compare(found.len, token.EQL, cd.len) || (cd.hasCap && !constant.Compare(found.cap, token.EQL, cd.cap))) {
			return nil, nil, fmt.Errorf("%s: more than one make matches with different sizes", q.Expr)
		}
		found = cd
	}
	if found == nil {
		return nil, nil, fmt.Errorf("%s: not found in the inlined calls", q.Expr)
	}
	l, ok1 := constant.Int64Val(constant.ToInt(found.len))
	if !ok1 {
		return nil, nil, fmt.Errorf("%s: length is not an integer", q.Expr)
	}
	length = &l
	if found.hasCap {
		cp, ok2 := constant.Int64Val(constant.ToInt(found.cap))
		if !ok2 {
			return nil, nil, fmt.Errorf("%s: capacity is not an integer", q.Expr)
		}
		capacity = &cp
	}
	return length, capacity, nil
}

func normType(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "uint8", "byte")
}

// splitMake: make(T, len[, cap]) as -m prints it, split at its top-level commas.
func splitMake(expr string) (typ, length, capacity string, ok bool) {
	if !strings.HasPrefix(expr, "make(") || !strings.HasSuffix(expr, ")") {
		return "", "", "", false
	}
	inner := expr[len("make(") : len(expr)-1]
	var parts []string
	depth, start := 0, 0
	for i, ch := range inner {
		switch ch {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, strings.TrimSpace(inner[start:i]))
				start = i + 1
			}
		}
	}
	parts = append(parts, strings.TrimSpace(inner[start:]))
	switch len(parts) {
	case 2:
		return parts[0], parts[1], "", true
	case 3:
		return parts[0], parts[1], parts[2], true
	}
	return "", "", "", false
}

var overlayReplace map[string]string

// parseFile parses a source file, reading the overlay's replacement for it if there is one
// (unsaved buffers: the inline query's positions are in them).
func parseFile(fset *token.FileSet, path string) (*ast.File, error) {
	if overlayReplace == nil {
		overlayReplace = map[string]string{}
		if *overlayF != "" {
			if b, err := os.ReadFile(*overlayF); err == nil {
				var o struct{ Replace map[string]string }
				if json.Unmarshal(b, &o) == nil && o.Replace != nil {
					overlayReplace = o.Replace
				}
			}
		}
	}
	var src any
	if r, ok := overlayReplace[path]; ok {
		b, err := os.ReadFile(r)
		if err != nil {
			return nil, err
		}
		src = b
	}
	return parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
}
