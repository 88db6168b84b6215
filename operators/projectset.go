package operators

import (
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// ProjectSetArgs configures a ProjectSet.
type ProjectSetArgs struct {
	// Funcs are the set-returning functions, evaluated over the input row.
	Funcs []*expr.SetFunc
	// InputTypes are the input row's column types.
	InputTypes []types.Type
	// Ctx is the evaluation context. When nil, the operator keeps its own
	// and sets its Now from each barrier. With Ctx.OnError set (non-strict
	// mode) a failing function yields no rows for that input row.
	Ctx *expr.Context
}

// ProjectSet expands each input row by set-returning functions (unnest,
// generate_series, regexp_matches, jsonb_array_elements, …). Output: the
// input row, one column per function result column, and a bigint ordinal
// (1-based). An input row yields max(rows of each function) output rows;
// functions with fewer rows contribute NULLs (Postgres's lockstep rule).
// The output stream key is the input's key plus the ordinal.
//
// State: none. Delta rule: the functions are deterministic, so a deleted
// row retracts exactly the rows its insertion produced; updates are emitted
// as a delete of the old expansion and an insert of the new one.
type ProjectSet struct {
	Output
	funcs  []*expr.SetFunc
	in     []types.Type
	out    []types.Type
	ctx    *expr.Context
	ownCtx bool
}

var _ Node = (*ProjectSet)(nil)

// NewProjectSet returns a ProjectSet.
func NewProjectSet(args ProjectSetArgs) *ProjectSet {
	p := &ProjectSet{funcs: args.Funcs, in: args.InputTypes, ctx: args.Ctx}
	if p.ctx == nil {
		p.ctx, p.ownCtx = &expr.Context{TimeZone: "UTC"}, true
	}
	p.out = append([]types.Type(nil), args.InputTypes...)
	for _, f := range args.Funcs {
		for _, c := range f.Cols {
			p.out = append(p.out, c.Type)
		}
	}
	p.out = append(p.out, types.Int64)
	return p
}

// Types returns the output column types.
func (p *ProjectSet) Types() []types.Type { return p.out }

// Expand returns the output rows of one input row.
func (p *ProjectSet) Expand(row types.Row) ([]types.Row, error) {
	results := make([][][]types.Datum, len(p.funcs))
	n := 0
	for i, f := range p.funcs {
		rs, err := f.EvalSet(p.ctx, row)
		if err != nil {
			if p.ctx.OnError == nil {
				return nil, err
			}
			p.ctx.OnError(err)
			rs = nil
		}
		results[i] = rs
		if len(rs) > n {
			n = len(rs)
		}
	}
	out := make([]types.Row, n)
	for k := 0; k < n; k++ {
		r := make(types.Row, 0, len(p.out))
		r = append(r, row...)
		for i, f := range p.funcs {
			if k < len(results[i]) {
				r = append(r, results[i][k]...)
			} else {
				for range f.Cols {
					r = append(r, nil)
				}
			}
		}
		r = append(r, int64(k+1))
		out[k] = r
	}
	return out, nil
}

// Push implements Node.
func (p *ProjectSet) Push(_ int, c *types.Chunk) error {
	defer c.Release()
	n := c.NumRows()
	if n == 0 {
		return nil
	}
	b := types.NewChunkBuilder(p.out, n)
	rows := 0
	for i := 0; i < n; i++ {
		op := c.Ops[i]
		switch op {
		case types.UpdateDelete:
			op = types.Delete
		case types.UpdateInsert:
			op = types.Insert
		}
		exp, err := p.Expand(c.Row(i))
		if err != nil {
			b.Build().Release()
			return err
		}
		for _, r := range exp {
			b.Append(op, r)
			rows++
		}
	}
	out := b.Build()
	if rows == 0 {
		out.Release()
		return nil
	}
	return p.Emit(out)
}

// Barrier implements Node.
func (p *ProjectSet) Barrier(_ int, b Barrier) error {
	if p.ownCtx {
		p.ctx.Now = b.Now
	}
	return p.EmitBarrier(b)
}

// Watermark implements Node: watermarks on input columns are forwarded
// (they keep their positions).
func (p *ProjectSet) Watermark(_ int, w Watermark) error {
	if w.Col < len(p.in) {
		return p.EmitWatermark(w)
	}
	return nil
}
