package engine

import (
	"context"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// createIndex runs CREATE INDEX: the index is a materialized copy of its
// table or MV sorted by the index keys (planner.PlanIndex), maintained
// incrementally by a dataflow of its own like an MV, readable as a
// relation, and used by batch queries that pin its leading keys.
func (e *Engine) createIndex(ctx context.Context, st *parser.CreateIndex, text string, replay *object) (*Result, error) {
	table := planner.NormalizeName(st.Table)
	if st.Name == "" {
		// As Postgres: <table>_<columns>_idx, made unique with a number.
		st.Name = e.indexName(table, st.Columns)
		text = st.String()
	}
	name := planner.NormalizeName(st.Name)
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
	o.index = &planner.Index{Relation: o.rel, BaseCols: baseCols, KeyExprs: planner.IndexKeyExprs(plan, len(st.Columns))}
	err = e.onLoop(ctx, func() error {
		if replay == nil && e.dirty {
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
		}
		if replay == nil {
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

// indexName picks the name of an index created without one, as Postgres
// does: the table, the key columns (a function's name for a call, "expr"
// for another expression) and "idx",
// joined by "_", with a number added when the name is taken.
func (e *Engine) indexName(table string, keys []*parser.OrderItem) string {
	parts := []string{table}
	for _, k := range keys {
		switch x := k.Expr.(type) {
		case *parser.ColumnRef:
			parts = append(parts, strings.ToLower(x.Parts[len(x.Parts)-1]))
		case *parser.FuncCall:
			parts = append(parts, strings.ToLower(x.Name[len(x.Name)-1]))
		default:
			parts = append(parts, "expr")
		}
	}
	base := strings.Join(parts, "_") + "_idx"
	name := base
	for i := 1; e.lookup(name) != nil; i++ {
		name = base + strconv.Itoa(i)
	}
	return name
}

// showIndexes answers SHOW INDEXES [FROM rel]: per index its relation,
// key (with its order), the other columns it holds, and its distribution
// key (the index keys unless DISTRIBUTED BY says otherwise).
func (e *Engine) showIndexes(st *parser.Show) *Result {
	str := func(n string) types.Column { return types.Column{Name: n, Type: types.Varchar} }
	r := &Result{Tag: "SHOW", Columns: []types.Column{str("Name"), str("On"), str("Key"), str("Include"), str("Distributed By")}}
	on := st.From
	if on == "" {
		on = st.Name
	}
	for _, o := range e.objectsOfKind(KindIndex) {
		if on != "" && o.On != planner.NormalizeName(on) {
			continue
		}
		if st.Like != "" && !likeMatch(o.Name, st.Like) {
			continue
		}
		var key, include, dist []string
		if stmt, err := parser.ParseOne(o.SQL); err == nil {
			if ci, ok := stmt.(*parser.CreateIndex); ok {
				for _, c := range ci.Columns {
					dir := " ASC"
					if c.Desc {
						dir = " DESC"
					}
					key = append(key, c.Expr.String()+dir)
					dist = append(dist, c.Expr.String())
				}
				if len(ci.DistributedBy) > 0 {
					dist = dist[:0]
					for _, d := range ci.DistributedBy {
						dist = append(dist, d.String())
					}
				}
				if o.rel != nil {
					for i, c := range o.rel.Schema {
						if i >= len(ci.Columns) && !c.Hidden {
							include = append(include, c.Name)
						}
					}
				}
			}
		}
		r.Rows = append(r.Rows, types.Row{o.Name, o.On, strings.Join(key, ", "), strings.Join(include, ", "), strings.Join(dist, ", ")})
	}
	return r
}
