package difftest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/eddysql/eddy"
	"github.com/eddysql/eddy/internal/pgtest"
)

// batches returns how many random batches to run: 1,000 by default
// (the target), DIFFTEST_BATCHES to change it. On a failure,
// DIFFTEST_DUMP=FILE writes the schema and every statement so far to FILE.
func batches() int {
	if s := os.Getenv("DIFFTEST_BATCHES"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
	}
	return 1000
}

func pgRows(ctx context.Context, conn *pgx.Conn, q string) ([]string, error) {
	rows, err := conn.Query(ctx, q, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]*string
	for rows.Next() {
		raw := rows.RawValues()
		r := make([]*string, len(raw))
		for i, b := range raw {
			if b != nil {
				s := string(b)
				r[i] = &s
			}
		}
		out = append(out, r)
	}
	return Canon(out), rows.Err()
}

func eddyRows(ctx context.Context, db *eddy.DB, q string) ([]string, error) {
	rows, err := db.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	var out [][]*string
	for rows.Next() {
		vals := rows.Values()
		text := rows.Text()
		r := make([]*string, len(text))
		for i := range text {
			if vals[i] != nil {
				r[i] = &text[i]
			}
		}
		out = append(out, r)
	}
	return Canon(out), rows.Err()
}

// refreshLive tells gen which ids each table holds now, as Postgres says
// (predicate deletes remove ids gen cannot track).
func refreshLive(ctx context.Context, t *testing.T, conn *pgx.Conn, gen *Gen) {
	t.Helper()
	for _, table := range Tables {
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

func diff(a, b []string) string {
	in := map[string]int{}
	for _, s := range a {
		in[s]++
	}
	for _, s := range b {
		in[s]--
	}
	var lines []string
	for s, n := range in {
		switch {
		case n > 0:
			lines = append(lines, fmt.Sprintf("  only in postgres (x%d): %s", n, s))
		case n < 0:
			lines = append(lines, fmt.Sprintf("  only in eddy     (x%d): %s", -n, s))
		}
	}
	return strings.Join(lines, "\n")
}

// TestDifferentialPostgres applies the same random DML batches to Eddy and
// to a throwaway PostgreSQL, and after every batch compares each MV with
// Postgres's answer to the MV's query. One set of MVs exists before any
// data (the incremental path); a second set is created a third of the way
// through (the backfill path).
func TestDifferentialPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test is long; skipped in -short mode")
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

	for _, s := range Schema {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("postgres: %s: %v", s, err)
		}
		if _, err := db.Exec(ctx, s); err != nil {
			t.Fatalf("eddy: %s: %v", s, err)
		}
	}
	type view struct{ name, query string }
	var views []view
	createViews := func(prefix string) {
		for i, q := range Queries {
			name := fmt.Sprintf("%s%d", prefix, i)
			if _, err := db.Exec(ctx, fmt.Sprintf("CREATE MATERIALIZED VIEW %s AS %s", name, q)); err != nil {
				t.Errorf("eddy: create %s AS %s: %v", name, q, err)
				continue
			}
			views = append(views, view{name, q})
		}
	}
	createViews("mv_")
	if t.Failed() {
		t.FailNow()
	}

	gen := NewGen(42)
	n := batches()
	var history []string
	for b := 1; b <= n; b++ {
		if b == n/3 {
			createViews("mvb_")
		}
		stmts := gen.Batch()
		for _, s := range stmts {
			history = append(history, s)
			if _, err := conn.Exec(ctx, s); err != nil {
				t.Fatalf("postgres: %s: %v", s, err)
			}
			if _, err := db.Exec(ctx, s); err != nil {
				t.Fatalf("batch %d: eddy: %s: %v", b, s, err)
			}
		}
		refreshLive(ctx, t, conn, gen)
		if err := db.Flush(ctx); err != nil {
			t.Fatalf("flush: %v", err)
		}
		for _, v := range views {
			want, err := pgRows(ctx, conn, v.query)
			if err != nil {
				t.Fatalf("postgres: %s: %v", v.query, err)
			}
			got, err := eddyRows(ctx, db, "SELECT * FROM "+v.name)
			if err != nil {
				t.Fatalf("eddy: select from %s: %v", v.name, err)
			}
			if d := diff(want, got); d != "" {
				t.Errorf("batch %d: %s (%s) differs from postgres:\n%s", b, v.name, v.query, d)
			}
		}
		if t.Failed() {
			tail := history
			if len(tail) > 20 {
				tail = tail[len(tail)-20:]
			}
			if path := os.Getenv("DIFFTEST_DUMP"); path != "" {
				// The whole history, to replay the failure elsewhere.
				script := strings.Join(append(append([]string{}, Schema...), history...), ";\n") + ";\n"
				if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
					t.Errorf("DIFFTEST_DUMP: %v", err)
				}
			}
			t.Fatalf("stopping at batch %d; last statements:\n  %s", b, strings.Join(tail, "\n  "))
		}
	}
	t.Logf("%d batches, %d views, all equal to postgres", n, len(views))
}
