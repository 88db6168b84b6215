package operators

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// FilterArgs configures a Filter.
type FilterArgs struct {
	Cond expr.Expr // boolean
	// Ctx is the evaluation context. When nil, the operator keeps its own
	// and sets its Now from each barrier.
	Ctx *expr.Context
}

// Filter keeps the rows for which Cond is TRUE (not FALSE, not NULL).
//
// State: none. Delta rule: Δout = σ(Δin), op by op, except update pairs:
// when both halves pass the pair is kept; when only the U- row passes it
// becomes a Delete; when only the U+ row passes it becomes an Insert.
type Filter struct {
	Output
	cond   expr.Expr
	ctx    *expr.Context
	ownCtx bool
}

var _ Node = (*Filter)(nil)

// NewFilter returns a Filter.
func NewFilter(args FilterArgs) *Filter {
	f := &Filter{cond: args.Cond, ctx: args.Ctx}
	if f.ctx == nil {
		f.ctx, f.ownCtx = &expr.Context{TimeZone: "UTC"}, true
	}
	return f
}

// Push implements Node.
func (f *Filter) Push(_ int, c *types.Chunk) error {
	n := c.NumRows()
	if n == 0 {
		c.Release()
		return nil
	}
	a, err := f.cond.Eval(f.ctx, c)
	if err != nil {
		c.Release()
		return err
	}
	bools, ok := a.(*array.Boolean)
	if !ok {
		a.Release()
		c.Release()
		return fmt.Errorf("filter: condition evaluated to %T, want boolean", a)
	}
	keep := make([]bool, n)
	kept := 0
	for i := range keep {
		keep[i] = bools.IsValid(i) && bools.Value(i)
		if keep[i] {
			kept++
		}
	}
	a.Release()
	if kept == 0 {
		c.Release()
		return nil
	}
	ops := c.Ops
	copied := false
	setOp := func(i int, op types.Op) {
		if !copied {
			ops = append([]types.Op(nil), ops...)
			copied = true
		}
		ops[i] = op
	}
	for i := 0; i < n; i++ {
		switch c.Ops[i] {
		case types.UpdateDelete:
			if i+1 < n && c.Ops[i+1] == types.UpdateInsert {
				switch {
				case keep[i] && !keep[i+1]:
					setOp(i, types.Delete)
				case !keep[i] && keep[i+1]:
					setOp(i+1, types.Insert)
				}
				i++
			} else if keep[i] {
				setOp(i, types.Delete) // a lone half: no pair to keep
			}
		case types.UpdateInsert:
			if keep[i] {
				setOp(i, types.Insert)
			}
		}
	}
	if kept == n {
		if copied {
			c = &types.Chunk{Types: c.Types, Cols: c.Cols, Ops: ops}
		}
		return f.Emit(c)
	}
	out := selectRows(c, keep, ops)
	c.Release()
	return f.Emit(out)
}

// Barrier implements Node.
func (f *Filter) Barrier(_ int, b Barrier) error {
	if f.ownCtx {
		f.ctx.Now = b.Now
	}
	return f.EmitBarrier(b)
}

// Watermark implements Node: watermarks pass through.
func (f *Filter) Watermark(_ int, w Watermark) error { return f.EmitWatermark(w) }

// selectRows returns a new chunk with the rows i of c where keep[i], with
// op ops[i]. It slices each column into runs of kept rows and concatenates
// them. c is not released.
func selectRows(c *types.Chunk, keep []bool, ops []types.Op) *types.Chunk {
	type run struct{ from, to int }
	var runs []run
	var outOps []types.Op
	for i := 0; i < len(keep); i++ {
		if !keep[i] {
			continue
		}
		j := i
		for j < len(keep) && keep[j] {
			j++
		}
		runs = append(runs, run{i, j})
		outOps = append(outOps, ops[i:j]...)
		i = j
	}
	if len(runs) == 0 {
		return types.NewChunk(c.Types, nil, nil)
	}
	out := &types.Chunk{Types: c.Types, Cols: make([]arrow.Array, len(c.Cols)), Ops: outOps}
	for k, col := range c.Cols {
		if len(runs) == 1 {
			out.Cols[k] = array.NewSlice(col, int64(runs[0].from), int64(runs[0].to))
			continue
		}
		parts := make([]arrow.Array, len(runs))
		for r, rn := range runs {
			parts[r] = array.NewSlice(col, int64(rn.from), int64(rn.to))
		}
		merged, err := array.Concatenate(parts, types.Allocator)
		for _, p := range parts {
			p.Release()
		}
		if err != nil {
			panic(fmt.Sprintf("operators: concatenate: %v", err)) // same-typed slices cannot fail
		}
		out.Cols[k] = merged
	}
	return out
}
