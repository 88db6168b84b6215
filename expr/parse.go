package expr

import (
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// ParseText parses s in Postgres text input format for type t ('…'::t).
// Errors carry Postgres's codes and messages, for example 22P02
// `invalid input syntax for type integer: "abc"`.
func ParseText(s string, t types.Type) (types.Datum, error) {
	return parseTextIn(s, t, time.UTC)
}

func parseTextIn(s string, t types.Type, loc *time.Location) (types.Datum, error) {
	switch t.Kind {
	case types.KindUnknown, types.KindVarchar:
		return s, nil
	case types.KindStruct:
		return parseRecord(s, t, loc)
	case types.KindBool:
		return parseBool(s)
	case types.KindInt16, types.KindInt32, types.KindInt64:
		return parseInt(s, t)
	case types.KindFloat32, types.KindFloat64:
		return parseFloat(s, t)
	case types.KindNumeric:
		return parseNumeric(s)
	case types.KindBytea:
		return parseBytea(s)
	case types.KindDate:
		return parseDate(s)
	case types.KindTime:
		return parseTime(s)
	case types.KindTimestamp:
		return parseTimestamp(s, false, loc)
	case types.KindTimestamptz:
		return parseTimestamp(s, true, loc)
	case types.KindInterval:
		iv, err := ParseInterval(s)
		if err != nil {
			return nil, err
		}
		return iv, nil
	case types.KindJSONB:
		return parseJSONB(s)
	case types.KindArray:
		return parseArray(s, t.ElemType(), loc)
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "no input function for type %s", t)
}

func parseBool(s string) (types.Datum, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if v != "" {
		switch {
		case strings.HasPrefix("true", v), strings.HasPrefix("yes", v), v == "on", v == "1":
			return true, nil
		case strings.HasPrefix("false", v), strings.HasPrefix("no", v), v == "of", v == "off", v == "0":
			return false, nil
		}
	}
	return nil, badSyntax("boolean", s)
}

func parseInt(s string, t types.Type) (types.Datum, error) {
	v := strings.TrimSpace(s)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "value \"%s\" is out of range for type %s", s, t)
		}
		return nil, badSyntax(t.String(), s)
	}
	if strings.HasPrefix(v, "+") && len(v) > 1 && (v[1] == '-' || v[1] == '+') {
		return nil, badSyntax(t.String(), s)
	}
	lo, hi := intBounds(t.Kind)
	if n < lo || n > hi {
		return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "value \"%s\" is out of range for type %s", s, t)
	}
	return n, nil
}

func parseFloat(s string, t types.Type) (types.Datum, error) {
	v := strings.TrimSpace(s)
	switch strings.ToLower(v) {
	case "nan", "-nan", "+nan":
		return math.NaN(), nil
	case "infinity", "+infinity", "inf", "+inf":
		return math.Inf(1), nil
	case "-infinity", "-inf":
		return math.Inf(-1), nil
	}
	bits := 64
	if t.Kind == types.KindFloat32 {
		bits = 32
	}
	if v == "" || strings.ContainsAny(v, "_xXpPiInN") {
		return nil, badSyntax(t.String(), s)
	}
	f, err := strconv.ParseFloat(v, bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "\"%s\" is out of range for type %s", v, t)
		}
		return nil, badSyntax(t.String(), s)
	}
	if f == 0 && nonzeroMantissa(v) {
		// Too small for the type: Postgres rejects it rather than
		// reading zero.
		return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "\"%s\" is out of range for type %s", v, t)
	}
	return f, nil
}

// nonzeroMantissa reports whether the number text v (digits, a point and
// an exponent) has a nonzero digit before its exponent.
func nonzeroMantissa(v string) bool {
	for _, c := range v {
		switch {
		case c == 'e' || c == 'E':
			return false
		case c >= '1' && c <= '9':
			return true
		}
	}
	return false
}

func parseNumeric(s string) (types.Datum, error) {
	v := strings.TrimSpace(s)
	switch strings.ToLower(v) {
	case "nan":
		return &apd.Decimal{Form: apd.NaN}, nil
	case "infinity", "+infinity", "inf", "+inf":
		return &apd.Decimal{Form: apd.Infinite}, nil
	case "-infinity", "-inf":
		return &apd.Decimal{Form: apd.Infinite, Negative: true}, nil
	}
	if v == "" || strings.ContainsAny(v, "_nNiIsS") {
		return nil, badSyntax("numeric", s)
	}
	d, _, err := apd.NewFromString(v)
	if err != nil {
		return nil, badSyntax("numeric", s)
	}
	if d.Exponent > 0 {
		_, _ = quantCtx.Quantize(d, d, 0)
	}
	return normalizeDec(d), nil
}

func parseBytea(s string) (types.Datum, error) {
	if strings.HasPrefix(s, `\x`) {
		h := s[2:]
		h = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, h)
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid hexadecimal data: odd number of digits")
		}
		return b, nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '\\' {
			out = append(out, '\\')
			i++
			continue
		}
		if i+3 < len(s) && s[i+1] >= '0' && s[i+1] <= '3' && isOct(s[i+2]) && isOct(s[i+3]) {
			out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
			continue
		}
		return nil, badSyntax("bytea", s)
	}
	return out, nil
}

func isOct(c byte) bool { return c >= '0' && c <= '7' }

// parseArray parses '{1,2,NULL}', '{"a b",c}', nested '{{1,2},{3,4}}'.
func parseArray(s string, elem types.Type, loc *time.Location) (types.Datum, error) {
	p := &arrayParser{s: s, elem: elem, loc: loc}
	p.skipSpace()
	if p.i < len(s) && s[p.i] == '[' { // dimension decoration [1:3]=
		if j := strings.IndexByte(s, '='); j > 0 {
			p.i = j + 1
			p.skipSpace()
		}
	}
	a, err := p.parse()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(s) {
		return nil, p.bad()
	}
	return a, nil
}

type arrayParser struct {
	s    string
	i    int
	elem types.Type
	loc  *time.Location
}

func (p *arrayParser) bad() error {
	return sqlerr.New(sqlerr.InvalidTextRepresentation, "malformed array literal: \"%s\"", p.s)
}

func (p *arrayParser) badDims() error {
	return sqlerr.New(sqlerr.InvalidTextRepresentation, "malformed array literal: \"%s\"", p.s).
		WithDetail("Multidimensional arrays must have sub-arrays with matching dimensions.")
}

// sameDims reports whether two (rectangular) array values have the same
// dimensions.
func sameDims(a, b types.Array) bool {
	da, db := types.ArrayDims(a), types.ArrayDims(b)
	if len(da) != len(db) {
		return false
	}
	for i := range da {
		if da[i] != db[i] {
			return false
		}
	}
	return true
}

func (p *arrayParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *arrayParser) parse() (types.Array, error) {
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		return nil, p.bad()
	}
	p.i++
	out := types.Array{}
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return out, nil
	}
	for {
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.bad()
		}
		switch c := p.s[p.i]; {
		case c == '{':
			// A sub-array of a multidimensional array: elements and
			// sub-arrays cannot be mixed at one level.
			if len(out) > 0 {
				if _, ok := out[0].(types.Array); !ok {
					return nil, p.badDims()
				}
			}
			sub, err := p.parse()
			if err != nil {
				return nil, err
			}
			if len(out) > 0 && !sameDims(out[0].(types.Array), sub) {
				return nil, p.badDims()
			}
			out = append(out, sub)
		case c == '"':
			p.i++
			var b strings.Builder
			for {
				if p.i >= len(p.s) {
					return nil, p.bad()
				}
				c := p.s[p.i]
				if c == '\\' && p.i+1 < len(p.s) {
					b.WriteByte(p.s[p.i+1])
					p.i += 2
					continue
				}
				p.i++
				if c == '"' {
					break
				}
				b.WriteByte(c)
			}
			if len(out) > 0 {
				if _, ok := out[0].(types.Array); ok {
					return nil, p.badDims()
				}
			}
			d, err := parseTextIn(b.String(), p.elem, p.loc)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		default:
			if len(out) > 0 {
				if _, ok := out[0].(types.Array); ok {
					return nil, p.badDims()
				}
			}
			var b strings.Builder
			for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != '}' {
				c := p.s[p.i]
				if c == '\\' && p.i+1 < len(p.s) {
					b.WriteByte(p.s[p.i+1])
					p.i += 2
					continue
				}
				if c == '{' || c == '"' {
					return nil, p.bad()
				}
				b.WriteByte(c)
				p.i++
			}
			tok := strings.TrimSpace(b.String())
			if tok == "" {
				return nil, p.bad()
			}
			if strings.EqualFold(tok, "null") {
				out = append(out, nil)
			} else {
				d, err := parseTextIn(tok, p.elem, p.loc)
				if err != nil {
					return nil, err
				}
				out = append(out, d)
			}
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.bad()
		}
		if p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.s[p.i] == '}' {
			p.i++
			return out, nil
		}
		return nil, p.bad()
	}
}
