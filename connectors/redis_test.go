package connectors_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

var recSchema = types.Schema{
	{Name: "user_id", Type: types.Int64},
	{Name: "recommended_products", Type: types.ArrayOf(types.Varchar)},
	{Name: "score", Type: types.Numeric},
	{Name: "_row", Type: types.Int64, Hidden: true},
}

func recChunk(ops []types.Op, ids ...int64) *types.Chunk {
	var rows []types.Row
	for _, id := range ids {
		rows = append(rows, types.Row{id, types.Array{fmt.Sprintf("p%d", id), "p2"}, nil, int64(0)})
	}
	if ops == nil {
		ops = make([]types.Op, len(rows))
	}
	return types.NewChunk(recSchema.Types(), ops, rows)
}

func newRedisSink(t testing.TB, url string, with map[string]string, f connectors.FormatSpec) connectors.Sink {
	t.Helper()
	w := map[string]string{"connector": "redis", "redis.url": url}
	for k, v := range with {
		w[k] = v
	}
	s, err := connectors.Default.NewSink(connectors.SinkConfig{Name: "recs", Schema: recSchema, PK: []int{0}, With: w, Format: f})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRedisSinkMiniredis(t *testing.T) {
	mr := miniredis.RunT(t)
	url := "redis://" + mr.Addr()
	ctx := context.Background()
	s := newRedisSink(t, url, nil, connectors.FormatSpec{Format: "UPSERT", Encode: "JSON"})
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Write(ctx, 1, recChunk(nil, 123, 7)))
	must(s.Commit(ctx, 1))
	if got, _ := mr.Get("123"); got != `{"user_id":123,"recommended_products":["p123","p2"],"score":null}` {
		t.Fatalf("GET 123 = %s", got)
	}
	// Delete and update within an epoch; the last change per key wins.
	must(s.Write(ctx, 2, recChunk([]types.Op{types.Delete, types.UpdateDelete, types.UpdateInsert}, 7, 123, 123)))
	must(s.Commit(ctx, 2))
	if mr.Exists("7") {
		t.Error("key 7 should be deleted")
	}
	if got, _ := mr.Get(connectors.RedisFenceKey("recs")); got != fmt.Sprintf("%020d", 2) {
		t.Errorf("fence = %q", got)
	}
	// Replaying epoch 2 (after a crash) changes nothing: the fence holds.
	mr.Set("123", "changed by someone")
	must(s.Write(ctx, 2, recChunk(nil, 5)))
	must(s.Commit(ctx, 2))
	if mr.Exists("5") {
		t.Error("a replayed epoch was applied again")
	}
	if got, _ := mr.Get("123"); got != "changed by someone" {
		t.Error("a replayed epoch overwrote a key")
	}

	// TEMPLATE encoding, hash value type, and the key_format warning.
	h := newRedisSink(t, url, map[string]string{"redis_value_type": "hash"}, connectors.FormatSpec{Format: "UPSERT", Encode: "TEMPLATE",
		Options: map[string]string{"key_format": "user:{user_id}", "field_format": "recs", "value_format": "{recommended_products}"}})
	must(h.Open(ctx))
	defer h.Close()
	must(h.Write(ctx, 5, recChunk(nil, 9))) // the fence is per sink name: epochs go on from 2
	must(h.Commit(ctx, 5))
	if got := mr.HGet("user:9", "recs"); got != "{p9,p2}" {
		t.Errorf("HGET user:9 recs = %q", got)
	}
	must(h.Write(ctx, 6, recChunk([]types.Op{types.Delete}, 9)))
	must(h.Commit(ctx, 6))
	if mr.Exists("user:9") {
		t.Error("HDEL should remove the field (and the empty hash)")
	}
	w := newRedisSink(t, url, nil, connectors.FormatSpec{Format: "PLAIN", Encode: "TEMPLATE",
		Options: map[string]string{"key_format": "top:{score}", "value_format": "{user_id}"}})
	if ws := w.(connectors.Warner).Warnings(); len(ws) != 1 || !strings.Contains(ws[0], "user_id") {
		t.Errorf("warnings = %v", ws)
	}
	// force_append_only ignores deletes.
	fa := newRedisSink(t, url, nil, connectors.FormatSpec{Format: "PLAIN", Encode: "JSON", Options: map[string]string{"force_append_only": "true"}})
	must(fa.Open(ctx))
	defer fa.Close()
	mr.Set("11", "keep")
	must(fa.Write(ctx, 10, recChunk([]types.Op{types.Delete}, 11)))
	must(fa.Commit(ctx, 10))
	if !mr.Exists("11") {
		t.Error("force_append_only deleted a key")
	}
	// Errors never show the password.
	_, err := connectors.Default.NewSink(connectors.SinkConfig{Name: "x", Schema: recSchema,
		With: map[string]string{"connector": "redis", "redis.url": "redis://u:hunter2@127.0.0.1:1"}})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("want an error (no key) without the password, got %v", err)
	}
}

// startRedis runs redis-server on a free port in a temp dir.
func startRedis(t testing.TB, port int) (addr string, stop func()) {
	t.Helper()
	bin := needBinary(t, "redis-server")
	if port == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	addr = "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", t.TempDir(),
		"--save", "", "--appendonly", "no", "--protected-mode", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	t.Cleanup(stop)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	for i := 0; ; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return addr, stop
		}
		if i > 100 {
			t.Fatalf("redis-server on %s did not start", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRedisSinkRealServerFencing(t *testing.T) {
	addr, _ := startRedis(t, 0)
	ctx := context.Background()
	s := newRedisSink(t, "redis://"+addr, map[string]string{"redis.batch.size": "3"}, connectors.FormatSpec{Format: "UPSERT", Encode: "JSON"})
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids := []int64{1, 2, 3, 4, 5, 6, 7}
	if err := s.Write(ctx, 1<<60, recChunk(nil, ids...)); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, 1<<60); err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	n, _ := c.DBSize(ctx).Result()
	if n != 8 { // 7 keys + the fence
		t.Fatalf("dbsize = %d", n)
	}
	// An epoch one below a huge epoch is fenced (no float rounding).
	if err := s.Write(ctx, 1<<60-1, recChunk(nil, 99)); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, 1<<60-1); err != nil {
		t.Fatal(err)
	}
	if c.Exists(ctx, "99").Val() != 0 {
		t.Fatal("older epoch applied")
	}
	if got := c.Get(ctx, "3").Val(); got != `{"user_id":3,"recommended_products":["p3","p2"],"score":null}` {
		t.Fatalf("GET 3 = %s", got)
	}
}

// TestLogStoreRedisOutage: the target goes down, the log buffers, the
// target comes back and delivery catches up with nothing lost; a restarted
// log store redelivers what was not truncated, and the fence keeps that
// exactly once.
func TestLogStoreRedisOutage(t *testing.T) {
	mr := miniredis.RunT(t)
	store, err := state.Open(state.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sink := newRedisSink(t, "redis://"+mr.Addr(), nil, connectors.FormatSpec{Format: "UPSERT", Encode: "JSON"})
	var errs int
	ls, err := connectors.NewLogStore(connectors.LogStoreOptions{Store: store, TableID: 77, Name: "sink_recs_log", Sink: sink,
		Types: recSchema.Types(), RequireDurable: true, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		OnError: func(error) { errs++ }})
	if err != nil {
		t.Fatal(err)
	}
	ls.Start()
	epoch := uint64(0)
	appendEpoch := func(ids ...int64) {
		epoch++
		c := recChunk(nil, ids...)
		if err := ls.Append(epoch, c); err != nil {
			t.Fatal(err)
		}
		c.Release()
		ls.Seal(epoch)
		if err := store.Commit(epoch, nil); err != nil {
			t.Fatal(err)
		}
		ls.MarkDurable(epoch)
	}
	appendEpoch(1, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ls.WaitDelivered(ctx, epoch); err != nil {
		t.Fatal(err)
	}
	mr.Close() // Redis goes down
	for i := int64(10); i < 20; i++ {
		appendEpoch(i)
	}
	for deadline := time.Now().Add(10 * time.Second); ls.LastError() == nil && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if ls.LastError() == nil {
		t.Fatal("no delivery error while Redis is down")
	}
	t.Logf("while down: %v", ls.LastError())
	if lag := ls.Lag(); lag.Epochs != 10 || lag.Rows != 10 {
		t.Fatalf("lag while down = %+v, want 10 epochs, 10 rows", lag)
	}
	if err := mr.Restart(); err != nil { // back on the same address
		t.Fatal(err)
	}
	if err := ls.WaitDelivered(ctx, epoch); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"1", "2", "10", "15", "19"} {
		if !mr.Exists(k) {
			t.Errorf("key %s lost", k)
		}
	}
	if lag := ls.Lag(); lag.Epochs != 0 || lag.Delivered != epoch || lag.Retries == 0 || errs == 0 {
		t.Errorf("lag after catching up = %+v (errors %d)", lag, errs)
	}

	// Not yet durable epochs are not delivered (RequireDurable).
	epoch++
	c := recChunk(nil, 500)
	ls.Append(epoch, c)
	c.Release()
	ls.Seal(epoch)
	time.Sleep(50 * time.Millisecond)
	if mr.Exists("500") {
		t.Fatal("delivered an epoch before it was durable")
	}
	store.Commit(epoch, nil) // durable, but the log store "crashes" before hearing of it
	ls.Close()

	// Restart: the log reloads epoch `epoch` (it was committed but not
	// truncated) and delivers it; epochs already applied are fenced.
	sink2 := newRedisSink(t, "redis://"+mr.Addr(), nil, connectors.FormatSpec{Format: "UPSERT", Encode: "JSON"})
	ls2, err := connectors.NewLogStore(connectors.LogStoreOptions{Store: store, TableID: 77, Sink: sink2, Types: recSchema.Types(), RequireDurable: true})
	if err != nil {
		t.Fatal(err)
	}
	if lag := ls2.Lag(); lag.Epochs < 1 {
		t.Fatalf("reloaded lag = %+v", lag)
	}
	ls2.Start()
	defer ls2.Close()
	if err := ls2.WaitDelivered(ctx, epoch); err != nil {
		t.Fatal(err)
	}
	if !mr.Exists("500") {
		t.Fatal("reloaded epoch not delivered")
	}
}
