package engine_test

import (
	"context"
	"testing"

	"github.com/eddysql/eddy/engine"
)

// TestCreateTableAsSurvivesRestart: a table made by CREATE TABLE … AS is
// replayed as a plain table (its source table may be gone by then) and
// keeps its rows.
func TestCreateTableAsSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := openDir(t, dir)
	s := engine.NewSession()
	rs := mustExec(t, e, s, `CREATE TABLE src (x int, y varchar); INSERT INTO src VALUES (1, 'a'), (2, 'b'); FLUSH;
		CREATE TABLE c AS SELECT x + 1 AS z, y FROM src; DROP TABLE src; FLUSH`)
	if rs[3].Tag != "SELECT 2" {
		t.Fatalf("CREATE TABLE AS tag %q", rs[3].Tag)
	}
	e = reopen(t, e, dir)
	defer e.Close()
	rs = mustExec(t, e, s, "SELECT sum(z), max(y) FROM c")
	if got := rs[0].Rows[0]; got[0] != int64(5) || got[1] != "b" {
		t.Fatalf("after restart: %v", got)
	}
}

// TestSchemaSurvivesRestart: a schema and its table are replayed in order,
// and DROP SCHEMA … CASCADE then removes both.
func TestSchemaSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := openDir(t, dir)
	s := engine.NewSession()
	mustExec(t, e, s, "CREATE SCHEMA s; CREATE TABLE s.t (x int); INSERT INTO s.t VALUES (7); FLUSH")
	e = reopen(t, e, dir)
	defer e.Close()
	if _, err := e.Exec(ctx, s, "CREATE SCHEMA s"); err == nil {
		t.Fatal("CREATE SCHEMA of a recovered schema succeeded")
	}
	rs := mustExec(t, e, s, "SELECT s.t.x FROM s.t")
	if got := rs[0].Rows[0][0]; got != int64(7) {
		t.Fatalf("after restart: %v", got)
	}
	mustExec(t, e, s, "DROP SCHEMA s CASCADE")
	if _, err := e.Exec(ctx, s, "SELECT * FROM s.t"); err == nil {
		t.Fatal("table of a dropped schema still readable")
	}
}
