package format

import (
	"encoding/hex"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/types"
)

// AppendJSONValue appends d, a datum of type t, as a JSON value: NULL →
// null, booleans, integers, floats and numerics → numbers (NaN and the
// infinities → strings), varchar → string, jsonb → its JSON, arrays → JSON
// arrays, and every other type (dates, times, timestamps, intervals, bytea)
// → a string in Postgres text output format.
func AppendJSONValue(dst []byte, d types.Datum, t types.Type) []byte {
	switch x := d.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		if x {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return AppendJSONString(dst, types.FormatFloat(x, 64))
		}
		bits := 64
		if t.Kind == types.KindFloat32 || (t.Kind == types.KindArray && t.Elem == types.KindFloat32) {
			bits = 32
		}
		return strconv.AppendFloat(dst, x, 'g', -1, bits)
	case *apd.Decimal:
		if x.Form != apd.Finite {
			return AppendJSONString(dst, x.String())
		}
		return append(dst, x.Text('f')...)
	case string:
		return AppendJSONString(dst, x)
	case types.JSONB:
		return append(dst, x...)
	case types.Array:
		dst = append(dst, '[')
		et := t.ElemType()
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONValue(dst, e, et)
		}
		return append(dst, ']')
	case []byte:
		dst = append(dst, `"\\x`...)
		dst = hex.AppendEncode(dst, x)
		return append(dst, '"')
	}
	return AppendJSONString(dst, types.FormatText(d))
}

// AppendJSONObject appends the columns cols of row as a JSON object keyed
// by the schema's column names.
func AppendJSONObject(dst []byte, row types.Row, schema types.Schema, cols []int) []byte {
	dst = append(dst, '{')
	for i, c := range cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, schema[c].Name)
		dst = append(dst, ':')
		dst = AppendJSONValue(dst, row[c], schema[c].Type)
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string literal.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
