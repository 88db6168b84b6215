package expr

import (
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Composite (row) values: the row constructor, field selection, casts
// between composite types and the text input of a record.

// RowCtor is a row constructor, ROW(a, b) or (a, b): a record of its
// arguments' values, of composite type T.
type RowCtor struct {
	Args []Expr
	T    types.Type
}

// NewRowCtor returns the row constructor of args, of the composite type
// named "record" (as Postgres shows it) with fields f1, f2, …. Untyped
// literal arguments keep the unknown type until the row is cast to a
// composite type (an INSERT into a composite column, a ::cast).
func NewRowCtor(args []Expr) *RowCtor {
	fs := make([]types.Field, len(args))
	for i, a := range args {
		fs[i] = types.Field{Name: "f" + strconv.Itoa(i+1), Type: a.Type()}
	}
	return &RowCtor{Args: args, T: types.StructOf(types.RecordTypeName, fs)}
}

// Type implements Expr.
func (e *RowCtor) Type() types.Type { return e.T }

// EvalRow implements Expr.
func (e *RowCtor) EvalRow(ctx *Context, r types.Row) (types.Datum, error) {
	out := make(types.Record, len(e.Args))
	for i, a := range e.Args {
		v, err := a.EvalRow(ctx, r)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// Eval implements Expr.
func (e *RowCtor) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	return evalRowwise(ctx, e, c)
}

// String implements Expr.
func (e *RowCtor) String() string { return "ROW" + joinArgs(e.Args, ", ") }

// FieldSelect is (Arg).field: field Index of a composite value (NULL when
// the value is NULL).
type FieldSelect struct {
	Arg   Expr
	Index int
}

// NewFieldSelect returns (arg).name, or an error when arg is not of a
// composite type or has no such field.
func NewFieldSelect(arg Expr, name string) (Expr, error) {
	t := arg.Type()
	if t.Kind != types.KindStruct {
		return nil, sqlerr.New(sqlerr.WrongObjectType, "column notation .%s applied to type %s, which is not a composite type", name, typeName(t))
	}
	i := t.FieldIndex(name)
	if i < 0 {
		return nil, sqlerr.New(sqlerr.UndefinedColumn, "column %q not found in data type %s", name, typeName(t))
	}
	if rc, ok := arg.(*RowCtor); ok {
		return rc.Args[i], nil
	}
	return &FieldSelect{Arg: arg, Index: i}, nil
}

// Type implements Expr.
func (e *FieldSelect) Type() types.Type { return e.Arg.Type().Fields()[e.Index].Type }

// EvalRow implements Expr.
func (e *FieldSelect) EvalRow(ctx *Context, r types.Row) (types.Datum, error) {
	v, err := e.Arg.EvalRow(ctx, r)
	if err != nil || v == nil {
		return nil, err
	}
	return v.(types.Record)[e.Index], nil
}

// Eval implements Expr.
func (e *FieldSelect) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	return evalRowwise(ctx, e, c)
}

// String implements Expr.
func (e *FieldSelect) String() string {
	return "(" + e.Arg.String() + ")." + e.Arg.Type().Fields()[e.Index].Name
}

// RecordIsNull is Postgres's IS [NOT] NULL of a composite value: IS NULL
// holds when the value or every field is NULL, IS NOT NULL when the value
// is not NULL and no field is.
type RecordIsNull struct {
	Arg Expr
	Not bool
}

// Type implements Expr.
func (e *RecordIsNull) Type() types.Type { return types.Bool }

// EvalRow implements Expr.
func (e *RecordIsNull) EvalRow(ctx *Context, r types.Row) (types.Datum, error) {
	v, err := e.Arg.EvalRow(ctx, r)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return !e.Not, nil
	}
	nulls := 0
	rec := v.(types.Record)
	for _, f := range rec {
		if f == nil {
			nulls++
		}
	}
	if e.Not {
		return nulls == 0, nil
	}
	return nulls == len(rec), nil
}

// Eval implements Expr.
func (e *RecordIsNull) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	return evalRowwise(ctx, e, c)
}

// String implements Expr.
func (e *RecordIsNull) String() string {
	if e.Not {
		return e.Arg.String() + " IS NOT NULL"
	}
	return e.Arg.String() + " IS NULL"
}

// canCastRecord reports whether composite type from converts to
// composite type to: the same number of fields, each castable.
func canCastRecord(from, to types.Type, explicit bool) bool {
	ff, tf := from.Fields(), to.Fields()
	if len(ff) != len(tf) {
		return false
	}
	for i := range ff {
		if !CanCast(ff[i].Type, tf[i].Type, explicit) {
			return false
		}
	}
	return true
}

// castRowCtor casts a row constructor to composite type to field by
// field, so that its literal fields are typed (and folded) at once.
func castRowCtor(rc *RowCtor, to types.Type, explicit bool) (Expr, error) {
	fs := to.Fields()
	if len(fs) != len(rc.Args) {
		return nil, recordArityError(len(rc.Args), to)
	}
	args := make([]Expr, len(rc.Args))
	for i, a := range rc.Args {
		c, err := NewCast(a, fs[i].Type, explicit)
		if err != nil {
			return nil, err
		}
		args[i] = c
	}
	return &RowCtor{Args: args, T: to}, nil
}

func recordArityError(have int, to types.Type) error {
	err := sqlerr.New(sqlerr.CannotCoerce, "cannot cast type record to %s", typeName(to))
	if have > len(to.Fields()) {
		return err.WithDetail("Input has too many columns.")
	}
	return err.WithDetail("Input has too few columns.")
}

// castRecord converts record d of composite type from to composite type
// to, field by field.
func castRecord(ctx *Context, d types.Datum, from, to types.Type) (types.Datum, error) {
	in := d.(types.Record)
	ff, tf := from.Fields(), to.Fields()
	if len(ff) != len(tf) || len(in) != len(tf) {
		return nil, recordArityError(len(in), to)
	}
	out := make(types.Record, len(in))
	for i, v := range in {
		if v == nil {
			continue
		}
		c, err := castDatum(ctx, v, ff[i].Type, tf[i].Type)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// parseRecord reads the text form of a record, (f1,f2,…): an empty
// unquoted field is NULL; double quotes quote (a doubled quote inside is
// one) and a backslash escapes the next character.
func parseRecord(s string, t types.Type, loc *time.Location) (types.Datum, error) {
	bad := func(detail string) error {
		return sqlerr.New(sqlerr.InvalidTextRepresentation, "malformed record literal: %q", s).WithDetail(detail)
	}
	fs := t.Fields()
	p := strings.TrimLeft(s, " \t\n\r\v\f")
	if !strings.HasPrefix(p, "(") {
		return nil, bad("Missing left parenthesis.")
	}
	p = p[1:]
	out := make(types.Record, len(fs))
	for i, f := range fs {
		var b strings.Builder
		quoted, inQuote := false, false
	field:
		for {
			if p == "" {
				return nil, bad("Unexpected end of input.")
			}
			c := p[0]
			switch {
			case inQuote && c == '"' && len(p) > 1 && p[1] == '"':
				b.WriteByte('"')
				p = p[2:]
				continue
			case c == '"':
				inQuote, quoted = !inQuote, true
			case c == '\\':
				if len(p) < 2 {
					return nil, bad("Unexpected end of input.")
				}
				b.WriteByte(p[1])
				p = p[2:]
				continue
			case !inQuote && (c == ',' || c == ')'):
				break field
			default:
				b.WriteByte(c)
			}
			p = p[1:]
		}
		last := i == len(fs)-1
		if (p[0] == ')') != last {
			if last {
				return nil, bad("Too many columns.")
			}
			return nil, bad("Too few columns.")
		}
		p = p[1:]
		if !quoted && b.Len() == 0 {
			continue
		}
		v, err := parseTextIn(b.String(), f.Type, loc)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	if strings.TrimRight(p, " \t\n\r\v\f") != "" {
		return nil, bad("Junk after right parenthesis.")
	}
	return out, nil
}

// recordToJSON converts a record to a jsonb object keyed by its field
// names (to_jsonb of a composite value).
func recordToJSON(r types.Record, t types.Type, loc *time.Location) *jv {
	fs := t.Fields()
	m := map[string]*jv{}
	for i, v := range r {
		name := "f" + strconv.Itoa(i+1)
		var ft types.Type
		if i < len(fs) {
			name, ft = fs[i].Name, fs[i].Type
		}
		m[name] = datumToJSONIn(v, ft, loc)
	}
	return jsonObjectOf(m)
}

// resolveRecordToJSON resolves to_jsonb of a composite value (or an array
// of them), whose objects take their keys from the argument's type.
func resolveRecordToJSON(name string, args []Expr) (Expr, bool) {
	if name != "to_jsonb" || len(args) != 1 {
		return nil, false
	}
	t := args[0].Type()
	if t.Kind != types.KindStruct && (t.Kind != types.KindArray || t.Elem != types.KindStruct) {
		return nil, false
	}
	return &Call{Name: name, Args: args, T: types.JSONBT, impl: &impl{row: func(ctx *Context, a []types.Datum) (types.Datum, error) {
		return jsonbOut(datumToJSONIn(a[0], t, ctx.location())), nil
	}}}, true
}

// structTag is the EXPLAIN tag of a composite type: Struct(a Int32, …),
// with the type's name when it has one.
func structTag(t types.Type) string {
	var b strings.Builder
	if n := t.StructName(); n != "" && n != types.RecordTypeName {
		b.WriteString(n)
	}
	b.WriteString("Struct(")
	for i, f := range t.Fields() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name + " " + typeTag(f.Type))
	}
	b.WriteByte(')')
	return b.String()
}
