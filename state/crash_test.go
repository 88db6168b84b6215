package state

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/eddysql/eddy/types"
)

var crashLayout = types.TableLayout{ID: 5, Cols: []types.Type{types.Int64, types.Varchar}, PK: []int{0}}

func scanString(t *testing.T, tb *Table) string {
	t.Helper()
	out := ""
	if err := tb.Scan(nil, func(r types.Row) bool { out += fmt.Sprintf("%v;", r); return true }); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCrashBetweenBatchAndMarker writes part of epoch 5 straight into
// Badger, as a Commit that crashed before its marker would, and checks that
// after reopening it is invisible, also after later commits.
func TestCrashBetweenBatchAndMarker(t *testing.T) {
	for _, withAttempt := range []bool{true, false} {
		t.Run(fmt.Sprint("attempt=", withAttempt), func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			tb := s.Table(crashLayout)
			for i := range 5 {
				tb.Put(types.Row{int64(i), "v4"})
			}
			if err := s.Commit(4, map[string][]byte{"off": []byte("4")}); err != nil {
				t.Fatal(err)
			}
			// The crashed commit of epoch 5.
			if withAttempt {
				if err := s.writeSys(5, sysAttempted, binary.BigEndian.AppendUint64(nil, 5)); err != nil {
					t.Fatal(err)
				}
			}
			wb := s.db.NewWriteBatchAt(5)
			tc := newTableCodec(crashLayout)
			put := func(k int64, v string) {
				r := types.Row{k, v}
				if err := wb.Set(tc.rowKey(r), tc.value(r)); err != nil {
					t.Fatal(err)
				}
			}
			put(1, "garbage")
			put(9, "garbage")
			if err := wb.Delete(tc.pkKey(types.Row{int64(2)})); err != nil {
				t.Fatal(err)
			}
			if err := wb.Set([]byte(metaKey("cat")), []byte("garbage")); err != nil {
				t.Fatal(err)
			}
			if err := wb.Flush(); err != nil {
				t.Fatal(err)
			}
			// Readers of the running store never see it.
			if got := scanString(t, tb); got != "[0 v4];[1 v4];[2 v4];[3 v4];[4 v4];" {
				t.Fatalf("before crash: %s", got)
			}
			s.Close()

			s, err = Open(Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			epoch, meta, err := s.Recover()
			if err != nil || epoch <= 5 || string(meta["off"]) != "4" {
				t.Fatalf("Recover = %d %v %v", epoch, meta, err)
			}
			tb = s.Table(crashLayout)
			want := "[0 v4];[1 v4];[2 v4];[3 v4];[4 v4];"
			if got := scanString(t, tb); got != want {
				t.Fatalf("after reopen: %s", got)
			}
			if _, ok, _ := s.GetMeta("cat"); ok {
				t.Fatal("garbage meta visible")
			}
			// A later commit must not expose the garbage either.
			tb.Put(types.Row{int64(3), "next"})
			if err := s.Commit(epoch+1, nil); err != nil {
				t.Fatal(err)
			}
			want = "[0 v4];[1 v4];[2 v4];[3 next];[4 v4];"
			if got := scanString(t, tb); got != want {
				t.Fatalf("after next commit: %s", got)
			}
			s.Close()
			s, err = Open(Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if e, _, _ := s.Recover(); e != epoch+1 {
				t.Fatalf("epoch %d after clean reopen, want %d", e, epoch+1)
			}
			if got := scanString(t, s.Table(crashLayout)); got != want {
				t.Fatalf("after second reopen: %s", got)
			}
		})
	}
}

// TestCommitRetryAfterFailure checks that a Commit whose data reached
// Badger without a marker is superseded by the next Commit in the same
// process.
func TestPartialCommitSuperseded(t *testing.T) {
	s, err := Open(Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tb := s.Table(crashLayout)
	tb.Put(types.Row{int64(1), "a"})
	s.Seal(1)
	// Write layer 1 at ts 1 without marker (a failed Commit(1)).
	s.mu.Lock()
	todo := append([]*layer(nil), s.layers...)
	prev := s.cur
	s.mu.Unlock()
	if err := s.writeLayers(1, todo, prev); err != nil {
		t.Fatal(err)
	}
	tb.Put(types.Row{int64(2), "b"})
	if err := s.Commit(2, nil); err != nil {
		t.Fatal(err)
	}
	if got := scanString(t, tb); got != "[1 a];[2 b];" {
		t.Fatal(got)
	}
}
