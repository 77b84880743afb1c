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
// compilerPos (position.go) reproduces that from go/ast. The rest: load.go (go list, export data,
// type-checking), walk.go (the walk over each declaration), construct.go and capture.go (the facts
// per construct), facts.go (what is printed, and type layout), resolve.go and listcache.go.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
)

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
	if *rewriteF != "" {
		return runRewrite(*rewriteF, stdout)
	}
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
	if *layoutF {
		runLayout(pkgs, fset, gcImp, sizes, overlay, enc)
		return nil
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
