package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/engine"
)

func explainText(t *testing.T, e *engine.Engine, s *engine.Session, q string) string {
	t.Helper()
	rs := mustExec(t, e, s, "EXPLAIN "+q)
	var b strings.Builder
	for _, r := range rs[0].Rows {
		fmt.Fprintln(&b, r[0])
	}
	return b.String()
}

// TestIndexScans: a one-shot query whose filter pins an index's leading
// columns reads the index's key range; one that pins the table's own key
// prefix reads that range of the table; others scan the table. The rows are
// the same either way.
func TestIndexScans(t *testing.T) {
	e := openMem(t)
	s := engine.NewSession()
	mustExec(t, e, s, `CREATE TABLE t (k1 int, k2 varchar, a int, b int, PRIMARY KEY (k1, k2));
		CREATE TABLE plain (k1 int, k2 varchar, a int, b int);
		CREATE INDEX t_ab ON t (a, b);
		CREATE INDEX t_b ON t (b) INCLUDE (k1);
		CREATE INDEX t_bd ON t (b DESC, a) INCLUDE (k1);`)
	for i := 0; i < 200; i++ {
		a := fmt.Sprint(i % 5)
		if i%11 == 0 {
			a = "NULL"
		}
		b := fmt.Sprint(i % 3)
		if i%13 == 0 {
			b = "NULL"
		}
		row := fmt.Sprintf("(%d, 'k%d', %s, %s)", i%7, i, a, b)
		mustExec(t, e, s, "INSERT INTO t VALUES "+row+"; INSERT INTO plain VALUES "+row)
	}
	mustExec(t, e, s, "UPDATE t SET a = a + 1 WHERE b = 1; UPDATE plain SET a = a + 1 WHERE b = 1; DELETE FROM t WHERE k1 = 3; DELETE FROM plain WHERE k1 = 3; FLUSH")
	cases := []struct {
		where string
		scan  string // the expected StreamTableScan line prefix
	}{
		{"a = 2", "StreamTableScan t_ab cols=[k1, k2, a, b] prefix=[a=2]"},
		{"a = 2 AND b = 1", "StreamTableScan t_ab cols=[k1, k2, a, b] prefix=[a=2, b=1]"},
		{"b = 1 AND a = 2 AND k1 > 2", "StreamTableScan t_ab cols=[k1, k2, a, b] prefix=[a=2, b=1]"},
		{"k1 = 4", "StreamTableScan t cols=[k1, k2, a, b] prefix=[k1=4]"},
		{"k1 = 4 AND a = 1 AND b = 2", "StreamTableScan t_ab cols=[k1, k2, a, b] prefix=[a=1, b=2, k1=4]"},
		{"a > 2", "StreamTableScan t_ab cols=[k1, k2, a, b] range=[a>=2]"},
		{"a >= 1 AND a < 3", "StreamTableScan t_ab cols=[k1, k2, a, b] range=[a>=1, a<=3]"},
		{"a <= 1", "StreamTableScan t_ab cols=[k1, k2, a, b] range=[a<=1]"},
		{"2 > a AND 0 < a", "StreamTableScan t_ab cols=[k1, k2, a, b] range=[a>=0, a<=2]"},
		{"a = 3 AND b >= 1", "StreamTableScan t_ab cols=[k1, k2, a, b] prefix=[a=3] range=[b>=1]"},
		{"k1 = 2 AND k2 > 'k5'", "StreamTableScan t cols=[k1, k2, a, b] prefix=[k1=2] range=[k2>=k5]"},
		{"k1 < 3", "StreamTableScan t cols=[k1, k2, a, b] range=[k1<=3]"},
		{"b = 2 AND a > 1", "StreamTableScan t_bd cols=[k1, k2, a, b] prefix=[b=2] range=[a>=1]"},
		{"b < 2", "StreamTableScan t_bd cols=[k1, k2, a, b] range=[b<=2]"},
		{"b > 0 AND b <= 1", "StreamTableScan t_bd cols=[k1, k2, a, b] range=[b>=0, b<=1]"},
		{"b >= 1", "StreamTableScan t_bd cols=[k1, k2, a, b] range=[b>=1]"},
		{"a IS NULL", "StreamTableScan t cols=[k1, k2, a, b] key"},
		{"a + 0 > 2", "StreamTableScan t cols=[k1, k2, a, b] key"},
	}
	for _, c := range cases {
		q := "SELECT k1, k2, a, b FROM t WHERE " + c.where + " ORDER BY k1, k2"
		ex := explainText(t, e, s, q)
		if !strings.Contains(ex, c.scan) || (!strings.Contains(c.scan, "prefix=") && strings.Contains(ex, "prefix=")) {
			t.Errorf("%s: want %q in\n%s", c.where, c.scan, ex)
		}
		got := mustExec(t, e, s, q)[0].Rows
		want := mustExec(t, e, s, strings.Replace(q, "FROM t ", "FROM plain ", 1))[0].Rows
		if fmt.Sprint(got) != fmt.Sprint(want) || len(want) == 0 || len(want) == 200 {
			t.Errorf("%s: index scan rows %v, full scan rows %v", c.where, got, want)
		}
	}
	// The columns the query reads decide whether t_b can serve it.
	if ex := explainText(t, e, s, "SELECT k1 FROM t WHERE b = 2"); !strings.Contains(ex, "StreamTableScan t_b cols=[k1, b") || !strings.Contains(ex, "prefix=[b=2]") {
		t.Errorf("covering index t_b not used:\n%s", ex)
	}
}

// TestIndexSurvivesRestart: an index keeps its rows across a restart and
// follows the changes made after it.
func TestIndexSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := openDir(t, dir)
	s := engine.NewSession()
	mustExec(t, e, s, `CREATE TABLE t (id int PRIMARY KEY, a int);
		INSERT INTO t VALUES (1, 5), (2, 6), (3, 5);
		CREATE INDEX t_a ON t (a) ; FLUSH`)
	e = reopen(t, e, dir)
	defer e.Close()
	rs := mustExec(t, e, s, `UPDATE t SET a = 6 WHERE id = 1; INSERT INTO t VALUES (4, 5); FLUSH;
		SELECT a, id FROM t_a; SELECT id FROM t WHERE a = 5 ORDER BY id`)
	if got := fmt.Sprint(rs[3].Rows); got != "[[5 3] [5 4] [6 1] [6 2]]" {
		t.Errorf("index rows after restart: %s", got)
	}
	if got := fmt.Sprint(rs[4].Rows); got != "[[3] [4]]" {
		t.Errorf("index scan after restart: %s", got)
	}
	if ex := explainText(t, e, s, "SELECT id FROM t WHERE a = 5"); !strings.Contains(ex, "prefix=[a=5]") {
		t.Errorf("index not used after restart:\n%s", ex)
	}
}

// TestExpressionIndexScan: an index on an expression serves filters on the
// same expression (and a range on the key after it); the rows match a
// table without the index.
func TestExpressionIndexScan(t *testing.T) {
	e := openMem(t)
	s := engine.NewSession()
	mustExec(t, e, s, `CREATE TABLE t (v1 varchar, v2 int); CREATE TABLE plain (v1 varchar, v2 int);
		CREATE INDEX t_l ON t (lower(v1), v2 DESC)`)
	for i := 0; i < 60; i++ {
		row := fmt.Sprintf("('%s%d', %d)", []string{"Ab", "aB", "cd", "CD"}[i%4], i%3, i%7)
		mustExec(t, e, s, "INSERT INTO t VALUES "+row+"; INSERT INTO plain VALUES "+row)
	}
	mustExec(t, e, s, "FLUSH")
	cases := []struct{ where, scan string }{
		{"lower(v1) = 'ab1'", "StreamTableScan t_l cols=[v1, v2, lower(hidden), _row_id(hidden)] prefix=[lower=ab1]"},
		{"lower(v1) = 'cd2' AND v2 > 3", "prefix=[lower=cd2] range=[v2>=3]"},
		{"lower(v1) >= 'c'", "range=[lower>=c]"},
		{"upper(v1) = 'AB1'", "StreamTableScan t cols="},
	}
	for _, c := range cases {
		q := "SELECT v1, v2 FROM t WHERE " + c.where + " ORDER BY v1, v2"
		ex := explainText(t, e, s, q)
		if !strings.Contains(ex, c.scan) || (!strings.Contains(c.scan, "=[") && strings.Contains(ex, "prefix=")) {
			t.Errorf("%s: want %q in\n%s", c.where, c.scan, ex)
		}
		got := mustExec(t, e, s, q)[0].Rows
		want := mustExec(t, e, s, strings.Replace(q, "FROM t ", "FROM plain ", 1))[0].Rows
		if fmt.Sprint(got) != fmt.Sprint(want) || len(want) == 0 {
			t.Errorf("%s: index scan rows %v, full scan rows %v", c.where, got, want)
		}
	}
}
