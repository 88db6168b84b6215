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

// aggState collects the grouping and aggregates of a SELECT block while its
// select list, HAVING and ORDER BY are bound.
type aggState struct {
	in       *scope      // the FROM scope
	groupAST []string    // canonical SQL of each GROUP BY expression
	groups   []expr.Expr // bound GROUP BY expressions (over the FROM node)
	pre      []expr.Expr // pre-projection: groups first, then aggregate inputs
	aggs     []aggSpec
	names    []string
	keys     map[string]int
	// sets are the grouping sets of GROUP BY GROUPING SETS/ROLLUP/CUBE
	// (each lists positions in groups); nil for a plain GROUP BY.
	sets  [][]int
	gidPH int // placeholder of the grouping-set number column (sets != nil)
	// preSubs are the subqueries of GROUP BY expressions and aggregate
	// arguments: applied to the FROM node, below the aggregation.
	preSubs []pendingSub
}

// winCall is a window function met while binding.
type winCall struct {
	name      string
	args      []expr.Expr
	distinct  bool
	ignoreNul bool // IGNORE NULLS
	partition []expr.Expr
	order     []expr.Expr
	items     []*parser.OrderItem
	typ       types.Type
	ph        int
	frame     string
	frameSpec *WindowFrame
}

// winState collects the window functions of a SELECT block.
type winState struct {
	calls   []winCall
	windows []*parser.NamedWindow
}

// pendingSub is a scalar subquery waiting to be applied to the block's
// current node.
type pendingSub struct {
	ph   int
	node Node
}

// bindSelect binds a SELECT block together with the ORDER BY of its query.
func (b *binder) bindSelect(core *parser.SelectCore, orderBy []*parser.OrderItem, parent *scope) (boundQuery, []expr.SortKey) {
	keepUnknown := b.setOpLeaf && !core.Distinct && len(core.DistinctOn) == 0
	b.setOpLeaf = false
	node, sc := b.bindFrom(core.From, parent)
	if core.Where != nil {
		node = b.bindWhere(core.Where, node, sc)
	}

	hasAgg := len(core.GroupBy) > 0 || core.Having != nil
	for _, it := range core.Items {
		if it.Expr != nil && containsAgg(it.Expr) {
			hasAgg = true
		}
	}
	for _, o := range orderBy {
		if containsAgg(o.Expr) {
			hasAgg = true
		}
	}
	var subs []pendingSub
	var srfs []srfCall
	ctx := &exprCtx{b: b, sc: sc, clause: "SELECT", win: &winState{windows: core.Windows}, subs: &subs, srf: &srfs}
	var agg *aggState
	if hasAgg {
		agg = &aggState{in: sc, keys: map[string]int{}}
		b.bindGroupBy(core, agg, sc)
		ctx.agg = agg
	}

	// The select list.
	var outs []expr.Expr
	var cols types.Schema
	for _, it := range core.Items {
		if it.Star {
			for _, c := range starCols(sc, it) {
				x := expr.Expr(colRef(c.idx, c.typ, c.name))
				if agg != nil {
					x = agg.groupedColumn(x, c, it.Pos)
				}
				outs = append(outs, x)
				cols = append(cols, types.Column{Name: c.name, Type: c.typ})
			}
			continue
		}
		if xs, cs, ok := ctx.starFields(it.Expr); ok {
			outs = append(outs, xs...)
			cols = append(cols, cs...)
			continue
		}
		x := ctx.bind(it.Expr)
		name := it.Alias
		if name == "" {
			name = figureColname(it.Expr)
		}
		outs = append(outs, x)
		cols = append(cols, types.Column{Name: name, Type: x.Type()})
	}
	visible := len(outs)

	var having expr.Expr
	if core.Having != nil {
		hctx := *ctx
		hctx.clause = "HAVING"
		hctx.win = nil
		hctx.winErr = "HAVING"
		hctx.srf = nil
		having = b.boolCond(core.Having.Position(), hctx.bind(core.Having), "HAVING")
	}

	// ORDER BY (and DISTINCT ON): output names and ordinals first, then
	// expressions.
	orderCol := func(o *parser.OrderItem, distinctOn bool) int {
		col := b.outputOrderCol(o, core, cols[:visible])
		if col < 0 {
			octx := *ctx
			octx.clause = "ORDER BY"
			x := octx.bind(o.Expr)
			for i := 0; i < len(outs); i++ {
				if outs[i].String() == x.String() && !hasPlaceholder(x) {
					col = i
					break
				}
			}
			if col < 0 {
				if core.Distinct && len(core.DistinctOn) == 0 {
					failAt(o.Expr.Position(), sqlerr.InvalidColumnReference, "for SELECT DISTINCT, ORDER BY expressions must appear in select list")
				}
				col = len(outs)
				outs = append(outs, x)
				cols = append(cols, types.Column{Name: figureColname(o.Expr), Type: x.Type(), Hidden: true})
			}
		}
		return col
	}
	var distinctOn []int
	for _, e := range core.DistinctOn {
		distinctOn = append(distinctOn, orderCol(&parser.OrderItem{Expr: e}, true))
	}
	var keys []expr.SortKey
	for _, o := range orderBy {
		keys = append(keys, orderKey(orderCol(o, false), o))
	}
	if len(distinctOn) > 0 {
		// The DISTINCT ON expressions must match the leftmost ORDER BY ones.
		for i, k := range keys {
			if i >= len(distinctOn) {
				break
			}
			if !slices.Contains(distinctOn, sortCol(k)) {
				failAt(orderBy[i].Expr.Position(), sqlerr.InvalidColumnReference, "SELECT DISTINCT ON expressions must match initial ORDER BY expressions")
			}
		}
	}

	// Build: aggregation, scalar subqueries, HAVING, windows, projection.
	if agg != nil {
		if len(agg.preSubs) > 0 {
			node = b.applySubs(node, agg.preSubs)
			for i, e := range agg.pre {
				agg.pre[i] = b.resolvePH(e)
			}
			for i, e := range agg.groups {
				agg.groups[i] = b.resolvePH(e)
			}
		}
		pre := &LogicalProject{Input: node, Exprs: agg.pre, Cols: make(types.Schema, len(agg.pre))}
		for i, e := range agg.pre {
			pre.Cols[i] = types.Column{Name: exprName(e, i), Type: e.Type()}
		}
		calls := make([]expr.AggCall, len(agg.aggs))
		for i, a := range agg.aggs {
			calls[i] = toAggCall(a)
		}
		if agg.sets == nil {
			node = &LogicalAgg{Input: pre, GroupBy: seq(len(agg.groups)), Aggs: calls, Names: agg.names}
		} else {
			// Group by the group columns and the grouping-set number, then
			// move the number behind the aggregates so that group and
			// aggregate references keep their positions.
			g := len(agg.groups)
			var parts []Node
			var cols types.Schema
			if in := expandGroupingSets(pre, agg); in != nil {
				gid := len(agg.pre)
				ag := &LogicalAgg{Input: in, GroupBy: append(seq(g), gid), Aggs: calls, Names: agg.names}
				as := ag.Schema()
				var exprs []expr.Expr
				cols = nil
				for i := range as {
					if i != g {
						exprs = append(exprs, colRef(i, as[i].Type, as[i].Name))
						cols = append(cols, as[i])
					}
				}
				exprs = append(exprs, colRef(g, as[g].Type, as[g].Name))
				cols = append(cols, as[g])
				parts = append(parts, &LogicalProject{Input: ag, Exprs: exprs, Cols: cols})
			}
			// The empty grouping set aggregates without GROUP BY, so that
			// it yields its row also over no input rows.
			for n, set := range agg.sets {
				if len(set) > 0 {
					continue
				}
				sa := &LogicalAgg{Input: pre, Aggs: calls, Names: agg.names}
				ss := sa.Schema()
				var exprs []expr.Expr
				cols = nil
				for i := 0; i < g; i++ {
					exprs = append(exprs, &expr.Literal{Value: nil, T: agg.groups[i].Type()})
					cols = append(cols, types.Column{Name: exprName(agg.groups[i], i), Type: agg.groups[i].Type()})
				}
				for i := range ss {
					exprs = append(exprs, colRef(i, ss[i].Type, ss[i].Name))
					cols = append(cols, ss[i])
				}
				exprs = append(exprs, &expr.Literal{Value: int64(n), T: types.Int64})
				cols = append(cols, types.Column{Name: "grouping_set", Type: types.Int64, Hidden: true})
				parts = append(parts, &LogicalProject{Input: sa, Exprs: exprs, Cols: cols})
			}
			if len(parts) == 1 {
				node = parts[0]
			} else {
				node = &LogicalUnion{Inputs: parts}
			}
			b.phs[agg.gidPH] = colRef(len(cols)-1, types.Int64, "grouping_set")
		}
	}
	node = b.applySubs(node, subs)
	if having != nil {
		node = &LogicalFilter{Input: node, Cond: b.resolvePH(having)}
	}
	if len(ctx.win.calls) > 0 {
		node = b.buildWindow(node, ctx.win.calls)
	}
	if len(srfs) > 0 {
		node = b.buildProjectSets(node, srfs)
	}
	for i := range outs {
		outs[i] = b.resolvePH(outs[i])
		if _, isLit := outs[i].(*expr.Literal); keepUnknown && isLit && i < visible {
			// Typed by the set operation (bindSetOp).
		} else if outs[i].Type().Kind == types.KindUnknown {
			outs[i] = b.coerce(core.Pos, outs[i], types.Varchar, "SELECT")
		}
		cols[i].Type = outs[i].Type()
	}
	node = &LogicalProject{Input: node, Exprs: outs, Cols: cols}
	if len(distinctOn) > 0 {
		// DISTINCT ON: the first row of each group in ORDER BY order.
		var order []expr.SortKey
		for _, k := range keys {
			if !slices.Contains(distinctOn, sortCol(k)) {
				order = append(order, k)
			}
		}
		node = &LogicalTopN{Input: node, PartitionBy: dedupInts(distinctOn), OrderBy: order, Limit: 1}
	}
	if core.Distinct && len(core.DistinctOn) == 0 {
		node = &LogicalAgg{Input: node, GroupBy: seq(visible)}
	}
	return boundQuery{node: node, visible: visible}, keys
}

// outputOrderCol resolves an ORDER BY item that names an output column or
// gives its ordinal; -1 otherwise.
func (b *binder) outputOrderCol(o *parser.OrderItem, core *parser.SelectCore, out types.Schema) int {
	switch e := o.Expr.(type) {
	case *parser.Literal:
		if e.Kind == parser.LitInteger {
			if e.Int < 1 || int(e.Int) > len(out) {
				failAt(e.Pos, sqlerr.InvalidColumnReference, "ORDER BY position %d is not in select list", e.Int)
			}
			return int(e.Int) - 1
		}
	case *parser.ColumnRef:
		if len(e.Parts) != 1 {
			return -1
		}
		col := -1
		for i, c := range out {
			if c.Name == e.Parts[0] {
				if col >= 0 && !sameItem(core, col, i) {
					failAt(e.Pos, sqlerr.AmbiguousColumn, "ORDER BY %q is ambiguous", e.Parts[0])
				}
				if col < 0 {
					col = i
				}
			}
		}
		return col
	}
	return -1
}

func sameItem(core *parser.SelectCore, i, j int) bool {
	if i >= len(core.Items) || j >= len(core.Items) {
		return false
	}
	a, c := core.Items[i], core.Items[j]
	return a.Expr != nil && c.Expr != nil && a.Expr.String() == c.Expr.String()
}

// bindGroupBy binds the GROUP BY list into agg.
func (b *binder) bindGroupBy(core *parser.SelectCore, agg *aggState, sc *scope) {
	gctx := &exprCtx{b: b, sc: sc, clause: "GROUP BY", winErr: "GROUP BY", subs: &agg.preSubs}
	seen := map[string]int{}
	// add binds a grouping expression once and returns its group position.
	add := func(g parser.Expr) int {
		ast := groupAST(g, core, sc)
		if containsAgg(ast) {
			failAt(ast.Position(), sqlerr.GroupingError, "aggregate functions are not allowed in GROUP BY")
		}
		x := gctx.bind(ast)
		key := x.String()
		if i, ok := seen[key]; ok {
			return i
		}
		seen[key] = len(agg.groups)
		agg.groupAST = append(agg.groupAST, ast.String())
		agg.groups = append(agg.groups, x)
		agg.pre = append(agg.pre, x)
		return len(agg.groups) - 1
	}
	hasSets := false
	for _, g := range core.GroupBy {
		if _, ok := g.(*parser.GroupingSet); ok {
			hasSets = true
		}
	}
	if !hasSets {
		for _, g := range core.GroupBy {
			if r, ok := g.(*parser.RowExpr); ok && len(r.Elems) == 0 {
				continue
			}
			add(g)
		}
		return
	}
	// GROUPING SETS / ROLLUP / CUBE: the cross product of each element's
	// sets; every expression of any set is a group column.
	sets := [][]parser.Expr{{}}
	for _, g := range core.GroupBy {
		var next [][]parser.Expr
		for _, l := range sets {
			for _, r := range groupingElemSets(g) {
				next = append(next, append(append([]parser.Expr(nil), l...), r...))
			}
		}
		sets = next
		if len(sets) > 4096 {
			failAt(g.Position(), sqlerr.ProgramLimitExceeded, "too many grouping sets present (maximum 4096)")
		}
	}
	for _, set := range sets {
		var idx []int
		for _, e := range set {
			i := add(e)
			if !slices.Contains(idx, i) {
				idx = append(idx, i)
			}
		}
		agg.sets = append(agg.sets, idx)
	}
	b.nextPH++
	agg.gidPH = b.nextPH
}

// groupAST resolves a GROUP BY item that is a select-list position or an
// output alias to the select-list expression.
func groupAST(g parser.Expr, core *parser.SelectCore, sc *scope) parser.Expr {
	switch e := g.(type) {
	case *parser.Literal:
		if e.Kind == parser.LitInteger {
			if e.Int < 1 || int(e.Int) > len(core.Items) || core.Items[e.Int-1].Star {
				failAt(e.Pos, sqlerr.InvalidColumnReference, "GROUP BY position %d is not in select list", e.Int)
			}
			return core.Items[e.Int-1].Expr
		}
	case *parser.ColumnRef:
		if len(e.Parts) == 1 && !scopeHas(sc, e.Parts[0]) {
			for _, it := range core.Items {
				if !it.Star && it.Alias == e.Parts[0] {
					return it.Expr
				}
			}
		}
	}
	return g
}

// groupingElemSets returns the grouping sets of one GROUP BY element: a
// plain expression is one set of itself, (a, b) one set of both, ROLLUP
// and CUBE and GROUPING SETS several.
func groupingElemSets(g parser.Expr) [][]parser.Expr {
	list := func(e parser.Expr) []parser.Expr {
		if r, ok := e.(*parser.RowExpr); ok {
			return r.Elems
		}
		return []parser.Expr{e}
	}
	switch x := g.(type) {
	case *parser.GroupingSet:
		switch x.Kind {
		case "ROLLUP":
			var out [][]parser.Expr
			for k := len(x.Items); k >= 0; k-- {
				var set []parser.Expr
				for _, it := range x.Items[:k] {
					set = append(set, list(it)...)
				}
				out = append(out, set)
			}
			return out
		case "CUBE":
			n := len(x.Items)
			if n > 12 {
				failAt(x.Pos, sqlerr.ProgramLimitExceeded, "CUBE is limited to 12 elements")
			}
			var out [][]parser.Expr
			for mask := (1 << n) - 1; mask >= 0; mask-- {
				var set []parser.Expr
				for i, it := range x.Items {
					if mask&(1<<(n-1-i)) != 0 {
						set = append(set, list(it)...)
					}
				}
				out = append(out, set)
			}
			return out
		default: // GROUPING SETS
			var out [][]parser.Expr
			for _, it := range x.Items {
				out = append(out, groupingElemSets(it)...)
			}
			return out
		}
	case *parser.RowExpr:
		return [][]parser.Expr{x.Elems}
	}
	return [][]parser.Expr{{g}}
}

// expandGroupingSets turns the pre-aggregation projection of a GROUPING
// SETS query into one copy of its rows per grouping set, the group columns
// outside the set NULL, with the set's number appended (as the last
// column); the aggregation then groups by every group column and that
// number. Empty grouping sets are left out (nil when all are).
func expandGroupingSets(pre Node, agg *aggState) Node {
	s := pre.Schema()
	var inputs []Node
	cols := append(append(types.Schema(nil), s...), types.Column{Name: "grouping_set", Type: types.Int64, Hidden: true})
	for n, set := range agg.sets {
		if len(set) == 0 {
			continue // aggregated without GROUP BY
		}
		exprs := identityExprs(s)
		for i := range agg.groups {
			if !slices.Contains(set, i) {
				exprs[i] = &expr.Literal{Value: nil, T: s[i].Type}
			}
		}
		exprs = append(exprs, &expr.Literal{Value: int64(n), T: types.Int64})
		inputs = append(inputs, &LogicalProject{Input: pre, Exprs: exprs, Cols: cols})
	}
	switch len(inputs) {
	case 0:
		return nil
	case 1:
		return inputs[0]
	}
	return &LogicalUnion{Inputs: inputs}
}

func scopeHas(sc *scope, name string) bool {
	for _, c := range sc.cols {
		if c.name == name && !c.noUnqual {
			return true
		}
	}
	return false
}

// groupedColumn maps a FROM column to its group slot, or raises 42803.
func (a *aggState) groupedColumn(x expr.Expr, c scopeCol, pos parser.Pos) expr.Expr {
	for i, g := range a.groups {
		if g.String() == x.String() {
			return colRef(i, g.Type(), c.name)
		}
	}
	name := c.name
	if c.table != "" {
		name = c.table + "." + c.name
	}
	failAt(pos, sqlerr.GroupingError, "column %q must appear in the GROUP BY clause or be used in an aggregate function", name)
	return nil
}

// starCols returns the columns * or t.* expands to, without those its
// EXCEPT (…) list names (RisingWave).
func starCols(sc *scope, it *parser.SelectItem) []scopeCol {
	out := allStarCols(sc, it)
	if len(it.Except) == 0 {
		return out
	}
	// EXCEPT is RisingWave's: its errors read as RisingWave's.
	drop := map[int]bool{}
	for _, e := range it.Except {
		cr, ok := e.(*parser.ColumnRef)
		if !ok {
			failAt(e.Position(), sqlerr.SyntaxError, "Only support column name in except list")
		}
		name := cr.Parts[len(cr.Parts)-1]
		qual := ""
		if len(cr.Parts) > 1 {
			qual = cr.Parts[len(cr.Parts)-2]
		}
		var found []scopeCol
		for _, c := range sc.cols {
			if c.name == name && ((qual == "" && !c.noUnqual) || (qual != "" && c.table == qual && !c.noQual)) {
				found = append(found, c)
			}
		}
		if len(found) == 0 {
			failAt(e.Position(), sqlerr.UndefinedColumn, "Item not found: Invalid column: %s", strings.Join(cr.Parts, "."))
		}
		if len(found) > 1 {
			failAt(e.Position(), sqlerr.AmbiguousColumn, "Ambiguous column name: %s", strings.Join(cr.Parts, "."))
		}
		ref := found[0]
		if drop[ref.idx] {
			failAt(e.Position(), sqlerr.DuplicateColumn, "Duplicate entry in except list: %s", strings.Join(cr.Parts, "."))
		}
		drop[ref.idx] = true
	}
	kept := out[:0:0]
	for _, c := range out {
		if !drop[c.idx] {
			kept = append(kept, c)
		}
	}
	return kept
}

func allStarCols(sc *scope, it *parser.SelectItem) []scopeCol {
	var out []scopeCol
	if it.StarTable == "" {
		for _, c := range sc.cols {
			if !c.hidden && !c.noUnqual {
				out = append(out, c)
			}
		}
		if len(sc.cols) == 0 {
			failAt(it.Pos, sqlerr.SyntaxError, "SELECT * with no tables specified is not valid")
		}
		return out
	}
	qual := it.StarTable
	if i := strings.LastIndexByte(qual, '.'); i >= 0 {
		qual = qual[i+1:]
	}
	found := false
	for _, c := range sc.cols {
		if c.table == qual && !c.noQual {
			found = true
			if !c.hidden {
				out = append(out, c)
			}
		}
	}
	if !found {
		failAt(it.Pos, sqlerr.UndefinedTable, "missing FROM-clause entry for table %q", qual)
	}
	return out
}

// bindWhere binds a WHERE clause over node. Top-level IN / EXISTS subquery
// conjuncts become LogicalApply nodes; the rest becomes a filter.
func (b *binder) bindWhere(where parser.Expr, node Node, sc *scope) Node {
	var subs []pendingSub
	ctx := &exprCtx{b: b, sc: sc, clause: "WHERE", subs: &subs, winErr: "WHERE"}
	var conds []expr.Expr
	for _, c := range astConjuncts(where) {
		if n, ok := b.bindPredicateSubquery(c, node, sc); ok {
			node = n
			continue
		}
		conds = append(conds, b.boolCond(c.Position(), ctx.bind(c), "WHERE"))
	}
	node = b.applySubs(node, subs)
	if len(conds) > 0 {
		for i := range conds {
			conds[i] = b.resolvePH(conds[i])
		}
		node = &LogicalFilter{Input: node, Cond: andAll(conds)}
	}
	return node
}

func astConjuncts(e parser.Expr) []parser.Expr {
	if be, ok := e.(*parser.BinaryExpr); ok && be.Op == "AND" {
		return append(astConjuncts(be.Left), astConjuncts(be.Right)...)
	}
	return []parser.Expr{e}
}

// bindPredicateSubquery turns [NOT] EXISTS, [NOT] IN (subquery) and
// op ANY/ALL (subquery) conjuncts into applies on node.
func (b *binder) bindPredicateSubquery(e parser.Expr, node Node, sc *scope) (Node, bool) {
	not := false
	if u, ok := e.(*parser.UnaryExpr); ok && u.Op == "NOT" {
		switch u.Expr.(type) {
		case *parser.Exists, *parser.InSubquery:
			not = true
			e = u.Expr
		}
	}
	lw := len(node.Schema())
	switch x := e.(type) {
	case *parser.Exists:
		sub := b.bindQuery(x.Query, sc, false).node
		kind := ApplySemi
		if not {
			kind = ApplyAnti
		}
		return &LogicalApply{Kind: kind, Left: node, Right: sub}, true
	case *parser.InSubquery:
		not = not != x.Not
		if not && !nullAwareAntiTest(x.Expr) {
			return nil, false
		}
		return b.inApply(node, sc, x.Expr, "=", x.Query, not, lw), true
	case *parser.QuantifiedCmp:
		if x.Query == nil {
			return nil, false
		}
		switch {
		case x.Quant == "ANY":
			return b.inApply(node, sc, x.Expr, x.Op, x.Query, false, lw), true
		case x.Quant == "ALL" && x.Op == "<>" && nullAwareAntiTest(x.Expr):
			return b.inApply(node, sc, x.Expr, "=", x.Query, true, lw), true
		}
		// Other ALL comparisons are bound as values (a mark subquery).
	}
	return nil, false
}

// nullAwareAntiTest reports whether x NOT IN (…) can be a null-aware anti
// join: it needs an equality between one value over the block's columns
// and the subquery column. A constant tested value (NULL NOT IN (…)) or a
// row ((a, b) NOT IN (…)) is computed as a value instead (see
// markSubquery); a tested value with its own subquery reads the column
// that subquery's apply adds.
func nullAwareAntiTest(x parser.Expr) bool {
	_, row := x.(*parser.RowExpr)
	return !row && (astHasColumn(x) || astHasSubquery(x))
}

// inApply builds the apply of lhs op ANY (query); not = NOT IN. Scalar
// subqueries in lhs are applied to node first, and the test reads their
// columns.
func (b *binder) inApply(node Node, sc *scope, lhs parser.Expr, op string, q *parser.Query, not bool, lw int) Node {
	sub := b.bindQuery(q, sc, false).node
	rs := sub.Schema()
	var subs []pendingSub
	ctx := &exprCtx{b: b, sc: sc, clause: "WHERE", subs: &subs, winErr: "WHERE"}
	var lefts []expr.Expr
	if row, ok := lhs.(*parser.RowExpr); ok {
		for _, el := range row.Elems {
			lefts = append(lefts, ctx.bind(el))
		}
	} else {
		lefts = []expr.Expr{ctx.bind(lhs)}
	}
	if len(subs) > 0 {
		node = b.applySubs(node, subs)
		lw = width(node)
		for i := range lefts {
			lefts[i] = b.resolvePH(lefts[i])
		}
	}
	if len(rs) != len(lefts) {
		if len(rs) > len(lefts) {
			failAt(q.Pos, sqlerr.SyntaxError, "subquery has too many columns")
		}
		failAt(q.Pos, sqlerr.SyntaxError, "subquery has too few columns")
	}
	var rights []expr.Expr
	for i := range lefts {
		rights = append(rights, colRef(lw+i, rs[i].Type, rs[i].Name))
	}
	kind := ApplySemi
	if not {
		kind = ApplyNullAwareAnti
	}
	return &LogicalApply{Kind: kind, Left: node, Right: sub, Cond: b.rowCond(lhs.Position(), op, lefts, rights)}
}

// applySubs stacks the pending scalar subqueries on node and resolves their
// placeholders to the new columns.
// A subquery may test the value of an earlier one (x IN (…) with x a
// scalar subquery): that value is then a column of node, read by the
// later subquery as an outer reference.
func (b *binder) applySubs(node Node, subs []pendingSub) Node {
	for _, s := range subs {
		w := len(node.Schema())
		sub := mapPlanExprs(s.node, 1, func(e expr.Expr, d int) expr.Expr {
			return mapExpr(e, func(x expr.Expr) expr.Expr {
				if p, ok := x.(*placeholder); ok {
					if r, ok := b.phs[p.id].(*expr.ColumnRef); ok {
						return &OuterRef{Depth: d, Index: r.Index, T: r.T, Name: r.Name}
					}
				}
				return x
			})
		})
		node = &LogicalApply{Kind: ApplyScalar, Left: node, Right: sub}
		t := s.node.Schema()[0]
		b.phs[s.ph] = colRef(w, t.Type, t.Name)
	}
	return node
}

// resolvePH replaces resolved placeholders in e.
func (b *binder) resolvePH(e expr.Expr) expr.Expr {
	return mapExpr(e, func(x expr.Expr) expr.Expr {
		if p, ok := x.(*placeholder); ok {
			if r, ok := b.phs[p.id]; ok {
				return r
			}
		}
		return x
	})
}

func hasPlaceholder(e expr.Expr) bool {
	return exprUses(e, func(x expr.Expr) bool { _, ok := x.(*placeholder); return ok })
}

// buildWindow adds a pre-projection and a LogicalWindow computing calls.
func (b *binder) buildWindow(node Node, calls []winCall) Node {
	in := node.Schema()
	w := len(in)
	exprs := identityExprs(in)
	cols := append(types.Schema(nil), in...)
	index := map[string]int{}
	slot := func(e expr.Expr) int {
		e = b.resolvePH(e)
		if c, ok := e.(*expr.ColumnRef); ok && c.Index < w {
			return c.Index
		}
		k := e.String()
		if i, ok := index[k]; ok {
			return i
		}
		index[k] = len(exprs)
		exprs = append(exprs, e)
		cols = append(cols, types.Column{Name: exprName(e, len(cols)), Type: e.Type(), Hidden: true})
		return len(exprs) - 1
	}
	funcs := make([]WindowFunc, len(calls))
	names := make([]string, len(calls))
	for i, c := range calls {
		f := WindowFunc{Name: c.name, Distinct: c.distinct, IgnoreNulls: c.ignoreNul, Type: c.typ, Frame: c.frame, FrameSpec: c.frameSpec}
		for _, a := range c.args {
			f.Args = append(f.Args, slot(a))
		}
		for _, p := range c.partition {
			if s := slot(p); !slices.Contains(f.PartitionBy, s) {
				f.PartitionBy = append(f.PartitionBy, s)
			}
		}
		rangeOffset := c.frameSpec != nil && c.frameSpec.Mode == "RANGE"
		for j, o := range c.order {
			s := slot(o)
			// An ORDER BY key that repeats a partition key or an earlier
			// key orders nothing within a partition (PARTITION BY a ORDER
			// BY a): it is dropped, as the operators' state keys expect.
			if !rangeOffset && (slices.Contains(f.PartitionBy, s) || slices.ContainsFunc(f.OrderBy, func(k expr.SortKey) bool { return k.Col == s })) {
				continue
			}
			f.OrderBy = append(f.OrderBy, orderKey(s, c.items[j]))
		}
		funcs[i] = f
		names[i] = c.name
	}
	var input Node = node
	if len(exprs) > w {
		input = &LogicalProject{Input: node, Exprs: exprs, Cols: cols}
	}
	base := len(exprs)
	for i, c := range calls {
		b.phs[c.ph] = colRef(base+i, c.typ, c.name)
	}
	return &LogicalWindow{Input: input, Funcs: funcs, Names: names}
}

// exprName names an internal column after its expression.
func exprName(e expr.Expr, i int) string {
	if c, ok := e.(*expr.ColumnRef); ok && c.Name != "" {
		return c.Name
	}
	return fmt.Sprintf("expr%d", i)
}

// containsAgg reports whether an AST expression calls an aggregate outside
// subqueries and window calls.
func containsAgg(e parser.Expr) bool {
	found := false
	walkAST(e, func(n parser.Expr) bool {
		if found {
			return false
		}
		if f, ok := n.(*parser.FuncCall); ok {
			if isPlainAgg(f) {
				found = true
				return false
			}
		}
		return true
	})
	return found
}

func funcName(f *parser.FuncCall) string { return f.Name[len(f.Name)-1] }

// astHasColumn reports whether e refers to a column (outside subqueries).
func astHasColumn(e parser.Expr) bool {
	found := false
	walkAST(e, func(n parser.Expr) bool {
		if _, ok := n.(*parser.ColumnRef); ok {
			found = true
		}
		return !found
	})
	return found
}

// astHasSubquery reports whether e holds a subquery.
func astHasSubquery(e parser.Expr) bool {
	found := false
	walkAST(e, func(n parser.Expr) bool {
		switch n.(type) {
		case *parser.Subquery, *parser.Exists, *parser.InSubquery:
			found = true
		case *parser.QuantifiedCmp:
			if n.(*parser.QuantifiedCmp).Query != nil {
				found = true
			}
		}
		return !found
	})
	return found
}

// walkAST visits an AST expression, parents first, without descending into
// subqueries. f returns false to skip a node's children.
func walkAST(e parser.Expr, f func(parser.Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	w := func(xs ...parser.Expr) {
		for _, x := range xs {
			walkAST(x, f)
		}
	}
	switch x := e.(type) {
	case *parser.BinaryExpr:
		w(x.Left, x.Right, x.Escape)
	case *parser.UnaryExpr:
		w(x.Expr)
	case *parser.IsExpr:
		w(x.Expr)
	case *parser.BetweenExpr:
		w(x.Expr, x.Low, x.High)
	case *parser.InList:
		w(x.Expr)
		w(x.List...)
	case *parser.InSubquery:
		w(x.Expr)
	case *parser.QuantifiedCmp:
		w(x.Expr, x.Array)
	case *parser.Case:
		w(x.Operand, x.Else)
		for _, wh := range x.Whens {
			w(wh.Cond, wh.Result)
		}
	case *parser.Cast:
		w(x.Expr)
	case *parser.FuncCall:
		w(x.Args...)
		w(x.Filter)
		for _, o := range x.OrderBy {
			w(o.Expr)
		}
		if x.Over != nil {
			w(x.Over.PartitionBy...)
			for _, o := range x.Over.OrderBy {
				w(o.Expr)
			}
		}
	case *parser.ArrayLit:
		w(x.Elems...)
	case *parser.Index:
		w(x.Expr, x.Index, x.Lo, x.Hi)
	case *parser.RowExpr:
		w(x.Elems...)
	case *parser.FieldAccess:
		w(x.Expr)
	case *parser.Extract:
		w(x.From)
	case *parser.AtTimeZone:
		w(x.Expr, x.Zone)
	case *parser.Collate:
		w(x.Expr)
	}
}

// figureColname names an output column the way Postgres does.
func figureColname(e parser.Expr) string {
	switch x := e.(type) {
	case *parser.ColumnRef:
		return x.Parts[len(x.Parts)-1]
	case *parser.FuncCall:
		return funcName(x)
	case *parser.Cast:
		if n := figureColname(x.Expr); n != "?column?" {
			return n
		}
		return typeColname(x.Type)
	case *parser.TypedLiteral:
		return typeColname(x.Type)
	case *parser.Case:
		return "case"
	case *parser.Exists:
		return "exists"
	case *parser.ArrayLit, *parser.ArraySubquery:
		return "array"
	case *parser.RowExpr:
		return "row"
	case *parser.Index:
		return figureColname(x.Expr)
	case *parser.FieldAccess:
		return x.Field
	case *parser.Extract:
		return "extract"
	case *parser.AtTimeZone:
		return "timezone"
	case *parser.Collate:
		return figureColname(x.Expr)
	case *parser.Subquery:
		if core, ok := x.Query.Body.(*parser.SelectCore); ok && len(core.Items) == 1 && !core.Items[0].Star {
			if core.Items[0].Alias != "" {
				return core.Items[0].Alias
			}
			return figureColname(core.Items[0].Expr)
		}
	}
	return "?column?"
}

func typeColname(t *parser.TypeName) string {
	if t.ArrayDims > 0 {
		return "?column?"
	}
	switch t.Name {
	case "integer", "int":
		return "int4"
	case "bigint":
		return "int8"
	case "smallint":
		return "int2"
	case "boolean":
		return "bool"
	case "real":
		return "float4"
	case "double precision":
		return "float8"
	case "character varying":
		return "varchar"
	}
	return t.Name
}

// dedupInts returns xs without repeated values, in first-seen order.
func dedupInts(xs []int) []int {
	var out []int
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// isPlainAgg reports whether a call is an aggregate call (not a window
// call): the aggregates, and first_value/last_value without OVER (which
// RisingWave accepts as aggregates with ORDER BY).
func isPlainAgg(f *parser.FuncCall) bool {
	if f.Over != nil {
		return false
	}
	name := funcName(f)
	return expr.IsAggregate(name) || name == "first_value" || name == "last_value"
}
