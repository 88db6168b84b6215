package expr

import (
	"strings"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// resolveSpecial handles the names that do not resolve through the
// overload tables.
func resolveSpecial(n string, args []Expr) (Expr, bool, error) {
	switch n {
	case "and", "or":
		var flat []Expr
		for _, a := range args {
			b, err := coerceBool(a, strings.ToUpper(n))
			if err != nil {
				return nil, true, err
			}
			switch x := b.(type) {
			case *And:
				if n == "and" {
					flat = append(flat, x.Args...)
					continue
				}
			case *Or:
				if n == "or" {
					flat = append(flat, x.Args...)
					continue
				}
			}
			flat = append(flat, b)
		}
		if n == "and" {
			return &And{Args: flat}, true, nil
		}
		return &Or{Args: flat}, true, nil
	case "not":
		if len(args) != 1 {
			return nil, true, noFunction(n, args)
		}
		b, err := coerceBool(args[0], "NOT")
		if err != nil {
			return nil, true, err
		}
		return &Not{Arg: b}, true, nil
	case "is null", "is not null", "isnull", "notnull":
		if len(args) != 1 {
			return nil, true, noFunction(n, args)
		}
		return &IsNull{Arg: args[0], Not: n == "is not null" || n == "notnull"}, true, nil
	case "is true", "is not true", "is false", "is not false", "is unknown", "is not unknown":
		if len(args) != 1 {
			return nil, true, noFunction(n, args)
		}
		b, err := coerceBool(args[0], strings.ToUpper(n))
		if err != nil {
			return nil, true, err
		}
		var f func(d types.Datum) bool
		switch n {
		case "is true":
			f = func(d types.Datum) bool { return d == true }
		case "is not true":
			f = func(d types.Datum) bool { return d != true }
		case "is false":
			f = func(d types.Datum) bool { return d == false }
		case "is not false":
			f = func(d types.Datum) bool { return d != false }
		case "is unknown":
			f = func(d types.Datum) bool { return d == nil }
		default:
			f = func(d types.Datum) bool { return d != nil }
		}
		return &Call{Name: n, Args: []Expr{b}, T: types.Bool, impl: &impl{nonNull: true,
			row: func(_ *Context, a []types.Datum) (types.Datum, error) { return f(a[0]), nil }}}, true, nil
	case "in", "not in":
		if len(args) < 1 {
			return nil, true, noFunction(n, args)
		}
		e, err := NewInList(args[0], args[1:], n == "not in")
		return e, true, err
	case "between", "not between", "between symmetric", "not between symmetric":
		if len(args) != 3 {
			return nil, true, noFunction(n, args)
		}
		e, err := between(args[0], args[1], args[2], strings.HasPrefix(n, "not"))
		if err != nil || !strings.HasSuffix(n, "symmetric") {
			return e, true, err
		}
		e2, err := between(args[0], args[2], args[1], strings.HasPrefix(n, "not"))
		if err != nil {
			return nil, true, err
		}
		if strings.HasPrefix(n, "not") {
			return &And{Args: []Expr{e, e2}}, true, nil
		}
		return &Or{Args: []Expr{e, e2}}, true, nil
	case "coalesce":
		if len(args) == 0 {
			return nil, true, noFunction(n, args)
		}
		e, err := NewCoalesce(args)
		return e, true, err
	case "nullif":
		if len(args) != 2 {
			return nil, true, noFunction(n, args)
		}
		e, err := nullIf(args)
		return e, true, err
	case "greatest", "least":
		if len(args) == 0 {
			return nil, true, noFunction(n, args)
		}
		e, err := greatestLeast(n, args)
		return e, true, err
	case "array":
		e, err := NewArrayCtor(args, types.Unknown)
		return e, true, err
	case "now":
		if len(args) != 0 {
			return nil, true, noFunction(n, args)
		}
		return &Now{}, true, nil
	case "current_date":
		e, err := NewCast(&Now{}, types.DateT, true)
		return e, true, err
	case "localtimestamp":
		e, err := NewCast(&Now{}, types.TimestampT, true)
		return e, true, err
	case "[]":
		if len(args) < 2 {
			return nil, true, noFunction(n, args)
		}
		if len(args) > 2 {
			// a[i][j]…, rebuilt from a hand-made Call.
			e, err := subscript(&Call{Name: "[]", Args: args[:len(args)-1]}, args[len(args)-1])
			return e, true, err
		}
		e, err := subscript(args[0], args[1])
		return e, true, err
	case "[:]":
		if len(args) != 3 {
			return nil, true, noFunction(n, args)
		}
		e, err := slice(args[0], args[1], args[2])
		return e, true, err
	}
	if op, quant, ok := quantified(n); ok {
		if len(args) != 2 {
			return nil, true, noFunction(n, args)
		}
		e, err := quantifiedCmp(n, op, quant, args[0], args[1])
		return e, true, err
	}
	return nil, false, nil
}

func between(x, lo, hi Expr, not bool) (Expr, error) {
	if not {
		a, err := Resolve("<", []Expr{x, lo})
		if err != nil {
			return nil, err
		}
		b, err := Resolve(">", []Expr{x, hi})
		if err != nil {
			return nil, err
		}
		return &Or{Args: []Expr{a, b}}, nil
	}
	a, err := Resolve(">=", []Expr{x, lo})
	if err != nil {
		return nil, err
	}
	b, err := Resolve("<=", []Expr{x, hi})
	if err != nil {
		return nil, err
	}
	return &And{Args: []Expr{a, b}}, nil
}

func castAll(args []Expr, t types.Type) ([]Expr, error) {
	out := make([]Expr, len(args))
	for i, a := range args {
		var err error
		if out[i], err = NewCast(a, t, false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func nullIf(args []Expr) (Expr, error) {
	t, err := commonTypeOf(args, "NULLIF")
	if err != nil {
		return nil, err
	}
	cargs, err := castAll(args, t)
	if err != nil {
		return nil, err
	}
	eq, err := Resolve("=", []Expr{&ColumnRef{Index: 0, T: t}, &ColumnRef{Index: 1, T: t}})
	if err != nil {
		return nil, err
	}
	return &Call{Name: "nullif", Args: cargs, T: t, impl: &impl{nonNull: true,
		row: func(ctx *Context, a []types.Datum) (types.Datum, error) {
			if a[0] == nil || a[1] == nil {
				return a[0], nil
			}
			d, err := eq.EvalRow(ctx, types.Row{a[0], a[1]})
			if err != nil {
				return nil, err
			}
			if d == true {
				return nil, nil
			}
			return a[0], nil
		}}}, nil
}

func greatestLeast(n string, args []Expr) (Expr, error) {
	t, err := commonTypeOf(args, strings.ToUpper(n))
	if err != nil {
		return nil, err
	}
	cargs, err := castAll(args, t)
	if err != nil {
		return nil, err
	}
	sign := 1
	if n == "least" {
		sign = -1
	}
	return &Call{Name: n, Args: cargs, T: t, impl: &impl{nonNull: true,
		row: func(ctx *Context, a []types.Datum) (types.Datum, error) {
			var best types.Datum
			for _, d := range a {
				if d == nil {
					continue
				}
				if best == nil || CompareTyped(d, best, t)*sign > 0 {
					best = d
				}
			}
			return best, nil
		}}}, nil
}

func subscript(arr, idx Expr) (Expr, error) {
	var prev []Expr
	// a[i][j]…: one subscript per dimension of a multidimensional array.
	if inner, ok := arr.(*Call); ok && inner.Name == "[]" && len(inner.Args) >= 2 && inner.Args[0].Type().Kind == types.KindArray {
		arr, prev = inner.Args[0], inner.Args[1:]
	}
	at := arr.Type()
	if at.Kind == types.KindJSONB {
		if idx.Type().IsInteger() {
			return Resolve("->", []Expr{arr, idx})
		}
		return Resolve("->", []Expr{arr, idx})
	}
	if at.Kind != types.KindArray {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch, "cannot subscript type %s because it does not support subscripting", at)
	}
	i, err := NewCast(idx, types.Int32, false)
	if err != nil {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch, "array subscript must have type integer")
	}
	args := append(append([]Expr{arr}, prev...), i)
	return &Call{Name: "[]", Args: args, T: at.ElemType(), impl: &impl{
		row: func(ctx *Context, a []types.Datum) (types.Datum, error) {
			var cur types.Datum = a[0]
			for _, ix := range a[1:] {
				xs, ok := cur.(types.Array)
				if !ok || ix == nil {
					return nil, nil
				}
				k := ix.(int64)
				if k < 1 || k > int64(len(xs)) {
					return nil, nil
				}
				cur = xs[k-1]
			}
			// Fewer subscripts than dimensions give NULL, as in Postgres.
			if _, nested := cur.(types.Array); nested {
				return nil, nil
			}
			return cur, nil
		}}}, nil
}

func quantified(n string) (op, quant string, ok bool) {
	for _, q := range []string{" any", " some", " all"} {
		if strings.HasSuffix(n, q) {
			op = strings.TrimSpace(strings.TrimSuffix(n, q))
			if op == "!=" {
				op = "<>"
			}
			if q == " some" {
				q = " any"
			}
			return op, strings.TrimSpace(q), op != ""
		}
	}
	return "", "", false
}

// quantifiedCmp builds x op ANY|ALL (array).
func quantifiedCmp(name, op, quant string, x, arr Expr) (Expr, error) {
	at := arr.Type()
	if at.Kind == types.KindUnknown {
		xt := x.Type()
		if xt.Kind == types.KindUnknown {
			xt = types.Varchar
		}
		var err error
		if arr, err = NewCast(arr, types.ArrayOf(xt), false); err != nil {
			return nil, err
		}
		at = arr.Type()
	}
	if at.Kind != types.KindArray {
		return nil, sqlerr.New(sqlerr.WrongObjectType, "op ANY/ALL (array) requires array on right side")
	}
	cmp, err := Resolve(op, []Expr{&ColumnRef{Index: 0, T: x.Type()}, &ColumnRef{Index: 1, T: at.ElemType()}})
	if err != nil {
		return nil, err
	}
	if cmp.Type().Kind != types.KindBool {
		return nil, sqlerr.New(sqlerr.WrongObjectType, "op ANY/ALL (array) requires operator to yield boolean")
	}
	all := quant == "all"
	return &Call{Name: name, Args: []Expr{x, arr}, T: types.Bool, impl: &impl{nonNull: true,
		row: func(ctx *Context, a []types.Datum) (types.Datum, error) {
			if a[1] == nil {
				return nil, nil
			}
			xs := a[1].(types.Array)
			if len(xs) == 0 {
				return all, nil
			}
			if a[0] == nil {
				return nil, nil
			}
			null := false
			for _, e := range xs {
				if e == nil {
					null = true
					continue
				}
				d, err := cmp.EvalRow(ctx, types.Row{a[0], e})
				if err != nil {
					return nil, err
				}
				if d == nil {
					null = true
				} else if d.(bool) != all {
					return !all, nil
				}
			}
			if null {
				return nil, nil
			}
			return all, nil
		}}}, nil
}

// slice builds arr[lo:hi] (1-based, inclusive; a NULL bound is open, as
// an omitted one: arr[:2], arr[2:]).
func slice(arr, lo, hi Expr) (Expr, error) {
	at := arr.Type()
	if at.Kind != types.KindArray {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch, "cannot subscript type %s because it does not support subscripting", at)
	}
	l, err := NewCast(lo, types.Int32, false)
	if err != nil {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch, "array subscript must have type integer")
	}
	h, err := NewCast(hi, types.Int32, false)
	if err != nil {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch, "array subscript must have type integer")
	}
	return &Call{Name: "[:]", Args: []Expr{arr, l, h}, T: at, impl: &impl{nonNull: true,
		row: func(ctx *Context, a []types.Datum) (types.Datum, error) {
			xs, ok := a[0].(types.Array)
			if !ok {
				return nil, nil
			}
			from, to := int64(1), int64(len(xs))
			if a[1] != nil {
				from = max(a[1].(int64), 1)
			}
			if a[2] != nil {
				to = min(a[2].(int64), int64(len(xs)))
			}
			if from > to {
				return types.Array{}, nil
			}
			return append(types.Array{}, xs[from-1:to]...), nil
		}}}, nil
}
