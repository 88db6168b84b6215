package expr

import (
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// This file holds to_char(number, format), Postgres's number formatting:
// digit positions 9 (blank when leading) and 0 (always printed), the
// decimal point (. or D), group separators (, or G), the signs S, MI, PL
// and SG, the FM (fill mode) prefix, the TH/th ordinal suffix, quoted
// text and literal characters. EEEE, RN, V and L are not supported.

func init() {
	for _, t := range []types.Type{tI2, tI4, tI8, tN, tF4, tF8} {
		register("to_char", ts(t, tT), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
			return numToChar(a[0], a[1].(string))
		}))
	}
}

// numTok is one element of a parsed number format.
type numTok struct {
	kind byte   // '9', '0', '.', ',', 'S' (S), 'M' (MI), 'P' (PL), 'G' (SG), 'T' (TH), 't' (th), 'L' (literal)
	lit  string // the text of a literal
	frac bool   // a digit position after the decimal point
}

func parseNumFormat(f string) (toks []numTok, fm bool, err error) {
	up := strings.ToUpper(f)
	for i := 0; i < len(f); {
		switch {
		case strings.HasPrefix(up[i:], "FM"):
			fm = true
			i += 2
		case f[i] == '9' || f[i] == '0':
			toks = append(toks, numTok{kind: f[i]})
			i++
		case f[i] == '.' || up[i] == 'D':
			toks = append(toks, numTok{kind: '.'})
			i++
		case f[i] == ',' || up[i] == 'G' && !strings.HasPrefix(up[i:], "GG"):
			toks = append(toks, numTok{kind: ','})
			i++
		case strings.HasPrefix(up[i:], "SG"):
			toks = append(toks, numTok{kind: 'G'})
			i += 2
		case up[i] == 'S':
			toks = append(toks, numTok{kind: 'S'})
			i++
		case strings.HasPrefix(up[i:], "MI"):
			toks = append(toks, numTok{kind: 'M'})
			i += 2
		case strings.HasPrefix(up[i:], "PL"):
			toks = append(toks, numTok{kind: 'P'})
			i += 2
		case strings.HasPrefix(f[i:], "TH"):
			toks = append(toks, numTok{kind: 'T'})
			i += 2
		case strings.HasPrefix(f[i:], "th"):
			toks = append(toks, numTok{kind: 't'})
			i += 2
		case strings.HasPrefix(up[i:], "EEEE"), strings.HasPrefix(up[i:], "RN"), up[i] == 'V', up[i] == 'L':
			return nil, false, sqlerr.New(sqlerr.FeatureNotSupported, "to_char number format %q is not supported", f)
		case f[i] == '"':
			j := i + 1
			var b strings.Builder
			for j < len(f) && f[j] != '"' {
				if f[j] == '\\' && j+1 < len(f) {
					j++
				}
				b.WriteByte(f[j])
				j++
			}
			toks = append(toks, numTok{kind: 'L', lit: b.String()})
			i = j + 1
		default:
			if f[i] == '\\' && i+1 < len(f) {
				i++
			}
			toks = append(toks, numTok{kind: 'L', lit: f[i : i+1]})
			i++
		}
	}
	point := false
	for i := range toks {
		switch toks[i].kind {
		case '.':
			point = true
		case '9', '0':
			toks[i].frac = point
		}
	}
	return toks, fm, nil
}

// numToChar formats v (an integer, float or numeric datum) with format f.
func numToChar(v types.Datum, f string) (types.Datum, error) {
	toks, fm, err := parseNumFormat(f)
	if err != nil {
		return nil, err
	}
	pre, post, point := 0, 0, false
	explicitSign := false // a sign at a fixed place (MI, SG, or S after the digits)
	leadingS := false     // S before the digits: the floating sign, + when positive
	seenDigit := false
	for i, t := range toks {
		switch t.kind {
		case '9', '0':
			seenDigit = true
			if t.frac {
				post++
			} else {
				pre++
			}
		case '.':
			point = true
		case 'S':
			if !seenDigit {
				leadingS = true
				toks[i].kind = 'L' // printed as the floating sign
			} else {
				explicitSign = true
			}
		case 'M', 'G':
			explicitSign = true
		}
	}
	// The absolute value rounded to post decimals, as digit strings.
	var neg, nan, inf bool
	var intDigits, fracDigits string
	switch x := v.(type) {
	case float64:
		neg = x < 0
		nan, inf = math.IsNaN(x), math.IsInf(x, 0)
		if !nan && !inf {
			s := strconv.FormatFloat(math.Abs(x), 'f', post, 64)
			intDigits, fracDigits, _ = strings.Cut(s, ".")
		}
	default:
		d := toDecimal(v)
		if d.Form == apd.NaN || d.Form == apd.NaNSignaling {
			nan = true
			break
		}
		if d.Form == apd.Infinite {
			inf, neg = true, d.Negative
			break
		}
		var r apd.Decimal
		c := apd.BaseContext.WithPrecision(2000)
		c.Rounding = apd.RoundHalfUp
		if _, err := c.Quantize(&r, d, -int32(post)); err != nil {
			return nil, err
		}
		neg = r.Negative && !r.IsZero()
		r.Negative = false
		intDigits, fracDigits, _ = strings.Cut(r.Text('f'), ".")
	}
	if intDigits == "0" {
		intDigits = ""
	}
	if intDigits == "" && !point && pre > 0 {
		intDigits = "0"
	}
	overflow := nan || inf || len(intDigits) > pre
	for len(fracDigits) < post {
		fracDigits += "0"
	}
	// firstZero is the integer position from which digits are printed
	// zero-padded: the first 0 in the format, or where the value starts.
	firstZero := pre - len(intDigits)
	pos := 0
	for _, t := range toks {
		if t.frac || (t.kind != '9' && t.kind != '0') {
			continue
		}
		if t.kind == '0' {
			firstZero = min(firstZero, pos)
			break
		}
		pos++
	}
	padded := strings.Repeat("0", max(0, pre-len(intDigits))) + intDigits
	// In fill mode, trailing zeros of 9 positions after the point go.
	fracKeep := post
	if fm {
		fi, last := 0, 0
		for _, t := range toks {
			if t.frac {
				fi++
				if t.kind == '0' || fracDigits[fi-1] != '0' {
					last = fi
				}
			}
		}
		fracKeep = last
	}
	if nan && pre >= 3 {
		// NaN prints as NaN, right-aligned in the format's width, when
		// the integer part has room for it (otherwise as an overflow).
		w := pre + 1
		if fm {
			return "NaN", nil
		}
		return strings.Repeat(" ", max(0, w-3)) + "NaN", nil
	}
	var b strings.Builder
	signDone := explicitSign
	placeSign := func() {
		if signDone {
			return
		}
		signDone = true
		switch {
		case neg:
			b.WriteByte('-')
		case leadingS:
			b.WriteByte('+')
		case !fm:
			b.WriteByte(' ') // the sign's place
		}
	}
	ip, fp := 0, 0
	started := false
	inFrac := false
	for _, t := range toks {
		switch t.kind {
		case '9', '0':
			if t.frac {
				fp++
				switch {
				case overflow:
					b.WriteByte('#')
				case fp <= fracKeep:
					b.WriteByte(fracDigits[fp-1])
				}
				continue
			}
			p := ip
			ip++
			if overflow {
				placeSign()
				b.WriteByte('#')
				started = true
				continue
			}
			if !started && p < firstZero {
				if !fm {
					b.WriteByte(' ')
				}
				continue
			}
			if !started {
				placeSign()
				started = true
			}
			b.WriteByte(padded[p])
		case '.':
			if !started {
				placeSign()
				started = true
			}
			if post > 0 {
				b.WriteByte('.')
			}
			inFrac = true
		case ',':
			if !started && !overflow {
				if !fm {
					b.WriteByte(' ')
				}
				continue
			}
			b.WriteByte(',')
		case 'S':
			if neg {
				b.WriteByte('-')
			} else {
				b.WriteByte('+')
			}
		case 'G':
			if neg {
				b.WriteByte('-')
			} else {
				b.WriteByte('+')
			}
		case 'M':
			if neg {
				b.WriteByte('-')
			} else if !fm {
				b.WriteByte(' ')
			}
		case 'P':
			if !neg {
				b.WriteByte('+')
			} else if !fm {
				b.WriteByte(' ')
			}
		case 'T', 't':
			if !overflow && !inFrac {
				suffix := ordinalSuffix(intDigits)
				if t.kind == 'T' {
					suffix = strings.ToUpper(suffix)
				}
				b.WriteString(suffix)
			}
		case 'L':
			if t.lit == "" {
				continue // a leading S: the floating sign, placed before the digits
			}
			b.WriteString(t.lit)
		}
	}
	if !signDone {
		placeSign()
	}
	return b.String(), nil
}

func ordinalSuffix(digits string) string {
	if digits == "" {
		digits = "0"
	}
	n := len(digits)
	if n >= 2 && digits[n-2] == '1' {
		return "th"
	}
	switch digits[n-1] {
	case '1':
		return "st"
	case '2':
		return "nd"
	case '3':
		return "rd"
	}
	return "th"
}
