package expr

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// rowFn computes a function on one row of argument values.
type rowFn func(ctx *Context, a []types.Datum) (types.Datum, error)

// vecFn computes a function over whole argument arrays. It returns nil
// (and no error) to decline, in which case the row-wise path runs.
type vecFn func(ctx *Context, c *Call, args []arrow.Array, n int) (arrow.Array, error)

// impl is the implementation a resolved Call runs.
type impl struct {
	row     rowFn
	nonNull bool // called with NULL arguments too (otherwise NULL in, NULL out)
	vec     vecFn
}

// Call is a function or operator call after overload resolution: Name is
// the lower-case function name or operator symbol ("+", "=", "||", "->>",
// "like", "abs", …) and the arguments already have the types of the
// chosen overload. Build it with Resolve.
type Call struct {
	Name string
	Args []Expr
	T    types.Type
	impl *impl
}

// Type implements Expr.
func (e *Call) Type() types.Type { return e.T }

// String implements Expr.
func (e *Call) String() string {
	if isOperatorName(e.Name) {
		switch len(e.Args) {
		case 1:
			return "(" + e.Name + e.Args[0].String() + ")"
		case 2:
			return "(" + e.Args[0].String() + " " + e.Name + " " + e.Args[1].String() + ")"
		}
	}
	parts := make([]string, len(e.Args))
	for i, a := range e.Args {
		parts[i] = a.String()
	}
	return e.Name + "(" + strings.Join(parts, ", ") + ")"
}

func isOperatorName(n string) bool {
	if n == "" {
		return false
	}
	switch n {
	case "like", "not like", "ilike", "not ilike", "is distinct from", "is not distinct from", "similar to", "not similar to":
		return true
	}
	c := n[0]
	return !(c >= 'a' && c <= 'z' || c == '_')
}

// getImpl returns the call's implementation, re-resolving it by name when
// the Call was built by hand.
func (e *Call) getImpl() (*impl, error) {
	if e.impl != nil {
		return e.impl, nil
	}
	r, err := Resolve(e.Name, e.Args)
	if err != nil {
		return nil, err
	}
	c, ok := r.(*Call)
	if !ok || c.impl == nil {
		return nil, sqlerr.New(sqlerr.InternalError, "cannot evaluate %s", e.Name)
	}
	e.impl = c.impl
	return e.impl, nil
}

// EvalRow implements Expr.
func (e *Call) EvalRow(ctx *Context, r types.Row) (types.Datum, error) {
	im, err := e.getImpl()
	if err != nil {
		return nil, err
	}
	var buf [4]types.Datum
	args := buf[:0]
	if len(e.Args) > len(buf) {
		args = make([]types.Datum, 0, len(e.Args))
	}
	for _, a := range e.Args {
		d, err := a.EvalRow(ctx, r)
		if err != nil {
			return nil, err
		}
		if d == nil && !im.nonNull {
			return nil, nil
		}
		args = append(args, d)
	}
	v, err := im.row(ctx, args)
	if err != nil {
		return ctx.fail(err)
	}
	return v, nil
}

// Eval implements Expr.
func (e *Call) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	im, err := e.getImpl()
	if err != nil {
		return nil, err
	}
	n := c.NumRows()
	arrs := make([]arrow.Array, len(e.Args))
	defer func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, a := range e.Args {
		if arrs[i], err = a.Eval(ctx, c); err != nil {
			return nil, err
		}
	}
	if im.vec != nil {
		out, err := im.vec(ctx, e, arrs, n)
		if err != nil || out != nil {
			return out, err
		}
	}
	b := array.NewBuilder(types.Allocator, types.ArrowType(e.T))
	defer b.Release()
	b.Reserve(n)
	args := make([]types.Datum, len(e.Args))
	for i := 0; i < n; i++ {
		null := false
		for j, a := range arrs {
			args[j] = types.DatumAt(a, e.Args[j].Type(), i)
			if args[j] == nil && !im.nonNull {
				null = true
			}
		}
		if null {
			b.AppendNull()
			continue
		}
		v, err := im.row(ctx, args)
		if err != nil {
			if v, err = ctx.fail(err); err != nil {
				return nil, err
			}
		}
		appendDatum(b, e.T, v)
	}
	return b.NewArray(), nil
}

// Strict reports whether the call returns NULL whenever an argument is NULL
// (without evaluating anything), as Postgres' strict functions do.
func (e *Call) Strict() bool {
	im, err := e.getImpl()
	if err != nil || im == nil {
		return false
	}
	return !im.nonNull
}
