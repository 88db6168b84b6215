package pgwire_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/pgwire"
)

// countingListener counts the Write calls on the connections it accepts.
type countingListener struct {
	net.Listener
	writes *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.writes}, nil
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

func lookupEngine(t *testing.T) *engine.Engine {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{BarrierInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	s := engine.NewSession()
	var values []string
	for i := 0; i < 200; i++ {
		values = append(values, fmt.Sprintf("(%d, 'name-%d', %d)", i, i, i%7))
	}
	for _, q := range []string{
		"CREATE TABLE src (id bigint PRIMARY KEY, name varchar, score int)",
		"CREATE MATERIALIZED VIEW mv AS SELECT id, name, score * 2 AS s2 FROM src",
		"INSERT INTO src VALUES " + strings.Join(values, ", "),
		"FLUSH",
	} {
		if _, err := eng.Exec(ctx, s, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return eng
}

// TestPointLookupRoundTrip checks prepared point lookups over pgx: the
// answers, that repeated executions are served from the engine's cached
// plan, and that each round trip (Bind, Execute, Sync) costs the server
// one write.
func TestPointLookupRoundTrip(t *testing.T) {
	eng := lookupEngine(t)
	srv, err := pgwire.NewServer(pgwire.Config{Engine: eng})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var writes atomic.Int64
	done := make(chan error, 1)
	go func() { done <- srv.Serve(countingListener{ln, &writes}) }()
	defer func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, pgwire.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, "postgres://root@"+ln.Addr().String()+"/dev?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	const q = "SELECT name, s2 FROM mv WHERE id = $1"
	lookup := func(id int64) (string, int32, error) {
		var name string
		var s2 int32
		err := c.QueryRow(ctx, q, id).Scan(&name, &s2)
		return name, s2, err
	}
	if _, _, err := lookup(1); err != nil { // prepares and plans
		t.Fatal(err)
	}
	cached := eng.Stats().CachedPointLookups
	before := writes.Load()
	const n = 60
	for i := int64(0); i < n; i++ {
		id := (i * 37) % 200
		name, s2, err := lookup(id)
		if err != nil {
			t.Fatalf("id %d: %v", id, err)
		}
		if name != fmt.Sprintf("name-%d", id) || s2 != int32(id%7*2) {
			t.Fatalf("id %d: got %q %d", id, name, s2)
		}
	}
	if w := writes.Load() - before; w != n {
		t.Errorf("%d lookups took %d server writes, want one each", n, w)
	}
	if got := eng.Stats().CachedPointLookups - cached; got != n {
		t.Errorf("%d of %d lookups used the cached plan", got, n)
	}
	// A missing key, then one that exists again.
	if _, _, err := lookup(1000); !errors.Is(err, pgx.ErrNoRows) {
		t.Errorf("missing key: %v", err)
	}
	if name, _, err := lookup(5); err != nil || name != "name-5" {
		t.Errorf("id 5 after a miss: %q %v", name, err)
	}
	// A view replaced under the cached plan: the answer follows the new
	// definition.
	s := engine.NewSession()
	for _, ddl := range []string{"DROP MATERIALIZED VIEW mv", "CREATE MATERIALIZED VIEW mv AS SELECT id, upper(name) AS name, score * 3 AS s2 FROM src", "FLUSH"} {
		if _, err := eng.Exec(ctx, s, ddl); err != nil {
			t.Fatalf("%s: %v", ddl, err)
		}
	}
	c2, err := pgx.Connect(ctx, "postgres://root@"+ln.Addr().String()+"/dev?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close(ctx)
	var name string
	var s2 int32
	if err := c2.QueryRow(ctx, q, int64(3)).Scan(&name, &s2); err != nil || name != "NAME-3" || s2 != 9 {
		t.Errorf("after replacing the view: %q %d %v", name, s2, err)
	}
}

// TestHTTPLookupCached checks HTTP point lookups against the rows and that
// repeated ones use the engine's cached plan.
func TestHTTPLookupCached(t *testing.T) {
	eng := lookupEngine(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: pgwire.NewHTTPHandler(pgwire.HTTPConfig{Engine: eng})}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	get := func(query string) (int, string) {
		resp, err := http.Get("http://" + ln.Addr().String() + "/v1/mv/mv?" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	get("id=0")
	cached := eng.Stats().CachedPointLookups
	for _, id := range []int{7, 0, 199, 42} {
		code, body := get(fmt.Sprintf("id=%d", id))
		want := fmt.Sprintf(`{"id":%d,"name":"name-%d","s2":%d}`+"\n", id, id, id%7*2)
		if code != 200 || body != want {
			t.Errorf("id %d: %d %s, want %s", id, code, body, want)
		}
	}
	if got := eng.Stats().CachedPointLookups - cached; got != 4 {
		t.Errorf("%d of 4 lookups used the cached plan", got)
	}
	if code, body := get("id=500"); code != 404 || !strings.Contains(body, "no row") {
		t.Errorf("missing key: %d %s", code, body)
	}
	if code, _ := get("id=x"); code != 400 {
		t.Errorf("malformed key: %d", code)
	}
}

// TestReusedRowBufferAfterHugeRow checks that the row buffer a connection
// drops after a huge row does not turn a following empty string into NULL.
func TestReusedRowBufferAfterHugeRow(t *testing.T) {
	ts := startServer(t, nil)
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		c := ts.connect(t, mode)
		rows, err := c.Query(context.Background(), "SELECT s FROM (VALUES (1, repeat('x', 70000)), (2, ''), (3, 'y'), (4, NULL)) AS t(k, s) ORDER BY k")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var s *string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			switch {
			case s == nil:
				got = append(got, "NULL")
			case len(*s) > 10:
				got = append(got, fmt.Sprintf("x*%d", len(*s)))
			default:
				got = append(got, fmt.Sprintf("%q", *s))
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if want := `x*70000 "" "y" NULL`; strings.Join(got, " ") != want {
			t.Errorf("mode %v: got %s, want %s", mode, strings.Join(got, " "), want)
		}
	}
}
