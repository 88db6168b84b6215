package engine

import (
	"reflect"
	"strings"

	"github.com/eddysql/eddy/parser"
)

// rewriteArraySubqueries replaces the subquery over
// pg_publication_rel.prattrs of psql's \d by NULL (there are no
// publications here). text is the statement text, used to skip the walk
// when it cannot apply. (ARRAY(subquery) itself is planned by the planner.)
func rewriteArraySubqueries(q *parser.Query, text string) *parser.Query {
	if !strings.Contains(strings.ToLower(text), "prattrs") {
		return q
	}
	walkExprs(reflect.ValueOf(q), func(e parser.Expr) parser.Expr {
		switch x := e.(type) {
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
