package engine

import (
	"reflect"
	"strings"

	"github.com/eddysql/eddy/parser"
)

// rewriteArraySubqueries rewrites two subqueries of psql's \d that the
// planner cannot plan (correlated table functions): the one over
// pg_publication_rel.prattrs becomes NULL (there are no publications here)
// and ARRAY(SELECT … FROM unnest(….reloptions) x) the options themselves.
// text is the statement text, used to skip the walk when it cannot apply.
// (ARRAY(subquery) in general is planned by the planner.)
func rewriteArraySubqueries(q *parser.Query, text string) *parser.Query {
	lower := strings.ToLower(text)
	if !strings.Contains(lower, "prattrs") && !strings.Contains(lower, "reloptions") {
		return q
	}
	walkExprs(reflect.ValueOf(q), func(e parser.Expr) parser.Expr {
		switch x := e.(type) {
		case *parser.ArraySubquery:
			// psql's \d+ lists ARRAY(SELECT 'toast.' || x FROM
			// unnest(tc.reloptions) x) (a correlated table function):
			// no relation has TOAST options here, so it is the
			// relation's options themselves.
			if sc, ok := x.Query.Body.(*parser.SelectCore); ok && len(sc.From) == 1 {
				if tf, ok := sc.From[0].(*parser.TableFunc); ok && tf.Func != nil && len(tf.Func.Args) == 1 &&
					tf.Func.Name[len(tf.Func.Name)-1] == "unnest" {
					if cr, ok := tf.Func.Args[0].(*parser.ColumnRef); ok && cr.Parts[len(cr.Parts)-1] == "reloptions" {
						return &parser.FuncCall{Pos: x.Pos, Name: []string{"coalesce"}, Args: []parser.Expr{cr,
							&parser.Literal{Pos: x.Pos, Kind: parser.LitString, Text: "{}"}}}
					}
				}
			}
		case *parser.Subquery:
			// psql's \d lists the columns of publication relations with
			// generate_series over pg_publication_rel.prattrs; there are
			// no publications here.
			if sc, ok := x.Query.Body.(*parser.SelectCore); ok {
				for _, f := range sc.From {
					if tf, ok := f.(*parser.TableFunc); ok && tf.Func != nil && tf.Func.Name[len(tf.Func.Name)-1] == "generate_series" &&
						strings.Contains(tf.Func.String(), "prattrs") {
						return &parser.Literal{Pos: x.Pos, Kind: parser.LitNull}
					}
				}
			}
		}
		return e
	})
	return q
}

var exprType = reflect.TypeOf((*parser.Expr)(nil)).Elem()

// walkExprs visits every parser.Expr reachable from v (children first) and
// replaces it by what f returns.
func walkExprs(v reflect.Value, f func(parser.Expr) parser.Expr) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		walkExprs(v.Elem(), f)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fv := v.Field(i)
			if !v.Type().Field(i).IsExported() {
				continue
			}
			walkExprs(fv, f)
			if fv.Type() == exprType && !fv.IsNil() && fv.CanSet() {
				fv.Set(reflect.ValueOf(f(fv.Interface().(parser.Expr))))
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			ev := v.Index(i)
			walkExprs(ev, f)
			if ev.Type() == exprType && !ev.IsNil() && ev.CanSet() {
				ev.Set(reflect.ValueOf(f(ev.Interface().(parser.Expr))))
			}
		}
	}
}
