package main

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eddysql/eddy"
	"github.com/eddysql/eddy/eddytest"
	"github.com/eddysql/eddy/internal/pgtest"
	"github.com/eddysql/eddy/types"
)

// referenceMVs returns the two materialized views of the reference
// pipeline exactly as written in ../shared/examples/recommendations.sql
// (pipeline.sql is a copy).
func referenceMVs(t testing.TB) (trending, recs string) {
	t.Helper()
	b, err := os.ReadFile("pipeline.sql")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	i := strings.Index(src, "CREATE MATERIALIZED VIEW trending_products")
	j := strings.Index(src, "CREATE MATERIALIZED VIEW user_recommendations")
	k := strings.Index(src, "-- Redis: user_id")
	if i < 0 || j < 0 || k < 0 {
		t.Fatal("pipeline.sql: materialized views not found")
	}
	trending = strings.TrimSpace(src[i:j])
	trending = strings.TrimSpace(trending[:strings.LastIndex(trending, ";")+1])
	recs = strings.TrimSpace(src[j:k])
	return trending, recs
}

// The two sources of the pipeline, as tables with the same columns.
const tablesDDL = `
CREATE TABLE user_activity_stream (event_type VARCHAR, user_id INT, product_id VARCHAR, timestamp TIMESTAMP);
CREATE TABLE product_catalog (product_id VARCHAR, name VARCHAR, category VARCHAR, price DOUBLE PRECISION, description VARCHAR, image_url VARCHAR);
`

// pgQueries are the same views as plain Postgres queries: TUMBLE becomes
// date_trunc('hour', timestamp), NOW() a fixed literal.
func pgQueries(trending, recs string, now time.Time) (string, string) {
	tq := strings.TrimPrefix(trending, "CREATE MATERIALIZED VIEW trending_products AS")
	tq = strings.Replace(tq, `SELECT
        window_start,
        product_id,
        COUNT(*) AS view_count
    FROM
        TUMBLE(user_activity_stream, timestamp, INTERVAL '1 hour')
    WHERE event_type = 'page_view'
    GROUP BY window_start, product_id`, `SELECT
        date_trunc('hour', timestamp) AS window_start,
        product_id,
        COUNT(*) AS view_count
    FROM user_activity_stream
    WHERE event_type = 'page_view'
    GROUP BY 1, 2`, 1)
	rq := strings.TrimPrefix(recs, "CREATE MATERIALIZED VIEW user_recommendations AS")
	rq = strings.ReplaceAll(rq, "NOW()", "'"+now.UTC().Format("2006-01-02 15:04:05.999999")+"+00'::timestamptz")
	return strings.TrimSuffix(strings.TrimSpace(tq), ";"), strings.TrimSuffix(strings.TrimSpace(rq), ";")
}

// canonRows renders rows as sorted lines; array values become their
// elements sorted (array_agg's order is unspecified).
func canonRows(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			if strings.HasPrefix(c, "{") && strings.HasSuffix(c, "}") {
				els := strings.Split(strings.Trim(c, "{}"), ",")
				sort.Strings(els)
				c = "{" + strings.Join(els, ",") + "}"
			}
			cells[i] = c
		}
		out = append(out, strings.Join(cells, " | "))
	}
	sort.Strings(out)
	return out
}

func eddyText(t testing.TB, db *eddy.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out [][]string
	for rows.Next() {
		vals := rows.Values()
		txt := rows.Text()
		for i := range txt {
			if vals[i] == nil {
				txt[i] = "NULL"
			}
		}
		out = append(out, txt)
	}
	return canonRows(out)
}

func pgText(t testing.TB, conn *pgx.Conn, q string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatalf("postgres: %v\n%s", err, q)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var r []string
		for _, b := range rows.RawValues() {
			if b == nil {
				r = append(r, "NULL")
			} else {
				r = append(r, string(b))
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return canonRows(out)
}

func sameLines(a, b []string) string {
	if strings.Join(a, "\n") == strings.Join(b, "\n") {
		return ""
	}
	in := map[string]int{}
	for _, x := range a {
		in[x]++
	}
	for _, x := range b {
		in[x]--
	}
	var d []string
	for k, v := range in {
		if v > 0 {
			d = append(d, fmt.Sprintf("  eddy only (%d): %s", v, k))
		} else if v < 0 {
			d = append(d, fmt.Sprintf("  postgres only (%d): %s", -v, k))
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// TestReferenceMVsAgainstPostgres runs the pipeline's two MVs, as written,
// over tables, with a virtual clock, and after every step compares both
// with Postgres running the equivalent queries.
func TestReferenceMVsAgainstPostgres(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.Start(t, pgtest.Options{})
	conn, err := pgx.Connect(ctx, pg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	db, clock := eddytest.Open(t)
	trending, recs := referenceMVs(t)
	both := func(sql string) {
		t.Helper()
		if _, err := db.Exec(ctx, sql); err != nil {
			t.Fatalf("eddy: %v\n%s", err, sql)
		}
		if _, err := conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("postgres: %v\n%s", err, sql)
		}
	}
	both(tablesDDL)
	eddytest.Exec(t, db, trending)
	eddytest.Exec(t, db, recs)

	rng := rand.New(rand.NewSource(7))
	cats := []string{"books", "games", "music", "garden", "toys"}
	nProducts := 40
	var prodRows []string
	for p := 0; p < nProducts; p++ {
		prodRows = append(prodRows, fmt.Sprintf("('p%d', 'Product %d', '%s', %d.5, 'd', 'u')", p, p, cats[rng.Intn(len(cats))], p))
	}
	both("INSERT INTO product_catalog VALUES " + strings.Join(prodRows, ", "))
	events := func(n int, spread time.Duration) {
		var rows []string
		now := clock.Now()
		for i := 0; i < n; i++ {
			typ := "page_view"
			if rng.Intn(5) == 0 {
				typ = "add_to_cart"
			}
			ts := now.Add(-time.Duration(rng.Int63n(int64(spread))))
			// Some timestamps exactly on the 24-hour boundary.
			if rng.Intn(40) == 0 {
				ts = now.Add(-24 * time.Hour)
			}
			rows = append(rows, fmt.Sprintf("('%s', %d, 'p%d', '%s')", typ, rng.Intn(25), rng.Intn(nProducts+3), ts.Format("2006-01-02 15:04:05.999999")))
		}
		both("INSERT INTO user_activity_stream VALUES " + strings.Join(rows, ", "))
	}
	check := func(step string) {
		t.Helper()
		if err := db.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		tq, rq := pgQueries(trending, recs, clock.Now())
		if d := sameLines(eddyText(t, db, "SELECT * FROM trending_products"), pgText(t, conn, tq)); d != "" {
			t.Fatalf("%s: trending_products differs from Postgres:\n%s", step, d)
		}
		got, want := eddyText(t, db, "SELECT * FROM user_recommendations"), pgText(t, conn, rq)
		if d := sameLines(got, want); d != "" {
			t.Fatalf("%s: user_recommendations differs from Postgres:\n%s", step, d)
		}
		if len(want) == 0 && step != "advanced 49h" {
			t.Fatalf("%s: empty recommendations; the test data is too thin", step)
		}
	}
	events(400, 30*time.Hour)
	check("initial events")

	// Catalog churn: products change category, some disappear, some come.
	both("UPDATE product_catalog SET category = 'music' WHERE product_id IN ('p1', 'p2', 'p3', 'p7')")
	check("category update")
	both("DELETE FROM product_catalog WHERE product_id IN ('p4', 'p9', 'p11')")
	check("product delete")
	both("INSERT INTO product_catalog VALUES ('p40', 'New', 'toys', 1, 'd', 'u'), ('p41', 'New', 'books', 2, 'd', 'u')")
	check("product insert")
	// Removing viewed events changes rankings and the NOT IN exclusion.
	both("DELETE FROM user_activity_stream WHERE user_id = 3 AND product_id IN ('p5', 'p6', 'p8')")
	check("event delete")

	for i, step := range []time.Duration{time.Hour, 5 * time.Hour, 12 * time.Hour, 7 * time.Hour} {
		clock.Advance(step)
		events(100, 3*time.Hour)
		check(fmt.Sprintf("advance %d", i))
	}
	// Past 24 h of silence every recent view expires.
	clock.Advance(25 * time.Hour)
	check("advanced 49h")
	if n := eddyText(t, db, "SELECT count(*) FROM user_recommendations"); n[0] != "0" {
		t.Fatalf("recommendations left after 25 h without events: %v", n)
	}
	_ = types.Int64
}
