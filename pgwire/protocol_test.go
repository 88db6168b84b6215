package pgwire_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/pgwire"
)

// rawClient speaks the protocol message by message.
type rawClient struct {
	t  testing.TB
	nc net.Conn
	fe *pgproto3.Frontend
}

func dialRaw(t testing.TB, addr string) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	rc := &rawClient{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
	return rc
}

func (rc *rawClient) send(msgs ...pgproto3.FrontendMessage) {
	rc.t.Helper()
	for _, m := range msgs {
		rc.fe.Send(m)
	}
	if err := rc.fe.Flush(); err != nil {
		rc.t.Fatal(err)
	}
}

// startup logs in as root and reads until ReadyForQuery.
func (rc *rawClient) startup() {
	rc.t.Helper()
	rc.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "root", "database": "dev"}})
	rc.until('Z')
}

// until reads messages until one of type kind ('Z', 'C', …) and returns
// a one-letter summary of each.
func (rc *rawClient) until(kind byte) []string {
	rc.t.Helper()
	var out []string
	for {
		m, err := rc.fe.Receive()
		if err != nil {
			rc.t.Fatalf("receive: %v (after %v)", err, out)
		}
		s := summary(m)
		out = append(out, s)
		if s[0] == kind {
			return out
		}
	}
}

func summary(m pgproto3.BackendMessage) string {
	switch m := m.(type) {
	case *pgproto3.ReadyForQuery:
		return "Z" + string(m.TxStatus)
	case *pgproto3.CommandComplete:
		return "C " + string(m.CommandTag)
	case *pgproto3.DataRow:
		var vs []string
		for _, v := range m.Values {
			vs = append(vs, string(v))
		}
		return "D " + strings.Join(vs, ",")
	case *pgproto3.ErrorResponse:
		return "E " + m.Code + " " + m.Message
	case *pgproto3.PortalSuspended:
		return "s"
	case *pgproto3.RowDescription:
		return "T"
	case *pgproto3.ParseComplete:
		return "1"
	case *pgproto3.BindComplete:
		return "2"
	case *pgproto3.NoData:
		return "n"
	case *pgproto3.ParameterDescription:
		return "t"
	case *pgproto3.EmptyQueryResponse:
		return "I"
	case *pgproto3.CloseComplete:
		return "3"
	case *pgproto3.NoticeResponse:
		return "N " + m.Message
	}
	return "?"
}

func TestPortalRowLimit(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.connect(t, pgx.QueryExecModeSimpleProtocol)
	mustExec(t, c, "CREATE TABLE r (a INT PRIMARY KEY)")
	mustExec(t, c, "INSERT INTO r VALUES (1), (2), (3), (4), (5)")
	mustExec(t, c, "FLUSH")

	rc := dialRaw(t, ts.addr)
	rc.startup()
	rc.send(
		&pgproto3.Parse{Name: "s1", Query: "SELECT a FROM r ORDER BY a"},
		&pgproto3.Bind{DestinationPortal: "p1", PreparedStatement: "s1"},
		&pgproto3.Describe{ObjectType: 'P', Name: "p1"},
		&pgproto3.Execute{Portal: "p1", MaxRows: 2},
		&pgproto3.Flush{},
	)
	got := rc.until('s')
	if strings.Join(got, "|") != "1|2|T|D 1|D 2|s" {
		t.Errorf("first batch: %q", got)
	}
	rc.send(&pgproto3.Execute{Portal: "p1", MaxRows: 2}, &pgproto3.Flush{})
	if got := rc.until('s'); strings.Join(got, "|") != "D 3|D 4|s" {
		t.Errorf("second batch: %q", got)
	}
	rc.send(&pgproto3.Execute{Portal: "p1", MaxRows: 2}, &pgproto3.Sync{})
	if got := rc.until('Z'); strings.Join(got, "|") != "D 5|C SELECT 5|ZI" {
		t.Errorf("last batch: %q", got)
	}
	// The portal is gone after Sync; the statement stays.
	rc.send(&pgproto3.Execute{Portal: "p1"}, &pgproto3.Sync{})
	if got := rc.until('Z'); len(got) != 2 || !strings.HasPrefix(got[0], "E 34000") {
		t.Errorf("after sync: %q", got)
	}
	// Errors skip messages until Sync.
	rc.send(
		&pgproto3.Bind{PreparedStatement: "nope"},
		&pgproto3.Execute{},
		&pgproto3.Parse{Query: "SELECT 1"},
		&pgproto3.Sync{},
	)
	if got := rc.until('Z'); len(got) != 2 || !strings.HasPrefix(got[0], "E 26000") {
		t.Errorf("error state: %q", got)
	}
	// Describe of a statement, empty statements, Close.
	rc.send(
		&pgproto3.Parse{Name: "s2", Query: "SELECT a, a * 2 AS b FROM r WHERE a = $1"},
		&pgproto3.Describe{ObjectType: 'S', Name: "s2"},
		&pgproto3.Parse{Name: "e", Query: "  "},
		&pgproto3.Bind{PreparedStatement: "e"},
		&pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{},
		&pgproto3.Close{ObjectType: 'S', Name: "s2"},
		&pgproto3.Sync{},
	)
	if got := rc.until('Z'); strings.Join(got, "|") != "1|t|T|1|2|n|I|3|ZI" {
		t.Errorf("describe/empty/close: %q", got)
	}
	// Binary parameters and results.
	p := make([]byte, 4)
	binary.BigEndian.PutUint32(p, 3)
	rc.send(
		&pgproto3.Parse{Name: "s3", Query: "SELECT a FROM r WHERE a = $1", ParameterOIDs: []uint32{23}},
		&pgproto3.Bind{PreparedStatement: "s3", ParameterFormatCodes: []int16{1}, Parameters: [][]byte{p}, ResultFormatCodes: []int16{1}},
		&pgproto3.Execute{},
		&pgproto3.Sync{},
	)
	if got := rc.until('Z'); strings.Join(got, "|") != "1|2|D \x00\x00\x00\x03|C SELECT 1|ZI" {
		t.Errorf("binary: %q", got)
	}
}

func TestCancelRequest(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.connect(t, pgx.QueryExecModeSimpleProtocol)
	go func() {
		time.Sleep(200 * time.Millisecond)
		_ = c.PgConn().CancelRequest(context.Background())
	}()
	start := time.Now()
	_, err := c.Exec(context.Background(), "SELECT pg_sleep(10)")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" || pe.Message != "canceling statement due to user request" {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %s", d)
	}
	var one int32
	if err := c.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
		t.Errorf("after cancel: %v", err)
	}
}

func TestStatementTimeout(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.connect(t, pgx.QueryExecModeSimpleProtocol)
	mustExec(t, c, "SET statement_timeout = '200ms'")
	start := time.Now()
	_, err := c.Exec(context.Background(), "SELECT pg_sleep(10)")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" || pe.Message != "canceling statement due to statement timeout" {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %s", d)
	}
	mustExec(t, c, "SET statement_timeout = 0")
	if _, err := c.Exec(context.Background(), "SELECT pg_sleep(0.3)"); err != nil {
		t.Errorf("without timeout: %v", err)
	}
}

func TestMaxMessageSize(t *testing.T) {
	ts := startServer(t, func(c *pgwire.Config) { c.MaxMessageSize = 4096 })
	c := ts.connect(t, pgx.QueryExecModeSimpleProtocol)
	_, err := c.Exec(context.Background(), "SELECT '"+strings.Repeat("x", 10000)+"'")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "54000" {
		t.Errorf("big message: %v", err)
	}
	// A lying length header is refused without reading (or allocating) it.
	rc := dialRaw(t, ts.addr)
	rc.startup()
	hdr := []byte{'Q', 0x7f, 0xff, 0xff, 0xff}
	if _, err := rc.nc.Write(hdr); err != nil {
		t.Fatal(err)
	}
	m, err := rc.fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := m.(*pgproto3.ErrorResponse); !ok || e.Code != "54000" || e.Severity != "FATAL" {
		t.Errorf("got %#v", m)
	}
	if _, err := rc.fe.Receive(); !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		t.Errorf("connection not closed: %v", err)
	}
}

// panicEngine panics on one statement.
type panicEngine struct{ pgwire.Executor }

func (p panicEngine) Exec(ctx context.Context, s *engine.Session, sql string) ([]*engine.Result, error) {
	if strings.Contains(sql, "boom") {
		panic("boom")
	}
	return p.Executor.Exec(ctx, s, sql)
}

func TestPanicRecovered(t *testing.T) {
	ts := startServer(t, func(c *pgwire.Config) { c.Engine = panicEngine{c.Engine} })
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeExec} {
		c := ts.connect(t, mode)
		_, err := c.Exec(context.Background(), "SELECT 'boom'")
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "XX000" {
			t.Errorf("%v: err = %v", mode, err)
		}
		var one int32
		if err := c.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
			t.Errorf("%v: after panic: %v", mode, err)
		}
	}
}

func TestShutdownClosesIdleConnections(t *testing.T) {
	eng, err := engine.Open(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	srv, err := pgwire.NewServer(pgwire.Config{Engine: sleepyEngine{eng}})
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	ts := &testServer{srv: srv, eng: eng, addr: ln.Addr().String()}
	idle := ts.connect(t, pgx.QueryExecModeSimpleProtocol)
	busy := ts.connect(t, pgx.QueryExecModeSimpleProtocol)
	var wg sync.WaitGroup
	wg.Add(1)
	var busyErr error
	go func() {
		defer wg.Done()
		_, busyErr = busy.Exec(context.Background(), "SELECT pg_sleep(0.5)")
	}()
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	wg.Wait()
	if busyErr != nil {
		t.Errorf("the busy statement should finish: %v", busyErr)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("shutdown did not wait for the busy connection (%s)", d)
	}
	if err := <-served; !errors.Is(err, pgwire.ErrServerClosed) {
		t.Errorf("serve: %v", err)
	}
	if _, err := idle.Exec(context.Background(), "SELECT 1"); err == nil {
		t.Error("idle connection still open")
	}
	if _, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
		t.Error("still accepting")
	}
}
