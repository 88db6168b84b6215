package state

import (
	"encoding/binary"
	"strings"
	"unsafe"

	"github.com/eddysql/eddy/types"
)

// Append blocks.
//
// A table whose layout sets AppendBlocks receives its rows in increasing
// key order (an APPEND ONLY table keyed by its hidden row id). Storing one
// key per row would cost a Badger entry — a skiplist insert, then flushes
// and compactions — for every row ingested, the largest cost of bulk
// ingestion. Such a table instead stores blocks: the key of a block is the
// key of its first row, and its value is its rows, each as
//
//	uvarint len(k) · k · uvarint len(v) · v
//
// where k is the row key without the 4-byte table prefix and v the row's
// value encoding (EncodeValue). Blocks never overlap: every row of a block
// sorts at or after its key and before the next block's key, so a scan of
// the blocks in key order yields the rows in key order.
//
// Rows put in order fill the table's open block, which becomes one staged
// entry when it is full or when anything reads or seals the table. A row
// put out of order, and a delete, rewrite the block that holds (or would
// hold) the key: the block with the greatest key ≤ it. That is a scan of
// the blocks before it, so it is correct but slow; the engine makes row ids
// in order on its stream loop so that it does not happen in bulk.
const (
	blockMaxRows  = 1024
	blockMaxBytes = 64 << 10
)

// blockBuf is a table's open block.
type blockBuf struct {
	first string // full key of the first row
	buf   []byte
	n     int
}

// appendBlockRow appends one row (full key with table prefix) to buf.
func appendBlockRow(buf []byte, key, val []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(key)-tablePrefixSz))
	buf = append(buf, key[tablePrefixSz:]...)
	buf = binary.AppendUvarint(buf, uint64(len(val)))
	return append(buf, val...)
}

// forBlockRows calls fn with each row of a block: its key suffix (without
// table prefix) and value, both aliasing blk.
func forBlockRows(blk []byte, fn func(k, v []byte) (bool, error)) error {
	for len(blk) > 0 {
		kl, n := binary.Uvarint(blk)
		if n <= 0 || uint64(len(blk)-n) < kl {
			return corrupt("bad block row key")
		}
		k := blk[n : n+int(kl)]
		blk = blk[n+int(kl):]
		vl, n := binary.Uvarint(blk)
		if n <= 0 || uint64(len(blk)-n) < vl {
			return corrupt("bad block row value")
		}
		v := blk[n : n+int(vl)]
		blk = blk[n+int(vl):]
		if more, err := fn(k, v); err != nil || !more {
			return err
		}
	}
	return nil
}

// flushBlockLocked turns the open block into a staged entry (td.mu held).
func (td *tableData) flushBlockLocked() {
	if td.blk == nil {
		return
	}
	td.staged.set(entry{key: td.blk.first, val: td.blk.buf})
	td.blkSize = len(td.blk.buf)
	td.blk = nil
}

// putBlocked stages a row of an append-block table: row, or row i of c when
// c is not nil. The row is encoded
// into the table's scratch buffer (td.mu held), so an in-order put does not
// allocate.
func (t *Table) putBlocked(row types.Row, c *types.Chunk, i int) {
	td := t.td
	td.mu.Lock()
	if !td.lastKnown {
		// First put since the store opened: rows already stored decide
		// what is in order.
		td.mu.Unlock()
		last, err := t.lastBlockedKey()
		if err != nil {
			return // the store is closed or corrupt: later reads report it
		}
		td.mu.Lock()
		if !td.lastKnown {
			if last > string(td.lastKey) {
				td.lastKey = append(td.lastKey[:0], last...)
			}
			td.lastKnown = true
		}
	}
	if c != nil && td.blk != nil && len(td.lastKey) > 0 && t.appendChunkRowLocked(c, i) {
		td.mu.Unlock()
		return
	}
	var kn int
	if c != nil {
		kn = t.encodeChunkLocked(c, i)
	} else {
		kn = t.encodeLocked(row)
	}
	key, val := td.scratch[:kn], td.scratch[kn:]
	if len(td.lastKey) > 0 && string(key) <= string(td.lastKey) {
		key = append([]byte(nil), key...)
		val = append([]byte(nil), val...)
		td.mu.Unlock()
		t.rewriteBlock(key, val, false)
		return
	}
	if td.blk == nil {
		// The next block is likely the size of the last one: allocate it
		// once, with room for a longer last row, rather than regrow it.
		size := 4096
		if td.blkSize > size {
			size = min(td.blkSize, blockMaxBytes) + td.blkSize/16
		}
		td.blk = &blockBuf{first: string(key), buf: make([]byte, 0, size)}
		t.s.markLocked(td)
	}
	td.blk.buf = appendBlockRow(td.blk.buf, key, val)
	td.blk.n++
	td.lastKey = append(td.lastKey[:0], key...)
	if td.blk.n >= blockMaxRows || len(td.blk.buf) >= blockMaxBytes {
		td.flushBlockLocked()
	}
	td.mu.Unlock()
}

// appendChunkRowLocked encodes row i of c straight into the open block
// (td.mu held) when it sorts after the last row and its key and value are
// short (one-byte lengths), and reports whether it did; otherwise nothing
// has changed and putBlocked takes the general way.
func (t *Table) appendChunkRowLocked(c *types.Chunk, i int) bool {
	td, done := t.td, false
	defer func() {
		if !done { // a panic while encoding: do not leave the table locked
			td.mu.Unlock()
		}
	}()
	blk := td.blk
	buf := blk.buf
	start := len(buf)
	buf = append(buf, 0) // the key's length, set below
	buf = t.tc.appendChunkKey(buf, c, i)
	k := buf[start+1:]
	ok := len(k) < 0x80 && string(k) > string(td.lastKey[tablePrefixSz:])
	if ok {
		buf[start] = byte(len(k))
		vs := len(buf)
		buf = append(buf, 0) // the value's length, set below
		buf = t.tc.appendChunkValue(buf, c, i)
		ok = len(buf)-vs-1 < 0x80
		if ok {
			buf[vs] = byte(len(buf) - vs - 1)
			td.lastKey = append(td.lastKey[:tablePrefixSz], k...)
		}
	}
	done = true
	if !ok {
		blk.buf = buf[:start] // the rows as they were (buf may have grown)
		return false
	}
	blk.buf = buf
	blk.n++
	if blk.n >= blockMaxRows || len(blk.buf) >= blockMaxBytes {
		td.flushBlockLocked()
	}
	return true
}

// lastBlockedKey returns the key of the table's last row ("" when it is
// empty): a scan of the block keys, then of the last block.
func (t *Table) lastBlockedKey() (string, error) {
	// Every key of the table sorts before the next table's prefix.
	_, bv, found, err := findBlock(t.latestScan, t.tc.prefix, string(tablePrefix(nil, t.tc.layout.ID+1)))
	if err != nil || !found {
		return "", err
	}
	var last []byte
	err = forBlockRows(bv, func(k, _ []byte) (bool, error) {
		last = k
		return true, nil
	})
	if err != nil || last == nil {
		return "", err
	}
	return string(t.tc.prefix) + string(last), nil
}

// findBlock returns the block that holds or would hold key: the one with
// the greatest block key ≤ key, from a scan of the table's blocks. found
// is false when every block sorts after key.
func findBlock(scan func(p string, fn func(k string, v []byte) (bool, error)) error, prefix []byte, key string) (bk string, bv []byte, found bool, err error) {
	err = scan(string(prefix), func(k string, v []byte) (bool, error) {
		if k > key {
			return false, nil
		}
		bk, bv, found = strings.Clone(k), append(bv[:0], v...), true
		return true, nil
	})
	return bk, bv, found, err
}

// rewriteBlock applies one out-of-order put (or a delete) by rewriting the
// block that holds the key.
func (t *Table) rewriteBlock(key, val []byte, del bool) {
	ks := string(key)
	bk, bv, found, err := findBlock(func(p string, fn func(k string, v []byte) (bool, error)) error {
		return t.s.latestScan(t.td, p, fn)
	}, t.tc.prefix, ks)
	if err != nil {
		// The store is closed or corrupt: later reads report it.
		return
	}
	if !found {
		if !del {
			t.td.mu.Lock()
			t.td.staged.set(entry{key: ks, val: appendBlockRow(nil, key, val)})
			t.s.markLocked(t.td)
			t.td.mu.Unlock()
		}
		return
	}
	suffix := key[tablePrefixSz:]
	out := make([]byte, 0, len(bv)+len(val)+16)
	placed := del
	err = forBlockRows(bv, func(k, v []byte) (bool, error) {
		c := strings.Compare(string(k), string(suffix))
		if c == 0 {
			if !del {
				out = appendBlockRow(out, key, val)
				placed = true
			}
			return true, nil
		}
		if c > 0 && !placed {
			out = appendBlockRow(out, key, val)
			placed = true
		}
		out = binary.AppendUvarint(out, uint64(len(k)))
		out = append(out, k...)
		out = binary.AppendUvarint(out, uint64(len(v)))
		out = append(out, v...)
		return true, nil
	})
	if err != nil {
		return
	}
	if !placed {
		out = appendBlockRow(out, key, val)
	}
	e := entry{key: bk, val: out}
	if len(out) == 0 {
		e = entry{key: bk, del: true}
	}
	t.td.mu.Lock()
	t.td.staged.set(e)
	t.s.markLocked(t.td)
	t.td.mu.Unlock()
}

// blockScanFn adapts a row callback to a scan of blocks: it decodes each
// block's rows and passes on those whose key starts with p, in order,
// stopping after the last one.
func (tc *tableCodec) blockScanFn(p string, fn func(types.Row) bool) func(k string, v []byte) (bool, error) {
	full := make([]byte, 0, 64)
	return func(_ string, blk []byte) (bool, error) {
		more := true
		err := forBlockRows(blk, func(k, v []byte) (bool, error) {
			full = append(append(full[:0], tc.prefix...), k...)
			fk := unsafe.String(unsafe.SliceData(full), len(full))
			if !strings.HasPrefix(fk, p) {
				if fk > p {
					more = false
					return false, nil
				}
				return true, nil
			}
			row, err := tc.decode(full, v) // decode copies
			if err != nil {
				return false, err
			}
			if !fn(row) {
				more = false
				return false, nil
			}
			return true, nil
		})
		return more && err == nil, err
	}
}

// blockGet finds the row with key in the blocks a scan yields.
func (tc *tableCodec) blockGet(scan func(p string, fn func(k string, v []byte) (bool, error)) error, key []byte) (types.Row, bool, error) {
	_, bv, found, err := findBlock(scan, tc.prefix, string(key))
	if err != nil || !found {
		return nil, false, err
	}
	suffix := string(key[tablePrefixSz:])
	var row types.Row
	err = forBlockRows(bv, func(k, v []byte) (bool, error) {
		if string(k) != suffix {
			return string(k) < suffix, nil
		}
		var err error
		row, err = tc.decode(key, v)
		return false, err
	})
	return row, row != nil, err
}
