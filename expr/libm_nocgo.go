//go:build !cgo

package expr

import "math"

// Without cgo, the float functions Postgres takes from the C library are
// evaluated correctly rounded (crmath.go); see libm_cgo.go.

func libmExp(x float64) float64      { return crExpF(x) }
func libmLog(x float64) float64      { return crLogF(x) }
func libmLog10(x float64) float64    { return crLog10F(x) }
func libmPow(x, y float64) float64   { return crPowF(x, y) }
func libmSin(x float64) float64      { return crSinF(x) }
func libmCos(x float64) float64      { return crCosF(x) }
func libmTan(x float64) float64      { return crTanF(x) }
func libmAsin(x float64) float64     { return crAsinF(x) }
func libmAcos(x float64) float64     { return crAcosF(x) }
func libmAtan(x float64) float64     { return crAtanF(x) }
func libmAtan2(y, x float64) float64 { return crAtan2F(y, x) }

// Go's own functions, which can differ from the C library in the last
// digit.
func libmCbrt(x float64) float64  { return math.Cbrt(x) }
func libmSinh(x float64) float64  { return math.Sinh(x) }
func libmCosh(x float64) float64  { return math.Cosh(x) }
func libmTanh(x float64) float64  { return math.Tanh(x) }
func libmAsinh(x float64) float64 { return math.Asinh(x) }
func libmAcosh(x float64) float64 { return math.Acosh(x) }
func libmAtanh(x float64) float64 { return math.Atanh(x) }
