package planner

import (
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// TypeCatalog is implemented by catalogs that hold named composite types
// (CREATE TYPE); NamedType takes the normalized name.
type TypeCatalog interface {
	NamedType(name string) (types.Type, bool)
}

// FieldsOf resolves the fields of a STRUCT<…> or CREATE TYPE, their types
// with TypeOf.
func FieldsOf(fields []*parser.StructField, cat Catalog) ([]types.Field, error) {
	fs := make([]types.Field, len(fields))
	for i, f := range fields {
		ft, err := TypeOf(f.Type, cat)
		if err != nil {
			return nil, err
		}
		name := f.Name // folded by the parser unless quoted
		for _, g := range fs[:i] {
			if g.Name == name {
				return nil, sqlerr.New(sqlerr.DuplicateColumn, "column %q specified more than once", name).WithPosition(int(f.Pos) + 1)
			}
		}
		fs[i] = types.Field{Name: name, Type: ft}
	}
	return fs, nil
}

// rowCtor binds a row constructor used as a value: ROW(a, b) or (a, b).
func (c *exprCtx) rowCtor(x *parser.RowExpr) expr.Expr {
	args := make([]expr.Expr, len(x.Elems))
	for i, el := range x.Elems {
		args[i] = c.bind(el)
	}
	return expr.NewRowCtor(args)
}

// fieldAccess binds (e).field. Outside a select list (e).* is the
// composite value itself, as in RisingWave (jsonb_agg((row(a, b)).*));
// Postgres refuses it there.
func (c *exprCtx) fieldAccess(x *parser.FieldAccess) expr.Expr {
	if x.Field == "*" {
		arg := c.bind(x.Expr)
		if arg.Type().Kind != types.KindStruct {
			failAt(x.Pos, sqlerr.WrongObjectType, "type %s is not composite", arg.Type())
		}
		return arg
	}
	r, err := expr.NewFieldSelect(c.bind(x.Expr), x.Field)
	check(x.Pos, err)
	return r
}

// starFields expands (e).* in a select list into one column per field of
// the composite value e; it returns false for other items.
func (c *exprCtx) starFields(e parser.Expr) ([]expr.Expr, types.Schema, bool) {
	fa, ok := e.(*parser.FieldAccess)
	if !ok || fa.Field != "*" {
		return nil, nil, false
	}
	arg := c.bind(fa.Expr)
	t := arg.Type()
	if t.Kind != types.KindStruct {
		failAt(fa.Pos, sqlerr.WrongObjectType, "type %s is not composite", t)
	}
	var outs []expr.Expr
	var cols types.Schema
	for _, f := range t.Fields() {
		x, err := expr.NewFieldSelect(arg, f.Name)
		check(fa.Pos, err)
		outs = append(outs, x)
		cols = append(cols, types.Column{Name: f.Name, Type: f.Type})
	}
	return outs, cols, true
}

// wholeRow binds a bare name that names no column but a relation of the
// query (SELECT t FROM t, to_jsonb(t)), as Postgres does: the record of
// the relation's visible columns among cols (the scope's), of a
// composite type named after it.
func (c *exprCtx) wholeRow(pos parser.Pos, name string, cols []scopeCol) (expr.Expr, bool) {
	var args []expr.Expr
	var fs []types.Field
	for _, col := range cols {
		if col.table != name || col.noQual || col.hidden {
			continue
		}
		a := c.bind(&parser.ColumnRef{Pos: pos, Parts: []string{name, col.name}})
		args = append(args, a)
		fs = append(fs, types.Field{Name: col.name, Type: a.Type()})
	}
	if len(args) == 0 {
		return nil, false
	}
	return &expr.RowCtor{Args: args, T: types.StructOf(name, fs)}, true
}
