package format

import (
	"encoding/hex"
	"math"
	"strconv"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/types"
)

// AppendJSONValue appends d, a datum of type t, as a JSON value: NULL →
// null, booleans, integers, floats and numerics → numbers (NaN and the
// infinities → strings), varchar → string, jsonb → its JSON, arrays → JSON
// arrays, composite values → JSON objects keyed by field name, and every
// other type (dates, times, timestamps, intervals, bytea)
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
	case types.Record:
		dst = append(dst, '{')
		for i, f := range t.Fields() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONString(dst, f.Name)
			dst = append(dst, ':')
			var v types.Datum
			if i < len(x) {
				v = x[i]
			}
			dst = AppendJSONValue(dst, v, f.Type)
		}
		return append(dst, '}')
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

// AppendJSONString appends s as a JSON string literal (see
// types.AppendJSONString).
func AppendJSONString(dst []byte, s string) []byte { return types.AppendJSONString(dst, s, false) }
