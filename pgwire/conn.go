package pgwire

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sqlerr"
)

// Causes of a canceled statement context.
var (
	errCanceledByUser   = sqlerr.New(sqlerr.QueryCanceled, "canceling statement due to user request")
	errStatementTimeout = sqlerr.New(sqlerr.QueryCanceled, "canceling statement due to statement timeout")
	errAdminShutdown    = sqlerr.New(sqlerr.AdminShutdown, "terminating connection due to administrator command")
)

// errTerminate ends a connection quietly (the client said goodbye, or the
// error was already reported).
var errTerminate = errors.New("terminate")

// conn is one client connection.
type conn struct {
	reportedTZ string // the TimeZone last sent in a ParameterStatus
	srv        *Server
	nc         net.Conn
	be         *pgproto3.Backend

	pid    uint32
	secret [4]byte

	sess      *engine.Session
	user      string
	superuser bool
	remote    string

	// idle is set while the connection waits for a message between
	// statements; Shutdown closes idle connections.
	idle atomic.Bool

	cancelMu sync.Mutex
	cancel   context.CancelCauseFunc // of the running statement; nil when none

	stmts          map[string]*prepared
	portals        map[string]*portal
	ignoreTillSync bool
	txStatus       byte
	pending        int // rows sent since the last flush

	// Reused by sendRows: the row message, its encoded values and their
	// end offsets (-1 = NULL).
	dataRow pgproto3.DataRow
	rowBuf  []byte
	rowEnds []int
	rfq     pgproto3.ReadyForQuery
	cc      pgproto3.CommandComplete
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		srv:      s,
		nc:       nc,
		stmts:    map[string]*prepared{},
		portals:  map[string]*portal{},
		txStatus: 'I',
	}
	if a := nc.RemoteAddr(); a != nil {
		c.remote = a.String()
	}
	c.setBackend(nc)
	return c
}

// setBackend speaks the protocol over rw. Replies are buffered and written
// at ReadyForQuery, at Flush, every flushEvery rows, and whenever the
// server is about to wait for input (flushReader), so that an extended
// query round trip (Bind, Describe, Execute, Sync) costs one write.
func (c *conn) setBackend(rw io.ReadWriter) {
	c.be = pgproto3.NewBackend(&flushReader{c: c, r: rw}, skipEmptyWriter{rw})
	c.be.SetMaxBodyLen(c.srv.cfg.MaxMessageSize)
}

// flushReader sends the connection's buffered replies before it reads
// from the client: the backend reads only when it has no complete message
// left, that is when it would otherwise wait, as Postgres flushes before
// it blocks on input.
type flushReader struct {
	c *conn
	r io.Reader
}

func (f *flushReader) Read(p []byte) (int, error) {
	if f.c.be != nil {
		if err := f.c.flush(); err != nil {
			return 0, err
		}
	}
	return f.r.Read(p)
}

// skipEmptyWriter drops empty writes (a flush with nothing buffered),
// which would otherwise cost a system call.
type skipEmptyWriter struct{ w io.Writer }

func (w skipEmptyWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return w.w.Write(p)
}

// serve runs the connection: startup, then the message loop. Every panic
// is recovered here or per message; the server never crashes because of a
// connection.
func (c *conn) serve(ctx context.Context) {
	defer func() {
		if r := recover(); r != nil {
			c.srv.log.Error("pgwire: panic in connection", "remote", c.remote, "panic", r, "stack", string(debug.Stack()))
		}
		_ = c.nc.Close()
	}()
	_ = c.nc.SetDeadline(time.Now().Add(c.srv.cfg.StartupTimeout))
	c.idle.Store(true) // Shutdown may interrupt the startup exchange
	if c.srv.closing.Load() {
		return
	}
	ok, err := c.startup()
	c.idle.Store(false)
	if err != nil || !ok {
		if err != nil && !errors.Is(err, errTerminate) && !isClosedErr(err) {
			c.srv.log.Debug("pgwire: startup failed", "remote", c.remote, "err", err)
		}
		return
	}
	_ = c.nc.SetDeadline(time.Time{})
	if err := c.loop(ctx); err != nil && !errors.Is(err, errTerminate) && !isClosedErr(err) {
		c.srv.log.Debug("pgwire: connection ended", "remote", c.remote, "err", err)
	}
}

func isClosedErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, io.ErrClosedPipe)
}

// loop reads and handles messages until the client leaves or the server
// shuts down.
func (c *conn) loop(ctx context.Context) error {
	for {
		c.idle.Store(true)
		if c.srv.closing.Load() {
			return c.fatal(errAdminShutdown)
		}
		msg, err := c.be.Receive()
		c.idle.Store(false)
		if err != nil {
			if c.srv.closing.Load() {
				return c.fatal(errAdminShutdown)
			}
			var tooBig *pgproto3.ExceededMaxBodyLenErr
			if errors.As(err, &tooBig) {
				return c.fatal(sqlerr.New(sqlerr.ProgramLimitExceeded, "message of %d bytes exceeds the limit of %d bytes", tooBig.ActualBodyLen, tooBig.MaxExpectedBodyLen))
			}
			if isClosedErr(err) {
				return err
			}
			return c.fatal(sqlerr.New(sqlerr.ProtocolViolation, "invalid frontend message: %v", err))
		}
		if err := c.handleSafely(ctx, msg); err != nil {
			return err
		}
	}
}

// handleSafely handles one message; a panic becomes an XX000 error and the
// connection continues.
func (c *conn) handleSafely(ctx context.Context, msg pgproto3.FrontendMessage) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.srv.log.Error("pgwire: panic while handling a message", "remote", c.remote, "msg", fmt.Sprintf("%T", msg), "panic", r, "stack", string(debug.Stack()))
			c.sendError(sqlerr.New(sqlerr.InternalError, "internal error: %v", r))
			if _, sync := msg.(*pgproto3.Query); sync {
				c.readyForQuery()
			} else {
				c.ignoreTillSync = true
			}
			err = c.flush()
		}
	}()
	return c.handle(ctx, msg)
}

func (c *conn) handle(ctx context.Context, msg pgproto3.FrontendMessage) error {
	if c.ignoreTillSync {
		switch msg.(type) {
		case *pgproto3.Sync, *pgproto3.Terminate:
		default:
			return nil
		}
	}
	switch m := msg.(type) {
	case *pgproto3.Query:
		c.simpleQuery(ctx, m.String)
		c.readyForQuery()
		return c.flush()
	case *pgproto3.Parse:
		c.extended(c.parse(m))
	case *pgproto3.Bind:
		c.extended(c.bind(m))
	case *pgproto3.Describe:
		c.extended(c.describe(ctx, m))
	case *pgproto3.Execute:
		c.extended(c.execute(ctx, m))
	case *pgproto3.Close:
		c.extended(c.close(m))
	case *pgproto3.Sync:
		c.ignoreTillSync = false
		// Sync ends the implicit transaction, which drops its portals.
		clear(c.portals)
		c.readyForQuery()
		return c.flush()
	case *pgproto3.Flush:
		return c.flush()
	case *pgproto3.Terminate:
		return errTerminate
	case *pgproto3.FunctionCall:
		c.extended(sqlerr.New(sqlerr.FeatureNotSupported, "the function call protocol is not supported"))
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		// Outside COPY these are ignored, as Postgres does.
	default:
		return c.fatal(sqlerr.New(sqlerr.ProtocolViolation, "unexpected message %T", msg))
	}
	return nil
}

// extended reports err of an extended-protocol message: the error is sent
// and messages are skipped until Sync.
func (c *conn) extended(err error) {
	if err == nil {
		return
	}
	c.sendError(err)
	c.ignoreTillSync = true
	c.pending++
}

func (c *conn) flush() error {
	c.pending = 0
	return c.be.Flush()
}

// fatal sends a FATAL error and ends the connection.
func (c *conn) fatal(err error) error {
	se := sqlerr.As(err)
	c.be.Send(errorResponse(se, "FATAL"))
	_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
	_ = c.be.Flush()
	return errTerminate
}

func (c *conn) sendError(err error) {
	se := sqlerr.As(err)
	c.srv.metrics.errors.WithLabelValues(se.Code).Inc()
	er := errorResponse(se, "")
	er.Where = copyWhere(err)
	c.be.Send(er)
}

func errorResponse(se *sqlerr.Error, severity string) *pgproto3.ErrorResponse {
	if severity == "" {
		severity = se.Severity
	}
	if severity == "" {
		severity = "ERROR"
	}
	return &pgproto3.ErrorResponse{
		Severity:            severity,
		SeverityUnlocalized: severity,
		Code:                se.Code,
		Message:             se.Message,
		Detail:              se.Detail,
		Hint:                se.Hint,
		Position:            int32(se.Position),
	}
}

func (c *conn) sendNotices(notices []string) {
	for _, n := range notices {
		c.be.Send(&pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE", Code: sqlerr.SuccessfulCompletion, Message: n})
	}
}

// cancelStatement cancels the running statement, if any, with cause.
func (c *conn) cancelStatement(cause error) {
	c.cancelMu.Lock()
	defer c.cancelMu.Unlock()
	if c.cancel != nil {
		c.cancel(cause)
	}
}

// run executes one statement text on the engine under the session's
// statement_timeout and the connection's cancel hook. The engine call runs
// on its own goroutine so that a cancel or timeout answers at once even if
// the engine does not watch ctx closely; a panic in it becomes XX000.
func (c *conn) run(ctx context.Context, sql string) ([]*engine.Result, error) {
	return c.runFunc(ctx, sql, func(ctx context.Context) ([]*engine.Result, error) {
		return c.srv.cfg.Engine.Exec(ctx, c.sess, sql)
	})
}

// runFunc runs exec (one statement, sql for logs) like run.
func (c *conn) runFunc(ctx context.Context, sql string, exec func(ctx context.Context) ([]*engine.Result, error)) ([]*engine.Result, error) {
	start := time.Now()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if d := c.statementTimeout(); d > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeoutCause(ctx, d, errStatementTimeout)
		defer stop()
	}
	c.cancelMu.Lock()
	c.cancel = cancel
	c.cancelMu.Unlock()
	defer func() {
		c.cancelMu.Lock()
		c.cancel = nil
		c.cancelMu.Unlock()
	}()

	type outcome struct {
		rs  []*engine.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				c.srv.log.Error("pgwire: panic in the engine", "sql", sql, "panic", r, "stack", string(debug.Stack()))
				done <- outcome{err: sqlerr.New(sqlerr.InternalError, "internal error: %v", r)}
			}
		}()
		rs, err := exec(ctx)
		done <- outcome{rs, err}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		// Give the engine a moment to return what it has, then answer.
		select {
		case o = <-done:
		case <-time.After(50 * time.Millisecond):
		}
		o.err = ctxError(ctx, o.err)
	}
	if o.err != nil && ctx.Err() != nil {
		o.err = ctxError(ctx, o.err)
	}
	c.srv.metrics.observe(time.Since(start), o.err)
	return o.rs, o.err
}

// ctxError turns a canceled statement's error into the cause's error.
func ctxError(ctx context.Context, err error) error {
	cause := context.Cause(ctx)
	var se *sqlerr.Error
	if errors.As(cause, &se) {
		return se
	}
	if err != nil && sqlerr.Code(err) != sqlerr.InternalError {
		return err
	}
	return sqlerr.New(sqlerr.QueryCanceled, "canceling statement due to user request")
}

// statementTimeout reads the session's statement_timeout (milliseconds
// when unitless, as in Postgres).
func (c *conn) statementTimeout() time.Duration {
	v, _ := c.sess.Get("statement_timeout")
	d, err := parsePGDuration(v)
	if err != nil {
		return 0
	}
	return d
}

// noteTx tracks the transaction status reported in ReadyForQuery. The
// engine runs every statement on its own; BEGIN … COMMIT only changes what
// clients see, so that drivers that check it behave.
func (c *conn) noteTx(tag string, err error) {
	if err != nil {
		if c.txStatus == 'T' {
			c.txStatus = 'E'
		}
		return
	}
	word := strings.TrimLeft(tag, " \t\n")
	if i := strings.IndexAny(word, " \t\n"); i >= 0 {
		word = word[:i]
	}
	switch {
	case strings.EqualFold(word, "BEGIN"), strings.EqualFold(word, "START"):
		c.txStatus = 'T'
	case strings.EqualFold(word, "COMMIT"), strings.EqualFold(word, "ROLLBACK"), strings.EqualFold(word, "END"), strings.EqualFold(word, "ABORT"):
		c.txStatus = 'I'
	}
}

// readyForQuery queues ReadyForQuery with the transaction status (the
// message is the connection's, reused).
func (c *conn) readyForQuery() {
	c.rfq.TxStatus = c.txStatus
	c.be.Send(&c.rfq)
}

// commandComplete queues CommandComplete with tag (the message and its
// buffer are the connection's, reused).
func (c *conn) commandComplete(tag string) {
	if tag == "SET" {
		// A changed TimeZone is reported, as Postgres reports GUC_REPORT
		// settings, so clients print timestamptz values accordingly.
		if tz := c.sess.TimeZone(); tz != c.reportedTZ {
			c.reportedTZ = tz
			c.be.Send(&pgproto3.ParameterStatus{Name: "TimeZone", Value: tz})
		}
	}
	c.cc.CommandTag = append(c.cc.CommandTag[:0], tag...)
	c.be.Send(&c.cc)
}

// startup runs the startup exchange: SSL/GSS negotiation, cancel requests,
// the startup message, authentication, and the initial parameters. It
// returns false when the connection ends here (a cancel request).
func (c *conn) startup() (bool, error) {
	var sm *pgproto3.StartupMessage
	tlsDone := false
	for sm == nil {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			if isClosedErr(err) {
				return false, err
			}
			return false, c.fatal(sqlerr.New(sqlerr.ProtocolViolation, "invalid startup packet: %v", err))
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			if c.srv.cfg.TLSConfig == nil || tlsDone {
				if _, err := c.nc.Write([]byte{'N'}); err != nil {
					return false, err
				}
				continue
			}
			if _, err := c.nc.Write([]byte{'S'}); err != nil {
				return false, err
			}
			tc := tls.Server(c.nc, c.srv.cfg.TLSConfig)
			if err := tc.Handshake(); err != nil {
				return false, err
			}
			c.nc = tc
			c.setBackend(tc)
			tlsDone = true
		case *pgproto3.GSSEncRequest:
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return false, err
			}
		case *pgproto3.CancelRequest:
			c.srv.cancel(m.ProcessID, m.SecretKey)
			return false, nil
		case *pgproto3.StartupMessage:
			sm = m
		default:
			return false, c.fatal(sqlerr.New(sqlerr.ProtocolViolation, "unexpected startup message %T", msg))
		}
	}
	if sm.ProtocolVersion != pgproto3.ProtocolVersion30 {
		// Offer 3.0, and refuse the protocol options we do not know.
		var unknown []string
		for k := range sm.Parameters {
			if strings.HasPrefix(k, "_pq_.") {
				unknown = append(unknown, k)
			}
		}
		c.be.Send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unknown})
	}
	user := sm.Parameters["user"]
	if user == "" {
		return false, c.fatal(sqlerr.New(sqlerr.InvalidAuthorization, "no PostgreSQL user name specified in startup packet"))
	}
	if err := c.authenticate(user); err != nil {
		return false, c.fatal(err)
	}
	c.user = user
	c.sess = engine.NewSession()
	c.applyStartupParams(sm.Parameters)
	c.srv.newKey(c)
	c.sess.Set(engine.SessionPIDParam, fmt.Sprint(c.pid))

	c.be.Send(&pgproto3.AuthenticationOk{})
	for _, p := range c.parameterStatus(sm.Parameters) {
		c.be.Send(&pgproto3.ParameterStatus{Name: p[0], Value: p[1]})
	}
	c.be.Send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret[:]})
	c.be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	return true, c.flush()
}

func (c *conn) applyStartupParams(params map[string]string) {
	for k, v := range params {
		switch strings.ToLower(k) {
		case "application_name":
			c.sess.Set("application_name", v)
		case "timezone":
			c.sess.Set("timezone", v)
		case "options":
			for name, val := range parseOptions(v) {
				c.sess.Set(name, val)
			}
		}
	}
	c.sess.Set("session_authorization", c.user)
	c.sess.Set("is_superuser", onOff(c.superuser))
	c.sess.Set("server_version", c.srv.cfg.ServerVersion)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// parseOptions parses the startup "options" parameter: "-c name=value"
// and "--name=value" words.
func parseOptions(s string) map[string]string {
	out := map[string]string{}
	words := strings.Fields(strings.ReplaceAll(s, `\ `, "\x00"))
	for i := 0; i < len(words); i++ {
		w := strings.ReplaceAll(words[i], "\x00", " ")
		var kv string
		switch {
		case w == "-c" && i+1 < len(words):
			i++
			kv = strings.ReplaceAll(words[i], "\x00", " ")
		case strings.HasPrefix(w, "-c"):
			kv = w[2:]
		case strings.HasPrefix(w, "--"):
			kv = w[2:]
		default:
			continue
		}
		if k, v, ok := strings.Cut(kv, "="); ok {
			out[strings.ToLower(strings.ReplaceAll(k, "-", "_"))] = v
		}
	}
	return out
}

func (c *conn) parameterStatus(params map[string]string) [][2]string {
	app := params["application_name"]
	tz := c.sess.TimeZone()
	c.reportedTZ = tz
	return [][2]string{
		{"server_version", c.srv.cfg.ServerVersion},
		{"server_encoding", "UTF8"},
		{"client_encoding", "UTF8"},
		{"DateStyle", "ISO, MDY"},
		{"IntervalStyle", "postgres"},
		{"TimeZone", tz},
		{"integer_datetimes", "on"},
		{"standard_conforming_strings", "on"},
		{"application_name", app},
		{"is_superuser", onOff(c.superuser)},
		{"session_authorization", c.user},
	}
}
