package engine

import (
	"context"
	"fmt"

	"github.com/eddysql/eddy/expr"
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
	if len(st.Returning) > 0 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "INSERT … RETURNING is not supported yet").WithPosition(int(st.Pos) + 1)
	}
	o, err := e.dmlTarget(st.Table, st.Pos, false)
	if err != nil {
		return nil, err
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
			return pushRows(rt.input, ts, rows)
		})
		if err != nil {
			return nil, err
		}
	}
	if err := e.afterDML(ctx, s); err != nil {
		return nil, err
	}
	return &Result{Tag: fmt.Sprintf("INSERT 0 %d", len(rows))}, nil
}

// change is one row change computed by UPDATE or DELETE.
type change struct {
	op  types.Op
	row types.Row
}

func (e *Engine) execUpdate(ctx context.Context, s *Session, st *parser.Update) (*Result, error) {
	if len(st.Returning) > 0 || len(st.From) > 0 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "UPDATE … FROM/RETURNING is not supported yet").WithPosition(int(st.Pos) + 1)
	}
	o, err := e.dmlTarget(st.Table, st.Pos, true)
	if err != nil {
		return nil, err
	}
	plan, err := planner.PlanUpdate(catalogView{e}, st)
	if err != nil {
		return nil, err
	}
	ectx := e.statementContext(s)
	rel := plan.Table
	n, err := e.modify(ctx, o, plan.Key, plan.Filter, ectx, func(old types.Row) ([]change, error) {
		nr := make(types.Row, len(old))
		for i, x := range plan.Set {
			v, err := x.EvalRow(ectx, old)
			if err != nil {
				return nil, err
			}
			nr[i] = v
		}
		samePK := true
		for _, k := range rel.PK {
			if !types.Equal(old[k], nr[k]) {
				samePK = false
			}
			if nr[k] == nil {
				return nil, sqlerr.New(sqlerr.NotNullViolation, "null value in column %q of relation %q violates not-null constraint", rel.Schema[k].Name, rel.Name)
			}
		}
		if samePK {
			return []change{{types.UpdateDelete, old}, {types.UpdateInsert, nr}}, nil
		}
		return []change{{types.Delete, old}, {types.Insert, nr}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := e.afterDML(ctx, s); err != nil {
		return nil, err
	}
	return &Result{Tag: fmt.Sprintf("UPDATE %d", n)}, nil
}

func (e *Engine) execDelete(ctx context.Context, s *Session, st *parser.Delete) (*Result, error) {
	if len(st.Returning) > 0 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "DELETE … RETURNING is not supported yet").WithPosition(int(st.Pos) + 1)
	}
	o, err := e.dmlTarget(st.Table, st.Pos, true)
	if err != nil {
		return nil, err
	}
	plan, err := planner.PlanDelete(catalogView{e}, st)
	if err != nil {
		return nil, err
	}
	ectx := e.statementContext(s)
	n, err := e.modify(ctx, o, plan.Key, plan.Filter, ectx, func(old types.Row) ([]change, error) {
		return []change{{types.Delete, old}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := e.afterDML(ctx, s); err != nil {
		return nil, err
	}
	return &Result{Tag: fmt.Sprintf("DELETE %d", n)}, nil
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
		if len(out) > 0 {
			e.dirty = true
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
	})
	return n, err
}
