package format_test

import (
	"testing"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/types"
)

// TestJSONStructColumn: a JSON object fills a composite column by field
// name (exact, then case-insensitive), missing fields are NULL, unknown
// keys are skipped, nested objects and arrays of objects decode too; an
// array where an object belongs is a row error.
func TestJSONStructColumn(t *testing.T) {
	inner := types.StructOf("", []types.Field{{Name: "x", Type: types.Float32}})
	st := types.StructOf("", []types.Field{{Name: "a", Type: types.Int32}, {Name: "B", Type: types.Varchar}, {Name: "c", Type: types.ArrayOf(inner)}})
	schema := types.Schema{{Name: "id", Type: types.Int64}, {Name: "v", Type: st}}
	d, err := format.NewJSONDecoder(schema, format.JSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, errs := decodeAll(t, d, schema.Types(),
		`{"id": 1, "v": {"a": 5, "b": "x y", "skip": {"z": [1]}, "c": [{"x": 0.5}, null, {}]}}`,
		`{"id": 2, "v": {}}`,
		`{"id": 3, "v": null}`,
		`{"id": 4, "v": [1, 2]}`,
	)
	defer c.Release()
	got := chunkText(c)
	want := "+ 1 (5,\"x y\",\"{(0.5),NULL,()}\")\n+ 2 (,,)\n+ 3 NULL\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if len(errs) != 1 {
		t.Fatalf("errors %v, want one for the array", errs)
	}
}
