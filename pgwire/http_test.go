package pgwire_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/pgwire"
)

func TestHTTP(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	s := engine.NewSession()
	for _, q := range []string{
		"CREATE TABLE ev (user_id INT, item VARCHAR, price NUMERIC, PRIMARY KEY (user_id, item))",
		"CREATE MATERIALIZED VIEW spend AS SELECT user_id, item, sum(price) AS total, count(*) AS n FROM ev GROUP BY user_id, item",
		"CREATE MATERIALIZED VIEW by_user AS SELECT user_id, count(*) AS n FROM ev GROUP BY user_id",
		"INSERT INTO ev VALUES (1, 'a b', 1.50), (1, 'c', 2), (2, 'a b', 3), (3, '<x>&\"', 4)",
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
	m, err := pgwire.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(pgwire.NewHTTPHandler(pgwire.HTTPConfig{Engine: eng, Gatherer: reg, Metrics: m}))
	defer hs.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	cases := []struct {
		path   string
		status int
		body   string
	}{
		{"/healthz", 200, "ok"},
		{"/v1/mv/spend?user_id=1&item=a+b", 200, `{"user_id":1,"item":"a b","total":1.50,"n":1}`},
		{"/v1/mv/by_user?user_id=2", 200, `{"user_id":2,"n":1}`},
		{"/v1/mv/by_user?key=1", 200, `{"user_id":1,"n":2}`},
		{"/v1/mv/by_user?user_id=9", 404, ""},
		{"/v1/mv/nope?user_id=1", 404, ""},
		{"/v1/mv/spend?user_id=1", 400, ""},
		{"/v1/mv/spend?user_id=x&item=c", 400, ""},
		{"/v1/mv/spend?user_id=1&item=c&extra=1", 400, ""},
		{"/v1/mv/by_user?limit=10", 200, `[{"user_id":1,"n":2},{"user_id":2,"n":1},{"user_id":3,"n":1}]`},
		{"/v1/mv/by_user?limit=-1", 400, ""},
		{"/v1/mv/bad%20name?limit=1", 400, ""},
		{"/v1/mv/by_user?user_id=1&user_id=1", 400, ""},
		{"/v1/mv/by_user?user_id=9&key=2", 200, `{"user_id":2,"n":1}`},
		{"/v1/mv/by_user?user_id=%32", 200, `{"user_id":2,"n":1}`},
		{"/v1/mv/by_user?user_id=2;x=1", 400, ""},
		{"/v1/mv/by_user?user_id=2&limit=1", 400, ""},
		{"/v1/mv/by_user?limit=1&limit=1", 400, ""},
		{"/v1/mv/by_user?user_id=2&b=1&a=1&b=2", 400, `{"code":"22023","error":"unknown parameter(s) a, b (the primary key is user_id)"}`},
		{"/v1/mv/spend?item=a%20b&user_id=1", 200, `{"user_id":1,"item":"a b","total":1.50,"n":1}`},
		{"/v1/mv/spend?item=%3Cx%3E%26%22&user_id=3", 200, `{"user_id":3,"item":"\u003cx\u003e\u0026\"","total":4,"n":1}`},
		{"/v1/mv/./by_user?user_id=2", 200, `{"user_id":2,"n":1}`},
	}
	for _, c := range cases {
		status, body := get(c.path)
		if status != c.status || (c.body != "" && body != c.body) {
			t.Errorf("GET %s = %d %s, want %d %s", c.path, status, body, c.status, c.body)
		}
	}
	_, metrics := get("/metrics")
	for _, want := range []string{"eddy_visible_epoch", "go_goroutines", `eddy_pgwire_queries_total{protocol="http"}`,
		"eddy_visible_epoch_age_seconds", "eddy_epoch_durable_lag", "eddy_row_errors_total", `eddy_relations{kind="materialized view"} 2`,
		"eddy_param_statements_total", "eddy_point_lookup_plan_cache_hits_total"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
