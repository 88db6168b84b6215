package expr

import (
	"fmt"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Type modifiers of casts: numeric(p, s) rounds to scale s and checks that
// the value fits in precision p; varchar(n) and char(n) cut the text to n
// characters (an explicit cast truncates, as in Postgres). Types carry no
// modifier, so a modified cast is a cast followed by this adjustment.

// ApplyTypmod applies the type modifiers mods of a cast to type t (the
// numbers of numeric(p, s) or varchar(n)) to e, an expression of type t.
// typeName names the type in errors. Modifiers of other types are
// accepted and ignored.
func ApplyTypmod(e Expr, t types.Type, typeName string, mods []int) (Expr, error) {
	if len(mods) == 0 || t.Kind == types.KindArray {
		return e, nil
	}
	switch t.Kind {
	case types.KindNumeric:
		if len(mods) > 2 {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid NUMERIC type modifier")
		}
		p, s := mods[0], 0
		if len(mods) == 2 {
			s = mods[1]
		}
		if p < 1 || p > 1000 {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "NUMERIC precision %d must be between 1 and 1000", p)
		}
		if s < -1000 || s > 1000 {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "NUMERIC scale %d must be between -1000 and 1000", s)
		}
		return &Call{Name: "numeric_typmod", Args: []Expr{e}, T: t, impl: strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
			return numericTypmod(toDecimal(a[0]), p, s)
		})}, nil
	case types.KindVarchar:
		if len(mods) > 1 {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid type modifier")
		}
		n := mods[0]
		if n < 1 {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "length for type %s must be at least 1", typeName)
		}
		return &Call{Name: "varchar_typmod", Args: []Expr{e}, T: t, impl: strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
			s := a[0].(string)
			if utf8.RuneCountInString(s) <= n {
				return s, nil
			}
			i := 0
			for k := range s {
				if i == n {
					return s[:k], nil
				}
				i++
			}
			return s, nil
		})}, nil
	}
	return e, nil
}

// numericTypmod rounds d to scale s (half away from zero) and checks that
// it has at most p-s integer digits.
func numericTypmod(d *apd.Decimal, p, s int) (types.Datum, error) {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return d, nil
	case apd.Infinite:
		return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "numeric field overflow").
			WithDetail(fmt.Sprintf("A field with precision %d, scale %d cannot hold an infinite value.", p, s))
	}
	c := apd.BaseContext.WithPrecision(2000)
	c.Rounding = apd.RoundHalfUp
	r := new(apd.Decimal)
	if _, err := c.Quantize(r, d, -int32(s)); err != nil {
		return nil, fmt.Errorf("numeric(%d,%d): %w", p, s, err)
	}
	if !r.IsZero() {
		// Integer digits: the number of digits minus the scale.
		digits := int(r.NumDigits()) + int(r.Exponent)
		if digits > p-s {
			return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "numeric field overflow").
				WithDetail(fmt.Sprintf("A field with precision %d, scale %d must round to an absolute value less than %s.", p, s, tenPow(p-s)))
		}
	}
	if s < 0 {
		// A negative scale rounds to tens, hundreds …: shown without a
		// fraction.
		var z apd.Decimal
		if _, err := c.Quantize(&z, r, 0); err != nil {
			return nil, fmt.Errorf("numeric(%d,%d): %w", p, s, err)
		}
		return &z, nil
	}
	return r, nil
}

func tenPow(n int) string {
	if n == 0 {
		return "1"
	}
	return fmt.Sprintf("10^%d", n)
}
