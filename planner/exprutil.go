package planner

import (
	"errors"
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// OuterRef is a reference from inside a subquery to column Index of the
// row of the enclosing query Depth levels up (1 = the immediately enclosing
// query). It only exists between binding and decorrelation; evaluating it
// is an error.
type OuterRef struct {
	Depth int
	Index int
	T     types.Type
	Name  string
}

var errUnresolvedOuter = sqlerr.New(sqlerr.FeatureNotSupported, "correlated subquery is not supported here")

// Type returns the referenced column's type.
func (o *OuterRef) Type() types.Type { return o.T }

// Eval fails: outer references are removed by decorrelation.
func (o *OuterRef) Eval(*expr.Context, *types.Chunk) (arrow.Array, error) {
	return nil, errUnresolvedOuter
}

// EvalRow fails: outer references are removed by decorrelation.
func (o *OuterRef) EvalRow(*expr.Context, types.Row) (types.Datum, error) {
	return nil, errUnresolvedOuter
}

// String returns "outer(name)".
func (o *OuterRef) String() string {
	if o.Depth > 1 {
		return fmt.Sprintf("outer%d(%s)", o.Depth, o.Name)
	}
	return fmt.Sprintf("outer(%s)", o.Name)
}

// placeholder stands for a value whose column position is decided after the
// expression is bound (window function results, scalar subqueries).
type placeholder struct {
	id int
	t  types.Type
}

var errPlaceholder = errors.New("planner: unresolved placeholder")

func (p *placeholder) Type() types.Type { return p.t }
func (p *placeholder) Eval(*expr.Context, *types.Chunk) (arrow.Array, error) {
	return nil, errPlaceholder
}
func (p *placeholder) EvalRow(*expr.Context, types.Row) (types.Datum, error) {
	return nil, errPlaceholder
}
func (p *placeholder) String() string { return fmt.Sprintf("?%d", p.id) }

// mapExpr rewrites e bottom-up: f is applied to every node after its
// children were rewritten; it returns the node to use instead.
func mapExpr(e expr.Expr, f func(expr.Expr) expr.Expr) expr.Expr {
	if e == nil {
		return nil
	}
	mapList := func(es []expr.Expr) []expr.Expr {
		out := make([]expr.Expr, len(es))
		for i, x := range es {
			out[i] = mapExpr(x, f)
		}
		return out
	}
	switch x := e.(type) {
	case *expr.Call:
		c := *x
		c.Args = mapList(x.Args)
		return f(&c)
	case *expr.Cast:
		c := *x
		c.Arg = mapExpr(x.Arg, f)
		return f(&c)
	case *expr.Case:
		c := *x
		c.Operand = mapExpr(x.Operand, f)
		c.Whens = make([]expr.When, len(x.Whens))
		for i, w := range x.Whens {
			c.Whens[i] = expr.When{Cond: mapExpr(w.Cond, f), Result: mapExpr(w.Result, f)}
		}
		c.Else = mapExpr(x.Else, f)
		return f(&c)
	case *expr.And:
		c := *x
		c.Args = mapList(x.Args)
		return f(&c)
	case *expr.Or:
		c := *x
		c.Args = mapList(x.Args)
		return f(&c)
	case *expr.Not:
		c := *x
		c.Arg = mapExpr(x.Arg, f)
		return f(&c)
	case *expr.IsNull:
		c := *x
		c.Arg = mapExpr(x.Arg, f)
		return f(&c)
	case *expr.InList:
		c := *x
		c.Arg = mapExpr(x.Arg, f)
		c.List = mapList(x.List)
		return f(&c)
	case *expr.Coalesce:
		c := *x
		c.Args = mapList(x.Args)
		return f(&c)
	case *expr.ArrayCtor:
		c := *x
		c.Elems = mapList(x.Elems)
		return f(&c)
	case *expr.SetFunc:
		return f(x.WithArgs(mapList(x.Args)))
	case *expr.RowCtor, *expr.FieldSelect, *expr.RecordIsNull:
		return f(expr.WithChildren(x, mapList(expr.Children(x))))
	}
	return f(e)
}

// walkExpr calls f on every node of e, parents first; f returns false to
// skip a node's children.
func walkExpr(e expr.Expr, f func(expr.Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	switch x := e.(type) {
	case *expr.Call:
		for _, a := range x.Args {
			walkExpr(a, f)
		}
	case *expr.Cast:
		walkExpr(x.Arg, f)
	case *expr.Case:
		walkExpr(x.Operand, f)
		for _, w := range x.Whens {
			walkExpr(w.Cond, f)
			walkExpr(w.Result, f)
		}
		walkExpr(x.Else, f)
	case *expr.And:
		for _, a := range x.Args {
			walkExpr(a, f)
		}
	case *expr.Or:
		for _, a := range x.Args {
			walkExpr(a, f)
		}
	case *expr.Not:
		walkExpr(x.Arg, f)
	case *expr.IsNull:
		walkExpr(x.Arg, f)
	case *expr.InList:
		walkExpr(x.Arg, f)
		for _, a := range x.List {
			walkExpr(a, f)
		}
	case *expr.Coalesce:
		for _, a := range x.Args {
			walkExpr(a, f)
		}
	case *expr.ArrayCtor:
		for _, a := range x.Elems {
			walkExpr(a, f)
		}
	case *expr.SetFunc:
		for _, a := range x.Args {
			walkExpr(a, f)
		}
	case *expr.RowCtor, *expr.FieldSelect, *expr.RecordIsNull:
		for _, a := range expr.Children(x) {
			walkExpr(a, f)
		}
	}
}

// remapCols rewrites every column reference through m.
func remapCols(e expr.Expr, m func(int) int) expr.Expr {
	return mapExpr(e, func(x expr.Expr) expr.Expr {
		if c, ok := x.(*expr.ColumnRef); ok {
			n := *c
			n.Index = m(c.Index)
			return &n
		}
		return x
	})
}

// shiftCols adds delta to every column reference.
func shiftCols(e expr.Expr, delta int) expr.Expr {
	if delta == 0 {
		return e
	}
	return remapCols(e, func(i int) int { return i + delta })
}

// substCols replaces every column reference i by exprs[i].
func substCols(e expr.Expr, exprs []expr.Expr) expr.Expr {
	return mapExpr(e, func(x expr.Expr) expr.Expr {
		if c, ok := x.(*expr.ColumnRef); ok {
			return exprs[c.Index]
		}
		return x
	})
}

// colsUsed returns the sorted distinct column positions e references.
func colsUsed(e expr.Expr) []int {
	set := map[int]bool{}
	walkExpr(e, func(x expr.Expr) bool {
		if c, ok := x.(*expr.ColumnRef); ok {
			set[c.Index] = true
		}
		return true
	})
	return sortedKeys(set)
}

func sortedKeys(set map[int]bool) []int {
	out := make([]int, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// exprUses reports whether any node of e satisfies f.
func exprUses(e expr.Expr, f func(expr.Expr) bool) bool {
	found := false
	walkExpr(e, func(x expr.Expr) bool {
		if found {
			return false
		}
		if f(x) {
			found = true
			return false
		}
		return true
	})
	return found
}

func hasOuterRef(e expr.Expr) bool {
	return exprUses(e, func(x expr.Expr) bool { _, ok := x.(*OuterRef); return ok })
}

func hasNow(e expr.Expr) bool {
	return exprUses(e, func(x expr.Expr) bool { _, ok := x.(*expr.Now); return ok })
}

func hasColumnRef(e expr.Expr) bool {
	return exprUses(e, func(x expr.Expr) bool { _, ok := x.(*expr.ColumnRef); return ok })
}

// conjuncts splits e at its top-level ANDs.
func conjuncts(e expr.Expr) []expr.Expr {
	if e == nil {
		return nil
	}
	if a, ok := e.(*expr.And); ok {
		var out []expr.Expr
		for _, x := range a.Args {
			out = append(out, conjuncts(x)...)
		}
		return out
	}
	if l, ok := e.(*expr.Literal); ok && l.Value == true {
		return nil
	}
	return []expr.Expr{e}
}

// andAll joins conditions with AND; nil for none.
func andAll(es []expr.Expr) expr.Expr {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	return &expr.And{Args: append([]expr.Expr(nil), es...)}
}

func colRef(i int, t types.Type, name string) *expr.ColumnRef {
	return &expr.ColumnRef{Index: i, T: t, Name: name}
}

// identityExprs returns column references to every column of s.
func identityExprs(s types.Schema) []expr.Expr {
	out := make([]expr.Expr, len(s))
	for i, c := range s {
		out[i] = colRef(i, c.Type, c.Name)
	}
	return out
}

func boolLit(b bool) *expr.Literal { return &expr.Literal{Value: b, T: types.Bool} }

func isTrueLit(e expr.Expr) bool {
	l, ok := e.(*expr.Literal)
	return ok && l.Value == true
}

func isFalseOrNullLit(e expr.Expr) bool {
	l, ok := e.(*expr.Literal)
	return ok && (l.Value == false || (l.Value == nil && l.T.Kind == types.KindBool))
}
