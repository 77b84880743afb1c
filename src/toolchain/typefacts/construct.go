package main

// Allocating expressions: composite literals, conversions (to interfaces too), new, make, append,
// and the slice behind a variadic call.

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
)

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

// typedFact is a fact of kind for a value of type t: its type, and the element (and key) type of a
// slice, array, map or channel.
func (fc *factCollector) typedFact(kind string, t types.Type) fact {
	f := fact{Kind: kind, Type: fc.facts(t)}
	switch u := under(t).(type) {
	case *types.Slice:
		f.Elem = fc.facts(u.Elem())
	case *types.Array:
		f.Elem = fc.facts(u.Elem())
	case *types.Map:
		f.Elem, f.Key = fc.facts(u.Elem()), fc.facts(u.Key())
	case *types.Chan:
		f.Elem = fc.facts(u.Elem())
	}
	return f
}

func (fc *factCollector) compositeLit(n *ast.CompositeLit) {
	t := fc.info.TypeOf(n)
	if t == nil {
		return
	}
	f := fc.typedFact("composite", t)
	switch u := under(t).(type) {
	case *types.Slice:
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
		l := u.Len()
		f.Len = &l
		for _, e := range n.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				e = kv.Value
			}
			fc.ifaceConv(e, u.Elem())
		}
	case *types.Map:
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
		f := fc.typedFact("make", t)
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
