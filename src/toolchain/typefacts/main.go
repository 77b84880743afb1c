// Command typefacts prints exact type facts for every expression in a Go workspace
// that the compiler may heap-allocate, keyed by the position the compiler prints
// for it in -m output, so Go Heap Lens can join them with escape diagnostics.
//
// It must be built with the same Go toolchain as the workspace: it reads the
// compiler's export data (go list -export) with go/importer's "gc" importer, whose
// format follows the toolchain. Stdlib only; go 1.21 is the oldest supported.
//
// Usage: typefacts [-go GO] [-overlay FILE] [-tags a,b] [-test] [-std] [-arch GOARCH] [-resolve FILE | -prefetch FILE] [-listcache DIR] PATTERNS...
// Output: JSON lines on stdout: {"kind":"package",...} per type-checked package,
// then one fact per allocating expression (see fact below).
//
// Positions: the compiler prints the position of its IR node, which follows the
// syntax package's convention (cmd/compile/internal/syntax): a call at its "(",
// a composite literal at "{", a unary or binary expression at its operator, a
// selector at ".", an index at "[", a func literal at "func", a name at its start.
// compilerPos reproduces that from go/ast.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

type typeFacts struct {
	Name     string `json:"name"`
	Size     *int64 `json:"size"`
	Align    *int64 `json:"align"`
	PtrBytes *int64 `json:"ptrBytes"`
	// DependsOnTypeParam: the layout depends on a type parameter; size is null.
	DependsOnTypeParam bool `json:"dependsOnTypeParam,omitempty"`
	// Kind of the underlying type: slice, map, chan, string, struct, array, pointer, interface, func, basic.
	Kind string `json:"kind"`
	// QName: the type with every package qualified by its name (how -m prints types of other packages).
	QName string `json:"qname"`
}

type capture struct {
	Name  string    `json:"name"`
	Type  typeFacts `json:"type"`
	ByRef bool      `json:"byRef"`
	// Line, Col: the captured variable's declaration, where the compiler's
	// "F capturing by value|ref: x" line is positioned.
	Line int `json:"line"`
	Col  int `json:"col"`
}

type fact struct {
	Kind string `json:"kind"` // new, composite, addr-composite, make, append, conversion, concat, funclit, var, iface, variadic, methodvalue
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
	// Type is the allocated object's type (new(T): T; &T{}: T; make([]T, n): []T; var: its type;
	// iface: the concrete type converted; funclit/methodvalue: the closure struct).
	Type *typeFacts `json:"type,omitempty"`
	Elem *typeFacts `json:"elem,omitempty"`
	Key  *typeFacts `json:"key,omitempty"`
	// From is the source type of a conversion.
	From *typeFacts `json:"from,omitempty"`
	Len  *int64     `json:"len,omitempty"`
	Cap  *int64     `json:"cap,omitempty"`
	// ConstLen: for conversions of constant strings, the constant's byte length.
	Operands int       `json:"operands,omitempty"`
	Captures []capture `json:"captures,omitempty"`
	// Const: the expression is a compile-time constant (interface conversions of constants do not allocate).
	Const bool   `json:"const,omitempty"`
	Name  string `json:"name,omitempty"`
	Pkg   string `json:"pkg"`
	// Func: the enclosing top-level function as the compiler names it (F, T.M, (*T).M; "init" for
	// package-level initialisers), so sites can be grouped by function.
	Func string `json:"func,omitempty"`
}

type listedPackage struct {
	ImportPath string
	Dir        string
	Name       string
	GoFiles    []string
	CgoFiles   []string
	Export     string
	DepOnly    bool
	Standard   bool
	ImportMap  map[string]string
	Deps       []string
	Imports    []string
	Error      *struct{ Err string }
}

// goList runs `go list -e -json=FIELDS [extra] -- patterns` with the workspace's tags and overlay.
func goList(extra, patterns []string) ([]*listedPackage, error) {
	args := append([]string{"list", "-e", "-json=ImportPath,Dir,Name,GoFiles,CgoFiles,Export,DepOnly,Standard,ImportMap,Deps,Imports,Error"}, extra...)
	if *tagsF != "" {
		args = append(args, "-tags="+*tagsF)
	}
	if *overlayF != "" {
		args = append(args, "-overlay="+*overlayF)
	}
	if *testF {
		args = append(args, "-test")
	}
	args = append(args, "--")
	args = append(args, patterns...)
	cmd := exec.Command(*goBin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	var pkgs []*listedPackage
	for dec.More() {
		p := new(listedPackage)
		if err := dec.Decode(p); err != nil {
			return nil, fmt.Errorf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

var (
	goBin    = flag.String("go", "go", "go command used for go list")
	overlayF = flag.String("overlay", "", "go build -overlay JSON file")
	tagsF    = flag.String("tags", "", "build tags")
	testF    = flag.Bool("test", false, "include test variants")
	archF    = flag.String("arch", "", "GOARCH for sizes (default: go env GOARCH)")
	resolveF = flag.String("resolve", "", "JSON file of {pkg, type} queries: print the facts of each type instead of scanning sources")
	// -std: scan standard-library packages named by the patterns too (`typefacts -std std`, for an
	// analysis of std itself); without it they are dependencies only, as in a workspace.
	stdF = flag.Bool("std", false, "also scan standard-library packages matched by the patterns")
	// -prefetch: the queries the last analysis of these packages needed; answered after the scan in
	// the same process, so a re-analysis usually needs no second -resolve run (resolve.go).
	// -listcache: where the export-data listing of the imports is remembered (listcache.go).
	listCacheF = flag.String("listcache", "", "directory to remember the imports' export-data listing in across runs")
	prefetchF  = flag.String("prefetch", "", "JSON file of {pkg, type} queries to answer (as -resolve does) after scanning sources")
)

func main() {
	flag.Parse()
	if err := run(flag.Args(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "typefacts:", err)
		os.Exit(1)
	}
}

func run(patterns []string, stdout io.Writer) error {
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	overlay := map[string]string{}
	if *overlayF != "" {
		b, err := os.ReadFile(*overlayF)
		if err != nil {
			return err
		}
		var o struct{ Replace map[string]string }
		if err := json.Unmarshal(b, &o); err != nil {
			return fmt.Errorf("overlay %s: %v", *overlayF, err)
		}
		overlay = o.Replace
	}
	var pkgs []*listedPackage
	byPath := map[string]*listedPackage{}
	if *testF {
		// Test variants ("p [p.test]") are reached through ImportMap rewrites: list them all at once.
		all, err := goList([]string{"-deps", "-export"}, patterns)
		if err != nil {
			return err
		}
		pkgs = all
		for _, p := range all {
			byPath[p.ImportPath] = p
		}
	} else {
		// Two lists, so the packages being analysed are not compiled for export data: their own
		// types come from source here, and `go list -export` of an edited package would compile it
		// a second time, beside the -m=2 build of the same package. The first list only loads
		// (no build); the second asks for the export data of what the roots import.
		roots, err := goList(nil, patterns)
		if err != nil {
			return err
		}
		imports := map[string]bool{}
		for _, p := range roots {
			for _, imp := range p.Imports {
				if imp != "C" && imp != "unsafe" {
					imports[imp] = true
				}
			}
		}
		if len(imports) > 0 {
			paths := make([]string, 0, len(imports))
			for imp := range imports {
				paths = append(paths, imp)
			}
			sort.Strings(paths)
			deps, err := depsListCached(*listCacheF, paths)
			if err != nil {
				return err
			}
			for _, p := range deps {
				byPath[p.ImportPath] = p
			}
		}
		for _, p := range roots {
			if byPath[p.ImportPath] == nil {
				byPath[p.ImportPath] = p
			}
		}
		pkgs = roots
	}
	arch := *archF
	if arch == "" {
		arch = os.Getenv("GOARCH")
	}
	if arch == "" {
		b, err := exec.Command(*goBin, "env", "GOARCH").Output()
		if err != nil {
			return fmt.Errorf("go env GOARCH: %v", err)
		}
		arch = strings.TrimSpace(string(b))
	}
	sizes := types.SizesFor("gc", arch)
	if sizes == nil {
		return fmt.Errorf("unknown GOARCH %q", arch)
	}
	fset := token.NewFileSet()
	lookup := func(path string) (io.ReadCloser, error) {
		p := byPath[path]
		if p == nil || p.Export == "" {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(p.Export)
	}
	gcImp := importer.ForCompiler(fset, "gc", lookup).(types.ImporterFrom)
	w := bufio.NewWriterSize(stdout, 1<<16)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if *resolveF != "" {
		return runResolve(*resolveF, byPath, fset, gcImp, sizes, enc)
	}
	for _, p := range pkgs {
		if p.DepOnly || (p.Standard && !*stdF) || strings.HasSuffix(p.ImportPath, ".test") {
			continue
		}
		checkPackage(p, fset, gcImp, sizes, overlay, enc)
	}
	if *prefetchF != "" {
		return runResolve(*prefetchF, byPath, fset, gcImp, sizes, enc)
	}
	return nil
}

type mappedImporter struct {
	imp types.ImporterFrom
	m   map[string]string
}

func (mi mappedImporter) Import(path string) (*types.Package, error) {
	return mi.ImportFrom(path, "", 0)
}

func (mi mappedImporter) ImportFrom(path, dir string, mode types.ImportMode) (*types.Package, error) {
	if path == "unsafe" {
		return types.Unsafe, nil
	}
	if r, ok := mi.m[path]; ok {
		path = r
	}
	return mi.imp.ImportFrom(path, dir, mode)
}

func checkPackage(p *listedPackage, fset *token.FileSet, imp types.ImporterFrom, sizes types.Sizes, overlay map[string]string, enc *json.Encoder) {
	var files []*ast.File
	var errs []string
	for _, name := range append(append([]string{}, p.GoFiles...), p.CgoFiles...) {
		path := filepath.Join(p.Dir, name)
		var src any
		if r, ok := overlay[path]; ok {
			b, err := os.ReadFile(r)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			src = b
		}
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			errs = append(errs, err.Error())
		}
		if f != nil {
			files = append(files, f)
		}
	}
	info := &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
		Implicits:  map[ast.Node]types.Object{},
	}
	conf := types.Config{
		Importer:    mappedImporter{imp, p.ImportMap},
		Sizes:       sizes,
		FakeImportC: len(p.CgoFiles) > 0,
		Error:       func(err error) { errs = append(errs, err.Error()) },
	}
	pkgPath := p.ImportPath
	if i := strings.Index(pkgPath, " ["); i >= 0 {
		pkgPath = pkgPath[:i]
	}
	tpkg, _ := conf.Check(pkgPath, fset, files, info)
	if len(errs) > 20 {
		errs = append(errs[:20], fmt.Sprintf("... and %d more", len(errs)-20))
	}
	_ = enc.Encode(map[string]any{"kind": "package", "pkg": p.ImportPath, "dir": p.Dir, "files": len(files), "errors": errs})
	if tpkg == nil {
		return
	}
	defer func() {
		// A bug in one package must not cost the others their facts: report it as that package's error.
		if r := recover(); r != nil {
			_ = enc.Encode(map[string]any{"kind": "package", "pkg": p.ImportPath, "dir": p.Dir, "files": len(files), "errors": []string{fmt.Sprintf("typefacts internal error: %v", r)}})
		}
	}()
	fc := &factCollector{fset: fset, info: info, sizes: sizes, pkg: tpkg, enc: enc, pkgDesc: p.ImportPath, called: map[*ast.SelectorExpr]bool{}}
	for _, f := range files {
		fc.file(f)
	}
}

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
		fc.scanAssignments(fd)
		fc.params(fd.Recv, fd.Type)
		if fd.Body != nil {
			fc.walk(fd.Body, fd.Type)
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

// scanAssignments records which local variables are reassigned or have their address taken;
// the compiler captures a variable by value only if neither holds and it is ≤ 128 bytes.
func (fc *factCollector) scanAssignments(root ast.Node) {
	markAddr := func(e ast.Expr) {
		for {
			switch x := e.(type) {
			case *ast.Ident:
				if o := fc.info.Uses[x]; o != nil {
					fc.addrTaken[o] = true
				}
				return
			case *ast.SelectorExpr:
				if s := fc.info.Selections[x]; s != nil && s.Indirect() {
					return
				}
				e = x.X
			case *ast.IndexExpr:
				if _, isArr := under(fc.info.TypeOf(x.X)).(*types.Array); !isArr {
					return
				}
				e = x.X
			case *ast.ParenExpr:
				e = x.X
			default:
				return
			}
		}
	}
	// An assignment takes effect when its statement completes: `f = func() { f() }` assigns
	// after the closure exists, so the statement's end is what is compared with closures.
	var stmtEnd token.Pos
	markAssign := func(e ast.Expr) {
		// x, x.f (struct value) and x[i] (array value) all store into the variable x.
		for {
			switch x := unparen(e).(type) {
			case *ast.Ident:
				if o := fc.info.Uses[x]; o != nil {
					fc.assigned[o] = append(fc.assigned[o], stmtEnd)
				}
				return
			case *ast.SelectorExpr:
				if s := fc.info.Selections[x]; s == nil || s.Indirect() {
					return
				}
				if _, isPtr := under(fc.info.TypeOf(x.X)).(*types.Pointer); isPtr {
					return
				}
				e = x.X
			case *ast.IndexExpr:
				if _, isArr := under(fc.info.TypeOf(x.X)).(*types.Array); !isArr {
					return
				}
				e = x.X
			default:
				return
			}
		}
	}
	ast.Inspect(root, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ForStmt:
			fc.loops = append(fc.loops, [2]token.Pos{n.Pos(), n.End()})
		case *ast.RangeStmt:
			fc.loops = append(fc.loops, [2]token.Pos{n.Pos(), n.End()})
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

func isString(t types.Type) bool {
	b, ok := under(t).(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

func countConcat(e ast.Expr) int {
	if b, ok := unparen(e).(*ast.BinaryExpr); ok && b.Op == token.ADD {
		return countConcat(b.X) + countConcat(b.Y)
	}
	return 1
}

func (fc *factCollector) constInt(e ast.Expr) *int64 {
	tv := fc.info.Types[e]
	if tv.Value == nil {
		return nil
	}
	v, ok := constant.Int64Val(constant.ToInt(tv.Value))
	if !ok {
		return nil
	}
	return &v
}

func (fc *factCollector) compositeLit(n *ast.CompositeLit) {
	t := fc.info.TypeOf(n)
	if t == nil {
		return
	}
	f := fact{Kind: "composite", Type: fc.facts(t)}
	switch u := under(t).(type) {
	case *types.Slice:
		f.Elem = fc.facts(u.Elem())
		var idx, max int64 = 0, 0
		for _, e := range n.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				if k := fc.constInt(kv.Key); k != nil {
					idx = *k
				}
				fc.ifaceConv(kv.Value, u.Elem())
			} else {
				fc.ifaceConv(e, u.Elem())
			}
			idx++
			if idx > max {
				max = idx
			}
		}
		f.Len, f.Cap = &max, &max
	case *types.Array:
		f.Elem = fc.facts(u.Elem())
		l := u.Len()
		f.Len = &l
		for _, e := range n.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				e = kv.Value
			}
			fc.ifaceConv(e, u.Elem())
		}
	case *types.Map:
		f.Elem, f.Key = fc.facts(u.Elem()), fc.facts(u.Key())
		l := int64(len(n.Elts))
		f.Len = &l
		for _, e := range n.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				fc.ifaceConv(kv.Key, u.Key())
				fc.ifaceConv(kv.Value, u.Elem())
			}
		}
	case *types.Struct:
		for i, e := range n.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				if id, ok := kv.Key.(*ast.Ident); ok {
					for j := 0; j < u.NumFields(); j++ {
						if u.Field(j).Name() == id.Name {
							fc.ifaceConv(kv.Value, u.Field(j).Type())
						}
					}
				}
			} else if i < u.NumFields() {
				fc.ifaceConv(e, u.Field(i).Type())
			}
		}
	}
	fc.emit(f, n.Lbrace)
}

// ifaceConv records an implicit conversion of a concrete value to interface type `to`.
func (fc *factCollector) ifaceConv(e ast.Expr, to types.Type) {
	if e == nil || !isInterface(to) {
		return
	}
	tv := fc.info.Types[e]
	if tv.Type == nil || isInterface(tv.Type) || tv.IsNil() {
		return
	}
	fc.emit(fact{Kind: "iface", Type: fc.facts(tv.Type), Const: tv.Value != nil}, compilerPos(e))
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

func isBuiltin(info *types.Info, fun ast.Expr, name string) bool {
	id, ok := unparen(fun).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := info.Uses[id].(*types.Builtin)
	return ok && b.Name() == name
}

func (fc *factCollector) call(n *ast.CallExpr) {
	info := fc.info
	if tv := info.Types[n.Fun]; tv.IsType() {
		// Conversion T(x).
		to := tv.Type
		if len(n.Args) != 1 {
			return
		}
		from := info.TypeOf(n.Args[0])
		if from == nil {
			return
		}
		if isInterface(to) {
			if !isInterface(from) && !info.Types[n.Args[0]].IsNil() {
				fc.emit(fact{Kind: "iface", Type: fc.facts(from), Const: info.Types[n.Args[0]].Value != nil}, compilerPos(n.Args[0]))
			}
			return
		}
		f := fact{Kind: "conversion", Type: fc.facts(to), From: fc.facts(from)}
		if s, ok := under(to).(*types.Slice); ok {
			f.Elem = fc.facts(s.Elem())
		}
		if cv := info.Types[n.Args[0]].Value; cv != nil && cv.Kind() == constant.String {
			l := int64(len(constant.StringVal(cv)))
			f.Len = &l
		}
		// The compiler positions a conversion at its operand (observed go1.21–go1.27).
		fc.emit(f, compilerPos(n.Args[0]))
		return
	}
	switch {
	case isBuiltin(info, n.Fun, "new"):
		if len(n.Args) == 1 {
			if t := info.TypeOf(n.Args[0]); t != nil {
				fc.emit(fact{Kind: "new", Type: fc.facts(t)}, n.Lparen)
			}
		}
		return
	case isBuiltin(info, n.Fun, "make"):
		if len(n.Args) == 0 {
			return
		}
		t := info.TypeOf(n.Args[0])
		if t == nil {
			return
		}
		f := fact{Kind: "make", Type: fc.facts(t)}
		switch u := under(t).(type) {
		case *types.Slice:
			f.Elem = fc.facts(u.Elem())
		case *types.Map:
			f.Elem, f.Key = fc.facts(u.Elem()), fc.facts(u.Key())
		case *types.Chan:
			f.Elem = fc.facts(u.Elem())
		}
		if len(n.Args) > 1 {
			f.Len = fc.constInt(n.Args[1])
		}
		if len(n.Args) > 2 {
			f.Cap = fc.constInt(n.Args[2])
		}
		fc.emit(f, n.Lparen)
		return
	case isBuiltin(info, n.Fun, "append"):
		t := info.TypeOf(n)
		if t == nil {
			return
		}
		f := fact{Kind: "append", Type: fc.facts(t), Operands: len(n.Args) - 1}
		if s, ok := under(t).(*types.Slice); ok {
			f.Elem = fc.facts(s.Elem())
			if !n.Ellipsis.IsValid() {
				for _, a := range n.Args[1:] {
					fc.ifaceConv(a, s.Elem())
				}
			}
		}
		fc.emit(f, n.Lparen)
		return
	}
	sig, ok := under(info.TypeOf(n.Fun)).(*types.Signature)
	if !ok {
		return
	}
	params := sig.Params()
	np := params.Len()
	for i, a := range n.Args {
		var pt types.Type
		switch {
		case sig.Variadic() && i >= np-1 && !n.Ellipsis.IsValid():
			pt = params.At(np - 1).Type().(*types.Slice).Elem()
		case i < np:
			pt = params.At(i).Type()
		}
		fc.ifaceConv(a, pt)
	}
	if sig.Variadic() && !n.Ellipsis.IsValid() && len(n.Args) >= np-1 {
		st := params.At(np - 1).Type()
		l := int64(len(n.Args) - (np - 1))
		f := fact{Kind: "variadic", Type: fc.facts(st), Len: &l, Cap: &l}
		if s, ok := under(st).(*types.Slice); ok {
			f.Elem = fc.facts(s.Elem())
		}
		fc.emit(f, n.Lparen)
	}
}

// dependsOnTypeParam: the type's size or layout depends on a type parameter.
func dependsOnTypeParam(t types.Type) bool {
	t = unalias(t)
	if _, ok := t.(*types.TypeParam); ok {
		return true
	}
	switch u := t.Underlying().(type) {
	case *types.Array:
		return dependsOnTypeParam(u.Elem())
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if dependsOnTypeParam(u.Field(i).Type()) {
				return true
			}
		}
	}
	return false
}

func kindOf(t types.Type) string {
	if _, ok := unalias(t).(*types.TypeParam); ok {
		return "typeparam"
	}
	switch u := t.Underlying().(type) {
	case *types.Slice:
		return "slice"
	case *types.Map:
		return "map"
	case *types.Chan:
		return "chan"
	case *types.Struct:
		return "struct"
	case *types.Array:
		return "array"
	case *types.Pointer:
		return "pointer"
	case *types.Interface:
		return "interface"
	case *types.Signature:
		return "func"
	case *types.Basic:
		if u.Info()&types.IsString != 0 {
			return "string"
		}
		if u.Kind() == types.UnsafePointer {
			return "pointer"
		}
		return "basic"
	}
	return "other"
}

func (fc *factCollector) facts(t types.Type) *typeFacts {
	t = types.Default(t) // untyped constants take their default type
	if b, ok := t.Underlying().(*types.Basic); ok && (b.Kind() == types.Invalid || b.Info()&types.IsUntyped != 0) {
		return &typeFacts{Name: t.String(), QName: t.String(), Kind: "invalid"}
	}
	tf := &typeFacts{Name: types.TypeString(t, fc.qualifier), QName: types.TypeString(t, func(p *types.Package) string { return p.Name() }), Kind: kindOf(t)}
	if dependsOnTypeParam(t) {
		tf.DependsOnTypeParam = true
		return tf
	}
	s, a, p := fc.sizes.Sizeof(t), fc.sizes.Alignof(t), fc.ptrBytes(t)
	tf.Size, tf.Align, tf.PtrBytes = &s, &a, &p
	return tf
}

// ptrBytes mirrors the runtime's _type.PtrBytes (cmd/compile/internal/types.PtrDataSize):
// the length of the prefix of the type that can hold pointers; 0 means noscan.
func (fc *factCollector) ptrBytes(t types.Type) int64 {
	ptr := fc.sizes.Sizeof(types.Typ[types.UnsafePointer])
	if _, ok := unalias(t).(*types.TypeParam); ok {
		return ptr // unreachable: callers check dependsOnTypeParam first
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		if u.Kind() == types.UnsafePointer || u.Info()&types.IsString != 0 {
			return ptr
		}
		return 0
	case *types.Pointer, *types.Map, *types.Chan, *types.Signature, *types.Slice:
		return ptr
	case *types.Interface:
		return 2 * ptr
	case *types.Array:
		if u.Len() == 0 {
			return 0
		}
		pe := fc.ptrBytes(u.Elem())
		if pe == 0 {
			return 0
		}
		return (u.Len()-1)*fc.sizes.Sizeof(u.Elem()) + pe
	case *types.Struct:
		n := u.NumFields()
		if n == 0 {
			return 0
		}
		fields := make([]*types.Var, n)
		for i := range fields {
			fields[i] = u.Field(i)
		}
		offs := fc.sizes.Offsetsof(fields)
		for i := n - 1; i >= 0; i-- {
			if p := fc.ptrBytes(fields[i].Type()); p > 0 {
				return offs[i] + p
			}
		}
		return 0
	}
	return 0
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
