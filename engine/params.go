package engine

import (
	"context"
	"reflect"
	"strconv"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// ExecParams runs one statement with parameters $1…$n bound to params
// (Go datums; nil = NULL) of the given types (Unknown, or missing, for an
// untyped value, which then takes its type from context like a quoted
// literal; such a value must be a string or nil). Parameters are bound in
// the parsed statement as typed constants: the text is never rewritten,
// so values cannot change the statement's shape.
//
// Point lookups by primary key (SELECT … FROM rel WHERE pk = $1 …) are
// planned once per statement text and parameter types; later executions
// go straight to the store.
func (e *Engine) ExecParams(ctx context.Context, s *Session, sql string, params []types.Datum, paramTypes []types.Type) ([]*Result, error) {
	if s == nil {
		s = NewSession()
	}
	if e.closed.Load() {
		return nil, errClosed
	}
	paramQueries.Add(1)
	if t, ok := e.pointCache().get(sql, paramTypes); ok {
		if r, ok, err := e.runTemplate(ctx, s, t, params, paramTypes); ok || err != nil {
			cachedLookups.Add(1)
			if err != nil {
				return nil, toSQLError(err)
			}
			return []*Result{r}, nil
		}
	}
	st, err := parseOneStatement(sql)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, nil
	}
	counts := countParams(st)
	for n := range counts {
		if n < 1 || n > len(params) {
			return nil, sqlerr.New(sqlerr.UndefinedParameter, "there is no parameter $%d", n)
		}
	}
	bound, err := bindASTParams(st, params, paramTypes)
	if err != nil {
		return nil, err
	}
	q, isQuery := bound.(*parser.Query)
	if !isQuery {
		r, err := e.execStmt(ctx, s, bound, sql)
		if err != nil {
			return nil, toSQLError(err)
		}
		return []*Result{r}, nil
	}
	q = rewriteArraySubqueries(q, sql)
	plan, err := planner.PlanQuery(catalogView{e}, q, e.tempAlloc)
	if err != nil {
		return nil, toSQLError(err)
	}
	if t := makeTemplate(plan, counts, params, paramTypes); t != nil {
		e.pointCache().put(sql, paramTypes, t)
	}
	rows, err := e.runQueryPlan(ctx, s, plan)
	if err != nil {
		return nil, toSQLError(err)
	}
	return []*Result{{Tag: "SELECT " + strconv.Itoa(len(rows)), Columns: visibleColumns(plan.Schema), Rows: rows}}, nil
}

// bindASTParams replaces every $n of a parsed statement by a constant of
// params[n-1]: a typed literal node (a cast of its text form) or NULL.
func bindASTParams(st parser.Statement, params []types.Datum, paramTypes []types.Type) (parser.Statement, error) {
	var bindErr error
	walkExprs(reflect.ValueOf(st), func(e parser.Expr) parser.Expr {
		p, ok := e.(*parser.Param)
		if !ok || p.N < 1 || p.N > len(params) {
			return e
		}
		d := params[p.N-1]
		var t types.Type
		if p.N <= len(paramTypes) {
			t = paramTypes[p.N-1]
		}
		if d == nil {
			lit := &parser.Literal{Pos: p.Pos, Kind: parser.LitNull, Text: "NULL"}
			if t.Kind == types.KindUnknown {
				return lit
			}
			return &parser.Cast{Pos: p.Pos, Expr: lit, Type: typeName(p.Pos, t), Style: "::"}
		}
		if t.Kind == types.KindUnknown {
			str, ok := d.(string)
			if !ok {
				// Untyped non-string: type it by its Go value.
				switch d.(type) {
				case int64:
					t = types.Int64
				case float64:
					t = types.Float64
				case bool:
					t = types.Bool
				default:
					bindErr = sqlerr.New(sqlerr.InvalidParameterValue, "parameter $%d has no type", p.N)
					return e
				}
			} else {
				return &parser.Literal{Pos: p.Pos, Kind: parser.LitString, Text: str}
			}
		}
		switch x := d.(type) {
		case int64:
			if t.IsInteger() {
				lit := &parser.Literal{Pos: p.Pos, Kind: parser.LitInteger, Text: strconv.FormatInt(x, 10), Int: x}
				return &parser.Cast{Pos: p.Pos, Expr: lit, Type: typeName(p.Pos, t), Style: "::"}
			}
		case bool:
			if t.Kind == types.KindBool {
				return &parser.Literal{Pos: p.Pos, Kind: parser.LitBool, Text: strconv.FormatBool(x), Bool: x}
			}
		}
		text := types.FormatTextTyped(d, t)
		lit := &parser.Literal{Pos: p.Pos, Kind: parser.LitString, Text: text}
		return &parser.Cast{Pos: p.Pos, Expr: lit, Type: typeName(p.Pos, t), Style: "::"}
	})
	return st, bindErr
}

// makeTemplate returns a template when the plan is a point lookup whose
// key is exactly the parameters (each used once, distinct values).
func makeTemplate(plan *planner.QueryPlan, counts map[int]int, params []types.Datum, paramTypes []types.Type) *pointTemplate {
	pl := plan.PointLookup
	if pl == nil || pl.Relation.Kind == planner.RelSystem || len(params) == 0 || len(params) != len(pl.Key) ||
		plan.Offset != 0 || plan.Limit == 0 || len(counts) != len(params) {
		return nil
	}
	for _, c := range counts {
		if c != 1 {
			return nil
		}
	}
	keyParam := make([]int, len(pl.Key))
	used := map[int]bool{}
	for i, k := range pl.Key {
		keyParam[i] = -1
		kt := pl.Relation.Schema[pl.Relation.PK[i]].Type
		for j, p := range params {
			v, err := castParam(p, paramType(paramTypes, j), kt)
			if err != nil || v == nil {
				return nil
			}
			if types.Compare(v, k) == 0 {
				if keyParam[i] != -1 || used[j] {
					return nil // ambiguous
				}
				keyParam[i] = j
			}
		}
		if keyParam[i] < 0 {
			return nil
		}
		used[keyParam[i]] = true
	}
	return newPointTemplate(pl, keyParam, plan)
}

func paramType(ts []types.Type, i int) types.Type {
	if i < len(ts) {
		return ts[i]
	}
	return types.Unknown
}

// castParam converts a parameter value to the key column type as an
// assignment would (strings parse as the type's text input).
func castParam(d types.Datum, from, to types.Type) (types.Datum, error) {
	if d == nil {
		return nil, nil
	}
	if s, ok := d.(string); ok && (from.Kind == types.KindUnknown || from.Kind == types.KindVarchar) && to.Kind != types.KindVarchar {
		return expr.ParseText(s, to)
	}
	if from.Kind == types.KindUnknown || from == to {
		if to.IsInteger() {
			if _, ok := d.(int64); ok {
				c, err := expr.NewCast(&expr.Literal{Value: d, T: types.Int64}, to, true)
				if err != nil {
					return nil, err
				}
				return c.EvalRow(nil, nil)
			}
		}
		return d, nil
	}
	c, err := expr.NewCast(&expr.Literal{Value: d, T: from}, to, true)
	if err != nil {
		return nil, err
	}
	return c.EvalRow(nil, nil)
}

// ParseParam converts the text form of a parameter to a datum of type t
// (Postgres text input; t Unknown keeps the string).
func ParseParam(text string, t types.Type) (types.Datum, error) {
	if t.Kind == types.KindUnknown || t.Kind == types.KindVarchar {
		return text, nil
	}
	d, err := expr.ParseText(text, t)
	if err != nil {
		return nil, sqlerr.Wrap(err, sqlerr.InvalidTextRepresentation)
	}
	return d, nil
}
