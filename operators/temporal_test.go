package operators

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/eddysql/eddy/internal/zset"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

const tfHour = types.MicrosPerHour

func temporalBuilder(ts types.Type, lower, upper *TemporalBound) buildFunc {
	return func(s *state.Store) (Node, error) {
		in := []types.Type{types.Int64, ts}
		return NewTemporalFilter(TemporalFilterArgs{Col: 1, Lower: lower, Upper: upper, InputTypes: in, StreamKey: []int{0},
			Store: s, Table: TemporalFilterLayout(7, "temporal", in, []int{0})})
	}
}

func TestTemporalScripts(t *testing.T) {
	runTimeScripts(t, "testdata/temporal_filter.txt", map[string]buildFunc{
		// ts > NOW() - INTERVAL '24 hours'
		"last24h": temporalBuilder(types.TimestampT, &TemporalBound{Offset: types.Interval{Micros: -24 * tfHour}}, nil),
		// ts >= NOW() - INTERVAL '1 day' over timestamptz
		"tz": temporalBuilder(types.TimestamptzT, &TemporalBound{Offset: types.Interval{Days: -1}, Inclusive: true}, nil),
		// ts <= NOW() - INTERVAL '1 tfHour': delay rows by an tfHour
		"delay": temporalBuilder(types.TimestampT, nil, &TemporalBound{Offset: types.Interval{Micros: -tfHour}, Inclusive: true}),
		// NOW() - 2h < ts < NOW()
		"between": temporalBuilder(types.TimestampT, &TemporalBound{Offset: types.Interval{Micros: -2 * tfHour}}, &TemporalBound{}),
	})
}

// TestTemporalProperty: after every barrier, the integral of the output
// equals the rows of the input integral that are in range at that Now.
func TestTemporalProperty(t *testing.T) {
	type cfg struct {
		name         string
		lower, upper *TemporalBound
	}
	cfgs := []cfg{
		{"lower", &TemporalBound{Offset: types.Interval{Micros: -3 * tfHour}}, nil},
		{"lower-incl", &TemporalBound{Offset: types.Interval{Micros: -3 * tfHour}, Inclusive: true}, nil},
		{"upper", nil, &TemporalBound{Offset: types.Interval{Micros: -tfHour}}},
		{"upper-incl", nil, &TemporalBound{Offset: types.Interval{Micros: tfHour}, Inclusive: true}},
		{"both", &TemporalBound{Offset: types.Interval{Micros: -4 * tfHour}, Inclusive: true}, &TemporalBound{Offset: types.Interval{Micros: -tfHour}}},
		{"days", &TemporalBound{Offset: types.Interval{Days: -2, Micros: tfHour}}, &TemporalBound{Offset: types.Interval{Days: -1}, Inclusive: true}},
	}
	in := []types.Type{types.Int64, types.TimestampT}
	base := int64(1_700_000_000) * types.MicrosPerSecond
	inRange := func(c cfg, ts types.Datum, now int64) bool {
		if ts == nil {
			return false
		}
		v := int64(ts.(types.Timestamp))
		if c.lower != nil {
			b := wtAddInterval(now, c.lower.Offset)
			if v < b || (v == b && !c.lower.Inclusive) {
				return false
			}
		}
		if c.upper != nil {
			b := wtAddInterval(now, c.upper.Offset)
			if v > b || (v == b && !c.upper.Inclusive) {
				return false
			}
		}
		return true
	}
	for _, c := range cfgs {
		for seed := uint64(1); seed <= 5; seed++ {
			t.Run(fmt.Sprintf("%s/seed%d", c.name, seed), func(t *testing.T) {
				h := newHarness(t, temporalBuilder(types.TimestampT, c.lower, c.upper))
				defer h.close()
				rng := rand.New(rand.NewPCG(seed, 99))
				live := map[int64]types.Row{}
				next := int64(1)
				now := base
				got := zset.New()
				step := 30 * types.MicrosPerMinute
				if c.name == "days" {
					step = 5 * types.MicrosPerDay
				}
				for epoch := uint64(1); epoch <= 60; epoch++ {
					var ops []types.Op
					var rows []types.Row
					for range rng.IntN(12) {
						if len(live) > 0 && rng.IntN(3) == 0 {
							for id, r := range live { // random enough: map order
								ops = append(ops, types.Delete)
								rows = append(rows, r)
								delete(live, id)
								break
							}
							continue
						}
						var ts types.Datum
						if rng.IntN(15) > 0 {
							// around now, exact tfHour boundaries included
							ts = types.Timestamp(now + int64(rng.IntN(17)-10)*step/2 + int64(rng.IntN(2))*(step/3))
						}
						r := types.Row{next, ts}
						next++
						ops = append(ops, types.Insert)
						rows = append(rows, r)
						live[r[0].(int64)] = r
					}
					if len(rows) > 0 {
						h.push(0, types.NewChunk(in, ops, rows))
					}
					now += int64(rng.IntN(3)) * step / 2
					if err := h.node.Barrier(0, Barrier{Epoch: epoch, Now: types.Timestamptz(now)}); err != nil {
						t.Fatal(err)
					}
					h.store.Seal(epoch)
					got.AddAll(h.take(), 1)
					want := zset.New()
					for _, r := range live {
						if inRange(c, r[1], now) {
							want.Add(r, 1)
						}
					}
					if !zset.Equal(got, want) {
						t.Fatalf("epoch %d now %s: got\n%s\nwant\n%s", epoch, types.FormatText(types.Timestamptz(now)), got, want)
					}
					if rng.IntN(10) == 0 {
						h.commit(epoch)
						h.restart()
					}
				}
			})
		}
	}
}

// TestTemporalExpiryScansTimersOnly checks that expiry reads the timer
// index from its start and stops at NOW(): rows that are far from expiry
// stay in the index untouched, and expired ones leave it.
func TestTemporalExpiryScansTimersOnly(t *testing.T) {
	store, err := state.Open(state.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	in := []types.Type{types.Int64, types.TimestampT}
	f, err := NewTemporalFilter(TemporalFilterArgs{Col: 1, Lower: &TemporalBound{Offset: types.Interval{Micros: -tfHour}}, InputTypes: in, StreamKey: []int{0}, Store: store, Table: types.TableLayout{ID: 3}})
	if err != nil {
		t.Fatal(err)
	}
	out := &Collector{}
	f.Connect(out, 0)
	var rows []types.Row
	for i := range 100 {
		rows = append(rows, types.Row{int64(i), types.Timestamp(int64(i) * tfHour)})
	}
	if err := f.Push(0, types.NewInsertChunk(in, rows)); err != nil {
		t.Fatal(err)
	}
	if err := f.Barrier(0, Barrier{Epoch: 1, Now: types.Timestamptz(50 * tfHour)}); err != nil {
		t.Fatal(err)
	}
	// Live: ts > 49h, i.e. rows 50..99.
	if _, rs := out.Take(); len(rs) != 50 {
		t.Fatalf("first barrier emitted %d rows, want 50", len(rs))
	}
	tbl := store.Table(f.args.Table)
	n := 0
	_ = tbl.Scan(nil, func(types.Row) bool { n++; return true })
	if n != 50 {
		t.Fatalf("timer index has %d entries, want 50", n)
	}
	if err := f.Barrier(0, Barrier{Epoch: 2, Now: types.Timestamptz(60*tfHour + 1)}); err != nil {
		t.Fatal(err)
	}
	ops, rs := out.Take()
	if len(rs) != 10 { // rows 50..59 expire (ts <= 59h+1µs)
		t.Fatalf("second barrier emitted %d rows, want 10", len(rs))
	}
	for i, op := range ops {
		if op != types.Delete {
			t.Fatalf("row %v: op %s, want -", rs[i], op)
		}
	}
	n = 0
	_ = tbl.Scan(nil, func(types.Row) bool { n++; return true })
	if n != 40 {
		t.Fatalf("timer index has %d entries, want 40", n)
	}
}

func TestTemporalRejectsMonths(t *testing.T) {
	store, err := state.Open(state.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	_, err = temporalBuilder(types.TimestampT, &TemporalBound{Offset: types.Interval{Months: -1}}, nil)(store)
	if err == nil || !strings.Contains(err.Error(), "months") {
		t.Fatalf("got %v, want an error about months", err)
	}
}
