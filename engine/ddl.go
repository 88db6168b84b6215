package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// RowIDColumn is the hidden column a table without a primary key gets.
const RowIDColumn = "_row_id"

// execDDL runs a catalog-changing statement. replay is the stored object
// when recovering (then no backfill runs and the stored IDs are reused).
func (e *Engine) execDDL(ctx context.Context, s *Session, st parser.Statement, text string, replay *object) (*Result, error) {
	e.ddlMu.Lock()
	defer e.ddlMu.Unlock()
	switch st := st.(type) {
	case *parser.CreateTable:
		if st.AsQuery != nil && replay == nil {
			return e.createTableAs(ctx, s, st)
		}
		return e.createTable(ctx, st, text, replay)
	case *parser.CreateMaterializedView:
		return e.createMView(ctx, s, st, text, replay)
	case *parser.CreateView:
		return e.createView(ctx, st, text, replay)
	case *parser.CreateIndex:
		return e.createIndex(ctx, st, text, replay)
	case *parser.CreateSource:
		return e.createSource(ctx, st, text, replay)
	case *parser.CreateSink:
		return e.createSink(ctx, s, st, text, replay)
	case *parser.CreateFunction:
		return e.createFunction(ctx, st, text, replay)
	case *parser.CreateSchema:
		return e.createSchema(ctx, st, text, replay)
	case *parser.CreateType:
		return e.createType(ctx, st, text, replay)
	case *parser.AlterRename:
		return e.alterRename(ctx, st)
	case *parser.AlterColumn:
		return e.alterColumn(ctx, st)
	case *parser.AlterMViewQuery:
		return e.alterMViewQuery(ctx, s, st)
	case *parser.Drop:
		if st.Kind == "FUNCTION" {
			return e.dropFunction(ctx, st)
		}
		if st.Kind == "SCHEMA" {
			return e.dropSchema(ctx, st)
		}
		if st.Kind == "TYPE" {
			return e.dropType(ctx, st)
		}
		return e.drop(ctx, st)
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "statement not supported")
}

// createTableAs runs CREATE TABLE name AS query: the table gets the
// query's column names and types (unknown-typed columns become text), and
// the catalog stores it as a plain CREATE TABLE, so that a restart does not
// depend on the query's relations; then the query's rows are inserted.
func (e *Engine) createTableAs(ctx context.Context, s *Session, st *parser.CreateTable) (*Result, error) {
	name := planner.NormalizeName(st.Name)
	if r, err := e.checkNew(name, KindTable, st.IfNotExists, st.Pos); r != nil || err != nil {
		return r, err
	}
	if len(st.PrimaryKey) > 0 || st.FromSource != "" || st.FromTable != "" {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "CREATE TABLE … AS takes no primary key or source").WithPosition(int(st.Pos) + 1)
	}
	plan, err := planner.PlanQuery(catalogView{e}, st.AsQuery, e.tempAlloc)
	if err != nil {
		return nil, err
	}
	if len(st.Columns) > len(plan.Schema) {
		return nil, sqlerr.New(sqlerr.SyntaxError, "too many column names were specified").WithPosition(int(st.Pos) + 1)
	}
	var defs []string
	for i, c := range plan.Schema {
		n := c.Name
		if i < len(st.Columns) {
			n = st.Columns[i].Name
		}
		t := c.Type
		if t.Kind == types.KindUnknown {
			t = types.Varchar
		}
		tn := t.String()
		if c.Mod.Set && c.Type == t {
			tn = expr.FormatTypeMod(int64(t.OID()), c.Mod.PG(t)) // as Postgres, the column keeps its modifier
		}
		defs = append(defs, parser.QuoteIdent(n)+" "+tn)
	}
	if len(defs) == 0 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "CREATE TABLE … AS needs at least one column").WithPosition(int(st.Pos) + 1)
	}
	text := "CREATE TABLE " + parser.QuoteIdent(name) + " (" + strings.Join(defs, ", ") + ")"
	if len(st.With) > 0 {
		var opts []string
		for _, o := range st.With {
			opts = append(opts, o.Name+" = "+o.Value.String())
		}
		text += " WITH (" + strings.Join(opts, ", ") + ")"
	}
	ct, err := parser.ParseOne(text)
	if err != nil {
		return nil, fmt.Errorf("CREATE TABLE … AS: the table definition %q does not parse: %w", text, err)
	}
	if _, err := e.createTable(ctx, ct.(*parser.CreateTable), text, nil); err != nil {
		return nil, err
	}
	res, err := e.execInsert(ctx, s, &parser.Insert{Pos: st.Pos, Table: name, Source: st.AsQuery})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: fmt.Sprintf("SELECT %d", res.RowsAffected())}, nil
}

// checkNew reports whether name is free; with IF NOT EXISTS a taken name
// gives a notice result instead of an error.
func (e *Engine) checkNew(name string, kind ObjectKind, ifNotExists bool, pos parser.Pos) (*Result, error) {
	o := e.lookup(name)
	if o == nil {
		return nil, nil
	}
	if ifNotExists {
		return &Result{Tag: createTag(kind), Notices: []string{fmt.Sprintf("relation %q already exists, skipping", name)}}, nil
	}
	return nil, sqlerr.New(sqlerr.DuplicateTable, "relation %q already exists", name).WithPosition(int(pos) + 1)
}

func createTag(k ObjectKind) string {
	return "CREATE_" + strings.ToUpper(strings.ReplaceAll(string(k), " ", "_"))
}

func (e *Engine) newObject(kind ObjectKind, name, text string, replay *object) (*object, *idAllocator) {
	o := &object{Kind: kind, Name: name, SQL: text}
	a := &idAllocator{e: e}
	if replay != nil {
		o.Seq = replay.Seq
		a.replay = append([]uint32(nil), replay.IDs...)
	} else {
		e.seq++
		o.Seq = e.seq
	}
	return o, a
}

func (e *Engine) register(o *object) {
	e.catMu.Lock()
	e.objects[o.Name] = o
	e.catMu.Unlock()
}

func (e *Engine) unregister(name string) {
	e.catMu.Lock()
	delete(e.objects, name)
	e.catMu.Unlock()
}

// persist stores the object's catalog entry (on the loop) unless replaying.
func (e *Engine) persist(o *object, replay *object) {
	if replay == nil {
		e.store.PutMeta(o.metaKey(), o.encode())
		e.dirty = true
	}
}

// addCatalogObject stores a new catalog object that has no dataflow of its
// own (function, schema, index, source): the entry is staged on the loop,
// the object becomes visible to lookups, and a new object (not a replay)
// is made durable before the statement returns.
func (e *Engine) addCatalogObject(ctx context.Context, o *object, replay *object) error {
	if err := e.onLoop(ctx, func() error { e.persist(o, replay); return nil }); err != nil {
		return err
	}
	e.register(o)
	if replay == nil {
		return e.ddlDone(ctx)
	}
	return nil
}

// ddlDone ends a DDL statement: with a data directory, a checkpoint makes
// the catalog change durable; in memory there is nothing to wait for (the
// next barrier seals it).
func (e *Engine) ddlDone(ctx context.Context) error {
	if !e.persistent() {
		return nil
	}
	return e.Flush(ctx)
}

func (e *Engine) createTable(ctx context.Context, st *parser.CreateTable, text string, replay *object) (*Result, error) {
	name := planner.NormalizeName(st.Name)
	if replay == nil {
		if r, err := e.checkNew(name, KindTable, st.IfNotExists, st.Pos); r != nil || err != nil {
			return r, err
		}
	}
	if st.AsQuery != nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "CREATE TABLE … AS is not supported yet").WithPosition(int(st.Pos) + 1)
	}
	schema, pk, err := e.tableSchema(st)
	if err != nil {
		return nil, err
	}
	conflict, versions, err := tableOnConflict(st, schema, pk)
	if err != nil {
		return nil, err
	}
	conn, eng, err := withOptions(st.With)
	if err != nil {
		return nil, err
	}
	var d *sourceDef
	if conn["connector"] != "" || st.FromSource != "" {
		if st.FromSource != "" && conn["connector"] != "" {
			return nil, sqlerr.New(sqlerr.SyntaxError, "CREATE TABLE … FROM a source takes no connector option").WithPosition(int(st.Pos) + 1)
		}
		d = &sourceDef{connector: conn["connector"], with: conn, format: formatSpec(st.Format), rowIDCol: -1}
		// The connector fills the declared columns; a hidden _row_id (no
		// primary key) is filled by the engine.
		cs := schema
		if len(pk) == 1 && schema[pk[0]].Hidden && schema[pk[0]].Name == RowIDColumn {
			cs = schema[:len(schema)-1]
			d.rowIDCol = len(cs)
		} else {
			d.pk = pk
		}
		if d.schema, d.include, err = includeColumns(append(types.Schema(nil), cs...), st.Include, d.connector); err != nil {
			return nil, err
		}
		if len(d.include) > 0 {
			// INCLUDE columns come after the declared ones.
			schema = append(append(types.Schema(nil), d.schema...), schema[len(cs):]...)
			if d.rowIDCol >= 0 {
				d.rowIDCol = len(d.schema)
				pk = []int{d.rowIDCol}
			}
		}
		if st.FromSource != "" {
			up := e.lookup(st.FromSource)
			if up == nil || up.Kind != KindSource {
				return nil, sqlerr.New(sqlerr.UndefinedObject, "source %q does not exist", planner.NormalizeName(st.FromSource)).WithPosition(int(st.Pos) + 1)
			}
			if up.src == nil || up.src.shared == nil {
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "CREATE TABLE … FROM source %q: only shared CDC sources (connector='postgres-cdc' without table.name) can be read per table", up.Name).WithPosition(int(st.Pos) + 1)
			}
			if len(d.pk) == 0 {
				return nil, sqlerr.New(sqlerr.InvalidObjectDefinition, "a CDC table needs a primary key").WithPosition(int(st.Pos) + 1)
			}
			d.from, d.fromTable = up.Name, st.FromTable
			d.connector = up.src.connector
		} else if err := e.validateSource(name, d); err != nil {
			return nil, err
		}
	} else if st.Format != nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "FORMAT needs a connector: add WITH (connector = …)").WithPosition(int(st.Format.Pos) + 1)
	} else if len(conn) > 0 {
		var names []string
		for k := range conn {
			names = append(names, k)
		}
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "unknown table option(s) %s without a connector", strings.Join(names, ", ")).WithPosition(int(st.Pos) + 1)
	}
	wm, err := bindWatermark(name, schema, st.Watermark, eng)
	if err != nil {
		return nil, err
	}
	if wm != nil && !st.AppendOnly && !wm.ttl {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "WATERMARK FOR needs an APPEND ONLY table, or WITH TTL").
			WithHint("Declare the table APPEND ONLY (late rows are dropped, so updates and deletes could not be applied), or add WITH TTL: changes below the watermark are then dropped from the table's change stream.").WithPosition(int(st.Watermark.Pos) + 1)
	}
	if wm != nil {
		wm.procTime = isProcTimeColumn(st.Columns, schema[wm.col].Name)
	}
	var defaults []parser.Expr
	for _, c := range st.Columns {
		if c.Default == nil && c.Generated != nil && generatedAsDefault(catalogView{e}, name, schema, c) {
			// A generated column whose expression reads no other column
			// (AS proctime()) is filled like a DEFAULT.
			c.Default = c.Generated
		} else if c.Generated != nil && replay == nil {
			// Computing a column from the row's other columns is not
			// implemented: refuse it rather than leave the column NULL.
			// (A table from an older build that took one still loads.)
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "generated column %q reads other columns, which is not supported yet", c.Name).
				WithHint("Compute the value in the INSERT, or in a view over the table.").WithPosition(int(c.Pos) + 1)
		}
		if c.Default == nil {
			continue
		}
		if defaults == nil {
			defaults = make([]parser.Expr, len(schema))
		}
		if i := schema.Index(strings.ToLower(c.Name)); i >= 0 {
			defaults[i] = c.Default
		}
	}
	if err := planner.CheckDefaults(catalogView{e}, name, schema, defaults); err != nil {
		return nil, err
	}
	o, alloc := e.newObject(KindTable, name, text, replay)
	id := alloc.alloc()
	layout := types.TableLayout{ID: id, Name: name, Cols: schema.Types(), PK: pk}
	// An APPEND ONLY table keyed by its hidden row id gets its rows in id
	// order (the loop assigns the ids): the store packs them in blocks.
	layout.AppendBlocks = st.AppendOnly && len(pk) == 1 && schema[pk[0]].Hidden && schema[pk[0]].Name == RowIDColumn
	o.rel = &planner.Relation{ID: id, Name: name, Kind: planner.RelTable, Schema: schema, PK: pk, Layout: layout, AppendOnly: st.AppendOnly, Defaults: defaults}
	o.tables = []types.TableLayout{layout}
	o.src, o.wm = d, wm
	o.conflict, o.versions = conflict, versions
	var wmID uint32
	if wm != nil {
		wmID = alloc.alloc()
		o.rel.Watermark = &planner.Watermark{Col: wm.col, Expr: wm.expr, TTL: wm.ttl}
		o.tables = append(o.tables, operators.WatermarkFilterLayout(wmID, name+"_watermark", wm.colT))
		if wm.ttl && !wm.procTime {
			// The expiry index: the rows below the watermark, found
			// without scanning the table.
			pkTypes := make([]types.Type, len(pk))
			for i, k := range pk {
				pkTypes[i] = schema[k].Type
			}
			l := operators.TTLIndexLayout(alloc.alloc(), name+"_ttl_index", wm.colT, pkTypes)
			wm.index = &l
			o.tables = append(o.tables, l)
		}
	}
	o.IDs = alloc.got
	err = e.onLoop(ctx, func() error {
		rt, err := e.newTableRuntime(o, wmID)
		if err != nil {
			return err
		}
		e.setRel(name, rt)
		if d != nil {
			r, err := e.newReader("src/"+name, name, d, rt.input, schema.Types())
			if err != nil {
				e.deleteRel(name)
				return err
			}
			r.rt = rt
			rt.readers = []*reader{r}
			e.startReader(r)
		}
		e.persist(o, replay)
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.register(o)
	if replay == nil {
		if err := e.ddlDone(ctx); err != nil {
			return nil, err
		}
	}
	return &Result{Tag: "CREATE_TABLE"}, nil
}

// isProcTimeColumn reports whether the column named col is generated AS
// proctime(): a processing-time column.
func isProcTimeColumn(cols []*parser.ColumnDef, col string) bool {
	for _, c := range cols {
		if strings.ToLower(c.Name) != col {
			continue
		}
		f, ok := c.Generated.(*parser.FuncCall)
		return ok && len(f.Args) == 0 && len(f.Name) > 0 && strings.ToLower(f.Name[len(f.Name)-1]) == "proctime"
	}
	return false
}

// generatedAsDefault reports whether a generated column's expression binds
// without any column (it reads no other column), so that it can be filled
// like a DEFAULT.
func generatedAsDefault(cat planner.Catalog, table string, schema types.Schema, c *parser.ColumnDef) bool {
	i := schema.Index(strings.ToLower(c.Name))
	if i < 0 {
		return false
	}
	defaults := make([]parser.Expr, len(schema))
	defaults[i] = c.Generated
	return planner.CheckDefaults(cat, table, schema, defaults) == nil
}

// tableOnConflict checks a table's ON CONFLICT and WITH VERSION COLUMN
// clauses and returns the conflict mode of its Materialize (ConflictNone
// when the table has no declared primary key: the engine decides) and the
// positions of its version columns.
func tableOnConflict(st *parser.CreateTable, schema types.Schema, pk []int) (operators.Conflict, []int, error) {
	pos := int(st.Pos) + 1
	mode := operators.ConflictOverwrite
	switch st.OnConflict {
	case parser.OnConflictDoNothing:
		mode = operators.ConflictDoNothing
	case parser.OnConflictIfNotNull:
		mode = operators.ConflictIfNotNull
	case "":
		if st.AppendOnly {
			// An append-only table never updates a row: a second row with
			// a stored key is dropped.
			mode = operators.ConflictDoNothing
		}
	}
	if st.AppendOnly && mode != operators.ConflictDoNothing {
		return 0, nil, sqlerr.New(sqlerr.InvalidObjectDefinition, "ON CONFLICT %s cannot be used with an APPEND ONLY table", st.OnConflict).
			WithHint("An append-only table never updates a row: use ON CONFLICT DO NOTHING.").WithPosition(pos)
	}
	var versions []int
	for _, v := range st.VersionColumns {
		i := schema.Index(strings.ToLower(v))
		if i < 0 || schema[i].Hidden {
			return 0, nil, sqlerr.New(sqlerr.UndefinedColumn, "Version column %s not found", v).WithPosition(pos)
		}
		switch schema[i].Type.Kind {
		case types.KindBool, types.KindJSONB, types.KindArray:
			return 0, nil, sqlerr.New(sqlerr.DatatypeMismatch, "Version column %s must be of a comparable data type, not %s", v, schema[i].Type).WithPosition(pos)
		}
		versions = append(versions, i)
	}
	if len(versions) > 0 && mode == operators.ConflictDoNothing {
		return 0, nil, sqlerr.New(sqlerr.InvalidObjectDefinition, "The with version column syntax cannot be used with the ignore behavior of on conflict").WithPosition(pos)
	}
	if len(pk) == 1 && schema[pk[0]].Hidden && schema[pk[0]].Name == RowIDColumn {
		if st.OnConflict != "" || len(versions) > 0 {
			return 0, nil, sqlerr.New(sqlerr.InvalidObjectDefinition, "ON CONFLICT needs a table with a primary key").WithPosition(pos)
		}
		return operators.ConflictNone, nil, nil
	}
	return mode, versions, nil
}

// tableSchema derives a table's columns and primary key; a table without
// a primary key gets the hidden _row_id column as its key.
func (e *Engine) tableSchema(st *parser.CreateTable) (types.Schema, []int, error) {
	return e.columnsSchema(st.Name, st.Columns, st.PrimaryKey, st.Pos, true)
}

// resolveType resolves a column's type name, composite types of the
// catalog included.
func (e *Engine) resolveType(tn *parser.TypeName) (types.Type, error) {
	if len(tn.Fields) > 0 {
		return planner.TypeOf(tn, catalogView{e})
	}
	name := tn.Name
	switch name {
	case "char", "character", "bpchar", "string":
		name = "varchar"
	case "decimal":
		name = "numeric"
	}
	t, ok := types.TypeByName(name)
	if !ok {
		if t, ok = e.namedType(planner.NormalizeName(tn.Name)); !ok {
			return types.Type{}, sqlerr.New(sqlerr.UndefinedObject, "type %q does not exist", tn.Name).WithPosition(int(tn.Pos) + 1)
		}
	}
	if tn.ArrayDims > 0 {
		t = types.ArrayOf(t)
	}
	return t, nil
}

func (e *Engine) createView(ctx context.Context, st *parser.CreateView, text string, replay *object) (*Result, error) {
	name := planner.NormalizeName(st.Name)
	if replay == nil {
		if r, err := e.checkNew(name, KindView, st.IfNotExists, st.Pos); r != nil || err != nil {
			return r, err
		}
	}
	var tmp uint32
	plan, err := planner.PlanQuery(catalogView{e}, st.Query, func() uint32 { tmp++; return tmp })
	if err != nil {
		return nil, err
	}
	schema := append(types.Schema(nil), plan.Schema...)
	if len(st.Columns) > len(schema) {
		return nil, sqlerr.New(sqlerr.SyntaxError, "CREATE VIEW specifies more column names than columns").WithPosition(int(st.Pos) + 1)
	}
	for i, c := range st.Columns {
		schema[i].Name = strings.ToLower(c)
	}
	o, _ := e.newObject(KindView, name, text, replay)
	o.Deps = append(e.existingNames(referencedNames(st.Query), name), e.functionDeps(st.Query)...)
	q := st.Query
	if len(st.Columns) > 0 {
		q = renameQuery(q, name, schema)
	}
	o.rel = &planner.Relation{Name: name, Kind: planner.RelView, Schema: schema, ViewQuery: q}
	err = e.onLoop(ctx, func() error { e.persist(o, replay); return nil })
	if err != nil {
		return nil, err
	}
	e.register(o)
	if replay == nil {
		if err := e.ddlDone(ctx); err != nil {
			return nil, err
		}
	}
	return &Result{Tag: "CREATE_VIEW"}, nil
}

// renameQuery wraps q as SELECT * FROM (q) AS name(cols…) so that a view's
// column list renames its output.
func renameQuery(q *parser.Query, name string, schema types.Schema) *parser.Query {
	var cols []string
	for _, c := range schema {
		cols = append(cols, c.Name)
	}
	return &parser.Query{Pos: q.Pos, Body: &parser.SelectCore{
		Pos:   q.Pos,
		Items: []*parser.SelectItem{{Pos: q.Pos, Star: true}},
		From:  []parser.TableExpr{&parser.DerivedTable{Pos: q.Pos, Query: q, Alias: &parser.Alias{Pos: q.Pos, Name: name, Columns: cols}}},
	}}
}

// existingNames keeps the names that are catalog objects (not self).
func (e *Engine) existingNames(names []string, self string) []string {
	var out []string
	for _, n := range names {
		if n != self && e.lookup(n) != nil {
			out = append(out, n)
		}
	}
	return out
}

var dropKinds = map[string]ObjectKind{
	"TABLE": KindTable, "MATERIALIZED VIEW": KindMView, "VIEW": KindView, "INDEX": KindIndex,
	"SOURCE": KindSource, "SINK": KindSink,
}

var dropHints = map[ObjectKind]string{
	KindTable: "TABLE", KindMView: "MATERIALIZED VIEW", KindView: "VIEW", KindIndex: "INDEX", KindSource: "SOURCE", KindSink: "SINK",
}

func (e *Engine) drop(ctx context.Context, st *parser.Drop) (*Result, error) {
	kind, ok := dropKinds[st.Kind]
	tag := "DROP_" + strings.ReplaceAll(st.Kind, " ", "_")
	if !ok {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "DROP %s is not supported", st.Kind).WithPosition(int(st.Pos) + 1)
	}
	res := &Result{Tag: tag}
	for _, raw := range st.Names {
		name := planner.NormalizeName(raw)
		o := e.lookup(name)
		if o == nil {
			if st.IfExists {
				res.Notices = append(res.Notices, fmt.Sprintf("%s %q does not exist, skipping", kind, name))
				continue
			}
			return nil, sqlerr.New(sqlerr.UndefinedTable, "%s %q does not exist", kind, name).WithPosition(int(st.Pos) + 1)
		}
		if o.Kind != kind {
			return nil, sqlerr.New(sqlerr.WrongObjectType, "%q is not a %s", name, kind).
				WithHint(fmt.Sprintf("Use DROP %s to remove a %s.", dropHints[o.Kind], o.Kind)).WithPosition(int(st.Pos) + 1)
		}
		deps := e.dependents(name)
		var blocking []*object
		for _, d := range deps {
			if d.Kind != KindIndex || d.On != name {
				blocking = append(blocking, d)
			}
		}
		if len(blocking) > 0 && !st.Cascade {
			var detail []string
			for _, d := range blocking {
				detail = append(detail, fmt.Sprintf("%s %s depends on %s %s", d.Kind, d.Name, o.Kind, name))
			}
			return nil, sqlerr.New(sqlerr.DependentObjectsStillExist, "cannot drop %s %s because other objects depend on it", o.Kind, name).
				WithDetail(strings.Join(detail, "\n")).
				WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
		}
		for _, d := range append(deps, o) {
			if err := e.dropObject(ctx, d); err != nil {
				return nil, err
			}
			if d != o && d.Kind != KindIndex {
				res.Notices = append(res.Notices, fmt.Sprintf("drop cascades to %s %s", d.Kind, d.Name))
			}
		}
	}
	if err := e.ddlDone(ctx); err != nil {
		return nil, err
	}
	return res, nil
}

// dropObject removes one object: its dataflow leaves the upstream streams,
// its subscriptions end, its catalog entry and state tables go.
func (e *Engine) dropObject(ctx context.Context, o *object) error {
	err := e.onLoop(ctx, func() error {
		if rt := e.rels[o.Name]; rt != nil {
			e.stopDataflow(rt)
			e.deleteRel(o.Name)
		}
		if o.Kind == KindSink {
			e.dropSink(o.Name)
		}
		if o.src != nil && o.src.shared != nil {
			_ = o.src.shared.Close()
		}
		e.store.DeleteMeta(o.metaKey())
		e.dirty = true
		for _, t := range o.tables {
			if err := e.store.DropTable(t.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	e.unregister(o.Name)
	return nil
}
