package types

import (
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/apd/v3"
)

// Op is the change a row of a chunk carries.
type Op uint8

// The four ops. An update travels as an adjacent UpdateDelete, UpdateInsert
// pair; operators that do not care treat them as Delete and Insert.
const (
	Insert Op = iota
	Delete
	UpdateDelete
	UpdateInsert
)

// String returns the op's text-form symbol: "+", "-", "U-" or "U+".
func (o Op) String() string {
	switch o {
	case Insert:
		return "+"
	case Delete:
		return "-"
	case UpdateDelete:
		return "U-"
	case UpdateInsert:
		return "U+"
	}
	return "?"
}

// IsInsert reports whether the op adds its row (Insert or UpdateInsert).
func (o Op) IsInsert() bool { return o == Insert || o == UpdateInsert }

// Weight returns +1 for inserts and -1 for deletes.
func (o Op) Weight() int64 {
	if o.IsInsert() {
		return 1
	}
	return -1
}

// Normalize maps UpdateInsert to Insert and UpdateDelete to Delete.
func (o Op) Normalize() Op {
	if o.IsInsert() {
		return Insert
	}
	return Delete
}

// Allocator is the Arrow allocator chunks use. Tests may replace it with a
// checked allocator.
var Allocator memory.Allocator = memory.DefaultAllocator

// Chunk is a batch of changes: one Arrow array per column and one Op per
// row. A chunk is immutable once built. Arrow arrays are reference counted:
// the receiver of a chunk owns it, and whoever keeps it past the call that
// delivered it must Retain it; Release frees it.
type Chunk struct {
	Types []Type
	Cols  []arrow.Array
	Ops   []Op
}

// NumRows returns the number of rows in the chunk.
func (c *Chunk) NumRows() int { return len(c.Ops) }

// Datum returns the value of column col at row i.
func (c *Chunk) Datum(col, i int) Datum { return DatumAt(c.Cols[col], c.Types[col], i) }

// Row returns row i as datums.
func (c *Chunk) Row(i int) Row {
	r := make(Row, len(c.Cols))
	for j := range c.Cols {
		r[j] = c.Datum(j, i)
	}
	return r
}

// Rows returns every row of the chunk, without ops.
func (c *Chunk) Rows() []Row {
	out := make([]Row, c.NumRows())
	for i := range out {
		out[i] = c.Row(i)
	}
	return out
}

// Retain increments the reference count of every column.
func (c *Chunk) Retain() {
	for _, a := range c.Cols {
		a.Retain()
	}
}

// Release decrements the reference count of every column.
func (c *Chunk) Release() {
	for _, a := range c.Cols {
		a.Release()
	}
}

// ArrowType returns the Arrow storage type of a SQL type. numeric and jsonb
// are stored as their canonical text.
func ArrowType(t Type) arrow.DataType {
	switch t.Kind {
	case KindBool:
		return arrow.FixedWidthTypes.Boolean
	case KindInt16:
		return arrow.PrimitiveTypes.Int16
	case KindInt32:
		return arrow.PrimitiveTypes.Int32
	case KindInt64:
		return arrow.PrimitiveTypes.Int64
	case KindFloat32:
		return arrow.PrimitiveTypes.Float32
	case KindFloat64:
		return arrow.PrimitiveTypes.Float64
	case KindNumeric, KindVarchar, KindJSONB, KindUnknown:
		return arrow.BinaryTypes.String
	case KindBytea:
		return arrow.BinaryTypes.Binary
	case KindDate:
		return arrow.FixedWidthTypes.Date32
	case KindTime:
		return arrow.FixedWidthTypes.Time64us
	case KindTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case KindTimestamptz:
		return arrow.FixedWidthTypes.Timestamp_us
	case KindInterval:
		return arrow.FixedWidthTypes.MonthDayNanoInterval
	case KindArray:
		// The elements in row-major order, and the dimensions of a
		// multidimensional value (NULL for a one-dimensional one).
		return arrow.StructOf(
			arrow.Field{Name: "dims", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true},
			arrow.Field{Name: "v", Type: arrow.ListOf(ArrowType(t.ElemType())), Nullable: true},
		)
	case KindStruct:
		// One child per field (named f0, f1, … so that renaming a field
		// never matters to storage).
		fs := t.Fields()
		af := make([]arrow.Field, len(fs))
		for i, f := range fs {
			af[i] = arrow.Field{Name: "f" + strconv.Itoa(i), Type: ArrowType(f.Type), Nullable: true}
		}
		return arrow.StructOf(af...)
	}
	panic(fmt.Sprintf("types.ArrowType: unknown kind %d", t.Kind))
}

// DatumAt reads row i of an Arrow array holding values of SQL type t.
func DatumAt(a arrow.Array, t Type, i int) Datum {
	if a.IsNull(i) {
		return nil
	}
	if t.Kind == KindStruct {
		x := a.(*array.Struct)
		fs := t.Fields()
		r := make(Record, len(fs))
		for j, f := range fs {
			r[j] = DatumAt(x.Field(j), f.Type, i)
		}
		return r
	}
	switch x := a.(type) {
	case *array.Boolean:
		return x.Value(i)
	case *array.Int16:
		return int64(x.Value(i))
	case *array.Int32:
		return int64(x.Value(i))
	case *array.Int64:
		return x.Value(i)
	case *array.Float32:
		return float64(x.Value(i))
	case *array.Float64:
		return x.Value(i)
	case *array.String:
		s := x.Value(i)
		switch t.Kind {
		case KindNumeric:
			if v, ok := smallInt(s); ok {
				return apd.New(v, 0)
			}
			d, _, err := apd.NewFromString(s)
			if err != nil {
				panic(fmt.Sprintf("types.DatumAt: bad stored numeric %q", s))
			}
			return d
		case KindJSONB:
			return JSONB(s)
		}
		return s
	case *array.Binary:
		return append([]byte(nil), x.Value(i)...)
	case *array.Date32:
		return Date(x.Value(i))
	case *array.Time64:
		return Time(x.Value(i))
	case *array.Timestamp:
		if t.Kind == KindTimestamptz {
			return Timestamptz(x.Value(i))
		}
		return Timestamp(x.Value(i))
	case *array.MonthDayNanoInterval:
		v := x.Value(i)
		return Interval{Months: v.Months, Days: v.Days, Micros: v.Nanoseconds / 1000}
	case *array.Struct:
		vals := x.Field(1).(*array.List)
		start, end := vals.ValueOffsets(i)
		elems := vals.ListValues()
		et := t.ElemType()
		flat := make(Array, 0, end-start)
		for j := start; j < end; j++ {
			flat = append(flat, DatumAt(elems, et, int(j)))
		}
		dl := x.Field(0).(*array.List)
		if dl.IsNull(i) {
			return flat
		}
		ds, de := dl.ValueOffsets(i)
		dv := dl.ListValues().(*array.Int32)
		dims := make([]int, 0, de-ds)
		for j := ds; j < de; j++ {
			dims = append(dims, int(dv.Value(int(j))))
		}
		return ReshapeArray(flat, dims)
	}
	panic(fmt.Sprintf("types.DatumAt: unsupported arrow array %T", a))
}

// smallInt parses s when it is a plain integer of at most 18 digits with an
// optional minus sign (no "-0", which is a negative zero in apd): the
// common stored numeric, parsed without the general decimal reader.
func smallInt(s string) (int64, bool) {
	neg := len(s) > 0 && s[0] == '-'
	d := s
	if neg {
		d = s[1:]
	}
	if len(d) == 0 || len(d) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		if v == 0 {
			return 0, false
		}
		v = -v
	}
	return v, true
}

// AppendDatum appends d to an Arrow builder created for SQL type t.
func AppendDatum(b array.Builder, t Type, d Datum) {
	if d == nil {
		b.AppendNull()
		return
	}
	if t.Kind == KindStruct {
		x := b.(*array.StructBuilder)
		x.Append(true)
		r := d.(Record)
		for j, f := range t.Fields() {
			var v Datum
			if j < len(r) {
				v = r[j]
			}
			AppendDatum(x.FieldBuilder(j), f.Type, v)
		}
		return
	}
	switch x := b.(type) {
	case *array.BooleanBuilder:
		x.Append(d.(bool))
	case *array.Int16Builder:
		x.Append(int16(d.(int64)))
	case *array.Int32Builder:
		x.Append(int32(d.(int64)))
	case *array.Int64Builder:
		x.Append(d.(int64))
	case *array.Float32Builder:
		x.Append(float32(d.(float64)))
	case *array.Float64Builder:
		x.Append(d.(float64))
	case *array.StringBuilder:
		switch v := d.(type) {
		case string:
			x.Append(v)
		case *apd.Decimal:
			var buf [32]byte // v.String() without the string
			x.BinaryBuilder.Append(v.Append(buf[:0], 'G'))
		case JSONB:
			x.Append(string(v))
		default:
			panic(fmt.Sprintf("types.AppendDatum: %T into %s", d, t))
		}
	case *array.BinaryBuilder:
		x.Append(d.([]byte))
	case *array.Date32Builder:
		x.Append(arrow.Date32(d.(Date)))
	case *array.Time64Builder:
		x.Append(arrow.Time64(d.(Time)))
	case *array.TimestampBuilder:
		switch v := d.(type) {
		case Timestamp:
			x.Append(arrow.Timestamp(v))
		case Timestamptz:
			x.Append(arrow.Timestamp(v))
		}
	case *array.MonthDayNanoIntervalBuilder:
		v := d.(Interval)
		x.Append(arrow.MonthDayNanoInterval{Months: v.Months, Days: v.Days, Nanoseconds: v.Micros * 1000})
	case *array.StructBuilder:
		x.Append(true)
		db := x.FieldBuilder(0).(*array.ListBuilder)
		lb := x.FieldBuilder(1).(*array.ListBuilder)
		dims, flat := FlattenArray(d.(Array))
		if len(dims) > 1 {
			db.Append(true)
			ib := db.ValueBuilder().(*array.Int32Builder)
			for _, n := range dims {
				ib.Append(int32(n))
			}
		} else {
			db.AppendNull()
		}
		lb.Append(true)
		vb := lb.ValueBuilder()
		et := t.ElemType()
		for _, e := range flat {
			AppendDatum(vb, et, e)
		}
	default:
		panic(fmt.Sprintf("types.AppendDatum: unsupported builder %T", b))
	}
}

// ChunkBuilder builds a chunk row by row.
type ChunkBuilder struct {
	types    []Type
	builders []array.Builder
	ops      []Op
}

// NewChunkBuilder returns a builder for chunks with the given column types.
func NewChunkBuilder(ts []Type, capacity int) *ChunkBuilder {
	b := &ChunkBuilder{types: ts, builders: make([]array.Builder, len(ts)), ops: make([]Op, 0, capacity)}
	for i, t := range ts {
		b.builders[i] = array.NewBuilder(Allocator, ArrowType(t))
		if capacity > 0 {
			b.builders[i].Reserve(capacity)
		}
	}
	return b
}

// Types returns the builder's column types.
func (b *ChunkBuilder) Types() []Type { return b.types }

// Append adds one row with its op.
func (b *ChunkBuilder) Append(op Op, r Row) {
	for i, bl := range b.builders {
		AppendDatum(bl, b.types[i], r[i])
	}
	b.ops = append(b.ops, op)
}

// Col returns column i's Arrow builder, for appending typed values
// directly; each row then needs one value in every column and one
// AppendOp.
func (b *ChunkBuilder) Col(i int) array.Builder { return b.builders[i] }

// AppendOp ends a row whose values were appended through Col.
func (b *ChunkBuilder) AppendOp(op Op) { b.ops = append(b.ops, op) }

// Len returns the number of rows appended since the last Build.
func (b *ChunkBuilder) Len() int { return len(b.ops) }

// Build returns the chunk of the rows appended so far and resets the
// builder for reuse.
func (b *ChunkBuilder) Build() *Chunk {
	c := &Chunk{Types: b.types, Cols: make([]arrow.Array, len(b.builders)), Ops: b.ops}
	for i, bl := range b.builders {
		c.Cols[i] = bl.NewArray()
	}
	b.ops = nil
	return c
}

// Release frees the builder's buffers.
func (b *ChunkBuilder) Release() {
	for _, bl := range b.builders {
		bl.Release()
	}
}

// NewChunk builds a chunk from ops and rows.
func NewChunk(ts []Type, ops []Op, rows []Row) *Chunk {
	b := NewChunkBuilder(ts, len(rows))
	defer b.Release()
	for i, r := range rows {
		b.Append(ops[i], r)
	}
	return b.Build()
}

// NewInsertChunk builds a chunk that inserts every row.
func NewInsertChunk(ts []Type, rows []Row) *Chunk {
	ops := make([]Op, len(rows))
	return NewChunk(ts, ops, rows)
}
