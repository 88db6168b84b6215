package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/eddysql/eddy"
	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/engine"
)

// benchEvents is the JSON of the first 100k Nexmark events, shared by the
// decode benchmarks so that they decode exactly the same bytes.
var benchEvents = sync.OnceValues(func() ([][]byte, error) {
	return EventsJSON(context.Background(), 100_000)
})

func eventsOrFatal(b *testing.B) [][]byte {
	recs, err := benchEvents()
	if err != nil {
		b.Fatal(err)
	}
	return recs
}

// BenchmarkDecodeLoopBaseline is the plain baseline q0 is reported
// against: goccy/go-json into Go structs in a tight loop. One op = one
// event.
func BenchmarkDecodeLoopBaseline(b *testing.B) {
	recs := eventsOrFatal(b)
	var bytes int64
	for _, r := range recs {
		bytes += int64(len(r))
	}
	b.SetBytes(bytes / int64(len(recs)))
	b.ResetTimer()
	for i := 0; i < b.N; {
		n := min(b.N-i, len(recs))
		if _, err := DecodeLoop(recs[:n]); err != nil {
			b.Fatal(err)
		}
		i += n
	}
}

// BenchmarkDecodeEddyJSON decodes the same events with Eddy's
// schema-directed decoder into column builders (what the Kafka source
// does per record). One op = one event.
func BenchmarkDecodeEddyJSON(b *testing.B) {
	recs := eventsOrFatal(b)
	schema := combinedSchema()
	dec, err := format.NewJSONDecoder(schema, format.JSONOptions{})
	if err != nil {
		b.Fatal(err)
	}
	bl := format.NewBuilder(schema.Types())
	defer bl.Release()
	var bytes int64
	for _, r := range recs {
		bytes += int64(len(r))
	}
	b.SetBytes(bytes / int64(len(recs)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows, err := dec.Decode(nil, recs[i%len(recs)])
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rows {
			bl.Append(r)
		}
		if bl.Len() >= 1024 {
			bl.Build().Release()
		}
	}
}

// valuesBatch renders INSERT INTO a VALUES of n (k, v) rows with k over
// keys distinct values.
func valuesBatch(table string, start, n, keys int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " VALUES ")
	for i := start; i < start+n; i++ {
		if i > start {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		b.WriteString(strconv.Itoa(i * 7919 % keys))
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(i))
		b.WriteByte(')')
	}
	return b.String()
}

// benchGroupBy measures the core-issue target: MV `SELECT k, count(*),
// sum(v) FROM t GROUP BY k` with 100k keys, fed by bulk INSERTs, through
// the engine. withMV=false runs the same INSERTs into a table with no view
// (the ingest floor); the difference is the cost of maintaining the view.
// One op = one input row; statements carry 10k rows and are pre-rendered
// outside the timer, but parsing them is inside it.
func benchGroupBy(b *testing.B, withMV bool) {
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	s := engine.NewSession()
	mustExec := func(sql string) {
		if _, err := eng.Exec(ctx, s, sql); err != nil {
			b.Fatal(err)
		}
	}
	mustExec("CREATE TABLE t (k BIGINT, v BIGINT) APPEND ONLY")
	if withMV {
		mustExec("CREATE MATERIALIZED VIEW agg AS SELECT k, count(*) AS n, sum(v) AS s FROM t GROUP BY k")
	}
	const keys, batch = 100_000, 10_000
	stmts := make([]string, 0, b.N/batch+1)
	for i := 0; i < b.N; i += batch {
		stmts = append(stmts, valuesBatch("t", i, min(batch, b.N-i), keys))
	}
	b.ResetTimer()
	start := Now()
	for _, st := range stmts {
		mustExec(st)
	}
	if err := eng.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	_, perCPU := Since(start).Rate(int64(b.N))
	b.ReportMetric(perCPU, "rows/cpu-s")
	if withMV && b.N >= keys {
		rs, err := eng.Exec(ctx, s, "SELECT count(*), sum(n) FROM agg")
		if err != nil {
			b.Fatal(err)
		}
		if got := fmt.Sprint(rs[0].Rows[0]); got != fmt.Sprintf("[%d %d]", keys, b.N) {
			b.Fatalf("agg has %s, want [%d %d]", got, keys, b.N)
		}
	}
}

func BenchmarkMVGroupByBulkInsert(b *testing.B) { benchGroupBy(b, true) }
func BenchmarkTableBulkInsertNoMV(b *testing.B) { benchGroupBy(b, false) }

// lookupDB is a 1M-row MV shared by the point-lookup benchmarks (loading
// it takes a while, so it is built once per process).
var lookupDB = sync.OnceValues(func() (*eddy.DB, error) {
	ctx := context.Background()
	db, err := eddy.Open(ctx, eddy.Options{})
	if err != nil {
		return nil, err
	}
	if err := LoadLookupMV(ctx, db.Engine(), lookupRows); err != nil {
		return nil, err
	}
	return db, nil
})

const lookupRows = 1_000_000

// BenchmarkPointLookupDBQuery is a PK point lookup on a 1M-row MV through
// eddy.DB.Query (the embedding API; $1 is bound as a literal).
func BenchmarkPointLookupDBQuery(b *testing.B) {
	db, err := lookupDB()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	start := Now()
	for i := 0; i < b.N; i++ {
		key := i * 7919 % lookupRows
		rows, err := db.Query(ctx, "SELECT k, v, s FROM lookup_mv WHERE k = $1", key)
		if err != nil {
			b.Fatal(err)
		}
		if rows.Len() != 1 {
			b.Fatalf("key %d: %d rows", key, rows.Len())
		}
	}
	b.StopTimer()
	if _, perCPU := Since(start).Rate(int64(b.N)); perCPU > 0 {
		b.ReportMetric(1e6/perCPU, "cpu-µs/op")
	}
}

// BenchmarkPointLookupEngine is the same lookup through engine.Exec with
// the key in the SQL text (the engine's point-lookup fast path: parse,
// plan, one state get).
func BenchmarkPointLookupEngine(b *testing.B) {
	db, err := lookupDB()
	if err != nil {
		b.Fatal(err)
	}
	eng := db.Engine()
	s := engine.NewSession()
	ctx := context.Background()
	b.ResetTimer()
	start := Now()
	for i := 0; i < b.N; i++ {
		key := i * 7919 % lookupRows
		rs, err := eng.Exec(ctx, s, "SELECT k, v, s FROM lookup_mv WHERE k = "+strconv.Itoa(key))
		if err != nil {
			b.Fatal(err)
		}
		if len(rs[0].Rows) != 1 {
			b.Fatalf("key %d: %d rows", key, len(rs[0].Rows))
		}
	}
	b.StopTimer()
	if _, perCPU := Since(start).Rate(int64(b.N)); perCPU > 0 {
		b.ReportMetric(1e6/perCPU, "cpu-µs/op")
	}
}
