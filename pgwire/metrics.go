package pgwire

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

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
