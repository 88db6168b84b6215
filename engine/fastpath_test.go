package engine

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// runBoth runs sql with the fast paths on and off (on twin engines) and
// returns both outcomes as text.
func fastSlow(t *testing.T, setup []string, stmts []string, check string) {
	t.Helper()
	ctx := context.Background()
	out := [2][]string{}
	for mode := 0; mode < 2; mode++ {
		e, err := Open(ctx, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s := NewSession()
		for _, q := range setup {
			if _, err := e.Exec(ctx, s, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		noFastPaths = mode == 1
		for _, q := range append(append([]string{}, stmts...), "FLUSH", check) {
			rs, err := e.Exec(ctx, s, q)
			if err != nil {
				se := sqlerr.As(err)
				out[mode] = append(out[mode], fmt.Sprintf("%s: ERROR %s %s", q, se.Code, se.Message))
				continue
			}
			for _, r := range rs {
				var rows []string
				for _, row := range r.Rows {
					var f []string
					for i, d := range row {
						f = append(f, fmt.Sprintf("%T:%s", d, types.FormatTextTyped(d, r.Columns[i].Type)))
					}
					rows = append(rows, strings.Join(f, "|"))
				}
				sort.Strings(rows)
				out[mode] = append(out[mode], fmt.Sprintf("%s: %s %v %v", q, r.Tag, r.Columns, rows))
			}
		}
		noFastPaths = false
		e.Close()
	}
	if !reflect.DeepEqual(out[0], out[1]) {
		for i := range max(len(out[0]), len(out[1])) {
			var a, b string
			if i < len(out[0]) {
				a = out[0][i]
			}
			if i < len(out[1]) {
				b = out[1][i]
			}
			if a != b {
				t.Errorf("fast: %s\nslow: %s", a, b)
			}
		}
	}
}

func TestInsertValuesFastPathMatchesPlanner(t *testing.T) {
	setup := []string{
		`CREATE TABLE t (a smallint, b int, c bigint, d real, e double precision, f numeric, g varchar, h boolean,
			i date, j timestamp, k timestamptz, l interval, m jsonb, n bytea, o int[])`,
		`CREATE TABLE p (id int PRIMARY KEY, v varchar)`,
		`CREATE TABLE ao (x bigint, y varchar) APPEND ONLY`,
		`SET TimeZone = 'America/New_York'`,
	}
	stmts := []string{
		`INSERT INTO t VALUES (1, 2, 3, 4, 5, 6, 'x', true, '2020-01-02', '2020-01-02 03:04:05', '2020-01-02 03:04:05', '1 day', '{"a":1}', '\x0102', '{1,2}')`,
		`INSERT INTO t VALUES (-1, -2147483648, 9223372036854775807, 1.5, 2.25, 3.125, '', false, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
		`INSERT INTO t VALUES (DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT)`,
		`INSERT INTO t (c, a) VALUES (10, 20), (30, 40), (NULL, NULL)`,
		`INSERT INTO t (b) VALUES (2.5), (3.5), ('7'), (7::bigint), ('8'::int)`,
		`INSERT INTO t (a) VALUES (40000)`,
		`INSERT INTO t (b) VALUES (3000000000)`,
		`INSERT INTO t (b) VALUES ('abc')`,
		`INSERT INTO t (d, e, f) VALUES (1, 1, 1), (0.1, 0.1, 0.1), ('1e10', '1e300', '1.000'), (16777217, 16777217, 16777217)`,
		`INSERT INTO t (g) VALUES (1), (1.50), (true), ('a''b'), (E'x\ty'), (DATE '2020-02-03')`,
		`INSERT INTO t (h) VALUES ('yes'), ('f'), (NULL::boolean)`,
		`INSERT INTO t (i, j, k) VALUES (DATE '2021-01-01', TIMESTAMP '2021-01-01 10:00', TIMESTAMPTZ '2021-01-01 10:00'), ('2021-06-01'::date, '2021-06-01'::date, '2021-06-01 12:00'::timestamp)`,
		`INSERT INTO t (l) VALUES (INTERVAL '2 hours'), ('3 days'::interval)`,
		`INSERT INTO t (o) VALUES ('{3,4}'), (ARRAY[5,6])`,
		`INSERT INTO t (c) VALUES (1 + 2)`,
		`INSERT INTO t (c) VALUES (now())`,
		`INSERT INTO t (c, c) VALUES (1, 2)`,
		`INSERT INTO t (zz) VALUES (1)`,
		`INSERT INTO t (a, b) VALUES (1)`,
		`INSERT INTO t (a) VALUES (1, 2)`,
		`INSERT INTO t (a) VALUES (1), (1, 2)`,
		`INSERT INTO p VALUES (1, 'a'), (2, 'b'), (1, 'c')`,
		`INSERT INTO p VALUES (NULL, 'x')`,
		`INSERT INTO p (v) VALUES ('no key')`,
		`INSERT INTO p VALUES (DEFAULT, 'x')`,
		`INSERT INTO p VALUES ('3', 'str key'), (4.4, 'rounded')`,
		`INSERT INTO ao VALUES (1, 'a'), (1, 'a'), (2, NULL)`,
		`INSERT INTO ao SELECT x + 10, y FROM ao`,
	}
	before := fastInserts.Load()
	defer func() { t.Logf("%d fast inserts", fastInserts.Load()-before) }()
	fastSlow(t, setup, stmts, "SELECT a, b, c, d, e, f, g, h, i, j, k, l, m, n, o FROM t")
	fastSlow(t, setup, stmts, "SELECT * FROM p")
	fastSlow(t, setup, stmts, "SELECT * FROM ao")
}

func TestPointQueryFastPathMatchesPlanner(t *testing.T) {
	setup := []string{
		`CREATE TABLE p (id int PRIMARY KEY, v varchar, w bigint)`,
		`CREATE TABLE s (name varchar, n smallint, x double precision, PRIMARY KEY (name, n))`,
		`CREATE TABLE b (f boolean PRIMARY KEY, c int)`,
		`CREATE TABLE nk (a int, b int)`,
		`CREATE MATERIALIZED VIEW mv AS SELECT id, v, w * 2 AS w2 FROM p`,
		`CREATE MATERIALIZED VIEW agg AS SELECT v, count(*) AS n FROM p GROUP BY v`,
		`INSERT INTO p VALUES (1, 'a', 10), (2, 'b', 20), (3, NULL, NULL), (-4, 'a', 40)`,
		`INSERT INTO s VALUES ('x', 1, 1.5), ('x', 2, 2.5), ('y', 1, NULL)`,
		`INSERT INTO b VALUES (true, 1)`,
		`INSERT INTO nk VALUES (1, 2)`,
		`FLUSH`,
	}
	queries := []string{
		`SELECT * FROM p WHERE id = 1`,
		`SELECT * FROM p WHERE id = 5`,
		`SELECT v, id FROM p WHERE id = -4`,
		`SELECT v AS vv, p.w, id AS "ID" FROM p WHERE 2 = id`,
		`SELECT q.v FROM p AS q WHERE q.id = 2`,
		`SELECT q.* FROM p q WHERE id = 3`,
		`SELECT *, v FROM public.p WHERE id = 3`,
		`SELECT * FROM p WHERE id = 3000000000`,
		`SELECT * FROM p WHERE id = '2'`,
		`SELECT * FROM p WHERE id = 2.0`,
		`SELECT * FROM p WHERE id = NULL`,
		`SELECT * FROM p WHERE id = 1 AND v = 'a'`,
		`SELECT * FROM p WHERE id = 1 AND id = 1`,
		`SELECT * FROM p WHERE id = 1 LIMIT 0`,
		`SELECT nope FROM p WHERE id = 1`,
		`SELECT * FROM nope WHERE id = 1`,
		`SELECT * FROM mv WHERE id = 2`,
		`SELECT w2 FROM mv WHERE id = 3`,
		`SELECT * FROM agg WHERE v = 'a'`,
		`SELECT n FROM agg WHERE v = 'zz'`,
		`SELECT * FROM s WHERE name = 'x' AND n = 2`,
		`SELECT * FROM s WHERE n = 1 AND name = 'y'`,
		`SELECT * FROM s WHERE name = 'x'`,
		`SELECT * FROM s WHERE name = 'x' AND n = 70000`,
		`SELECT * FROM b WHERE f = true`,
		`SELECT * FROM b WHERE f = false`,
		`SELECT * FROM nk WHERE a = 1`,
		`SELECT * FROM nk WHERE _row_id = 1`,
		`SELECT * FROM P WHERE ID = 1`,
		`SELECT * FROM "P" WHERE id = 1`,
		`SELECT * FROM pg_tables WHERE tablename = 'p'`,
	}
	before := fastPointQueries.Load()
	defer func() { t.Logf("%d fast point queries", fastPointQueries.Load()-before) }()
	for _, q := range queries {
		fastSlow(t, setup, nil, q)
	}
}
