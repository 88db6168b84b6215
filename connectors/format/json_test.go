package format_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/types"
)

func decodeAll(t testing.TB, d *format.JSONDecoder, ts []types.Type, recs ...string) (*types.Chunk, []error) {
	t.Helper()
	b := format.NewBuilder(ts)
	defer b.Release()
	var errs []error
	for _, r := range recs {
		key, val, _ := strings.Cut(r, "|")
		if !strings.Contains(r, "|") {
			key, val = "", r
		}
		rows, err := d.Decode([]byte(key), []byte(val))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, row := range rows {
			b.Append(row)
		}
	}
	return b.Build(), errs
}

func chunkText(c *types.Chunk) string {
	if c == nil {
		return ""
	}
	var sb strings.Builder
	for i := 0; i < c.NumRows(); i++ {
		sb.WriteString(c.Ops[i].String())
		for j := range c.Cols {
			sb.WriteString(" ")
			d := c.Datum(j, i)
			if d == nil {
				sb.WriteString("NULL")
			} else {
				sb.WriteString(types.FormatText(d))
			}
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

func TestJSONPlain(t *testing.T) {
	schema := types.Schema{
		{Name: "id", Type: types.Int64},
		{Name: "Name", Type: types.Varchar},
		{Name: "price", Type: types.Numeric},
		{Name: "score", Type: types.Float64},
		{Name: "ok", Type: types.Bool},
		{Name: "ts", Type: types.TimestampT},
		{Name: "tags", Type: types.ArrayOf(types.Varchar)},
		{Name: "meta", Type: types.JSONBT},
		{Name: "user.city", Type: types.Varchar},
		{Name: "small", Type: types.Int16},
		{Name: "d", Type: types.DateT},
		{Name: "tz", Type: types.TimestamptzT},
	}
	d, err := format.NewJSONDecoder(schema, format.JSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, errs := decodeAll(t, d, schema.Types(),
		`{"ID": 1, "name": "a\"b\u00e9", "price": 12.50, "score": 1e2, "ok": true, "ts": "2024-01-02 03:04:05.123456",
		  "tags": ["x", null, "y"], "meta": {"b": 2, "a": [1, {"c": null}]}, "user": {"city": "Oslo", "zip": 1},
		  "unknown": {"deep": [1,2,3]}, "small": 7, "d": "2024-02-29", "tz": "2024-01-02T03:04:05+02:00"}`,
		`{"id": 2}`,
		`{"id": 3, "ts": 1700000000000, "name": 42, "small": "12"}`,
		`{"id": 4, "small": 70000}`,       // out of range
		`{"id": 5, "ok": "maybe"}`,        // bad bool
		`{"id": 6, "score": "abc"}`,       // bad float
		`{"id": 7,`,                       // malformed
		`[1,2]`,                           // not an object
		`{"id": 1.5}`,                     // not an integer
		`{"id": 8, "tags": {"a": 1}}`,     // object into array
		`{"id": 9, "ts": "not a time"}`,   // bad timestamp
		`{"id": 10, "d": "2023-02-29"}`,   // invalid date
		`{"id": 11, "price": "1e400000"}`, // numeric text
	)
	want := `+ 1 a"bé 12.50 100 t 2024-01-02 03:04:05.123456 {x,NULL,y} {"a": [1, {"c": null}], "b": 2} Oslo 7 2024-02-29 2024-01-02 01:04:05+00
+ 2 NULL NULL NULL NULL NULL NULL NULL NULL NULL NULL NULL
+ 3 42 NULL NULL NULL 2023-11-14 22:13:20 NULL NULL NULL 12 NULL NULL
`
	got := chunkText(c)
	lines := strings.SplitAfterN(got, "\n", 4)
	if strings.Join(lines[:3], "") != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if len(errs) < 9 {
		t.Errorf("want at least 9 record errors, got %d: %v", len(errs), errs)
	}
	for _, e := range errs {
		t.Log(e)
	}
	if !strings.Contains(errs[0].Error(), `column "small"`) {
		t.Errorf("error should name the column: %v", errs[0])
	}
}

func TestJSONUpsertAndDebezium(t *testing.T) {
	schema := types.Schema{{Name: "id", Type: types.Int32}, {Name: "v", Type: types.Varchar}}
	up, err := format.NewJSONDecoder(schema, format.JSONOptions{Format: format.Upsert, PK: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	c, errs := decodeAll(t, up, schema.Types(),
		`{"id":1}|{"id":1,"v":"a"}`,
		`2|{"v":"b"}`,
		`{"id":1}|`,
		`3|null`,
	)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if got, want := chunkText(c), "+ 1 a\n+ 2 b\n- 1 NULL\n- 3 NULL\n"; got != want {
		t.Errorf("upsert: got\n%s want\n%s", got, want)
	}
	dbz, err := format.NewJSONDecoder(schema, format.JSONOptions{Format: format.Debezium})
	if err != nil {
		t.Fatal(err)
	}
	c, errs = decodeAll(t, dbz, schema.Types(),
		`{"schema":{"x":1},"payload":{"before":null,"after":{"id":1,"v":"a"},"op":"c","ts_ms":1}}`,
		`{"before":{"id":1,"v":"a"},"after":{"id":1,"v":"b"},"op":"u"}`,
		`{"payload":{"before":{"id":1,"v":"b"},"after":null,"op":"d"}}`,
		`null`,
		`{"before":null,"after":{"id":2,"v":"r"},"op":"r"}`,
		`{"before":null,"after":null,"op":"x"}`,
	)
	if len(errs) != 1 {
		t.Fatalf("want 1 error, got %v", errs)
	}
	if got, want := chunkText(c), "+ 1 a\nU- 1 a\nU+ 1 b\n- 1 b\n+ 2 r\n"; got != want {
		t.Errorf("debezium: got\n%s want\n%s", got, want)
	}
}

func TestAppendJSON(t *testing.T) {
	schema := types.Schema{
		{Name: "user_id", Type: types.Int64},
		{Name: "recommended_products", Type: types.ArrayOf(types.Varchar)},
		{Name: "ts", Type: types.TimestampT},
		{Name: "s", Type: types.Varchar},
	}
	row := types.Row{int64(123), types.Array{"p1", "p2"}, types.Timestamp(0), "a\"\n"}
	got := string(format.AppendJSONObject(nil, row, schema, []int{0, 1, 2, 3}))
	want := `{"user_id":123,"recommended_products":["p1","p2"],"ts":"1970-01-01 00:00:00","s":"a\"\n"}`
	if got != want {
		t.Errorf("got %s want %s", got, want)
	}
}

var bidSchema = types.Schema{
	{Name: "auction", Type: types.Int64},
	{Name: "bidder", Type: types.Int64},
	{Name: "price", Type: types.Int64},
	{Name: "channel", Type: types.Varchar},
	{Name: "url", Type: types.Varchar},
	{Name: "date_time", Type: types.TimestampT},
	{Name: "extra", Type: types.Varchar},
}

func bidRecords(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(fmt.Sprintf(`{"auction":%d,"bidder":%d,"price":%d,"channel":"channel-%d","url":"https://www.nexmark.com/abc/def/ghi/item.htm?query=1&channel_id=%d","date_time":"2015-07-15 00:00:%02d.%03d","extra":"lwaiyhjhrkaruidlsjilvqccyedtte"}`,
			1000+i%100, 2000+i%1000, 100+i*7%100000, i%10, i*31, i%60, i%1000))
	}
	return out
}

// BenchmarkDecodeJSON decodes Nexmark-bid-like records into chunks of 1024
// rows; events/s is reported as a custom metric.
func BenchmarkDecodeJSON(b *testing.B) {
	recs := bidRecords(4096)
	d, err := format.NewJSONDecoder(bidSchema, format.JSONOptions{})
	if err != nil {
		b.Fatal(err)
	}
	bl := format.NewBuilder(bidSchema.Types())
	defer bl.Release()
	var bytes int64
	for _, r := range recs {
		bytes += int64(len(r))
	}
	b.SetBytes(bytes / int64(len(recs)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows, err := d.Decode(nil, recs[i%len(recs)])
		if err != nil {
			b.Fatal(err)
		}
		bl.Append(rows[0])
		if bl.Len() == 1024 {
			bl.Build().Release()
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	// On a shared machine wall time overstates the cost; events per
	// second of process CPU time is the per-core figure.
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "events/cpu-s")
	}
}

// cpuTime returns the user+system CPU time of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// FuzzDecodeJSON checks that no input makes the decoder panic, in any
// layout, and that every decoded row can be appended.
func FuzzDecodeJSON(f *testing.F) {
	for _, r := range bidRecords(3) {
		f.Add(string(r))
	}
	f.Add(`{"before":{"auction":1},"after":{"auction":2},"op":"u"}`)
	f.Add(`{"payload":{"after":{"url":"\ud83d\ude00","date_time":17},"op":"c"}}`)
	f.Add(`{"auction":"12","extra":[1,{"a":"b"}],"price":1e3}`)
	schema := append(types.Schema{}, bidSchema...)
	schema = append(schema,
		types.Column{Name: "j", Type: types.JSONBT},
		types.Column{Name: "arr", Type: types.ArrayOf(types.Int32)},
		types.Column{Name: "n.x", Type: types.Numeric},
		types.Column{Name: "b", Type: types.Bytea},
		types.Column{Name: "f", Type: types.Float32},
		types.Column{Name: "iv", Type: types.IntervalT},
	)
	f.Fuzz(func(t *testing.T, s string) {
		for _, fm := range []string{format.Plain, format.Upsert, format.Debezium} {
			d, err := format.NewJSONDecoder(schema, format.JSONOptions{Format: fm, PK: []int{0}})
			if err != nil {
				t.Fatal(err)
			}
			b := format.NewBuilder(schema.Types())
			rows, err := d.Decode([]byte(s), []byte(s))
			if err == nil {
				for _, r := range rows {
					b.Append(r)
				}
			}
			if c := b.Build(); c != nil {
				_ = c.Rows()
				c.Release()
			}
			b.Release()
		}
	})
}
