package operators

import (
	"testing"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

func TestUnionScript(t *testing.T) {
	runScript(t, "testdata/union.txt", func(*state.Store) (Node, error) { return NewUnion(UnionArgs{Inputs: 2}), nil })
}

// TestUnionAlignment checks that chunks of a port that has already
// delivered the barrier are held back until the barrier is forwarded.
func TestUnionAlignment(t *testing.T) {
	u := NewUnion(UnionArgs{Inputs: 2})
	out := &Collector{}
	u.Connect(out, 0)
	chunk := func(v int64) *types.Chunk {
		return types.NewInsertChunk([]types.Type{types.Int64}, []types.Row{{v}})
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(u.Push(0, chunk(1)))
	must(u.Barrier(0, Barrier{Epoch: 1}))
	must(u.Push(0, chunk(2))) // epoch 2 data, held
	must(u.Push(1, chunk(3))) // epoch 1 data on port 1
	if len(out.Barriers) != 0 || len(out.Chunks) != 2 {
		t.Fatalf("before alignment: %d barriers, %d chunks; want 0, 2", len(out.Barriers), len(out.Chunks))
	}
	must(u.Barrier(1, Barrier{Epoch: 1}))
	if len(out.Barriers) != 1 || len(out.Chunks) != 3 {
		t.Fatalf("after alignment: %d barriers, %d chunks; want 1, 3", len(out.Barriers), len(out.Chunks))
	}
	_, rows := out.Take()
	if got := rows[2][0]; got != int64(2) {
		t.Fatalf("held chunk: got %v, want 2 last", rows)
	}
	if err := u.Barrier(1, Barrier{Epoch: 2}); err != nil {
		t.Fatal(err)
	}
	if err := u.Barrier(1, Barrier{Epoch: 2}); err == nil {
		t.Fatal("a second barrier on one port: want an error")
	}
	if err := u.Push(2, chunk(1)); err == nil {
		t.Fatal("push on port 2 of 2: want an error")
	}
}
