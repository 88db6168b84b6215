package planner

import (
	"fmt"
	"slices"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// streamBuilder converts an optimized logical plan into a stream plan and
// allocates its state tables.
type streamBuilder struct {
	alloc IDAlloc
	// batch is set for one-shot queries: NOW() may appear anywhere and
	// temporal filters become plain filters.
	batch bool
}

func (sb *streamBuilder) table(kind, role string, cols []types.Type, pk []int, desc []bool) types.TableLayout {
	id := sb.alloc()
	name := fmt.Sprintf("%s_%d", kind, id)
	if role != "" {
		name += "_" + role
	}
	return types.TableLayout{ID: id, Name: name, Cols: cols, PK: pk, Desc: desc}
}

func unsupported(format string, args ...any) {
	panic(bindError{sqlerr.New(sqlerr.FeatureNotSupported, format, args...)})
}

// keyOrAll returns key, or every column when key is nil (an input without
// a declared key is keyed by its whole row).
func keyOrAll(key []int, width int) []int {
	if key != nil {
		return key
	}
	return seq(width)
}

// build plans n; the result's schema starts with n's schema.
func (sb *streamBuilder) build(n Node) StreamNode {
	switch x := n.(type) {
	case *LogicalScan:
		return sb.scan(x)
	case *LogicalValues:
		return sb.values(x)
	case *LogicalProject:
		in := sb.build(x.Input)
		sb.checkNow(x.Exprs...)
		return project(in, x.Exprs, x.Schema())
	case *LogicalFilter:
		return sb.filter(x) // stream_nowfilter.go
	case *LogicalTemporalFilter:
		in := sb.build(x.Input)
		if !sb.batch && !linearTemporal(x) {
			return sb.nowFilter(in, x) // stream_nowfilter.go
		}
		if sb.batch {
			c, err := expr.Resolve(x.Op, []expr.Expr{x.Left, x.Right})
			if err != nil {
				panic(bindError{err})
			}
			return &StreamFilter{streamProps: streamProps{schema: in.Schema(), key: in.StreamKey(), appendOnly: in.AppendOnly()}, Input: in, Cond: c}
		}
		s := in.Schema()
		cols := append([]types.Type{x.Left.Type()}, s.Types()...)
		pk := []int{0}
		for _, k := range keyOrAll(in.StreamKey(), len(s)) {
			pk = append(pk, k+1)
		}
		return &StreamTemporalFilter{
			streamProps: streamProps{schema: s, key: in.StreamKey()},
			Input:       in, Left: x.Left, Op: x.Op, Right: x.Right,
			Table: sb.table("temporalfilter", "", cols, pk, nil),
		}
	case *LogicalJoin:
		return sb.planJoin(x) // lookup joins, interval joins: stream_lookupjoin.go, stream_intervaljoin.go
	case *LogicalAgg:
		return sb.agg(x)
	case *LogicalUnion:
		return sb.union(x)
	case *LogicalTopN:
		return sb.topN(x)
	case *LogicalProjectSet:
		return sb.projectSet(x)
	case *LogicalHopWindow:
		in := sb.build(x.Input)
		s := in.Schema()
		lw := width(x.Input)
		t := s[x.TimeCol].Type
		out := append(append(types.Schema(nil), s...),
			types.Column{Name: "window_start", Type: t}, types.Column{Name: "window_end", Type: t})
		key := append(append([]int(nil), keyOrAll(in.StreamKey(), len(s))...), len(s))
		hw := &StreamHopWindow{streamProps: streamProps{schema: out, key: key, appendOnly: in.AppendOnly()}, Input: in, TimeCol: x.TimeCol, Slide: x.Slide, Size: x.Size}
		if len(s) == lw {
			return hw
		}
		return moveTail(hw, lw, 2)
	case *LogicalWindow:
		return sb.overWindow(x) // stream_overwindow.go
	case *LogicalChangelog:
		return sb.changelog(x) // changelog.go
	case *LogicalApply:
		unsupported("this correlated subquery cannot be decorrelated")
	}
	unsupported("cannot plan %T", n)
	return nil
}

// checkNow rejects NOW() outside temporal filters in streaming plans.
func (sb *streamBuilder) checkNow(es ...expr.Expr) {
	if sb.batch {
		return
	}
	for _, e := range es {
		if hasNow(e) {
			unsupported("NOW() is only supported in temporal filters (ts_col > NOW() - INTERVAL ...) in streaming queries")
		}
	}
}

// moveTail reorders n's output so that its last k columns (the ones the
// node adds after its input's hidden columns) come right after the first lw
// (logical) columns, keeping the schema-prefix invariant.
func moveTail(n StreamNode, lw, k int) StreamNode {
	s := n.Schema()
	w := len(s)
	var order []int
	order = append(order, seq(lw)...)
	for i := w - k; i < w; i++ {
		order = append(order, i)
	}
	for i := lw; i < w-k; i++ {
		order = append(order, i)
	}
	exprs := make([]expr.Expr, w)
	cols := make(types.Schema, w)
	pos := make([]int, w)
	for i, o := range order {
		exprs[i] = colRef(o, s[o].Type, s[o].Name)
		cols[i] = s[o]
		pos[o] = i
	}
	key := make([]int, len(n.StreamKey()))
	for i, c := range n.StreamKey() {
		key[i] = pos[c]
	}
	return &StreamProject{streamProps: streamProps{schema: cols, key: key, appendOnly: n.AppendOnly()}, Input: n, Exprs: exprs}
}

func (sb *streamBuilder) scan(x *LogicalScan) StreamNode {
	rel := x.Relation
	cols := append([]int(nil), x.Cols...)
	schema := x.Schema()
	pk := rel.PK
	if len(pk) == 0 {
		pk = seq(len(rel.Schema))
	}
	if w := rel.Watermark; w != nil && w.TTL && !rel.AppendOnly && !slices.Contains(pk, w.Col) {
		// The change stream of a table WITH TTL is keyed by its primary key
		// and its event time.
		pk = append(slices.Clone(pk), w.Col)
	}
	var key []int
	for _, p := range pk {
		i := slices.Index(cols, p)
		if i < 0 {
			i = len(cols)
			cols = append(cols, p)
			c := rel.Schema[p]
			c.Hidden = true
			schema = append(schema, c)
		}
		key = append(key, i)
	}
	return &StreamTableScan{streamProps: streamProps{schema: schema, key: key, appendOnly: rel.AppendOnly}, Relation: rel, Cols: cols, Prefix: x.Prefix, Range: x.Range}
}

// zoneDependent reports whether a constant's value depends on the session
// time zone (a timestamp text read as timestamptz, …): a one-shot query
// evaluates it when it runs, in the session's zone.
func zoneDependent(e expr.Expr) bool {
	_, ok, err := expr.FoldValue(e)
	return err == nil && !ok
}

func (sb *streamBuilder) values(x *LogicalValues) StreamNode {
	ctx := &expr.Context{TimeZone: "UTC"}
	rows := make([]types.Row, len(x.Rows))
	// Elements calling NOW() (one-shot queries only) are evaluated when
	// the query runs: a projection picks them by row number.
	var late [][]expr.When
	for i, r := range x.Rows {
		row := make(types.Row, 0, len(r)+1)
		for j, e := range r {
			if hasColumnRef(e) || hasOuterRef(e) || (!sb.batch && hasNow(e)) {
				unsupported("VALUES must be constant")
			}
			if hasNow(e) || sb.batch && zoneDependent(e) {
				if late == nil {
					late = make([][]expr.When, len(r))
				}
				eq, err := expr.Resolve("=", []expr.Expr{colRef(len(x.Cols), types.Int64, "_row"), &expr.Literal{Value: int64(i), T: types.Int64}})
				if err != nil {
					panic(bindError{err})
				}
				late[j] = append(late[j], expr.When{Cond: eq, Result: e})
				row = append(row, nil)
				continue
			}
			v, err := e.EvalRow(ctx, nil)
			if err != nil {
				panic(bindError{sqlerr.Wrap(err, sqlerr.DataException)})
			}
			row = append(row, v)
		}
		rows[i] = append(row, int64(i))
	}
	schema := append(append(types.Schema(nil), x.Cols...), types.Column{Name: "_row", Type: types.Int64, Hidden: true})
	key := []int{len(x.Cols)}
	v := &StreamValues{streamProps: streamProps{schema: schema, key: key, appendOnly: true}, Rows: rows}
	if late == nil {
		return v
	}
	exprs := make([]expr.Expr, len(schema))
	for j, c := range schema {
		exprs[j] = colRef(j, c.Type, c.Name)
		if j >= len(late) || late[j] == nil {
			continue
		}
		ce, err := expr.NewCase(nil, late[j], exprs[j])
		if err == nil && ce.Type() != c.Type {
			ce, err = expr.NewCast(ce, c.Type, true)
		}
		if err != nil {
			panic(bindError{err})
		}
		exprs[j] = ce
	}
	return &StreamProject{streamProps: streamProps{schema: schema, key: key, appendOnly: true}, Input: v, Exprs: exprs}
}

// project builds a StreamProject that keeps the input's stream key, adding
// hidden column references for key columns the expressions drop.
func project(in StreamNode, exprs []expr.Expr, cols types.Schema) StreamNode {
	is := in.Schema()
	out := append([]expr.Expr(nil), exprs...)
	schema := append(types.Schema(nil), cols...)
	var key []int
	for _, k := range keyOrAll(in.StreamKey(), len(is)) {
		found := -1
		for i, e := range out {
			if c, ok := e.(*expr.ColumnRef); ok && c.Index == k {
				found = i
				break
			}
		}
		if found < 0 {
			found = len(out)
			out = append(out, colRef(k, is[k].Type, is[k].Name))
			c := is[k]
			c.Hidden = true
			schema = append(schema, c)
		}
		key = append(key, found)
	}
	if in.StreamKey() != nil && len(in.StreamKey()) == 0 {
		key = []int{}
	}
	return &StreamProject{streamProps: streamProps{schema: schema, key: key, appendOnly: in.AppendOnly()}, Input: in, Exprs: out}
}

func (sb *streamBuilder) join(x *LogicalJoin) StreamNode {
	l, r := sb.build(x.Left), sb.build(x.Right)
	marker := -1
	if x.Kind == JoinFull {
		// A left row without a partner and a right row without one are
		// told apart by a non-null marker of the left side in the stream
		// key: their keys (left key ++ right key) would otherwise both be
		// all NULL when the sides' own keys are NULL (groups of NULL).
		ls := l.Schema()
		marker = len(ls)
		exprs := append(identityExprs(ls), boolLit(true))
		schema := append(append(types.Schema(nil), ls...), types.Column{Name: "_left", Type: types.Bool, Hidden: true})
		l = &StreamProject{streamProps: streamProps{schema: schema, key: l.StreamKey(), appendOnly: l.AppendOnly()}, Input: l, Exprs: exprs}
	}
	sb.checkNow(x.Cond)
	llw, rlw := width(x.Left), width(x.Right)
	ls, rs := l.Schema(), r.Schema()
	lw := len(ls)
	cond := x.Cond
	if cond != nil && lw != llw {
		cond = remapCols(cond, func(c int) int {
			if c >= llw {
				return c - llw + lw
			}
			return c
		})
	}
	lkeys, rkeys := append([]int(nil), x.LeftKeys...), append([]int(nil), x.RightKeys...)
	ns := append([]bool(nil), x.NullSafe...)
	if x.Kind == JoinNullAwareAnti {
		if len(lkeys) == 0 {
			unsupported("NOT IN needs an equality between the tested value and the subquery column")
		}
		// The operator wants the null-aware key last.
		lkeys = append(lkeys[1:], lkeys[0])
		rkeys = append(rkeys[1:], rkeys[0])
		if len(ns) > 0 {
			ns = append(ns[1:], ns[0])
		}
	}
	lsk, rsk := keyOrAll(l.StreamKey(), lw), keyOrAll(r.StreamKey(), len(rs))
	outKey := lsk // the left part of the output's stream key
	if marker >= 0 && !slices.Contains(lsk, marker) {
		outKey = append(append([]int(nil), lsk...), marker)
	}
	j := &StreamHashJoin{Kind: x.Kind, Left: l, Right: r, LeftKeys: lkeys, RightKeys: rkeys, NullSafe: ns, Cond: cond}
	j.LeftTable = sb.table("hashjoin", "left", ls.Types(), joinPK(lkeys, lsk), nil)
	j.RightTable = sb.table("hashjoin", "right", rs.Types(), joinPK(rkeys, rsk), nil)
	needL, needR := false, false
	switch x.Kind {
	case JoinLeft, JoinSemi, JoinAnti, JoinNullAwareAnti:
		needL = true
	case JoinRight:
		needR = true
	case JoinFull:
		needL, needR = true, true
	}
	if needL {
		j.LeftDegree = sb.degree(j.LeftTable, "left_degree")
	}
	if needR {
		j.RightDegree = sb.degree(j.RightTable, "right_degree")
	}
	if !x.Kind.OutputsRight() {
		j.streamProps = streamProps{schema: ls, key: lsk, appendOnly: false}
		return j
	}
	// Output: left logical ++ right logical ++ left extras ++ right extras.
	var order []int
	order = append(order, seq(llw)...)
	for i := 0; i < rlw; i++ {
		order = append(order, lw+i)
	}
	for i := llw; i < lw; i++ {
		order = append(order, i)
	}
	for i := rlw; i < len(rs); i++ {
		order = append(order, lw+i)
	}
	natural := concatSchemas(ls, rs)
	pos := make([]int, len(natural))
	schema := make(types.Schema, len(order))
	identity := true
	for i, o := range order {
		schema[i] = natural[o]
		pos[o] = i
		identity = identity && o == i
	}
	var key []int
	for _, k := range outKey {
		key = append(key, pos[k])
	}
	for _, k := range rsk {
		key = append(key, pos[lw+k])
	}
	if !identity {
		j.OutputCols = order
	}
	j.streamProps = streamProps{schema: schema, key: key, appendOnly: x.Kind == JoinInner && l.AppendOnly() && r.AppendOnly()}
	return j
}

func joinPK(keys, streamKey []int) []int {
	pk := append([]int(nil), keys...)
	for _, c := range streamKey {
		if !slices.Contains(pk, c) {
			pk = append(pk, c)
		}
	}
	return pk
}

func (sb *streamBuilder) degree(side types.TableLayout, role string) types.TableLayout {
	cols := make([]types.Type, 0, len(side.PK)+1)
	pk := make([]int, len(side.PK))
	for i, c := range side.PK {
		cols = append(cols, side.Cols[c])
		pk[i] = i
	}
	cols = append(cols, types.Int64)
	return sb.table("hashjoin", role, cols, pk, nil)
}

func (sb *streamBuilder) agg(x *LogicalAgg) StreamNode {
	in := sb.build(x.Input)
	is := in.Schema()
	var gk []types.Type
	for _, g := range x.GroupBy {
		gk = append(gk, is[g].Type)
	}
	resCols := append([]types.Type(nil), gk...)
	for _, a := range x.Aggs {
		resCols = append(resCols, aggType(a))
	}
	resCols = append(resCols, types.Int64, types.Bytea)
	a := &StreamHashAgg{Input: in, GroupKey: x.GroupBy, Aggs: x.Aggs, AppendOnlyInput: in.AppendOnly()}
	a.ResultTable = sb.table("hashagg", "result", resCols, seq(len(gk)), nil)
	var tables []types.TableLayout
	anyTable := false
	for _, c := range x.Aggs {
		s := fromAggCall(c)
		if !expr.AggNeedsMultiset(c, in.AppendOnly()) {
			tables = append(tables, types.TableLayout{})
			continue
		}
		anyTable = true
		cols := append([]types.Type(nil), gk...)
		for _, k := range s.OrderBy {
			cols = append(cols, is[sortCol(k)].Type)
		}
		cols = append(cols, s.ArgTypes...)
		cols = append(cols, types.Int64)
		tables = append(tables, sb.table("hashagg", s.Name, cols, seq(len(cols)-1), nil))
	}
	if anyTable {
		a.AggTables = tables
	}
	s := x.Schema()
	a.streamProps = streamProps{schema: s, key: seq(len(x.GroupBy))}
	return a
}

// union pads every branch to the same hidden key layout: the visible
// columns, then each branch's key columns (NULL in the other branches),
// then a smallint branch id.
func (sb *streamBuilder) union(x *LogicalUnion) StreamNode {
	var ins []StreamNode
	for _, c := range x.Inputs {
		ins = append(ins, sb.build(c))
	}
	vis := x.Schema()
	nv := len(vis)
	type keyCols struct {
		start int
		cols  []int
	}
	var layout types.Schema
	layout = append(layout, vis...)
	var kcs []keyCols
	for _, in := range ins {
		s := in.Schema()
		kc := keyCols{start: len(layout)}
		for _, k := range keyOrAll(in.StreamKey(), len(s)) {
			kc.cols = append(kc.cols, k)
			c := s[k]
			c.Hidden = true
			layout = append(layout, c)
		}
		kcs = append(kcs, kc)
	}
	layout = append(layout, types.Column{Name: "_branch", Type: types.Int16, Hidden: true})
	appendOnly := true
	var branches []StreamNode
	for b, in := range ins {
		s := in.Schema()
		exprs := identityExprs(s[:nv])
		for ob, kc := range kcs {
			for i, k := range kc.cols {
				if ob == b {
					exprs = append(exprs, colRef(k, s[k].Type, s[k].Name))
				} else {
					exprs = append(exprs, &expr.Literal{Value: nil, T: layout[kc.start+i].Type})
				}
			}
		}
		exprs = append(exprs, &expr.Literal{Value: int64(b), T: types.Int16})
		branches = append(branches, &StreamProject{streamProps: streamProps{schema: layout, key: seq(len(layout))[nv:], appendOnly: in.AppendOnly()}, Input: in, Exprs: exprs})
		appendOnly = appendOnly && in.AppendOnly()
	}
	return &StreamUnion{streamProps: streamProps{schema: layout, key: seq(len(layout))[nv:], appendOnly: appendOnly}, Branches: branches}
}

func (sb *streamBuilder) topN(x *LogicalTopN) StreamNode {
	in := sb.build(x.Input)
	s := in.Schema()
	lw := width(x.Input)
	sk := keyOrAll(in.StreamKey(), len(s))
	var pk []int
	var desc []bool
	add := func(c int, d bool) {
		if !slices.Contains(pk, c) {
			pk = append(pk, c)
			desc = append(desc, d)
		}
	}
	for _, p := range x.PartitionBy {
		add(p, false)
	}
	// Order keys on partition columns (constant within a partition) or
	// repeated ones do not order anything: drop them.
	var order []expr.SortKey
	for _, k := range x.OrderBy {
		if !slices.Contains(pk, sortCol(k)) {
			add(sortCol(k), sortDesc(k))
			order = append(order, k)
		}
	}
	for _, k := range sk {
		add(k, false)
	}
	if !slices.Contains(desc, true) {
		desc = nil
	}
	t := &StreamGroupTopN{
		Input: in, PartitionBy: x.PartitionBy, OrderBy: order, Limit: x.Limit, Offset: x.Offset,
		WithTies: x.WithTies, Dense: x.Dense, RankCol: x.RankCol,
		Table: sb.table("topn", "", s.Types(), pk, desc),
	}
	schema := append(types.Schema(nil), s...)
	if x.RankCol != "" {
		schema = append(schema, types.Column{Name: x.RankCol, Type: types.Int64})
	}
	t.streamProps = streamProps{schema: schema, key: sk}
	if x.RankCol != "" && len(s) != lw {
		return moveTail(t, lw, 1)
	}
	return t
}
