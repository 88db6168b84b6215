package state_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// kv is a table (k bigint, grp varchar, v varchar) keyed by (grp, k).
var kv = types.TableLayout{
	ID:   7,
	Name: "kv",
	Cols: []types.Type{types.Int64, types.Varchar, types.Varchar},
	PK:   []int{1, 0},
}

func openMem(t testing.TB) *state.Store {
	t.Helper()
	s, err := state.Open(state.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openDir(t testing.TB, dir string) *state.Store {
	t.Helper()
	s, err := state.Open(state.Options{Dir: dir, Sync: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func row(k int64, grp, v string) types.Row { return types.Row{k, grp, v} }

type getter interface {
	Get(pk types.Row) (types.Row, bool, error)
}

func wantGet(t *testing.T, g getter, pk types.Row, want types.Row) {
	t.Helper()
	got, ok, err := g.Get(pk)
	if err != nil {
		t.Fatalf("Get(%v): %v", pk, err)
	}
	if want == nil {
		if ok {
			t.Fatalf("Get(%v) = %v, want none", pk, got)
		}
		return
	}
	if !ok || !types.RowsEqual(got, want) {
		t.Fatalf("Get(%v) = %v %v, want %v", pk, got, ok, want)
	}
}

func scanAll(t *testing.T, scan func(types.Row, func(types.Row) bool) error, prefix types.Row) string {
	t.Helper()
	out := ""
	err := scan(prefix, func(r types.Row) bool {
		out += fmt.Sprintf("%v;", r)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPutGetScanThroughLayers(t *testing.T) {
	s := openMem(t)
	tb := s.Table(kv)
	tb.Put(row(1, "a", "x"))
	tb.Put(row(2, "a", "y"))
	tb.Put(row(1, "b", "z"))
	// Staged.
	wantGet(t, tb, types.Row{"a", int64(1)}, row(1, "a", "x"))
	if got, want := scanAll(t, tb.Scan, nil), "[1 a x];[2 a y];[1 b z];"; got != want {
		t.Fatalf("staged scan %s want %s", got, want)
	}
	s.Seal(1)
	if tb.StagedLen() != 0 {
		t.Fatal("staged not empty after seal")
	}
	// Sealed; overwrite and delete in the open epoch.
	tb.Put(row(2, "a", "y2"))
	tb.Delete(types.Row{"b", int64(1)})
	tb.Put(row(3, "a", "w"))
	wantGet(t, tb, types.Row{"b", int64(1)}, nil)
	wantGet(t, tb, types.Row{"a", int64(1)}, row(1, "a", "x"))
	if got, want := scanAll(t, tb.Scan, nil), "[1 a x];[2 a y2];[3 a w];"; got != want {
		t.Fatalf("scan %s want %s", got, want)
	}
	if err := s.Commit(1, nil); err != nil {
		t.Fatal(err)
	}
	// Epoch 1 committed, epoch 2 staged.
	if got, want := scanAll(t, tb.Scan, types.Row{"a"}), "[1 a x];[2 a y2];[3 a w];"; got != want {
		t.Fatalf("scan %s want %s", got, want)
	}
	s.Seal(2)
	tb.Put(row(4, "c", "q"))
	if err := s.Commit(2, nil); err != nil {
		t.Fatal(err)
	}
	// Epoch 2 committed, 4/c staged.
	if got, want := scanAll(t, tb.Scan, nil), "[1 a x];[2 a y2];[3 a w];[4 c q];"; got != want {
		t.Fatalf("scan %s want %s", got, want)
	}
	if got, want := scanAll(t, tb.Scan, types.Row{"b"}), ""; got != want {
		t.Fatalf("scan b %s want %s", got, want)
	}
	if got, want := scanAll(t, tb.Scan, types.Row{"a", int64(2)}), "[2 a y2];"; got != want {
		t.Fatalf("scan a,2 %s want %s", got, want)
	}
	// Early stop.
	n := 0
	tb.Scan(nil, func(types.Row) bool { n++; return n < 2 })
	if n != 2 {
		t.Fatalf("scan did not stop: %d", n)
	}
	// A second handle shares the data.
	wantGet(t, s.Table(kv), types.Row{"c", int64(4)}, row(4, "c", "q"))
	// Other tables are separate.
	other := kv
	other.ID = 8
	if got := scanAll(t, s.Table(other).Scan, nil); got != "" {
		t.Fatalf("table 8 sees %s", got)
	}
	if s.LatestSealed() != 2 || s.Committed() != 2 {
		t.Fatalf("sealed %d committed %d", s.LatestSealed(), s.Committed())
	}
	s.Seal(3)
	tb.Put(row(5, "c", "r"))
	if st := s.TableStats()[kv.ID]; st.StagedRows != 1 || st.SealedRows != 1 || st.StagedBytes == 0 {
		t.Fatalf("TableStats %+v", st)
	}
}

func TestDescendingAndNullKeys(t *testing.T) {
	s := openMem(t)
	l := types.TableLayout{ID: 3, Cols: []types.Type{types.Int64, types.Varchar}, PK: []int{0, 1}, Desc: []bool{true, false}}
	tb := s.Table(l)
	for _, k := range []types.Datum{int64(1), nil, int64(3), int64(2)} {
		tb.Put(types.Row{k, "x"})
	}
	tb.Put(types.Row{int64(2), nil})
	want := "[<nil> x];[3 x];[2 x];[2 <nil>];[1 x];"
	if got := scanAll(t, tb.Scan, nil); got != want {
		t.Fatalf("staged %s want %s", got, want)
	}
	s.Commit(1, nil)
	if got := scanAll(t, tb.Scan, nil); got != want {
		t.Fatalf("committed %s want %s", got, want)
	}
	if got := scanAll(t, tb.Scan, types.Row{int64(2)}); got != "[2 x];[2 <nil>];" {
		t.Fatalf("prefix scan %s", got)
	}
	if got := scanAll(t, tb.Scan, types.Row{nil}); got != "[<nil> x];" {
		t.Fatalf("NULL prefix scan %s", got)
	}
}

func TestCompositeKeysKeepExactValues(t *testing.T) {
	s := openMem(t)
	l := types.TableLayout{ID: 4, Cols: []types.Type{types.Numeric, types.IntervalT, types.Int64}, PK: []int{0, 1}}
	tb := s.Table(l)
	d := func(s string) *apd.Decimal { x, _, _ := apd.NewFromString(s); return x }
	tb.Put(types.Row{d("1.50"), types.Interval{Months: 1}, int64(1)})
	// Same key: 1.5 = 1.50 and 30 days = 1 month; the upsert replaces the row.
	tb.Put(types.Row{d("1.500"), types.Interval{Days: 30}, int64(2)})
	s.Commit(1, nil)
	got, ok, err := tb.Get(types.Row{d("1.5"), types.Interval{Micros: 30 * types.MicrosPerDay}})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if got[0].(*apd.Decimal).String() != "1.500" || got[1] != (types.Interval{Days: 30}) || got[2] != int64(2) {
		t.Fatalf("got %v", got)
	}
	n := 0
	tb.Scan(nil, func(types.Row) bool { n++; return true })
	if n != 1 {
		t.Fatalf("%d rows", n)
	}
}

func TestSnapshotIsolation(t *testing.T) {
	s := openMem(t)
	tb := s.Table(kv)
	tb.Put(row(1, "a", "e1"))
	s.Seal(1)
	tb.Put(row(1, "a", "e2"))
	tb.Put(row(2, "a", "e2"))
	s.Seal(2)
	sn2 := s.Snapshot(2)
	defer sn2.Release()
	sn1 := s.Snapshot(1)
	defer sn1.Release()
	tb.Put(row(1, "a", "e3"))
	tb.Delete(types.Row{"a", int64(2)})
	tb.Put(row(3, "a", "e3"))
	// Unsealed writes are invisible to every snapshot.
	sn3pre := s.Snapshot(3)
	if got := scanAll(t, func(p types.Row, fn func(types.Row) bool) error { return sn3pre.Scan(kv, p, fn) }, nil); got != "[1 a e2];[2 a e2];" {
		t.Fatalf("snapshot 3 before seal: %s", got)
	}
	sn3pre.Release()
	s.Seal(3)
	if err := s.Commit(3, map[string][]byte{"offset": []byte("3")}); err != nil {
		t.Fatal(err)
	}
	tb.Put(row(4, "a", "e4"))
	s.Seal(4)

	check := func(sn *state.Snapshot, want string) {
		t.Helper()
		got := scanAll(t, func(p types.Row, fn func(types.Row) bool) error { return sn.Scan(kv, p, fn) }, nil)
		if got != want {
			t.Fatalf("snapshot %d: %s want %s", sn.Epoch(), got, want)
		}
	}
	check(sn1, "[1 a e1];")
	check(sn2, "[1 a e2];[2 a e2];")
	wantGet(t, snapGetter{sn2, kv}, types.Row{"a", int64(1)}, row(1, "a", "e2"))
	wantGet(t, snapGetter{sn2, kv}, types.Row{"a", int64(3)}, nil)
	sn3 := s.Snapshot(3)
	defer sn3.Release()
	check(sn3, "[1 a e3];[3 a e3];")
	sn4 := s.Snapshot(4)
	check(sn4, "[1 a e3];[3 a e3];[4 a e4];")
	sn4.Release()
	if _, _, err := sn4.Get(kv, types.Row{"a", int64(1)}); err == nil {
		t.Fatal("Get on a released snapshot succeeded")
	}
	// Committing 4 does not change snapshot 2 or 3.
	if err := s.Commit(4, nil); err != nil {
		t.Fatal(err)
	}
	check(sn2, "[1 a e2];[2 a e2];")
	check(sn3, "[1 a e3];[3 a e3];")
}

type snapGetter struct {
	sn *state.Snapshot
	l  types.TableLayout
}

func (g snapGetter) Get(pk types.Row) (types.Row, bool, error) { return g.sn.Get(g.l, pk) }

func TestCommitRules(t *testing.T) {
	s := openMem(t)
	tb := s.Table(kv)
	tb.Put(row(1, "a", "x"))
	// Commit seals the staged writes itself.
	if err := s.Commit(5, nil); err != nil {
		t.Fatal(err)
	}
	if s.LatestSealed() != 5 {
		t.Fatalf("sealed %d", s.LatestSealed())
	}
	if err := s.Commit(5, nil); err == nil {
		t.Fatal("second Commit(5) succeeded")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("Seal(5) after 5 did not panic")
			}
		}()
		s.Seal(5)
	}()
	// Committing an older sealed epoch keeps the newer layers.
	tb.Put(row(2, "a", "y"))
	s.Seal(6)
	tb.Put(row(3, "a", "z"))
	s.Seal(7)
	if err := s.Commit(6, nil); err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, tb.Scan, nil); got != "[1 a x];[2 a y];[3 a z];" {
		t.Fatal(got)
	}
	sn := s.Snapshot(6)
	defer sn.Release()
	if got := scanAll(t, func(p types.Row, fn func(types.Row) bool) error { return sn.Scan(kv, p, fn) }, nil); got != "[1 a x];[2 a y];" {
		t.Fatal(got)
	}
}

func TestDurability(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	tb := s.Table(kv)
	for i := range 1000 {
		tb.Put(row(int64(i), "g", fmt.Sprint("v", i)))
	}
	s.PutMeta("catalog/t1", []byte("create table t1"))
	s.Seal(1)
	tb.Delete(types.Row{"g", int64(5)})
	if err := s.Commit(2, map[string][]byte{"src": []byte("off2")}); err != nil {
		t.Fatal(err)
	}
	// Sealed but not committed: lost on close.
	tb.Put(row(5000, "g", "lost"))
	tb.Delete(types.Row{"g", int64(6)})
	s.PutMeta("catalog/t2", []byte("lost"))
	s.Seal(3)
	tb.Put(row(5001, "g", "lost too"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openDir(t, dir)
	defer s.Close()
	epoch, meta, err := s.Recover()
	if err != nil || epoch != 2 || string(meta["src"]) != "off2" || len(meta) != 1 {
		t.Fatalf("Recover = %d %v %v", epoch, meta, err)
	}
	if s.LatestSealed() != 2 {
		t.Fatalf("sealed %d", s.LatestSealed())
	}
	tb = s.Table(kv)
	wantGet(t, tb, types.Row{"g", int64(5)}, nil)
	wantGet(t, tb, types.Row{"g", int64(6)}, row(6, "g", "v6"))
	wantGet(t, tb, types.Row{"g", int64(5000)}, nil)
	wantGet(t, tb, types.Row{"g", int64(5001)}, nil)
	n := 0
	tb.Scan(nil, func(types.Row) bool { n++; return true })
	if n != 999 {
		t.Fatalf("%d rows", n)
	}
	if v, ok, _ := s.GetMeta("catalog/t1"); !ok || string(v) != "create table t1" {
		t.Fatalf("meta t1 = %q %v", v, ok)
	}
	if _, ok, _ := s.GetMeta("catalog/t2"); ok {
		t.Fatal("uncommitted meta survived")
	}
}

func TestLargeEpochReopen(t *testing.T) {
	// Big enough to split the WriteBatch and flush memtables to tables on
	// disk; a key-only table stores empty values.
	dir := t.TempDir()
	s := openDir(t, dir)
	keys := types.TableLayout{ID: 9, Cols: []types.Type{types.Int64}, PK: []int{0}}
	tb := s.Table(kv)
	kt := s.Table(keys)
	const n = 60_000
	for i := range n {
		tb.Put(row(int64(i), "g", "some value that takes a few bytes"))
		kt.Put(types.Row{int64(i)})
	}
	if err := s.Commit(1, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openDir(t, dir)
	defer s.Close()
	tb, kt = s.Table(kv), s.Table(keys)
	c1, c2 := 0, 0
	tb.Scan(nil, func(types.Row) bool { c1++; return true })
	kt.Scan(nil, func(types.Row) bool { c2++; return true })
	if c1 != n || c2 != n {
		t.Fatalf("rows %d %d", c1, c2)
	}
	wantGet(t, kt, types.Row{int64(n - 1)}, types.Row{int64(n - 1)})
}

func TestMeta(t *testing.T) {
	s := openMem(t)
	s.PutMeta("a/1", []byte("one"))
	s.PutMeta("a/2", []byte("two"))
	s.PutMeta("b/1", []byte("bee"))
	s.Seal(1)
	s.PutMeta("a/3", []byte("three"))
	s.DeleteMeta("a/1")
	sn := s.Snapshot(1)
	defer sn.Release()
	scan := func(f func(string, func(string, []byte) bool) error, p string) string {
		out := ""
		if err := f(p, func(k string, v []byte) bool { out += k + "=" + string(v) + ";"; return true }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := scan(s.ScanMeta, "a/"); got != "a/2=two;a/3=three;" {
		t.Fatal(got)
	}
	if got := scan(sn.ScanMeta, "a/"); got != "a/1=one;a/2=two;" {
		t.Fatal(got)
	}
	if v, ok, _ := sn.GetMeta("a/1"); !ok || string(v) != "one" {
		t.Fatal("snapshot meta")
	}
	if err := s.Commit(2, map[string][]byte{"x": []byte("y")}); err != nil {
		t.Fatal(err)
	}
	if got := scan(s.ScanMeta, ""); got != "a/2=two;a/3=three;b/1=bee;" {
		t.Fatal(got)
	}
	if _, ok, _ := s.GetMeta("a/1"); ok {
		t.Fatal("deleted meta key visible")
	}
	// Commit meta is not a PutMeta key.
	if _, ok, _ := s.GetMeta("x"); ok {
		t.Fatal("commit meta visible as meta key")
	}
	if e, m, _ := s.Recover(); e != 2 || string(m["x"]) != "y" {
		t.Fatal("Recover", e, m)
	}
}

func TestDropTable(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	tb := s.Table(kv)
	other := kv
	other.ID = 8
	ot := s.Table(other)
	for i := range 10 {
		tb.Put(row(int64(i), "g", "committed"))
		ot.Put(row(int64(i), "g", "other"))
	}
	s.Commit(1, nil)
	tb.Put(row(20, "g", "sealed"))
	s.Seal(2)
	tb.Put(row(30, "g", "staged"))
	before := s.Snapshot(2)
	defer before.Release()
	if err := s.DropTable(kv.ID); err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, tb.Scan, nil); got != "" {
		t.Fatalf("after drop: %s", got)
	}
	wantGet(t, tb, types.Row{"g", int64(1)}, nil)
	tb.Put(row(40, "g", "after drop"))
	s.Seal(3)
	tb.Put(row(50, "g", "epoch 4"))
	s.Seal(4)
	if got := scanAll(t, tb.Scan, nil); got != "[40 g after drop];[50 g epoch 4];" {
		t.Fatalf("after drop: %s", got)
	}
	if n := len(scanAll(t, func(p types.Row, fn func(types.Row) bool) error { return before.Scan(kv, p, fn) }, nil)); n == 0 {
		t.Fatal("snapshot before the drop lost its rows")
	}
	if err := s.Commit(4, nil); err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, tb.Scan, nil); got != "[40 g after drop];[50 g epoch 4];" {
		t.Fatalf("after commit: %s", got)
	}
	s.Close()
	s = openDir(t, dir)
	defer s.Close()
	if got := scanAll(t, s.Table(kv).Scan, nil); got != "[40 g after drop];[50 g epoch 4];" {
		t.Fatalf("after reopen: %s", got)
	}
	n := 0
	s.Table(other).Scan(nil, func(types.Row) bool { n++; return true })
	if n != 10 {
		t.Fatalf("other table has %d rows", n)
	}
	if s.DropTable(0) == nil {
		t.Fatal("DropTable(0) succeeded")
	}
}

// TestConcurrentSnapshots runs a writer that rewrites every row of a table
// each epoch (value = epoch) and commits every third epoch on another
// goroutine, while readers check that each snapshot sees one epoch's rows.
func TestConcurrentSnapshots(t *testing.T) {
	s := openMem(t)
	const rows = 200
	epochs := uint64(150)
	if testing.Short() {
		epochs = 40
	}
	l := types.TableLayout{ID: 11, Cols: []types.Type{types.Int64, types.Int64}, PK: []int{0}}
	tb := s.Table(l)
	var done atomic.Bool
	var wg sync.WaitGroup
	commits := make(chan uint64, 100)
	errs := make(chan error, 100)
	wg.Add(1)
	go func() { // committer
		defer wg.Done()
		for e := range commits {
			if err := s.Commit(e, map[string][]byte{"e": fmt.Append(nil, e)}); err != nil {
				errs <- err
				return
			}
		}
	}()
	for r := range 3 {
		wg.Add(1)
		go func() { // reader
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(r), 0))
			for !done.Load() {
				e := s.LatestSealed()
				if e == 0 {
					continue
				}
				sn := s.Snapshot(e)
				n := 0
				err := sn.Scan(l, nil, func(row types.Row) bool {
					if row[1] != int64(e) {
						errs <- fmt.Errorf("snapshot %d sees row %v", e, row)
						return false
					}
					n++
					return true
				})
				if err == nil && n != rows {
					err = fmt.Errorf("snapshot %d has %d rows", e, n)
				}
				if err == nil {
					k := int64(rnd.IntN(rows))
					got, ok, gerr := sn.Get(l, types.Row{k})
					if gerr != nil || !ok || got[1] != int64(e) {
						err = fmt.Errorf("snapshot %d Get(%d) = %v %v %v", e, k, got, ok, gerr)
					}
				}
				sn.Release()
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for e := uint64(1); e <= epochs; e++ {
		for k := range rows {
			tb.Put(types.Row{int64(k), int64(e)})
		}
		// The writer's own view.
		if got, ok, err := tb.Get(types.Row{int64(rows / 2)}); err != nil || !ok || got[1] != int64(e) {
			t.Fatalf("writer Get at %d: %v %v %v", e, got, ok, err)
		}
		s.Seal(e)
		if e%3 == 0 {
			commits <- e
		}
	}
	close(commits)
	done.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestSnapshotScanFrom: ScanFrom starts at a key inside a prefix, over
// committed rows, sealed layers (with deletes shadowing committed rows)
// and descending key columns.
func TestSnapshotScanFrom(t *testing.T) {
	s := openMem(t)
	desc := kv
	desc.ID, desc.Desc = 9, []bool{false, true}
	for _, l := range []types.TableLayout{kv, desc} {
		tb := s.Table(l)
		for k := int64(1); k <= 6; k++ {
			tb.Put(row(k, "a", "old"))
			tb.Put(row(k, "b", "old"))
		}
	}
	s.Seal(1)
	if err := s.Commit(1, nil); err != nil {
		t.Fatal(err)
	}
	for _, l := range []types.TableLayout{kv, desc} {
		tb := s.Table(l)
		tb.Delete(types.Row{"a", int64(4)})
		tb.Put(row(3, "a", "new"))
		tb.Put(row(7, "a", "new"))
	}
	s.Seal(2)
	sn := s.Snapshot(2)
	defer sn.Release()
	scan := func(l types.TableLayout, prefix, from types.Row, limit int) string {
		var b []byte
		n := 0
		err := sn.ScanFrom(l, prefix, from, func(r types.Row) bool {
			b = fmt.Appendf(b, "%v;", r)
			n++
			return n != limit
		})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cases := []struct {
		l            types.TableLayout
		prefix, from types.Row
		limit        int
		want         string
	}{
		{kv, types.Row{"a"}, types.Row{"a", int64(3)}, 0, "[3 a new];[5 a old];[6 a old];[7 a new];"},
		{kv, types.Row{"a"}, types.Row{"a", int64(4)}, 2, "[5 a old];[6 a old];"},
		{kv, nil, types.Row{"a", int64(6)}, 0, "[6 a old];[7 a new];[1 b old];[2 b old];[3 b old];[4 b old];[5 b old];[6 b old];"},
		{kv, types.Row{"a"}, types.Row{"a"}, 3, "[1 a old];[2 a old];[3 a new];"},
		{desc, types.Row{"a"}, types.Row{"a", int64(5)}, 0, "[5 a old];[3 a new];[2 a old];[1 a old];"},
		{desc, types.Row{"b"}, types.Row{"b", int64(9)}, 2, "[6 b old];[5 b old];"},
	}
	for _, c := range cases {
		if got := scan(c.l, c.prefix, c.from, c.limit); got != c.want {
			t.Errorf("ScanFrom(%v, %v) on %s = %s, want %s", c.prefix, c.from, c.l.Name, got, c.want)
		}
	}
	if err := sn.ScanFrom(kv, types.Row{"a"}, types.Row{"b", int64(1)}, func(types.Row) bool { return true }); err == nil {
		t.Error("a start outside the prefix is accepted")
	}
}
