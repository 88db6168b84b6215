package format_test

import (
	"testing"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/types"
)

// TestAppendJSONRecord: a composite value is a JSON object keyed by its
// field names, each field by its type (real as float4, nested records and
// arrays of records as objects and arrays).
func TestAppendJSONRecord(t *testing.T) {
	inner := types.StructOf("", []types.Field{{Name: "k", Type: types.Int32}})
	st := types.StructOf("", []types.Field{{Name: "a", Type: types.Float32}, {Name: "b b", Type: types.Varchar}, {Name: "c", Type: types.ArrayOf(inner)}})
	got := string(format.AppendJSONValue(nil, types.Record{float64(float32(0.1)), nil, types.Array{types.Record{int64(1)}, nil}}, st))
	if want := `{"a":0.1,"b b":null,"c":[{"k":1},null]}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
