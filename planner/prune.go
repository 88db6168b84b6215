package planner

import (
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// PruneColumns removes the columns no ancestor reads: scan columns,
// projection expressions, aggregates and window functions whose results are
// unused, and the rank column of a top-N. The root's columns are all kept.
func pruneColumnsRule(n Node) (Node, bool) {
	before := strings.Join(ExplainLogical(n), "\n")
	req := make([]bool, width(n))
	for i := range req {
		req[i] = true
	}
	out, _ := prune(n, req)
	if strings.Join(ExplainLogical(out), "\n") == before {
		return n, false
	}
	return out, true
}

// prune returns n restricted to (at least) the required columns and the
// mapping from n's old output positions to the new ones (-1: removed).
func prune(n Node, req []bool) (Node, []int) {
	switch x := n.(type) {
	case *LogicalScan:
		var cols []int
		m := make([]int, len(x.Cols))
		for i, c := range x.Cols {
			m[i] = -1
			if req[i] {
				m[i] = len(cols)
				cols = append(cols, c)
			}
		}
		return &LogicalScan{Relation: x.Relation, Cols: cols, Alias: x.Alias, Proctime: x.Proctime}, m
	case *LogicalValues:
		m := make([]int, len(x.Cols))
		var cols types.Schema
		var keep []int
		for i := range x.Cols {
			m[i] = -1
			if req[i] {
				m[i] = len(cols)
				cols = append(cols, x.Cols[i])
				keep = append(keep, i)
			}
		}
		rows := make([][]expr.Expr, len(x.Rows))
		for r, row := range x.Rows {
			rows[r] = []expr.Expr{}
			for _, k := range keep {
				rows[r] = append(rows[r], row[k])
			}
		}
		return &LogicalValues{Rows: rows, Cols: cols}, m
	case *LogicalProject:
		m := make([]int, len(x.Exprs))
		inReq := make([]bool, width(x.Input))
		var exprs []expr.Expr
		var cols types.Schema
		for i, e := range x.Exprs {
			m[i] = -1
			if req[i] {
				m[i] = len(exprs)
				exprs = append(exprs, e)
				cols = append(cols, x.Cols[i])
				markCols(inReq, e)
			}
		}
		in, im := prune(x.Input, inReq)
		for i, e := range exprs {
			exprs[i] = remapCols(e, func(c int) int { return im[c] })
		}
		return &LogicalProject{Input: in, Exprs: exprs, Cols: cols}, m
	case *LogicalFilter:
		r := append([]bool(nil), req...)
		markCols(r, x.Cond)
		in, im := prune(x.Input, r)
		return &LogicalFilter{Input: in, Cond: remapCols(x.Cond, func(c int) int { return im[c] })}, im
	case *LogicalTemporalFilter:
		r := append([]bool(nil), req...)
		markCols(r, x.Left)
		in, im := prune(x.Input, r)
		f := func(c int) int { return im[c] }
		return &LogicalTemporalFilter{Input: in, Left: remapCols(x.Left, f), Op: x.Op, Right: x.Right}, im
	case *LogicalJoin:
		lw, rw := width(x.Left), width(x.Right)
		lr, rr := make([]bool, lw), make([]bool, rw)
		for i, r := range req {
			if !r {
				continue
			}
			if i < lw {
				lr[i] = true
			} else {
				rr[i-lw] = true
			}
		}
		for _, k := range x.LeftKeys {
			lr[k] = true
		}
		for _, k := range x.RightKeys {
			rr[k] = true
		}
		if x.Cond != nil {
			for _, c := range colsUsed(x.Cond) {
				if c < lw {
					lr[c] = true
				} else {
					rr[c-lw] = true
				}
			}
		}
		l, lm := prune(x.Left, lr)
		r, rm := prune(x.Right, rr)
		nlw := width(l)
		m := make([]int, 0, lw+rw)
		m = append(m, lm...)
		for _, v := range rm {
			if v >= 0 {
				v += nlw
			}
			m = append(m, v)
		}
		j := &LogicalJoin{Kind: x.Kind, Left: l, Right: r, NullSafe: x.NullSafe}
		for _, k := range x.LeftKeys {
			j.LeftKeys = append(j.LeftKeys, lm[k])
		}
		for _, k := range x.RightKeys {
			j.RightKeys = append(j.RightKeys, rm[k])
		}
		if x.Cond != nil {
			j.Cond = remapCols(x.Cond, func(c int) int { return m[c] })
		}
		if !x.Kind.OutputsRight() {
			return j, lm
		}
		return j, m
	case *LogicalAgg:
		g := len(x.GroupBy)
		inReq := make([]bool, width(x.Input))
		for _, c := range x.GroupBy {
			inReq[c] = true
		}
		m := make([]int, g+len(x.Aggs))
		for i := 0; i < g; i++ {
			m[i] = i
		}
		var aggs []expr.AggCall
		var names []string
		for i, a := range x.Aggs {
			m[g+i] = -1
			if req[g+i] {
				m[g+i] = g + len(aggs)
				aggs = append(aggs, a)
				names = append(names, x.Names[i])
				for _, c := range aggInputs(a) {
					inReq[c] = true
				}
			}
		}
		in, im := prune(x.Input, inReq)
		gb := make([]int, g)
		for i, c := range x.GroupBy {
			gb[i] = im[c]
		}
		for i := range aggs {
			aggs[i] = remapAgg(aggs[i], func(c int) int { return im[c] })
		}
		return &LogicalAgg{Input: in, GroupBy: gb, Aggs: aggs, Names: names}, m
	case *LogicalUnion:
		var inputs []Node
		m := make([]int, len(req))
		k := 0
		for i, r := range req {
			m[i] = -1
			if r {
				m[i] = k
				k++
			}
		}
		for _, in := range x.Inputs {
			p, im := prune(in, req)
			ps := p.Schema()
			var exprs []expr.Expr
			var cols types.Schema
			for i, r := range req {
				if r {
					exprs = append(exprs, colRef(im[i], ps[im[i]].Type, ps[im[i]].Name))
					cols = append(cols, ps[im[i]])
				}
			}
			if len(exprs) == len(ps) {
				inputs = append(inputs, p)
			} else {
				inputs = append(inputs, &LogicalProject{Input: p, Exprs: exprs, Cols: cols})
			}
		}
		return &LogicalUnion{Inputs: inputs}, m
	case *LogicalTopN:
		iw := width(x.Input)
		r := append([]bool(nil), req[:iw]...)
		for _, c := range x.PartitionBy {
			r[c] = true
		}
		for _, k := range x.OrderBy {
			r[sortCol(k)] = true
		}
		in, im := prune(x.Input, r)
		t := *x
		t.Input = in
		t.PartitionBy = remapInts(x.PartitionBy, im)
		t.OrderBy = make([]expr.SortKey, len(x.OrderBy))
		for i, k := range x.OrderBy {
			t.OrderBy[i] = withSortCol(k, im[sortCol(k)])
		}
		m := append([]int(nil), im...)
		if x.RankCol != "" {
			if req[iw] {
				m = append(m, width(in))
			} else {
				t.RankCol = ""
				m = append(m, -1)
			}
		}
		return &t, m
	case *LogicalWindow:
		iw := width(x.Input)
		r := append([]bool(nil), req[:iw]...)
		var funcs []WindowFunc
		var names []string
		var keepIdx []int
		for i, f := range x.Funcs {
			if !req[iw+i] {
				continue
			}
			funcs = append(funcs, f)
			names = append(names, x.Names[i])
			keepIdx = append(keepIdx, i)
			for _, c := range f.Args {
				r[c] = true
			}
			for _, c := range f.PartitionBy {
				r[c] = true
			}
			for _, k := range f.OrderBy {
				r[sortCol(k)] = true
			}
		}
		in, im := prune(x.Input, r)
		m := append([]int(nil), im...)
		for range x.Funcs {
			m = append(m, -1)
		}
		if len(funcs) == 0 {
			return in, m
		}
		niw := width(in)
		for j, i := range keepIdx {
			m[iw+i] = niw + j
			f := funcs[j]
			f.Args = remapInts(f.Args, im)
			f.PartitionBy = remapInts(f.PartitionBy, im)
			ob := make([]expr.SortKey, len(f.OrderBy))
			for k, s := range f.OrderBy {
				ob[k] = withSortCol(s, im[sortCol(s)])
			}
			f.OrderBy = ob
			funcs[j] = f
		}
		return &LogicalWindow{Input: in, Funcs: funcs, Names: names}, m
	case *LogicalProjectSet:
		return pruneProjectSet(x, req)
	case *LogicalHopWindow:
		iw := width(x.Input)
		r := append([]bool(nil), req[:iw]...)
		r[x.TimeCol] = true
		in, im := prune(x.Input, r)
		h := *x
		h.Input = in
		h.TimeCol = im[x.TimeCol]
		niw := width(in)
		m := append(append([]int(nil), im...), niw, niw+1)
		return &h, m
	}
	// Unknown or unprunable (e.g. a remaining LogicalApply): keep as is.
	m := make([]int, width(n))
	for i := range m {
		m[i] = i
	}
	return n, m
}

func markCols(req []bool, e expr.Expr) {
	for _, c := range colsUsed(e) {
		if c < len(req) {
			req[c] = true
		}
	}
}

func remapInts(xs []int, m []int) []int {
	if xs == nil {
		return nil
	}
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = m[x]
	}
	return out
}
