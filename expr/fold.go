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
// when its value depends on the session time zone (it differs between two
// zones, as extract(hour from timestamptz) or a timestamptz shown as text
// do): such an expression stays, to be evaluated with the session's
// TimeZone when the statement runs, as Postgres treats stable functions.
func FoldValue(x Expr) (v types.Datum, ok bool, err error) {
	v, err = x.EvalRow(defaultContext, nil)
	if err != nil {
		return nil, false, err
	}
	if touchesTimestamptz(x) && !sameInOtherZones(v, func(c *Context) (types.Datum, error) { return x.EvalRow(c, nil) }) {
		return nil, false, nil
	}
	return v, true, nil
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
