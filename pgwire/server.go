package pgwire

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/types"
)

// DefaultAddr is the address eddy serve listens on by default (RisingWave's
// port).
const DefaultAddr = "127.0.0.1:4566"

// DefaultServerVersion is the server_version reported at startup. psql and
// pgx parse the leading "major.minor".
const DefaultServerVersion = "15.0 (Eddy)"

// DefaultMaxMessageSize bounds the body of one client message.
const DefaultMaxMessageSize = 64 << 20

// Executor is the slice of the engine the server needs: run the statements
// of sql on a session. *engine.Engine implements it.
type Executor interface {
	Exec(ctx context.Context, s *engine.Session, sql string) ([]*engine.Result, error)
}

// Describer is an optional extension of Executor: it reports the parameter
// types and result columns of one statement without running it. params
// holds the types the client declared (Unknown where it declared none); the
// returned paramTypes has one entry per $n. cols is nil for statements that
// return no rows. Without it, the server learns result columns by running
// row-returning statements (see the package documentation).
type Describer interface {
	Describe(ctx context.Context, s *engine.Session, sql string, params []types.Type) (paramTypes []types.Type, cols []types.Column, err error)
}

// ParamExecutor is an optional extension of Executor: it runs one
// statement with its parameters bound natively (no text substitution).
// The server decodes Bind parameters to datums of their declared or
// described types and calls it; without it parameters are substituted as
// SQL literals.
type ParamExecutor interface {
	ExecParams(ctx context.Context, s *engine.Session, sql string, params []types.Datum, paramTypes []types.Type) ([]*engine.Result, error)
}

// PointLooker is an optional extension of ParamExecutor: it answers a
// statement from a point-lookup plan that an earlier ExecParams of the same
// text and parameter types prepared, without blocking (one state read),
// and reports ok=false when it has none. The server tries it first for
// native parameter portals and runs the lookup on the connection's own
// goroutine, with no statement timer or cancel hook: such a lookup takes
// microseconds.
type PointLooker interface {
	LookupParams(s *engine.Session, sql string, params []types.Datum, paramTypes []types.Type) (r *engine.Result, ok bool, err error)
}

var (
	_ PointLooker   = (*engine.Engine)(nil)
	_ Executor      = (*engine.Engine)(nil)
	_ Describer     = (*engine.Engine)(nil)
	_ ParamExecutor = (*engine.Engine)(nil)
)

// AuthMethod is how clients authenticate.
type AuthMethod string

// The authentication methods.
const (
	// AuthTrust accepts every user without a password. By default it only
	// accepts connections from loopback addresses (see Config.TrustRemote).
	AuthTrust AuthMethod = "trust"
	// AuthPassword asks for a cleartext password (use it with TLS).
	AuthPassword AuthMethod = "password"
	// AuthSCRAM runs SCRAM-SHA-256.
	AuthSCRAM AuthMethod = "scram-sha-256"
)

// ParseAuthMethod parses "trust", "password" (or "cleartext"), "scram" or
// "scram-sha-256".
func ParseAuthMethod(s string) (AuthMethod, error) {
	switch s {
	case "", "trust":
		return AuthTrust, nil
	case "password", "cleartext":
		return AuthPassword, nil
	case "scram", "scram-sha-256":
		return AuthSCRAM, nil
	}
	return "", fmt.Errorf("unknown auth method %q (want trust, password or scram-sha-256)", s)
}

// Config configures a Server.
type Config struct {
	// Engine runs the statements. Required.
	Engine Executor
	// Addr is the address ListenAndServe listens on (DefaultAddr when
	// empty).
	Addr string
	// TLSConfig, when set, lets clients upgrade with SSLRequest.
	TLSConfig *tls.Config
	// Auth is the authentication method (AuthTrust when empty).
	Auth AuthMethod
	// TrustRemote lets AuthTrust accept connections from non-loopback
	// addresses. Off by default: trust is for local use.
	TrustRemote bool
	// Users looks users up for authentication. When it also implements
	// UserManager, CREATE/ALTER/DROP USER change it. Nil uses a fresh
	// in-memory UserStore holding the superuser "root" without a password.
	Users UserLookup
	// MaxMessageSize bounds a client message body in bytes
	// (DefaultMaxMessageSize when 0).
	MaxMessageSize int
	// StartupTimeout bounds the startup and authentication exchange
	// (30s when 0).
	StartupTimeout time.Duration
	// ServerVersion is reported as server_version (DefaultServerVersion
	// when empty).
	ServerVersion string
	// Logger receives connection errors and recovered panics; nil discards.
	Logger *slog.Logger
	// Registerer receives the server's metrics; nil uses a private
	// registry (see Server.Registry).
	Registerer prometheus.Registerer
}

// Server is a Postgres wire-protocol server in front of an engine.
type Server struct {
	cfg     Config
	users   UserLookup
	log     *slog.Logger
	metrics *Metrics
	looker  PointLooker // cfg.Engine's, when it has one and ParamExecutor

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	byPID     map[uint32]*conn
	nextPID   atomic.Uint32
	closing   atomic.Bool
	wg        sync.WaitGroup
	done      chan struct{}
	doneOnce  sync.Once
}

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("pgwire: server closed")

// NewServer returns a server for cfg.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Engine == nil {
		return nil, errors.New("pgwire: Config.Engine is required")
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Auth == "" {
		cfg.Auth = AuthTrust
	}
	if _, err := ParseAuthMethod(string(cfg.Auth)); err != nil {
		return nil, err
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = DefaultMaxMessageSize
	}
	if cfg.StartupTimeout <= 0 {
		cfg.StartupTimeout = 30 * time.Second
	}
	if cfg.ServerVersion == "" {
		cfg.ServerVersion = DefaultServerVersion
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	users := cfg.Users
	if users == nil {
		users = NewUserStore()
	}
	m, err := NewMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		users:     users,
		log:       log,
		metrics:   m,
		listeners: map[net.Listener]struct{}{},
		conns:     map[*conn]struct{}{},
		byPID:     map[uint32]*conn{},
		done:      make(chan struct{}),
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	s.nextPID.Store(binary.BigEndian.Uint32(b[:]) & 0x3fffffff)
	if _, ok := cfg.Engine.(ParamExecutor); ok {
		s.looker, _ = cfg.Engine.(PointLooker)
	}
	return s, nil
}

// Metrics returns the server's metrics.
func (s *Server) Metrics() *Metrics { return s.metrics }

// Users returns the user lookup the server authenticates against.
func (s *Server) Users() UserLookup { return s.users }

// ListenAndServe listens on Config.Addr and serves.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln until Shutdown or Close, serving each on
// its own goroutine. It always returns an error: ErrServerClosed after a
// shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		_ = ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		_ = ln.Close()
	}()
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(context.Background(), nc)
		}()
	}
}

// ServeConn serves one client connection until it ends, on the calling
// goroutine. It closes nc.
func (s *Server) ServeConn(ctx context.Context, nc net.Conn) {
	s.wg.Add(1)
	defer s.wg.Done()
	s.serveConn(ctx, nc)
}

func (s *Server) serveConn(ctx context.Context, nc net.Conn) {
	c := newConn(s, nc)
	if !s.register(c) {
		_ = nc.Close()
		return
	}
	defer s.unregister(c)
	c.serve(ctx)
}

func (s *Server) register(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	s.conns[c] = struct{}{}
	s.metrics.connections.Inc()
	s.metrics.connectionsTotal.Inc()
	return true
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	if s.byPID[c.pid] == c {
		delete(s.byPID, c.pid)
	}
	s.mu.Unlock()
	s.metrics.connections.Dec()
}

// newKey allocates a process ID for a connection and records it for
// CancelRequest.
func (s *Server) newKey(c *conn) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	c.secret = b
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		pid := s.nextPID.Add(1) & 0x3fffffff
		if pid == 0 {
			continue
		}
		if _, taken := s.byPID[pid]; !taken {
			c.pid = pid
			s.byPID[pid] = c
			return
		}
	}
}

// cancel cancels the statement running on the connection with this key.
func (s *Server) cancel(pid uint32, secret []byte) {
	s.mu.Lock()
	c := s.byPID[pid]
	s.mu.Unlock()
	if c == nil || len(secret) != len(c.secret) || subtle.ConstantTimeCompare(secret, c.secret[:]) != 1 {
		return
	}
	c.cancelStatement(errCanceledByUser)
}

// Shutdown stops the server gracefully: it stops accepting connections,
// closes idle connections, lets busy ones finish their statement and then
// closes them, and waits for every connection to end. When ctx ends first,
// the remaining connections are closed at once and ctx's error returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.beginClose()
	ticker := time.NewTicker(20 * time.Millisecond)
	defer ticker.Stop()
	wait := make(chan struct{})
	go func() { s.wg.Wait(); close(wait) }()
	for {
		s.wakeIdle()
		select {
		case <-wait:
			return nil
		case <-ctx.Done():
			s.closeAll()
			<-wait
			return ctx.Err()
		case <-ticker.C:
		}
	}
}

// Close closes the listeners and every connection at once.
func (s *Server) Close() error {
	s.beginClose()
	s.closeAll()
	s.wg.Wait()
	return nil
}

func (s *Server) beginClose() {
	s.mu.Lock()
	s.closing.Store(true)
	for ln := range s.listeners {
		_ = ln.Close()
	}
	s.mu.Unlock()
	s.doneOnce.Do(func() { close(s.done) })
}

// wakeIdle interrupts the reads of idle connections, which then see that
// the server is closing and end.
func (s *Server) wakeIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.idle.Load() {
			_ = c.nc.SetReadDeadline(time.Now())
		}
	}
}

func (s *Server) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.cancelStatement(errAdminShutdown)
		_ = c.nc.Close()
	}
}
