package engine

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// sinkRuntime is a running sink: a node on its input's change stream
// appends each epoch's changes to a LogStore, which delivers them to the
// connector on its own goroutine with retries, so a dead target never
// stalls the dataflow.
type sinkRuntime struct {
	name string
	obj  *object
	log  *connectors.LogStore
	node *sinkNode
	// from is the upstream relation's runtime (CREATE SINK … FROM).
	from *relRuntime
	// rt is the sink's own dataflow (CREATE SINK … AS query).
	rt *relRuntime
}

// sinkNode appends what reaches it to the sink's log, in the epoch the
// next barrier closes.
type sinkNode struct {
	log   *connectors.LogStore
	epoch uint64
}

var _ operators.Node = (*sinkNode)(nil)

// Push implements operators.Node.
func (n *sinkNode) Push(_ int, c *types.Chunk) error {
	defer c.Release()
	return n.log.Append(n.epoch, c)
}

// Barrier implements operators.Node.
func (n *sinkNode) Barrier(_ int, b operators.Barrier) error {
	n.log.Seal(b.Epoch)
	n.epoch = b.Epoch + 1
	return nil
}

// Watermark implements operators.Node.
func (n *sinkNode) Watermark(int, operators.Watermark) error { return nil }

func (e *Engine) createSink(ctx context.Context, s *Session, st *parser.CreateSink, text string, replay *object) (*Result, error) {
	name := planner.NormalizeName(st.Name)
	if replay == nil {
		if r, err := e.checkNew(name, KindSink, st.IfNotExists, st.Pos); r != nil || err != nil {
			return r, err
		}
	}
	if st.Into != "" {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "CREATE SINK … INTO a table is not supported yet").WithPosition(int(st.Pos) + 1)
	}
	conn, _, err := withOptions(st.With)
	if err != nil {
		return nil, err
	}
	connector := conn["connector"]
	if err := connectors.Default.Validate(connectors.KindSink, connector, conn); err != nil {
		return nil, err
	}
	fs := formatSpec(st.Format)
	if err := connectors.Default.ValidateFormat(connectors.KindSink, connector, fs); err != nil {
		return nil, err
	}
	snapshot := true
	if v, ok := conn["snapshot"]; ok {
		snapshot = isTrue(v)
	}
	o, alloc := e.newObject(KindSink, name, text, replay)
	o.TimeZone = creationZone(s, replay)
	var plan *planner.MViewPlan
	var from *object
	var schema types.Schema
	var pk []int
	var appendOnly bool
	if st.From != "" {
		from = e.lookup(st.From)
		if from == nil || (from.Kind != KindMView && from.Kind != KindTable) {
			if from != nil && from.Kind == KindSource {
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "CREATE SINK … FROM a source is not supported: use CREATE SINK … AS SELECT * FROM %s", from.Name).WithPosition(int(st.Pos) + 1)
			}
			return nil, sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist", planner.NormalizeName(st.From)).WithPosition(int(st.Pos) + 1)
		}
		schema, pk, appendOnly = from.rel.Schema, from.rel.PK, from.rel.AppendOnly
		o.Deps = []string{from.Name}
	} else {
		plan, err = planner.PlanMView(catalogView{e}, &parser.CreateMaterializedView{Pos: st.Pos, Name: name, Query: st.Query}, alloc.alloc)
		if err != nil {
			return nil, err
		}
		schema, pk, appendOnly = plan.Schema, plan.PK, plan.AppendOnly
		o.Deps = e.existingNames(referencedNames(st.Query), name)
		snapshot = true // a query sink starts with the backfill of its query
	}
	sink, err := connectors.Default.NewSink(connectors.SinkConfig{
		Name: name, Schema: schema, PK: pk, With: conn, Format: fs, Snapshot: snapshot, AppendOnly: appendOnly,
	})
	if err != nil {
		return nil, err
	}
	var notices []string
	if w, ok := sink.(connectors.Warner); ok {
		notices = append(notices, w.Warnings()...)
	}
	logID := alloc.alloc()
	layout := connectors.LogTableLayout(logID, "sink_"+name+"_log")
	lg, err := connectors.NewLogStore(connectors.LogStoreOptions{
		Store: e.store, TableID: logID, Name: layout.Name, Sink: sink, Types: schema.Types(),
		RequireDurable: true,
		OnError: func(err error) {
			e.log.Warn("sink delivery failed; retrying", "sink", name, "err", redactText(err.Error()))
		},
	})
	if err != nil {
		_ = sink.Close()
		return nil, err
	}
	sr := &sinkRuntime{name: name, obj: o, log: lg}
	err = e.onLoop(ctx, func() error {
		sr.node = &sinkNode{log: lg, epoch: e.nextEpoch}
		if from != nil {
			up := e.rels[from.Name]
			if up == nil {
				return sqlerr.New(sqlerr.UndefinedTable, "relation %q has no running dataflow", from.Name)
			}
			if replay == nil {
				if e.dirty {
					if err := e.injectBarrier(false); err != nil {
						e.log.Error("barrier", "err", err)
					}
					sr.node.epoch = e.nextEpoch
				}
				if snapshot {
					rows, err := scanAll(e.store.Table(from.rel.Layout))
					if err != nil {
						return err
					}
					for len(rows) > 0 {
						k := min(len(rows), chunkRows)
						c := types.NewInsertChunk(schema.Types(), rows[:k])
						err := lg.Append(sr.node.epoch, c)
						c.Release()
						if err != nil {
							return err
						}
						rows = rows[k:]
					}
					e.dirty = true
				}
			}
			up.stream.add(sr.node, 0)
			sr.from = up
		} else {
			o.IDs = alloc.got
			rt, err := e.startDataflow(o, plan.Root.Input, replay != nil, alloc, func(root emitter) { root.Connect(sr.node, 0) })
			if err != nil {
				return err
			}
			sr.rt = rt
			o.tables = append(o.tables, plan.Tables...)
		}
		o.IDs = alloc.got
		o.tables = append(o.tables, layout)
		e.sinks[name] = sr
		e.sinkList.Store(e.sinkSnapshot())
		e.persist(o, replay)
		if replay == nil {
			e.dirty = true
		}
		return nil
	})
	if err != nil {
		_ = lg.Close()
		return nil, err
	}
	lg.Start()
	e.register(o)
	if replay == nil {
		if err := e.ddlDone(ctx); err != nil {
			return nil, err
		}
	}
	return &Result{Tag: "CREATE_SINK", Notices: notices}, nil
}

func (e *Engine) sinkSnapshot() []*sinkRuntime {
	out := make([]*sinkRuntime, 0, len(e.sinks))
	for _, s := range e.sinks {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// dropSink detaches and stops a sink (on the loop).
func (e *Engine) dropSink(name string) {
	sr := e.sinks[name]
	if sr == nil {
		return
	}
	if sr.from != nil {
		sr.from.stream.remove(sr.node)
	}
	delete(e.sinks, name)
	e.sinkList.Store(e.sinkSnapshot())
	_ = sr.log.Close()
}

// closeSinks gives the sinks a moment to deliver what is durable, then
// stops them (on the loop, at Close).
func (e *Engine) closeSinks() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	d := e.durable.Load()
	for _, sr := range e.sinkSnapshot() {
		_ = sr.log.WaitDelivered(ctx, d)
	}
	for _, sr := range e.sinkSnapshot() {
		_ = sr.log.Close()
	}
	e.sinks = map[string]*sinkRuntime{}
	e.sinkList.Store([]*sinkRuntime(nil))
}

// SinkStatus describes a sink's delivery.
type SinkStatus struct {
	Name      string
	Lag       connectors.LogLag
	LastError error
}

// Sinks returns the delivery state of every sink: how many epochs and rows
// are not yet delivered (the sink lag), the last delivered epoch and the
// last delivery error.
func (e *Engine) Sinks() []SinkStatus {
	v, _ := e.sinkList.Load().([]*sinkRuntime)
	out := make([]SinkStatus, 0, len(v))
	for _, s := range v {
		out = append(out, SinkStatus{Name: s.name, Lag: s.log.Lag(), LastError: s.log.LastError()})
	}
	return out
}

// SinkLag returns the delivery lag of one sink.
func (e *Engine) SinkLag(name string) (connectors.LogLag, error) {
	for _, s := range e.Sinks() {
		if s.Name == planner.NormalizeName(name) {
			return s.Lag, nil
		}
	}
	return connectors.LogLag{}, sqlerr.New(sqlerr.UndefinedObject, "sink %q does not exist", planner.NormalizeName(name))
}

// WaitSinks waits until every sink has delivered every change that is
// durable now.
func (e *Engine) WaitSinks(ctx context.Context) error {
	d := e.durable.Load()
	v, _ := e.sinkList.Load().([]*sinkRuntime)
	for _, s := range v {
		if err := s.log.WaitDelivered(ctx, d); err != nil {
			return fmt.Errorf("sink %s: %w", s.name, err)
		}
	}
	return nil
}

// ---------------------------------------------------------------------
// Redaction of secrets in stored statements.

// RedactSQL returns a CREATE statement's text as SHOW CREATE prints it:
// secret option values and URL passwords replaced.
func RedactSQL(text string) string { return redactSQL(text) }

// redactSQL returns a statement's text with secret option values replaced
// (SHOW CREATE, errors, logs). Statements without secrets come back as
// written.
func redactSQL(text string) string {
	st, err := parser.ParseOne(text)
	if err != nil {
		return text
	}
	var opts []*parser.Option
	switch x := st.(type) {
	case *parser.CreateSource:
		opts = append(opts, x.With...)
		if x.Format != nil {
			opts = append(opts, x.Format.Options...)
		}
	case *parser.CreateTable:
		opts = append(opts, x.With...)
		if x.Format != nil {
			opts = append(opts, x.Format.Options...)
		}
	case *parser.CreateSink:
		opts = append(opts, x.With...)
		if x.Format != nil {
			opts = append(opts, x.Format.Options...)
		}
	default:
		return text
	}
	changed := false
	for _, o := range opts {
		v := optionText(o.Value)
		nv := v
		if connectors.IsSecret(o.Name) {
			nv = connectors.Redacted
		} else {
			nv = redactURL(v)
		}
		if nv != v {
			changed = true
			o.Value = &parser.Literal{Pos: o.Pos, Kind: parser.LitString, Text: nv}
		}
	}
	if !changed {
		return text
	}
	return st.String()
}

// showCreateSQL is the statement SHOW CREATE prints for o: its text with
// secrets redacted; a table's is printed in display form (types by their
// display names, the table's own name, no IF NOT EXISTS), not as written.
func showCreateSQL(o *object) string {
	text := redactSQL(o.SQL)
	if o.Kind != KindTable {
		return text
	}
	st, err := parser.ParseOne(text)
	if err != nil {
		return text
	}
	ct, ok := st.(*parser.CreateTable)
	if !ok {
		return text
	}
	ct.Name, ct.IfNotExists = o.Name, false
	return parser.FormatDisplay(ct)
}

// redactURL hides the password of a URL ("redis://user:pw@host").
func redactURL(v string) string {
	if !strings.Contains(v, "://") || !strings.Contains(v, "@") {
		return v
	}
	u, err := url.Parse(v)
	if err != nil || u.User == nil {
		return v
	}
	if _, ok := u.User.Password(); !ok {
		return v
	}
	u.User = url.UserPassword(u.User.Username(), "REDACTED")
	return strings.Replace(u.String(), "REDACTED", connectors.Redacted, 1)
}

// redactText hides URL passwords inside free text (error messages).
func redactText(s string) string {
	fs := strings.Fields(s)
	for _, f := range fs {
		t := strings.Trim(f, `"'(),`)
		if r := redactURL(t); r != t {
			s = strings.ReplaceAll(s, t, r)
		}
	}
	return s
}

var _ = expr.Context{}
