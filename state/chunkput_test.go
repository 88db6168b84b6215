package state

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/types"
)

// TestPutAtMatchesPut writes the same random rows of every plain and
// composite column type with Put (rows) into one table and PutAt (chunk
// rows) into another of the same layout, deletes some with Delete and
// DeleteAt, and requires byte-identical staged keys and values.
func TestPutAtMatchesPut(t *testing.T) {
	cols := []types.Type{types.Int64, types.Int32, types.Int16, types.Varchar, types.Float64, types.Float32,
		types.Bool, types.Numeric, types.Bytea, types.DateT, types.TimestampT, types.TimestamptzT,
		types.IntervalT, types.JSONBT, types.ArrayOf(types.Int64)}
	rnd := rand.New(rand.NewPCG(1, 2))
	gen := func(ty types.Type) types.Datum {
		if rnd.IntN(6) == 0 {
			return nil
		}
		switch ty.Kind {
		case types.KindInt64:
			return rnd.Int64N(1<<40) - 1<<39
		case types.KindInt32:
			return int64(rnd.Int32N(1<<20) - 1<<19)
		case types.KindInt16:
			return int64(rnd.IntN(60000) - 30000)
		case types.KindVarchar:
			if rnd.IntN(8) == 0 { // long enough for a two-byte length
				return strings.Repeat("long", 30+rnd.IntN(10))
			}
			return fmt.Sprintf("s\x00%d", rnd.IntN(1000))
		case types.KindFloat64:
			return rnd.NormFloat64()
		case types.KindFloat32:
			return float64(float32(rnd.NormFloat64()))
		case types.KindBool:
			return rnd.IntN(2) == 0
		case types.KindNumeric:
			return apd.New(rnd.Int64N(1e12)-5e11, -rnd.Int32N(4))
		case types.KindBytea:
			return []byte{byte(rnd.IntN(256)), 0, 1}
		case types.KindDate:
			return types.Date(rnd.Int32N(20000))
		case types.KindTimestamp:
			return types.Timestamp(rnd.Int64N(1 << 50))
		case types.KindTimestamptz:
			return types.Timestamptz(rnd.Int64N(1 << 50))
		case types.KindInterval:
			return types.Interval{Months: rnd.Int32N(20), Days: rnd.Int32N(40), Micros: rnd.Int64N(1e10)}
		case types.KindJSONB:
			return types.JSONB(fmt.Sprintf(`{"a": %d}`, rnd.IntN(100)))
		case types.KindArray:
			return types.Array{rnd.Int64N(100), nil}
		}
		panic(ty)
	}
	narrow := []types.Type{types.Int64, types.Int64, types.Varchar}
	layouts := []struct {
		pk      []int
		desc    []bool
		blocked bool
		cols    []types.Type // nil: all of cols
	}{
		{pk: []int{0}, blocked: true},
		{pk: []int{0}, blocked: true, cols: narrow}, // rows short enough to go straight into the block
		{pk: []int{0}},
		{pk: []int{3, 1}, desc: []bool{true, false}},
		{pk: []int{2, 7, 4}, desc: []bool{false, true, true}},
		{pk: []int{6, 9, 10, 11, 12, 13, 8}},
	}
	for li, lay := range layouts {
		cols := cols
		if lay.cols != nil {
			cols = lay.cols
		}
		s, err := Open(Options{InMemory: true})
		if err != nil {
			t.Fatal(err)
		}
		la := types.TableLayout{ID: 10, Name: "rows", Cols: cols, PK: lay.pk, Desc: lay.desc, AppendBlocks: lay.blocked}
		lb := la
		lb.ID, lb.Name = 11, "chunk"
		ta, tb := s.Table(la), s.Table(lb)
		b := types.NewChunkBuilder(cols, 300)
		var rows []types.Row
		for k := range 300 {
			r := make(types.Row, len(cols))
			for j, ty := range cols {
				r[j] = gen(ty)
			}
			if lay.blocked && k%5 != 0 {
				r[0] = int64(k) * 10 // mostly in order: appends to the open block
			} else if lay.blocked && r[0] != nil {
				r[0] = int64(k)*10 - 25 // behind the last rows: rewrites a block
			}
			rows = append(rows, r)
			b.Append(types.Insert, r)
		}
		c := b.Build()
		b.Release()
		for i, r := range rows {
			ta.Put(r)
			tb.PutAt(c, i)
			if i%7 == 3 {
				ta.Delete(r.Project(lay.pk))
				tb.DeleteAt(c, lay.pk, i)
			}
		}
		c.Release()
		ta.StagedLen() // closes the open block of an append-block table
		tb.StagedLen()
		ea, eb := ta.td.staged.entries(), tb.td.staged.entries()
		if len(ea) != len(eb) || len(ea) == 0 {
			t.Fatalf("layout %d: %d entries by rows, %d by chunk", li, len(ea), len(eb))
		}
		for i := range ea {
			ka, kb := ea[i].key[tablePrefixSz:], eb[i].key[tablePrefixSz:]
			if ka != kb || string(ea[i].val) != string(eb[i].val) || ea[i].del != eb[i].del {
				t.Fatalf("layout %d, entry %d: rows give key %x val %x del %v, chunk gives key %x val %x del %v",
					li, i, ka, ea[i].val, ea[i].del, kb, eb[i].val, eb[i].del)
			}
		}
		s.Close()
	}
}

// TestPutAtConvertsLikePut stores chunk columns whose types differ from the
// table's (int32 into bigint, jsonb into varchar, bigint into double and
// numeric, smallint into integer) and requires the bytes of Put of the
// chunk's rows.
func TestPutAtConvertsLikePut(t *testing.T) {
	in := []types.Type{types.Int32, types.JSONBT, types.Int64, types.Int64, types.Int16}
	cols := []types.Type{types.Int64, types.Varchar, types.Float64, types.Numeric, types.Int32}
	s, err := Open(Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	la := types.TableLayout{ID: 10, Name: "rows", Cols: cols, PK: []int{1, 0}}
	lb := la
	lb.ID, lb.Name = 11, "chunk"
	ta, tb := s.Table(la), s.Table(lb)
	b := types.NewChunkBuilder(in, 100)
	for i := range 100 {
		r := types.Row{int64(i - 50), types.JSONB(fmt.Sprintf(`{"k": %d}`, i%7)), int64(i * 3), int64(-i), int64(i % 5)}
		if i%9 == 0 {
			r[2], r[4] = nil, nil
		}
		b.Append(types.Insert, r)
	}
	c := b.Build()
	b.Release()
	defer c.Release()
	for i := range c.NumRows() {
		ta.Put(c.Row(i))
		tb.PutAt(c, i)
	}
	ea, eb := ta.td.staged.entries(), tb.td.staged.entries()
	if len(ea) != 100 || len(eb) != 100 {
		t.Fatalf("%d entries by rows, %d by chunk, want 100", len(ea), len(eb))
	}
	for i := range ea {
		if ea[i].key[tablePrefixSz:] != eb[i].key[tablePrefixSz:] || string(ea[i].val) != string(eb[i].val) {
			t.Fatalf("entry %d: rows give key %x val %x, chunk gives key %x val %x",
				i, ea[i].key, ea[i].val, eb[i].key, eb[i].val)
		}
	}
}
