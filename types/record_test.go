package types_test

import (
	"strconv"
	"sync"
	"testing"

	"github.com/eddysql/eddy/types"
)

// TestStructOfInterns: equal names and fields give equal (comparable)
// types; a different name, field name or field type gives another.
func TestStructOfInterns(t *testing.T) {
	fs := []types.Field{{Name: "a", Type: types.Int32}, {Name: "b", Type: types.ArrayOf(types.Varchar)}}
	x, y := types.StructOf("", fs), types.StructOf("", append([]types.Field(nil), fs...))
	if x != y {
		t.Fatalf("same fields, different types: %v %v", x, y)
	}
	for _, other := range []types.Type{
		types.StructOf("p", fs),
		types.StructOf("", []types.Field{{Name: "a", Type: types.Int64}, fs[1]}),
		types.StructOf("", []types.Field{{Name: "A", Type: types.Int32}, fs[1]}),
		types.StructOf("", fs[:1]),
	} {
		if other == x {
			t.Fatalf("%v and %v intern to one type", other, x)
		}
	}
	if got := x.String(); got != "struct<a integer, b character varying[]>" {
		t.Errorf("String() = %q", got)
	}
	if got := types.StructOf("", []types.Field{{Name: "A b", Type: types.Bool}}).String(); got != `struct<"A b" boolean>` {
		t.Errorf("String() = %q", got)
	}
	if got := types.StructOf("p", fs).String(); got != "p" {
		t.Errorf("named String() = %q", got)
	}
	arr := types.ArrayOf(x)
	if arr.ElemType() != x || arr.String() != x.String()+"[]" || arr.OID() != 2287 || x.OID() != 2249 {
		t.Errorf("array of struct: %v %v oid %d", arr.ElemType(), arr, arr.OID())
	}
}

// TestFormatRecord checks Postgres's record_out: NULL fields are empty,
// fields that are empty or hold quotes, backslashes, parentheses, commas
// or spaces are quoted with quotes and backslashes doubled, nested
// records and arrays are quoted as text, real fields print as float4.
func TestFormatRecord(t *testing.T) {
	inner := types.StructOf("", []types.Field{{Name: "x", Type: types.Int32}, {Name: "y", Type: types.Varchar}})
	st := types.StructOf("", []types.Field{
		{Name: "a", Type: types.Float32}, {Name: "b", Type: types.Varchar}, {Name: "c", Type: inner},
		{Name: "d", Type: types.ArrayOf(types.Int32)}, {Name: "e", Type: types.Varchar},
	})
	cases := []struct {
		r    types.Record
		want string
	}{
		{types.Record{0.1, "x", nil, nil, nil}, `(0.1,x,,,)`},
		{types.Record{nil, "", types.Record{int64(1), "a b"}, types.Array{int64(1), int64(2)}, `q"\`}, `(,"","(1,""a b"")","{1,2}","q""\\")`},
		{types.Record{nil, "(", types.Record{nil, nil}, types.Array{}, "NULL"}, `(,"(","(,)",{},NULL)`},
	}
	for _, c := range cases {
		if got := types.FormatTextTyped(c.r, st); got != c.want {
			t.Errorf("FormatTextTyped(%v) = %s, want %s", c.r, got, c.want)
		}
	}
	a := types.Array{types.Record{int64(1), "a"}, nil, types.Record{int64(2), "b,c"}}
	if got, want := types.FormatTextTyped(a, types.ArrayOf(inner)), `{"(1,a)",NULL,"(2,\"b,c\")"}`; got != want {
		t.Errorf("array of records: %s, want %s", got, want)
	}
}

// TestRecordChunkRoundTrip stores records (nested, with arrays and NULLs)
// in an Arrow chunk and reads them back.
func TestRecordChunkRoundTrip(t *testing.T) {
	inner := types.StructOf("", []types.Field{{Name: "x", Type: types.Int16}, {Name: "y", Type: types.ArrayOf(types.Float32)}})
	st := types.StructOf("", []types.Field{{Name: "a", Type: types.Varchar}, {Name: "b", Type: inner}})
	ts := []types.Type{st, types.ArrayOf(st)}
	rows := []types.Row{
		{types.Record{"a", types.Record{int64(3), types.Array{0.5, nil}}}, types.Array{types.Record{"b", nil}, nil}},
		{nil, nil},
		{types.Record{nil, nil}, types.Array{}},
	}
	c := types.NewInsertChunk(ts, rows)
	defer c.Release()
	for i, want := range rows {
		if got := c.Row(i); !types.RowsEqual(got, want) {
			t.Fatalf("row %d: got %v, want %v", i, got, want)
		}
	}
}

// TestRecordOIDNotAType: the record OIDs name no type by themselves (a
// parameter declared as record takes its fields from its context).
func TestRecordOIDNotAType(t *testing.T) {
	for _, oid := range []uint32{2249, 2287} {
		if typ, ok := types.TypeByOID(oid); ok {
			t.Errorf("TypeByOID(%d) = %v", oid, typ)
		}
	}
}

// TestStructOfConcurrent interns types from many goroutines while others
// read fields: equal fields get one id, and reads never see a torn table.
func TestStructOfConcurrent(t *testing.T) {
	base := types.StructOf("", []types.Field{{Name: "a", Type: types.Int32}})
	var wg sync.WaitGroup
	ids := make([]types.Type, 8)
	for g := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				types.StructOf("", []types.Field{{Name: "f" + strconv.Itoa(g*100+i), Type: base}})
				if len(base.Fields()) != 1 {
					t.Error("fields of an interned type changed")
					return
				}
			}
			ids[g] = types.StructOf("", []types.Field{{Name: "shared", Type: base}})
		}()
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("one type interned twice: %v %v", id, ids[0])
		}
	}
}
