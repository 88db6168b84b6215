package operators

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// intervalJoinArgs: left and right rows (k, ts, id), all bigint, joined on
// k with r.ts BETWEEN l.ts - lo AND l.ts + hi; ids are the stream keys.
// Left rows are cleaned below wm(right ts) - hi, right rows below
// wm(left ts) - lo.
func intervalJoinArgs(t testing.TB, kind JoinKind, lo, hi int64) HashJoinArgs {
	col := func(i int) expr.Expr { return &expr.ColumnRef{Index: i, T: types.Int64} }
	lit := func(v int64) expr.Expr { return &expr.Literal{Value: v, T: types.Int64} }
	res := func(name string, args ...expr.Expr) expr.Expr {
		e, err := expr.Resolve(name, args)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	cond := &expr.And{Args: []expr.Expr{
		res(">=", col(4), res("-", col(1), lit(lo))),
		res("<=", col(4), res("+", col(1), lit(hi))),
	}}
	ts := []types.Type{types.Int64, types.Int64, types.Int64}
	return HashJoinArgs{
		Kind: kind, LeftTypes: ts, RightTypes: ts, LeftKeys: []int{0}, RightKeys: []int{0},
		LeftStreamKey: []int{2}, RightStreamKey: []int{2}, Cond: cond,
		CleanLeft:  &JoinClean{TimeCol: 1, OtherCol: 1, Bound: types.Interval{Micros: hi}, Index: types.TableLayout{ID: 5, Name: "join_left_time"}},
		CleanRight: &JoinClean{TimeCol: 1, OtherCol: 1, Bound: types.Interval{Micros: lo}, Index: types.TableLayout{ID: 6, Name: "join_right_time"}},
	}
}

// TestIntervalJoinScript runs testdata/interval_join.txt (at chunk sizes
// 1, 3 and 1024, with the naive-join oracle checked at every barrier).
func TestIntervalJoinScript(t *testing.T) {
	builders := map[string]buildFunc{}
	for name, k := range map[string]JoinKind{"inner": JoinInner, "left": JoinLeftOuter, "full": JoinFullOuter} {
		builders[name] = checkedJoinBuilder(t, intervalJoinArgs(t, k, 10, 10))
	}
	runScripts(t, "testdata/interval_join.txt", builders)
}

func countRows(t testing.TB, s *state.Store, l types.TableLayout) int {
	t.Helper()
	n := 0
	if err := s.Table(l).Scan(nil, func(types.Row) bool { n++; return true }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestIntervalJoinStateShrinks checks that watermarks delete the
// unreachable rows (row, degree and time-index tables) and that the join
// still matches the reachable ones.
func TestIntervalJoinStateShrinks(t *testing.T) {
	a := intervalJoinArgs(t, JoinLeftOuter, 10, 10)
	build := checkedJoinBuilder(t, a)
	h := newHarness(t, build)
	defer h.close()
	joinTestLayouts(&a)
	left, right, ldeg := a.LeftTable, a.RightTable, a.LeftDegree
	lidx := JoinTimeIndexLayout(a.LeftTypes, a.LeftKeys, a.LeftStreamKey, 1)
	lidx.ID = 5
	ridx := JoinTimeIndexLayout(a.RightTypes, a.RightKeys, a.RightStreamKey, 1)
	ridx.ID = 6
	var lrows, rrows []string
	for i := 0; i < 100; i++ {
		lrows = append(lrows, fmt.Sprintf("+ %d %d %d", i%5, i, i))
		rrows = append(rrows, fmt.Sprintf("+ %d %d %d", i%5, i+3, 1000+i))
	}
	h.push(0, types.MustParseChunk("I I I\n"+joinLines(lrows)))
	h.push(1, types.MustParseChunk("I I I\n"+joinLines(rrows)))
	h.barrier(1, 0, 1)
	for _, l := range []types.TableLayout{left, right, ldeg, lidx, ridx} {
		if n := countRows(t, h.store, l); n != 100 {
			t.Fatalf("table %d: %d rows before the watermarks, want 100", l.ID, n)
		}
	}
	// wm(right ts) = 90: left rows with ts < 80 go; wm(left ts) = 95:
	// right rows with ts < 85 go.
	if err := h.node.Watermark(1, Watermark{Col: 1, Value: int64(90)}); err != nil {
		t.Fatal(err)
	}
	if err := h.node.Watermark(0, Watermark{Col: 1, Value: int64(95)}); err != nil {
		t.Fatal(err)
	}
	h.barrier(2, 0, 1)
	want := map[uint32]int{left.ID: 20, ldeg.ID: 20, lidx.ID: 20, right.ID: 18, ridx.ID: 18}
	for _, l := range []types.TableLayout{left, ldeg, lidx, right, ridx} {
		if n := countRows(t, h.store, l); n != want[l.ID] {
			t.Errorf("table %d: %d rows after the watermarks, want %d", l.ID, n, want[l.ID])
		}
	}
	if cl, cr := h.node.(*checkedJoin).CleanedRows(); cl != 80 || cr != 82 {
		t.Errorf("cleaned %d/%d rows, want 80/82", cl, cr)
	}
	// Reachable rows still join (the oracle checks the whole output).
	h.push(0, types.MustParseChunk("I I I\n+ 2 97 500"))
	h.push(1, types.MustParseChunk("I I I\n+ 3 100 600"))
	h.barrier(3, 0, 1)
	h.restart()
	h.push(1, types.MustParseChunk("I I I\n+ 2 101 601"))
	h.barrier(4, 0, 1)
}

func joinLines(ls []string) string {
	s := ""
	for _, l := range ls {
		s += l + "\n"
	}
	return s
}

// TestIntervalJoinProperty: random append-only inputs whose times grow
// epoch by epoch, with watermarks after every epoch; the output integral
// must equal the naive join of the input integrals at every barrier (the
// checked join's oracle), at chunk sizes 1, 3 and 1024, with restarts, and
// the state must stay bounded.
func TestIntervalJoinProperty(t *testing.T) {
	for _, kind := range []JoinKind{JoinInner, JoinLeftOuter, JoinRightOuter, JoinFullOuter} {
		for _, size := range []int{1, 3, 1024} {
			t.Run(fmt.Sprintf("%v/%d", kind, size), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(size), uint64(kind)))
				lo, hi := int64(rng.IntN(15)), int64(rng.IntN(15))
				a := intervalJoinArgs(t, kind, lo, hi)
				h := newHarness(t, checkedJoinBuilder(t, a))
				defer h.close()
				joinTestLayouts(&a)
				ts := a.LeftTypes
				id := int64(0)
				maxLive := 0
				for e := 1; e <= 40; e++ {
					base := int64(e * 10)
					for port := 0; port < 2; port++ {
						var ch []change
						for n := rng.IntN(8); n > 0; n-- {
							id++
							ch = append(ch, change{types.Insert, types.Row{int64(rng.IntN(4)), base + int64(rng.IntN(20)), id}})
						}
						for _, c := range chunksOf(ts, ch, size) {
							h.push(port, c)
						}
					}
					// Rows of later epochs have ts >= base + 10.
					for port := 0; port < 2; port++ {
						if err := h.node.Watermark(port, Watermark{Col: 1, Value: base + 10}); err != nil {
							t.Fatal(err)
						}
					}
					h.barrier(uint64(e), 0, 1)
					if e%13 == 0 {
						h.commit(uint64(e))
						h.restart()
					}
					n := countRows(t, h.store, a.LeftTable) + countRows(t, h.store, a.RightTable)
					maxLive = max(maxLive, n)
				}
				// Live rows span about (20 + bound) time units per side: a
				// few epochs' worth, not all 40.
				if maxLive > 2*8*6 {
					t.Errorf("state grew to %d rows", maxLive)
				}
			})
		}
	}
}
