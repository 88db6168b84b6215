package zset

import (
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/eddysql/eddy/types"
)

func TestZSet(t *testing.T) {
	z := New()
	z.Add(types.Row{int64(1), "a"}, 1)
	z.Add(types.Row{int64(1), "a"}, 1)
	z.Add(types.Row{int64(2), nil}, 1)
	z.Add(types.Row{int64(2), nil}, -1)
	z.AddOp(types.Delete, types.Row{int64(0), "x"})
	if got, want := z.String(), "-1 0 x\n+2 1 a\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if _, ok := z.Rows(); ok {
		t.Fatal("Rows ok with a negative weight")
	}
	o := New()
	o.Add(types.Row{int64(1), "a"}, 2)
	d := Diff(z, o)
	if got, want := d.String(), "-1 0 x\n"; got != want {
		t.Fatalf("diff: got %q, want %q", got, want)
	}
	if Equal(z, o) || !Equal(z, z.Clone()) {
		t.Fatal("Equal")
	}
}

func TestNumericKey(t *testing.T) {
	a, _, _ := apd.NewFromString("1.50")
	b, _, _ := apd.NewFromString("1.5")
	if Key(types.Row{a}) != Key(types.Row{b}) {
		t.Fatal("1.50 and 1.5 should be the same element")
	}
	if Key(types.Row{"1"}) == Key(types.Row{int64(1)}) {
		t.Fatal("'1' and 1 should differ")
	}
}

func TestChunk(t *testing.T) {
	z := New()
	z.Add(types.Row{int64(3)}, -2)
	z.Add(types.Row{int64(1)}, 1)
	c := z.Chunk([]types.Type{types.Int64})
	defer c.Release()
	if got, want := c.String(), "  I\n+  1\n-  3\n-  3"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
