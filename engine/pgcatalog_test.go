package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/eddysql/eddy/types"
)

func TestSystemCatalog(t *testing.T) {
	e := openTest(t)
	mustExec(t, e, "CREATE TABLE t (id int PRIMARY KEY, name varchar)")
	mustExec(t, e, "CREATE MATERIALIZED VIEW m AS SELECT name, count(*) AS n FROM t GROUP BY name")
	rs := mustExec(t, e, `SELECT c.relname, c.relkind FROM pg_catalog.pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relname OPERATOR(pg_catalog.~) '^(t|m)$' COLLATE pg_catalog.default ORDER BY 1`)
	if got := rs[0].Rows; len(got) != 2 || got[0][0] != "m" || got[0][1] != "m" || got[1][0] != "t" || got[1][1] != "r" {
		t.Fatalf("pg_class: %v", got)
	}
	rs = mustExec(t, e, `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull FROM pg_attribute a
		JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = 't' ORDER BY a.attnum`)
	if got := rs[0].Rows; len(got) != 2 || got[0][0] != "id" || got[0][1] != "integer" || got[0][2] != true || got[1][1] != "character varying" {
		t.Fatalf("pg_attribute: %v", got)
	}
	// A user relation shadows the unqualified system name.
	mustExec(t, e, "CREATE TABLE pg_am (x int)")
	if rs = mustExec(t, e, "SELECT * FROM pg_am"); len(rs[0].Columns) != 1 {
		t.Fatalf("pg_am: %v", rs[0].Columns)
	}
	if rs = mustExec(t, e, "SELECT amname FROM pg_catalog.pg_am ORDER BY 1"); len(rs[0].Rows) != 2 {
		t.Fatalf("pg_catalog.pg_am: %v", rs[0].Rows)
	}
	rs = mustExec(t, e, "SELECT pg_get_viewdef(c.oid) FROM pg_class c WHERE relname = 'm'")
	if v, _ := rs[0].Rows[0][0].(string); v == "" {
		t.Fatalf("viewdef: %v", rs[0].Rows)
	}
	rs = mustExec(t, e, "SELECT ARRAY(SELECT relname FROM pg_class WHERE relnamespace = 2200 ORDER BY 1)")
	if got, _ := rs[0].Rows[0][0].(types.Array); len(got) != 5 || got[0] != "m" || got[4] != "t_pkey" {
		t.Fatalf("ARRAY(subquery): %v", got)
	}
}

func TestQueryCancel(t *testing.T) {
	e := openTest(t)
	mustExec(t, e, "CREATE TABLE t (id int PRIMARY KEY)")
	mustExec(t, e, "INSERT INTO t SELECT * FROM (VALUES (1), (2), (3)) v")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.Exec(ctx, nil, "SELECT count(*) FROM t")
	if err == nil || !errors.Is(err, context.Canceled) && err.Error() == "" {
		t.Fatalf("canceled query: %v", err)
	}
}
