package operators

import (
	"testing"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

func TestValues(t *testing.T) {
	ts := []types.Type{types.Int64, types.Varchar}
	rows := []types.Row{{int64(1), "a"}, {nil, "b"}}
	marker := types.TableLayout{ID: 7, Name: "values_done", Cols: []types.Type{types.Int64}, PK: []int{0}}
	var withStore bool
	h := newHarness(t, func(s *state.Store) (Node, error) {
		args := ValuesArgs{Types: ts, Rows: rows}
		if withStore {
			args.Store, args.Table = s, marker
		}
		return NewValues(args)
	})
	defer h.close()
	h.barrier(1)
	if got := h.take(); len(got) != 2 {
		t.Fatalf("first barrier: got\n%s", got)
	}
	h.barrier(2)
	if got := h.take(); len(got) != 0 {
		t.Fatalf("second barrier: got\n%s", got)
	}
	// Without a marker table, a rebuilt Values emits again; with one, a
	// Values rebuilt after its emission was committed does not.
	withStore = true
	h.restart()
	h.barrier(3)
	if got := h.take(); len(got) != 2 {
		t.Fatalf("rebuilt, first barrier: got\n%s", got)
	}
	h.commit(3)
	h.restart()
	h.barrier(4)
	if got := h.take(); len(got) != 0 {
		t.Fatalf("rebuilt after commit: got\n%s", got)
	}
	if _, err := NewValues(ValuesArgs{Types: ts, Rows: []types.Row{{int64(1)}}}); err == nil {
		t.Fatal("short row: want an error")
	}
}

func TestInput(t *testing.T) {
	runScript(t, "testdata/input.txt", func(*state.Store) (Node, error) { return NewInput(), nil })
}
