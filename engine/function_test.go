package engine_test

import (
	"context"
	"testing"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sqlerr"
)

// TestSQLFunctionSurvivesRestart: a SQL function and an MV calling it are
// replayed after a restart (the function first, also after OR REPLACE), the
// MV keeps computing with it, and OR REPLACE and DROP FUNCTION see the
// dependency.
func TestSQLFunctionSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := openDir(t, dir)
	s := engine.NewSession()
	mustExec(t, e, s, `CREATE FUNCTION add1(x int) RETURNS int LANGUAGE SQL AS $$SELECT x + 10$$;
		CREATE OR REPLACE FUNCTION add1(x int) RETURNS int LANGUAGE SQL RETURN x + 1;
		CREATE TABLE t (x int); CREATE MATERIALIZED VIEW m AS SELECT add1(x) AS y FROM t;
		INSERT INTO t VALUES (1); FLUSH`)
	if _, err := e.Exec(ctx, s, "CREATE OR REPLACE FUNCTION add1(x int) RETURNS int LANGUAGE SQL RETURN x + 2"); sqlerr.Code(err) != sqlerr.DependentObjectsStillExist {
		t.Fatalf("replacing a function an MV uses: %v", err)
	}
	e = reopen(t, e, dir)
	defer e.Close()
	mustExec(t, e, s, "INSERT INTO t VALUES (5); FLUSH")
	rs := mustExec(t, e, s, "SELECT add1(100), (SELECT sum(y) FROM m)")
	if got := rs[0].Rows[0]; got[0] != int64(101) || got[1] != int64(8) {
		t.Fatalf("after restart: %v", got)
	}
	if _, err := e.Exec(ctx, s, "DROP FUNCTION add1"); sqlerr.Code(err) != sqlerr.DependentObjectsStillExist {
		t.Fatalf("DROP FUNCTION with a dependent MV: %v", err)
	}
	mustExec(t, e, s, "DROP FUNCTION add1 CASCADE")
	if _, err := e.Exec(ctx, s, "SELECT * FROM m"); sqlerr.Code(err) != sqlerr.UndefinedTable {
		t.Fatalf("MV after DROP FUNCTION CASCADE: %v", err)
	}
}
