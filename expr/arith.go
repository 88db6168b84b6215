package expr

import (
	"math"
	"math/big"
	"strconv"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Arithmetic on datums, shared by the scalar operators and by the
// aggregate operators (sum, avg, …), so that both follow Postgres's result
// types and error rules.

var (
	errDivZero      = sqlerr.New(sqlerr.DivisionByZero, "division by zero")
	errFloatOver    = sqlerr.New(sqlerr.NumericValueOutOfRange, "value out of range: overflow")
	errFloatUnder   = sqlerr.New(sqlerr.NumericValueOutOfRange, "value out of range: underflow")
	errIntervalOver = sqlerr.New(sqlerr.DatetimeFieldOverflow, "interval out of range")
)

func divZero() error { return sqlerr.New(sqlerr.DivisionByZero, "division by zero") }

// intRangeErr is the overflow error of an integer type.
func intRangeErr(t types.Type) error {
	switch t.Kind {
	case types.KindInt16:
		return sqlerr.New(sqlerr.NumericValueOutOfRange, "smallint out of range")
	case types.KindInt32:
		return sqlerr.New(sqlerr.NumericValueOutOfRange, "integer out of range")
	}
	return sqlerr.New(sqlerr.NumericValueOutOfRange, "bigint out of range")
}

func intBounds(k types.Kind) (int64, int64) {
	switch k {
	case types.KindInt16:
		return math.MinInt16, math.MaxInt16
	case types.KindInt32:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

func checkInt(v int64, t types.Type) (types.Datum, error) {
	lo, hi := intBounds(t.Kind)
	if v < lo || v > hi {
		return nil, intRangeErr(t)
	}
	return v, nil
}

func addInt(a, b int64, t types.Type) (types.Datum, error) {
	s := a + b
	if t.Kind == types.KindInt64 {
		if (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0) {
			return nil, intRangeErr(t)
		}
		return s, nil
	}
	return checkInt(s, t)
}

func subInt(a, b int64, t types.Type) (types.Datum, error) {
	s := a - b
	if t.Kind == types.KindInt64 {
		if (a >= 0 && b < 0 && s < 0) || (a < 0 && b > 0 && s >= 0) {
			return nil, intRangeErr(t)
		}
		return s, nil
	}
	return checkInt(s, t)
}

func mulInt(a, b int64, t types.Type) (types.Datum, error) {
	if t.Kind == types.KindInt64 {
		if a == 0 || b == 0 {
			return int64(0), nil
		}
		s := a * b
		if s/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
			return nil, intRangeErr(t)
		}
		return s, nil
	}
	return checkInt(a*b, t)
}

func divInt(a, b int64, t types.Type) (types.Datum, error) {
	if b == 0 {
		return nil, divZero()
	}
	if b == -1 {
		return checkNeg(a, t)
	}
	return a / b, nil
}

func checkNeg(a int64, t types.Type) (types.Datum, error) {
	lo, _ := intBounds(t.Kind)
	if a == lo {
		return nil, intRangeErr(t)
	}
	return -a, nil
}

func modInt(a, b int64) (types.Datum, error) {
	if b == 0 {
		return nil, divZero()
	}
	if b == -1 {
		return int64(0), nil
	}
	return a % b, nil
}

// checkFloat applies Postgres's float overflow/underflow checks and rounds
// real results to float4.
func checkFloat(r float64, inf bool, zeroOK bool, t types.Type) (types.Datum, error) {
	if t.Kind == types.KindFloat32 {
		r32 := float32(r)
		if math.IsInf(float64(r32), 0) && !inf {
			return nil, errFloatOver
		}
		if r32 == 0 && !zeroOK {
			return nil, errFloatUnder
		}
		return float64(r32), nil
	}
	if math.IsInf(r, 0) && !inf {
		return nil, errFloatOver
	}
	if r == 0 && !zeroOK {
		return nil, errFloatUnder
	}
	return r, nil
}

func isInf(f float64) bool { return math.IsInf(f, 0) }

func addFloat(a, b float64, t types.Type) (types.Datum, error) {
	return checkFloat(a+b, isInf(a) || isInf(b), true, t)
}

func subFloat(a, b float64, t types.Type) (types.Datum, error) {
	return checkFloat(a-b, isInf(a) || isInf(b), true, t)
}

func mulFloat(a, b float64, t types.Type) (types.Datum, error) {
	return checkFloat(a*b, isInf(a) || isInf(b), a == 0 || b == 0, t)
}

func divFloat(a, b float64, t types.Type) (types.Datum, error) {
	if b == 0 && !math.IsNaN(a) {
		return nil, divZero()
	}
	return checkFloat(a/b, isInf(a), a == 0 || isInf(b), t)
}

// Numeric arithmetic.

var exactCtx = func() *apd.Context {
	c := apd.BaseContext
	c.Rounding = apd.RoundHalfUp
	return &c
}()

// quantCtx is used for Quantize, which needs a precision bound.
var quantCtx = func() *apd.Context {
	c := apd.BaseContext
	c.Precision = 4000
	c.Rounding = apd.RoundHalfUp
	return &c
}()

// numericErr maps apd errors to SQL errors.
func numericErr(err error) error {
	if err == nil {
		return nil
	}
	return sqlerr.New(sqlerr.NumericValueOutOfRange, "value overflows numeric format")
}

func dscale(d *apd.Decimal) int32 {
	if d.Form != apd.Finite || d.Exponent >= 0 {
		return 0
	}
	return -d.Exponent
}

// normalizeDec removes the sign of a zero (Postgres has no negative zero).
func normalizeDec(d *apd.Decimal) *apd.Decimal {
	if d.Form == apd.Finite && d.IsZero() {
		d.Negative = false
	}
	return d
}

func toDecimal(d types.Datum) *apd.Decimal {
	switch x := d.(type) {
	case *apd.Decimal:
		return x
	case int64:
		return apd.New(x, 0)
	case float64:
		v, _ := floatToNumeric(x, 15)
		return v
	}
	return nil
}

func toFloat(d types.Datum) float64 {
	switch x := d.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case *apd.Decimal:
		f, _ := strconv.ParseFloat(x.String(), 64)
		if x.Form == apd.NaN || x.Form == apd.NaNSignaling {
			return math.NaN()
		}
		if x.Form == apd.Infinite {
			if x.Negative {
				return math.Inf(-1)
			}
			return math.Inf(1)
		}
		return f
	}
	return 0
}

func addNumeric(a, b *apd.Decimal) (types.Datum, error) {
	r := new(apd.Decimal)
	if _, err := exactCtx.Add(r, a, b); err != nil {
		return nil, numericErr(err)
	}
	return normalizeDec(r), nil
}

func subNumeric(a, b *apd.Decimal) (types.Datum, error) {
	r := new(apd.Decimal)
	if _, err := exactCtx.Sub(r, a, b); err != nil {
		return nil, numericErr(err)
	}
	return normalizeDec(r), nil
}

func mulNumeric(a, b *apd.Decimal) (types.Datum, error) {
	r := new(apd.Decimal)
	if _, err := exactCtx.Mul(r, a, b); err != nil {
		return nil, numericErr(err)
	}
	return normalizeDec(r), nil
}

// nbaseWeight returns Postgres's base-10000 weight and first base-10000
// digit of a non-zero finite decimal.
func nbaseWeight(d *apd.Decimal) (weight int, first int64) {
	if d.IsZero() {
		return 0, 0
	}
	digits := d.Coeff.String()
	// decimal exponent of the most significant digit
	p := len(digits) - 1 + int(d.Exponent)
	w := p / 4
	if p < 0 && p%4 != 0 {
		w--
	}
	// first base-10000 digit: digits of positions 4w+3 … 4w
	var v int64
	for pos := 4*w + 3; pos >= 4*w; pos-- {
		idx := len(digits) - 1 - (pos - int(d.Exponent))
		v *= 10
		if idx >= 0 && idx < len(digits) {
			v += int64(digits[idx] - '0')
		}
	}
	return w, v
}

// divScale is Postgres's select_div_scale.
func divScale(a, b *apd.Decimal) int32 {
	w1, f1 := nbaseWeight(a)
	w2, f2 := nbaseWeight(b)
	qweight := w1 - w2
	if f1 <= f2 {
		qweight--
	}
	rscale := int32(16 - qweight*4)
	rscale = max(rscale, dscale(a), dscale(b), 0)
	return min(rscale, 1000)
}

// quantizeDown computes r with exactly scale digits after the point,
// rounding half away from zero.
func roundTo(r *apd.Decimal, scale int32) (*apd.Decimal, error) {
	out := new(apd.Decimal)
	if _, err := quantCtx.Quantize(out, r, -scale); err != nil {
		return nil, numericErr(err)
	}
	return normalizeDec(out), nil
}

func intDigits(d *apd.Decimal) int32 {
	n := int32(d.NumDigits()) + d.Exponent
	if n < 1 {
		return 1
	}
	return n
}

// quoScaled divides with the given result scale, as Postgres's div_var
// with rounding.
func quoScaled(a, b *apd.Decimal, scale int32) (*apd.Decimal, error) {
	if b.IsZero() && b.Form == apd.Finite {
		return nil, divZero()
	}
	c := *exactCtx
	c.Precision = uint32(max(intDigits(a)-int32(b.Exponent)+int32(b.NumDigits()), 1) + scale + 12)
	c.Rounding = apd.RoundDown
	q := new(apd.Decimal)
	if _, err := c.Quo(q, a, b); err != nil {
		return nil, numericErr(err)
	}
	if q.Form != apd.Finite {
		return q, nil
	}
	return roundTo(q, scale)
}

func divNumeric(a, b *apd.Decimal) (types.Datum, error) {
	if a.Form != apd.Finite || b.Form != apd.Finite {
		if b.Form == apd.Finite && b.IsZero() {
			return nil, divZero()
		}
		r := new(apd.Decimal)
		c := *exactCtx
		c.Precision = 20
		_, err := c.Quo(r, a, b)
		return r, numericErr(err)
	}
	return quoScaled(a, b, divScale(a, b))
}

func modNumeric(a, b *apd.Decimal) (types.Datum, error) {
	if b.Form == apd.Finite && b.IsZero() {
		return nil, divZero()
	}
	r := new(apd.Decimal)
	c := *quantCtx
	if _, err := c.Rem(r, a, b); err != nil {
		return nil, numericErr(err)
	}
	out, err := roundTo(r, max(dscale(a), dscale(b)))
	return out, err
}

// AddDatum returns a + b for values of type t (the result type). Integer
// operands of numeric/float types are converted; integer types check
// overflow ("integer out of range", 22003); interval + interval works too.
func AddDatum(a, b types.Datum, t types.Type) (types.Datum, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	switch {
	case t.IsInteger():
		return addInt(a.(int64), b.(int64), t)
	case t.IsFloat():
		return addFloat(toFloat(a), toFloat(b), t)
	case t.Kind == types.KindNumeric:
		return addNumeric(toDecimal(a), toDecimal(b))
	case t.Kind == types.KindInterval:
		return addInterval(a.(types.Interval), b.(types.Interval))
	}
	return nil, sqlerr.New(sqlerr.UndefinedFunction, "operator does not exist: %s + %s", t, t)
}

// SubDatum returns a - b for values of type t, like AddDatum.
func SubDatum(a, b types.Datum, t types.Type) (types.Datum, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	switch {
	case t.IsInteger():
		return subInt(a.(int64), b.(int64), t)
	case t.IsFloat():
		return subFloat(toFloat(a), toFloat(b), t)
	case t.Kind == types.KindNumeric:
		return subNumeric(toDecimal(a), toDecimal(b))
	case t.Kind == types.KindInterval:
		return subInterval(a.(types.Interval), b.(types.Interval))
	}
	return nil, sqlerr.New(sqlerr.UndefinedFunction, "operator does not exist: %s - %s", t, t)
}

// MulDatum returns a * b for values of type t, like AddDatum.
func MulDatum(a, b types.Datum, t types.Type) (types.Datum, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	switch {
	case t.IsInteger():
		return mulInt(a.(int64), b.(int64), t)
	case t.IsFloat():
		return mulFloat(toFloat(a), toFloat(b), t)
	case t.Kind == types.KindNumeric:
		return mulNumeric(toDecimal(a), toDecimal(b))
	}
	return nil, sqlerr.New(sqlerr.UndefinedFunction, "operator does not exist: %s * %s", t, t)
}

// DivDatum returns a / b with result type t: integer division truncates;
// numeric division uses Postgres's result scale (at least 16 significant
// digits), so avg over integers is DivDatum(sum, count, types.Numeric) and
// prints like Postgres (avg(1,2) = 1.5000000000000000). b may be an int64
// count for numeric, float and interval results. Division by zero is 22012.
func DivDatum(a, b types.Datum, t types.Type) (types.Datum, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	switch {
	case t.IsInteger():
		return divInt(a.(int64), b.(int64), t)
	case t.IsFloat():
		return divFloat(toFloat(a), toFloat(b), t)
	case t.Kind == types.KindNumeric:
		return divNumeric(toDecimal(a), toDecimal(b))
	case t.Kind == types.KindInterval:
		return divInterval(a.(types.Interval), toFloat(b))
	}
	return nil, sqlerr.New(sqlerr.UndefinedFunction, "operator does not exist: %s / %s", t, t)
}

// CompareTyped compares two non-NULL values of type t (NULLs sort last),
// handling mixed int64/*apd.Decimal/float64 operands of numeric columns.
func CompareTyped(a, b types.Datum, t types.Type) int {
	if a == nil || b == nil {
		return types.Compare(a, b)
	}
	switch t.Kind {
	case types.KindNumeric:
		return types.Compare(toDecimal(a), toDecimal(b)) // NaN above everything, as in Postgres
	case types.KindFloat32, types.KindFloat64:
		return types.Compare(toFloat(a), toFloat(b))
	}
	return types.Compare(a, b)
}

// floatToNumeric converts like Postgres's float8_numeric: the value printed
// with digits significant digits.
func floatToNumeric(f float64, digits int) (*apd.Decimal, error) {
	if math.IsNaN(f) {
		return &apd.Decimal{Form: apd.NaN}, nil
	}
	if math.IsInf(f, 0) {
		return &apd.Decimal{Form: apd.Infinite, Negative: f < 0}, nil
	}
	s := strconv.FormatFloat(f, 'g', digits, 64)
	d, _, err := apd.NewFromString(s)
	if err != nil {
		return nil, err
	}
	// %g strips trailing zeros; drop a positive exponent into the coefficient
	if d.Exponent > 0 {
		var r apd.Decimal
		_, _ = quantCtx.Quantize(&r, d, 0)
		d = &r
	}
	return normalizeDec(d), nil
}

// numericToInt rounds half away from zero and range-checks.
func numericToInt(d *apd.Decimal, t types.Type) (types.Datum, error) {
	if d.Form != apd.Finite {
		if d.Form == apd.Infinite {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "cannot convert infinity to %s", t)
		}
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "cannot convert NaN to %s", t)
	}
	r, err := roundTo(d, 0)
	if err != nil {
		return nil, intRangeErr(t)
	}
	var bi big.Int
	bi.Set(r.Coeff.MathBigInt())
	for e := r.Exponent; e > 0; e-- {
		bi.Mul(&bi, big.NewInt(10))
		if bi.BitLen() > 64 {
			return nil, intRangeErr(t)
		}
	}
	if r.Negative {
		bi.Neg(&bi)
	}
	if !bi.IsInt64() {
		return nil, intRangeErr(t)
	}
	return checkInt(bi.Int64(), t)
}

// floatToInt rounds half to even (rint) and range-checks.
func floatToInt(f float64, t types.Type) (types.Datum, error) {
	r := math.RoundToEven(f)
	if math.IsNaN(r) || r < math.MinInt64 || r >= 9223372036854775808.0 {
		return nil, intRangeErr(t)
	}
	return checkInt(int64(r), t)
}
