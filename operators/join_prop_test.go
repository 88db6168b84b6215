package operators

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// joinPropConfig is one shape of join for the property test. Both inputs
// have columns (k, k2, v, id): small key domains with NULLs, a value for
// the residual condition, and a unique id (the stream key).
type joinPropConfig struct {
	name       string
	lkeys      []int
	rkeys      []int
	nullSafe   []bool
	cond       *cmpCond
	outputCols func(k JoinKind) []int
}

var joinPropConfigs = []joinPropConfig{
	{name: "key", lkeys: []int{0}, rkeys: []int{0}},
	{name: "key-nullsafe", lkeys: []int{0}, rkeys: []int{0}, nullSafe: []bool{true}},
	{name: "2keys-cond", lkeys: []int{0, 1}, rkeys: []int{0, 1}, nullSafe: []bool{false, true},
		cond: &cmpCond{Op: "<", A: 2, B: 6}},
	{name: "crossed-keys-cond", lkeys: []int{1, 0}, rkeys: []int{0, 1},
		cond: &cmpCond{Op: "<>", A: 2, B: 6}},
	{name: "no-keys-cond", lkeys: []int{}, rkeys: []int{}, cond: &cmpCond{Op: "<=", A: 2, B: 6}},
	{name: "key-projected", lkeys: []int{1}, rkeys: []int{1}, outputCols: func(k JoinKind) []int {
		if k.pairs() {
			return []int{7, 2, 6, 0}
		}
		return []int{3, 2}
	}},
}

func TestJoinProperty(t *testing.T) {
	its := 4
	if testing.Short() {
		its = 1
	}
	ts := []types.Type{types.Int64, types.Int32, types.Int64, types.Int64}
	for kind := JoinInner; kind <= JoinNullAwareAnti; kind++ {
		for _, cfg := range joinPropConfigs {
			if kind == JoinNullAwareAnti && len(cfg.lkeys) == 0 {
				continue
			}
			for _, size := range []int{1, 3, 1024} {
				t.Run(fmt.Sprintf("%s/%s/chunk=%d", kind, cfg.name, size), func(t *testing.T) {
					for seed := range its {
						a := HashJoinArgs{
							Kind: kind, LeftTypes: ts, RightTypes: ts,
							LeftKeys: cfg.lkeys, RightKeys: cfg.rkeys, NullSafe: cfg.nullSafe,
							LeftStreamKey: []int{3}, RightStreamKey: []int{3},
						}
						if cfg.cond != nil {
							a.Cond = cfg.cond
						}
						if cfg.outputCols != nil {
							a.OutputCols = cfg.outputCols(kind)
						}
						if seed%2 == 1 {
							a.CacheRows = 3 // exercise eviction
						}
						runJoinProperty(t, a, size, uint64(seed)*7919+uint64(kind)*31+uint64(size))
					}
				})
			}
		}
	}
}

func runJoinProperty(t *testing.T, a HashJoinArgs, size int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 42))
	h := newHarness(t, checkedJoinBuilder(t, a))
	defer h.close()
	ts := a.LeftTypes
	epoch := uint64(1)
	barrier := func(restart bool) {
		h.barrier(epoch, 0, 1) // the checked join compares with naiveJoin here
		if restart {
			h.commit(epoch)
			h.restart()
		}
		epoch++
		h.take()
	}
	push := func(port int, ops []types.Op, rows []types.Row) {
		for i := 0; i < len(rows); i += size {
			end := min(i+size, len(rows))
			h.push(port, types.NewChunk(ts, ops[i:end], rows[i:end]))
		}
	}
	nullOr := func(n int) types.Datum {
		if rng.IntN(5) == 0 {
			return nil
		}
		return int64(rng.IntN(n))
	}
	var nextID int64
	newRow := func(id int64) types.Row {
		return types.Row{nullOr(3), nullOr(2), nullOr(4), id}
	}
	live := [2]map[int64]types.Row{{}, {}}
	for step := 0; step < 60; step++ {
		side := rng.IntN(2)
		var ops []types.Op
		var rows []types.Row
		for range 1 + rng.IntN(8) {
			ids := make([]int64, 0, len(live[side]))
			for id := range live[side] {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			switch r := rng.IntN(4); {
			case r < 2 || len(ids) == 0:
				nextID++
				row := newRow(nextID)
				live[side][nextID] = row
				ops, rows = append(ops, types.Insert), append(rows, row)
			case r == 2:
				id := ids[rng.IntN(len(ids))]
				ops, rows = append(ops, types.Delete), append(rows, live[side][id])
				delete(live[side], id)
			default:
				id := ids[rng.IntN(len(ids))]
				row := newRow(id)
				ops = append(ops, types.UpdateDelete, types.UpdateInsert)
				rows = append(rows, live[side][id], row)
				live[side][id] = row
			}
		}
		push(side, ops, rows)
		switch r := rng.IntN(10); {
		case r < 3:
			barrier(false)
		case r == 3:
			barrier(true)
		}
	}
	barrier(false)
	// Delete everything: the output integral must become empty.
	for side := range 2 {
		var ops []types.Op
		var rows []types.Row
		for _, row := range live[side] {
			ops, rows = append(ops, types.Delete), append(rows, row)
		}
		push(side, ops, rows)
	}
	barrier(false)
	if o := h.node.(*checkedJoin).o; len(o.out) != 0 {
		t.Fatalf("output not empty after deleting every input row:\n%s", o.out)
	}
}

// TestJoinRestart runs one random change sequence twice, once on a single
// operator and once rebuilding the operator (cold caches) after a
// checkpoint at every barrier: the deltas must be equal barrier by barrier.
func TestJoinRestart(t *testing.T) {
	ts := []types.Type{types.Int64, types.Int32, types.Int64, types.Int64}
	for kind := JoinInner; kind <= JoinNullAwareAnti; kind++ {
		t.Run(kind.String(), func(t *testing.T) {
			a := HashJoinArgs{Kind: kind, LeftTypes: ts, RightTypes: ts, LeftKeys: []int{0, 1}, RightKeys: []int{0, 1},
				NullSafe: []bool{false, true}, Cond: &cmpCond{Op: "<>", A: 2, B: 6},
				LeftStreamKey: []int{3}, RightStreamKey: []int{3}}
			build := func(s *state.Store) (Node, error) {
				a := a
				joinTestLayouts(&a)
				a.Store = s
				return NewHashJoin(a)
			}
			var deltas [2][]string
			for run := range 2 {
				rng := rand.New(rand.NewPCG(uint64(kind), 7))
				h := newHarness(t, build)
				live := [2]map[int64]types.Row{{}, {}}
				nullOr := func(n int) types.Datum {
					if rng.IntN(5) == 0 {
						return nil
					}
					return int64(rng.IntN(n))
				}
				for epoch := uint64(1); epoch <= 20; epoch++ {
					for range 3 {
						side := rng.IntN(2)
						var ops []types.Op
						var rows []types.Row
						for range 4 {
							id := int64(rng.IntN(12))
							if old, ok := live[side][id]; ok {
								ops, rows = append(ops, types.Delete), append(rows, old)
								delete(live[side], id)
								continue
							}
							row := types.Row{nullOr(3), nullOr(2), nullOr(3), id}
							live[side][id] = row
							ops, rows = append(ops, types.Insert), append(rows, row)
						}
						h.push(side, types.NewChunk(ts, ops, rows))
					}
					h.barrier(epoch, 0, 1)
					if run == 1 {
						h.commit(epoch)
						h.restart()
					}
					deltas[run] = append(deltas[run], h.take().String())
				}
				h.close()
			}
			for i := range deltas[0] {
				if deltas[0][i] != deltas[1][i] {
					t.Fatalf("epoch %d: without restarts:\n%swith restarts:\n%s", i+1, deltas[0][i], deltas[1][i])
				}
			}
		})
	}
}

// TestJoinLayoutCheck checks that NewHashJoin rejects layouts that do not
// follow the documented rule, and follows it itself.
func TestJoinLayoutCheck(t *testing.T) {
	st, err := state.Open(state.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ts := []types.Type{types.Int32, types.Varchar, types.Int64}
	l := JoinTableLayout(ts, []int{1}, []int{2, 1})
	if !slices.Equal(l.Cols, ts) || !slices.Equal(l.PK, []int{1, 2}) {
		t.Fatalf("row layout %+v", l)
	}
	d := JoinDegreeLayout(ts, []int{1}, []int{2, 1})
	if !slices.Equal(d.Cols, []types.Type{types.Varchar, types.Int64, types.Int64}) || !slices.Equal(d.PK, []int{0, 1}) {
		t.Fatalf("degree layout %+v", d)
	}
	good := HashJoinArgs{Kind: JoinFullOuter, LeftTypes: ts, RightTypes: ts, LeftKeys: []int{1}, RightKeys: []int{1},
		LeftStreamKey: []int{2}, RightStreamKey: []int{2}}
	joinTestLayouts(&good)
	good.Store = st
	if _, err := NewHashJoin(good); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(a *HashJoinArgs){
		"row pk":         func(a *HashJoinArgs) { a.LeftTable.PK = []int{2, 1} },
		"row cols":       func(a *HashJoinArgs) { a.RightTable.Cols = a.RightTable.Cols[:2] },
		"missing degree": func(a *HashJoinArgs) { a.RightDegree = types.TableLayout{} },
		"degree cols":    func(a *HashJoinArgs) { a.LeftDegree.Cols = []types.Type{types.Varchar, types.Int64} },
		"key count":      func(a *HashJoinArgs) { a.RightKeys = []int{1, 0} },
		"null-safe":      func(a *HashJoinArgs) { a.NullSafe = []bool{true, false} },
		"output column":  func(a *HashJoinArgs) { a.OutputCols = []int{6} },
		"descending":     func(a *HashJoinArgs) { a.LeftTable.Desc = []bool{true, false} },
	} {
		a := good
		mutate(&a)
		if _, err := NewHashJoin(a); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestJoinKeyEncoding checks that the cache key encoding agrees with
// types.Equal: equal datums encode alike, unequal ones differently.
func TestJoinKeyEncoding(t *testing.T) {
	dec := func(s string) types.Datum {
		d, _, err := apd.NewFromString(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	ds := []types.Datum{
		nil, true, false, int64(0), int64(1), int64(-1), float64(0), math.Copysign(0, -1), 1.0, 1.5, math.NaN(),
		math.Inf(1), "", "a", "ab", []byte("a"), dec("1"), dec("1.00"), dec("1.5"), dec("0"), dec("-0.0"),
		types.Date(3), types.Time(3), types.Timestamp(3), types.Timestamptz(3),
		types.Interval{Months: 1}, types.Interval{Days: 30}, types.Interval{Days: 1}, types.JSONB(`{"a":1}`),
		types.Array{int64(1), nil}, types.Array{int64(1)},
	}
	for _, a := range ds {
		for _, b := range ds {
			ka, kb := string(appendKeyDatum(nil, a)), string(appendKeyDatum(nil, b))
			want := sameKind(a, b) && types.Equal(a, b)
			if (ka == kb) != want {
				t.Errorf("%#v vs %#v: equal encodings %v, want %v", a, b, ka == kb, want)
			}
		}
	}
	// Concatenated keys do not run together.
	k1 := appendKeyDatum(appendKeyDatum(nil, "a"), "bc")
	k2 := appendKeyDatum(appendKeyDatum(nil, "ab"), "c")
	if string(k1) == string(k2) {
		t.Error("string keys run together")
	}
}

// sameKind reports whether two datums may be compared by types.Equal: the
// same Go type, or int64 and float64.
func sameKind(a, b types.Datum) bool {
	num := func(d types.Datum) bool {
		switch d.(type) {
		case int64, float64:
			return true
		}
		return false
	}
	if a == nil || b == nil {
		return true
	}
	return fmt.Sprintf("%T", a) == fmt.Sprintf("%T", b) || (num(a) && num(b))
}

// TestJoinExprCond runs the property test with a residual condition built
// by the expr package (l.v + 1 < r.v) instead of the test's own cmpCond.
func TestJoinExprCond(t *testing.T) {
	ts := []types.Type{types.Int64, types.Int32, types.Int64, types.Int64}
	sum, err := expr.Resolve("+", []expr.Expr{&expr.ColumnRef{Index: 2, T: types.Int64}, &expr.Literal{Value: int64(1), T: types.Int64}})
	if err != nil {
		t.Fatal(err)
	}
	cond, err := expr.Resolve("<", []expr.Expr{sum, &expr.ColumnRef{Index: 6, T: types.Int64}})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []JoinKind{JoinFullOuter, JoinLeftAnti, JoinRightSemi, JoinNullAwareAnti} {
		t.Run(kind.String(), func(t *testing.T) {
			a := HashJoinArgs{Kind: kind, LeftTypes: ts, RightTypes: ts, LeftKeys: []int{0, 1}, RightKeys: []int{0, 1},
				Cond: cond, Ctx: &expr.Context{TimeZone: "UTC"}, LeftStreamKey: []int{3}, RightStreamKey: []int{3}}
			runJoinProperty(t, a, 3, uint64(kind))
		})
	}
}
