package expr

import (
	"crypto/md5"
	"encoding/hex"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// MaxOneRowCheck names the internal function check(n bigint) boolean that
// raises "more than one row returned by a subquery used as an expression"
// (21000) when n > 1 and returns true otherwise.
const MaxOneRowCheck = "eddy_internal_max_one_row"

var (
	tB   = types.Bool
	tI2  = types.Int16
	tI4  = types.Int32
	tI8  = types.Int64
	tF4  = types.Float32
	tF8  = types.Float64
	tN   = types.Numeric
	tT   = types.Varchar
	tBy  = types.Bytea
	tD   = types.DateT
	tTm  = types.TimeT
	tTS  = types.TimestampT
	tTZ  = types.TimestamptzT
	tIv  = types.IntervalT
	tJ   = types.JSONBT
	tTA  = types.ArrayOf(types.Varchar)
	ints = []types.Type{tI2, tI4, tI8}
)

func ts(t ...types.Type) []types.Type { return t }

func strict(f rowFn) *impl { return &impl{row: f} }

func cmpImpl(op string, t types.Type) *impl {
	c := func(a, b types.Datum) int { return CompareTyped(a, b, t) }
	var f rowFn
	switch op {
	case "=":
		f = func(_ *Context, a []types.Datum) (types.Datum, error) { return c(a[0], a[1]) == 0, nil }
	case "<>":
		f = func(_ *Context, a []types.Datum) (types.Datum, error) { return c(a[0], a[1]) != 0, nil }
	case "<":
		f = func(_ *Context, a []types.Datum) (types.Datum, error) { return c(a[0], a[1]) < 0, nil }
	case "<=":
		f = func(_ *Context, a []types.Datum) (types.Datum, error) { return c(a[0], a[1]) <= 0, nil }
	case ">":
		f = func(_ *Context, a []types.Datum) (types.Datum, error) { return c(a[0], a[1]) > 0, nil }
	case ">=":
		f = func(_ *Context, a []types.Datum) (types.Datum, error) { return c(a[0], a[1]) >= 0, nil }
	case "is distinct from", "is not distinct from":
		want := op == "is distinct from"
		return &impl{nonNull: true, row: func(_ *Context, a []types.Datum) (types.Datum, error) {
			if a[0] == nil || a[1] == nil {
				return (a[0] == nil) != (a[1] == nil) == want, nil
			}
			return (c(a[0], a[1]) != 0) == want, nil
		}}
	}
	return &impl{row: f, vec: vecCompare(op, t)}
}

func arithImpl(op string, t types.Type) *impl {
	var f rowFn
	switch op {
	case "+":
		f = func(_ *Context, a []types.Datum) (types.Datum, error) { return AddDatum(a[0], a[1], t) }
	case "-":
		f = func(_ *Context, a []types.Datum) (types.Datum, error) { return SubDatum(a[0], a[1], t) }
	case "*":
		f = func(_ *Context, a []types.Datum) (types.Datum, error) { return MulDatum(a[0], a[1], t) }
	case "/":
		f = func(_ *Context, a []types.Datum) (types.Datum, error) { return DivDatum(a[0], a[1], t) }
	case "%":
		f = func(_ *Context, a []types.Datum) (types.Datum, error) {
			if t.Kind == types.KindNumeric {
				return modNumeric(toDecimal(a[0]), toDecimal(a[1]))
			}
			return modInt(a[0].(int64), a[1].(int64))
		}
	case "^":
		f = func(_ *Context, a []types.Datum) (types.Datum, error) { return power(a[0], a[1], t) }
	}
	return &impl{row: f, vec: vecArith(op, t)}
}

func power(x, y types.Datum, t types.Type) (types.Datum, error) {
	if t.Kind == types.KindNumeric {
		return powerNumeric(toDecimal(x), toDecimal(y))
	}
	return powerFloat(toFloat(x), toFloat(y))
}

var (
	errZeroToNegative = sqlerr.New(codeInvalidArgumentPower, "zero raised to a negative power is undefined")
	errComplexPower   = sqlerr.New(codeInvalidArgumentPower, "a negative number raised to a non-integer power yields a complex result")
)

// powerFloat is float8 ^ float8 with Postgres's rules: NaN and infinite
// operands follow POSIX pow() (1 ^ NaN = 1, 0.5 ^ -Infinity = Infinity,
// -Infinity ^ -3 = -0), and a finite result that overflows or underflows
// is an error.
func powerFloat(a, b float64) (types.Datum, error) {
	switch {
	case math.IsNaN(a):
		if math.IsNaN(b) || b != 0 {
			return math.NaN(), nil
		}
		return 1.0, nil
	case math.IsNaN(b):
		if a != 1 {
			return math.NaN(), nil
		}
		return 1.0, nil
	case a == 0 && b < 0:
		return nil, errZeroToNegative
	case a < 0 && math.Floor(b) != b:
		return nil, errComplexPower
	case isInf(a) || isInf(b):
		return math.Pow(a, b), nil // Go's Pow follows POSIX for infinities
	}
	r := libmPow(a, b)
	if isInf(r) {
		return nil, errFloatOver
	}
	if r == 0 && a != 0 {
		return nil, errFloatUnder
	}
	return r, nil
}

func powerNumeric(a, b *apd.Decimal) (types.Datum, error) {
	if a.Form != apd.Finite || b.Form != apd.Finite {
		return powerNumericSpecial(a, b)
	}
	if a.IsZero() && b.Sign() < 0 {
		return nil, errZeroToNegative
	}
	if b.IsZero() {
		return roundTo(apd.New(1, 0), min(max(16, dscale(a)), 1000)) // x ^ 0 = 1, 0 ^ 0 too
	}
	bi := new(apd.Decimal)
	_, _ = exactCtx.RoundToIntegralValue(bi, b)
	isInt := bi.Cmp(b) == 0
	if a.Negative && !isInt {
		return nil, errComplexPower
	}
	fa, fb := math.Abs(toFloat(a)), toFloat(b)
	est := 0.0
	if fa != 0 {
		est = fb * math.Log10(fa)
	}
	if est > 1e5 {
		return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "value overflows numeric format")
	}
	// Postgres 15 gives an integer power 16 decimals (or the base's
	// scale), any other at least 16 significant digits.
	rscale := max(16-int32(est), dscale(a), dscale(b), 0)
	if isInt {
		rscale = max(16, dscale(a))
	}
	rscale = min(rscale, 1000)
	c := *exactCtx
	c.Precision = uint32(max(int32(est), 1)+rscale) + 20
	r := new(apd.Decimal)
	if _, err := c.Pow(r, a, b); err != nil {
		return nil, numericErr(err)
	}
	return roundTo(r, rscale)
}

// powerNumericSpecial is numeric ^ numeric when either side is NaN or
// infinite, by Postgres's rules: NaN ^ 0 = 1 ^ NaN = 1, any other NaN
// operand gives NaN; x ^ ±Infinity is 1, 0 or Infinity by whether |x| is
// 1, below or above it; ±Infinity ^ y is 1, Infinity or 0 by the sign of
// y (-Infinity to an odd power is -Infinity).
func powerNumericSpecial(a, b *apd.Decimal) (types.Datum, error) {
	one := apd.New(1, 0)
	switch {
	case a.Form == apd.NaN:
		if b.Form == apd.Finite && b.IsZero() {
			return one, nil
		}
		return &apd.Decimal{Form: apd.NaN}, nil
	case b.Form == apd.NaN:
		if a.Form == apd.Finite && a.Cmp(one) == 0 {
			return one, nil
		}
		return &apd.Decimal{Form: apd.NaN}, nil
	case a.Form == apd.Finite && a.IsZero() && b.Negative:
		return nil, errZeroToNegative
	}
	if b.Form == apd.Infinite {
		abs := new(apd.Decimal).Abs(a)
		switch c := abs.Cmp(one); {
		case c == 0:
			return one, nil
		case (c > 0) != b.Negative:
			return &apd.Decimal{Form: apd.Infinite}, nil
		}
		return apd.New(0, 0), nil
	}
	// a is ±Infinity, b finite.
	bi := new(apd.Decimal)
	_, _ = exactCtx.RoundToIntegralValue(bi, b)
	if a.Negative && bi.Cmp(b) != 0 {
		return nil, errComplexPower
	}
	switch {
	case b.IsZero():
		return one, nil
	case b.Negative:
		return apd.New(0, 0), nil
	case !a.Negative:
		return &apd.Decimal{Form: apd.Infinite}, nil
	}
	rem := new(apd.Decimal)
	_, _ = quantCtx.Rem(rem, b, apd.New(2, 0))
	return &apd.Decimal{Form: apd.Infinite, Negative: !rem.IsZero()}, nil // odd powers keep the sign
}

func f8(f func(float64) float64) *impl {
	return strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return checkFloat(f(toFloat(a[0])), true, true, tF8)
	})
}

func decFn(f func(d *apd.Decimal) (*apd.Decimal, error)) *impl {
	return strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		r, err := f(a[0].(*apd.Decimal))
		if err != nil {
			return nil, err
		}
		return normalizeDec(r), nil
	})
}

func intFn(t types.Type, f func(int64) (types.Datum, error)) *impl {
	return strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return f(a[0].(int64)) })
}

func textFn(f func(s string) types.Datum) *impl {
	return strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return f(a[0].(string)), nil })
}

func roundDec(d *apd.Decimal, scale int64, mode apd.Rounder) (*apd.Decimal, error) {
	if d.Form != apd.Finite {
		return d, nil
	}
	if scale > 1000 {
		scale = 1000
	}
	if scale < -1000 {
		scale = -1000
	}
	c := *quantCtx
	c.Rounding = mode
	out := new(apd.Decimal)
	if mode == apd.RoundFloor || mode == apd.RoundCeiling {
		// Quantize loses the discarded digits when there are more of them
		// than the coefficient has (floor(-0.002) came out 0): truncate,
		// then step away from zero when anything nonzero was cut.
		c.Rounding = apd.RoundDown
		if _, err := c.Quantize(out, d, int32(-scale)); err != nil {
			return nil, numericErr(err)
		}
		if cmp := out.Cmp(d); cmp != 0 && (mode == apd.RoundFloor) == d.Negative {
			step := apd.New(1, int32(-scale))
			if d.Negative {
				step.Negative = true
			}
			if _, err := c.Add(out, out, step); err != nil {
				return nil, numericErr(err)
			}
			if _, err := c.Quantize(out, out, int32(-scale)); err != nil {
				return nil, numericErr(err)
			}
		}
	} else if _, err := c.Quantize(out, d, int32(-scale)); err != nil {
		return nil, numericErr(err)
	}
	if scale < 0 {
		_, _ = quantCtx.Quantize(out, out, 0)
	}
	return normalizeDec(out), nil
}

func sqrtNumeric(d *apd.Decimal) (*apd.Decimal, error) {
	if d.Negative && !d.IsZero() {
		return nil, sqlerr.New(codeInvalidArgumentPower, "cannot take square root of a negative number")
	}
	w, _ := nbaseWeight(d)
	sweight := (w+1)*4/2 - 1
	rscale := int32(16 - sweight)
	rscale = min(max(rscale, dscale(d), 0), 1000)
	c := *exactCtx
	c.Precision = uint32(intDigits(d)) + uint32(rscale) + 10
	r := new(apd.Decimal)
	if _, err := c.Sqrt(r, d); err != nil {
		return nil, numericErr(err)
	}
	return roundTo(r, rscale)
}

// lnNumeric and friends compute with apd and Postgres's result scale
// (at least 16 significant digits).
func logScaleResult(r *apd.Decimal, in *apd.Decimal) (*apd.Decimal, error) {
	f := math.Abs(toFloat(r))
	dw := 0
	if f != 0 {
		dw = int(math.Log10(f)) // truncated, as Postgres estimates result weights
	}
	rscale := int32(16 - dw)
	rscale = min(max(rscale, dscale(in), 0), 1000)
	return roundTo(r, rscale)
}

func lnNumeric(d *apd.Decimal) (*apd.Decimal, error) {
	if d.Form == apd.NaN || (d.Form == apd.Infinite && !d.Negative) {
		return d, nil
	}
	if d.Sign() <= 0 {
		if d.IsZero() {
			return nil, sqlerr.New(codeInvalidArgumentLog, "cannot take logarithm of zero")
		}
		return nil, sqlerr.New(codeInvalidArgumentLog, "cannot take logarithm of a negative number")
	}
	c := *exactCtx
	c.Precision = 1040
	r := new(apd.Decimal)
	if _, err := c.WithPrecision(60).Ln(r, d); err != nil {
		return nil, numericErr(err)
	}
	return logScaleResult(r, d)
}

func log10Numeric(d *apd.Decimal) (*apd.Decimal, error) {
	if d.Form == apd.NaN || (d.Form == apd.Infinite && !d.Negative) {
		return d, nil
	}
	if d.Sign() <= 0 {
		if d.IsZero() {
			return nil, sqlerr.New(codeInvalidArgumentLog, "cannot take logarithm of zero")
		}
		return nil, sqlerr.New(codeInvalidArgumentLog, "cannot take logarithm of a negative number")
	}
	r := new(apd.Decimal)
	if _, err := exactCtx.WithPrecision(60).Log10(r, d); err != nil {
		return nil, numericErr(err)
	}
	return logScaleResult(r, d)
}

func expNumeric(d *apd.Decimal) (*apd.Decimal, error) {
	switch {
	case d.Form == apd.NaN:
		return d, nil
	case d.Form == apd.Infinite && !d.Negative:
		return d, nil
	case d.Form == apd.Infinite:
		return apd.New(0, 0), nil
	}
	r := new(apd.Decimal)
	if _, err := exactCtx.WithPrecision(60).Exp(r, d); err != nil {
		return nil, numericErr(err)
	}
	return logScaleResult(r, d)
}

func logFloat(f float64, name string) (types.Datum, error) {
	if f == 0 {
		return nil, sqlerr.New(codeInvalidArgumentLog, "cannot take logarithm of zero")
	}
	if f < 0 {
		return nil, sqlerr.New(codeInvalidArgumentLog, "cannot take logarithm of a negative number")
	}
	if name == "ln" {
		return libmLog(f), nil
	}
	return libmLog10(f), nil
}

func absInt(t types.Type) *impl {
	return intFn(t, func(v int64) (types.Datum, error) {
		if v < 0 {
			return checkNeg(v, t)
		}
		return v, nil
	})
}

func sqlSubstr(s string, from int64, count int64, hasCount bool) (types.Datum, error) {
	if hasCount && count < 0 {
		return nil, sqlerr.New(codeSubstringError, "negative substring length not allowed")
	}
	rs := []rune(s)
	start := from - 1
	end := int64(len(rs))
	if hasCount {
		end = start + count
		if end < start { // overflow
			end = int64(len(rs))
		}
	}
	if start < 0 {
		start = 0
	}
	if end > int64(len(rs)) {
		end = int64(len(rs))
	}
	if start >= end {
		return "", nil
	}
	return string(rs[start:end]), nil
}

func trimChars(s, chars string, left, right bool) string {
	set := func(r rune) bool { return strings.ContainsRune(chars, r) }
	if left {
		s = strings.TrimLeftFunc(s, set)
	}
	if right {
		s = strings.TrimRightFunc(s, set)
	}
	return s
}

func pad(s string, n int64, fill string, left bool) types.Datum {
	rs := []rune(s)
	if n <= 0 {
		return ""
	}
	if int64(len(rs)) >= n {
		return string(rs[:n])
	}
	fr := []rune(fill)
	if len(fr) == 0 {
		return s
	}
	need := int(n) - len(rs)
	p := make([]rune, 0, need)
	for i := 0; len(p) < need; i++ {
		p = append(p, fr[i%len(fr)])
	}
	if left {
		return string(p) + s
	}
	return s + string(p)
}

func initcap(s string) string {
	var b strings.Builder
	prevAlnum := false
	for _, r := range s {
		if prevAlnum {
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(unicode.ToUpper(r))
		}
		prevAlnum = unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	return b.String()
}

// likeMatch matches s against a LIKE pattern with escape character esc
// (0 for none).
func likeMatch(s, p string, esc rune, fold bool) (bool, error) {
	if fold {
		s, p = strings.ToLower(s), strings.ToLower(p)
	}
	sr, pr := []rune(s), []rune(p)
	var rec func(i, j int) (bool, error)
	rec = func(i, j int) (bool, error) {
		for j < len(pr) {
			c := pr[j]
			switch {
			case c == esc && esc != 0:
				if j+1 >= len(pr) {
					return false, sqlerr.New(codeInvalidEscape, "LIKE pattern must not end with escape character")
				}
				if i >= len(sr) || sr[i] != pr[j+1] {
					return false, nil
				}
				i++
				j += 2
			case c == '%':
				for j < len(pr) && pr[j] == '%' {
					j++
				}
				if j == len(pr) {
					return true, nil
				}
				for k := i; k <= len(sr); k++ {
					ok, err := rec(k, j)
					if err != nil || ok {
						return ok, err
					}
				}
				return false, nil
			case c == '_':
				if i >= len(sr) {
					return false, nil
				}
				i++
				j++
			default:
				if i >= len(sr) || sr[i] != c {
					return false, nil
				}
				i++
				j++
			}
		}
		return i == len(sr), nil
	}
	return rec(0, 0)
}

func likeImpl(fold, neg bool) *impl {
	return strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		esc := '\\'
		if len(a) > 2 {
			e := []rune(a[2].(string))
			switch len(e) {
			case 0:
				esc = 0
			case 1:
				esc = e[0]
			default:
				return nil, sqlerr.New(codeInvalidEscape, "invalid escape string").WithHint("Escape string must be empty or one character.")
			}
		}
		ok, err := likeMatch(a[0].(string), a[1].(string), esc, fold)
		if err != nil {
			return nil, err
		}
		return ok != neg, nil
	})
}

var reCache sync.Map

func compileRegex(p string, flags string) (*regexp.Regexp, error) {
	key := flags + "\x00" + p
	if r, ok := reCache.Load(key); ok {
		return r.(*regexp.Regexp), nil
	}
	for _, f := range flags {
		if !strings.ContainsRune("bcegimnpqstwx", f) {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid regular expression option: \"%c\"", f)
		}
	}
	prefix := ""
	// The last of the case flags i (insensitive) and c (sensitive) wins.
	if strings.LastIndexByte(flags, 'i') > strings.LastIndexByte(flags, 'c') {
		prefix = "(?i)"
	}
	if strings.ContainsAny(flags, "ns") || strings.Contains(flags, "m") {
		prefix += "(?s)"
	}
	r, err := regexp.Compile(prefix + p)
	if err != nil {
		return nil, sqlerr.New(sqlerr.InvalidRegularExpression, "invalid regular expression: %v", err)
	}
	reCache.Store(key, r)
	return r, nil
}

func regexImpl(fold, neg bool) *impl {
	flags := ""
	if fold {
		flags = "i"
	}
	return strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		r, err := compileRegex(a[1].(string), flags)
		if err != nil {
			return nil, err
		}
		return r.MatchString(a[0].(string)) != neg, nil
	})
}

// similarToRegex translates an SQL SIMILAR TO pattern with escape character
// esc (0 for none) into a Go regular expression anchored at both ends. As in
// Postgres, esc followed by '"' marks a substring boundary, which in a plain
// match is just a grouping parenthesis.
func similarToRegex(p string, esc rune) (string, error) {
	var b strings.Builder
	b.WriteString("^(?:")
	pr := []rune(p)
	inBracket := false
	open := true
	for i := 0; i < len(pr); i++ {
		c := pr[i]
		if esc != 0 && c == esc {
			if i+1 >= len(pr) {
				// Postgres drops a trailing escape character.
				break
			}
			i++
			n := pr[i]
			if n == '"' && !inBracket {
				if open {
					b.WriteString("(")
				} else {
					b.WriteString(")")
				}
				open = !open
				continue
			}
			b.WriteString(regexp.QuoteMeta(string(n)))
			continue
		}
		if inBracket {
			if c == ']' {
				inBracket = false
			}
			if c == '\\' {
				b.WriteString("\\\\")
				continue
			}
			b.WriteRune(c)
			continue
		}
		switch c {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		case '[':
			inBracket = true
			b.WriteRune(c)
		case '.', '^', '$', '\\':
			b.WriteString("\\" + string(c))
		default:
			b.WriteRune(c)
		}
	}
	b.WriteString(")$")
	return b.String(), nil
}

func init() {
	registerMath()
	registerString()
	registerTime()
	registerJSON()
	registerArray()
}

func registerMath() {
	for _, t := range ints {
		register("abs", ts(t), t, absInt(t))
		register("@", ts(t), t, absInt(t))
		t := t
		register("-", ts(t), t, &impl{row: func(_ *Context, a []types.Datum) (types.Datum, error) { return checkNeg(a[0].(int64), t) }, vec: vecNeg(t)})
		register("+", ts(t), t, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return a[0], nil }))
		register("~", ts(t), t, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return ^a[0].(int64), nil }))
		for _, op := range []string{"&", "|", "#"} {
			op := op
			register(op, ts(t, t), t, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
				x, y := a[0].(int64), a[1].(int64)
				switch op {
				case "&":
					return x & y, nil
				case "|":
					return x | y, nil
				}
				return x ^ y, nil
			}))
		}
		register("<<", ts(t, tI4), t, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
			bits := map[types.Kind]uint{types.KindInt16: 16, types.KindInt32: 32, types.KindInt64: 64}[t.Kind]
			v := a[0].(int64) << (uint64(a[1].(int64)) % uint64(bits))
			switch t.Kind {
			case types.KindInt16:
				return int64(int16(v)), nil
			case types.KindInt32:
				return int64(int32(v)), nil
			}
			return v, nil
		}))
		register(">>", ts(t, tI4), t, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
			bits := map[types.Kind]uint{types.KindInt16: 16, types.KindInt32: 32, types.KindInt64: 64}[t.Kind]
			return a[0].(int64) >> (uint64(a[1].(int64)) % uint64(bits)), nil
		}))
		register("mod", ts(t, t), t, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return modInt(a[0].(int64), a[1].(int64)) }))
		register("gcd", ts(t, t), t, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
			x, y := a[0].(int64), a[1].(int64)
			for y != 0 {
				x, y = y, x%y
			}
			if x < 0 {
				return checkNeg(x, t)
			}
			return x, nil
		}))
	}
	for _, t := range []types.Type{tF4, tF8} {
		t := t
		register("abs", ts(t), t, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return math.Abs(a[0].(float64)), nil }))
		register("@", ts(t), t, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return math.Abs(a[0].(float64)), nil }))
		register("-", ts(t), t, &impl{row: func(_ *Context, a []types.Datum) (types.Datum, error) { return -a[0].(float64), nil }, vec: vecNeg(t)})
		register("+", ts(t), t, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return a[0], nil }))
	}
	register("abs", ts(tN), tN, decFn(func(d *apd.Decimal) (*apd.Decimal, error) { return new(apd.Decimal).Abs(d), nil }))
	register("@", ts(tN), tN, decFn(func(d *apd.Decimal) (*apd.Decimal, error) { return new(apd.Decimal).Abs(d), nil }))
	register("-", ts(tN), tN, decFn(func(d *apd.Decimal) (*apd.Decimal, error) { return new(apd.Decimal).Neg(d), nil }))
	register("+", ts(tN), tN, decFn(func(d *apd.Decimal) (*apd.Decimal, error) { return d, nil }))
	register("-", ts(tIv), tIv, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return negInterval(a[0].(types.Interval)), nil }))

	register("ceil", ts(tF8), tF8, f8(math.Ceil))
	register("ceil", ts(tN), tN, decFn(func(d *apd.Decimal) (*apd.Decimal, error) { return roundDec(d, 0, apd.RoundCeiling) }))
	register("floor", ts(tF8), tF8, f8(math.Floor))
	register("floor", ts(tN), tN, decFn(func(d *apd.Decimal) (*apd.Decimal, error) { return roundDec(d, 0, apd.RoundFloor) }))
	register("round", ts(tF8), tF8, f8(math.RoundToEven))
	register("round", ts(tN), tN, decFn(func(d *apd.Decimal) (*apd.Decimal, error) { return roundDec(d, 0, apd.RoundHalfUp) }))
	register("round", ts(tN, tI4), tN, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return roundDec(a[0].(*apd.Decimal), a[1].(int64), apd.RoundHalfUp)
	}))
	register("trunc", ts(tF8), tF8, f8(math.Trunc))
	register("trunc", ts(tN), tN, decFn(func(d *apd.Decimal) (*apd.Decimal, error) { return roundDec(d, 0, apd.RoundDown) }))
	register("trunc", ts(tN, tI4), tN, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return roundDec(a[0].(*apd.Decimal), a[1].(int64), apd.RoundDown)
	}))
	register("sqrt", ts(tF8), tF8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		f := a[0].(float64)
		if f < 0 {
			return nil, sqlerr.New(codeInvalidArgumentPower, "cannot take square root of a negative number")
		}
		return math.Sqrt(f), nil
	}))
	register("|/", ts(tF8), tF8, overloads["sqrt"][0].impl)
	register("sqrt", ts(tN), tN, decFn(sqrtNumeric))
	register("cbrt", ts(tF8), tF8, f8(libmCbrt))
	register("||/", ts(tF8), tF8, f8(libmCbrt))
	register("power", ts(tF8, tF8), tF8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return power(a[0], a[1], tF8) }))
	register("power", ts(tN, tN), tN, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return power(a[0], a[1], tN) }))
	register("exp", ts(tF8), tF8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		x := a[0].(float64)
		return checkFloat(libmExp(x), isInf(x), isInf(x) || math.IsNaN(x), tF8)
	}))
	register("exp", ts(tN), tN, decFn(expNumeric))
	register("ln", ts(tF8), tF8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return logFloat(a[0].(float64), "ln") }))
	register("ln", ts(tN), tN, decFn(lnNumeric))
	for _, n := range []string{"log", "log10"} {
		register(n, ts(tF8), tF8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return logFloat(a[0].(float64), "log") }))
		register(n, ts(tN), tN, decFn(log10Numeric))
	}
	register("log", ts(tN, tN), tN, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		x, err := lnNumeric(a[1].(*apd.Decimal))
		if err != nil {
			return nil, err
		}
		y, err := lnNumeric(a[0].(*apd.Decimal))
		if err != nil {
			return nil, err
		}
		// As Postgres: log(Infinity, Infinity) is NaN, log(Infinity, x)
		// zero and log(b, Infinity) Infinity, whatever the finite side.
		switch {
		case x.Form == apd.NaN || y.Form == apd.NaN || (x.Form == apd.Infinite && y.Form == apd.Infinite):
			return &apd.Decimal{Form: apd.NaN}, nil
		case x.Form == apd.Infinite:
			return x, nil
		case y.Form == apd.Infinite:
			return apd.New(0, 0), nil
		case y.IsZero():
			return nil, divZero()
		}
		q := new(apd.Decimal)
		_, _ = exactCtx.WithPrecision(40).Quo(q, x, y)
		return logScaleResult(q, a[1].(*apd.Decimal))
	}))
	register("mod", ts(tN, tN), tN, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return modNumeric(a[0].(*apd.Decimal), a[1].(*apd.Decimal))
	}))
	register("div", ts(tN, tN), tN, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		x, y := a[0].(*apd.Decimal), a[1].(*apd.Decimal)
		if y.IsZero() {
			return nil, divZero()
		}
		q := new(apd.Decimal)
		_, err := exactCtx.WithPrecision(uint32(intDigits(x))+10).QuoInteger(q, x, y)
		if err != nil {
			return nil, numericErr(err)
		}
		return roundDec(q, 0, apd.RoundDown)
	}))
	register("sign", ts(tF8), tF8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		f := a[0].(float64)
		switch {
		case f > 0:
			return 1.0, nil
		case f < 0:
			return -1.0, nil
		}
		return 0.0, nil
	}))
	register("sign", ts(tN), tN, decFn(func(d *apd.Decimal) (*apd.Decimal, error) {
		if d.Form == apd.NaN {
			return d, nil
		}
		return apd.New(int64(d.Sign()), 0), nil
	}))
	// MaxOneRowCheck is the planner's guard on a scalar subquery: its row
	// count must not exceed one.
	register(MaxOneRowCheck, ts(tI8), tB, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		if a[0].(int64) > 1 {
			return nil, sqlerr.New(sqlerr.CardinalityViolation, "more than one row returned by a subquery used as an expression")
		}
		return true, nil
	}))
	register("pi", nil, tF8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return math.Pi, nil }))
	for name, f := range map[string]func(float64) float64{
		"sin": libmSin, "cos": libmCos, "tan": libmTan, "asin": libmAsin, "acos": libmAcos, "atan": libmAtan,
		"degrees": func(x float64) float64 { return x / radPerDeg }, "radians": func(x float64) float64 { return x * radPerDeg },
		"sinh": libmSinh, "cosh": libmCosh, "tanh": libmTanh,
	} {
		register(name, ts(tF8), tF8, f8(f))
	}
	register("atan2", ts(tF8, tF8), tF8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return libmAtan2(a[0].(float64), a[1].(float64)), nil
	}))
}

func registerString() {
	register("length", ts(tT), tI4, textFn(func(s string) types.Datum { return int64(utf8.RuneCountInString(s)) }))
	register("length", ts(tBy), tI4, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return int64(len(a[0].([]byte))), nil }))
	register("octet_length", ts(tT), tI4, textFn(func(s string) types.Datum { return int64(len(s)) }))
	register("octet_length", ts(tBy), tI4, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return int64(len(a[0].([]byte))), nil }))
	register("bit_length", ts(tT), tI4, textFn(func(s string) types.Datum { return int64(8 * len(s)) }))
	register("lower", ts(tT), tT, textFn(func(s string) types.Datum { return strings.ToLower(s) }))
	register("upper", ts(tT), tT, textFn(func(s string) types.Datum { return strings.ToUpper(s) }))
	register("initcap", ts(tT), tT, textFn(func(s string) types.Datum { return initcap(s) }))
	register("reverse", ts(tT), tT, textFn(func(s string) types.Datum {
		rs := []rune(s)
		for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
			rs[i], rs[j] = rs[j], rs[i]
		}
		return string(rs)
	}))
	register("md5", ts(tT), tT, textFn(func(s string) types.Datum {
		h := md5.Sum([]byte(s))
		return hex.EncodeToString(h[:])
	}))
	register("md5", ts(tBy), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		h := md5.Sum(a[0].([]byte))
		return hex.EncodeToString(h[:]), nil
	}))
	register("ascii", ts(tT), tI4, textFn(func(s string) types.Datum {
		if s == "" {
			return int64(0)
		}
		r, _ := utf8.DecodeRuneInString(s)
		return int64(r)
	}))
	register("chr", ts(tI4), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		c := a[0].(int64)
		if c == 0 {
			return nil, sqlerr.New(sqlerr.ProgramLimitExceeded, "null character not permitted")
		}
		if c < 0 {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "character number must be positive")
		}
		if c > unicode.MaxRune {
			return nil, sqlerr.New(sqlerr.ProgramLimitExceeded, "requested character too large for encoding: %d", c)
		}
		if c >= 0xD800 && c <= 0xDFFF {
			return nil, sqlerr.New(sqlerr.ProgramLimitExceeded, "requested character not valid for encoding: %d", c)
		}
		return string(rune(c)), nil
	}))
	register("substr", ts(tT, tI4), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return sqlSubstr(a[0].(string), a[1].(int64), 0, false)
	}))
	register("substr", ts(tT, tI4, tI4), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return sqlSubstr(a[0].(string), a[1].(int64), a[2].(int64), true)
	}))
	strpos := strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		s, sub := a[0].(string), a[1].(string)
		i := strings.Index(s, sub)
		if i < 0 {
			return int64(0), nil
		}
		return int64(utf8.RuneCountInString(s[:i]) + 1), nil
	})
	register("strpos", ts(tT, tT), tI4, strpos)
	register("position", ts(tT, tT), tI4, strpos)
	register("replace", ts(tT, tT, tT), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		if a[1].(string) == "" {
			return a[0], nil
		}
		return strings.ReplaceAll(a[0].(string), a[1].(string), a[2].(string)), nil
	}))
	for _, n := range []string{"btrim", "ltrim", "rtrim"} {
		l, r := n != "rtrim", n != "ltrim"
		register(n, ts(tT), tT, textFn(func(s string) types.Datum { return trimChars(s, " ", l, r) }))
		register(n, ts(tT, tT), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
			return trimChars(a[0].(string), a[1].(string), l, r), nil
		}))
	}
	for _, n := range []string{"lpad", "rpad"} {
		left := n == "lpad"
		register(n, ts(tT, tI4), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
			return pad(a[0].(string), a[1].(int64), " ", left), nil
		}))
		register(n, ts(tT, tI4, tT), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
			return pad(a[0].(string), a[1].(int64), a[2].(string), left), nil
		}))
	}
	register("left", ts(tT, tI4), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		rs, n := []rune(a[0].(string)), a[1].(int64)
		if n < 0 {
			n = max(int64(len(rs))+n, 0)
		}
		return string(rs[:min(n, int64(len(rs)))]), nil
	}))
	register("right", ts(tT, tI4), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		rs, n := []rune(a[0].(string)), a[1].(int64)
		if n < 0 {
			n = max(int64(len(rs))+n, 0)
		}
		n = min(n, int64(len(rs)))
		return string(rs[int64(len(rs))-n:]), nil
	}))
	register("repeat", ts(tT, tI4), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		n := a[1].(int64)
		if n <= 0 {
			return "", nil
		}
		if int64(len(a[0].(string)))*n > 1<<30 {
			return nil, sqlerr.New(sqlerr.ProgramLimitExceeded, "requested length too large")
		}
		return strings.Repeat(a[0].(string), int(n)), nil
	}))
	register("split_part", ts(tT, tT, tI4), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		s, d, n := a[0].(string), a[1].(string), a[2].(int64)
		if n == 0 {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "field position must not be zero")
		}
		var parts []string
		if d == "" {
			parts = []string{s}
		} else {
			parts = strings.Split(s, d)
		}
		if n < 0 {
			n = int64(len(parts)) + n + 1
		}
		if n < 1 || n > int64(len(parts)) {
			return "", nil
		}
		return parts[n-1], nil
	}))
	register("starts_with", ts(tT, tT), tB, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return strings.HasPrefix(a[0].(string), a[1].(string)), nil
	}))
	register("translate", ts(tT, tT, tT), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		from, to := []rune(a[1].(string)), []rune(a[2].(string))
		var b strings.Builder
		for _, r := range a[0].(string) {
			i := strings.IndexRune(string(from), r)
			if i < 0 {
				b.WriteRune(r)
				continue
			}
			k := utf8.RuneCountInString(string(from)[:i])
			if k < len(to) {
				b.WriteRune(to[k])
			}
		}
		return b.String(), nil
	}))
	register("to_hex", ts(tI8), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return strconv.FormatUint(uint64(a[0].(int64)), 16), nil
	}))
	register("to_hex", ts(tI4), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return strconv.FormatUint(uint64(uint32(a[0].(int64))), 16), nil
	}))
	register("concat", ts(tAny), tT, &impl{nonNull: true, row: concatRow(0, "")}).variadic = true
	register("concat_ws", ts(tT, tAny), tT, &impl{nonNull: true, row: func(ctx *Context, a []types.Datum) (types.Datum, error) {
		if a[0] == nil {
			return nil, nil
		}
		return concatRow(1, a[0].(string))(ctx, a)
	}}).variadic = true
	register("quote_ident", ts(tT), tT, textFn(func(s string) types.Datum { return quoteIdentifier(s) }))
	register("quote_literal", ts(tT), tT, textFn(func(s string) types.Datum { return quoteLiteral(s) }))
	// operators on text
	register("||", ts(tT, tT), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return a[0].(string) + a[1].(string), nil }))
	register("||", ts(tT, tAnyNA), tT, strict(func(ctx *Context, a []types.Datum) (types.Datum, error) {
		return a[0].(string) + toText(ctx, a[1], datumType(a[1])), nil
	}))
	register("||", ts(tAnyNA, tT), tT, strict(func(ctx *Context, a []types.Datum) (types.Datum, error) {
		return toText(ctx, a[0], datumType(a[0])) + a[1].(string), nil
	}))
	register("||", ts(tBy, tBy), tBy, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return append(append([]byte{}, a[0].([]byte)...), a[1].([]byte)...), nil
	}))
	for _, v := range []struct {
		n          string
		fold, neg  bool
		isRegex    bool
		argsTrailg bool
	}{{"like", false, false, false, false}, {"not like", false, true, false, false}, {"ilike", true, false, false, false},
		{"not ilike", true, true, false, false}, {"~", false, false, true, false}, {"!~", false, true, true, false},
		{"~*", true, false, true, false}, {"!~*", true, true, true, false}} {
		if v.isRegex {
			register(v.n, ts(tT, tT), tB, regexImpl(v.fold, v.neg))
			continue
		}
		register(v.n, ts(tT, tT), tB, likeImpl(v.fold, v.neg))
		register(v.n, ts(tT, tT, tT), tB, likeImpl(v.fold, v.neg))
	}
	for _, n := range []string{"similar to", "not similar to"} {
		neg := n == "not similar to"
		sim := strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
			esc := '\\'
			if len(a) > 2 {
				e := []rune(a[2].(string))
				switch len(e) {
				case 0:
					esc = 0
				case 1:
					esc = e[0]
				default:
					return nil, sqlerr.New(codeInvalidEscape, "invalid escape string").WithHint("Escape string must be empty or one character.")
				}
			}
			re, err := similarToRegex(a[1].(string), esc)
			if err != nil {
				return nil, err
			}
			r, err := compileRegex(re, "s")
			if err != nil {
				return nil, err
			}
			return r.MatchString(a[0].(string)) != neg, nil
		})
		register(n, ts(tT, tT), tB, sim)
		register(n, ts(tT, tT, tT), tB, sim)
	}
	regexpReplace := func(_ *Context, a []types.Datum) (types.Datum, error) {
		flags := ""
		if len(a) > 3 {
			flags = a[3].(string)
		}
		r, err := compileRegex(a[1].(string), flags)
		if err != nil {
			return nil, err
		}
		repl := convertReplacement(a[2].(string))
		s := a[0].(string)
		if strings.Contains(flags, "g") {
			return r.ReplaceAllString(s, repl), nil
		}
		loc := r.FindStringSubmatchIndex(s)
		if loc == nil {
			return s, nil
		}
		var dst []byte
		dst = r.ExpandString(dst, repl, s, loc)
		return s[:loc[0]] + string(dst) + s[loc[1]:], nil
	}
	register("regexp_replace", ts(tT, tT, tT), tT, strict(regexpReplace))
	register("regexp_replace", ts(tT, tT, tT, tT), tT, strict(regexpReplace))
	regexpMatch := func(_ *Context, a []types.Datum) (types.Datum, error) {
		flags := ""
		if len(a) > 2 {
			flags = a[2].(string)
		}
		r, err := compileRegex(a[1].(string), flags)
		if err != nil {
			return nil, err
		}
		m := r.FindStringSubmatchIndex(a[0].(string))
		if m == nil {
			return nil, nil
		}
		out := types.Array{}
		if len(m) == 2 {
			return types.Array{a[0].(string)[m[0]:m[1]]}, nil
		}
		for i := 2; i < len(m); i += 2 {
			if m[i] < 0 {
				out = append(out, nil)
			} else {
				out = append(out, a[0].(string)[m[i]:m[i+1]])
			}
		}
		return out, nil
	}
	register("regexp_match", ts(tT, tT), tTA, strict(regexpMatch))
	register("regexp_match", ts(tT, tT, tT), tTA, strict(regexpMatch))
	register("string_to_array", ts(tT, tT), tTA, &impl{nonNull: true, row: func(_ *Context, a []types.Datum) (types.Datum, error) {
		if a[0] == nil {
			return nil, nil
		}
		s := a[0].(string)
		if s == "" {
			return types.Array{}, nil
		}
		out := types.Array{}
		if a[1] == nil {
			for _, r := range s {
				out = append(out, string(r))
			}
			return out, nil
		}
		if a[1].(string) == "" {
			return types.Array{s}, nil
		}
		for _, p := range strings.Split(s, a[1].(string)) {
			out = append(out, p)
		}
		return out, nil
	}})
}

// convertReplacement turns Postgres's \1 and & references into Go's.
func convertReplacement(r string) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == '\\' && i+1 < len(r) && isDigit(r[i+1]):
			b.WriteString("${" + string(r[i+1]) + "}")
			i++
		case c == '\\' && i+1 < len(r) && r[i+1] == '&':
			b.WriteString("${0}")
			i++
		case c == '\\' && i+1 < len(r) && r[i+1] == '\\':
			b.WriteByte('\\')
			i++
		case c == '$':
			b.WriteString("$$")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// quotedKeywords are Postgres's keywords other than the unreserved ones
// (reserved, type or function names, column names): quote_ident quotes
// them (pg_get_keywords() where catcode <> 'U').
var quotedKeywords = map[string]bool{
	"all": true, "analyse": true, "analyze": true, "and": true, "any": true, "array": true, "as": true, "asc": true, "asymmetric": true, "authorization": true, "between": true, "bigint": true, "binary": true, "bit": true,
	"boolean": true, "both": true, "case": true, "cast": true, "char": true, "character": true, "check": true,
	"coalesce": true, "collate": true, "collation": true, "column": true, "concurrently": true, "constraint": true, "create": true, "cross": true, "current_catalog": true, "current_date": true, "current_role": true,
	"current_schema": true, "current_time": true, "current_timestamp": true, "current_user": true, "dec": true,
	"decimal": true, "default": true, "deferrable": true, "desc": true, "distinct": true, "do": true, "else": true, "end": true, "except": true, "exists": true, "extract": true, "false": true, "fetch": true, "float": true, "for": true, "foreign": true, "freeze": true, "from": true, "full": true, "grant": true, "greatest": true, "group": true, "grouping": true, "having": true, "ilike": true, "in": true, "initially": true, "inner": true, "inout": true, "int": true, "integer": true, "intersect": true, "interval": true, "into": true, "is": true, "isnull": true, "join": true, "lateral": true, "leading": true, "least": true, "left": true, "like": true, "limit": true, "localtime": true, "localtimestamp": true, "national": true, "natural": true, "nchar": true, "none": true, "normalize": true, "not": true, "notnull": true, "null": true, "nullif": true, "numeric": true, "offset": true, "on": true, "only": true, "or": true, "order": true, "out": true, "outer": true,
	"overlaps": true, "overlay": true, "placing": true, "position": true, "precision": true, "primary": true,
	"real": true, "references": true, "returning": true, "right": true, "row": true, "select": true,
	"session_user": true, "setof": true, "similar": true, "smallint": true, "some": true, "substring": true,
	"symmetric": true, "table": true, "tablesample": true, "then": true, "time": true, "timestamp": true, "to": true, "trailing": true, "treat": true, "trim": true, "true": true, "union": true, "unique": true, "user": true, "using": true, "values": true, "varchar": true, "variadic": true, "verbose": true, "when": true,
	"where": true, "window": true, "with": true, "xmlattributes": true, "xmlconcat": true, "xmlelement": true,
	"xmlexists": true, "xmlforest": true, "xmlnamespaces": true, "xmlparse": true, "xmlpi": true, "xmlroot": true,
	"xmlserialize": true, "xmltable": true,
}

var plainIdent = regexp.MustCompile(`^[a-z_][a-z0-9_$]*$`)

// quoteIdentifier quotes s as an SQL identifier when it needs quotes, as
// quote_ident does.
func quoteIdentifier(s string) string {
	if s != "" && plainIdent.MatchString(s) && !quotedKeywords[s] {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteLiteral quotes s as an SQL string literal, as quote_literal does
// (E'…' when it holds a backslash).
func quoteLiteral(s string) string {
	q := "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", "''") + "'"
	if strings.Contains(s, `\`) {
		q = "E" + q
	}
	return q
}

func concatRow(from int, sep string) rowFn {
	return func(ctx *Context, a []types.Datum) (types.Datum, error) {
		var b strings.Builder
		first := true
		for _, d := range a[from:] {
			if d == nil {
				continue
			}
			if !first {
				b.WriteString(sep)
			}
			first = false
			if ts, ok := d.(types.Timestamptz); ok {
				b.WriteString(formatTimestamptzIn(ts, ctx.location()))
			} else {
				b.WriteString(types.FormatText(d))
			}
		}
		return b.String(), nil
	}
}

func registerTime() {
	// arithmetic
	dateAdd := func(d types.Date, n int64) (types.Datum, error) {
		r := int64(d) + n
		if r < minDateDays || r > maxDateDays {
			return nil, sqlerr.New(sqlerr.DatetimeFieldOverflow, "date out of range")
		}
		return types.Date(r), nil
	}
	register("+", ts(tD, tI4), tD, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return dateAdd(a[0].(types.Date), a[1].(int64))
	}))
	register("+", ts(tI4, tD), tD, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return dateAdd(a[1].(types.Date), a[0].(int64))
	}))
	register("-", ts(tD, tI4), tD, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return dateAdd(a[0].(types.Date), -a[1].(int64))
	}))
	register("-", ts(tD, tD), tI4, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return int64(a[0].(types.Date)) - int64(a[1].(types.Date)), nil
	}))
	tsPlus := func(neg bool, tz bool) rowFn {
		return func(ctx *Context, a []types.Datum) (types.Datum, error) {
			var t types.Datum
			var iv types.Interval
			if x, ok := a[0].(types.Interval); ok {
				iv, t = x, a[1]
			} else {
				t, iv = a[0], a[1].(types.Interval)
			}
			if neg {
				iv = negInterval(iv)
			}
			switch x := t.(type) {
			case types.Timestamp:
				r, err := addToTimestamp(int64(x), iv, nil)
				return types.Timestamp(r), err
			case types.Timestamptz:
				r, err := addToTimestamp(int64(x), iv, ctx.location())
				return types.Timestamptz(r), err
			case types.Date:
				r, err := addToTimestamp(int64(x)*types.MicrosPerDay, iv, nil)
				return types.Timestamp(r), err
			case types.Time:
				return types.Time(floorMod64(int64(x)+iv.Micros, types.MicrosPerDay)), nil
			}
			return nil, sqlerr.New(sqlerr.InternalError, "bad timestamp arithmetic")
		}
	}
	for _, t := range []types.Type{tTS, tTZ, tD, tTm} {
		ret := t
		if t == tD {
			ret = tTS
		}
		register("+", ts(t, tIv), ret, strict(tsPlus(false, t == tTZ)))
		register("+", ts(tIv, t), ret, strict(tsPlus(false, t == tTZ)))
		register("-", ts(t, tIv), ret, strict(tsPlus(true, t == tTZ)))
	}
	register("+", ts(tD, tTm), tTS, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return types.Timestamp(int64(a[0].(types.Date))*types.MicrosPerDay + int64(a[1].(types.Time))), nil
	}))
	register("+", ts(tTm, tD), tTS, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return types.Timestamp(int64(a[1].(types.Date))*types.MicrosPerDay + int64(a[0].(types.Time))), nil
	}))
	register("-", ts(tTS, tTS), tIv, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return timestampDiff(int64(a[0].(types.Timestamp)), int64(a[1].(types.Timestamp))), nil
	}))
	register("-", ts(tTZ, tTZ), tIv, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return timestampDiff(int64(a[0].(types.Timestamptz)), int64(a[1].(types.Timestamptz))), nil
	}))
	register("-", ts(tTm, tTm), tIv, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return types.Interval{Micros: int64(a[0].(types.Time)) - int64(a[1].(types.Time))}, nil
	}))
	register("+", ts(tIv, tIv), tIv, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return addInterval(a[0].(types.Interval), a[1].(types.Interval))
	}))
	register("-", ts(tIv, tIv), tIv, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return subInterval(a[0].(types.Interval), a[1].(types.Interval))
	}))
	register("*", ts(tIv, tF8), tIv, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return mulInterval(a[0].(types.Interval), a[1].(float64))
	}))
	register("*", ts(tF8, tIv), tIv, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return mulInterval(a[1].(types.Interval), a[0].(float64))
	}))
	register("/", ts(tIv, tF8), tIv, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return divInterval(a[0].(types.Interval), a[1].(float64))
	}))
	// date_trunc
	register("date_trunc", ts(tT, tTS), tTS, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		r, err := truncTimestamp(a[0].(string), int64(a[1].(types.Timestamp)), tTS)
		return types.Timestamp(r), err
	}))
	register("date_trunc", ts(tT, tTZ), tTZ, strict(func(ctx *Context, a []types.Datum) (types.Datum, error) {
		loc := ctx.location()
		lt := utcToLocal(a[1].(types.Timestamptz), loc)
		r, err := truncTimestamp(a[0].(string), int64(lt), tTZ)
		if err != nil {
			return nil, err
		}
		if strings.ToLower(a[0].(string)) == "microseconds" || r == int64(lt) {
			return a[1], nil
		}
		return truncBackToUTC(a[0].(string), r, lt, a[1].(types.Timestamptz), loc), nil
	}))
	register("date_trunc", ts(tT, tTZ, tT), tTZ, strict(func(ctx *Context, a []types.Datum) (types.Datum, error) {
		loc, err := loadLocation(a[2].(string))
		if err != nil {
			return nil, err
		}
		lt := utcToLocal(a[1].(types.Timestamptz), loc)
		r, err := truncTimestamp(a[0].(string), int64(lt), tTZ)
		if err != nil {
			return nil, err
		}
		return truncBackToUTC(a[0].(string), r, lt, a[1].(types.Timestamptz), loc), nil
	}))
	register("date_trunc", ts(tT, tIv), tIv, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return truncInterval2(a[0].(string), a[1].(types.Interval))
	}))
	// extract / date_part
	for _, t := range []types.Type{tTS, tTZ, tD, tTm, tIv} {
		t := t
		register("extract", ts(tT, t), tN, strict(func(ctx *Context, a []types.Datum) (types.Datum, error) {
			return extractField(a[0].(string), a[1], t, ctx.location())
		}))
		if t == tD {
			continue
		}
		register("date_part", ts(tT, t), tF8, strict(func(ctx *Context, a []types.Datum) (types.Datum, error) {
			d, err := extractField(a[0].(string), a[1], t, ctx.location())
			if err != nil {
				return nil, err
			}
			return toFloat(d), nil
		}))
	}
	register("to_timestamp", ts(tF8), tTZ, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		f := a[0].(float64)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, sqlerr.New(sqlerr.DatetimeFieldOverflow, "timestamp cannot be NaN")
		}
		us := math.RoundToEven(f * 1e6)
		if us < float64(minTimestamp) || us > float64(maxTimestamp) {
			return nil, sqlerr.New(sqlerr.DatetimeFieldOverflow, "timestamp out of range: \"%s\"", types.FormatFloat(f, 64))
		}
		return types.Timestamptz(int64(us)), nil
	}))
	register("make_date", ts(tI4, tI4, tI4), tD, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		y, m, d := int(a[0].(int64)), int(a[1].(int64)), int(a[2].(int64))
		if y < 0 {
			y++
		}
		if y == 0 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
			return nil, sqlerr.New(sqlerr.DatetimeFieldOverflow, "date field value out of range: %d-%02d-%02d", a[0], a[1], a[2])
		}
		return dateFromYMD(y, m, d), nil
	}))
	mkts := func(a []types.Datum) (int64, error) {
		y0, m, d := a[0].(int64), a[1].(int64), a[2].(int64)
		h, mi, s := a[3].(int64), a[4].(int64), a[5].(float64)
		y := y0
		if y < 0 {
			y++ // year -1 is 1 BC, the astronomical year 0
		}
		if y0 == 0 || m < 1 || m > 12 || d < 1 || d > int64(daysIn(int(y), int(m))) {
			return 0, sqlerr.New(sqlerr.DatetimeFieldOverflow, "date field value out of range: %d-%02d-%02d", y0, m, d)
		}
		if err := checkTimeFields(h, mi, s); err != nil {
			return 0, err
		}
		return int64(dateFromYMD(int(y), int(m), int(d)))*types.MicrosPerDay + h*types.MicrosPerHour + mi*types.MicrosPerMinute + int64(math.RoundToEven(s*1e6)), nil
	}
	register("make_timestamp", ts(tI4, tI4, tI4, tI4, tI4, tF8), tTS, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		v, err := mkts(a)
		return types.Timestamp(v), err
	}))
	register("make_timestamptz", ts(tI4, tI4, tI4, tI4, tI4, tF8), tTZ, strict(func(ctx *Context, a []types.Datum) (types.Datum, error) {
		v, err := mkts(a)
		if err != nil {
			return nil, err
		}
		return localToUTC(v, ctx.location()), nil
	}))
	register("at time zone", ts(tTS, tT), tTZ, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		loc, err := loadLocation(a[1].(string))
		if err != nil {
			return nil, err
		}
		return localToUTC(int64(a[0].(types.Timestamp)), loc), nil
	}))
	register("at time zone", ts(tTZ, tT), tTS, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		loc, err := loadLocation(a[1].(string))
		if err != nil {
			return nil, err
		}
		return utcToLocal(a[0].(types.Timestamptz), loc), nil
	}))
	register("age", ts(tTS, tTS), tIv, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return age(int64(a[0].(types.Timestamp)), int64(a[1].(types.Timestamp))), nil
	}))
	register("age", ts(tTZ, tTZ), tIv, strict(func(ctx *Context, a []types.Datum) (types.Datum, error) {
		loc := ctx.location()
		return age(int64(utcToLocal(a[0].(types.Timestamptz), loc)), int64(utcToLocal(a[1].(types.Timestamptz), loc))), nil
	}))
	// The justify functions move whole days to months and whole 24-hour
	// periods to days, then make the fields' signs agree, as Postgres.
	register("justify_days", ts(tIv), tIv, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		iv := a[0].(types.Interval)
		iv.Months += iv.Days / 30
		iv.Days %= 30
		switch {
		case iv.Months > 0 && iv.Days < 0:
			iv.Days += 30
			iv.Months--
		case iv.Months < 0 && iv.Days > 0:
			iv.Days -= 30
			iv.Months++
		}
		return iv, nil
	}))
	justifyHours := func(iv types.Interval) types.Interval {
		iv.Days += int32(iv.Micros / types.MicrosPerDay)
		iv.Micros %= types.MicrosPerDay
		switch {
		case iv.Days > 0 && iv.Micros < 0:
			iv.Micros += types.MicrosPerDay
			iv.Days--
		case iv.Days < 0 && iv.Micros > 0:
			iv.Micros -= types.MicrosPerDay
			iv.Days++
		}
		return iv
	}
	register("justify_hours", ts(tIv), tIv, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return justifyHours(a[0].(types.Interval)), nil
	}))
	register("justify_interval", ts(tIv), tIv, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		iv := a[0].(types.Interval)
		iv.Days += int32(iv.Micros / types.MicrosPerDay)
		iv.Micros %= types.MicrosPerDay
		iv.Months += iv.Days / 30
		iv.Days %= 30
		switch {
		case iv.Months > 0 && (iv.Days < 0 || iv.Days == 0 && iv.Micros < 0):
			iv.Days += 30
			iv.Months--
		case iv.Months < 0 && (iv.Days > 0 || iv.Days == 0 && iv.Micros > 0):
			iv.Days -= 30
			iv.Months++
		}
		return justifyHours(iv), nil
	}))
	for _, t := range []types.Type{tD, tTS, tTZ, tIv} {
		register("isfinite", ts(t), tB, strict(func(_ *Context, a []types.Datum) (types.Datum, error) { return true, nil }))
	}
}

// age is Postgres's age(a, b): a symbolic difference in years, months, days.
func age(a, b int64) types.Interval {
	neg := a < b
	if neg {
		a, b = b, a
	}
	ta, tb := tsTime(a), tsTime(b)
	months := (ta.Year()-tb.Year())*12 + int(ta.Month()) - int(tb.Month())
	days := ta.Day() - tb.Day()
	us := floorMod64(a, types.MicrosPerDay) - floorMod64(b, types.MicrosPerDay)
	if us < 0 {
		us += types.MicrosPerDay
		days--
	}
	if days < 0 {
		months--
		// Postgres borrows the length of the earlier timestamp's month
		days += daysIn(tb.Year(), int(tb.Month()))
	}
	iv := types.Interval{Months: int32(months), Days: int32(days), Micros: us}
	if neg {
		iv = negInterval(iv)
	}
	return iv
}

func registerJSON() {
	register("->", ts(tJ, tT), tJ, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return jsonbOut(jsonArg(a[0]).get(a[1].(string))), nil
	}))
	register("->", ts(tJ, tI4), tJ, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return jsonbOut(jsonArg(a[0]).index(a[1].(int64))), nil
	}))
	register("->>", ts(tJ, tT), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		v := jsonArg(a[0]).get(a[1].(string))
		if v == nil {
			return nil, nil
		}
		return v.asText(), nil
	}))
	register("->>", ts(tJ, tI4), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		v := jsonArg(a[0]).index(a[1].(int64))
		if v == nil {
			return nil, nil
		}
		return v.asText(), nil
	}))
	path := func(v *jv, p types.Array) *jv {
		for _, k := range p {
			if v == nil || k == nil {
				return nil
			}
			ks := k.(string)
			if v.kind == 'a' {
				i, err := strconv.ParseInt(strings.TrimSpace(ks), 10, 64)
				if err != nil {
					return nil
				}
				v = v.index(i)
			} else {
				v = v.get(ks)
			}
		}
		return v
	}
	register("#>", ts(tJ, tTA), tJ, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return jsonbOut(path(jsonArg(a[0]), a[1].(types.Array))), nil
	}))
	register("#>>", ts(tJ, tTA), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		v := path(jsonArg(a[0]), a[1].(types.Array))
		if v == nil {
			return nil, nil
		}
		return v.asText(), nil
	}))
	register("jsonb_extract_path", ts(tJ, tT), tJ, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return jsonbOut(path(jsonArg(a[0]), types.Array(a[1:]))), nil
	})).variadic = true
	register("jsonb_extract_path_text", ts(tJ, tT), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		v := path(jsonArg(a[0]), types.Array(a[1:]))
		if v == nil {
			return nil, nil
		}
		return v.asText(), nil
	})).variadic = true
	register("@>", ts(tJ, tJ), tB, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return jsonArg(a[0]).contains(jsonArg(a[1])), nil
	}))
	register("<@", ts(tJ, tJ), tB, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return jsonArg(a[1]).contains(jsonArg(a[0])), nil
	}))
	hasKey := func(v *jv, k string) bool {
		if v.kind == 'o' {
			return v.get(k) != nil
		}
		if v.kind == 'a' {
			for _, e := range v.arr {
				if e.kind == 's' && e.str == k {
					return true
				}
			}
		}
		return v.kind == 's' && v.str == k
	}
	register("?", ts(tJ, tT), tB, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return hasKey(jsonArg(a[0]), a[1].(string)), nil
	}))
	register("?|", ts(tJ, tTA), tB, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		v := jsonArg(a[0])
		for _, k := range a[1].(types.Array) {
			if k != nil && hasKey(v, k.(string)) {
				return true, nil
			}
		}
		return false, nil
	}))
	register("?&", ts(tJ, tTA), tB, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		v := jsonArg(a[0])
		for _, k := range a[1].(types.Array) {
			if k != nil && !hasKey(v, k.(string)) {
				return false, nil
			}
		}
		return true, nil
	}))
	register("||", ts(tJ, tJ), tJ, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		x, y := jsonArg(a[0]), jsonArg(a[1])
		if x.kind == 'o' && y.kind == 'o' {
			m := map[string]*jv{}
			for i, k := range x.keys {
				m[k] = x.vals[i]
			}
			for i, k := range y.keys {
				m[k] = y.vals[i]
			}
			return jsonbOut(jsonObjectOf(m)), nil
		}
		arr := &jv{kind: 'a', arr: []*jv{}}
		for _, v := range []*jv{x, y} {
			if v.kind == 'a' {
				arr.arr = append(arr.arr, v.arr...)
			} else {
				arr.arr = append(arr.arr, v)
			}
		}
		return jsonbOut(arr), nil
	}))
	register("-", ts(tJ, tT), tJ, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		v := jsonArg(a[0])
		k := a[1].(string)
		switch v.kind {
		case 'o':
			o := &jv{kind: 'o'}
			for i, kk := range v.keys {
				if kk != k {
					o.keys = append(o.keys, kk)
					o.vals = append(o.vals, v.vals[i])
				}
			}
			return jsonbOut(o), nil
		case 'a':
			o := &jv{kind: 'a', arr: []*jv{}}
			for _, e := range v.arr {
				if !(e.kind == 's' && e.str == k) {
					o.arr = append(o.arr, e)
				}
			}
			return jsonbOut(o), nil
		}
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "cannot delete from scalar")
	}))
	register("jsonb_typeof", ts(tJ), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return jsonArg(a[0]).typeName(), nil
	}))
	register("jsonb_array_length", ts(tJ), tI4, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		v := jsonArg(a[0])
		if v.kind != 'a' {
			if v.kind == 'o' {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "cannot get array length of a non-array")
			}
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "cannot get array length of a scalar")
		}
		return int64(len(v.arr)), nil
	}))
	register("to_jsonb", ts(tAny), tJ, &impl{nonNull: false, row: func(ctx *Context, a []types.Datum) (types.Datum, error) {
		return jsonbOut(datumToJSONIn(a[0], datumType(a[0]), ctx.location())), nil
	}})
	register("jsonb_build_array", ts(tAny), tJ, &impl{nonNull: true, row: func(ctx *Context, a []types.Datum) (types.Datum, error) {
		out := &jv{kind: 'a', arr: []*jv{}}
		for _, d := range a {
			out.arr = append(out.arr, datumToJSONIn(d, datumType(d), ctx.location()))
		}
		return jsonbOut(out), nil
	}}).variadic = true
	register("jsonb_build_object", ts(tAny), tJ, &impl{nonNull: true, row: func(ctx *Context, a []types.Datum) (types.Datum, error) {
		if len(a)%2 != 0 {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "argument list must have even number of elements").
				WithHint("The arguments of jsonb_build_object() must consist of alternating keys and values.")
		}
		m := map[string]*jv{}
		for i := 0; i < len(a); i += 2 {
			if a[i] == nil {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "argument %d: key must not be null", i+1)
			}
			if k := datumType(a[i]).Kind; k == types.KindArray || k == types.KindJSONB {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "key value must be scalar, not array, composite, or json")
			}
			m[toText(ctx, a[i], datumType(a[i]))] = datumToJSONIn(a[i+1], datumType(a[i+1]), ctx.location())
		}
		return jsonbOut(jsonObjectOf(m)), nil
	}}).variadic = true
	register("jsonb_strip_nulls", ts(tJ), tJ, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		var strip func(v *jv) *jv
		strip = func(v *jv) *jv {
			switch v.kind {
			case 'o':
				o := &jv{kind: 'o'}
				for i, k := range v.keys {
					if v.vals[i].kind != 'n' {
						o.keys = append(o.keys, k)
						o.vals = append(o.vals, strip(v.vals[i]))
					}
				}
				return o
			case 'a':
				o := &jv{kind: 'a', arr: []*jv{}}
				for _, e := range v.arr {
					o.arr = append(o.arr, strip(e))
				}
				return o
			}
			return v
		}
		return jsonbOut(strip(jsonArg(a[0]))), nil
	}))
}

func registerArray() {
	dimOf := func(a []types.Datum) (int, bool) {
		dims := types.ArrayDims(a[0].(types.Array))
		d := a[1].(int64)
		if d < 1 || d > int64(len(dims)) {
			return 0, false
		}
		return dims[d-1], true
	}
	register("array_length", ts(tAnyArr, tI4), tI4, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		n, ok := dimOf(a)
		if !ok {
			return nil, nil
		}
		return int64(n), nil
	}))
	register("array_upper", ts(tAnyArr, tI4), tI4, overloads["array_length"][0].impl)
	register("array_lower", ts(tAnyArr, tI4), tI4, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		if _, ok := dimOf(a); !ok {
			return nil, nil
		}
		return int64(1), nil
	}))
	register("cardinality", ts(tAnyArr), tI4, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		_, flat := types.FlattenArray(a[0].(types.Array))
		return int64(len(flat)), nil
	}))
	register("array_dims", ts(tAnyArr), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		dims := types.ArrayDims(a[0].(types.Array))
		if len(dims) == 0 {
			return nil, nil
		}
		var b strings.Builder
		for _, d := range dims {
			b.WriteString("[1:" + strconv.Itoa(d) + "]")
		}
		return b.String(), nil
	}))
	register("array_append", ts(tAnyArr, tAnyEl), tAnyArr, &impl{nonNull: true, row: func(_ *Context, a []types.Datum) (types.Datum, error) {
		xs, _ := a[0].(types.Array)
		if isMultiDim(xs) {
			return nil, errNotOneDim()
		}
		return append(append(types.Array{}, xs...), a[1]), nil
	}})
	register("array_prepend", ts(tAnyEl, tAnyArr), tAnyArr, &impl{nonNull: true, row: func(_ *Context, a []types.Datum) (types.Datum, error) {
		xs, _ := a[1].(types.Array)
		if isMultiDim(xs) {
			return nil, errNotOneDim()
		}
		return append(types.Array{a[0]}, xs...), nil
	}})
	cat := &impl{nonNull: true, row: func(_ *Context, a []types.Datum) (types.Datum, error) {
		if a[0] == nil && a[1] == nil {
			return nil, nil
		}
		x, _ := a[0].(types.Array)
		y, _ := a[1].(types.Array)
		return concatArrays(x, y)
	}}
	register("array_cat", ts(tAnyArr, tAnyArr), tAnyArr, cat)
	register("||", ts(tAnyArr, tAnyArr), tAnyArr, cat)
	register("||", ts(tAnyArr, tAnyEl), tAnyArr, overloads["array_append"][0].impl)
	register("||", ts(tAnyEl, tAnyArr), tAnyArr, overloads["array_prepend"][0].impl)
	register("array_position", ts(tAnyArr, tAnyEl), tI4, &impl{nonNull: true, row: func(_ *Context, a []types.Datum) (types.Datum, error) {
		if a[0] == nil {
			return nil, nil
		}
		if isMultiDim(a[0].(types.Array)) {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "searching for elements in multidimensional arrays is not supported")
		}
		for i, e := range a[0].(types.Array) {
			if types.Equal(e, a[1]) {
				return int64(i + 1), nil
			}
		}
		return nil, nil
	}})
	register("array_remove", ts(tAnyArr, tAnyEl), tAnyArr, &impl{nonNull: true, row: func(_ *Context, a []types.Datum) (types.Datum, error) {
		if a[0] == nil {
			return nil, nil
		}
		if isMultiDim(a[0].(types.Array)) {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "removing elements from multidimensional arrays is not supported")
		}
		out := types.Array{}
		for _, e := range a[0].(types.Array) {
			if !types.Equal(e, a[1]) {
				out = append(out, e)
			}
		}
		return out, nil
	}})
	arrToString := &impl{nonNull: true, row: func(ctx *Context, a []types.Datum) (types.Datum, error) {
		if a[0] == nil || a[1] == nil {
			return nil, nil
		}
		var parts []string
		var walk func(xs types.Array)
		walk = func(xs types.Array) {
			for _, e := range xs {
				switch x := e.(type) {
				case nil:
					if len(a) > 2 && a[2] != nil {
						parts = append(parts, a[2].(string))
					}
				case types.Array:
					walk(x)
				default:
					parts = append(parts, types.FormatText(e))
				}
			}
		}
		walk(a[0].(types.Array))
		return strings.Join(parts, a[1].(string)), nil
	}}
	register("array_to_string", ts(tAnyArr, tT), tT, arrToString)
	register("array_to_string", ts(tAnyArr, tT, tT), tT, arrToString)
	contains := func(x, y types.Array) bool {
		for _, e := range y {
			found := false
			for _, f := range x {
				if e != nil && f != nil && types.Compare(e, f) == 0 {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	register("@>", ts(tAnyArr, tAnyArr), tB, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return contains(a[0].(types.Array), a[1].(types.Array)), nil
	}))
	register("<@", ts(tAnyArr, tAnyArr), tB, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return contains(a[1].(types.Array), a[0].(types.Array)), nil
	}))
	register("&&", ts(tAnyArr, tAnyArr), tB, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		for _, e := range a[1].(types.Array) {
			if e != nil && contains(a[0].(types.Array), types.Array{e}) {
				return true, nil
			}
		}
		return false, nil
	}))
}
