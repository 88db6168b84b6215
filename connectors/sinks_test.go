package connectors_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/internal/pgtest"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

var kvSchema = types.Schema{{Name: "id", Type: types.Int64}, {Name: "name", Type: types.Varchar}, {Name: "ts", Type: types.TimestampT}}

func kvChunk(ops []types.Op, rows ...types.Row) *types.Chunk {
	if ops == nil {
		ops = make([]types.Op, len(rows))
	}
	return types.NewChunk(kvSchema.Types(), ops, rows)
}

func writeEpoch(t testing.TB, s connectors.Sink, epoch uint64, c *types.Chunk) {
	t.Helper()
	defer c.Release()
	if err := s.Write(context.Background(), epoch, c); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(context.Background(), epoch); err != nil {
		t.Fatal(err)
	}
}

func TestKafkaSinkUpsertRoundTripAndKcat(t *testing.T) {
	_, brokers := newKafka(t, kfake.SeedTopics(2, "out"))
	sink, err := connectors.Default.NewSink(connectors.SinkConfig{Name: "k", Schema: kvSchema, PK: []int{0},
		With:   map[string]string{"connector": "kafka", "topic": "out", "properties.bootstrap.server": brokers, "properties.linger.ms": "1"},
		Format: connectors.FormatSpec{Format: "UPSERT", Encode: "JSON"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	writeEpoch(t, sink, 1, kvChunk(nil, types.Row{int64(1), "a", types.Timestamp(0)}, types.Row{int64(2), "b", nil}))
	writeEpoch(t, sink, 2, kvChunk([]types.Op{types.UpdateDelete, types.UpdateInsert, types.Delete},
		types.Row{int64(1), "a", types.Timestamp(0)}, types.Row{int64(1), "a2", types.Timestamp(0)}, types.Row{int64(2), "b", nil}))

	// Read back with the Eddy source in UPSERT format.
	src, err := connectors.Default.NewSource(connectors.SourceConfig{Name: "back", Schema: kvSchema, PK: []int{0},
		With:   map[string]string{"connector": "kafka", "topic": "out", "properties.bootstrap.server": brokers},
		Format: connectors.FormatSpec{Format: "UPSERT", Encode: "JSON"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rows := readRows(t, src, 4, 20*time.Second)
	// Per key order is kept (both messages of a key go to one partition).
	var k1, k2 []string
	for _, r := range rows {
		if strings.Fields(r)[1] == "1" {
			k1 = append(k1, r)
		} else {
			k2 = append(k2, r)
		}
	}
	if strings.Join(k1, "|") != "+ 1 a 1970-01-01 00:00:00|+ 1 a2 1970-01-01 00:00:00" || strings.Join(k2, "|") != "+ 2 b NULL|- 2 NULL NULL" {
		t.Fatalf("round trip: %q %q", k1, k2)
	}

	kcat := needBinary(t, "kcat")
	out, err := exec.Command(kcat, "-b", brokers, "-C", "-t", "out", "-e", "-q", "-Z", "-f", "%k=%s\n").CombinedOutput()
	if err != nil {
		t.Fatalf("kcat: %v\n%s", err, out)
	}
	got := sorted(strings.Split(strings.TrimSpace(string(out)), "\n"))
	want := sorted([]string{
		`{"id":1}={"id":1,"name":"a","ts":"1970-01-01 00:00:00"}`,
		`{"id":1}={"id":1,"name":"a2","ts":"1970-01-01 00:00:00"}`,
		`{"id":2}={"id":2,"name":"b","ts":null}`,
		`{"id":2}=NULL`,
	})
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("kcat saw\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestKafkaSinkPlainAndDebezium(t *testing.T) {
	_, brokers := newKafka(t, kfake.SeedTopics(1, "dbz"))
	with := map[string]string{"connector": "kafka", "topic": "dbz", "properties.bootstrap.server": brokers}
	_, err := connectors.Default.NewSink(connectors.SinkConfig{Name: "p", Schema: kvSchema, With: with, Format: connectors.FormatSpec{Format: "PLAIN", Encode: "JSON"}})
	if err == nil || sqlerr.Code(err) != sqlerr.InvalidParameterValue {
		t.Fatalf("PLAIN over a retracting input must be refused: %v", err)
	}
	if _, err := connectors.Default.NewSink(connectors.SinkConfig{Name: "p", Schema: kvSchema, With: with, AppendOnly: true,
		Format: connectors.FormatSpec{Format: "PLAIN", Encode: "JSON"}}); err != nil {
		t.Fatal(err)
	}
	sink, err := connectors.Default.NewSink(connectors.SinkConfig{Name: "d", Schema: kvSchema, PK: []int{0}, With: with,
		Format: connectors.FormatSpec{Format: "DEBEZIUM", Encode: "JSON"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	writeEpoch(t, sink, 1, kvChunk([]types.Op{types.Insert, types.UpdateDelete, types.UpdateInsert, types.Delete},
		types.Row{int64(1), "a", nil}, types.Row{int64(1), "a", nil}, types.Row{int64(1), "b", nil}, types.Row{int64(1), "b", nil}))
	// Our own Debezium decoder reads it back as the same changes.
	src, err := connectors.Default.NewSource(connectors.SourceConfig{Name: "back", Schema: kvSchema, PK: []int{0}, With: with,
		Format: connectors.FormatSpec{Format: "DEBEZIUM", Encode: "JSON"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rows := readRows(t, src, 4, 20*time.Second)
	if got := strings.Join(rows, "|"); got != "+ 1 a NULL|U- 1 a NULL|U+ 1 b NULL|- 1 b NULL" {
		t.Fatalf("debezium round trip: %s", got)
	}
}

func TestFileAndBlackholeSinks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	s, err := connectors.Default.NewSink(connectors.SinkConfig{Name: "f", Schema: kvSchema, PK: []int{0},
		With: map[string]string{"connector": "file", "path": path}, Format: connectors.FormatSpec{Format: "UPSERT", Encode: "JSON"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	writeEpoch(t, s, 1, kvChunk([]types.Op{types.Insert, types.Delete}, types.Row{int64(1), "x\ny", nil}, types.Row{int64(2), "z", nil}))
	s.Close()
	b, _ := os.ReadFile(path)
	want := "{\"id\":1,\"name\":\"x\\ny\",\"ts\":null}\n{\"__key\":{\"id\":2},\"__deleted\":true}\n"
	if string(b) != want {
		t.Fatalf("file content %q", b)
	}
	bh, err := connectors.Default.NewSink(connectors.SinkConfig{Name: "b", Schema: kvSchema, With: map[string]string{"connector": "blackhole"}})
	if err != nil {
		t.Fatal(err)
	}
	writeEpoch(t, bh, 1, kvChunk(nil, types.Row{int64(1), "a", nil}))
	if bh.(*connectors.BlackholeSink).Rows() != 1 {
		t.Fatal("blackhole did not count")
	}
	// RisingWave's benchmark DDL spells the sink's kind in WITH.
	rw := map[string]string{"connector": "blackhole", "type": "append-only", "force_append_only": "true"}
	if _, err := connectors.Default.NewSink(connectors.SinkConfig{Name: "b", Schema: kvSchema, With: rw}); err != nil {
		t.Fatalf("blackhole with type/force_append_only: %v", err)
	}
	rw["type"] = "append_only"
	if _, err := connectors.Default.NewSink(connectors.SinkConfig{Name: "b", Schema: kvSchema, With: rw}); err == nil {
		t.Fatal("blackhole accepted type='append_only'")
	}
}

func TestPostgresSink(t *testing.T) {
	srv := pgtest.Start(t, pgtest.Options{})
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE kv (id bigint PRIMARY KEY, name text, ts timestamp)`); err != nil {
		t.Fatal(err)
	}
	sink, err := connectors.Default.NewSink(connectors.SinkConfig{Name: "pg", Schema: kvSchema, PK: []int{0}, With: map[string]string{
		"connector": "postgres", "hostname": "127.0.0.1", "port": itoa(srv.Port), "username": "postgres", "table.name": "kv"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	writeEpoch(t, sink, 1, kvChunk(nil, types.Row{int64(1), "a", types.Timestamp(1_500_000)}, types.Row{int64(2), "b", nil}, types.Row{int64(3), "c", nil}))
	writeEpoch(t, sink, 2, kvChunk([]types.Op{types.UpdateDelete, types.UpdateInsert, types.Delete},
		types.Row{int64(1), "a", nil}, types.Row{int64(1), "a'2", types.Timestamp(0)}, types.Row{int64(2), "b", nil}))
	// Replaying epoch 2 is harmless.
	writeEpoch(t, sink, 2, kvChunk([]types.Op{types.UpdateDelete, types.UpdateInsert, types.Delete},
		types.Row{int64(1), "a", nil}, types.Row{int64(1), "a'2", types.Timestamp(0)}, types.Row{int64(2), "b", nil}))
	rows, err := conn.Query(ctx, `SELECT id, name, coalesce(ts::text, 'null') FROM kv ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var id int64
		var name, ts string
		rows.Scan(&id, &name, &ts)
		got = append(got, itoa(int(id))+" "+name+" "+ts)
	}
	if strings.Join(got, "|") != "1 a'2 1970-01-01 00:00:00|3 c null" {
		t.Fatalf("table = %q", got)
	}
}

// TestLogStoreDiscarderKeepsNoLog: the log of a sink that discards
// (blackhole) stays in memory, while another sink's log is written to the
// state table until delivered.
func TestLogStoreDiscarderKeepsNoLog(t *testing.T) {
	store, err := state.Open(state.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	logRows := func(id uint32) int {
		n := 0
		if err := store.Table(connectors.LogTableLayout(id, "log")).Scan(nil, func(types.Row) bool { n++; return true }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	bh := &connectors.BlackholeSink{}
	file, err := connectors.Default.NewSink(connectors.SinkConfig{Name: "f", Schema: kvSchema,
		With: map[string]string{"connector": "file", "path": filepath.Join(t.TempDir(), "out.json")}, AppendOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id       uint32
		sink     connectors.Sink
		wantRows int
	}{{1, bh, 0}, {2, file, 2}} {
		ls, err := connectors.NewLogStore(connectors.LogStoreOptions{Store: store, TableID: tc.id, Sink: tc.sink, Types: kvSchema.Types(), RequireDurable: true})
		if err != nil {
			t.Fatal(err)
		}
		for ep := uint64(1); ep <= 2; ep++ {
			c := kvChunk(nil, types.Row{int64(ep), "x", nil})
			if err := ls.Append(ep, c); err != nil {
				t.Fatal(err)
			}
			c.Release()
			ls.Seal(ep)
		}
		if got := logRows(tc.id); got != tc.wantRows {
			t.Errorf("%T: %d log rows before delivery, want %d", tc.sink, got, tc.wantRows)
		}
		ls.Start()
		ls.MarkDurable(2)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := ls.WaitDelivered(ctx, 2); err != nil {
			t.Fatal(err)
		}
		cancel()
		if got := logRows(tc.id); got != 0 {
			t.Errorf("%T: %d log rows after delivery, want 0", tc.sink, got)
		}
		ls.Close()
	}
	if bh.Rows() != 2 {
		t.Fatalf("blackhole got %d rows, want 2", bh.Rows())
	}
}
