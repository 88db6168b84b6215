package slt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eddysql/eddy/pgwire"
)

// PgwireHarness runs records over the Postgres wire protocol with pgx, in
// the simple protocol (so multi-statement text and SET work as in psql) and
// with every value in the server's text format, as psql shows it. Errors
// read "<message> (SQLSTATE <code>)", plus "\nHINT: <hint>", the same as
// the EngineHarness's, so expected-error patterns match the same way.
type PgwireHarness struct {
	Conn *pgx.Conn
	// Timeout bounds each statement (default one minute).
	Timeout time.Duration
	// SleepFunc, when set, handles `sleep` (a virtual clock of an
	// in-process engine); otherwise sleep waits for real.
	SleepFunc func(time.Duration)
}

var _ Harness = (*PgwireHarness)(nil)
var _ Sleeper = (*PgwireHarness)(nil)
var _ Counter = (*PgwireHarness)(nil)

// NewPgwireHarness connects to the server at dsn (a postgres:// URL or a
// keyword/value string).
func NewPgwireHarness(ctx context.Context, dsn string) (*PgwireHarness, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &PgwireHarness{Conn: conn, Timeout: time.Minute}, nil
}

// Close closes the connection.
func (h *PgwireHarness) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return h.Conn.Close(ctx)
}

// Sleep implements Sleeper.
func (h *PgwireHarness) Sleep(d time.Duration) {
	if h.SleepFunc != nil {
		h.SleepFunc(d)
		return
	}
	time.Sleep(d)
}

// exec sends sql as one simple-protocol Query message and returns the
// result of each statement up to the first error.
func (h *PgwireHarness) exec(sql string) ([]*pgconn.Result, error) {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	rs, err := readAll(h.Conn.PgConn().Exec(ctx, sql))
	if err != nil {
		return rs, pgError(err)
	}
	return rs, nil
}

// readAll is MultiResultReader.ReadAll except that a result without rows
// keeps its columns (pgconn's ResultReader.Read copies the field
// descriptions only when a row arrives).
func readAll(mrr *pgconn.MultiResultReader) ([]*pgconn.Result, error) {
	var results []*pgconn.Result
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		res := &pgconn.Result{}
		copyFields := func() {
			if res.FieldDescriptions == nil && rr.FieldDescriptions() != nil {
				res.FieldDescriptions = append([]pgconn.FieldDescription{}, rr.FieldDescriptions()...)
			}
		}
		copyFields()
		for rr.NextRow() {
			copyFields()
			values := rr.Values()
			row := make([][]byte, len(values))
			for i, v := range values {
				if v != nil {
					row[i] = append([]byte{}, v...)
				}
			}
			res.Rows = append(res.Rows, row)
		}
		res.CommandTag, res.Err = rr.Close()
		results = append(results, res)
	}
	return results, mrr.Close()
}

// pgError renders a server error the way the EngineHarness renders an
// engine error.
func pgError(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	s := fmt.Sprintf("%s (SQLSTATE %s)", pe.Message, pe.Code)
	if pe.Hint != "" {
		s += "\nHINT: " + pe.Hint
	}
	return &wireError{msg: s, pe: pe}
}

type wireError struct {
	msg string
	pe  *pgconn.PgError
}

func (w *wireError) Error() string { return w.msg }
func (w *wireError) Unwrap() error { return w.pe }

// Exec implements Harness.
func (h *PgwireHarness) Exec(sql string) error {
	_, err := h.exec(sql)
	return err
}

// ExecCount implements Counter: the row count of the last statement's
// command tag.
func (h *PgwireHarness) ExecCount(sql string) (int64, error) {
	rs, err := h.exec(sql)
	if err != nil || len(rs) == 0 {
		return 0, err
	}
	return rs[len(rs)-1].CommandTag.RowsAffected(), nil
}

// Query implements Harness: the last statement's rows, each value the
// server's text, NULL as "NULL".
func (h *PgwireHarness) Query(sql string) ([]string, [][]string, error) {
	rs, err := h.exec(sql)
	if err != nil {
		return nil, nil, err
	}
	if len(rs) == 0 {
		return nil, nil, nil
	}
	r := rs[len(rs)-1]
	cols := make([]string, len(r.FieldDescriptions))
	for i, fd := range r.FieldDescriptions {
		cols[i] = fd.Name
	}
	rows := make([][]string, len(r.Rows))
	for i, raw := range r.Rows {
		out := make([]string, len(raw))
		for j, v := range raw {
			if v == nil {
				out[j] = "NULL"
			} else {
				out[j] = string(v)
			}
		}
		rows[i] = out
	}
	return cols, rows, nil
}

// PgwireFactory returns a HarnessFactory that connects to the server at dsn
// for each file (the server's state carries over from file to file).
func PgwireFactory(dsn string) HarnessFactory {
	return func(ctx context.Context) (Harness, io.Closer, error) {
		h, err := NewPgwireHarness(ctx, dsn)
		if err != nil {
			return nil, nil, err
		}
		return h, h, nil
	}
}

// localPgwire is a PgwireHarness connected to an in-process pgwire server
// on a loopback port, in front of a fresh in-memory engine with the
// EngineHarness's virtual clock.
type localPgwire struct {
	*PgwireHarness
	eng  *EngineHarness
	srv  *pgwire.Server
	done chan error
}

// NewLocalPgwire is the HarnessFactory of the pgwire harness: it starts a
// pgwire server on a free loopback port over a fresh in-memory engine (the
// same engine set-up as NewEngineHarness, so `sleep` advances its virtual
// clock) and connects a PgwireHarness to it. Closing it stops both.
func NewLocalPgwire(ctx context.Context) (Harness, io.Closer, error) {
	eng, err := NewEngineHarness(ctx)
	if err != nil {
		return nil, nil, err
	}
	srv, err := pgwire.NewServer(pgwire.Config{Engine: eng.Engine})
	if err != nil {
		_ = eng.Close()
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = eng.Close()
		return nil, nil, err
	}
	l := &localPgwire{eng: eng, srv: srv, done: make(chan error, 1)}
	go func() { l.done <- srv.Serve(ln) }()
	dsn := fmt.Sprintf("postgres://root@%s/dev?sslmode=disable", ln.Addr())
	h, err := NewPgwireHarness(ctx, dsn)
	if err != nil {
		_ = l.shutdown()
		return nil, nil, err
	}
	h.SleepFunc = eng.Sleep
	l.PgwireHarness = h
	return l, l, nil
}

// Close closes the connection, the server and the engine.
func (l *localPgwire) Close() error {
	err := l.PgwireHarness.Close()
	if serr := l.shutdown(); err == nil {
		err = serr
	}
	return err
}

func (l *localPgwire) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := l.srv.Shutdown(ctx)
	if serr := <-l.done; err == nil && !errors.Is(serr, pgwire.ErrServerClosed) {
		err = serr
	}
	if cerr := l.eng.Close(); err == nil {
		err = cerr
	}
	return err
}
