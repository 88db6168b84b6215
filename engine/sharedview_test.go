package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/engine"
)

// TestAggViewSharesResultTable: a view that is a grouped aggregation reads
// the aggregation's result table (EXPLAIN says so) and answers point
// lookups, scans, views on it and indexes; it survives a restart, keeps
// following changes, and DROP then re-CREATE starts from clean state.
func TestAggViewSharesResultTable(t *testing.T) {
	dir := t.TempDir()
	e := openDir(t, dir)
	s := engine.NewSession()
	rs := mustExec(t, e, s, `CREATE TABLE t (k int, v bigint, f double precision);
		EXPLAIN CREATE MATERIALIZED VIEW agg AS SELECT k, count(*) AS n, sum(v) AS s, avg(f) AS a FROM t GROUP BY k`)
	if got := fmt.Sprint(rs[1].Rows); !strings.Contains(got, "(the first 4 of its 6 columns)") {
		t.Fatalf("EXPLAIN does not show a shared table:\n%s", got)
	}
	mustExec(t, e, s, `CREATE MATERIALIZED VIEW agg AS SELECT k, count(*) AS n, sum(v) AS s, avg(f) AS a FROM t GROUP BY k;
		CREATE MATERIALIZED VIEW top AS SELECT n, count(*) AS groups FROM agg GROUP BY n;
		CREATE INDEX agg_by_n ON agg (n);
		INSERT INTO t VALUES (1, 10, 1.5), (1, 20, 2.5), (2, 5, NULL), (3, NULL, 4); FLUSH`)
	check := func(when, q, want string) {
		t.Helper()
		rs := mustExec(t, e, s, q)
		if got := fmt.Sprint(rs[0].Rows); got != want {
			t.Fatalf("%s: %s = %s, want %s", when, q, got, want)
		}
	}
	check("start", "SELECT * FROM agg ORDER BY k", "[[1 2 30 2] [2 1 5 <nil>] [3 1 <nil> 4]]")
	check("start", "SELECT * FROM agg WHERE k = 2", "[[2 1 5 <nil>]]")
	check("start", "SELECT k FROM agg WHERE n = 2", "[[1]]")
	check("start", "SELECT * FROM top ORDER BY n", "[[1 2] [2 1]]")
	e = reopen(t, e, dir)
	defer func() { e.Close() }()
	check("after restart", "SELECT * FROM agg ORDER BY k", "[[1 2 30 2] [2 1 5 <nil>] [3 1 <nil> 4]]")
	mustExec(t, e, s, "DELETE FROM t WHERE k = 2; UPDATE t SET v = v + 1 WHERE k = 1; INSERT INTO t VALUES (4, 1, 1); FLUSH")
	check("after changes", "SELECT * FROM agg ORDER BY k", "[[1 2 32 2] [3 1 <nil> 4] [4 1 1 1]]")
	check("after changes", "SELECT * FROM top ORDER BY n", "[[1 2] [2 1]]")
	check("after changes", "SELECT k FROM agg WHERE n = 1 ORDER BY k", "[[3] [4]]")
	mustExec(t, e, s, `DROP MATERIALIZED VIEW top; DROP MATERIALIZED VIEW agg;
		CREATE MATERIALIZED VIEW agg AS SELECT k, count(*) AS n, sum(v) AS s, avg(f) AS a FROM t GROUP BY k; FLUSH`)
	check("recreated", "SELECT * FROM agg ORDER BY k", "[[1 2 32 2] [3 1 <nil> 4] [4 1 1 1]]")
}

// TestSharedWindowAggKeepsClosedWindows: a windowed aggregation over an
// append-only table with a watermark cleans its state below the watermark;
// when the view reads that state, the closed windows must stay.
func TestSharedWindowAggKeepsClosedWindows(t *testing.T) {
	e := openMem(t)
	s := engine.NewSession()
	mustExec(t, e, s, `CREATE TABLE ev (ts timestamp, WATERMARK FOR ts AS ts - INTERVAL '1 second') APPEND ONLY;
		CREATE MATERIALIZED VIEW w AS SELECT window_start, count(*) AS n FROM TUMBLE(ev, ts, INTERVAL '10 seconds') GROUP BY window_start;
		INSERT INTO ev VALUES ('2024-01-01 00:00:01'), ('2024-01-01 00:00:02'); FLUSH;
		INSERT INTO ev VALUES ('2024-01-01 00:01:00'); FLUSH;
		INSERT INTO ev VALUES ('2024-01-01 00:02:00'); FLUSH`)
	rs := mustExec(t, e, s, "SELECT window_start::varchar, n FROM w ORDER BY window_start")
	want := "[[2024-01-01 00:00:00 2] [2024-01-01 00:01:00 1] [2024-01-01 00:02:00 1]]"
	if got := fmt.Sprint(rs[0].Rows); got != want {
		t.Fatalf("windows: %s, want %s", got, want)
	}
}
