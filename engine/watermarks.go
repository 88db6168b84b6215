package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/types"
)

// keyOrAllCols returns a node's stream key, or every column when it has
// none.
func keyOrAllCols(n planner.StreamNode) []int {
	if k := n.StreamKey(); k != nil {
		return k
	}
	out := make([]int, len(n.Schema()))
	for i := range out {
		out[i] = i
	}
	return out
}

// watermarkColumns says, per output column of n, whether watermarks flow
// on it: from a WATERMARK FOR of a source or append-only table, through the
// operators that forward them (project of a column, filter, hop window,
// group keys, join keys watermarked on both sides, top-N partitions).
func watermarkColumns(n planner.StreamNode) []bool {
	out := make([]bool, len(n.Schema()))
	switch x := n.(type) {
	case *planner.StreamTableScan:
		if w := x.Relation.Watermark; w != nil {
			for i, c := range x.Cols {
				out[i] = c == w.Col
			}
		}
	case *planner.StreamProject:
		in := watermarkColumns(x.Input)
		for i, e := range x.Exprs {
			if c, ok := e.(*expr.ColumnRef); ok && c.Index < len(in) {
				out[i] = in[c.Index]
			}
		}
	case *planner.StreamFilter:
		copy(out, watermarkColumns(x.Input))
	case *planner.StreamProjectSet:
		// The input row leads the output; each output row repeats it.
		copy(out, watermarkColumns(x.Input))
	case *planner.StreamTemporalFilter:
		copy(out, watermarkColumns(x.Input))
	case *planner.StreamNowFilter:
		copy(out, watermarkColumns(x.Input))
	case *planner.StreamChangelog:
		copy(out, watermarkColumns(x.Input))
	case *planner.StreamHopWindow:
		in := watermarkColumns(x.Input)
		copy(out, in)
		if x.TimeCol < len(in) && in[x.TimeCol] && len(out) >= len(in)+2 {
			out[len(in)], out[len(in)+1] = true, true
		}
	case *planner.StreamHashAgg:
		in := watermarkColumns(x.Input)
		for i, g := range x.GroupKey {
			out[i] = in[g]
		}
	case *planner.StreamGroupTopN:
		in := watermarkColumns(x.Input)
		for _, p := range x.PartitionBy {
			out[p] = in[p]
		}
	case *planner.StreamIntervalJoin:
		return watermarkColumns(x.StreamHashJoin)
	case *planner.StreamLookupJoin:
		copy(out, watermarkColumns(x.Input))
	case *planner.StreamHashJoin:
		l, r := watermarkColumns(x.Left), watermarkColumns(x.Right)
		lw := len(l)
		natural := make([]bool, lw+len(r))
		for k := range x.LeftKeys {
			if l[x.LeftKeys[k]] && r[x.RightKeys[k]] {
				natural[x.LeftKeys[k]] = true
				natural[lw+x.RightKeys[k]] = true
			}
		}
		if x.OutputCols != nil {
			for i, c := range x.OutputCols {
				out[i] = natural[c]
			}
		} else {
			copy(out, natural)
		}
	case *planner.StreamUnion:
		for i := range out {
			out[i] = true
		}
		for _, b := range x.Branches {
			bw := watermarkColumns(b)
			for i := range out {
				out[i] = out[i] && i < len(bw) && bw[i]
			}
		}
	case *planner.StreamMaterialize:
		copy(out, watermarkColumns(x.Input))
	default:
		if ow, ok := n.(interface{ PartitionCols() []int }); ok && len(n.Inputs()) == 1 {
			in := watermarkColumns(n.Inputs()[0])
			for _, p := range ow.PartitionCols() {
				out[p] = in[p]
			}
		}
	}
	return out
}

// eowcColumn picks the column EMIT ON WINDOW CLOSE closes on: a
// watermarked window_start (or window_end), else the first watermarked
// column; -1 when there is none.
func eowcColumn(n planner.StreamNode) int {
	wc := watermarkColumns(n)
	s := n.Schema()
	for _, name := range []string{"window_start", "window_end"} {
		for i, ok := range wc {
			if ok && s[i].Name == name {
				return i
			}
		}
	}
	for i, ok := range wc {
		if ok {
			return i
		}
	}
	return -1
}

// eowcOverWindow prepares EMIT ON WINDOW CLOSE by an over window: when
// n's rows come, through stateless projections and filters, from a
// StreamOverWindow over an append-only input watermarked on its first
// (ascending) ORDER BY column, it gives the window an EowcSort buffer and
// reports true.
func eowcOverWindow(n planner.StreamNode, alloc func() uint32, mv string) bool {
	for {
		switch x := n.(type) {
		case *planner.StreamProject:
			n = x.Input
			continue
		case *planner.StreamFilter:
			n = x.Input
			continue
		case *planner.StreamProjectSet:
			n = x.Input
			continue
		case *planner.StreamOverWindow:
			if len(x.OrderBy) == 0 || x.OrderBy[0].Desc || !x.Input.AppendOnly() {
				return false
			}
			col := x.OrderBy[0].Col
			if wc := watermarkColumns(x.Input); col >= len(wc) || !wc[col] {
				return false
			}
			l := operators.EowcSortLayout(alloc(), mv+"_window_eowc", x.Input.Schema().Types(), col, keyOrAllCols(x.Input))
			x.EowcBuffer = &l
			return true
		}
		return false
	}
}

// unboundedStateNotices warns, at CREATE time, about stateful operators
// whose state can only grow: they read an append-only, unbounded input (a
// source or an APPEND ONLY table) that no watermark or temporal filter
// bounds. Tables that take DELETEs are bounded by their data and never
// warned about.
func unboundedStateNotices(e *Engine, mv string, root planner.StreamNode) []string {
	var notes []string
	seen := map[string]bool{}
	warn := func(op, why string) {
		msg := fmt.Sprintf("materialized view %q: the state of %s can only grow: %s. Add a temporal filter (WHERE ts > NOW() - INTERVAL …) or a WATERMARK FOR on the source to bound it", mv, op, why)
		if !seen[msg] {
			seen[msg] = true
			notes = append(notes, msg)
		}
	}
	// grows reports the unbounded relations a node's live rows grow with
	// (nil = bounded).
	var grows func(n planner.StreamNode) []string
	grows = func(n planner.StreamNode) []string {
		switch x := n.(type) {
		case *planner.StreamTableScan:
			r := x.Relation
			if (r.Kind == planner.RelSource || (r.Kind == planner.RelTable && r.AppendOnly)) && r.Watermark == nil {
				return []string{fmt.Sprintf("%s %s is append-only and unbounded", r.Kind, r.Name)}
			}
			return nil
		case *planner.StreamValues:
			return nil
		case *planner.StreamTemporalFilter:
			in := grows(x.Input)
			if x.Op == ">" || x.Op == ">=" {
				return nil // rows expire
			}
			return in
		case *planner.StreamHashAgg:
			in := grows(x.Input)
			if in == nil {
				return nil
			}
			is := x.Input.Schema()
			var timeKeys []string
			for _, g := range x.GroupKey {
				switch is[g].Type.Kind {
				case types.KindDate, types.KindTimestamp, types.KindTimestamptz:
					timeKeys = append(timeKeys, is[g].Name)
				}
			}
			perRow := false
			for _, t := range x.AggTables {
				perRow = perRow || t.ID != 0
			}
			switch {
			case len(timeKeys) > 0:
				warn("HashAgg (GROUP BY "+strings.Join(timeKeys, ", ")+")", "a new group opens for every new time value, and "+strings.Join(in, "; "))
				return in
			case perRow:
				warn("HashAgg ("+aggNames(x.Aggs)+")", "it keeps every input row, and "+strings.Join(in, "; "))
			}
			return nil
		case *planner.StreamHashJoin:
			l, r := grows(x.Left), grows(x.Right)
			if l != nil || r != nil {
				warn("HashJoin", "it keeps every row of its inputs, and "+strings.Join(slices.Concat(l, r), "; "))
			}
			return slices.Concat(l, r)
		case *planner.StreamGroupTopN:
			in := grows(x.Input)
			if in != nil {
				warn("GroupTopN", "it keeps every input row, and "+strings.Join(in, "; "))
			}
			return in
		}
		var out []string
		for _, in := range n.Inputs() {
			out = append(out, grows(in)...)
		}
		if len(n.Inputs()) == 1 && len(n.Tables()) > 0 && out != nil {
			if _, ok := n.(*planner.StreamMaterialize); !ok {
				warn(strings.Fields(n.Describe())[0], "it keeps every input row, and "+strings.Join(out, "; "))
			}
		}
		return out
	}
	grows(root)
	return notes
}

func aggNames(calls []expr.AggCall) string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Name)
	}
	return strings.Join(out, ", ")
}

// LateRows returns, per table or materialized view whose dataflow has a
// watermark filter, the number of rows dropped as late so far.
func (e *Engine) LateRows(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	err := e.onLoop(ctx, func() error {
		for name, rt := range e.rels {
			for _, w := range rt.watermarks {
				out[name] += w.LateRows()
			}
		}
		return nil
	})
	return out, err
}
