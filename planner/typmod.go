package planner

import (
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// exprTypeMod returns the type modifier of the values e computes over rows
// of schema in, as Postgres's exprTypmod derives a view or result column's
// atttypmod: a column reference carries its column's modifier, a cast to a
// modified type (the length-coercion call ApplyTypeMod wraps around it)
// carries that modifier, and any other expression has none.
func exprTypeMod(e expr.Expr, in func() types.Schema) types.TypeMod {
	switch x := e.(type) {
	case *expr.ColumnRef:
		s := in()
		if x.Index < len(s) && s[x.Index].Type == x.T {
			return s[x.Index].Mod
		}
	case *expr.Call:
		if len(x.Args) != 3 || x.Name != expr.TypeModFunc(x.T) {
			return types.TypeMod{}
		}
		if l, ok := x.Args[1].(*expr.Literal); ok {
			if v, ok := l.Value.(int64); ok {
				return types.TypeModFromPG(x.T, int32(v))
			}
		}
	}
	return types.TypeMod{}
}

// commonTypeMods clears in s (the first input's schema) the modifiers that
// another input of a set operation does not share, as Postgres keeps a
// UNION column's modifier only when every branch has the same one.
func commonTypeMods(s types.Schema, inputs []Node) types.Schema {
	out := s
	copied := false
	for _, n := range inputs[1:] {
		o := n.Schema()
		for i := range out {
			if !out[i].Mod.Set || (i < len(o) && o[i].Mod == out[i].Mod && o[i].Type == out[i].Type) {
				continue
			}
			if !copied {
				out = append(types.Schema(nil), out...)
				copied = true
			}
			out[i].Mod = types.TypeMod{}
		}
	}
	return out
}

// withTypeMods copies the modifiers of the bound query's visible columns
// (bound, before optimization) onto the planned schema out, column by
// column where the types agree: the rewrites of the optimizer and the
// stream builder keep types but not modifiers.
func withTypeMods(out, bound types.Schema, visible int) {
	for i := 0; i < visible && i < len(out) && i < len(bound); i++ {
		if out[i].Type == bound[i].Type {
			out[i].Mod = bound[i].Mod
		} else {
			out[i].Mod = types.TypeMod{}
		}
	}
}
