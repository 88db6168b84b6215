package state

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddysql/eddy/types"
)

// Writes straight from chunk columns: the bytes are those of Put and Delete
// with the row read by types.DatumAt, but plain columns (integers, floats,
// booleans, text) are encoded from the Arrow arrays without building the
// row.

// PutAt stages row i of c, whose columns are the layout's columns in layout
// order, like Put(c.Row(i)).
func (t *Table) PutAt(c *types.Chunk, i int) {
	t.tc.checkWritable()
	t.checkChunk(c)
	if t.tc.blocked {
		t.putBlocked(nil, c, i)
		return
	}
	td := t.td
	td.mu.Lock()
	kn := t.encodeChunkLocked(c, i)
	buf := td.scratch
	b := td.staged.alloc(len(buf))
	copy(b, buf)
	td.staged.set(entry{key: bytesToString(b[:kn]), val: b[kn:len(b):len(b)]})
	t.s.markLocked(td)
	td.mu.Unlock()
}

// DeleteAt stages the deletion of the row whose primary key is in columns
// pk (in key order) of row i of c, like Delete of those values.
func (t *Table) DeleteAt(c *types.Chunk, pk []int, i int) {
	t.tc.checkWritable()
	if len(pk) != len(t.tc.pkTypes) {
		panic(fmt.Sprintf("state: table %d (%s): key has %d columns, layout %d", t.tc.layout.ID, t.tc.layout.Name, len(pk), len(t.tc.pkTypes)))
	}
	if t.tc.blocked {
		key := make(types.Row, len(pk))
		for j, k := range pk {
			key[j] = c.Datum(k, i)
		}
		t.Delete(key)
		return
	}
	k := append(make([]byte, 0, 32), t.tc.prefix...)
	for j, col := range pk {
		k = appendKeyAt(k, c.Cols[col], c.Types[col], t.tc.pkTypes[j], i, j < len(t.tc.desc) && t.tc.desc[j])
	}
	td := t.td
	td.mu.Lock()
	td.staged.set(entry{key: bytesToString(k), del: true})
	t.s.markLocked(td)
	td.mu.Unlock()
}

// checkChunk panics when c does not have the layout's column count (a
// programming error).
func (t *Table) checkChunk(c *types.Chunk) {
	if len(c.Cols) != len(t.tc.layout.Cols) {
		panic(fmt.Sprintf("state: table %d (%s): chunk has %d columns, layout %d", t.tc.layout.ID, t.tc.layout.Name, len(c.Cols), len(t.tc.layout.Cols)))
	}
}

// encodeChunkLocked is encodeLocked for row i of c.
func (t *Table) encodeChunkLocked(c *types.Chunk, i int) int {
	td, done := t.td, false
	defer func() {
		if !done {
			td.mu.Unlock()
		}
	}()
	buf := t.tc.appendChunkKey(append(td.scratch[:0], t.tc.prefix...), c, i)
	kn := len(buf)
	td.scratch = t.tc.appendChunkValue(buf, c, i)
	done = true
	return kn
}

// appendChunkKey appends the key of row i of c, without the table prefix.
func (tc *tableCodec) appendChunkKey(buf []byte, c *types.Chunk, i int) []byte {
	for j, col := range tc.layout.PK {
		buf = appendKeyAt(buf, c.Cols[col], c.Types[col], tc.pkTypes[j], i, j < len(tc.desc) && tc.desc[j])
	}
	return buf
}

// appendChunkValue appends the value encoding of row i of c.
func (tc *tableCodec) appendChunkValue(buf []byte, c *types.Chunk, i int) []byte {
	start := len(buf)
	for range (len(tc.valTypes) + 7) / 8 {
		buf = append(buf, 0)
	}
	for j, col := range tc.valCols {
		a := c.Cols[col]
		if a.IsNull(i) {
			buf[start+j/8] |= 1 << (j % 8)
			continue
		}
		buf = appendValueAt(buf, a, c.Types[col], tc.valTypes[j], i)
	}
	return buf
}

// appendKeyAt is appendKeyColumn for row i of a, a chunk column of SQL
// type ct stored in a table column of type t.
func appendKeyAt(dst []byte, a arrow.Array, ct, t types.Type, i int, desc bool) []byte {
	start := len(dst)
	if a.IsNull(i) {
		dst = append(dst, keyNull)
	} else {
		dst = append(dst, keyNotNull)
		if v, ok := intAt(a, ct, t, i); ok {
			dst = binary.BigEndian.AppendUint64(dst, uint64(v)^(1<<63))
		} else if s, ok := a.(*array.String); ok && isText(ct) && (t.Kind == types.KindVarchar || t.Kind == types.KindUnknown) {
			dst = appendEscaped(dst, s.Value(i))
		} else {
			dst = appendKeyDatum(dst, types.DatumAt(a, ct, i), t.Kind, t.Elem)
		}
	}
	if desc {
		invert(dst[start:])
	}
	return dst
}

// appendValueAt is appendValueDatum for the non-NULL row i of a, a chunk
// column of SQL type ct stored in a table column of type t.
func appendValueAt(dst []byte, a arrow.Array, ct, t types.Type, i int) []byte {
	if v, ok := intAt(a, ct, t, i); ok {
		return binary.AppendVarint(dst, v)
	}
	switch x := a.(type) {
	case *array.String:
		if isText(ct) && (t.Kind == types.KindVarchar || t.Kind == types.KindUnknown || t.Kind == types.KindJSONB) {
			s := x.Value(i)
			dst = binary.AppendUvarint(dst, uint64(len(s)))
			return append(dst, s...)
		}
	case *array.Float64:
		if t.Kind == types.KindFloat64 && ct.Kind == types.KindFloat64 {
			return binary.LittleEndian.AppendUint64(dst, math.Float64bits(x.Value(i)))
		}
	case *array.Boolean:
		if t.Kind == types.KindBool && ct.Kind == types.KindBool {
			if x.Value(i) {
				return append(dst, 1)
			}
			return append(dst, 0)
		}
	}
	return appendValueDatum(dst, types.DatumAt(a, ct, i), t.Kind, t.Elem)
}

// isText reports whether a chunk column of type t holds its values as
// their text (a string array read as a string or JSONB datum, not numeric).
func isText(t types.Type) bool {
	return t.Kind == types.KindVarchar || t.Kind == types.KindUnknown || t.Kind == types.KindJSONB
}

// intAt returns row i of a when the chunk column (type ct) and the table
// column (type t) both have integer SQL types.
func intAt(a arrow.Array, ct, t types.Type, i int) (int64, bool) {
	if x, ok := a.(*array.Int64); ok && ct.Kind == types.KindInt64 && t.Kind == types.KindInt64 {
		return x.Value(i), true // the common case first
	}
	if !t.IsInteger() || !ct.IsInteger() {
		return 0, false
	}
	switch x := a.(type) {
	case *array.Int64:
		return x.Value(i), true
	case *array.Int32:
		return int64(x.Value(i)), true
	case *array.Int16:
		return int64(x.Value(i)), true
	}
	return 0, false
}
