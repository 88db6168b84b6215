package operators

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// cleanAggBuilder: GROUP BY (ws, k) over an append-only input (ws, k, v),
// count(*), sum(v), max(v), count(DISTINCT v) (the last keeps an agg
// table), with CleanOnWatermark.
func cleanAggBuilder(clean bool) (buildFunc, types.TableLayout, []types.TableLayout) {
	in := []types.Type{types.Int64, types.Int64, types.Int64}
	calls := []expr.AggCall{
		aggCallOf("count", in, types.Int64),
		aggCallOf("sum", in, types.Numeric, 2),
		aggCallOf("max", in, types.Int64, 2),
		aggDistinct(aggCallOf("count", in, types.Int64, 2)),
	}
	res, aggs := aggTestLayouts([]int{0, 1}, in, calls, true, 100)
	return func(store *state.Store) (Node, error) {
		return NewHashAgg(HashAggArgs{
			GroupKey: []int{0, 1}, Aggs: calls, InputTypes: in, Store: store,
			ResultTable: res, AggTables: aggs, AppendOnlyInput: true, CleanOnWatermark: clean,
		})
	}, res, aggs
}

// TestHashAggCleanScript: testdata/agg_clean.txt at chunk sizes 1, 3, 1024.
func TestHashAggCleanScript(t *testing.T) {
	b, _, _ := cleanAggBuilder(true)
	runScript(t, "testdata/agg_clean.txt", b)
}

// TestHashAggCleanOnWatermark: with random append-only input and
// watermarks on the first group-key column, the output (raw, epoch by
// epoch) is the same with and without cleaning, and cleaning drops the
// result and agg table rows below the watermark.
func TestHashAggCleanOnWatermark(t *testing.T) {
	for _, size := range []int{1, 3, 1024} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			var outs [2][]string
			var rows [2][]int
			for ci, clean := range []bool{false, true} {
				rng := rand.New(rand.NewPCG(7, uint64(size)))
				build, res, aggs := cleanAggBuilder(clean)
				h := newHarness(t, build)
				for e := 1; e <= 30; e++ {
					base := int64(e)
					var ch []change
					for n := rng.IntN(10); n > 0; n-- {
						ch = append(ch, change{types.Insert, types.Row{base + int64(rng.IntN(3)), int64(rng.IntN(3)), int64(rng.IntN(5))}})
					}
					for _, c := range chunksOf([]types.Type{types.Int64, types.Int64, types.Int64}, ch, size) {
						h.push(0, c)
					}
					if err := h.node.Watermark(0, Watermark{Col: 0, Value: base + 1}); err != nil {
						t.Fatal(err)
					}
					h.barrier(uint64(e))
					outs[ci] = append(outs[ci], h.render(true))
					if e%11 == 0 {
						h.commit(uint64(e))
						h.restart()
					}
					rows[ci] = append(rows[ci], countRows(t, h.store, res)+countRows(t, h.store, aggs[3]))
				}
				h.close()
			}
			for e := range outs[0] {
				if outs[0][e] != outs[1][e] {
					t.Fatalf("epoch %d: output with cleaning differs:\n%s\nwithout:\n%s", e+1, outs[1][e], outs[0][e])
				}
			}
			last := len(rows[0]) - 1
			if rows[1][last] >= rows[0][last] || rows[1][last] > 3*3*(1+5) {
				t.Errorf("state rows: %d with cleaning, %d without", rows[1][last], rows[0][last])
			}
		})
	}
}

// TestHashAggCleanKeepsWithoutFlag: no cleaning unless asked (and never
// for a retractable input).
func TestHashAggCleanKeepsWithoutFlag(t *testing.T) {
	build, res, _ := cleanAggBuilder(false)
	h := newHarness(t, build)
	defer h.close()
	h.push(0, types.MustParseChunk("I I I\n+ 1 1 1\n+ 2 1 1"))
	if err := h.node.Watermark(0, Watermark{Col: 0, Value: int64(5)}); err != nil {
		t.Fatal(err)
	}
	h.barrier(1)
	if n := countRows(t, h.store, res); n != 2 {
		t.Fatalf("%d result rows, want 2", n)
	}
}
