package planner

import (
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// linearTemporal reports whether a temporal filter has the shape the
// temporal-filter operator maintains with timers: a time column (or a
// cast of one) compared with NOW() plus a constant (NOW() ± an interval
// without months). Others (extract(year FROM ts) < extract(year FROM
// NOW()), date_trunc('day', NOW()) …) are planned as a StreamNowFilter.
func linearTemporal(x *LogicalTemporalFilter) bool {
	left := x.Left
	if c, ok := left.(*expr.Cast); ok {
		left = c.Arg
	}
	if _, ok := left.(*expr.ColumnRef); !ok {
		return false
	}
	switch left.Type().Kind {
	case types.KindTimestamp, types.KindTimestamptz, types.KindDate:
	default:
		return false
	}
	at := func(now int64) (int64, bool) {
		v, err := x.Right.EvalRow(&expr.Context{Now: types.Timestamptz(now), TimeZone: "UTC"}, nil)
		if err != nil {
			return 0, false
		}
		switch t := v.(type) {
		case types.Timestamptz:
			return int64(t), true
		case types.Timestamp:
			return int64(t), true
		}
		return 0, false
	}
	// NOW() + c moves with NOW() one for one; probe a few instants that
	// are not on day or month boundaries.
	base, ok := at(0)
	if !ok {
		return false
	}
	for _, d := range []int64{7_777_777_777, 86_400_000_000*45 + 3_333_333, 1_000_000_000_000_001} {
		v, ok := at(d)
		if !ok || v-base != d {
			return false
		}
	}
	return true
}

// nowFilter plans a temporal filter the timers cannot maintain as a
// StreamNowFilter.
func (sb *streamBuilder) nowFilter(in StreamNode, x *LogicalTemporalFilter) StreamNode {
	c, err := expr.Resolve(x.Op, []expr.Expr{x.Left, x.Right})
	if err != nil {
		panic(bindError{err})
	}
	return sb.nowFilterOf(in, c)
}

// StreamNowFilter keeps the rows satisfying Cond, a condition calling
// NOW() that is no temporal filter (operators.NowFilter): its output is
// the input rows that pass at the current NOW(), maintained as NOW()
// moves. Table: Cols = the input row ++ count (int8) ++ passed (bool),
// PK = the input's stream key (every column when it has none).
type StreamNowFilter struct {
	streamProps
	Input StreamNode
	Cond  expr.Expr
	Table types.TableLayout
}

// Inputs returns the input.
func (n *StreamNowFilter) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Tables returns the filter's row table.
func (n *StreamNowFilter) Tables() []types.TableLayout { return []types.TableLayout{n.Table} }

// Describe prints the condition.
func (n *StreamNowFilter) Describe() string { return "StreamNowFilter " + n.Cond.String() }

// filter plans a LogicalFilter: conjuncts calling NOW() (in a streaming
// plan, where no temporal filter took them) go to a StreamNowFilter above
// a StreamFilter of the others.
func (sb *streamBuilder) filter(x *LogicalFilter) StreamNode {
	in := sb.build(x.Input)
	if sb.batch || !hasNow(x.Cond) {
		return &StreamFilter{streamProps: streamProps{schema: in.Schema(), key: in.StreamKey(), appendOnly: in.AppendOnly()}, Input: in, Cond: x.Cond}
	}
	var plain, withNow []expr.Expr
	for _, c := range conjuncts(x.Cond) {
		if hasNow(c) {
			withNow = append(withNow, c)
		} else {
			plain = append(plain, c)
		}
	}
	if len(plain) > 0 {
		in = &StreamFilter{streamProps: streamProps{schema: in.Schema(), key: in.StreamKey(), appendOnly: in.AppendOnly()}, Input: in, Cond: andAll(plain)}
	}
	return sb.nowFilterOf(in, andAll(withNow))
}

func (sb *streamBuilder) nowFilterOf(in StreamNode, cond expr.Expr) StreamNode {
	s := in.Schema()
	cols := append(s.Types(), types.Int64, types.Bool)
	pk := append([]int(nil), keyOrAll(in.StreamKey(), len(s))...)
	return &StreamNowFilter{
		streamProps: streamProps{schema: s, key: in.StreamKey()},
		Input:       in, Cond: cond,
		Table: sb.table("nowfilter", "", cols, pk, nil),
	}
}
