package pgwire_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/pgwire"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// sleepyEngine wraps the engine with one extra statement, SELECT
// pg_sleep(seconds), which waits while honouring ctx: the cancel and
// statement_timeout tests need a statement that runs long.
type sleepyEngine struct{ *engine.Engine }

func (s sleepyEngine) Exec(ctx context.Context, sess *engine.Session, q string) ([]*engine.Result, error) {
	low := strings.ToLower(strings.TrimSpace(q))
	if rest, ok := strings.CutPrefix(low, "select pg_sleep("); ok {
		secs, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSuffix(rest, ";"), ")"), 64)
		if err != nil {
			return nil, sqlerr.New(sqlerr.SyntaxError, "bad pg_sleep")
		}
		select {
		case <-time.After(time.Duration(secs * float64(time.Second))):
			return []*engine.Result{{Tag: "SELECT 1", Columns: []types.Column{{Name: "pg_sleep", Type: types.Varchar}}, Rows: []types.Row{{""}}}}, nil
		case <-ctx.Done():
			return nil, sqlerr.Wrap(ctx.Err(), sqlerr.QueryCanceled)
		}
	}
	return s.Engine.Exec(ctx, sess, q)
}

type testServer struct {
	srv  *pgwire.Server
	eng  *engine.Engine
	addr string
}

func startServer(t testing.TB, mod func(*pgwire.Config)) *testServer {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{BarrierInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cfg := pgwire.Config{Engine: sleepyEngine{eng}}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := pgwire.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, pgwire.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		if err := eng.Close(); err != nil {
			t.Errorf("engine close: %v", err)
		}
	})
	return &testServer{srv: srv, eng: eng, addr: ln.Addr().String()}
}

func (ts *testServer) url(user, password string) string {
	host, port, _ := net.SplitHostPort(ts.addr)
	auth := user
	if password != "" {
		auth += ":" + password
	}
	return fmt.Sprintf("postgres://%s@%s:%s/dev?sslmode=disable", auth, host, port)
}

func (ts *testServer) connect(t testing.TB, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(ts.url("root", ""))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func mustExec(t testing.TB, c *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

var modes = []pgx.QueryExecMode{
	pgx.QueryExecModeCacheStatement,
	pgx.QueryExecModeCacheDescribe,
	pgx.QueryExecModeDescribeExec,
	pgx.QueryExecModeExec,
	pgx.QueryExecModeSimpleProtocol,
}

func TestPgxQueryModes(t *testing.T) {
	ts := startServer(t, nil)
	ctx := context.Background()
	setup := ts.connect(t, pgx.QueryExecModeSimpleProtocol)
	mustExec(t, setup, `CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR, price DOUBLE PRECISION, qty BIGINT, ok BOOLEAN,
		amount NUMERIC, day DATE, at TIMESTAMP, atz TIMESTAMPTZ, span INTERVAL, doc JSONB, raw BYTEA, small SMALLINT, r REAL, tags VARCHAR[])`)
	mustExec(t, setup, `INSERT INTO items VALUES
		(1, 'apple', 1.5, 10, true, 12.345, '2024-01-02', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+00', '1 day 02:00:00', '{"a": 1}', '\x0102', 7, 2.5, ARRAY['x','y']),
		(2, 'pear''s', -0.25, -3, false, -0.001, '1999-12-31', '1970-01-01 00:00:00', '2000-01-01 00:00:00+00', '-3 months', '[1, "b"]', '\x', -2, -1.25, '{}'),
		(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`)
	mustExec(t, setup, "FLUSH")

	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			c := ts.connect(t, mode)
			var (
				id     int32
				name   *string
				price  *float64
				qty    *int64
				ok     *bool
				amount *string
				day    *time.Time
				at     *time.Time
				atz    *time.Time
				doc    map[string]any
				raw    []byte
				small  *int16
				r      *float32
				tags   []string
			)
			err := c.QueryRow(ctx, "SELECT id, name, price, qty, ok, amount::varchar, day, at, atz, doc, raw, small, r, tags FROM items WHERE id = $1", 1).
				Scan(&id, &name, &price, &qty, &ok, &amount, &day, &at, &atz, &doc, &raw, &small, &r, &tags)
			if err != nil {
				t.Fatalf("query row: %v", err)
			}
			if id != 1 || *name != "apple" || *price != 1.5 || *qty != 10 || !*ok || *amount != "12.345" || *small != 7 || *r != 2.5 {
				t.Errorf("row 1 = %v %v %v %v %v %v %v %v", id, *name, *price, *qty, *ok, *amount, *small, *r)
			}
			if got := day.Format("2006-01-02"); got != "2024-01-02" {
				t.Errorf("day = %s", got)
			}
			if got := at.Format("2006-01-02 15:04:05.000000"); got != "2024-01-02 03:04:05.123456" {
				t.Errorf("at = %s", got)
			}
			if !atz.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
				t.Errorf("atz = %s", atz)
			}
			if doc["a"] != float64(1) {
				t.Errorf("doc = %v", doc)
			}
			if string(raw) != "\x01\x02" {
				t.Errorf("raw = %x", raw)
			}
			if len(tags) != 2 || tags[0] != "x" || tags[1] != "y" {
				t.Errorf("tags = %v", tags)
			}

			// Numeric and interval through pgx's own types.
			var num pgtypeNumeric
			var span time.Duration
			if err := c.QueryRow(ctx, "SELECT amount, span FROM items WHERE id = 2").Scan(&num.s, &span); err != nil {
				t.Fatalf("numeric: %v", err)
			}
			if num.s != "-0.001" {
				t.Errorf("numeric = %q", num.s)
			}

			// NULLs.
			if err := c.QueryRow(ctx, "SELECT name, price, doc FROM items WHERE id = 3").Scan(&name, &price, &doc); err != nil {
				t.Fatal(err)
			}
			if name != nil || price != nil || doc != nil {
				t.Errorf("nulls: %v %v %v", name, price, doc)
			}

			// Several rows, string parameters with quotes.
			rows, err := c.Query(ctx, "SELECT id, name FROM items WHERE (name = $1 OR id > $2) AND id < 100 ORDER BY id", "pear's", 2)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int32
			for rows.Next() {
				var id int32
				var n *string
				if err := rows.Scan(&id, &n); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(ids) != "[2 3]" {
				t.Errorf("ids = %v", ids)
			}

			// DML with parameters of several types.
			base := 100 + int(mode)*10
			tag, err := c.Exec(ctx, "INSERT INTO items (id, name, price, qty, ok, day, atz) VALUES ($1, $2, $3, $4, $5, $6, $7)",
				base, "new", 2.25, int64(1)<<40, true, time.Date(2023, 5, 6, 0, 0, 0, 0, time.UTC), time.Date(2023, 5, 6, 7, 8, 9, 0, time.UTC))
			if err != nil {
				t.Fatalf("insert: %v", err)
			}
			if tag.RowsAffected() != 1 {
				t.Errorf("tag = %s", tag)
			}
			mustExec(t, c, "FLUSH")
			var q int64
			var p float64
			var d2 time.Time
			if err := c.QueryRow(ctx, "SELECT qty, price, day FROM items WHERE id = $1", base).Scan(&q, &p, &d2); err != nil {
				t.Fatal(err)
			}
			if q != 1<<40 || p != 2.25 || d2.Format("2006-01-02") != "2023-05-06" {
				t.Errorf("inserted row: %d %v %s", q, p, d2)
			}

			// Errors carry SQLSTATE and position.
			_, err = c.Exec(ctx, "SELECT nope FROM items")
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "42703" {
				t.Errorf("undefined column: %v", err)
			}
			// The connection still works after an error.
			var one int32
			if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
				t.Errorf("after error: %v %d", err, one)
			}
		})
	}
}

type pgtypeNumeric struct{ s string }

func TestDatabaseSQL(t *testing.T) {
	ts := startServer(t, nil)
	db, err := sql.Open("pgx", ts.url("root", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, s := range []string{
		"CREATE TABLE t (k INT PRIMARY KEY, v VARCHAR)",
		"CREATE MATERIALIZED VIEW mv AS SELECT v, count(*) AS n FROM t GROUP BY v",
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	for i := range 5 {
		if _, err := db.ExecContext(ctx, "INSERT INTO t VALUES ($1, $2)", i, []string{"a", "b"}[i%2]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, "FLUSH"); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, "SELECT v, n FROM mv ORDER BY v")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var v string
		var n int64
		if err := rows.Scan(&v, &n); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s=%d", v, n))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "a=3,b=2" {
		t.Errorf("mv = %v", got)
	}
	// A prepared statement reused.
	st, err := db.PrepareContext(ctx, "SELECT n FROM mv WHERE v = $1")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, c := range []struct {
		v string
		n int64
	}{{"a", 3}, {"b", 2}} {
		var n int64
		if err := st.QueryRowContext(ctx, c.v).Scan(&n); err != nil || n != c.n {
			t.Errorf("%s: %d %v", c.v, n, err)
		}
	}
	var n int64
	if err := st.QueryRowContext(ctx, "zzz").Scan(&n); !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("missing key: %v", err)
	}
	// Transactions are accepted (each statement runs on its own).
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO t VALUES (10, 'c')"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestSimpleProtocolMultiStatement(t *testing.T) {
	ts := startServer(t, nil)
	ctx := context.Background()
	c := ts.connect(t, pgx.QueryExecModeSimpleProtocol)
	pc := c.PgConn()
	res, err := pc.Exec(ctx, "CREATE TABLE m (a INT PRIMARY KEY); INSERT INTO m VALUES (1), (2); FLUSH; SELECT a FROM m ORDER BY a; ").ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, r := range res {
		tags = append(tags, r.CommandTag.String())
	}
	if got := strings.Join(tags, "|"); got != "CREATE_TABLE|INSERT 0 2|FLUSH|SELECT 2" {
		t.Errorf("tags = %s", got)
	}
	if len(res[3].Rows) != 2 || string(res[3].Rows[1][0]) != "2" {
		t.Errorf("rows = %v", res[3].Rows)
	}
	// Stop at the first error; the error position counts from the start
	// of the whole query string.
	res, err = pc.Exec(ctx, "SELECT 1; SELECT nope FROM m; SELECT 3").ReadAll()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42703" {
		t.Fatalf("err = %v", err)
	}
	if pe.Position != 18 {
		t.Errorf("position = %d, want 18", pe.Position)
	}
	if len(res) != 1 {
		t.Errorf("got %d results, want 1", len(res))
	}
	// A syntax error anywhere runs nothing.
	_, err = pc.Exec(ctx, "INSERT INTO m VALUES (9); SELEC 1").ReadAll()
	if !errors.As(err, &pe) || pe.Code != "42601" || pe.Position != 27 {
		t.Fatalf("err = %v (position %d)", err, pe.Position)
	}
	mustExec(t, c, "FLUSH")
	var n int64
	if err := c.QueryRow(ctx, "SELECT count(*) FROM m").Scan(&n); err != nil || n != 2 {
		t.Errorf("count = %d %v", n, err)
	}
	// Empty query.
	res, err = pc.Exec(ctx, " ; ").ReadAll()
	if err != nil || len(res) != 1 {
		t.Errorf("empty query: %v %v", res, err)
	}
}

func TestNotices(t *testing.T) {
	ts := startServer(t, nil)
	cfg, _ := pgx.ParseConfig(ts.url("root", ""))
	var mu sync.Mutex
	var notices []string
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		mu.Lock()
		notices = append(notices, n.Message)
		mu.Unlock()
	}
	c, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	mustExec(t, c, "BEGIN")
	mustExec(t, c, "COMMIT")
	mu.Lock()
	defer mu.Unlock()
	if len(notices) == 0 || !strings.Contains(notices[0], "transactions") {
		t.Errorf("notices = %v", notices)
	}
}

func TestParameterInference(t *testing.T) {
	ts := startServer(t, nil)
	ctx := context.Background()
	setup := ts.connect(t, pgx.QueryExecModeSimpleProtocol)
	mustExec(t, setup, "CREATE TABLE li (k INT PRIMARY KEY, s VARCHAR)")
	mustExec(t, setup, "INSERT INTO li VALUES (1, 'a'), (2, 'b'), (3, 'c')")
	mustExec(t, setup, "FLUSH")
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			c := ts.connect(t, mode)
			rows, err := c.Query(ctx, "SELECT k FROM li ORDER BY k LIMIT $1", 2)
			if err != nil {
				t.Fatal(err)
			}
			ks, err := pgx.CollectRows(rows, pgx.RowTo[int32])
			if err != nil || fmt.Sprint(ks) != "[1 2]" {
				t.Errorf("LIMIT $1: %v %v", ks, err)
			}
			var n int32
			if err := c.QueryRow(ctx, "SELECT $1::int + 1", 41).Scan(&n); err != nil || n != 42 {
				t.Errorf("$1::int + 1: %d %v", n, err)
			}
			var s string
			if err := c.QueryRow(ctx, "SELECT s FROM li WHERE s = $1", "b").Scan(&s); err != nil || s != "b" {
				t.Errorf("s = $1: %q %v", s, err)
			}
			var neg int32
			if err := c.QueryRow(ctx, "SELECT k - $1 FROM li WHERE k = $2", -5, 1).Scan(&neg); err != nil || neg != 6 {
				t.Errorf("negative parameter: %d %v", neg, err)
			}
		})
	}
}

// TestTimeZoneReported: SET TIME ZONE is reported to the client in a
// ParameterStatus, and timestamptz values print in that zone.
func TestTimeZoneReported(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.connect(t, pgx.QueryExecModeSimpleProtocol)
	ctx := context.Background()
	if got := c.PgConn().ParameterStatus("TimeZone"); got != "UTC" {
		t.Fatalf("TimeZone at startup %q", got)
	}
	if _, err := c.Exec(ctx, "SET TIME ZONE 'Asia/Kolkata'"); err != nil {
		t.Fatal(err)
	}
	if got := c.PgConn().ParameterStatus("TimeZone"); got != "Asia/Kolkata" {
		t.Fatalf("TimeZone after SET %q", got)
	}
	var s string
	if err := c.QueryRow(ctx, "SELECT '2020-06-01 03:00:00+00'::timestamptz::text").Scan(&s); err != nil || s != "2020-06-01 08:30:00+05:30" {
		t.Fatalf("timestamptz as text: %q %v", s, err)
	}
}
