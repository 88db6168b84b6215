package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/engine"
)

// TestRenameSurvivesRestart: renamed relations and the objects that read
// them are replayed under the new names (qualified column references of
// a query keep working), and keep following their inputs.
func TestRenameSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := openDir(t, dir)
	s := engine.NewSession()
	mustExec(t, e, s, `CREATE TABLE t (id int PRIMARY KEY, v int);
		INSERT INTO t VALUES (1, 10), (2, 20);
		CREATE MATERIALIZED VIEW m AS SELECT t.id, t.v + 1 AS w FROM t JOIN t AS u ON t.id = u.id;
		CREATE VIEW vw AS SELECT id FROM m WHERE w > 15;
		CREATE INDEX t_v ON t (v);
		ALTER TABLE t RENAME TO t2; ALTER MATERIALIZED VIEW m RENAME TO m2; ALTER VIEW vw RENAME TO vw2; ALTER INDEX t_v RENAME TO t_v2;
		CREATE TABLE c (id int PRIMARY KEY, a int, b int); INSERT INTO c VALUES (1, 1, 1);
		ALTER TABLE c RENAME COLUMN a TO aa; ALTER TABLE c DROP COLUMN b; ALTER TABLE c ADD COLUMN d int DEFAULT 5;
		INSERT INTO c (id, aa) VALUES (2, 2); FLUSH`)
	e = reopen(t, e, dir)
	defer e.Close()
	rs := mustExec(t, e, s, `INSERT INTO t2 VALUES (3, 30); FLUSH;
		SELECT id, w FROM m2 ORDER BY id; SELECT id FROM vw2 ORDER BY id; SELECT v, id FROM t_v2; SELECT id FROM t2 WHERE v = 30;
		SELECT * FROM c ORDER BY id; SHOW CREATE MATERIALIZED VIEW m2`)
	want := []string{"[[1 11] [2 21] [3 31]]", "[[2] [3]]", "[[10 1] [20 2] [30 3]]", "[[3]]", "[[1 1 5] [2 2 5]]"}
	for i, w := range want {
		if got := fmt.Sprint(rs[2+i].Rows); got != w {
			t.Errorf("query %d after restart: %s, want %s", i, got, w)
		}
	}
	if def := fmt.Sprint(rs[7].Rows[0][1]); !strings.Contains(def, "t2 AS t") || !strings.Contains(def, "m2") {
		t.Errorf("SHOW CREATE after rename: %s", def)
	}
	for _, old := range []string{"t", "m", "vw", "t_v"} {
		if _, err := e.Exec(ctx, s, "SELECT * FROM "+old); err == nil {
			t.Errorf("old name %s still resolves", old)
		}
	}
}

// TestRenameKeepsSourceOffsets: renaming a source, a table with a
// connector and an MV reading a source keeps their readers' offsets, so a
// restart resumes where they were: nothing is read twice or lost.
func TestRenameKeepsSourceOffsets(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func() *engine.Engine {
		e, err := engine.Open(ctx, engine.Options{Dir: dir, BarrierInterval: 5 * time.Millisecond, CheckpointFrequency: 3})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := open()
	s := engine.NewSession()
	mustExec(t, e, s, `CREATE SOURCE gen (x bigint) WITH (connector = 'datagen',
		fields.x.kind = 'sequence', fields.x.start = '1', fields.x.end = '3000',
		datagen.rows.per.second = '20000', datagen.max.chunk.size = '50')`)
	mustExec(t, e, s, `CREATE MATERIALIZED VIEW m AS SELECT count(*) AS n, count(DISTINCT x) AS d FROM gen`)
	mustExec(t, e, s, `CREATE TABLE t (x bigint PRIMARY KEY) WITH (connector = 'datagen',
		fields.x.kind = 'sequence', fields.x.start = '1', fields.x.end = '3000',
		datagen.rows.per.second = '20000', datagen.max.chunk.size = '50')`)
	time.Sleep(30 * time.Millisecond)
	mustExec(t, e, s, "ALTER SOURCE gen RENAME TO gen2; ALTER MATERIALIZED VIEW m RENAME TO m2; ALTER TABLE t RENAME TO t2")
	for i := 0; i < 3; i++ {
		time.Sleep(30 * time.Millisecond)
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		e = open()
	}
	defer e.Close()
	waitValue(t, e, "SELECT n FROM m2", int64(3000))
	waitValue(t, e, "SELECT count(*) FROM t2", int64(3000))
	rs := mustExec(t, e, s, "SELECT n, d FROM m2")
	if r := rs[0].Rows[0]; r[0] != int64(3000) || r[1] != int64(3000) {
		t.Fatalf("m2 = %v", r)
	}
	rs = mustExec(t, e, s, "SHOW SOURCES")
	if len(rs[0].Rows) != 1 || rs[0].Rows[0][0] != "gen2" {
		t.Fatalf("SHOW SOURCES: %v", rs[0].Rows)
	}
}

// TestAlterMViewQuerySurvivesRestart: after ALTER MATERIALIZED VIEW … AS
// and a restart, the view follows the new query over the same rows, still
// with upsert semantics (a delete of a row it never held is dropped), and
// the views reading it keep their counts.
func TestAlterMViewQuerySurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := openDir(t, dir)
	s := engine.NewSession()
	mustExec(t, e, s, `CREATE TABLE t (k int PRIMARY KEY, a int);
		CREATE MATERIALIZED VIEW m AS SELECT k, a FROM t WHERE a >= 18;
		CREATE MATERIALIZED VIEW c AS SELECT count(*) AS n FROM m;
		INSERT INTO t VALUES (1, 18), (2, 17), (3, 16);
		ALTER MATERIALIZED VIEW m AS SELECT k, a FROM t WHERE a >= 17; FLUSH`)
	e = reopen(t, e, dir)
	defer e.Close()
	rs := mustExec(t, e, s, `DELETE FROM t WHERE k = 2; INSERT INTO t VALUES (4, 17); UPDATE t SET a = 30 WHERE k = 3; FLUSH;
		SELECT k FROM m ORDER BY k; SELECT n FROM c; SHOW CREATE MATERIALIZED VIEW m`)
	if got := fmt.Sprint(rs[4].Rows); got != "[[1] [3] [4]]" {
		t.Errorf("m after restart: %s", got)
	}
	if got := fmt.Sprint(rs[5].Rows); got != "[[3]]" {
		t.Errorf("c after restart: %s", got)
	}
	if def := fmt.Sprint(rs[6].Rows[0][1]); !strings.Contains(def, ">= 17") {
		t.Errorf("SHOW CREATE after ALTER: %s", def)
	}
}
