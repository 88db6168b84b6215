package engine_test

import (
	"context"
	"slices"
	"testing"

	"github.com/eddysql/eddy/engine"
)

// TestCompositeTypesAcrossRestart: a CREATE TYPE, a table with a column of
// that type and of a STRUCT type, a view keyed by a record and their rows
// survive a restart; the view keeps following changes afterwards.
func TestCompositeTypesAcrossRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, err := engine.Open(ctx, engine.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s := engine.NewSession()
	mustExec(t, e, s, `CREATE TYPE p AS (a int, b text);
		CREATE TABLE t (k int PRIMARY KEY, v p, w struct<x real, y p[]>);
		CREATE MATERIALIZED VIEW m AS SELECT v, count(*) AS n FROM t GROUP BY v;
		INSERT INTO t VALUES (1, row(1, 'x'), row(1.5, array[row(2, 'y')::p])), (2, row(1, 'x'), null), (3, null, row(null, null));
		FLUSH`)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e, err = engine.Open(ctx, engine.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	mustExec(t, e, s, "INSERT INTO t VALUES (4, '(0,\"a b\")', '(2.25,{})'); DELETE FROM t WHERE k = 2; FLUSH")
	check := func(sql string, want ...string) {
		t.Helper()
		if got := rowsText(t, e, s, sql); !slices.Equal(got, want) {
			t.Fatalf("%s: got %q, want %q", sql, got, want)
		}
	}
	check("SELECT k, v::text, w::text, (w).x FROM t ORDER BY k",
		`1 (1,x) (1.5,"{""(2,y)""}") 1.5`, `3 <nil> (,) <nil>`, `4 (0,"a b") (2.25,{}) 2.25`)
	check("SELECT v::text, n FROM m ORDER BY v", `(0,"a b") 1`, `(1,x) 1`, `<nil> 1`)
	check("SELECT pg_typeof(v)::text FROM t WHERE k = 1", `p`)
}
