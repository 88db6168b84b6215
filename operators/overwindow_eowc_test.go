package operators

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

func owEowcScriptBuilder(order []expr.SortKey, calls ...WindowCall) buildFunc {
	return func(s *state.Store) (Node, error) {
		return NewOverWindow(OverWindowArgs{PartitionBy: []int{0}, OrderBy: order, Calls: calls, InputTypes: owScriptTypes,
			StreamKey: []int{1}, Store: s, Table: types.TableLayout{ID: 3, Name: "overwindow"}, EmitOnWindowClose: true})
	}
}

func TestOverWindowEowcScript(t *testing.T) {
	lead := owC("lead", 2)
	lead.Offset = 1
	runScripts(t, "testdata/overwindow_eowc.txt", map[string]buildFunc{
		"eowc": owEowcScriptBuilder([]expr.SortKey{{Col: 2}}, owC("row_number"), lead),
	})
}

// TestOverWindowEowcRejects: functions whose values depend on the whole
// partition never become final.
func TestOverWindowEowcRejects(t *testing.T) {
	store, err := state.Open(state.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	unb := owFr(FrameRows, BoundPreceding, int64(1), BoundUnboundedFollowing, nil, ExcludeNoOthers)
	for _, c := range []WindowCall{owC("ntile"), owC("cume_dist"), owC("percent_rank"), owWithFrame(owC("sum", 2), unb)} {
		if c.Name == "ntile" {
			c.Offset = 2
		}
		_, err := owEowcScriptBuilder([]expr.SortKey{{Col: 2}}, c)(store)
		if err == nil || !strings.Contains(err.Error(), "EMIT ON WINDOW CLOSE") {
			t.Errorf("%s: got %v, want an EMIT ON WINDOW CLOSE error", c, err)
		}
	}
	if _, err := owEowcScriptBuilder(nil, owC("row_number"))(store); err == nil {
		t.Errorf("no ORDER BY: want an error")
	}
}

// TestOverWindowEowcProperty feeds closed batches (each epoch's
// timestamps at or after the previous epoch's) and checks, after every
// epoch, that the output integral is exactly the naive recomputation's
// rows (over all rows so far) that are final by an independent rule: a
// row is final when at least `ahead` rows follow it in its partition and,
// with a RANGE lookahead, some row lies more than that beyond its time.
func TestOverWindowEowcProperty(t *testing.T) {
	ts := []expr.SortKey{{Col: owTS}}
	lag := owC("lag", owV)
	lag.Offset = 1
	lead2 := owC("lead", owV)
	lead2.Offset = 2
	rows2p := owFr(FrameRows, BoundPreceding, int64(2), BoundCurrentRow, nil, ExcludeNoOthers)
	rows1p1f := owFr(FrameRows, BoundPreceding, int64(1), BoundFollowing, int64(1), ExcludeCurrentRow)
	range60f := owFr(FrameRange, BoundCurrentRow, nil, BoundFollowing, types.Interval{Micros: 60 * types.MicrosPerMinute}, ExcludeNoOthers)
	groups1f := owFr(FrameGroups, BoundCurrentRow, nil, BoundFollowing, int64(1), ExcludeNoOthers)
	gap := types.Interval{Micros: 45 * types.MicrosPerMinute}
	session := Frame{Mode: FrameSession, Start: FrameBound{Kind: BoundPreceding, Offset: gap}, End: FrameBound{Kind: BoundFollowing, Offset: gap}}
	cases := []struct {
		name    string
		calls   []WindowCall
		ahead   int
		rangeF  int64 // micros; 0 = none
		groups  int
		session int64 // micros; 0 = none
	}{
		{"ranking", []WindowCall{owC("row_number"), owC("rank"), owC("dense_rank"), lag, owWithFrame(owC("sum", owV), rows2p), owC("first_value", owV)}, 0, 0, 0, 0},
		{"lead2", []WindowCall{owC("row_number"), lead2, owWithFrame(owC("max", owV), rows1p1f)}, 2, 0, 0, 0},
		{"range60", []WindowCall{owWithFrame(owC("count"), range60f), owWithFrame(owC("sum", owV), range60f)}, 0, 60 * types.MicrosPerMinute, 0, 0},
		{"groups1", []WindowCall{owWithFrame(owC("array_agg", owV), groups1f)}, 0, 0, 1, 0},
		{"session", []WindowCall{owWithFrame(owC("first_value", owTS), session), owWithFrame(owC("last_value", owTS), session), owWithFrame(owC("count"), session)}, 0, 0, 0, 45 * types.MicrosPerMinute},
	}
	for ci, c := range cases {
		for _, size := range []int{1, 3, 1024} {
			t.Run(fmt.Sprintf("%s/%d", c.name, size), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(size), uint64(ci)))
				build := func(s *state.Store) (Node, error) {
					return NewOverWindow(OverWindowArgs{PartitionBy: []int{owP}, OrderBy: ts, Calls: c.calls, InputTypes: owTypes,
						StreamKey: []int{owID}, Store: s, Table: OverWindowLayout(7, "ow", owTypes, []int{owP}, ts, []int{owID}),
						CachePartitions: 1 + rng.IntN(2), EmitOnWindowClose: true})
				}
				h := newHarness(t, build)
				defer h.close()
				var all []types.Row
				nextID := int64(1)
				got := map[string]int{}
				for epoch := int64(1); epoch <= 25; epoch++ {
					var rows []types.Row
					for range rng.IntN(5) {
						r := owRandRow(rng, nextID)
						nextID++
						r[owTS] = types.Timestamp((epoch*2 + int64(rng.IntN(2))) * 30 * types.MicrosPerMinute)
						rows = append(rows, r)
					}
					all = append(all, rows...)
					ops := make([]types.Op, len(rows))
					if len(rows) > 0 {
						for _, ch := range rechunk([]*types.Chunk{types.NewChunk(owTypes, ops, rows)}, size) {
							h.push(0, ch)
						}
					}
					h.barrier(uint64(epoch))
					for _, ch := range h.out.Chunks {
						for i := 0; i < ch.NumRows(); i++ {
							if ch.Ops[i] != types.Insert {
								t.Fatalf("epoch %d: op %v, want inserts only", epoch, ch.Ops[i])
							}
							got[owText(ch.Row(i))]++
						}
						ch.Release()
					}
					h.out.Chunks = nil
					want := map[string]int{}
					final := owEowcFinalIDs(all, c.ahead, c.rangeF, c.groups, c.session)
					for _, r := range owNaive(t, all, ts, c.calls) {
						if final[r[owID].(int64)] {
							want[owText(r)]++
						}
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
						t.Fatalf("epoch %d: output integral differs\n got:\n%s\nwant:\n%s", epoch, strings.Join(g, "\n"), strings.Join(w, "\n"))
					}
					if rng.IntN(5) == 0 {
						h.commit(uint64(epoch))
						h.restart()
					}
				}
			})
		}
	}
}

// owEowcFinalIDs returns the ids of the rows whose window values are final:
// per partition in (ts, id) order, at least ahead rows follow the row, at
// least groups more distinct timestamps follow its own, and with rangeF > 0
// some row's ts exceeds the row's ts + rangeF, and with session > 0 two
// neighbours after the row are session or more apart (its session ended).
func owEowcFinalIDs(all []types.Row, ahead int, rangeF int64, groups int, session int64) map[int64]bool {
	parts := map[int64][]types.Row{}
	for _, r := range all {
		parts[r[owP].(int64)] = append(parts[r[owP].(int64)], r)
	}
	out := map[int64]bool{}
	for _, rows := range parts {
		slices.SortFunc(rows, func(a, b types.Row) int {
			if c := types.Compare(a[owTS], b[owTS]); c != 0 {
				return c
			}
			return types.Compare(a[owID], b[owID])
		})
		for i, r := range rows {
			ok := len(rows)-1-i >= ahead
			later := map[string]bool{}
			beyond := false
			for _, s := range rows[i+1:] {
				if types.Compare(s[owTS], r[owTS]) > 0 {
					later[fmt.Sprint(s[owTS])] = true
				}
				if int64(s[owTS].(types.Timestamp))-int64(r[owTS].(types.Timestamp)) > rangeF {
					beyond = true
				}
			}
			ok = ok && len(later) >= groups
			if rangeF > 0 {
				ok = ok && beyond
			}
			if session > 0 {
				ended := false
				for m := i + 1; m < len(rows); m++ {
					if int64(rows[m][owTS].(types.Timestamp))-int64(rows[m-1][owTS].(types.Timestamp)) >= session {
						ended = true
					}
				}
				ok = ok && ended
			}
			if ok {
				out[r[owID].(int64)] = true
			}
		}
	}
	return out
}
