package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy"
	"github.com/eddysql/eddy/examples/recommendations/recsim"
	"github.com/eddysql/eddy/types"
)

func dbQuerier(db *eddy.DB) querier {
	return func(q string) ([][]string, error) {
		rows, err := db.Query(context.Background(), q)
		if err != nil {
			return nil, err
		}
		var out [][]string
		for rows.Next() {
			out = append(out, rows.Text())
		}
		return out, rows.Err()
	}
}

// TestKafkaToRedis runs the reference pipeline as written (addresses
// changed) against an in-process Kafka broker and a real redis-server,
// feeds it with kafka-go and kcat, and checks the views and Redis against
// an independent recomputation.
func TestKafkaToRedis(t *testing.T) {
	brokers := newKafka(t)
	redisAddr := startRedis(t)
	needBinary(t, "kcat")
	ctx := context.Background()
	db, err := eddy.Open(ctx, eddy.Options{BarrierInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	catalog := recsim.Catalog(30)
	produceJSON(t, brokers, "product_catalog", catalog)
	g := recsim.NewGenerator(1, 15, 30)
	var events []recsim.Event
	for i := 0; i < 300; i++ {
		events = append(events, g.Next())
	}
	// Some events before the pipeline exists: scan.startup.mode='earliest'.
	produceJSON(t, brokers, "user_activity", events[:100])
	r, err := db.Exec(ctx, pipelineSQL(t, brokers, redisAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("notices: %q", r.Notices)
	produceJSON(t, brokers, "user_activity", events[100:])
	more := make([]recsim.Event, 100)
	for i := range more {
		more[i] = g.Next()
	}
	produceKcat(t, brokers, "user_activity", more)
	events = append(events, more...)
	// A malformed record is skipped and shows up in eddy_source_errors.
	produceRaw(t, brokers, "user_activity", "{not json")
	waitViews(t, dbQuerier(db), events, catalog, 20*time.Second)
	waitRedis(t, redisAddr, events, catalog, 20*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for {
		rows, err := dbQuerier(db)("SELECT source, topic, payload FROM eddy_source_errors")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) > 0 {
			if rows[0][0] != "user_activity_stream" || rows[0][1] != "user_activity" {
				t.Fatalf("eddy_source_errors: %v", rows)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the bad record did not reach eddy_source_errors")
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = types.Int64
}

// TestErrorPolicyFail: a source with error.policy='fail' stops at a bad
// record with a visible error; other sources keep running.
func TestErrorPolicyFail(t *testing.T) {
	brokers := newKafka(t)
	ctx := context.Background()
	db, err := eddy.Open(ctx, eddy.Options{BarrierInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{
		"CREATE SOURCE strict (user_id INT) WITH (connector='kafka', topic='strict', properties.bootstrap.server='" + brokers + "', error.policy='fail') FORMAT PLAIN ENCODE JSON",
		"CREATE SOURCE lenient (user_id INT) WITH (connector='kafka', topic='lenient', properties.bootstrap.server='" + brokers + "') FORMAT PLAIN ENCODE JSON",
		"CREATE MATERIALIZED VIEW s AS SELECT count(*) AS n FROM strict",
		"CREATE MATERIALIZED VIEW l AS SELECT count(*) AS n FROM lenient",
	} {
		if _, err := db.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	produceRaw(t, brokers, "strict", `{"user_id": 1}`, `oops`, `{"user_id": 2}`)
	produceRaw(t, brokers, "lenient", `{"user_id": 1}`, `oops`, `{"user_id": 2}`)
	q := dbQuerier(db)
	deadline := time.Now().Add(10 * time.Second)
	for {
		rows, err := q("SHOW SOURCES")
		if err != nil {
			t.Fatal(err)
		}
		st := map[string][]string{}
		for _, r := range rows {
			st[r[0]] = r
		}
		s, _ := q("SELECT n FROM s")
		l, _ := q("SELECT n FROM l")
		// (The topics have several partitions: strict may or may not have
		// read a good record before the bad one.)
		if len(st["strict"]) == 4 && st["strict"][2] == "failed" && strings.Contains(st["strict"][3], "bad message") &&
			len(s) == 1 && len(l) == 1 && l[0][0] == "2" {
			t.Logf("SHOW SOURCES: %v", rows)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("SHOW SOURCES %v; s=%v l=%v", rows, s, l)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
