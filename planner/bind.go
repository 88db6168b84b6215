package planner

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// bindError carries a planning error up through the binder's recursion. Only
// the exported entry points recover it.
type bindError struct{ err error }

// catchBindError recovers a bindError into *errp and re-panics anything else.
func catchBindError(errp *error) {
	r := recover()
	if r == nil {
		return
	}
	if be, ok := r.(bindError); ok {
		*errp = be.err
		return
	}
	if re, ok := r.(runtime.Error); ok {
		panic(re)
	}
	panic(r)
}

// failAt raises a coded error at an AST position.
func failAt(pos parser.Pos, code, format string, args ...any) {
	panic(bindError{sqlerr.New(code, format, args...).WithPosition(int(pos) + 1)})
}

// check raises err (if any), giving it pos when it has no position yet.
func check(pos parser.Pos, err error) {
	if err == nil {
		return
	}
	var se *sqlerr.Error
	if errors.As(err, &se) {
		if se.Position == 0 {
			c := *se
			c.Position = int(pos) + 1
			panic(bindError{&c})
		}
		panic(bindError{err})
	}
	panic(bindError{sqlerr.Wrap(err, sqlerr.InternalError)})
}

// scopeCol is a column visible to name resolution.
type scopeCol struct {
	table    string // qualifier: alias or relation name; "" for none
	name     string
	typ      types.Type
	idx      int  // position in the output of the scope's node
	hidden   bool // hidden column: resolvable by name, not expanded by *
	noUnqual bool // a USING/NATURAL input column: only reachable qualified
	noQual   bool // a merged USING/NATURAL column: only reachable unqualified
	// schema is the schema of an unaliased table or view reference
	// ("public" when unqualified), so that schema.table.column resolves;
	// "" for other columns.
	schema string
}

// scope is the set of columns an expression can name, with a link to the
// enclosing query's scope for correlated references.
type scope struct {
	cols   []scopeCol
	parent *scope
}

// cteDef is a CTE visible to the query being bound. env is the CTE
// environment its own body sees.
type cteDef struct {
	cte *parser.CTE
	env []*cteDef
}

// binder turns AST queries into logical plans.
type binder struct {
	cat     Catalog
	ctes    []*cteDef // innermost last
	nextPH  int
	phs     map[int]expr.Expr // resolved placeholders
	views   int               // view inlining depth (guards cycles)
	fnDepth int               // SQL function inlining depth
	// setOpLeaf is set while binding a SELECT that is an operand of a set
	// operation: its untyped literal outputs stay untyped.
	setOpLeaf bool
}

func newBinder(cat Catalog) *binder {
	return &binder{cat: cat, phs: map[int]expr.Expr{}}
}

// boundQuery is the result of binding a query: its plan and how many of the
// plan's output columns are visible (the rest are hidden ORDER BY columns).
type boundQuery struct {
	node    Node
	visible int
}

// Bind binds a query to a logical plan. The result's trailing Hidden
// columns, if any, carry ORDER BY values of a top-level LogicalTopN.
func Bind(cat Catalog, q *parser.Query) (n Node, err error) {
	defer catchBindError(&err)
	b := newBinder(cat)
	bq := b.bindQuery(q, nil, true)
	return bq.node, nil
}

// bindQuery binds a query. When top is false, ORDER BY without LIMIT is
// dropped and the hidden columns are projected away.
func (b *binder) bindQuery(q *parser.Query, parent *scope, top bool) boundQuery {
	saved := b.ctes
	defer func() { b.ctes = saved }()
	if q.With != nil {
		if q.With.Recursive {
			failAt(q.With.Pos, sqlerr.FeatureNotSupported, "WITH RECURSIVE is not supported")
		}
		seen := make(map[string]bool, len(q.With.CTEs))
		for _, c := range q.With.CTEs {
			if seen[c.Name] {
				failAt(c.Pos, "42712", "WITH query name %q specified more than once", c.Name)
			}
			seen[c.Name] = true
			env := append([]*cteDef(nil), b.ctes...)
			b.ctes = append(b.ctes, &cteDef{cte: c, env: env})
		}
	}
	var bq boundQuery
	var orderKeys []expr.SortKey
	if core, ok := q.Body.(*parser.SelectCore); ok {
		bq, orderKeys = b.bindSelect(core, q.OrderBy, parent)
	} else {
		bq = b.bindSetExpr(q.Body, parent)
		orderKeys = b.bindOutputOrder(bq, q.OrderBy)
	}
	limit, offset := int64(-1), int64(0)
	if q.Limit != nil {
		limit = b.constInt(q.Limit, "LIMIT")
	}
	if q.Offset != nil {
		offset = b.constInt(q.Offset, "OFFSET")
	}
	if len(orderKeys) > 0 || limit >= 0 || offset > 0 {
		if top || limit >= 0 || offset > 0 {
			if q.WithTies && len(orderKeys) == 0 {
				failAt(q.Pos, sqlerr.SyntaxError, "WITH TIES cannot be specified without ORDER BY clause")
			}
			bq.node = &LogicalTopN{Input: bq.node, OrderBy: orderKeys, Limit: limit, Offset: offset, WithTies: q.WithTies && limit >= 0}
		}
	}
	if !top {
		bq.node = stripHidden(bq.node, bq.visible)
	}
	return bq
}

// stripHidden projects n onto its first visible columns.
func stripHidden(n Node, visible int) Node {
	s := n.Schema()
	if len(s) == visible {
		return n
	}
	return &LogicalProject{Input: n, Exprs: identityExprs(s[:visible]), Cols: append(types.Schema(nil), s[:visible]...)}
}

// constInt evaluates a constant LIMIT/OFFSET expression.
func (b *binder) constInt(e parser.Expr, what string) int64 {
	ctx := &exprCtx{b: b, sc: &scope{}, clause: what}
	x := ctx.bind(e)
	if hasColumnRef(x) {
		failAt(e.Position(), sqlerr.InvalidColumnReference, "argument of %s must not contain variables", what)
	}
	if x.Type().IsNumeric() && x.Type() != types.Int64 {
		// As in Postgres, by assignment: numeric and float values round.
		c, err := expr.NewCast(x, types.Int64, true)
		check(e.Position(), err)
		x = c
	} else {
		if k := x.Type().Kind; k != types.KindUnknown && !expr.CanCast(x.Type(), types.Int64, false) {
			failAt(e.Position(), sqlerr.DatatypeMismatch, "argument of %s must be type bigint, not type %s", what, x.Type())
		}
		x = b.coerce(e.Position(), x, types.Int64, what)
	}
	v, err := x.EvalRow(&expr.Context{TimeZone: "UTC"}, nil)
	check(e.Position(), err)
	if v == nil {
		return -1
	}
	n := v.(int64)
	if n < 0 {
		failAt(e.Position(), "2201W", "%s must not be negative", what)
	}
	return n
}

// bindSetExpr binds a query body other than a SELECT block.
func (b *binder) bindSetExpr(s parser.SetExpr, parent *scope) boundQuery {
	switch x := s.(type) {
	case *parser.SelectCore:
		bq, _ := b.bindSelect(x, nil, parent)
		return bq
	case *parser.Query:
		bq := b.bindQuery(x, parent, false)
		return bq
	case *parser.ValuesClause:
		return b.bindValues(x, parent)
	case *parser.SetOp:
		return b.bindSetOp(x, parent)
	}
	failAt(s.Position(), sqlerr.FeatureNotSupported, "unsupported query form")
	return boundQuery{}
}

// bindOutputOrder binds ORDER BY over the output of a set operation or
// VALUES: output column names and ordinals only.
func (b *binder) bindOutputOrder(bq boundQuery, items []*parser.OrderItem) []expr.SortKey {
	var keys []expr.SortKey
	s := bq.node.Schema()
	for _, it := range items {
		col := -1
		switch e := it.Expr.(type) {
		case *parser.Literal:
			if e.Kind == parser.LitInteger {
				if e.Int < 1 || int(e.Int) > bq.visible {
					failAt(e.Pos, sqlerr.InvalidColumnReference, "ORDER BY position %d is not in select list", e.Int)
				}
				col = int(e.Int) - 1
			}
		case *parser.ColumnRef:
			if len(e.Parts) == 1 {
				for i := 0; i < bq.visible; i++ {
					if s[i].Name == e.Parts[0] {
						col = i
						break
					}
				}
				if col < 0 {
					failAt(e.Pos, sqlerr.UndefinedColumn, "column %q does not exist", e.Parts[0])
				}
			}
		}
		if col < 0 {
			failAt(it.Pos, sqlerr.FeatureNotSupported, "invalid UNION/INTERSECT/EXCEPT ORDER BY clause")
		}
		keys = append(keys, orderKey(col, it))
	}
	return keys
}

func orderKey(col int, it *parser.OrderItem) expr.SortKey {
	nf := it.Desc
	if it.NullsFirst != nil {
		nf = *it.NullsFirst
	}
	return newSortKey(col, it.Desc, nf)
}

// bindValues binds a VALUES list; every column gets the common type of its
// rows.
func (b *binder) bindValues(v *parser.ValuesClause, parent *scope) boundQuery {
	if len(v.Rows) == 0 {
		failAt(v.Pos, sqlerr.SyntaxError, "VALUES must have at least one row")
	}
	width := len(v.Rows[0])
	rows := make([][]expr.Expr, len(v.Rows))
	for i, r := range v.Rows {
		if len(r) != width {
			failAt(v.Pos, sqlerr.SyntaxError, "VALUES lists must all be the same length")
		}
		ctx := &exprCtx{b: b, sc: &scope{parent: parent}, clause: "VALUES"}
		for _, e := range r {
			if _, ok := e.(*parser.Default); ok {
				failAt(e.Position(), sqlerr.FeatureNotSupported, "DEFAULT is not allowed in this context")
			}
			rows[i] = append(rows[i], ctx.bind(e))
		}
	}
	cols := make(types.Schema, width)
	for c := 0; c < width; c++ {
		ts := make([]types.Type, len(rows))
		for i := range rows {
			ts[i] = rows[i][c].Type()
		}
		t, err := expr.CommonType(ts, "VALUES")
		check(v.Rows[0][c].Position(), err)
		if t.Kind == types.KindUnknown {
			t = types.Varchar
		}
		for i := range rows {
			rows[i][c] = b.coerce(v.Rows[i][c].Position(), rows[i][c], t, "VALUES")
		}
		cols[c] = types.Column{Name: fmt.Sprintf("column%d", c+1), Type: t}
	}
	return boundQuery{node: &LogicalValues{Rows: rows, Cols: cols}, visible: width}
}

// coerce casts e to t implicitly, as a context (VALUES, UNION, LIMIT…)
// requires.
func (b *binder) coerce(pos parser.Pos, e expr.Expr, t types.Type, what string) expr.Expr {
	if e.Type() == t {
		return e
	}
	c, err := expr.NewCast(e, t, false)
	if err != nil {
		if sqlerr.Code(err) == sqlerr.InternalError || sqlerr.Code(err) == sqlerr.CannotCoerce {
			failAt(pos, sqlerr.DatatypeMismatch, "%s types %s and %s cannot be matched", what, e.Type(), t)
		}
		check(pos, err)
	}
	return c
}

// tryFilter binds cond as a WHERE clause over node alone (scope sc) and
// returns node filtered by it, with node's columns; ok is false when cond
// does not bind there (it reads columns of the other join side).
func (b *binder) tryFilter(cond parser.Expr, node Node, sc *scope) (out Node, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isBind := r.(bindError); !isBind {
				panic(r)
			}
			out, ok = nil, false
		}
	}()
	w := width(node)
	return stripHidden(b.bindWhere(cond, node, sc), w), true
}

// andAST joins conjuncts back into one AST condition (nil for none).
func andAST(cs []parser.Expr, pos parser.Pos) parser.Expr {
	if len(cs) == 0 {
		return nil
	}
	e := cs[0]
	for _, c := range cs[1:] {
		e = &parser.BinaryExpr{Pos: pos, Op: "AND", Left: e, Right: c}
	}
	return e
}

// innerJoinWithSubqueries binds the ON condition of an inner join that
// holds subqueries: the conjuncts without one stay the join's condition,
// and the others filter the joined rows, as a WHERE clause would (for an
// inner join the two are the same).
func (b *binder) innerJoinWithSubqueries(join *LogicalJoin, on parser.Expr, sc *scope) Node {
	var plain, withSub []parser.Expr
	for _, c := range astConjuncts(on) {
		if astHasSubquery(c) {
			withSub = append(withSub, c)
		} else {
			plain = append(plain, c)
		}
	}
	ctx := &exprCtx{b: b, sc: sc, clause: "JOIN conditions"}
	var conds []expr.Expr
	for _, c := range plain {
		conds = append(conds, b.boolCond(c.Position(), ctx.bind(c), "JOIN/ON"))
	}
	if len(conds) > 0 {
		join.Cond = andAll(conds)
	}
	var node Node = join
	for _, c := range withSub {
		node = b.bindWhere(c, node, sc)
	}
	return node
}

// outerJoinWithSubqueries binds a LEFT, RIGHT or FULL join whose ON holds
// subqueries that read the preserved side (or both sides). The ON is first
// evaluated as the condition of an inner join (innerJoinWithSubqueries)
// over the distinct rows of each preserved side, giving the matching pairs
// of values M; every preserved row then finds its partners in M by a
// null-safe equality on all its columns, so duplicates keep their
// multiplicity and rows without a partner are NULL-extended:
//
//	A ⟕on B  =  A ⟕(A ≡ M.A) M                         M = δA ⋈on B
//	A ⟖on B  =  M ⟖(M.B ≡ B) B                         M = A ⋈on δB
//	A ⟗on B  =  (A ⟕(A ≡ M.A) (M, true)) ⟗(true ∧ M.B ≡ B) B   M = δA ⋈on δB
//
// The result has the columns of join (left ++ right).
func (b *binder) outerJoinWithSubqueries(join *LogicalJoin, on parser.Expr, lsc, rsc *scope, parent *scope) Node {
	ln, rn := join.Left, join.Right
	lw, rw := width(ln), width(rn)
	ml, mr := ln, rn
	if join.Kind == JoinLeft || join.Kind == JoinFull {
		ml = &LogicalAgg{Input: ln, GroupBy: seq(lw)}
	}
	if join.Kind == JoinRight || join.Kind == JoinFull {
		mr = &LogicalAgg{Input: rn, GroupBy: seq(rw)}
	}
	inner := &LogicalJoin{Kind: JoinInner, Left: ml, Right: mr}
	_, isc := joinScopes(inner, lsc, rsc, lw)
	isc.parent = parent
	m := stripHidden(b.innerJoinWithSubqueries(inner, on, isc), lw+rw)
	keyJoin := func(kind JoinKind, l, r Node, lkeys, rkeys []int) *LogicalJoin {
		return &LogicalJoin{Kind: kind, Left: l, Right: r, LeftKeys: lkeys, RightKeys: rkeys, NullSafe: nullSafeKeys(len(lkeys))}
	}
	// pick projects n's output onto the given column ranges, with the
	// schema of the original join.
	out := join.Schema()
	pick := func(n Node, ranges ...[]int) Node {
		p := reorderProject(n, ranges...).(*LogicalProject)
		p.Cols = append(types.Schema(nil), out...)
		return p
	}
	switch join.Kind {
	case JoinLeft:
		// A ++ M.A ++ M.B
		return pick(keyJoin(JoinLeft, ln, m, seq(lw), seq(lw)), []int{0, lw}, []int{2 * lw, rw})
	case JoinRight:
		// M.A ++ M.B ++ B
		return pick(keyJoin(JoinRight, m, rn, shiftInts(seq(rw), lw), seq(rw)), []int{0, lw}, []int{lw + rw, rw})
	}
	// A ++ M.A ++ M.B ++ marker ++ B
	mark := extendProject(m, []expr.Expr{boolLit(true)})
	l := keyJoin(JoinLeft, ln, mark, seq(lw), seq(lw))
	f := keyJoin(JoinFull, l, rn, shiftInts(seq(rw), 2*lw), seq(rw))
	f.Cond = colRef(2*lw+rw, types.Bool, "marker")
	return pick(f, []int{0, lw}, []int{2*lw + rw + 1, rw})
}

// bindSetOp binds UNION, INTERSECT and EXCEPT.
func (b *binder) bindSetOp(op *parser.SetOp, parent *scope) boundQuery {
	l := b.bindSetExprLeaf(op.Left, parent)
	r := b.bindSetExprLeaf(op.Right, parent)
	ln, rn := stripHidden(l.node, l.visible), stripHidden(r.node, r.visible)
	if op.Corresponding {
		ln, rn = b.corresponding(op, ln, rn)
	}
	ls, rs := ln.Schema(), rn.Schema()
	if len(ls) != len(rs) {
		failAt(op.Right.Position(), sqlerr.SyntaxError, "each %s query must have the same number of columns", op.Op)
	}
	lex, rex := identityExprs(ls), identityExprs(rs)
	cols := make(types.Schema, len(ls))
	for i := range ls {
		t, err := expr.CommonType([]types.Type{ls[i].Type, rs[i].Type}, op.Op)
		check(op.Right.Position(), err)
		if t.Kind == types.KindUnknown {
			t = types.Varchar
		}
		// An untyped literal of a SELECT leaf (NULL, 'x') takes the
		// column's type, as in Postgres.
		if ls[i].Type.Kind == types.KindUnknown {
			ln = retypeLiteral(op.Left.Position(), ln, i, t)
		}
		if rs[i].Type.Kind == types.KindUnknown {
			rn = retypeLiteral(op.Right.Position(), rn, i, t)
		}
		lex[i] = b.coerce(op.Left.Position(), colRef(i, ln.Schema()[i].Type, ls[i].Name), t, op.Op)
		rex[i] = b.coerce(op.Right.Position(), colRef(i, rn.Schema()[i].Type, rs[i].Name), t, op.Op)
		cols[i] = types.Column{Name: ls[i].Name, Type: t}
	}
	ln = &LogicalProject{Input: ln, Exprs: lex, Cols: cols}
	rn = &LogicalProject{Input: rn, Exprs: rex, Cols: cols}
	n := len(cols)
	switch op.Op {
	case "UNION":
		var u Node = &LogicalUnion{Inputs: []Node{ln, rn}}
		if !op.All {
			u = &LogicalAgg{Input: u, GroupBy: seq(n)}
		}
		return boundQuery{node: u, visible: n}
	case "INTERSECT", "EXCEPT":
		mark := func(in Node, left bool) Node {
			ex := identityExprs(in.Schema())
			one := &expr.Literal{Value: int64(1), T: types.Int32}
			null := &expr.Literal{Value: nil, T: types.Int32}
			if left {
				ex = append(ex, one, null)
			} else {
				ex = append(ex, null, one)
			}
			cs := append(append(types.Schema(nil), cols...), types.Column{Name: "l", Type: types.Int32}, types.Column{Name: "r", Type: types.Int32})
			return &LogicalProject{Input: in, Exprs: ex, Cols: cs}
		}
		u := &LogicalUnion{Inputs: []Node{mark(ln, true), mark(rn, false)}}
		agg := &LogicalAgg{Input: u, GroupBy: seq(n), Names: []string{"l", "r"}, Aggs: []expr.AggCall{
			toAggCall(aggSpec{Name: "count", Args: []int{n}, ArgTypes: []types.Type{types.Int32}, Filter: -1, Type: types.Int64}),
			toAggCall(aggSpec{Name: "count", Args: []int{n + 1}, ArgTypes: []types.Type{types.Int32}, Filter: -1, Type: types.Int64}),
		}}
		zero := &expr.Literal{Value: int64(0), T: types.Int64}
		if op.All {
			return boundQuery{node: b.setOpAll(op, agg, n), visible: n}
		}
		lpos := b.resolve(op.Pos, ">", colRef(n, types.Int64, "l"), zero)
		var rcond expr.Expr
		if op.Op == "INTERSECT" {
			rcond = b.resolve(op.Pos, ">", colRef(n+1, types.Int64, "r"), zero)
		} else {
			rcond = b.resolve(op.Pos, "=", colRef(n+1, types.Int64, "r"), zero)
		}
		f := &LogicalFilter{Input: agg, Cond: andAll([]expr.Expr{lpos, rcond})}
		return boundQuery{node: stripHidden(f, n), visible: n}
	}
	failAt(op.Pos, sqlerr.FeatureNotSupported, "set operation %s is not supported", op.Op)
	return boundQuery{}
}

// setOpAll finishes INTERSECT ALL and EXCEPT ALL over agg, which counts
// each distinct row (NULLs equal, as set operations compare) on the left
// (column n) and on the right (column n+1). A row appears min(l, r) times
// in INTERSECT ALL and max(l - r, 0) times in EXCEPT ALL, as in Postgres:
// generate_series(1, times) repeats it, and its ordinal keeps the copies
// apart in the stream key.
func (b *binder) setOpAll(op *parser.SetOp, agg Node, n int) Node {
	l, r := colRef(n, types.Int64, "l"), colRef(n+1, types.Int64, "r")
	var times expr.Expr
	if op.Op == "INTERSECT" {
		e, err := expr.Resolve("least", []expr.Expr{l, r})
		check(op.Pos, err)
		times = e
	} else {
		times = b.resolve(op.Pos, "-", l, r) // generate_series(1, t ≤ 0) is empty
	}
	one := &expr.Literal{Value: int64(1), T: types.Int64}
	f, err := expr.ResolveSetFunc("generate_series", []expr.Expr{one, times})
	check(op.Pos, err)
	ps := &LogicalProjectSet{Input: agg, Funcs: []*expr.SetFunc{f}}
	return stripHidden(ps, n)
}

// bindSetExprLeaf binds an operand of a set operation; a plain SELECT
// leaves its untyped literal outputs untyped for the set operation to type.
func (b *binder) bindSetExprLeaf(s parser.SetExpr, parent *scope) boundQuery {
	if core, ok := s.(*parser.SelectCore); ok {
		b.setOpLeaf = true
		bq, _ := b.bindSelect(core, nil, parent)
		return bq
	}
	return b.bindSetExpr(s, parent)
}

// retypeLiteral gives column i of a set operation's operand n, an untyped
// literal of its projection, the type t.
func retypeLiteral(pos parser.Pos, n Node, i int, t types.Type) Node {
	p, ok := n.(*LogicalProject)
	if !ok {
		failAt(pos, sqlerr.InternalError, "an untyped set-operation column is not a literal")
	}
	lit, ok := p.Exprs[i].(*expr.Literal)
	if !ok {
		failAt(pos, sqlerr.InternalError, "an untyped set-operation column is not a literal")
	}
	c, err := expr.NewCast(lit, t, false)
	check(pos, err)
	q := *p
	q.Exprs = append([]expr.Expr(nil), p.Exprs...)
	q.Exprs[i] = c
	q.Cols = append(types.Schema(nil), p.Cols...)
	q.Cols[i].Type = t
	return &q
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// resolve resolves an operator or function, raising errors at pos.
func (b *binder) resolve(pos parser.Pos, name string, args ...expr.Expr) expr.Expr {
	e, err := expr.Resolve(name, args)
	check(pos, err)
	return e
}

// ---------------------------------------------------------------------------
// FROM

// bindFrom binds a FROM list (comma-separated items are cross joined).
func (b *binder) bindFrom(items []parser.TableExpr, parent *scope) (Node, *scope) {
	if len(items) == 0 {
		return &LogicalValues{Rows: [][]expr.Expr{{}}}, &scope{parent: parent}
	}
	b.checkRefNames(items)
	items = reassociateLateral(items)
	node, sc := b.bindTableExpr(items[0], parent)
	for _, it := range items[1:] {
		if tf, ok := isSetTableFunc(it); ok {
			node, sc = b.bindSetTableFunc(tf, node, sc, parent)
			continue
		}
		if dt, ok := it.(*parser.DerivedTable); ok && dt.Lateral {
			node, sc = b.bindLateral(JoinInner, node, sc, dt, nil, parent)
			continue
		}
		rn, rsc := b.bindTableExpr(it, parent)
		node, sc = joinScopes(&LogicalJoin{Kind: JoinInner, Left: node, Right: rn}, sc, rsc, len(node.Schema()))
	}
	sc.parent = parent
	return node, sc
}

// joinScopes returns the join node and the concatenation of two scopes.
func joinScopes(j Node, l, r *scope, lw int) (Node, *scope) {
	sc := &scope{cols: append([]scopeCol(nil), l.cols...)}
	for _, c := range r.cols {
		c.idx += lw
		sc.cols = append(sc.cols, c)
	}
	return j, sc
}

// relationScope returns the scope of a relation's columns under a qualifier.
func relationScope(s types.Schema, qual string, alias *parser.Alias) *scope {
	sc := &scope{}
	vis := 0
	for i, c := range s {
		name := c.Name
		if alias != nil && !c.Hidden && vis < len(alias.Columns) {
			name = alias.Columns[vis]
		}
		if !c.Hidden {
			vis++
		}
		sc.cols = append(sc.cols, scopeCol{table: qual, name: name, typ: c.Type, idx: i, hidden: c.Hidden})
	}
	return sc
}

func (b *binder) bindTableExpr(te parser.TableExpr, parent *scope) (Node, *scope) {
	switch x := te.(type) {
	case *parser.TableName:
		return b.bindTableName(x, parent)
	case *parser.DerivedTable:
		// A LATERAL subquery first in FROM has nothing to its left: a
		// plain derived table.
		bq := b.bindQuery(x.Query, parent, false)
		qual := ""
		if x.Alias != nil {
			qual = x.Alias.Name
		}
		return bq.node, relationScope(bq.node.Schema(), qual, x.Alias)
	case *parser.ParenTable:
		n, sc := b.bindTableExpr(x.Table, parent)
		if x.Alias != nil {
			sc = relationScope(n.Schema(), x.Alias.Name, x.Alias)
		}
		return n, sc
	case *parser.Join:
		return b.bindJoin(x, parent)
	case *parser.TableFunc:
		if _, ok := isSetTableFunc(x); ok {
			return b.bindSetTableFunc(x, nil, nil, parent)
		}
		return b.bindTableFunc(x, parent)
	}
	failAt(te.Position(), sqlerr.FeatureNotSupported, "unsupported FROM item")
	return nil, nil
}

// lookupCTE finds a CTE by name in the current environment.
func (b *binder) lookupCTE(name string) *cteDef {
	for i := len(b.ctes) - 1; i >= 0; i-- {
		if b.ctes[i].cte.Name == name {
			return b.ctes[i]
		}
	}
	return nil
}

func (b *binder) bindTableName(t *parser.TableName, parent *scope) (Node, *scope) {
	name := NormalizeName(strings.Join(t.Name, "."))
	qual := t.Name[len(t.Name)-1]
	if t.Alias != nil {
		qual = t.Alias.Name
	}
	if len(t.Name) == 1 {
		if def := b.lookupCTE(t.Name[0]); def != nil && def.cte.ChangelogFrom != nil {
			// name AS CHANGELOG FROM rel: rel's change stream (changelog.go).
			saved := b.ctes
			b.ctes = def.env
			in, _ := b.bindTableName(&parser.TableName{Pos: def.cte.Pos, Name: def.cte.ChangelogFrom}, nil)
			b.ctes = saved
			n := Node(newLogicalChangelog(in))
			if len(def.cte.Columns) > 0 {
				n = renameCols(n, def.cte.Columns)
			}
			return n, relationScope(n.Schema(), qual, t.Alias)
		}
		if def := b.lookupCTE(t.Name[0]); def != nil {
			saved := b.ctes
			b.ctes = def.env
			bq := b.bindQuery(def.cte.Query, nil, false)
			b.ctes = saved
			n := bq.node
			if len(def.cte.Columns) > 0 {
				n = renameCols(n, def.cte.Columns)
			}
			return n, relationScope(n.Schema(), qual, t.Alias)
		}
	}
	rel, err := b.cat.Relation(name)
	if err != nil {
		check(t.Pos, err)
	}
	if rel == nil {
		failAt(t.Pos, sqlerr.UndefinedTable, "relation %q does not exist", name)
	}
	if rel.Kind == RelView {
		if b.views > 32 {
			failAt(t.Pos, sqlerr.InvalidObjectDefinition, "infinite recursion detected in rules for relation %q", name)
		}
		saved := b.ctes
		b.ctes = nil
		b.views++
		bq := b.bindQuery(rel.ViewQuery, nil, false)
		b.views--
		b.ctes = saved
		n := bq.node
		var names []string
		for _, c := range rel.Schema {
			if !c.Hidden {
				names = append(names, c.Name)
			}
		}
		if len(names) == len(n.Schema()) {
			n = renameCols(n, names)
		}
		return n, withSchema(relationScope(n.Schema(), qual, t.Alias), t)
	}
	scan := &LogicalScan{Relation: rel, Cols: seq(len(rel.Schema)), Alias: qual, Proctime: t.ForSystemTimeAsOfProctime}
	return scan, withSchema(relationScope(scan.Schema(), qual, t.Alias), t)
}

// withSchema records the schema of an unaliased table reference in its
// scope's columns.
func withSchema(sc *scope, t *parser.TableName) *scope {
	if t.Alias != nil {
		return sc
	}
	schema := "public"
	if len(t.Name) > 1 {
		schema = strings.ToLower(t.Name[len(t.Name)-2])
	}
	for i := range sc.cols {
		sc.cols[i].schema = schema
	}
	return sc
}

// renameCols renames the leading columns of n.
func renameCols(n Node, names []string) Node {
	s := append(types.Schema(nil), n.Schema()...)
	for i := range names {
		if i < len(s) {
			s[i].Name = names[i]
		}
	}
	return &LogicalProject{Input: n, Exprs: identityExprs(s), Cols: s}
}

func (b *binder) bindJoin(j *parser.Join, parent *scope) (Node, *scope) {
	ln, lsc := b.bindTableExpr(j.Left, parent)
	if tf, ok := isSetTableFunc(j.Right); ok && (j.Kind == "CROSS" || j.Kind == "INNER" || j.Kind == "") && !j.Natural && len(j.Using) == 0 {
		// A set-returning function is implicitly LATERAL.
		node, sc := b.bindSetTableFunc(tf, ln, lsc, parent)
		if j.On != nil {
			ctx := &exprCtx{b: b, sc: sc, clause: "JOIN conditions"}
			node = &LogicalFilter{Input: node, Cond: b.boolCond(j.On.Position(), ctx.bind(j.On), "JOIN/ON")}
		}
		return node, sc
	}
	if dt, ok := j.Right.(*parser.DerivedTable); ok && dt.Lateral && !j.Natural && len(j.Using) == 0 {
		switch j.Kind {
		case "", "INNER", "CROSS":
			return b.bindLateral(JoinInner, ln, lsc, dt, j.On, parent)
		case "LEFT":
			return b.bindLateral(JoinLeft, ln, lsc, dt, j.On, parent)
		}
		failAt(dt.Pos, sqlerr.FeatureNotSupported, "the combining JOIN type must be INNER or LEFT for a LATERAL reference")
	}
	rn, rsc := b.bindTableExpr(j.Right, parent)
	kind := JoinInner
	switch j.Kind {
	case "LEFT":
		kind = JoinLeft
	case "RIGHT":
		kind = JoinRight
	case "FULL":
		kind = JoinFull
	}
	on := j.On
	if on != nil && (kind == JoinLeft || kind == JoinRight) && astHasSubquery(on) && len(j.Using) == 0 && !j.Natural {
		// A conjunct with a subquery that reads only the null-extended
		// side filters that side before the join: A LEFT JOIN B ON e AND
		// p(B) is A LEFT JOIN (B WHERE p(B)) ON e.
		var keep []parser.Expr
		for _, c := range astConjuncts(on) {
			if !astHasSubquery(c) {
				keep = append(keep, c)
				continue
			}
			if kind == JoinLeft {
				if n, ok := b.tryFilter(c, rn, rsc); ok {
					rn = n
					continue
				}
			} else if n, ok := b.tryFilter(c, ln, lsc); ok {
				ln = n
				continue
			}
			keep = append(keep, c)
		}
		on = andAST(keep, on.Position())
	}
	lw := len(ln.Schema())
	join := &LogicalJoin{Kind: kind, Left: ln, Right: rn}
	_, sc := joinScopes(join, lsc, rsc, lw)
	sc.parent = parent
	using := j.Using
	if j.Natural {
		for _, lc := range lsc.cols {
			if lc.hidden || lc.noUnqual {
				continue
			}
			for _, rc := range rsc.cols {
				if !rc.hidden && !rc.noUnqual && rc.name == lc.name {
					using = append(using, lc.name)
				}
			}
		}
	}
	if len(using) == 0 && !j.Natural {
		if on != nil && kind == JoinInner && astHasSubquery(on) {
			return b.innerJoinWithSubqueries(join, on, sc), sc
		}
		if on != nil && astHasSubquery(on) {
			return b.outerJoinWithSubqueries(join, on, lsc, rsc, parent), sc
		}
		if on != nil {
			ctx := &exprCtx{b: b, sc: sc, clause: "JOIN conditions"}
			cond := ctx.bind(on)
			join.Cond = b.boolCond(on.Position(), cond, "JOIN/ON")
		}
		return join, sc
	}
	// USING / NATURAL: equate the named columns and merge them.
	find := func(s *scope, name string, side string) scopeCol {
		var found []scopeCol
		for _, c := range s.cols {
			if c.name == name && !c.noUnqual {
				found = append(found, c)
			}
		}
		if len(found) == 0 {
			failAt(j.Pos, sqlerr.UndefinedColumn, "column %q specified in USING clause does not exist in %s table", name, side)
		}
		if len(found) > 1 {
			failAt(j.Pos, sqlerr.AmbiguousColumn, "common column name %q appears more than once in %s table", name, side)
		}
		return found[0]
	}
	var conds []expr.Expr
	var merged []scopeCol
	var coalesces []expr.Expr
	mergedNames := map[string]bool{}
	for _, name := range using {
		lc, rc := find(lsc, name, "left"), find(rsc, name, "right")
		l := colRef(lc.idx, lc.typ, name)
		r := colRef(rc.idx+lw, rc.typ, name)
		conds = append(conds, b.resolve(j.Pos, "=", l, r))
		mergedNames[name] = true
		switch kind {
		case JoinFull:
			c, err := expr.NewCoalesce([]expr.Expr{l, r})
			check(j.Pos, err)
			merged = append(merged, scopeCol{name: name, typ: c.Type(), idx: -1, noQual: true})
			coalesces = append(coalesces, c)
		case JoinRight:
			merged = append(merged, scopeCol{name: name, typ: rc.typ, idx: rc.idx + lw, noQual: true})
		default:
			merged = append(merged, scopeCol{name: name, typ: lc.typ, idx: lc.idx, noQual: true})
		}
	}
	join.Cond = andAll(conds)
	var node Node = join
	if len(coalesces) > 0 {
		s := join.Schema()
		ex := identityExprs(s)
		cols := append(types.Schema(nil), s...)
		k := 0
		for i := range merged {
			if merged[i].idx == -1 {
				merged[i].idx = len(ex)
				ex = append(ex, coalesces[k])
				cols = append(cols, types.Column{Name: merged[i].name, Type: coalesces[k].Type(), Hidden: true})
				k++
			}
		}
		node = &LogicalProject{Input: join, Exprs: ex, Cols: cols}
	}
	out := &scope{parent: parent, cols: merged}
	for _, c := range sc.cols {
		if mergedNames[c.name] {
			// An input column of the merge is reachable only qualified; an
			// already-merged column (of a nested USING/NATURAL join) is
			// superseded by the new merged column and no longer reachable.
			c.noUnqual = true
		}
		out.cols = append(out.cols, c)
	}
	return node, out
}

// checkRefNames raises Postgres's 42712 when two items of one FROM clause
// (join trees included) have the same name (alias, else table name),
// unless both are unaliased tables that are different relations
// (s1.t, s2.t).
func (b *binder) checkRefNames(items []parser.TableExpr) {
	relOf := map[string]string{} // refname -> relation ("" = not an unaliased table)
	var walk func(te parser.TableExpr)
	note := func(pos parser.Pos, name, rel string) {
		if name == "" {
			return
		}
		if prev, ok := relOf[name]; ok && (prev == "" || rel == "" || prev == rel) {
			failAt(pos, "42712", "table name %q specified more than once", name)
		}
		relOf[name] = rel
	}
	walk = func(te parser.TableExpr) {
		switch x := te.(type) {
		case *parser.TableName:
			if x.Alias != nil {
				note(x.Pos, x.Alias.Name, "")
			} else if len(x.Name) > 0 {
				full := NormalizeName(strings.Join(x.Name, "."))
				rel := full
				if len(x.Name) == 1 && b.lookupCTE(full) != nil {
					rel = ""
				}
				note(x.Pos, strings.ToLower(x.Name[len(x.Name)-1]), rel)
			}
		case *parser.DerivedTable:
			if x.Alias != nil {
				note(x.Pos, x.Alias.Name, "")
			}
		case *parser.TableFunc:
			if x.Alias != nil {
				note(x.Pos, x.Alias.Name, "")
			}
		case *parser.ParenTable:
			if x.Alias != nil {
				note(x.Pos, x.Alias.Name, "")
			} else {
				walk(x.Table)
			}
		case *parser.Join:
			walk(x.Left)
			walk(x.Right)
		}
	}
	for _, it := range items {
		walk(it)
	}
}

// reassociateLateral rewrites FROM a, (b JOIN LATERAL c) as FROM (a CROSS
// JOIN b) JOIN LATERAL c, so that lateral items inside a later join tree
// see the FROM items before it, as in Postgres. It applies when that join
// tree holds a lateral item (a LATERAL subquery or a function in FROM) and
// the joins down its left spine are inner, cross or left joins without
// NATURAL or USING, for which the two forms are equal.
func reassociateLateral(items []parser.TableExpr) []parser.TableExpr {
	out := []parser.TableExpr{items[0]}
	for _, it := range items[1:] {
		j, ok := it.(*parser.Join)
		if !ok || !hasLateralItem(j) || !leftSpineReassociable(j) {
			out = append(out, it)
			continue
		}
		var acc parser.TableExpr = out[0]
		for _, o := range out[1:] {
			acc = &parser.Join{Pos: o.Position(), Kind: "CROSS", Left: acc, Right: o}
		}
		out = []parser.TableExpr{withLeftmost(j, acc)}
	}
	return out
}

func hasLateralItem(te parser.TableExpr) bool {
	switch x := te.(type) {
	case *parser.DerivedTable:
		return x.Lateral
	case *parser.TableFunc:
		_, ok := isSetTableFunc(x)
		return ok
	case *parser.Join:
		return hasLateralItem(x.Left) || hasLateralItem(x.Right)
	}
	return false
}

func leftSpineReassociable(te parser.TableExpr) bool {
	j, ok := te.(*parser.Join)
	if !ok {
		return true
	}
	switch j.Kind {
	case "", "INNER", "CROSS", "LEFT":
	default:
		return false
	}
	if j.Natural || len(j.Using) > 0 || j.Asof {
		return false
	}
	return leftSpineReassociable(j.Left)
}

// withLeftmost returns a copy of the join tree te with its leftmost leaf
// L replaced by acc CROSS JOIN L.
func withLeftmost(te parser.TableExpr, acc parser.TableExpr) parser.TableExpr {
	j, ok := te.(*parser.Join)
	if !ok {
		return &parser.Join{Pos: te.Position(), Kind: "CROSS", Left: acc, Right: te}
	}
	c := *j
	c.Left = withLeftmost(j.Left, acc)
	return &c
}

// bindLateral binds [LEFT] JOIN LATERAL (query) [ON cond] (or a LATERAL
// item of a FROM list) to the right of left: the subquery sees left's
// columns as outer references, and the apply runs it per left row.
func (b *binder) bindLateral(kind JoinKind, left Node, lsc *scope, dt *parser.DerivedTable, on parser.Expr, parent *scope) (Node, *scope) {
	lscope := &scope{cols: lsc.cols, parent: parent}
	bq := b.bindQuery(dt.Query, lscope, false)
	qual := ""
	if dt.Alias != nil {
		qual = dt.Alias.Name
	}
	rsc := relationScope(bq.node.Schema(), qual, dt.Alias)
	ak := ApplyLateral
	if kind == JoinLeft {
		ak = ApplyLeftLateral
	}
	apply := &LogicalApply{Kind: ak, Left: left, Right: bq.node}
	_, sc := joinScopes(apply, lsc, rsc, len(left.Schema()))
	sc.parent = parent
	if on != nil {
		ctx := &exprCtx{b: b, sc: sc, clause: "JOIN conditions"}
		apply.Cond = b.boolCond(on.Position(), ctx.bind(on), "JOIN/ON")
	}
	return apply, sc
}

// bindTableFunc binds TUMBLE and HOP.
func (b *binder) bindTableFunc(tf *parser.TableFunc, parent *scope) (Node, *scope) {
	name := tf.Func.Name[len(tf.Func.Name)-1]
	switch name {
	case "tumble", "hop":
	default:
		failAt(tf.Pos, sqlerr.FeatureNotSupported, "table function %s is not supported", name)
	}
	want := 3
	if name == "hop" {
		want = 4
	}
	if len(tf.Func.Args) != want {
		failAt(tf.Pos, sqlerr.UndefinedFunction, "function %s requires %d arguments", name, want)
	}
	tref, ok := tf.Func.Args[0].(*parser.ColumnRef)
	if !ok {
		failAt(tf.Func.Args[0].Position(), sqlerr.SyntaxError, "the first argument of %s must be a relation name", name)
	}
	in, sc := b.bindTableName(&parser.TableName{Pos: tref.Pos, Name: tref.Parts}, parent)
	ctx := &exprCtx{b: b, sc: sc, clause: "FROM"}
	tcol := ctx.bind(tf.Func.Args[1])
	cr, ok := tcol.(*expr.ColumnRef)
	if !ok || !(cr.T.Kind == types.KindTimestamp || cr.T.Kind == types.KindTimestamptz || cr.T.Kind == types.KindDate) {
		failAt(tf.Func.Args[1].Position(), sqlerr.DatatypeMismatch, "the time column of %s must be a timestamp column", name)
	}
	ivs := make([]types.Interval, 0, 2)
	for _, a := range tf.Func.Args[2:] {
		x := b.coerce(a.Position(), ctx.bind(a), types.IntervalT, strings.ToUpper(name))
		v, err := x.EvalRow(&expr.Context{TimeZone: "UTC"}, nil)
		check(a.Position(), err)
		iv, ok := v.(types.Interval)
		if !ok || iv.Duration() <= 0 {
			failAt(a.Position(), sqlerr.InvalidParameterValue, "window size and slide must be positive intervals")
		}
		ivs = append(ivs, iv)
	}
	hw := &LogicalHopWindow{Input: in, TimeCol: cr.Index}
	if name == "tumble" {
		hw.Slide, hw.Size = ivs[0], ivs[0]
	} else {
		hw.Slide, hw.Size = ivs[0], ivs[1]
	}
	qual := tref.Parts[len(tref.Parts)-1]
	if tf.Alias != nil {
		qual = tf.Alias.Name
	}
	out := relationScope(hw.Schema(), qual, tf.Alias)
	out.parent = parent
	return hw, out
}

// boolCond checks that a condition is boolean (coercing unknown literals).
func (b *binder) boolCond(pos parser.Pos, e expr.Expr, what string) expr.Expr {
	switch e.Type().Kind {
	case types.KindBool:
		return e
	case types.KindUnknown:
		c, err := expr.NewCast(e, types.Bool, false)
		check(pos, err)
		return c
	}
	failAt(pos, sqlerr.DatatypeMismatch, "argument of %s must be type boolean, not type %s", what, e.Type())
	return nil
}

// corresponding projects both sides of a set operation with CORRESPONDING
// [BY (…)] onto their common columns, matched by name: the BY list in its
// order, or the left side's columns that the right side also has.
func (b *binder) corresponding(op *parser.SetOp, ln, rn Node) (Node, Node) {
	ls, rs := ln.Schema(), rn.Schema()
	find := func(s types.Schema, name string) int {
		for i, c := range s {
			if c.Name == name {
				return i
			}
		}
		return -1
	}
	names := op.CorrespondingBy
	if len(names) == 0 {
		for _, c := range ls {
			if find(rs, c.Name) >= 0 {
				names = append(names, c.Name)
			}
		}
		if len(names) == 0 {
			lnames, rnames := make([]string, len(ls)), make([]string, len(rs))
			for i, c := range ls {
				lnames[i] = fmt.Sprintf("%q", c.Name)
			}
			for i, c := range rs {
				rnames[i] = fmt.Sprintf("%q", c.Name)
			}
			failAt(op.Pos, sqlerr.SyntaxError, "When CORRESPONDING is specified, at least one column of the left side shall have a column name that is the column name of some column of the right side in a %s operation. Left side query column list: (%s). Right side query column list: (%s).",
				op.Op, strings.Join(lnames, ", "), strings.Join(rnames, ", "))
		}
	}
	proj := func(n Node, s types.Schema) Node {
		var ex []expr.Expr
		var cols types.Schema
		for _, name := range names {
			i := find(s, name)
			if i < 0 || find(s[i+1:], name) >= 0 {
				failAt(op.Pos, sqlerr.SyntaxError, "Column name `%s` in CORRESPONDING BY is not found in a side of the %s operation. It shall be included in both sides.", name, op.Op)
			}
			ex = append(ex, colRef(i, s[i].Type, name))
			cols = append(cols, s[i])
		}
		return &LogicalProject{Input: n, Exprs: ex, Cols: cols}
	}
	return proj(ln, ls), proj(rn, rs)
}
