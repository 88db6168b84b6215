package pgwire_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestPsqlCatalog runs psql's describe commands against the server: they
// query pg_catalog and must answer without errors.
func TestPsqlCatalog(t *testing.T) {
	ts := startServer(t, nil)
	ctx := context.Background()
	for _, q := range []string{
		"CREATE TABLE orders (id int PRIMARY KEY, customer varchar, amount double precision)",
		"CREATE MATERIALIZED VIEW per_customer AS SELECT customer, sum(amount) AS total FROM orders GROUP BY customer",
		"CREATE VIEW big AS SELECT id, amount FROM orders WHERE amount > 100",
		"CREATE INDEX orders_customer ON orders(customer)",
	} {
		if _, err := ts.eng.Exec(ctx, nil, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	cases := []struct {
		cmd  string
		want []string
	}{
		{`\d`, []string{"List of relations", "orders", "per_customer", "big", "table", "materialized view", "view"}},
		{`\dt`, []string{"orders", "table"}},
		{`\dv`, []string{"big", "view"}},
		{`\dm`, []string{"per_customer", "materialized view"}},
		{`\di`, []string{"orders_customer", "orders_pkey"}},
		{`\d orders`, []string{`Table "public.orders"`, "customer", "character varying", "double precision", "not null", "Indexes:", `"orders_pkey" PRIMARY KEY, btree (id)`, `"orders_customer" btree (customer)`}},
		{`\d per_customer`, []string{`Materialized view "public.per_customer"`, "total"}},
		{`\d+ big`, []string{`View "public.big"`, "View definition:", "amount > 100"}},
		{`\d orders_customer`, []string{`Index "public.orders_customer"`, "customer"}},
		{`\l`, []string{"dev", "UTF8"}},
		{`\dn`, []string{"public"}},
		{`\du`, []string{"root", "Superuser"}},
		{`\dt pg_catalog.pg_class`, []string{"pg_class"}},
		{`select current_user, current_database(), current_schema(), pg_catalog.pg_table_is_visible(1)`, []string{"root", "dev", "public", " t"}},
		{`select table_name from information_schema.tables where table_schema = 'public' order by 1`, []string{"big", "orders", "per_customer"}},
		{`select column_name, data_type from information_schema.columns where table_name = 'orders' order by ordinal_position`, []string{"id", "integer", "customer", "amount"}},
	}
	for _, c := range cases {
		out := runPsql(t, ts, "", "-v", "ON_ERROR_STOP=1", "-c", c.cmd)
		if strings.Contains(out, "ERROR") {
			t.Errorf("%s: %s", c.cmd, out)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", c.cmd, w, out)
			}
		}
	}
}

// TestNativeParams checks that pgx's extended protocol goes through
// Describe and ExecParams: typed parameters, inferred parameter types,
// values that look like SQL.
func TestNativeParams(t *testing.T) {
	ts := startServer(t, nil)
	ctx := context.Background()
	host, port := ts.hostPort()
	conn, err := pgx.Connect(ctx, "postgres://root@"+host+":"+port+"/dev?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{"CREATE TABLE kv (k int PRIMARY KEY, v varchar, f double precision)", "SET implicit_flush = true"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 5; i++ {
		if _, err := conn.Exec(ctx, "INSERT INTO kv VALUES ($1, $2, $3)", i, "v'"+strings.Repeat("x", i), float64(i)*1.5); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 5; i++ {
		var v string
		var f float64
		if err := conn.QueryRow(ctx, "SELECT v, f FROM kv WHERE k = $1", i).Scan(&v, &f); err != nil {
			t.Fatal(err)
		}
		if v != "v'"+strings.Repeat("x", i) || f != float64(i)*1.5 {
			t.Fatalf("k=%d: %q %v", i, v, f)
		}
	}
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM kv WHERE v = $1 OR f > $2", "x' OR 1=1 --", 6.0).Scan(&n); err != nil || n != 1 {
		t.Fatalf("count = %d, %v (want 1)", n, err)
	}
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM kv LIMIT $1", 1).Scan(&n); err != nil || n != 5 {
		t.Fatalf("limit param: %d %v", n, err)
	}
	sd, err := conn.Prepare(ctx, "s1", "SELECT k FROM kv WHERE k = $1 AND v <> $2")
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.ParamOIDs) != 2 || sd.ParamOIDs[0] != 23 || sd.ParamOIDs[1] != 1043 {
		t.Fatalf("param OIDs %v, want [23 1043]", sd.ParamOIDs)
	}
	if len(sd.Fields) != 1 || string(sd.Fields[0].Name) != "k" {
		t.Fatalf("fields %v", sd.Fields)
	}
}
