package engine_test

import (
	"fmt"
	"testing"

	"github.com/eddysql/eddy/engine"
)

// TestOnConflictSurvivesRestart: a table's ON CONFLICT behaviour and
// version columns come back after a restart (they live in the catalog).
func TestOnConflictSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := openDir(t, dir)
	s := engine.NewSession()
	mustExec(t, e, s, `CREATE TABLE n (k int PRIMARY KEY, a int) ON CONFLICT DO NOTHING;
		CREATE TABLE v (k int PRIMARY KEY, ver int, a int, b int) ON CONFLICT DO UPDATE IF NOT NULL WITH VERSION COLUMN(ver);
		INSERT INTO n VALUES (1, 1); INSERT INTO v VALUES (1, 5, 1, 1); FLUSH`)
	e = reopen(t, e, dir)
	defer e.Close()
	rs := mustExec(t, e, s, `INSERT INTO n VALUES (1, 2), (2, 2);
		INSERT INTO v VALUES (1, 4, 9, 9); INSERT INTO v VALUES (1, 5, NULL, 2); FLUSH;
		SELECT k, a FROM n ORDER BY k; SELECT k, ver, a, b FROM v`)
	if got := fmt.Sprint(rs[4].Rows); got != "[[1 1] [2 2]]" {
		t.Errorf("DO NOTHING after restart: %s", got)
	}
	if got := fmt.Sprint(rs[5].Rows); got != "[[1 5 1 2]]" {
		t.Errorf("IF NOT NULL WITH VERSION COLUMN after restart: %s", got)
	}
}
