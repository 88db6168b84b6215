package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eddysql/eddy"
	"github.com/eddysql/eddy/examples/recommendations/recsim"
	"github.com/eddysql/eddy/internal/pgtest"
)

const pgProductsDDL = `CREATE TABLE products (
    product_id VARCHAR PRIMARY KEY, name VARCHAR, category VARCHAR,
    price DOUBLE PRECISION, description VARCHAR, image_url VARCHAR)`

const catalogColumns = `(
    product_id VARCHAR,
    name VARCHAR,
    category VARCHAR,
    price DOUBLE PRECISION,
    description VARCHAR,
    image_url VARCHAR,
    PRIMARY KEY (product_id)
)`

// cdcPipeline is the reference pipeline with its catalog from Postgres
// CDC: the product_catalog source becomes a CDC table (shared-source form
// or single-table form); everything else is as written.
func cdcPipeline(t *testing.T, brokers, redisAddr string, port int, shared bool) string {
	t.Helper()
	sql := pipelineSQL(t, brokers, redisAddr)
	i := strings.Index(sql, "-- Product catalog stream")
	j := strings.Index(sql, "-- Top 10 most viewed")
	conn := fmt.Sprintf("connector = 'postgres-cdc', hostname = '127.0.0.1', port = '%d', username = 'postgres', database.name = 'postgres'", port)
	var cat string
	if shared {
		cat = fmt.Sprintf("CREATE SOURCE pg WITH (%s, slot.name = 'eddy_shared');\n"+
			"CREATE TABLE product_catalog %s FROM pg TABLE 'public.products';\n\n", conn, catalogColumns)
	} else {
		cat = fmt.Sprintf("CREATE TABLE product_catalog %s WITH (%s, table.name = 'products', slot.name = 'eddy_single');\n\n", catalogColumns, conn)
	}
	return sql[:i] + cat + sql[j:]
}

func pgCatalog(t *testing.T, conn *pgx.Conn) []recsim.Product {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT product_id, name, category, price, description, image_url FROM products")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []recsim.Product
	for rows.Next() {
		var p recsim.Product
		if err := rows.Scan(&p.ProductID, &p.Name, &p.Category, &p.Price, &p.Description, &p.ImageURL); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// TestPostgresCDCCatalog runs the pipeline with the catalog replicated from
// Postgres (both CDC forms), changes the catalog upstream, and compares the
// views and Redis with the recomputation.
func TestPostgresCDCCatalog(t *testing.T) {
	for _, shared := range []bool{true, false} {
		name := "single-table"
		if shared {
			name = "shared-source"
		}
		t.Run(name, func(t *testing.T) { testCDCCatalog(t, shared) })
	}
}

func testCDCCatalog(t *testing.T, shared bool) {
	ctx := context.Background()
	pg := pgtest.Start(t, pgtest.Options{Logical: true})
	conn, err := pgx.Connect(ctx, pg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, pgProductsDDL); err != nil {
		t.Fatal(err)
	}
	for _, p := range recsim.Catalog(30) {
		if _, err := conn.Exec(ctx, "INSERT INTO products VALUES ($1, $2, $3, $4, $5, $6)", p.ProductID, p.Name, p.Category, p.Price, p.Description, p.ImageURL); err != nil {
			t.Fatal(err)
		}
	}
	brokers := newKafka(t)
	redisAddr := startRedis(t)
	db, err := eddy.Open(ctx, eddy.Options{BarrierInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, cdcPipeline(t, brokers, redisAddr, pg.Port, shared)); err != nil {
		t.Fatal(err)
	}
	g := recsim.NewGenerator(5, 15, 30)
	var events []recsim.Event
	for i := 0; i < 400; i++ {
		events = append(events, g.Next())
	}
	produceJSON(t, brokers, "user_activity", events)
	waitViews(t, dbQuerier(db), events, pgCatalog(t, conn), 30*time.Second)

	// Catalog changes upstream flow through the views.
	for _, stmt := range []string{
		"UPDATE products SET category = 'music' WHERE product_id IN ('p1', 'p2', 'p3')",
		"DELETE FROM products WHERE product_id IN ('p4', 'p5')",
		"INSERT INTO products VALUES ('p31', 'New', 'toys', 1, 'd', 'u'), ('p32', 'New', 'books', 2, 'd', 'u')",
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
		waitViews(t, dbQuerier(db), events, pgCatalog(t, conn), 30*time.Second)
	}
	waitRedis(t, redisAddr, events, pgCatalog(t, conn), 30*time.Second)
}
