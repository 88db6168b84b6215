package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Engine-level WITH options: they configure Eddy, not the connector, and
// are removed before the connector validates its options.
const optIdleTimeout = "watermark.idle_timeout"

var engineOptions = map[string]bool{optIdleTimeout: true}

// sourceDef is what a CREATE SOURCE, or a CREATE TABLE with a connector,
// says about where its rows come from (rebuilt from the SQL text on
// recovery; not persisted on its own).
type sourceDef struct {
	connector string
	with      map[string]string // connector options, lower-case names, "connector" included
	format    connectors.FormatSpec
	include   []connectors.Include
	// schema is the connector's output row: declared columns, then INCLUDE
	// columns. The relation's schema may add a hidden _row_id after it.
	schema types.Schema
	pk     []int
	// rowIDCol is the position of the hidden _row_id the engine fills, or -1.
	rowIDCol int
	// shared is set for CREATE SOURCE … WITH (connector='postgres-cdc'):
	// tables created FROM it take their stream from it.
	shared *connectors.SharedPostgresCDC
	// from: CREATE TABLE … FROM source TABLE 'upstream'.
	from, fromTable string
}

// watermarkDef is a WATERMARK FOR clause bound to the relation's row.
type watermarkDef struct {
	col   int
	expr  expr.Expr
	idle  time.Duration
	colT  types.Type
	delay types.Interval
	// ttl: WITH TTL — rows below the watermark expire (a table's change
	// stream drops them, and its state below the watermark is cleaned).
	ttl bool
	// procTime: the column is a processing-time column (AS proctime()):
	// the watermark never drops a row.
	procTime bool
	// index is the expiry index of a table WITH TTL (nil: the cleaning
	// scans the table).
	index *types.TableLayout
}

// optionText renders an option value: strings unquoted.
func optionText(v parser.Expr) string {
	if v == nil {
		return ""
	}
	return literalText(v)
}

// withOptions turns WITH (…) into a map of lower-case names. Engine-level
// options go to eng.
func withOptions(opts []*parser.Option) (conn map[string]string, eng map[string]string, err error) {
	conn, eng = map[string]string{}, map[string]string{}
	for _, o := range opts {
		n := strings.ToLower(o.Name)
		if _, dup := conn[n]; dup {
			return nil, nil, sqlerr.New(sqlerr.SyntaxError, "option %q specified more than once", n).WithPosition(int(o.Pos) + 1)
		}
		if engineOptions[n] {
			eng[n] = optionText(o.Value)
			continue
		}
		conn[n] = optionText(o.Value)
	}
	return conn, eng, nil
}

func formatSpec(f *parser.FormatSpec) connectors.FormatSpec {
	if f == nil {
		return connectors.FormatSpec{}
	}
	fs := connectors.FormatSpec{Format: strings.ToUpper(f.Format), Encode: strings.ToUpper(f.Encode), Options: map[string]string{}}
	for _, o := range f.Options {
		fs.Options[strings.ToLower(o.Name)] = optionText(o.Value)
	}
	return fs
}

// includeColumns appends the INCLUDE columns to schema.
func includeColumns(schema types.Schema, inc []*parser.IncludeClause, connector string) (types.Schema, []connectors.Include, error) {
	var out []connectors.Include
	for _, in := range inc {
		kind := strings.ToLower(in.Kind)
		name := in.Alias
		if name == "" {
			name = "_rw_" + strings.ReplaceAll(strings.ToLower(connector), "-", "_") + "_" + kind
		}
		name = strings.ToLower(name)
		var t types.Type
		switch kind {
		case "key", "header":
			t = types.Bytea
		case "partition", "offset":
			t = types.Varchar
		case "timestamp":
			t = types.TimestamptzT
		default:
			return nil, nil, sqlerr.New(sqlerr.FeatureNotSupported, "INCLUDE %s is not supported", kind).WithPosition(int(in.Pos) + 1)
		}
		if schema.Index(name) >= 0 {
			return nil, nil, sqlerr.New(sqlerr.DuplicateColumn, "column %q specified more than once", name).WithPosition(int(in.Pos) + 1)
		}
		schema = append(schema, types.Column{Name: name, Type: t})
		out = append(out, connectors.Include{Kind: kind, Inner: in.Inner, Column: len(schema) - 1})
	}
	return schema, out, nil
}

// validateConnector checks the options and FORMAT clause of a source
// connector and builds (then closes) one instance, so that configuration
// errors surface at CREATE time.
func (e *Engine) validateSource(name string, d *sourceDef) error {
	if d.connector == "" {
		return sqlerr.New(sqlerr.InvalidParameterValue, "missing option \"connector\" for source %q", name)
	}
	if err := connectors.Default.ValidateFormat(connectors.KindSource, d.connector, d.format); err != nil {
		return err
	}
	if strings.EqualFold(d.connector, "postgres-cdc") && d.shared == nil && d.with["table.name"] == "" {
		// The shared form: CREATE SOURCE pg WITH (connector='postgres-cdc', …).
		sh, err := connectors.NewSharedPostgresCDC(connectors.SourceConfig{Name: name, With: d.with})
		if err != nil {
			return err
		}
		d.shared = sh
		return nil
	}
	src, err := e.newConnectorSource(name, d)
	if err != nil {
		return err
	}
	_ = src.Close()
	return nil
}

func (e *Engine) newConnectorSource(name string, d *sourceDef) (connectors.Source, error) {
	if d.from != "" {
		up := e.lookup(d.from)
		if up == nil || up.src == nil || up.src.shared == nil {
			return nil, sqlerr.New(sqlerr.UndefinedObject, "source %q does not exist or is not a shared CDC source", d.from)
		}
		return up.src.shared.Table(d.fromTable, d.schema, d.pk)
	}
	with := d.with
	if strings.EqualFold(d.connector, "datagen") {
		with = datagenNow(with, e.clock())
	}
	return connectors.Default.NewSource(connectors.SourceConfig{
		Name:    name,
		Schema:  d.schema,
		PK:      d.pk,
		With:    with,
		Format:  d.format,
		Include: d.include,
		Errors:  e.errLog.sink(name),
	})
}

// datagenNow replaces the value 'now' of datagen's fields.*.base and
// fields.*.start options with the current time, so that generated
// timestamps are recent (the time is taken when the source instance is
// built: at CREATE and at every restart).
func datagenNow(with map[string]string, now time.Time) map[string]string {
	var out map[string]string
	for k, v := range with {
		if strings.HasPrefix(k, "fields.") && (strings.HasSuffix(k, ".base") || strings.HasSuffix(k, ".start")) && strings.EqualFold(strings.TrimSpace(v), "now") {
			if out == nil {
				out = make(map[string]string, len(with))
				for k2, v2 := range with {
					out[k2] = v2
				}
			}
			out[k] = now.UTC().Format("2006-01-02 15:04:05.999999")
		}
	}
	if out == nil {
		return with
	}
	return out
}

// bindWatermark binds WATERMARK FOR col AS expr over a relation row.
func bindWatermark(relName string, schema types.Schema, wd *parser.WatermarkDef, eng map[string]string) (*watermarkDef, error) {
	if wd == nil {
		if _, ok := eng[optIdleTimeout]; ok {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "option %q needs a WATERMARK FOR clause", optIdleTimeout)
		}
		return nil, nil
	}
	col := schema.Index(strings.ToLower(wd.Column))
	if col < 0 {
		return nil, sqlerr.New(sqlerr.UndefinedColumn, "column %q named in WATERMARK FOR does not exist", wd.Column).WithPosition(int(wd.Pos) + 1)
	}
	t := schema[col].Type
	timeCol, intCol := true, false
	switch t.Kind {
	case types.KindDate, types.KindTimestamp, types.KindTimestamptz:
	case types.KindInt16, types.KindInt32, types.KindInt64:
		timeCol, intCol = false, true
	default:
		timeCol = false
	}
	// Bind the expression as the SET of an UPDATE of a stand-in table with
	// the relation's columns: the planner resolves names and types.
	vis := types.Schema{}
	for _, c := range schema {
		vis = append(vis, c)
	}
	vis = append(vis, types.Column{Name: "_wm_key", Type: types.Int64, Hidden: true})
	rel := &planner.Relation{ID: 1, Name: relName, Kind: planner.RelTable, Schema: vis, PK: []int{len(vis) - 1},
		Layout: types.TableLayout{ID: 1, Name: relName, Cols: vis.Types(), PK: []int{len(vis) - 1}}}
	if !timeCol {
		// Name the expression's own type, as RisingWave does, when it
		// differs from the column's. An integer column takes an
		// expression of its own type.
		q := &parser.Query{Pos: wd.Pos, Body: &parser.SelectCore{Pos: wd.Pos,
			Items: []*parser.SelectItem{{Pos: wd.Pos, Expr: wd.Expr}},
			From:  []parser.TableExpr{&parser.TableName{Pos: wd.Pos, Name: []string{relName}}}}}
		if n, err := planner.Bind(singleRel{rel}, q); err == nil {
			if et := n.Schema()[0].Type; et != t {
				return nil, sqlerr.New(sqlerr.DatatypeMismatch, "The return value type of the watermark expression must be identical to the watermark column data type. Current data type of watermark return value: `%s`, column `%s`", et, t).WithPosition(int(wd.Pos) + 1)
			}
		}
		if !intCol {
			return nil, sqlerr.New(sqlerr.DatatypeMismatch, "WATERMARK FOR column %q must be a date, timestamp, timestamptz or integer, not %s", wd.Column, t).WithPosition(int(wd.Pos) + 1)
		}
	}
	up := &parser.Update{Pos: wd.Pos, Table: relName, Set: []*parser.Assignment{{Pos: wd.Pos, Column: schema[col].Name, Value: wd.Expr}}}
	plan, err := planner.PlanUpdate(singleRel{rel}, up, nil)
	if err != nil {
		return nil, err
	}
	x := plan.Set[col]
	if x.Type() != t {
		if c, err := expr.NewCast(x, t, false); err == nil {
			x = c
		} else {
			return nil, sqlerr.New(sqlerr.DatatypeMismatch, "WATERMARK expression must be of type %s, not %s", t, x.Type()).WithPosition(int(wd.Pos) + 1)
		}
	}
	w := &watermarkDef{col: col, expr: x, colT: t, ttl: wd.TTL}
	if v, ok := eng[optIdleTimeout]; ok {
		if intCol {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "option %q needs a time watermark column, not %s", optIdleTimeout, t)
		}
		d, err := parseDurationOption(v)
		if err != nil {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value %q for option %q: expected a duration such as '5s' or a number of milliseconds", v, optIdleTimeout)
		}
		w.idle = d
	}
	return w, nil
}

func parseDurationOption(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	var n int64
	if _, err := fmt.Sscanf(v, "%d", &n); err == nil && fmt.Sprint(n) == v {
		return time.Duration(n) * time.Millisecond, nil
	}
	return time.ParseDuration(v)
}

type singleRel struct{ r *planner.Relation }

func (s singleRel) Relation(name string) (*planner.Relation, error) {
	if planner.NormalizeName(name) == s.r.Name {
		return s.r, nil
	}
	return nil, nil
}

// newWatermarkFilter builds the WatermarkFilter of a relation's watermark.
// ttlTable, when not nil, is the Materialize of a table WITH TTL: the
// filter splits the table's updates that move the event time, and cleans
// the table below the watermark at checkpoints.
func (e *Engine) newWatermarkFilter(w *watermarkDef, inputTypes []types.Type, tableID uint32, name string, ttlTable *operators.Materialize) (*operators.WatermarkFilter, error) {
	var clean func(types.Datum) error
	if w.ttl && ttlTable != nil {
		col := w.col
		clean = func(v types.Datum) error {
			_, err := ttlTable.CleanBelow(col, v)
			return err
		}
	}
	return operators.NewWatermarkFilter(operators.WatermarkFilterArgs{
		Col:          w.col,
		Expr:         w.expr,
		KeepLate:     w.procTime,
		SplitUpdates: w.ttl && ttlTable != nil,
		Clean:        clean,
		IdleTimeout:  w.idle,
		InputTypes:   inputTypes,
		Store:        e.store,
		Table:        operators.WatermarkFilterLayout(tableID, name, w.colT),
	})
}

func (e *Engine) createSource(ctx context.Context, st *parser.CreateSource, text string, replay *object) (*Result, error) {
	name := planner.NormalizeName(st.Name)
	if replay == nil {
		if r, err := e.checkNew(name, KindSource, st.IfNotExists, st.Pos); r != nil || err != nil {
			return r, err
		}
	}
	schema, pk, err := e.columnsSchema(st.Name, st.Columns, st.PrimaryKey, st.Pos, false)
	if err != nil {
		return nil, err
	}
	conn, eng, err := withOptions(st.With)
	if err != nil {
		return nil, err
	}
	d := &sourceDef{connector: conn["connector"], with: conn, format: formatSpec(st.Format), pk: pk}
	if d.schema, d.include, err = includeColumns(schema, st.Include, d.connector); err != nil {
		return nil, err
	}
	if f := strings.ToUpper(d.format.Format); f == "UPSERT" || f == "DEBEZIUM" || strings.Contains(strings.ToLower(conn["format"]), "upsert") || strings.Contains(strings.ToLower(conn["format"]), "debezium") {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "FORMAT %s needs a table: a source is append-only", strings.ToUpper(d.format.Format)).
			WithHint("Use CREATE TABLE … (…, PRIMARY KEY (…)) WITH (connector=…) FORMAT … instead.").WithPosition(int(st.Pos) + 1)
	}
	if strings.EqualFold(d.connector, "postgres-cdc") && conn["table.name"] != "" {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "a postgres-cdc source with table.name carries updates and deletes: create a table instead").
			WithHint("CREATE TABLE t (…, PRIMARY KEY (…)) WITH (connector='postgres-cdc', …), or CREATE SOURCE without table.name and CREATE TABLE t (…) FROM source TABLE 'schema.table'.").WithPosition(int(st.Pos) + 1)
	}
	if err := e.validateSource(name, d); err != nil {
		return nil, err
	}
	relSchema := append(types.Schema(nil), d.schema...)
	relSchema = append(relSchema, types.Column{Name: RowIDColumn, Type: types.Int64, Hidden: true})
	d.rowIDCol = len(relSchema) - 1
	wm, err := bindWatermark(name, d.schema, st.Watermark, eng)
	if err != nil {
		return nil, err
	}
	o, _ := e.newObject(KindSource, name, text, replay)
	o.src = d
	o.wm = wm
	o.rel = &planner.Relation{Name: name, Kind: planner.RelSource, Schema: relSchema, PK: []int{d.rowIDCol},
		Layout: types.TableLayout{Name: name, Cols: relSchema.Types(), PK: []int{d.rowIDCol}}, AppendOnly: true}
	if wm != nil {
		o.rel.Watermark = &planner.Watermark{Col: wm.col, Expr: wm.expr}
	}
	if err := e.addCatalogObject(ctx, o, replay); err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE_SOURCE"}, nil
}

// columnsSchema derives the columns and primary key of a column list; with
// rowID a table without a primary key gets the hidden _row_id key.
func (e *Engine) columnsSchema(relName string, cols []*parser.ColumnDef, pkList []string, pos parser.Pos, rowID bool) (types.Schema, []int, error) {
	var schema types.Schema
	var pkNames []string
	seen := map[string]bool{}
	for _, c := range cols {
		n := strings.ToLower(c.Name)
		if seen[n] {
			return nil, nil, sqlerr.New(sqlerr.DuplicateColumn, "column %q specified more than once", n).WithPosition(int(c.Pos) + 1)
		}
		seen[n] = true
		if c.Type == nil {
			return nil, nil, sqlerr.New(sqlerr.FeatureNotSupported, "generated columns are not supported yet").WithPosition(int(c.Pos) + 1)
		}
		t, err := e.resolveType(c.Type)
		if err != nil {
			return nil, nil, err
		}
		mod, err := expr.CheckTypeMod(t, c.Type.Args)
		if err != nil {
			return nil, nil, sqlerr.As(err).WithPosition(int(c.Type.Pos) + 1)
		}
		schema = append(schema, types.Column{Name: n, Type: t, Mod: mod})
		if c.PrimaryKey {
			pkNames = append(pkNames, n)
		}
	}
	if len(pkList) > 0 {
		if len(pkNames) > 0 {
			return nil, nil, sqlerr.New(sqlerr.InvalidObjectDefinition, "multiple primary keys for table %q are not allowed", relName).WithPosition(int(pos) + 1)
		}
		pkNames = pkList
	}
	var pk []int
	for _, n := range pkNames {
		i := schema.Index(strings.ToLower(n))
		if i < 0 {
			return nil, nil, sqlerr.New(sqlerr.UndefinedColumn, "column %q named in key does not exist", n).WithPosition(int(pos) + 1)
		}
		pk = append(pk, i)
	}
	if len(pk) == 0 && rowID {
		schema = append(schema, types.Column{Name: RowIDColumn, Type: types.Int64, Hidden: true})
		pk = []int{len(schema) - 1}
	}
	return schema, pk, nil
}

// ---------------------------------------------------------------------
// Readers: one goroutine per running source instance.

// Reader states, as SHOW SOURCES shows them.
const (
	stateStarting = "starting"
	stateRunning  = "running"
	stateRetrying = "retrying"
	stateFailed   = "failed"
	stateFinished = "finished"
	stateStopped  = "stopped"
)

type srcMsg struct {
	c   *types.Chunk
	off connectors.Offsets
}

type readerStatus struct {
	state string
	err   error
}

// reader drives one connector instance: a goroutine calls Read and hands
// the chunks, with the offsets after them, to the stream loop through a
// bounded channel (backpressure). The loop pushes them into head and
// remembers the offsets; checkpoints store them.
type reader struct {
	e *Engine
	// key names the instance in checkpoints ("src/<table>" or
	// "src/<mv>/<source>").
	key string
	// source is the source (or table) name users know.
	source string
	def    *sourceDef
	src    connectors.Source
	start  connectors.Offsets

	// Loop-owned.
	head    operators.Node
	types   []types.Type
	offsets connectors.Offsets
	rt      *relRuntime

	ch     chan srcMsg
	ackCh  chan connectors.Offsets
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	status atomic.Pointer[readerStatus]
	rows   atomic.Int64
}

const offsetsMetaPrefix = "offsets/"

func (r *reader) setStatus(state string, err error) {
	r.status.Store(&readerStatus{state: state, err: err})
}

func (r *reader) Status() (string, error) {
	s := r.status.Load()
	if s == nil {
		return stateStarting, nil
	}
	return s.state, s.err
}

// newReader builds the reader of a source definition (not started). It
// resumes at the offsets of the last durable checkpoint when there are any.
func (e *Engine) newReader(key, source string, d *sourceDef, head operators.Node, ts []types.Type) (*reader, error) {
	src, err := e.newConnectorSource(source, d)
	if err != nil {
		return nil, err
	}
	r := &reader{e: e, key: key, source: source, def: d, src: src, head: head, types: ts,
		ch: make(chan srcMsg, 4), ackCh: make(chan connectors.Offsets, 1), done: make(chan struct{})}
	if b, ok := e.recoveredMeta[offsetsMetaPrefix+key]; ok {
		off, err := connectors.DecodeOffsets(b)
		if err != nil {
			_ = src.Close()
			return nil, err
		}
		r.start = off
		r.offsets = off.Clone()
	}
	r.setStatus(stateStarting, nil)
	return r, nil
}

// startReader registers r with the loop and starts its goroutine (on the
// loop, or inline during recovery).
func (e *Engine) startReader(r *reader) {
	r.ctx, r.cancel = context.WithCancel(context.Background())
	e.readers[r.key] = r
	e.readerList.Store(e.readerSnapshot())
	go r.run()
}

func (e *Engine) readerSnapshot() []*reader {
	out := make([]*reader, 0, len(e.readers))
	for _, r := range e.readers {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// stopReader stops r's goroutine and forgets it (on the loop). Chunks it
// queued are dropped: they are after the offsets the loop applied.
func (e *Engine) stopReader(r *reader) {
	e.haltReader(r)
	delete(e.readers, r.key)
	e.readerList.Store(e.readerSnapshot())
}

// haltReader stops r's goroutine; r stays registered, so that a final
// checkpoint still stores its offsets.
func (e *Engine) haltReader(r *reader) {
	r.cancel()
	<-r.done
	for {
		select {
		case m := <-r.ch:
			m.c.Release()
			continue
		default:
		}
		break
	}
	if st, _ := r.Status(); st == stateRunning || st == stateStarting || st == stateRetrying {
		r.setStatus(stateStopped, nil)
	}
}

func (r *reader) run() {
	defer close(r.done)
	ackDone := make(chan struct{})
	defer func() {
		<-ackDone
		_ = r.src.Close()
	}()
	go func() {
		defer close(ackDone)
		acker, ok := r.src.(connectors.Acker)
		for {
			select {
			case <-r.ctx.Done():
				return
			case off := <-r.ackCh:
				if ok {
					if err := acker.Ack(r.ctx, off); err != nil && r.ctx.Err() == nil {
						r.e.log.Warn("source ack", "source", r.source, "err", err)
					}
				}
			}
		}
	}()
	backoff := 100 * time.Millisecond
	for {
		err := r.src.Open(r.ctx, r.start)
		if err == nil {
			break
		}
		if r.ctx.Err() != nil {
			return
		}
		r.setStatus(stateRetrying, err)
		r.e.log.Warn("source open failed; retrying", "source", r.source, "err", err)
		select {
		case <-r.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
	r.setStatus(stateRunning, nil)
	for {
		c, err := r.src.Read(r.ctx)
		if r.ctx.Err() != nil {
			if c != nil {
				c.Release()
			}
			return
		}
		if err != nil {
			if errors.Is(err, connectors.ErrEndOfInput) {
				r.setStatus(stateFinished, nil)
				return
			}
			r.setStatus(stateFailed, err)
			r.e.log.Error("source failed; it is paused until the engine restarts", "source", r.source, "err", err)
			return
		}
		if c == nil {
			continue
		}
		off := r.src.Offsets()
		select {
		case r.ch <- srcMsg{c: c, off: off}:
		case <-r.ctx.Done():
			c.Release()
			return
		}
		select {
		case r.e.srcWake <- struct{}{}:
		default:
		}
	}
}

// drainSources moves queued chunks of every reader into its dataflow (on
// the loop), a few per reader per call, and wakes itself again while any
// are left.
func (e *Engine) drainSources() {
	more := false
	for _, r := range e.readerList.Load().([]*reader) {
		if e.readers[r.key] != r {
			continue
		}
		for i := 0; i < 8; i++ {
			var m srcMsg
			select {
			case m = <-r.ch:
			default:
				i = 8
				continue
			}
			if err := r.apply(m); err != nil {
				e.dataflowError(fmt.Errorf("source %s: %w", r.source, err))
			}
			if i == 7 && len(r.ch) > 0 {
				more = true
			}
		}
	}
	if more {
		select {
		case e.srcWake <- struct{}{}:
		default:
		}
	}
}

// apply pushes a chunk into the reader's dataflow (on the loop).
func (r *reader) apply(m srcMsg) error {
	r.offsets = m.off
	n := m.c.NumRows()
	if n == 0 {
		m.c.Release()
		return nil
	}
	r.e.dirty = true
	r.rows.Add(int64(n))
	c := m.c
	if r.def.rowIDCol >= 0 && len(c.Cols) == r.def.rowIDCol {
		b := array.NewInt64Builder(memory.DefaultAllocator)
		b.Reserve(n)
		for i := 0; i < n; i++ {
			b.UnsafeAppend(r.e.rowID.Add(1))
		}
		ids := b.NewArray()
		b.Release()
		cols := make([]arrow.Array, 0, len(c.Cols)+1)
		cols = append(cols, c.Cols...)
		cols = append(cols, ids)
		c = &types.Chunk{Types: r.types, Cols: cols, Ops: c.Ops}
	}
	return r.head.Push(0, c)
}

// sourceOffsetsMeta adds every reader's applied offsets to a checkpoint's
// meta map (on the loop).
func (e *Engine) sourceOffsetsMeta(meta map[string][]byte) {
	for k, r := range e.readers {
		if r.offsets != nil {
			meta[offsetsMetaPrefix+k] = r.offsets.Encode()
		}
	}
}

// ackSources tells the readers that the offsets of a checkpoint are
// durable (CDC confirms its LSN then).
func (e *Engine) ackSources(meta map[string][]byte) {
	for k, r := range e.readers {
		b, ok := meta[offsetsMetaPrefix+k]
		if !ok {
			continue
		}
		off, err := connectors.DecodeOffsets(b)
		if err != nil {
			continue
		}
		select {
		case <-r.ackCh:
		default:
		}
		select {
		case r.ackCh <- off:
		default:
		}
	}
}

// stopAllReaders stops every reader's goroutine (on the loop, at Close);
// their offsets go into the final checkpoint.
func (e *Engine) stopAllReaders() {
	for _, r := range e.readerSnapshot() {
		e.haltReader(r)
	}
}

// ---------------------------------------------------------------------
// Bad messages: a bounded ring, queryable as eddy_source_errors.

// SourceError is one record a source could not decode.
type SourceError struct {
	Source    string
	Topic     string
	Partition int
	Offset    int64
	Error     string
	Payload   []byte
	Time      time.Time
}

type sourceErrorLog struct {
	mu    sync.Mutex
	max   int
	ring  []SourceError
	count map[string]int64
}

func newSourceErrorLog() *sourceErrorLog {
	return &sourceErrorLog{max: 1000, count: map[string]int64{}}
}

func (l *sourceErrorLog) sink(source string) connectors.ErrorSink {
	return connectors.ErrorSinkFunc(func(m connectors.BadMessage) {
		msg := ""
		if m.Err != nil {
			msg = m.Err.Error()
		}
		p := m.Raw
		if len(p) > 4096 {
			p = p[:4096]
		}
		se := SourceError{Source: source, Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Error: msg,
			Payload: append([]byte(nil), p...), Time: m.Time}
		if se.Time.IsZero() {
			se.Time = time.Now()
		}
		l.mu.Lock()
		l.ring = append(l.ring, se)
		if len(l.ring) > l.max {
			l.ring = append([]SourceError(nil), l.ring[len(l.ring)-l.max:]...)
		}
		l.count[source]++
		l.mu.Unlock()
	})
}

// SourceErrors returns the last bad records of every source (oldest first)
// and the number reported per source.
func (e *Engine) SourceErrors() ([]SourceError, map[string]int64) {
	l := e.errLog
	l.mu.Lock()
	defer l.mu.Unlock()
	c := make(map[string]int64, len(l.count))
	for k, v := range l.count {
		c[k] = v
	}
	return append([]SourceError(nil), l.ring...), c
}

// SourceStatus describes a running source instance.
type SourceStatus struct {
	Name   string // the source or table
	Reader string // the instance ("src/<table>", "src/<mv>/<source>")
	State  string
	Error  error
	Rows   int64
}

// Sources returns the state of every running source instance.
func (e *Engine) Sources() []SourceStatus {
	v, _ := e.readerList.Load().([]*reader)
	var out []SourceStatus
	for _, r := range v {
		st, err := r.Status()
		out = append(out, SourceStatus{Name: r.source, Reader: r.key, State: st, Error: err, Rows: r.rows.Load()})
	}
	return out
}

// showSources lists the sources with their connector, state and last
// error (a failed source shows why it stopped).
func (e *Engine) showSources(st *parser.Show) *Result {
	r := &Result{Tag: "SHOW", Columns: []types.Column{
		{Name: "Name", Type: types.Varchar}, {Name: "Connector", Type: types.Varchar},
		{Name: "State", Type: types.Varchar}, {Name: "Error", Type: types.Varchar},
	}}
	states := map[string][]SourceStatus{}
	for _, s := range e.Sources() {
		states[s.Name] = append(states[s.Name], s)
	}
	for _, o := range e.objectsOfKind(KindSource) {
		if st.Like != "" && !likeMatch(o.Name, st.Like) {
			continue
		}
		state, errText := "idle", any(nil)
		for _, s := range states[o.Name] {
			if state == "idle" || s.State != stateRunning {
				state = s.State
			}
			if s.Error != nil {
				errText = redactText(s.Error.Error())
			}
		}
		conn := ""
		if o.src != nil {
			conn = o.src.connector
		}
		r.Rows = append(r.Rows, types.Row{o.Name, conn, state, errText})
	}
	return r
}

// showSinks lists the sinks with their delivery lag.
func (e *Engine) showSinks(st *parser.Show) *Result {
	r := &Result{Tag: "SHOW", Columns: []types.Column{
		{Name: "Name", Type: types.Varchar}, {Name: "Lag Epochs", Type: types.Int64},
		{Name: "Lag Rows", Type: types.Int64}, {Name: "Error", Type: types.Varchar},
	}}
	status := map[string]SinkStatus{}
	for _, s := range e.Sinks() {
		status[s.Name] = s
	}
	for _, o := range e.objectsOfKind(KindSink) {
		if st.Like != "" && !likeMatch(o.Name, st.Like) {
			continue
		}
		s := status[o.Name]
		var errText any
		if s.LastError != nil {
			errText = redactText(s.LastError.Error())
		}
		r.Rows = append(r.Rows, types.Row{o.Name, int64(s.Lag.Epochs), s.Lag.Rows, errText})
	}
	return r
}

// SourceErrorsTable is the system table of bad source records.
const SourceErrorsTable = "eddy_source_errors"

var sourceErrorsRel = func() *planner.Relation {
	schema := types.Schema{
		{Name: "source", Type: types.Varchar},
		{Name: "topic", Type: types.Varchar},
		{Name: "partition", Type: types.Int32},
		{Name: "offset", Type: types.Int64},
		{Name: "error", Type: types.Varchar},
		{Name: "payload", Type: types.Bytea},
		{Name: "time", Type: types.TimestamptzT},
		{Name: "_seq", Type: types.Int64, Hidden: true},
	}
	id := uint32(0xFFEF0000)
	return &planner.Relation{ID: id, Name: SourceErrorsTable, Kind: planner.RelSystem, Schema: schema, PK: []int{len(schema) - 1},
		Layout: types.TableLayout{ID: id, Name: SourceErrorsTable, Cols: schema.Types(), PK: []int{len(schema) - 1}}, AppendOnly: true}
}()

// engineRelation returns the engine's own system relations.
func engineRelation(name string) *planner.Relation {
	if name == SourceErrorsTable {
		return sourceErrorsRel
	}
	return nil
}

// engineRows returns the rows of an engine system relation scanned by a
// query, or false.
func (e *Engine) engineRows(rel string) ([]types.Row, bool) {
	if rel != SourceErrorsTable {
		return nil, false
	}
	errs, _ := e.SourceErrors()
	rows := make([]types.Row, len(errs))
	for i, se := range errs {
		rows[i] = types.Row{se.Source, se.Topic, int64(se.Partition), se.Offset, redactText(se.Error), se.Payload,
			types.Timestamptz(se.Time.UnixMicro()), int64(i)}
	}
	return rows, true
}
