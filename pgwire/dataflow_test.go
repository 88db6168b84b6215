package pgwire_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/pgwire"
)

func TestHTTPDataflow(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	s := engine.NewSession()
	for _, q := range []string{
		"CREATE TABLE ev (user_id INT, price INT)",
		"CREATE MATERIALIZED VIEW big_spenders AS SELECT user_id, count(*) AS n FROM ev WHERE price > 10 GROUP BY user_id",
		"INSERT INTO ev VALUES (1, 5), (1, 20), (2, 30), (3, 1)",
		"FLUSH",
	} {
		if _, err := eng.Exec(ctx, s, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	reg := prometheus.NewRegistry()
	if err := pgwire.RegisterEngineMetrics(reg, eng); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(pgwire.NewHTTPHandler(pgwire.HTTPConfig{Engine: eng, Gatherer: reg}))
	defer hs.Close()
	get := func(path string) (int, string, string) {
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}

	_, _, metrics := get("/metrics")
	for _, want := range []string{
		`eddy_operator_rows_in_total{id="4",job="big_spenders",operator="StreamFilter"} 4`,
		`eddy_operator_rows_out_total{id="4",job="big_spenders",operator="StreamFilter"} 2`,
		`eddy_operator_rows_in_total{id="0",job="ev",operator="Table"} 4`,
		`eddy_barrier_latency_seconds_bucket{le="+Inf"}`,
		"eddy_barrier_latency_seconds_count",
		"eddy_barrier_latency_seconds_sum",
		"eddy_epoch_durable_lag", "eddy_row_errors_total",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Log(metrics)
	}

	status, ctype, body := get("/v1/dataflow")
	if status != 200 || !strings.HasPrefix(ctype, "application/json") {
		t.Fatalf("/v1/dataflow: %d %s", status, ctype)
	}
	var df struct {
		At   int64
		Jobs []engine.JobPlan
	}
	if err := json.Unmarshal([]byte(body), &df); err != nil {
		t.Fatalf("/v1/dataflow: %v\n%s", err, body)
	}
	names := map[string]engine.JobPlan{}
	for _, j := range df.Jobs {
		names[j.Name] = j
	}
	mv, ok := names["big_spenders"]
	if !ok || names["ev"].Kind != "table" || mv.Kind != "materialized view" || df.At == 0 {
		t.Fatalf("/v1/dataflow jobs: %s", body)
	}
	if mv.Ops[0].Kind != "Materialize" || mv.Ops[0].RowsIn != 2 {
		t.Errorf("materialize: %+v", mv.Ops[0])
	}

	status, ctype, body = get("/")
	if status != 200 || !strings.HasPrefix(ctype, "text/html") {
		t.Fatalf("/: %d %s", status, ctype)
	}
	for _, want := range []string{"big_spenders", "StreamFilter", "/v1/dataflow", "<table"} {
		if !strings.Contains(body, want) {
			t.Errorf("/ lacks %q", want)
		}
	}
	if status, _, _ := get("/nope"); status != 404 {
		t.Errorf("/nope: %d", status)
	}
}
