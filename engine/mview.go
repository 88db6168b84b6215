package engine

import (
	"context"

	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// newTableRuntime builds a table's dataflow (on the loop): DML goes into an
// Input, then a Materialize with upsert semantics writes the table and
// forwards the effective changes to the table's change stream.
func (e *Engine) newTableRuntime(o *object, wmID uint32) (*relRuntime, error) {
	in := operators.NewInput()
	args := operators.MaterializeArgs{
		Table:       o.rel.Layout,
		Store:       e.store,
		PK:          o.rel.PK,
		Conflict:    tableConflict(o),
		VersionCols: o.versions,
	}
	if o.wm != nil && o.wm.index != nil {
		args.TTLIndex, args.TTLCol = o.wm.index, o.wm.col
	}
	m, err := operators.NewMaterialize(args)
	if err != nil {
		return nil, err
	}
	rt := &relRuntime{obj: o, stream: &fanout{}, input: e.opstats.countTable(o, in), sources: []operators.Node{in}}
	if o.wm == nil {
		in.Connect(m, 0)
		m.Connect(rt.stream, 0)
		return rt, nil
	}
	wf, err := e.newWatermarkFilter(o.wm, o.rel.Layout.Cols, wmID, o.Name+"_watermark", m)
	if err != nil {
		return nil, err
	}
	rt.watermarks = append(rt.watermarks, wf)
	rt.usesNow = o.wm.idle > 0
	if o.rel.AppendOnly {
		// WATERMARK FOR on an append-only table: late rows are dropped
		// before they are stored.
		in.Connect(wf, 0)
		wf.Connect(m, 0)
		m.Connect(rt.stream, 0)
		return rt, nil
	}
	// WATERMARK FOR … WITH TTL on a table that takes updates: the table
	// applies every change (upserts, deletes), and its change stream drops
	// the changes below the watermark (the event time is part of the
	// stream key, so an update that moves it is a delete and an insert).
	in.Connect(m, 0)
	m.Connect(wf, 0)
	wf.Connect(rt.stream, 0)
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
	o, alloc := e.newObject(KindMView, name, text, replay)
	o.TimeZone = creationZone(s, replay)
	o.Overwrite = replay != nil && replay.Overwrite
	plan, err := planner.PlanMView(catalogView{e}, st, alloc.alloc)
	if err != nil {
		return nil, err
	}
	o.Deps = append(e.existingNames(referencedNames(st.Query), name), e.functionDeps(st.Query)...)
	input := plan.Root.Input
	appendOnly := plan.AppendOnly
	var eowc *types.TableLayout
	if st.EmitOnWindowClose {
		// EMIT ON WINDOW CLOSE: an EowcSort before the Materialize holds
		// each result row until a watermark passes its window.
		col := eowcColumn(input)
		if col < 0 && eowcOverWindow(input, alloc.alloc, name) {
			// The window itself emits each row once, when it is final.
			col = -2
		}
		if col == -1 {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "EMIT ON WINDOW CLOSE needs a watermark on an output column").
				WithHint("Group by window_start of a TUMBLE/HOP over a source or append-only table with WATERMARK FOR its time column.").WithPosition(int(st.Pos) + 1)
		}
		if col >= 0 {
			id := alloc.alloc()
			l := operators.EowcSortLayout(id, name+"_eowc", input.Schema().Types(), col, keyOrAllCols(input))
			eowc = &l
		}
		appendOnly = true
	}
	notices := unboundedStateNotices(e, name, plan.Root)
	o.rel = &planner.Relation{
		ID: plan.Table.ID, Name: name, Kind: planner.RelMView,
		Schema: plan.Schema, PK: plan.PK, Layout: plan.Table, AppendOnly: appendOnly,
	}
	if wc := watermarkColumns(plan.Root); len(wc) > 0 {
		for i, ok := range wc {
			if ok {
				o.rel.Watermark = &planner.Watermark{Col: i}
				break
			}
		}
	}
	o.tables = planner.CollectTables(plan.Root)
	if eowc != nil {
		o.tables = append(o.tables, *eowc)
	}
	err = e.onLoop(ctx, func() error {
		if replay == nil && e.dirty {
			// Let every operator flush what it buffers, so each upstream
			// table holds exactly what its stream has emitted.
			if err := e.injectBarrier(false); err != nil {
				e.log.Error("barrier before backfill", "err", err)
			}
		}
		m, err := operators.NewMaterialize(operators.MaterializeArgs{Table: plan.Root.Table, Store: e.store, PK: plan.Root.PK, Conflict: mviewConflict(o)})
		if err != nil {
			return err
		}
		var head operators.Node = m
		if eowc != nil {
			s, err := operators.NewEowcSort(operators.EowcSortArgs{SortCol: eowc.PK[0], StreamKey: keyOrAllCols(input),
				InputTypes: input.Schema().Types(), Store: e.store, Table: *eowc})
			if err != nil {
				return err
			}
			s.Connect(m, 0)
			head = s
		}
		rt, err := e.startDataflow(o, input, replay != nil, alloc, func(root emitter) { root.Connect(head, 0) })
		if err != nil {
			e.dropTables(o.tables)
			return err
		}
		m.Connect(rt.stream, 0)
		o.IDs = alloc.got
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
	return &Result{Tag: "CREATE_MATERIALIZED_VIEW", Notices: notices}, nil
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
