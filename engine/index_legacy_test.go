package engine

import (
	"context"
	"fmt"
	"testing"
)

// TestLegacyIndexIsBuiltAtRestart: an index stored before indexes had
// state (a catalog entry without table IDs) is built from its table when
// the catalog is replayed, and stored again with its IDs.
func TestLegacyIndexIsBuiltAtRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, "CREATE TABLE t (id int PRIMARY KEY, a int); INSERT INTO t VALUES (1, 7), (2, 5)")
	legacy := &object{Kind: KindIndex, Name: "i", SQL: "CREATE INDEX i ON t (a)", On: "t"}
	err = e.onLoop(ctx, func() error {
		e.seq++
		legacy.Seq = e.seq
		e.store.PutMeta(legacy.metaKey(), legacy.encode())
		e.dirty = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, "FLUSH")
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 2; round++ {
		e, err = Open(ctx, Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		rs := mustExec(t, e, fmt.Sprintf("INSERT INTO t VALUES (%d, 6); SELECT a, id FROM i", 3+round))
		want := map[int]string{0: "[[5 2] [6 3] [7 1]]", 1: "[[5 2] [6 3] [6 4] [7 1]]"}[round]
		if got := fmt.Sprint(rs[1].Rows); got != want {
			t.Errorf("round %d: index rows %s, want %s", round, got, want)
		}
		if o := e.lookup("i"); o == nil || len(o.IDs) == 0 {
			t.Errorf("round %d: index has no table IDs", round)
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
