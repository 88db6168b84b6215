// Package expr holds Eddy's compiled scalar expressions.
//
// The planner's binder builds expression trees out of the IR node structs of
// this package (ColumnRef, Literal, Call, Cast, …). Functions and operators
// are resolved by name with Resolve, which applies Postgres's overload and
// implicit-cast rules and returns a typed *Call (or a more specific node).
// Every node can be evaluated column-at-a-time over a types.Chunk (Eval) or
// on a single row (EvalRow); both give the same results, which follow
// PostgreSQL 15 semantics and print like it through types.FormatText.
//
// Values follow the types.Datum representation. String literals whose type
// is not known yet are Literals of type types.Unknown holding a Go string;
// Resolve, NewCast and CommonType coerce them the way Postgres coerces
// unknown-typed literals.
package expr

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Context carries what one evaluation needs besides the input rows.
type Context struct {
	Now      types.Timestamptz // NOW() of the epoch / statement
	TimeZone string            // session time zone, "UTC" when empty
	OnError  func(err error)   // non-strict mode: row errors become NULL and are reported here; nil = return the error
	Catalog  CatalogInfo       // answers catalog functions (pg_get_viewdef, current_user, …); nil = defaults
}

var defaultContext = &Context{TimeZone: "UTC"}

// location returns the session time zone.
func (ctx *Context) location() *time.Location {
	if ctx == nil || ctx.TimeZone == "" {
		return time.UTC
	}
	loc, err := loadLocation(ctx.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// fail handles an error raised while evaluating one row: in non-strict
// mode it is reported and the row's value becomes NULL.
func (ctx *Context) fail(err error) (types.Datum, error) {
	if ctx != nil && ctx.OnError != nil {
		ctx.OnError(err)
		return nil, nil
	}
	return nil, err
}

// strict returns a copy of ctx that returns errors instead of reporting
// them; used when an evaluation may be retried row by row.
func (ctx *Context) strict() *Context {
	if ctx == nil {
		return defaultContext
	}
	if ctx.OnError == nil {
		return ctx
	}
	c := *ctx
	c.OnError = nil
	return &c
}

var locCache sync.Map

func loadLocation(name string) (*time.Location, error) {
	if l, ok := locCache.Load(name); ok {
		return l.(*time.Location), nil
	}
	loc, err := parseZone(name)
	if err != nil {
		return nil, err
	}
	locCache.Store(name, loc)
	return loc, nil
}

// Expr is a compiled scalar expression.
type Expr interface {
	// Type returns the SQL type of the expression's values.
	Type() types.Type
	// Eval evaluates the expression over every row of c and returns one
	// value per row. The caller owns (and must Release) the result.
	Eval(ctx *Context, c *types.Chunk) (arrow.Array, error)
	// EvalRow evaluates the expression on one row.
	EvalRow(ctx *Context, r types.Row) (types.Datum, error)
	// String renders the expression for EXPLAIN.
	String() string
}

// ColumnRef reads input column Index.
type ColumnRef struct {
	Index int
	T     types.Type
	Name  string // for display only
}

// Type implements Expr.
func (e *ColumnRef) Type() types.Type { return e.T }

// Eval implements Expr.
func (e *ColumnRef) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	a := c.Cols[e.Index]
	a.Retain()
	return a, nil
}

// EvalRow implements Expr.
func (e *ColumnRef) EvalRow(ctx *Context, r types.Row) (types.Datum, error) { return r[e.Index], nil }

// String implements Expr.
func (e *ColumnRef) String() string { return fmt.Sprintf("$%d", e.Index) }

// Literal is a constant. A string literal whose type is not yet known has
// type types.Unknown and a string Value; NULL is a nil Value.
type Literal struct {
	Value types.Datum
	T     types.Type
}

// Type implements Expr.
func (e *Literal) Type() types.Type { return e.T }

// Eval implements Expr: the value broadcast to every row.
func (e *Literal) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	return broadcast(e.T, e.Value, c.NumRows()), nil
}

// EvalRow implements Expr.
func (e *Literal) EvalRow(ctx *Context, r types.Row) (types.Datum, error) { return e.Value, nil }

// String implements Expr.
func (e *Literal) String() string {
	if e.Value == nil {
		return "null:" + typeTag(e.T)
	}
	s := types.FormatTextTyped(e.Value, e.T)
	switch e.T.Kind {
	case types.KindVarchar, types.KindUnknown, types.KindJSONB, types.KindDate, types.KindTime,
		types.KindTimestamp, types.KindTimestamptz, types.KindInterval, types.KindArray, types.KindBytea, types.KindStruct:
		s = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return s + ":" + typeTag(e.T)
}

func typeTag(t types.Type) string {
	switch t.Kind {
	case types.KindBool:
		return "Boolean"
	case types.KindInt16:
		return "Int16"
	case types.KindInt32:
		return "Int32"
	case types.KindInt64:
		return "Int64"
	case types.KindFloat32:
		return "Float32"
	case types.KindFloat64:
		return "Float64"
	case types.KindNumeric:
		return "Decimal"
	case types.KindVarchar:
		return "Varchar"
	case types.KindBytea:
		return "Bytea"
	case types.KindDate:
		return "Date"
	case types.KindTime:
		return "Time"
	case types.KindTimestamp:
		return "Timestamp"
	case types.KindTimestamptz:
		return "Timestamptz"
	case types.KindInterval:
		return "Interval"
	case types.KindJSONB:
		return "Jsonb"
	case types.KindArray:
		return "List(" + typeTag(t.ElemType()) + ")"
	case types.KindStruct:
		return structTag(t)
	}
	return "Unknown"
}

// Param is the positional parameter $N (1-based) of a prepared statement.
// It must be replaced by a Literal (see BindParams) before evaluation.
type Param struct {
	N int
	T types.Type
}

// Type implements Expr.
func (e *Param) Type() types.Type { return e.T }

// Eval implements Expr; unbound parameters are an error.
func (e *Param) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	return nil, sqlerr.New(sqlerr.UndefinedParameter, "there is no parameter $%d", e.N)
}

// EvalRow implements Expr; unbound parameters are an error.
func (e *Param) EvalRow(ctx *Context, r types.Row) (types.Datum, error) {
	return nil, sqlerr.New(sqlerr.UndefinedParameter, "there is no parameter $%d", e.N)
}

// String implements Expr.
func (e *Param) String() string { return fmt.Sprintf("$%d:param", e.N) }

// Now is NOW() / CURRENT_TIMESTAMP: the Context's Now. Temporal filters
// detect it.
type Now struct{}

// Type implements Expr.
func (e *Now) Type() types.Type { return types.TimestamptzT }

// Eval implements Expr.
func (e *Now) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	return broadcast(types.TimestamptzT, ctxNow(ctx), c.NumRows()), nil
}

// EvalRow implements Expr.
func (e *Now) EvalRow(ctx *Context, r types.Row) (types.Datum, error) { return ctxNow(ctx), nil }

// String implements Expr.
func (e *Now) String() string { return "now()" }

func ctxNow(ctx *Context) types.Timestamptz {
	if ctx == nil {
		return 0
	}
	return ctx.Now
}

// When is one WHEN Cond THEN Result arm of a Case.
type When struct {
	Cond   Expr
	Result Expr
}

// Case is CASE [Operand] WHEN … THEN … [ELSE …] END. With an Operand, the
// Conds are values compared with it by equality (build it with NewCase to
// get the comparison resolved); without one they are booleans.
type Case struct {
	Operand Expr
	Whens   []When
	Else    Expr // nil means ELSE NULL
	T       types.Type
	eqs     []Expr // resolved Operand = Cond comparisons (over a 2-column row)
}

// Type implements Expr.
func (e *Case) Type() types.Type { return e.T }

// EvalRow implements Expr.
func (e *Case) EvalRow(ctx *Context, r types.Row) (types.Datum, error) {
	var op types.Datum
	if e.Operand != nil {
		var err error
		if op, err = e.Operand.EvalRow(ctx, r); err != nil {
			return nil, err
		}
	}
	for i, w := range e.Whens {
		c, err := w.Cond.EvalRow(ctx, r)
		if err != nil {
			return nil, err
		}
		if e.Operand != nil {
			if op == nil || c == nil {
				continue
			}
			eq, err := e.operandEq(ctx, i, op, c)
			if err != nil {
				return nil, err
			}
			if !eq {
				continue
			}
		} else if c != true {
			continue
		}
		return w.Result.EvalRow(ctx, r)
	}
	if e.Else == nil {
		return nil, nil
	}
	return e.Else.EvalRow(ctx, r)
}

func (e *Case) operandEq(ctx *Context, i int, op, c types.Datum) (bool, error) {
	if e.eqs != nil && e.eqs[i] != nil {
		d, err := e.eqs[i].EvalRow(ctx, types.Row{op, c})
		return d == true, err
	}
	return types.Compare(op, c) == 0, nil
}

// Eval implements Expr.
func (e *Case) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	return evalRowwise(ctx, e, c)
}

// String implements Expr.
func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	if e.Operand != nil {
		b.WriteString(" " + e.Operand.String())
	}
	for _, w := range e.Whens {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Result.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE " + e.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}

// NewCase builds a CASE expression: it finds the common type of the
// results (coercing them), checks the conditions are boolean, and resolves
// the operand comparisons of a simple CASE.
func NewCase(operand Expr, whens []When, els Expr) (Expr, error) {
	// Postgres resolves the ELSE result first.
	res := make([]Expr, 0, len(whens)+1)
	if els != nil {
		res = append(res, els)
	}
	for _, w := range whens {
		res = append(res, w.Result)
	}
	t, err := commonTypeOf(res, "CASE")
	if err != nil {
		return nil, err
	}
	out := &Case{Operand: operand, T: t}
	for _, w := range whens {
		r, err := NewCast(w.Result, t, false)
		if err != nil {
			return nil, err
		}
		cond := w.Cond
		if operand == nil {
			if cond, err = coerceBool(cond, "CASE/WHEN"); err != nil {
				return nil, err
			}
		}
		out.Whens = append(out.Whens, When{Cond: cond, Result: r})
	}
	if els != nil {
		if out.Else, err = NewCast(els, t, false); err != nil {
			return nil, err
		}
	}
	if operand != nil {
		out.eqs = make([]Expr, len(whens))
		for i, w := range out.Whens {
			eq, err := Resolve("=", []Expr{&ColumnRef{Index: 0, T: operand.Type()}, &ColumnRef{Index: 1, T: w.Cond.Type()}})
			if err != nil {
				// Give unknown literals the operand's type, as Postgres does.
				if lit, ok := w.Cond.(*Literal); ok && lit.T.Kind == types.KindUnknown {
					cv, cerr := NewCast(lit, operand.Type(), false)
					if cerr != nil {
						return nil, cerr
					}
					out.Whens[i].Cond = cv
					eq, err = Resolve("=", []Expr{&ColumnRef{Index: 0, T: operand.Type()}, &ColumnRef{Index: 1, T: operand.Type()}})
				}
				if err != nil {
					return nil, err
				}
			}
			out.eqs[i] = eq
		}
	}
	return out, nil
}

func coerceBool(e Expr, what string) (Expr, error) {
	switch e.Type().Kind {
	case types.KindBool:
		return e, nil
	case types.KindUnknown:
		return NewCast(e, types.Bool, false)
	}
	return nil, sqlerr.New(sqlerr.DatatypeMismatch, "argument of %s must be type boolean, not type %s", what, e.Type())
}

// And is the n-ary AND with three-valued logic: false if any argument is
// false, else NULL if any is NULL, else true.
type And struct{ Args []Expr }

// Type implements Expr.
func (e *And) Type() types.Type { return types.Bool }

// EvalRow implements Expr.
func (e *And) EvalRow(ctx *Context, r types.Row) (types.Datum, error) {
	null := false
	for _, a := range e.Args {
		d, err := a.EvalRow(ctx, r)
		if err != nil {
			return nil, err
		}
		if d == nil {
			null = true
		} else if d == false {
			return false, nil
		}
	}
	if null {
		return nil, nil
	}
	return true, nil
}

// String implements Expr.
func (e *And) String() string { return joinArgs(e.Args, " AND ") }

// Or is the n-ary OR with three-valued logic: true if any argument is true,
// else NULL if any is NULL, else false.
type Or struct{ Args []Expr }

// Type implements Expr.
func (e *Or) Type() types.Type { return types.Bool }

// EvalRow implements Expr.
func (e *Or) EvalRow(ctx *Context, r types.Row) (types.Datum, error) {
	null := false
	for _, a := range e.Args {
		d, err := a.EvalRow(ctx, r)
		if err != nil {
			return nil, err
		}
		if d == nil {
			null = true
		} else if d == true {
			return true, nil
		}
	}
	if null {
		return nil, nil
	}
	return false, nil
}

// String implements Expr.
func (e *Or) String() string { return joinArgs(e.Args, " OR ") }

func joinArgs(args []Expr, sep string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.String()
	}
	return "(" + strings.Join(parts, sep) + ")"
}

// Not is boolean negation (NOT NULL is NULL).
type Not struct{ Arg Expr }

// Type implements Expr.
func (e *Not) Type() types.Type { return types.Bool }

// EvalRow implements Expr.
func (e *Not) EvalRow(ctx *Context, r types.Row) (types.Datum, error) {
	d, err := e.Arg.EvalRow(ctx, r)
	if err != nil || d == nil {
		return nil, err
	}
	return !d.(bool), nil
}

// String implements Expr.
func (e *Not) String() string { return "NOT " + e.Arg.String() }

// IsNull is Arg IS [NOT] NULL.
type IsNull struct {
	Arg Expr
	Not bool
}

// Type implements Expr.
func (e *IsNull) Type() types.Type { return types.Bool }

// EvalRow implements Expr.
func (e *IsNull) EvalRow(ctx *Context, r types.Row) (types.Datum, error) {
	d, err := e.Arg.EvalRow(ctx, r)
	if err != nil {
		return nil, err
	}
	return (d == nil) != e.Not, nil
}

// String implements Expr.
func (e *IsNull) String() string {
	if e.Not {
		return "IsNotNull(" + e.Arg.String() + ")"
	}
	return "IsNull(" + e.Arg.String() + ")"
}

// InList is Arg [NOT] IN (List…) with Postgres three-valued semantics: true
// if some element equals Arg; otherwise NULL if Arg or some element is
// NULL; otherwise false. NOT IN negates that. Build it with NewInList to get
// the element types coerced.
type InList struct {
	Arg  Expr
	List []Expr
	Not  bool
	eq   Expr // resolved comparison over the row {arg, elem}
}

// Type implements Expr.
func (e *InList) Type() types.Type { return types.Bool }

// EvalRow implements Expr.
func (e *InList) EvalRow(ctx *Context, r types.Row) (types.Datum, error) {
	a, err := e.Arg.EvalRow(ctx, r)
	if err != nil {
		return nil, err
	}
	if a == nil {
		if len(e.List) == 0 {
			// An empty list (a SQLite extension) holds nothing: IN is
			// false and NOT IN true, even for NULL.
			return e.Not, nil
		}
		return nil, nil
	}
	null := false
	for _, l := range e.List {
		v, err := l.EvalRow(ctx, r)
		if err != nil {
			return nil, err
		}
		if v == nil {
			null = true
			continue
		}
		var eq bool
		if e.eq != nil {
			d, err := e.eq.EvalRow(ctx, types.Row{a, v})
			if err != nil {
				return nil, err
			}
			eq = d == true
		} else {
			eq = types.Compare(a, v) == 0
		}
		if eq {
			return !e.Not, nil
		}
	}
	if null {
		return nil, nil
	}
	return e.Not, nil
}

// String implements Expr.
func (e *InList) String() string {
	op := " IN "
	if e.Not {
		op = " NOT IN "
	}
	return "(" + e.Arg.String() + op + joinArgs(e.List, ", ") + ")"
}

// NewInList builds arg [NOT] IN (list…), resolving a common type for arg
// and the elements as Postgres does.
func NewInList(arg Expr, list []Expr, not bool) (Expr, error) {
	all := append([]Expr{arg}, list...)
	t, err := commonTypeOf(all, "IN")
	if err != nil {
		return nil, err
	}
	a, err := NewCast(arg, t, false)
	if err != nil {
		return nil, err
	}
	out := &InList{Arg: a, Not: not}
	for _, l := range list {
		c, err := NewCast(l, t, false)
		if err != nil {
			return nil, err
		}
		out.List = append(out.List, c)
	}
	eq, err := Resolve("=", []Expr{&ColumnRef{Index: 0, T: t}, &ColumnRef{Index: 1, T: t}})
	if err != nil {
		return nil, err
	}
	out.eq = eq
	return out, nil
}

// Coalesce returns its first non-NULL argument. Build it with NewCoalesce
// (or Resolve("coalesce", …)) to get the arguments coerced.
type Coalesce struct {
	Args []Expr
	T    types.Type
}

// Type implements Expr.
func (e *Coalesce) Type() types.Type {
	if e.T.Kind == types.KindUnknown && len(e.Args) > 0 {
		return e.Args[0].Type()
	}
	return e.T
}

// EvalRow implements Expr.
func (e *Coalesce) EvalRow(ctx *Context, r types.Row) (types.Datum, error) {
	for _, a := range e.Args {
		d, err := a.EvalRow(ctx, r)
		if err != nil {
			return nil, err
		}
		if d != nil {
			return d, nil
		}
	}
	return nil, nil
}

// Eval implements Expr.
func (e *Coalesce) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	return evalRowwise(ctx, e, c)
}

// String implements Expr.
func (e *Coalesce) String() string { return "coalesce" + joinArgs(e.Args, ", ") }

// NewCoalesce builds COALESCE(args…) with the arguments coerced to their
// common type.
func NewCoalesce(args []Expr) (Expr, error) {
	t, err := commonTypeOf(args, "COALESCE")
	if err != nil {
		return nil, err
	}
	out := &Coalesce{T: t}
	for _, a := range args {
		c, err := NewCast(a, t, false)
		if err != nil {
			return nil, err
		}
		out.Args = append(out.Args, c)
	}
	return out, nil
}

// ArrayCtor is ARRAY[elems…].
type ArrayCtor struct {
	Elems  []Expr
	T      types.Type // the array type
	Nested bool       // the elements are arrays: a multidimensional result
}

// Type implements Expr.
func (e *ArrayCtor) Type() types.Type { return e.T }

// EvalRow implements Expr.
func (e *ArrayCtor) EvalRow(ctx *Context, r types.Row) (types.Datum, error) {
	out := make(types.Array, len(e.Elems))
	for i, el := range e.Elems {
		d, err := el.EvalRow(ctx, r)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	if e.Nested {
		return nestArrays(out)
	}
	return out, nil
}

// nestArrays builds a multidimensional value from sub-array values as
// Postgres's ARRAY[…] does: NULL and empty sub-arrays count as empty, and
// the rest must have matching dimensions (no mix of empty and non-empty).
func nestArrays(subs types.Array) (types.Datum, error) {
	out := make(types.Array, 0, len(subs))
	empty := false
	for _, s := range subs {
		if s == nil {
			empty = true
			continue
		}
		a := s.(types.Array)
		if len(a) == 0 {
			empty = true
			continue
		}
		if len(out) > 0 && !sameDims(out[0].(types.Array), a) {
			return nil, errMatchingDims()
		}
		out = append(out, a)
	}
	if empty && len(out) > 0 {
		return nil, errMatchingDims()
	}
	return out, nil
}

func errMatchingDims() error {
	return sqlerr.New("2202E", "multidimensional arrays must have array expressions with matching dimensions")
}

// Eval implements Expr.
func (e *ArrayCtor) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	return evalRowwise(ctx, e, c)
}

// String implements Expr.
func (e *ArrayCtor) String() string {
	return "ARRAY[" + strings.Trim(joinArgs(e.Elems, ", "), "()") + "]"
}

// NewArrayCtor builds ARRAY[elems…] with the elements coerced to their
// common type. An empty ARRAY[] needs elemType (it is ignored otherwise
// unless all elements are untyped).
func NewArrayCtor(elems []Expr, elemType types.Type) (Expr, error) {
	t := elemType
	if len(elems) > 0 {
		var err error
		if t, err = commonTypeOf(elems, "ARRAY"); err != nil {
			return nil, err
		}
		if t.Kind == types.KindUnknown || (t.Kind == types.KindVarchar && elemType.Kind != types.KindUnknown && allUnknown(elems)) {
			if elemType.Kind != types.KindUnknown {
				t = elemType
			} else {
				t = types.Varchar
			}
		}
	}
	if t.Kind == types.KindUnknown {
		return nil, sqlerr.New(codeIndeterminateDatatype, "cannot determine type of empty array").
			WithHint("Explicitly cast to the desired type, for example ARRAY[]::integer[].")
	}
	if t.Kind == types.KindArray {
		// ARRAY[ARRAY[…], …]: a multidimensional array of the same type.
		out := &ArrayCtor{T: t, Nested: true}
		for _, el := range elems {
			c, err := NewCast(el, t, false)
			if err != nil {
				return nil, err
			}
			out.Elems = append(out.Elems, c)
		}
		return out, nil
	}
	out := &ArrayCtor{T: types.ArrayOf(t)}
	for _, el := range elems {
		c, err := NewCast(el, t, false)
		if err != nil {
			return nil, err
		}
		out.Elems = append(out.Elems, c)
	}
	return out, nil
}

func allUnknown(es []Expr) bool {
	for _, e := range es {
		if e.Type().Kind != types.KindUnknown {
			return false
		}
	}
	return true
}

// Default Eval implementations for the boolean nodes: vectorized where the
// argument arrays allow it (see vec.go).

// Eval implements Expr.
func (e *And) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	return evalLogic(ctx, e, e.Args, c, true)
}

// Eval implements Expr.
func (e *Or) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	return evalLogic(ctx, e, e.Args, c, false)
}

// Eval implements Expr.
func (e *Not) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	a, err := e.Arg.Eval(ctx, c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	return vecNot(a.(*array.Boolean)), nil
}

// Eval implements Expr.
func (e *IsNull) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	a, err := e.Arg.Eval(ctx, c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	return vecIsNull(a, e.Not), nil
}

// Eval implements Expr.
func (e *InList) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	return evalRowwise(ctx, e, c)
}
