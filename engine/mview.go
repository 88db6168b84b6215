package engine

import (
	"context"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// newTableRuntime builds a table's dataflow (on the loop): DML goes into an
// Input, then a Materialize with upsert semantics writes the table and
// forwards the effective changes to the table's change stream.
func (e *Engine) newTableRuntime(o *object) (*relRuntime, error) {
	in := operators.NewInput()
	m, err := operators.NewMaterialize(operators.MaterializeArgs{
		Table:    o.rel.Layout,
		Store:    e.store,
		PK:       o.rel.PK,
		Conflict: operators.ConflictOverwrite,
	})
	if err != nil {
		return nil, err
	}
	in.Connect(m, 0)
	rt := &relRuntime{obj: o, stream: &fanout{}, input: in, sources: []operators.Node{in}}
	m.Connect(rt.stream, 0)
	return rt, nil
}

func (e *Engine) createMView(ctx context.Context, s *Session, st *parser.CreateMaterializedView, text string, replay *object) (*Result, error) {
	bg, _ := s.Get("background_ddl")
	background := isTrue(bg)
	name := planner.NormalizeName(st.Name)
	if replay == nil {
		if r, err := e.checkNew(name, KindMView, st.IfNotExists, st.Pos); r != nil || err != nil {
			return r, err
		}
	}
	if st.EmitOnWindowClose {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "EMIT ON WINDOW CLOSE is not supported yet").WithPosition(int(st.Pos) + 1)
	}
	o, alloc := e.newObject(KindMView, name, text, replay)
	plan, err := planner.PlanMView(catalogView{e}, st, alloc.alloc)
	if err != nil {
		return nil, err
	}
	o.IDs = alloc.got
	o.Deps = e.existingNames(referencedNames(st.Query), name)
	o.rel = &planner.Relation{
		ID: plan.Table.ID, Name: name, Kind: planner.RelMView,
		Schema: plan.Schema, PK: plan.PK, Layout: plan.Table, AppendOnly: plan.AppendOnly,
	}
	o.tables = plan.Tables
	err = e.onLoop(ctx, func() error {
		if replay == nil && e.dirty {
			// Let every operator flush what it buffers, so each upstream
			// table holds exactly what its stream has emitted.
			if err := e.injectBarrier(false); err != nil {
				e.log.Error("barrier before backfill", "err", err)
			}
		}
		ectx := &expr.Context{Now: types.Timestamptz(e.clock().UnixMicro()), TimeZone: "UTC", OnError: e.rowError}
		b := newBuilder(e.store, ectx, replay != nil)
		root, err := b.build(plan.Root)
		if err != nil {
			return err
		}
		rt := &relRuntime{obj: o, stream: &fanout{}, sources: b.sources, usesNow: b.usesNow, ctx: ectx}
		root.Connect(rt.stream, 0)
		for i := range b.leaves {
			l := &b.leaves[i]
			up := e.rels[l.rel]
			if up == nil {
				return sqlerr.New(sqlerr.UndefinedTable, "relation %q has no running dataflow", l.rel)
			}
			l.rt = up
		}
		if replay == nil {
			// Backfill: the upstream relations' current rows, as inserts.
			for _, l := range b.leaves {
				rows, err := scanAll(e.store.Table(l.layout))
				if err != nil {
					return err
				}
				if err := pushRows(l.node, l.layout.Cols, rows); err != nil {
					e.dropTables(o.tables)
					return err
				}
			}
		}
		// Then follow the upstream changes: no gap, no duplicate, because
		// nothing else runs on the loop in between.
		for _, l := range b.leaves {
			l.rt.stream.add(l.node, 0)
		}
		rt.leaves = b.leaves
		e.rels[name] = rt
		e.persist(o, replay)
		if replay == nil {
			e.dirty = true
			if !background {
				// The view answers with its backfilled rows when CREATE returns.
				return e.injectBarrier(e.persistent())
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.register(o)
	return &Result{Tag: "CREATE_MATERIALIZED_VIEW"}, nil
}

func (e *Engine) dropTables(ls []types.TableLayout) {
	for _, l := range ls {
		_ = e.store.DropTable(l.ID)
	}
}

type rowScanner interface {
	Scan(prefix types.Row, fn func(types.Row) bool) error
}

func scanAll(t rowScanner) ([]types.Row, error) {
	var rows []types.Row
	err := t.Scan(nil, func(r types.Row) bool {
		rows = append(rows, r)
		return true
	})
	return rows, err
}

// Subscribe returns the ordered change stream of a materialized view (or
// table): a first batch with its current rows as inserts, then one batch
// per visible epoch that changed it. Rows hold the visible columns.
func (e *Engine) Subscribe(ctx context.Context, name string) (*Subscription, error) {
	o := e.lookup(name)
	if o == nil || (o.Kind != KindMView && o.Kind != KindTable) {
		return nil, sqlerr.New(sqlerr.UndefinedTable, "materialized view %q does not exist", planner.NormalizeName(name))
	}
	visible := 0
	for _, c := range o.rel.Schema {
		if !c.Hidden {
			visible++
		}
	}
	sub := newSubscription(ctx)
	err := e.onLoop(ctx, func() error {
		rt := e.rels[o.Name]
		if rt == nil {
			return sqlerr.New(sqlerr.UndefinedTable, "materialized view %q does not exist", o.Name)
		}
		// End the current epoch so the table holds exactly the visible rows.
		if e.dirty {
			if err := e.injectBarrier(false); err != nil {
				e.log.Error("barrier", "err", err)
			}
		}
		rows, err := scanAll(e.store.Table(o.rel.Layout))
		if err != nil {
			return err
		}
		epoch := e.visible.Load()
		init := make([]Change, len(rows))
		for i, r := range rows {
			init[i] = Change{Epoch: epoch, Op: types.Insert, Row: r[:visible:visible]}
		}
		sub.enqueue(init)
		sub.visible = visible
		rt.stream.subs = append(rt.stream.subs, sub)
		return nil
	})
	if err != nil {
		sub.Close()
		return nil, err
	}
	return sub, nil
}
