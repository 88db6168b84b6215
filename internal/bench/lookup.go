package bench

import (
	"bufio"
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
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/pgwire"
)

// LookupOptions configure `eddy bench lookup`.
type LookupOptions struct {
	Rows      int
	Clients   int
	Duration  time.Duration // per protocol
	Protocols []string      // "pgwire", "http", "embedded"
	Log       io.Writer

	// Rate is the offered load in lookups per second over all clients
	// (open loop: each client sends on a fixed schedule and latency counts
	// from the scheduled time, so queueing behind a slow answer is
	// included); 0 runs closed loop at saturation.
	Rate float64

	// Serve, when set, loads the view, serves it on ServePG (pgwire) and
	// ServeHTTP and waits for ctx to end, measuring nothing: the server
	// half of a two-process run.
	Serve              bool
	ServePG, ServeHTTP string
	// PGAddr and HTTPAddr point the clients at a server in another process
	// (started with Serve, holding Rows rows); nothing is loaded here.
	PGAddr, HTTPAddr string
	// ServerPID, when set, is the server process: its CPU time per lookup
	// is reported from /proc.
	ServerPID int
	// RawHTTP makes the HTTP clients minimal HTTP/1.1 keep-alive clients
	// on a net.Conn each (one write per request, a buffered read of the
	// status line, headers and Content-Length body) instead of net/http's
	// client, which costs about as much CPU as the server.
	RawHTTP bool
}

// LatencyStats summarises a set of latencies.
type LatencyStats struct {
	N             int
	QPS           float64
	P50, P99, Max time.Duration
	CPUPerOp      time.Duration // process CPU time per operation (client and server share the process)
	// Open-loop runs: the offered rate, and the p99 measured from the
	// moment the request was actually sent rather than scheduled.
	Rate        float64
	P99FromSend time.Duration
	// ServerCPUPerOp is the server process's CPU per operation (two-process runs).
	ServerCPUPerOp time.Duration
}

func latencyStats(lat []time.Duration, wall, cpu time.Duration) LatencyStats {
	s := LatencyStats{N: len(lat)}
	if len(lat) == 0 {
		return s
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	s.P50 = lat[len(lat)/2]
	s.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
	s.Max = lat[len(lat)-1]
	s.QPS = float64(len(lat)) / wall.Seconds()
	s.CPUPerOp = cpu / time.Duration(len(lat))
	return s
}

// LookupResult is the outcome of `eddy bench lookup`.
type LookupResult struct {
	Rows, Clients int
	LoadSpan      Span
	ByProtocol    map[string]LatencyStats
	Order         []string
	Errors        int64
	FirstError    string
	// RawHTTP reports that the HTTP figures come from the minimal client.
	RawHTTP bool
}

// Lines renders the result.
func (r *LookupResult) Lines() []string {
	var out []string
	if r.LoadSpan.Wall > 0 {
		out = append(out, fmt.Sprintf("loaded %d rows in %.1f s (%.1f CPU s)", r.Rows, r.LoadSpan.Wall.Seconds(), r.LoadSpan.CPU.Seconds()))
	}
	for _, p := range r.Order {
		s := r.ByProtocol[p]
		line := fmt.Sprintf("lookup %s rows=%d clients=%d n=%d qps=%.0f p50_us=%.0f p99_us=%.0f max_us=%.0f cpu_us_per_op=%.1f",
			p, r.Rows, r.Clients, s.N, s.QPS, us(s.P50), us(s.P99), us(s.Max), us(s.CPUPerOp))
		if s.Rate > 0 {
			line += fmt.Sprintf(" offered=%.0f p99_from_send_us=%.0f", s.Rate, us(s.P99FromSend))
		}
		if s.ServerCPUPerOp > 0 {
			line += fmt.Sprintf(" server_cpu_us_per_op=%.1f", us(s.ServerCPUPerOp))
		}
		if p == "http" && r.RawHTTP {
			line += " http_client=raw"
		}
		out = append(out, line)
	}
	if r.Errors > 0 {
		out = append(out, fmt.Sprintf("errors=%d first: %s", r.Errors, r.FirstError))
	}
	return out
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// LoadLookupMV creates table lk (k BIGINT PRIMARY KEY, v BIGINT, s VARCHAR)
// with rows 0..n-1 and the materialized view lookup_mv over it (same
// primary key), and waits until it is visible.
func LoadLookupMV(ctx context.Context, eng *engine.Engine, n int) error {
	sess := engine.NewSession()
	for _, s := range []string{
		"CREATE TABLE lk (k BIGINT PRIMARY KEY, v BIGINT, s VARCHAR)",
		"CREATE MATERIALIZED VIEW lookup_mv AS SELECT k, v, s FROM lk",
	} {
		if _, err := eng.Exec(ctx, sess, s); err != nil {
			return err
		}
	}
	const batch = 10000
	var b strings.Builder
	for i := 0; i < n; i += batch {
		b.Reset()
		b.WriteString("INSERT INTO lk VALUES ")
		for j := i; j < min(i+batch, n); j++ {
			if j > i {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(%d,%d,'value-%d')", j, j*7, j)
		}
		if _, err := eng.Exec(ctx, sess, b.String()); err != nil {
			return err
		}
	}
	return eng.Flush(ctx)
}

// RunLookup loads the view, serves it over pgwire and HTTP in-process and
// measures point lookups from concurrent clients.
func RunLookup(ctx context.Context, o LookupOptions) (*LookupResult, error) {
	if o.Rows <= 0 {
		o.Rows = 1_000_000
	}
	if o.Clients <= 0 {
		o.Clients = 16
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if len(o.Protocols) == 0 {
		o.Protocols = []string{"pgwire", "http", "embedded"}
	}
	res := &LookupResult{Rows: o.Rows, Clients: o.Clients, ByProtocol: map[string]LatencyStats{}}
	var eng *engine.Engine
	pgAddr, httpAddr := o.PGAddr, o.HTTPAddr
	if pgAddr == "" && httpAddr == "" {
		var err error
		if eng, err = engine.Open(ctx, engine.Options{}); err != nil {
			return nil, err
		}
		defer eng.Close()
		if o.Log != nil {
			fmt.Fprintf(o.Log, "loading %d rows …\n", o.Rows)
		}
		start := Now()
		if err := LoadLookupMV(ctx, eng, o.Rows); err != nil {
			return nil, err
		}
		res.LoadSpan = Since(start)

		srv, err := pgwire.NewServer(pgwire.Config{Engine: eng})
		if err != nil {
			return nil, err
		}
		ln, err := net.Listen("tcp", cmpOr(o.ServePG, "127.0.0.1:0"))
		if err != nil {
			return nil, err
		}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		hl, err := net.Listen("tcp", cmpOr(o.ServeHTTP, "127.0.0.1:0"))
		if err != nil {
			return nil, err
		}
		hs := &http.Server{Handler: pgwire.NewHTTPHandler(pgwire.HTTPConfig{Engine: eng}), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = hs.Serve(hl) }()
		defer hs.Close()
		pgAddr, httpAddr = ln.Addr().String(), hl.Addr().String()
		if o.Serve {
			if o.Log != nil {
				fmt.Fprintf(o.Log, "serving lookup_mv (%d rows): pgwire %s, http %s (pid %d)\n", o.Rows, pgAddr, httpAddr, os.Getpid())
			}
			<-ctx.Done()
			return res, nil
		}
	}
	var nerr atomic.Int64
	var firstErr sync.Once
	fail := func(err error) {
		nerr.Add(1)
		firstErr.Do(func() { res.FirstError = err.Error() })
	}
	for _, p := range o.Protocols {
		p = strings.TrimSpace(p)
		var client func(id int) (func(key int) error, func(), error)
		switch p {
		case "pgwire":
			if pgAddr == "" {
				return nil, fmt.Errorf("pgwire: no server address")
			}
			url := fmt.Sprintf("postgres://root@%s/dev?sslmode=disable", pgAddr)
			client = func(int) (func(int) error, func(), error) {
				conn, err := pgx.Connect(ctx, url)
				if err != nil {
					return nil, nil, err
				}
				return func(key int) error {
					var k, v int64
					var s string
					if err := conn.QueryRow(ctx, "SELECT k, v, s FROM lookup_mv WHERE k = $1", key).Scan(&k, &v, &s); err != nil {
						return err
					}
					if k != int64(key) || v != int64(key)*7 {
						return fmt.Errorf("pgwire lookup %d returned k=%d v=%d", key, k, v)
					}
					return nil
				}, func() { _ = conn.Close(ctx) }, nil
			}
		case "http":
			if httpAddr == "" {
				return nil, fmt.Errorf("http: no server address")
			}
			if o.RawHTTP {
				client = func(int) (func(int) error, func(), error) {
					rc, err := dialRawHTTP(ctx, httpAddr)
					if err != nil {
						return nil, nil, err
					}
					return func(key int) error {
						status, body, err := rc.get("/v1/mv/lookup_mv?k=", key)
						if err != nil {
							return err
						}
						if status != http.StatusOK {
							return fmt.Errorf("http lookup %d: status %d: %s", key, status, body)
						}
						if !strings.Contains(string(body), `"value-`+strconv.Itoa(key)+`"`) {
							return fmt.Errorf("http lookup %d returned %s", key, body)
						}
						return nil
					}, func() { _ = rc.nc.Close() }, nil
				}
				break
			}
			tr := &http.Transport{MaxIdleConnsPerHost: o.Clients, MaxConnsPerHost: o.Clients}
			hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			base := "http://" + httpAddr + "/v1/mv/lookup_mv?k="
			client = func(int) (func(int) error, func(), error) {
				buf := make([]byte, 0, 256)
				return func(key int) error {
					resp, err := hc.Get(base + strconv.Itoa(key))
					if err != nil {
						return err
					}
					buf = buf[:0]
					for {
						if len(buf) == cap(buf) {
							buf = append(buf, 0)[:len(buf)]
						}
						n, err := resp.Body.Read(buf[len(buf):cap(buf)])
						buf = buf[:len(buf)+n]
						if err != nil {
							break
						}
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						return fmt.Errorf("http lookup %d: %s: %s", key, resp.Status, buf)
					}
					if !strings.Contains(string(buf), `"value-`+strconv.Itoa(key)+`"`) {
						return fmt.Errorf("http lookup %d returned %s", key, buf)
					}
					return nil
				}, tr.CloseIdleConnections, nil
			}
		case "embedded":
			if eng == nil {
				return nil, fmt.Errorf("embedded: not available against a server in another process")
			}
			client = func(int) (func(int) error, func(), error) {
				sess := engine.NewSession()
				return func(key int) error {
					rs, err := eng.Exec(ctx, sess, "SELECT k, v, s FROM lookup_mv WHERE k = "+strconv.Itoa(key))
					if err != nil {
						return err
					}
					if len(rs) != 1 || len(rs[0].Rows) != 1 {
						return fmt.Errorf("embedded lookup %d: no row", key)
					}
					return nil
				}, func() {}, nil
			}
		default:
			return nil, fmt.Errorf("unknown protocol %q (want pgwire, http or embedded)", p)
		}
		if o.Log != nil {
			fmt.Fprintf(o.Log, "%s: %d clients for %s …\n", p, o.Clients, o.Duration)
		}
		stats, err := drive(ctx, o.Clients, o.Rows, o.Duration, o.Rate, o.ServerPID, client, fail)
		if err != nil {
			return nil, err
		}
		res.ByProtocol[p] = stats
		res.Order = append(res.Order, p)
	}
	res.Errors = nerr.Load()
	res.RawHTTP = o.RawHTTP
	return res, nil
}

// drive runs clients concurrently for d (after a short warm-up) and
// collects the latency of every call. With rate > 0 each client sends on
// a fixed schedule (rate/clients per second, staggered) and a call's
// latency runs from its scheduled time; with rate 0 clients call back to
// back. serverPID, when set, adds the server process's CPU per call.
func drive(ctx context.Context, clients, rows int, d time.Duration, rate float64, serverPID int,
	mk func(id int) (func(int) error, func(), error), fail func(error)) (LatencyStats, error) {
	calls := make([]func(int) error, clients)
	for i := range calls {
		call, closeFn, err := mk(i)
		if err != nil {
			return LatencyStats{}, err
		}
		defer closeFn()
		calls[i] = call
	}
	warm := min(d/5, time.Second)
	var wg sync.WaitGroup
	lats := make([][]time.Duration, clients)
	sendLats := make([][]time.Duration, clients)
	var measuring atomic.Bool
	var stop atomic.Bool
	var interval time.Duration
	if rate > 0 {
		interval = time.Duration(float64(clients) / rate * float64(time.Second))
	}
	t0 := time.Now()
	for i := range calls {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 42))
			lat := make([]time.Duration, 0, 1<<16)
			var slat []time.Duration
			next := t0.Add(interval * time.Duration(i) / time.Duration(clients))
			for !stop.Load() && ctx.Err() == nil {
				key := r.IntN(rows)
				var from time.Time
				if interval > 0 {
					if w := time.Until(next); w > 0 {
						time.Sleep(w)
					}
					from = next
					next = next.Add(interval)
				}
				sent := time.Now()
				if interval == 0 {
					from = sent
				}
				err := calls[i](key)
				end := time.Now()
				if err != nil {
					fail(err)
					continue
				}
				if measuring.Load() {
					lat = append(lat, end.Sub(from))
					if interval > 0 {
						slat = append(slat, end.Sub(sent))
					}
				}
			}
			lats[i], sendLats[i] = lat, slat
		}(i)
	}
	time.Sleep(warm)
	start := Now()
	srvStart := procCPU(serverPID)
	measuring.Store(true)
	time.Sleep(d)
	measuring.Store(false)
	span := Since(start)
	srvCPU := procCPU(serverPID) - srvStart
	stop.Store(true)
	wg.Wait()
	var all, sent []time.Duration
	for i := range lats {
		all = append(all, lats[i]...)
		sent = append(sent, sendLats[i]...)
	}
	st := latencyStats(all, span.Wall, span.CPU)
	if rate > 0 {
		st.Rate = rate
		if len(sent) > 0 {
			sort.Slice(sent, func(i, j int) bool { return sent[i] < sent[j] })
			st.P99FromSend = sent[min(len(sent)-1, len(sent)*99/100)]
		}
	}
	if serverPID > 0 && len(all) > 0 {
		st.ServerCPUPerOp = srvCPU / time.Duration(len(all))
	}
	return st, nil
}

// procCPU is the user+system CPU time of process pid from /proc (0 when
// pid is 0 or unreadable).
func procCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name: state is field 3,
	// utime and stime fields 14 and 15, in clock ticks (100 per second).
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// rawHTTP is a minimal HTTP/1.1 keep-alive client for the lookup benchmark:
// it writes a GET in one call and reads the status line, the headers and a
// Content-Length body, with no per-request allocation beyond what growing
// its buffers needs. It understands only what eddy's HTTP server sends.
type rawHTTP struct {
	nc   net.Conn
	r    *bufio.Reader
	req  []byte
	host string
	body []byte
}

func dialRawHTTP(ctx context.Context, addr string) (*rawHTTP, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http: dial %s: %w", addr, err)
	}
	return &rawHTTP{nc: nc, r: bufio.NewReaderSize(nc, 4096), host: addr}, nil
}

// get requests path followed by key and returns the status and body (valid
// until the next call).
func (c *rawHTTP) get(path string, key int) (int, []byte, error) {
	req := append(c.req[:0], "GET "...)
	req = append(req, path...)
	req = strconv.AppendInt(req, int64(key), 10)
	req = append(req, " HTTP/1.1\r\nHost: "...)
	req = append(req, c.host...)
	req = append(req, "\r\n\r\n"...)
	c.req = req
	_ = c.nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write(req); err != nil {
		return 0, nil, fmt.Errorf("http: write: %w", err)
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, nil, fmt.Errorf("http: read status: %w", err)
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || string(line[:5]) != "HTTP/" {
		return 0, nil, fmt.Errorf("http: bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, fmt.Errorf("http: bad status line %q", line)
	}
	length := -1
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, fmt.Errorf("http: read headers: %w", err)
		}
		if len(h) <= 2 {
			break
		}
		const cl = "content-length:"
		if len(h) > len(cl) && strings.EqualFold(string(h[:len(cl)]), cl) {
			if length, err = strconv.Atoi(strings.TrimSpace(string(h[len(cl):]))); err != nil {
				return 0, nil, fmt.Errorf("http: bad header %q", h)
			}
		}
	}
	if length < 0 {
		return 0, nil, fmt.Errorf("http: answer without Content-Length")
	}
	if cap(c.body) < length {
		c.body = make([]byte, length)
	}
	c.body = c.body[:length]
	if _, err := io.ReadFull(c.r, c.body); err != nil {
		return 0, nil, fmt.Errorf("http: read body: %w", err)
	}
	return status, c.body, nil
}
