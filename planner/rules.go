package planner

import (
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// Rule is one named rewrite of the logical plan. Apply is called on every
// node, children first, and reports whether it changed the node. Rules with
// Root set are applied to the whole plan only.
type Rule struct {
	Name  string
	Root  bool
	Apply func(Node) (Node, bool)
}

// DefaultRules is the ordered list of rewrite rules Optimize runs to a
// fixpoint.
var DefaultRules = []Rule{
	{Name: "DecorrelateSubqueries", Apply: decorrelateRule},
	{Name: "FoldConstants", Apply: foldConstantsRule},
	{Name: "MergeFilters", Apply: mergeFiltersRule},
	{Name: "PushDownFilters", Apply: pushDownFiltersRule},
	{Name: "ExtractJoinKeys", Apply: extractJoinKeysRule},
	{Name: "MergeProjects", Apply: mergeProjectsRule},
	{Name: "WindowToTopN", Apply: windowToTopNRule},
	{Name: "DetectTemporalFilter", Apply: temporalFilterRule},
	{Name: "PruneColumns", Root: true, Apply: pruneColumnsRule},
	{Name: "RemoveTrivialProjects", Apply: removeTrivialProjectRule},
}

// RuleNames returns the names of DefaultRules in order.
func RuleNames() []string {
	out := make([]string, len(DefaultRules))
	for i, r := range DefaultRules {
		out[i] = r.Name
	}
	return out
}

// Optimize runs DefaultRules to a fixpoint, skipping the disabled rules.
func Optimize(n Node, disabled ...string) Node {
	return OptimizeWith(n, DefaultRules, disabled...)
}

// OptimizeWith runs rules to a fixpoint (at most 64 rounds), skipping the
// disabled ones.
func OptimizeWith(n Node, rules []Rule, disabled ...string) Node {
	off := map[string]bool{}
	for _, d := range disabled {
		off[d] = true
	}
	for round := 0; round < 64; round++ {
		changed := false
		for _, r := range rules {
			if off[r.Name] {
				continue
			}
			var c bool
			if r.Root {
				n, c = r.Apply(n)
			} else {
				n, c = applyBottomUp(n, r.Apply)
			}
			changed = changed || c
		}
		if !changed {
			break
		}
	}
	return n
}

// applyBottomUp applies f to every node, children first.
func applyBottomUp(n Node, f func(Node) (Node, bool)) (Node, bool) {
	changed := false
	ch := n.Children()
	if len(ch) > 0 {
		nch := make([]Node, len(ch))
		for i, c := range ch {
			var cc bool
			nch[i], cc = applyBottomUp(c, f)
			changed = changed || cc
		}
		if changed {
			n = n.WithChildren(nch)
		}
	}
	m, c := f(n)
	return m, changed || c
}

func width(n Node) int { return len(n.Schema()) }

// ---------------------------------------------------------------------------
// MergeFilters: Filter(Filter(x)) → Filter(x) with both conditions.

func mergeFiltersRule(n Node) (Node, bool) {
	f, ok := n.(*LogicalFilter)
	if !ok {
		return n, false
	}
	if in, ok := f.Input.(*LogicalFilter); ok {
		return &LogicalFilter{Input: in.Input, Cond: andAll(append(conjuncts(in.Cond), conjuncts(f.Cond)...))}, true
	}
	if len(conjuncts(f.Cond)) == 0 {
		return f.Input, true
	}
	return n, false
}

// ---------------------------------------------------------------------------
// MergeProjects: Project(Project(x)) → Project(x), substituting the inner
// expressions into the outer ones.

func mergeProjectsRule(n Node) (Node, bool) {
	p, ok := n.(*LogicalProject)
	if !ok {
		return n, false
	}
	in, ok := p.Input.(*LogicalProject)
	if !ok {
		return n, false
	}
	exprs := make([]expr.Expr, len(p.Exprs))
	for i, e := range p.Exprs {
		exprs[i] = substCols(e, in.Exprs)
	}
	return &LogicalProject{Input: in.Input, Exprs: exprs, Cols: p.Cols}, true
}

// RemoveTrivialProjects: a Project that returns its input unchanged (same
// columns, names and hidden flags) is dropped.
func removeTrivialProjectRule(n Node) (Node, bool) {
	p, ok := n.(*LogicalProject)
	if !ok {
		return n, false
	}
	in := p.Input.Schema()
	if len(in) != len(p.Exprs) {
		return n, false
	}
	for i, e := range p.Exprs {
		c, ok := e.(*expr.ColumnRef)
		if !ok || c.Index != i || in[i].Name != p.Cols[i].Name || in[i].Hidden != p.Cols[i].Hidden {
			return n, false
		}
	}
	return p.Input, true
}

// ---------------------------------------------------------------------------
// FoldConstants: evaluates subexpressions without column references.

func foldConstantsRule(n Node) (Node, bool) {
	changed := false
	fold := func(e expr.Expr) expr.Expr {
		f := foldExpr(e)
		if f.String() != e.String() {
			changed = true
		}
		return f
	}
	switch x := n.(type) {
	case *LogicalFilter:
		c := fold(x.Cond)
		cs := conjuncts(c)
		if len(cs) == 0 {
			return x.Input, true
		}
		if changed {
			return &LogicalFilter{Input: x.Input, Cond: andAll(cs)}, true
		}
	case *LogicalProject:
		exprs := make([]expr.Expr, len(x.Exprs))
		for i, e := range x.Exprs {
			exprs[i] = fold(e)
		}
		if changed {
			return &LogicalProject{Input: x.Input, Exprs: exprs, Cols: x.Cols}, true
		}
	case *LogicalJoin:
		if x.Cond != nil {
			c := fold(x.Cond)
			if changed {
				j := *x
				j.Cond = c
				if isTrueLit(c) {
					j.Cond = nil
				}
				return &j, true
			}
		}
	}
	return n, false
}

// foldExpr replaces constant subexpressions by literals.
func foldExpr(e expr.Expr) expr.Expr {
	return mapExpr(e, func(x expr.Expr) expr.Expr {
		if _, ok := x.(*expr.Literal); ok {
			return x
		}
		if c, ok := x.(*expr.Call); ok && hasNullLitArg(c.Args) && c.Strict() {
			// A strict function of a NULL constant is NULL, whatever
			// its other arguments (Postgres folds these too, so
			// x / 0 = NULL raises nothing).
			return &expr.Literal{Value: nil, T: x.Type()}
		}
		if !isConstant(x) {
			return x
		}
		v, ok, err := expr.FoldValue(x)
		if err != nil || !ok {
			return x
		}
		return &expr.Literal{Value: v, T: x.Type()}
	})
}

func hasNullLitArg(args []expr.Expr) bool {
	for _, a := range args {
		if l, ok := a.(*expr.Literal); ok && l.Value == nil && l.T.Kind != types.KindUnknown {
			return true
		}
	}
	return false
}

// isConstant reports whether e depends on nothing but literals.
func isConstant(e expr.Expr) bool {
	return !exprUses(e, func(x expr.Expr) bool {
		switch x.(type) {
		case *expr.Literal, *expr.Call, *expr.Cast, *expr.Case, *expr.And, *expr.Or, *expr.Not,
			*expr.IsNull, *expr.InList, *expr.Coalesce, *expr.ArrayCtor, *expr.RowCtor, *expr.FieldSelect, *expr.RecordIsNull:
			if l, ok := x.(*expr.Literal); ok && l.T.Kind == types.KindUnknown {
				return true
			}
			if c, ok := x.(*expr.Call); ok && (expr.UsesCatalog(c.Name) || expr.IsVolatile(c.Name)) {
				return true // current_user, pg_get_viewdef …: evaluated per statement; random(): per row
			}
			return false
		}
		return true
	})
}

// ---------------------------------------------------------------------------
// PushDownFilters: moves filter conjuncts towards the scans — through
// projections, unions, aggregations (group-key conjuncts), hop windows and
// temporal filters, and into join sides or join conditions.

func pushDownFiltersRule(n Node) (Node, bool) {
	f, ok := n.(*LogicalFilter)
	if !ok {
		return n, false
	}
	conds := conjuncts(f.Cond)
	switch in := f.Input.(type) {
	case *LogicalProject:
		var down []expr.Expr
		for _, c := range conds {
			down = append(down, substCols(c, in.Exprs))
		}
		if len(down) == 0 {
			return n, false
		}
		return &LogicalProject{Input: &LogicalFilter{Input: in.Input, Cond: andAll(down)}, Exprs: in.Exprs, Cols: in.Cols}, true
	case *LogicalUnion:
		inputs := make([]Node, len(in.Inputs))
		for i, x := range in.Inputs {
			inputs[i] = &LogicalFilter{Input: x, Cond: f.Cond}
		}
		return &LogicalUnion{Inputs: inputs}, true
	case *LogicalTemporalFilter:
		return &LogicalTemporalFilter{Input: &LogicalFilter{Input: in.Input, Cond: f.Cond}, Left: in.Left, Op: in.Op, Right: in.Right}, true
	case *LogicalProjectSet:
		down, keep := splitByInput(conds, width(in.Input))
		if len(down) == 0 {
			return n, false
		}
		p := *in
		p.Input = &LogicalFilter{Input: in.Input, Cond: andAll(down)}
		return wrapFilter(&p, keep), true
	case *LogicalHopWindow:
		down, keep := splitByInput(conds, width(in.Input))
		if len(down) == 0 {
			return n, false
		}
		h := *in
		h.Input = &LogicalFilter{Input: in.Input, Cond: andAll(down)}
		return wrapFilter(&h, keep), true
	case *LogicalAgg:
		g := len(in.GroupBy)
		var down, keep []expr.Expr
		for _, c := range conds {
			if m := maxCol(c); m >= 0 && m < g && !hasNow(c) {
				down = append(down, remapCols(c, func(i int) int { return in.GroupBy[i] }))
			} else {
				keep = append(keep, c)
			}
		}
		if len(down) == 0 {
			return n, false
		}
		a := *in
		a.Input = &LogicalFilter{Input: in.Input, Cond: andAll(down)}
		return wrapFilter(&a, keep), true
	case *LogicalJoin:
		return pushIntoJoin(in, conds)
	case *LogicalApply:
		if in.Kind == ApplyScalar || in.Kind == ApplyLateral || in.Kind == ApplyLeftLateral {
			lw := width(in.Left)
			var down, keep []expr.Expr
			for _, c := range conds {
				if maxCol(c) < lw {
					down = append(down, c)
				} else {
					keep = append(keep, c)
				}
			}
			if len(down) == 0 {
				return n, false
			}
			a := *in
			a.Left = &LogicalFilter{Input: in.Left, Cond: andAll(down)}
			return wrapFilter(&a, keep), true
		}
		a := *in
		a.Left = &LogicalFilter{Input: in.Left, Cond: f.Cond}
		return &a, true
	}
	return n, false
}

func wrapFilter(n Node, conds []expr.Expr) Node {
	if len(conds) == 0 {
		return n
	}
	return &LogicalFilter{Input: n, Cond: andAll(conds)}
}

// maxCol returns the largest column position e references, -1 for none.
func maxCol(e expr.Expr) int {
	m := -1
	for _, c := range colsUsed(e) {
		if c > m {
			m = c
		}
	}
	return m
}

func minCol(e expr.Expr) int {
	cs := colsUsed(e)
	if len(cs) == 0 {
		return -1
	}
	return cs[0]
}

// pushIntoJoin distributes filter conjuncts over a join.
func pushIntoJoin(j *LogicalJoin, conds []expr.Expr) (Node, bool) {
	lw := width(j.Left)
	var left, right, cond, keep []expr.Expr
	pushLeft := j.Kind == JoinInner || j.Kind == JoinLeft || j.Kind == JoinSemi || j.Kind == JoinAnti || j.Kind == JoinNullAwareAnti
	pushRight := j.Kind == JoinInner || j.Kind == JoinRight
	for _, c := range conds {
		lo, hi := minCol(c), maxCol(c)
		switch {
		case hi < lw && pushLeft && hi >= 0:
			left = append(left, c)
		case lo >= lw && pushRight:
			right = append(right, shiftCols(c, -lw))
		case j.Kind == JoinInner && !hasNow(c) && hi >= 0:
			cond = append(cond, c)
		default:
			keep = append(keep, c)
		}
	}
	if len(left) == 0 && len(right) == 0 && len(cond) == 0 {
		return wrapFilter(j, keep), false
	}
	nj := *j
	if len(left) > 0 {
		nj.Left = &LogicalFilter{Input: j.Left, Cond: andAll(left)}
	}
	if len(right) > 0 {
		nj.Right = &LogicalFilter{Input: j.Right, Cond: andAll(right)}
	}
	if len(cond) > 0 {
		nj.Cond = andAll(append(conjuncts(j.Cond), cond...))
	}
	return wrapFilter(&nj, keep), true
}

// ---------------------------------------------------------------------------
// ExtractJoinKeys: moves equality conjuncts of a join condition whose sides
// each read one input into the join's equi keys. Non-column sides are
// computed by a projection below the join (and projected away above it).
// Inner joins also push single-side conjuncts of the condition into their
// inputs.

func extractJoinKeysRule(n Node) (Node, bool) {
	j, ok := n.(*LogicalJoin)
	if !ok || j.Cond == nil {
		return n, false
	}
	lw, rw := width(j.Left), width(j.Right)
	var residual []expr.Expr
	type pair struct {
		l, r     expr.Expr
		nullSafe bool
	}
	var pairs []pair
	var pushL, pushR []expr.Expr
	for _, c := range conjuncts(j.Cond) {
		if l, r, ns, ok := equalitySides(c); ok {
			lo1, hi1, lo2, hi2 := minCol(l), maxCol(l), minCol(r), maxCol(r)
			switch {
			case lo1 >= 0 && hi1 < lw && lo2 >= lw && !hasOuterRef(c):
				pairs = append(pairs, pair{l, shiftCols(r, -lw), ns})
				continue
			case lo2 >= 0 && hi2 < lw && lo1 >= lw && !hasOuterRef(c):
				pairs = append(pairs, pair{r, shiftCols(l, -lw), ns})
				continue
			}
		}
		if j.Kind == JoinInner && !hasNow(c) && !hasOuterRef(c) {
			lo, hi := minCol(c), maxCol(c)
			if hi >= 0 && hi < lw {
				pushL = append(pushL, c)
				continue
			}
			if lo >= lw {
				pushR = append(pushR, shiftCols(c, -lw))
				continue
			}
		}
		if (j.Kind == JoinLeft || j.Kind == JoinSemi || j.Kind == JoinAnti) && !hasNow(c) && !hasOuterRef(c) {
			if lo := minCol(c); lo >= lw {
				pushR = append(pushR, shiftCols(c, -lw))
				continue
			}
		}
		residual = append(residual, c)
	}
	if len(pairs) == 0 && len(pushL) == 0 && len(pushR) == 0 {
		return n, false
	}
	left, right := j.Left, j.Right
	if len(pushL) > 0 {
		left = &LogicalFilter{Input: left, Cond: andAll(pushL)}
	}
	if len(pushR) > 0 {
		right = &LogicalFilter{Input: right, Cond: andAll(pushR)}
	}
	// Compute non-column key sides below the join.
	var lextra, rextra []expr.Expr
	nj := &LogicalJoin{Kind: j.Kind, LeftKeys: append([]int(nil), j.LeftKeys...), RightKeys: append([]int(nil), j.RightKeys...), NullSafe: append([]bool(nil), j.NullSafe...)}
	for len(nj.NullSafe) < len(nj.LeftKeys) {
		nj.NullSafe = append(nj.NullSafe, false)
	}
	for _, p := range pairs {
		lk := keyCol(p.l, lw, &lextra)
		rk := keyCol(p.r, rw, &rextra)
		nj.LeftKeys = append(nj.LeftKeys, lk)
		nj.RightKeys = append(nj.RightKeys, rk)
		nj.NullSafe = append(nj.NullSafe, p.nullSafe)
	}
	nl, nr := len(lextra), len(rextra)
	if nl > 0 {
		left = extendProject(left, lextra)
	}
	if nr > 0 {
		right = extendProject(right, rextra)
	}
	// Residual conditions refer to left ++ right; right columns moved by nl.
	for i, c := range residual {
		residual[i] = remapCols(c, func(x int) int {
			if x >= lw {
				return x + nl
			}
			return x
		})
	}
	allFalse := true
	for _, ns := range nj.NullSafe {
		allFalse = allFalse && !ns
	}
	if allFalse {
		nj.NullSafe = nil
	}
	nj.Left, nj.Right, nj.Cond = left, right, andAll(residual)
	if nl == 0 && nr == 0 {
		return nj, true
	}
	// Project the helper key columns away.
	out := n.Schema()
	exprs := make([]expr.Expr, len(out))
	for i, c := range out {
		src := i
		if i >= lw {
			src = i + nl
		}
		exprs[i] = colRef(src, c.Type, c.Name)
	}
	return &LogicalProject{Input: nj, Exprs: exprs, Cols: out}, true
}

// equalitySides recognises a = b and a IS NOT DISTINCT FROM b.
func equalitySides(e expr.Expr) (l, r expr.Expr, nullSafe, ok bool) {
	c, isCall := e.(*expr.Call)
	if !isCall || len(c.Args) != 2 {
		return nil, nil, false, false
	}
	switch c.Name {
	case "=":
		return c.Args[0], c.Args[1], false, true
	case "is not distinct from":
		return c.Args[0], c.Args[1], true, true
	}
	return nil, nil, false, false
}

// keyCol returns the input column holding key expression e, adding it to
// extra (as column w+len(extra)) when it is not a plain column.
func keyCol(e expr.Expr, w int, extra *[]expr.Expr) int {
	if c, ok := e.(*expr.ColumnRef); ok {
		return c.Index
	}
	for i, x := range *extra {
		if x.String() == e.String() {
			return w + i
		}
	}
	*extra = append(*extra, e)
	return w + len(*extra) - 1
}

// extendProject appends hidden computed columns to n.
func extendProject(n Node, extra []expr.Expr) Node {
	s := n.Schema()
	exprs := identityExprs(s)
	cols := append(types.Schema(nil), s...)
	for i, e := range extra {
		exprs = append(exprs, e)
		cols = append(cols, types.Column{Name: exprName(e, len(s)+i), Type: e.Type(), Hidden: true})
	}
	return &LogicalProject{Input: n, Exprs: exprs, Cols: cols}
}

// splitByInput splits conjuncts into those that read only the first w
// columns (the input of a node that appends columns: they can move below
// it) and the rest.
func splitByInput(conds []expr.Expr, w int) (down, keep []expr.Expr) {
	for _, c := range conds {
		if maxCol(c) < w {
			down = append(down, c)
		} else {
			keep = append(keep, c)
		}
	}
	return down, keep
}
