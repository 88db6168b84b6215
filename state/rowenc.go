package state

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/types"
)

// RowWriter stages rows of one table column by column from typed values,
// without building a types.Row: an operator that keeps its state unboxed
// (HashAgg's word accumulators) writes its rows with no allocation. The
// bytes are exactly those Put writes for the same row.
//
// Columns are written in layout order, one call per column, then Put. The
// table's primary key must be its leading columns in order (as operator
// result tables are); Table.RowWriter checks it.
type RowWriter struct {
	t   *Table
	key []byte
	val []byte
	col int // next column
	vi  int // next value column (index into valTypes)
	nk  int // key columns
	// comp[i]: key column i is also in the value (isComposite).
	comp []bool
}

// RowWriter returns a writer for t, or an error when t's layout is not one
// it can write (primary key not the leading columns, or append blocks).
func (t *Table) RowWriter() (*RowWriter, error) {
	l := t.tc.layout
	if t.tc.blocked || t.tc.extraVals > 0 {
		return nil, fmt.Errorf("state: table %d (%s): RowWriter on an append-block table or a shared view", l.ID, l.Name)
	}
	for i, c := range l.PK {
		if c != i {
			return nil, fmt.Errorf("state: table %d (%s): RowWriter needs the primary key to be the leading columns, got %v", l.ID, l.Name, l.PK)
		}
	}
	w := &RowWriter{t: t, nk: len(l.PK), comp: make([]bool, len(l.PK))}
	for i := range l.PK {
		w.comp[i] = isComposite(l.Cols[i])
	}
	w.reset()
	return w, nil
}

func (w *RowWriter) reset() {
	w.key = append(w.key[:0], w.t.tc.prefix...)
	w.val = w.val[:0]
	for range (len(w.t.tc.valTypes) + 7) / 8 {
		w.val = append(w.val, 0)
	}
	w.col, w.vi = 0, 0
}

// colType returns the type of the next column, and panics (a programming
// error) when the row already has all its columns.
func (w *RowWriter) colType() types.Type {
	cols := w.t.tc.layout.Cols
	if w.col >= len(cols) {
		panic(fmt.Sprintf("state: table %d (%s): RowWriter: more than %d columns", w.t.tc.layout.ID, w.t.tc.layout.Name, len(cols)))
	}
	return cols[w.col]
}

// inKey reports whether the next column is a key column, and whether it
// is (also) stored in the value.
func (w *RowWriter) inKey() (key, val bool) {
	if w.col < w.nk {
		return true, w.comp[w.col]
	}
	return false, true
}

func (w *RowWriter) desc() bool {
	d := w.t.tc.desc
	return w.col < len(d) && d[w.col]
}

// keyDone inverts the key bytes from start when the column is descending.
func (w *RowWriter) keyDone(start int) {
	if w.desc() {
		invert(w.key[start:])
	}
}

// Null writes a NULL.
func (w *RowWriter) Null() {
	w.colType()
	key, val := w.inKey()
	if key {
		start := len(w.key)
		w.key = append(w.key, keyNull)
		w.keyDone(start)
	}
	if val {
		w.val[w.vi/8] |= 1 << (w.vi % 8)
		w.vi++
	}
	w.col++
}

// Int writes an integer, date, time or timestamp column from its int64
// form (days for a date, microseconds otherwise).
func (w *RowWriter) Int(v int64) {
	t := w.colType()
	key, val := w.inKey()
	if key {
		start := len(w.key)
		w.key = append(w.key, keyNotNull)
		if t.Kind == types.KindDate {
			w.key = binary.BigEndian.AppendUint32(w.key, uint32(int32(v))^(1<<31))
		} else {
			w.key = binary.BigEndian.AppendUint64(w.key, uint64(v)^(1<<63))
		}
		w.keyDone(start)
	}
	if val {
		switch t.Kind {
		case types.KindInt16, types.KindInt32, types.KindInt64, types.KindDate,
			types.KindTime, types.KindTimestamp, types.KindTimestamptz:
		default:
			panic(fmt.Sprintf("state: RowWriter.Int on a %s column", t))
		}
		w.val = binary.AppendVarint(w.val, v)
		w.vi++
	}
	w.col++
}

// NumericInt writes a numeric column holding the integer v (scale 0).
func (w *RowWriter) NumericInt(v int64) {
	t := w.colType()
	key, _ := w.inKey()
	if key || t.Kind != types.KindNumeric {
		w.Datum(apd.New(v, 0))
		return
	}
	var h byte
	u := uint64(v)
	if v < 0 {
		h |= decNeg
		u = -u
	}
	w.val = append(w.val, h)
	w.val = binary.AppendVarint(w.val, 0)
	w.val = binary.AppendUvarint(w.val, u)
	w.vi++
	w.col++
}

// Float64 writes a double precision column.
func (w *RowWriter) Float64(f float64) {
	t := w.colType()
	key, val := w.inKey()
	if t.Kind != types.KindFloat64 || key {
		w.Datum(f)
		return
	}
	if val {
		w.val = binary.LittleEndian.AppendUint64(w.val, math.Float64bits(f))
		w.vi++
	}
	w.col++
}

// Bytes writes a bytea column.
func (w *RowWriter) Bytes(b []byte) {
	t := w.colType()
	key, _ := w.inKey()
	if t.Kind != types.KindBytea || key {
		w.Datum(b)
		return
	}
	w.val = binary.AppendUvarint(w.val, uint64(len(b)))
	w.val = append(w.val, b...)
	w.vi++
	w.col++
}

// Datum writes any column from its datum (nil is NULL).
func (w *RowWriter) Datum(d types.Datum) {
	if d == nil {
		w.Null()
		return
	}
	t := w.colType()
	key, val := w.inKey()
	if key {
		start := len(w.key)
		w.key = append(w.key, keyNotNull)
		w.key = appendKeyDatum(w.key, d, t.Kind, t.Elem)
		w.keyDone(start)
	}
	if val {
		w.val = appendValueDatum(w.val, d, t.Kind, t.Elem)
		w.vi++
	}
	w.col++
}

// Put stages the row written so far (which must have every column) like
// Table.Put, and starts the next row.
func (w *RowWriter) Put() {
	t := w.t
	if w.col != len(t.tc.layout.Cols) {
		panic(fmt.Sprintf("state: table %d (%s): RowWriter.Put after %d of %d columns", t.tc.layout.ID, t.tc.layout.Name, w.col, len(t.tc.layout.Cols)))
	}
	td := t.td
	td.mu.Lock()
	b := td.staged.alloc(len(w.key) + len(w.val))
	kn := copy(b, w.key)
	copy(b[kn:], w.val)
	td.staged.set(entry{key: bytesToString(b[:kn]), val: b[kn:len(b):len(b)]})
	t.s.markLocked(td)
	td.mu.Unlock()
	w.reset()
}
