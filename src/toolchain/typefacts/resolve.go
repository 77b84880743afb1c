package main

// Resolving type names the compiler printed for allocations inlined from other packages
// (`&errors.errorString{...}` at a call to errors.New): the expression is not in the
// workspace source, but its type is named as -m prints it, qualified by package name
// relative to the compiling package. -resolve FILE answers such queries by
// type-checking the named dependency from source (unexported types included).

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

type resolveQuery struct {
	Pkg  string `json:"pkg"`  // the compiling package as cmd/go printed it (may carry " [x.test]")
	Type string `json:"type"` // the type as -m printed it
	// An inline query (inline.go): the make expression -m printed at the call at File:Line:Col.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
	Expr string `json:"expr,omitempty"`
	// Callees: an inlined call chain to answer with a branch record instead (inlinebranch.go).
	Callees []string `json:"callees,omitempty"`
}

type resolver struct {
	byPath  map[string]*listedPackage
	fset    *token.FileSet
	imp     types.ImporterFrom
	sizes   types.Sizes
	checked map[string]*types.Package
	failed  map[string]error
	infos   map[string]*checkedPackage // type-checked with info, for inline queries (inline.go)
}

func (r *resolver) fromSource(path string) (*types.Package, error) {
	if p, ok := r.checked[path]; ok {
		return p, nil
	}
	if err, ok := r.failed[path]; ok {
		return nil, err
	}
	lp := r.byPath[path]
	if lp == nil {
		return nil, fmt.Errorf("package %s not listed", path)
	}
	var files []*ast.File
	for _, name := range append(append([]string{}, lp.GoFiles...), lp.CgoFiles...) {
		f, err := parser.ParseFile(r.fset, filepath.Join(lp.Dir, name), nil, parser.SkipObjectResolution)
		if f != nil {
			files = append(files, f)
		} else if err != nil {
			r.failed[path] = err
			return nil, err
		}
	}
	conf := types.Config{Importer: mappedImporter{r.imp, lp.ImportMap}, Sizes: r.sizes, FakeImportC: len(lp.CgoFiles) > 0, Error: func(error) {}}
	base := path
	if i := strings.Index(base, " ["); i >= 0 {
		base = base[:i]
	}
	pkg, err := conf.Check(base, r.fset, files, nil)
	if pkg == nil {
		r.failed[path] = err
		return nil, err
	}
	r.checked[path] = pkg
	return pkg, nil
}

// candidates lists the packages a name `x.` can mean from `from`: its dependencies named x.
func (r *resolver) candidates(from *listedPackage, name string) []string {
	var out []string
	for _, d := range append([]string{from.ImportPath}, from.Deps...) {
		if mapped, ok := from.ImportMap[d]; ok {
			d = mapped
		}
		if p := r.byPath[d]; p != nil && p.Name == name {
			out = append(out, d)
		}
	}
	return out
}

func (r *resolver) typeOf(from *listedPackage, e ast.Expr) (types.Type, error) {
	switch e := e.(type) {
	case *ast.Ident:
		if o := types.Universe.Lookup(e.Name); o != nil {
			if tn, ok := o.(*types.TypeName); ok {
				return tn.Type(), nil
			}
		}
		pkg, err := r.fromSource(from.ImportPath)
		if err != nil {
			return nil, err
		}
		if tn, ok := pkg.Scope().Lookup(e.Name).(*types.TypeName); ok {
			return tn.Type(), nil
		}
		return nil, fmt.Errorf("no type %s in %s", e.Name, from.ImportPath)
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		if !ok {
			return nil, fmt.Errorf("unsupported selector")
		}
		var found types.Type
		for _, c := range r.candidates(from, x.Name) {
			pkg, err := r.fromSource(c)
			if err != nil {
				continue
			}
			if tn, ok := pkg.Scope().Lookup(e.Sel.Name).(*types.TypeName); ok {
				if found != nil && r.sizes.Sizeof(found) != r.sizes.Sizeof(tn.Type()) {
					return nil, fmt.Errorf("%s.%s is ambiguous", x.Name, e.Sel.Name)
				}
				found = tn.Type()
			}
		}
		if found == nil {
			return nil, fmt.Errorf("no type %s.%s among the dependencies of %s", x.Name, e.Sel.Name, from.ImportPath)
		}
		return found, nil
	case *ast.IndexExpr:
		return r.instantiate(from, e.X, []ast.Expr{e.Index})
	case *ast.IndexListExpr:
		return r.instantiate(from, e.X, e.Indices)
	case *ast.StarExpr:
		t, err := r.typeOf(from, e.X)
		if err != nil {
			return nil, err
		}
		return types.NewPointer(t), nil
	case *ast.ArrayType:
		elem, err := r.typeOf(from, e.Elt)
		if err != nil {
			return nil, err
		}
		if e.Len == nil {
			return types.NewSlice(elem), nil
		}
		lit, ok := e.Len.(*ast.BasicLit)
		if !ok {
			return nil, fmt.Errorf("non-literal array length")
		}
		n, err := strconv.ParseInt(lit.Value, 0, 64)
		if err != nil {
			return nil, err
		}
		return types.NewArray(elem, n), nil
	case *ast.MapType:
		k, err := r.typeOf(from, e.Key)
		if err != nil {
			return nil, err
		}
		v, err := r.typeOf(from, e.Value)
		if err != nil {
			return nil, err
		}
		return types.NewMap(k, v), nil
	case *ast.ChanType:
		v, err := r.typeOf(from, e.Value)
		if err != nil {
			return nil, err
		}
		return types.NewChan(types.SendRecv, v), nil
	case *ast.FuncType:
		return types.NewSignatureType(nil, nil, nil, nil, nil, false), nil
	case *ast.InterfaceType:
		if e.Methods == nil || len(e.Methods.List) == 0 {
			return types.NewInterfaceType(nil, nil), nil
		}
		return types.NewInterfaceType([]*types.Func{types.NewFunc(token.NoPos, nil, "m", types.NewSignatureType(nil, nil, nil, nil, nil, false))}, nil), nil
	}
	return nil, fmt.Errorf("unsupported type syntax %T", e)
}

func runResolve(file string, byPath map[string]*listedPackage, fset *token.FileSet, imp types.ImporterFrom, sizes types.Sizes, enc *json.Encoder) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var qs []resolveQuery
	if err := json.Unmarshal(b, &qs); err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	r := &resolver{byPath: byPath, fset: fset, imp: imp, sizes: sizes, checked: map[string]*types.Package{}, failed: map[string]error{}}
	for _, q := range qs {
		out := map[string]any{"kind": "resolved", "pkg": q.Pkg, "typeExpr": q.Type}
		from := byPath[q.Pkg]
		if from == nil {
			// cmd/go headers name test variants "p [p.test]"; go list names them the same way.
			from = byPath[strings.TrimSuffix(q.Pkg, " [main]")]
		}
		if len(q.Callees) > 0 {
			out = map[string]any{"kind": "branch", "pkg": q.Pkg, "callees": q.Callees, "conditional": false}
			if from == nil {
				out["error"] = fmt.Sprintf("package %s not listed", q.Pkg)
			} else if c, err := r.branch(from, q.Callees); err != nil {
				out["error"] = err.Error()
			} else {
				out["conditional"] = c
			}
			if err := enc.Encode(out); err != nil {
				return err
			}
			continue
		}
		var t types.Type
		if from != nil && q.File != "" {
			l, c, ierr := r.inlinedMake(from, q)
			if ierr != nil {
				out["error"] = ierr.Error()
			} else {
				out["len"] = l
				if c != nil {
					out["cap"] = c
				}
			}
			if err := enc.Encode(out); err != nil {
				return err
			}
			continue
		}
		if from == nil {
			err = fmt.Errorf("package %s not listed", q.Pkg)
		} else {
			var e ast.Expr
			e, err = parser.ParseExpr(deshape(q.Type))
			if err == nil {
				t, err = r.resolveSafely(from, e)
			}
		}
		if err != nil {
			out["error"] = err.Error()
		} else {
			fc := &factCollector{fset: fset, sizes: sizes, pkg: nil}
			out["type"] = fc.facts(t)
			switch u := t.Underlying().(type) {
			case *types.Slice:
				out["elem"] = fc.facts(u.Elem())
			case *types.Array:
				out["elem"] = fc.facts(u.Elem())
			case *types.Chan:
				out["elem"] = fc.facts(u.Elem())
			case *types.Map:
				out["elem"], out["key"] = fc.facts(u.Elem()), fc.facts(u.Key())
			}
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	return nil
}

func (r *resolver) resolveSafely(from *listedPackage, e ast.Expr) (t types.Type, err error) {
	defer func() {
		if p := recover(); p != nil {
			t, err = nil, fmt.Errorf("internal error: %v", p)
		}
	}()
	return r.typeOf(from, e)
}
