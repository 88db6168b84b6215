package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/pgwire"
	"github.com/eddysql/eddy/sqlerr"
)

func init() {
	commands["serve"] = command{
		summary: "run the engine and serve it over the Postgres protocol: eddy serve [--data-dir DIR | --in-memory] [--listen ADDR] [--http ADDR] [--init FILE.sql]…",
		run:     runServe,
	}
	commands["run"] = command{
		summary: "load pipelines from .sql files into an embedded engine and serve them: eddy run [flags] FILE.sql…",
		run:     runRun,
	}
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type serveOptions struct {
	dataDir     string
	inMemory    bool
	listen      string
	httpAddr    string
	inits       multiFlag
	tlsCert     string
	tlsKey      string
	auth        string
	trustRemote bool
	barrier     time.Duration
	logLevel    string
}

func serveFlags(name string, o *serveOptions, stderr io.Writer, inMemoryDefault bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.dataDir, "data-dir", "", "data directory (default ./eddy-data; eddy run defaults to in-memory)")
	fs.BoolVar(&o.inMemory, "in-memory", inMemoryDefault, "keep nothing on disk")
	fs.StringVar(&o.listen, "listen", pgwire.DefaultAddr, "Postgres protocol address")
	fs.StringVar(&o.httpAddr, "http", pgwire.DefaultHTTPAddr, `HTTP address for /metrics, /healthz and /v1/mv ("" disables)`)
	fs.Var(&o.inits, "init", "SQL file to run at every start (repeatable, in order)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate file (enables SSL)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "TLS key file")
	fs.StringVar(&o.auth, "auth", "trust", "authentication: trust, password or scram (root's password from $EDDY_PASSWORD)")
	fs.BoolVar(&o.trustRemote, "trust-remote", false, "let trust authentication accept non-loopback clients")
	fs.DurationVar(&o.barrier, "barrier-interval", 0, "time between barriers (default 100ms)")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	return fs
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o serveOptions
	fs := serveFlags("eddy serve", &o, stderr, false)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "eddy serve: unexpected arguments %q (use --init FILE)\n", fs.Args())
		return errUsage
	}
	if o.dataDir != "" && o.inMemory {
		fmt.Fprintln(stderr, "eddy serve: --data-dir and --in-memory exclude each other")
		return errUsage
	}
	if !o.inMemory && o.dataDir == "" {
		o.dataDir = "eddy-data"
	}
	return serve(ctx, o, stdout, stderr)
}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o serveOptions
	fs := serveFlags("eddy run", &o, stderr, true)
	// Files and flags may be interleaved: eddy run a.sql b.sql --listen …
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) == 0 && len(o.inits) == 0 {
		fmt.Fprintln(stderr, "usage: eddy run [flags] FILE.sql…")
		return errUsage
	}
	if o.dataDir != "" {
		o.inMemory = false
	}
	o.inits = append(o.inits, files...)
	return serve(ctx, o, stdout, stderr)
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// serve opens the engine, runs the init files, and serves the Postgres
// protocol and HTTP until SIGINT/SIGTERM (or ctx ends), then shuts down
// gracefully: stop accepting, close idle connections, let running
// statements finish, close the engine (a final checkpoint).
func serve(ctx context.Context, o serveOptions, stdout, stderr io.Writer) error {
	log := newLogger(stderr, o.logLevel)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	auth, err := pgwire.ParseAuthMethod(o.auth)
	if err != nil {
		return err
	}
	var tlsCfg *tls.Config
	if o.tlsCert != "" || o.tlsKey != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return fmt.Errorf("load TLS key pair: %w", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	dir := ""
	if !o.inMemory {
		dir = o.dataDir
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	eng, err := engine.Open(ctx, engine.Options{Dir: dir, BarrierInterval: o.barrier, Logger: log})
	if err != nil {
		return fmt.Errorf("open engine: %w", err)
	}
	closeEngine := func() {
		if err := eng.Close(); err != nil {
			log.Error("close engine", "err", err)
		}
	}
	// Users live in the engine's catalog; an older users.json is imported
	// once.
	users := pgwire.NewUserStore()
	if dir != "" {
		if users, err = pgwire.NewMetaUserStore(eng, filepath.Join(dir, "users.json")); err != nil {
			closeEngine()
			return err
		}
	}
	if pw := os.Getenv("EDDY_PASSWORD"); pw != "" {
		if err := users.SetPassword("root", pw); err != nil {
			closeEngine()
			return err
		}
	} else if auth != pgwire.AuthTrust {
		if u, _ := users.Lookup("root"); u.Verifier == nil {
			log.Warn("root has no password: set EDDY_PASSWORD to log in as root with " + string(auth) + " authentication")
		}
	}
	for _, f := range o.inits {
		if err := runInitFile(ctx, eng, f, log); err != nil {
			closeEngine()
			return err
		}
	}

	reg := prometheus.NewRegistry()
	if err := pgwire.RegisterEngineMetrics(reg, eng); err != nil {
		closeEngine()
		return err
	}
	srv, err := pgwire.NewServer(pgwire.Config{
		Engine: eng, Addr: o.listen, TLSConfig: tlsCfg, Auth: auth, TrustRemote: o.trustRemote,
		Users: users, Logger: log, Registerer: reg,
	})
	if err != nil {
		closeEngine()
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		closeEngine()
		return err
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()

	var httpSrv *http.Server
	httpAddr := ""
	if o.httpAddr != "" {
		hl, err := net.Listen("tcp", o.httpAddr)
		if err != nil {
			_ = srv.Close()
			closeEngine()
			return fmt.Errorf("http: %w", err)
		}
		httpAddr = hl.Addr().String()
		httpSrv = &http.Server{
			Handler:           pgwire.NewHTTPHandler(pgwire.HTTPConfig{Engine: eng, Gatherer: reg, Metrics: srv.Metrics(), Logger: log}),
			ReadHeaderTimeout: 10 * time.Second,
		}
		go func() {
			if err := httpSrv.Serve(hl); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("http: %w", err)
			}
		}()
	}
	where := "in memory"
	if dir != "" {
		where = "data dir " + dir
	}
	log.Info("eddy is ready", "listen", ln.Addr().String(), "http", httpAddr, "auth", string(auth), "store", where)
	fmt.Fprintf(stdout, "eddy: serving Postgres on %s", ln.Addr())
	if httpAddr != "" {
		fmt.Fprintf(stdout, ", HTTP on %s", httpAddr)
	}
	fmt.Fprintf(stdout, " (%s)\n", where)
	if f, ok := stdout.(*os.File); ok {
		_ = f.Sync()
	}

	var serveErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case serveErr = <-errc:
		log.Error("server stopped", "err", serveErr)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if httpSrv != nil {
		_ = httpSrv.Shutdown(sctx)
	}
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("connections closed forcibly", "err", err)
	}
	if err := eng.Close(); err != nil {
		return fmt.Errorf("close engine: %w", err)
	}
	log.Info("stopped")
	if serveErr != nil && !errors.Is(serveErr, pgwire.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// runInitFile runs the statements of an init file. A CREATE of an object
// that already exists with the same definition is skipped (so a restart
// on the same data dir works); a different definition is an error.
func runInitFile(ctx context.Context, eng *engine.Engine, path string, log *slog.Logger) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	sess := engine.NewSession()
	stmts := parser.SplitStatements(string(b))
	skipped := 0
	for i, text := range stmts {
		_, err := eng.Exec(ctx, sess, text)
		if err == nil {
			continue
		}
		if code := sqlerr.Code(err); code == sqlerr.DuplicateTable || code == sqlerr.DuplicateObject {
			same, cerr := sameDefinition(ctx, eng, sess, text)
			if cerr != nil {
				return fmt.Errorf("init %s: statement %d: %v (and comparing definitions: %v)", path, i+1, err, cerr)
			}
			if same {
				skipped++
				continue
			}
			return fmt.Errorf("init %s: statement %d: %v with a different definition; drop it or rename the new one\n  statement: %s", path, i+1, err, oneLine(text))
		}
		line := 1 + strings.Count(string(b)[:max(strings.Index(string(b), text), 0)], "\n")
		return fmt.Errorf("init %s:%d: statement %d: %s", path, line, i+1, formatSQLError(text, err))
	}
	log.Info("init file loaded", "file", path, "statements", len(stmts), "skipped_existing", skipped)
	return nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// sameDefinition reports whether the object a CREATE statement names
// already exists with the same definition: both texts are parsed and
// compared in canonical form.
func sameDefinition(ctx context.Context, eng *engine.Engine, sess *engine.Session, text string) (bool, error) {
	st, err := parser.ParseOne(text)
	if err != nil {
		return false, err
	}
	var kind, name string
	switch x := st.(type) {
	case *parser.CreateTable:
		kind, name = "TABLE", x.Name
	case *parser.CreateMaterializedView:
		kind, name = "MATERIALIZED VIEW", x.Name
	case *parser.CreateView:
		kind, name = "VIEW", x.Name
	case *parser.CreateSource:
		kind, name = "SOURCE", x.Name
	case *parser.CreateSink:
		kind, name = "SINK", x.Name
	case *parser.CreateIndex:
		kind, name = "INDEX", x.Name
	default:
		return false, fmt.Errorf("not a CREATE statement")
	}
	rs, err := eng.Exec(ctx, sess, "SHOW CREATE "+kind+" "+name)
	if err != nil {
		return false, nil // another kind of object has the name
	}
	if len(rs) == 0 || len(rs[0].Rows) == 0 || len(rs[0].Rows[0]) < 2 {
		return false, fmt.Errorf("SHOW CREATE %s %s returned nothing", kind, name)
	}
	old, _ := rs[0].Rows[0][1].(string)
	ost, err := parser.ParseOne(old)
	if err != nil {
		return false, err
	}
	// SHOW CREATE prints secrets redacted: compare with the new text
	// redacted the same way.
	if rst, err := parser.ParseOne(engine.RedactSQL(text)); err == nil {
		st = rst
	}
	return canonical(ost) == canonical(st), nil
}

// canonical prints a CREATE statement without IF NOT EXISTS.
func canonical(st parser.Statement) string {
	switch x := st.(type) {
	case *parser.CreateTable:
		c := *x
		c.IfNotExists = false
		return c.String()
	case *parser.CreateMaterializedView:
		c := *x
		c.IfNotExists = false
		return c.String()
	case *parser.CreateView:
		c := *x
		c.IfNotExists = false
		return c.String()
	case *parser.CreateSource:
		c := *x
		c.IfNotExists = false
		return c.String()
	case *parser.CreateSink:
		c := *x
		c.IfNotExists = false
		return c.String()
	case *parser.CreateIndex:
		c := *x
		c.IfNotExists = false
		return c.String()
	}
	return st.String()
}
