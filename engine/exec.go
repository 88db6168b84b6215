package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Exec runs the statements of sql in order, on the session s (nil = a
// fresh session). It returns one Result per statement that ran; on an
// error it returns the results of the statements before it and the error,
// a *sqlerr.Error. A syntax error anywhere runs nothing.
func (e *Engine) Exec(ctx context.Context, s *Session, sql string) ([]*Result, error) {
	if s == nil {
		s = NewSession()
	}
	if e.closed.Load() {
		return nil, errClosed
	}
	if !noFastPaths {
		if r, handled, err := e.execBulkInsert(ctx, s, sql); handled {
			if err != nil {
				return nil, toSQLError(err)
			}
			return []*Result{r}, nil
		}
	}
	stmts, err := parser.Parse(sql)
	if err != nil {
		return nil, parseError(sql, err)
	}
	// Only DDL and queries use their statement text: a bulk INSERT is not
	// scanned again.
	var texts []string
	for _, st := range stmts {
		if !isDML(st) {
			texts = parser.SplitStatements(sql)
			break
		}
	}
	var results []*Result
	for i, st := range stmts {
		var text string
		switch {
		case isDML(st):
		case len(texts) == len(stmts):
			text = texts[i]
		default:
			text = st.String()
		}
		r, err := e.execStmt(ctx, s, st, text)
		if err != nil {
			return results, toSQLError(err)
		}
		results = append(results, r)
	}
	return results, nil
}

// isDML reports whether st is INSERT, UPDATE or DELETE.
func isDML(st parser.Statement) bool {
	switch st.(type) {
	case *parser.Insert, *parser.Update, *parser.Delete:
		return true
	}
	return false
}

// parseError turns a parser error into a 42601 error (or the parser's own
// SQLSTATE) with a 1-based character position.
func parseError(sql string, err error) error {
	var pe *parser.Error
	if errors.As(err, &pe) {
		p := int(pe.Pos)
		if p > len(sql) {
			p = len(sql)
		}
		if p < 0 {
			p = 0
		}
		code := sqlerr.SyntaxError
		if pe.Code != "" {
			code = pe.Code
		}
		se := sqlerr.New(code, "%s", pe.Msg).WithPosition(utf8.RuneCountInString(sql[:p]) + 1)
		if pe.Hint != "" {
			se.Hint = pe.Hint
		}
		return se
	}
	return sqlerr.Wrap(err, sqlerr.SyntaxError)
}

func toSQLError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return sqlerr.Wrap(err, sqlerr.QueryCanceled)
	}
	return sqlerr.Wrap(err, sqlerr.InternalError)
}

func (e *Engine) execStmt(ctx context.Context, s *Session, st parser.Statement, text string) (*Result, error) {
	switch st := st.(type) {
	case *parser.CreateTable, *parser.CreateMaterializedView, *parser.CreateView, *parser.CreateIndex,
		*parser.CreateSource, *parser.CreateSink, *parser.CreateFunction, *parser.CreateSchema, *parser.CreateType, *parser.Drop,
		*parser.AlterRename, *parser.AlterColumn, *parser.AlterMViewQuery:
		return e.execDDL(ctx, s, st, text, nil)
	case *parser.Query:
		return e.execQuery(ctx, s, rewriteArraySubqueries(st, text))
	case *parser.Insert:
		return e.execInsert(ctx, s, st)
	case *parser.Update:
		return e.execUpdate(ctx, s, st)
	case *parser.Delete:
		return e.execDelete(ctx, s, st)
	case *parser.Flush:
		if err := e.Flush(ctx); err != nil {
			return nil, err
		}
		return &Result{Tag: "FLUSH"}, nil
	case *parser.Set:
		return e.execSet(s, st)
	case *parser.AlterSystem:
		return e.execSet(s, &parser.Set{Pos: st.Pos, Name: st.Name, Values: st.Values, ToDefault: st.ToDefault})
	case *parser.Show:
		return e.execShow(s, st)
	case *parser.Describe:
		return e.describe(st.Name)
	case *parser.Explain:
		return e.explain(st)
	case *parser.Begin:
		return &Result{Tag: "BEGIN", Notices: []string{"transactions are not supported: statements run one at a time"}}, nil
	case *parser.Commit:
		return &Result{Tag: "COMMIT"}, nil
	case *parser.Rollback:
		return &Result{Tag: "ROLLBACK", Notices: []string{"transactions are not supported: nothing was rolled back"}}, nil
	case *parser.Discard:
		return &Result{Tag: "DISCARD " + st.What}, nil
	case *parser.CreateDatabase:
		if st.Name == "dev" && st.IfNotExists {
			return &Result{Tag: "CREATE_DATABASE"}, nil
		}
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "statement not supported: %s", stmtName(st)).WithPosition(int(st.Position()) + 1)
}

func stmtName(st parser.Statement) string {
	s := st.String()
	f := strings.Fields(s)
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, " ")
}

// systemParams are engine-wide parameters that SET changes for everyone.
var systemParams = map[string]bool{"barrier_interval_ms": true, "checkpoint_frequency": true}

func (e *Engine) execSet(s *Session, st *parser.Set) (*Result, error) {
	name := strings.ToLower(st.Name)
	var vals []string
	for _, v := range st.Values {
		vals = append(vals, literalText(v))
	}
	value := strings.Join(vals, ", ")
	if systemParams[name] {
		if st.ToDefault {
			switch name {
			case "barrier_interval_ms":
				e.barrierMS.Store(e.opts.BarrierInterval.Milliseconds())
			case "checkpoint_frequency":
				e.ckptFreq.Store(int64(e.opts.CheckpointFrequency))
			}
			return &Result{Tag: "SET"}, nil
		}
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n <= 0 {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value for parameter %q: %q", name, value)
		}
		switch name {
		case "barrier_interval_ms":
			e.barrierMS.Store(n)
		case "checkpoint_frequency":
			e.ckptFreq.Store(n)
		}
		return &Result{Tag: "SET"}, nil
	}
	if st.ToDefault {
		s.Reset(name)
		return &Result{Tag: "SET"}, nil
	}
	switch name {
	case "rw_implicit_flush", "implicit_flush":
		if !isBoolText(value) {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "parameter %q requires a Boolean value", name)
		}
	case "timezone":
		if strings.EqualFold(value, "local") {
			value = "UTC"
		}
	case "rw_force_two_phase_agg":
		// As in RisingWave, forcing two-phase aggregation also enables it.
		if isTrue(value) {
			s.Set("enable_two_phase_agg", "true")
		}
	}
	s.Set(name, value)
	return &Result{Tag: "SET"}, nil
}

func isBoolText(v string) bool {
	switch strings.ToLower(v) {
	case "true", "false", "on", "off", "1", "0", "t", "f", "yes", "no":
		return true
	}
	return false
}

// literalText renders a SET value: strings and identifiers unquoted.
func literalText(e parser.Expr) string {
	switch x := e.(type) {
	case *parser.Literal:
		return x.Text
	case *parser.UnaryExpr:
		if x.Op == "-" {
			return "-" + literalText(x.Expr)
		}
	case *parser.ColumnRef:
		return strings.Join(x.Parts, ".")
	case *parser.TypedLiteral:
		return x.Value
	}
	return e.String()
}

func (e *Engine) execShow(s *Session, st *parser.Show) (*Result, error) {
	nameCol := []types.Column{{Name: "Name", Type: types.Varchar}}
	list := func(k ObjectKind) *Result {
		r := &Result{Tag: "SHOW", Columns: nameCol}
		for _, o := range e.objectsOfKind(k) {
			if st.Like != "" && !likeMatch(o.Name, st.Like) {
				continue
			}
			r.Rows = append(r.Rows, types.Row{o.Name})
		}
		return r
	}
	switch st.Kind {
	case parser.ShowTables:
		return list(KindTable), nil
	case parser.ShowMaterializedViews:
		return list(KindMView), nil
	case parser.ShowViews:
		return list(KindView), nil
	case parser.ShowSources:
		return e.showSources(st), nil
	case parser.ShowSinks:
		return e.showSinks(st), nil
	case parser.ShowInternalTables:
		return &Result{Tag: "SHOW", Columns: nameCol}, nil
	case parser.ShowIndexes:
		return e.showIndexes(st), nil
	case parser.ShowDatabases:
		return &Result{Tag: "SHOW", Columns: nameCol, Rows: []types.Row{{"dev"}}}, nil
	case parser.ShowSchemas:
		return &Result{Tag: "SHOW", Columns: nameCol, Rows: []types.Row{{"public"}}}, nil
	case parser.ShowColumns:
		return e.describe(st.Name)
	case parser.ShowCreateTable, parser.ShowCreateMaterializedView, parser.ShowCreateView,
		parser.ShowCreateSource, parser.ShowCreateSink, parser.ShowCreateIndex:
		want := map[parser.ShowKind]ObjectKind{
			parser.ShowCreateTable: KindTable, parser.ShowCreateMaterializedView: KindMView, parser.ShowCreateView: KindView,
			parser.ShowCreateSource: KindSource, parser.ShowCreateSink: KindSink, parser.ShowCreateIndex: KindIndex,
		}[st.Kind]
		o := e.lookup(st.Name)
		if o == nil || o.Kind != want {
			return nil, sqlerr.New(sqlerr.UndefinedTable, "%s %q does not exist", want, planner.NormalizeName(st.Name))
		}
		return &Result{Tag: "SHOW", Columns: []types.Column{{Name: "Name", Type: types.Varchar}, {Name: "Create Sql", Type: types.Varchar}},
			Rows: []types.Row{{"public." + o.Name, showCreateSQL(o)}}}, nil
	case parser.ShowParameter:
		name := strings.ToLower(st.Name)
		var v string
		switch name {
		case "barrier_interval_ms":
			v = strconv.FormatInt(e.barrierMS.Load(), 10)
		case "checkpoint_frequency":
			v = strconv.FormatInt(e.ckptFreq.Load(), 10)
		default:
			var ok bool
			v, ok = s.Get(name)
			if !ok {
				return nil, sqlerr.New(sqlerr.UndefinedObject, "unrecognized configuration parameter %q", name)
			}
		}
		return &Result{Tag: "SHOW", Columns: []types.Column{{Name: name, Type: types.Varchar}}, Rows: []types.Row{{v}}}, nil
	case parser.ShowAll, parser.ShowParameters:
		r := &Result{Tag: "SHOW", Columns: []types.Column{{Name: "Name", Type: types.Varchar}, {Name: "Setting", Type: types.Varchar}, {Name: "Description", Type: types.Varchar}}}
		r.Rows = append(r.Rows, types.Row{"barrier_interval_ms", strconv.FormatInt(e.barrierMS.Load(), 10), "the time between barriers, in milliseconds (system)"})
		r.Rows = append(r.Rows, types.Row{"checkpoint_frequency", strconv.FormatInt(e.ckptFreq.Load(), 10), "barriers per durable checkpoint (system)"})
		for _, kv := range s.all() {
			r.Rows = append(r.Rows, types.Row{kv[0], kv[1], ""})
		}
		return r, nil
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "SHOW %s is not supported", strings.ToLower(string(st.Kind)))
}

func likeMatch(s, pattern string) bool {
	// A small LIKE: % and _ wildcards.
	var match func(s, p string) bool
	match = func(s, p string) bool {
		for len(p) > 0 {
			switch p[0] {
			case '%':
				for i := 0; i <= len(s); i++ {
					if match(s[i:], p[1:]) {
						return true
					}
				}
				return false
			case '_':
				if s == "" {
					return false
				}
				_, n := utf8.DecodeRuneInString(s)
				s, p = s[n:], p[1:]
			default:
				if s == "" || s[0] != p[0] {
					return false
				}
				s, p = s[1:], p[1:]
			}
		}
		return s == ""
	}
	return match(s, pattern)
}

// describe lists a relation's columns like RisingWave's DESCRIBE.
func (e *Engine) describe(name string) (*Result, error) {
	o := e.lookup(name)
	if o == nil || o.rel == nil {
		return nil, sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist", planner.NormalizeName(name))
	}
	r := &Result{Tag: "DESCRIBE", Columns: []types.Column{
		{Name: "Name", Type: types.Varchar}, {Name: "Type", Type: types.Varchar},
		{Name: "Is Hidden", Type: types.Bool}, {Name: "Description", Type: types.Varchar},
	}}
	for _, c := range o.rel.Schema {
		r.Rows = append(r.Rows, types.Row{c.Name, c.Type.String(), c.Hidden, nil})
	}
	if len(o.rel.PK) > 0 && o.Kind != KindView {
		var ks []string
		for _, i := range o.rel.PK {
			ks = append(ks, o.rel.Schema[i].Name)
		}
		r.Rows = append(r.Rows, types.Row{"primary key", strings.Join(ks, ", "), nil, nil})
	}
	r.Rows = append(r.Rows, types.Row{"table description", o.Name, nil, nil})
	return r, nil
}

func (e *Engine) explain(st *parser.Explain) (*Result, error) {
	if st.Analyze {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "EXPLAIN ANALYZE is not supported")
	}
	var id uint32
	alloc := func() uint32 { id++; return id }
	lines, err := planner.Explain(catalogView{e}, st.Stmt, alloc)
	if err != nil {
		return nil, err
	}
	r := &Result{Tag: "EXPLAIN", Columns: []types.Column{{Name: "QUERY PLAN", Type: types.Varchar}}}
	for _, l := range lines {
		r.Rows = append(r.Rows, types.Row{l})
	}
	return r, nil
}

func errorf(code, format string, args ...any) *sqlerr.Error {
	return sqlerr.New(code, format, args...)
}

var _ = fmt.Sprintf
