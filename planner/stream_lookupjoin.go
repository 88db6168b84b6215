package planner

import (
	"fmt"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// Lookup joins (processing-time temporal joins):
//
//	FROM s [LEFT] JOIN t FOR SYSTEM_TIME AS OF PROCTIME() AS d ON s.k = d.k
//
// Each arriving probe row looks up the current rows of t (a table or MV,
// read from its storage table at lookup time) and the joined rows are
// emitted. Changes to t never retract or add past output. Over an
// append-only probe side the join keeps no state and its output is
// append-only; over a probe side with updates and deletes it keeps a memo
// table of what each live probe row produced, so a probe delete retracts
// exactly that. Without an equality condition every table row is a
// candidate (a nested-loop lookup).

// StreamLookupJoin joins each row of Input with the current rows of
// Relation. Its natural output is Input's row ++ one column per TableCols
// entry (columns of Relation.Schema: the right side's logical columns, then
// the relation's primary key, hidden). InputKeys[i] = TableKeys[i] (columns
// of Relation.Schema) are the equi keys (none: every table row is looked
// at); TableFilter is over the relation's row; Cond over the natural
// output. Kind is JoinInner or JoinLeft. Memo is set when Input is not
// append-only: Cols = the natural output, PK = Input's stream key ++ the
// relation's primary key columns of the output.
type StreamLookupJoin struct {
	streamProps
	Kind                 JoinKind
	Input                StreamNode
	Relation             *Relation
	InputKeys, TableKeys []int
	TableCols            []int
	TableFilter          expr.Expr
	Cond                 expr.Expr
	Memo                 *types.TableLayout
}

// Inputs returns the probe input.
func (n *StreamLookupJoin) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Tables returns the memo table, if any (the looked-up relation's table is
// read, not owned).
func (n *StreamLookupJoin) Tables() []types.TableLayout {
	if n.Memo == nil {
		return nil
	}
	return []types.TableLayout{*n.Memo}
}

// Describe prints the kind, the relation and the keys.
func (n *StreamLookupJoin) Describe() string {
	s := fmt.Sprintf("StreamLookupJoin %s %s keys=%s=%s cols=%s", n.Kind, n.Relation.Name, intList(n.InputKeys), intList(n.TableKeys), intList(n.TableCols))
	if n.TableFilter != nil {
		s += " table_filter=" + n.TableFilter.String()
	}
	if n.Cond != nil {
		s += " cond=" + n.Cond.String()
	}
	if n.Memo != nil {
		s += " memo=" + describeTable(*n.Memo)
	}
	return s
}

// peelProctime finds the FOR SYSTEM_TIME AS OF PROCTIME() scan under n
// through column projections and filters: the relation columns of n's
// output and the filters over the relation's row. ok is false when n is
// not such a scan.
func peelProctime(n Node) (scan *LogicalScan, cols []int, filters []expr.Expr, ok bool) {
	switch x := n.(type) {
	case *LogicalScan:
		if !x.Proctime {
			return nil, nil, nil, false
		}
		return x, append([]int(nil), x.Cols...), nil, true
	case *LogicalProject:
		s, in, fs, ok := peelProctime(x.Input)
		if !ok {
			return nil, nil, nil, false
		}
		out := make([]int, len(x.Exprs))
		for i, e := range x.Exprs {
			c, isCol := e.(*expr.ColumnRef)
			if !isCol {
				unsupported("FOR SYSTEM_TIME AS OF PROCTIME(): only columns of the looked-up table can be selected below the join")
			}
			out[i] = in[c.Index]
		}
		return s, out, fs, true
	case *LogicalFilter:
		s, in, fs, ok := peelProctime(x.Input)
		if !ok {
			return nil, nil, nil, false
		}
		if hasNow(x.Cond) {
			unsupported("NOW() in a filter of a lookup join's table")
		}
		return s, in, append(fs, remapCols(x.Cond, func(c int) int { return in[c] })), true
	}
	return nil, nil, nil, false
}

// lookupJoin plans x as a lookup join when its right side is read FOR
// SYSTEM_TIME AS OF PROCTIME() (nil otherwise). One-shot queries join the
// current table normally.
func (sb *streamBuilder) lookupJoin(x *LogicalJoin) StreamNode {
	if sb.batch {
		return nil
	}
	scan, cols, filters, ok := peelProctime(x.Right)
	if !ok {
		return nil
	}
	rel := scan.Relation
	if rel.Kind != RelTable && rel.Kind != RelMView {
		unsupported("FOR SYSTEM_TIME AS OF PROCTIME() needs a table or materialized view, not %s %q", rel.Kind, rel.Name)
	}
	if x.Kind != JoinInner && x.Kind != JoinLeft {
		unsupported("a lookup join (FOR SYSTEM_TIME AS OF PROCTIME()) must be an inner or left join")
	}
	for _, ns := range x.NullSafe {
		if ns {
			unsupported("a lookup join's keys cannot be null-safe")
		}
	}
	l := sb.build(x.Left)
	sb.checkNow(x.Cond)
	ls := l.Schema()
	llw, rlw, lw := width(x.Left), len(cols), len(ls)
	pk := rel.PK
	if len(pk) == 0 {
		pk = seq(len(rel.Schema))
	}
	tcols := append(append([]int(nil), cols...), pk...)
	lj := &StreamLookupJoin{Kind: x.Kind, Input: l, Relation: rel, TableCols: tcols}
	for i, k := range x.LeftKeys {
		lj.InputKeys = append(lj.InputKeys, k)
		lj.TableKeys = append(lj.TableKeys, cols[x.RightKeys[i]])
	}
	lj.TableFilter = andAll(filters)
	if x.Cond != nil {
		lj.Cond = remapCols(x.Cond, func(c int) int {
			if c >= llw {
				return c - llw + lw
			}
			return c
		})
	}
	natural := append(types.Schema(nil), ls...)
	rsch := x.Right.Schema()
	natural = append(natural, rsch...)
	for _, p := range pk {
		c := rel.Schema[p]
		c.Hidden = true
		natural = append(natural, c)
	}
	lsk := keyOrAll(l.StreamKey(), lw)
	// Output: left logical ++ right logical ++ left extras ++ right key.
	var order []int
	order = append(order, seq(llw)...)
	for i := 0; i < rlw; i++ {
		order = append(order, lw+i)
	}
	for i := llw; i < lw; i++ {
		order = append(order, i)
	}
	for i := range pk {
		order = append(order, lw+rlw+i)
	}
	pos := make([]int, len(natural))
	for i, o := range order {
		pos[o] = i
	}
	var key []int
	for _, k := range lsk {
		key = append(key, k)
	}
	for i := range pk {
		key = append(key, lw+rlw+i)
	}
	appendOnly := l.AppendOnly()
	lj.streamProps = streamProps{schema: natural, key: key, appendOnly: appendOnly}
	if !appendOnly {
		m := sb.table("lookupjoin", "memo", natural.Types(), key, nil)
		lj.Memo = &m
	}
	exprs := make([]expr.Expr, len(order))
	schema := make(types.Schema, len(order))
	identity := true
	for i, o := range order {
		exprs[i] = colRef(o, natural[o].Type, natural[o].Name)
		schema[i] = natural[o]
		identity = identity && i == o
	}
	if identity {
		return lj
	}
	okey := make([]int, len(key))
	for i, k := range key {
		okey[i] = pos[k]
	}
	return &StreamProject{streamProps: streamProps{schema: schema, key: okey, appendOnly: appendOnly}, Input: lj, Exprs: exprs}
}
