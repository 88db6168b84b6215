package expr

import "github.com/eddysql/eddy/types"

// Fold evaluates constant sub-expressions (no columns, parameters or
// NOW()) into Literals. Errors raised while folding are returned, as
// Postgres raises them at planning time for constants.
func Fold(e Expr) (Expr, error) {
	return Transform(e, func(x Expr) (Expr, error) {
		switch x.(type) {
		case *Literal, *ColumnRef, *Param, *Now:
			return x, nil
		case *Call:
			if catalogFuncs[x.(*Call).Name] {
				return x, nil // answered by the statement's catalog
			}
		}
		for _, c := range Children(x) {
			if _, ok := c.(*Literal); !ok {
				return x, nil
			}
		}
		if len(Children(x)) == 0 {
			if _, ok := x.(*Call); !ok {
				return x, nil
			}
			if c := x.(*Call); volatileFuncs[c.Name] {
				return x, nil
			}
		}
		v, ok, err := FoldValue(x)
		if err != nil {
			return nil, err
		}
		if !ok {
			return x, nil
		}
		return &Literal{Value: v, T: x.Type()}, nil
	})
}

// FoldValue evaluates a constant expression at plan time. ok is false
// when its value may depend on the session time zone (extract(hour from
// timestamptz), a timestamptz shown as text, timestamptz + interval '1 day'
// across a daylight-saving change, a timestamptz compared with a
// timestamp): such an expression stays, to be evaluated with the session's
// TimeZone when the statement runs, as Postgres treats stable functions.
func FoldValue(x Expr) (v types.Datum, ok bool, err error) {
	v, err = x.EvalRow(defaultContext, nil)
	if err != nil {
		return nil, false, err
	}
	if touchesTimestamptz(x) && !zoneFree(x) {
		return nil, false, nil
	}
	return v, true, nil
}

// zoneFree reports whether the constant x gives the same value in every
// session time zone. A cast is tested by evaluating it in zones far apart
// (a cast reads or shows local time, so its value moves with the zone's
// offset); any other operation on a timestamptz is zone-free only when it
// reads nothing but timestamptz values and yields a timestamptz, boolean
// or interval (comparisons, differences, greatest): testing it in a few
// zones would miss the daylight-saving rules of the one the session uses.
func zoneFree(x Expr) bool {
	if !touchesTimestamptz(x) {
		return true
	}
	for _, c := range Children(x) {
		if !zoneFree(c) {
			return false
		}
	}
	switch x := x.(type) {
	case *Literal:
		return true
	case *Cast:
		v, err := x.EvalRow(defaultContext, nil)
		return err == nil && sameInOtherZones(v, func(c *Context) (types.Datum, error) { return x.EvalRow(c, nil) })
	case *Call:
		switch x.T.Kind {
		case types.KindTimestamptz, types.KindBool, types.KindInterval:
		default:
			return false
		}
		for _, a := range x.Args {
			if a.Type().Kind != types.KindTimestamptz {
				return false
			}
		}
		return true
	}
	return true
}

// touchesTimestamptz reports whether x or any subexpression is of type
// timestamptz: only those can depend on the session time zone.
func touchesTimestamptz(x Expr) bool {
	if x.Type().Kind == types.KindTimestamptz {
		return true
	}
	for _, c := range Children(x) {
		if touchesTimestamptz(c) {
			return true
		}
	}
	return false
}
