package state

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/types"
)

// TestRowWriterMatchesPut writes random rows through RowWriter into one
// table and through Put into a twin with the same layout, and compares the
// staged bytes (after the table prefix).
func TestRowWriterMatchesPut(t *testing.T) {
	s, err := Open(Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	layouts := []types.TableLayout{
		{Cols: []types.Type{types.Int64, types.Int64, types.Numeric, types.Int64, types.Bytea}, PK: []int{0}},
		{Cols: []types.Type{types.Varchar, types.Bool, types.Float64, types.Numeric}, PK: []int{0, 1}, Desc: []bool{false, true}},
		{Cols: []types.Type{types.Numeric, types.DateT, types.Int32}, PK: []int{0, 1}},
		{Cols: []types.Type{types.TimestampT, types.Float64}, PK: []int{0}, Desc: []bool{true}},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for li, l := range layouts {
		l.ID, l.Name = uint32(10+2*li), "w"
		a := s.Table(l)
		l2 := l
		l2.ID, l2.Name = uint32(11+2*li), "p"
		b := s.Table(l2)
		w, err := a.RowWriter()
		if err != nil {
			t.Fatal(err)
		}
		for range 300 {
			row := make(types.Row, len(l.Cols))
			for j, ct := range l.Cols {
				row[j] = randomDatum(rng, ct)
			}
			for j, ct := range l.Cols {
				d := row[j]
				switch {
				case d == nil:
					w.Null()
				case ct.Kind == types.KindInt64 || ct.Kind == types.KindInt32 || ct.Kind == types.KindDate || ct.Kind == types.KindTimestamp:
					v, _ := intOf(d)
					w.Int(v)
				case ct.Kind == types.KindFloat64:
					w.Float64(d.(float64))
				case ct.Kind == types.KindBytea:
					w.Bytes(d.([]byte))
				case ct.Kind == types.KindNumeric && rng.IntN(2) == 0:
					if x := d.(*apd.Decimal); x.Exponent == 0 {
						v, err := x.Int64()
						if err == nil {
							w.NumericInt(v)
							continue
						}
					}
					w.Datum(d)
				default:
					w.Datum(d)
				}
			}
			w.Put()
			b.Put(row)
		}
		ea, eb := a.td.staged.entries(), b.td.staged.entries()
		if len(ea) != len(eb) {
			t.Fatalf("layout %d: %d entries, want %d", li, len(ea), len(eb))
		}
		for i := range ea {
			if ea[i].key[4:] != eb[i].key[4:] || !bytes.Equal(ea[i].val, eb[i].val) {
				t.Fatalf("layout %d entry %d: RowWriter wrote %x/%x, Put %x/%x", li, i, ea[i].key, ea[i].val, eb[i].key, eb[i].val)
			}
		}
	}
	if _, err := s.Table(types.TableLayout{ID: 99, Name: "x", Cols: []types.Type{types.Int64, types.Int64}, PK: []int{1}}).RowWriter(); err == nil {
		t.Fatal("RowWriter accepted a primary key that is not the leading columns")
	}
}

func intOf(d types.Datum) (int64, bool) {
	switch x := d.(type) {
	case int64:
		return x, true
	case types.Date:
		return int64(x), true
	case types.Timestamp:
		return int64(x), true
	}
	return 0, false
}

func randomDatum(rng *rand.Rand, t types.Type) types.Datum {
	if rng.IntN(7) == 0 {
		return nil
	}
	switch t.Kind {
	case types.KindInt64, types.KindInt32:
		return int64(rng.IntN(2000) - 1000)
	case types.KindBool:
		return rng.IntN(2) == 0
	case types.KindFloat64:
		return rng.NormFloat64() * 1e3
	case types.KindNumeric:
		return apd.New(int64(rng.IntN(100000)-50000), -int32(rng.IntN(4)))
	case types.KindVarchar:
		return string(rune('a'+rng.IntN(26))) + "x\x00y"[:rng.IntN(4)]
	case types.KindBytea:
		return []byte{byte(rng.IntN(256)), 0, 1}
	case types.KindDate:
		return types.Date(rng.IntN(40000) - 20000)
	case types.KindTimestamp:
		return types.Timestamp(rng.Int64N(1 << 50))
	}
	panic(t.String())
}
