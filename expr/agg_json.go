package expr

import (
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// JSONBAgg returns jsonb_agg over vals (of type t), in order: a JSON array
// of to_jsonb of each value (SQL NULL becomes JSON null).
func JSONBAgg(vals []types.Datum, t types.Type) types.Datum {
	a := &jv{kind: 'a', arr: []*jv{}}
	for _, v := range vals {
		a.arr = append(a.arr, datumToJSON(v, t))
	}
	return jsonbOut(a)
}

// JSONBObjectAgg returns jsonb_object_agg over key/value pairs, in order
// (a repeated key keeps its last value). A NULL key is an error.
func JSONBObjectAgg(keys []types.Datum, keyT types.Type, vals []types.Datum, valT types.Type) (types.Datum, error) {
	m := map[string]*jv{}
	for i, k := range keys {
		if k == nil {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "field name must not be null")
		}
		m[toText(&Context{TimeZone: "UTC"}, k, keyT)] = datumToJSON(vals[i], valT)
	}
	return jsonbOut(jsonObjectOf(m)), nil
}
