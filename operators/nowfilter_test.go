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

var nowFilterTypes = []types.Type{types.Int64, types.TimestampT}

// sameDayCond is ts::date = now()::date.
func sameDayCond(t testing.TB) expr.Expr {
	l, err := expr.NewCast(&expr.ColumnRef{Index: 1, T: types.TimestampT}, types.DateT, true)
	if err != nil {
		t.Fatal(err)
	}
	r, err := expr.NewCast(&expr.Now{}, types.DateT, true)
	if err != nil {
		t.Fatal(err)
	}
	c, err := expr.Resolve("=", []expr.Expr{l, r})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func nowFilterBuilder(t testing.TB, key []int) buildFunc {
	cond := sameDayCond(t)
	return func(s *state.Store) (Node, error) {
		return NewNowFilter(NowFilterArgs{Cond: cond, InputTypes: nowFilterTypes, StreamKey: key, Store: s,
			Table: types.TableLayout{ID: 9, Name: "nowfilter"}})
	}
}

func TestNowFilterScript(t *testing.T) {
	runTimeScripts(t, "testdata/now_filter.txt", map[string]buildFunc{
		"sameday": nowFilterBuilder(t, []int{0}),
		"nokey":   nowFilterBuilder(t, nil),
	})
}

// TestNowFilterProperty: random inserts and deletes, NOW() moving by
// random steps (sometimes not at all, sometimes backwards), restarts; after
// every barrier the output integral equals the live rows whose day is
// NOW()'s day, computed in Go.
func TestNowFilterProperty(t *testing.T) {
	for _, size := range []int{1, 3, 1024} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(size), 11))
			h := newHarness(t, nowFilterBuilder(t, []int{0}))
			defer h.close()
			live := map[int64]types.Row{}
			next := int64(1)
			now := int64(19723) * types.MicrosPerDay // 2024-01-01
			got := zset.New()
			for epoch := uint64(1); epoch <= 60; epoch++ {
				var ch []change
				for range rng.IntN(10) {
					if len(live) > 0 && rng.IntN(3) == 0 {
						for id, r := range live {
							ch = append(ch, change{types.Delete, r})
							delete(live, id)
							break
						}
						continue
					}
					var ts types.Datum
					if rng.IntN(12) > 0 {
						ts = types.Timestamp(now + int64(rng.IntN(9)-4)*types.MicrosPerDay/3)
					}
					r := types.Row{next, ts}
					next++
					ch = append(ch, change{types.Insert, r})
					live[r[0].(int64)] = r
				}
				for _, c := range chunksOf(nowFilterTypes, ch, size) {
					h.push(0, c)
				}
				now += int64(rng.IntN(4)-1) * types.MicrosPerDay / 3
				if err := h.node.Barrier(0, Barrier{Epoch: epoch, Now: types.Timestamptz(now)}); err != nil {
					t.Fatal(err)
				}
				h.store.Seal(epoch)
				got.AddAll(h.take(), 1)
				want := zset.New()
				for _, r := range live {
					if ts, ok := r[1].(types.Timestamp); ok && floorDiv(int64(ts), types.MicrosPerDay) == floorDiv(now, types.MicrosPerDay) {
						want.Add(r, 1)
					}
				}
				if !zset.Equal(got, want) {
					t.Fatalf("epoch %d: got\n%s\nwant\n%s", epoch, got, want)
				}
				if rng.IntN(8) == 0 {
					h.commit(epoch)
					h.restart()
				}
			}
		})
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
