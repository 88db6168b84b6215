package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/eddysql/eddy/examples/recommendations/recsim"
)

func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and "+format, args...)
	}
	t.Skipf(format, args...)
}

func needBinary(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		skipOrFail(t, "%s not found in PATH; install it to run this test", name)
	}
	return p
}

// newKafka starts an in-process Kafka broker with the pipeline's topics.
func newKafka(t testing.TB) string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.AllowAutoTopicCreation(), kfake.NumBrokers(1),
		kfake.SeedTopics(3, "user_activity"), kfake.SeedTopics(1, "product_catalog"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return strings.Join(c.ListenAddrs(), ",")
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startRedis runs redis-server on a free port in a temp dir.
func startRedis(t testing.TB) (addr string) {
	t.Helper()
	bin := needBinary(t, "redis-server")
	port := freePort(t)
	addr = "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", t.TempDir(),
		"--save", "", "--appendonly", "no", "--protected-mode", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	for i := 0; ; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return addr
		}
		if i > 200 {
			t.Fatalf("redis-server on %s did not start", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pipelineSQL is the reference pipeline as written, with only the broker
// and Redis addresses changed.
func pipelineSQL(t testing.TB, brokers, redisAddr string) string {
	t.Helper()
	b, err := os.ReadFile("pipeline.sql")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.Contains(s, "kafka-broker1:9092,kafka-broker2:9092") || !strings.Contains(s, "redis://127.0.0.1:6379/") {
		t.Fatal("pipeline.sql: addresses to replace not found")
	}
	s = strings.ReplaceAll(s, "kafka-broker1:9092,kafka-broker2:9092", brokers)
	return strings.ReplaceAll(s, "redis://127.0.0.1:6379/", "redis://"+redisAddr+"/")
}

func produceJSON[T any](t testing.TB, brokers, topic string, vals []T) {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(strings.Split(brokers, ",")...), Topic: topic, BatchTimeout: 2 * time.Millisecond, RequiredAcks: kafka.RequireAll}
	defer w.Close()
	var msgs []kafka.Message
	for _, v := range vals {
		b, _ := json.Marshal(v)
		msgs = append(msgs, kafka.Message{Value: b})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("produce to %s: %v", topic, err)
	}
}

// produceKcat produces JSON lines with Debian's kcat.
func produceKcat(t testing.TB, brokers, topic string, events []recsim.Event) {
	t.Helper()
	kcat := needBinary(t, "kcat")
	var in strings.Builder
	for _, e := range events {
		b, _ := json.Marshal(e)
		in.Write(b)
		in.WriteByte('\n')
	}
	cmd := exec.Command(kcat, "-b", brokers, "-t", topic, "-P")
	cmd.Stdin = strings.NewReader(in.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat produce: %v\n%s", err, out)
	}
}

// querier runs a query and returns rows as text.
type querier func(q string) ([][]string, error)

// expectedViews renders the recomputed views like the queries in
// checkViews return them.
func expectedViews(events []recsim.Event, catalog []recsim.Product, now time.Time) (trending, recs []string) {
	for _, r := range recsim.Trending(events) {
		trending = append(trending, fmt.Sprintf("%s %s %d", r.WindowStart.Format("2006-01-02 15:04:05"), r.ProductID, r.ViewCount))
	}
	sort.Strings(trending)
	for u, ps := range recsim.Recommendations(events, catalog, now) {
		recs = append(recs, fmt.Sprintf("%d %s", u, recsim.FormatList(ps)))
	}
	sort.Strings(recs)
	return trending, recs
}

// viewsNow reads both views through q, in the form of expectedViews.
func viewsNow(q querier) (trending, recs []string, err error) {
	rows, err := q("SELECT window_start, product_id, view_count FROM trending_products")
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rows {
		trending = append(trending, strings.Join(r, " "))
	}
	sort.Strings(trending)
	rows, err = q("SELECT user_id, recommended_products FROM user_recommendations")
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rows {
		els := strings.Split(strings.Trim(r[1], "{}"), ",")
		recs = append(recs, r[0]+" "+recsim.FormatList(els))
	}
	sort.Strings(recs)
	return trending, recs, nil
}

func diffLines(got, want []string) string {
	m := map[string]int{}
	for _, g := range got {
		m[g]++
	}
	for _, w := range want {
		m[w]--
	}
	var out []string
	for k, v := range m {
		if v > 0 {
			out = append(out, fmt.Sprintf("  unexpected (x%d): %s", v, k))
		} else if v < 0 {
			out = append(out, fmt.Sprintf("  missing (x%d): %s", -v, k))
		}
	}
	sort.Strings(out)
	if len(out) > 20 {
		out = append(out[:20], fmt.Sprintf("  … %d more", len(out)-20))
	}
	return strings.Join(out, "\n")
}

// waitViews polls until both views equal the recomputation.
func waitViews(t testing.TB, q querier, events []recsim.Event, catalog []recsim.Product, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		wt, wr := expectedViews(events, catalog, time.Now())
		gt, gr, err := viewsNow(q)
		if err == nil && diffLines(gt, wt) == "" && diffLines(gr, wr) == "" {
			return
		}
		if time.Now().After(deadline) {
			if err != nil {
				t.Fatalf("views: %v", err)
			}
			t.Fatalf("views differ from the recomputation after %v:\ntrending_products:\n%s\nuser_recommendations:\n%s", timeout, diffLines(gt, wt), diffLines(gr, wr))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkRedis compares Redis with the recomputation: GET <user_id> holds the
// user's recommendations as JSON; trending:<window_start> holds
// product_id:view_count of one of the window's rows, with a count no larger
// than the product's true count (one key per window: the template's
// key_format omits product_id, so rows overwrite each other).
func waitRedis(t testing.TB, addr string, events []recsim.Event, catalog []recsim.Product, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	deadline := time.Now().Add(timeout)
	var problem string
	for {
		problem = redisProblem(ctx, c, events, catalog)
		if problem == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis differs from the recomputation after %v: %s", timeout, problem)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func redisProblem(ctx context.Context, c *redis.Client, events []recsim.Event, catalog []recsim.Product) string {
	for u, ps := range recsim.Recommendations(events, catalog, time.Now()) {
		v, err := c.Get(ctx, strconv.Itoa(u)).Result()
		if err != nil {
			return fmt.Sprintf("GET %d: %v", u, err)
		}
		var doc struct {
			UserID   int      `json:"user_id"`
			Products []string `json:"recommended_products"`
		}
		if err := json.Unmarshal([]byte(v), &doc); err != nil {
			return fmt.Sprintf("GET %d = %q: %v", u, v, err)
		}
		if doc.UserID != u || recsim.FormatList(doc.Products) != recsim.FormatList(ps) {
			return fmt.Sprintf("GET %d = %s, want products %s", u, v, recsim.FormatList(ps))
		}
	}
	counts := map[string]map[string]int64{}
	for _, r := range recsim.Trending(events) {
		w := r.WindowStart.Format("2006-01-02 15:04:05")
		if counts[w] == nil {
			counts[w] = map[string]int64{}
		}
		counts[w][r.ProductID] = r.ViewCount
	}
	for w, ps := range counts {
		v, err := c.Get(ctx, "trending:"+w).Result()
		if err != nil {
			return fmt.Sprintf("GET trending:%s: %v", w, err)
		}
		p, n, ok := strings.Cut(v, ":")
		cnt, err := strconv.ParseInt(n, 10, 64)
		if !ok || err != nil {
			return fmt.Sprintf("GET trending:%s = %q", w, v)
		}
		total := int64(0)
		for _, e := range events {
			if e.EventType == "page_view" && e.ProductID == p && strings.HasPrefix(e.Timestamp, w[:13]) {
				total++
			}
		}
		if cnt < 1 || cnt > total {
			return fmt.Sprintf("GET trending:%s = %q: %s has %d views in that hour", w, v, p, total)
		}
		_ = ps
	}
	return ""
}

// produceRaw produces raw values.
func produceRaw(t testing.TB, brokers, topic string, vals ...string) {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(strings.Split(brokers, ",")...), Topic: topic, BatchTimeout: 2 * time.Millisecond, RequiredAcks: kafka.RequireAll, AllowAutoTopicCreation: true}
	defer w.Close()
	var msgs []kafka.Message
	for _, v := range vals {
		msgs = append(msgs, kafka.Message{Value: []byte(v)})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("produce to %s: %v", topic, err)
	}
}
