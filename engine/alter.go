package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// alterRename runs ALTER … RENAME TO and ALTER TABLE … RENAME COLUMN.
//
// A catalog object is its CREATE text (replayed at restart), so renaming
// rewrites the text of the object and of every object that names it: a
// reference `FROM old` becomes `FROM new AS old`, which keeps the
// qualified column references (old.c) of the query valid. The running
// dataflows, state tables and source offsets are kept.
func (e *Engine) alterRename(ctx context.Context, st *parser.AlterRename) (*Result, error) {
	kind, ok := dropKinds[st.Object]
	if !ok {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "ALTER %s … RENAME is not supported", st.Object).WithPosition(int(st.Pos) + 1)
	}
	name := planner.NormalizeName(st.Name)
	o := e.lookup(name)
	if o == nil || o.Kind != kind {
		if o == nil && st.IfExists {
			return &Result{Tag: "ALTER_" + strings.ReplaceAll(st.Object, " ", "_"), Notices: []string{fmt.Sprintf("%s %q does not exist, skipping", kind, name)}}, nil
		}
		if o != nil {
			return nil, sqlerr.New(sqlerr.WrongObjectType, "%q is not a %s", name, kind).
				WithHint(fmt.Sprintf("Use ALTER %s to change a %s.", dropHints[o.Kind], o.Kind)).WithPosition(int(st.Pos) + 1)
		}
		return nil, sqlerr.New(sqlerr.UndefinedTable, "%s %q does not exist", kind, name).WithPosition(int(st.Pos) + 1)
	}
	tag := "ALTER_" + strings.ReplaceAll(st.Object, " ", "_")
	if st.Column != "" {
		return e.renameColumn(ctx, o, st, tag)
	}
	newName := planner.NormalizeName(st.NewName)
	if strings.Contains(newName, ".") {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "RENAME TO a name in another schema is not supported").WithPosition(int(st.Pos) + 1)
	}
	if newName == name {
		return &Result{Tag: tag}, nil
	}
	if _, err := e.checkNew(newName, kind, false, st.Pos); err != nil {
		return nil, err
	}
	if kind == KindSink {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "ALTER SINK … RENAME is not supported: a sink's delivery state is kept under its name").WithPosition(int(st.Pos) + 1)
	}
	if o.src != nil && o.src.shared != nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "renaming a shared CDC source is not supported").WithPosition(int(st.Pos) + 1)
	}
	// The objects whose text names the object.
	var deps []*object
	e.catMu.RLock()
	for _, d := range e.objects {
		if d == o {
			continue
		}
		uses := d.On == name
		for _, n := range d.Deps {
			uses = uses || n == name
		}
		if uses {
			deps = append(deps, d)
		}
	}
	e.catMu.RUnlock()
	// Rewrite every text first: nothing changes unless all of them can.
	newSQL := map[*object]string{}
	sql, err := renameInSQL(o.SQL, name, newName, true)
	if err != nil {
		return nil, err
	}
	newSQL[o] = sql
	for _, d := range deps {
		s, err := renameInSQL(d.SQL, name, newName, false)
		if err != nil {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "cannot rename %s %s: %s %s: %v", kind, name, d.Kind, d.Name, err).WithPosition(int(st.Pos) + 1)
		}
		newSQL[d] = s
	}
	err = e.onLoop(ctx, func() error {
		e.catMu.Lock()
		delete(e.objects, name)
		o.Name = newName
		e.objects[newName] = o
		if o.rel != nil {
			r := *o.rel
			r.Name = newName
			o.rel = &r
			if o.index != nil {
				o.index = &planner.Index{Relation: o.rel, BaseCols: o.index.BaseCols, KeyExprs: o.index.KeyExprs}
			}
		}
		for obj, s := range newSQL {
			obj.SQL = s
		}
		for _, d := range deps {
			if d.On == name {
				d.On = newName
			}
			for i, n := range d.Deps {
				if n == name {
					d.Deps[i] = newName
				}
			}
			if d.rel != nil && d.rel.ViewQuery != nil {
				// A view is bound from its query at every use.
				r := *d.rel
				q := *r.ViewQuery
				renameRefs(&q, name, newName)
				r.ViewQuery = &q
				d.rel = &r
			}
		}
		e.catMu.Unlock()
		if rt := e.rels[name]; rt != nil {
			e.deleteRel(name)
			e.setRel(newName, rt)
		}
		e.opstats.rename(name, newName)
		e.renameReaders(name, newName, kind == KindSource)
		for obj := range newSQL {
			e.store.PutMeta(obj.metaKey(), obj.encode())
		}
		e.dirty = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := e.ddlDone(ctx); err != nil {
		return nil, err
	}
	return &Result{Tag: tag}, nil
}

// renameReaders re-keys the source readers of a renamed relation (on the
// loop), so that their offsets are checkpointed, and found at restart,
// under the new name: a table's reader "src/<table>", an MV's readers
// "src/<mv>/<source>", and, for a renamed source, "src/<reader>/<source>".
func (e *Engine) renameReaders(old, new string, source bool) {
	changed := false
	for key, r := range e.readers {
		nk := key
		switch {
		case key == "src/"+old:
			nk = "src/" + new
		case strings.HasPrefix(key, "src/"+old+"/"):
			nk = "src/" + new + key[len("src/"+old):]
		case source && strings.HasSuffix(key, "/"+old) && strings.Count(key, "/") == 2:
			nk = key[:len(key)-len(old)] + new
		}
		if source && r.source == old {
			r.source = new
		}
		if nk == key {
			continue
		}
		delete(e.readers, key)
		r.key = nk
		e.readers[nk] = r
		e.store.DeleteMeta(offsetsMetaPrefix + key)
		changed = true
	}
	if changed {
		e.readerList.Store(e.readerSnapshot())
	}
}

// renameInSQL rewrites a stored CREATE statement for a relation renamed
// from old to new: its own name when self, else its references to old.
func renameInSQL(sql, old, new string, self bool) (string, error) {
	st, err := parser.ParseOne(sql)
	if err != nil {
		return "", fmt.Errorf("stored definition does not parse: %w", err)
	}
	if self {
		switch s := st.(type) {
		case *parser.CreateTable:
			s.Name = new
		case *parser.CreateMaterializedView:
			s.Name = new
		case *parser.CreateView:
			s.Name = new
		case *parser.CreateIndex:
			s.Name = new
		case *parser.CreateSource:
			s.Name = new
		case *parser.CreateSink:
			s.Name = new
		default:
			return "", fmt.Errorf("cannot rename a %T", st)
		}
		return st.String(), nil
	}
	shadowed := false
	walkAST(st, func(n any) {
		if c, ok := n.(*parser.CTE); ok && planner.NormalizeName(c.Name) == old {
			shadowed = true
		}
	})
	if shadowed {
		return "", fmt.Errorf("its query has a WITH query named %q", old)
	}
	renameRefs(st, old, new)
	switch s := st.(type) {
	case *parser.CreateIndex:
		if planner.NormalizeName(s.Table) == old {
			s.Table = new
		}
	case *parser.CreateSink:
		if planner.NormalizeName(s.From) == old {
			s.From = new
		}
		if planner.NormalizeName(s.Into) == old {
			s.Into = new
		}
	case *parser.CreateTable:
		if planner.NormalizeName(s.FromSource) == old {
			s.FromSource = new
		}
	}
	return st.String(), nil
}

// renameRefs renames the relation references to old in an AST: a table
// name without an alias keeps old as its alias (so that old.col still
// resolves), CHANGELOG FROM and the table argument of TUMBLE/HOP change.
func renameRefs(n any, old, new string) {
	walkAST(n, func(n any) {
		switch x := n.(type) {
		case *parser.TableName:
			if planner.NormalizeName(strings.Join(x.Name, ".")) == old {
				if x.Alias == nil {
					x.Alias = &parser.Alias{Pos: x.Pos, Name: x.Name[len(x.Name)-1]}
				}
				x.Name = []string{new}
			}
		case *parser.CTE:
			if x.ChangelogFrom != nil && planner.NormalizeName(strings.Join(x.ChangelogFrom, ".")) == old {
				x.ChangelogFrom = []string{new}
			}
		case *parser.TableFunc:
			if x.Func != nil && len(x.Func.Args) > 0 {
				if cr, ok := x.Func.Args[0].(*parser.ColumnRef); ok && planner.NormalizeName(strings.Join(cr.Parts, ".")) == old {
					cr.Parts = []string{new}
				}
			}
		}
	})
}

// renameColumn runs ALTER TABLE … RENAME COLUMN on a table nothing depends
// on: the table is redefined with the new column name over the same state.
func (e *Engine) renameColumn(ctx context.Context, o *object, st *parser.AlterRename, tag string) (*Result, error) {
	if o.Kind != KindTable {
		return nil, sqlerr.New(sqlerr.WrongObjectType, "%q is not a table", o.Name).WithPosition(int(st.Pos) + 1)
	}
	ct, err := e.alterableTable(o, st.Pos)
	if err != nil {
		return nil, err
	}
	old, nw := strings.ToLower(st.Column), strings.ToLower(st.NewName)
	idx := -1
	for i, c := range ct.Columns {
		if strings.ToLower(c.Name) == old {
			idx = i
		}
		if strings.ToLower(c.Name) == nw && old != nw {
			return nil, sqlerr.New(sqlerr.DuplicateColumn, "column %q of relation %q already exists", nw, o.Name).WithPosition(int(st.Pos) + 1)
		}
	}
	if idx < 0 {
		return nil, sqlerr.New(sqlerr.UndefinedColumn, "column %q does not exist", old).WithPosition(int(st.Pos) + 1)
	}
	ct.Columns[idx].Name = nw
	for i, k := range ct.PrimaryKey {
		if strings.ToLower(k) == old {
			ct.PrimaryKey[i] = nw
		}
	}
	for i, k := range ct.VersionColumns {
		if strings.ToLower(k) == old {
			ct.VersionColumns[i] = nw
		}
	}
	if ct.Watermark != nil && strings.ToLower(ct.Watermark.Column) == old {
		ct.Watermark.Column = nw
	}
	// Column references in generated columns and the watermark expression.
	walkAST(ct, func(n any) {
		if cr, ok := n.(*parser.ColumnRef); ok && len(cr.Parts) == 1 && strings.ToLower(cr.Parts[0]) == old {
			cr.Parts[0] = nw
		}
	})
	if err := e.redefineTable(ctx, o, ct, nil); err != nil {
		return nil, err
	}
	return &Result{Tag: tag}, nil
}

// alterColumn runs ALTER TABLE … ADD COLUMN / DROP COLUMN on a table
// nothing depends on: the table is redefined and its rows are copied into
// a new state table, the added column filled with its default (evaluated
// once) or NULL.
func (e *Engine) alterColumn(ctx context.Context, st *parser.AlterColumn) (*Result, error) {
	name := planner.NormalizeName(st.Name)
	o := e.lookup(name)
	if o == nil || o.Kind != KindTable {
		if o == nil && st.IfExists {
			return &Result{Tag: "ALTER_TABLE", Notices: []string{fmt.Sprintf("table %q does not exist, skipping", name)}}, nil
		}
		if o != nil {
			return nil, sqlerr.New(sqlerr.WrongObjectType, "%q is not a table", name).WithPosition(int(st.Pos) + 1)
		}
		return nil, sqlerr.New(sqlerr.UndefinedTable, "table %q does not exist", name).WithPosition(int(st.Pos) + 1)
	}
	ct, err := e.alterableTable(o, st.Pos)
	if err != nil {
		return nil, err
	}
	oldSchema := o.rel.Schema
	var fill types.Datum
	if st.Add != nil {
		c := st.Add
		n := strings.ToLower(c.Name)
		if i := oldSchema.Index(n); i >= 0 {
			return nil, sqlerr.New(sqlerr.DuplicateColumn, "column %q of relation %q already exists", n, name).WithPosition(int(st.Pos) + 1)
		}
		if c.PrimaryKey {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "ADD COLUMN … PRIMARY KEY is not supported: the primary key of a table cannot change").WithPosition(int(st.Pos) + 1)
		}
		if c.Generated != nil {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "ADD COLUMN … AS (a generated column) is not supported").WithPosition(int(st.Pos) + 1)
		}
		if c.Default != nil {
			v, err := e.constantValue(ctx, c)
			if err != nil {
				return nil, err
			}
			fill = v
		}
		if c.NotNull && fill == nil && len(e.tableRows(o)) > 0 {
			return nil, sqlerr.New(sqlerr.NotNullViolation, "column %q of relation %q contains null values", n, name).WithPosition(int(st.Pos) + 1)
		}
		ct.Columns = append(ct.Columns, c)
	} else {
		n := strings.ToLower(st.Drop)
		idx := -1
		for i, c := range ct.Columns {
			if strings.ToLower(c.Name) == n {
				idx = i
			}
		}
		if idx < 0 {
			if st.DropIfExists {
				return &Result{Tag: "ALTER_TABLE", Notices: []string{fmt.Sprintf("column %q of relation %q does not exist, skipping", n, name)}}, nil
			}
			return nil, sqlerr.New(sqlerr.UndefinedColumn, "column %q of relation %q does not exist", n, name).WithPosition(int(st.Pos) + 1)
		}
		if ct.Columns[idx].PrimaryKey || containsFold(ct.PrimaryKey, n) {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "cannot drop column %q: it is part of the primary key", n).WithPosition(int(st.Pos) + 1)
		}
		if containsFold(ct.VersionColumns, n) {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "cannot drop column %q: it is a version column", n).WithPosition(int(st.Pos) + 1)
		}
		if ct.Watermark != nil && strings.ToLower(ct.Watermark.Column) == n {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "cannot drop column %q: it has a watermark", n).WithPosition(int(st.Pos) + 1)
		}
		visible := 0
		for _, c := range oldSchema {
			if !c.Hidden {
				visible++
			}
		}
		if visible == 1 {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "cannot drop the only column of table %q", name).WithPosition(int(st.Pos) + 1)
		}
		ct.Columns = append(ct.Columns[:idx:idx], ct.Columns[idx+1:]...)
	}
	// Each new column takes the old column of the same name, or fill.
	convert := func(newSchema types.Schema, r types.Row) types.Row {
		out := make(types.Row, len(newSchema))
		for i, c := range newSchema {
			if j := oldSchema.Index(c.Name); j >= 0 {
				out[i] = r[j]
			} else {
				out[i] = fill
			}
		}
		return out
	}
	if err := e.redefineTable(ctx, o, ct, convert); err != nil {
		return nil, err
	}
	return &Result{Tag: "ALTER_TABLE"}, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.ToLower(x) == s {
			return true
		}
	}
	return false
}

// alterableTable checks that a table's definition can change (nothing
// depends on it, no connector) and returns its parsed CREATE statement.
func (e *Engine) alterableTable(o *object, pos parser.Pos) (*parser.CreateTable, error) {
	if deps := e.dependents(o.Name); len(deps) > 0 {
		var detail []string
		for _, d := range deps {
			detail = append(detail, fmt.Sprintf("%s %s depends on table %s", d.Kind, d.Name, o.Name))
		}
		return nil, sqlerr.New(sqlerr.DependentObjectsStillExist, "cannot alter table %s because other objects depend on it", o.Name).
			WithDetail(strings.Join(detail, "\n")).
			WithHint("Drop the dependent objects first: a table's columns can change only when nothing reads it.").WithPosition(int(pos) + 1)
	}
	if o.src != nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "cannot alter the columns of table %s: it has a connector", o.Name).WithPosition(int(pos) + 1)
	}
	st, err := parser.ParseOne(o.SQL)
	if err != nil {
		return nil, fmt.Errorf("table %s: stored definition does not parse: %w", o.Name, err)
	}
	ct, ok := st.(*parser.CreateTable)
	if !ok || ct.AsQuery != nil {
		return nil, fmt.Errorf("table %s: stored definition is not a CREATE TABLE", o.Name)
	}
	ct.IfNotExists = false
	return ct, nil
}

// constantValue evaluates a new column's DEFAULT once, cast to its type.
func (e *Engine) constantValue(ctx context.Context, c *parser.ColumnDef) (types.Datum, error) {
	q := &parser.Query{Pos: c.Pos, Body: &parser.SelectCore{Pos: c.Pos, Items: []*parser.SelectItem{{Pos: c.Pos,
		Expr: &parser.Cast{Pos: c.Pos, Expr: c.Default, Type: c.Type}}}}}
	res, err := e.execQuery(ctx, NewSession(), q)
	if err != nil {
		return nil, err
	}
	if len(res.Rows) != 1 || len(res.Rows[0]) != 1 {
		return nil, fmt.Errorf("DEFAULT of column %s: no value", c.Name)
	}
	return res.Rows[0][0], nil
}

// tableRows reads a table's current rows (for checks).
func (e *Engine) tableRows(o *object) []types.Row {
	var rows []types.Row
	_ = e.onLoop(context.Background(), func() error {
		var err error
		rows, err = scanAll(e.store.Table(o.rel.Layout))
		return err
	})
	return rows
}

// redefineTable replaces table o (nothing depends on it) by the table ct
// defines, under the same catalog entry. With convert nil the columns'
// types are unchanged and the new definition keeps o's state tables;
// otherwise the rows are copied, converted, into new state tables and the
// old ones are dropped. Nothing is durable until the closing checkpoint,
// which holds the new definition and its rows together.
func (e *Engine) redefineTable(ctx context.Context, o *object, ct *parser.CreateTable, convert func(types.Schema, types.Row) types.Row) error {
	text := ct.String()
	fake := &object{Seq: o.Seq}
	if convert == nil {
		fake.IDs = o.IDs
	}
	var oldRT *relRuntime
	if err := e.onLoop(ctx, func() error { oldRT = e.rels[o.Name]; return nil }); err != nil {
		return err
	}
	// As a replay: no name check, no catalog write, no checkpoint.
	if _, err := e.createTable(ctx, ct, text, fake); err != nil {
		return err
	}
	n := e.lookup(o.Name)
	err := e.onLoop(ctx, func() error {
		if oldRT != nil {
			// A table's runtime has no upstream and no readers (no
			// connector): only its subscriptions end.
			for _, s := range oldRT.stream.subs {
				s.Close()
			}
		}
		if convert != nil {
			rows, err := scanAll(e.store.Table(o.rel.Layout))
			if err != nil {
				return err
			}
			t := e.store.Table(n.rel.Layout)
			for _, r := range rows {
				t.Put(convert(n.rel.Schema, r))
			}
			for _, l := range o.tables {
				if err := e.store.DropTable(l.ID); err != nil {
					return err
				}
			}
		}
		e.persist(n, nil)
		e.dirty = true
		return nil
	})
	if err != nil {
		return err
	}
	return e.ddlDone(ctx)
}

// mviewConflict is the conflict mode of an MV's Materialize.
func mviewConflict(o *object) operators.Conflict {
	if o.Overwrite {
		return operators.ConflictOverwrite
	}
	return operators.ConflictNone
}

// alterMViewQuery runs ALTER MATERIALIZED VIEW name AS query: the view
// keeps its rows (no backfill) and from now on follows its inputs through
// the new query; the views reading it keep reading it. The new query must
// give the same columns and key, and keep no state of its own (filters and
// projections over tables and MVs): stateful operators would start empty.
// The view's Materialize applies changes with upsert semantics from then
// on, so that a delete of a row the old query never produced is dropped.
func (e *Engine) alterMViewQuery(ctx context.Context, s *Session, st *parser.AlterMViewQuery) (*Result, error) {
	name := planner.NormalizeName(st.Name)
	pos := int(st.Pos) + 1
	o := e.lookup(name)
	if o == nil || o.Kind != KindMView {
		if o != nil {
			return nil, sqlerr.New(sqlerr.WrongObjectType, "%q is not a materialized view", name).WithPosition(pos)
		}
		return nil, sqlerr.New(sqlerr.UndefinedTable, "materialized view %q does not exist", name).WithPosition(pos)
	}
	def, err := parser.ParseOne(o.SQL)
	if err != nil {
		return nil, fmt.Errorf("materialized view %s: stored definition does not parse: %w", name, err)
	}
	cm, ok := def.(*parser.CreateMaterializedView)
	if !ok {
		return nil, fmt.Errorf("materialized view %s: stored definition is not a CREATE MATERIALIZED VIEW", name)
	}
	if cm.EmitOnWindowClose || len(cm.Columns) > 0 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "ALTER MATERIALIZED VIEW … AS is not supported for a view with EMIT ON WINDOW CLOSE or a column list").WithPosition(pos)
	}
	cm.Query, cm.IfNotExists = st.Query, false
	for _, n := range referencedNames(st.Query) {
		if d := e.lookup(n); d != nil && d.Kind == KindSource {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "ALTER MATERIALIZED VIEW … AS over a source is not supported").WithPosition(pos)
		}
	}
	alloc := &idAllocator{e: e}
	plan, err := planner.PlanMView(catalogView{e}, cm, alloc.alloc)
	if err != nil {
		return nil, err
	}
	if len(plan.Tables) != 1 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "ALTER MATERIALIZED VIEW … AS supports only queries that keep no state (filters and projections of tables and views)").WithPosition(pos)
	}
	old := o.rel
	same := len(plan.Schema) == len(old.Schema) && slices.Equal(plan.PK, old.PK)
	for i := range plan.Schema {
		same = same && i < len(old.Schema) && plan.Schema[i].Name == old.Schema[i].Name &&
			plan.Schema[i].Type == old.Schema[i].Type && plan.Schema[i].Hidden == old.Schema[i].Hidden
	}
	if !same {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "ALTER MATERIALIZED VIEW … AS needs a query with the same columns (names and types) and key as the view's").WithPosition(pos)
	}
	// The new plan writes the view's own table.
	plan.Root.Table = old.Layout
	deps := append(e.existingNames(referencedNames(st.Query), name), e.functionDeps(st.Query)...)
	text := cm.String()
	err = e.onLoop(ctx, func() error {
		if e.dirty {
			if err := e.injectBarrier(false); err != nil {
				e.log.Error("barrier before ALTER MATERIALIZED VIEW", "err", err)
			}
		}
		oldRT := e.rels[name]
		m, err := operators.NewMaterialize(operators.MaterializeArgs{Table: old.Layout, Store: e.store, PK: old.PK, Conflict: operators.ConflictOverwrite})
		if err != nil {
			return err
		}
		rt, err := e.startDataflow(o, plan.Root.Input, true, alloc, func(root emitter) { root.Connect(m, 0) })
		if err != nil {
			if oldRT != nil {
				e.setRel(name, oldRT)
			}
			return err
		}
		if oldRT != nil {
			// The old dataflow leaves its inputs; its output stream, which
			// the views reading this one follow, now carries the new one's.
			for _, l := range oldRT.leaves {
				if l.rt != nil {
					l.rt.stream.remove(l.node)
				}
			}
			rt.stream = oldRT.stream
		}
		m.Connect(rt.stream, 0)
		ids := append([]uint32(nil), alloc.got...)
		for i, id := range ids {
			if id == plan.Table.ID {
				ids[i] = old.Layout.ID
			}
		}
		o.SQL, o.IDs, o.Deps, o.Overwrite = text, ids, deps, true
		e.persist(o, nil)
		e.dirty = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := e.ddlDone(ctx); err != nil {
		return nil, err
	}
	return &Result{Tag: "ALTER_MATERIALIZED_VIEW"}, nil
}
