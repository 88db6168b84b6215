package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sqlerr"
)

func mustExec(t *testing.T, e *engine.Engine, s *engine.Session, sql string) []*engine.Result {
	t.Helper()
	rs, err := e.Exec(context.Background(), s, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rs
}

// TestEpochsMonotonicAcrossRestart: a reopened engine continues above the
// recovered epoch, and row ids keep increasing.
func TestEpochsMonotonicAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	e := openDir(t, dir)
	s := engine.NewSession()
	mustExec(t, e, s, "CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2); FLUSH")
	before := e.VisibleEpoch()
	e = reopen(t, e, dir)
	defer e.Close()
	if e.VisibleEpoch() < before {
		t.Fatalf("recovered epoch %d below %d", e.VisibleEpoch(), before)
	}
	mustExec(t, e, s, "INSERT INTO t VALUES (3); FLUSH")
	if e.VisibleEpoch() <= before {
		t.Fatalf("epoch %d did not advance past %d", e.VisibleEpoch(), before)
	}
	rs := mustExec(t, e, s, "SELECT count(*), count(DISTINCT _row_id) FROM t")
	if got := rs[0].Rows[0]; got[0] != int64(3) || got[1] != int64(3) {
		t.Fatalf("rows after restart: %v", got)
	}
}

func TestCommandTagsAndNotices(t *testing.T) {
	e, err := engine.Open(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := engine.NewSession()
	rs := mustExec(t, e, s, "CREATE TABLE t (k int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 1), (2, 2); FLUSH; UPDATE t SET v = 0; DELETE FROM t WHERE k = 1; FLUSH; SELECT * FROM t; CREATE INDEX i ON t (v)")
	var tags []string
	for _, r := range rs {
		tags = append(tags, r.Tag)
	}
	want := "CREATE_TABLE|INSERT 0 2|FLUSH|UPDATE 2|DELETE 1|FLUSH|SELECT 1|CREATE_INDEX"
	if got := strings.Join(tags, "|"); got != want {
		t.Fatalf("tags %s, want %s", got, want)
	}
	if len(rs[7].Notices) != 0 {
		t.Errorf("CREATE INDEX notices %v: an index is built, not a no-op", rs[7].Notices)
	}
	_, err = e.Exec(context.Background(), s, "CREATE MATERIALIZED VIEW m AS SELECT v FROM t; DROP TABLE t")
	if se := sqlerr.As(err); se.Code != sqlerr.DependentObjectsStillExist || se.Hint == "" {
		t.Fatalf("got %v (%s)", err, se.Code)
	}
	rs = mustExec(t, e, s, "DROP TABLE t CASCADE; SHOW TABLES")
	if len(rs[1].Rows) != 0 {
		t.Fatalf("tables left: %v", rs[1].Rows)
	}
}

// openDir opens an engine on dir; the test closes it.
func openDir(t *testing.T, dir string) *engine.Engine {
	t.Helper()
	e, err := engine.Open(context.Background(), engine.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// reopen closes e and opens a new engine on the same dir (a clean
// restart).
func reopen(t *testing.T, e *engine.Engine, dir string) *engine.Engine {
	t.Helper()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return openDir(t, dir)
}

// openMem opens an in-memory engine, closed when the test ends.
func openMem(t *testing.T) *engine.Engine {
	t.Helper()
	e, err := engine.Open(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}
