package engine_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/eddysql/eddy/engine"
)

// TestReferencePipelineNotices runs the reference pipeline as written
// (addresses pointing nowhere: nothing connects at CREATE time) and checks
// the NOTICEs: the unbounded state of both views, and the Redis key_format
// warning.
func TestReferencePipelineNotices(t *testing.T) {
	b, err := os.ReadFile("../examples/recommendations/pipeline.sql")
	if err != nil {
		t.Fatal(err) // part of this repository: never missing
	}
	sql := strings.ReplaceAll(string(b), "kafka-broker1:9092,kafka-broker2:9092", "127.0.0.1:1")
	sql = strings.ReplaceAll(sql, "redis://127.0.0.1:6379/", "redis://127.0.0.1:1/")
	e, err := engine.Open(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	rs := mustExec(t, e, nil, sql)
	notices := map[string][]string{}
	for _, r := range rs {
		notices[r.Tag] = append(notices[r.Tag], r.Notices...)
	}
	all := strings.Join(notices["CREATE_MATERIALIZED_VIEW"], "\n")
	t.Log(all)
	for _, want := range []string{
		`"trending_products": the state of HashAgg (GROUP BY window_start) can only grow`,
		`source user_activity_stream is append-only and unbounded`,
		`"user_recommendations": the state of HashJoin can only grow`,
		`source product_catalog is append-only and unbounded`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing notice %q in:\n%s", want, all)
		}
	}
	if strings.Contains(all, `"user_recommendations": the state of HashJoin can only grow: it keeps every row of its inputs, and source user_activity_stream`) {
		t.Errorf("the temporal filter bounds user_activity_stream in user_recommendations:\n%s", all)
	}
	if s := strings.Join(notices["CREATE_SINK"], "\n"); !strings.Contains(s, "key_format") {
		t.Errorf("CREATE SINK notices: %q", s)
	}
	// A table that takes deletes is bounded by its data: no notice.
	rs = mustExec(t, e, nil, "CREATE TABLE t (k int PRIMARY KEY, v int); CREATE MATERIALIZED VIEW tv AS SELECT v, count(*) FROM t GROUP BY v")
	if len(rs[1].Notices) != 0 {
		t.Errorf("notices for a bounded table: %q", rs[1].Notices)
	}
	// SHOW CREATE SINK prints the Redis URL without its password.
	mustExec(t, e, nil, "CREATE SINK s2 FROM tv WITH (connector='redis', redis.url='redis://u:hunter2@127.0.0.1:1/', primary_key='v') FORMAT PLAIN ENCODE JSON (force_append_only='true')")
	rs = mustExec(t, e, nil, "SHOW CREATE SINK s2")
	if txt := rs[0].Rows[0][1].(string); strings.Contains(txt, "hunter2") || !strings.Contains(txt, "REDACTED") {
		t.Errorf("SHOW CREATE SINK: %s", txt)
	}
}
