package planner

import (
	"sort"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// General decorrelation by the "domain" method (Neumann & Kemper, "Unnesting
// Arbitrary Queries", BTW 2015). An Apply whose subquery R refers to the
// columns C of its left input L becomes
//
//	D  = distinct L[C]                      (the domain: Agg group=C over L)
//	T  = D ⋈dep R                           (R evaluated once per domain row)
//	L ⟕ T on L[C] <=> T[D]                  (scalar; semi/anti for EXISTS)
//
// The dependent join D ⋈dep R is pushed down through R's operators until
// the rest of R no longer depends on D, where it becomes a plain (cross)
// join with D whose condition holds the correlated predicates; the outer
// references above become references to D's columns. A scalar aggregate
// (no GROUP BY) is grouped by D instead, over a left join from D, so that
// domain rows without input still get their one row (count = 0): every
// aggregate gets a FILTER on a non-null marker column of the join's right
// side.
//
// This is the fallback of DecorrelateSubqueries: the cheaper rewrites of
// rules_subquery.go (correlation by equalities pulled up into join keys)
// are tried first.

// planHasOuterDepth reports whether a plan refers to the query exactly
// depth levels out (nested subquery sides count one level deeper).
func planHasOuterDepth(n Node, depth int) bool {
	found := false
	forEachExpr(n, depth, func(e expr.Expr, d int) {
		if found {
			return
		}
		if exprUses(e, func(x expr.Expr) bool { o, ok := x.(*OuterRef); return ok && o.Depth == d }) {
			found = true
		}
	})
	return found
}

// outerCols returns the sorted distinct column positions of the depth-level
// outer references of a plan.
func outerCols(n Node, depth int) []int {
	set := map[int]bool{}
	forEachExpr(n, depth, func(e expr.Expr, d int) {
		walkExpr(e, func(x expr.Expr) bool {
			if o, ok := x.(*OuterRef); ok && o.Depth == d {
				set[o.Index] = true
			}
			return true
		})
	})
	return sortedKeys(set)
}

// mapPlanExprs rewrites every expression of a plan with f, which gets the
// depth (1 at n, one more inside the subquery side of each apply) of the
// expression's position.
func mapPlanExprs(n Node, depth int, f func(e expr.Expr, d int) expr.Expr) Node {
	ch := n.Children()
	var nch []Node
	if len(ch) > 0 {
		nch = make([]Node, len(ch))
		for i, c := range ch {
			d := depth
			if _, ok := n.(*LogicalApply); ok && i == 1 {
				d = depth + 1
			}
			nch[i] = mapPlanExprs(c, d, f)
		}
		n = n.WithChildren(nch)
	}
	g := func(e expr.Expr) expr.Expr {
		if e == nil {
			return nil
		}
		return f(e, depth)
	}
	switch x := n.(type) {
	case *LogicalProject:
		c := *x
		c.Exprs = make([]expr.Expr, len(x.Exprs))
		for i, e := range x.Exprs {
			c.Exprs[i] = g(e)
		}
		return &c
	case *LogicalFilter:
		c := *x
		c.Cond = g(x.Cond)
		return &c
	case *LogicalJoin:
		c := *x
		c.Cond = g(x.Cond)
		return &c
	case *LogicalApply:
		c := *x
		c.Cond = g(x.Cond)
		return &c
	case *LogicalValues:
		c := *x
		c.Rows = make([][]expr.Expr, len(x.Rows))
		for i, r := range x.Rows {
			c.Rows[i] = make([]expr.Expr, len(r))
			for j, e := range r {
				c.Rows[i][j] = g(e)
			}
		}
		return &c
	case *LogicalTemporalFilter:
		c := *x
		c.Left, c.Right = g(x.Left), g(x.Right)
		return &c
	case *LogicalProjectSet:
		c := *x
		c.Funcs = make([]*expr.SetFunc, len(x.Funcs))
		for i, f := range x.Funcs {
			c.Funcs[i] = g(f).(*expr.SetFunc)
		}
		return &c
	}
	return n
}

// liftOuter moves a subquery plan that does not use the enclosing query's
// columns one level up: outer references beyond that level lose a level.
func liftOuter(n Node) Node {
	if !planHasOuterRef(n, 1) {
		return n
	}
	return mapPlanExprs(n, 1, func(e expr.Expr, d int) expr.Expr {
		return mapExpr(e, func(x expr.Expr) expr.Expr {
			if o, ok := x.(*OuterRef); ok && o.Depth > d {
				c := *o
				c.Depth--
				return &c
			}
			return x
		})
	})
}

// domain is the D of a dependent join.
type domain struct {
	node  Node        // distinct values of the outer columns
	outer []int       // outer (left input) column of each domain column
	pos   map[int]int // outer column → domain column
	cols  types.Schema
}

func newDomain(left Node, outer []int) *domain {
	d := &domain{node: &LogicalAgg{Input: left, GroupBy: outer}, outer: outer, pos: map[int]int{}}
	ls := left.Schema()
	for i, c := range outer {
		d.pos[c] = i
		col := ls[c]
		col.Hidden = false
		d.cols = append(d.cols, col)
	}
	return d
}

func (d *domain) width() int { return len(d.outer) }

// expr rewrites an expression of the subquery (at its own level) to one over
// D ++ input: columns move right by shift, depth-1 outer references become
// domain columns, deeper ones lose a level.
func (d *domain) expr(e expr.Expr, shift int) expr.Expr {
	return mapExpr(e, func(x expr.Expr) expr.Expr {
		switch v := x.(type) {
		case *expr.ColumnRef:
			c := *v
			c.Index += shift
			return &c
		case *OuterRef:
			if v.Depth == 1 {
				p := d.pos[v.Index]
				return colRef(p, d.cols[p].Type, v.Name)
			}
			c := *v
			c.Depth--
			return &c
		}
		return x
	})
}

// identity returns references to the domain columns.
func (d *domain) identity() ([]expr.Expr, types.Schema) {
	return identityExprs(d.cols), append(types.Schema(nil), hideAll(d.cols)...)
}

func hideAll(s types.Schema) types.Schema {
	out := make(types.Schema, len(s))
	for i, c := range s {
		c.Hidden = true
		out[i] = c
	}
	return out
}

// nullSafeKeys returns k null-safe key flags.
func nullSafeKeys(k int) []bool {
	ns := make([]bool, k)
	for i := range ns {
		ns[i] = true
	}
	return ns
}

// push returns D ⋈dep n: a plan whose output is D's columns followed by n's,
// holding n evaluated for every domain row. It fails on shapes it does not
// know (nested applies, windows over correlated input, …).
func (d *domain) push(n Node) (Node, bool) {
	if !planHasOuterDepth(n, 1) {
		return &LogicalJoin{Kind: JoinInner, Left: d.node, Right: liftOuter(n)}, true
	}
	dw := d.width()
	switch x := n.(type) {
	case *LogicalFilter:
		if !planHasOuterDepth(x.Input, 1) {
			return &LogicalJoin{Kind: JoinInner, Left: d.node, Right: liftOuter(x.Input), Cond: d.expr(x.Cond, dw)}, true
		}
		in, ok := d.push(x.Input)
		if !ok {
			return nil, false
		}
		return &LogicalFilter{Input: in, Cond: d.expr(x.Cond, dw)}, true
	case *LogicalProject:
		in, ok := d.push(x.Input)
		if !ok {
			return nil, false
		}
		exprs, cols := d.identity()
		for i, e := range x.Exprs {
			exprs = append(exprs, d.expr(e, dw))
			cols = append(cols, x.Cols[i])
		}
		return &LogicalProject{Input: in, Exprs: exprs, Cols: cols}, true
	case *LogicalValues:
		// Each row becomes a projection of the domain.
		var branches []Node
		for _, r := range x.Rows {
			exprs, cols := d.identity()
			for i, e := range r {
				exprs = append(exprs, d.expr(e, dw))
				cols = append(cols, x.Cols[i])
			}
			branches = append(branches, &LogicalProject{Input: d.node, Exprs: exprs, Cols: cols})
		}
		if len(branches) == 1 {
			return branches[0], true
		}
		return &LogicalUnion{Inputs: branches}, true
	case *LogicalAgg:
		in, ok := d.push(x.Input)
		if !ok {
			return nil, false
		}
		if len(x.GroupBy) > 0 {
			group := seq(dw)
			for _, g := range x.GroupBy {
				group = append(group, g+dw)
			}
			aggs := make([]expr.AggCall, len(x.Aggs))
			for i, a := range x.Aggs {
				aggs[i] = remapAgg(a, func(c int) int { return c + dw })
			}
			return &LogicalAgg{Input: in, GroupBy: group, Aggs: aggs, Names: x.Names}, true
		}
		return d.scalarAgg(x, in), true
	case *LogicalJoin:
		return d.pushJoin(x)
	case *LogicalUnion:
		inputs := make([]Node, len(x.Inputs))
		for i, b := range x.Inputs {
			var ok bool
			if inputs[i], ok = d.push(b); !ok {
				return nil, false
			}
		}
		return &LogicalUnion{Inputs: inputs}, true
	case *LogicalTopN:
		in, ok := d.push(x.Input)
		if !ok {
			return nil, false
		}
		t := *x
		t.Input = in
		t.PartitionBy = seq(dw)
		for _, p := range x.PartitionBy {
			t.PartitionBy = append(t.PartitionBy, p+dw)
		}
		t.OrderBy = make([]expr.SortKey, len(x.OrderBy))
		for i, k := range x.OrderBy {
			t.OrderBy[i] = withSortCol(k, sortCol(k)+dw)
		}
		return &t, true
	case *LogicalProjectSet:
		in, ok := d.push(x.Input)
		if !ok {
			return nil, false
		}
		p := *x
		p.Input = in
		p.Funcs = make([]*expr.SetFunc, len(x.Funcs))
		for i, f := range x.Funcs {
			p.Funcs[i] = d.expr(f, dw).(*expr.SetFunc)
		}
		return &p, true
	case *LogicalWindow:
		in, ok := d.push(x.Input)
		if !ok {
			return nil, false
		}
		w := *x
		w.Input = in
		w.Funcs = make([]WindowFunc, len(x.Funcs))
		for i, f := range x.Funcs {
			g := f
			g.Args = shiftInts(f.Args, dw)
			g.PartitionBy = append(seq(dw), shiftInts(f.PartitionBy, dw)...)
			g.OrderBy = make([]expr.SortKey, len(f.OrderBy))
			for j, k := range f.OrderBy {
				g.OrderBy[j] = withSortCol(k, sortCol(k)+dw)
			}
			w.Funcs[i] = g
		}
		return &w, true
	}
	return nil, false
}

func shiftInts(xs []int, d int) []int {
	if xs == nil {
		return nil
	}
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = x + d
	}
	return out
}

// scalarAgg groups a scalar (no GROUP BY) aggregate by the domain. in is
// D ⋈dep input. Domain rows that meet no input row must still get a row, so
// the aggregate reads a left join from D whose right side carries a marker
// column, and every call is filtered on the marker (count(*) → 0).
func (d *domain) scalarAgg(x *LogicalAgg, in Node) Node {
	dw := d.width()
	marker := []expr.Expr{boolLit(true)}
	var join Node
	var shift int
	isDomainJoin := func(n Node) (*LogicalJoin, bool) {
		j, ok := n.(*LogicalJoin)
		return j, ok && j.Kind == JoinInner && j.Left == d.node && len(j.LeftKeys) == 0
	}
	if j, ok := isDomainJoin(in); ok {
		// D ⋈cond X  →  D ⟕cond (X, marker): the condition's columns keep
		// their places.
		join = &LogicalJoin{Kind: JoinLeft, Left: d.node, Right: extendProject(j.Right, marker), Cond: j.Cond}
		shift = dw
	} else if p, ok := in.(*LogicalProject); ok && isIdentityPrefix(p.Exprs, dw) {
		if j, ok := isDomainJoin(p.Input); ok {
			// Project(D, e…) over D ⋈cond X  →  Project(D, e…, marker)
			// over D ⟕cond (X, marker); e… over NULL-padded rows are
			// filtered out by the marker.
			xw := width(j.Right)
			lj := &LogicalJoin{Kind: JoinLeft, Left: d.node, Right: extendProject(j.Right, marker), Cond: j.Cond}
			exprs := append(append([]expr.Expr(nil), p.Exprs...), colRef(dw+xw, types.Bool, "marker"))
			cols := append(append(types.Schema(nil), p.Cols...), types.Column{Name: "marker", Type: types.Bool, Hidden: true})
			join = &LogicalProject{Input: lj, Exprs: exprs, Cols: cols}
			shift = dw
		}
	}
	if join == nil {
		join = &LogicalJoin{Kind: JoinLeft, Left: d.node, Right: extendProject(in, marker),
			LeftKeys: seq(dw), RightKeys: seq(dw), NullSafe: nullSafeKeys(dw)}
		shift = 2 * dw
	}
	m := shift + width(x.Input)
	aggs := make([]expr.AggCall, len(x.Aggs))
	var filters []expr.Expr // FILTER (WHERE f) AND marker, appended to the join's columns
	js := join.Schema()
	for i, a := range x.Aggs {
		c := remapAgg(a, func(c int) int { return c + shift })
		if c.Filter < 0 {
			c.Filter = m
		} else {
			// A NULL-padded row must not pass the call's own filter.
			f := &expr.And{Args: []expr.Expr{colRef(c.Filter, types.Bool, "filter"), colRef(m, types.Bool, "marker")}}
			c.Filter = len(js) + len(filters)
			filters = append(filters, f)
		}
		aggs[i] = c
	}
	if len(filters) > 0 {
		cols := append(types.Schema(nil), js...)
		for range filters {
			cols = append(cols, types.Column{Name: "filter", Type: types.Bool, Hidden: true})
		}
		join = &LogicalProject{Input: join, Exprs: append(identityExprs(js), filters...), Cols: cols}
	}
	return &LogicalAgg{Input: join, GroupBy: seq(dw), Aggs: aggs, Names: x.Names}
}

// isIdentityPrefix reports whether the first n expressions are the columns
// 0..n-1.
func isIdentityPrefix(es []expr.Expr, n int) bool {
	if len(es) < n {
		return false
	}
	for i := 0; i < n; i++ {
		c, ok := es[i].(*expr.ColumnRef)
		if !ok || c.Index != i {
			return false
		}
	}
	return true
}

// pushJoin pushes the dependent join into a join's inputs.
func (d *domain) pushJoin(x *LogicalJoin) (Node, bool) {
	dw := d.width()
	lw, rw := width(x.Left), width(x.Right)
	lc, rc := planHasOuterDepth(x.Left, 1), planHasOuterDepth(x.Right, 1)
	// cond maps the join condition (over left ++ right) to a layout where
	// the left columns start at lstart, the right ones at rstart and the
	// domain columns at dstart.
	cond := func(lstart, rstart, dstart int) expr.Expr {
		if x.Cond == nil {
			return nil
		}
		return mapExpr(x.Cond, func(v expr.Expr) expr.Expr {
			switch c := v.(type) {
			case *expr.ColumnRef:
				n := *c
				if c.Index < lw {
					n.Index = lstart + c.Index
				} else {
					n.Index = rstart + c.Index - lw
				}
				return &n
			case *OuterRef:
				if c.Depth == 1 {
					p := d.pos[c.Index]
					return colRef(dstart+p, d.cols[p].Type, c.Name)
				}
				o := *c
				o.Depth--
				return &o
			}
			return v
		})
	}
	shiftKeys := func(ks []int, by int) []int { return shiftInts(ks, by) }
	switch x.Kind {
	case JoinInner, JoinLeft, JoinSemi, JoinAnti, JoinNullAwareAnti:
		if !rc {
			// Only the left side (or the condition) depends on D.
			l, ok := d.push(x.Left)
			if !ok {
				return nil, false
			}
			j := &LogicalJoin{Kind: x.Kind, Left: l, Right: liftOuter(x.Right),
				LeftKeys: shiftKeys(x.LeftKeys, dw), RightKeys: x.RightKeys, NullSafe: x.NullSafe, Cond: cond(dw, dw+lw, 0)}
			return j, true
		}
	}
	if x.Kind == JoinInner && !lc {
		// Only the right side depends on D: D ⋈ (L × (D ⋈dep R)) reordered.
		r, ok := d.push(x.Right)
		if !ok {
			return nil, false
		}
		// r = D ++ R; join L ⋈ r → L ++ D ++ R; project D ++ L ++ R.
		j := &LogicalJoin{Kind: JoinInner, Left: liftOuter(x.Left), Right: r,
			LeftKeys: x.LeftKeys, RightKeys: shiftKeys(x.RightKeys, dw), NullSafe: x.NullSafe, Cond: cond(0, lw+dw, lw)}
		return reorderProject(j, []int{lw, dw}, []int{0, lw}, []int{lw + dw, rw}), true
	}
	// Both sides depend on D: push into both and join on the domain
	// columns too (null-safe).
	if x.Kind == JoinNullAwareAnti {
		return nil, false // its first key pair must stay the tested value
	}
	l, ok := d.push(x.Left)
	if !ok {
		return nil, false
	}
	r, ok := d.push(x.Right)
	if !ok {
		return nil, false
	}
	j := &LogicalJoin{Kind: x.Kind, Left: l, Right: r}
	j.LeftKeys = append(seq(dw), shiftKeys(x.LeftKeys, dw)...)
	j.RightKeys = append(seq(dw), shiftKeys(x.RightKeys, dw)...)
	j.NullSafe = nullSafeKeys(dw)
	if x.NullSafe != nil {
		j.NullSafe = append(j.NullSafe, x.NullSafe...)
	} else {
		j.NullSafe = append(j.NullSafe, make([]bool, len(x.LeftKeys))...)
	}
	j.Cond = cond(dw, dw+lw+dw, 0)
	if !x.Kind.OutputsRight() {
		return j, true
	}
	// Output L' ++ R' = D ++ L ++ D ++ R: drop the second D (for right and
	// full joins take the domain from whichever side is present).
	var exprs []expr.Expr
	var cols types.Schema
	s := j.Schema()
	for i := 0; i < dw; i++ {
		var e expr.Expr = colRef(i, s[i].Type, s[i].Name)
		switch x.Kind {
		case JoinRight:
			e = colRef(dw+lw+i, s[i].Type, s[i].Name)
		case JoinFull:
			c, err := expr.NewCoalesce([]expr.Expr{e, colRef(dw+lw+i, s[i].Type, s[i].Name)})
			if err != nil {
				return nil, false
			}
			e = c
		}
		exprs = append(exprs, e)
		cols = append(cols, s[i])
	}
	for i := dw; i < dw+lw; i++ {
		exprs = append(exprs, colRef(i, s[i].Type, s[i].Name))
		cols = append(cols, s[i])
	}
	for i := dw + lw + dw; i < len(s); i++ {
		exprs = append(exprs, colRef(i, s[i].Type, s[i].Name))
		cols = append(cols, s[i])
	}
	return &LogicalProject{Input: j, Exprs: exprs, Cols: cols}, true
}

// reorderProject projects n's output as the concatenation of the given
// {start, count} column ranges.
func reorderProject(n Node, ranges ...[]int) Node {
	s := n.Schema()
	var exprs []expr.Expr
	var cols types.Schema
	for _, r := range ranges {
		for i := r[0]; i < r[0]+r[1]; i++ {
			exprs = append(exprs, colRef(i, s[i].Type, s[i].Name))
			cols = append(cols, s[i])
		}
	}
	return &LogicalProject{Input: n, Exprs: exprs, Cols: cols}
}

// decorrelateDomain rewrites an apply by the domain method; false when the
// subquery has a shape push does not know.
func decorrelateDomain(a *LogicalApply) (Node, bool) {
	if a.Kind == ApplyNullAwareAnti {
		return a, false
	}
	outer := outerCols(a.Right, 1)
	if len(outer) == 0 {
		return a, false
	}
	sort.Ints(outer)
	d := newDomain(a.Left, outer)
	t, ok := d.push(a.Right)
	if !ok {
		return a, false
	}
	dw, lw := d.width(), width(a.Left)
	j := &LogicalJoin{Left: a.Left, Right: t, LeftKeys: append([]int(nil), outer...), RightKeys: seq(dw), NullSafe: nullSafeKeys(dw)}
	switch a.Kind {
	case ApplyScalar:
		j.Kind = JoinLeft
		rs := t.Schema()
		exprs := append(identityExprs(a.Left.Schema()), colRef(lw+dw, rs[dw].Type, rs[dw].Name))
		return &LogicalProject{Input: j, Exprs: exprs, Cols: a.Schema()}, true
	case ApplySemi:
		j.Kind = JoinSemi
	case ApplyAnti:
		j.Kind = JoinAnti
	case ApplyLateral:
		j.Kind = JoinInner
	case ApplyLeftLateral:
		j.Kind = JoinLeft
	}
	if a.Cond != nil {
		j.Cond = remapCols(a.Cond, func(c int) int {
			if c >= lw {
				return c + dw
			}
			return c
		})
	}
	if a.Kind == ApplyLateral || a.Kind == ApplyLeftLateral {
		// Drop the domain columns: left ++ subquery.
		ts := t.Schema()
		exprs := identityExprs(a.Left.Schema())
		for i := dw; i < len(ts); i++ {
			exprs = append(exprs, colRef(lw+i, ts[i].Type, ts[i].Name))
		}
		return &LogicalProject{Input: j, Exprs: exprs, Cols: a.Schema()}, true
	}
	return j, true
}

// markSubquery builds the single-row subquery plan that computes the
// three-valued result of a quantified comparison over the rows of sub:
// cond is over sub's columns (outer references for the tested value). For
// ANY (IN, EXISTS with cond TRUE) the result is TRUE when cond holds for
// some row, else NULL when it is NULL for some row, else FALSE; for ALL it
// is FALSE when cond is FALSE for some row, else NULL when it is NULL for
// some row, else TRUE:
//
//	Project(CASE WHEN $0 THEN t WHEN $1 THEN NULL ELSE f END)
//	  Agg(bool_or($0), bool_or($1))
//	    Project(c, c IS NULL)        -- c = cond, or NOT cond for ALL
//	      sub
func markSubquery(sub Node, cond expr.Expr, all bool) (Node, error) {
	c := cond
	if all {
		c = &expr.Not{Arg: cond}
	}
	pre := &LogicalProject{Input: sub, Exprs: []expr.Expr{c, &expr.IsNull{Arg: cond}},
		Cols: types.Schema{{Name: "cond", Type: types.Bool}, {Name: "unknown", Type: types.Bool}}}
	boolOr := func(col int) expr.AggCall {
		return toAggCall(aggSpec{Name: "bool_or", Args: []int{col}, ArgTypes: []types.Type{types.Bool}, Filter: -1, Type: types.Bool})
	}
	agg := &LogicalAgg{Input: pre, Aggs: []expr.AggCall{boolOr(0), boolOr(1)}, Names: []string{"bool_or", "bool_or"}}
	hit, miss := boolLit(true), boolLit(false)
	if all {
		hit, miss = miss, hit
	}
	v, err := expr.NewCase(nil, []expr.When{
		{Cond: colRef(0, types.Bool, "bool_or"), Result: hit},
		{Cond: colRef(1, types.Bool, "bool_or"), Result: &expr.Literal{Value: nil, T: types.Bool}},
	}, miss)
	if err != nil {
		return nil, err
	}
	return &LogicalProject{Input: agg, Exprs: []expr.Expr{v}, Cols: types.Schema{{Name: "mark", Type: types.Bool}}}, nil
}

// toSubqueryLevel moves an expression over the columns of an apply's left
// input into its subquery: columns become depth-1 outer references and
// outer references gain a level.
func toSubqueryLevel(e expr.Expr) expr.Expr {
	return mapExpr(e, func(x expr.Expr) expr.Expr {
		switch v := x.(type) {
		case *expr.ColumnRef:
			return &OuterRef{Depth: 1, Index: v.Index, T: v.T, Name: v.Name}
		case *OuterRef:
			o := *v
			o.Depth++
			return &o
		}
		return x
	})
}

// applyAsMark rewrites a semi, anti or null-aware anti apply that the join
// rewrites cannot handle as a filter over a scalar apply of its mark
// subquery (see markSubquery): EXISTS/IN keep rows whose mark is TRUE, NOT
// EXISTS/NOT IN those whose mark is FALSE.
func applyAsMark(a *LogicalApply) (Node, bool) {
	lw := width(a.Left)
	var cond expr.Expr = boolLit(true)
	if a.Cond != nil {
		cond = mapExpr(a.Cond, func(x expr.Expr) expr.Expr {
			switch v := x.(type) {
			case *expr.ColumnRef:
				if v.Index < lw {
					return &OuterRef{Depth: 1, Index: v.Index, T: v.T, Name: v.Name}
				}
				c := *v
				c.Index -= lw
				return &c
			case *OuterRef:
				o := *v
				o.Depth++
				return &o
			}
			return x
		})
	}
	sub, err := markSubquery(a.Right, cond, false)
	if err != nil {
		return a, false
	}
	var keep expr.Expr = colRef(lw, types.Bool, "mark")
	switch a.Kind {
	case ApplyAnti:
		c, err := expr.NewCoalesce([]expr.Expr{keep, boolLit(false)})
		if err != nil {
			return a, false
		}
		keep = &expr.Not{Arg: c}
	case ApplyNullAwareAnti:
		keep = &expr.Not{Arg: keep}
	}
	ap := &LogicalApply{Kind: ApplyScalar, Left: a.Left, Right: sub}
	ls := a.Left.Schema()
	return &LogicalProject{Input: &LogicalFilter{Input: ap, Cond: keep}, Exprs: identityExprs(ls), Cols: ls}, true
}
