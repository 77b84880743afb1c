package main

// -rewrite FILE: reorders the field lists of named struct types (the layout advisor's fix).
// FILE holds a JSON array of requests {file, type, line, structText, order}; order lists the
// fields' indices (in declaration order, `a, b int` counting as two) in their new order.
// Every field keeps its doc comment, line comment, tag and the comments above it; a blank line
// stays where it was (between the same positions); `a, b T` stays one declaration when the new
// order keeps it together, else it is split. The struct is formatted with go/format and spliced
// back at its indentation: no other byte of the file changes. A struct whose text differs from
// structText (the file was edited since the analysis) is refused. Prints one
// {"kind":"rewrite", file, type, status, reason} line per request and one
// {"kind":"rewritten", file, content} line per file with at least one applied request.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io"
	"os"
	"sort"
	"strings"
)

var rewriteF = flag.String("rewrite", "", "JSON file of struct field reorders to apply (the layout advisor's fix): print the new file contents")

type rewriteRequest struct {
	File       string `json:"file"`
	Type       string `json:"type"`
	Line       int    `json:"line"`
	StructText string `json:"structText"`
	Order      []int  `json:"order"`
}

func runRewrite(reqFile string, stdout io.Writer) error {
	b, err := os.ReadFile(reqFile)
	if err != nil {
		return err
	}
	var reqs []rewriteRequest
	if err := json.Unmarshal(b, &reqs); err != nil {
		return fmt.Errorf("rewrite requests %s: %v", reqFile, err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	byFile := map[string][]rewriteRequest{}
	var files []string
	for _, r := range reqs {
		if byFile[r.File] == nil {
			files = append(files, r.File)
		}
		byFile[r.File] = append(byFile[r.File], r)
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			for _, r := range byFile[file] {
				_ = enc.Encode(map[string]any{"kind": "rewrite", "file": file, "type": r.Type, "status": "refused", "reason": err.Error()})
			}
			continue
		}
		changed := false
		for _, r := range byFile[file] {
			out, err := rewriteStruct(file, src, r)
			if err != nil {
				_ = enc.Encode(map[string]any{"kind": "rewrite", "file": file, "type": r.Type, "status": "refused", "reason": err.Error()})
				continue
			}
			if !bytes.Equal(out, src) {
				changed = true
			}
			src = out
			_ = enc.Encode(map[string]any{"kind": "rewrite", "file": file, "type": r.Type, "status": "ok"})
		}
		if changed {
			_ = enc.Encode(map[string]any{"kind": "rewritten", "file": file, "content": string(src)})
		}
	}
	return nil
}

func rewriteStruct(file string, src []byte, r rewriteRequest) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("the file does not parse: %v", err)
	}
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	var found *ast.StructType
	ast.Inspect(f, func(n ast.Node) bool {
		if found != nil {
			return false
		}
		if ts, ok := n.(*ast.TypeSpec); ok && ts.Name.Name == r.Type {
			if st, ok := ts.Type.(*ast.StructType); ok && string(src[off(st.Pos()):off(st.End())]) == r.StructText {
				found = st
			}
		}
		return true
	})
	if found == nil {
		return nil, fmt.Errorf("struct %s changed since the analysis (its text in %s is not what was analysed): analyse again", r.Type, file)
	}
	st := found
	// Flatten: field k belongs to declaration decl[k], as name index nameIdx[k].
	var decl, nameIdx []int
	for d, fl := range st.Fields.List {
		n := len(fl.Names)
		if n == 0 {
			n = 1
		}
		for i := 0; i < n; i++ {
			decl = append(decl, d)
			nameIdx = append(nameIdx, i)
		}
	}
	if len(r.Order) != len(decl) {
		return nil, fmt.Errorf("struct %s has %d fields, the new order names %d: analyse again", r.Type, len(decl), len(r.Order))
	}
	seen := make([]bool, len(decl))
	for _, k := range r.Order {
		if k < 0 || k >= len(decl) || seen[k] {
			return nil, fmt.Errorf("bad field order %v", r.Order)
		}
		seen[k] = true
	}
	list := st.Fields.List
	// chunk[d]: the declaration's text with everything above it back to the previous declaration
	// (doc and floating comments), leading blank lines cut off and remembered in blankBefore.
	chunk := make([]string, len(list))
	blankBefore := make([]bool, len(list))
	lbrace := off(st.Fields.Opening) + 1
	header := ""
	start := lbrace
	if nl := bytes.IndexByte(src[lbrace:], '\n'); nl >= 0 && len(list) > 0 && lbrace+nl < off(list[0].Pos()) {
		// A comment on the line of "{" stays there.
		if h := strings.TrimSpace(string(src[lbrace : lbrace+nl])); h != "" {
			header = " " + h
		}
		start = lbrace + nl
	}
	tailEnd := func(fl *ast.Field) int {
		if fl.Comment != nil {
			return off(fl.Comment.End())
		}
		return off(fl.End())
	}
	for d, fl := range list {
		end := tailEnd(fl)
		text := string(src[start:end])
		trimmed := strings.TrimLeft(text, " \t\r\n;")
		lead := text[:len(text)-len(trimmed)]
		blankBefore[d] = d > 0 && strings.Count(lead, "\n") >= 2
		chunk[d] = trimmed
		start = end
	}
	trailer := strings.TrimSpace(strings.Trim(string(src[start:off(st.Fields.Closing)]), " \t\r\n;"))
	// Units of the new order: runs of consecutive names of one declaration in written order.
	type unit struct{ decl, from, to int } // names [from, to) of declaration decl
	var units []unit
	var unitStart []int // flattened position where each unit starts
	for pos, k := range r.Order {
		if n := len(units); n > 0 {
			u := &units[n-1]
			if u.decl == decl[k] && nameIdx[k] == u.to {
				u.to++
				continue
			}
		}
		units = append(units, unit{decl[k], nameIdx[k], nameIdx[k] + 1})
		unitStart = append(unitStart, pos)
	}
	// Blank lines stay between the same flattened positions.
	blankAtPos := map[int]bool{}
	for pos := range decl {
		if nameIdx[pos] == 0 && blankBefore[decl[pos]] {
			blankAtPos[pos] = true
		}
	}
	var body strings.Builder
	body.WriteString("struct {" + header + "\n")
	docDone := map[int]bool{}
	for i, u := range units {
		if i > 0 && blankAtPos[unitStart[i]] {
			body.WriteString("\n")
		}
		fl := list[u.decl]
		n := len(fl.Names)
		if n == 0 || (u.from == 0 && u.to == n) {
			body.WriteString(chunk[u.decl])
		} else {
			// A split declaration: the first part keeps the comments above and beside it.
			if !docDone[u.decl] {
				body.WriteString(leadingComments(chunk[u.decl], src[off(fl.Pos()):tailEnd(fl)]))
			}
			names := make([]string, 0, u.to-u.from)
			for _, nm := range fl.Names[u.from:u.to] {
				names = append(names, nm.Name)
			}
			body.WriteString(strings.Join(names, ", ") + " " + string(src[off(fl.Type.Pos()):off(fl.Type.End())]))
			if fl.Tag != nil {
				body.WriteString(" " + fl.Tag.Value)
			}
			if !docDone[u.decl] && fl.Comment != nil {
				body.WriteString(" " + string(src[off(fl.Comment.Pos()):off(fl.Comment.End())]))
			}
			docDone[u.decl] = true
		}
		body.WriteString("\n")
	}
	if trailer != "" {
		body.WriteString(trailer + "\n")
	}
	body.WriteString("}")
	formatted, err := format.Source([]byte("package p\n\ntype _ " + body.String() + "\n"))
	if err != nil {
		return nil, fmt.Errorf("the reordered struct does not format: %v", err)
	}
	text := string(formatted)
	text = strings.TrimSuffix(text[strings.Index(text, "type _ ")+len("type _ "):], "\n")
	// Indent continuation lines like the original closing brace.
	closeOff := off(st.Fields.Closing)
	lineStart := bytes.LastIndexByte(src[:closeOff], '\n') + 1
	indent := string(src[lineStart:closeOff])
	if strings.TrimSpace(indent) != "" {
		indent = indent[:len(indent)-len(strings.TrimLeft(indent, " \t"))]
	}
	lines := strings.Split(text, "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i] != "" {
			lines[i] = indent + lines[i]
		}
	}
	var out bytes.Buffer
	out.Write(src[:off(st.Pos())])
	out.WriteString(strings.Join(lines, "\n"))
	out.Write(src[off(st.End()):])
	res := out.Bytes()
	if _, err := parser.ParseFile(token.NewFileSet(), file, res, parser.ParseComments); err != nil {
		return nil, fmt.Errorf("the rewritten file does not parse: %v", err)
	}
	if orig, err := format.Source(src); err == nil && bytes.Equal(orig, src) {
		if again, err := format.Source(res); err != nil || !bytes.Equal(again, res) {
			return nil, fmt.Errorf("the rewritten file would not be gofmt-clean: not applied")
		}
	}
	if !sameFieldMultiset(src, res, fset, st) {
		return nil, fmt.Errorf("internal check: the rewritten struct lost or gained text: not applied")
	}
	return res, nil
}

// leadingComments: the chunk's text before the declaration (its doc and floating comments).
func leadingComments(chunk string, declAndComment []byte) string {
	decl := string(declAndComment)
	if nl := strings.IndexByte(decl, '\n'); nl >= 0 {
		decl = decl[:nl]
	}
	i := strings.Index(chunk, decl)
	if i <= 0 {
		return ""
	}
	return chunk[:i]
}

// sameFieldMultiset: every comment and field name of the original struct is still in the new file
// (a guard against a rewrite that drops text, checked on the tokens, not the layout).
func sameFieldMultiset(orig, res []byte, fset *token.FileSet, st *ast.StructType) bool {
	words := func(b []byte) []string {
		w := strings.Fields(strings.NewReplacer(",", " , ", ";", " ").Replace(string(b)))
		sort.Strings(w)
		return w
	}
	o := words(orig[fset.Position(st.Pos()).Offset:fset.Position(st.End()).Offset])
	// The rewritten struct spans the same start offset; find its end by parsing.
	f2, err := parser.ParseFile(token.NewFileSet(), "", res, parser.ParseComments)
	if err != nil {
		return false
	}
	start := fset.Position(st.Pos()).Offset
	var found []string
	ast.Inspect(f2, func(n ast.Node) bool {
		if s, ok := n.(*ast.StructType); ok && found == nil && int(s.Pos())-1 == start {
			found = words(res[start : int(s.End())-1])
		}
		return found == nil
	})
	if found == nil {
		return false
	}
	// Splitting `a, b T` into two declarations repeats T and drops a comma: compare names and comments only.
	filter := func(ws []string) []string {
		var out []string
		for _, w := range ws {
			if w != "," {
				out = append(out, w)
			}
		}
		return out
	}
	a, b := filter(o), filter(found)
	if len(a) == len(b) {
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	// A split declaration: the new text has more words (the repeated type); every old word must still be there.
	count := map[string]int{}
	for _, w := range b {
		count[w]++
	}
	for _, w := range a {
		if count[w] == 0 {
			return false
		}
		count[w]--
	}
	return true
}
