package pgwire

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// DefaultHTTPAddr is the address of the HTTP endpoint of eddy serve.
const DefaultHTTPAddr = "127.0.0.1:5691"

// HTTPConfig configures the HTTP handler.
type HTTPConfig struct {
	// Engine answers the point lookups and scans. Required.
	Engine Executor
	// Gatherer serves /metrics; nil serves prometheus.DefaultGatherer.
	Gatherer prometheus.Gatherer
	// Metrics, when set, counts HTTP queries and errors.
	Metrics *Metrics
	// QueryTimeout bounds one lookup (10s when 0).
	QueryTimeout time.Duration
	// Logger receives request errors; nil discards.
	Logger *slog.Logger
}

// EpochReporter is an optional engine extension exported as metrics by
// RegisterEngineMetrics. *engine.Engine implements it.
type EpochReporter interface {
	VisibleEpoch() uint64
	DurableEpoch() uint64
}

// MetricsCollector is an optional engine extension: an engine that has its
// own Prometheus collectors exposes them here, and RegisterEngineMetrics
// registers them.
type MetricsCollector interface {
	Collectors() []prometheus.Collector
}

// RegisterEngineMetrics registers the Go and process collectors and what
// the engine exposes (EpochReporter, MetricsCollector) with reg.
func RegisterEngineMetrics(reg prometheus.Registerer, e any) error {
	cs := []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}
	if er, ok := e.(EpochReporter); ok {
		cs = append(cs,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "eddy_visible_epoch", Help: "The last epoch visible to queries."},
				func() float64 { return float64(er.VisibleEpoch()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "eddy_durable_epoch", Help: "The last epoch committed to disk."},
				func() float64 { return float64(er.DurableEpoch()) }),
		)
	}
	if sr, ok := e.(StatsReporter); ok {
		cs = append(cs, newStatsCollector(sr))
	}
	if mc, ok := e.(MetricsCollector); ok {
		cs = append(cs, mc.Collectors()...)
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// NewHTTPHandler returns the HTTP API:
//
//	GET /healthz                      200 "ok" when the engine answers
//	GET /metrics                      Prometheus metrics
//	GET /v1/mv/{name}?{pk}=v[&…]      the row with that primary key, as a JSON object
//	GET /v1/mv/{name}?key=v           the same, for a one-column primary key
//	GET /v1/mv/{name}?limit=N         up to N rows, as a JSON array
//	GET /v1/dataflow                  every job's plan and per-operator row counts, as JSON
//	GET /                             an HTML page of the dataflows with live rates
//
// {name} is a materialized view or table. Lookups answer 404 when the
// relation or the row does not exist and 400 for missing, unknown or
// malformed parameters. A primary key with hidden columns (an MV without
// a natural key) is looked up by its visible columns, and the answer is
// then an array of every match.
func NewHTTPHandler(cfg HTTPConfig) http.Handler {
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	g := cfg.Gatherer
	if g == nil {
		g = prometheus.DefaultGatherer
	}
	h := &httpAPI{cfg: cfg, lookupSess: engine.NewSession()}
	if _, ok := cfg.Engine.(ParamExecutor); ok {
		h.looker, _ = cfg.Engine.(PointLooker)
	}
	if cfg.Metrics != nil {
		h.queries = cfg.Metrics.queries.WithLabelValues("http")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", h.health)
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /v1/mv/{name}", h.lookup)
	mux.HandleFunc("GET /v1/dataflow", h.dataflowJSON)
	mux.HandleFunc("GET /{$}", h.dataflowPage)
	return mux
}

type httpAPI struct {
	cfg HTTPConfig
	// looker answers point lookups the engine has a plan for inline;
	// lookupSess is the read-only session it gets (lookups set nothing).
	looker     PointLooker
	lookupSess *engine.Session
	queries    prometheus.Counter // cfg.Metrics' HTTP query counter, or nil

	// infos caches what DESCRIBE says about relations for a moment, so
	// that point lookups cost one engine call.
	infoMu sync.Mutex
	infos  map[string]cachedInfo
}

// stmtCtx is a request's statement context, bounded by QueryTimeout. It
// is made on first use: a lookup answered from a cached description and
// plan never needs one (and its timer).
type stmtCtx struct {
	parent  context.Context
	timeout time.Duration
	ctx     context.Context
	cancel  context.CancelFunc
}

func (s *stmtCtx) get() context.Context {
	if s.ctx == nil {
		s.ctx, s.cancel = context.WithTimeout(s.parent, s.timeout)
	}
	return s.ctx
}

func (s *stmtCtx) done() {
	if s.cancel != nil {
		s.cancel()
	}
}

type cachedInfo struct {
	info       *relationInfo
	at         time.Time
	refreshing bool // one request is describing the relation again
}

// infoTTL is how long a relation's description is reused.
const infoTTL = time.Second

func (h *httpAPI) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if _, err := h.cfg.Engine.Exec(ctx, engine.NewSession(), "SELECT 1"); err != nil {
		http.Error(w, "unhealthy: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

type httpError struct {
	status int
	msg    string
	code   string
}

func (h *httpAPI) fail(w http.ResponseWriter, e httpError) {
	if h.cfg.Metrics != nil {
		h.cfg.Metrics.countError(sqlerr.New(e.code, "%s", e.msg))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	b, _ := json.Marshal(map[string]string{"error": e.msg, "code": e.code})
	_, _ = w.Write(append(b, '\n'))
}

// relationInfo is what DESCRIBE says about a relation.
type relationInfo struct {
	cols []types.Column // visible columns
	pk   []string       // primary key column names

	// Derived once (prepare): the type of each visible column, the
	// visible key columns, `SELECT cols FROM rel`, and that with
	// `WHERE k1 = $1 AND …` over keyCols.
	colType  map[string]types.Type
	keyCols  []string
	selSQL   string
	pointSQL string
}

// prepare fills the derived fields of a relation named lname.
func (info *relationInfo) prepare(lname string) {
	info.colType = map[string]types.Type{}
	sel := make([]string, 0, len(info.cols))
	for _, c := range info.cols {
		info.colType[c.Name] = c.Type
		sel = append(sel, quoteIdent(c.Name))
	}
	for _, k := range info.pk {
		if _, ok := info.colType[k]; ok {
			info.keyCols = append(info.keyCols, k)
		}
	}
	info.selSQL = "SELECT " + strings.Join(sel, ", ") + " FROM " + quoteIdent(lname)
	conds := make([]string, len(info.keyCols))
	for i, k := range info.keyCols {
		conds[i] = quoteIdent(k) + " = $" + strconv.Itoa(i+1)
	}
	info.pointSQL = info.selSQL + " WHERE " + strings.Join(conds, " AND ")
}

func validName(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' && i > 0) {
			return false
		}
	}
	return true
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (h *httpAPI) exec(ctx context.Context, sql string) ([]*engine.Result, error) {
	if h.cfg.Metrics != nil {
		h.cfg.Metrics.queries.WithLabelValues("http").Inc()
	}
	start := time.Now()
	rs, err := h.cfg.Engine.Exec(ctx, engine.NewSession(), sql)
	if h.cfg.Metrics != nil {
		h.cfg.Metrics.observe(time.Since(start), err)
	}
	return rs, err
}

func (h *httpAPI) describe(sc *stmtCtx, name string) (*relationInfo, *httpError) {
	lname := strings.ToLower(name)
	h.infoMu.Lock()
	ci, ok := h.infos[lname]
	if ok && time.Since(ci.at) >= infoTTL && !ci.refreshing {
		// Expired: this request refreshes it, the others meanwhile keep
		// using the old description rather than all describing at once.
		ci.refreshing = true
		h.infos[lname] = ci
		ok = false
	}
	h.infoMu.Unlock()
	if ok {
		return ci.info, nil
	}
	info, herr := h.describeUncached(sc.get(), lname)
	h.infoMu.Lock()
	if herr == nil {
		info.prepare(lname)
		if h.infos == nil || len(h.infos) > 1024 {
			h.infos = map[string]cachedInfo{}
		}
		h.infos[lname] = cachedInfo{info: info, at: time.Now()}
	} else {
		delete(h.infos, lname)
	}
	h.infoMu.Unlock()
	return info, herr
}

func (h *httpAPI) describeUncached(ctx context.Context, lname string) (*relationInfo, *httpError) {
	kinds, err := h.exec(ctx, "SHOW MATERIALIZED VIEWS; SHOW TABLES")
	if err != nil {
		return nil, &httpError{http.StatusInternalServerError, err.Error(), sqlerr.Code(err)}
	}
	found := false
	for _, r := range kinds {
		for _, row := range r.Rows {
			if len(row) > 0 && row[0] == lname {
				found = true
			}
		}
	}
	if !found {
		return nil, &httpError{http.StatusNotFound, fmt.Sprintf("materialized view %q does not exist", lname), sqlerr.UndefinedTable}
	}
	rs, err := h.exec(ctx, "DESCRIBE "+quoteIdent(lname))
	if err != nil {
		if sqlerr.Code(err) == sqlerr.UndefinedTable {
			return nil, &httpError{http.StatusNotFound, err.Error(), sqlerr.UndefinedTable}
		}
		return nil, &httpError{http.StatusInternalServerError, err.Error(), sqlerr.Code(err)}
	}
	info := &relationInfo{}
	for _, row := range rs[len(rs)-1].Rows {
		if len(row) < 3 {
			continue
		}
		n, _ := row[0].(string)
		typ, _ := row[1].(string)
		hidden, _ := row[2].(bool)
		switch {
		case n == "primary key" && row[2] == nil:
			for _, k := range strings.Split(typ, ",") {
				info.pk = append(info.pk, strings.TrimSpace(k))
			}
		case n == "table description" && row[2] == nil:
		case !hidden:
			t, ok := types.TypeByName(typ)
			if !ok {
				t = types.Varchar
			}
			info.cols = append(info.cols, types.Column{Name: n, Type: t})
		}
	}
	return info, nil
}

func (h *httpAPI) lookup(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !validName(name) {
		h.fail(w, httpError{http.StatusBadRequest, fmt.Sprintf("invalid relation name %q", name), sqlerr.InvalidParameterValue})
		return
	}
	sc := &stmtCtx{parent: r.Context(), timeout: h.cfg.QueryTimeout}
	defer sc.done()
	info, herr := h.describe(sc, name)
	if herr != nil {
		h.fail(w, *herr)
		return
	}
	colType, keyCols := info.colType, info.keyCols
	q := r.URL.Query()
	sql := info.selSQL
	if lim, ok := q["limit"]; ok {
		if len(q) != 1 || len(lim) != 1 {
			h.fail(w, httpError{http.StatusBadRequest, "limit cannot be combined with other parameters", sqlerr.InvalidParameterValue})
			return
		}
		n, err := strconv.Atoi(lim[0])
		if err != nil || n < 0 {
			h.fail(w, httpError{http.StatusBadRequest, fmt.Sprintf("invalid limit %q", lim[0]), sqlerr.InvalidParameterValue})
			return
		}
		if len(info.pk) > 0 {
			var order []string
			for _, k := range keyCols {
				order = append(order, quoteIdent(k))
			}
			if len(order) > 0 {
				sql += " ORDER BY " + strings.Join(order, ", ")
			}
		}
		sql += " LIMIT " + strconv.Itoa(n)
		h.answer(sc, w, sql, info.cols, true)
		return
	}
	if len(keyCols) == 0 {
		h.fail(w, httpError{http.StatusBadRequest, fmt.Sprintf("%q has no visible primary key: use ?limit=N", name), sqlerr.InvalidParameterValue})
		return
	}
	if v, ok := q["key"]; ok && len(keyCols) == 1 && keyCols[0] != "key" {
		q.Del("key")
		q[keyCols[0]] = v
	}
	vals := make([]types.Datum, 0, len(keyCols))
	valTypes := make([]types.Type, 0, len(keyCols))
	for _, k := range keyCols {
		vs, ok := q[k]
		if !ok || len(vs) != 1 {
			h.fail(w, httpError{http.StatusBadRequest, fmt.Sprintf("missing key parameter %q (the primary key is %s)", k, strings.Join(keyCols, ", ")), sqlerr.InvalidParameterValue})
			return
		}
		d, err := engine.ParseParam(vs[0], colType[k])
		if err != nil {
			h.fail(w, httpError{http.StatusBadRequest, fmt.Sprintf("key parameter %q: %v", k, err), sqlerr.InvalidTextRepresentation})
			return
		}
		vals = append(vals, d)
		valTypes = append(valTypes, colType[k])
		q.Del(k)
	}
	if len(q) > 0 {
		var extra []string
		for k := range q {
			extra = append(extra, k)
		}
		sort.Strings(extra)
		h.fail(w, httpError{http.StatusBadRequest, fmt.Sprintf("unknown parameter(s) %s (the primary key is %s)", strings.Join(extra, ", "), strings.Join(keyCols, ", ")), sqlerr.InvalidParameterValue})
		return
	}
	h.answerParams(sc, w, info.pointSQL, vals, valTypes, info.cols, len(keyCols) < len(info.pk))
}

// answerParams is answer for a statement with parameters: bound natively
// when the engine supports it, else substituted as literals.
func (h *httpAPI) answerParams(sc *stmtCtx, w http.ResponseWriter, sql string, vals []types.Datum, ts []types.Type, cols []types.Column, many bool) {
	if pe, ok := h.cfg.Engine.(ParamExecutor); ok {
		h.respond(sc, w, func(sc *stmtCtx) ([]*engine.Result, error) {
			if h.looker != nil {
				if r, ok, err := h.looker.LookupParams(h.lookupSess, sql, vals, ts); ok {
					if err != nil {
						return nil, err
					}
					return []*engine.Result{r}, nil
				}
			}
			return pe.ExecParams(sc.get(), engine.NewSession(), sql, vals, ts)
		}, many)
		return
	}
	lits := make([]string, len(vals))
	for i, v := range vals {
		lit, err := textLiteral(types.FormatTextTyped(v, ts[i]), ts[i].OID())
		if err != nil {
			h.fail(w, httpError{http.StatusBadRequest, err.Error(), sqlerr.Code(err)})
			return
		}
		lits[i] = lit
	}
	full, err := substituteParams(sql, lits)
	if err != nil {
		h.fail(w, httpError{http.StatusBadRequest, err.Error(), sqlerr.Code(err)})
		return
	}
	h.answer(sc, w, full, cols, many)
}

// answer runs sql and writes its rows: an array when many, else the one
// row as an object (404 when none).
func (h *httpAPI) answer(sc *stmtCtx, w http.ResponseWriter, sql string, cols []types.Column, many bool) {
	h.respond(sc, w, func(sc *stmtCtx) ([]*engine.Result, error) {
		return h.cfg.Engine.Exec(sc.get(), engine.NewSession(), sql)
	}, many)
}

func (h *httpAPI) respond(sc *stmtCtx, w http.ResponseWriter, run func(sc *stmtCtx) ([]*engine.Result, error), many bool) {
	if h.queries != nil {
		h.queries.Inc()
	}
	start := time.Now()
	rs, err := run(sc)
	if h.cfg.Metrics != nil {
		h.cfg.Metrics.observe(time.Since(start), err)
	}
	if err != nil {
		status := http.StatusInternalServerError
		switch sqlerr.Code(err)[:2] {
		case "22", "42":
			status = http.StatusBadRequest
		case "57":
			status = http.StatusServiceUnavailable
		}
		h.fail(w, httpError{status, err.Error(), sqlerr.Code(err)})
		return
	}
	res := rs[len(rs)-1]
	buf := jsonBufs.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 {
			buf.Reset()
			jsonBufs.Put(buf)
		}
	}()
	if many {
		buf.WriteByte('[')
		for i, row := range res.Rows {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONRow(buf, res.Columns, row)
		}
		buf.WriteByte(']')
	} else {
		if len(res.Rows) == 0 {
			h.fail(w, httpError{http.StatusNotFound, "no row with that key", "02000"})
			return
		}
		writeJSONRow(buf, res.Columns, res.Rows[0])
	}
	buf.WriteByte('\n')
	w.Header()["Content-Type"] = jsonContentType
	_, _ = w.Write(buf.Bytes())
}

// jsonContentType is the Content-Type header value of JSON answers, shared
// by all of them (net/http only reads it).
var jsonContentType = []string{"application/json"}

// jsonBufs holds response buffers for reuse.
var jsonBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeJSONName writes a column name as a JSON string: plain names as
// they are, anything else through encoding/json.
func writeJSONName(buf *bytes.Buffer, name string) {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			k, _ := json.Marshal(name)
			buf.Write(k)
			return
		}
	}
	buf.WriteByte('"')
	buf.WriteString(name)
	buf.WriteByte('"')
}

func writeJSONRow(buf *bytes.Buffer, cols []types.Column, row types.Row) {
	buf.WriteByte('{')
	n := 0
	for i, c := range cols {
		if c.Hidden {
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		writeJSONName(buf, c.Name)
		buf.WriteByte(':')
		var d types.Datum
		if i < len(row) {
			d = row[i]
		}
		writeJSONValue(buf, d, c.Type)
	}
	buf.WriteByte('}')
}

// writeJSONValue renders a datum as JSON: numbers as numbers (NaN and
// infinities as strings), jsonb as itself, arrays as arrays, everything
// else as its Postgres text.
func writeJSONValue(buf *bytes.Buffer, d types.Datum, t types.Type) {
	switch x := d.(type) {
	case nil:
		buf.WriteString("null")
		return
	case bool:
		buf.WriteString(strconv.FormatBool(x))
		return
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
		return
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			bits := 64
			if t.Kind == types.KindFloat32 {
				bits = 32
			}
			buf.WriteString(strconv.FormatFloat(x, 'g', -1, bits))
			return
		}
	case *apd.Decimal:
		if x.Form == apd.Finite {
			buf.WriteString(x.Text('f'))
			return
		}
	case types.JSONB:
		if json.Valid([]byte(x)) {
			buf.WriteString(string(x))
			return
		}
	case types.Array:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONValue(buf, e, t.ElemType())
		}
		buf.WriteByte(']')
		return
	}
	s, _ := json.Marshal(types.FormatTextTyped(d, t))
	buf.Write(s)
}
