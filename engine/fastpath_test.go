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

// TestLookupParamsMatchesExecParams checks the cached-template lookup
// against a fresh planner run for every key, and that it stands aside
// when there is no template or the relation was replaced.
func TestLookupParamsMatchesExecParams(t *testing.T) {
	ctx := context.Background()
	e, err := Open(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := NewSession()
	for _, q := range []string{
		`CREATE TABLE p (id int PRIMARY KEY, v varchar, w bigint)`,
		`CREATE TABLE c (a varchar, b smallint, x double precision, PRIMARY KEY (a, b))`,
		`CREATE MATERIALIZED VIEW mv AS SELECT id, v, w * 2 AS w2 FROM p`,
		`INSERT INTO p VALUES (1, 'a', 10), (2, NULL, 20), (3, 'c', NULL)`,
		`INSERT INTO c VALUES ('x', 1, 1.5), ('x', 2, NULL)`,
		`FLUSH`,
	} {
		if _, err := e.Exec(ctx, s, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	type call struct {
		sql    string
		params []types.Datum
		ts     []types.Type
	}
	i16, i32, i64, vc := types.Int16, types.Int32, types.Int64, types.Varchar
	calls := []call{
		{`SELECT * FROM p WHERE id = $1`, []types.Datum{int64(1)}, []types.Type{i32}},
		{`SELECT * FROM p WHERE id = $1`, []types.Datum{int64(2)}, []types.Type{i32}},
		{`SELECT * FROM p WHERE id = $1`, []types.Datum{int64(9)}, []types.Type{i32}},
		{`SELECT * FROM p WHERE id = $1`, []types.Datum{nil}, []types.Type{i32}},
		{`SELECT * FROM p WHERE id = $1`, []types.Datum{int64(3)}, []types.Type{i64}},
		{`SELECT * FROM p WHERE id = $1`, []types.Datum{"3"}, nil},
		{`SELECT * FROM p WHERE id = $1`, []types.Datum{"x"}, nil},
		{`SELECT * FROM p WHERE id = $1`, []types.Datum{int64(3000000000)}, []types.Type{i64}},
		{`SELECT * FROM p WHERE id = $1`, []types.Datum{int64(3000000000)}, []types.Type{i32}},
		{`SELECT * FROM p WHERE id = $1`, []types.Datum{int64(-2147483648)}, []types.Type{i32}},
		{`SELECT w2, id FROM mv WHERE id = $1`, []types.Datum{int64(1)}, []types.Type{i32}},
		{`SELECT w2, id FROM mv WHERE id = $1`, []types.Datum{int64(3)}, []types.Type{i32}},
		{`SELECT w2, id FROM mv WHERE id = $1`, []types.Datum{int64(3)}, []types.Type{i64}},
		{`SELECT v FROM p WHERE id = $1 AND v = 'a'`, []types.Datum{int64(1)}, []types.Type{i32}},
		{`SELECT v FROM p WHERE id = $1 AND v = 'a'`, []types.Datum{int64(2)}, []types.Type{i32}},
		{`SELECT id + 1 FROM p WHERE id = $1`, []types.Datum{int64(2)}, []types.Type{i32}},
		{`SELECT * FROM p WHERE id = $1 LIMIT 0`, []types.Datum{int64(1)}, []types.Type{i32}},
		{`SELECT x FROM c WHERE a = $1 AND b = $2`, []types.Datum{"x", int64(1)}, []types.Type{vc, i16}},
		{`SELECT x FROM c WHERE b = $2 AND a = $1`, []types.Datum{"x", int64(2)}, []types.Type{vc, i16}},
		{`SELECT x FROM c WHERE a = $1 AND b = $2`, []types.Datum{"y", int64(1)}, []types.Type{vc, i16}},
	}
	show := func(rs []*Result, err error) string {
		if err != nil {
			se := sqlerr.As(err)
			return "ERROR " + se.Code + " " + se.Message
		}
		var b strings.Builder
		for _, r := range rs {
			fmt.Fprintf(&b, "%s %v", r.Tag, r.Columns)
			for _, row := range r.Rows {
				for i, d := range row {
					fmt.Fprintf(&b, " %T:%s", d, types.FormatTextTyped(d, r.Columns[i].Type))
				}
				b.WriteString(";")
			}
		}
		return b.String()
	}
	fast := 0
	for round := 0; round < 2; round++ {
		for _, c := range calls {
			noFastPaths = true
			want := show(e.ExecParams(ctx, s, c.sql, c.params, c.ts))
			noFastPaths = false
			if round == 0 {
				// The first run of a text plans it and caches the template.
				if _, err := e.ExecParams(ctx, s, c.sql, c.params, c.ts); err != nil && want[:5] != "ERROR" {
					t.Fatalf("%s: %v", c.sql, err)
				}
			}
			r, ok, err := e.LookupParams(s, c.sql, c.params, c.ts)
			if !ok {
				t.Logf("not fast: %s %v", c.sql, c.params)
				continue
			}
			fast++
			var rs []*Result
			if r != nil {
				rs = []*Result{r}
			}
			if got := show(rs, err); got != want {
				t.Errorf("%s %v:\nfast: %s\nslow: %s", c.sql, c.params, got, want)
			}
		}
	}
	if fast < 20 {
		t.Errorf("only %d lookups took the fast path", fast)
	}
	if _, ok, _ := e.LookupParams(s, `SELECT * FROM p WHERE id = $1 /* never run */`, []types.Datum{int64(1)}, []types.Type{i32}); ok {
		t.Error("LookupParams answered a statement that was never planned")
	}
	// A replaced relation invalidates its templates.
	for _, q := range []string{`DROP MATERIALIZED VIEW mv`, `CREATE MATERIALIZED VIEW mv AS SELECT id, v, w * 3 AS w2 FROM p`, `FLUSH`} {
		if _, err := e.Exec(ctx, s, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, ok, _ := e.LookupParams(s, `SELECT w2, id FROM mv WHERE id = $1`, []types.Datum{int64(1)}, []types.Type{i32}); ok {
		t.Error("LookupParams used the template of a dropped view")
	}
	rs, err := e.ExecParams(ctx, s, `SELECT w2, id FROM mv WHERE id = $1`, []types.Datum{int64(1)}, []types.Type{i32})
	if err != nil || len(rs) != 1 || len(rs[0].Rows) != 1 || rs[0].Rows[0][0] != int64(30) {
		t.Fatalf("after re-creating the view: %v %v", rs, err)
	}
}
