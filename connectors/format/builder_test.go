package format_test

import (
	"math/rand"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/types"
)

var builderTypes = []types.Type{
	types.Bool, types.Int16, types.Int32, types.Int64, types.Float32, types.Float64, types.Numeric, types.Varchar,
	types.Bytea, types.DateT, types.TimeT, types.TimestampT, types.TimestamptzT, types.IntervalT, types.JSONBT,
	types.ArrayOf(types.Int64),
}

// randomDatum returns a value of type t, NULL one time in four.
func randomDatum(r *rand.Rand, t types.Type) types.Datum {
	if r.Intn(4) == 0 {
		return nil
	}
	switch t.Kind {
	case types.KindBool:
		return r.Intn(2) == 0
	case types.KindInt16:
		return int64(r.Intn(1<<16) - 1<<15)
	case types.KindInt32:
		return int64(r.Int31()) - 1<<30
	case types.KindInt64:
		return r.Int63() - 1<<62
	case types.KindFloat32:
		return float64(float32(r.NormFloat64()))
	case types.KindFloat64:
		return r.NormFloat64()
	case types.KindNumeric:
		d, _, _ := apd.NewFromString(strconv.Itoa(r.Intn(100000)) + "." + strconv.Itoa(r.Intn(100)))
		return d
	case types.KindVarchar:
		return string(make([]byte, r.Intn(20))) + "s" + strconv.Itoa(r.Int())
	case types.KindBytea:
		b := make([]byte, r.Intn(8))
		r.Read(b)
		return b
	case types.KindDate:
		return types.Date(r.Intn(40000) - 20000)
	case types.KindTime:
		return types.Time(r.Int63n(86400_000_000))
	case types.KindTimestamp:
		return types.Timestamp(r.Int63n(1 << 52))
	case types.KindTimestamptz:
		return types.Timestamptz(r.Int63n(1 << 52))
	case types.KindInterval:
		return types.Interval{Months: int32(r.Intn(30)), Days: int32(r.Intn(30)), Micros: r.Int63n(1 << 40)}
	case types.KindJSONB:
		return types.JSONB(`{"a": ` + strconv.Itoa(r.Intn(100)) + `}`)
	case types.KindArray:
		return types.Array{int64(r.Intn(9)), nil, int64(r.Intn(9))}
	}
	panic("no generator for " + t.String())
}

// setDatum stores d in a Row the way decoders and generators do: typed
// setters where there is one, Set otherwise.
func setDatum(row *format.Row, col int, d types.Datum) {
	switch x := d.(type) {
	case int64:
		row.SetInt(col, x)
	case float64:
		row.SetFloat(col, x)
	case bool:
		row.SetBool(col, x)
	case string:
		row.SetString(col, x)
	case types.Timestamp:
		row.SetInt(col, int64(x))
	default:
		row.Set(col, d)
	}
}

// TestBuilderMatchesChunkBuilder builds random rows of every column type,
// over several chunks (the builder is reused after each Build), and checks
// every value, NULL and op against types.ChunkBuilder fed the same datums.
func TestBuilderMatchesChunkBuilder(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	b := format.NewBuilder(builderTypes)
	defer b.Release()
	row := format.NewRow(len(builderTypes))
	for round, n := range []int{1, 7, 8, 9, 100, 1025, 3} {
		want := types.NewChunkBuilder(builderTypes, 0)
		ops := []types.Op{types.Insert, types.Delete, types.UpdateDelete, types.UpdateInsert}
		for i := 0; i < n; i++ {
			op := ops[r.Intn(len(ops))]
			ds := make(types.Row, len(builderTypes))
			for c, ty := range builderTypes {
				ds[c] = randomDatum(r, ty)
				if c%3 == 0 && r.Intn(10) > 0 { // long runs of NULLs
					ds[c] = nil
				}
			}
			want.Append(op, ds)
			if i%2 == 0 {
				b.AppendDatums(op, ds)
				continue
			}
			row.Reset()
			row.Op = op
			for c, d := range ds {
				setDatum(row, c, d)
			}
			b.Append(row)
		}
		if b.Len() != n {
			t.Fatalf("round %d: Len = %d, want %d", round, b.Len(), n)
		}
		got, exp := b.Build(), want.Build()
		if got.NumRows() != n || exp.NumRows() != n {
			t.Fatalf("round %d: rows %d/%d, want %d", round, got.NumRows(), exp.NumRows(), n)
		}
		for c := range builderTypes {
			if got.Cols[c].Len() != n || got.Cols[c].NullN() != exp.Cols[c].NullN() {
				t.Fatalf("round %d column %s: len %d nulls %d, want %d nulls %d", round, builderTypes[c],
					got.Cols[c].Len(), got.Cols[c].NullN(), n, exp.Cols[c].NullN())
			}
			if !arrow.TypeEqual(got.Cols[c].DataType(), exp.Cols[c].DataType()) {
				t.Fatalf("column %d: arrow type %s, want %s", c, got.Cols[c].DataType(), exp.Cols[c].DataType())
			}
			for i := 0; i < n; i++ {
				g, w := got.Datum(c, i), exp.Datum(c, i)
				if (g == nil) != (w == nil) || (g != nil && types.FormatText(g) != types.FormatText(w)) {
					t.Fatalf("round %d row %d column %s: got %v, want %v", round, i, builderTypes[c], g, w)
				}
			}
		}
		for i := range got.Ops {
			if got.Ops[i] != exp.Ops[i] {
				t.Fatalf("round %d row %d: op %v, want %v", round, i, got.Ops[i], exp.Ops[i])
			}
		}
		got.Release()
		exp.Release()
	}
	if c := b.Build(); c != nil {
		t.Fatalf("Build of an empty builder returned %d rows", c.NumRows())
	}
}
