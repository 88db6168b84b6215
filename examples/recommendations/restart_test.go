package main

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eddysql/eddy/examples/recommendations/recsim"
)

// buildEddy builds the eddy binary into a temp dir.
func buildEddy(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "eddy")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/eddysql/eddy/cmd/eddy")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build cmd/eddy: %v\n%s", err, out)
	}
	return bin
}

type server struct {
	t    *testing.T
	bin  string
	args []string
	cmd  *exec.Cmd
	addr string
	log  *os.File
}

func (s *server) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, s.args...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(context.Background(), "postgres://root@"+s.addr+"/dev?sslmode=disable")
		if err == nil {
			conn.Close(context.Background())
			return
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(s.log.Name())
			s.t.Fatalf("eddy serve did not come up: %v\n%s", err, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill9 kills the server like kill -9 and waits for it to die.
func (s *server) kill9() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

func (s *server) querier() querier {
	return func(q string) ([][]string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, "postgres://root@"+s.addr+"/dev?sslmode=disable")
		if err != nil {
			return nil, err
		}
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, q, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out [][]string
		for rows.Next() {
			var r []string
			for _, b := range rows.RawValues() {
				r = append(r, string(b))
			}
			out = append(out, r)
		}
		return out, rows.Err()
	}
}

// TestRestartKill9 runs the reference pipeline in `eddy serve` (Kafka →
// Redis), kills the process with SIGKILL at random points five times while
// events flow, and checks after the restarts that the views and Redis equal
// the recomputation over everything produced: nothing lost, nothing counted
// twice.
func TestRestartKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the eddy binary")
	}
	brokers := newKafka(t)
	redisAddr := startRedis(t)
	bin := buildEddy(t)
	dir := t.TempDir()
	initFile := filepath.Join(dir, "pipeline.sql")
	if err := os.WriteFile(initFile, []byte(pipelineSQL(t, brokers, redisAddr)), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "eddy.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	s := &server{t: t, bin: bin, addr: addr, log: logf, args: []string{"serve", "--data-dir", filepath.Join(dir, "data"),
		"--listen", addr, "--http", "", "--init", initFile, "--barrier-interval", "20ms"}}
	catalog := recsim.Catalog(40)
	produceJSON(t, brokers, "product_catalog", catalog)
	s.start()

	var mu sync.Mutex
	var events []recsim.Event
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		g := recsim.NewGenerator(3, 20, 40)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			batch := make([]recsim.Event, 25)
			for i := range batch {
				batch[i] = g.Next()
			}
			produceJSON(t, brokers, "user_activity", batch)
			mu.Lock()
			events = append(events, batch...)
			mu.Unlock()
		}
	}()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	for i := 0; i < 5; i++ {
		time.Sleep(time.Duration(300+rng.Intn(1500)) * time.Millisecond)
		s.kill9()
		s.start()
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	<-done
	defer s.kill9()
	mu.Lock()
	all := append([]recsim.Event(nil), events...)
	mu.Unlock()
	t.Logf("%d events produced across 5 kill -9 restarts", len(all))
	waitViews(t, s.querier(), all, catalog, 30*time.Second)
	waitRedis(t, redisAddr, all, catalog, 30*time.Second)
	// One more restart after everything was delivered changes nothing.
	s.kill9()
	s.start()
	waitViews(t, s.querier(), all, catalog, 10*time.Second)
	_ = fmt.Sprint()
}
