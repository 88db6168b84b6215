package operators

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/internal/zset"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// wordTestCalls are the calls of aggTestCalls that the word engine takes
// (no multiset, word accumulators), plus an avg that overflows 64 bits.
func wordTestCalls() []expr.AggCall {
	var out []expr.AggCall
	for _, c := range aggTestCalls() {
		s, err := compileAgg(c, aggIn, false)
		if err == nil && !s.multiset && accWords(s.kind) > 0 {
			out = append(out, c)
		}
	}
	return append(out, aggCallOf("avg", aggIn, types.Numeric, cBig))
}

// wordBuilder builds HashAggs over calls; engines picks, per build (the
// first and every restart), whether the word engine may be used, and the
// test fails if the word engine was wanted and not taken.
func wordBuilder(t *testing.T, groupKey []int, calls []expr.AggCall, cache int, appendOnly bool, engines func() bool) buildFunc {
	return func(store *state.Store) (Node, error) {
		words := engines()
		res, aggs := aggTestLayouts(groupKey, aggIn, calls, appendOnly, 100)
		n, err := NewHashAgg(HashAggArgs{
			GroupKey: groupKey, Aggs: calls, InputTypes: aggIn, Store: store,
			ResultTable: res, AggTables: aggs, CacheSize: cache, AppendOnlyInput: appendOnly,
		})
		if err != nil {
			return nil, err
		}
		if words && n.w == nil {
			t.Fatalf("group key %v: the word engine was not taken", groupKey)
		}
		if !words {
			n.w = nil
		}
		return n, nil
	}
}

// TestWordAggProperties runs the word engine against the naive oracle,
// and with restarts that switch between the word engine and the classic
// one (both must read the state the other wrote).
func TestWordAggProperties(t *testing.T) {
	calls := wordTestCalls()
	if len(calls) < 15 {
		t.Fatalf("only %d word-engine calls to test", len(calls))
	}
	cases := []struct {
		name     string
		groupKey []int
		cache    int
		restart  int
		switchTo bool // alternate engines at each restart
	}{
		{"int-key", []int{cK}, 0, 0, false},
		{"int32-key", []int{cI}, 0, 0, false},
		{"generic-key", []int{cS, cB}, 0, 0, false},
		{"simple", nil, 0, 0, false},
		{"int-key-evict-restart", []int{cK}, 1, 3, false},
		{"int-key-switch", []int{cK}, 2, 2, true},
		{"generic-key-evict-switch", []int{cS, cB}, 1, 3, true},
		{"simple-switch", nil, 0, 2, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range uint64(10) {
				rng := rand.New(rand.NewPCG(seed, 43))
				epochs := randomEpochs(rng, 14, func() types.Row { return randomAggRow(rng) })
				oracle := func(in zset.ZSet) zset.ZSet { return naiveAgg(t, in, tc.groupKey, calls, aggIn) }
				for _, size := range []int{1, 3, 1024} {
					builds := 0
					engines := func() bool {
						builds++
						return !tc.switchTo || builds%2 == 1
					}
					checkIntegral(t, wordBuilder(t, tc.groupKey, calls, tc.cache, false, engines), aggIn, epochs, size, tc.restart, oracle)
				}
			}
		})
	}
}

// TestWordAggAppendOnly: over an append-only input, min and max of
// integer columns also run on the word engine; restarts switch engines.
func TestWordAggAppendOnly(t *testing.T) {
	in := aggIn
	calls := []expr.AggCall{
		aggCallOf("min", in, types.Int64, cV),
		aggCallOf("max", in, types.Int64, cV),
		aggCallOf("min", in, types.Int32, cI),
		aggFiltered(aggCallOf("max", in, types.Int64, cBig), cB),
		aggCallOf("count", in, types.Int64),
		aggCallOf("sum", in, types.Numeric, cV),
	}
	for _, groupKey := range [][]int{{cK}, {cS}, nil} {
		for seed := range uint64(6) {
			epochs := insertEpochs(rand.New(rand.NewPCG(seed, 9)), 10, 12)
			for _, size := range []int{1, 3, 1024} {
				builds := 0
				engines := func() bool { builds++; return builds%2 == 1 }
				checkIntegral(t, wordBuilder(t, groupKey, calls, 2, true, engines), in, epochs, size, 3, func(z zset.ZSet) zset.ZSet {
					return naiveAgg(t, z, groupKey, calls, in)
				})
			}
		}
	}
}

// TestWordAggNotTaken: calls that keep a multiset, or append-only min/max,
// stay on the classic engine.
func TestWordAggNotTaken(t *testing.T) {
	in := aggIn
	for _, c := range []expr.AggCall{
		aggCallOf("min", in, types.Int64, cV),
		aggDistinct(aggCallOf("count", in, types.Int64, cV)),
		aggCallOf("var_samp", in, types.Numeric, cV),
	} {
		store, err := state.Open(state.Options{InMemory: true})
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		res, aggs := aggTestLayouts([]int{cK}, in, []expr.AggCall{c}, false, 100)
		h, err := NewHashAgg(HashAggArgs{GroupKey: []int{cK}, Aggs: []expr.AggCall{c}, InputTypes: in, Store: store, ResultTable: res, AggTables: aggs})
		if err != nil {
			t.Fatal(err)
		}
		if h.w != nil {
			t.Errorf("%s: word engine taken", c.Name)
		}
	}
}

// TestIntIndex checks the index against a map, through growth, deletions
// and the switch from the dense array to hashing, for dense, growing,
// negative and sparse keys.
func TestIntIndex(t *testing.T) {
	gens := map[string]func(rng *rand.Rand, i int) int64{
		"dense":    func(rng *rand.Rand, i int) int64 { return int64(rng.IntN(5000)) },
		"growing":  func(rng *rand.Rand, i int) int64 { return int64(i/2 + rng.IntN(100)) },
		"negative": func(rng *rand.Rand, i int) int64 { return -int64(i/3 + rng.IntN(50)) },
		"extremes": func(rng *rand.Rand, i int) int64 {
			return []int64{math.MinInt64, math.MaxInt64, 0, -1, math.MinInt64 + 1}[rng.IntN(5)]
		},
		"sparse": func(rng *rand.Rand, i int) int64 {
			k := int64(rng.IntN(5000)) - 2500
			if rng.IntN(3) == 0 {
				k *= 1 << 40 // far-apart keys
			}
			return k
		},
	}
	for name, gen := range gens {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			var x intIndex
			ref := map[int64]int32{}
			for i := range 100_000 {
				k := gen(rng, i)
				g, ok := x.get(k)
				rg, rok := ref[k]
				if ok != rok || (ok && g != rg) {
					t.Fatalf("step %d: get(%d) = %d,%v, want %d,%v", i, k, g, ok, rg, rok)
				}
				switch {
				case !ok:
					x.put(k, int32(i))
					ref[k] = int32(i)
				case rng.IntN(2) == 0:
					x.del(k)
					delete(ref, k)
				}
				if x.n != len(ref) {
					t.Fatalf("step %d: %d entries, want %d", i, x.n, len(ref))
				}
			}
			for k, g := range ref {
				if got, ok := x.get(k); !ok || got != g {
					t.Fatalf("final get(%d) = %d,%v, want %d", k, got, ok, g)
				}
			}
			if dense := x.slots == nil; dense != (name == "dense" || name == "growing" || name == "negative") {
				t.Errorf("dense mode = %v at the end", dense)
			}
		})
	}
}
