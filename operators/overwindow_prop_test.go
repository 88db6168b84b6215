package operators

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// Property test of OverWindow against a naive recomputation written
// independently from the definitions in the Postgres manual: each row's
// frame is found by testing every row of its partition against the frame
// clause, then each function is evaluated over that list of rows.
//
// Input rows: (p, id, v, f, n, ts, s, b): partition p, stream key id, an
// int v with ties and NULLs, a float f, a numeric n of mixed scales, a
// timestamp ts, a text s and a bool b.

var owTypes = []types.Type{types.Int64, types.Int64, types.Int64, types.Float64, types.Numeric, types.TimestampT, types.Varchar, types.Bool}

const (
	owP = iota
	owID
	owV
	owF
	owN
	owTS
	owS
	owB
)

func owRandRow(rng *rand.Rand, id int64) types.Row {
	maybe := func(d types.Datum) types.Datum {
		if rng.IntN(7) == 0 {
			return nil
		}
		return d
	}
	nums := []string{"1", "1.5", "2.25", "-0.75", "3.000", "10"}
	n, _, _ := apd.NewFromString(nums[rng.IntN(len(nums))])
	return types.Row{
		int64(rng.IntN(3)), id,
		maybe(int64(rng.IntN(6))),
		maybe(float64(rng.IntN(20)) / 10),
		maybe(n),
		maybe(types.Timestamp(int64(rng.IntN(10)) * 30 * types.MicrosPerMinute)),
		maybe([]string{"a", "b", "cc"}[rng.IntN(3)]),
		maybe(rng.IntN(3) != 0),
	}
}

// owNaive computes the expected output rows for the live rows.
func owNaive(t *testing.T, live []types.Row, order []expr.SortKey, calls []WindowCall) []types.Row {
	parts := map[int64][]types.Row{}
	for _, r := range live {
		parts[r[owP].(int64)] = append(parts[r[owP].(int64)], r)
	}
	cmpKey := func(a, b types.Datum, k expr.SortKey) int {
		if a == nil && b == nil {
			return 0
		}
		if a == nil {
			if k.NullsFirst {
				return -1
			}
			return 1
		}
		if b == nil {
			if k.NullsFirst {
				return 1
			}
			return -1
		}
		c := types.Compare(a, b)
		if k.Desc {
			c = -c
		}
		return c
	}
	peers := func(a, b types.Row) bool {
		for _, k := range order {
			if cmpKey(a[k.Col], b[k.Col], k) != 0 {
				return false
			}
		}
		return true
	}
	var out []types.Row
	for _, rows := range parts {
		slices.SortFunc(rows, func(a, b types.Row) int {
			for _, k := range order {
				if c := cmpKey(a[k.Col], b[k.Col], k); c != 0 {
					return c
				}
			}
			return int(a[owID].(int64) - b[owID].(int64))
		})
		n := len(rows)
		// group numbers
		grp := make([]int, n)
		for i := 1; i < n; i++ {
			grp[i] = grp[i-1]
			if !peers(rows[i-1], rows[i]) {
				grp[i]++
			}
		}
		for i := range rows {
			o := rows[i].Copy()
			frames := map[Frame][]types.Row{}
			for _, c := range calls {
				frame, ok := frames[c.Frame]
				if !ok {
					for j := range rows {
						if owNaiveInFrame(rows, grp, i, j, order, c.Frame) {
							frame = append(frame, rows[j])
						}
					}
					frames[c.Frame] = frame
				}
				o = append(o, owNaiveCall(t, rows, grp, i, frame, c))
			}
			out = append(out, o)
		}
	}
	return out
}

func owNaiveInFrame(rows []types.Row, grp []int, i, j int, order []expr.SortKey, f Frame) bool {
	if f.Mode == FrameSession {
		return owNaiveSameSession(rows, i, j, order[0], f.Start.Offset)
	}
	if f == (Frame{}) {
		f = Frame{Mode: FrameRange, Start: FrameBound{Kind: BoundUnboundedPreceding}, End: FrameBound{Kind: BoundCurrentRow}}
	}
	// position of j relative to i in the frame's unit
	var startOK, endOK bool
	rangeCond := func(b FrameBound, isStart bool) bool {
		k := order[0]
		vi, vj := rows[i][k.Col], rows[j][k.Col]
		if vi == nil {
			if isStart {
				return k.NullsFirst || vj == nil
			}
			return !k.NullsFirst || vj == nil
		}
		if vj == nil {
			if isStart {
				return !k.NullsFirst
			}
			return k.NullsFirst
		}
		// bound value = vi -/+ offset in the sort direction
		pre := b.Kind == BoundPreceding
		var bound types.Datum
		switch x := vi.(type) {
		case int64:
			off := b.Offset.(int64)
			if pre != k.Desc {
				bound = x - off
			} else {
				bound = x + off
			}
		case types.Timestamp:
			off := b.Offset.(types.Interval)
			d := int64(off.Days)*types.MicrosPerDay + off.Micros
			if pre != k.Desc {
				bound = x - types.Timestamp(d)
			} else {
				bound = x + types.Timestamp(d)
			}
		}
		c := types.Compare(vj, bound)
		if k.Desc {
			c = -c
		}
		if isStart {
			return c >= 0 // j is at or after the bound in sort order
		}
		return c <= 0
	}
	switch f.Start.Kind {
	case BoundUnboundedPreceding:
		startOK = true
	case BoundCurrentRow:
		switch f.Mode {
		case FrameRows:
			startOK = j >= i
		default:
			startOK = grp[j] >= grp[i]
		}
	case BoundPreceding, BoundFollowing:
		sign := int64(1)
		if f.Start.Kind == BoundPreceding {
			sign = -1
		}
		switch f.Mode {
		case FrameRows:
			startOK = int64(j) >= int64(i)+sign*f.Start.Offset.(int64)
		case FrameGroups:
			startOK = int64(grp[j]) >= int64(grp[i])+sign*f.Start.Offset.(int64)
		default:
			startOK = rangeCond(f.Start, true)
		}
	}
	switch f.End.Kind {
	case BoundUnboundedFollowing:
		endOK = true
	case BoundCurrentRow:
		switch f.Mode {
		case FrameRows:
			endOK = j <= i
		default:
			endOK = grp[j] <= grp[i]
		}
	case BoundPreceding, BoundFollowing:
		sign := int64(1)
		if f.End.Kind == BoundPreceding {
			sign = -1
		}
		switch f.Mode {
		case FrameRows:
			endOK = int64(j) <= int64(i)+sign*f.End.Offset.(int64)
		case FrameGroups:
			endOK = int64(grp[j]) <= int64(grp[i])+sign*f.End.Offset.(int64)
		default:
			endOK = rangeCond(f.End, false)
		}
	}
	if !startOK || !endOK {
		return false
	}
	switch f.Exclude {
	case ExcludeCurrentRow:
		return j != i
	case ExcludeGroup:
		return grp[j] != grp[i]
	case ExcludeTies:
		return j == i || grp[j] != grp[i]
	}
	return true
}

// owNaiveCall evaluates call c for row i of a sorted partition (grp: peer
// group numbers) whose frame rows are frame.
func owNaiveCall(t *testing.T, rows []types.Row, grp []int, i int, frame []types.Row, c WindowCall) types.Datum {
	n := len(rows)
	arg := func(r types.Row) types.Datum { return r[c.Args[0]] }
	switch c.Name {
	case "row_number":
		return int64(i + 1)
	case "rank", "percent_rank", "cume_dist", "dense_rank":
		before, upto, groups := 0, 0, 0
		for j := range rows {
			if grp[j] < grp[i] {
				before++
			}
			if grp[j] <= grp[i] {
				upto++
			}
		}
		groups = grp[i] + 1
		switch c.Name {
		case "rank":
			return int64(before + 1)
		case "dense_rank":
			return int64(groups)
		case "percent_rank":
			if n == 1 {
				return 0.0
			}
			return float64(before) / float64(n-1)
		}
		return float64(upto) / float64(n)
	case "ntile":
		// bucket sizes: the first n%k buckets get one extra row
		k := int(c.Offset)
		size, extra := n/k, n%k
		pos := 0
		for b := 1; b <= k; b++ {
			sz := size
			if b <= extra {
				sz++
			}
			if i < pos+sz {
				return int64(b)
			}
			pos += sz
		}
		return int64(k)
	case "lag", "lead":
		step := -1
		if c.Name == "lead" {
			step = 1
		}
		left := c.Offset
		j := i
		for left > 0 {
			j += step
			if j < 0 || j >= n {
				return c.Default
			}
			if !c.IgnoreNulls || arg(rows[j]) != nil {
				left--
			}
		}
		return arg(rows[j])
	case "first_value", "last_value", "nth_value":
		var vals []types.Datum
		for _, r := range frame {
			if !c.IgnoreNulls || arg(r) != nil {
				vals = append(vals, arg(r))
			}
		}
		k := 1
		if c.Name == "nth_value" {
			k = int(c.Offset)
		}
		if c.Name == "last_value" {
			k = len(vals)
		}
		if k < 1 || k > len(vals) {
			return nil
		}
		return vals[k-1]
	}
	// aggregates
	var in []types.Row
	for _, r := range frame {
		if c.Filter >= 0 && r[c.Filter] != true {
			continue
		}
		in = append(in, r)
	}
	if c.Name == "count" && len(c.Args) == 0 {
		return int64(len(in))
	}
	var vals []types.Datum
	for _, r := range in {
		if v := arg(r); v != nil || c.Name == "array_agg" {
			vals = append(vals, v)
		}
	}
	if c.Distinct {
		sort.SliceStable(vals, func(a, b int) bool { return types.Compare(vals[a], vals[b]) < 0 })
		vals = slices.CompactFunc(vals, func(a, b types.Datum) bool { return types.Equal(a, b) })
	}
	if c.Name == "count" {
		return int64(len(vals))
	}
	if len(vals) == 0 && c.Name != "array_agg" {
		return nil
	}
	switch c.Name {
	case "sum", "avg":
		switch vals[0].(type) {
		case int64:
			var s int64
			for _, v := range vals {
				s += v.(int64)
			}
			if c.Name == "sum" {
				return apd.New(s, 0)
			}
			d, err := expr.DivDatum(apd.New(s, 0), int64(len(vals)), types.Numeric)
			if err != nil {
				t.Fatal(err)
			}
			return d
		case float64:
			s := 0.0
			for _, v := range vals {
				s += v.(float64)
			}
			if c.Name == "sum" {
				return s
			}
			return s / float64(len(vals))
		default:
			var s types.Datum = vals[0]
			for _, v := range vals[1:] {
				var err error
				if s, err = expr.AddDatum(s, v, types.Numeric); err != nil {
					t.Fatal(err)
				}
			}
			if c.Name == "sum" {
				return s
			}
			d, err := expr.DivDatum(s, int64(len(vals)), types.Numeric)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
	case "min", "max":
		best := vals[0]
		for _, v := range vals[1:] {
			if c2 := types.Compare(v, best); (c.Name == "min" && c2 < 0) || (c.Name == "max" && c2 > 0) {
				best = v
			}
		}
		return best
	case "bool_and", "bool_or":
		res := c.Name == "bool_and"
		for _, v := range vals {
			if c.Name == "bool_and" {
				res = res && v.(bool)
			} else {
				res = res || v.(bool)
			}
		}
		return res
	case "array_agg":
		if len(in) == 0 {
			return nil
		}
		return types.Array(vals)
	case "string_agg":
		var parts []string
		for _, r := range in {
			if v := arg(r); v != nil {
				if len(parts) > 0 && r[c.Args[1]] != nil {
					parts = append(parts, r[c.Args[1]].(string))
				}
				parts = append(parts, v.(string))
			}
		}
		return strings.Join(parts, "")
	}
	t.Fatalf("naive: unknown function %s", c.Name)
	return nil
}

// owText is the canonical text of a row (exact: numeric scales count).
func owText(r types.Row) string {
	var b strings.Builder
	for _, d := range r {
		if d == nil {
			b.WriteString("NULL|")
			continue
		}
		b.WriteString(types.FormatText(d) + "|")
	}
	return b.String()
}

func owFr(mode FrameMode, sk BoundKind, so types.Datum, ek BoundKind, eo types.Datum, ex FrameExclude) Frame {
	return Frame{Mode: mode, Start: FrameBound{sk, so}, End: FrameBound{ek, eo}, Exclude: ex}
}

// owFrameCalls returns every frame-dependent function over one frame.
func owFrameCalls(f Frame) []WindowCall {
	w := func(name string, args ...int) WindowCall {
		return WindowCall{Name: name, Args: args, Frame: f, Filter: -1}
	}
	filt := w("sum", owV)
	filt.Filter = owB
	nth := w("nth_value", owV)
	nth.Offset = 2
	fvIgn, lvIgn, nthIgn := w("first_value", owV), w("last_value", owV), nth
	fvIgn.IgnoreNulls, lvIgn.IgnoreNulls, nthIgn.IgnoreNulls = true, true, true
	dist := w("count", owV)
	dist.Distinct = true
	distSum := w("sum", owF)
	distSum.Distinct = true
	return []WindowCall{
		w("count"), w("count", owV), w("sum", owV), w("avg", owV), w("min", owV), w("max", owV),
		w("sum", owF), w("avg", owF), w("sum", owN), w("avg", owN), w("min", owS), w("max", owTS),
		w("bool_and", owB), w("bool_or", owB), w("array_agg", owV), w("string_agg", owS, owS),
		w("first_value", owV), w("last_value", owV), nth, fvIgn, lvIgn, nthIgn, filt, dist, distSum,
	}
}

func owRankCalls() []WindowCall {
	w := func(name string, args ...int) WindowCall { return WindowCall{Name: name, Args: args, Filter: -1} }
	nt := w("ntile")
	nt.Offset = 3
	lag := w("lag", owV)
	lag.Offset = 1
	lead := w("lead", owV)
	lead.Offset, lead.Default = 2, int64(-1)
	lagIgn := lag
	lagIgn.IgnoreNulls = true
	leadIgn := w("lead", owV)
	leadIgn.Offset, leadIgn.IgnoreNulls = 1, true
	return []WindowCall{w("row_number"), w("rank"), w("dense_rank"), w("percent_rank"), w("cume_dist"), nt, lag, lead, lagIgn, leadIgn}
}

type owCase struct {
	name  string
	order []expr.SortKey
	calls []WindowCall
}

func owCases() []owCase {
	asc := []expr.SortKey{{Col: owV}}
	desc := []expr.SortKey{{Col: owV, Desc: true, NullsFirst: true}}
	ascNF := []expr.SortKey{{Col: owV, NullsFirst: true}}
	descNL := []expr.SortKey{{Col: owV, Desc: true}}
	two := []expr.SortKey{{Col: owV}, {Col: owS, Desc: true, NullsFirst: true}}
	ts := []expr.SortKey{{Col: owTS}}
	I := func(n int64) types.Datum { return n }
	frames := map[string]Frame{
		"default":          {},
		"rows2p":           owFr(FrameRows, BoundPreceding, I(2), BoundCurrentRow, nil, ExcludeNoOthers),
		"rows1p2f":         owFr(FrameRows, BoundPreceding, I(1), BoundFollowing, I(2), ExcludeNoOthers),
		"rowsUp1p":         owFr(FrameRows, BoundUnboundedPreceding, nil, BoundPreceding, I(1), ExcludeNoOthers),
		"rows1fUf":         owFr(FrameRows, BoundFollowing, I(1), BoundUnboundedFollowing, nil, ExcludeNoOthers),
		"rowsAllExclCur":   owFr(FrameRows, BoundUnboundedPreceding, nil, BoundUnboundedFollowing, nil, ExcludeCurrentRow),
		"rows1p1fTies":     owFr(FrameRows, BoundPreceding, I(1), BoundFollowing, I(1), ExcludeTies),
		"rangeCurUf":       owFr(FrameRange, BoundCurrentRow, nil, BoundUnboundedFollowing, nil, ExcludeNoOthers),
		"rangeExclGroup":   owFr(FrameRange, BoundUnboundedPreceding, nil, BoundCurrentRow, nil, ExcludeGroup),
		"rangeExclTies":    owFr(FrameRange, BoundUnboundedPreceding, nil, BoundUnboundedFollowing, nil, ExcludeTies),
		"groups1p1f":       owFr(FrameGroups, BoundPreceding, I(1), BoundFollowing, I(1), ExcludeNoOthers),
		"groups2p1p":       owFr(FrameGroups, BoundPreceding, I(2), BoundPreceding, I(1), ExcludeNoOthers),
		"groupsCur1fGroup": owFr(FrameGroups, BoundCurrentRow, nil, BoundFollowing, I(1), ExcludeGroup),
	}
	rangeFrames := map[string]Frame{
		"range2p1f":      owFr(FrameRange, BoundPreceding, I(2), BoundFollowing, I(1), ExcludeNoOthers),
		"range1f3f":      owFr(FrameRange, BoundFollowing, I(1), BoundFollowing, I(3), ExcludeNoOthers),
		"range3p1p":      owFr(FrameRange, BoundPreceding, I(3), BoundPreceding, I(1), ExcludeNoOthers),
		"rangeUp1pCur":   owFr(FrameRange, BoundUnboundedPreceding, nil, BoundPreceding, I(1), ExcludeCurrentRow),
		"range1pCurTies": owFr(FrameRange, BoundPreceding, I(1), BoundCurrentRow, nil, ExcludeTies),
	}
	var cases []owCase
	names := func(m map[string]Frame) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	orders := []struct {
		name string
		keys []expr.SortKey
	}{{"asc", asc}, {"desc", desc}, {"ascNF", ascNF}, {"descNL", descNL}, {"two", two}}
	for _, o := range orders {
		for _, fn := range names(frames) {
			calls := owFrameCalls(frames[fn])
			if fn == "default" { // the ranking functions ignore the frame
				calls = append(owRankCalls(), calls...)
			}
			cases = append(cases, owCase{o.name + "/" + fn, o.keys, calls})
		}
		if len(o.keys) == 1 {
			for _, fn := range names(rangeFrames) {
				cases = append(cases, owCase{o.name + "/" + fn, o.keys, owFrameCalls(rangeFrames[fn])})
			}
		}
	}
	iv := func(min int64) types.Datum { return types.Interval{Micros: min * types.MicrosPerMinute} }
	session := func(gap types.Datum) Frame {
		return Frame{Mode: FrameSession, Start: FrameBound{Kind: BoundPreceding, Offset: gap}, End: FrameBound{Kind: BoundFollowing, Offset: gap}}
	}
	cases = append(cases,
		owCase{"asc/session2", asc, owFrameCalls(session(I(2)))},
		owCase{"descNL/session1", descNL, owFrameCalls(session(I(1)))},
		owCase{"ascNF/session0", ascNF, owFrameCalls(session(I(0)))},
		owCase{"ts/session45m", ts, owFrameCalls(session(iv(45)))},
		owCase{"noorder/default", nil, append(owRankCalls(), owFrameCalls(Frame{})...)},
		owCase{"noorder/rows1p1f", nil, owFrameCalls(owFr(FrameRows, BoundPreceding, I(1), BoundFollowing, I(1), ExcludeNoOthers))},
		owCase{"ts/range60p90f", ts, owFrameCalls(owFr(FrameRange, BoundPreceding, iv(60), BoundFollowing, iv(90), ExcludeNoOthers))},
		owCase{"tsdesc/range30f120f", []expr.SortKey{{Col: owTS, Desc: true, NullsFirst: true}}, owFrameCalls(owFr(FrameRange, BoundFollowing, iv(30), BoundFollowing, iv(120), ExcludeNoOthers))},
		owCase{"ts/rangeDayP", ts, owFrameCalls(owFr(FrameRange, BoundPreceding, types.Interval{Days: 1}, BoundCurrentRow, nil, ExcludeGroup))},
	)
	return cases
}

func owBuilder(order []expr.SortKey, calls []WindowCall, cache int) buildFunc {
	return func(s *state.Store) (Node, error) {
		return NewOverWindow(OverWindowArgs{PartitionBy: []int{owP}, OrderBy: order, Calls: calls, InputTypes: owTypes,
			StreamKey: []int{owID}, Store: s, Table: OverWindowLayout(7, "ow", owTypes, []int{owP}, order, []int{owID}), CachePartitions: cache})
	}
}

func TestOverWindowProperty(t *testing.T) {
	for ci, c := range owCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= 2; seed++ {
				owRunProperty(t, c, seed, ci)
			}
		})
	}
}

func owRunProperty(t *testing.T, c owCase, seed uint64, ci int) {
	rng := rand.New(rand.NewPCG(seed, uint64(ci)))
	h := newHarness(t, owBuilder(c.order, c.calls, 1+rng.IntN(3)))
	defer h.close()
	live := map[int64]types.Row{}
	nextID := int64(1)
	got := map[string]int{}
	for epoch := uint64(1); epoch <= 20; epoch++ {
		var ops []types.Op
		var rows []types.Row
		for range rng.IntN(8) + 1 {
			if len(live) > 0 && rng.IntN(5) < 2 {
				ids := make([]int64, 0, len(live))
				for id := range live {
					ids = append(ids, id)
				}
				slices.Sort(ids)
				id := ids[rng.IntN(len(ids))]
				old := live[id]
				if rng.IntN(2) == 0 {
					ops, rows = append(ops, types.Delete), append(rows, old)
					delete(live, id)
				} else { // update in place (same id), maybe to another partition
					nr := owRandRow(rng, id)
					ops, rows = append(ops, types.UpdateDelete, types.UpdateInsert), append(rows, old, nr)
					live[id] = nr
				}
				continue
			}
			r := owRandRow(rng, nextID)
			nextID++
			ops, rows = append(ops, types.Insert), append(rows, r)
			live[r[owID].(int64)] = r
		}
		in := types.NewChunk(owTypes, ops, rows)
		for _, ch := range rechunk([]*types.Chunk{in}, []int{1, 3, 1024}[rng.IntN(3)]) {
			h.push(0, ch)
		}
		h.barrier(epoch)
		for _, ch := range h.out.Chunks {
			for i := 0; i < ch.NumRows(); i++ {
				k := owText(ch.Row(i))
				got[k] += int(ch.Ops[i].Weight())
				if got[k] == 0 {
					delete(got, k)
				}
			}
			ch.Release()
		}
		h.out.Chunks = nil
		var all []types.Row
		for _, r := range live {
			all = append(all, r)
		}
		want := map[string]int{}
		for _, r := range owNaive(t, all, c.order, c.calls) {
			want[owText(r)]++
		}
		if !mapsEqual(got, want) {
			var g, w []string
			for k, n := range got {
				g = append(g, fmt.Sprintf("%d× %s", n, k))
			}
			for k, n := range want {
				w = append(w, fmt.Sprintf("%d× %s", n, k))
			}
			slices.Sort(g)
			slices.Sort(w)
			var calls []string
			for _, cl := range c.calls {
				calls = append(calls, cl.String())
			}
			t.Fatalf("seed %d epoch %d: output integral differs from the naive recomputation\ncalls: %s\n got:\n%s\nwant:\n%s", seed, epoch,
				strings.Join(calls, ", "), strings.Join(g, "\n"), strings.Join(w, "\n"))
		}
		if rng.IntN(6) == 0 {
			h.commit(epoch)
			h.restart()
		}
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// owNaiveSameSession: rows i and j (window order) share a session when no
// pair of neighbours between them is gap or more apart (in the sort
// direction); NULLs form one session of their own.
func owNaiveSameSession(rows []types.Row, i, j int, k expr.SortKey, gap types.Datum) bool {
	lo, hi := min(i, j), max(i, j)
	for m := lo + 1; m <= hi; m++ {
		a, b := rows[m-1][k.Col], rows[m][k.Col]
		if a == nil || b == nil {
			if (a == nil) != (b == nil) {
				return false
			}
			continue
		}
		var dist, g int64
		switch x := a.(type) {
		case int64:
			dist, g = b.(int64)-x, gap.(int64)
		case types.Timestamp:
			iv := gap.(types.Interval)
			dist, g = int64(b.(types.Timestamp)-x), int64(iv.Days)*types.MicrosPerDay+iv.Micros
		}
		if k.Desc {
			dist = -dist
		}
		if dist >= g {
			return false
		}
	}
	return true
}
