package difftest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/eddysql/eddy"
	"github.com/eddysql/eddy/internal/pgtest"
)

// TestRandomQueries loads the same random data into Eddy and a throwaway
// Postgres and compares the answers to random queries (QueryGen), each
// asked ad hoc (batch) and kept as a materialized view that then follows
// more random changes (stream). Queries Postgres rejects are skipped (and
// counted); one that Postgres answers must be answered the same by Eddy.
// RANDQ_N sets the number of queries (default 300), RANDQ_SEED the seed.
func TestRandomQueries(t *testing.T) {
	if testing.Short() {
		t.Skip("random query comparison is long; skipped in -short mode")
	}
	n, seed := 300, int64(7)
	if s := os.Getenv("RANDQ_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	if s := os.Getenv("RANDQ_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	ctx := context.Background()
	pg := pgtest.Start(t, pgtest.Options{})
	conn, err := pgx.Connect(ctx, pg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	db, err := eddy.Open(ctx, eddy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	both := func(s string) {
		t.Helper()
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("postgres: %s: %v", s, err)
		}
		if _, err := db.Exec(ctx, s); err != nil {
			t.Fatalf("eddy: %s: %v", s, err)
		}
	}
	for _, s := range Schema {
		both(s)
	}
	gen := NewGen(seed)
	changes := func(batches int) {
		for i := 0; i < batches; i++ {
			for _, s := range gen.Batch() {
				both(s)
			}
			for _, table := range []string{"t1", "t2", "t3", "t4"} {
				ids, err := pgRows(ctx, conn, "SELECT id FROM "+table)
				if err != nil {
					t.Fatal(err)
				}
				live := make([]int, 0, len(ids))
				for _, s := range ids {
					id, _ := strconv.Atoi(s)
					live = append(live, id)
				}
				gen.SetLive(table, live)
			}
		}
		if err := db.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	changes(150)

	qg := NewQueryGen(seed)
	type view struct{ name, query string }
	var views []view
	skipped, failed := 0, 0
	report := func(format string, args ...any) {
		t.Helper()
		failed++
		t.Errorf(format, args...)
		if failed >= 10 {
			t.Fatalf("stopping after %d failures", failed)
		}
	}
	for i := 0; i < n; i++ {
		q := qg.Query()
		want, err := pgRows(ctx, conn, q)
		if err != nil {
			skipped++
			continue
		}
		got, err := eddyRows(ctx, db, q)
		if err != nil {
			report("batch: %s\n  eddy error: %v", q, err)
			continue
		}
		if d := diff(want, got); d != "" {
			report("batch: %s\n%s", q, d)
			continue
		}
		name := fmt.Sprintf("rq_%d", i)
		if _, err := db.Exec(ctx, "CREATE MATERIALIZED VIEW "+name+" AS "+q); err != nil {
			report("create view: %s\n  eddy error: %v", q, err)
			continue
		}
		views = append(views, view{name, q})
	}
	check := func(when string) {
		t.Helper()
		for _, v := range views {
			want, err := pgRows(ctx, conn, v.query)
			if err != nil {
				t.Fatalf("postgres: %s: %v", v.query, err)
			}
			got, err := eddyRows(ctx, db, "SELECT * FROM "+v.name)
			if err != nil {
				report("%s: select from view %s: %v", when, v.query, err)
				continue
			}
			if d := diff(want, got); d != "" {
				report("%s: view %s\n%s", when, v.query, d)
			}
		}
	}
	if err := db.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	check("after backfill")
	for round := 1; round <= 3; round++ {
		changes(40)
		check(fmt.Sprintf("after change round %d", round))
	}
	t.Logf("%d queries: %d compared (batch and view), %d rejected by Postgres", n, len(views), skipped)
}
