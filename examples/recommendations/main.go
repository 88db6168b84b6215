// Command recommendations runs the reference pipeline embedded, with
// generated input (pipeline_datagen.sql: no Kafka, no Redis), and serves it
// over the Postgres protocol:
//
//	go run ./examples/recommendations
//	psql -h 127.0.0.1 -p 4566 -U root -d dev -c 'SELECT * FROM user_recommendations LIMIT 5'
//
// The same is `eddy run examples/recommendations/pipeline_datagen.sql`.
// With Kafka and Redis, run pipeline.sql (the reference pipeline as written)
// with `eddy serve --init`, feed it with ./generator and read Redis with
// ./reader.
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/pgwire"
)

//go:embed pipeline_datagen.sql
var pipelineDatagen string

func main() {
	listen := flag.String("listen", "127.0.0.1:4566", "Postgres protocol address")
	dir := flag.String("data-dir", "", "data directory (empty: in memory)")
	flag.Parse()
	if err := run(*listen, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "recommendations:", err)
		os.Exit(1)
	}
}

func run(listen, dir string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	eng, err := engine.Open(ctx, engine.Options{Dir: dir, Logger: log})
	if err != nil {
		return err
	}
	defer eng.Close()
	if _, err := eng.Exec(ctx, nil, pipelineDatagen); err != nil {
		return fmt.Errorf("pipeline_datagen.sql: %w", err)
	}
	srv, err := pgwire.NewServer(pgwire.Config{Engine: eng, Addr: listen, Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Printf("recommendations: serving Postgres on %s; try\n  psql -h %s -p %d -U root -d dev -c 'SELECT * FROM user_recommendations LIMIT 5'\n",
		ln.Addr(), ln.Addr().(*net.TCPAddr).IP, ln.Addr().(*net.TCPAddr).Port)
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
