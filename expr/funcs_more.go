package expr

import (
	"encoding/base64"
	"encoding/hex"
	"hash/crc32"
	"math"
	"math/bits"
	"math/rand/v2"
	"regexp"
	"strings"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// More built-in functions: random(), trigonometry in degrees (Postgres's
// exact-at-special-angles algorithms), gamma/lgamma, regexp_count,
// regexp_split_to_array, array_reverse/array_min/array_max/array_ndims,
// bytea functions (trims, bits, bytes, crc32), encode/decode,
// convert_from/convert_to, make_timestamptz with a zone.

// radPerDeg is a variable so that x*radPerDeg rounds the same way at every
// use (a constant expression would be folded exactly).
var radPerDeg float64 = 0.0174532925199432957692

var (
	sin30         = libmSin(rad(30))
	oneMinusCos60 = 1 - libmCos(rad(60))
	asin05        = libmAsin(0.5)
	acos05        = libmAcos(0.5)
	atan10        = libmAtan(1.0)
	tan45         = sindQ1(45) / cosdQ1(45)
	cot45         = cosdQ1(45) / sindQ1(45)
)

func rad(x float64) float64       { return x * radPerDeg }
func sind0to30(x float64) float64 { return (libmSin(rad(x)) / sin30) / 2 }
func cosd0to60(x float64) float64 {
	return 1 - ((1-libmCos(rad(x)))/oneMinusCos60)/2
}
func sindQ1(x float64) float64 {
	if x <= 30 {
		return sind0to30(x)
	}
	return cosd0to60(90 - x)
}
func cosdQ1(x float64) float64 {
	if x <= 60 {
		return cosd0to60(x)
	}
	return sind0to30(90 - x)
}
func asindQ1(x float64) float64 {
	if x <= 0.5 {
		return (libmAsin(x) / asin05) * 30
	}
	return 90 - (libmAcos(x)/acos05)*60
}
func acosdQ1(x float64) float64 {
	if x <= 0.5 {
		return 90 - (libmAsin(x)/asin05)*30
	}
	return (libmAcos(x) / acos05) * 60
}

var errOutOfRange = sqlerr.New(sqlerr.NumericValueOutOfRange, "input is out of range")

// trigd evaluates a degree-based trigonometric function as Postgres does.
func trigd(name string, x float64) (types.Datum, error) {
	if math.IsNaN(x) {
		return math.NaN(), nil
	}
	switch name {
	case "asind", "acosd":
		if x < -1 || x > 1 {
			return nil, errOutOfRange
		}
		if name == "asind" {
			if x >= 0 {
				return asindQ1(x), nil
			}
			return -asindQ1(-x), nil
		}
		if x >= 0 {
			return acosdQ1(x), nil
		}
		return 90 + asindQ1(-x), nil
	case "atand":
		return (libmAtan(x) / atan10) * 45, nil
	}
	if math.IsInf(x, 0) {
		return nil, errOutOfRange
	}
	x = math.Mod(x, 360)
	sign := 1.0
	var r float64
	switch name {
	case "sind":
		if x < 0 {
			x, sign = -x, -sign
		}
		if x > 180 {
			x, sign = 360-x, -sign
		}
		if x > 90 {
			x = 180 - x
		}
		r = sign * sindQ1(x)
	case "cosd":
		if x < 0 {
			x = -x
		}
		if x > 180 {
			x = 360 - x
		}
		if x > 90 {
			x, sign = 180-x, -sign
		}
		r = sign * cosdQ1(x)
	case "tand", "cotd":
		if x < 0 {
			x, sign = -x, -sign
		}
		if x > 180 {
			x, sign = 360-x, -sign
		}
		if x > 90 {
			x, sign = 180-x, -sign
		}
		if name == "tand" {
			r = sign * ((sindQ1(x) / cosdQ1(x)) / tan45)
		} else {
			r = sign * ((cosdQ1(x) / sindQ1(x)) / cot45)
		}
		if r == 0 {
			r = 0 // no negative zero
		}
	}
	return r, nil
}

func init() {
	register("random", nil, tF8, &impl{nonNull: true, row: func(*Context, []types.Datum) (types.Datum, error) {
		return rand.Float64(), nil
	}})
	for _, name := range []string{"sind", "cosd", "tand", "cotd", "asind", "acosd", "atand"} {
		name := name
		register(name, ts(tF8), tF8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
			return trigd(name, a[0].(float64))
		}))
	}
	register("cot", ts(tF8), tF8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		x := a[0].(float64)
		if math.IsInf(x, 0) {
			return nil, errOutOfRange
		}
		return 1 / libmTan(x), nil
	}))
	register("asinh", ts(tF8), tF8, f8(libmAsinh))
	register("acosh", ts(tF8), tF8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		x := a[0].(float64)
		if x < 1 {
			return nil, errOutOfRange
		}
		return libmAcosh(x), nil
	}))
	register("atanh", ts(tF8), tF8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		x := a[0].(float64)
		if x < -1 || x > 1 {
			return nil, errOutOfRange
		}
		return libmAtanh(x), nil
	}))
	register("coth", ts(tF8), tF8, f8(func(x float64) float64 { return 1 / libmTanh(x) }))
	register("atan2d", ts(tF8, tF8), tF8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		y, x := a[0].(float64), a[1].(float64)
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.NaN(), nil
		}
		return (libmAtan2(y, x) / atan10) * 45, nil
	}))
	overflow := sqlerr.New(sqlerr.NumericValueOutOfRange, "value out of range: overflow")
	underflow := sqlerr.New(sqlerr.NumericValueOutOfRange, "value out of range: underflow")
	register("gamma", ts(tF8), tF8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		x := a[0].(float64)
		switch {
		case math.IsNaN(x):
			return x, nil
		case math.IsInf(x, 1):
			return x, nil
		case math.IsInf(x, -1), x == 0, x < 0 && x == math.Floor(x):
			return nil, overflow
		}
		r := math.Gamma(x)
		if math.IsInf(r, 0) || math.IsNaN(r) {
			return nil, overflow
		}
		if r == 0 {
			return nil, underflow
		}
		return r, nil
	}))
	register("lgamma", ts(tF8), tF8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		x := a[0].(float64)
		if math.IsNaN(x) {
			return x, nil
		}
		if math.IsInf(x, 0) {
			return math.Inf(1), nil
		}
		r, _ := math.Lgamma(x)
		if math.IsInf(r, 0) {
			return nil, overflow
		}
		return r, nil
	}))

	// make_timestamptz(y, m, d, h, mi, s, zone).
	mk := overloads["make_timestamp"][0].impl.row
	register("make_timestamptz", ts(tI4, tI4, tI4, tI4, tI4, tF8, tT), tTZ, strict(func(ctx *Context, a []types.Datum) (types.Datum, error) {
		v, err := mk(ctx, a[:6])
		if err != nil {
			return nil, err
		}
		loc, err := loadLocation(a[6].(string))
		if err != nil {
			return nil, err
		}
		return localToUTC(int64(v.(types.Timestamp)), loc), nil
	}))

	// Regular expressions.
	regexpCount := func(_ *Context, a []types.Datum) (types.Datum, error) {
		s, pat := a[0].(string), a[1].(string)
		start := int64(1)
		flags := ""
		if len(a) > 2 {
			start = a[2].(int64)
		}
		if len(a) > 3 {
			flags = a[3].(string)
		}
		if start <= 0 {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value for parameter \"start\": %d", start)
		}
		if strings.Contains(flags, "g") {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "regexp_count() does not support the \"global\" option")
		}
		r, err := compileRegex(pat, flags)
		if err != nil {
			return nil, err
		}
		rs := []rune(s)
		if int(start-1) > len(rs) {
			return int64(0), nil
		}
		return int64(len(r.FindAllStringIndex(string(rs[start-1:]), -1))), nil
	}
	register("regexp_count", ts(tT, tT), tI4, strict(regexpCount))
	register("regexp_count", ts(tT, tT, tI4), tI4, strict(regexpCount))
	register("regexp_count", ts(tT, tT, tI4, tT), tI4, strict(regexpCount))
	splitArr := func(_ *Context, a []types.Datum) (types.Datum, error) {
		flags := ""
		if len(a) > 2 {
			flags = a[2].(string)
		}
		if strings.Contains(flags, "g") {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "regexp_split_to_array() does not support the \"global\" option")
		}
		r, err := compileRegex(a[1].(string), flags)
		if err != nil {
			return nil, err
		}
		return splitRegexp(r, a[0].(string)), nil
	}
	register("regexp_split_to_array", ts(tT, tT), tTA, strict(splitArr))
	register("regexp_split_to_array", ts(tT, tT, tT), tTA, strict(splitArr))
	register("string_to_array", ts(tT, tT, tT), tTA, &impl{nonNull: true, row: func(ctx *Context, a []types.Datum) (types.Datum, error) {
		arr, err := overloads["string_to_array"][0].impl.row(ctx, a[:2])
		if err != nil || arr == nil || a[2] == nil {
			return arr, err
		}
		out := types.Array{}
		for _, e := range arr.(types.Array) {
			if e == a[2] {
				e = nil
			}
			out = append(out, e)
		}
		return out, nil
	}})

	// Arrays.
	register("array_reverse", ts(tAnyArr), tAnyArr, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		xs := a[0].(types.Array)
		out := make(types.Array, len(xs))
		for i, e := range xs {
			out[len(xs)-1-i] = e
		}
		return out, nil
	}))
	for _, name := range []string{"array_min", "array_max"} {
		max := name == "array_max"
		o := register(name, ts(tAnyArr), tAnyEl, nil)
		o.impl = &impl{row: func(_ *Context, a []types.Datum) (types.Datum, error) {
			var best types.Datum
			for _, e := range a[0].(types.Array) {
				if e == nil {
					continue
				}
				if best == nil {
					best = e
					continue
				}
				c := types.Compare(e, best)
				if (max && c > 0) || (!max && c < 0) {
					best = e
				}
			}
			return best, nil
		}}
	}
	register("array_ndims", ts(tAnyArr), tI4, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		dims := types.ArrayDims(a[0].(types.Array))
		if len(dims) == 0 {
			return nil, nil
		}
		return int64(len(dims)), nil
	}))

	// bytea.
	for _, name := range []string{"btrim", "ltrim", "rtrim"} {
		left, right := name != "rtrim", name != "ltrim"
		register(name, ts(tBy, tBy), tBy, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
			b, set := a[0].([]byte), a[1].([]byte)
			in := func(c byte) bool { return strings.IndexByte(string(set), c) >= 0 }
			i, j := 0, len(b)
			for left && i < j && in(b[i]) {
				i++
			}
			for right && j > i && in(b[j-1]) {
				j--
			}
			return append([]byte{}, b[i:j]...), nil
		}))
	}
	register("reverse", ts(tBy), tBy, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		b := a[0].([]byte)
		out := make([]byte, len(b))
		for i, c := range b {
			out[len(b)-1-i] = c
		}
		return out, nil
	}))
	register("bit_count", ts(tBy), tI8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		n := 0
		for _, c := range a[0].([]byte) {
			n += bits.OnesCount8(c)
		}
		return int64(n), nil
	}))
	outOfRange := func(what string, n int64, max int) error {
		return sqlerr.New("2202E", "index %d out of valid range, 0..%d", n, max)
	}
	register("get_bit", ts(tBy, tI8), tI4, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		b, n := a[0].([]byte), a[1].(int64)
		if n < 0 || n >= int64(len(b))*8 {
			return nil, outOfRange("bit", n, len(b)*8-1)
		}
		return int64((b[n/8] >> (n % 8)) & 1), nil
	}))
	register("set_bit", ts(tBy, tI8, tI4), tBy, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		b, n, v := append([]byte{}, a[0].([]byte)...), a[1].(int64), a[2].(int64)
		if n < 0 || n >= int64(len(b))*8 {
			return nil, outOfRange("bit", n, len(b)*8-1)
		}
		if v != 0 && v != 1 {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "new bit must be 0 or 1")
		}
		if v == 1 {
			b[n/8] |= 1 << (n % 8)
		} else {
			b[n/8] &^= 1 << (n % 8)
		}
		return b, nil
	}))
	register("get_byte", ts(tBy, tI4), tI4, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		b, n := a[0].([]byte), a[1].(int64)
		if n < 0 || n >= int64(len(b)) {
			return nil, outOfRange("byte", n, len(b)-1)
		}
		return int64(b[n]), nil
	}))
	register("set_byte", ts(tBy, tI4, tI4), tBy, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		b, n, v := append([]byte{}, a[0].([]byte)...), a[1].(int64), a[2].(int64)
		if n < 0 || n >= int64(len(b)) {
			return nil, outOfRange("byte", n, len(b)-1)
		}
		b[n] = byte(v)
		return b, nil
	}))
	register("crc32", ts(tBy), tI8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return int64(crc32.ChecksumIEEE(a[0].([]byte))), nil
	}))
	castagnoli := crc32.MakeTable(crc32.Castagnoli)
	register("crc32c", ts(tBy), tI8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return int64(crc32.Checksum(a[0].([]byte), castagnoli)), nil
	}))

	// encode/decode, convert_from/convert_to (UTF8 only).
	register("encode", ts(tBy, tT), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		b := a[0].([]byte)
		switch strings.ToLower(a[1].(string)) {
		case "hex":
			return hex.EncodeToString(b), nil
		case "base64":
			s := base64.StdEncoding.EncodeToString(b)
			var out strings.Builder
			for i := 0; i < len(s); i += 76 {
				if i > 0 {
					out.WriteByte('\n')
				}
				out.WriteString(s[i:min(i+76, len(s))])
			}
			return out.String(), nil
		case "escape":
			var out strings.Builder
			for _, c := range b {
				switch {
				case c == '\\':
					out.WriteString(`\\`)
				case c == 0 || c >= 0x80:
					out.WriteString(`\` + string('0'+(c>>6)&7) + string('0'+(c>>3)&7) + string('0'+c&7))
				default:
					out.WriteByte(c)
				}
			}
			return out.String(), nil
		}
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "unrecognized encoding: \"%s\"", a[1])
	}))
	register("decode", ts(tT, tT), tBy, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		s := a[0].(string)
		switch strings.ToLower(a[1].(string)) {
		case "hex":
			b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
			if err != nil {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid hexadecimal data")
			}
			return b, nil
		case "base64":
			b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
			if err != nil {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid base64 end sequence")
			}
			return b, nil
		case "escape":
			d, err := ParseText(s, types.Bytea)
			if err != nil {
				return nil, err
			}
			return d, nil
		}
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "unrecognized encoding: \"%s\"", a[1])
	}))
	utf8Only := func(enc string) error {
		switch strings.ToUpper(strings.ReplaceAll(enc, "-", "")) {
		case "UTF8", "UNICODE":
			return nil
		}
		return sqlerr.New(sqlerr.InvalidParameterValue, "invalid destination encoding name \"%s\"", enc)
	}
	register("convert_from", ts(tBy, tT), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		if err := utf8Only(a[1].(string)); err != nil {
			return nil, err
		}
		return string(a[0].([]byte)), nil
	}))
	register("convert_to", ts(tT, tT), tBy, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		if err := utf8Only(a[1].(string)); err != nil {
			return nil, err
		}
		return []byte(a[0].(string)), nil
	}))
}

// splitRegexp splits s around the matches of r as regexp_split_to_array
// does (empty matches split between characters).
func splitRegexp(r *regexp.Regexp, s string) types.Array {
	out := types.Array{}
	for _, p := range r.Split(s, -1) {
		out = append(out, p)
	}
	return out
}
