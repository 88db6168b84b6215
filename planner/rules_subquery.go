package planner

import (
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// DecorrelateSubqueries turns every LogicalApply into a join:
//
//	EXISTS / IN            → semi join (correlated predicates join the keys)
//	NOT EXISTS             → anti join
//	NOT IN                 → null-aware anti join
//	scalar, uncorrelated   → cross join with a single-row aggregate (inner),
//	                         or a left join on TRUE for other subqueries
//	scalar, correlated agg → left join against the subquery grouped by its
//	                         correlation keys; count() results are wrapped
//	                         in coalesce(…, 0) so empty groups give 0
//	scalar, correlated     → left join on the correlation predicates
//
// When the correlated predicates cannot be pulled up like that (a
// non-equality in a scalar aggregate, correlation below an aggregate, a
// join, a union or a LIMIT, in a projection, several levels deep), the
// domain method of decorrelate.go rewrites any apply; NOT IN that neither
// handles becomes a filter on its mark subquery. Applies it cannot rewrite
// are left alone; the stream planner rejects them.
func decorrelateRule(n Node) (Node, bool) {
	a, ok := n.(*LogicalApply)
	if !ok {
		return n, false
	}
	if a.Kind == ApplyScalar {
		return decorrelateScalar(a)
	}
	if a.Kind == ApplyLateral || a.Kind == ApplyLeftLateral {
		if !planHasOuterDepth(a.Right, 1) {
			kind := JoinInner
			if a.Kind == ApplyLeftLateral {
				kind = JoinLeft
			}
			return &LogicalJoin{Kind: kind, Left: a.Left, Right: liftOuter(a.Right), Cond: a.Cond}, true
		}
		return decorrelateDomain(a)
	}
	lw := width(a.Left)
	if a.Kind == ApplyNullAwareAnti && constantTest(a.Cond) {
		// A tested value that folds to a constant ((x % NULL) NOT IN
		// (…)) gives the null-aware anti join no key.
		return applyAsMark(a)
	}
	right, preds, ok := pullCorrelated(a.Right)
	if !ok || planHasOuterDepth(right, 1) {
		if m, ok := decorrelateDomain(a); ok {
			return m, true
		}
		return applyAsMark(a)
	}
	right = liftOuter(right)
	cond := conjuncts(a.Cond)
	for _, p := range preds {
		cond = append(cond, outerToJoin(p, lw))
	}
	kind := JoinSemi
	switch a.Kind {
	case ApplyAnti:
		kind = JoinAnti
	case ApplyNullAwareAnti:
		kind = JoinNullAwareAnti
	}
	return &LogicalJoin{Kind: kind, Left: a.Left, Right: right, Cond: andAll(cond)}, true
}

// constantTest reports whether the tested value of a NOT IN apply's
// condition (the left side of its first conjunct) folds to a constant, or
// the equality itself has been folded away.
func constantTest(cond expr.Expr) bool {
	cs := conjuncts(cond)
	if len(cs) == 0 {
		return true
	}
	l, _, _, ok := equalitySides(cs[0])
	if !ok {
		return true
	}
	l = foldExpr(l)
	return !hasColumnRef(l) && !hasOuterRef(l)
}

// outerToJoin rewrites a predicate pulled out of a subquery so that it is
// over left ++ right: subquery columns move right by lw, depth-1 outer
// references become left columns, deeper ones lose a level.
func outerToJoin(p expr.Expr, lw int) expr.Expr {
	return mapExpr(p, func(x expr.Expr) expr.Expr {
		switch v := x.(type) {
		case *expr.ColumnRef:
			c := *v
			c.Index += lw
			return &c
		case *OuterRef:
			if v.Depth == 1 {
				return colRef(v.Index, v.T, v.Name)
			}
			o := *v
			o.Depth--
			return &o
		}
		return x
	})
}

func hasOuterDepth(e expr.Expr, d int) bool {
	return exprUses(e, func(x expr.Expr) bool { o, ok := x.(*OuterRef); return ok && o.Depth == d })
}

// pullCorrelated removes the correlated conjuncts (those with depth-1 outer
// references) from the filters of a subquery plan and returns them as
// predicates over the new plan's output. It extends projections so that the
// columns the predicates need stay visible. It fails on shapes it does not
// know.
func pullCorrelated(n Node) (Node, []expr.Expr, bool) {
	if !planHasOuterRef(n, 1) {
		return n, nil, true
	}
	switch x := n.(type) {
	case *LogicalFilter:
		in, preds, ok := pullCorrelated(x.Input)
		if !ok {
			return nil, nil, false
		}
		var local []expr.Expr
		for _, c := range conjuncts(x.Cond) {
			if hasOuterDepth(c, 1) {
				preds = append(preds, c)
			} else {
				local = append(local, c)
			}
		}
		return wrapFilter(in, local), preds, true
	case *LogicalProject:
		for _, e := range x.Exprs {
			if hasOuterDepth(e, 1) {
				return nil, nil, false
			}
		}
		in, preds, ok := pullCorrelated(x.Input)
		if !ok {
			return nil, nil, false
		}
		exprs := append([]expr.Expr(nil), x.Exprs...)
		cols := append(types.Schema(nil), x.Cols...)
		if len(preds) == 0 {
			return &LogicalProject{Input: in, Exprs: exprs, Cols: cols}, nil, true
		}
		ins := in.Schema()
		m := map[int]int{}
		for _, p := range preds {
			for _, c := range colsUsed(p) {
				if _, ok := m[c]; ok {
					continue
				}
				found := -1
				for i, e := range exprs {
					if r, ok := e.(*expr.ColumnRef); ok && r.Index == c {
						found = i
						break
					}
				}
				if found < 0 {
					found = len(exprs)
					exprs = append(exprs, colRef(c, ins[c].Type, ins[c].Name))
					cols = append(cols, types.Column{Name: ins[c].Name, Type: ins[c].Type, Hidden: true})
				}
				m[c] = found
			}
		}
		out := make([]expr.Expr, len(preds))
		for i, p := range preds {
			out[i] = remapCols(p, func(c int) int { return m[c] })
		}
		return &LogicalProject{Input: in, Exprs: exprs, Cols: cols}, out, true
	case *LogicalJoin:
		if x.Kind != JoinInner || hasOuterDepth(x.Cond, 1) {
			return nil, nil, false
		}
		l, lp, ok := pullCorrelated(x.Left)
		if !ok {
			return nil, nil, false
		}
		r, rp, ok := pullCorrelated(x.Right)
		if !ok {
			return nil, nil, false
		}
		lw0, lw1 := width(x.Left), width(l)
		shift := func(e expr.Expr) expr.Expr {
			return remapCols(e, func(c int) int {
				if c >= lw0 {
					return c - lw0 + lw1
				}
				return c
			})
		}
		// Left may have grown; right columns move.
		j := *x
		j.Left, j.Right = l, r
		if j.Cond != nil {
			j.Cond = shift(j.Cond)
		}
		preds := append([]expr.Expr(nil), lp...)
		for _, p := range rp {
			preds = append(preds, shiftCols(p, lw1))
		}
		if lw0 != lw1 || width(r) != width(x.Right) {
			// Keep the join's original output layout in front.
			return restoreLayout(&j, x, lw0, lw1), remapPreds(preds, lw0, lw1, width(x.Right)), true
		}
		return &j, preds, true
	}
	return nil, nil, false
}

// restoreLayout is used when a join's inputs grew hidden columns: the new
// join's output is left' ++ right', which already keeps the original left
// columns first; the original right columns start at lw1 instead of lw0.
// A projection puts them back where the parent expects them, followed by
// the extra columns.
func restoreLayout(j *LogicalJoin, orig *LogicalJoin, lw0, lw1 int) Node {
	s := j.Schema()
	rw0 := width(orig.Right)
	var exprs []expr.Expr
	var cols types.Schema
	add := func(i int) {
		exprs = append(exprs, colRef(i, s[i].Type, s[i].Name))
		cols = append(cols, s[i])
	}
	for i := 0; i < lw0; i++ {
		add(i)
	}
	for i := 0; i < rw0; i++ {
		add(lw1 + i)
	}
	for i := lw0; i < lw1; i++ {
		add(i)
	}
	for i := lw1 + rw0; i < len(s); i++ {
		add(i)
	}
	return &LogicalProject{Input: j, Exprs: exprs, Cols: cols}
}

// remapPreds maps predicates over left' ++ right' to the layout of
// restoreLayout.
func remapPreds(preds []expr.Expr, lw0, lw1, rw0 int) []expr.Expr {
	out := make([]expr.Expr, len(preds))
	for i, p := range preds {
		out[i] = remapCols(p, func(c int) int {
			switch {
			case c < lw0:
				return c
			case c < lw1:
				return lw0 + rw0 + (c - lw0)
			case c < lw1+rw0:
				return lw0 + (c - lw1)
			default:
				return c
			}
		})
	}
	return out
}

// isScalarAgg reports whether n always yields exactly one row.
func isScalarAgg(n Node) bool {
	switch x := n.(type) {
	case *LogicalProject:
		return isScalarAgg(x.Input)
	case *LogicalAgg:
		return len(x.GroupBy) == 0
	}
	return false
}

// atMostOneRow reports whether a plan provably yields at most one row: an
// aggregate without GROUP BY, a one-row VALUES, LIMIT 0 or 1, a filter
// pinning a table's whole primary key to constants, and projections or
// filters over those.
func atMostOneRow(n Node) bool {
	switch x := n.(type) {
	case *LogicalProject:
		return atMostOneRow(x.Input)
	case *LogicalFilter:
		return atMostOneRow(x.Input) || pointLookup(x, 0) != nil
	case *LogicalAgg:
		return len(x.GroupBy) == 0 || atMostOneRow(x.Input)
	case *LogicalValues:
		return len(x.Rows) <= 1
	case *LogicalTopN:
		return len(x.PartitionBy) == 0 && !x.WithTies && x.Limit >= 0 && x.Limit <= 1
	}
	return false
}

// guardedScalarJoin joins left with a scalar subquery x that may yield
// several rows so that an outer row matching several raises Postgres's
// "more than one row returned by a subquery used as an expression" (21000)
// instead of being duplicated: x is joined with its own row count (per key:
// keys are the inner columns of a correlated subquery's equalities, none for
// an uncorrelated one), and the join's result is filtered by a check of that
// count. A SELECT fails with the error, and only when an outer row does
// match several rows (as in Postgres). A streaming dataflow reports the
// error as a row error (the check is NULL) and so withholds the outer row
// while its subquery yields several rows; it reappears once there is at
// most one. The result has the columns of left ++ x.
func guardedScalarJoin(kind JoinKind, left, x Node, keys []int, cond expr.Expr) Node {
	ls, s := left.Schema(), x.Schema()
	lw, w := len(ls), len(s)
	cnt := &LogicalAgg{Input: x, GroupBy: keys, Aggs: []expr.AggCall{{Name: "count", Filter: -1, Type: types.Int64}}, Names: []string{"count"}}
	var conds []expr.Expr
	for i, k := range keys {
		eq, err := expr.Resolve("is not distinct from", []expr.Expr{colRef(k, s[k].Type, s[k].Name), colRef(w+i, s[k].Type, s[k].Name)})
		if err != nil {
			return nil
		}
		conds = append(conds, eq)
	}
	counted := &LogicalJoin{Kind: JoinInner, Left: x, Right: cnt, Cond: andAll(conds)}
	join := &LogicalJoin{Kind: kind, Left: left, Right: counted, Cond: cond}
	c := colRef(lw+w+len(keys), types.Int64, "count")
	chk, err := expr.Resolve(expr.MaxOneRowCheck, []expr.Expr{c})
	if err != nil {
		return nil
	}
	f := &LogicalFilter{Input: join, Cond: &expr.Or{Args: []expr.Expr{&expr.IsNull{Arg: c}, chk}}}
	out := append(append(types.Schema(nil), ls...), s...)
	return &LogicalProject{Input: f, Exprs: identityExprs(out), Cols: out}
}

func decorrelateScalar(a *LogicalApply) (Node, bool) {
	r := a.Right
	if !planHasOuterDepth(r, 1) {
		kind := JoinLeft
		if isScalarAgg(r) {
			kind = JoinInner
		}
		r = liftOuter(r)
		if !atMostOneRow(r) {
			if g := guardedScalarJoin(kind, a.Left, r, nil, nil); g != nil {
				return g, true
			}
		}
		return &LogicalJoin{Kind: kind, Left: a.Left, Right: r}, true
	}
	if m, ok := decorrelateScalarEq(a); ok {
		return m, true
	}
	return decorrelateDomain(a)
}

// decorrelateScalarEq decorrelates the scalar subqueries whose correlation
// is by equalities (or that return at most one row per outer row) without
// a domain: a left join on the pulled-up predicates, grouped by the
// correlation keys when the subquery aggregates.
func decorrelateScalarEq(a *LogicalApply) (Node, bool) {
	lw := width(a.Left)
	r := a.Right
	outSchema := a.Schema()
	var proj *LogicalProject
	body := r
	if p, ok := r.(*LogicalProject); ok {
		proj = p
		body = p.Input
	}
	if agg, ok := body.(*LogicalAgg); ok && len(agg.GroupBy) == 0 {
		if proj != nil {
			for _, e := range proj.Exprs {
				if hasOuterDepth(e, 1) {
					return a, false
				}
			}
		}
		x, preds, ok := pullCorrelated(agg.Input)
		if !ok || planHasOuterRef(x, 1) || len(preds) == 0 {
			return a, false
		}
		xw := width(x)
		var inner, outer []expr.Expr
		for _, p := range preds {
			l, rr, _, ok := equalitySides(p)
			if !ok {
				return a, false
			}
			switch {
			case !hasOuterRef(l) && !hasColumnRef(rr) && hasColumnRef(l):
				inner, outer = append(inner, l), append(outer, rr)
			case !hasOuterRef(rr) && !hasColumnRef(l) && hasColumnRef(rr):
				inner, outer = append(inner, rr), append(outer, l)
			default:
				return a, false
			}
		}
		var extra []expr.Expr
		keys := make([]int, len(inner))
		for i, e := range inner {
			keys[i] = keyCol(e, xw, &extra)
		}
		if len(extra) > 0 {
			x = extendProject(x, extra)
		}
		k := len(keys)
		grouped := &LogicalAgg{Input: x, GroupBy: keys, Aggs: agg.Aggs, Names: agg.Names}
		gs := grouped.Schema()
		var conds []expr.Expr
		for i, o := range outer {
			oe := outerToJoin(o, 0)
			eq, err := expr.Resolve("=", []expr.Expr{oe, colRef(lw+i, gs[i].Type, gs[i].Name)})
			if err != nil {
				return a, false
			}
			conds = append(conds, eq)
		}
		join := &LogicalJoin{Kind: JoinLeft, Left: a.Left, Right: grouped, Cond: andAll(conds)}
		var val expr.Expr = colRef(0, gs[k].Type, gs[k].Name)
		if len(agg.Aggs) == 0 {
			return a, false
		}
		if proj != nil {
			val = proj.Exprs[0]
		}
		val = mapExpr(val, func(e expr.Expr) expr.Expr {
			switch v := e.(type) {
			case *expr.ColumnRef:
				ref := colRef(lw+k+v.Index, v.T, v.Name)
				if fromAggCall(agg.Aggs[v.Index]).Name == "count" {
					c, err := expr.NewCoalesce([]expr.Expr{ref, &expr.Literal{Value: int64(0), T: types.Int64}})
					if err == nil {
						return c
					}
				}
				return ref
			case *OuterRef:
				if v.Depth == 1 {
					return colRef(v.Index, v.T, v.Name)
				}
			}
			return e
		})
		exprs := append(identityExprs(a.Left.Schema()), val)
		return &LogicalProject{Input: join, Exprs: exprs, Cols: outSchema}, true
	}
	x, preds, ok := pullCorrelated(r)
	if !ok || planHasOuterRef(x, 1) {
		return a, false
	}
	var conds []expr.Expr
	for _, p := range preds {
		conds = append(conds, outerToJoin(p, lw))
	}
	if !atMostOneRow(x) {
		// Guard against several rows per correlation key (the inner sides
		// of the equalities); other correlations are left unguarded.
		xw := width(x)
		var extra []expr.Expr
		var keys []int
		guard := true
		for _, p := range preds {
			l, rr, _, ok := equalitySides(p)
			switch {
			case ok && !hasOuterRef(l) && hasColumnRef(l) && !hasColumnRef(rr):
				keys = append(keys, keyCol(l, xw, &extra))
			case ok && !hasOuterRef(rr) && hasColumnRef(rr) && !hasColumnRef(l):
				keys = append(keys, keyCol(rr, xw, &extra))
			default:
				guard = false
			}
		}
		if guard {
			if len(extra) > 0 {
				x = extendProject(x, extra)
			}
			if g := guardedScalarJoin(JoinLeft, a.Left, x, keys, andAll(conds)); g != nil {
				rs := x.Schema()
				exprs := append(identityExprs(a.Left.Schema()), colRef(lw, rs[0].Type, rs[0].Name))
				return &LogicalProject{Input: g, Exprs: exprs, Cols: outSchema}, true
			}
		}
	}
	join := &LogicalJoin{Kind: JoinLeft, Left: a.Left, Right: x, Cond: andAll(conds)}
	rs := x.Schema()
	exprs := append(identityExprs(a.Left.Schema()), colRef(lw, rs[0].Type, rs[0].Name))
	return &LogicalProject{Input: join, Exprs: exprs, Cols: outSchema}, true
}

// ---------------------------------------------------------------------------
// WindowToTopN: Filter(rank <= N) over a window computing only ROW_NUMBER,
// RANK or DENSE_RANK becomes a group top-N.

func windowToTopNRule(n Node) (Node, bool) {
	f, ok := n.(*LogicalFilter)
	if !ok {
		return n, false
	}
	w, ok := f.Input.(*LogicalWindow)
	if !ok || len(w.Funcs) != 1 {
		return n, false
	}
	fn := w.Funcs[0]
	if fn.Name != "row_number" && fn.Name != "rank" && fn.Name != "dense_rank" {
		return n, false
	}
	if len(fn.OrderBy) == 0 {
		return n, false
	}
	rc := width(w.Input)
	limit := int64(-1)
	var rest []expr.Expr
	for _, c := range conjuncts(f.Cond) {
		if l, ok := rankBound(c, rc); ok && (limit < 0 || l < limit) {
			limit = l
			continue
		}
		rest = append(rest, c)
	}
	if limit < 0 {
		return n, false
	}
	t := &LogicalTopN{
		Input: w.Input, PartitionBy: fn.PartitionBy, OrderBy: fn.OrderBy, Limit: limit,
		WithTies: fn.Name == "rank", Dense: fn.Name == "dense_rank", RankCol: w.Names[0],
	}
	return wrapFilter(t, rest), true
}

// rankBound recognises rank <= N, rank < N, rank = 1, N >= rank and N > rank
// and returns the row limit.
func rankBound(c expr.Expr, rc int) (int64, bool) {
	call, ok := c.(*expr.Call)
	if !ok || len(call.Args) != 2 {
		return 0, false
	}
	op := call.Name
	a0, a1 := foldExpr(call.Args[0]), foldExpr(call.Args[1])
	col, lit := a0, a1
	if _, ok := a0.(*expr.Literal); ok {
		col, lit = a1, a0
		switch op {
		case ">=":
			op = "<="
		case ">":
			op = "<"
		case "<=", "<":
			return 0, false
		}
	}
	cr, ok := col.(*expr.ColumnRef)
	if !ok || cr.Index != rc {
		return 0, false
	}
	l, ok := lit.(*expr.Literal)
	if !ok {
		return 0, false
	}
	v, ok := l.Value.(int64)
	if !ok {
		return 0, false
	}
	switch op {
	case "<=":
		return max(v, 0), true
	case "<":
		return max(v-1, 0), true
	case "=":
		if v == 1 {
			return 1, true
		}
	}
	return 0, false
}

// ---------------------------------------------------------------------------
// DetectTemporalFilter: a filter conjunct comparing a row expression with an
// expression of NOW() becomes a LogicalTemporalFilter.

func temporalFilterRule(n Node) (Node, bool) {
	f, ok := n.(*LogicalFilter)
	if !ok {
		return n, false
	}
	var rest []expr.Expr
	var tfs []*LogicalTemporalFilter
	for _, c := range conjuncts(f.Cond) {
		if l, op, r, ok := temporalParts(c); ok {
			tfs = append(tfs, &LogicalTemporalFilter{Left: l, Op: op, Right: r})
			continue
		}
		rest = append(rest, c)
	}
	if len(tfs) == 0 {
		return n, false
	}
	out := wrapFilter(f.Input, rest)
	for _, t := range tfs {
		t.Input = out
		out = t
	}
	return out, true
}

func temporalParts(c expr.Expr) (expr.Expr, string, expr.Expr, bool) {
	call, ok := c.(*expr.Call)
	if !ok || len(call.Args) != 2 {
		return nil, "", nil, false
	}
	flip := map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<="}
	if _, ok := flip[call.Name]; !ok {
		return nil, "", nil, false
	}
	l, r := call.Args[0], call.Args[1]
	isNowSide := func(e expr.Expr) bool { return hasNow(e) && !hasColumnRef(e) && !hasOuterRef(e) }
	isRowSide := func(e expr.Expr) bool { return !hasNow(e) && hasColumnRef(e) }
	switch {
	case isRowSide(l) && isNowSide(r):
		return l, call.Name, r, true
	case isNowSide(l) && isRowSide(r):
		return r, flip[call.Name], l, true
	}
	return nil, "", nil, false
}
