package engine_test

import (
	"context"
	"testing"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/types"
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
		rs := mustExec(t, e, s, sql)
		r := rs[len(rs)-1]
		var got []string
		for _, row := range r.Rows {
			line := ""
			for i, d := range row {
				if i > 0 {
					line += " "
				}
				if d == nil {
					line += "NULL"
				} else {
					line += types.FormatTextTyped(d, r.Columns[i].Type)
				}
			}
			got = append(got, line)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: got %q, want %q", sql, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: got %q, want %q", sql, got, want)
			}
		}
	}
	check("SELECT k, v, w, (w).x FROM t ORDER BY k",
		`1 (1,x) (1.5,"{""(2,y)""}") 1.5`, `3 NULL (,) NULL`, `4 (0,"a b") (2.25,{}) 2.25`)
	check("SELECT v, n FROM m ORDER BY v", `(0,"a b") 1`, `(1,x) 1`, `NULL 1`)
	check("SELECT pg_typeof(v)::text FROM t WHERE k = 1", `p`)
}
