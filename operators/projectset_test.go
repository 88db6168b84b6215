package operators

import (
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// captureNode records the rows pushed into it.
type captureNode struct{ rows []string }

func (c *captureNode) Push(_ int, ch *types.Chunk) error {
	defer ch.Release()
	for i := 0; i < ch.NumRows(); i++ {
		s := ch.Ops[i].String()
		for _, d := range ch.Row(i) {
			s += " " + types.FormatText(d)
		}
		c.rows = append(c.rows, s)
	}
	return nil
}
func (c *captureNode) Barrier(int, Barrier) error     { return nil }
func (c *captureNode) Watermark(int, Watermark) error { return nil }

func TestProjectSetLockstep(t *testing.T) {
	in := []types.Type{types.Int64, types.ArrayOf(types.Int64)}
	arr := &expr.ColumnRef{Index: 1, T: in[1]}
	unnest, err := expr.ResolveSetFunc("unnest", []expr.Expr{arr})
	if err != nil {
		t.Fatal(err)
	}
	gs, err := expr.ResolveSetFunc("generate_series", []expr.Expr{
		&expr.Literal{Value: int64(1), T: types.Int32}, &expr.Literal{Value: int64(2), T: types.Int32}})
	if err != nil {
		t.Fatal(err)
	}
	p := NewProjectSet(ProjectSetArgs{Funcs: []*expr.SetFunc{unnest, gs}, InputTypes: in})
	out := &captureNode{}
	p.Connect(out, 0)
	b := types.NewChunkBuilder(in, 4)
	b.Append(types.Insert, types.Row{int64(1), types.Array{int64(7), int64(8), int64(9)}})
	b.Append(types.UpdateDelete, types.Row{int64(2), types.Array{}})
	b.Append(types.UpdateInsert, types.Row{int64(2), nil})
	if err := p.Push(0, b.Build()); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"+ 1 {7,8,9} 7 1 1", "+ 1 {7,8,9} 8 2 2", "+ 1 {7,8,9} 9 NULL 3",
		"- 2 {} NULL 1 1", "- 2 {} NULL 2 2",
		"+ 2 NULL NULL 1 1", "+ 2 NULL NULL 2 2",
	}
	if len(out.rows) != len(want) {
		t.Fatalf("got %q, want %q", out.rows, want)
	}
	for i := range want {
		if out.rows[i] != want[i] {
			t.Errorf("row %d: got %q, want %q", i, out.rows[i], want[i])
		}
	}
}
