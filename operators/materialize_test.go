package operators

import (
	"math/rand/v2"
	"testing"

	"github.com/eddysql/eddy/internal/zset"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

var matLayout = types.TableLayout{ID: 9, Name: "mv", Cols: []types.Type{types.Int64, types.Varchar}, PK: []int{0}}

func matBuilder(conflict Conflict) buildFunc {
	return func(s *state.Store) (Node, error) {
		return NewMaterialize(MaterializeArgs{Table: matLayout, Store: s, PK: []int{0}, Conflict: conflict})
	}
}

func TestMaterializeScript(t *testing.T) {
	runScripts(t, "testdata/materialize.txt", map[string]buildFunc{
		"overwrite": matBuilder(ConflictOverwrite),
		"none":      matBuilder(ConflictNone),
	})
}

// TestMaterializeOverwriteProperties: random upserts and deletes by key;
// the output integral must equal the table contents, which must equal the
// last write per key.
func TestMaterializeOverwriteProperties(t *testing.T) {
	ts := matLayout.Cols
	for seed := range uint64(10) {
		rng := rand.New(rand.NewPCG(seed, 3))
		var epochs [][]change
		for range 10 {
			var ep []change
			for range rng.IntN(10) {
				r := types.Row{int64(rng.IntN(5)), string(rune('a' + rng.IntN(3)))}
				op := types.Insert
				if rng.IntN(3) == 0 {
					op, r[1] = types.Delete, nil // a delete names the key only
				}
				ep = append(ep, change{op, r})
			}
			epochs = append(epochs, ep)
		}
		for _, size := range []int{1, 3, 1024} {
			h := newHarness(t, matBuilder(ConflictOverwrite))
			want := map[int64]types.Row{}
			out := zset.New()
			for e, ep := range epochs {
				for _, c := range ep {
					if c.op == types.Insert {
						want[c.row[0].(int64)] = c.row
					} else {
						delete(want, c.row[0].(int64))
					}
				}
				for _, c := range chunksOf(ts, ep, size) {
					h.push(0, c)
				}
				h.barrier(uint64(e + 1))
				out.AddAll(h.take(), 1)
				wz := zset.New()
				for _, r := range want {
					wz.Add(r, 1)
				}
				if !zset.Equal(out, wz) {
					t.Fatalf("seed %d size %d epoch %d: output integral\n%s\nwant\n%s", seed, size, e+1, out, wz)
				}
				table := zset.New()
				if err := h.store.Table(matLayout).Scan(nil, func(r types.Row) bool { table.Add(r, 1); return true }); err != nil {
					t.Fatal(err)
				}
				if !zset.Equal(table, wz) {
					t.Fatalf("seed %d size %d epoch %d: table\n%s\nwant\n%s", seed, size, e+1, table, wz)
				}
			}
			h.close()
		}
	}
}

func TestMaterializeLayoutError(t *testing.T) {
	s, err := state.Open(state.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := NewMaterialize(MaterializeArgs{Table: matLayout, Store: s, PK: []int{1}}); err == nil {
		t.Fatal("PK mismatch: want an error")
	}
}

// TestMaterializeConflictModesProperties: random inserts and deletes by
// key through each ON CONFLICT mode, with and without a version column;
// the output integral and the table must equal a model applying the
// mode's rule per change.
func TestMaterializeConflictModesProperties(t *testing.T) {
	layout := types.TableLayout{ID: 10, Name: "vt", Cols: []types.Type{types.Int64, types.Varchar, types.Int64}, PK: []int{0}}
	modes := []struct {
		name     string
		conflict Conflict
		versions []int
	}{
		{"do nothing", ConflictDoNothing, nil},
		{"if not null", ConflictIfNotNull, nil},
		{"overwrite, version", ConflictOverwrite, []int{2}},
		{"if not null, version", ConflictIfNotNull, []int{2}},
	}
	apply := func(conflict Conflict, versions []int, want map[int64]types.Row, c change) {
		k := c.row[0].(int64)
		old, found := want[k]
		if c.op == types.Delete {
			delete(want, k)
			return
		}
		r := append(types.Row(nil), c.row...)
		if found {
			if conflict == ConflictDoNothing {
				return
			}
			if len(versions) > 0 {
				nv, ov := r[2], old[2]
				if nv == nil && ov != nil || nv != nil && ov != nil && nv.(int64) < ov.(int64) {
					return
				}
			}
			if conflict == ConflictIfNotNull {
				for i := range r {
					if r[i] == nil {
						r[i] = old[i]
					}
				}
			}
		}
		want[k] = r
	}
	for _, m := range modes {
		for seed := range uint64(8) {
			rng := rand.New(rand.NewPCG(seed, 7))
			var epochs [][]change
			for range 8 {
				var ep []change
				for range rng.IntN(12) {
					r := types.Row{int64(rng.IntN(4)), nil, nil}
					if rng.IntN(3) > 0 {
						r[1] = string(rune('a' + rng.IntN(3)))
					}
					if rng.IntN(4) > 0 {
						r[2] = int64(rng.IntN(4))
					}
					op := types.Insert
					if rng.IntN(5) == 0 {
						op, r[1], r[2] = types.Delete, nil, nil
					}
					ep = append(ep, change{op, r})
				}
				epochs = append(epochs, ep)
			}
			for _, size := range []int{1, 4, 1024} {
				h := newHarness(t, func(s *state.Store) (Node, error) {
					return NewMaterialize(MaterializeArgs{Table: layout, Store: s, PK: []int{0}, Conflict: m.conflict, VersionCols: m.versions})
				})
				want := map[int64]types.Row{}
				out := zset.New()
				for e, ep := range epochs {
					for _, c := range ep {
						apply(m.conflict, m.versions, want, c)
					}
					for _, c := range chunksOf(layout.Cols, ep, size) {
						h.push(0, c)
					}
					h.barrier(uint64(e + 1))
					out.AddAll(h.take(), 1)
					wz := zset.New()
					for _, r := range want {
						wz.Add(r, 1)
					}
					if !zset.Equal(out, wz) {
						t.Fatalf("%s seed %d size %d epoch %d: output integral\n%s\nwant\n%s", m.name, seed, size, e+1, out, wz)
					}
					table := zset.New()
					if err := h.store.Table(layout).Scan(nil, func(r types.Row) bool { table.Add(r, 1); return true }); err != nil {
						t.Fatal(err)
					}
					if !zset.Equal(table, wz) {
						t.Fatalf("%s seed %d size %d epoch %d: table\n%s\nwant\n%s", m.name, seed, size, e+1, table, wz)
					}
				}
				h.close()
			}
		}
	}
	s, err := state.Open(state.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := NewMaterialize(MaterializeArgs{Table: layout, Store: s, Conflict: ConflictDoNothing, VersionCols: []int{2}}); err == nil {
		t.Error("version columns with DO NOTHING: want an error")
	}
}
