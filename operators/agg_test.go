package operators

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/internal/zset"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// aggTestLayouts builds the result and agg table layouts for a HashAgg the
// way the planner must (docs/dev/contracts.md, "operators layouts").
func aggTestLayouts(groupKey []int, in []types.Type, calls []expr.AggCall, appendOnly bool, firstID uint32) (types.TableLayout, []types.TableLayout) {
	var gk []types.Type
	for _, k := range groupKey {
		gk = append(gk, in[k])
	}
	res := types.TableLayout{ID: firstID, Name: "agg_result", Cols: slices.Clone(gk)}
	for _, c := range calls {
		res.Cols = append(res.Cols, c.Type)
	}
	res.Cols = append(res.Cols, types.Int64, types.Bytea)
	for i := range gk {
		res.PK = append(res.PK, i)
	}
	aggs := make([]types.TableLayout, len(calls))
	for i, c := range calls {
		if !aggNeedsTable(c, appendOnly) {
			continue
		}
		l := types.TableLayout{ID: firstID + 1 + uint32(i), Name: fmt.Sprintf("agg_%d_%s", i, c.Name), Cols: slices.Clone(gk)}
		for _, o := range c.OrderBy {
			l.Cols = append(l.Cols, in[o.Col])
		}
		l.Cols = append(l.Cols, c.ArgTypes...)
		for j := range l.Cols {
			l.PK = append(l.PK, j)
		}
		l.Cols = append(l.Cols, types.Int64)
		aggs[i] = l
	}
	return res, aggs
}

// aggBuilder returns a buildFunc for a HashAgg.
func aggBuilder(groupKey []int, in []types.Type, calls []expr.AggCall, appendOnly bool, cacheSize int) buildFunc {
	return func(store *state.Store) (Node, error) {
		res, aggs := aggTestLayouts(groupKey, in, calls, appendOnly, 100)
		return NewHashAgg(HashAggArgs{
			GroupKey: groupKey, Aggs: calls, InputTypes: in, Store: store,
			ResultTable: res, AggTables: aggs, AppendOnlyInput: appendOnly, CacheSize: cacheSize,
		})
	}
}

// call builds an AggCall over the given input columns.
func aggCallOf(name string, in []types.Type, ret types.Type, args ...int) expr.AggCall {
	c := expr.AggCall{Name: name, Args: args, Filter: -1, Type: ret}
	for _, a := range args {
		c.ArgTypes = append(c.ArgTypes, in[a])
	}
	return c
}

func aggDistinct(c expr.AggCall) expr.AggCall { c.Distinct = true; return c }

func aggFiltered(c expr.AggCall, col int) expr.AggCall { c.Filter = col; return c }

func aggOrdered(c expr.AggCall, keys ...expr.SortKey) expr.AggCall { c.OrderBy = keys; return c }

// Input schema of the script and property tests:
// k bigint, v bigint, s varchar, b boolean, f double, i integer, big bigint.
var aggIn = []types.Type{types.Int64, types.Int64, types.Varchar, types.Bool, types.Float64, types.Int32, types.Int64}

const (
	cK, cV, cS, cB, cF, cI, cBig = 0, 1, 2, 3, 4, 5, 6
)

func aggTestCalls() []expr.AggCall {
	in := aggIn
	return []expr.AggCall{
		aggCallOf("count", in, types.Int64),
		aggCallOf("count", in, types.Int64, cV),
		aggDistinct(aggCallOf("count", in, types.Int64, cV)),
		aggCallOf("sum", in, types.Numeric, cV),
		aggDistinct(aggCallOf("sum", in, types.Numeric, cV)),
		aggCallOf("avg", in, types.Numeric, cV),
		aggDistinct(aggCallOf("avg", in, types.Numeric, cV)),
		aggCallOf("min", in, types.Int64, cV),
		aggCallOf("max", in, types.Int64, cV),
		aggCallOf("min", in, types.Varchar, cS),
		aggCallOf("max", in, types.Varchar, cS),
		aggCallOf("bool_and", in, types.Bool, cB),
		aggCallOf("bool_or", in, types.Bool, cB),
		aggCallOf("sum", in, types.Float64, cF),
		aggCallOf("avg", in, types.Float64, cF),
		aggCallOf("sum", in, types.Int64, cI),
		aggCallOf("avg", in, types.Numeric, cI),
		aggCallOf("sum", in, types.Numeric, cBig),
		aggFiltered(aggCallOf("count", in, types.Int64), cB),
		aggFiltered(aggCallOf("sum", in, types.Numeric, cV), cB),
		aggOrdered(aggCallOf("array_agg", in, types.ArrayOf(types.Int64), cV), expr.SortKey{Col: cS, Desc: true, NullsFirst: true}),
		aggOrdered(aggCallOf("string_agg", in, types.Varchar, cS, cS), expr.SortKey{Col: cV}),
		aggOrdered(aggDistinct(aggCallOf("array_agg", in, types.ArrayOf(types.Int64), cV)), expr.SortKey{Col: cV, NullsFirst: true}),
		aggFiltered(aggOrdered(aggCallOf("array_agg", in, types.ArrayOf(types.Varchar), cS), expr.SortKey{Col: cF, Desc: true}, expr.SortKey{Col: cV}), cB),
		aggDistinct(aggCallOf("count", in, types.Int64, cS)),
		aggCallOf("var_pop", in, types.Float64, cF),
		aggCallOf("stddev_samp", in, types.Float64, cF),
		aggDistinct(aggCallOf("bool_or", in, types.Bool, cB)),
		aggCallOf("var_samp", in, types.Numeric, cV),
		aggCallOf("stddev_pop", in, types.Numeric, cI),
	}
}

// naiveAgg computes the expected output of a HashAgg over the integral of
// its input, by brute force.
func naiveAgg(t *testing.T, input zset.ZSet, groupKey []int, calls []expr.AggCall, in []types.Type) zset.ZSet {
	t.Helper()
	rows, ok := input.Rows()
	if !ok {
		t.Fatal("input integral has negative weights")
	}
	groups := map[string][]types.Row{}
	var order []string
	for _, r := range rows {
		k := zset.Key(r.Project(groupKey))
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	if len(groupKey) == 0 && len(groups) == 0 {
		groups[""] = nil
		order = append(order, "")
	}
	out := zset.New()
	for _, k := range order {
		rs := groups[k]
		var gk types.Row
		if len(rs) > 0 {
			gk = rs[0].Project(groupKey)
		}
		row := slices.Clone(gk)
		for _, c := range calls {
			row = append(row, naiveCall(t, c, rs, in))
		}
		out.Add(row, 1)
	}
	return out
}

func naiveCall(t *testing.T, c expr.AggCall, rs []types.Row, in []types.Type) types.Datum {
	t.Helper()
	// FILTER, then NULL-skipping, then DISTINCT, then ORDER BY.
	var sel []types.Row
	for _, r := range rs {
		if c.Filter >= 0 && r[c.Filter] != true {
			continue
		}
		if len(c.Args) > 0 && r[c.Args[0]] == nil && c.Name != "array_agg" {
			continue
		}
		sel = append(sel, r)
	}
	if c.Distinct {
		seen := map[string]bool{}
		var d []types.Row
		for _, r := range sel {
			k := zset.Key(r.Project(c.Args))
			if !seen[k] {
				seen[k] = true
				d = append(d, r)
			}
		}
		sel = d
	}
	slices.SortStableFunc(sel, func(a, b types.Row) int {
		for _, o := range c.OrderBy {
			if x := compareSortKey(a[o.Col], b[o.Col], o); x != 0 {
				return x
			}
		}
		return types.CompareRows(a.Project(c.Args), b.Project(c.Args))
	})
	args := func(j int) []types.Datum {
		var out []types.Datum
		for _, r := range sel {
			out = append(out, r[c.Args[j]])
		}
		return out
	}
	switch c.Name {
	case "count":
		return int64(len(sel))
	case "sum", "avg":
		if len(sel) == 0 {
			return nil
		}
		vs := args(0)
		var sum types.Datum
		switch {
		case in[c.Args[0]].IsInteger():
			bi := new(big.Int)
			for _, v := range vs {
				bi.Add(bi, big.NewInt(v.(int64)))
			}
			d := apd.NewWithBigInt(new(apd.BigInt).SetMathBigInt(bi), 0)
			if c.Name == "avg" {
				r, err := expr.DivDatum(d, int64(len(vs)), types.Numeric)
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			if c.Type == types.Int64 {
				return bi.Int64()
			}
			return d
		default:
			f := 0.0
			for _, v := range vs {
				f += v.(float64)
			}
			sum = f
			if c.Name == "avg" {
				return f / float64(len(vs))
			}
			return sum
		}
	case "min", "max":
		var best types.Datum
		for _, v := range args(0) {
			if best == nil || (c.Name == "min" && types.Compare(v, best) < 0) || (c.Name == "max" && types.Compare(v, best) > 0) {
				best = v
			}
		}
		return best
	case "bool_and", "bool_or":
		if len(sel) == 0 {
			return nil
		}
		res := c.Name == "bool_and"
		for _, v := range args(0) {
			if c.Name == "bool_and" {
				res = res && v.(bool)
			} else {
				res = res || v.(bool)
			}
		}
		return res
	case "array_agg":
		if len(sel) == 0 {
			return nil
		}
		return types.Array(args(0))
	case "string_agg":
		if len(sel) == 0 {
			return nil
		}
		var b strings.Builder
		for i, r := range sel {
			if i > 0 && r[c.Args[1]] != nil {
				b.WriteString(r[c.Args[1]].(string))
			}
			b.WriteString(r[c.Args[0]].(string))
		}
		return b.String()
	case "var_samp", "stddev_pop":
		// Integer input: exact sums, then the operator's own Postgres-scale
		// division and square root.
		sum, sq := new(big.Int), new(big.Int)
		for _, v := range args(0) {
			x := big.NewInt(v.(int64))
			sum.Add(sum, x)
			sq.Add(sq, new(big.Int).Mul(x, x))
		}
		dec := func(b *big.Int) *apd.Decimal { return apd.NewWithBigInt(new(apd.BigInt).SetMathBigInt(b), 0) }
		r, err := numericVariance(c.Name, int64(len(sel)), dec(sum), dec(sq))
		if err != nil {
			t.Fatal(err)
		}
		return r
	case "var_pop", "stddev_samp":
		var sum, sq float64
		for _, v := range args(0) {
			sum += v.(float64)
			sq += v.(float64) * v.(float64)
		}
		return varianceResult(c.Name, int64(len(sel)), sum, sq)
	}
	t.Fatalf("naive: no %s", c.Name)
	return nil
}

// randomAggRow draws a row over small domains, with NULLs.
func randomAggRow(rng *rand.Rand) types.Row {
	maybe := func(d types.Datum) types.Datum {
		if rng.IntN(6) == 0 {
			return nil
		}
		return d
	}
	bigs := []int64{math.MaxInt64, math.MinInt64 + 1, 1, -1}
	return types.Row{
		maybe(int64(rng.IntN(4))),
		maybe(int64(rng.IntN(7) - 3)),
		maybe(string(rune('a' + rng.IntN(4)))),
		maybe(rng.IntN(2) == 0),
		maybe(float64(rng.IntN(5) - 2)),
		maybe(int64(rng.IntN(6))),
		maybe(bigs[rng.IntN(len(bigs))]),
	}
}

func TestHashAggProperties(t *testing.T) {
	calls := aggTestCalls()
	cases := []struct {
		name     string
		groupKey []int
		cache    int
		restart  int
	}{
		{"grouped-int", []int{cK}, 0, 0},
		{"grouped-generic", []int{cS, cB}, 0, 0},
		{"simple", nil, 0, 0},
		{"grouped-evict-restart", []int{cK}, 1, 3},
		{"grouped-generic-evict-restart", []int{cS, cB}, 1, 4},
		{"simple-restart", nil, 0, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range uint64(8) {
				rng := rand.New(rand.NewPCG(seed, 42))
				epochs := randomEpochs(rng, 12, func() types.Row { return randomAggRow(rng) })
				oracle := func(in zset.ZSet) zset.ZSet { return naiveAgg(t, in, tc.groupKey, calls, aggIn) }
				for _, size := range []int{1, 3, 1024} {
					checkIntegral(t, aggBuilder(tc.groupKey, aggIn, calls, false, tc.cache), aggIn, epochs, size, tc.restart, oracle)
				}
			}
		})
	}
}

// insertEpochs draws n epochs of fewer than maxRows random inserts each
// (an append-only input).
func insertEpochs(rng *rand.Rand, n, maxRows int) [][]change {
	var epochs [][]change
	for range n {
		var ep []change
		for range rng.IntN(maxRows) {
			ep = append(ep, change{types.Insert, randomAggRow(rng)})
		}
		epochs = append(epochs, ep)
	}
	return epochs
}

func TestHashAggAppendOnly(t *testing.T) {
	in := aggIn
	calls := []expr.AggCall{
		aggCallOf("min", in, types.Int64, cV),
		aggCallOf("max", in, types.Varchar, cS),
		aggDistinct(aggCallOf("count", in, types.Int64, cV)),
		aggCallOf("sum", in, types.Numeric, cV),
	}
	for seed := range uint64(5) {
		epochs := insertEpochs(rand.New(rand.NewPCG(seed, 7)), 8, 10)
		for _, size := range []int{1, 3, 1024} {
			checkIntegral(t, aggBuilder([]int{cK}, in, calls, true, 0), in, epochs, size, 3, func(z zset.ZSet) zset.ZSet {
				return naiveAgg(t, z, []int{cK}, calls, in)
			})
		}
	}
}

func TestHashAggScript(t *testing.T) {
	in := []types.Type{types.Int64, types.Int64}
	sIn := []types.Type{types.Int64, types.Varchar, types.Int64}
	runScripts(t, "testdata/agg.txt", map[string]buildFunc{
		"count-sum": aggBuilder([]int{0}, in, []expr.AggCall{
			aggCallOf("count", in, types.Int64),
			aggCallOf("sum", in, types.Numeric, 1),
		}, false, 0),
		"simple": aggBuilder(nil, in, []expr.AggCall{
			aggCallOf("count", in, types.Int64),
			aggCallOf("sum", in, types.Numeric, 1),
			aggCallOf("max", in, types.Int64, 1),
			aggCallOf("avg", in, types.Numeric, 1),
		}, false, 0),
		"minmax": aggBuilder([]int{0}, in, []expr.AggCall{
			aggCallOf("min", in, types.Int64, 1),
			aggCallOf("max", in, types.Int64, 1),
			aggDistinct(aggCallOf("count", in, types.Int64, 1)),
		}, false, 0),
		"strings": aggBuilder([]int{0}, sIn, []expr.AggCall{
			aggOrdered(aggCallOf("string_agg", sIn, types.Varchar, 1, 1), expr.SortKey{Col: 2, Desc: true, NullsFirst: true}),
			aggOrdered(aggCallOf("array_agg", sIn, types.ArrayOf(types.Int64), 2), expr.SortKey{Col: 2}),
		}, false, 0),
		"distinct": aggBuilder([]int{0, 1}, in, nil, false, 0),
	})
}

func TestHashAggLayoutErrors(t *testing.T) {
	store, err := state.Open(state.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	in := []types.Type{types.Int64, types.Int64}
	calls := []expr.AggCall{aggCallOf("min", in, types.Int64, 1)}
	res, aggs := aggTestLayouts([]int{0}, in, calls, false, 1)
	if _, err := NewHashAgg(HashAggArgs{GroupKey: []int{0}, Aggs: calls, InputTypes: in, Store: store, ResultTable: res}); err == nil || !strings.Contains(err.Error(), "agg table") {
		t.Errorf("missing agg table: got %v", err)
	}
	bad := res
	bad.Cols = bad.Cols[:len(bad.Cols)-1]
	if _, err := NewHashAgg(HashAggArgs{GroupKey: []int{0}, Aggs: calls, InputTypes: in, Store: store, ResultTable: bad, AggTables: aggs}); err == nil || !strings.Contains(err.Error(), "result table") {
		t.Errorf("bad result table: got %v", err)
	}
	if _, err := NewHashAgg(HashAggArgs{GroupKey: []int{0}, Aggs: calls, InputTypes: in, Store: store, ResultTable: res, AggTables: aggs}); err != nil {
		t.Errorf("good layouts: %v", err)
	}
}

// BenchmarkHashAggCountSum: SELECT k, count(*), sum(v) GROUP BY k over
// chunks of 1024 rows (k in 100k keys), a barrier every 256 chunks.
func BenchmarkHashAggCountSum(b *testing.B) {
	in := []types.Type{types.Int64, types.Int64}
	calls := []expr.AggCall{aggCallOf("count", in, types.Int64), aggCallOf("sum", in, types.Numeric, 1)}
	store, err := state.Open(state.Options{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	node, err := aggBuilder([]int{0}, in, calls, false, 0)(store)
	if err != nil {
		b.Fatal(err)
	}
	agg := node.(*HashAgg)
	sink := &discardSink{}
	agg.Connect(sink, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	const nChunks = 64
	chunks := make([]*types.Chunk, nChunks)
	for i := range chunks {
		rows := make([]types.Row, 1024)
		for j := range rows {
			rows[j] = types.Row{int64(rng.IntN(100_000)), int64(rng.IntN(1000))}
		}
		chunks[i] = types.NewInsertChunk(in, rows)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	epoch := uint64(0)
	rows := 0
	for i := 0; b.Loop(); i++ {
		c := chunks[i%nChunks]
		c.Retain()
		if err := agg.Push(0, c); err != nil {
			b.Fatal(err)
		}
		rows += c.NumRows()
		if i%256 == 255 {
			epoch++
			if err := agg.Barrier(0, Barrier{Epoch: epoch}); err != nil {
				b.Fatal(err)
			}
			store.Seal(epoch)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	// The wall clock is unreliable on a shared machine; CPU time of the
	// process (all threads, Badger's included) is not.
	b.ReportMetric(float64(rows)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
}

// cpuTime returns the user+system CPU time of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// discardSink is a sink that releases what it receives.
type discardSink struct{ rows int }

func (d *discardSink) Push(_ int, c *types.Chunk) error {
	d.rows += c.NumRows()
	c.Release()
	return nil
}
func (d *discardSink) Barrier(int, Barrier) error     { return nil }
func (d *discardSink) Watermark(int, Watermark) error { return nil }

// TestNumericVariance checks the variance family over integers against
// the exact values rounded at Postgres's numeric division scale
// (SELECT f(x) FROM generate_series(1, n) x).
func TestNumericVariance(t *testing.T) {
	sums := func(n int64) (*apd.Decimal, *apd.Decimal) {
		var s, q int64
		for x := int64(1); x <= n; x++ {
			s, q = s+x, q+x*x
		}
		return apd.New(s, 0), apd.New(q, 0)
	}
	for _, tc := range []struct {
		fn   string
		n    int64
		want string
	}{
		{"var_samp", 3, "1.00000000000000000000"},
		{"var_samp", 4, "1.6666666666666667"},
		{"var_pop", 4, "1.2500000000000000"},
		{"stddev_samp", 4, "1.2909944487358056"},
		{"stddev_pop", 4, "1.1180339887498948"},
		{"stddev_samp", 3, "1.00000000000000000000"},
		{"var_samp", 1, "NULL"},
		{"var_pop", 1, "0"},
	} {
		s, q := sums(tc.n)
		got, err := numericVariance(tc.fn, tc.n, s, q)
		if err != nil {
			t.Fatal(err)
		}
		if g := types.FormatText(got); g != tc.want {
			t.Errorf("%s over 1..%d = %s, want %s", tc.fn, tc.n, g, tc.want)
		}
	}
}
