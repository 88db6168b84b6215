package engine_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// waitRows polls a query until its first row's first column equals want.
func waitValue(t *testing.T, e *engine.Engine, q string, want any) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var got any
	for time.Now().Before(deadline) {
		rs, err := e.Exec(context.Background(), nil, q)
		if err == nil && len(rs[0].Rows) > 0 {
			got = rs[0].Rows[0][0]
			if types.FormatText(got) == types.FormatText(want) {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s: got %v, want %v", q, got, want)
}

func TestDatagenSourceIntoMV(t *testing.T) {
	e, err := engine.Open(context.Background(), engine.Options{BarrierInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := engine.NewSession()
	mustExec(t, e, s, `CREATE SOURCE gen (x bigint, k int) WITH (connector = 'datagen',
		fields.x.kind = 'sequence', fields.x.start = '1', fields.x.end = '1000',
		fields.k.min = '0', fields.k.max = '9', datagen.rows.per.second = '0', datagen.max.chunk.size = '37')`)
	mustExec(t, e, s, `CREATE MATERIALIZED VIEW m AS SELECT count(*) AS n, sum(x) AS s, count(DISTINCT x) AS d FROM gen`)
	// A second MV over the same source reads it from its start too.
	mustExec(t, e, s, `CREATE MATERIALIZED VIEW m2 AS SELECT k, count(*) AS n FROM gen GROUP BY k`)
	waitValue(t, e, "SELECT n FROM m", int64(1000))
	waitValue(t, e, "SELECT sum(n) FROM m2", int64(1000))
	rs := mustExec(t, e, s, "SELECT s, d FROM m")
	if rs[0].Rows[0][1] != int64(1000) {
		t.Fatalf("distinct %v", rs[0].Rows[0])
	}
	rs = mustExec(t, e, s, "SHOW SOURCES")
	if len(rs[0].Rows) != 1 || rs[0].Rows[0][2] != "finished" {
		t.Fatalf("SHOW SOURCES: %v", rs[0].Rows)
	}
	_, err = e.Exec(context.Background(), s, "DROP SOURCE gen")
	if sqlerr.As(err).Code != sqlerr.DependentObjectsStillExist {
		t.Fatalf("drop source with MVs: %v", err)
	}
	mustExec(t, e, s, "DROP SOURCE gen CASCADE")
}

// TestSourceRestartExactlyOnce: a source resumes at the offsets of the last
// checkpoint, so nothing is lost or counted twice across restarts.
func TestSourceRestartExactlyOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	out := filepath.Join(dir, "sink.jsonl")
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
	mustExec(t, e, s, `CREATE MATERIALIZED VIEW m AS SELECT x % 1 AS g, count(*) AS n, count(DISTINCT x) AS d, max(x) AS mx FROM gen GROUP BY x % 1`)
	mustExec(t, e, s, `CREATE TABLE t (x bigint PRIMARY KEY) WITH (connector = 'datagen',
		fields.x.kind = 'sequence', fields.x.start = '1', fields.x.end = '3000',
		datagen.rows.per.second = '20000', datagen.max.chunk.size = '50')`)
	mustExec(t, e, s, `CREATE SINK k FROM m WITH (connector = 'file', path = '`+out+`') FORMAT UPSERT ENCODE JSON`)
	for i := 0; i < 4; i++ {
		time.Sleep(30 * time.Millisecond)
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		e = open()
	}
	defer e.Close()
	waitValue(t, e, "SELECT n FROM m", int64(3000))
	waitValue(t, e, "SELECT count(*) FROM t", int64(3000))
	rs := mustExec(t, e, s, "SELECT n, d, mx FROM m")
	if r := rs[0].Rows[0]; r[1] != int64(3000) || r[2] != int64(3000) {
		t.Fatalf("m = %v", r)
	}
	// The sink's last line shows the final count.
	mustExec(t, e, s, "FLUSH")
	if err := e.WaitSinks(ctx); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var last map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			last = nil
			if err := json.Unmarshal(sc.Bytes(), &last); err != nil {
				t.Fatalf("%q: %v", sc.Text(), err)
			}
		}
	}
	if last["n"] != float64(3000) {
		t.Fatalf("last sink line %v", last)
	}
}
