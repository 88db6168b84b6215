package operators

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// ProjectArgs configures a Project.
type ProjectArgs struct {
	Exprs []expr.Expr
	// Ctx is the evaluation context. When nil, the operator keeps its own
	// and sets its Now from each barrier.
	Ctx *expr.Context
}

// Project evaluates one expression per output column, column-at-a-time.
//
// State: none. Delta rule: Δout = project(Δin), op by op; an update pair
// whose two projected rows are equal is dropped.
type Project struct {
	Output
	exprs  []expr.Expr
	types  []types.Type
	ctx    *expr.Context
	ownCtx bool
	// identity: expression i is column i; a chunk as wide as the output
	// passes through unchanged.
	identity bool
}

var _ Node = (*Project)(nil)

// NewProject returns a Project.
func NewProject(args ProjectArgs) *Project {
	p := &Project{exprs: args.Exprs, ctx: args.Ctx}
	if p.ctx == nil {
		p.ctx, p.ownCtx = &expr.Context{TimeZone: "UTC"}, true
	}
	p.types = make([]types.Type, len(args.Exprs))
	p.identity = true
	for i, e := range args.Exprs {
		p.types[i] = e.Type()
		if c, ok := e.(*expr.ColumnRef); !ok || c.Index != i {
			p.identity = false
		}
	}
	return p
}

// Types returns the output column types.
func (p *Project) Types() []types.Type { return p.types }

// Push implements Node.
func (p *Project) Push(_ int, c *types.Chunk) error {
	if p.identity && len(c.Cols) == len(p.exprs) && c.NumRows() > 0 {
		// Nothing to compute, and an update pair stays as the input has it.
		return p.Emit(c)
	}
	defer c.Release()
	n := c.NumRows()
	if n == 0 {
		return nil
	}
	out := &types.Chunk{Types: p.types, Cols: make([]arrow.Array, 0, len(p.exprs)), Ops: c.Ops}
	for _, e := range p.exprs {
		a, err := e.Eval(p.ctx, c)
		if err != nil {
			out.Release()
			return err
		}
		out.Cols = append(out.Cols, a)
	}
	if keep := unchangedUpdates(out); keep != nil {
		filtered := selectRows(out, keep, out.Ops)
		out.Release()
		out = filtered
	}
	return p.Emit(out)
}

// DropUnchangedUpdates returns c without its update pairs whose two rows
// are equal (after a projection dropped the columns that changed): c itself
// when there are none, else a new chunk (c is released).
func DropUnchangedUpdates(c *types.Chunk) *types.Chunk {
	keep := unchangedUpdates(c)
	if keep == nil {
		return c
	}
	out := selectRows(c, keep, c.Ops)
	c.Release()
	return out
}

// unchangedUpdates returns a keep mask dropping the update pairs of c whose
// two rows are equal, or nil when there are none.
func unchangedUpdates(c *types.Chunk) []bool {
	var keep []bool
	for i := 0; i+1 < len(c.Ops); i++ {
		if c.Ops[i] != types.UpdateDelete || c.Ops[i+1] != types.UpdateInsert {
			continue
		}
		if rowsEqualAt(c, i, i+1) {
			if keep == nil {
				keep = make([]bool, len(c.Ops))
				for j := range keep {
					keep[j] = true
				}
			}
			keep[i], keep[i+1] = false, false
		}
		i++
	}
	return keep
}

// rowsEqualAt reports whether rows i and j of c are identical: equal and
// printed the same way (numeric 1.0 and 1.00, or intervals of 1 day and 24
// hours, are not: a view must show the new form). Plain columns are
// compared in place (rowsIdenticalAt).
func rowsEqualAt(c *types.Chunk, i, j int) bool { return rowsIdenticalAt(c, i, j) }

// Barrier implements Node.
func (p *Project) Barrier(_ int, b Barrier) error {
	if p.ownCtx {
		p.ctx.Now = b.Now
	}
	return p.EmitBarrier(b)
}

// Watermark implements Node: a watermark on a column that is projected
// unchanged (a plain column reference) is forwarded on its output position.
func (p *Project) Watermark(_ int, w Watermark) error {
	for i, e := range p.exprs {
		if ref, ok := e.(*expr.ColumnRef); ok && ref.Index == w.Col {
			if err := p.EmitWatermark(Watermark{Col: i, Value: w.Value}); err != nil {
				return err
			}
		}
	}
	return nil
}
