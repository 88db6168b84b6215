package engine

import (
	"context"

	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
)

// createIndex runs CREATE INDEX: the index is a materialized copy of its
// table or MV sorted by the index keys (planner.PlanIndex), maintained
// incrementally by a dataflow of its own like an MV, readable as a
// relation, and used by batch queries that pin its leading keys.
func (e *Engine) createIndex(ctx context.Context, st *parser.CreateIndex, text string, replay *object) (*Result, error) {
	name := planner.NormalizeName(st.Name)
	table := planner.NormalizeName(st.Table)
	if replay == nil {
		if r, err := e.checkNew(name, KindIndex, st.IfNotExists, st.Pos); r != nil || err != nil {
			return r, err
		}
	}
	t := e.lookup(table)
	if t == nil {
		return nil, sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist", table).WithPosition(int(st.Pos) + 1)
	}
	if t.Kind != KindTable && t.Kind != KindMView {
		return nil, sqlerr.New(sqlerr.WrongObjectType, "%q is not a table or materialized view", table).WithPosition(int(st.Pos) + 1)
	}
	// An index stored before indexes had state (no table IDs) is built
	// again from its table.
	backfill := replay == nil || len(replay.IDs) == 0
	o, alloc := e.newObject(KindIndex, name, text, replay)
	o.On = table
	o.Deps = []string{table}
	plan, baseCols, err := planner.PlanIndex(catalogView{e}, st, alloc.alloc)
	if err != nil {
		return nil, err
	}
	o.rel = &planner.Relation{
		ID: plan.Table.ID, Name: name, Kind: planner.RelMView,
		Schema: plan.Schema, PK: plan.PK, Layout: plan.Table, AppendOnly: plan.AppendOnly,
	}
	o.tables = planner.CollectTables(plan.Root)
	o.index = &planner.Index{Relation: o.rel, BaseCols: baseCols}
	err = e.onLoop(ctx, func() error {
		if backfill && e.dirty {
			if err := e.injectBarrier(false); err != nil {
				e.log.Error("barrier before backfill", "err", err)
			}
		}
		m, err := operators.NewMaterialize(operators.MaterializeArgs{Table: plan.Root.Table, Store: e.store, PK: plan.Root.PK})
		if err != nil {
			return err
		}
		rt, err := e.startDataflow(o, plan.Root.Input, !backfill, alloc, func(root emitter) { root.Connect(m, 0) })
		if err != nil {
			e.dropTables(o.tables)
			return err
		}
		m.Connect(rt.stream, 0)
		o.IDs = alloc.got
		if backfill {
			e.persist(o, nil)
			e.dirty = true
			return e.injectBarrier(e.persistent())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.register(o)
	return &Result{Tag: "CREATE_INDEX"}, nil
}
