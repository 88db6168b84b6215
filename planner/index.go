package planner

import (
	"fmt"
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

// IndexKeyExprs returns, per key of an index planned by PlanIndex, the
// text of its expression over the indexed relation's columns (a plain
// column is "$i"), or "" when it cannot be recovered from the plan.
func IndexKeyExprs(p *MViewPlan, keys int) []string {
	out := make([]string, keys)
	proj, ok := p.Logical.(*LogicalProject)
	if !ok {
		return out
	}
	scan, ok := proj.Input.(*LogicalScan)
	if !ok {
		return out
	}
	for i := 0; i < keys && i < len(proj.Exprs); i++ {
		out[i] = remapCols(proj.Exprs[i], func(c int) int { return scan.Cols[c] }).String()
	}
	return out
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
				p, r := keyPrefix(ix.Relation.Layout, indexKeys(ix), vals, bounds)
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

// pinnedColumns returns what conds say about expressions over the
// relation's columns (keyed by their text, a column being "$i" with i its
// position in rel.Schema): the ones pinned to a non-NULL constant with
// e = const, and the bounds that e <, <=, >, >= const put on them; only for
// expressions of kinds whose stored key has one encoding per value and
// sorts as the comparison does.
func pinnedColumns(rel *Relation, scanCols []int, conds []expr.Expr) (map[string]types.Datum, map[string]*KeyRange) {
	vals := map[string]types.Datum{}
	bounds := map[string]*KeyRange{}
	ctx := &expr.Context{TimeZone: "UTC"}
	for _, c := range conds {
		call, ok := c.(*expr.Call)
		if !ok || len(call.Args) != 2 {
			continue
		}
		op := call.Name
		side, val := call.Args[0], call.Args[1]
		if isConstant(side) {
			side, val = val, side
			op = flipComparison[op]
		}
		if op != "=" && op != "<" && op != "<=" && op != ">" && op != ">=" {
			continue
		}
		if isConstant(side) || !isConstant(val) || hasNow(val) || zoneDependent(val) || hasNow(side) || !hasColumnRef(side) {
			continue
		}
		outOfScan := false
		key := remapCols(side, func(i int) int {
			if i >= len(scanCols) {
				outOfScan = true
				return i
			}
			return scanCols[i]
		}).String()
		t := side.Type()
		if outOfScan || !exactKeyKind(t.Kind) || touchesTimestamptz(side) {
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
			if _, dup := vals[key]; !dup {
				vals[key] = d
			}
		case ">", ">=":
			b := bounds[key]
			if b == nil {
				b = &KeyRange{}
				bounds[key] = b
			}
			if b.Lo == nil || types.Compare(d, b.Lo) > 0 {
				b.Lo = d
			}
		case "<", "<=":
			b := bounds[key]
			if b == nil {
				b = &KeyRange{}
				bounds[key] = b
			}
			if b.Hi == nil || types.Compare(d, b.Hi) < 0 {
				b.Hi = d
			}
		}
	}
	return vals, bounds
}

// touchesTimestamptz reports whether an expression that is not a plain
// column involves a timestamptz value: its value may depend on the
// session time zone, which an index's stored keys do not follow.
func touchesTimestamptz(e expr.Expr) bool {
	if _, ok := e.(*expr.ColumnRef); ok {
		return false
	}
	found := false
	mapExpr(e, func(x expr.Expr) expr.Expr {
		if x.Type().Kind == types.KindTimestamptz {
			found = true
		}
		return x
	})
	return found
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
// layout l, and the bounds on the key column after them. keys gives the
// text of each column of l as an expression over the columns vals and
// bounds are keyed by (nil: column i is "$i"); "" means unknown.
func keyPrefix(l types.TableLayout, keys []string, vals map[string]types.Datum, bounds map[string]*KeyRange) (types.Row, *KeyRange) {
	var p types.Row
	for _, k := range l.PK {
		key := fmt.Sprintf("$%d", k)
		if keys != nil {
			key = keys[k]
		}
		if key == "" {
			break
		}
		if v, ok := vals[key]; ok {
			p = append(p, v)
			continue
		}
		if r := bounds[key]; r != nil {
			return p, r
		}
		break
	}
	return p, nil
}

// indexKeys returns the text of each column of an index as an expression
// over its base relation's columns ("" when unknown).
func indexKeys(ix *Index) []string {
	out := make([]string, len(ix.BaseCols))
	for i, b := range ix.BaseCols {
		switch {
		case b >= 0:
			out[i] = fmt.Sprintf("$%d", b)
		case i < len(ix.KeyExprs):
			out[i] = ix.KeyExprs[i]
		}
	}
	return out
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
