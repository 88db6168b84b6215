package engine_test

import (
	"testing"

	"github.com/eddysql/eddy/engine"
)

func TestOperatorRowCounters(t *testing.T) {
	e := openMem(t)
	s := engine.NewSession()
	mustExec(t, e, s, "CREATE TABLE t (k int, v int)")
	mustExec(t, e, s, "CREATE MATERIALIZED VIEW mv AS SELECT k, count(*) AS n FROM t WHERE v > 5 GROUP BY k")
	// N = 10 rows, 5 of them pass the filter, in 2 groups.
	mustExec(t, e, s, "INSERT INTO t SELECT g % 2, g FROM generate_series(1, 10) AS g; FLUSH")

	var plan *engine.JobPlan
	jobs := e.JobPlans()
	for i := range jobs {
		if jobs[i].Name == "mv" {
			plan = &jobs[i]
		}
	}
	if plan == nil {
		t.Fatalf("no job mv in %+v", jobs)
	}
	byKind := map[string]engine.PlanOp{}
	for _, op := range plan.Ops {
		t.Logf("%*s#%d %s in=%d out=%d", 2*op.Depth, "", op.ID, op.Line, op.RowsIn, op.RowsOut)
		byKind[op.Kind] = op
	}
	f, ok := byKind["StreamFilter"]
	if !ok || f.RowsIn != 10 || f.RowsOut != 5 {
		t.Errorf("filter: %+v", f)
	}
	a, ok := byKind["StreamHashAgg"]
	if !ok || a.RowsIn != 5 || a.RowsOut != 2 {
		t.Errorf("agg: %+v", a)
	}
	m := plan.Ops[0]
	if m.Kind != "Materialize" || m.ID != 0 || m.RowsIn != 2 {
		t.Errorf("materialize: %+v", m)
	}
	if sc, ok := byKind["StreamTableScan"]; !ok || sc.RowsOut != 10 || sc.RowsIn != 10 {
		t.Errorf("scan: %+v", sc)
	}

	// More rows: the agg updates its groups (a delete and an insert each).
	mustExec(t, e, s, "INSERT INTO t VALUES (0, 100), (0, 1); FLUSH")
	st := e.Stats()
	var tbl, filt *engine.OperatorStats
	for i, op := range st.Operators {
		switch {
		case op.Job == "t" && op.Kind == "Table":
			tbl = &st.Operators[i]
		case op.Job == "mv" && op.Kind == "StreamFilter":
			filt = &st.Operators[i]
		}
	}
	if tbl == nil || tbl.RowsIn != 12 {
		t.Errorf("table: %+v", tbl)
	}
	if filt == nil || filt.RowsIn != 12 || filt.RowsOut != 6 {
		t.Errorf("filter: %+v", filt)
	}
	if st.BarrierLatency.Count == 0 || len(st.BarrierLatency.Counts) != len(st.BarrierLatency.Buckets) ||
		st.BarrierLatency.Counts[len(st.BarrierLatency.Counts)-1] > st.BarrierLatency.Count {
		t.Errorf("barrier latency: %+v", st.BarrierLatency)
	}

	mustExec(t, e, s, "DROP MATERIALIZED VIEW mv")
	for _, j := range e.JobPlans() {
		if j.Name == "mv" {
			t.Errorf("dropped mv still listed")
		}
	}
}
