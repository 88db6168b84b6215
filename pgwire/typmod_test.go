package pgwire_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestTypeModsRowDescription checks the type modifiers of result columns
// over the wire (RowDescription) for ad-hoc queries, views and materialized
// views, and psql's \d of a view. Expected values from PostgreSQL 15.
func TestTypeModsRowDescription(t *testing.T) {
	ts := startServer(t, nil)
	conn := ts.connect(t, pgx.QueryExecModeSimpleProtocol)
	for _, q := range []string{
		"CREATE TABLE tv (id int PRIMARY KEY, price numeric(10,2), name varchar(3), ts timestamp(0), t2 time(3))",
		"CREATE VIEW vv AS SELECT price, price::numeric(5,1) AS p2, price+1 AS p3, name, ts, t2, id FROM tv",
		"CREATE MATERIALIZED VIEW mvv AS SELECT price, name::varchar(2) AS n2, ts::timestamp(2) AS ts2, CAST(id AS numeric(4)) AS idn FROM tv",
	} {
		mustExec(t, conn, q)
	}
	cases := []struct{ query, want string }{
		{"SELECT price, price + 1 AS p3, name, ts, t2, id, price::numeric(5,1) AS p2 FROM tv",
			"price:1700:655366 p3:1700:-1 name:1043:7 ts:1114:0 t2:1083:3 id:23:-1 p2:1700:327685"},
		{"SELECT * FROM vv", "price:1700:655366 p2:1700:327685 p3:1700:-1 name:1043:7 ts:1114:0 t2:1083:3 id:23:-1"},
		{"SELECT * FROM mvv", "price:1700:655366 n2:1043:6 ts2:1114:2 idn:1700:262148"},
		{"SELECT price FROM tv UNION ALL SELECT 1.5", "price:1700:-1"},
		{"SELECT name, price FROM tv WHERE id = 1", "name:1043:7 price:1700:655366"},
		{"SELECT max(price) AS m, name FROM tv GROUP BY name", "m:1700:-1 name:1043:7"},
	}
	for _, mode := range modes {
		conn := ts.connect(t, mode)
		for _, c := range cases {
			rows, err := conn.Query(context.Background(), c.query)
			if err != nil {
				t.Fatalf("%v %s: %v", mode, c.query, err)
			}
			var got []string
			for _, f := range rows.FieldDescriptions() {
				got = append(got, fmt.Sprintf("%s:%d:%d", f.Name, f.DataTypeOID, f.TypeModifier))
			}
			rows.Close()
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("%v %s:\n got %s\nwant %s", mode, c.query, g, c.want)
			}
		}
	}
	out := runPsql(t, ts, "", "-v", "ON_ERROR_STOP=1", "-c", `\d vv`)
	for _, w := range []string{"numeric(10,2)", "numeric(5,1)", "character varying(3)", "timestamp(0) without time zone", "time(3) without time zone"} {
		if !strings.Contains(out, w) {
			t.Errorf(`\d vv lacks %q:`+"\n%s", w, out)
		}
	}
}
