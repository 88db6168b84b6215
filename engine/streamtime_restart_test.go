package engine_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/eddysql/eddy/engine"
)

// rowsText runs a query and formats its rows.
func rowsText(t *testing.T, e *engine.Engine, s *engine.Session, sql string) []string {
	t.Helper()
	rs := mustExec(t, e, s, sql)
	var out []string
	for _, r := range rs[len(rs)-1].Rows {
		parts := make([]string, len(r))
		for i, d := range r {
			parts[i] = fmt.Sprint(d)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

// TestStreamingTimeRestart: the state of a temporal join memo, an EMIT ON
// WINDOW CLOSE over window, a NOW() filter and a changelog survives a
// restart, and each continues where it stopped.
func TestStreamingTimeRestart(t *testing.T) {
	dir := t.TempDir()
	e := openDir(t, dir)
	s := engine.NewSession()
	mustExec(t, e, s, `CREATE TABLE orders (id int PRIMARY KEY, k int);
CREATE TABLE names (k int PRIMARY KEY, name text);
CREATE MATERIALIZED VIEW tj AS SELECT o.id, d.name FROM orders AS o LEFT JOIN names FOR SYSTEM_TIME AS OF PROCTIME() AS d ON o.k = d.k;
CREATE TABLE ev (ts timestamp, p int, v int, WATERMARK FOR ts AS ts - INTERVAL '1 minute') APPEND ONLY;
CREATE MATERIALIZED VIEW ew AS SELECT ts, p, v, lead(v) OVER (PARTITION BY p ORDER BY ts) AS nxt FROM ev EMIT ON WINDOW CLOSE;
CREATE MATERIALIZED VIEW nf AS SELECT id FROM orders WHERE extract(year FROM now()) > 2000 + k;
CREATE MATERIALIZED VIEW cl AS WITH c AS CHANGELOG FROM orders SELECT id, changelog_op, _changelog_row_id AS rid FROM c;
INSERT INTO names VALUES (1, 'one');
INSERT INTO orders VALUES (1, 1), (2, 5000);
INSERT INTO ev VALUES ('2024-01-01 00:00:00', 1, 10), ('2024-01-01 00:01:00', 1, 20), ('2024-01-01 00:05:00', 1, 30);
FLUSH`)
	if got, want := rowsText(t, e, s, "SELECT * FROM tj ORDER BY id"), []string{"1 one", "2 <nil>"}; !slices.Equal(got, want) {
		t.Fatalf("tj: %q, want %q", got, want)
	}
	if got, want := rowsText(t, e, s, "SELECT v, nxt FROM ew ORDER BY ts"), []string{"10 20"}; !slices.Equal(got, want) {
		t.Fatalf("ew: %q, want %q", got, want)
	}
	e = reopen(t, e, dir)
	defer e.Close()
	mustExec(t, e, s, `UPDATE names SET name = 'uno';
UPDATE orders SET k = 7 WHERE id = 1;
INSERT INTO ev VALUES ('2024-01-01 00:09:00', 1, 40);
FLUSH`)
	// The memo retracts what id 1 joined before the restart.
	if got, want := rowsText(t, e, s, "SELECT * FROM tj ORDER BY id"), []string{"1 <nil>", "2 <nil>"}; !slices.Equal(got, want) {
		t.Fatalf("tj after restart: %q, want %q", got, want)
	}
	// Row 00:01 is emitted once (now that 00:05 is closed), 00:00 not again.
	if got, want := rowsText(t, e, s, "SELECT v, nxt FROM ew ORDER BY ts"), []string{"10 20", "20 30"}; !slices.Equal(got, want) {
		t.Fatalf("ew after restart: %q, want %q", got, want)
	}
	if got, want := rowsText(t, e, s, "SELECT * FROM nf ORDER BY id"), []string{"1"}; !slices.Equal(got, want) {
		t.Fatalf("nf after restart: %q, want %q", got, want)
	}
	// Row ids continue after the restart.
	if got, want := rowsText(t, e, s, "SELECT id, changelog_op, rid FROM cl ORDER BY rid"), []string{"1 1 1", "2 1 2", "1 4 3", "1 3 4"}; !slices.Equal(got, want) {
		t.Fatalf("cl after restart: %q, want %q", got, want)
	}
}
