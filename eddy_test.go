package eddy_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy"
	"github.com/eddysql/eddy/eddytest"
	"github.com/eddysql/eddy/types"
)

func exec(t *testing.T, db *eddy.DB, sql string, args ...any) {
	t.Helper()
	if _, err := db.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func flush(t *testing.T, db *eddy.DB) {
	t.Helper()
	if err := db.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func expectRows(t *testing.T, db *eddy.DB, query string, want ...string) {
	t.Helper()
	got := eddytest.QueryText(t, db, query)
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got %q\nwant %q", query, got, want)
	}
}

// TestRestart: state, catalog and row ids survive a clean restart, and the
// views continue incrementally afterwards.
func TestRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := eddy.Open(ctx, eddy.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	exec(t, db, "CREATE TABLE t (k int PRIMARY KEY, g varchar, v int)")
	exec(t, db, "CREATE TABLE n (x int)")
	exec(t, db, "CREATE MATERIALIZED VIEW s AS SELECT g, count(*) AS c, sum(v) AS total FROM t GROUP BY g")
	exec(t, db, "CREATE MATERIALIZED VIEW s2 AS SELECT sum(total) AS all_total FROM s")
	exec(t, db, "CREATE MATERIALIZED VIEW j AS SELECT t.k, n.x FROM t JOIN n ON t.v = n.x")
	exec(t, db, "CREATE VIEW big AS SELECT k FROM t WHERE v > 10")
	exec(t, db, "INSERT INTO t VALUES (1, 'a', 10), (2, 'a', 20), (3, 'b', 5)")
	exec(t, db, "INSERT INTO n VALUES (10), (10), (5)")
	flush(t, db)
	before := map[string][]string{}
	queries := []string{
		"SELECT * FROM s ORDER BY g",
		"SELECT * FROM s2",
		"SELECT * FROM j ORDER BY k, x",
		"SELECT * FROM big ORDER BY k",
		"SELECT x FROM n ORDER BY x",
	}
	for _, q := range queries {
		before[q] = eddytest.QueryText(t, db, q)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = eddy.Open(ctx, eddy.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range queries {
		expectRows(t, db, q, before[q]...)
	}
	expectRows(t, db, "SHOW MATERIALIZED VIEWS", "j", "s", "s2")
	// New changes continue incrementally, and new row ids do not collide.
	exec(t, db, "INSERT INTO t VALUES (4, 'b', 100), (1, 'a', 11)")
	exec(t, db, "INSERT INTO n VALUES (5), (100)")
	exec(t, db, "DELETE FROM n WHERE x = 10")
	flush(t, db)
	expectRows(t, db, "SELECT * FROM s ORDER BY g", "a 2 31", "b 2 105")
	expectRows(t, db, "SELECT * FROM s2", "136")
	expectRows(t, db, "SELECT * FROM j ORDER BY k, x", "3 5", "3 5", "4 100")
	expectRows(t, db, "SELECT x FROM n ORDER BY x", "5", "5", "100")
	exec(t, db, "CREATE MATERIALIZED VIEW later AS SELECT count(*) AS c FROM n")
	flush(t, db)
	expectRows(t, db, "SELECT * FROM later", "3")
}

// TestBackfillConcurrentInserts: a view created while rows stream in sees
// every row exactly once.
func TestBackfillConcurrentInserts(t *testing.T) {
	db, _ := eddytest.Open(t)
	ctx := context.Background()
	exec(t, db, "CREATE TABLE t (k int PRIMARY KEY, v int)")
	const n = 2000
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < n; i++ {
			if _, err := db.Exec(ctx, "INSERT INTO t VALUES ($1, $2)", i, i%7); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	time.Sleep(20 * time.Millisecond)
	exec(t, db, "CREATE MATERIALIZED VIEW c AS SELECT count(*) AS n, sum(v) AS s FROM t")
	exec(t, db, "CREATE MATERIALIZED VIEW copy AS SELECT k, v FROM t")
	wg.Wait()
	flush(t, db)
	var sum int
	for i := 0; i < n; i++ {
		sum += i % 7
	}
	expectRows(t, db, "SELECT * FROM c", fmt.Sprintf("%d %d", n, sum))
	expectRows(t, db, "SELECT count(*), count(DISTINCT k) FROM copy", fmt.Sprintf("%d %d", n, n))
}

// TestSubscribe: changes arrive in epoch order, starting with a snapshot,
// and replaying them gives the view's contents.
func TestSubscribe(t *testing.T) {
	db, _ := eddytest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exec(t, db, "CREATE TABLE t (k int PRIMARY KEY, v int)")
	exec(t, db, "CREATE MATERIALIZED VIEW m AS SELECT k, v * 10 AS v10 FROM t WHERE v > 0")
	exec(t, db, "INSERT INTO t VALUES (1, 1), (2, 2)")
	flush(t, db)
	ch, err := db.Subscribe(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	exec(t, db, "INSERT INTO t VALUES (3, 3)")
	flush(t, db)
	exec(t, db, "UPDATE t SET v = 5 WHERE k = 1")
	flush(t, db)
	exec(t, db, "DELETE FROM t WHERE k = 2")
	flush(t, db)

	followUntil(t, ch, map[int64]int64{1: 50, 3: 30})
	cancel()
	for range ch { // closes after cancel
	}
}

// followUntil applies a subscription's changes (key, value rows) to a map
// until it equals want, checking that epochs never go back and that every
// retraction removes the value the map holds.
func followUntil(t *testing.T, ch <-chan []eddy.Change, want map[int64]int64) {
	t.Helper()
	state := map[int64]int64{}
	var lastEpoch uint64
	deadline := time.After(10 * time.Second)
	for !mapsEqual(state, want) {
		select {
		case batch, ok := <-ch:
			if !ok {
				t.Fatal("subscription closed")
			}
			for _, c := range batch {
				if c.Epoch < lastEpoch {
					t.Fatalf("epoch went back: %d after %d", c.Epoch, lastEpoch)
				}
				lastEpoch = c.Epoch
				k, v := c.Row[0].(int64), c.Row[1].(int64)
				if c.Op.IsInsert() {
					state[k] = v
				} else {
					if state[k] != v {
						t.Fatalf("retraction of %d=%d, have %d", k, v, state[k])
					}
					delete(state, k)
				}
			}
		case <-deadline:
			t.Fatalf("state %v, want %v", state, want)
		}
	}
}

// TestSubscribeGroupedView: a view over a grouped aggregation (which reads
// the aggregation's result table) gives its snapshot, then its changes.
func TestSubscribeGroupedView(t *testing.T) {
	db, _ := eddytest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exec(t, db, "CREATE TABLE t (k int PRIMARY KEY, g bigint, v int)")
	exec(t, db, "CREATE MATERIALIZED VIEW m AS SELECT g, count(*) AS n FROM t GROUP BY g")
	exec(t, db, "INSERT INTO t VALUES (1, 10, 1), (2, 10, 2), (3, 20, 3)")
	flush(t, db)
	ch, err := db.Subscribe(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	exec(t, db, "INSERT INTO t VALUES (4, 30, 4)")
	flush(t, db)
	exec(t, db, "UPDATE t SET g = 30 WHERE k = 1")
	flush(t, db)
	exec(t, db, "DELETE FROM t WHERE k = 3")
	flush(t, db)
	followUntil(t, ch, map[int64]int64{10: 1, 30: 2})
	cancel()
	for range ch { // closes after cancel
	}
}

func mapsEqual(a, b map[int64]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestConcurrentSelect: queries see consistent snapshots while writers
// run: the two views over the same table always agree.
func TestConcurrentSelect(t *testing.T) {
	db, _ := eddytest.Open(t)
	ctx := context.Background()
	exec(t, db, "CREATE TABLE t (k int PRIMARY KEY, v int)")
	exec(t, db, "CREATE MATERIALIZED VIEW a AS SELECT count(*) AS n FROM t")
	exec(t, db, "CREATE MATERIALIZED VIEW b AS SELECT k FROM t")
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 500; i++ {
			if _, err := db.Exec(ctx, "INSERT INTO t VALUES ($1, 0)", i); err != nil {
				t.Error(err)
				return
			}
		}
		close(done)
	}()
	for reader := 0; reader < 4; reader++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				rows, err := db.Query(ctx, "SELECT (SELECT n FROM a), (SELECT count(*) FROM b)")
				if err != nil {
					t.Error(err)
					return
				}
				for rows.Next() {
					v := rows.Values()
					if !types.Equal(v[0], v[1]) {
						t.Errorf("inconsistent snapshot: %v vs %v", v[0], v[1])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	flush(t, db)
	expectRows(t, db, "SELECT n FROM a", "500")
}

// TestVirtualClock: NOW() follows the eddytest clock.
func TestVirtualClock(t *testing.T) {
	db, clock := eddytest.Open(t)
	expectRows(t, db, "SELECT now()", "2024-01-01 00:00:00+00")
	clock.Advance(90 * time.Minute)
	expectRows(t, db, "SELECT now()", "2024-01-01 01:30:00+00")
}

// TestErrors: errors carry SQLSTATE codes and positions.
func TestErrors(t *testing.T) {
	db, _ := eddytest.Open(t)
	ctx := context.Background()
	_, err := db.Exec(ctx, "SELECT 1;\nSELEC 2")
	se := asSQLErr(t, err)
	if se.Code != "42601" || se.Position != 11 {
		t.Errorf("got %s at %d: %s", se.Code, se.Position, se.Message)
	}
	_, err = db.Exec(ctx, "SELECT * FROM nowhere")
	if se := asSQLErr(t, err); se.Code != "42P01" {
		t.Errorf("got %s: %s", se.Code, se.Message)
	}
}

func TestWaitFor(t *testing.T) {
	db, _ := eddytest.Open(t)
	exec(t, db, "CREATE TABLE t (x int)")
	exec(t, db, "CREATE MATERIALIZED VIEW m AS SELECT sum(x) AS s FROM t")
	exec(t, db, "INSERT INTO t VALUES (1), (2)")
	eddytest.WaitFor(t, db, "SELECT s FROM m", []string{"3"})
}

var _ = sort.Strings

// TestSessionTimeZone: SET TIME ZONE on a DB changes how its queries read
// and print timestamptz values (Text and Scan into a string), as in
// Postgres.
func TestSessionTimeZone(t *testing.T) {
	db, _ := eddytest.Open(t)
	exec(t, db, "SET TIME ZONE 'America/New_York'")
	rows, err := db.Query(context.Background(), "SELECT '2020-06-01 12:00:00'::timestamptz, '2020-01-15 12:00:00+00'::timestamptz")
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatal("no row")
	}
	if got, want := rows.Text(), []string{"2020-06-01 12:00:00-04", "2020-01-15 07:00:00-05"}; !slices.Equal(got, want) {
		t.Fatalf("Text() = %q, want %q", got, want)
	}
	var a, b string
	if err := rows.Scan(&a, &b); err != nil || a != "2020-06-01 12:00:00-04" || b != "2020-01-15 07:00:00-05" {
		t.Fatalf("Scan: %q %q %v", a, b, err)
	}
}
