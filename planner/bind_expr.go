package planner

import (
	"slices"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// exprCtx is the context an AST expression is bound in.
type exprCtx struct {
	b      *binder
	sc     *scope
	clause string        // for "aggregate functions are not allowed in %s"
	agg    *aggState     // non-nil: bind above the aggregation of this block
	win    *winState     // non-nil: window functions allowed
	winErr string        // clause named when a window function is not allowed
	subs   *[]pendingSub // non-nil: scalar subqueries allowed
	inAgg  bool          // binding an aggregate's arguments
	srf    *[]srfCall    // non-nil: set-returning functions allowed (SELECT list)
	fn     *fnArgs       // non-nil: binding a SQL function's body
}

// bind binds an AST expression.
func (c *exprCtx) bind(e parser.Expr) expr.Expr {
	if c.agg != nil {
		if x, ok := c.aggHook(e); ok {
			return x
		}
	}
	b := c.b
	pos := e.Position()
	switch x := e.(type) {
	case *parser.Literal:
		return c.literal(x)
	case *parser.TypedLiteral:
		t := c.typeOf(x.Type)
		v := x.Value
		if x.Unit != "" && t.Kind == types.KindInterval {
			v = intervalWithUnit(v, x.Unit)
		}
		if t.Kind == types.KindTimestamptz {
			// Read in the session's zone when it carries no offset.
			x, err := expr.NewCast(&expr.Literal{Value: v, T: types.Unknown}, t, true)
			check(pos, err)
			return x
		}
		d, err := expr.ParseText(v, t)
		check(pos, err)
		return &expr.Literal{Value: d, T: t}
	case *parser.ColumnRef:
		return c.column(x)
	case *parser.Param:
		if c.fn != nil {
			if x.N < 1 || x.N > len(c.fn.pos) {
				failAt(pos, sqlerr.UndefinedParameter, "there is no parameter $%d", x.N)
			}
			return c.fn.pos[x.N-1]
		}
		return &expr.Param{N: x.N, T: types.Unknown}
	case *parser.BinaryExpr:
		return c.binary(x)
	case *parser.UnaryExpr:
		arg := c.bind(x.Expr)
		switch x.Op {
		case "NOT":
			return &expr.Not{Arg: b.boolCond(x.Expr.Position(), arg, "NOT")}
		case "+":
			return arg
		case "-":
			if l, ok := arg.(*expr.Literal); ok {
				switch v := l.Value.(type) {
				case int64:
					return &expr.Literal{Value: -v, T: l.T}
				case float64:
					return &expr.Literal{Value: -v, T: l.T}
				}
			}
		}
		return b.resolve(pos, strings.ToLower(x.Op), arg)
	case *parser.IsExpr:
		if row, ok := x.Expr.(*parser.RowExpr); ok && x.What == "NULL" && len(row.Elems) > 0 {
			// ROW(…) IS NULL: every field is NULL; IS NOT NULL: none is.
			parts := make([]expr.Expr, len(row.Elems))
			for i, el := range row.Elems {
				parts[i] = &expr.IsNull{Arg: c.bind(el), Not: x.Not}
			}
			if len(parts) == 1 {
				return parts[0]
			}
			return &expr.And{Args: parts}
		}
		arg := c.bind(x.Expr)
		switch x.What {
		case "NULL":
			if arg.Type().Kind == types.KindStruct {
				return &expr.RecordIsNull{Arg: arg, Not: x.Not}
			}
			return &expr.IsNull{Arg: arg, Not: x.Not}
		case "TRUE", "FALSE", "UNKNOWN":
			arg = b.boolCond(x.Expr.Position(), arg, "IS "+x.What)
			var r expr.Expr
			switch x.What {
			case "TRUE":
				r = &expr.Case{Whens: []expr.When{{Cond: arg, Result: boolLit(true)}}, Else: boolLit(false), T: types.Bool}
			case "FALSE":
				r = &expr.Case{Whens: []expr.When{{Cond: &expr.Not{Arg: arg}, Result: boolLit(true)}}, Else: boolLit(false), T: types.Bool}
			default:
				r = &expr.IsNull{Arg: arg}
			}
			if x.Not {
				r = &expr.Not{Arg: r}
			}
			return r
		}
	case *parser.BetweenExpr:
		v, lo, hi := c.bind(x.Expr), c.bind(x.Low), c.bind(x.High)
		var r expr.Expr = &expr.And{Args: []expr.Expr{b.resolve(pos, ">=", v, lo), b.resolve(pos, "<=", v, hi)}}
		if x.Symmetric {
			r = &expr.Or{Args: []expr.Expr{r, &expr.And{Args: []expr.Expr{b.resolve(pos, ">=", v, hi), b.resolve(pos, "<=", v, lo)}}}}
		}
		if x.Not {
			r = &expr.Not{Arg: r}
		}
		return r
	case *parser.InList:
		if row, ok := x.Expr.(*parser.RowExpr); ok {
			// (a, b) IN ((1, 2), …): an OR of row equalities.
			var r parser.Expr
			for _, l := range x.List {
				lr, ok := l.(*parser.RowExpr)
				if !ok {
					failAt(l.Position(), sqlerr.SyntaxError, "the items of an IN list compared with a row must be rows")
				}
				eq := rowCompare(pos, "=", row, lr)
				if r == nil {
					r = eq
				} else {
					r = &parser.BinaryExpr{Pos: pos, Op: "OR", Left: r, Right: eq}
				}
			}
			if x.Not {
				r = &parser.UnaryExpr{Pos: pos, Op: "NOT", Expr: r}
			}
			return c.bind(r)
		}
		arg := c.bind(x.Expr)
		list := make([]expr.Expr, len(x.List))
		for i, l := range x.List {
			list[i] = c.bind(l)
		}
		r, err := expr.NewInList(arg, list, x.Not)
		check(pos, err)
		return r
	case *parser.Case:
		var operand expr.Expr
		if x.Operand != nil {
			operand = c.bind(x.Operand)
		}
		whens := make([]expr.When, len(x.Whens))
		for i, w := range x.Whens {
			whens[i] = expr.When{Cond: c.bind(w.Cond), Result: c.bind(w.Result)}
		}
		var els expr.Expr
		if x.Else != nil {
			els = c.bind(x.Else)
		}
		r, err := expr.NewCase(operand, whens, els)
		check(pos, err)
		return r
	case *parser.Cast:
		t := c.typeOf(x.Type)
		if al, ok := x.Expr.(*parser.ArrayLit); ok && t.Kind == types.KindArray {
			// ARRAY[…]::T[]: the elements are typed from the target
			// (ARRAY[]::int[], ARRAY['1','2']::int[]).
			elems := make([]expr.Expr, len(al.Elems))
			for i, el := range al.Elems {
				elems[i] = c.bind(el)
			}
			arr, err := expr.NewArrayCtor(elems, t.ElemType())
			check(pos, err)
			r, err := expr.NewCast(arr, t, true)
			check(pos, err)
			return r
		}
		arg := c.bind(x.Expr)
		r, err := expr.NewCast(arg, t, true)
		check(pos, err)
		return typeModCast(x.Type, t, r)
	case *parser.FuncCall:
		return c.funcCall(x)
	case *parser.ArrayLit:
		elems := make([]expr.Expr, len(x.Elems))
		for i, el := range x.Elems {
			elems[i] = c.bind(el)
		}
		r, err := expr.NewArrayCtor(elems, types.Unknown)
		check(pos, err)
		return r
	case *parser.Index:
		if x.Slice {
			bound := func(e parser.Expr) expr.Expr {
				if e == nil {
					return &expr.Literal{Value: nil, T: types.Int32}
				}
				return c.bind(e)
			}
			return b.resolve(pos, "[:]", c.bind(x.Expr), bound(x.Lo), bound(x.Hi))
		}
		return b.resolve(pos, "[]", c.bind(x.Expr), c.bind(x.Index))
	case *parser.Extract:
		return b.resolve(pos, "extract", &expr.Literal{Value: strings.ToLower(x.Field), T: types.Varchar}, c.bind(x.From))
	case *parser.AtTimeZone:
		return b.resolve(pos, "timezone", c.bind(x.Zone), c.bind(x.Expr))
	case *parser.Collate:
		arg := c.bind(x.Expr)
		checkCollation(pos, x.Collation, arg.Type())
		return arg
	case *parser.Subquery:
		return c.scalarSubquery(x)
	case *parser.Exists:
		return c.markSubquery(pos, nil, "=", x.Query, false)
	case *parser.InSubquery:
		r := c.markSubquery(pos, x.Expr, "=", x.Query, false)
		if x.Not {
			r = &expr.Not{Arg: r}
		}
		return r
	case *parser.ArraySubquery:
		return c.arraySubquery(x)
	case *parser.QuantifiedCmp:
		if x.Array != nil {
			return b.resolve(pos, strings.ToLower(x.Op)+" "+strings.ToLower(x.Quant), c.bind(x.Expr), c.bind(x.Array))
		}
		return c.markSubquery(pos, x.Expr, x.Op, x.Query, x.Quant == "ALL")
	case *parser.Default:
		failAt(pos, sqlerr.SyntaxError, "DEFAULT is not allowed in this context")
	case *parser.Star:
		failAt(pos, sqlerr.FeatureNotSupported, "* is not allowed in this context")
	case *parser.RowExpr:
		return c.rowCtor(x)
	case *parser.FieldAccess:
		return c.fieldAccess(x)
	}
	failAt(pos, sqlerr.FeatureNotSupported, "unsupported expression %s", e.String())
	return nil
}

// checkCollation checks a COLLATE clause as Postgres does: the type must be
// collatable (text, or an array of text; an unknown literal stays unknown)
// and the collation must exist. Text compares bytewise here, so only the
// collations that order that way are known: "C", "POSIX", "ucs_basic",
// "C.utf8" and "default". Names are case-sensitive ("c" does not exist).
func checkCollation(pos parser.Pos, name string, t types.Type) {
	et := t
	if et.Kind == types.KindArray {
		et = et.ElemType()
	}
	if et.Kind != types.KindVarchar && et.Kind != types.KindUnknown {
		failAt(pos, sqlerr.DatatypeMismatch, "collations are not supported by type %s", t)
	}
	switch strings.TrimPrefix(name, "pg_catalog.") {
	case "C", "POSIX", "ucs_basic", "C.utf8", "default":
		return
	}
	failAt(pos, sqlerr.UndefinedObject, "collation %q for encoding \"UTF8\" does not exist", name)
}

func intervalWithUnit(v, unit string) string {
	u := strings.ToLower(unit)
	if i := strings.Index(u, " to "); i >= 0 {
		return v
	}
	for _, r := range v {
		if (r < '0' || r > '9') && r != '.' && r != '-' && r != '+' && r != ' ' {
			return v
		}
	}
	return v + " " + u
}

// literal binds a constant. Strings stay unknown-typed until context fixes
// their type.
func (c *exprCtx) literal(x *parser.Literal) expr.Expr {
	switch x.Kind {
	case parser.LitNull:
		return &expr.Literal{Value: nil, T: types.Unknown}
	case parser.LitBool:
		return boolLit(x.Bool)
	case parser.LitInteger:
		if x.Int >= -1<<31 && x.Int < 1<<31 {
			return &expr.Literal{Value: x.Int, T: types.Int32}
		}
		return &expr.Literal{Value: x.Int, T: types.Int64}
	case parser.LitNumeric:
		d, err := expr.ParseText(x.Text, types.Numeric)
		check(x.Pos, err)
		return &expr.Literal{Value: d, T: types.Numeric}
	case parser.LitString:
		return &expr.Literal{Value: x.Text, T: types.Unknown}
	}
	failAt(x.Pos, sqlerr.FeatureNotSupported, "bit string constants are not supported")
	return nil
}

// typeOf resolves an AST type name.
func (c *exprCtx) typeOf(tn *parser.TypeName) types.Type {
	return typeIn(tn, c.b.cat)
}

// typeModCast applies the modifier of a cast's type name (NUMERIC(10,2),
// VARCHAR(3)) to the cast value e of type t.
func typeModCast(tn *parser.TypeName, t types.Type, e expr.Expr) expr.Expr {
	if len(tn.Args) == 0 || tn.ArrayDims > 0 {
		return e
	}
	m, err := expr.CheckTypeMod(t, tn.Args)
	check(tn.Pos, err)
	r, err := expr.ApplyTypeMod(e, t, m, true)
	check(tn.Pos, err)
	return r
}

func typeOf(tn *parser.TypeName) types.Type { return typeIn(tn, nil) }

// typeIn is TypeOf raising its error as a bind error.
func typeIn(tn *parser.TypeName, cat Catalog) types.Type {
	t, err := TypeOf(tn, cat)
	if err != nil {
		panic(bindError{err})
	}
	return t
}

// TypeOf resolves an AST type name: a built-in type, a STRUCT<…> (whose
// field names are lower-cased), a composite type of cat (when it is a
// TypeCatalog; cat may be nil), or an array of any of them.
func TypeOf(tn *parser.TypeName, cat Catalog) (types.Type, error) {
	var t types.Type
	if len(tn.Fields) > 0 {
		fs, err := FieldsOf(tn.Fields, cat)
		if err != nil {
			return types.Type{}, err
		}
		t = types.StructOf("", fs)
	} else {
		var ok bool
		t, ok = types.TypeByName(tn.Name)
		if tc, isTC := cat.(TypeCatalog); !ok && isTC {
			t, ok = tc.NamedType(NormalizeName(tn.Name))
		}
		if !ok {
			return types.Type{}, sqlerr.New(sqlerr.UndefinedObject, "type %q does not exist", tn.Name).WithPosition(int(tn.Pos) + 1)
		}
	}
	if tn.ArrayDims > 0 {
		t = types.ArrayOf(t)
	}
	return t, nil
}

// column resolves a column reference through the scope chain.
func (c *exprCtx) column(x *parser.ColumnRef) expr.Expr {
	if c.fn != nil {
		if a, ok := c.fn.lookup(x.Parts); ok {
			return a
		}
	}
	name := x.Parts[len(x.Parts)-1]
	qual := ""
	if len(x.Parts) > 1 {
		qual = x.Parts[len(x.Parts)-2]
	}
	schemaQual := ""
	if len(x.Parts) > 2 {
		schemaQual = strings.ToLower(x.Parts[len(x.Parts)-3])
	}
	depth := 0
	qualSeen := false
	for sc := c.sc; sc != nil; sc = sc.parent {
		var found []scopeCol
		for _, col := range sc.cols {
			if schemaQual != "" && col.schema != schemaQual {
				continue // schema.table.column names a table of that schema
			}
			if qual != "" {
				if col.table == qual {
					qualSeen = true
				}
				if col.table == qual && col.name == name && !col.noQual {
					found = append(found, col)
				}
			} else if col.name == name && !col.noUnqual {
				found = append(found, col)
			}
		}
		if len(found) > 1 {
			failAt(x.Pos, sqlerr.AmbiguousColumn, "column reference %q is ambiguous", name)
		}
		if len(found) == 1 {
			f := found[0]
			if depth == 0 {
				return colRef(f.idx, f.typ, f.name)
			}
			return &OuterRef{Depth: depth, Index: f.idx, T: f.typ, Name: f.name}
		}
		if qualSeen {
			break
		}
		depth++
	}
	if qual != "" && !qualSeen {
		failAt(x.Pos, sqlerr.UndefinedTable, "missing FROM-clause entry for table %q", qual)
	}
	if qual != "" {
		failAt(x.Pos, sqlerr.UndefinedColumn, "column %s.%s does not exist", qual, name)
	}
	if r, ok := c.wholeRow(x.Pos, name, c.sc.cols); ok {
		return r
	}
	failAt(x.Pos, sqlerr.UndefinedColumn, "column %q does not exist", name)
	return nil
}

// binary binds a binary operator.
func (c *exprCtx) binary(x *parser.BinaryExpr) expr.Expr {
	b := c.b
	pos := x.Pos
	switch x.Op {
	case "AND", "OR":
		l := b.boolCond(x.Left.Position(), c.bind(x.Left), x.Op)
		r := b.boolCond(x.Right.Position(), c.bind(x.Right), x.Op)
		if x.Op == "AND" {
			return &expr.And{Args: []expr.Expr{l, r}}
		}
		return &expr.Or{Args: []expr.Expr{l, r}}
	}
	if lr, ok := x.Left.(*parser.RowExpr); ok {
		if rr, ok := x.Right.(*parser.RowExpr); ok {
			return c.bind(rowCompare(x.Pos, x.Op, lr, rr))
		}
	}
	l, r := c.bind(x.Left), c.bind(x.Right)
	op := strings.ToLower(x.Op)
	not := false
	switch op {
	case "not like", "not ilike", "not similar to":
		op = strings.TrimPrefix(op, "not ")
		not = true
	case "is distinct from":
		return &expr.Not{Arg: b.resolve(pos, "is not distinct from", l, r)}
	}
	args := []expr.Expr{l, r}
	if x.Escape != nil {
		args = append(args, c.bind(x.Escape))
	}
	res, err := expr.Resolve(op, args)
	check(pos, err)
	if not {
		return &expr.Not{Arg: res}
	}
	return res
}

// rowCompare rewrites a comparison of two rows as Postgres defines it: =
// and IS NOT DISTINCT FROM hold when every pair does, <> and IS DISTINCT
// FROM when some pair does, and <, <=, >, >= compare lexicographically
// (the first unequal pair decides; NULL when it is NULL).
func rowCompare(pos parser.Pos, op string, l, r *parser.RowExpr) parser.Expr {
	if len(l.Elems) != len(r.Elems) {
		failAt(pos, sqlerr.SyntaxError, "unequal number of entries in row expressions")
	}
	if len(l.Elems) == 0 {
		failAt(pos, sqlerr.FeatureNotSupported, "cannot compare rows of zero length")
	}
	bin := func(op string, a, b parser.Expr) parser.Expr {
		return &parser.BinaryExpr{Pos: pos, Op: op, Left: a, Right: b}
	}
	fold := func(join, op string) parser.Expr {
		var out parser.Expr
		for i := range l.Elems {
			c := bin(op, l.Elems[i], r.Elems[i])
			if out == nil {
				out = c
			} else {
				out = bin(join, out, c)
			}
		}
		return out
	}
	switch strings.ToUpper(op) {
	case "=", "IS NOT DISTINCT FROM":
		return fold("AND", strings.ToUpper(op))
	case "<>", "!=", "IS DISTINCT FROM":
		o := strings.ToUpper(op)
		if o == "!=" {
			o = "<>"
		}
		return fold("OR", o)
	case "<", "<=", ">", ">=":
		strict := op[:1] // the comparison of the leading pairs
		n := len(l.Elems)
		out := bin(op, l.Elems[n-1], r.Elems[n-1])
		for i := n - 2; i >= 0; i-- {
			out = bin("OR", bin(strict, l.Elems[i], r.Elems[i]),
				bin("AND", bin("=", l.Elems[i], r.Elems[i]), out))
		}
		return out
	}
	failAt(pos, sqlerr.FeatureNotSupported, "operator %s is not supported for row comparisons", op)
	return nil
}

// aggHook binds, above an aggregation, the expressions that are grouped or
// aggregated. It returns false for other expressions, whose children are
// then bound (through the hook) as usual.
func (c *exprCtx) aggHook(e parser.Expr) (expr.Expr, bool) {
	a := c.agg
	s := e.String()
	for i, g := range a.groupAST {
		if g == s {
			return colRef(i, a.groups[i].Type(), figureColname(e)), true
		}
	}
	switch x := e.(type) {
	case *parser.FuncCall:
		if funcName(x) == "grouping" && len(x.Name) == 1 && x.Over == nil {
			return c.groupingCall(x), true
		}
		if isPlainAgg(x) {
			return c.aggregate(x), true
		}
	case *parser.ColumnRef:
		inner := &exprCtx{b: c.b, sc: a.in, clause: c.clause}
		r := inner.column(x)
		if _, ok := r.(*OuterRef); ok {
			return r, true
		}
		if _, ok := r.(*expr.RowCtor); ok {
			// A whole-row reference: each column grouped (or aggregated).
			w, _ := c.wholeRow(x.Pos, x.Parts[len(x.Parts)-1], a.in.cols)
			return w, true
		}
		cr := r.(*expr.ColumnRef)
		var sc scopeCol
		for _, col := range a.in.cols {
			if col.idx == cr.Index && col.name == cr.Name {
				sc = col
				break
			}
		}
		sc.name = cr.Name
		return a.groupedColumn(r, sc, x.Pos), true
	}
	return nil, false
}

// groupingCall binds grouping(a, b, …): a bit per argument, the first the
// most significant, set when the argument is not grouped in the current
// grouping set.
func (c *exprCtx) groupingCall(x *parser.FuncCall) expr.Expr {
	a := c.agg
	if len(x.Args) == 0 || len(x.Args) > 31 {
		failAt(x.Pos, sqlerr.SyntaxError, "GROUPING must have between 1 and 31 arguments")
	}
	pos := make([]int, len(x.Args))
	for i, arg := range x.Args {
		pos[i] = -1
		for j, g := range a.groupAST {
			if g == arg.String() {
				pos[i] = j
			}
		}
		if pos[i] < 0 {
			failAt(arg.Position(), sqlerr.GroupingError, "arguments to GROUPING must be grouping expressions of the associated query level")
		}
	}
	mask := func(set []int) int64 {
		var m int64
		for _, p := range pos {
			m <<= 1
			if !slices.Contains(set, p) {
				m |= 1
			}
		}
		return m
	}
	if a.sets == nil {
		// A plain GROUP BY: every argument is grouped.
		return &expr.Literal{Value: int64(0), T: types.Int32}
	}
	gid := &placeholder{id: a.gidPH, t: types.Int64}
	var whens []expr.When
	for n, set := range a.sets {
		whens = append(whens, expr.When{
			Cond:   c.b.resolve(x.Pos, "=", gid, &expr.Literal{Value: int64(n), T: types.Int64}),
			Result: &expr.Literal{Value: mask(set), T: types.Int32},
		})
	}
	r, err := expr.NewCase(nil, whens, &expr.Literal{Value: int64(0), T: types.Int32})
	check(x.Pos, err)
	return r
}

// aggregate registers an aggregate call and returns a reference to its
// result column.
func (c *exprCtx) aggregate(x *parser.FuncCall) expr.Expr {
	a := c.agg
	name := funcName(x)
	inner := &exprCtx{b: c.b, sc: a.in, clause: "aggregate function calls", inAgg: true, winErr: "aggregate function calls", subs: &a.preSubs}
	spec := aggSpec{Name: name, Distinct: x.Distinct, Filter: -1}
	var argTypes []types.Type
	slot := func(e expr.Expr) int {
		for i, p := range a.pre {
			if a.sets != nil && i < len(a.groups) {
				continue // group columns are NULL in some grouping sets
			}
			if p.String() == e.String() && p.Type() == e.Type() {
				return i
			}
		}
		a.pre = append(a.pre, e)
		return len(a.pre) - 1
	}
	if !x.Star {
		for _, arg := range x.Args {
			e := inner.bind(arg)
			if e.Type().Kind == types.KindUnknown {
				e = c.b.coerce(arg.Position(), e, types.Varchar, name)
			}
			if hasOuterRef(e) {
				failAt(arg.Position(), sqlerr.FeatureNotSupported, "outer references in aggregate arguments are not supported")
			}
			spec.Args = append(spec.Args, slot(e))
			argTypes = append(argTypes, e.Type())
		}
	} else if name != "count" {
		failAt(x.Pos, sqlerr.SyntaxError, "%s(*) is not allowed", name)
	}
	if x.Filter != nil {
		f := c.b.boolCond(x.Filter.Position(), inner.bind(x.Filter), "FILTER")
		spec.Filter = slot(f)
	}
	for _, o := range x.OrderBy {
		spec.OrderBy = append(spec.OrderBy, orderKey(slot(inner.bind(o.Expr)), o))
	}
	if len(x.WithinGroup) > 0 || expr.IsOrderedSetAggregate(name) {
		c.orderedSetAgg(x, inner, &spec, &argTypes, slot)
	}
	t, err := expr.AggReturnType(name, argTypes, x.Distinct)
	check(x.Pos, err)
	spec.Type = t
	spec.ArgTypes = argTypes
	key := aggString(toAggCall(spec)) + "/" + t.String()
	if i, ok := a.keys[key]; ok {
		return colRef(len(a.groups)+i, t, name)
	}
	a.keys[key] = len(a.aggs)
	a.aggs = append(a.aggs, spec)
	a.names = append(a.names, name)
	return colRef(len(a.groups)+len(a.aggs)-1, t, name)
}

// funcCall binds a function call: aggregates (errors outside aggregation),
// window functions, special forms and ordinary functions.
func (c *exprCtx) funcCall(x *parser.FuncCall) expr.Expr {
	name := funcName(x)
	pos := x.Pos
	if x.Over != nil {
		return c.windowCall(x)
	}
	if isPlainAgg(x) {
		if c.inAgg {
			failAt(pos, sqlerr.GroupingError, "aggregate function calls cannot be nested")
		}
		failAt(pos, sqlerr.GroupingError, "aggregate functions are not allowed in %s", c.clause)
	}
	if expr.IsWindowFunc(name) {
		failAt(pos, sqlerr.WrongObjectType, "window function %s requires an OVER clause", name)
	}
	if x.Distinct || x.Filter != nil || len(x.OrderBy) > 0 {
		failAt(pos, sqlerr.WrongObjectType, "DISTINCT, ORDER BY or FILTER specified, but %s is not an aggregate function", name)
	}
	if expr.IsSetReturning(name) && len(x.Name) == 1 {
		return c.setFuncCall(x)
	}
	switch name {
	case "now", "current_timestamp", "transaction_timestamp", "statement_timestamp", "proctime":
		// proctime() is the processing time: the epoch's timestamp, as now().
		if len(x.Args) == 0 {
			return &expr.Now{}
		}
	case "current_date":
		r, err := expr.NewCast(&expr.Now{}, types.DateT, true)
		check(pos, err)
		return r
	case "localtimestamp":
		r, err := expr.NewCast(&expr.Now{}, types.TimestampT, true)
		check(pos, err)
		return r
	}
	args := make([]expr.Expr, len(x.Args))
	for i, a := range x.Args {
		args[i] = c.bind(a)
	}
	if name == "coalesce" {
		r, err := expr.NewCoalesce(args)
		check(pos, err)
		return r
	}
	if r, ok := c.sqlFunctionCall(pos, x, args); ok {
		return r
	}
	if name == "pg_typeof" && len(args) == 1 {
		// The static type of the argument, as a constant.
		return &expr.Literal{Value: args[0].Type().String(), T: types.Varchar}
	}
	return c.b.resolve(pos, name, args...)
}

// windowCall registers a window function call and returns a placeholder for
// its result.
func (c *exprCtx) windowCall(x *parser.FuncCall) expr.Expr {
	name := funcName(x)
	if c.win == nil {
		where := c.winErr
		if where == "" {
			where = c.clause
		}
		failAt(x.Pos, sqlerr.WindowingError, "window functions are not allowed in %s", where)
	}
	isAgg := expr.IsAggregate(name)
	if !isAgg && !expr.IsWindowFunc(name) {
		failAt(x.Pos, sqlerr.WrongObjectType, "OVER specified, but %s is not a window function nor an aggregate function", name)
	}
	spec := x.Over
	if spec.Name != "" {
		var base *parser.WindowSpec
		for _, w := range c.win.windows {
			if w.Name == spec.Name {
				base = w.Spec
			}
		}
		if base == nil {
			failAt(spec.Pos, sqlerr.UndefinedObject, "window %q does not exist", spec.Name)
		}
		merged := *base
		if len(spec.OrderBy) > 0 {
			merged.OrderBy = spec.OrderBy
		}
		if spec.Frame != nil {
			merged.Frame = spec.Frame
		}
		spec = &merged
	}
	inner := *c
	inner.win = nil
	inner.winErr = "window function calls"
	call := winCall{name: name, distinct: x.Distinct, ignoreNul: x.IgnoreNulls}
	var filter expr.Expr
	if x.Filter != nil {
		// agg(x) FILTER (WHERE c) OVER …: for aggregates that skip NULL
		// inputs, the same as agg(CASE WHEN c THEN x END).
		if !isAgg {
			failAt(x.Pos, sqlerr.FeatureNotSupported, "FILTER is not implemented for non-aggregate window functions")
		}
		switch name {
		case "array_agg", "jsonb_agg", "json_agg", "jsonb_object_agg", "json_object_agg", "first_value", "last_value":
			failAt(x.Pos, sqlerr.FeatureNotSupported, "FILTER is not supported for the window function %s", name)
		}
		filter = c.b.boolCond(x.Filter.Position(), inner.bind(x.Filter), "FILTER")
	}
	var argTypes []types.Type
	for i, a := range x.Args {
		e := inner.bind(a)
		if filter != nil && (i == 0 || name != "string_agg") {
			r, err := expr.NewCase(nil, []expr.When{{Cond: filter, Result: e}}, nil)
			check(a.Position(), err)
			e = r
		}
		call.args = append(call.args, e)
		argTypes = append(argTypes, e.Type())
	}
	if filter != nil && len(x.Args) == 0 {
		// count(*) FILTER (WHERE c): count(CASE WHEN c THEN 1 END).
		r, err := expr.NewCase(nil, []expr.When{{Cond: filter, Result: &expr.Literal{Value: int64(1), T: types.Int32}}}, nil)
		check(x.Pos, err)
		call.args = append(call.args, r)
		argTypes = append(argTypes, r.Type())
	}
	for _, p := range spec.PartitionBy {
		call.partition = append(call.partition, inner.bind(p))
	}
	for _, o := range spec.OrderBy {
		call.order = append(call.order, inner.bind(o.Expr))
		call.items = append(call.items, o)
	}
	if spec.Frame != nil {
		call.frame = spec.Frame.Mode
		call.frameSpec = bindFrame(&inner, spec.Frame)
	}
	switch {
	case isAgg:
		t, err := expr.AggReturnType(name, argTypes, x.Distinct)
		check(x.Pos, err)
		call.typ = t
	case name == "row_number" || name == "rank" || name == "dense_rank" || name == "ntile":
		call.typ = types.Int64
	case name == "percent_rank" || name == "cume_dist":
		call.typ = types.Float64
	default:
		if len(argTypes) == 0 {
			failAt(x.Pos, sqlerr.UndefinedFunction, "function %s() does not exist", name)
		}
		call.typ = argTypes[0]
	}
	b := c.b
	b.nextPH++
	call.ph = b.nextPH
	c.win.calls = append(c.win.calls, call)
	return &placeholder{id: call.ph, t: call.typ}
}

// scalarSubquery binds a scalar subquery and returns a placeholder for its
// value, to be resolved when the subquery is applied to the block's node.
func (c *exprCtx) scalarSubquery(x *parser.Subquery) expr.Expr {
	if c.subs == nil {
		failAt(x.Pos, sqlerr.FeatureNotSupported, "subqueries are not allowed in %s", c.clause)
	}
	parent := c.sc
	if c.agg != nil {
		parent = c.agg.in
	}
	sub := c.b.bindQuery(x.Query, parent, false).node
	s := sub.Schema()
	if len(s) != 1 {
		failAt(x.Pos, sqlerr.SyntaxError, "subquery must return only one column")
	}
	return c.pendSub(x.Pos, sub)
}

// arraySubquery binds ARRAY(query): the array of the query's single
// column, in the query's ORDER BY order, or an empty array when the query
// returns no rows. It is planned as the scalar subquery
// (SELECT array_agg(col ORDER BY …) FROM query), coalesced with '{}'.
func (c *exprCtx) arraySubquery(x *parser.ArraySubquery) expr.Expr {
	if c.subs == nil {
		failAt(x.Pos, sqlerr.FeatureNotSupported, "subqueries are not allowed in %s", c.clause)
	}
	parent := c.sc
	if c.agg != nil {
		parent = c.agg.in
	}
	bq := c.b.bindQuery(x.Query, parent, true)
	if bq.visible != 1 {
		failAt(x.Pos, sqlerr.SyntaxError, "subquery must return only one column")
	}
	node := bq.node
	var order []expr.SortKey
	if tn, ok := node.(*LogicalTopN); ok && len(tn.PartitionBy) == 0 && tn.RankCol == "" && !tn.Dense {
		// The ORDER BY of the query orders the elements; a sort without
		// LIMIT or OFFSET is then not needed below the aggregation.
		order = tn.OrderBy
		if tn.Limit < 0 && tn.Offset == 0 {
			node = tn.Input
		}
	}
	elemT := node.Schema()[0].Type
	if elemT.Kind == types.KindUnknown {
		elemT = types.Varchar
	}
	arrT, err := expr.AggReturnType("array_agg", []types.Type{elemT}, false)
	check(x.Pos, err)
	agg := &LogicalAgg{Input: node, Aggs: []expr.AggCall{{Name: "array_agg", Args: []int{0}, ArgTypes: []types.Type{elemT},
		Filter: -1, OrderBy: order, Type: arrT}}, Names: []string{"array"}}
	empty, err := expr.ParseText("{}", arrT)
	check(x.Pos, err)
	r, err := expr.NewCoalesce([]expr.Expr{c.pendSub(x.Pos, agg), &expr.Literal{Value: empty, T: arrT}})
	check(x.Pos, err)
	return r
}

// pendSub registers a bound subquery plan (one column, depth-1 outer
// references to the block's FROM columns) to be applied to the block's node
// and returns the placeholder of its value. Above an aggregation the outer
// references are moved to the group columns.
func (c *exprCtx) pendSub(pos parser.Pos, sub Node) expr.Expr {
	if c.agg != nil && planHasOuterDepth(sub, 1) {
		sub = c.agg.regroupOuter(pos, sub)
	}
	b := c.b
	b.nextPH++
	*c.subs = append(*c.subs, pendingSub{ph: b.nextPH, node: sub})
	return &placeholder{id: b.nextPH, t: sub.Schema()[0].Type}
}

// regroupOuter rewrites the depth-1 outer references of a subquery bound
// over the FROM scope of an aggregating block so that they refer to the
// aggregation's group columns, as the subquery is applied above it.
func (a *aggState) regroupOuter(pos parser.Pos, sub Node) Node {
	return mapPlanExprs(sub, 1, func(e expr.Expr, d int) expr.Expr {
		return mapExpr(e, func(x expr.Expr) expr.Expr {
			o, ok := x.(*OuterRef)
			if !ok || o.Depth != d {
				return x
			}
			for i, g := range a.groups {
				if r, ok := g.(*expr.ColumnRef); ok && r.Index == o.Index {
					n := *o
					n.Index = i
					return &n
				}
			}
			failAt(pos, sqlerr.GroupingError, "subquery uses ungrouped column %q from outer query", o.Name)
			return nil
		})
	})
}

// markSubquery binds EXISTS (q) (lhs nil), lhs IN (q), lhs op ANY (q) and
// lhs op ALL (q) used as a value: a single-row subquery computing the
// three-valued result (see the plan-level markSubquery), applied like a
// scalar subquery.
func (c *exprCtx) markSubquery(pos parser.Pos, lhs parser.Expr, op string, q *parser.Query, all bool) expr.Expr {
	if c.subs == nil {
		failAt(pos, sqlerr.FeatureNotSupported, "subqueries are not allowed in %s", c.clause)
	}
	parent := c.sc
	if c.agg != nil {
		parent = c.agg.in
	}
	sub := c.b.bindQuery(q, parent, false).node
	if c.agg != nil && planHasOuterDepth(sub, 1) {
		sub = c.agg.regroupOuter(pos, sub)
	}
	rs := sub.Schema()
	var cond expr.Expr = boolLit(true)
	if lhs != nil {
		var lefts []expr.Expr
		if row, ok := lhs.(*parser.RowExpr); ok {
			for _, el := range row.Elems {
				lefts = append(lefts, c.bind(el))
			}
		} else {
			lefts = []expr.Expr{c.bind(lhs)}
		}
		if len(rs) != len(lefts) {
			if len(rs) > len(lefts) {
				failAt(q.Pos, sqlerr.SyntaxError, "subquery has too many columns")
			}
			failAt(q.Pos, sqlerr.SyntaxError, "subquery has too few columns")
		}
		var ls, rights []expr.Expr
		for i, l := range lefts {
			if !placeholdersPending(l, *c.subs) {
				// A window function or set-returning function is computed
				// after the subqueries are applied.
				failAt(lhs.Position(), sqlerr.FeatureNotSupported, "this subquery test is not supported here")
			}
			ls = append(ls, toSubqueryLevel(l))
			rights = append(rights, colRef(i, rs[i].Type, rs[i].Name))
		}
		cond = c.b.rowCond(lhs.Position(), strings.ToLower(op), ls, rights)
	}
	m, err := markSubquery(sub, cond, all)
	check(pos, err)
	b := c.b
	b.nextPH++
	*c.subs = append(*c.subs, pendingSub{ph: b.nextPH, node: m})
	return &placeholder{id: b.nextPH, t: types.Bool}
}

// rowCond compares the row ls with the row rs by op as rowCompare does
// (one pair: a plain comparison).
func (b *binder) rowCond(pos parser.Pos, op string, ls, rs []expr.Expr) expr.Expr {
	n := len(ls)
	cmp := func(op string, i int) expr.Expr { return b.resolve(pos, op, ls[i], rs[i]) }
	if n == 1 {
		return cmp(op, 0)
	}
	var out []expr.Expr
	switch op {
	case "=":
		for i := range ls {
			out = append(out, cmp(op, i))
		}
		return andAll(out)
	case "<>", "!=":
		for i := range ls {
			out = append(out, cmp("<>", i))
		}
		return &expr.Or{Args: out}
	case "<", "<=", ">", ">=":
		// The first unequal pair decides.
		acc := cmp(op, n-1)
		for i := n - 2; i >= 0; i-- {
			acc = &expr.Or{Args: []expr.Expr{cmp(op[:1], i), &expr.And{Args: []expr.Expr{cmp("=", i), acc}}}}
		}
		return acc
	}
	failAt(pos, sqlerr.FeatureNotSupported, "operator %s is not supported for row comparisons", op)
	return nil
}

// placeholdersPending reports whether every placeholder of e stands for one
// of subs (a scalar subquery applied before a subquery added after them).
func placeholdersPending(e expr.Expr, subs []pendingSub) bool {
	return !exprUses(e, func(x expr.Expr) bool {
		p, ok := x.(*placeholder)
		return ok && !slices.ContainsFunc(subs, func(s pendingSub) bool { return s.ph == p.id })
	})
}

// planHasOuterRef reports whether a plan refers to the query depth levels
// out (or further).
func planHasOuterRef(n Node, depth int) bool {
	found := false
	forEachExpr(n, depth, func(e expr.Expr, d int) {
		if exprUses(e, func(x expr.Expr) bool { o, ok := x.(*OuterRef); return ok && o.Depth >= d }) {
			found = true
		}
	})
	return found
}

// forEachExpr calls f with every expression of the plan and the outer
// reference depth that points outside the plan (subquery sides of applies
// are one level deeper).
func forEachExpr(n Node, depth int, f func(expr.Expr, int)) {
	for _, e := range nodeExprs(n) {
		f(e, depth)
	}
	if a, ok := n.(*LogicalApply); ok {
		forEachExpr(a.Left, depth, f)
		forEachExpr(a.Right, depth+1, f)
		return
	}
	for _, ch := range n.Children() {
		forEachExpr(ch, depth, f)
	}
}

// nodeExprs returns the expressions held directly by a node.
func nodeExprs(n Node) []expr.Expr {
	switch x := n.(type) {
	case *LogicalProject:
		return x.Exprs
	case *LogicalFilter:
		return []expr.Expr{x.Cond}
	case *LogicalJoin:
		if x.Cond != nil {
			return []expr.Expr{x.Cond}
		}
	case *LogicalApply:
		if x.Cond != nil {
			return []expr.Expr{x.Cond}
		}
	case *LogicalValues:
		var out []expr.Expr
		for _, r := range x.Rows {
			out = append(out, r...)
		}
		return out
	case *LogicalTemporalFilter:
		return []expr.Expr{x.Left, x.Right}
	case *LogicalProjectSet:
		var out []expr.Expr
		for _, f := range x.Funcs {
			out = append(out, f.Args...)
		}
		return out
	}
	return nil
}

// orderedSetAgg binds percentile_cont/percentile_disc/mode: the aggregated
// value is the WITHIN GROUP (ORDER BY v) expression, which also orders the
// multiset; the direct argument (the fraction) becomes a second argument
// column. spec.Args/argTypes hold the direct arguments on entry.
func (c *exprCtx) orderedSetAgg(x *parser.FuncCall, inner *exprCtx, spec *aggSpec, argTypes *[]types.Type, slot func(expr.Expr) int) {
	name := funcName(x)
	if !expr.IsOrderedSetAggregate(name) {
		failAt(x.Pos, sqlerr.WrongObjectType, "%s is not an ordered-set aggregate, so it cannot have WITHIN GROUP", name)
	}
	if len(x.WithinGroup) != 1 {
		failAt(x.Pos, sqlerr.WrongObjectType, "WITHIN GROUP is required for ordered-set aggregate %s", name)
	}
	wantDirect := 1
	if name == "mode" {
		wantDirect = 0
	}
	if len(x.Args) != wantDirect {
		failAt(x.Pos, sqlerr.UndefinedFunction, "function %s with %d direct arguments does not exist", name, len(x.Args))
	}
	o := x.WithinGroup[0]
	v := inner.bind(o.Expr)
	if v.Type().Kind == types.KindUnknown {
		v = c.b.coerce(o.Expr.Position(), v, types.Varchar, name)
	}
	if name == "percentile_cont" && v.Type().Kind != types.KindInterval {
		v = c.b.coerce(o.Expr.Position(), v, types.Float64, name)
	}
	vs := slot(v)
	spec.Args = []int{vs}
	*argTypes = []types.Type{v.Type()}
	if wantDirect == 1 {
		f := c.b.coerce(x.Args[0].Position(), inner.bind(x.Args[0]), types.Float64, name)
		if hasColumnRef(f) {
			failAt(x.Args[0].Position(), sqlerr.GroupingError, "direct arguments of an ordered-set aggregate must use only grouped columns")
		}
		spec.Args = append(spec.Args, slot(f))
		*argTypes = append(*argTypes, types.Float64)
	}
	spec.OrderBy = []expr.SortKey{orderKey(vs, o)}
}
