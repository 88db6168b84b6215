// Package format decodes external record formats (JSON in the PLAIN, UPSERT
// and DEBEZIUM layouts, CSV) into chunks, and encodes rows as JSON for
// sinks.
//
// Decoding is schema-directed: a Decoder is built once for a schema and
// scans each record's bytes straight into a Row of typed slots, which a
// Builder appends to Arrow column builders. No record is ever decoded into
// map[string]any. A record that cannot be decoded leaves no partial row
// behind: the Decoder returns an error and the caller skips (and reports)
// the record.
package format

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/types"
)

type valKind uint8

const (
	vNull  valKind = iota
	vInt           // int64 payload: integers, dates (days), times and timestamps (µs)
	vFloat         // float64 payload
	vBool          // bool payload (i != 0)
	vStr           // string payload: varchar, numeric text, jsonb text
	vDatum         // any other datum (arrays, intervals, bytea)
)

// Value is one typed slot of a Row.
type value struct {
	k valKind
	i int64
	f float64
	s string
	d types.Datum
}

// Row is one decoded row: an op and one slot per schema column. Rows are
// owned by the Decoder that returned them and valid until its next Decode
// call; string slots may point into the decoded input, which must stay
// unchanged until the row is appended.
type Row struct {
	Op   types.Op
	vals []value
}

func newRow(n int) *Row { return &Row{vals: make([]value, n)} }

// NewRow returns a row of n NULL columns with op Insert, for generators
// that fill rows themselves.
func NewRow(n int) *Row { return newRow(n) }

// Reset makes every column NULL and the op Insert.
func (r *Row) Reset() { r.reset() }

func (r *Row) reset() {
	r.Op = types.Insert
	for i := range r.vals {
		r.vals[i] = value{}
	}
}

// Set stores a datum (of the column's type) in column col, for INCLUDE
// columns and generated values.
func (r *Row) Set(col int, d types.Datum) {
	if d == nil {
		r.vals[col] = value{}
		return
	}
	r.vals[col] = value{k: vDatum, d: d}
}

// SetInt stores an integer (or date, time, timestamp in their integer
// representation) in column col.
func (r *Row) SetInt(col int, v int64) { r.vals[col] = value{k: vInt, i: v} }

// SetString stores a string (varchar, or the canonical text of a numeric
// or jsonb) in column col.
func (r *Row) SetString(col int, s string) { r.vals[col] = value{k: vStr, s: s} }

// SetFloat stores a float in column col.
func (r *Row) SetFloat(col int, f float64) { r.vals[col] = value{k: vFloat, f: f} }

// SetBool stores a boolean in column col.
func (r *Row) SetBool(col int, b bool) {
	r.vals[col] = value{k: vBool}
	if b {
		r.vals[col].i = 1
	}
}

// IsNull reports whether column col is NULL.
func (r *Row) IsNull(col int) bool { return r.vals[col].k == vNull }

// Datum returns column col as a datum of type t (for tests and slow paths).
func (r *Row) Datum(col int, t types.Type) types.Datum {
	v := r.vals[col]
	switch v.k {
	case vNull:
		return nil
	case vInt:
		switch t.Kind {
		case types.KindDate:
			return types.Date(v.i)
		case types.KindTime:
			return types.Time(v.i)
		case types.KindTimestamp:
			return types.Timestamp(v.i)
		case types.KindTimestamptz:
			return types.Timestamptz(v.i)
		}
		return v.i
	case vFloat:
		return v.f
	case vBool:
		return v.i != 0
	case vStr:
		if t.Kind == types.KindJSONB {
			return types.JSONB(v.s)
		}
		if t.Kind == types.KindNumeric {
			d, _, err := apd.NewFromString(v.s)
			if err != nil {
				return nil
			}
			return d
		}
		return v.s
	}
	return v.d
}

// Builder accumulates rows and builds chunks. Columns of the common types
// (integers, floats, booleans, dates, times, timestamps, strings, bytea)
// are appended straight into plain Go slices that become the Arrow buffers
// of the built arrays, with no per-value dispatch through array.Builder;
// intervals and arrays go through Arrow builders.
type Builder struct {
	types []types.Type
	cols  []colBuf
	ops   []types.Op
}

// colKind is how a column is stored while it is built.
type colKind uint8

const (
	ckOther   colKind = iota // an Arrow builder (interval, array)
	ckInt64                  // int64, timestamp(tz), time
	ckInt32                  // int32, date
	ckInt16                  // int16
	ckFloat64                // double precision
	ckFloat32                // real
	ckBool                   // boolean (bit-packed values)
	ckBytes                  // varchar, numeric, jsonb (text); bytea (binary)
)

// colBuf is one column under construction.
type colBuf struct {
	kind  colKind
	typ   types.Type
	dt    arrow.DataType
	n     int    // rows
	nulls int    // NULL rows
	valid []byte // validity bitmap, one bit per row (meaningful when nulls > 0)
	i64   []int64
	i32   []int32
	i16   []int16
	f64   []float64
	f32   []float32
	bits  []byte  // boolean values, one bit per row
	offs  []int32 // ckBytes: n+1 offsets into data
	data  []byte
	other array.Builder
}

// NewBuilder returns a builder for chunks with the given column types.
func NewBuilder(ts []types.Type) *Builder {
	b := &Builder{types: ts, cols: make([]colBuf, len(ts))}
	for i, t := range ts {
		c := &b.cols[i]
		c.typ, c.dt = t, types.ArrowType(t)
		switch t.Kind {
		case types.KindInt64, types.KindTimestamp, types.KindTimestamptz, types.KindTime:
			c.kind = ckInt64
		case types.KindInt32, types.KindDate:
			c.kind = ckInt32
		case types.KindInt16:
			c.kind = ckInt16
		case types.KindFloat64:
			c.kind = ckFloat64
		case types.KindFloat32:
			c.kind = ckFloat32
		case types.KindBool:
			c.kind = ckBool
		case types.KindVarchar, types.KindNumeric, types.KindJSONB, types.KindUnknown, types.KindBytea:
			c.kind = ckBytes
			c.offs = append(c.offs, 0)
		default:
			c.other = array.NewBuilder(types.Allocator, c.dt)
		}
	}
	return b
}

// Len returns the number of rows appended since the last Build.
func (b *Builder) Len() int { return len(b.ops) }

// Types returns the column types.
func (b *Builder) Types() []types.Type { return b.types }

// Append copies row r into the builders. Only the non-NULL columns cost
// anything: NULLs are filled in when a later value or Build needs them.
func (b *Builder) Append(r *Row) {
	row := len(b.ops)
	for i := range r.vals {
		if r.vals[i].k != vNull {
			b.cols[i].appendAt(row, &r.vals[i])
		}
	}
	b.ops = append(b.ops, r.Op)
}

// AppendDatums appends a row of datums.
func (b *Builder) AppendDatums(op types.Op, row types.Row) {
	at := len(b.ops)
	for i := range b.cols {
		if row[i] == nil {
			continue
		}
		c := &b.cols[i]
		if c.kind == ckOther {
			c.fill(at)
			types.AppendDatum(c.other, c.typ, row[i])
			c.n++
			continue
		}
		var v value
		c.datumValue(row[i], &v)
		c.appendAt(at, &v)
	}
	b.ops = append(b.ops, op)
}

// Build returns the chunk of the rows appended so far (nil when there are
// none) and resets the builder.
func (b *Builder) Build() *types.Chunk {
	if len(b.ops) == 0 {
		return nil
	}
	c := &types.Chunk{Types: b.types, Cols: make([]arrow.Array, len(b.cols)), Ops: b.ops}
	for i := range b.cols {
		b.cols[i].fill(len(b.ops))
		c.Cols[i] = b.cols[i].build()
	}
	b.ops = make([]types.Op, 0, cap(c.Ops))
	return c
}

// Release frees the builders' buffers.
func (b *Builder) Release() {
	for i := range b.cols {
		if b.cols[i].other != nil {
			b.cols[i].other.Release()
		}
	}
}

// datumValue converts a datum of the column's type to a slot.
func (c *colBuf) datumValue(d types.Datum, v *value) {
	switch x := d.(type) {
	case nil:
		*v = value{}
	case string:
		*v = value{k: vStr, s: x}
	case types.JSONB:
		*v = value{k: vStr, s: string(x)}
	case *apd.Decimal:
		*v = value{k: vStr, s: x.String()}
	default:
		_ = datumSlot(d, c.typ, v)
	}
}

// fill appends NULLs until the column has rows rows.
func (c *colBuf) fill(rows int) {
	gap := rows - c.n
	if gap <= 0 {
		return
	}
	switch c.kind {
	case ckOther:
		c.other.AppendNulls(gap)
		c.n = rows
		return
	case ckInt64:
		c.i64 = append(c.i64, make([]int64, gap)...)
	case ckInt32:
		c.i32 = append(c.i32, make([]int32, gap)...)
	case ckInt16:
		c.i16 = append(c.i16, make([]int16, gap)...)
	case ckFloat64:
		c.f64 = append(c.f64, make([]float64, gap)...)
	case ckFloat32:
		c.f32 = append(c.f32, make([]float32, gap)...)
	case ckBool:
		if need := (rows+7)>>3 - len(c.bits); need > 0 {
			c.bits = append(c.bits, make([]byte, need)...)
		}
	case ckBytes:
		end := int32(len(c.data))
		for i := 0; i < gap; i++ {
			c.offs = append(c.offs, end)
		}
	}
	if need := (rows+7)>>3 - len(c.valid); need > 0 {
		c.valid = append(c.valid, make([]byte, need)...)
	}
	c.nulls += gap
	c.n = rows
}

// appendAt stores a value as row `row` (NULLs fill any rows before it).
func (c *colBuf) appendAt(row int, v *value) {
	c.fill(row)
	c.append(v)
}

// append adds one value (NULL or of the column's type) as the next row.
func (c *colBuf) append(v *value) {
	if c.kind == ckOther {
		appendValue(c.other, c.typ, v)
		c.n++
		return
	}
	if v.k == vNull {
		c.fill(c.n + 1)
		return
	}
	if v.k == vDatum {
		var w value
		c.datumValue(v.d, &w)
		if w.k != vDatum {
			c.append(&w)
			return
		}
	}
	if c.n&7 == 0 {
		c.valid = append(c.valid, 0)
		if c.kind == ckBool {
			c.bits = append(c.bits, 0)
		}
	}
	c.valid[c.n>>3] |= 1 << (c.n & 7)
	switch c.kind {
	case ckInt64:
		c.i64 = append(c.i64, v.i)
	case ckInt32:
		c.i32 = append(c.i32, int32(v.i))
	case ckInt16:
		c.i16 = append(c.i16, int16(v.i))
	case ckFloat64:
		c.f64 = append(c.f64, v.f)
	case ckFloat32:
		c.f32 = append(c.f32, float32(v.f))
	case ckBool:
		if v.i != 0 {
			c.bits[c.n>>3] |= 1 << (c.n & 7)
		}
	case ckBytes:
		switch v.k {
		case vStr:
			c.data = append(c.data, v.s...)
		case vDatum:
			bs, ok := v.d.([]byte)
			if !ok {
				panic(fmt.Sprintf("format: cannot append %T to a %s column", v.d, c.typ))
			}
			c.data = append(c.data, bs...)
		default:
			panic(fmt.Sprintf("format: cannot append slot kind %d to a %s column", v.k, c.typ))
		}
		c.offs = append(c.offs, int32(len(c.data)))
	}
	c.n++
}

// build turns the column into an Arrow array and starts a new one with
// room for as many rows (and bytes) as this one had.
func (c *colBuf) build() arrow.Array {
	if c.kind == ckOther {
		c.n = 0
		return c.other.NewArray()
	}
	n := c.n
	var valid *memory.Buffer
	if c.nulls > 0 {
		valid = memory.NewBufferBytes(c.valid)
	}
	var bufs []*memory.Buffer
	switch c.kind {
	case ckInt64:
		bufs = []*memory.Buffer{valid, memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(c.i64))}
		c.i64 = make([]int64, 0, cap(c.i64))
	case ckInt32:
		bufs = []*memory.Buffer{valid, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(c.i32))}
		c.i32 = make([]int32, 0, cap(c.i32))
	case ckInt16:
		bufs = []*memory.Buffer{valid, memory.NewBufferBytes(arrow.Int16Traits.CastToBytes(c.i16))}
		c.i16 = make([]int16, 0, cap(c.i16))
	case ckFloat64:
		bufs = []*memory.Buffer{valid, memory.NewBufferBytes(arrow.Float64Traits.CastToBytes(c.f64))}
		c.f64 = make([]float64, 0, cap(c.f64))
	case ckFloat32:
		bufs = []*memory.Buffer{valid, memory.NewBufferBytes(arrow.Float32Traits.CastToBytes(c.f32))}
		c.f32 = make([]float32, 0, cap(c.f32))
	case ckBool:
		bufs = []*memory.Buffer{valid, memory.NewBufferBytes(c.bits)}
		c.bits = make([]byte, 0, cap(c.bits))
	case ckBytes:
		bufs = []*memory.Buffer{valid, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(c.offs)), memory.NewBufferBytes(c.data)}
		c.offs = make([]int32, 1, cap(c.offs))
		c.data = make([]byte, 0, cap(c.data))
	}
	data := array.NewData(c.dt, n, bufs, nil, c.nulls, 0)
	a := array.MakeFromData(data)
	data.Release()
	if c.nulls > 0 {
		c.valid = make([]byte, 0, cap(c.valid))
	} else {
		c.valid = c.valid[:0]
	}
	c.n, c.nulls = 0, 0
	return a
}

func appendValue(bl array.Builder, t types.Type, v *value) {
	switch v.k {
	case vNull:
		bl.AppendNull()
		return
	case vDatum:
		types.AppendDatum(bl, t, v.d)
		return
	}
	switch x := bl.(type) {
	case *array.Int64Builder:
		x.Append(v.i)
	case *array.Int32Builder:
		x.Append(int32(v.i))
	case *array.Int16Builder:
		x.Append(int16(v.i))
	case *array.Float64Builder:
		x.Append(v.f)
	case *array.Float32Builder:
		x.Append(float32(v.f))
	case *array.BooleanBuilder:
		x.Append(v.i != 0)
	case *array.StringBuilder:
		x.Append(v.s)
	case *array.TimestampBuilder:
		x.Append(arrow.Timestamp(v.i))
	case *array.Date32Builder:
		x.Append(arrow.Date32(v.i))
	case *array.Time64Builder:
		x.Append(arrow.Time64(v.i))
	default:
		panic(fmt.Sprintf("format: cannot append slot kind %d to %T (%s)", v.k, bl, t))
	}
}
