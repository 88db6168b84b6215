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
			if c := x.(*Call); c.Name == "random" {
				return x, nil
			}
		}
		v, err := x.EvalRow(defaultContext, nil)
		if err != nil {
			return nil, err
		}
		return &Literal{Value: v, T: x.Type()}, nil
	})
}

var _ = types.Bool
