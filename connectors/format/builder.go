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

// Builder accumulates rows into Arrow column builders and builds chunks.
type Builder struct {
	types []types.Type
	bs    []array.Builder
	ops   []types.Op
}

// NewBuilder returns a builder for chunks with the given column types.
func NewBuilder(ts []types.Type) *Builder {
	b := &Builder{types: ts, bs: make([]array.Builder, len(ts))}
	for i, t := range ts {
		b.bs[i] = array.NewBuilder(types.Allocator, types.ArrowType(t))
	}
	return b
}

// Len returns the number of rows appended since the last Build.
func (b *Builder) Len() int { return len(b.ops) }

// Types returns the column types.
func (b *Builder) Types() []types.Type { return b.types }

// Append copies row r into the builders.
func (b *Builder) Append(r *Row) {
	for i, bl := range b.bs {
		appendValue(bl, b.types[i], &r.vals[i])
	}
	b.ops = append(b.ops, r.Op)
}

// AppendDatums appends a row of datums.
func (b *Builder) AppendDatums(op types.Op, row types.Row) {
	for i, bl := range b.bs {
		types.AppendDatum(bl, b.types[i], row[i])
	}
	b.ops = append(b.ops, op)
}

// Build returns the chunk of the rows appended so far (nil when there are
// none) and resets the builder.
func (b *Builder) Build() *types.Chunk {
	if len(b.ops) == 0 {
		return nil
	}
	c := &types.Chunk{Types: b.types, Cols: make([]arrow.Array, len(b.bs)), Ops: b.ops}
	for i, bl := range b.bs {
		c.Cols[i] = bl.NewArray()
	}
	b.ops = make([]types.Op, 0, cap(c.Ops))
	for _, bl := range b.bs {
		bl.Reserve(cap(c.Ops))
	}
	return c
}

// Release frees the builders' buffers.
func (b *Builder) Release() {
	for _, bl := range b.bs {
		bl.Release()
	}
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
