package operators

import (
	"math/rand/v2"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/internal/zset"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// filterCond: a > b (NULL when either is NULL).
func filterCond(t testing.TB) expr.Expr { return mustResolve(t, ">", pfCol(0), pfCol(1)) }

func TestFilterScript(t *testing.T) {
	runScript(t, "testdata/filter.txt", func(*state.Store) (Node, error) {
		return NewFilter(FilterArgs{Cond: filterCond(t)}), nil
	})
}

func TestFilterProperties(t *testing.T) {
	cond := filterCond(t)
	oracle := func(in zset.ZSet) zset.ZSet {
		return naiveMap(t, in, func(r types.Row) (types.Row, bool) {
			v, err := cond.EvalRow(nil, r)
			if err != nil {
				t.Fatal(err)
			}
			return r, v == true
		})
	}
	for seed := range uint64(10) {
		rng := rand.New(rand.NewPCG(seed, 2))
		epochs := randomEpochs(rng, 10, func() types.Row { return randomPFRow(rng) })
		for _, size := range []int{1, 3, 1024} {
			checkIntegral(t, func(*state.Store) (Node, error) { return NewFilter(FilterArgs{Cond: cond}), nil }, pfIn, epochs, size, 0, oracle)
		}
	}
}

// TestFilterUpdatePairs checks that the output keeps update pairs well
// formed: every UpdateDelete is followed by an UpdateInsert and vice versa.
func TestFilterUpdatePairs(t *testing.T) {
	h := newHarness(t, func(*state.Store) (Node, error) { return NewFilter(FilterArgs{Cond: filterCond(t)}), nil })
	defer h.close()
	h.push(0, types.MustParseChunk(`
  I I T
U- 2 1 a
U+ 0 1 a
U- 0 1 b
U+ 2 1 b
U- 2 1 c
U+ 3 1 c
U- 0 1 d
U+ 0 1 d`))
	h.barrier(1)
	ops, rows := h.out.Take()
	want := []types.Op{types.Delete, types.Insert, types.UpdateDelete, types.UpdateInsert}
	if len(ops) != len(want) {
		t.Fatalf("got %v %v, want ops %v", ops, rows, want)
	}
	for i := range ops {
		if ops[i] != want[i] {
			t.Fatalf("op %d: got %v, want %v (rows %v)", i, ops[i], want[i], rows)
		}
	}
}
