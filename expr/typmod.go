package expr

import (
	"fmt"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Type modifiers (NUMERIC(10,2), VARCHAR(20), TIMESTAMP(3)) are applied by
// internal functions named after the type, as Postgres applies them with
// its length-coercion functions: the binder wraps a cast to a modified type,
// and an assignment to a column declared with one, in a call
// typmodFunc(kind)(value, pg typmod, explicit). They keep every expression
// walker working, since they are ordinary calls.

// TypeModFunc returns the name of the internal function that applies a
// modifier to values of t, or "" when t takes none.
func TypeModFunc(t types.Type) string {
	switch t.Kind {
	case types.KindNumeric:
		return "$typmod_numeric"
	case types.KindVarchar:
		return "$typmod_varchar"
	case types.KindTimestamp, types.KindTimestamptz, types.KindTime:
		return "$typmod_" + t.String()
	}
	return ""
}

// CheckTypeMod validates a modifier given as the integers of a type name
// (NUMERIC(10, 2) gives 10, 2) and returns it, with Postgres's errors.
func CheckTypeMod(t types.Type, args []int) (types.TypeMod, error) {
	if len(args) == 0 {
		return types.TypeMod{}, nil
	}
	switch t.Kind {
	case types.KindNumeric:
		if len(args) > 2 {
			return types.TypeMod{}, sqlerr.New(sqlerr.SyntaxError, "invalid NUMERIC type modifier")
		}
		p, s := args[0], 0
		if len(args) == 2 {
			s = args[1]
		}
		if p < 1 || p > 1000 {
			return types.TypeMod{}, sqlerr.New(sqlerr.InvalidParameterValue, "NUMERIC precision %d must be between 1 and 1000", p)
		}
		if s < -1000 || s > 1000 {
			return types.TypeMod{}, sqlerr.New(sqlerr.InvalidParameterValue, "NUMERIC scale %d must be between -1000 and 1000", s)
		}
		return types.TypeMod{Set: true, Precision: int32(p), Scale: int32(s)}, nil
	case types.KindVarchar:
		if len(args) != 1 {
			return types.TypeMod{}, sqlerr.New(sqlerr.SyntaxError, "invalid type modifier")
		}
		if args[0] < 1 {
			return types.TypeMod{}, sqlerr.New(sqlerr.InvalidParameterValue, "length for type varchar must be at least 1")
		}
		if args[0] > 10485760 {
			return types.TypeMod{}, sqlerr.New(sqlerr.InvalidParameterValue, "length for type varchar cannot exceed 10485760")
		}
		return types.TypeMod{Set: true, Precision: int32(args[0])}, nil
	case types.KindTimestamp, types.KindTimestamptz, types.KindTime:
		if len(args) != 1 {
			return types.TypeMod{}, sqlerr.New(sqlerr.SyntaxError, "invalid type modifier")
		}
		if args[0] < 0 {
			return types.TypeMod{}, sqlerr.New(sqlerr.InvalidParameterValue, "%s(%d) precision must not be negative", pgTypeName(t), args[0])
		}
		return types.TypeMod{Set: true, Precision: int32(min(args[0], 6))}, nil
	}
	return types.TypeMod{}, nil // other types ignore their modifiers, as ours have none
}

func pgTypeName(t types.Type) string {
	if t.Kind == types.KindTime {
		return "TIME"
	}
	return "TIMESTAMP" // Postgres names timestamptz so too in this message
}

// ApplyTypeMod wraps e, of type t, so that its values conform to m: an
// explicit cast truncates a long string where an assignment fails.
func ApplyTypeMod(e Expr, t types.Type, m types.TypeMod, explicit bool) (Expr, error) {
	name := TypeModFunc(t)
	if !m.Set || name == "" {
		return e, nil
	}
	args := []Expr{e, &Literal{Value: int64(m.PG(t)), T: types.Int32}, &Literal{Value: explicit, T: types.Bool}}
	return Resolve(name, args)
}

// EnforceTypeMod applies m to one value of type t (see ApplyTypeMod).
func EnforceTypeMod(d types.Datum, t types.Type, m types.TypeMod, explicit bool) (types.Datum, error) {
	if d == nil || !m.Set {
		return d, nil
	}
	switch t.Kind {
	case types.KindNumeric:
		return numericTypmod(d.(*apd.Decimal), m)
	case types.KindVarchar:
		return varcharTypmod(d.(string), m, explicit)
	case types.KindTimestamp:
		return types.Timestamp(RoundMicros(int64(d.(types.Timestamp)), m.Precision)), nil
	case types.KindTimestamptz:
		return types.Timestamptz(RoundMicros(int64(d.(types.Timestamptz)), m.Precision)), nil
	case types.KindTime:
		v := RoundMicros(int64(d.(types.Time)), m.Precision)
		return types.Time(v), nil
	}
	return d, nil
}

// numericTypmod rounds d to the scale and checks the precision, as
// Postgres's apply_typmod.
func numericTypmod(d *apd.Decimal, m types.TypeMod) (types.Datum, error) {
	p, s := m.Precision, m.Scale
	if d.Form != apd.Finite {
		if d.Form == apd.NaN || d.Form == apd.NaNSignaling {
			return d, nil
		}
		return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "numeric field overflow").
			WithDetail(fmt.Sprintf("A field with precision %d, scale %d cannot hold an infinite value.", p, s))
	}
	r, err := roundDec(d, int64(s), apd.RoundHalfUp)
	if err != nil {
		return nil, err
	}
	if !r.IsZero() {
		// Digits before the decimal point: NumDigits + exponent.
		if int64(r.NumDigits())+int64(r.Exponent) > int64(p-s) {
			detail := fmt.Sprintf("A field with precision %d, scale %d must round to an absolute value less than %s.", p, s, pow10Text(p-s))
			return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "numeric field overflow").WithDetail(detail)
		}
	}
	return r, nil
}

func pow10Text(n int32) string {
	if n <= 0 {
		return "1"
	}
	return fmt.Sprintf("10^%d", n)
}

// varcharTypmod cuts a string longer than the declared length: silently
// for an explicit cast or when only spaces are cut (as Postgres), with an
// error otherwise.
func varcharTypmod(v string, m types.TypeMod, explicit bool) (types.Datum, error) {
	n := int(m.Precision)
	if len(v) <= n || utf8.RuneCountInString(v) <= n {
		return v, nil
	}
	cut := 0
	for i := range v {
		if cut == n {
			rest := v[i:]
			if !explicit {
				for j := 0; j < len(rest); j++ {
					if rest[j] != ' ' {
						return nil, sqlerr.New(sqlerr.StringDataRightTruncation, "value too long for type character varying(%d)", n)
					}
				}
			}
			return v[:i], nil
		}
		cut++
	}
	return v, nil
}

// RoundMicros rounds a microsecond count to p fractional-second digits,
// halves away from zero, as Postgres's AdjustTimestampForTypmod.
func RoundMicros(v int64, p int32) int64 {
	if p >= 6 {
		return v
	}
	scale := int64(1)
	for i := p; i < 6; i++ {
		scale *= 10
	}
	if v >= 0 {
		return (v + scale/2) / scale * scale
	}
	return -((-v + scale/2) / scale * scale)
}

func registerTypeMods() {
	for _, t := range []types.Type{types.Numeric, types.Varchar, types.TimestampT, types.TimestamptzT, types.TimeT} {
		t := t
		register(TypeModFunc(t), ts(t, tI4, types.Bool), t, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
			m := types.TypeModFromPG(t, int32(a[1].(int64)))
			return EnforceTypeMod(a[0], t, m, a[2].(bool))
		}))
	}
}

func init() { registerTypeMods() }
