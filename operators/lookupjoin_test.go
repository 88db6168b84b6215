package operators

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/internal/zset"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// lookupTestTable: (g, k, name), PK (g, k).
var lookupTestTable = types.TableLayout{ID: 50, Name: "lookup_t",
	Cols: []types.Type{types.Int64, types.Int64, types.Varchar}, PK: []int{0, 1}}

// lookupScriptNode is a LookupJoin whose port 1 writes the looked-up table
// (inserts put, deletes delete), so scripts can change it between probes.
type lookupScriptNode struct {
	*LookupJoin
	t *state.Table
}

func (n *lookupScriptNode) Push(port int, c *types.Chunk) error {
	if port == 0 {
		return n.LookupJoin.Push(0, c)
	}
	defer c.Release()
	for i := 0; i < c.NumRows(); i++ {
		r := c.Row(i)
		if c.Ops[i].IsInsert() {
			n.t.Put(r)
		} else {
			n.t.Delete(r[:2])
		}
	}
	return nil
}

func (n *lookupScriptNode) Barrier(port int, b Barrier) error {
	if port != 0 {
		return nil
	}
	return n.LookupJoin.Barrier(0, b)
}

// lookupArgs: probe (id, g, k) joined on g (and k when byPK) with the
// table; right output (k, name); Cond name <> 'skip'.
func lookupArgs(t testing.TB, outer, byPK bool) LookupJoinArgs {
	in := []types.Type{types.Int64, types.Int64, types.Int64}
	a := LookupJoinArgs{Outer: outer, InputTypes: in, InputKeys: []int{1}, TableKeys: []int{0}, Table: lookupTestTable,
		TableExprs: []expr.Expr{&expr.ColumnRef{Index: 1, T: types.Int64}, &expr.ColumnRef{Index: 2, T: types.Varchar}}}
	if byPK {
		a.InputKeys, a.TableKeys = []int{2, 1}, []int{1, 0}
	}
	c, err := expr.Resolve("<>", []expr.Expr{&expr.ColumnRef{Index: 4, T: types.Varchar}, &expr.Literal{Value: "skip", T: types.Varchar}})
	if err != nil {
		t.Fatal(err)
	}
	a.Cond = c
	return a
}

// withMemo adds a memo table to a: output (id, g, k, tk, name) keyed by
// the probe id and the table key tk.
func withMemo(a LookupJoinArgs) LookupJoinArgs {
	cols := append(append([]types.Type(nil), a.InputTypes...), types.Int64, types.Varchar)
	a.Memo = &types.TableLayout{ID: 51, Name: "lookup_memo", Cols: cols, PK: []int{0, 3}}
	return a
}

func lookupBuilder(a LookupJoinArgs) buildFunc {
	return func(s *state.Store) (Node, error) {
		a := a
		a.Store = s
		j, err := NewLookupJoin(a)
		if err != nil {
			return nil, err
		}
		return &lookupScriptNode{LookupJoin: j, t: s.Table(a.Table)}, nil
	}
}

// TestLookupJoinScript runs testdata/lookup_join.txt at chunk sizes 1, 3
// and 1024.
func TestLookupJoinScript(t *testing.T) {
	runScripts(t, "testdata/lookup_join.txt", map[string]buildFunc{
		"inner":     lookupBuilder(lookupArgs(t, false, false)),
		"left":      lookupBuilder(lookupArgs(t, true, false)),
		"left-pk":   lookupBuilder(lookupArgs(t, true, true)),
		"inner-pk":  lookupBuilder(lookupArgs(t, false, true)),
		"left-memo": lookupBuilder(withMemo(lookupArgs(t, true, false))),
	})
}

// TestLookupJoinProperty: random table changes interleaved with random
// probe rows; the output integral equals the naive join of each probe row
// with the table as it was when the row arrived.
func TestLookupJoinProperty(t *testing.T) {
	for _, outer := range []bool{false, true} {
		for _, byPK := range []bool{false, true} {
			for _, size := range []int{1, 3, 1024} {
				t.Run(fmt.Sprintf("outer=%v/pk=%v/%d", outer, byPK, size), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(size), 3))
					a := lookupArgs(t, outer, byPK)
					h := newHarness(t, lookupBuilder(a))
					defer h.close()
					table := map[[2]int64]string{}
					want := zset.New()
					names := []string{"a", "b", "skip"}
					id := int64(0)
					probeTypes := a.InputTypes
					outTypes := append(append([]types.Type(nil), probeTypes...), types.Int64, types.Varchar)
					for e := 1; e <= 30; e++ {
						for step := 0; step < 3; step++ {
							// Change the table.
							tb := types.NewChunkBuilder(lookupTestTable.Cols, 8)
							for n := rng.IntN(5); n > 0; n-- {
								k := [2]int64{int64(rng.IntN(3)), int64(rng.IntN(3))}
								if _, ok := table[k]; ok && rng.IntN(2) == 0 {
									tb.Append(types.Delete, types.Row{k[0], k[1], table[k]})
									delete(table, k)
								} else {
									nm := names[rng.IntN(3)]
									table[k] = nm
									tb.Append(types.Insert, types.Row{k[0], k[1], nm})
								}
							}
							h.push(1, tb.Build())
							// Probe.
							var ch []change
							ob := types.NewChunkBuilder(outTypes, 8)
							for n := rng.IntN(6); n > 0; n-- {
								id++
								var g any = int64(rng.IntN(4))
								if rng.IntN(10) == 0 {
									g = nil
								}
								p := types.Row{id, g, int64(rng.IntN(3))}
								ch = append(ch, change{types.Insert, p})
								matched := false
								for tk, nm := range table {
									if g == nil || tk[0] != g.(int64) || (byPK && tk[1] != p[2].(int64)) || nm == "skip" {
										continue
									}
									matched = true
									ob.Append(types.Insert, types.Row{p[0], p[1], p[2], tk[1], nm})
								}
								if !matched && outer {
									ob.Append(types.Insert, types.Row{p[0], p[1], p[2], nil, nil})
								}
							}
							want.AddChunk(ob.Build())
							for _, c := range chunksOf(probeTypes, ch, size) {
								h.push(0, c)
							}
						}
						h.barrier(uint64(e), 0, 1)
						if e%10 == 0 {
							h.commit(uint64(e))
							h.restart()
						}
					}
					got := h.take()
					if !zset.Equal(got, want) {
						t.Fatalf("output differs from the naive lookup:\n%s", zset.Diff(got, want))
					}
				})
			}
		}
	}
}

// TestLookupJoinMemoProperty: a left lookup join with a memo over a probe
// input that inserts and deletes rows, with random table changes between.
// The output integral equals, for every probe row still live, its naive
// join with the table as it was when the row arrived; restarts keep the
// memo.
func TestLookupJoinMemoProperty(t *testing.T) {
	for _, size := range []int{1, 3, 1024} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(size), 7))
			a := withMemo(lookupArgs(t, true, false))
			h := newHarness(t, lookupBuilder(a))
			defer h.close()
			table := map[[2]int64]string{}
			names := []string{"a", "b", "skip"}
			type probe struct {
				row types.Row
				out []types.Row
			}
			live := map[int64]probe{}
			id := int64(0)
			for e := 1; e <= 30; e++ {
				for step := 0; step < 3; step++ {
					tb := types.NewChunkBuilder(lookupTestTable.Cols, 8)
					for n := rng.IntN(5); n > 0; n-- {
						k := [2]int64{int64(rng.IntN(3)), int64(rng.IntN(3))}
						if _, ok := table[k]; ok && rng.IntN(2) == 0 {
							tb.Append(types.Delete, types.Row{k[0], k[1], table[k]})
							delete(table, k)
						} else {
							nm := names[rng.IntN(3)]
							table[k] = nm
							tb.Append(types.Insert, types.Row{k[0], k[1], nm})
						}
					}
					h.push(1, tb.Build())
					var ch []change
					for n := rng.IntN(6); n > 0; n-- {
						if len(live) > 0 && rng.IntN(3) == 0 {
							// Delete (or update) a live probe row.
							for pid, p := range live {
								ch = append(ch, change{types.Delete, p.row})
								delete(live, pid)
								break
							}
							continue
						}
						id++
						var g any = int64(rng.IntN(4))
						if rng.IntN(10) == 0 {
							g = nil
						}
						p := probe{row: types.Row{id, g, int64(rng.IntN(3))}}
						ch = append(ch, change{types.Insert, p.row})
						for tk, nm := range table {
							if g == nil || tk[0] != g.(int64) || nm == "skip" {
								continue
							}
							p.out = append(p.out, types.Row{p.row[0], p.row[1], p.row[2], tk[1], nm})
						}
						if len(p.out) == 0 {
							p.out = append(p.out, types.Row{p.row[0], p.row[1], p.row[2], nil, nil})
						}
						live[id] = p
					}
					for _, c := range chunksOf(a.InputTypes, ch, size) {
						h.push(0, c)
					}
				}
				h.barrier(uint64(e), 0, 1)
				if e%10 == 0 {
					h.commit(uint64(e))
					h.restart()
				}
			}
			want := zset.New()
			outTypes := a.Memo.Cols
			ob := types.NewChunkBuilder(outTypes, 8)
			for _, p := range live {
				for _, r := range p.out {
					ob.Append(types.Insert, r)
				}
			}
			want.AddChunk(ob.Build())
			got := h.take()
			if !zset.Equal(got, want) {
				t.Fatalf("output differs from the naive memo join:\n%s", zset.Diff(got, want))
			}
		})
	}
}
