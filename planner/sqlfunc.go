package planner

import (
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// SQLFunction is a user-defined function of LANGUAGE SQL whose body is one
// expression (AS $$SELECT expr$$ or RETURN expr). The binder inlines the
// body at every call, so the function costs nothing at run time and works
// alike in batch queries and streaming plans.
type SQLFunction struct {
	Name     string       // lower-case, unqualified
	ArgNames []string     // "" for an unnamed argument
	ArgTypes []types.Type // declared argument types
	Returns  types.Type   // declared result type
	Body     parser.Expr  // the expression; arguments by name or $n
	Strict   bool         // STRICT / RETURNS NULL ON NULL INPUT
}

// Signature is the function's name with its argument types, the form
// Postgres names a function by ("count_char(character varying,integer)").
func (f *SQLFunction) Signature() string {
	var ts []string
	for _, t := range f.ArgTypes {
		ts = append(ts, t.String())
	}
	return f.Name + "(" + strings.Join(ts, ",") + ")"
}

// FunctionCatalog is implemented by a Catalog that holds user-defined
// functions. Functions returns every function with the given lower-case,
// unqualified name (overloads differ in their argument types).
type FunctionCatalog interface {
	Functions(name string) []*SQLFunction
}

// maxFuncDepth bounds the nesting of inlined SQL functions (a function
// calling itself would otherwise inline forever).
const maxFuncDepth = 32

// NewSQLFunction checks CREATE FUNCTION and returns the definition: the
// language must be SQL, the body a single SELECT of one expression without
// FROM (or RETURN expr), and the body's type must convert to the declared
// result type by assignment. cat resolves functions the body calls.
func NewSQLFunction(cat Catalog, st *parser.CreateFunction) (f *SQLFunction, err error) {
	defer catchBindError(&err)
	if st.Language != "" && !strings.EqualFold(st.Language, "sql") {
		failAt(st.Pos, sqlerr.FeatureNotSupported, "functions in language %q are not supported: only LANGUAGE SQL", strings.ToLower(st.Language))
	}
	if st.Returns == nil {
		failAt(st.Pos, sqlerr.FeatureNotSupported, "functions returning a table are not supported")
	}
	if st.Link != "" {
		failAt(st.Pos, sqlerr.FeatureNotSupported, "functions with USING LINK are not supported")
	}
	f = &SQLFunction{Name: NormalizeName(st.Name), Returns: typeIn(st.Returns, cat)}
	for _, o := range st.Options {
		if o == "STRICT" || o == "RETURNS NULL ON NULL INPUT" {
			f.Strict = true
		}
	}
	for _, a := range st.Args {
		f.ArgNames = append(f.ArgNames, strings.ToLower(a.Name))
		f.ArgTypes = append(f.ArgTypes, typeIn(a.Type, cat))
	}
	switch {
	case st.Return != nil:
		f.Body = st.Return
	case st.As != "":
		f.Body = functionBody(st)
	default:
		failAt(st.Pos, sqlerr.InvalidFunctionDefinition, "no function body specified")
	}
	// Bind the body once over typed NULL arguments: it must bind, and its
	// type must convert to the result type.
	b := newBinder(cat)
	args := make([]expr.Expr, len(f.ArgTypes))
	for i, t := range f.ArgTypes {
		args[i] = &expr.Literal{T: t}
	}
	b.inlineBody(st.Pos, f, args)
	return f, nil
}

// functionBody parses AS 'SELECT expr' into expr.
func functionBody(st *parser.CreateFunction) parser.Expr {
	bad := func() {
		failAt(st.Pos, sqlerr.FeatureNotSupported, "the body of a SQL function must be a single SELECT of one expression without FROM (or RETURN expr)")
	}
	stmt, err := parser.ParseOne(st.As)
	if err != nil {
		failAt(st.Pos, sqlerr.SyntaxError, "in the body of function %s: %v", st.Name, err)
	}
	q, ok := stmt.(*parser.Query)
	if !ok || q.With != nil || len(q.OrderBy) > 0 || q.Limit != nil || q.Offset != nil {
		bad()
	}
	core, ok := q.Body.(*parser.SelectCore)
	if !ok || core.Distinct || len(core.DistinctOn) > 0 || len(core.From) > 0 || core.Where != nil ||
		len(core.GroupBy) > 0 || core.Having != nil || len(core.Windows) > 0 || len(core.Items) != 1 || core.Items[0].Star {
		bad()
	}
	return core.Items[0].Expr
}

// sqlFunctionCall inlines a call of a user-defined SQL function when one of
// the catalog's functions named name accepts args (by implicit casts); ok
// is false when none does.
func (c *exprCtx) sqlFunctionCall(pos parser.Pos, x *parser.FuncCall, args []expr.Expr) (expr.Expr, bool) {
	fc, ok := c.b.cat.(FunctionCatalog)
	if !ok || len(x.Name) > 2 || (len(x.Name) == 2 && !strings.EqualFold(x.Name[0], "public")) {
		return nil, false
	}
	// The candidate with the most exactly matching arguments wins; then
	// the one taking untyped literals as text (Postgres prefers the string
	// category for them); then the first signature, for determinism.
	var best *SQLFunction
	bestExact, bestText := -1, -1
	for _, f := range fc.Functions(funcName(x)) {
		if len(f.ArgTypes) != len(args) {
			continue
		}
		exact, text, fits := 0, 0, true
		for i, a := range args {
			switch {
			case a.Type() == f.ArgTypes[i]:
				exact++
			case a.Type().Kind == types.KindUnknown && f.ArgTypes[i].Kind == types.KindVarchar:
				text++
			case !expr.CanCast(a.Type(), f.ArgTypes[i], false):
				fits = false
			}
		}
		better := exact > bestExact || (exact == bestExact && text > bestText) ||
			(exact == bestExact && text == bestText && best != nil && f.Signature() < best.Signature())
		if fits && better {
			best, bestExact, bestText = f, exact, text
		}
	}
	if best == nil {
		return nil, false
	}
	cargs := make([]expr.Expr, len(args))
	for i, a := range args {
		ca, err := expr.NewCast(a, best.ArgTypes[i], false)
		check(pos, err)
		cargs[i] = ca
	}
	return c.b.inlineBody(pos, best, cargs), true
}

// inlineBody binds f's body with args (already of the argument types) in
// place of its parameters, converted to the result type.
func (b *binder) inlineBody(pos parser.Pos, f *SQLFunction, args []expr.Expr) expr.Expr {
	if b.fnDepth >= maxFuncDepth {
		failAt(pos, sqlerr.StatementTooComplex, "SQL functions are nested too deeply (calling %s)", f.Name)
	}
	b.fnDepth++
	defer func() { b.fnDepth-- }()
	named := map[string]expr.Expr{}
	for i, n := range f.ArgNames {
		if n != "" {
			named[n] = args[i]
		}
	}
	ctx := &exprCtx{b: b, sc: &scope{}, clause: "SQL function body", fn: &fnArgs{name: f.Name, named: named, pos: args}}
	body := ctx.bind(f.Body)
	if f.Strict && len(args) > 0 {
		var nulls []expr.Expr
		for _, a := range args {
			nulls = append(nulls, &expr.IsNull{Arg: a})
		}
		var anyNull expr.Expr = &expr.Or{Args: nulls}
		if len(nulls) == 1 {
			anyNull = nulls[0]
		}
		r, err := expr.NewCase(nil, []expr.When{{Cond: anyNull, Result: &expr.Literal{T: body.Type()}}}, body)
		check(pos, err)
		body = r
	}
	from := body.Type()
	if from == f.Returns {
		return body
	}
	if expr.CanCast(from, f.Returns, false) || from.Kind == types.KindUnknown ||
		(from.IsNumeric() && f.Returns.IsNumeric()) || f.Returns.Kind == types.KindVarchar ||
		(from.IsTemporal() && f.Returns.IsTemporal()) {
		r, err := expr.NewCast(body, f.Returns, true)
		check(pos, err)
		return r
	}
	failAt(pos, sqlerr.InvalidFunctionDefinition, "return type mismatch in function declared to return %s (the body's type is %s)", f.Returns, from)
	return nil
}

// fnArgs are the arguments of the SQL function whose body is being bound.
type fnArgs struct {
	name  string
	named map[string]expr.Expr
	pos   []expr.Expr
}

// lookup resolves a column reference in a function body to an argument:
// arg or fname.arg.
func (a *fnArgs) lookup(parts []string) (expr.Expr, bool) {
	switch {
	case len(parts) == 1:
		e, ok := a.named[parts[0]]
		return e, ok
	case len(parts) == 2 && parts[0] == a.name:
		e, ok := a.named[parts[1]]
		return e, ok
	}
	return nil, false
}
