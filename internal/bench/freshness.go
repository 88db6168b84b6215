package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	json "github.com/goccy/go-json"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/pgwire"
	"github.com/eddysql/eddy/sqlerr"
)

// FreshnessOptions configure `eddy bench freshness`.
type FreshnessOptions struct {
	Rate      int           // events per second
	Duration  time.Duration // how long to produce
	BarrierMS int
	Keys      int // distinct group keys
	Log       io.Writer
}

// FreshnessResult holds the delays from produce to visible.
type FreshnessResult struct {
	Produced   int64
	Rate       float64 // achieved produce rate
	Ingest     string
	ByReader   map[string]LatencyStats
	Order      []string
	Notes      []string
	BarrierMS  int
	ProbeEvery int
}

// Lines renders the result.
func (r *FreshnessResult) Lines() []string {
	out := []string{fmt.Sprintf("produced %d events at %.0f events/s (%s), barrier_interval_ms=%d; probe key 0 gets every %dth event",
		r.Produced, r.Rate, r.Ingest, r.BarrierMS, r.ProbeEvery)}
	for _, p := range r.Order {
		s := r.ByReader[p]
		out = append(out, fmt.Sprintf("freshness %s samples=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f", p, s.N,
			ms(s.P50), ms(s.P99), ms(s.Max)))
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// RunFreshness produces timestamped events at a fixed rate through
// Kafka → source → GROUP BY → MV (→ Redis sink) and measures, for every
// event of the probe key, the delay until the MV (read over pgwire) and
// Redis show it.
func RunFreshness(ctx context.Context, o FreshnessOptions) (*FreshnessResult, error) {
	if o.Rate <= 0 {
		o.Rate = 10000
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Keys <= 0 {
		o.Keys = 1000
	}
	if o.BarrierMS <= 0 {
		o.BarrierMS = 20
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	const probeEvery = 10 // every 10th event goes to the probe key 0; the others spread over keys 1..Keys-1
	res := &FreshnessResult{ByReader: map[string]LatencyStats{}, BarrierMS: o.BarrierMS, ProbeEvery: probeEvery}

	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.SeedTopics(1, "fresh"))
	if err != nil {
		return nil, err
	}
	defer cluster.Close()
	brokers := strings.Join(cluster.ListenAddrs(), ",")

	// redis-server starts before the engine so that it stops after it
	// (the engine's Redis sink must not outlive the server).
	redisAddr := ""
	if bin, err := exec.LookPath("redis-server"); err == nil {
		addr, stop, err := startRedisServer(bin)
		if err != nil {
			return nil, err
		}
		defer stop()
		redisAddr = addr
	}

	eng, err := engine.Open(ctx, engine.Options{BarrierInterval: time.Duration(o.BarrierMS) * time.Millisecond, CheckpointFrequency: 1})
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	sess := engine.NewSession()
	run := func(sql string) error {
		_, err := eng.Exec(ctx, sess, sql)
		return err
	}
	useKafka := true
	err = run("CREATE SOURCE ev (k BIGINT, seq BIGINT) WITH (connector = 'kafka', topic = 'fresh', properties.bootstrap.server = '" +
		brokers + "', scan.startup.mode = 'earliest') FORMAT PLAIN ENCODE JSON")
	if err != nil {
		if sqlerr.Code(err) != sqlerr.FeatureNotSupported {
			return nil, err
		}
		useKafka = false
		res.Notes = append(res.Notes, "CREATE SOURCE is not supported by the engine yet: events enter through INSERT statements instead of Kafka")
		if err := run("CREATE TABLE ev (k BIGINT, seq BIGINT) APPEND ONLY"); err != nil {
			return nil, err
		}
	}
	res.Ingest = "kafka (kfake) → source"
	if !useKafka {
		res.Ingest = "INSERT"
	}
	if err := run("CREATE MATERIALIZED VIEW fresh_agg AS SELECT k, count(*) AS n, max(seq) AS last_seq FROM ev GROUP BY k"); err != nil {
		return nil, err
	}

	// Redis, when redis-server is installed and the engine has sinks.
	var rc *redis.Client
	if redisAddr == "" {
		res.Notes = append(res.Notes, "redis-server not found: Redis freshness skipped")
	} else {
		addr := redisAddr
		err = run("CREATE SINK fresh_redis FROM fresh_agg WITH (connector = 'redis', redis.url = 'redis://" + addr + "/') FORMAT UPSERT ENCODE JSON")
		if err != nil {
			res.Notes = append(res.Notes, "Redis freshness skipped: "+err.Error())
		} else {
			rc = redis.NewClient(&redis.Options{Addr: addr})
			defer rc.Close()
		}
	}

	srv, err := pgwire.NewServer(pgwire.Config{Engine: eng})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://root@%s/dev?sslmode=disable", ln.Addr()))
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)

	// probes[seq/probeEvery] is the produce time of event seq of key 0.
	total := int64(float64(o.Rate) * o.Duration.Seconds())
	probes := make([]atomic.Int64, total/probeEvery+1)
	var producedUpTo atomic.Int64

	var w *kafka.Writer
	if useKafka {
		w = &kafka.Writer{Addr: kafka.TCP(strings.Split(brokers, ",")...), Topic: "fresh", Balancer: &kafka.RoundRobin{},
			BatchSize: 2000, BatchBytes: 900 << 10, BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireOne}
		defer w.Close()
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var produceErr error
	var wg sync.WaitGroup
	wg.Add(1)
	start := time.Now()
	go func() { // producer: every millisecond, the events that are due
		defer wg.Done()
		defer producedUpTo.Store(total)
		var seq int64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		var msgs []kafka.Message
		var sql strings.Builder
		for seq < total {
			select {
			case <-pctx.Done():
				return
			case <-tick.C:
			}
			due := min(int64(time.Since(start).Seconds()*float64(o.Rate)), total)
			if due <= seq {
				continue
			}
			now := time.Now().UnixNano()
			msgs = msgs[:0]
			sql.Reset()
			sql.WriteString("INSERT INTO ev VALUES ")
			for ; seq < due; seq++ {
				k := int64(0)
				if seq%probeEvery == 0 {
					probes[seq/probeEvery].Store(now)
				} else {
					k = 1 + seq%int64(max(o.Keys-1, 1))
				}
				if useKafka {
					msgs = append(msgs, kafka.Message{Value: []byte(`{"k":` + strconv.FormatInt(k, 10) + `,"seq":` + strconv.FormatInt(seq, 10) + `}`)})
				} else {
					if sql.Len() > 22 {
						sql.WriteByte(',')
					}
					fmt.Fprintf(&sql, "(%d,%d)", k, seq)
				}
			}
			if useKafka {
				produceErr = w.WriteMessages(pctx, msgs...)
			} else {
				_, produceErr = eng.Exec(pctx, engine.NewSession(), sql.String())
			}
			if produceErr != nil {
				return
			}
			producedUpTo.Store(seq)
		}
	}()

	// Readers: poll the probe key and turn every newly visible seq into
	// a delay sample.
	type reader struct {
		name string
		get  func() (int64, error) // last_seq of key 0, -1 when absent
	}
	readers := []reader{{"pgwire_mv", func() (int64, error) {
		var v int64
		err := conn.QueryRow(ctx, "SELECT last_seq FROM fresh_agg WHERE k = 0").Scan(&v)
		if errors.Is(err, pgx.ErrNoRows) {
			return -1, nil
		}
		return v, err
	}}}
	if rc != nil {
		readers = append(readers, reader{"redis", func() (int64, error) {
			b, err := rc.Get(ctx, "0").Bytes()
			if errors.Is(err, redis.Nil) {
				return -1, nil
			}
			if err != nil {
				return 0, err
			}
			var row struct {
				LastSeq int64 `json:"last_seq"`
			}
			if err := json.Unmarshal(b, &row); err != nil {
				return 0, fmt.Errorf("redis value %q: %w", b, err)
			}
			return row.LastSeq, nil
		}})
	}
	lats := make([][]time.Duration, len(readers))
	errs := make([]error, len(readers))
	var rwg sync.WaitGroup
	for i, r := range readers {
		rwg.Add(1)
		go func(i int, r reader) {
			defer rwg.Done()
			next := int64(0) // next probe index not yet seen
			deadline := time.Now().Add(o.Duration + 10*time.Second)
			for next < int64(len(probes)) && next*probeEvery < total && time.Now().Before(deadline) {
				v, err := r.get()
				seen := time.Now().UnixNano()
				if err != nil {
					errs[i] = err
					return
				}
				if v < 0 {
					continue
				}
				for ; next <= v/probeEvery && next < int64(len(probes)); next++ {
					if p := probes[next].Load(); p > 0 {
						lats[i] = append(lats[i], time.Duration(seen-p))
					}
				}
				if r.name == "redis" {
					time.Sleep(50 * time.Microsecond)
				}
			}
		}(i, r)
	}
	logf("producing %d events/s for %s …", o.Rate, o.Duration)
	wg.Wait()
	elapsed := time.Since(start)
	rwg.Wait()
	if produceErr != nil {
		return nil, fmt.Errorf("produce: %w", produceErr)
	}
	res.Produced = producedUpTo.Load()
	res.Rate = float64(res.Produced) / elapsed.Seconds()
	for i, r := range readers {
		if errs[i] != nil {
			return nil, fmt.Errorf("%s: %w", r.name, errs[i])
		}
		res.ByReader[r.name] = latencyStats(lats[i], elapsed, 0)
		res.Order = append(res.Order, r.name)
	}
	return res, nil
}

// startRedisServer runs redis-server on a free loopback port in a
// temporary directory.
func startRedisServer(bin string) (addr string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "eddy-bench-redis-")
	if err != nil {
		return "", nil, err
	}
	addr = "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no")
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	stop = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		os.RemoveAll(dir)
	}
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	for i := 0; ; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return addr, stop, nil
		}
		if i > 100 {
			stop()
			return "", nil, fmt.Errorf("redis-server on %s did not start", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
