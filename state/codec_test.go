package state_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// gen draws test values from a byte string (fuzzing) or a PRNG.
type gen struct {
	data []byte
	rnd  *rand.Rand
}

func (g *gen) u64() uint64 {
	if g.rnd != nil {
		return g.rnd.Uint64()
	}
	var b [8]byte
	n := copy(b[:], g.data)
	g.data = g.data[n:]
	return binary.LittleEndian.Uint64(b[:])
}

func (g *gen) intn(n int) int { return int(g.u64() % uint64(n)) }

// interesting biases numbers toward edge cases.
func (g *gen) int64() int64 {
	switch g.intn(6) {
	case 0:
		return []int64{0, 1, -1, math.MaxInt64, math.MinInt64, 255, 256, -256}[g.intn(8)]
	case 1, 2:
		return int64(g.intn(21)) - 10
	}
	return int64(g.u64())
}

var keyKinds = []types.Kind{
	types.KindBool, types.KindInt16, types.KindInt32, types.KindInt64, types.KindFloat32,
	types.KindFloat64, types.KindNumeric, types.KindVarchar, types.KindBytea, types.KindDate,
	types.KindTime, types.KindTimestamp, types.KindTimestamptz, types.KindInterval, types.KindJSONB,
}

func (g *gen) typ() types.Type { return g.typDepth(0) }

// typDepth draws a type; composite types (of up to three fields, nested
// at most twice, sometimes in arrays) appear at depth < 2.
func (g *gen) typDepth(depth int) types.Type {
	if depth < 2 && g.intn(8) == 0 {
		fs := make([]types.Field, 1+g.intn(3))
		for i := range fs {
			fs[i] = types.Field{Name: string(rune('a' + i)), Type: g.typDepth(depth + 1)}
		}
		st := types.StructOf("", fs)
		if g.intn(4) == 0 {
			return types.ArrayOf(st)
		}
		return st
	}
	if g.intn(8) == 0 {
		return types.ArrayOf(types.Type{Kind: keyKinds[g.intn(len(keyKinds))]})
	}
	return types.Type{Kind: keyKinds[g.intn(len(keyKinds))]}
}

func (g *gen) bytes() []byte {
	n := g.intn(6)
	b := make([]byte, n)
	for i := range b {
		b[i] = []byte{0, 1, 0xFF, 0xFE, 'a', 'b'}[g.intn(6)]
	}
	return b
}

func (g *gen) decimal() *apd.Decimal {
	d := new(apd.Decimal)
	switch g.intn(10) {
	case 0:
		d.Form = apd.Infinite
		d.Negative = g.intn(2) == 0
		return d
	case 1:
		d.Exponent = int32(g.intn(5)) - 2 // zeros with a scale
		return d
	case 2:
		d.Coeff.SetString("123456789012345678901234567890"[:1+g.intn(30)], 10)
	default:
		d.Coeff.SetUint64(uint64(g.intn(2000)) * []uint64{1, 10, 100, 7}[g.intn(4)])
	}
	d.Exponent = int32(g.intn(13)) - 6
	d.Negative = g.intn(2) == 0
	return d
}

func (g *gen) datum(t types.Type) types.Datum {
	if g.intn(6) == 0 {
		return nil
	}
	switch {
	case t.Kind == types.KindStruct:
		fs := t.Fields()
		r := make(types.Record, len(fs))
		for i, f := range fs {
			r[i] = g.datum(f.Type)
		}
		return r
	case t.Kind == types.KindArray && t.Elem == types.KindStruct:
		a := make(types.Array, g.intn(4))
		for i := range a {
			a[i] = g.datum(t.ElemType())
		}
		return a
	}
	return g.nonNull(t.Kind, t.Elem)
}

func (g *gen) nonNull(k, elem types.Kind) types.Datum {
	switch k {
	case types.KindBool:
		return g.intn(2) == 0
	case types.KindInt16, types.KindInt32, types.KindInt64:
		return g.int64()
	case types.KindFloat32, types.KindFloat64:
		var f float64
		switch g.intn(5) {
		case 0:
			f = []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 1, -1, math.SmallestNonzeroFloat64}[g.intn(8)]
		case 1:
			f = float64(g.intn(7)) - 3
		default:
			f = math.Float64frombits(g.u64())
			if f != f {
				f = math.NaN()
			}
		}
		if k == types.KindFloat32 {
			f = float64(float32(f))
		}
		return f
	case types.KindNumeric:
		return g.decimal()
	case types.KindVarchar:
		return string(g.bytes())
	case types.KindJSONB:
		return types.JSONB(g.bytes())
	case types.KindBytea:
		return g.bytes()
	case types.KindDate:
		return types.Date(int32(g.int64()))
	case types.KindTime:
		return types.Time(g.int64())
	case types.KindTimestamp:
		return types.Timestamp(g.int64())
	case types.KindTimestamptz:
		return types.Timestamptz(g.int64())
	case types.KindInterval:
		// Bounded so that types.Interval.Duration does not overflow.
		return types.Interval{
			Months: int32(g.intn(2_000_001) - 1_000_000),
			Days:   int32(g.intn(2_000_001) - 1_000_000),
			Micros: int64(g.u64()%(1<<51)) - 1<<50,
		}
	case types.KindArray:
		a := make(types.Array, g.intn(4))
		for i := range a {
			if g.intn(5) != 0 {
				a[i] = g.nonNull(elem, types.KindUnknown)
			}
		}
		return a
	}
	panic("kind")
}

// orderable reports whether types.Compare gives a meaningful order for d
// (apd's Cmp does not order NaN).
func orderable(d types.Datum) bool {
	switch v := d.(type) {
	case *apd.Decimal:
		return v.Form != apd.NaN && v.Form != apd.NaNSignaling
	case types.Array:
		for _, e := range v {
			if !orderable(e) {
				return false
			}
		}
	case types.Record:
		for _, e := range v {
			if !orderable(e) {
				return false
			}
		}
	case types.Row:
		for _, e := range v {
			if !orderable(e) {
				return false
			}
		}
	}
	return true
}

func compareDesc(a, b types.Row, desc []bool) int {
	for i := range a {
		c := types.Compare(a[i], b[i])
		if desc[i] {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func sign(x int) int {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}

// sameDatum reports exact equality: same numeric scale, same interval
// fields, same float bits (any NaN matches any NaN).
func sameDatum(a, b types.Datum) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case *apd.Decimal:
		y, ok := b.(*apd.Decimal)
		return ok && x.Form == y.Form && x.Negative == y.Negative && x.Exponent == y.Exponent && x.Coeff.Cmp(&y.Coeff) == 0
	case float64:
		y, ok := b.(float64)
		return ok && (math.Float64bits(x) == math.Float64bits(y) || x != x && y != y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case types.Array:
		y, ok := b.(types.Array)
		return ok && sameRow(types.Row(x), types.Row(y))
	case types.Record:
		y, ok := b.(types.Record)
		return ok && sameRow(types.Row(x), types.Row(y))
	}
	return a == b
}

func sameRow(a, b types.Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameDatum(a[i], b[i]) {
			return false
		}
	}
	return true
}

// checkCodec checks round trips and order agreement for two rows of one
// random schema drawn from g.
func checkCodec(t *testing.T, g *gen) {
	n := 1 + g.intn(4)
	ts := make([]types.Type, n)
	desc := make([]bool, n)
	for i := range ts {
		ts[i] = g.typ()
		desc[i] = g.intn(3) == 0
	}
	a, b := make(types.Row, n), make(types.Row, n)
	for i := range ts {
		a[i] = g.datum(ts[i])
		if g.intn(3) == 0 {
			b[i] = a[i] // share prefixes often
		} else {
			b[i] = g.datum(ts[i])
		}
	}
	for _, r := range []types.Row{a, b} {
		k := state.EncodeKey(nil, r, ts, desc)
		got, err := state.DecodeKey(k, ts, desc)
		if err != nil {
			t.Fatalf("DecodeKey(%v %v): %v", r, ts, err)
		}
		if orderable(r) && !types.RowsEqual(got, r) {
			t.Fatalf("key round trip: %v → %v (types %v)", r, got, ts)
		}
		if k2 := state.EncodeKey(nil, got, ts, desc); !bytes.Equal(k, k2) {
			t.Fatalf("key re-encoding differs for %v", r)
		}
		// Prefix property.
		for p := 0; p <= n; p++ {
			if kp := state.EncodeKey(nil, r[:p], ts, desc); !bytes.HasPrefix(k, kp) {
				t.Fatalf("encoding of %d columns is not a prefix", p)
			}
		}
		v := state.EncodeValue(nil, r, ts)
		gv, err := state.DecodeValue(v, ts)
		if err != nil {
			t.Fatalf("DecodeValue(%v): %v", r, err)
		}
		if !sameRow(gv, r) {
			t.Fatalf("value round trip: %v → %v (types %v)", r, gv, ts)
		}
	}
	if !orderable(a) || !orderable(b) {
		return
	}
	ka := state.EncodeKey(nil, a, ts, desc)
	kb := state.EncodeKey(nil, b, ts, desc)
	want := sign(compareDesc(a, b, desc))
	if got := sign(bytes.Compare(ka, kb)); got != want {
		t.Fatalf("order: CompareRows(%v, %v) = %d, bytes.Compare = %d (types %v desc %v)\n%x\n%x", a, b, want, got, ts, desc, ka, kb)
	}
}

func FuzzKeyCodec(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x07\x00\x00\x00\x00\x00\x00\x00\x01"))
	for i := range 16 {
		b := make([]byte, 64)
		r := rand.New(rand.NewPCG(uint64(i), 1))
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkCodec(t, &gen{data: data})
	})
}

func TestKeyCodecProperty(t *testing.T) {
	g := &gen{rnd: rand.New(rand.NewPCG(42, 7))}
	n := 200_000
	if testing.Short() || raceEnabled {
		n = 20_000
	}
	for range n {
		checkCodec(t, g)
	}
}

// TestKeyCodecSort sorts many random single-type rows by encoding and by
// types.CompareRows and checks they agree.
func TestKeyCodecSort(t *testing.T) {
	g := &gen{rnd: rand.New(rand.NewPCG(1, 2))}
	for _, k := range keyKinds {
		ts := []types.Type{{Kind: k}, types.Int64}
		for _, desc := range [][]bool{nil, {true, false}} {
			var rows []types.Row
			for len(rows) < 300 {
				r := types.Row{g.datum(ts[0]), g.datum(ts[1])}
				if orderable(r) {
					rows = append(rows, r)
				}
			}
			for i := 1; i < len(rows); i++ {
				a, b := rows[i-1], rows[i]
				d := desc
				if d == nil {
					d = []bool{false, false}
				}
				want := sign(compareDesc(a, b, d))
				got := sign(bytes.Compare(state.EncodeKey(nil, a, ts, desc), state.EncodeKey(nil, b, ts, desc)))
				if want != got {
					t.Fatalf("%v: %v vs %v: want %d got %d", ts, a, b, want, got)
				}
			}
		}
	}
}

func TestKeyCodecCases(t *testing.T) {
	dec := func(s string) *apd.Decimal {
		d, _, err := apd.NewFromString(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	num := []types.Type{types.Numeric}
	// Equal values encode equal.
	for _, pair := range [][2]string{{"1.0", "1.00"}, {"1", "1.000"}, {"100", "1E2"}, {"0", "0.000"}, {"-0", "0"}, {"-2.50", "-2.5"}} {
		a := state.EncodeKey(nil, types.Row{dec(pair[0])}, num, nil)
		b := state.EncodeKey(nil, types.Row{dec(pair[1])}, num, nil)
		if !bytes.Equal(a, b) {
			t.Errorf("numeric %s and %s encode differently: %x %x", pair[0], pair[1], a, b)
		}
	}
	// Ordered values.
	ordered := []string{"-Infinity", "-1E+10", "-100", "-12.5", "-12.49", "-1", "-0.001", "0", "0.001", "0.1", "0.105", "0.15", "1", "1.5", "9.99", "10", "12345678901234567890.5", "1E+100", "Infinity", "NaN"}
	for i := 1; i < len(ordered); i++ {
		a := state.EncodeKey(nil, types.Row{dec(ordered[i-1])}, num, nil)
		b := state.EncodeKey(nil, types.Row{dec(ordered[i])}, num, nil)
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("numeric %s !< %s", ordered[i-1], ordered[i])
		}
	}
	// NULL last ascending, first descending.
	ints := []types.Type{types.Int64}
	n := state.EncodeKey(nil, types.Row{nil}, ints, nil)
	v := state.EncodeKey(nil, types.Row{int64(math.MaxInt64)}, ints, nil)
	if bytes.Compare(n, v) <= 0 {
		t.Error("NULL does not sort last ascending")
	}
	n = state.EncodeKey(nil, types.Row{nil}, ints, []bool{true})
	v = state.EncodeKey(nil, types.Row{int64(math.MaxInt64)}, ints, []bool{true})
	if bytes.Compare(n, v) >= 0 {
		t.Error("NULL does not sort first descending")
	}
	// Interval '1 mon' = '30 days' = '720 hours'.
	iv := []types.Type{types.IntervalT}
	a := state.EncodeKey(nil, types.Row{types.Interval{Months: 1}}, iv, nil)
	b := state.EncodeKey(nil, types.Row{types.Interval{Days: 30}}, iv, nil)
	c := state.EncodeKey(nil, types.Row{types.Interval{Micros: 720 * types.MicrosPerHour}}, iv, nil)
	if !bytes.Equal(a, b) || !bytes.Equal(b, c) {
		t.Error("equal intervals encode differently")
	}
	// Strings with zero bytes: "a" < "a\x00" < "a\x00b" < "a\x01" < "ab".
	strs := []string{"", "a", "a\x00", "a\x00\x00", "a\x00b", "a\x01", "ab", "b", "\xff"}
	for i := 1; i < len(strs); i++ {
		for _, d := range []bool{false, true} {
			x := state.EncodeKey(nil, types.Row{strs[i-1]}, []types.Type{types.Varchar}, []bool{d})
			y := state.EncodeKey(nil, types.Row{strs[i]}, []types.Type{types.Varchar}, []bool{d})
			if c := bytes.Compare(x, y); (c >= 0) != d {
				t.Errorf("%q vs %q desc=%v: %d", strs[i-1], strs[i], d, c)
			}
		}
	}
	// Corrupt input is an error, not a panic.
	for _, bad := range [][]byte{{}, {0x07}, {0x01}, {0x01, 0x00}, {0x01, 'a', 0x00, 0x05}} {
		if _, err := state.DecodeKey(bad, []types.Type{types.Varchar}, nil); err == nil {
			t.Errorf("DecodeKey(%x) succeeded", bad)
		}
	}
	if _, err := state.DecodeValue([]byte{0x00, 0x80}, []types.Type{types.Varchar}); err == nil {
		t.Error("DecodeValue of a truncated value succeeded")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte{0x01, 0x02}, uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, k uint8) {
		ts := []types.Type{{Kind: keyKinds[int(k)%len(keyKinds)]}, types.ArrayOf(types.Type{Kind: keyKinds[int(k/16)%len(keyKinds)]})}
		state.DecodeKey(b, ts, []bool{k&1 == 0})
		state.DecodeValue(b, ts)
	})
}

// TestRecordKeyOrder pins the order of composite keys to Postgres's
// btree record comparison: field by field, a NULL field after every
// value; and checks that a record stored through the chunk path (which
// only passes kinds) decodes the same.
func TestRecordKeyOrder(t *testing.T) {
	inner := types.StructOf("", []types.Field{{Name: "x", Type: types.Int32}, {Name: "y", Type: types.Float32}})
	st := types.StructOf("", []types.Field{{Name: "a", Type: types.Int32}, {Name: "b", Type: types.Varchar}, {Name: "c", Type: inner}})
	ts := []types.Type{st}
	sorted := []types.Datum{
		types.Record{int64(-1), "z", nil},
		types.Record{int64(1), "", types.Record{int64(1), 0.5}},
		types.Record{int64(1), "a", types.Record{int64(1), 0.5}},
		types.Record{int64(1), "a", types.Record{int64(1), nil}},
		types.Record{int64(1), "a", types.Record{nil, -1.0}},
		types.Record{int64(1), "a", nil},
		types.Record{int64(1), nil, types.Record{int64(0), 0.0}},
		types.Record{int64(2), "a", nil},
		types.Record{nil, "a", nil},
		types.Record{nil, nil, nil},
		nil,
	}
	for _, desc := range [][]bool{nil, {true}} {
		for i := 1; i < len(sorted); i++ {
			a := state.EncodeKey(nil, types.Row{sorted[i-1]}, ts, desc)
			b := state.EncodeKey(nil, types.Row{sorted[i]}, ts, desc)
			want := -1
			if desc != nil {
				want = 1
			}
			if got := sign(bytes.Compare(a, b)); got != want {
				t.Fatalf("desc=%v: key(%v) vs key(%v) = %d, want %d", desc, sorted[i-1], sorted[i], got, want)
			}
			if c := types.Compare(sorted[i-1], sorted[i]); c >= 0 {
				t.Fatalf("types.Compare(%v, %v) = %d, want < 0", sorted[i-1], sorted[i], c)
			}
		}
	}
	for _, d := range sorted {
		row := types.Row{d}
		got, err := state.DecodeKey(state.EncodeKey(nil, row, ts, nil), ts, nil)
		if err != nil || !sameRow(got, row) {
			t.Fatalf("key round trip of %v: %v, %v", d, got, err)
		}
		got, err = state.DecodeValue(state.EncodeValue(nil, row, ts), ts)
		if err != nil || !sameRow(got, row) {
			t.Fatalf("value round trip of %v: %v, %v", d, got, err)
		}
	}
}
