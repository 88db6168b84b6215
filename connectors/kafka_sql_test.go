package connectors_test

import (
	"testing"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/eddysql/eddy/eddytest"
)

// TestKafkaCSVThroughSQL declares CSV sources in SQL (FORMAT PLAIN ENCODE
// CSV with its options) and reads them through a materialized view.
func TestKafkaCSVThroughSQL(t *testing.T) {
	_, brokers := newKafka(t, kfake.SeedTopics(1, "trips"), kfake.SeedTopics(1, "trips_hdr"))
	msg := func(s string) kafka.Message { return kafka.Message{Value: []byte(s)} }
	produce(t, brokers, "trips", msg("1|oslo|12.5"), msg("2|bergen|"), msg(`3|"a|b"|0.25`))
	produce(t, brokers, "trips_hdr", msg("fare,city,id"), msg("7.5,Oslo,1"), msg(",,2"))
	db, _ := eddytest.Open(t)
	eddytest.Exec(t, db, `CREATE SOURCE trips (id int, city varchar, fare numeric) WITH (connector = 'kafka', topic = 'trips',
		properties.bootstrap.server = '`+brokers+`', scan.startup.mode = 'earliest')
		FORMAT PLAIN ENCODE CSV (delimiter = '|', without_header = 'true')`)
	eddytest.Exec(t, db, `CREATE SOURCE trips_hdr (id int, city varchar, fare numeric) WITH (connector = 'kafka', topic = 'trips_hdr',
		properties.bootstrap.server = '`+brokers+`', scan.startup.mode = 'earliest') FORMAT PLAIN ENCODE CSV`)
	eddytest.Exec(t, db, `CREATE MATERIALIZED VIEW t AS SELECT id, city, fare FROM trips`)
	eddytest.Exec(t, db, `CREATE MATERIALIZED VIEW h AS SELECT id, city, fare * 2 AS f2 FROM trips_hdr`)
	eddytest.WaitFor(t, db, `SELECT * FROM t ORDER BY id`, []string{"1 oslo 12.5", "2 bergen NULL", "3 a|b 0.25"})
	eddytest.WaitFor(t, db, `SELECT * FROM h ORDER BY id`, []string{"1 Oslo 15.0", "2 NULL NULL"})
	if _, err := db.Exec(t.Context(), `CREATE SOURCE bad (id int) WITH (connector = 'kafka', topic = 'trips',
		properties.bootstrap.server = '`+brokers+`') FORMAT PLAIN ENCODE CSV (delimiter = '||')`); err == nil {
		t.Fatal("a two-character delimiter was accepted")
	}
	if _, err := db.Exec(t.Context(), `CREATE SOURCE bad (id int) WITH (connector = 'kafka', topic = 'trips',
		properties.bootstrap.server = '`+brokers+`') FORMAT UPSERT ENCODE CSV`); err == nil {
		t.Fatal("FORMAT UPSERT ENCODE CSV was accepted")
	}
}
