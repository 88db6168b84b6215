package engine

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// dmlTarget checks that a DML statement's table exists and is a table.
func (e *Engine) dmlTarget(name string, pos parser.Pos, update bool) (*object, error) {
	n := planner.NormalizeName(name)
	o := e.lookup(n)
	if o == nil {
		return nil, sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist", n).WithPosition(int(pos) + 1)
	}
	if o.Kind != KindTable {
		return nil, sqlerr.New(sqlerr.WrongObjectType, "cannot change %s %q: only tables take INSERT, UPDATE and DELETE", o.Kind, n).WithPosition(int(pos) + 1)
	}
	if update && o.rel.AppendOnly {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "append-only table %q does not support UPDATE or DELETE", n).WithPosition(int(pos) + 1)
	}
	return o, nil
}

// afterDML waits for the change to become visible when the session asks
// for implicit flushes.
func (e *Engine) afterDML(ctx context.Context, s *Session) error {
	if s.ImplicitFlush() {
		return e.Flush(ctx)
	}
	return nil
}

func (e *Engine) execInsert(ctx context.Context, s *Session, st *parser.Insert) (*Result, error) {
	o, err := e.dmlTarget(st.Table, st.Pos, false)
	if err != nil {
		return nil, err
	}
	if len(st.Returning) > 0 {
		// No fast path: the rows are needed for RETURNING.
	} else if chunks, n, ok := e.insertValuesFast(o, st); ok && !noFastPaths {
		fastInserts.Add(1)
		if err := e.pushInsertChunks(ctx, o, chunks); err != nil {
			return nil, err
		}
		if err := e.afterDML(ctx, s); err != nil {
			return nil, err
		}
		return &Result{Tag: "INSERT 0 " + strconv.Itoa(n)}, nil
	}
	plan, err := planner.PlanInsert(catalogView{e}, st, e.tempAlloc)
	if err != nil {
		return nil, err
	}
	src, err := e.runQueryPlan(ctx, s, plan.Source)
	if err != nil {
		return nil, err
	}
	rel := plan.Table
	rowIDCol := -1
	if len(rel.PK) == 1 && rel.Schema[rel.PK[0]].Hidden && rel.Schema[rel.PK[0]].Name == RowIDColumn {
		rowIDCol = rel.PK[0]
	}
	rows := make([]types.Row, len(src))
	for i, sr := range src {
		r := make(types.Row, len(rel.Schema))
		for j, c := range plan.Columns {
			if j < len(sr) {
				r[c] = sr[j]
			}
		}
		if rowIDCol >= 0 {
			r[rowIDCol] = e.rowID.Add(1)
		} else {
			for _, k := range rel.PK {
				if r[k] == nil {
					return nil, sqlerr.New(sqlerr.NotNullViolation, "null value in column %q of relation %q violates not-null constraint", rel.Schema[k].Name, rel.Name)
				}
			}
		}
		rows[i] = r
	}
	if len(rows) > 0 {
		name := o.Name
		ts := rel.Layout.Cols
		err = e.post(ctx, func() error {
			rt := e.rels[name]
			if rt == nil || rt.obj != o {
				return nil // dropped meanwhile
			}
			e.dirty = true
			if rowIDCol >= 0 && rel.Layout.AppendBlocks {
				// Row ids in the order rows reach the table (see restampRowIDs).
				for _, r := range rows {
					r[rowIDCol] = e.rowID.Add(1)
				}
			}
			return pushRows(rt.input, ts, rows)
		})
		if err != nil {
			return nil, err
		}
	}
	if err := e.afterDML(ctx, s); err != nil {
		return nil, err
	}
	res := &Result{Tag: fmt.Sprintf("INSERT 0 %d", len(rows))}
	if err := returning(res, plan.Returning, e.statementContext(s), rows); err != nil {
		return nil, err
	}
	return res, nil
}

// returning evaluates a RETURNING list over rows into res (nothing when
// ret is nil).
func returning(res *Result, ret *planner.Returning, ectx *expr.Context, rows []types.Row) error {
	if ret == nil {
		return nil
	}
	res.Columns = ret.Cols
	res.Rows = make([]types.Row, 0, len(rows))
	for _, r := range rows {
		out := make(types.Row, len(ret.Exprs))
		for i, x := range ret.Exprs {
			v, err := x.EvalRow(ectx, r)
			if err != nil {
				return err
			}
			out[i] = v
		}
		res.Rows = append(res.Rows, out)
	}
	return nil
}

// pushInsertChunks queues insert chunks into the table's dataflow (on the
// loop, without waiting). The chunks are released if the table was dropped
// meanwhile.
func (e *Engine) pushInsertChunks(ctx context.Context, o *object, chunks []*types.Chunk) error {
	name := o.Name
	ran := false
	err := e.post(ctx, func() error {
		ran = true
		rt := e.rels[name]
		if rt == nil || rt.obj != o {
			for _, c := range chunks {
				c.Release()
			}
			return nil // dropped meanwhile
		}
		e.dirty = true
		if col := rowIDColumn(o.rel); col >= 0 && o.rel.Layout.AppendBlocks {
			for _, c := range chunks {
				e.restampRowIDs(c, col)
			}
		}
		for i, c := range chunks {
			if err := rt.input.Push(0, c); err != nil {
				for _, c := range chunks[i+1:] {
					c.Release()
				}
				return err
			}
		}
		return nil
	})
	if err != nil && !ran {
		// Not queued (closed engine, canceled context).
		for _, c := range chunks {
			c.Release()
		}
	}
	return err
}

// change is one row change computed by UPDATE or DELETE.
type change struct {
	op  types.Op
	row types.Row
}

func (e *Engine) execUpdate(ctx context.Context, s *Session, st *parser.Update) (*Result, error) {
	o, err := e.dmlTarget(st.Table, st.Pos, true)
	if err != nil {
		return nil, err
	}
	plan, err := planner.PlanUpdate(catalogView{e}, st, e.tempAlloc)
	if err != nil {
		return nil, err
	}
	ectx := e.statementContext(s)
	rel := plan.Table
	var returned []types.Row
	// update turns an old row and its new row into changes.
	update := func(old, nr types.Row) ([]change, error) {
		samePK := true
		for _, k := range rel.PK {
			if !types.Equal(old[k], nr[k]) {
				samePK = false
			}
			if nr[k] == nil {
				return nil, sqlerr.New(sqlerr.NotNullViolation, "null value in column %q of relation %q violates not-null constraint", rel.Schema[k].Name, rel.Name)
			}
		}
		if plan.Returning != nil {
			returned = append(returned, nr)
		}
		if samePK {
			return []change{{types.UpdateDelete, old}, {types.UpdateInsert, nr}}, nil
		}
		return []change{{types.Delete, old}, {types.Insert, nr}}, nil
	}
	var n int
	if plan.Source != nil {
		n, err = e.modifyFromQuery(ctx, s, o, plan.Source, func(r types.Row) ([]change, error) {
			w := len(rel.Schema)
			return update(r[:w:w], r[w:])
		})
	} else {
		n, err = e.modify(ctx, o, plan.Key, plan.Filter, ectx, func(old types.Row) ([]change, error) {
			nr := make(types.Row, len(old))
			for i, x := range plan.Set {
				v, err := x.EvalRow(ectx, old)
				if err != nil {
					return nil, err
				}
				nr[i] = v
			}
			return update(old, nr)
		})
	}
	if err != nil {
		return nil, err
	}
	if err := e.afterDML(ctx, s); err != nil {
		return nil, err
	}
	res := &Result{Tag: fmt.Sprintf("UPDATE %d", n)}
	if err := returning(res, plan.Returning, ectx, returned); err != nil {
		return nil, err
	}
	return res, nil
}

func (e *Engine) execDelete(ctx context.Context, s *Session, st *parser.Delete) (*Result, error) {
	o, err := e.dmlTarget(st.Table, st.Pos, true)
	if err != nil {
		return nil, err
	}
	plan, err := planner.PlanDelete(catalogView{e}, st, e.tempAlloc)
	if err != nil {
		return nil, err
	}
	ectx := e.statementContext(s)
	var returned []types.Row
	del := func(old types.Row) ([]change, error) {
		if plan.Returning != nil {
			returned = append(returned, old)
		}
		return []change{{types.Delete, old}}, nil
	}
	var n int
	if plan.Source != nil {
		n, err = e.modifyFromQuery(ctx, s, o, plan.Source, del)
	} else {
		n, err = e.modify(ctx, o, plan.Key, plan.Filter, ectx, del)
	}
	if err != nil {
		return nil, err
	}
	if err := e.afterDML(ctx, s); err != nil {
		return nil, err
	}
	res := &Result{Tag: fmt.Sprintf("DELETE %d", n)}
	if err := returning(res, plan.Returning, ectx, returned); err != nil {
		return nil, err
	}
	return res, nil
}

// modifyFromQuery runs UPDATE … FROM and UPDATE/DELETE with subqueries:
// after a flush (so that the query sees every change made before), the
// plan's query yields the affected rows, each starting with the old row of
// the table; a row that appears again (joined with several FROM rows) is
// changed once. fn computes each row's changes, which are pushed through
// the table's dataflow.
func (e *Engine) modifyFromQuery(ctx context.Context, s *Session, o *object, q *planner.QueryPlan,
	fn func(r types.Row) ([]change, error)) (int, error) {
	if err := e.Flush(ctx); err != nil {
		return 0, err
	}
	rows, err := e.runQueryPlan(ctx, s, q)
	if err != nil {
		return 0, err
	}
	rel := o.rel
	seen := map[string]bool{}
	var ops []types.Op
	var out []types.Row
	n := 0
	for _, r := range rows {
		k := pkString(rel, r)
		if seen[k] {
			continue
		}
		seen[k] = true
		cs, err := fn(r)
		if err != nil {
			return 0, err
		}
		n++
		for _, c := range cs {
			ops = append(ops, c.op)
			out = append(out, c.row)
		}
	}
	err = e.onLoop(ctx, func() error {
		rt := e.rels[o.Name]
		if rt == nil {
			return sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist", o.Name)
		}
		return pushChanges(rt, o, ops, out, &e.dirty)
	})
	return n, err
}

// pkString is a map key for the primary key of a table row.
func pkString(rel *planner.Relation, r types.Row) string {
	var b []byte
	for _, k := range rel.PK {
		b = append(b, types.FormatText(r[k])...)
		b = append(b, 0)
		if r[k] == nil {
			b = append(b, 1)
		}
	}
	return string(b)
}

// pushChanges pushes row changes into a table's dataflow in chunks,
// keeping update pairs together (on the loop).
func pushChanges(rt *relRuntime, o *object, ops []types.Op, out []types.Row, dirty *bool) error {
	if len(out) > 0 {
		*dirty = true
	}
	for len(out) > 0 {
		k := min(len(out), chunkRows)
		if k < len(out) && ops[k-1] == types.UpdateDelete {
			k++ // keep update pairs together
		}
		if err := rt.input.Push(0, types.NewChunk(o.rel.Layout.Cols, ops[:k], out[:k])); err != nil {
			return err
		}
		ops, out = ops[k:], out[k:]
	}
	return nil
}

// modify runs UPDATE/DELETE on the stream loop: it reads the table's
// current rows (every change queued before it included), keeps those that
// pass filter (or the one row with primary key key), computes the changes
// with fn and pushes them through the table's dataflow. It returns the
// number of rows affected.
func (e *Engine) modify(ctx context.Context, o *object, key types.Row, filter expr.Expr, ectx *expr.Context,
	fn func(old types.Row) ([]change, error)) (int, error) {
	n := 0
	err := e.onLoop(ctx, func() error {
		rt := e.rels[o.Name]
		if rt == nil {
			return sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist", o.Name)
		}
		t := e.store.Table(o.rel.Layout)
		var rows []types.Row
		if key != nil {
			r, ok, err := t.Get(key)
			if err != nil {
				return err
			}
			if ok {
				rows = append(rows, r)
			}
		} else {
			var err error
			if rows, err = scanAll(t); err != nil {
				return err
			}
		}
		var ops []types.Op
		var out []types.Row
		for _, r := range rows {
			if filter != nil {
				v, err := filter.EvalRow(ectx, r)
				if err != nil {
					return err
				}
				if b, _ := v.(bool); !b {
					continue
				}
			}
			cs, err := fn(r)
			if err != nil {
				return err
			}
			n++
			for _, c := range cs {
				ops = append(ops, c.op)
				out = append(out, c.row)
			}
		}
		return pushChanges(rt, o, ops, out, &e.dirty)
	})
	return n, err
}

// noFastPaths turns the INSERT … VALUES and point-query fast paths off
// (tests compare them with the generic paths).
var noFastPaths bool

// fastInserts and fastPointQueries count the statements the fast paths
// answered (tests check that they run).
var fastInserts, fastPointQueries atomic.Int64

// tableConflict is the conflict mode of a table's Materialize. Into a
// table keyed by the hidden _row_id and fed only by DML, every INSERT row
// comes with a fresh key and every UPDATE/DELETE change carries a row read
// from the table, so no insert can overwrite a row and no delete can miss
// one: the changes are applied without reading the table first (no Get per
// row). Tables with a declared primary key, and tables fed by a connector
// (whose changes may carry deletes of rows never stored), keep upsert
// semantics.
func tableConflict(o *object) operators.Conflict {
	if o.src == nil && rowIDColumn(o.rel) >= 0 {
		return operators.ConflictNone
	}
	if o.conflict != operators.ConflictNone {
		return o.conflict // ON CONFLICT of a table with a primary key
	}
	return operators.ConflictOverwrite
}

// rowIDColumn returns the position of the hidden _row_id key of rel, or -1
// when rel has a declared primary key.
func rowIDColumn(rel *planner.Relation) int {
	if len(rel.PK) == 1 && rel.Schema[rel.PK[0]].Hidden && rel.Schema[rel.PK[0]].Name == RowIDColumn {
		return rel.PK[0]
	}
	return -1
}

// insertChunkRows is the size of the chunks the VALUES fast path builds.
const insertChunkRows = 4096

// insertValuesFast builds the chunks of an INSERT … VALUES whose elements
// are all constants (literals, NULL, DEFAULT, casts of those), straight
// from the AST: no planner, no one-shot dataflow. Each value is converted
// to its column's type exactly as the planner would (the literal's type,
// then an assignment cast, both folded at once), with allocation-free
// paths for the common literal/column pairs. ok is false when the
// statement is not of that shape or anything is unusual (an error to
// report, a NULL key): the caller then runs the generic path, which reports
// the error as usual. The row ids of a table without a primary key are
// assigned here.
func (e *Engine) insertValuesFast(o *object, st *parser.Insert) (chunks []*types.Chunk, n int, ok bool) {
	src := st.Source
	if src == nil || src.With != nil || len(src.OrderBy) > 0 || src.Limit != nil || src.Offset != nil {
		return nil, 0, false
	}
	vals, isValues := src.Body.(*parser.ValuesClause)
	if !isValues || len(vals.Rows) == 0 {
		return nil, 0, false
	}
	vb, ok := e.newValuesBuilder(o, st.Columns)
	if !ok {
		return nil, 0, false
	}
	vb.expect = len(vals.Rows)
	for _, r := range vals.Rows {
		if len(r) != len(vb.targets) {
			vb.release()
			return nil, 0, false
		}
		for j, x := range r {
			if !vb.conv[j].append(vb.column(j), x, vb.isKey[vb.targets[j]]) {
				vb.release()
				return nil, 0, false
			}
		}
		vb.endRow()
	}
	chunks, n = vb.finish()
	return chunks, n, true
}

// restampRowIDs gives the rows of an insert chunk fresh row ids, on the
// loop. Statements take their ids on their own goroutines, so two sessions
// inserting at once can reach the table out of id order; an append-block
// table (types.TableLayout.AppendBlocks) stores rows in id order cheaply
// and out of order slowly, so its ids are taken again where the order of
// arrival is decided.
func (e *Engine) restampRowIDs(c *types.Chunk, col int) {
	n := c.NumRows()
	first := e.rowID.Add(int64(n)) - int64(n) + 1
	// The chunk was built by this statement and is not shared yet: its
	// row id column (an Int64 array without NULLs) is rewritten in place.
	if a, ok := c.Cols[col].(*array.Int64); ok && a.NullN() == 0 {
		ids := a.Int64Values()
		for i := range ids {
			ids[i] = first + int64(i)
		}
		return
	}
	b := array.NewInt64Builder(types.Allocator)
	b.Reserve(n)
	for i := range n {
		b.UnsafeAppend(first + int64(i))
	}
	c.Cols[col].Release()
	c.Cols[col] = b.NewArray()
	b.Release()
}

// constConv converts the constant elements of one VALUES column.
type constConv struct {
	t   types.Type
	mod types.TypeMod // the column's declared modifier, applied after the cast
}

// append appends the value of the constant x, converted to the column type,
// to bl. It reports false when x is not a constant, does not convert
// cleanly, or is NULL in a key column.
func (cv *constConv) append(bl array.Builder, x parser.Expr, key bool) bool {
	if lit, ok := x.(*parser.Literal); ok && cv.appendLiteral(bl, lit, key) {
		return true
	}
	if _, ok := x.(*parser.Default); ok {
		if key {
			return false
		}
		bl.AppendNull()
		return true
	}
	c, ok := constExpr(x)
	if !ok {
		return false
	}
	c, ok = assignConst(c, cv.t)
	if !ok || (key && c.Value == nil) {
		return false
	}
	v, err := expr.EnforceTypeMod(c.Value, cv.t, cv.mod, false)
	if err != nil {
		return false // the generic path reports it
	}
	types.AppendDatum(bl, cv.t, v)
	return true
}

// constExpr binds a constant AST expression as the planner's binder does
// (literal types, casts folded by expr.NewCast). ok is false for anything
// else.
func constExpr(x parser.Expr) (*expr.Literal, bool) {
	switch x := x.(type) {
	case *parser.Literal:
		switch x.Kind {
		case parser.LitNull:
			return &expr.Literal{T: types.Unknown}, true
		case parser.LitBool:
			return &expr.Literal{Value: x.Bool, T: types.Bool}, true
		case parser.LitInteger:
			if x.Int >= math.MinInt32 && x.Int <= math.MaxInt32 {
				return &expr.Literal{Value: x.Int, T: types.Int32}, true
			}
			return &expr.Literal{Value: x.Int, T: types.Int64}, true
		case parser.LitNumeric:
			d, err := expr.ParseText(x.Text, types.Numeric)
			if err != nil {
				return nil, false
			}
			return &expr.Literal{Value: d, T: types.Numeric}, true
		case parser.LitString:
			return &expr.Literal{Value: x.Text, T: types.Unknown}, true
		}
	case *parser.TypedLiteral:
		t, ok := constType(x.Type)
		if !ok || x.Unit != "" {
			return nil, false
		}
		d, err := expr.ParseText(x.Value, t)
		if err != nil {
			return nil, false
		}
		return &expr.Literal{Value: d, T: t}, true
	case *parser.Cast:
		if len(x.Type.Args) > 0 {
			return nil, false // a type modifier: the planner applies it
		}
		arg, ok := constExpr(x.Expr)
		if !ok {
			return nil, false
		}
		t, ok := constType(x.Type)
		if !ok {
			return nil, false
		}
		r, err := expr.NewCast(arg, t, true)
		if err != nil {
			return nil, false
		}
		lit, ok := r.(*expr.Literal)
		return lit, ok
	}
	return nil, false
}

// constType resolves a type name as the binder does.
func constType(tn *parser.TypeName) (types.Type, bool) {
	if tn == nil || len(tn.Fields) > 0 {
		return types.Type{}, false
	}
	t, ok := types.TypeByName(tn.Name)
	if !ok {
		return types.Type{}, false
	}
	if tn.ArrayDims > 0 {
		t = types.ArrayOf(t)
	}
	return t, true
}

// assignConst applies the planner's assignment cast to a constant, folded.
func assignConst(c *expr.Literal, t types.Type) (*expr.Literal, bool) {
	from := c.Type()
	if from == t {
		return c, true
	}
	explicit := false
	if !expr.CanCast(from, t, false) {
		if !((from.IsNumeric() && t.IsNumeric()) || t.Kind == types.KindVarchar || from.Kind == types.KindUnknown ||
			(from.IsTemporal() && t.IsTemporal())) {
			return nil, false
		}
		explicit = true
	}
	r, err := expr.NewCast(c, t, explicit)
	if err != nil {
		return nil, false
	}
	lit, ok := r.(*expr.Literal)
	return lit, ok
}
