package engine

import (
	"reflect"
	"strings"

	"github.com/eddysql/eddy/parser"
)

// rewriteArraySubqueries replaces ARRAY(SELECT e FROM … [ORDER BY …]) by
// COALESCE((SELECT array_agg(e ORDER BY …) FROM …), '{}'), which the
// planner supports (psql's \d queries use ARRAY(subquery)). text is the
// statement text, used to skip the walk when it cannot apply.
func rewriteArraySubqueries(q *parser.Query, text string) *parser.Query {
	lower := strings.ToLower(text)
	if !strings.Contains(lower, "array") && !strings.Contains(lower, "prattrs") {
		return q
	}
	walkExprs(reflect.ValueOf(q), func(e parser.Expr) parser.Expr {
		switch x := e.(type) {
		case *parser.ArraySubquery:
			if r := arrayAggSubquery(x); r != nil {
				return r
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

func arrayAggSubquery(as *parser.ArraySubquery) parser.Expr {
	q := as.Query
	sc, ok := q.Body.(*parser.SelectCore)
	if !ok || q.With != nil || q.Limit != nil || q.Offset != nil || len(sc.Items) != 1 || sc.Items[0].Star ||
		len(sc.GroupBy) > 0 || sc.Having != nil || sc.Distinct || len(sc.DistinctOn) > 0 {
		return nil
	}
	item := sc.Items[0].Expr
	if len(sc.From) == 1 && sc.Where == nil {
		// ARRAY(SELECT x FROM unnest(a) x) is a itself; psql's
		// ARRAY(SELECT 'toast.' || x FROM unnest(reloptions) x) is
		// approximated by a (no relation has TOAST options here).
		if tf, ok := sc.From[0].(*parser.TableFunc); ok && tf.Func != nil && len(tf.Func.Args) == 1 &&
			tf.Func.Name[len(tf.Func.Name)-1] == "unnest" {
			return &parser.FuncCall{Pos: as.Pos, Name: []string{"coalesce"}, Args: []parser.Expr{tf.Func.Args[0],
				&parser.Literal{Pos: as.Pos, Kind: parser.LitString, Text: "{}"}}}
		}
	}
	var order []*parser.OrderItem
	for _, o := range q.OrderBy {
		oi := *o
		if lit, ok := o.Expr.(*parser.Literal); ok && lit.Kind == parser.LitInteger && lit.Int == 1 {
			oi.Expr = item
		} else if cr, ok := o.Expr.(*parser.ColumnRef); ok && len(cr.Parts) == 1 && cr.Parts[0] == sc.Items[0].Alias {
			oi.Expr = item
		}
		order = append(order, &oi)
	}
	agg := &parser.FuncCall{Pos: as.Pos, Name: []string{"array_agg"}, Args: []parser.Expr{item}, OrderBy: order}
	nsc := *sc
	nsc.Items = []*parser.SelectItem{{Pos: sc.Items[0].Pos, Expr: agg}}
	sub := &parser.Subquery{Pos: as.Pos, Query: &parser.Query{Pos: q.Pos, Body: &nsc}}
	empty := &parser.Literal{Pos: as.Pos, Kind: parser.LitString, Text: "{}"}
	return &parser.FuncCall{Pos: as.Pos, Name: []string{"coalesce"}, Args: []parser.Expr{sub, empty}}
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
