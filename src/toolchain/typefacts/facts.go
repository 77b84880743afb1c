package main

// The facts the helper prints (JSON lines, read by src/core/sites/facts.ts) and the type layout
// they carry: size, alignment and the pointer prefix the runtime scans.

import (
	"go/types"
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
	// Expr: the source text of a construct found only in the source (sourcesites.go).
	Expr string `json:"expr,omitempty"`
	// AppendLine, AppendCol: for move2heap, the append whose stack buffer the return moves.
	AppendLine int `json:"appendLine,omitempty"`
	AppendCol  int `json:"appendCol,omitempty"`
	// EndLine, EndCol: for gowrap, the end of the go/defer statement (its capture lines lie within).
	EndLine int    `json:"endLine,omitempty"`
	EndCol  int    `json:"endCol,omitempty"`
	Pkg     string `json:"pkg"`
	// Func: the enclosing top-level function as the compiler names it (F, T.M, (*T).M; "init" for
	// package-level initialisers), so sites can be grouped by function.
	Func string `json:"func,omitempty"`
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
