package types

import (
	"encoding/hex"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// FormatText renders a datum in Postgres text output format (what psql
// shows). NULL renders as "NULL"; callers that need another NULL spelling
// check for nil first.
func FormatText(d Datum) string {
	if d == nil {
		return "NULL"
	}
	switch x := d.(type) {
	case bool:
		if x {
			return "t"
		}
		return "f"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return FormatFloat(x, 64)
	case *apd.Decimal:
		return x.Text('f')
	case string:
		return x
	case []byte:
		return `\x` + hex.EncodeToString(x)
	case Date:
		return FormatDate(x)
	case Time:
		return FormatTime(x)
	case Timestamp:
		t := time.UnixMicro(int64(x)).UTC()
		return formatDateTime(t)
	case Timestamptz:
		t := time.UnixMicro(int64(x)).UTC()
		if t.Year() <= 0 {
			return strings.TrimSuffix(formatDateTime(t), " BC") + "+00 BC"
		}
		return formatDateTime(t) + "+00"
	case Interval:
		return FormatInterval(x)
	case JSONB:
		return string(x)
	case Array:
		return formatArray(x)
	case Record:
		return formatRecord(x, Type{})
	}
	return "?"
}

// FormatTextTyped is FormatText, but real values are printed with float4
// precision.
func FormatTextTyped(d Datum, t Type) string {
	if f, ok := d.(float64); ok && t.Kind == KindFloat32 {
		return FormatFloat(f, 32)
	}
	if r, ok := d.(Record); ok {
		return formatRecord(r, t)
	}
	if a, ok := d.(Array); ok && t.Kind == KindArray && t.Elem == KindStruct {
		return formatArrayTyped(a, t.ElemType())
	}
	if a, ok := d.(Array); ok && t.Kind == KindArray && t.Elem == KindFloat32 {
		parts := make([]string, len(a))
		for i, e := range a {
			if e == nil {
				parts[i] = "NULL"
			} else {
				parts[i] = FormatFloat(e.(float64), 32)
			}
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return FormatText(d)
}

// FormatFloat prints a float the way Postgres 12+ does: the shortest text
// that reads back exactly, in exponent form outside [1e-4, 1e15) (1e6 for
// real).
func FormatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0"
		}
		return "0"
	}
	e := shortestFloat(f, bits)
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	limit := 15
	if bits == 32 {
		limit = 6
	}
	if exp < -4 || exp >= limit {
		sign := "+"
		if exp < 0 {
			sign = "-"
			exp = -exp
		}
		es := strconv.Itoa(exp)
		if len(es) < 2 {
			es = "0" + es
		}
		return mant + "e" + sign + es
	}
	// (A tie needs |f| ≥ 2^53, or 2^24 for real: always the exponent form.)
	return strconv.FormatFloat(f, 'f', -1, bits)
}

// shortestFloat is the shortest 'e' form of f that reads back as f, as
// Postgres's float4out/float8out print it. Unlike Go's, Postgres's
// shortest form never lies exactly halfway between f and a neighbour (a
// tie that only reads back by rounding half to even): 1e23 prints as
// 9.999999999999999e+22. Ties need |f| ≥ 2^53 (2^24 for real), where f and
// the halfway points are integers.
func shortestFloat(f float64, bits int) string {
	e := strconv.FormatFloat(f, 'e', -1, bits)
	limit := float64(1 << 53)
	if bits == 32 {
		limit = 1 << 24
	}
	if math.Abs(f) < limit || math.IsInf(f, 0) {
		return e
	}
	for prec := significantDigits(e); prec < 17 && isTie(e, f, bits); prec++ {
		e = strconv.FormatFloat(f, 'e', prec, bits) // prec+1 significant digits
	}
	return trimMantissa(e)
}

func significantDigits(e string) int {
	mant, _, _ := strings.Cut(e, "e")
	return len(strings.TrimLeft(strings.Replace(mant, ".", "", 1), "-"))
}

// trimMantissa drops trailing zeros of an 'e' form's mantissa.
func trimMantissa(e string) string {
	mant, exp, _ := strings.Cut(e, "e")
	if strings.Contains(mant, ".") {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	return mant + "e" + exp
}

// isTie reports whether the decimal e is exactly halfway between f and
// one of its neighbours (f integral, |f| ≥ 2^53 or 2^24).
func isTie(e string, f float64, bits int) bool {
	v, ok := new(big.Float).SetPrec(0).SetString(e)
	if !ok {
		return false
	}
	d, acc := v.Int(nil)
	if acc != big.Exact {
		return false
	}
	fi, _ := new(big.Float).SetFloat64(f).Int(nil)
	for _, dir := range []float64{math.Inf(1), math.Inf(-1)} {
		var n float64
		if bits == 32 {
			n = float64(math.Nextafter32(float32(f), float32(dir)))
		} else {
			n = math.Nextafter(f, dir)
		}
		if math.IsInf(n, 0) {
			continue
		}
		ni, _ := new(big.Float).SetFloat64(n).Int(nil)
		mid := new(big.Int).Add(fi, ni)
		if mid.Bit(0) != 0 {
			continue
		}
		if mid.Rsh(mid, 1).Cmp(d) == 0 {
			return true
		}
	}
	return false
}

// FormatDate prints a date as YYYY-MM-DD.
func FormatDate(d Date) string {
	t := time.Unix(int64(d)*86400, 0).UTC()
	return formatYear(t) + t.Format("-01-02") + bcSuffix(t)
}

func formatYear(t time.Time) string {
	y := t.Year()
	if y <= 0 {
		y = 1 - y
	}
	s := strconv.Itoa(y)
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}

func bcSuffix(t time.Time) string {
	if t.Year() <= 0 {
		return " BC"
	}
	return ""
}

// FormatTime prints a time of day as HH:MM:SS[.ffffff].
func FormatTime(x Time) string {
	us := int64(x)
	h := us / MicrosPerHour
	us -= h * MicrosPerHour
	m := us / MicrosPerMinute
	us -= m * MicrosPerMinute
	s := us / MicrosPerSecond
	us -= s * MicrosPerSecond
	return pad2(h) + ":" + pad2(m) + ":" + pad2(s) + fraction(us)
}

func formatDateTime(t time.Time) string {
	us := int64(t.Nanosecond() / 1000)
	return formatYear(t) + t.Format("-01-02 15:04:05") + fraction(us) + bcSuffix(t)
}

func pad2(v int64) string {
	if v < 10 && v >= 0 {
		return "0" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

// fraction renders microseconds as ".ffffff" with trailing zeros trimmed.
func fraction(us int64) string {
	if us == 0 {
		return ""
	}
	s := strconv.FormatInt(us, 10)
	for len(s) < 6 {
		s = "0" + s
	}
	return "." + strings.TrimRight(s, "0")
}

// FormatInterval prints an interval in Postgres's default "postgres"
// style: "1 year 2 mons 3 days 04:05:06.5". Units are plural unless the
// value is exactly 1, and a positive field after a negative one carries a
// "+" sign ("-1 days +02:00:00"), as Postgres prints them.
func FormatInterval(iv Interval) string {
	var b strings.Builder
	prevNeg, empty := false, true
	field := func(v int64, unit string) {
		if v == 0 {
			return
		}
		if !empty {
			b.WriteByte(' ')
		}
		if prevNeg && v > 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.FormatInt(v, 10))
		b.WriteByte(' ')
		b.WriteString(unit)
		if v != 1 {
			b.WriteByte('s')
		}
		prevNeg, empty = v < 0, false
	}
	field(int64(iv.Months/12), "year")
	field(int64(iv.Months%12), "mon")
	field(int64(iv.Days), "day")
	if iv.Micros != 0 || empty {
		us := iv.Micros
		if !empty {
			b.WriteByte(' ')
		}
		switch {
		case us < 0:
			b.WriteByte('-')
			us = -us
		case prevNeg:
			b.WriteByte('+')
		}
		h := us / MicrosPerHour
		us -= h * MicrosPerHour
		m := us / MicrosPerMinute
		us -= m * MicrosPerMinute
		sec := us / MicrosPerSecond
		us -= sec * MicrosPerSecond
		b.WriteString(pad2(h) + ":" + pad2(m) + ":" + pad2(sec) + fraction(us))
	}
	return b.String()
}

func formatArray(a Array) string { return formatArrayTyped(a, Type{}) }

// formatArrayTyped is formatArray with the element type known (records
// print their fields by type).
func formatArrayTyped(a Array, et Type) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, e := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		if e == nil {
			b.WriteString("NULL")
			continue
		}
		if inner, ok := e.(Array); ok {
			b.WriteString(formatArrayTyped(inner, et))
			continue
		}
		s := FormatTextTyped(e, et)
		if needsArrayQuote(s) {
			b.WriteByte('"')
			for _, r := range s {
				if r == '"' || r == '\\' {
					b.WriteByte('\\')
				}
				b.WriteRune(r)
			}
			b.WriteByte('"')
		} else {
			b.WriteString(s)
		}
	}
	b.WriteByte('}')
	return b.String()
}

func needsArrayQuote(s string) bool {
	if s == "" || strings.EqualFold(s, "null") {
		return true
	}
	for _, r := range s {
		switch r {
		case '{', '}', ',', '"', '\\', ' ', '\t', '\n', '\r':
			return true
		}
	}
	return false
}
