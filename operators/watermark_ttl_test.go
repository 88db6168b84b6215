package operators

import (
	"slices"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// ttlFilter builds the filter of a table WITH TTL over (k int, ts int, v
// text) with WATERMARK FOR ts AS ts - 10, recording its Clean calls.
func ttlFilter(t *testing.T, keepLate bool, cleans *[]int64) (*WatermarkFilter, *Collector) {
	t.Helper()
	in := []types.Type{types.Int32, types.Int32, types.Varchar}
	x, err := expr.Resolve("-", []expr.Expr{&expr.ColumnRef{Index: 1, T: types.Int32}, &expr.Literal{Value: int64(10), T: types.Int32}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewWatermarkFilter(WatermarkFilterArgs{Col: 1, Expr: x, InputTypes: in, KeepLate: keepLate, SplitUpdates: true,
		Clean: func(w types.Datum) error { *cleans = append(*cleans, w.(int64)); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	out := &Collector{}
	f.Connect(out, 0)
	return f, out
}

// ttlChanges renders and clears a collector's chunks, one "op row" per line.
func ttlChanges(c *Collector) []string {
	var out []string
	for _, ch := range c.Chunks {
		for i := 0; i < ch.NumRows(); i++ {
			out = append(out, formatChange(ch.Ops[i], ch.Row(i)))
		}
		ch.Release()
	}
	c.Chunks = nil
	return out
}

func ttlChunk(ops []types.Op, rows ...types.Row) *types.Chunk {
	b := types.NewChunkBuilder([]types.Type{types.Int32, types.Int32, types.Varchar}, len(rows))
	defer b.Release()
	for i, r := range rows {
		b.Append(ops[i], r)
	}
	return b.Build()
}

// TestWatermarkTTLSplit: on an integer column, an update pair that moves the
// event time becomes a delete and an insert, each dropped when below the
// watermark; a pair that keeps it is kept or dropped whole; Clean runs at
// checkpoints when the watermark advanced or rows came.
func TestWatermarkTTLSplit(t *testing.T) {
	var cleans []int64
	f, out := ttlFilter(t, false, &cleans)
	I, D, UD, UI := types.Insert, types.Delete, types.UpdateDelete, types.UpdateInsert
	if err := f.Push(0, ttlChunk([]types.Op{I, I}, types.Row{int64(1), int64(5), "a"}, types.Row{int64(2), int64(20), "b"})); err != nil {
		t.Fatal(err)
	}
	if err := f.Barrier(0, Barrier{Epoch: 1, Checkpoint: true}); err != nil {
		t.Fatal(err)
	}
	if got := ttlChanges(out); len(got) != 2 {
		t.Fatalf("first epoch: %q", got)
	}
	if f.Current() != int64(10) || !slices.Equal(cleans, []int64{10}) {
		t.Fatalf("watermark %v, cleans %v", f.Current(), cleans)
	}
	// Watermark 10.
	err := f.Push(0, ttlChunk([]types.Op{UD, UI, UD, UI, UD, UI, UD, UI, D, I},
		types.Row{int64(2), int64(20), "b"}, types.Row{int64(2), int64(20), "bb"}, // same time, above: kept as a pair
		types.Row{int64(1), int64(5), "a"}, types.Row{int64(1), int64(5), "aa"}, // same time, below: dropped
		types.Row{int64(3), int64(12), "c"}, types.Row{int64(3), int64(4), "c"}, // above → below: a delete
		types.Row{int64(4), int64(6), "d"}, types.Row{int64(4), int64(30), "d"}, // below → above: an insert
		types.Row{int64(5), int64(9), "e"},  // a late delete
		types.Row{int64(6), int64(10), "f"}, // an insert at the watermark
	))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"U- 2 20 b", "U+ 2 20 bb", "-  3 12 c", "+  4 30 d", "+  6 10 f"}
	if got := ttlChanges(out); !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if f.LateRows() != 5 {
		t.Errorf("LateRows %d, want 5", f.LateRows())
	}
	// Not a checkpoint: no Clean; the watermark moves to 20.
	if err := f.Barrier(0, Barrier{Epoch: 2}); err != nil {
		t.Fatal(err)
	}
	if f.Current() != int64(20) || len(cleans) != 1 {
		t.Fatalf("watermark %v, cleans %v", f.Current(), cleans)
	}
	if err := f.Barrier(0, Barrier{Epoch: 3, Checkpoint: true}); err != nil {
		t.Fatal(err)
	}
	// Nothing new: no second Clean at 20.
	if err := f.Barrier(0, Barrier{Epoch: 4, Checkpoint: true}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cleans, []int64{10, 20}) {
		t.Fatalf("cleans %v, want [10 20]", cleans)
	}
	// A late row still makes the next checkpoint clean (the table stored it).
	if err := f.Push(0, ttlChunk([]types.Op{I}, types.Row{int64(7), int64(1), "g"})); err != nil {
		t.Fatal(err)
	}
	if err := f.Barrier(0, Barrier{Epoch: 5, Checkpoint: true}); err != nil {
		t.Fatal(err)
	}
	if got := ttlChanges(out); len(got) != 0 || !slices.Equal(cleans, []int64{10, 20, 20}) {
		t.Fatalf("output %q, cleans %v", got, cleans)
	}
}

// TestWatermarkKeepLate: a processing-time watermark drops nothing.
func TestWatermarkKeepLate(t *testing.T) {
	var cleans []int64
	f, out := ttlFilter(t, true, &cleans)
	if err := f.Push(0, ttlChunk([]types.Op{types.Insert}, types.Row{int64(1), int64(50), "a"})); err != nil {
		t.Fatal(err)
	}
	if err := f.Barrier(0, Barrier{Epoch: 1}); err != nil {
		t.Fatal(err)
	}
	if err := f.Push(0, ttlChunk([]types.Op{types.Insert}, types.Row{int64(2), int64(1), "b"})); err != nil {
		t.Fatal(err)
	}
	if got := ttlChanges(out); len(got) != 2 || f.LateRows() != 0 {
		t.Fatalf("output %q, late %d", got, f.LateRows())
	}
}

// TestMaterializeCleanBelow: a table with upsert semantics and a TTL index
// deletes exactly its rows below the watermark: stale index entries (of
// deleted rows, of rows updated to a later time) delete nothing, NULL times
// never expire; the scan without an index agrees.
func TestMaterializeCleanBelow(t *testing.T) {
	for _, withIndex := range []bool{true, false} {
		store, err := state.Open(state.Options{InMemory: true})
		if err != nil {
			t.Fatal(err)
		}
		in := []types.Type{types.Int32, types.Int32, types.Varchar}
		args := MaterializeArgs{Table: types.TableLayout{ID: 3, Name: "t", Cols: in, PK: []int{0}}, Store: store, Conflict: ConflictOverwrite}
		if withIndex {
			l := TTLIndexLayout(4, "t_ttl", types.Int32, []types.Type{types.Int32})
			args.TTLIndex, args.TTLCol = &l, 1
		}
		m, err := NewMaterialize(args)
		if err != nil {
			t.Fatal(err)
		}
		out := &Collector{}
		m.Connect(out, 0)
		I, D := types.Insert, types.Delete
		err = m.Push(0, ttlChunk([]types.Op{I, I, I, I, I, I},
			types.Row{int64(1), int64(5), "a"},
			types.Row{int64(2), int64(6), "b"},
			types.Row{int64(3), int64(7), "c"},
			types.Row{int64(4), nil, "d"},
			types.Row{int64(5), int64(50), "e"},
			types.Row{int64(6), int64(8), "f"}))
		if err != nil {
			t.Fatal(err)
		}
		// 2 moves to a later time, 3 is deleted, 6 gets a new value at
		// the same time.
		if err := m.Push(0, ttlChunk([]types.Op{I, D, I}, types.Row{int64(2), int64(30), "b"}, types.Row{int64(3), nil, ""}, types.Row{int64(6), int64(8), "ff"})); err != nil {
			t.Fatal(err)
		}
		n, err := m.CleanBelow(1, int64(20))
		if err != nil {
			t.Fatal(err)
		}
		var left []string
		if err := store.Table(args.Table).Scan(nil, func(r types.Row) bool {
			left = append(left, formatChange(types.Insert, r))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		want := []string{"+  2 30 b", "+  4 . d", "+  5 50 e"}
		if n != 2 || !slices.Equal(left, want) {
			t.Errorf("index %v: cleaned %d, left %q; want 2, %q", withIndex, n, left, want)
		}
		if withIndex {
			// Only the entries at or above the watermark remain.
			var idx []string
			if err := store.Table(*args.TTLIndex).Scan(nil, func(r types.Row) bool {
				idx = append(idx, formatChange(types.Insert, r))
				return true
			}); err != nil {
				t.Fatal(err)
			}
			if want := []string{"+  30 2", "+  50 5"}; !slices.Equal(idx, want) {
				t.Errorf("index left %q, want %q", idx, want)
			}
		}
		for _, c := range out.Chunks {
			c.Release()
		}
		_ = store.Close()
	}
}
