package engine

import (
	"context"
	"reflect"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Describe plans one statement without running it and reports the types of
// its parameters $1…$n and its result columns (nil for statements that
// return no rows). paramTypes are the types the client declared (Unknown,
// or missing, where it declared none); undeclared parameters get their
// type from context as in Postgres (compared with an integer column →
// integer; LIMIT/OFFSET → bigint; otherwise text).
func (e *Engine) Describe(ctx context.Context, s *Session, sql string, paramTypes []types.Type) ([]types.Type, []types.Column, error) {
	if s == nil {
		s = NewSession()
	}
	if e.closed.Load() {
		return nil, nil, errClosed
	}
	st, err := parseOneStatement(sql)
	if err != nil || st == nil {
		return nil, nil, err
	}
	n := max(maxParamN(st), len(paramTypes))
	declared := make([]types.Type, n)
	copy(declared, paramTypes)
	limitParams := map[int]bool{}
	if q, ok := st.(*parser.Query); ok {
		// LIMIT/OFFSET must be constant when planning: describe them
		// as bigint placeholders.
		for _, p := range []*parser.Expr{&q.Limit, &q.Offset} {
			if pp, ok := (*p).(*parser.Param); ok && pp.N >= 1 && pp.N <= n {
				limitParams[pp.N] = true
				*p = &parser.Literal{Pos: pp.Pos, Kind: parser.LitInteger, Text: "1", Int: 1}
			}
		}
	}
	if ins, ok := st.(*parser.Insert); ok {
		e.typeInsertParams(ins, declared)
	}
	castDeclared(st, declared)
	var plan any
	var cols []types.Column
	switch x := st.(type) {
	case *parser.Query:
		qp, err := planner.PlanQuery(catalogView{e}, rewriteArraySubqueries(x, sql), e.tempAlloc)
		if err != nil {
			return nil, nil, toSQLError(err)
		}
		plan, cols = qp, visibleColumns(qp.Schema)
		if cols == nil {
			cols = []types.Column{}
		}
	case *parser.Insert:
		// VALUES are evaluated when planning: plan with typed NULLs.
		nulls := make([]types.Datum, len(declared))
		if _, err := bindASTParams(x, nulls, declared); err != nil {
			return nil, nil, err
		}
		ip, err := planner.PlanInsert(catalogView{e}, x, e.tempAlloc)
		if err != nil {
			return nil, nil, toSQLError(err)
		}
		plan = ip
		if ip.Returning != nil {
			cols = ip.Returning.Cols
		}
	case *parser.Update:
		up, err := planner.PlanUpdate(catalogView{e}, x, e.tempAlloc)
		if err != nil {
			return nil, nil, toSQLError(err)
		}
		plan = up
		if up.Returning != nil {
			cols = up.Returning.Cols
		}
	case *parser.Delete:
		dp, err := planner.PlanDelete(catalogView{e}, x, e.tempAlloc)
		if err != nil {
			return nil, nil, toSQLError(err)
		}
		plan = dp
		if dp.Returning != nil {
			cols = dp.Returning.Cols
		}
	case *parser.Show, *parser.Describe, *parser.Explain:
		// Read-only: run it for its columns.
		rs, err := e.Exec(ctx, s, sql)
		if err != nil {
			return nil, nil, err
		}
		if len(rs) > 0 {
			cols = rs[len(rs)-1].Columns
		}
		if cols == nil {
			cols = []types.Column{}
		}
	}
	out := make([]types.Type, n)
	copy(out, declared)
	if plan != nil {
		inferParamTypes(reflect.ValueOf(plan), out, map[uintptr]bool{})
	}
	for i := range out {
		if limitParams[i+1] && out[i].Kind == types.KindUnknown {
			out[i] = types.Int64
		}
		if out[i].Kind == types.KindUnknown {
			out[i] = types.Varchar
		}
	}
	return out, cols, nil
}

// typeInsertParams types the bare $n of INSERT … VALUES by their target
// columns.
func (e *Engine) typeInsertParams(ins *parser.Insert, declared []types.Type) {
	rel, _ := (catalogView{e}).Relation(ins.Table)
	if rel == nil || ins.Source == nil {
		return
	}
	vc, ok := ins.Source.Body.(*parser.ValuesClause)
	if !ok {
		return
	}
	var target []types.Type
	if len(ins.Columns) > 0 {
		for _, c := range ins.Columns {
			t := types.Unknown
			for _, col := range rel.Schema {
				if strings.EqualFold(col.Name, c) {
					t = col.Type
				}
			}
			target = append(target, t)
		}
	} else {
		for _, col := range rel.Schema {
			if !col.Hidden {
				target = append(target, col.Type)
			}
		}
	}
	for _, row := range vc.Rows {
		for i, v := range row {
			if p, ok := v.(*parser.Param); ok && i < len(target) && p.N >= 1 && p.N <= len(declared) && declared[p.N-1].Kind == types.KindUnknown {
				declared[p.N-1] = target[i]
			}
		}
	}
}

// parseOneStatement parses sql, which must hold at most one statement.
func parseOneStatement(sql string) (parser.Statement, error) {
	stmts, err := parser.Parse(sql)
	if err != nil {
		return nil, parseError(sql, err)
	}
	switch len(stmts) {
	case 0:
		return nil, nil
	case 1:
		return stmts[0], nil
	}
	return nil, sqlerr.New(sqlerr.SyntaxError, "cannot insert multiple commands into a prepared statement")
}

// maxParamN returns the highest $n in an AST.
func maxParamN(st any) int {
	m := 0
	walkExprs(reflect.ValueOf(st), func(e parser.Expr) parser.Expr {
		if p, ok := e.(*parser.Param); ok && p.N > m {
			m = p.N
		}
		return e
	})
	return m
}

// countParams returns how often each $n occurs in an AST.
func countParams(st any) map[int]int {
	c := map[int]int{}
	walkExprs(reflect.ValueOf(st), func(e parser.Expr) parser.Expr {
		if p, ok := e.(*parser.Param); ok {
			c[p.N]++
		}
		return e
	})
	return c
}

// typeName is the parser type name of t.
func typeName(pos parser.Pos, t types.Type) *parser.TypeName {
	if t.Kind == types.KindArray {
		return &parser.TypeName{Pos: pos, Name: t.ElemType().String(), ArrayDims: 1}
	}
	return &parser.TypeName{Pos: pos, Name: t.String()}
}

// castDeclared wraps every $n whose type is declared in a cast to it.
func castDeclared(st any, declared []types.Type) {
	walkExprs(reflect.ValueOf(st), func(e parser.Expr) parser.Expr {
		p, ok := e.(*parser.Param)
		if !ok || p.N < 1 || p.N > len(declared) || declared[p.N-1].Kind == types.KindUnknown {
			return e
		}
		return &parser.Cast{Pos: p.Pos, Expr: p, Type: typeName(p.Pos, declared[p.N-1]), Style: "::"}
	})
}

var (
	exprIface = reflect.TypeOf((*expr.Expr)(nil)).Elem()
)

// inferParamTypes walks a plan (any value holding expr.Exprs) and records,
// for every parameter of unknown type, the type it is cast to or typed as.
func inferParamTypes(v reflect.Value, out []types.Type, seen map[uintptr]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		if v.Type().Implements(exprIface) {
			noteParams(v.Interface().(expr.Expr), out)
		}
		inferParamTypes(v.Elem(), out, seen)
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		if ex, ok := v.Interface().(expr.Expr); ok {
			noteParams(ex, out)
		}
		inferParamTypes(v.Elem(), out, seen)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				inferParamTypes(v.Field(i), out, seen)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			inferParamTypes(v.Index(i), out, seen)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			inferParamTypes(it.Value(), out, seen)
		}
	}
}

func noteParams(e expr.Expr, out []types.Type) {
	defer func() { _ = recover() }() // foreign Expr implementations may not support Children
	expr.Walk(e, func(x expr.Expr) bool {
		set := func(p *expr.Param, t types.Type) {
			if p.N >= 1 && p.N <= len(out) && out[p.N-1].Kind == types.KindUnknown && t.Kind != types.KindUnknown {
				out[p.N-1] = t
			}
		}
		switch c := x.(type) {
		case *expr.Cast:
			if p, ok := c.Arg.(*expr.Param); ok {
				set(p, c.To)
			}
		case *expr.Param:
			set(c, c.T)
		}
		return true
	})
}
