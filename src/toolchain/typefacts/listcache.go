package main

// The export-data listing of the analysed packages' imports (`go list -deps -export IMPORTS`),
// remembered across runs in -listcache DIR. On a save only the saved package changed, and
// asking cmd/go again costs it a hash of every dependency's sources (~0.4 s for fmt's, more
// than compiling a small package), in parallel with the -m=2 build on the same cores.
//
// An entry is used only when nothing that decides the answer changed:
//   - the key: the go binary (path, size, mtime), the working directory, the GO*/CGO_*/CC/CXX/PATH
//     environment and the GOENV file, tags, the overlay (its JSON and every replacement file's
//     content), the module's go.mod, go.sum, vendor/modules.txt and the go.work in force, and
//     the imports themselves;
//   - then, at use: every listed package's directory has the same files with the same sizes and
//     modification times (an edit, a new or removed file of a dependency is a miss), and every
//     export file still exists in GOCACHE (a trimmed cache is a miss).
// A run whose imports were not listed before (the first save of a package after a full
// analysis) is answered from the largest listing made with the same configuration (the full
// analysis's), when it holds every import: the imports' closure (their Deps) is taken from it
// and only that closure's directories and export files are checked.
// Not covered: C headers outside a cgo package's directory. Entries with a listing error are
// never stored. At most maxListEntries are kept (least recently used removed).

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const maxListEntries = 64

type listCacheEntry struct {
	Packages []*listedPackage
	// Dirs: directory → fingerprint of its files when the listing was made.
	Dirs map[string]string
}

func depsListCached(dir string, imports []string) ([]*listedPackage, error) {
	if dir == "" {
		return goList([]string{"-deps", "-export"}, imports)
	}
	cfg, err := configKey()
	if err != nil {
		return goList([]string{"-deps", "-export"}, imports)
	}
	h := sha256.Sum256([]byte(cfg + "\x00" + strings.Join(imports, "\n")))
	file := filepath.Join(dir, hex.EncodeToString(h[:16])+".json")
	largest := filepath.Join(dir, cfg[:32]+"-largest.json")
	if e := readEntry(file); e != nil && e.current(nil) {
		return e.Packages, nil
	}
	if e := readEntry(largest); e != nil {
		if sub := e.closure(imports); sub != nil && e.current(sub) {
			return sub, nil
		}
	}
	deps, err := goList([]string{"-deps", "-export"}, imports)
	if err != nil {
		return nil, err
	}
	e := listCacheEntry{Packages: deps, Dirs: map[string]string{}}
	for _, p := range deps {
		if p.Error != nil || (p.Export == "" && p.ImportPath != "unsafe") || p.Dir == "" {
			return deps, nil // not stored: the next run asks go again
		}
		e.Dirs[p.Dir] = dirFingerprint(p.Dir)
	}
	if b, err := json.Marshal(e); err == nil && os.MkdirAll(dir, 0o755) == nil {
		writeEntry(file, b)
		if old := readEntry(largest); old == nil || len(old.Packages) <= len(deps) {
			writeEntry(largest, b)
		}
		trimListCache(dir)
	}
	return deps, nil
}

func readEntry(file string) *listCacheEntry {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var e listCacheEntry
	if json.Unmarshal(b, &e) != nil || len(e.Packages) == 0 {
		return nil
	}
	now := time.Now()
	_ = os.Chtimes(file, now, now) // used: trimming removes the least recently used
	return &e
}

func writeEntry(file string, b []byte) {
	tmp := fmt.Sprintf("%s.tmp%d", file, os.Getpid())
	if os.WriteFile(tmp, b, 0o644) == nil && os.Rename(tmp, file) != nil {
		_ = os.Remove(tmp)
	}
}

// closure: the listed packages that imports need (themselves and their Deps), or nil when one
// of them is not in the entry.
func (e *listCacheEntry) closure(imports []string) []*listedPackage {
	byPath := map[string]*listedPackage{}
	for _, p := range e.Packages {
		byPath[p.ImportPath] = p
	}
	need := map[string]bool{}
	for _, imp := range imports {
		p := byPath[imp]
		if p == nil {
			return nil
		}
		need[imp] = true
		for _, d := range p.Deps {
			need[d] = true
		}
	}
	var out []*listedPackage
	for path := range need {
		p := byPath[path]
		if p == nil {
			return nil
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ImportPath < out[j].ImportPath })
	return out
}

// current: the entry's packages (or the subset pkgs of them) still have the files and export
// files they were listed with.
func (e *listCacheEntry) current(pkgs []*listedPackage) bool {
	if pkgs == nil {
		pkgs = e.Packages
	}
	for _, p := range pkgs {
		fp, ok := e.Dirs[p.Dir]
		if !ok || dirFingerprint(p.Dir) != fp {
			return false
		}
		if p.Export != "" {
			if _, err := os.Stat(p.Export); err != nil {
				return false
			}
		}
	}
	return true
}

func dirFingerprint(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "unreadable: " + err.Error()
	}
	h := sha256.New()
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			fmt.Fprintf(h, "%s\x00gone\n", e.Name())
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", e.Name(), info.Size(), info.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// configKey: everything but the imports that decides what `go list -deps -export` answers.
func configKey() (string, error) {
	h := sha256.New()
	put := func(name, value string) { fmt.Fprintf(h, "%s\x00%d\x00%s\x00", name, len(value), value) }
	putFile := func(name, path string) {
		b, err := os.ReadFile(path)
		if err != nil {
			put(name, "\x01absent")
			return
		}
		put(name+" "+path, string(b))
	}
	put("version", "1")
	bin, err := exec.LookPath(*goBin)
	if err != nil {
		return "", err
	}
	info, err := os.Stat(bin)
	if err != nil {
		return "", err
	}
	put("go", fmt.Sprintf("%s %d %d", bin, info.Size(), info.ModTime().UnixNano()))
	cwd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	put("cwd", cwd)
	env := os.Environ()
	sort.Strings(env)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GO") || strings.HasPrefix(k, "CGO_") || k == "CC" || k == "CXX" || k == "PATH" {
			put("env", kv)
		}
	}
	goenv := os.Getenv("GOENV")
	if goenv == "" {
		if d, err := os.UserConfigDir(); err == nil {
			goenv = filepath.Join(d, "go", "env")
		}
	}
	if goenv != "" && goenv != "off" {
		putFile("GOENV", goenv)
	}
	put("tags", *tagsF)
	if *overlayF != "" {
		putOverlay(put, putFile)
	}
	if mod := findUp(cwd, "go.mod"); mod != "" {
		putFile("go.mod", mod)
		putFile("go.sum", filepath.Join(filepath.Dir(mod), "go.sum"))
		putFile("modules.txt", filepath.Join(filepath.Dir(mod), "vendor", "modules.txt"))
	}
	work := os.Getenv("GOWORK")
	if work == "" {
		work = findUp(cwd, "go.work")
	}
	if work != "" && work != "off" {
		putFile("go.work", work)
		putFile("go.work.sum", work+".sum")
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func putOverlay(put func(string, string), putFile func(string, string)) {
	b, err := os.ReadFile(*overlayF)
	if err != nil {
		put("overlay", "\x01unreadable")
		return
	}
	put("overlay", string(b))
	var o struct{ Replace map[string]string }
	if json.Unmarshal(b, &o) != nil {
		return
	}
	keys := make([]string, 0, len(o.Replace))
	for k := range o.Replace {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		putFile("overlay file", o.Replace[k])
	}
}

func findUp(dir, name string) string {
	for {
		p := filepath.Join(dir, name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}

func trimListCache(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) <= maxListEntries {
		return
	}
	type aged struct {
		name string
		mod  int64
	}
	var all []aged
	for _, e := range entries {
		if info, err := e.Info(); err == nil && strings.HasSuffix(e.Name(), ".json") {
			all = append(all, aged{e.Name(), info.ModTime().UnixNano()})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].mod > all[j].mod })
	for _, a := range all[min(len(all), maxListEntries):] {
		_ = os.Remove(filepath.Join(dir, a.name))
	}
}
