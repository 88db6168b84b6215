package pgwire_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/pgwire"
)

// benchRows is the MV size of the point-lookup benchmarks
// (EDDY_BENCH_ROWS, default 1,000,000).
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("EDDY_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

var (
	benchOnce sync.Once
	benchEng  *engine.Engine
	benchErr  error
)

// benchEngine loads a table of n rows and an MV over it, once per process.
func benchEngine(b *testing.B) *engine.Engine {
	benchOnce.Do(func() {
		ctx := context.Background()
		n := benchRows()
		e, err := engine.Open(ctx, engine.Options{})
		if err != nil {
			benchErr = err
			return
		}
		s := engine.NewSession()
		if _, err := e.Exec(ctx, s, "CREATE TABLE src (id bigint PRIMARY KEY, name varchar, score int)"); err != nil {
			benchErr = err
			return
		}
		if _, err := e.Exec(ctx, s, "CREATE MATERIALIZED VIEW mv AS SELECT id, name, score * 2 AS s2 FROM src"); err != nil {
			benchErr = err
			return
		}
		var sb strings.Builder
		for lo := 0; lo < n; lo += 5000 {
			sb.Reset()
			sb.WriteString("INSERT INTO src VALUES ")
			for i := lo; i < min(lo+5000, n); i++ {
				if i > lo {
					sb.WriteByte(',')
				}
				fmt.Fprintf(&sb, "(%d,'name-%d',%d)", i, i, i%1000)
			}
			if _, err := e.Exec(ctx, s, sb.String()); err != nil {
				benchErr = err
				return
			}
		}
		if _, err := e.Exec(ctx, s, "FLUSH"); err != nil {
			benchErr = err
			return
		}
		benchEng = e
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchEng
}

// runConcurrent runs op from 16 workers until b.N operations are done and
// reports ops/s and the p50/p99 latency.
func runConcurrent(b *testing.B, workers int, setup func(w int) func(i int) error) {
	ops := make([]func(int) error, workers)
	for w := range ops {
		ops[w] = setup(w)
	}
	lat := make([][]time.Duration, workers)
	var next atomic.Int64
	var failed atomic.Value
	b.ResetTimer()
	cpu0 := processCPU()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				t0 := time.Now()
				if err := ops[w](int(i)); err != nil {
					failed.Store(err)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}(w)
	}
	wg.Wait()
	el := time.Since(start)
	cpu := processCPU() - cpu0
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	if len(all) > 0 {
		b.ReportMetric(float64(len(all))/el.Seconds(), "qps")
		b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
		b.ReportMetric(float64(cpu.Microseconds())/float64(len(all)), "cpu-µs/op")
	}
}

// processCPU is the user+system CPU time of this process (clients and
// server together).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPgwirePointLookup: 16 pgx clients looking up MV rows by primary
// key over loopback (prepared statements, binary parameters).
func BenchmarkPgwirePointLookup(b *testing.B) {
	e := benchEngine(b)
	n := benchRows()
	srv, err := pgwire.NewServer(pgwire.Config{Engine: e})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	ctx := context.Background()
	var conns []*pgx.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close(ctx)
		}
	}()
	runConcurrent(b, 16, func(w int) func(int) error {
		c, err := pgx.Connect(ctx, "postgres://root@"+ln.Addr().String()+"/dev?sslmode=disable")
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
		rng := rand.New(rand.NewPCG(uint64(w), 7))
		return func(int) error {
			id := rng.Int64N(int64(n))
			var name string
			var s2 int32
			if err := c.QueryRow(ctx, "SELECT name, s2 FROM mv WHERE id = $1", id).Scan(&name, &s2); err != nil {
				return err
			}
			if name != "name-"+strconv.FormatInt(id, 10) {
				return fmt.Errorf("id %d: got %q", id, name)
			}
			return nil
		}
	})
}

// BenchmarkHTTPPointLookup: 16 HTTP clients on GET /v1/mv/mv?id=N.
func BenchmarkHTTPPointLookup(b *testing.B) {
	e := benchEngine(b)
	n := benchRows()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: pgwire.NewHTTPHandler(pgwire.HTTPConfig{Engine: e})}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	base := "http://" + ln.Addr().String() + "/v1/mv/mv?id="
	runConcurrent(b, 16, func(w int) func(int) error {
		cl := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
		rng := rand.New(rand.NewPCG(uint64(w), 9))
		return func(int) error {
			id := rng.Int64N(int64(n))
			resp, err := cl.Get(base + strconv.FormatInt(id, 10))
			if err != nil {
				return err
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"name-`+strconv.FormatInt(id, 10)+`"`) {
				return fmt.Errorf("id %d: %d %s", id, resp.StatusCode, body)
			}
			return nil
		}
	})
}
