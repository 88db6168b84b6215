package planner

import (
	"fmt"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// Interval joins: a join whose condition bounds the two sides' watermarked
// time columns against each other, e.g.
//
//	ON a.id = b.id AND b.ts BETWEEN a.ts - INTERVAL '1 hour' AND a.ts + INTERVAL '1 hour'
//
// is a hash join that also cleans its state: a row of one side whose time
// is below the other side's watermark minus the bound can never match
// again and is deleted (operators.JoinClean). The planner recognizes the
// pattern after planning the join (planJoin → intervalJoin).

// IntervalClean is the cleaning spec of one side (see operators.JoinClean):
// the condition implies other[OtherCol] <= this[TimeCol] + Bound; rows of
// this side with TimeCol < watermark(other OtherCol) - Bound are deleted.
// Index is the side's time index: Cols = [type of TimeCol] ++ the types of
// the row table's PK columns, PK = every column.
type IntervalClean struct {
	TimeCol, OtherCol int
	Bound             types.Interval
	Index             types.TableLayout
}

// StreamIntervalJoin is a StreamHashJoin with watermark-driven state
// cleaning on one or both sides.
type StreamIntervalJoin struct {
	*StreamHashJoin
	CleanLeft, CleanRight *IntervalClean
}

// Tables returns the hash join's tables and the time indexes.
func (n *StreamIntervalJoin) Tables() []types.TableLayout {
	out := n.StreamHashJoin.Tables()
	for _, c := range []*IntervalClean{n.CleanLeft, n.CleanRight} {
		if c != nil {
			out = append(out, c.Index)
		}
	}
	return out
}

// Describe prints the join and its cleaning bounds.
func (n *StreamIntervalJoin) Describe() string {
	s := "StreamIntervalJoin" + n.StreamHashJoin.Describe()[len("StreamHashJoin"):]
	if c := n.CleanLeft; c != nil {
		s += fmt.Sprintf(" clean_left=($%d < wm(right $%d) - %s)", c.TimeCol, c.OtherCol, types.FormatInterval(c.Bound))
	}
	if c := n.CleanRight; c != nil {
		s += fmt.Sprintf(" clean_right=($%d < wm(left $%d) - %s)", c.TimeCol, c.OtherCol, types.FormatInterval(c.Bound))
	}
	return s
}

// planJoin plans a logical join: a lookup join when its right side is read
// FOR SYSTEM_TIME AS OF PROCTIME(), else a hash join, made an interval join
// when its condition allows cleaning.
func (sb *streamBuilder) planJoin(x *LogicalJoin) StreamNode {
	if n := sb.lookupJoin(x); n != nil {
		return n
	}
	return sb.intervalJoin(sb.join(x))
}

// intervalJoin turns a hash join into an interval join when both inputs
// are append-only, the kind outputs pairs (inner or outer), and a conjunct
// of the condition bounds a watermarked time column of one side by a time
// column of the other (`<`, `<=`, `>`, `>=`, BETWEEN, with constant
// interval offsets without months).
func (sb *streamBuilder) intervalJoin(n StreamNode) StreamNode {
	j, ok := n.(*StreamHashJoin)
	if !ok || sb.batch || j.Cond == nil || !j.Kind.OutputsRight() || !j.Left.AppendOnly() || !j.Right.AppendOnly() {
		return n
	}
	ls, rs := j.Left.Schema(), j.Right.Schema()
	lw := len(ls)
	var clean [2]*IntervalClean
	for _, c := range conjuncts(j.Cond) {
		call, ok := c.(*expr.Call)
		if !ok || len(call.Args) != 2 {
			continue
		}
		a, b := call.Args[0], call.Args[1]
		switch call.Name {
		case "<", "<=":
		case ">", ">=":
			a, b = b, a
		default:
			continue
		}
		// a <= b: colA + offA <= colB + offB  ⇒  colA <= colB + (offB - offA).
		ca, oa, ok1 := timeOperand(a)
		cb, ob, ok2 := timeOperand(b)
		if !ok1 || !ok2 || (ca < lw) == (cb < lw) {
			continue
		}
		d := ob - oa
		// colA (side sa) <= colB (side sb) + d: clean side sb's rows below
		// watermark(colA) - d.
		s, timeCol, otherCol := 0, cb, ca-lw
		if cb >= lw {
			s, timeCol, otherCol = 1, cb-lw, ca
		}
		this, other := ls, rs
		otherIn := j.Right
		if s == 1 {
			this, other, otherIn = rs, ls, j.Left
		}
		if !isTimeType(this[timeCol].Type) || !isTimeType(other[otherCol].Type) || !streamWatermarked(otherIn, otherCol) {
			continue
		}
		if cur := clean[s]; cur != nil && cur.Bound.Micros <= d {
			continue
		}
		clean[s] = &IntervalClean{TimeCol: timeCol, OtherCol: otherCol, Bound: types.Interval{Micros: d}}
	}
	if clean[0] == nil && clean[1] == nil {
		return n
	}
	ij := &StreamIntervalJoin{StreamHashJoin: j, CleanLeft: clean[0], CleanRight: clean[1]}
	for s, c := range clean {
		if c == nil {
			continue
		}
		side := j.LeftTable
		role := "left_time"
		if s == 1 {
			side, role = j.RightTable, "right_time"
		}
		cols := []types.Type{side.Cols[c.TimeCol]}
		for _, p := range side.PK {
			cols = append(cols, side.Cols[p])
		}
		c.Index = sb.table("hashjoin", role, cols, seq(len(cols)), nil)
	}
	return ij
}

func isTimeType(t types.Type) bool {
	switch t.Kind {
	case types.KindDate, types.KindTimestamp, types.KindTimestamptz:
		return true
	}
	return false
}

// timeOperand matches `col`, `col + const interval`, `col - const interval`
// (and `const interval + col`), returning the column and the offset in
// microseconds (days count as 24 hours; intervals with months do not
// match).
func timeOperand(e expr.Expr) (col int, off int64, ok bool) {
	if c, ok := e.(*expr.Cast); ok {
		if c.To.Kind != c.Arg.Type().Kind {
			return 0, 0, false
		}
		e = c.Arg
	}
	if c, ok := e.(*expr.ColumnRef); ok {
		return c.Index, 0, true
	}
	call, isCall := e.(*expr.Call)
	if !isCall || len(call.Args) != 2 || (call.Name != "+" && call.Name != "-") {
		return 0, 0, false
	}
	x, y := call.Args[0], call.Args[1]
	if _, ok := y.(*expr.ColumnRef); ok && call.Name == "+" {
		x, y = y, x
	}
	c, ok := x.(*expr.ColumnRef)
	if !ok || hasColumnRef(y) || hasNow(y) {
		return 0, 0, false
	}
	v, err := y.EvalRow(&expr.Context{TimeZone: "UTC"}, nil)
	if err != nil {
		return 0, 0, false
	}
	iv, ok := v.(types.Interval)
	if !ok || iv.Months != 0 {
		return 0, 0, false
	}
	off = iv.Micros + int64(iv.Days)*types.MicrosPerDay
	if call.Name == "-" {
		off = -off
	}
	return c.Index, off, true
}

// streamWatermarked reports whether watermarks flow on column col of n's
// output: a WATERMARK FOR column of a scanned relation, through projections
// of the column, filters and hop windows (window_start/window_end).
func streamWatermarked(n StreamNode, col int) bool {
	switch x := n.(type) {
	case *StreamTableScan:
		w := x.Relation.Watermark
		return w != nil && col < len(x.Cols) && x.Cols[col] == w.Col
	case *StreamProject:
		if c, ok := x.Exprs[col].(*expr.ColumnRef); ok {
			return streamWatermarked(x.Input, c.Index)
		}
	case *StreamFilter:
		return streamWatermarked(x.Input, col)
	case *StreamTemporalFilter:
		return streamWatermarked(x.Input, col)
	case *StreamHopWindow:
		iw := len(x.Input.Schema())
		if col < iw {
			return streamWatermarked(x.Input, col)
		}
		return streamWatermarked(x.Input, x.TimeCol)
	}
	return false
}
