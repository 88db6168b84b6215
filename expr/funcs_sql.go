package expr

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Further built-in functions: make_time, date_bin, overlay, substr and
// overlay over bytea, regexp_replace with a start position and match
// number, int8send/int8recv, and RisingWave's array_sort, array_sum,
// array_join and array_overlaps family.

// checkTimeFields checks hour, minute and second as make_time and
// make_timestamp do, with Postgres's error text.
func checkTimeFields(h, mi int64, s float64) error {
	if h < 0 || mi < 0 || mi > 59 || s < 0 || s > 60 || math.IsNaN(s) || h > 24 || (h == 24 && (mi > 0 || s > 0)) {
		sec := strconv.FormatFloat(s, 'g', 6, 64)
		if len(sec) < 2 {
			sec = "0" + sec
		}
		return sqlerr.New(sqlerr.DatetimeFieldOverflow, "time field value out of range: %d:%02d:%s", h, mi, sec)
	}
	return nil
}

// dateBin is Postgres's date_bin over microsecond timestamps.
func dateBin(stride types.Interval, src, origin int64) (int64, error) {
	if stride.Months != 0 {
		return 0, sqlerr.New(sqlerr.FeatureNotSupported, "timestamps cannot be binned into intervals containing months or years")
	}
	step := int64(stride.Days)*types.MicrosPerDay + stride.Micros
	if step <= 0 {
		return 0, sqlerr.New(sqlerr.InvalidParameterValue, "stride must be greater than zero")
	}
	diff := src - origin
	if (src > origin && diff < 0) || (src < origin && diff > 0) {
		return 0, errTimestampRange()
	}
	delta := diff - diff%step
	if origin > src && step > 1 {
		delta -= step
	}
	r := origin + delta
	if (delta > 0 && r < origin) || (delta < 0 && r > origin) {
		return 0, errTimestampRange()
	}
	return r, nil
}

func errTimestampRange() error {
	return sqlerr.New(sqlerr.DatetimeFieldOverflow, "timestamp out of range")
}

// overlayRunes replaces count runes of s starting at the 1-based position
// from with r, as Postgres's overlay does (count < 0 is an error).
func overlayRunes[T any](s, r []T, from, count int64) ([]T, error) {
	if from < 1 {
		return nil, sqlerr.New(codeSubstringError, "negative substring length not allowed")
	}
	end := from + count
	if count < 0 || end < from {
		return nil, sqlerr.New(codeSubstringError, "negative substring length not allowed")
	}
	n := int64(len(s))
	head := min(from-1, n)
	tail := min(end-1, n)
	out := make([]T, 0, int(head)+len(r)+int(n-tail))
	out = append(out, s[:head]...)
	out = append(out, r...)
	return append(out, s[tail:]...), nil
}

// byteaSubstr is substr over bytes, with Postgres's clamping rules.
func byteaSubstr(b []byte, from, count int64, hasCount bool) (types.Datum, error) {
	if hasCount && count < 0 {
		return nil, sqlerr.New(codeSubstringError, "negative substring length not allowed")
	}
	start := from - 1
	end := int64(len(b))
	if hasCount {
		end = start + count
		if end < start {
			end = int64(len(b))
		}
	}
	start = max(start, 0)
	end = min(end, int64(len(b)))
	if start >= end {
		return []byte{}, nil
	}
	return append([]byte(nil), b[start:end]...), nil
}

// regexpReplaceAt is regexp_replace(source, pattern, replacement, start
// [, n [, flags]]): matching begins at the 1-based character position
// start; n = 0 replaces every match, n > 0 only the n-th.
func regexpReplaceAt(s, pat, repl string, start, n int64, flags string, hasN bool) (types.Datum, error) {
	if start <= 0 {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value for parameter \"%s\": %d", "start", start)
	}
	if hasN && n < 0 {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value for parameter \"%s\": %d", "n", n)
	}
	r, err := compileRegex(pat, flags)
	if err != nil {
		return nil, err
	}
	if !hasN {
		n = 1
		if strings.Contains(flags, "g") {
			n = 0
		}
	}
	// Byte offset of the start character.
	off := len(s)
	i := int64(1)
	for bi := range s {
		if i == start {
			off = bi
			break
		}
		i++
	}
	rest := s[off:]
	expand := convertReplacement(repl)
	matches := r.FindAllStringSubmatchIndex(rest, -1)
	var b strings.Builder
	b.WriteString(s[:off])
	last := 0
	for k, m := range matches {
		if n != 0 && int64(k+1) != n {
			continue
		}
		b.WriteString(rest[last:m[0]])
		b.Write(r.ExpandString(nil, expand, rest, m))
		last = m[1]
		if n != 0 {
			break
		}
	}
	b.WriteString(rest[last:])
	return b.String(), nil
}

// arraySumType is the result type of RisingWave's array_sum over an array
// of elem, or false when elem cannot be summed.
func arraySumType(elem types.Type) (types.Type, bool) {
	switch elem.Kind {
	case types.KindInt16, types.KindInt32:
		return tI8, true
	case types.KindInt64, types.KindNumeric:
		return tN, true
	case types.KindFloat32, types.KindFloat64, types.KindInterval:
		return elem, true
	}
	return types.Type{}, false
}

func init() {
	register("make_time", ts(tI4, tI4, tF8), tTm, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		h, mi, s := a[0].(int64), a[1].(int64), a[2].(float64)
		if err := checkTimeFields(h, mi, s); err != nil {
			return nil, err
		}
		return types.Time(h*types.MicrosPerHour + mi*types.MicrosPerMinute + int64(math.RoundToEven(s*1e6))), nil
	}))

	register("date_bin", ts(tIv, tTS, tTS), tTS, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		r, err := dateBin(a[0].(types.Interval), int64(a[1].(types.Timestamp)), int64(a[2].(types.Timestamp)))
		return types.Timestamp(r), err
	}))
	register("date_bin", ts(tIv, tTZ, tTZ), tTZ, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		r, err := dateBin(a[0].(types.Interval), int64(a[1].(types.Timestamptz)), int64(a[2].(types.Timestamptz)))
		return types.Timestamptz(r), err
	}))

	overlayText := strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		s, r := []rune(a[0].(string)), []rune(a[1].(string))
		count := int64(len(r))
		if len(a) > 3 {
			count = a[3].(int64)
		}
		out, err := overlayRunes(s, r, a[2].(int64), count)
		if err != nil {
			return nil, err
		}
		return string(out), nil
	})
	register("overlay", ts(tT, tT, tI4), tT, overlayText)
	register("overlay", ts(tT, tT, tI4, tI4), tT, overlayText)
	overlayBytes := strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		s, r := a[0].([]byte), a[1].([]byte)
		count := int64(len(r))
		if len(a) > 3 {
			count = a[3].(int64)
		}
		return overlayRunes(s, r, a[2].(int64), count)
	})
	register("overlay", ts(tBy, tBy, tI4), tBy, overlayBytes)
	register("overlay", ts(tBy, tBy, tI4, tI4), tBy, overlayBytes)
	register("substr", ts(tBy, tI4), tBy, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return byteaSubstr(a[0].([]byte), a[1].(int64), 0, false)
	}))
	register("substr", ts(tBy, tI4, tI4), tBy, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return byteaSubstr(a[0].([]byte), a[1].(int64), a[2].(int64), true)
	}))

	register("regexp_replace", ts(tT, tT, tT, tI4), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return regexpReplaceAt(a[0].(string), a[1].(string), a[2].(string), a[3].(int64), 0, "", false)
	}))
	register("regexp_replace", ts(tT, tT, tT, tI4, tI4), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return regexpReplaceAt(a[0].(string), a[1].(string), a[2].(string), a[3].(int64), a[4].(int64), "", true)
	}))
	register("regexp_replace", ts(tT, tT, tT, tI4, tI4, tT), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return regexpReplaceAt(a[0].(string), a[1].(string), a[2].(string), a[3].(int64), a[4].(int64), a[5].(string), true)
	}))

	register("int8send", ts(tI8), tBy, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		return binary.BigEndian.AppendUint64(nil, uint64(a[0].(int64))), nil
	}))
	register("int8recv", ts(tBy), tI8, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		b := a[0].([]byte)
		if len(b) != 8 {
			return nil, sqlerr.New("22P03", "insufficient data left in message")
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	}))

	// RisingWave's array functions.
	register("array_sort", ts(tAnyArr), tAnyArr, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		out := slices.Clone(a[0].(types.Array))
		slices.SortStableFunc(out, types.Compare)
		return out, nil
	}))
	for _, el := range []types.Type{tI2, tI4, tI8, tF4, tF8, tN, tIv} {
		rt, _ := arraySumType(el)
		register("array_sum", ts(types.ArrayOf(el)), rt, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
			var sum types.Datum
			for _, e := range a[0].(types.Array) {
				if e == nil {
					continue
				}
				if rt.Kind == types.KindNumeric {
					if i, ok := e.(int64); ok {
						e = apd.New(i, 0)
					}
				}
				if sum == nil {
					sum = e
					continue
				}
				var err error
				if sum, err = AddDatum(sum, e, rt); err != nil {
					return nil, err
				}
			}
			return sum, nil
		}))
	}
	arrToString := overloads["array_to_string"]
	register("array_join", ts(tAnyArr, tT), tT, arrToString[0].impl)
	register("array_join", ts(tAnyArr, tT, tT), tT, arrToString[1].impl)
	overlap := overloads["&&"]
	for _, o := range overlap {
		if len(o.args) == 2 && o.args[0].Kind == kAnyArray {
			for _, n := range []string{"array_overlaps", "array_is_overlap", "array_is_intersect"} {
				register(n, ts(tAnyArr, tAnyArr), tB, o.impl)
			}
		}
	}
}

func init() {
	// The zero-argument forms of the variadic JSON builders.
	for _, n := range []string{"jsonb_build_object", "jsonb_build_array"} {
		for _, o := range overloads[n] {
			if o.variadic {
				register(n, nil, o.ret, o.impl)
				break
			}
		}
	}
}

// trimScale drops trailing fractional zeros of a numeric.
func trimScale(d *apd.Decimal) *apd.Decimal {
	if d.Form != apd.Finite {
		return d
	}
	r := new(apd.Decimal).Set(d)
	for r.Exponent < 0 {
		q, rem := new(apd.BigInt), new(apd.BigInt)
		q.QuoRem(&r.Coeff, apd.NewBigInt(10), rem)
		if rem.Sign() != 0 {
			break
		}
		r.Coeff.Set(q)
		r.Exponent++
	}
	if r.Coeff.Sign() == 0 {
		r.Exponent = 0
		r.Negative = false
	}
	return r
}

func init() {
	register("trim_scale", ts(tN), tN, decFn(func(d *apd.Decimal) (*apd.Decimal, error) { return trimScale(d), nil }))
	register("scale", ts(tN), tI4, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		d := a[0].(*apd.Decimal)
		if d.Form != apd.Finite {
			return nil, nil
		}
		return int64(max(-d.Exponent, 0)), nil
	}))
	register("min_scale", ts(tN), tI4, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		d := a[0].(*apd.Decimal)
		if d.Form != apd.Finite {
			return nil, nil
		}
		return int64(max(-trimScale(d).Exponent, 0)), nil
	}))
}

// isMultiDim reports whether an array value has more than one dimension.
func isMultiDim(a types.Array) bool {
	if len(a) == 0 {
		return false
	}
	_, ok := a[0].(types.Array)
	return ok
}

func errNotOneDim() error {
	return sqlerr.New(sqlerr.DataException, "argument must be empty or one-dimensional array")
}

// concatArrays is Postgres's array_cat: arrays of equal rank join along
// their first dimension, an array of one rank less becomes one more
// element; dimensions must agree.
func concatArrays(x, y types.Array) (types.Datum, error) {
	if len(x) == 0 {
		return append(types.Array{}, y...), nil
	}
	if len(y) == 0 {
		return append(types.Array{}, x...), nil
	}
	dx, dy := types.ArrayDims(x), types.ArrayDims(y)
	incompatible := func(detail string) error {
		return sqlerr.New("2202E", "cannot concatenate incompatible arrays").WithDetail(detail)
	}
	switch {
	case len(dx) == len(dy):
		if !slices.Equal(dx[1:], dy[1:]) {
			return nil, incompatible("Arrays with differing element dimensions are not compatible for concatenation.")
		}
		return append(append(types.Array{}, x...), y...), nil
	case len(dx) == len(dy)+1:
		if !slices.Equal(dx[1:], dy) {
			return nil, incompatible("Arrays with differing dimensions are not compatible for concatenation.")
		}
		return append(append(types.Array{}, x...), y), nil
	case len(dy) == len(dx)+1:
		if !slices.Equal(dy[1:], dx) {
			return nil, incompatible("Arrays with differing dimensions are not compatible for concatenation.")
		}
		return append(types.Array{x}, y...), nil
	}
	return nil, incompatible(fmt.Sprintf("Arrays of %d and %d dimensions are not compatible for concatenation.", len(dx), len(dy)))
}
