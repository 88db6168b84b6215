package connectors_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/eddysql/eddy/eddytest"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sqlerr"
)

// TestKafkaTypeMods reads a JSON topic into a table whose columns have type
// modifiers: values are conformed as an INSERT conforms them (numerics and
// timestamps rounded, trailing spaces of a long varchar cut), and a message
// with a value that cannot conform is skipped and reported in
// eddy_source_errors like a malformed one, while later messages still load.
func TestKafkaTypeMods(t *testing.T) {
	_, brokers := newKafka(t, kfake.SeedTopics(1, "prices"))
	msg := func(s string) kafka.Message { return kafka.Message{Value: []byte(s)} }
	produce(t, brokers, "prices",
		msg(`{"id": 1, "price": 12.345, "code": "abc", "ts": "2024-01-01 10:00:00.6", "tm": "10:00:00.12345"}`),
		msg(`{"id": 2, "price": 1, "code": "abcd", "ts": "2024-01-01 10:00:00"}`),
		msg(`{"id": 3, "price": 123456789.1, "code": "x"}`),
		msg(`{"id": 4, "price": "7.1", "code": "ab   ", "ts": "2024-01-01 23:59:59.5"}`),
		msg(`{"id": 5, "price": -0.004, "code": "é€ü", "ts": 1704067200499}`),
		msg(`{"id": 6, "price": 5, "code": "é€üx"}`),
		msg(`{"id": 7, "code": null, "price": null, "ts": null}`))
	db, _ := eddytest.Open(t)
	eddytest.Exec(t, db, `CREATE TABLE prices (id int, price numeric(10,2), code varchar(3), ts timestamp(0), tm time(2))
		WITH (connector = 'kafka', topic = 'prices', properties.bootstrap.server = '`+brokers+`',
		scan.startup.mode = 'earliest') FORMAT PLAIN ENCODE JSON`)
	eddytest.WaitFor(t, db, `SELECT id, price, code, ts, tm FROM prices ORDER BY id`, []string{
		"1 12.35 abc 2024-01-01 10:00:01 10:00:00.12",
		"4 7.10 ab  2024-01-02 00:00:00 NULL", // "ab   " cut to "ab ",
		"5 0.00 é€ü 2024-01-01 00:00:00 NULL",
		"7 NULL NULL NULL NULL",
	})
	got := eddytest.QueryText(t, db, `SELECT source, "offset", error FROM eddy_source_errors ORDER BY "offset"`)
	want := []string{
		`prices 1 column "code": value too long for type character varying(3)`,
		`prices 2 column "price": numeric field overflow`,
		`prices 5 column "code": value too long for type character varying(3)`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("eddy_source_errors:\n got %q\nwant %q", got, want)
	}

	// A source with the same columns, read by a materialized view: the
	// values conform the same way, and the view's columns keep the
	// modifiers.
	eddytest.Exec(t, db, `CREATE SOURCE src (id int, price numeric(10,2), code varchar(3)) WITH (connector = 'kafka',
		topic = 'prices', properties.bootstrap.server = '`+brokers+`', scan.startup.mode = 'earliest') FORMAT PLAIN ENCODE JSON`)
	eddytest.Exec(t, db, `CREATE MATERIALIZED VIEW ms AS SELECT id, price, code FROM src`)
	eddytest.WaitFor(t, db, `SELECT id, price, code FROM ms ORDER BY id`, []string{"1 12.35 abc", "4 7.10 ab ", "5 0.00 é€ü", "7 NULL NULL"})
	got = eddytest.QueryText(t, db, `SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
		JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = 'ms' AND a.attnum > 0 ORDER BY a.attnum`)
	if want := []string{"id integer", "price numeric(10,2)", "code character varying(3)"}; !slices.Equal(got, want) {
		t.Fatalf("ms columns: got %q, want %q", got, want)
	}

	// Under error.policy = 'fail' the first such message stops the source,
	// with the modifier's SQLSTATE, after the rows before it.
	eddytest.Exec(t, db, `CREATE TABLE strict (id int, code varchar(3)) WITH (connector = 'kafka', topic = 'prices',
		properties.bootstrap.server = '`+brokers+`', scan.startup.mode = 'earliest', error.policy = 'fail') FORMAT PLAIN ENCODE JSON`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var st engine.SourceStatus
		for _, s := range db.Engine().Sources() {
			if s.Name == "strict" {
				st = s
			}
		}
		if st.State == "failed" {
			if sqlerr.Code(st.Error) != sqlerr.StringDataRightTruncation || !strings.Contains(st.Error.Error(), "offset 1: column \"code\"") {
				t.Fatalf("failed with %v (%s)", st.Error, sqlerr.Code(st.Error))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("source strict is %q (%v), not failed", st.State, st.Error)
		}
		time.Sleep(20 * time.Millisecond)
	}
	eddytest.WaitFor(t, db, `SELECT id, code FROM strict`, []string{"1 abc"})
}
