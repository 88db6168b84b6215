package expr

import (
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Cast converts its argument to type To. Build it with NewCast.
type Cast struct {
	Arg Expr
	To  types.Type
}

// Type implements Expr.
func (e *Cast) Type() types.Type { return e.To }

// String implements Expr.
func (e *Cast) String() string { return "CAST(" + e.Arg.String() + " AS " + e.To.String() + ")" }

// EvalRow implements Expr.
func (e *Cast) EvalRow(ctx *Context, r types.Row) (types.Datum, error) {
	d, err := e.Arg.EvalRow(ctx, r)
	if err != nil || d == nil {
		return nil, err
	}
	v, err := castDatum(ctx, d, e.Arg.Type(), e.To)
	if err != nil {
		return ctx.fail(err)
	}
	return v, nil
}

// Eval implements Expr.
func (e *Cast) Eval(ctx *Context, c *types.Chunk) (arrow.Array, error) {
	a, err := e.Arg.Eval(ctx, c)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	from := e.Arg.Type()
	if out := vecCast(a, from, e.To); out != nil {
		return out, nil
	}
	b := array.NewBuilder(types.Allocator, types.ArrowType(e.To))
	defer b.Release()
	n := a.Len()
	b.Reserve(n)
	for i := 0; i < n; i++ {
		d := types.DatumAt(a, from, i)
		if d != nil {
			v, err := castDatum(ctx, d, from, e.To)
			if err != nil {
				if v, err = ctx.fail(err); err != nil {
					return nil, err
				}
			}
			d = v
		}
		appendDatum(b, e.To, d)
	}
	return b.NewArray(), nil
}

// otherZoneContexts evaluate a constant in zones far from UTC and from
// each other (+05:45, -12:00, +14:00), to tell whether its value depends
// on the session time zone: any hour, date or text of a timestamptz
// differs in at least one of them.
var otherZoneContexts = []*Context{{TimeZone: "Asia/Kathmandu"}, {TimeZone: "Etc/GMT+12"}, {TimeZone: "Pacific/Kiritimati"}}

// sameInOtherZones reports whether eval gives v in every other zone.
func sameInOtherZones(v types.Datum, eval func(*Context) (types.Datum, error)) bool {
	for _, c := range otherZoneContexts {
		if w, err := eval(c); err != nil || !types.Equal(v, w) {
			return false
		}
	}
	return true
}

// zoneDependent reports whether casting the constant d from one type to
// another gives a value that depends on the session time zone (v is its
// value in UTC): a timestamp text without an offset read as timestamptz,
// timestamptz shown as text or as local date/time, and so on. Such casts
// are not folded.
func zoneDependent(d types.Datum, from, to types.Type, v types.Datum) bool {
	if from.Kind != types.KindTimestamptz && to.Kind != types.KindTimestamptz {
		return false
	}
	return !sameInOtherZones(v, func(c *Context) (types.Datum, error) { return castDatum(c, d, from, to) })
}

// NewCast returns e converted to type to. explicit selects the explicit
// (CAST / ::) and assignment cast set; otherwise only implicit casts are
// allowed. Untyped literals are parsed as the target type right away, and
// casts of constants are folded (their errors surface here).
func NewCast(e Expr, to types.Type, explicit bool) (Expr, error) {
	from := e.Type()
	if from == to || to.Kind == types.KindUnknown {
		return e, nil
	}
	if rc, ok := e.(*RowCtor); ok && to.Kind == types.KindStruct {
		return castRowCtor(rc, to, explicit)
	}
	if lit, ok := e.(*Literal); ok {
		if lit.Value == nil {
			return &Literal{T: to}, nil
		}
		if from.Kind == types.KindUnknown || CanCast(from, to, explicit) {
			v, err := castDatum(defaultContext, lit.Value, from, to)
			if err != nil {
				return nil, err
			}
			if zoneDependent(lit.Value, from, to, v) {
				// Like Postgres's stable casts: the session's TimeZone
				// decides the value, when the statement runs.
				return &Cast{Arg: lit, To: to}, nil
			}
			return &Literal{Value: v, T: to}, nil
		}
	}
	if !CanCast(from, to, explicit) {
		return nil, sqlerr.New(sqlerr.CannotCoerce, "cannot cast type %s to %s", typeName(from), typeName(to))
	}
	if c, ok := e.(*Cast); ok && from.Kind == types.KindUnknown {
		e = c.Arg
	}
	return &Cast{Arg: e, To: to}, nil
}

// numRank orders the numeric types along Postgres's implicit casts.
func numRank(k types.Kind) int {
	switch k {
	case types.KindInt16:
		return 1
	case types.KindInt32:
		return 2
	case types.KindInt64:
		return 3
	case types.KindNumeric:
		return 4
	case types.KindFloat32:
		return 5
	case types.KindFloat64:
		return 6
	}
	return 0
}

func implicitKind(from, to types.Kind) bool {
	if from == to || from == types.KindUnknown {
		return true
	}
	if rf, rt := numRank(from), numRank(to); rf > 0 && rt > 0 {
		return rf < rt
	}
	switch from {
	case types.KindDate:
		return to == types.KindTimestamp || to == types.KindTimestamptz
	case types.KindTimestamp:
		return to == types.KindTimestamptz
	case types.KindTime:
		return to == types.KindInterval
	}
	return false
}

func explicitKind(from, to types.Kind) bool {
	if implicitKind(from, to) {
		return true
	}
	if from == types.KindVarchar || to == types.KindVarchar {
		return true
	}
	if numRank(from) > 0 && numRank(to) > 0 {
		return true
	}
	switch from {
	case types.KindBool:
		return to == types.KindInt32
	case types.KindInt32:
		return to == types.KindBool
	case types.KindTimestamp, types.KindTimestamptz:
		return to == types.KindDate || to == types.KindTime || to == types.KindTimestamp || to == types.KindTimestamptz
	case types.KindInterval:
		return to == types.KindTime
	case types.KindJSONB:
		return to == types.KindBool || numRank(to) > 0
	}
	return false
}

// CanCast reports whether a value of type from can be cast to type to;
// explicit selects the explicit/assignment casts (CAST, ::, INSERT),
// otherwise only the implicit ones (int2→int4→int8→numeric→real→double,
// date→timestamp→timestamptz, unknown→anything).
func CanCast(from, to types.Type, explicit bool) bool {
	if from == to || from.Kind == types.KindUnknown {
		return true
	}
	if from.Kind == types.KindStruct && to.Kind == types.KindStruct {
		return canCastRecord(from, to, explicit)
	}
	if from.Kind == types.KindArray && to.Kind == types.KindArray {
		return CanCast(from.ElemType(), to.ElemType(), explicit)
	}
	if from.Kind == types.KindArray || to.Kind == types.KindArray {
		return explicit && (from.Kind == types.KindVarchar || to.Kind == types.KindVarchar)
	}
	if explicit {
		return explicitKind(from.Kind, to.Kind)
	}
	return implicitKind(from.Kind, to.Kind)
}

// CommonType resolves the common type of a UNION/CASE/COALESCE/IN/ARRAY
// list as Postgres's select_common_type: unknown-typed members are ignored
// (all unknown gives text); otherwise every member must convert implicitly
// to one of them. ctx names the construct in the error ("UNION types
// integer and text cannot be matched", 42804).
func CommonType(ts []types.Type, ctx string) (types.Type, error) {
	cand := types.Unknown
	for _, t := range ts {
		if t.Kind == types.KindUnknown {
			continue
		}
		if cand.Kind == types.KindUnknown || cand == t {
			cand = t
			continue
		}
		switch {
		case CanCast(t, cand, false):
		case CanCast(cand, t, false):
			cand = t
		default:
			return types.Type{}, sqlerr.New(sqlerr.DatatypeMismatch, "%s types %s and %s cannot be matched", ctx, typeName(cand), typeName(t))
		}
	}
	if cand.Kind == types.KindUnknown {
		return types.Varchar, nil
	}
	return cand, nil
}

func commonTypeOf(es []Expr, ctx string) (types.Type, error) {
	ts := make([]types.Type, len(es))
	allNullLits := true
	for i, e := range es {
		ts[i] = e.Type()
		if l, ok := e.(*Literal); !ok || l.Value != nil || l.T.Kind != types.KindUnknown {
			allNullLits = false
		}
	}
	t, err := CommonType(ts, ctx)
	if err == nil && allNullLits && len(es) > 0 {
		return types.Varchar, nil
	}
	return t, err
}

// castDatum converts a non-NULL value of type from to type to.
func castDatum(ctx *Context, d types.Datum, from, to types.Type) (types.Datum, error) {
	if from == to {
		return d, nil
	}
	if to.Kind == types.KindUnknown {
		return d, nil
	}
	if from.Kind == types.KindUnknown {
		if s, ok := d.(string); ok {
			return parseTextIn(s, to, ctx.location())
		}
		return castDatum(ctx, d, datumType(d), to)
	}
	if to.Kind == types.KindVarchar {
		return toText(ctx, d, from), nil
	}
	if from.Kind == types.KindVarchar {
		return parseTextIn(d.(string), to, ctx.location())
	}
	if from.Kind == types.KindStruct && to.Kind == types.KindStruct {
		return castRecord(ctx, d, from, to)
	}
	if from.Kind == types.KindArray && to.Kind == types.KindArray {
		in := d.(types.Array)
		out := make(types.Array, len(in))
		for i, e := range in {
			if e == nil {
				continue
			}
			if sub, ok := e.(types.Array); ok {
				v, err := castDatum(ctx, sub, from, to)
				if err != nil {
					return nil, err
				}
				out[i] = v
				continue
			}
			v, err := castDatum(ctx, e, from.ElemType(), to.ElemType())
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	switch from.Kind {
	case types.KindInt16, types.KindInt32, types.KindInt64:
		v := d.(int64)
		switch {
		case to.IsInteger():
			return checkInt(v, to)
		case to.Kind == types.KindFloat32:
			return float64(float32(v)), nil
		case to.Kind == types.KindFloat64:
			return float64(v), nil
		case to.Kind == types.KindNumeric:
			return apd.New(v, 0), nil
		case to.Kind == types.KindBool:
			return v != 0, nil
		}
	case types.KindFloat32, types.KindFloat64:
		f := d.(float64)
		switch {
		case to.IsInteger():
			return floatToInt(f, to)
		case to.Kind == types.KindFloat32:
			return checkFloat(f, math.IsInf(f, 0), true, to)
		case to.Kind == types.KindFloat64:
			return f, nil
		case to.Kind == types.KindNumeric:
			digits := 15
			if from.Kind == types.KindFloat32 {
				digits = 6
			}
			return floatToNumeric(f, digits)
		}
	case types.KindNumeric:
		n := d.(*apd.Decimal)
		switch {
		case to.IsInteger():
			return numericToInt(n, to)
		case to.IsFloat():
			f := toFloat(n)
			f32over := to.Kind == types.KindFloat32 && math.Abs(f) > math.MaxFloat32
			// A nonzero value that rounds to zero underflows, as in
			// Postgres (which reads the numeric's text as a float).
			under := f == 0 || (to.Kind == types.KindFloat32 && float32(f) == 0)
			if n.Form == apd.Finite && (math.IsInf(f, 0) || f32over || (under && !n.IsZero())) {
				name := "double precision"
				if to.Kind == types.KindFloat32 {
					name = "real"
				}
				return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "\"%s\" is out of range for type %s", n.Text('f'), name)
			}
			return checkFloat(f, n.Form != apd.Finite, true, to)
		}
	case types.KindBool:
		if to.IsInteger() {
			if d.(bool) {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case types.KindDate:
		us := int64(d.(types.Date)) * types.MicrosPerDay
		switch to.Kind {
		case types.KindTimestamp:
			return types.Timestamp(us), nil
		case types.KindTimestamptz:
			return localToUTC(us, ctx.location()), nil
		}
	case types.KindTimestamp:
		us := int64(d.(types.Timestamp))
		switch to.Kind {
		case types.KindDate:
			return types.Date(floorDiv64(us, types.MicrosPerDay)), nil
		case types.KindTimestamptz:
			return localToUTC(us, ctx.location()), nil
		case types.KindTime:
			return types.Time(floorMod64(us, types.MicrosPerDay)), nil
		}
	case types.KindTimestamptz:
		us := int64(utcToLocal(d.(types.Timestamptz), ctx.location()))
		switch to.Kind {
		case types.KindDate:
			return types.Date(floorDiv64(us, types.MicrosPerDay)), nil
		case types.KindTimestamp:
			return types.Timestamp(us), nil
		case types.KindTime:
			return types.Time(floorMod64(us, types.MicrosPerDay)), nil
		}
	case types.KindTime:
		if to.Kind == types.KindInterval {
			return types.Interval{Micros: int64(d.(types.Time))}, nil
		}
	case types.KindInterval:
		if to.Kind == types.KindTime {
			return types.Time(floorMod64(d.(types.Interval).Micros, types.MicrosPerDay)), nil
		}
	case types.KindJSONB:
		return jsonCast(d.(types.JSONB), to)
	}
	return nil, sqlerr.New(sqlerr.CannotCoerce, "cannot cast type %s to %s", typeName(from), typeName(to))
}

// toText renders a value as the text cast does (booleans as true/false,
// timestamptz in the session time zone).
func toText(ctx *Context, d types.Datum, from types.Type) string {
	switch x := d.(type) {
	case bool:
		if x {
			return "true"
		}
		return "false"
	case types.Timestamptz:
		return formatTimestamptzIn(x, ctx.location())
	}
	return types.FormatTextTyped(d, from)
}

// formatTimestamptzIn prints a timestamptz in loc, as Postgres does with
// that session time zone: "2020-01-01 05:30:00+05:30".
func formatTimestamptzIn(x types.Timestamptz, loc *time.Location) string {
	lt := utcToLocal(x, loc)
	off := (int64(lt) - int64(x)) / types.MicrosPerSecond
	s := types.FormatText(lt)
	sign := "+"
	if off < 0 {
		sign = "-"
		off = -off
	}
	z := sign + pad2(off/3600)
	if m := off / 60 % 60; m != 0 || off%60 != 0 {
		z += ":" + pad2(m)
	}
	if sec := off % 60; sec != 0 {
		z += ":" + pad2(sec)
	}
	if len(s) > 3 && s[len(s)-3:] == " BC" {
		return s[:len(s)-3] + z + " BC"
	}
	return s + z
}

func pad2(v int64) string {
	if v < 10 {
		return "0" + string(rune('0'+v))
	}
	return itoa(v)
}

func itoa(v int64) string {
	return apd.New(v, 0).String()
}

// datumType guesses the SQL type of a datum (for untyped values).
func datumType(d types.Datum) types.Type {
	switch k, ok := types.DatumKind(d); {
	case !ok, k == types.KindStruct:
		return types.Unknown
	case k == types.KindArray:
		return types.ArrayOf(types.Varchar)
	default:
		return types.Type{Kind: k}
	}
}

// TextIn formats d of type t as Postgres prints it to a session whose
// TimeZone is zone: a timestamptz in that zone with its offset, anything
// else as types.FormatTextTyped does.
func TextIn(d types.Datum, t types.Type, zone string) string {
	if x, ok := d.(types.Timestamptz); ok && zone != "" && zone != "UTC" {
		loc, err := loadLocation(zone)
		if err == nil {
			return formatTimestamptzIn(x, loc)
		}
	}
	return types.FormatTextTyped(d, t)
}
