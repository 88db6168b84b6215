package expr

import (
	"math"
	"math/big"
)

// Correctly rounded elementary functions. Postgres calls the C library,
// whose exp, log, sin, cos, tan, asin, acos and atan return the float
// nearest the exact value; Go's math package is off by one unit in the
// last place for a quarter of inputs, which shows in the 15-17 digits
// Postgres prints. These evaluate the function with 128-bit big.Float
// arithmetic and round once.

const (
	crPrec    = 128
	crRedPrec = 320 // argument reduction by multiples of π/2 and ln 2
)

var (
	crPi   = crConst("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798214808651")
	crLn2  = crConst("0.69314718055994530941723212145817656807550013436025525412068000949339362196969471560586332699641868754200148102")
	crLn10 = crConst("2.30258509299404568401799145468436420760110148862877297603332790096757260967735248023599720508959829834196778404")
)

func crConst(s string) *big.Float {
	f, _, err := big.ParseFloat(s, 10, crRedPrec, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	return f
}

func crNew() *big.Float { return new(big.Float).SetPrec(crPrec) }

func crFloat(x float64) *big.Float { return crNew().SetFloat64(x) }

// crRound rounds r to the nearest float64.
func crRound(r *big.Float) float64 {
	f, _ := r.Float64()
	return f
}

// crTiny reports whether a series term is below 2^-(crPrec+8), where the
// series stop (their sums are at least 2^-8 after argument reduction, or
// as small as their first term, which bounds the rest).
func crTiny(term *big.Float) bool {
	return term.Sign() == 0 || term.MantExp(nil) < -(crPrec+8)
}

// crAtanSmall is atan(t) for |t| <= 1: halve the angle until |t| < 1/16,
// atan(t) = 2 atan(t / (1 + sqrt(1 + t²))), then sum the Taylor series.
func crAtanSmall(t *big.Float) *big.Float {
	t = crNew().Set(t)
	one := crFloat(1)
	k := 0
	for t.Sign() != 0 && t.MantExp(nil) > -4 { // |t| >= 1/16
		s := crNew().Mul(t, t)
		s.Add(s, one)
		s.Sqrt(s)
		s.Add(s, one)
		t.Quo(t, s)
		k++
	}
	sum := crOddSeries(t, true)
	return sum.SetMantExp(sum, k)
}

// crOddSeries sums t + t³/3 + t⁵/5 + … (atanh), or with alternating signs
// t - t³/3 + t⁵/5 - … (atan), until a term is negligible.
func crOddSeries(t *big.Float, alternate bool) *big.Float {
	t2 := crNew().Mul(t, t)
	if alternate {
		t2.Neg(t2)
	}
	sum := crNew().Set(t)
	pow := crNew().Set(t)
	div, term := new(big.Float), crNew()
	for n := int64(3); ; n += 2 {
		pow.Mul(pow, t2)
		term.Quo(pow, div.SetInt64(n))
		sum.Add(sum, term)
		if crTiny(term) {
			return sum
		}
	}
}

// crAtan is atan(x) as big.Float.
func crAtan(x *big.Float) *big.Float {
	a := new(big.Float).Abs(x)
	if a.Cmp(crFloat(1)) <= 0 {
		return crAtanSmall(x)
	}
	// atan(x) = ±π/2 - atan(1/x)
	inv := crNew().Quo(crFloat(1), x)
	half := crNew().SetMantExp(crPi, -1)
	if x.Sign() < 0 {
		half.Neg(half)
	}
	return half.Sub(half, crAtanSmall(inv))
}

// Atan is the correctly rounded arctangent.
func crAtanF(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) < 1e-8 {
		return math.Atan(x) // exact enough: atan(x) = x - x³/3 rounds to x
	}
	return crRound(crAtan(crFloat(x)))
}

// crAtan2F is the correctly rounded atan2(y, x).
func crAtan2F(y, x float64) float64 {
	if y == 0 || x == 0 || math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
		return math.Atan2(y, x)
	}
	r := crAtan(crNew().Quo(crFloat(y), crFloat(x)))
	if x < 0 {
		if y >= 0 {
			r.Add(r, crPi)
		} else {
			r.Sub(r, crPi)
		}
	}
	return crRound(r)
}

// crAsinF is the correctly rounded arcsine: asin(x) = atan(x / sqrt(1 - x²)).
func crAsinF(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.Abs(x) >= 1 || math.Abs(x) < 1e-8 {
		return math.Asin(x)
	}
	bx := crFloat(x)
	d := crNew().Mul(bx, bx)
	d.Sub(crFloat(1), d)
	d.Sqrt(d)
	return crRound(crAtan(d.Quo(bx, d)))
}

// crAcosF is the correctly rounded arccosine: acos(x) = π/2 - asin(x),
// computed as 2 atan(sqrt((1 - x) / (1 + x))) to keep precision near 1.
func crAcosF(x float64) float64 {
	if math.IsNaN(x) || math.Abs(x) >= 1 {
		return math.Acos(x)
	}
	n := crNew().Sub(crFloat(1), crFloat(x))
	n.Quo(n, crNew().Add(crFloat(1), crFloat(x)))
	n.Sqrt(n)
	r := crAtan(n)
	return crRound(r.SetMantExp(r, 1))
}

// crExp is e^x as big.Float: x = k·ln2 + r, e^r by its series on r/2^8
// squared 8 times, scaled by 2^k.
func crExp(x *big.Float) *big.Float {
	xf, _ := x.Float64()
	k := int(math.Round(xf / math.Ln2))
	r := new(big.Float).SetPrec(crRedPrec).Mul(new(big.Float).SetInt64(int64(k)), crLn2)
	r.Sub(x, r)
	r = crNew().Set(r)
	const halvings = 8
	r.SetMantExp(r, -halvings)
	sum := crFloat(1)
	term := crFloat(1)
	div := new(big.Float)
	for n := int64(1); ; n++ {
		term.Mul(term, r)
		term.Quo(term, div.SetInt64(n))
		sum.Add(sum, term)
		if crTiny(term) {
			break
		}
	}
	for i := 0; i < halvings; i++ {
		sum.Mul(sum, sum)
	}
	return sum.SetMantExp(sum, k)
}

// crExpF is the correctly rounded e^x.
func crExpF(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) || x > 710 || x < -746 {
		return math.Exp(x)
	}
	return crRound(crExp(crFloat(x)))
}

// crLn is ln(x) for x > 0: x = m·2^e with m in [1/√2, √2),
// ln(m) = 2 atanh((m-1)/(m+1)) by its series.
func crLn(x *big.Float) *big.Float {
	m := crNew()
	e := x.MantExp(m) // x = m · 2^e, m in [0.5, 1)
	if m.Cmp(crFloat(math.Sqrt2/2)) < 0 {
		m.SetMantExp(m, 1)
		e--
	}
	one := crFloat(1)
	s := crNew().Sub(m, one)
	s.Quo(s, crNew().Add(m, one))
	sum := crOddSeries(s, false)
	sum.SetMantExp(sum, 1)
	return sum.Add(sum, crNew().Mul(crNew().SetInt64(int64(e)), crLn2))
}

// crLogF is the correctly rounded natural logarithm.
func crLogF(x float64) float64 {
	if x <= 0 || x == 1 || math.IsNaN(x) || math.IsInf(x, 0) {
		return math.Log(x)
	}
	return crRound(crLn(crFloat(x)))
}

// crSinCos returns sin(x) and cos(x) for |x| < 2^20: x = k·π/2 + r with
// |r| <= π/4, both series on r, and the quadrant k picks and signs them.
func crSinCos(x float64) (sin, cos *big.Float) {
	halfPi := new(big.Float).SetPrec(crRedPrec).SetMantExp(crPi, -1)
	hf, _ := halfPi.Float64()
	k := int64(math.Round(x / hf))
	r := new(big.Float).SetPrec(crRedPrec).Mul(new(big.Float).SetInt64(k), halfPi)
	r.Sub(new(big.Float).SetFloat64(x), r)
	r = crNew().Set(r)
	r2 := crNew().Mul(r, r)
	s, c := crNew().Set(r), crFloat(1)
	ts, tc := crNew().Set(r), crFloat(1)
	div := new(big.Float)
	for n := int64(1); ; n++ {
		ts.Mul(ts, r2)
		ts.Quo(ts, div.SetInt64(-(2*n)*(2*n+1)))
		s.Add(s, ts)
		tc.Mul(tc, r2)
		tc.Quo(tc, div.SetInt64(-(2*n-1)*(2*n)))
		c.Add(c, tc)
		if crTiny(ts) && crTiny(tc) {
			break
		}
	}
	switch ((k % 4) + 4) % 4 {
	case 0:
		return s, c
	case 1:
		return c, s.Neg(s)
	case 2:
		return s.Neg(s), c.Neg(c)
	}
	return c.Neg(c), s
}

// crTrigOK reports whether x is in the range where crSinCos is used.
func crTrigOK(x float64) bool {
	return !math.IsNaN(x) && math.Abs(x) >= 1e-8 && math.Abs(x) < 1<<20
}

// crSinF, crCosF and crTanF are the correctly rounded sine, cosine and
// tangent (Go's math functions outside |x| < 2^20).
func crSinF(x float64) float64 {
	if !crTrigOK(x) {
		return math.Sin(x)
	}
	s, _ := crSinCos(x)
	return crRound(s)
}

func crCosF(x float64) float64 {
	if !crTrigOK(x) {
		return math.Cos(x)
	}
	_, c := crSinCos(x)
	return crRound(c)
}

func crTanF(x float64) float64 {
	if !crTrigOK(x) {
		return math.Tan(x)
	}
	s, c := crSinCos(x)
	return crRound(s.Quo(s, c))
}

// crLog10F is log10 as the C library computes it (fdlibm's e_log10: the
// binary exponent's part added to log(mantissa)/ln 10, which is not
// always correctly rounded); Postgres's log(float8) prints that result.
func crLog10F(x float64) float64 {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return math.Log10(x)
	}
	const (
		ivln10   = 4.34294481903251816668e-01
		log2hi10 = 3.01029995663611771306e-01
		log2lo10 = 3.69423907715893078616e-13
	)
	bits := math.Float64bits(x)
	k := 0
	if bits>>52 == 0 { // subnormal: scale up by 2^54
		x *= 1 << 54
		bits = math.Float64bits(x)
		k -= 54
	}
	hx := int32(bits >> 32)
	k += int(hx>>20) - 1023
	i := 0
	if k < 0 {
		i = 1
	}
	hx = (hx & 0x000fffff) | int32((0x3ff-i)<<20)
	y := float64(k + i)
	x = math.Float64frombits(uint64(uint32(hx))<<32 | bits&0xffffffff)
	z := float64(y*log2lo10) + float64(ivln10*crLogF(x))
	return z + float64(y*log2hi10)
}

// crPowF is the correctly rounded x^y for finite x and y (a negative x
// only with an integral y): e^(y·ln|x|), negated for an odd y. Go's Pow
// multiplies by squaring and loses up to a few digits for large y.
func crPowF(x, y float64) float64 {
	switch {
	case y == 0 || x == 1:
		return 1
	case y == 2:
		return x * x // one rounding: exact
	case y == -1:
		return 1 / x
	case y == 0.5 && x > 0:
		return math.Sqrt(x)
	case x == 0 || y == 1 || math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0):
		return math.Pow(x, y)
	}
	l := crLn(crFloat(math.Abs(x)))
	l.Mul(l, crFloat(y))
	if lf, _ := l.Float64(); lf > 710 || lf < -746 {
		return math.Pow(x, y) // overflows or underflows either way
	}
	r := crRound(crExp(l))
	if x < 0 && math.Mod(y, 2) != 0 {
		r = -r
	}
	return r
}
