package planner

import (
	"slices"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// PlanIndex plans CREATE INDEX name ON rel (keys) [INCLUDE (cols)]: a
// materialized copy of rel holding the key expressions, then the INCLUDE
// columns (every other visible column of rel when INCLUDE is absent), then
// rel's stream key (Hidden) when not already there. Its state table is
// sorted by the keys (DESC keys descending), then by rel's stream key, so
// a prefix of equal key values is one contiguous range of the table.
//
// The plan's PK is that sort order; the relation is keyed by it, which is
// unique because it contains rel's key.
//
// BaseCols maps each column of the index to the base column it copies (-1
// for a key expression).
func PlanIndex(cat Catalog, st *parser.CreateIndex, alloc IDAlloc) (p *MViewPlan, baseCols []int, err error) {
	defer catchBindError(&err)
	rel, err := cat.Relation(st.Table)
	if err != nil {
		return nil, nil, err
	}
	if rel == nil {
		failAt(st.Pos, sqlerr.UndefinedTable, "relation %q does not exist", NormalizeName(st.Table))
	}
	if rel.Kind != RelTable && rel.Kind != RelMView {
		failAt(st.Pos, sqlerr.WrongObjectType, "%q is not a table or materialized view", rel.Name)
	}
	if len(st.Columns) == 0 {
		failAt(st.Pos, sqlerr.SyntaxError, "an index needs at least one key column")
	}
	var items []*parser.SelectItem
	keyNames := map[string]bool{}
	for _, k := range st.Columns {
		items = append(items, &parser.SelectItem{Pos: k.Pos, Expr: k.Expr})
		if c, ok := k.Expr.(*parser.ColumnRef); ok {
			keyNames[strings.ToLower(c.Parts[len(c.Parts)-1])] = true
		}
	}
	include := st.Include
	if include == nil {
		for _, c := range rel.Schema {
			if !c.Hidden {
				include = append(include, c.Name)
			}
		}
	}
	for _, c := range include {
		n := strings.ToLower(c)
		if keyNames[n] {
			continue
		}
		keyNames[n] = true
		items = append(items, &parser.SelectItem{Pos: st.Pos, Expr: &parser.ColumnRef{Pos: st.Pos, Parts: []string{c}}})
	}
	q := &parser.Query{Pos: st.Pos, Body: &parser.SelectCore{
		Pos:   st.Pos,
		Items: items,
		From:  []parser.TableExpr{&parser.TableName{Pos: st.Pos, Name: strings.Split(st.Table, ".")}},
	}}
	p, err = PlanMView(cat, &parser.CreateMaterializedView{Pos: st.Pos, Name: st.Name, Query: q}, alloc)
	if err != nil {
		return nil, nil, err
	}
	key := make([]int, 0, len(st.Columns)+len(p.PK))
	var desc []bool
	for i, k := range st.Columns {
		key = append(key, i)
		desc = append(desc, k.Desc)
	}
	for _, k := range p.PK {
		if !slices.Contains(key, k) {
			key = append(key, k)
			desc = append(desc, false)
		}
	}
	if !slices.Contains(desc, true) {
		desc = nil
	}
	p.Table.PK, p.Table.Desc = key, desc
	p.PK = key
	p.Root.Table, p.Root.PK, p.Root.key = p.Table, key, key
	p.Tables = CollectTables(p.Root)
	for i, c := range p.Schema {
		b := -1
		if i < len(items) {
			if cr, ok := items[i].Expr.(*parser.ColumnRef); ok && len(cr.Parts) == 1 {
				b = rel.Schema.Index(strings.ToLower(cr.Parts[0]))
			}
		} else {
			for j, bc := range rel.Schema {
				if bc.Name == c.Name && bc.Type == c.Type {
					b = j
					break
				}
			}
		}
		baseCols = append(baseCols, b)
	}
	return p, baseCols, nil
}

// useIndexes rewrites, in a one-shot plan, each Filter over a Scan of a
// table or MV whose condition pins leading key columns of the relation or
// of one of its indexes to constants, or bounds the first key column not
// pinned: the scan reads only the rows with that key prefix
// (LogicalScan.Prefix) and in that range (LogicalScan.Range), from the
// index when it narrows the read more than the relation's own key and
// holds every column the scan reads. The filter stays (it is exact; the
// prefix and range only narrow the read).
func useIndexes(n Node, cat Catalog) Node {
	ic, _ := cat.(IndexCatalog)
	n, _ = applyBottomUp(n, func(n Node) (Node, bool) {
		f, ok := n.(*LogicalFilter)
		if !ok {
			return n, false
		}
		scan, ok := f.Input.(*LogicalScan)
		if !ok || scan.Prefix != nil || scan.Range != nil || scan.Proctime || (scan.Relation.Kind != RelTable && scan.Relation.Kind != RelMView) {
			return n, false
		}
		rel := scan.Relation
		vals, bounds := pinnedColumns(rel, scan.Cols, conjuncts(f.Cond))
		if len(vals) == 0 && len(bounds) == 0 {
			return n, false
		}
		best, bestRange := keyPrefix(rel.Layout, nil, vals, bounds)
		bestScore := accessScore(best, bestRange)
		var bestScan *LogicalScan
		if ic != nil {
			for _, ix := range ic.Indexes(rel.Name) {
				cols, ok := indexCols(ix, scan.Cols)
				if !ok {
					continue
				}
				p, r := keyPrefix(ix.Relation.Layout, ix.BaseCols, vals, bounds)
				if sc := accessScore(p, r); sc > bestScore {
					best, bestRange, bestScore = p, r, sc
					bestScan = &LogicalScan{Relation: indexAsBase(ix, rel), Cols: cols, Alias: scan.Alias, Prefix: p, Range: r}
				}
			}
		}
		if bestScore == 0 {
			return n, false
		}
		if bestScan == nil {
			bestScan = &LogicalScan{Relation: rel, Cols: scan.Cols, Alias: scan.Alias, Prefix: best, Range: bestRange}
		}
		return &LogicalFilter{Input: bestScan, Cond: f.Cond}, true
	})
	return n
}

// accessScore ranks a key access path: each pinned key column counts more
// than a range on the next one.
func accessScore(p types.Row, r *KeyRange) int {
	s := 2 * len(p)
	if r != nil {
		s++
	}
	return s
}

// indexAsBase returns the index's relation with the column names and
// Hidden flags of the base columns it copies, so that a scan of the index
// stands for a scan of the base (a base key column is hidden in the index
// but may be a visible column of the query).
func indexAsBase(ix *Index, base *Relation) *Relation {
	r := *ix.Relation
	r.Schema = append(types.Schema(nil), r.Schema...)
	for i, b := range ix.BaseCols {
		if b >= 0 {
			r.Schema[i] = base.Schema[b]
		}
	}
	return &r
}

// pinnedColumns returns the relation columns (positions in rel.Schema)
// that conds pin to a non-NULL constant with col = const, and the bounds
// that col <, <=, >, >= const put on columns, for columns whose stored key
// has one encoding per value and sorts as the comparison does.
func pinnedColumns(rel *Relation, scanCols []int, conds []expr.Expr) (map[int]types.Datum, map[int]*KeyRange) {
	vals := map[int]types.Datum{}
	bounds := map[int]*KeyRange{}
	ctx := &expr.Context{TimeZone: "UTC"}
	for _, c := range conds {
		call, ok := c.(*expr.Call)
		if !ok || len(call.Args) != 2 {
			continue
		}
		op := call.Name
		col, val := call.Args[0], call.Args[1]
		if _, isCol := col.(*expr.ColumnRef); !isCol {
			col, val = val, col
			op = flipComparison[op]
		}
		if op != "=" && op != "<" && op != "<=" && op != ">" && op != ">=" {
			continue
		}
		cr, isCol := col.(*expr.ColumnRef)
		if !isCol || cr.Index >= len(scanCols) || !isConstant(val) || hasNow(val) || zoneDependent(val) {
			continue
		}
		rc := scanCols[cr.Index]
		t := rel.Schema[rc].Type
		if cr.T != t || !exactKeyKind(t.Kind) {
			continue
		}
		v, err := expr.NewCast(val, t, false)
		if err != nil {
			continue
		}
		d, err := v.EvalRow(ctx, nil)
		if err != nil || d == nil {
			continue
		}
		switch op {
		case "=":
			if _, dup := vals[rc]; !dup {
				vals[rc] = d
			}
		case ">", ">=":
			b := bounds[rc]
			if b == nil {
				b = &KeyRange{}
				bounds[rc] = b
			}
			if b.Lo == nil || types.Compare(d, b.Lo) > 0 {
				b.Lo = d
			}
		case "<", "<=":
			b := bounds[rc]
			if b == nil {
				b = &KeyRange{}
				bounds[rc] = b
			}
			if b.Hi == nil || types.Compare(d, b.Hi) < 0 {
				b.Hi = d
			}
		}
	}
	return vals, bounds
}

// flipComparison gives the comparison with its operands swapped.
var flipComparison = map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

// exactKeyKind reports whether equal values of kind k always have the same
// key encoding (no 1.0 vs 1.00, no -0.0).
func exactKeyKind(k types.Kind) bool {
	switch k {
	case types.KindBool, types.KindInt16, types.KindInt32, types.KindInt64, types.KindVarchar, types.KindBytea,
		types.KindDate, types.KindTime, types.KindTimestamp, types.KindTimestamptz:
		return true
	}
	return false
}

// keyPrefix returns the values vals gives to the leading key columns of
// layout l, and the bounds on the key column after them (baseCols maps l's
// columns to the columns vals and bounds are keyed by; nil = the same).
func keyPrefix(l types.TableLayout, baseCols []int, vals map[int]types.Datum, bounds map[int]*KeyRange) (types.Row, *KeyRange) {
	var p types.Row
	for _, k := range l.PK {
		b := k
		if baseCols != nil {
			b = baseCols[k]
		}
		if b < 0 {
			break
		}
		if v, ok := vals[b]; ok {
			p = append(p, v)
			continue
		}
		if r := bounds[b]; r != nil {
			return p, r
		}
		break
	}
	return p, nil
}

// indexCols maps the base columns a scan reads to the index's columns; ok
// is false when the index lacks one.
func indexCols(ix *Index, scanCols []int) ([]int, bool) {
	out := make([]int, len(scanCols))
	for i, c := range scanCols {
		j := slices.Index(ix.BaseCols, c)
		if j < 0 {
			return nil, false
		}
		out[i] = j
	}
	return out, true
}

// KeyRange bounds the values of one key column of a scan (inclusive; nil:
// unbounded).
type KeyRange struct {
	Lo, Hi types.Datum
}

// keyAccessText prints a scan's key prefix (key column = value pairs) and
// range for EXPLAIN.
func keyAccessText(rel *Relation, p types.Row, r *KeyRange) string {
	var b strings.Builder
	if p != nil {
		var parts []string
		for i, v := range p {
			c := rel.Schema[rel.Layout.PK[i]]
			parts = append(parts, c.Name+"="+types.FormatTextTyped(v, c.Type))
		}
		b.WriteString(" prefix=[" + strings.Join(parts, ", ") + "]")
	}
	if r != nil {
		c := rel.Schema[rel.Layout.PK[len(p)]]
		var parts []string
		if r.Lo != nil {
			parts = append(parts, c.Name+">="+types.FormatTextTyped(r.Lo, c.Type))
		}
		if r.Hi != nil {
			parts = append(parts, c.Name+"<="+types.FormatTextTyped(r.Hi, c.Type))
		}
		b.WriteString(" range=[" + strings.Join(parts, ", ") + "]")
	}
	return b.String()
}
