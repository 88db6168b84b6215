package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddysql/eddy/types"
)

// SQLSTATE codes not (yet) in sqlerr.
const (
	codeIndeterminateDatatype = "42P18"
	codeInvalidEscape         = "22025"
	codeInvalidArgumentLog    = "2201E"
	codeInvalidArgumentPower  = "2201F"
	codeInvalidJSONText       = "22P02"
	codeInvalidBinaryRepr     = "22P03"
	codeSubstringError        = "22011"
)

// broadcast returns an array holding d n times.
func broadcast(t types.Type, d types.Datum, n int) arrow.Array {
	switch v := d.(type) {
	case int64:
		switch t.Kind {
		case types.KindInt64:
			return newPrimitive(t, fill(n, v), nil)
		case types.KindInt32:
			return newPrimitive(t, fill(n, int32(v)), nil)
		case types.KindInt16:
			return newPrimitive(t, fill(n, int16(v)), nil)
		}
	case float64:
		switch t.Kind {
		case types.KindFloat64:
			return newPrimitive(t, fill(n, v), nil)
		case types.KindFloat32:
			return newPrimitive(t, fill(n, float32(v)), nil)
		}
	}
	b := array.NewBuilder(types.Allocator, types.ArrowType(t))
	defer b.Release()
	if d == nil {
		b.AppendNulls(n)
		return b.NewArray()
	}
	b.Reserve(n)
	switch x := b.(type) {
	case *array.Int64Builder:
		v := d.(int64)
		for i := 0; i < n; i++ {
			x.UnsafeAppend(v)
		}
	case *array.Int32Builder:
		v := int32(d.(int64))
		for i := 0; i < n; i++ {
			x.UnsafeAppend(v)
		}
	case *array.Float64Builder:
		v := d.(float64)
		for i := 0; i < n; i++ {
			x.UnsafeAppend(v)
		}
	case *array.BooleanBuilder:
		v := d.(bool)
		for i := 0; i < n; i++ {
			x.UnsafeAppend(v)
		}
	default:
		for i := 0; i < n; i++ {
			types.AppendDatum(b, t, d)
		}
	}
	return b.NewArray()
}

// evalRowwise evaluates e row by row over c, reading only the columns e
// references.
func evalRowwise(ctx *Context, e Expr, c *types.Chunk) (arrow.Array, error) {
	n := c.NumRows()
	cols := columnsOf(e)
	row := make(types.Row, len(c.Cols))
	t := e.Type()
	b := array.NewBuilder(types.Allocator, types.ArrowType(t))
	defer b.Release()
	b.Reserve(n)
	for i := 0; i < n; i++ {
		for _, col := range cols {
			row[col] = c.Datum(col, i)
		}
		d, err := e.EvalRow(ctx, row)
		if err != nil {
			return nil, err
		}
		appendDatum(b, t, d)
	}
	return b.NewArray(), nil
}

// appendDatum is types.AppendDatum that tolerates unknown-typed strings.
func appendDatum(b array.Builder, t types.Type, d types.Datum) {
	if t.Kind == types.KindUnknown {
		if s, ok := d.(string); ok {
			b.(*array.StringBuilder).Append(s)
			return
		}
	}
	types.AppendDatum(b, t, d)
}

// columnsOf returns the distinct input columns e references.
func columnsOf(e Expr) []int {
	var cols []int
	seen := map[int]bool{}
	Walk(e, func(x Expr) bool {
		if c, ok := x.(*ColumnRef); ok && !seen[c.Index] {
			seen[c.Index] = true
			cols = append(cols, c.Index)
		}
		return true
	})
	return cols
}

// Children returns the direct sub-expressions of e.
func Children(e Expr) []Expr {
	switch x := e.(type) {
	case *Call:
		return x.Args
	case *Cast:
		return []Expr{x.Arg}
	case *Case:
		var out []Expr
		if x.Operand != nil {
			out = append(out, x.Operand)
		}
		for _, w := range x.Whens {
			out = append(out, w.Cond, w.Result)
		}
		if x.Else != nil {
			out = append(out, x.Else)
		}
		return out
	case *And:
		return x.Args
	case *Or:
		return x.Args
	case *Not:
		return []Expr{x.Arg}
	case *IsNull:
		return []Expr{x.Arg}
	case *InList:
		return append([]Expr{x.Arg}, x.List...)
	case *Coalesce:
		return x.Args
	case *ArrayCtor:
		return x.Elems
	case *RowCtor:
		return x.Args
	case *FieldSelect:
		return []Expr{x.Arg}
	case *RecordIsNull:
		return []Expr{x.Arg}
	}
	return nil
}

// WithChildren returns a copy of e with its direct sub-expressions replaced
// by ch (in the order Children returns them). Resolved implementations are
// kept, so the new children must have the same types as the old ones.
func WithChildren(e Expr, ch []Expr) Expr {
	switch x := e.(type) {
	case *Call:
		y := *x
		y.Args = ch
		return &y
	case *Cast:
		y := *x
		y.Arg = ch[0]
		return &y
	case *Case:
		y := *x
		i := 0
		if x.Operand != nil {
			y.Operand = ch[0]
			i = 1
		}
		y.Whens = make([]When, len(x.Whens))
		for j := range x.Whens {
			y.Whens[j] = When{Cond: ch[i], Result: ch[i+1]}
			i += 2
		}
		if x.Else != nil {
			y.Else = ch[i]
		}
		return &y
	case *And:
		return &And{Args: ch}
	case *Or:
		return &Or{Args: ch}
	case *Not:
		return &Not{Arg: ch[0]}
	case *IsNull:
		return &IsNull{Arg: ch[0], Not: x.Not}
	case *InList:
		y := *x
		y.Arg = ch[0]
		y.List = ch[1:]
		return &y
	case *Coalesce:
		return &Coalesce{Args: ch, T: x.T}
	case *ArrayCtor:
		return &ArrayCtor{Elems: ch, T: x.T}
	case *RowCtor:
		return &RowCtor{Args: ch, T: x.T}
	case *FieldSelect:
		return &FieldSelect{Arg: ch[0], Index: x.Index}
	case *RecordIsNull:
		return &RecordIsNull{Arg: ch[0], Not: x.Not}
	}
	return e
}

// Walk calls fn on e and, while fn returns true, on its sub-expressions,
// depth first.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	for _, c := range Children(e) {
		Walk(c, fn)
	}
}

// Transform rebuilds e bottom-up, replacing every node n by fn(n) (fn
// returns n itself to keep it).
func Transform(e Expr, fn func(Expr) (Expr, error)) (Expr, error) {
	ch := Children(e)
	if len(ch) > 0 {
		nc := make([]Expr, len(ch))
		changed := false
		for i, c := range ch {
			x, err := Transform(c, fn)
			if err != nil {
				return nil, err
			}
			nc[i] = x
			changed = changed || x != c
		}
		if changed {
			e = WithChildren(e, nc)
		}
	}
	return fn(e)
}

// RemapColumns returns e with every ColumnRef index i replaced by m[i].
func RemapColumns(e Expr, m map[int]int) Expr {
	out, _ := Transform(e, func(x Expr) (Expr, error) {
		if c, ok := x.(*ColumnRef); ok {
			if n, ok := m[c.Index]; ok && n != c.Index {
				return &ColumnRef{Index: n, T: c.T, Name: c.Name}, nil
			}
		}
		return x, nil
	})
	return out
}

// BindParams replaces every Param $N by a literal of vals[N-1] cast to the
// parameter's type.
func BindParams(e Expr, vals []types.Datum) (Expr, error) {
	return Transform(e, func(x Expr) (Expr, error) {
		if p, ok := x.(*Param); ok && p.N >= 1 && p.N <= len(vals) {
			return &Literal{Value: vals[p.N-1], T: p.T}, nil
		}
		return x, nil
	})
}

// IsConst reports whether e references no columns, parameters or NOW().
func IsConst(e Expr) bool {
	ok := true
	Walk(e, func(x Expr) bool {
		switch x.(type) {
		case *ColumnRef, *Param, *Now:
			ok = false
		}
		return ok
	})
	return ok
}

func fill[T number](n int, v T) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}
