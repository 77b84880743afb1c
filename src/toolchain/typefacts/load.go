package main

// Loading: the packages to scan from `go list`, their imports' types from the compiler's export
// data, and each scanned package type-checked from source (with the overlay's replacements).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

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
	fc := &factCollector{fset: fset, info: info, sizes: sizes, pkg: tpkg, enc: enc, pkgDesc: p.ImportPath, called: map[*ast.SelectorExpr]bool{}, perLoopVars: perLoopVars(p.Dir)}
	for _, f := range files {
		fc.file(f)
	}
}
