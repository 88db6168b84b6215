package state_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// appendLayout is an APPEND ONLY table (v varchar, _row_id bigint) keyed
// by its row id, stored as blocks.
var appendLayout = types.TableLayout{
	ID:           11,
	Name:         "events",
	Cols:         []types.Type{types.Varchar, types.Int64},
	PK:           []int{1},
	AppendBlocks: true,
}

// TestAppendBlocksModel drives a block table with mostly in-order puts,
// some out-of-order puts, overwrites and deletes, seals, commits, snapshot
// reads and restarts, and checks every read against a map.
func TestAppendBlocksModel(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			testAppendBlocksModel(t, seed)
		})
	}
}

func testAppendBlocksModel(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 99))
	dir := t.TempDir()
	s := openDir(t, dir)
	defer func() { s.Close() }()
	tb := s.Table(appendLayout)
	model := map[int64]string{}
	committed := map[int64]string{}
	var epoch uint64
	next := int64(0)
	snaps := map[uint64]map[int64]string{}
	want := func(m map[int64]string, prefix *int64) string {
		var ks []int64
		for k := range m {
			if prefix == nil || *prefix == k {
				ks = append(ks, k)
			}
		}
		slices.Sort(ks)
		var b strings.Builder
		for _, k := range ks {
			fmt.Fprintf(&b, "[%s %d];", m[k], k)
		}
		return b.String()
	}
	for step := range 1500 {
		switch op := r.IntN(100); {
		case op < 70: // in-order append
			next += 1 + int64(r.IntN(3))
			v := fmt.Sprintf("v%d", step)
			tb.Put(types.Row{v, next})
			model[next] = v
		case op < 76 && next > 0: // out of order: new or overwrite
			k := r.Int64N(next + 1)
			v := fmt.Sprintf("o%d", step)
			tb.Put(types.Row{v, k})
			model[k] = v
		case op < 82 && next > 0: // delete
			k := r.Int64N(next + 1)
			tb.Delete(types.Row{k})
			delete(model, k)
		case op < 88 && next > 0: // point read
			k := r.Int64N(next + 1)
			got, ok, err := tb.Get(types.Row{k})
			if err != nil {
				t.Fatal(err)
			}
			if v, in := model[k]; in != ok || ok && got[0] != v {
				t.Fatalf("step %d: Get(%d) = %v %v, want %q %v", step, k, got, ok, v, in)
			}
		case op < 90: // scans
			if got, w := scanAll(t, tb.Scan, nil), want(model, nil); got != w {
				t.Fatalf("step %d: scan\n got %s\nwant %s", step, got, w)
			}
			k := r.Int64N(next + 2)
			if got, w := scanAll(t, tb.Scan, types.Row{k}), want(model, &k); got != w {
				t.Fatalf("step %d: scan %d: got %s want %s", step, k, got, w)
			}
		case op < 95: // seal, sometimes commit, check a snapshot
			epoch++
			s.Seal(epoch)
			snaps[epoch] = maps(model)
			if r.IntN(2) == 0 {
				if err := s.Commit(epoch, nil); err != nil {
					t.Fatal(err)
				}
				committed = maps(model)
			}
			e := epoch - uint64(r.IntN(2))
			if m, ok := snaps[e]; ok && e >= s.Committed() {
				sn := s.Snapshot(e)
				got := scanAll(t, func(p types.Row, fn func(types.Row) bool) error { return sn.Scan(appendLayout, p, fn) }, nil)
				if w := want(m, nil); got != w {
					t.Fatalf("step %d: snapshot %d\n got %s\nwant %s", step, e, got, w)
				}
				for range 3 {
					k := r.Int64N(next + 1)
					row, ok, err := sn.Get(appendLayout, types.Row{k})
					if v, in := m[k]; err != nil || in != ok || ok && row[0] != v {
						t.Fatalf("step %d: snapshot Get(%d) = %v %v %v, want %q", step, k, row, ok, err, v)
					}
				}
				sn.Release()
			}
		default: // restart: what was committed survives
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openDir(t, dir)
			tb = s.Table(appendLayout)
			model = maps(committed)
			epoch = s.Committed()
			snaps = map[uint64]map[int64]string{}
			if got, w := scanAll(t, tb.Scan, nil), want(model, nil); got != w {
				t.Fatalf("step %d: after restart\n got %s\nwant %s", step, got, w)
			}
		}
	}
}

func maps(m map[int64]string) map[int64]string {
	out := make(map[int64]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestAppendBlocksPackRows checks that in-order rows share keys: a
// committed table of 10,000 rows holds about ten entries.
func TestAppendBlocksPackRows(t *testing.T) {
	s := openMem(t)
	tb := s.Table(appendLayout)
	for i := range int64(10000) {
		tb.Put(types.Row{"x", i})
	}
	s.Seal(1)
	st := s.TableStats()[appendLayout.ID]
	if st.SealedRows == 0 || st.SealedRows > 20 {
		t.Fatalf("10000 rows in %d entries", st.SealedRows)
	}
	n := 0
	if err := tb.Scan(nil, func(types.Row) bool { n++; return true }); err != nil || n != 10000 {
		t.Fatalf("scan: %d rows, %v", n, err)
	}
}

var _ = state.ErrClosed
