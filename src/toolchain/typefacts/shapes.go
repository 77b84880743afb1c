package main

// Generic shapes (issue 13, class 8): code compiled per shape prints its types with go.shape.X
// names (`&Stack[go.shape.string]{}`, `make(map[go.shape.string]int, n)`). A shape type is the
// underlying type X itself (cmd/compile/internal/typecheck.Shapify), so its layout is X's: the
// name is resolved by dropping the prefix and instantiating generic types with the result.

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"
)

const shapePrefix = "go.shape."

// deshape turns every go.shape.X in a printed type into X. Older compilers suffixed shapes with
// their type-parameter index (go.shape.int_0); that suffix is dropped too.
func deshape(typeExpr string) string {
	var b strings.Builder
	for {
		i := strings.Index(typeExpr, shapePrefix)
		if i < 0 {
			b.WriteString(typeExpr)
			return b.String()
		}
		b.WriteString(typeExpr[:i])
		rest := typeExpr[i+len(shapePrefix):]
		// The shape's name runs to the next delimiter of the enclosing type expression.
		j := 0
		for j < len(rest) && !strings.ContainsRune(",]) ", rune(rest[j])) {
			j++
		}
		name := rest[:j]
		if k := strings.LastIndex(name, "_"); k > 0 && isDigits(name[k+1:]) {
			name = name[:k]
		}
		b.WriteString(name)
		typeExpr = rest[j:]
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// instantiate resolves G[A, B] (a generic type named as -m prints an instance) from `from`.
func (r *resolver) instantiate(from *listedPackage, g ast.Expr, args []ast.Expr) (types.Type, error) {
	gt, err := r.typeOf(from, g)
	if err != nil {
		return nil, err
	}
	targs := make([]types.Type, len(args))
	for i, a := range args {
		if targs[i], err = r.typeOf(from, a); err != nil {
			return nil, err
		}
	}
	named, ok := gt.(*types.Named)
	if !ok || named.TypeParams().Len() != len(targs) {
		return nil, fmt.Errorf("%s is not a generic type of %d parameters", types.ExprString(g), len(targs))
	}
	return types.Instantiate(nil, named, targs, true)
}
