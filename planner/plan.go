package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// MViewPlan is the plan of CREATE MATERIALIZED VIEW.
type MViewPlan struct {
	Root       *StreamMaterialize
	Schema     types.Schema // visible columns first, then Hidden stream-key columns
	PK         []int
	Table      types.TableLayout
	Tables     []types.TableLayout // every state table, Table included
	AppendOnly bool
	Logical    Node // the optimized logical plan
}

// QueryPlan is the plan of an ad-hoc SELECT, run once over a snapshot.
type QueryPlan struct {
	Root StreamNode
	// Schema holds the visible output columns: the first len(Schema)
	// columns of Root.Schema().
	Schema types.Schema
	// OrderBy refers to Root.Schema() positions. The engine consolidates the
	// output, sorts it, applies Offset and Limit (-1 = none), and trims rows
	// to len(Schema) columns.
	OrderBy       []expr.SortKey
	Limit, Offset int64
	// PointLookup is set when the query reads one row of a table or MV by
	// its whole primary key; Root stays valid.
	PointLookup *PointLookup
	Tables      []types.TableLayout
	Logical     Node
}

// PointLookup is the fast path of SELECT … FROM rel WHERE pk = const.
type PointLookup struct {
	Relation *Relation
	Key      types.Row   // values of Relation.PK, in PK order
	Filter   expr.Expr   // residual predicate over the relation row; nil = none
	Project  []expr.Expr // the visible output columns, over the relation row
}

// Returning is a bound RETURNING list: Exprs over a row of the DML
// statement's table (the new row for INSERT and UPDATE, the old one for
// DELETE), Cols the result columns. A nil *Returning means no RETURNING.
type Returning struct {
	Exprs []expr.Expr
	Cols  types.Schema
}

// InsertPlan is the plan of INSERT.
type InsertPlan struct {
	Table     *Relation
	Columns   []int // Table.Schema positions filled by Source's visible columns
	Source    *QueryPlan
	Returning *Returning
}

// UpdatePlan is the plan of UPDATE: for every row of Table that passes
// Filter, the new row is Set evaluated over the old row. When the statement
// has FROM or subqueries, Source is set instead: a query whose rows are an
// old row of Table followed by its new row (2×len(Table.Schema) columns);
// a row joined with several FROM rows appears several times, and the
// first occurrence counts.
type UpdatePlan struct {
	Table     *Relation
	Filter    expr.Expr   // over Table.Schema; nil = every row
	Set       []expr.Expr // one per Table.Schema column
	Key       types.Row   // non-nil when Filter pins the whole primary key
	Source    *QueryPlan
	Returning *Returning
}

// DeletePlan is the plan of DELETE. When WHERE has subqueries, Source is set
// instead of Filter: a query yielding the rows of Table to delete.
type DeletePlan struct {
	Table     *Relation
	Filter    expr.Expr
	Key       types.Row
	Source    *QueryPlan
	Returning *Returning
}

// PlanMView plans a materialized view.
func PlanMView(cat Catalog, stmt *parser.CreateMaterializedView, alloc IDAlloc) (p *MViewPlan, err error) {
	defer catchBindError(&err)
	b := newBinder(cat)
	bq := b.bindQuery(stmt.Query, nil, true)
	node := bq.node
	if t, ok := node.(*LogicalTopN); ok && t.Limit < 0 && t.Offset == 0 {
		node = t.Input
	}
	node = stripHidden(node, bq.visible)
	if len(stmt.Columns) > 0 {
		if len(stmt.Columns) > bq.visible {
			failAt(stmt.Pos, sqlerr.SyntaxError, "too many column names were specified")
		}
		if len(stmt.Columns) < bq.visible {
			// RisingWave (unlike PostgreSQL) requires a materialized view's
			// column list to name every output column.
			failAt(stmt.Pos, sqlerr.SyntaxError, "too few column names were specified: %d names for %d columns", len(stmt.Columns), bq.visible)
		}
		node = renameCols(node, stmt.Columns)
	}
	bound := node.Schema()
	checkDupNames(stmt.Pos, bound)
	logical := Optimize(node)
	sb := &streamBuilder{alloc: alloc}
	root := sb.build(logical)
	s := append(types.Schema(nil), root.Schema()...)
	withTypeMods(s, bound, bq.visible)
	uniqueHiddenNames(s)
	key := root.StreamKey()
	if key == nil {
		key = seq(len(s))
	}
	table := sb.table("mview", stmt.Name, s.Types(), key, nil)
	if agg := sharedAggResult(root, key); agg != nil && !stmt.EmitOnWindowClose {
		// The view's rows are the aggregation's result rows: read them
		// there instead of keeping a copy.
		table.ID, table.StoredCols = agg.ResultTable.ID, len(agg.ResultTable.Cols)
		agg.SharedResult = true
	}
	m := &StreamMaterialize{streamProps: streamProps{schema: s, key: key, appendOnly: root.AppendOnly()}, Input: root, Table: table, PK: key, Columns: s}
	return &MViewPlan{Root: m, Schema: s, PK: key, Table: table, Tables: CollectTables(m), AppendOnly: root.AppendOnly(), Logical: logical}, nil
}

// sharedAggResult returns the grouped aggregation whose result table can
// serve as the view's table: the plan is the aggregation, or an identity
// projection of it, keyed by the group key (the result table's primary
// key), so that the result table holds exactly the view's rows followed by
// the aggregation's own columns.
func sharedAggResult(root StreamNode, key []int) *StreamHashAgg {
	n := root
	if p, ok := n.(*StreamProject); ok {
		if len(p.Exprs) != len(p.Input.Schema()) {
			return nil
		}
		for i, e := range p.Exprs {
			if c, ok := e.(*expr.ColumnRef); !ok || c.Index != i {
				return nil
			}
		}
		n = p.Input
	}
	agg, ok := n.(*StreamHashAgg)
	if !ok || len(agg.GroupKey) == 0 || !slices.Equal(key, seq(len(agg.GroupKey))) {
		return nil
	}
	r := agg.ResultTable
	out := root.Schema().Types()
	if len(r.Cols) < len(out) || !slices.Equal(r.Cols[:len(out)], out) || !slices.Equal(r.PK, key) || len(r.Desc) > 0 {
		return nil
	}
	return agg
}

func checkDupNames(pos parser.Pos, s types.Schema) {
	seen := map[string]bool{}
	for _, c := range s {
		if c.Hidden {
			continue
		}
		if seen[c.Name] && c.Name != "?column?" {
			failAt(pos, sqlerr.DuplicateColumn, "column %q specified more than once", c.Name)
		}
		seen[c.Name] = true
	}
}

// uniqueHiddenNames renames hidden columns whose names clash with earlier
// columns ("_name", "_name_2", …).
func uniqueHiddenNames(s types.Schema) {
	seen := map[string]bool{}
	for i := range s {
		if s[i].Hidden && seen[s[i].Name] {
			base := "_" + s[i].Name
			name := base
			for k := 2; seen[name]; k++ {
				name = fmt.Sprintf("%s_%d", base, k)
			}
			s[i].Name = name
		}
		seen[s[i].Name] = true
	}
}

// PlanQuery plans an ad-hoc query.
func PlanQuery(cat Catalog, q *parser.Query, alloc IDAlloc) (p *QueryPlan, err error) {
	defer catchBindError(&err)
	b := newBinder(cat)
	bq := b.bindQuery(q, nil, true)
	return planBound(bq, alloc, cat), nil
}

// planBound plans a bound top-level query for one-shot execution; scans
// use cat's indexes (and their relation's key) where a filter pins a key
// prefix.
func planBound(bq boundQuery, alloc IDAlloc, cat Catalog) *QueryPlan {
	qp := &QueryPlan{Limit: -1}
	node := bq.node
	if t, ok := node.(*LogicalTopN); ok && len(t.PartitionBy) == 0 && t.RankCol == "" {
		qp.OrderBy, qp.Limit, qp.Offset = t.OrderBy, t.Limit, t.Offset
		node = t.Input
		if t.WithTies {
			// The one-shot top-N keeps the ties; the query still sorts.
			node = t
			qp.Limit, qp.Offset = -1, 0
		}
	}
	bound := node.Schema()
	logical := useIndexes(Optimize(node), cat)
	sb := &streamBuilder{alloc: alloc, batch: true}
	root := sb.build(logical)
	qp.Root = root
	qp.Schema = append(types.Schema(nil), root.Schema()[:bq.visible]...)
	withTypeMods(qp.Schema, bound, bq.visible)
	qp.Tables = CollectTables(root)
	qp.Logical = logical
	qp.PointLookup = pointLookup(logical, bq.visible)
	return qp
}

// pointLookup recognises Project(Filter(Scan)) where the filter pins the
// scanned relation's whole primary key to constants.
func pointLookup(n Node, visible int) *PointLookup {
	var proj *LogicalProject
	if p, ok := n.(*LogicalProject); ok {
		proj = p
		n = p.Input
	}
	f, ok := n.(*LogicalFilter)
	if !ok {
		return nil
	}
	scan, ok := f.Input.(*LogicalScan)
	if !ok || len(scan.Relation.PK) == 0 || (scan.Relation.Kind != RelTable && scan.Relation.Kind != RelMView) {
		return nil
	}
	toRel := func(e expr.Expr) expr.Expr { return remapCols(e, func(c int) int { return scan.Cols[c] }) }
	key, rest := pkValues(scan.Relation, conjuncts(toRel(f.Cond)))
	if key == nil {
		return nil
	}
	pl := &PointLookup{Relation: scan.Relation, Key: key, Filter: andAll(rest)}
	if proj != nil {
		for _, e := range proj.Exprs[:visible] {
			pl.Project = append(pl.Project, toRel(e))
		}
	} else {
		for i := 0; i < visible; i++ {
			c := scan.Relation.Schema[scan.Cols[i]]
			pl.Project = append(pl.Project, colRef(scan.Cols[i], c.Type, c.Name))
		}
	}
	return pl
}

// pkValues extracts col = constant conjuncts covering rel's primary key.
// It returns nil when the key is not pinned.
func pkValues(rel *Relation, conds []expr.Expr) (types.Row, []expr.Expr) {
	vals := map[int]types.Datum{}
	var rest []expr.Expr
	ctx := &expr.Context{TimeZone: "UTC"}
	for _, c := range conds {
		if l, r, ns, ok := equalitySides(c); ok && !ns {
			col, val := l, r
			if _, isCol := stripCast(col).(*expr.ColumnRef); !isCol {
				col, val = r, l
			}
			cr, isCol := stripCast(col).(*expr.ColumnRef)
			if isCol && isConstant(val) && !hasNow(val) && cr.T == rel.Schema[cr.Index].Type {
				if _, dup := vals[cr.Index]; !dup && isPK(rel, cr.Index) {
					v, err := expr.NewCast(val, rel.Schema[cr.Index].Type, false)
					if err == nil {
						if d, err := v.EvalRow(ctx, nil); err == nil && d != nil {
							vals[cr.Index] = d
							continue
						}
					}
				}
			}
		}
		rest = append(rest, c)
	}
	if len(vals) != len(rel.PK) {
		return nil, nil
	}
	key := make(types.Row, len(rel.PK))
	for i, p := range rel.PK {
		key[i] = vals[p]
	}
	return key, rest
}

func stripCast(e expr.Expr) expr.Expr { return e }

func isPK(rel *Relation, c int) bool {
	for _, p := range rel.PK {
		if p == c {
			return true
		}
	}
	return false
}

// dmlTarget resolves the target of INSERT, UPDATE and DELETE.
func dmlTarget(cat Catalog, name string, pos parser.Pos, verb string) *Relation {
	n := NormalizeName(name)
	rel, err := cat.Relation(n)
	check(pos, err)
	if rel == nil {
		failAt(pos, sqlerr.UndefinedTable, "relation %q does not exist", n)
	}
	if rel.Kind != RelTable {
		failAt(pos, sqlerr.WrongObjectType, "cannot %s %s %q", verb, rel.Kind, n)
	}
	return rel
}

// assignCast converts e to a column's type with Postgres assignment-cast
// rules, and makes its values conform to the column's type modifier.
func assignCast(pos parser.Pos, e expr.Expr, col types.Column) expr.Expr {
	c := assignCastType(pos, e, col.Type, col.Name)
	m, err := expr.ApplyTypeMod(c, col.Type, col.Mod, false)
	check(pos, err)
	return m
}

func assignCastType(pos parser.Pos, e expr.Expr, t types.Type, col string) expr.Expr {
	if e.Type() == t {
		return e
	}
	if expr.CanCast(e.Type(), t, false) {
		c, err := expr.NewCast(e, t, false)
		check(pos, err)
		return c
	}
	from := e.Type()
	if assignable(from, t) {
		c, err := expr.NewCast(e, t, true)
		check(pos, err)
		return c
	}
	failAt(pos, sqlerr.DatatypeMismatch, "column %q is of type %s but expression is of type %s", col, t, from)
	return nil
}

// assignable reports whether a value of type from may be stored in a
// column of type t: an implicit cast, numbers to numbers, anything to
// text, unknown to anything, temporal to temporal, and composites whose
// fields are assignable pairwise.
func assignable(from, t types.Type) bool {
	if expr.CanCast(from, t, false) {
		return true
	}
	if from.Kind == types.KindStruct && t.Kind == types.KindStruct {
		ff, tf := from.Fields(), t.Fields()
		if len(ff) != len(tf) {
			return false
		}
		for i := range ff {
			if !assignable(ff[i].Type, tf[i].Type) {
				return false
			}
		}
		return true
	}
	return (from.IsNumeric() && t.IsNumeric()) || t.Kind == types.KindVarchar || from.Kind == types.KindUnknown ||
		(from.IsTemporal() && t.IsTemporal())
}

// PlanInsert plans INSERT INTO t [(cols)] VALUES … | query.
func PlanInsert(cat Catalog, stmt *parser.Insert, alloc IDAlloc) (p *InsertPlan, err error) {
	defer catchBindError(&err)
	rel := dmlTarget(cat, stmt.Table, stmt.Pos, "insert into")
	var visible []int
	for i, c := range rel.Schema {
		if !c.Hidden {
			visible = append(visible, i)
		}
	}
	targets := visible
	if len(stmt.Columns) > 0 {
		targets = nil
		for _, name := range stmt.Columns {
			i := rel.Schema.Index(name)
			if i < 0 || rel.Schema[i].Hidden {
				failAt(stmt.Pos, sqlerr.UndefinedColumn, "column %q of relation %q does not exist", name, rel.Name)
			}
			for _, t := range targets {
				if t == i {
					failAt(stmt.Pos, sqlerr.DuplicateColumn, "column %q specified more than once", name)
				}
			}
			targets = append(targets, i)
		}
	}
	b := newBinder(cat)
	cols := make(types.Schema, len(visible))
	for i, v := range visible {
		cols[i] = rel.Schema[v]
	}
	// fill builds the full visible row from the target-column values.
	fill := func(vals []expr.Expr) []expr.Expr {
		row := make([]expr.Expr, len(visible))
		for i, v := range visible {
			row[i] = columnDefault(b, rel, v)
			for j, t := range targets {
				if t == v && j < len(vals) {
					row[i] = vals[j]
				}
			}
		}
		return row
	}
	var bq boundQuery
	if stmt.Source == nil {
		bq = boundQuery{node: &LogicalValues{Rows: [][]expr.Expr{fill(nil)}, Cols: cols}, visible: len(cols)}
	} else if v, ok := stmt.Source.Body.(*parser.ValuesClause); ok && stmt.Source.With == nil && len(stmt.Source.OrderBy) == 0 && stmt.Source.Limit == nil && stmt.Source.Offset == nil {
		ctx := &exprCtx{b: b, sc: &scope{}, clause: "VALUES"}
		var rows [][]expr.Expr
		if len(stmt.Columns) == 0 && len(v.Rows) > 0 {
			// Without a column list, fewer values fill the leading
			// columns (the rest take their defaults).
			n := len(v.Rows[0])
			for _, r := range v.Rows {
				if len(r) != n {
					failAt(r[0].Position(), sqlerr.SyntaxError, "VALUES lists must all be the same length")
				}
			}
			if n < len(targets) {
				targets = targets[:n]
			}
		}
		for _, r := range v.Rows {
			if len(r) > len(targets) {
				failAt(r[len(targets)].Position(), sqlerr.SyntaxError, "INSERT has more expressions than target columns")
			}
			if len(r) < len(targets) {
				failAt(v.Pos, sqlerr.SyntaxError, "INSERT has more target columns than expressions")
			}
			vals := make([]expr.Expr, len(r))
			for j, e := range r {
				col := rel.Schema[targets[j]]
				if _, ok := e.(*parser.Default); ok {
					vals[j] = columnDefault(b, rel, targets[j])
					continue
				}
				vals[j] = assignCast(e.Position(), ctx.bind(e), col)
			}
			rows = append(rows, fill(vals))
		}
		bq = boundQuery{node: &LogicalValues{Rows: rows, Cols: cols}, visible: len(cols)}
	} else {
		if _, plain := stmt.Source.Body.(*parser.SelectCore); plain && stmt.Source.With == nil {
			// An untyped literal of the SELECT list (NULL, '1.5') takes
			// its target column's type, as in Postgres.
			b.setOpLeaf = true
		}
		src := b.bindQuery(stmt.Source, nil, true)
		b.setOpLeaf = false
		node := src.node
		if t, ok := node.(*LogicalTopN); ok && t.Limit < 0 && t.Offset == 0 {
			node = t.Input
		}
		node = stripHidden(node, src.visible)
		s := node.Schema()
		if len(stmt.Columns) == 0 && len(s) < len(targets) {
			targets = targets[:len(s)]
		}
		if len(s) > len(targets) {
			failAt(stmt.Source.Pos, sqlerr.SyntaxError, "INSERT has more expressions than target columns")
		}
		if len(s) < len(targets) {
			failAt(stmt.Source.Pos, sqlerr.SyntaxError, "INSERT has more target columns than expressions")
		}
		vals := make([]expr.Expr, len(s))
		for j := range s {
			col := rel.Schema[targets[j]]
			vals[j] = assignCast(stmt.Source.Pos, colRef(j, s[j].Type, s[j].Name), col)
		}
		bq = boundQuery{node: &LogicalProject{Input: node, Exprs: fill(vals), Cols: cols}, visible: len(cols)}
	}
	ret := bindReturning(b, rel, dmlScope(rel, ""), stmt.Returning)
	return &InsertPlan{Table: rel, Columns: visible, Source: planBound(bq, alloc, cat), Returning: ret}, nil
}

// columnDefault binds the value a column takes when INSERT leaves it out or
// names DEFAULT: its DEFAULT expression converted to its type, else NULL.
func columnDefault(b *binder, rel *Relation, i int) expr.Expr {
	col := rel.Schema[i]
	if i >= len(rel.Defaults) || rel.Defaults[i] == nil {
		return &expr.Literal{Value: nil, T: col.Type}
	}
	d := rel.Defaults[i]
	ctx := &exprCtx{b: b, sc: &scope{}, clause: "DEFAULT expressions", winErr: "DEFAULT expressions"}
	if hasSubquery(d) {
		failAt(d.Position(), sqlerr.FeatureNotSupported, "cannot use subquery in DEFAULT expression")
	}
	return assignCast(d.Position(), ctx.bind(d), col)
}

// CheckDefaults checks the DEFAULT expressions of a new table's columns
// (defaults as in Relation.Defaults): they bind without column references
// and convert to their column's type.
func CheckDefaults(cat Catalog, name string, schema types.Schema, defaults []parser.Expr) (err error) {
	defer catchBindError(&err)
	rel := &Relation{Name: name, Schema: schema, Defaults: defaults}
	b := newBinder(cat)
	for i := range defaults {
		columnDefault(b, rel, i)
	}
	return nil
}

// dmlScope binds expressions over a table row.
func dmlScope(rel *Relation, alias string) *scope {
	qual := rel.Name
	if alias != "" {
		qual = alias
	}
	return relationScope(rel.Schema, qual, nil)
}

func dmlWhere(b *binder, rel *Relation, sc *scope, where parser.Expr) (expr.Expr, types.Row) {
	if where == nil {
		return nil, nil
	}
	ctx := &exprCtx{b: b, sc: sc, clause: "WHERE", winErr: "WHERE"}
	cond := b.boolCond(where.Position(), ctx.bind(where), "WHERE")
	key, _ := pkValues(rel, conjuncts(cond))
	return cond, key
}

// PlanUpdate plans UPDATE t SET … [FROM …] [WHERE …] [RETURNING …]. alloc
// allocates the temporary state of the FROM/subquery form (nil: that form
// is refused).
func PlanUpdate(cat Catalog, stmt *parser.Update, alloc IDAlloc) (p *UpdatePlan, err error) {
	defer catchBindError(&err)
	rel := dmlTarget(cat, stmt.Table, stmt.Pos, "update")
	b := newBinder(cat)
	sc := dmlScope(rel, stmt.Alias)
	p = &UpdatePlan{Table: rel}
	// The new value of each assigned column, as AST (nil: unchanged).
	values := make([]parser.Expr, len(rel.Schema))
	for _, a := range expandAssignments(b, sc, stmt.Set) {
		i := rel.Schema.Index(a.Column)
		if i < 0 || rel.Schema[i].Hidden {
			failAt(a.Pos, sqlerr.UndefinedColumn, "column %q of relation %q does not exist", a.Column, rel.Name)
		}
		if values[i] != nil {
			failAt(a.Pos, sqlerr.SyntaxError, "multiple assignments to same column %q", a.Column)
		}
		values[i] = a.Value
	}
	p.Returning = bindReturning(b, rel, sc, stmt.Returning)
	needsQuery := len(stmt.From) > 0 || hasSubquery(stmt.Where)
	for _, v := range values {
		needsQuery = needsQuery || hasSubquery(v)
	}
	if needsQuery {
		if alloc == nil {
			failAt(stmt.Pos, sqlerr.FeatureNotSupported, "UPDATE with FROM or subqueries is not supported here")
		}
		p.Source = dmlQuery(b, rel, stmt.Table, stmt.Alias, stmt.From, stmt.Where, values, alloc, stmt.Pos)
		return p, nil
	}
	p.Filter, p.Key = dmlWhere(b, rel, sc, stmt.Where)
	p.Set = identityExprs(rel.Schema)
	ctx := &exprCtx{b: b, sc: sc, clause: "UPDATE"}
	for i, v := range values {
		if v == nil {
			continue
		}
		col := rel.Schema[i]
		if _, ok := v.(*parser.Default); ok {
			p.Set[i] = columnDefault(b, rel, i)
			continue
		}
		p.Set[i] = assignCast(v.Position(), ctx.bind(v), col)
	}
	return p, nil
}

// PlanDelete plans DELETE FROM t [WHERE …] [RETURNING …]. alloc allocates
// the temporary state of a WHERE with subqueries (nil: refused).
func PlanDelete(cat Catalog, stmt *parser.Delete, alloc IDAlloc) (p *DeletePlan, err error) {
	defer catchBindError(&err)
	rel := dmlTarget(cat, stmt.Table, stmt.Pos, "delete from")
	b := newBinder(cat)
	sc := dmlScope(rel, stmt.Alias)
	p = &DeletePlan{Table: rel, Returning: bindReturning(b, rel, sc, stmt.Returning)}
	if hasSubquery(stmt.Where) {
		if alloc == nil {
			failAt(stmt.Pos, sqlerr.FeatureNotSupported, "DELETE with subqueries is not supported here")
		}
		p.Source = dmlQuery(b, rel, stmt.Table, stmt.Alias, nil, stmt.Where, nil, alloc, stmt.Pos)
		return p, nil
	}
	p.Filter, p.Key = dmlWhere(b, rel, sc, stmt.Where)
	return p, nil
}

// expandAssignments turns the multiple-column assignments of UPDATE SET,
// (a, b) = (x, y) or ROW(x, y) or (SELECT x, y …), into one assignment per
// column; a sub-SELECT becomes one scalar subquery per column, each reading
// its column of the sub-SELECT.
func expandAssignments(b *binder, sc *scope, set []*parser.Assignment) []*parser.Assignment {
	var out []*parser.Assignment
	for _, a := range set {
		if len(a.Columns) == 0 {
			out = append(out, a)
			continue
		}
		var vals []parser.Expr
		switch v := a.Value.(type) {
		case *parser.RowExpr:
			vals = v.Elems
		case *parser.Subquery:
			bq := b.bindQuery(v.Query, sc, false)
			n := bq.visible
			if n != len(a.Columns) {
				failAt(a.Pos, sqlerr.SyntaxError, "number of columns does not match number of values")
			}
			cols := make([]string, n)
			for i := range cols {
				cols[i] = fmt.Sprintf("c%d", i+1)
			}
			for i := range cols {
				vals = append(vals, &parser.Subquery{Pos: v.Pos, Query: &parser.Query{Pos: v.Pos, Body: &parser.SelectCore{
					Pos:   v.Pos,
					Items: []*parser.SelectItem{{Pos: v.Pos, Expr: &parser.ColumnRef{Pos: v.Pos, Parts: []string{"eddy_multiassign", cols[i]}}}},
					From: []parser.TableExpr{&parser.DerivedTable{Pos: v.Pos, Query: v.Query,
						Alias: &parser.Alias{Pos: v.Pos, Name: "eddy_multiassign", Columns: cols}}},
				}}})
			}
		default:
			failAt(a.Value.Position(), sqlerr.SyntaxError, "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression")
		}
		if len(vals) != len(a.Columns) {
			failAt(a.Pos, sqlerr.SyntaxError, "number of columns does not match number of values")
		}
		for i, c := range a.Columns {
			out = append(out, &parser.Assignment{Pos: a.Pos, Column: c, Value: vals[i]})
		}
	}
	return out
}

// hasSubquery reports whether an AST expression contains a subquery.
func hasSubquery(e parser.Expr) bool {
	found := false
	walkAST(e, func(x parser.Expr) bool {
		switch x.(type) {
		case *parser.Subquery, *parser.Exists, *parser.InSubquery, *parser.ArraySubquery:
			found = true
		case *parser.QuantifiedCmp:
			if x.(*parser.QuantifiedCmp).Query != nil {
				found = true
			}
		}
		return !found
	})
	return found
}

// dmlQuery plans the query behind UPDATE … FROM and UPDATE/DELETE with
// subqueries: SELECT <old row of t>[, <new row of t>] FROM t [AS alias],
// from… WHERE where. values (nil for DELETE) holds the AST of each
// column's new value, nil for an unchanged column.
func dmlQuery(b *binder, rel *Relation, table, alias string, from []parser.TableExpr, where parser.Expr,
	values []parser.Expr, alloc IDAlloc, pos parser.Pos) *QueryPlan {
	qual := rel.Name
	if alias != "" {
		qual = alias
	}
	ref := func(c types.Column) parser.Expr { return &parser.ColumnRef{Pos: pos, Parts: []string{qual, c.Name}} }
	core := &parser.SelectCore{Pos: pos, Where: where}
	tn := &parser.TableName{Pos: pos, Name: strings.Split(table, ".")}
	if alias != "" {
		tn.Alias = &parser.Alias{Pos: pos, Name: alias}
	}
	core.From = append([]parser.TableExpr{tn}, from...)
	n := len(rel.Schema)
	for _, c := range rel.Schema {
		core.Items = append(core.Items, &parser.SelectItem{Pos: pos, Expr: ref(c)})
	}
	if values != nil {
		for i, c := range rel.Schema {
			v := values[i]
			switch v.(type) {
			case nil:
				v = ref(c)
			case *parser.Default:
				v = &parser.Literal{Pos: pos, Kind: parser.LitNull}
				if i < len(rel.Defaults) && rel.Defaults[i] != nil {
					v = rel.Defaults[i]
				}
			}
			core.Items = append(core.Items, &parser.SelectItem{Pos: pos, Expr: v})
		}
	}
	bq := b.bindQuery(&parser.Query{Pos: pos, Body: core}, nil, true)
	node := stripHidden(bq.node, bq.visible)
	s := node.Schema()
	exprs := identityExprs(s)
	cols := append(types.Schema(nil), s...)
	for i := range cols {
		c := rel.Schema[i%n]
		if i >= n {
			p := pos
			if values[i-n] != nil {
				p = values[i-n].Position()
			}
			exprs[i] = assignCast(p, exprs[i], c)
		}
		cols[i] = types.Column{Name: c.Name, Type: c.Type}
	}
	node = &LogicalProject{Input: node, Exprs: exprs, Cols: cols}
	return planBound(boundQuery{node: node, visible: len(cols)}, alloc, b.cat)
}

// bindReturning binds a RETURNING list over a row of rel (nil when empty).
func bindReturning(b *binder, rel *Relation, sc *scope, items []*parser.SelectItem) *Returning {
	if len(items) == 0 {
		return nil
	}
	r := &Returning{}
	ctx := &exprCtx{b: b, sc: sc, clause: "RETURNING", winErr: "RETURNING"}
	for _, it := range items {
		if it.Star {
			for _, c := range starCols(sc, it) {
				r.Exprs = append(r.Exprs, colRef(c.idx, c.typ, c.name))
				r.Cols = append(r.Cols, types.Column{Name: c.name, Type: c.typ})
			}
			continue
		}
		if hasSubquery(it.Expr) {
			failAt(it.Pos, sqlerr.FeatureNotSupported, "subqueries in RETURNING are not supported")
		}
		x := ctx.bind(it.Expr)
		name := it.Alias
		if name == "" {
			name = figureColname(it.Expr)
		}
		if x.Type().Kind == types.KindUnknown {
			x = b.coerce(it.Pos, x, types.Varchar, "RETURNING")
		}
		r.Exprs = append(r.Exprs, x)
		r.Cols = append(r.Cols, types.Column{Name: name, Type: x.Type()})
	}
	return r
}

// Explain plans a query or CREATE MATERIALIZED VIEW statement and prints
// its bound logical plan, its optimized logical plan and its stream plan
// (with state tables, stream keys and append-only flags).
func Explain(cat Catalog, stmt parser.Statement, alloc IDAlloc) (lines []string, err error) {
	if e, ok := stmt.(*parser.Explain); ok {
		stmt = e.Stmt
	}
	var q *parser.Query
	switch s := stmt.(type) {
	case *parser.Query:
		q = s
	case *parser.CreateMaterializedView:
		q = s.Query
	case *parser.CreateSink:
		if s.Query == nil {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "EXPLAIN CREATE SINK ... FROM has no plan")
		}
		q = s.Query
	default:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "EXPLAIN is not supported for this statement")
	}
	bound, err := Bind(cat, q)
	if err != nil {
		return nil, err
	}
	lines = append(lines, "Logical plan:")
	lines = append(lines, indent(ExplainLogical(bound))...)
	var root StreamNode
	var logical Node
	if mv, ok := stmt.(*parser.CreateMaterializedView); ok {
		p, err := PlanMView(cat, mv, alloc)
		if err != nil {
			return nil, err
		}
		root, logical = p.Root, p.Logical
	} else {
		p, err := PlanQuery(cat, q, alloc)
		if err != nil {
			return nil, err
		}
		root, logical = p.Root, p.Logical
	}
	lines = append(lines, "Optimized logical plan:")
	lines = append(lines, indent(ExplainLogical(logical))...)
	lines = append(lines, "Stream plan:")
	lines = append(lines, indent(ExplainStream(root))...)
	return lines, nil
}

func indent(ls []string) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = "  " + l
	}
	return out
}
