package pgwire

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
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
	mux.HandleFunc("GET /v1/mv/{name}", func(w http.ResponseWriter, r *http.Request) { h.lookup(w, r, r.PathValue("name")) })
	mux.HandleFunc("GET /v1/dataflow", h.dataflowJSON)
	mux.HandleFunc("GET /{$}", h.dataflowPage)
	return &httpRouter{api: h, mux: mux}
}

// lookupPrefix is the path prefix of point lookups.
const lookupPrefix = "/v1/mv/"

// httpRouter sends point lookups straight to the lookup handler and
// everything else through the ServeMux: a GET of /v1/mv/{name} whose name
// is a plain identifier (so that it needs no unescaping or cleaning) is
// what the mux would route to lookup anyway, without its pattern matching.
type httpRouter struct {
	api *httpAPI
	mux *http.ServeMux
}

func (rt *httpRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.RawPath == "" {
		if name, ok := strings.CutPrefix(r.URL.Path, lookupPrefix); ok && validName(name) {
			rt.api.lookup(w, r, name)
			return
		}
	}
	rt.mux.ServeHTTP(w, r)
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

// queryParam is one name=value pair of a query string.
type queryParam struct{ name, value string }

// parseQuery splits a raw query string into its pairs in order, as
// url.ParseQuery does (pairs it would reject — a semicolon, a bad escape —
// are dropped), without building a map. It appends to dst.
func parseQuery(dst []queryParam, raw string) []queryParam {
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" || strings.IndexByte(seg, ';') >= 0 {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		var err error
		if strings.ContainsAny(k, "%+") {
			if k, err = url.QueryUnescape(k); err != nil {
				continue
			}
		}
		if strings.ContainsAny(v, "%+") {
			if v, err = url.QueryUnescape(v); err != nil {
				continue
			}
		}
		dst = append(dst, queryParam{k, v})
	}
	return dst
}

// lookupArgs is the per-request scratch of a point lookup, pooled.
type lookupArgs struct {
	params [8]queryParam
	vals   [4]types.Datum
	types  [4]types.Type
}

var lookupArgsPool = sync.Pool{New: func() any { return new(lookupArgs) }}

func (h *httpAPI) lookup(w http.ResponseWriter, r *http.Request, name string) {
	if !validName(name) {
		h.fail(w, httpError{http.StatusBadRequest, fmt.Sprintf("invalid relation name %q", name), sqlerr.InvalidParameterValue})
		return
	}
	sc := stmtCtx{parent: r.Context(), timeout: h.cfg.QueryTimeout}
	defer sc.done()
	info, herr := h.describe(&sc, name)
	if herr != nil {
		h.fail(w, *herr)
		return
	}
	args := lookupArgsPool.Get().(*lookupArgs)
	defer func() {
		clear(args.params[:])
		clear(args.vals[:])
		lookupArgsPool.Put(args)
	}()
	q := parseQuery(args.params[:0], r.URL.RawQuery)
	colType, keyCols := info.colType, info.keyCols
	for _, p := range q {
		if p.name != "limit" {
			continue
		}
		if len(q) != 1 {
			h.fail(w, httpError{http.StatusBadRequest, "limit cannot be combined with other parameters", sqlerr.InvalidParameterValue})
			return
		}
		n, err := strconv.Atoi(p.value)
		if err != nil || n < 0 {
			h.fail(w, httpError{http.StatusBadRequest, fmt.Sprintf("invalid limit %q", p.value), sqlerr.InvalidParameterValue})
			return
		}
		sql := info.selSQL
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
		h.answer(&sc, w, sql, info.cols, true)
		return
	}
	if len(keyCols) == 0 {
		h.fail(w, httpError{http.StatusBadRequest, fmt.Sprintf("%q has no visible primary key: use ?limit=N", name), sqlerr.InvalidParameterValue})
		return
	}
	// ?key=v names the one key column, unless that column is called key
	// (and then wins over the column's own name).
	if len(keyCols) == 1 && keyCols[0] != "key" && slices.ContainsFunc(q, func(p queryParam) bool { return p.name == "key" }) {
		q = slices.DeleteFunc(q, func(p queryParam) bool { return p.name == keyCols[0] })
		for i := range q {
			if q[i].name == "key" {
				q[i].name = keyCols[0]
			}
		}
	}
	vals, valTypes := args.vals[:0], args.types[:0]
	for _, k := range keyCols {
		at, n := -1, 0
		for i, p := range q {
			if p.name == k {
				at, n = i, n+1
			}
		}
		if n != 1 {
			h.fail(w, httpError{http.StatusBadRequest, fmt.Sprintf("missing key parameter %q (the primary key is %s)", k, strings.Join(keyCols, ", ")), sqlerr.InvalidParameterValue})
			return
		}
		d, err := engine.ParseParam(q[at].value, colType[k])
		if err != nil {
			h.fail(w, httpError{http.StatusBadRequest, fmt.Sprintf("key parameter %q: %v", k, err), sqlerr.InvalidTextRepresentation})
			return
		}
		vals = append(vals, d)
		valTypes = append(valTypes, colType[k])
	}
	if len(q) > len(keyCols) {
		var extra []string
		for _, p := range q {
			if slices.Contains(keyCols, p.name) || slices.Contains(extra, p.name) {
				continue
			}
			extra = append(extra, p.name)
		}
		sort.Strings(extra)
		h.fail(w, httpError{http.StatusBadRequest, fmt.Sprintf("unknown parameter(s) %s (the primary key is %s)", strings.Join(extra, ", "), strings.Join(keyCols, ", ")), sqlerr.InvalidParameterValue})
		return
	}
	many := len(keyCols) < len(info.pk)
	if h.looker != nil {
		// The common case: a cached point-lookup plan, answered inline.
		start := time.Now()
		res, ok, err := h.looker.LookupParams(h.lookupSess, info.pointSQL, vals, valTypes)
		if ok {
			if h.queries != nil {
				h.queries.Inc()
			}
			if h.cfg.Metrics != nil {
				h.cfg.Metrics.observe(time.Since(start), err)
			}
			h.writeResult(w, res, err, many)
			return
		}
	}
	h.answerParams(&sc, w, info.pointSQL, vals, valTypes, info.cols, many)
}

// answerParams is answer for a statement with parameters: bound natively
// when the engine supports it, else substituted as literals.
func (h *httpAPI) answerParams(sc *stmtCtx, w http.ResponseWriter, sql string, vals []types.Datum, ts []types.Type, cols []types.Column, many bool) {
	if pe, ok := h.cfg.Engine.(ParamExecutor); ok {
		h.respond(sc, w, func(sc *stmtCtx) ([]*engine.Result, error) {
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
	var res *engine.Result
	if err == nil {
		res = rs[len(rs)-1]
	}
	h.writeResult(w, res, err, many)
}

// writeResult answers with res (its rows as an array when many, else its
// one row as an object, 404 when none) or err.
func (h *httpAPI) writeResult(w http.ResponseWriter, res *engine.Result, err error, many bool) {
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
	if !many && len(res.Rows) == 0 {
		h.fail(w, httpError{http.StatusNotFound, "no row with that key", "02000"})
		return
	}
	bp := jsonBufs.Get().(*[]byte)
	buf := (*bp)[:0]
	if many {
		buf = append(buf, '[')
		for i, row := range res.Rows {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONRow(buf, res.Columns, row)
		}
		buf = append(buf, ']')
	} else {
		buf = appendJSONRow(buf, res.Columns, res.Rows[0])
	}
	buf = append(buf, '\n')
	w.Header()["Content-Type"] = jsonContentType
	_, _ = w.Write(buf)
	if cap(buf) <= 64<<10 {
		*bp = buf
		jsonBufs.Put(bp)
	}
}

// jsonContentType is the Content-Type header value of JSON answers, shared
// by all of them (net/http only reads it).
var jsonContentType = []string{"application/json"}

// jsonBufs holds response buffers for reuse.
var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// appendJSONString appends s as a JSON string, escaped exactly as
// encoding/json escapes it.
func appendJSONString(buf []byte, s string) []byte { return types.AppendJSONString(buf, s, true) }

func appendJSONRow(buf []byte, cols []types.Column, row types.Row) []byte {
	buf = append(buf, '{')
	n := 0
	for i, c := range cols {
		if c.Hidden {
			continue
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		n++
		buf = appendJSONString(buf, c.Name)
		buf = append(buf, ':')
		var d types.Datum
		if i < len(row) {
			d = row[i]
		}
		buf = appendJSONValue(buf, d, c.Type)
	}
	return append(buf, '}')
}

// appendJSONValue renders a datum as JSON: numbers as numbers (NaN and
// infinities as strings), jsonb as itself, arrays as arrays, everything
// else as its Postgres text.
func appendJSONValue(buf []byte, d types.Datum, t types.Type) []byte {
	switch x := d.(type) {
	case nil:
		return append(buf, "null"...)
	case bool:
		return strconv.AppendBool(buf, x)
	case int64:
		return strconv.AppendInt(buf, x, 10)
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			bits := 64
			if t.Kind == types.KindFloat32 {
				bits = 32
			}
			return strconv.AppendFloat(buf, x, 'g', -1, bits)
		}
	case *apd.Decimal:
		if x.Form == apd.Finite {
			return append(buf, x.Text('f')...)
		}
	case types.JSONB:
		if json.Valid([]byte(x)) {
			return append(buf, x...)
		}
	case types.Array:
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONValue(buf, e, t.ElemType())
		}
		return append(buf, ']')
	case string:
		if t.Kind == types.KindVarchar || t.Kind == types.KindUnknown {
			return appendJSONString(buf, x)
		}
	}
	return appendJSONString(buf, types.FormatTextTyped(d, t))
}
