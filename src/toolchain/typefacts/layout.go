package main

// -layout: the struct types of the scanned packages with the facts the layout advisor
// (src/core/layout) needs per field (size, alignment, pointer prefix on the target GOARCH), and
// the uses that make a field reorder unsafe or visible: unkeyed composite literals,
// unsafe.Offsetof / unsafe.Pointer conversions, encoding/binary, encoding/json|xml|csv.
// Uses are printed as they are found (one line each, keyed by package path and type name), so
// uses in one package of types of another are reported without holding every package in memory.
// The rewrite itself is rewrite.go (-rewrite).

import (
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
)

var layoutF = flag.Bool("layout", false, "print struct layouts and the uses that constrain reordering them (layout advice) instead of allocation facts")

type layoutPos struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

type layoutField struct {
	Name     string `json:"name"`
	Embedded bool   `json:"embedded,omitempty"`
	Type     string `json:"type"`
	Size     int64  `json:"size"`
	Align    int64  `json:"align"`
	PtrBytes int64  `json:"ptrBytes"`
	// Decl: index of the declaration (ast.Field) the field belongs to: `a, b int` is one.
	Decl int `json:"decl"`
}

type layoutStruct struct {
	Kind    string `json:"kind"` // "struct"
	Pkg     string `json:"pkg"`
	PkgName string `json:"pkgName"`
	Name    string `json:"name"`
	layoutPos
	Exported bool `json:"exported"`
	// Local: declared inside a function (its name may repeat in the package).
	Local bool `json:"local,omitempty"`
	// Generic: the type has type parameters; its layout depends on the instantiation.
	Generic    bool          `json:"generic,omitempty"`
	Size       *int64        `json:"size"`
	Align      *int64        `json:"align"`
	PtrBytes   *int64        `json:"ptrBytes"`
	Fields     []layoutField `json:"fields"`
	StructText string        `json:"structText"`
	Generated  bool          `json:"generated,omitempty"`
	HostLayout bool          `json:"hostLayout,omitempty"`
	Cgo        bool          `json:"cgo,omitempty"`
	// Invalid: a field's type did not type-check (a cgo type, a build error): no layout.
	Invalid bool `json:"invalid,omitempty"`
}

type layoutUse struct {
	Kind string `json:"kind"` // "layoutUse"
	// Of: the struct type, as "pkgpath.Name".
	Of string `json:"of"`
	// What: unkeyed-literal, unsafe-offsetof, unsafe-pointer, encoding-binary, marshal-json, marshal-xml, marshal-csv.
	What string `json:"what"`
	layoutPos
}

func runLayout(pkgs []*listedPackage, fset *token.FileSet, imp types.ImporterFrom, sizes types.Sizes, overlay map[string]string, enc *json.Encoder) {
	for _, p := range pkgs {
		if p.DepOnly || (p.Standard && !*stdF) || strings.HasSuffix(p.ImportPath, ".test") {
			continue
		}
		layoutPackage(p, fset, imp, sizes, overlay, enc)
	}
}

func layoutPackage(p *listedPackage, fset *token.FileSet, imp types.ImporterFrom, sizes types.Sizes, overlay map[string]string, enc *json.Encoder) {
	var files []*ast.File
	var errs []string
	cgoFile := map[*ast.File]bool{}
	for i, name := range append(append([]string{}, p.GoFiles...), p.CgoFiles...) {
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
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			errs = append(errs, err.Error())
		}
		if f != nil {
			files = append(files, f)
			cgoFile[f] = i >= len(p.GoFiles)
		}
	}
	info := &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
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
	_ = enc.Encode(map[string]any{"kind": "layoutPackage", "pkg": p.ImportPath, "dir": p.Dir, "files": len(files), "errors": errs})
	if tpkg == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			_ = enc.Encode(map[string]any{"kind": "layoutPackage", "pkg": p.ImportPath, "dir": p.Dir, "errors": []string{fmt.Sprintf("typefacts internal error: %v", r)}})
		}
	}()
	lc := &layoutCollector{fset: fset, info: info, sizes: sizes, fc: &factCollector{sizes: sizes}, enc: enc, pkg: tpkg}
	for _, f := range files {
		lc.file(f, cgoFile[f])
	}
}

type layoutCollector struct {
	fset  *token.FileSet
	info  *types.Info
	sizes types.Sizes
	fc    *factCollector
	enc   *json.Encoder
	pkg   *types.Package
	src   []byte
}

func (lc *layoutCollector) pos(p token.Pos) layoutPos {
	pp := lc.fset.Position(p)
	return layoutPos{File: pp.Filename, Line: pp.Line, Col: pp.Column}
}

func (lc *layoutCollector) file(f *ast.File, cgo bool) {
	generated := ast.IsGenerated(f)
	lc.src = nil
	if tf := lc.fset.File(f.Pos()); tf != nil {
		lc.src, _ = os.ReadFile(tf.Name())
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			// Local types are walked through the body below (ast.Inspect continues).
		case *ast.TypeSpec:
			if st, ok := n.Type.(*ast.StructType); ok {
				lc.structSpec(n, st, generated, cgo)
			}
		case *ast.CompositeLit:
			lc.compositeLit(n)
		case *ast.CallExpr:
			lc.call(n)
		}
		return true
	})
}

func (lc *layoutCollector) structSpec(ts *ast.TypeSpec, st *ast.StructType, generated, cgo bool) {
	obj, _ := lc.info.Defs[ts.Name].(*types.TypeName)
	if obj == nil {
		return
	}
	s := layoutStruct{
		Kind: "struct", Pkg: lc.pkg.Path(), PkgName: lc.pkg.Name(), Name: ts.Name.Name, layoutPos: lc.pos(ts.Name.Pos()),
		Exported: ts.Name.IsExported(), Local: obj.Parent() != lc.pkg.Scope(), Generic: ts.TypeParams != nil && len(ts.TypeParams.List) > 0,
		Generated: generated, Cgo: cgo, Fields: []layoutField{},
	}
	if lc.src != nil {
		start, end := lc.fset.Position(st.Pos()).Offset, lc.fset.Position(st.End()).Offset
		if start >= 0 && end <= len(lc.src) && start <= end {
			s.StructText = string(lc.src[start:end])
		}
	}
	stype, _ := obj.Type().Underlying().(*types.Struct)
	if stype == nil {
		return
	}
	decl := 0
	idx := 0
	declOf := make([]int, stype.NumFields())
	for _, f := range st.Fields.List {
		n := len(f.Names)
		if n == 0 {
			n = 1
		}
		for k := 0; k < n && idx < len(declOf); k++ {
			declOf[idx] = decl
			idx++
		}
		decl++
	}
	for i := 0; i < stype.NumFields(); i++ {
		v := stype.Field(i)
		t := v.Type()
		lf := layoutField{Name: v.Name(), Embedded: v.Embedded(), Type: types.TypeString(t, func(p *types.Package) string {
			if p == lc.pkg {
				return ""
			}
			return p.Name()
		}), Decl: declOf[i]}
		if isHostLayout(t) {
			s.HostLayout = true
		}
		if !validType(t, map[types.Type]bool{}) {
			s.Invalid = true
		} else if !s.Generic && !dependsOnTypeParam(t) {
			lf.Size, lf.Align, lf.PtrBytes = lc.sizes.Sizeof(t), lc.sizes.Alignof(t), lc.fc.ptrBytes(t)
		}
		s.Fields = append(s.Fields, lf)
	}
	if !s.Generic && !s.Invalid {
		sz, al, pb := lc.sizes.Sizeof(stype), lc.sizes.Alignof(stype), lc.fc.ptrBytes(stype)
		s.Size, s.Align, s.PtrBytes = &sz, &al, &pb
	}
	_ = lc.enc.Encode(s)
}

func isHostLayout(t types.Type) bool {
	n, ok := unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "structs" && n.Obj().Name() == "HostLayout"
}

// validType: no part of the type failed to type-check (cgo's C.x under FakeImportC, build errors).
func validType(t types.Type, seen map[types.Type]bool) bool {
	t = unalias(t)
	if seen[t] {
		return true
	}
	seen[t] = true
	switch u := t.(type) {
	case *types.Basic:
		return u.Kind() != types.Invalid
	case *types.Named:
		return validType(u.Underlying(), seen)
	case *types.Array:
		return validType(u.Elem(), seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if !validType(u.Field(i).Type(), seen) {
				return false
			}
		}
	}
	return true
}

// structKeys: the struct types whose field order the value's encoding or memory layout depends on:
// the type itself through pointers, slices, arrays, maps and chans, and (deep) the struct types
// of its fields, since encoding/binary and unsafe views see them inline.
func structKeys(t types.Type, deep bool, seen map[types.Type]bool, out map[string]bool) {
	t = unalias(t)
	if t == nil || seen[t] {
		return
	}
	seen[t] = true
	switch u := t.(type) {
	case *types.Pointer:
		structKeys(u.Elem(), deep, seen, out)
	case *types.Slice:
		structKeys(u.Elem(), deep, seen, out)
	case *types.Array:
		structKeys(u.Elem(), deep, seen, out)
	case *types.Map:
		structKeys(u.Key(), deep, seen, out)
		structKeys(u.Elem(), deep, seen, out)
	case *types.Chan:
		structKeys(u.Elem(), deep, seen, out)
	case *types.Named:
		if st, ok := u.Underlying().(*types.Struct); ok {
			if o := u.Origin().Obj(); o.Pkg() != nil {
				out[o.Pkg().Path()+"."+o.Name()] = true
			}
			if deep {
				for i := 0; i < st.NumFields(); i++ {
					structKeys(st.Field(i).Type(), deep, seen, out)
				}
			}
		} else {
			structKeys(u.Underlying(), deep, seen, out)
		}
	case *types.Struct:
		if deep {
			for i := 0; i < u.NumFields(); i++ {
				structKeys(u.Field(i).Type(), deep, seen, out)
			}
		}
	}
}

func (lc *layoutCollector) use(t types.Type, deep bool, what string, at token.Pos) {
	keys := map[string]bool{}
	structKeys(t, deep, map[types.Type]bool{}, keys)
	for k := range keys {
		_ = lc.enc.Encode(layoutUse{Kind: "layoutUse", Of: k, What: what, layoutPos: lc.pos(at)})
	}
}

func (lc *layoutCollector) compositeLit(cl *ast.CompositeLit) {
	if len(cl.Elts) == 0 {
		return
	}
	if _, keyed := cl.Elts[0].(*ast.KeyValueExpr); keyed {
		return
	}
	tv, ok := lc.info.Types[cl]
	if !ok || tv.Type == nil {
		return
	}
	t := unalias(tv.Type)
	if p, ok := t.(*types.Pointer); ok {
		t = unalias(p.Elem())
	}
	if n, ok := t.(*types.Named); ok {
		if _, isStruct := n.Underlying().(*types.Struct); isStruct {
			if o := n.Origin().Obj(); o.Pkg() != nil {
				_ = lc.enc.Encode(layoutUse{Kind: "layoutUse", Of: o.Pkg().Path() + "." + o.Name(), What: "unkeyed-literal", layoutPos: lc.pos(cl.Lbrace)})
			}
		}
	}
}

func (lc *layoutCollector) typeOf(e ast.Expr) types.Type {
	if tv, ok := lc.info.Types[e]; ok {
		return tv.Type
	}
	return nil
}

func (lc *layoutCollector) call(call *ast.CallExpr) {
	fun := unparenExpr(call.Fun)
	// Conversions to and from unsafe.Pointer: the memory is read at offsets the code fixed.
	if tv, ok := lc.info.Types[fun]; ok && tv.IsType() && len(call.Args) == 1 {
		to := unalias(tv.Type)
		from := lc.typeOf(call.Args[0])
		if b, ok := to.Underlying().(*types.Basic); ok && b.Kind() == types.UnsafePointer && from != nil {
			lc.use(from, true, "unsafe-pointer", call.Lparen)
		} else if from != nil {
			if b, ok := unalias(from).Underlying().(*types.Basic); ok && b.Kind() == types.UnsafePointer {
				lc.use(to, true, "unsafe-pointer", call.Lparen)
			}
		}
		return
	}
	var obj types.Object
	switch f := fun.(type) {
	case *ast.Ident:
		obj = lc.info.Uses[f]
	case *ast.SelectorExpr:
		obj = lc.info.Uses[f.Sel]
	}
	if obj == nil {
		return
	}
	if b, ok := obj.(*types.Builtin); ok {
		switch b.Name() {
		case "Offsetof":
			if len(call.Args) == 1 {
				if sel, ok := unparenExpr(call.Args[0]).(*ast.SelectorExpr); ok {
					if s := lc.info.Selections[sel]; s != nil {
						lc.use(s.Recv(), false, "unsafe-offsetof", call.Lparen)
					}
				}
			}
		case "Add", "Slice":
			for _, a := range call.Args {
				if t := lc.typeOf(a); t != nil {
					lc.use(t, true, "unsafe-pointer", call.Lparen)
				}
			}
		}
		return
	}
	if obj.Pkg() == nil {
		return
	}
	what := ""
	switch obj.Pkg().Path() {
	case "encoding/binary":
		what = "encoding-binary"
	case "encoding/json":
		what = "marshal-json"
	case "encoding/xml":
		what = "marshal-xml"
	case "encoding/csv":
		what = "marshal-csv"
	default:
		return
	}
	for _, a := range call.Args {
		if t := lc.typeOf(a); t != nil {
			lc.use(t, true, what, call.Lparen)
		}
	}
}

// unparenExpr is ast.Unparen (go1.22), for go1.21 toolchains.
func unparenExpr(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}
