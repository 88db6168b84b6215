package engine

import (
	"fmt"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// emitter is an operator: a Node whose output can be connected onward.
type emitter interface {
	operators.Node
	Connect(n operators.Node, port int)
}

// builder turns a stream plan into operators. All of the plan-to-operator
// knowledge is in build's one type switch.
type builder struct {
	store *state.Store
	// ctx is the evaluation context shared by the dataflow's operators:
	// for one-shot queries NOW() of the statement and the session time zone
	// (strict: errors fail the query); for streaming dataflows the engine
	// sets NOW() at each barrier, and row errors become NULL (non-strict).
	ctx *expr.Context
	// replay: rebuilding after recovery; sources must not emit again what
	// the state tables already hold.
	replay bool
	// streaming: the dataflow is an MV or sink (sources can be read);
	// otherwise a one-shot query.
	streaming bool

	leaves  []leaf
	sources []operators.Node
	usesNow bool
	built   map[planner.StreamNode]emitter
	// stats, when set (streaming dataflows), collects each operator's row
	// counters (opstats.go).
	stats map[planner.StreamNode]*opStat
}

func newBuilder(store *state.Store, ctx *expr.Context, replay bool) *builder {
	return &builder{store: store, ctx: ctx, replay: replay, built: map[planner.StreamNode]emitter{}}
}

func (b *builder) build(n planner.StreamNode) (emitter, error) {
	if op, ok := b.built[n]; ok {
		return op, nil
	}
	op, err := b.buildNode(n)
	if err != nil {
		return nil, err
	}
	op = b.count(n, op)
	b.built[n] = op
	return op, nil
}

func (b *builder) input(n planner.StreamNode, to operators.Node, port int) error {
	in, err := b.build(n)
	if err != nil {
		return err
	}
	in.Connect(to, port)
	return nil
}

func (b *builder) buildNode(n planner.StreamNode) (emitter, error) {
	switch n := n.(type) {
	case *planner.StreamTableScan:
		rel := n.Relation
		if rel.Kind == planner.RelSource && !b.streaming {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "source %q cannot be queried directly: it is not materialized", rel.Name).
				WithHint("Create a materialized view over it, or create a table with the connector (CREATE TABLE … WITH (connector=…)).")
		}
		if rel.Kind != planner.RelTable && rel.Kind != planner.RelMView && rel.Kind != planner.RelSystem && rel.Kind != planner.RelSource {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "reading %s %q is not supported yet", rel.Kind, rel.Name)
		}
		node := newScanNode(rel.Layout.Cols, n.Cols)
		if (n.Prefix != nil || n.Range != nil) && b.streaming {
			return nil, fmt.Errorf("scan of %q: a key prefix or range in a streaming plan", rel.Name)
		}
		b.leaves = append(b.leaves, leaf{rel: rel.Name, layout: rel.Layout, node: node, source: rel.Kind == planner.RelSource, prefix: n.Prefix, rng: n.Range})
		return node, nil

	case *planner.StreamValues:
		rows := n.Rows
		if b.replay {
			rows = nil
		}
		v, err := operators.NewValues(operators.ValuesArgs{Types: n.Schema().Types(), Rows: rows})
		if err != nil {
			return nil, err
		}
		b.sources = append(b.sources, v)
		return v, nil

	case *planner.StreamProject:
		p := operators.NewProject(operators.ProjectArgs{Exprs: n.Exprs, Ctx: b.ctx})
		return p, b.input(n.Input, p, 0)

	case *planner.StreamFilter:
		f := operators.NewFilter(operators.FilterArgs{Cond: n.Cond, Ctx: b.ctx})
		return f, b.input(n.Input, f, 0)

	case *planner.StreamHashAgg:
		a, err := operators.NewHashAgg(operators.HashAggArgs{
			GroupKey:        n.GroupKey,
			Aggs:            n.Aggs,
			InputTypes:      n.Input.Schema().Types(),
			Store:           b.store,
			ResultTable:     n.ResultTable,
			AggTables:       n.AggTables,
			AppendOnlyInput: n.AppendOnlyInput,
			// Append-only input: groups below a group-key watermark are final.
			CleanOnWatermark: n.AppendOnlyInput && !n.SharedResult,
		})
		if err != nil {
			return nil, err
		}
		return a, b.input(n.Input, a, 0)

	case *planner.StreamUnion:
		u := operators.NewUnion(operators.UnionArgs{Inputs: len(n.Branches)})
		for i, in := range n.Branches {
			if err := b.input(in, u, i); err != nil {
				return nil, err
			}
		}
		return u, nil

	case *planner.StreamGroupTopN:
		kind := operators.RowNumber
		switch {
		case n.Dense:
			kind = operators.DenseRank
		case n.WithTies:
			kind = operators.Rank
		}
		t, err := operators.NewGroupTopN(operators.GroupTopNArgs{
			PartitionBy: n.PartitionBy,
			OrderBy:     n.OrderBy,
			Limit:       n.Limit,
			Offset:      n.Offset,
			Kind:        kind,
			RankCol:     n.RankCol != "",
			AppendOnly:  n.Input.AppendOnly(),
			StreamKey:   n.Input.StreamKey(),
			Store:       b.store,
			Table:       n.Table,
			InputTypes:  n.Input.Schema().Types(),
		})
		if err != nil {
			return nil, err
		}
		return t, b.input(n.Input, t, 0)

	case *planner.StreamTemporalFilter:
		args, err := temporalArgs(n)
		if err != nil {
			return nil, err
		}
		args.Store = b.store
		b.usesNow = true
		t, err := operators.NewTemporalFilter(args)
		if err != nil {
			return nil, err
		}
		return t, b.input(n.Input, t, 0)

	case *planner.StreamChangelog:
		c, err := operators.NewChangelog(operators.ChangelogArgs{InputTypes: n.Input.Schema().Types(), Store: b.store, Table: n.Table})
		if err != nil {
			return nil, err
		}
		return c, b.input(n.Input, c, 0)

	case *planner.StreamNowFilter:
		f, err := operators.NewNowFilter(operators.NowFilterArgs{Cond: n.Cond, InputTypes: n.Input.Schema().Types(),
			StreamKey: n.Input.StreamKey(), Store: b.store, Table: n.Table, Ctx: b.ctx})
		if err != nil {
			return nil, err
		}
		b.usesNow = true
		return f, b.input(n.Input, f, 0)

	case *planner.StreamHopWindow:
		h, err := operators.NewHopWindow(operators.HopWindowArgs{
			TimeCol: n.TimeCol, Slide: n.Slide, Size: n.Size, InputTypes: n.Input.Schema().Types(),
		})
		if err != nil {
			return nil, err
		}
		return h, b.input(n.Input, h, 0)

	case *planner.StreamOverWindow:
		return buildOverWindow(b, n)

	case *planner.StreamProjectSet:
		p := operators.NewProjectSet(operators.ProjectSetArgs{Funcs: n.Funcs, InputTypes: n.Input.Schema().Types(), Ctx: b.ctx})
		return p, b.input(n.Input, p, 0)

	case *planner.StreamMaterialize:
		m, err := operators.NewMaterialize(operators.MaterializeArgs{Table: n.Table, Store: b.store, PK: n.PK})
		if err != nil {
			return nil, err
		}
		return m, b.input(n.Input, m, 0)

	case *planner.StreamIntervalJoin:
		return b.buildHashJoin(n.StreamHashJoin, n.CleanLeft, n.CleanRight)

	case *planner.StreamLookupJoin:
		exprs := make([]expr.Expr, len(n.TableCols))
		for i, c := range n.TableCols {
			exprs[i] = &expr.ColumnRef{Index: c, T: n.Relation.Schema[c].Type, Name: n.Relation.Schema[c].Name}
		}
		j, err := operators.NewLookupJoin(operators.LookupJoinArgs{
			Outer:       n.Kind == planner.JoinLeft,
			InputTypes:  n.Input.Schema().Types(),
			InputKeys:   n.InputKeys,
			TableKeys:   n.TableKeys,
			Store:       b.store,
			Table:       n.Relation.Layout,
			TableFilter: n.TableFilter,
			TableExprs:  exprs,
			Cond:        n.Cond,
			Ctx:         b.ctx,
			Memo:        n.Memo,
		})
		if err != nil {
			return nil, err
		}
		return j, b.input(n.Input, j, 0)

	case *planner.StreamHashJoin:
		return b.buildHashJoin(n, nil, nil)
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "stream operator %T is not supported yet", n)
}

// buildHashJoin builds a hash join, with interval-join cleaning specs
// when the planner found some.
func (b *builder) buildHashJoin(n *planner.StreamHashJoin, cl, cr *planner.IntervalClean) (emitter, error) {
	kind, err := joinKind(n.Kind)
	if err != nil {
		return nil, err
	}
	j, err := operators.NewHashJoin(operators.HashJoinArgs{
		CleanLeft:      joinClean(cl),
		CleanRight:     joinClean(cr),
		Kind:           kind,
		LeftTypes:      n.Left.Schema().Types(),
		RightTypes:     n.Right.Schema().Types(),
		LeftKeys:       n.LeftKeys,
		RightKeys:      n.RightKeys,
		NullSafe:       n.NullSafe,
		Cond:           n.Cond,
		Ctx:            b.ctx,
		Store:          b.store,
		LeftTable:      n.LeftTable,
		RightTable:     n.RightTable,
		LeftDegree:     n.LeftDegree,
		RightDegree:    n.RightDegree,
		LeftStreamKey:  n.Left.StreamKey(),
		RightStreamKey: n.Right.StreamKey(),
		OutputCols:     n.OutputCols,
	})
	if err != nil {
		return nil, err
	}
	if err := b.input(n.Left, j, 0); err != nil {
		return nil, err
	}
	return j, b.input(n.Right, j, 1)
}

func joinKind(k planner.JoinKind) (operators.JoinKind, error) {
	switch k {
	case planner.JoinInner:
		return operators.JoinInner, nil
	case planner.JoinLeft:
		return operators.JoinLeftOuter, nil
	case planner.JoinRight:
		return operators.JoinRightOuter, nil
	case planner.JoinFull:
		return operators.JoinFullOuter, nil
	case planner.JoinSemi:
		return operators.JoinLeftSemi, nil
	case planner.JoinAnti:
		return operators.JoinLeftAnti, nil
	case planner.JoinNullAwareAnti:
		return operators.JoinNullAwareAnti, nil
	}
	return 0, fmt.Errorf("unknown join kind %v", k)
}

// temporalArgs turns `col Op NOW() ± interval` into the operator's bound:
// the offset is Right evaluated at NOW() = 0.
func temporalArgs(n *planner.StreamTemporalFilter) (operators.TemporalFilterArgs, error) {
	args := operators.TemporalFilterArgs{InputTypes: n.Input.Schema().Types(), StreamKey: n.Input.StreamKey(), Table: n.Table}
	left := n.Left
	if c, ok := left.(*expr.Cast); ok {
		left = c.Arg
	}
	col, ok := left.(*expr.ColumnRef)
	if !ok {
		return args, sqlerr.New(sqlerr.FeatureNotSupported, "temporal filter on %s: the left side must be a column", n.Left)
	}
	args.Col = col.Index
	v, err := n.Right.EvalRow(&expr.Context{Now: 0, TimeZone: "UTC"}, nil)
	if err != nil {
		return args, err
	}
	var off int64
	switch x := v.(type) {
	case types.Timestamptz:
		off = int64(x)
	case types.Timestamp:
		off = int64(x)
	default:
		return args, sqlerr.New(sqlerr.FeatureNotSupported, "temporal filter bound %s is not a timestamp", n.Right)
	}
	bound := &operators.TemporalBound{Offset: types.Interval{Micros: off}}
	switch n.Op {
	case ">", ">=":
		bound.Inclusive = n.Op == ">="
		args.Lower = bound
	case "<", "<=":
		bound.Inclusive = n.Op == "<="
		args.Upper = bound
	default:
		return args, sqlerr.New(sqlerr.FeatureNotSupported, "temporal filter operator %s", n.Op)
	}
	return args, nil
}

// joinClean converts the planner's cleaning spec.
func joinClean(c *planner.IntervalClean) *operators.JoinClean {
	if c == nil {
		return nil
	}
	return &operators.JoinClean{TimeCol: c.TimeCol, OtherCol: c.OtherCol, Bound: c.Bound, Index: c.Index}
}
