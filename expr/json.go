package expr

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// jsonb values: parsed from and printed to Postgres's canonical jsonb text
// (object keys sorted by length then bytes, duplicate keys last-wins, one
// space after ':' and ',').

type jv struct {
	kind byte // 'n' null, 't' true, 'f' false, 's' string, 'd' number, 'a' array, 'o' object
	str  string
	arr  []*jv
	keys []string
	vals []*jv
}

func jsonErr(s string) error {
	return sqlerr.New(codeInvalidJSONText, "invalid input syntax for type json").WithDetail(fmt.Sprintf("Token \"%s\" is invalid.", s))
}

func parseJSONB(s string) (types.Datum, error) {
	v, err := parseJSON(s)
	if err != nil {
		return nil, err
	}
	return types.JSONB(v.text()), nil
}

func parseJSON(s string) (*jv, error) {
	p := &jsonParser{s: s}
	p.ws()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(s) {
		return nil, jsonErr(s[p.i:])
	}
	return v, nil
}

// mustJSON parses a stored (canonical) jsonb value.
func mustJSON(d types.JSONB) *jv {
	v, err := parseJSON(string(d))
	if err != nil {
		return &jv{kind: 'n'}
	}
	return v
}

type jsonParser struct {
	s string
	i int
}

func (p *jsonParser) ws() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *jsonParser) value() (*jv, error) {
	if p.i >= len(p.s) {
		return nil, sqlerr.New(codeInvalidJSONText, "invalid input syntax for type json").WithDetail("The input string ended unexpectedly.")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		o := &jv{kind: 'o'}
		m := map[string]*jv{}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return o, nil
		}
		for {
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return nil, jsonErr(p.rest())
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, jsonErr(p.rest())
			}
			p.i++
			p.ws()
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			m[k] = v
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				break
			}
			return nil, jsonErr(p.rest())
		}
		for k := range m {
			o.keys = append(o.keys, k)
		}
		sortKeys(o.keys)
		for _, k := range o.keys {
			o.vals = append(o.vals, m[k])
		}
		return o, nil
	case c == '[':
		p.i++
		a := &jv{kind: 'a', arr: []*jv{}}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return a, nil
		}
		for {
			p.ws()
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			a.arr = append(a.arr, v)
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == ']' {
				p.i++
				return a, nil
			}
			return nil, jsonErr(p.rest())
		}
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &jv{kind: 's', str: s}, nil
	case c == '-' || isDigit(c):
		st := p.i
		if c == '-' {
			p.i++
		}
		for p.i < len(p.s) && (isDigit(p.s[p.i]) || p.s[p.i] == '.' || p.s[p.i] == 'e' || p.s[p.i] == 'E' ||
			((p.s[p.i] == '+' || p.s[p.i] == '-') && (p.s[p.i-1] == 'e' || p.s[p.i-1] == 'E'))) {
			p.i++
		}
		num := p.s[st:p.i]
		d, _, err := apd.NewFromString(num)
		if err != nil || strings.HasPrefix(strings.TrimPrefix(num, "-"), ".") || strings.HasSuffix(num, ".") {
			return nil, jsonErr(num)
		}
		return &jv{kind: 'd', str: decText(d)}, nil
	default:
		for _, w := range []string{"true", "false", "null"} {
			if strings.HasPrefix(p.s[p.i:], w) {
				p.i += len(w)
				return &jv{kind: w[0]}, nil
			}
		}
		return nil, jsonErr(p.rest())
	}
}

func decText(d *apd.Decimal) string {
	if d.Exponent > 0 {
		_, _ = quantCtx.Quantize(d, d, 0)
	}
	return normalizeDec(d).Text('f')
}

func (p *jsonParser) rest() string {
	r := p.s[p.i:]
	if j := strings.IndexAny(r, " ,}]\n\t"); j > 0 {
		r = r[:j]
	}
	return r
}

func (p *jsonParser) str() (string, error) {
	p.i++ // opening quote
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", sqlerr.New(codeInvalidJSONText, "invalid input syntax for type json").WithDetail("The input string ended unexpectedly.")
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", jsonErr(p.rest())
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				if p.i+4 > len(p.s) {
					return "", jsonErr(p.rest())
				}
				r, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
				if err != nil {
					return "", jsonErr(p.rest())
				}
				p.i += 4
				if r == 0 {
					return "", sqlerr.New("22P05", "unsupported Unicode escape sequence").WithDetail("\\u0000 cannot be converted to text.")
				}
				if r >= 0xD800 && r < 0xDC00 && p.i+6 <= len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
					r2, err := strconv.ParseUint(p.s[p.i+2:p.i+6], 16, 32)
					if err == nil && r2 >= 0xDC00 && r2 < 0xE000 {
						p.i += 6
						r = (r-0xD800)<<10 + (r2 - 0xDC00) + 0x10000
					}
				}
				b.WriteRune(rune(r))
			default:
				return "", jsonErr(p.rest())
			}
		case c < 0x20:
			return "", jsonErr(p.rest())
		default:
			b.WriteByte(c)
			p.i++
		}
	}
}

func sortKeys(keys []string) {
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) < len(keys[j])
		}
		return keys[i] < keys[j]
	})
}

func (v *jv) text() string {
	var b strings.Builder
	v.write(&b)
	return b.String()
}

func (v *jv) write(b *strings.Builder) {
	switch v.kind {
	case 'n':
		b.WriteString("null")
	case 't':
		b.WriteString("true")
	case 'f':
		b.WriteString("false")
	case 'd':
		b.WriteString(v.str)
	case 's':
		writeJSONString(b, v.str)
	case 'a':
		b.WriteByte('[')
		for i, e := range v.arr {
			if i > 0 {
				b.WriteString(", ")
			}
			e.write(b)
		}
		b.WriteByte(']')
	case 'o':
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSONString(b, k)
			b.WriteString(": ")
			v.vals[i].write(b)
		}
		b.WriteByte('}')
	}
}

func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteString(s[i : i+size])
			}
		}
		i += size
	}
	b.WriteByte('"')
}

func (v *jv) get(key string) *jv {
	if v.kind != 'o' {
		return nil
	}
	i := sort.Search(len(v.keys), func(i int) bool {
		k := v.keys[i]
		if len(k) != len(key) {
			return len(k) > len(key)
		}
		return k >= key
	})
	if i < len(v.keys) && v.keys[i] == key {
		return v.vals[i]
	}
	return nil
}

func (v *jv) index(i int64) *jv {
	if v.kind != 'a' {
		return nil
	}
	if i < 0 {
		i += int64(len(v.arr))
	}
	if i < 0 || i >= int64(len(v.arr)) {
		return nil
	}
	return v.arr[i]
}

// asText is the ->> rendering: strings unquoted, JSON null as SQL NULL.
func (v *jv) asText() types.Datum {
	switch v.kind {
	case 'n':
		return nil
	case 's':
		return v.str
	}
	return v.text()
}

func (v *jv) typeName() string {
	switch v.kind {
	case 'n':
		return "null"
	case 't', 'f':
		return "boolean"
	case 's':
		return "string"
	case 'd':
		return "number"
	case 'a':
		return "array"
	}
	return "object"
}

// contains is jsonb @> (Postgres containment semantics).
func (v *jv) contains(w *jv) bool {
	if v.kind == 'a' && w.kind != 'a' && w.kind != 'o' {
		for _, e := range v.arr {
			if e.kind == w.kind && e.text() == w.text() {
				return true
			}
		}
		return false
	}
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case 'o':
		for i, k := range w.keys {
			x := v.get(k)
			if x == nil || !x.contains(w.vals[i]) {
				return false
			}
		}
		return true
	case 'a':
		for _, we := range w.arr {
			found := false
			for _, ve := range v.arr {
				if (ve.kind == 'a' || ve.kind == 'o') != (we.kind == 'a' || we.kind == 'o') {
					continue
				}
				if ve.contains(we) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	case 'd':
		a, _, _ := apd.NewFromString(v.str)
		b, _, _ := apd.NewFromString(w.str)
		return a.Cmp(b) == 0
	}
	return v.text() == w.text()
}

// datumToJSON converts a SQL value to jsonb (to_jsonb), timestamptz values
// in UTC.
func datumToJSON(d types.Datum, t types.Type) *jv { return datumToJSONIn(d, t, nil) }

// datumToJSONIn converts a SQL value to jsonb, timestamptz values in the
// session time zone loc (nil for UTC).
func datumToJSONIn(d types.Datum, t types.Type, loc *time.Location) *jv {
	switch x := d.(type) {
	case nil:
		return &jv{kind: 'n'}
	case bool:
		if x {
			return &jv{kind: 't'}
		}
		return &jv{kind: 'f'}
	case int64:
		return &jv{kind: 'd', str: strconv.FormatInt(x, 10)}
	case float64:
		s := types.FormatTextTyped(x, t)
		if s == "NaN" || strings.Contains(s, "Infinity") {
			return &jv{kind: 's', str: s}
		}
		dd, _, err := apd.NewFromString(s)
		if err != nil {
			return &jv{kind: 's', str: s}
		}
		return &jv{kind: 'd', str: decText(dd)}
	case *apd.Decimal:
		if x.Form != apd.Finite {
			return &jv{kind: 's', str: x.String()}
		}
		return &jv{kind: 'd', str: x.Text('f')}
	case types.JSONB:
		return mustJSON(x)
	case types.Array:
		a := &jv{kind: 'a', arr: []*jv{}}
		for _, e := range x {
			a.arr = append(a.arr, datumToJSONIn(e, t.ElemType(), loc))
		}
		return a
	case types.Timestamp:
		return &jv{kind: 's', str: strings.Replace(types.FormatText(x), " ", "T", 1)}
	case types.Timestamptz:
		return &jv{kind: 's', str: jsonTimestamptz(x, loc)}
	case types.Record:
		return recordToJSON(x, t, loc)
	}
	return &jv{kind: 's', str: types.FormatTextTyped(d, t)}
}

// jsonTimestamptz prints a timestamptz as Postgres's JSON does: ISO 8601 in
// loc, the offset always with minutes ("2023-06-01T00:00:00+00:00").
func jsonTimestamptz(x types.Timestamptz, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	lt := utcToLocal(x, loc)
	off := (int64(lt) - int64(x)) / types.MicrosPerSecond
	s := types.FormatText(lt)
	bc := strings.HasSuffix(s, " BC")
	s = strings.Replace(strings.TrimSuffix(s, " BC"), " ", "T", 1)
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	s += sign + pad2(off/3600) + ":" + pad2(off/60%60)
	if off%60 != 0 {
		s += ":" + pad2(off%60)
	}
	if bc {
		s += " BC"
	}
	return s
}

// formatTimestamptz prints a timestamptz the way Postgres does with the
// session time zone UTC ("+00").
func formatTimestamptz(x types.Timestamptz) string {
	s := types.FormatText(x)
	return strings.TrimSuffix(s, ":00")
}

// jsonObjectOf returns the jsonb object of the members of m, keys in
// jsonb order.
func jsonObjectOf(m map[string]*jv) *jv {
	o := &jv{kind: 'o'}
	for k := range m {
		o.keys = append(o.keys, k)
	}
	sortKeys(o.keys)
	for _, k := range o.keys {
		o.vals = append(o.vals, m[k])
	}
	return o
}

func jsonArg(d types.Datum) *jv { return mustJSON(d.(types.JSONB)) }

func jsonbOut(v *jv) types.Datum {
	if v == nil {
		return nil
	}
	return types.JSONB(v.text())
}

// jsonCast converts a jsonb scalar to a SQL type, as Postgres's jsonb casts.
func jsonCast(d types.JSONB, to types.Type) (types.Datum, error) {
	v := mustJSON(d)
	want := "number"
	switch {
	case to.Kind == types.KindBool:
		want = "boolean"
		if v.kind == 't' || v.kind == 'f' {
			return v.kind == 't', nil
		}
	case to.IsNumeric():
		if v.kind == 'd' {
			if to.IsInteger() {
				// Through numeric, which rounds half away from zero.
				n, err := ParseText(v.str, types.Numeric)
				if err != nil {
					return nil, err
				}
				return castDatum(nil, n, types.Numeric, to)
			}
			return ParseText(v.str, to)
		}
	case to.Kind == types.KindVarchar:
		return v.text(), nil
	default:
		return nil, sqlerr.New(sqlerr.CannotCoerce, "cannot cast type jsonb to %s", to)
	}
	if v.kind == 'n' && to.Kind != types.KindVarchar {
		return nil, nil
	}
	_ = want
	return nil, sqlerr.New(sqlerr.InvalidParameterValue, "cannot cast jsonb %s to type %s", v.typeName(), to)
}
