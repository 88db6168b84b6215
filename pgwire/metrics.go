package pgwire

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sqlerr"
)

// Metrics are the server's Prometheus metrics.
type Metrics struct {
	// Registry is the registry the metrics were registered with when the
	// server made its own (Config.Registerer nil); nil otherwise.
	Registry *prometheus.Registry

	connections      prometheus.Gauge
	connectionsTotal prometheus.Counter
	queries          *prometheus.CounterVec
	errors           *prometheus.CounterVec
	latency          prometheus.Histogram
}

// NewMetrics creates the server metrics and registers them with reg (a new
// registry when nil).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "eddy_pgwire_connections", Help: "Open client connections.",
		}),
		connectionsTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "eddy_pgwire_connections_total", Help: "Client connections accepted.",
		}),
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eddy_pgwire_queries_total", Help: "Queries received, by protocol (simple, extended, http).",
		}, []string{"protocol"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eddy_pgwire_errors_total", Help: "Errors sent to clients, by SQLSTATE.",
		}, []string{"sqlstate"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "eddy_pgwire_statement_duration_seconds",
			Help:    "Time to execute one statement in the engine.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}),
	}
	if reg == nil {
		m.Registry = prometheus.NewRegistry()
		reg = m.Registry
	}
	for _, c := range []prometheus.Collector{m.connections, m.connectionsTotal, m.queries, m.errors, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) observe(d time.Duration, err error) {
	m.latency.Observe(d.Seconds())
	_ = err
}

// countError counts an error answered outside a connection (HTTP).
func (m *Metrics) countError(err error) {
	m.errors.WithLabelValues(sqlerr.Code(err)).Inc()
}

// StatsReporter is an optional engine extension: RegisterEngineMetrics
// exports its Stats as metrics. *engine.Engine implements it.
type StatsReporter interface {
	Stats() engine.Stats
}

// statsCollector turns engine.Stats into Prometheus metrics at scrape time.
type statsCollector struct {
	e                                      StatsReporter
	age, lag, rowErr, flowErr, rels        *prometheus.Desc
	pendRows, pendBytes, params, cachedHit *prometheus.Desc
	opIn, opOut, barrierLat                *prometheus.Desc
}

func newStatsCollector(e StatsReporter) *statsCollector {
	return &statsCollector{
		e:         e,
		age:       prometheus.NewDesc("eddy_visible_epoch_age_seconds", "Time since the visible epoch last advanced.", nil, nil),
		lag:       prometheus.NewDesc("eddy_epoch_durable_lag", "Visible epoch minus durable epoch.", nil, nil),
		rowErr:    prometheus.NewDesc("eddy_row_errors_total", "Values that became NULL in streaming dataflows.", nil, nil),
		flowErr:   prometheus.NewDesc("eddy_dataflow_errors_total", "Errors returned by streaming dataflows.", nil, nil),
		rels:      prometheus.NewDesc("eddy_relations", "Catalog objects by kind.", []string{"kind"}, nil),
		pendRows:  prometheus.NewDesc("eddy_state_pending_rows", "Rows staged or sealed but not yet durable, by relation.", []string{"relation"}, nil),
		pendBytes: prometheus.NewDesc("eddy_state_pending_bytes", "Approximate bytes staged or sealed but not yet durable, by relation.", []string{"relation"}, nil),
		params:    prometheus.NewDesc("eddy_param_statements_total", "Statements run with native parameters.", nil, nil),
		cachedHit: prometheus.NewDesc("eddy_point_lookup_plan_cache_hits_total", "Parameterised point lookups answered by a cached plan.", nil, nil),
		opIn: prometheus.NewDesc("eddy_operator_rows_in_total", "Rows into an operator of a streaming dataflow, by job (table, MV or sink), operator kind and id.",
			[]string{"job", "operator", "id"}, nil),
		opOut: prometheus.NewDesc("eddy_operator_rows_out_total", "Rows out of an operator of a streaming dataflow, by job (table, MV or sink), operator kind and id.",
			[]string{"job", "operator", "id"}, nil),
		barrierLat: prometheus.NewDesc("eddy_barrier_latency_seconds", "Time from a barrier's injection to its epoch being visible.", nil, nil),
	}
}

func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.age, c.lag, c.rowErr, c.flowErr, c.rels, c.pendRows, c.pendBytes, c.params, c.cachedHit, c.opIn, c.opOut, c.barrierLat} {
		ch <- d
	}
}

func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.e.Stats()
	ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, st.VisibleAge.Seconds())
	ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, float64(st.VisibleEpoch)-float64(st.DurableEpoch))
	ch <- prometheus.MustNewConstMetric(c.rowErr, prometheus.CounterValue, float64(st.RowErrors))
	ch <- prometheus.MustNewConstMetric(c.flowErr, prometheus.CounterValue, float64(st.FlowErrors))
	for k, n := range st.Relations {
		ch <- prometheus.MustNewConstMetric(c.rels, prometheus.GaugeValue, float64(n), k)
	}
	for _, t := range st.Tables {
		ch <- prometheus.MustNewConstMetric(c.pendRows, prometheus.GaugeValue, float64(t.PendingRows), t.Relation)
		ch <- prometheus.MustNewConstMetric(c.pendBytes, prometheus.GaugeValue, float64(t.PendingBytes), t.Relation)
	}
	ch <- prometheus.MustNewConstMetric(c.params, prometheus.CounterValue, float64(st.ParamQueries))
	ch <- prometheus.MustNewConstMetric(c.cachedHit, prometheus.CounterValue, float64(st.CachedPointLookups))
	for _, op := range st.Operators {
		id := strconv.Itoa(op.ID)
		ch <- prometheus.MustNewConstMetric(c.opIn, prometheus.CounterValue, float64(op.RowsIn), op.Job, op.Kind, id)
		ch <- prometheus.MustNewConstMetric(c.opOut, prometheus.CounterValue, float64(op.RowsOut), op.Job, op.Kind, id)
	}
	h := st.BarrierLatency
	buckets := make(map[float64]uint64, len(h.Buckets))
	for i, b := range h.Buckets {
		buckets[b] = h.Counts[i]
	}
	ch <- prometheus.MustNewConstHistogram(c.barrierLat, h.Count, h.Sum, buckets)
}
