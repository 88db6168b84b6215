package operators

import (
	"math/rand/v2"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/internal/zset"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// Input of the project/filter tests: a bigint, b bigint, s varchar.
var pfIn = []types.Type{types.Int64, types.Int64, types.Varchar}

func pfCol(i int) expr.Expr { return &expr.ColumnRef{Index: i, T: pfIn[i]} }

func mustResolve(t testing.TB, name string, args ...expr.Expr) expr.Expr {
	t.Helper()
	e, err := expr.Resolve(name, args)
	if err != nil {
		t.Fatalf("resolve %s: %v", name, err)
	}
	return e
}

// projectExprs: a + b, s, a.
func projectExprs(t testing.TB) []expr.Expr {
	return []expr.Expr{mustResolve(t, "+", pfCol(0), pfCol(1)), pfCol(2), pfCol(0)}
}

func TestProjectScript(t *testing.T) {
	runScript(t, "testdata/project.txt", func(*state.Store) (Node, error) {
		return NewProject(ProjectArgs{Exprs: projectExprs(t)}), nil
	})
}

func randomPFRow(rng *rand.Rand) types.Row {
	maybe := func(d types.Datum) types.Datum {
		if rng.IntN(5) == 0 {
			return nil
		}
		return d
	}
	return types.Row{maybe(int64(rng.IntN(5))), maybe(int64(rng.IntN(5))), maybe(string(rune('a' + rng.IntN(3))))}
}

// naiveMap applies f to every row of the integral.
func naiveMap(t *testing.T, in zset.ZSet, f func(types.Row) (types.Row, bool)) zset.ZSet {
	out := zset.New()
	for _, e := range in {
		if r, ok := f(e.Row); ok {
			out.Add(r, e.Weight)
		}
	}
	return out
}

func TestProjectProperties(t *testing.T) {
	exprs := projectExprs(t)
	oracle := func(in zset.ZSet) zset.ZSet {
		return naiveMap(t, in, func(r types.Row) (types.Row, bool) {
			out := make(types.Row, len(exprs))
			for i, e := range exprs {
				v, err := e.EvalRow(nil, r)
				if err != nil {
					t.Fatal(err)
				}
				out[i] = v
			}
			return out, true
		})
	}
	for seed := range uint64(10) {
		rng := rand.New(rand.NewPCG(seed, 1))
		epochs := randomEpochs(rng, 10, func() types.Row { return randomPFRow(rng) })
		for _, size := range []int{1, 3, 1024} {
			checkIntegral(t, func(*state.Store) (Node, error) { return NewProject(ProjectArgs{Exprs: exprs}), nil }, pfIn, epochs, size, 0, oracle)
		}
	}
}

func TestProjectWatermark(t *testing.T) {
	h := newHarness(t, func(*state.Store) (Node, error) { return NewProject(ProjectArgs{Exprs: projectExprs(t)}), nil })
	defer h.close()
	if err := h.node.Watermark(0, Watermark{Col: 0, Value: int64(5)}); err != nil {
		t.Fatal(err)
	}
	if err := h.node.Watermark(0, Watermark{Col: 1, Value: int64(5)}); err != nil {
		t.Fatal(err)
	}
	if len(h.out.Marks) != 1 || h.out.Marks[0].Col != 2 {
		t.Fatalf("watermarks: got %+v, want one on column 2", h.out.Marks)
	}
}
