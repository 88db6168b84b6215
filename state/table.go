package state

import (
	"fmt"
	"slices"
	"unsafe"

	"github.com/eddysql/eddy/types"
)

// tableCodec turns rows of one layout into keys and values and back.
type tableCodec struct {
	layout   types.TableLayout
	prefix   []byte // table id, 4 bytes big-endian
	pkTypes  []types.Type
	desc     []bool
	valCols  []int // composite PK columns, then non-PK columns
	valTypes []types.Type
	blocked  bool // AppendBlocks: values are blocks of rows (blocks.go)
	// extraVals: a shared view (TableLayout.StoredCols) reads values that
	// hold this many more columns after its own; it never writes.
	extraVals int
}

func newTableCodec(l types.TableLayout) *tableCodec {
	tc := &tableCodec{layout: l, prefix: tablePrefix(nil, l.ID), desc: l.Desc, blocked: l.AppendBlocks}
	if l.SharedView() {
		tc.extraVals = l.StoredCols - len(l.Cols)
	}
	inPK := make([]bool, len(l.Cols))
	for _, c := range l.PK {
		if c < 0 || c >= len(l.Cols) {
			panic(fmt.Sprintf("state: table %d (%s): PK column %d out of range", l.ID, l.Name, c))
		}
		inPK[c] = true
		tc.pkTypes = append(tc.pkTypes, l.Cols[c])
		if isComposite(l.Cols[c]) {
			tc.valCols = append(tc.valCols, c)
			tc.valTypes = append(tc.valTypes, l.Cols[c])
		}
	}
	for c, t := range l.Cols {
		if !inPK[c] {
			tc.valCols = append(tc.valCols, c)
			tc.valTypes = append(tc.valTypes, t)
		}
	}
	return tc
}

func (tc *tableCodec) matches(l types.TableLayout) bool {
	return slices.Equal(tc.layout.Cols, l.Cols) && slices.Equal(tc.layout.PK, l.PK) &&
		slices.Equal(tc.layout.Desc, l.Desc) && tc.blocked == l.AppendBlocks && tc.layout.StoredCols == l.StoredCols
}

// rowKey is the key of a full row.
func (tc *tableCodec) rowKey(row types.Row) []byte {
	return tc.appendRowKey(make([]byte, 0, 32), row)
}

// appendRowKey appends the key of a full row to dst.
func (tc *tableCodec) appendRowKey(dst []byte, row types.Row) []byte {
	tc.checkRow(row)
	dst = append(dst, tc.prefix...)
	return appendKeyCols(dst, row, tc.layout.PK, tc.pkTypes, tc.desc)
}

// pkKey is the key of a primary key.
func (tc *tableCodec) pkKey(pk types.Row) []byte {
	if len(pk) != len(tc.pkTypes) {
		panic(fmt.Sprintf("state: table %d (%s): key has %d columns, layout %d", tc.layout.ID, tc.layout.Name, len(pk), len(tc.pkTypes)))
	}
	k := make([]byte, 0, 32)
	k = append(k, tc.prefix...)
	return EncodeKey(k, pk, tc.pkTypes, tc.desc)
}

// prefixKey is the key prefix of the first len(prefix) key columns.
func (tc *tableCodec) prefixKey(prefix types.Row) []byte {
	if len(prefix) > len(tc.pkTypes) {
		panic(fmt.Sprintf("state: table %d (%s): scan prefix has %d columns, key %d", tc.layout.ID, tc.layout.Name, len(prefix), len(tc.pkTypes)))
	}
	k := make([]byte, 0, 32)
	k = append(k, tc.prefix...)
	return EncodeKey(k, prefix, tc.pkTypes, tc.desc)
}

// checkRow panics when row does not have the layout's column count (a
// programming error).
func (tc *tableCodec) checkRow(row types.Row) {
	if len(row) != len(tc.layout.Cols) {
		panic(fmt.Sprintf("state: table %d (%s): row has %d columns, layout %d", tc.layout.ID, tc.layout.Name, len(row), len(tc.layout.Cols)))
	}
}

// checkWritable panics on a write through a shared view (a programming
// error: the table's owner writes it).
func (tc *tableCodec) checkWritable() {
	if tc.extraVals > 0 {
		panic(fmt.Sprintf("state: table %d (%s): write through a shared view", tc.layout.ID, tc.layout.Name))
	}
}

// value is the stored value of a full row.
func (tc *tableCodec) value(row types.Row) []byte {
	return appendValueCols(make([]byte, 0, 16), row, tc.valCols, tc.valTypes)
}

// decode rebuilds a full row from its key and value.
func (tc *tableCodec) decode(key []byte, val []byte) (types.Row, error) {
	row := make(types.Row, len(tc.layout.Cols))
	if len(key) < tablePrefixSz {
		return nil, corrupt("short key")
	}
	pk, n, err := decodeKeyPrefix(key[tablePrefixSz:], tc.pkTypes, tc.desc)
	if err != nil {
		return nil, err
	}
	if n != len(key)-tablePrefixSz {
		return nil, corrupt("trailing bytes after key")
	}
	for i, c := range tc.layout.PK {
		row[c] = pk[i]
	}
	r := valueReader{b: val}
	if err := r.decodeInto(row, tc.valCols, tc.valTypes, tc.extraVals); err != nil {
		return nil, err
	}
	if r.pos != len(val) && tc.extraVals == 0 {
		return nil, corrupt("trailing bytes after value")
	}
	return row, nil
}

// scanFn adapts a row callback to mergeScan.
func (tc *tableCodec) scanFn(fn func(types.Row) bool) func(k string, v []byte) (bool, error) {
	return func(k string, v []byte) (bool, error) {
		row, err := tc.decode(unsafe.Slice(unsafe.StringData(k), len(k)), v) // decode copies
		if err != nil {
			return false, err
		}
		return fn(row), nil
	}
}

// Table is a handle on one state table. Handles to the same table ID share
// their data. Writes go to the open epoch's write set; one goroutine should
// own the writes of a table (the store is nonetheless safe for concurrent
// use). Reads see the latest state: staged writes, then sealed layers, then
// Badger at the committed epoch.
type Table struct {
	s  *Store
	td *tableData
	tc *tableCodec
}

// Table returns a handle on the table with layout l. Table ID 0 is reserved
// and panics.
func (s *Store) Table(l types.TableLayout) *Table {
	if l.ID == metaID {
		panic("state: table id 0 is reserved")
	}
	return &Table{s: s, td: s.tableData(l.ID), tc: newTableCodec(l)}
}

// Layout returns the table's layout.
func (t *Table) Layout() types.TableLayout { return t.tc.layout }

// Put stages row (all layout columns) in the open epoch, replacing any row
// with the same primary key. The row is encoded at once; the caller may
// reuse it.
func (t *Table) Put(row types.Row) {
	t.tc.checkWritable()
	t.tc.checkRow(row) // before taking the lock
	if t.tc.blocked {
		t.putBlocked(row, nil, 0)
		return
	}
	td := t.td
	td.mu.Lock()
	// Encode key and value into the table's scratch buffer, then copy them
	// into the write set's slab: no per-row allocation.
	kn := t.encodeLocked(row)
	buf := td.scratch
	b := td.staged.alloc(len(buf))
	copy(b, buf)
	td.staged.set(entry{key: bytesToString(b[:kn]), val: b[kn:len(b):len(b)]})
	t.s.markLocked(td)
	td.mu.Unlock()
}

// encodeLocked encodes row's key and value into t.td.scratch (td.mu held)
// and returns the key's length. If the encoding panics (a datum that does
// not match its column type, a programming error) the lock is released.
func (t *Table) encodeLocked(row types.Row) int {
	td, done := t.td, false
	defer func() {
		if !done {
			td.mu.Unlock()
		}
	}()
	buf := t.tc.appendRowKey(td.scratch[:0], row)
	kn := len(buf)
	td.scratch = appendValueCols(buf, row, t.tc.valCols, t.tc.valTypes)
	done = true
	return kn
}

// Delete stages the deletion of the row with primary key pk (key columns
// only, in key order).
func (t *Table) Delete(pk types.Row) {
	t.tc.checkWritable()
	if t.tc.blocked {
		t.rewriteBlock(t.tc.pkKey(pk), nil, true)
		return
	}
	e := entry{key: bytesToString(t.tc.pkKey(pk)), del: true}
	t.td.mu.Lock()
	t.td.staged.set(e)
	t.s.markLocked(t.td)
	t.td.mu.Unlock()
}

// Get returns the row with primary key pk in the latest view.
func (t *Table) Get(pk types.Row) (types.Row, bool, error) {
	key := t.tc.pkKey(pk)
	if t.tc.blocked {
		return t.tc.blockGet(t.latestScan, key)
	}
	v, ok, err := t.s.latestGet(t.td, bytesToString(key))
	if err != nil || !ok {
		return nil, false, err
	}
	row, err := t.tc.decode(key, v)
	return row, err == nil, err
}

// Scan calls fn for each row whose primary key starts with prefix (the
// first len(prefix) key columns; nil scans the table), in key order, latest
// view, until fn returns false. fn may write to the table; whether the scan
// sees such writes is unspecified.
func (t *Table) Scan(prefix types.Row, fn func(types.Row) bool) error {
	if t.tc.blocked {
		return t.latestScan(string(t.tc.prefix), t.tc.blockScanFn(string(t.tc.prefixKey(prefix)), fn))
	}
	return t.s.latestScan(t.td, string(t.tc.prefixKey(prefix)), t.tc.scanFn(fn))
}

// StagedLen returns the number of keys written in the open epoch.
func (t *Table) StagedLen() int {
	t.td.mu.Lock()
	defer t.td.mu.Unlock()
	t.td.flushBlockLocked()
	return t.td.staged.n
}

// latestScan scans the table's keys with prefix p in the latest view.
func (t *Table) latestScan(p string, fn func(k string, v []byte) (bool, error)) error {
	return t.s.latestScan(t.td, p, fn)
}

// bytesToString returns b as a string without copying. b must never be
// modified afterwards; keys built here are not.
func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
