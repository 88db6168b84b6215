package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"unsafe"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/eddysql/eddy/types"
)

// ErrClosed is returned by reads on a closed Store.
var ErrClosed = errors.New("state: store is closed")

// Options configures a Store.
type Options struct {
	// Dir is the Badger directory. Ignored when InMemory is set.
	Dir string
	// InMemory keeps everything in memory (Badger's in-memory mode); nothing
	// survives Close.
	InMemory bool
	// Sync makes Commit call fsync (db.Sync) before it returns.
	Sync bool
	// Logger receives Badger's warnings and errors; nil discards them.
	Logger func(format string, args ...any)
}

// Store is the state store: state tables and catalog metadata in one managed
// Badger database, with per-epoch in-memory layers above it. See the package
// documentation for the design.
type Store struct {
	db   *badger.DB
	opts Options

	commitMu sync.Mutex // serialises Commit

	mu         sync.RWMutex
	tables     map[uint32]*tableData // includes metaID
	layers     []*layer              // sealed, not yet committed; ascending epochs
	lastSealed uint64
	committed  uint64
	commitMeta map[string][]byte
	cur        *readView // Badger at ts = committed
	closed     bool
	readers    sync.WaitGroup // Badger reads in flight; Close waits for them

	codecs sync.Map // uint32 → *tableCodec, for Snapshot reads

	// dirty lists the tables written since the last Seal, so that a Seal
	// looks at those only (an engine holds thousands of idle tables).
	dirtyMu sync.Mutex
	dirty   []*tableData

	viewMu    sync.Mutex
	views     map[*readView]struct{}
	discardTs uint64
	dbClosed  atomic.Bool
}

// tableData is the shared state of one table ID: its write set for the open
// epoch.
type tableData struct {
	id      uint32
	mu      sync.Mutex
	staged  *skiplist
	dropped bool      // the open epoch dropped the table: older data is hidden
	blk     *blockBuf // open block of an AppendBlocks table
	blkSize int       // the size of the last block flushed, to size the next one
	lastKey []byte    // key of the last row appended to a block in order
	// lastKnown says lastKey is up to date with the stored rows (it is
	// found at the first put after the store opens).
	lastKnown bool
	listed    bool   // in Store.dirty: the next Seal looks at it
	scratch   []byte // Table.Put encodes rows here (mu held)
}

// layer is the immutable write set of one sealed epoch.
type layer struct {
	epoch  uint64
	tables map[uint32]*tableLayer
}

// tableLayer is one table's part of a layer.
type tableLayer struct {
	entries []entry // sorted by key
	dropped bool    // the table was dropped in this epoch, before entries
}

// find returns the entry with key k.
func (tl *tableLayer) find(k string) (entry, bool) {
	i := sort.Search(len(tl.entries), func(i int) bool { return tl.entries[i].key >= k })
	if i < len(tl.entries) && tl.entries[i].key == k {
		return tl.entries[i], true
	}
	return entry{}, false
}

// withPrefix returns the entries whose key starts with p.
func (tl *tableLayer) withPrefix(p string) []entry {
	lo := sort.Search(len(tl.entries), func(i int) bool { return tl.entries[i].key >= p })
	hi := lo
	for hi < len(tl.entries) && len(tl.entries[hi].key) >= len(p) && tl.entries[hi].key[:len(p)] == p {
		hi++
	}
	return tl.entries[lo:hi]
}

// readView is a read-only Badger transaction at a fixed timestamp, shared by
// reference count.
type readView struct {
	ts   uint64
	txn  *badger.Txn
	refs atomic.Int32
}

// Key space. Table ID 0 is reserved: metaID + 'm' + key holds PutMeta
// entries, metaID + 's' + name holds system records.
const (
	metaID        = 0
	metaSpace     = 'm'
	sysSpace      = 's'
	sysMarker     = "marker"    // last committed epoch + its meta
	sysAttempted  = "attempted" // highest epoch whose commit was started
	tablePrefixSz = 4
)

func tablePrefix(dst []byte, id uint32) []byte {
	return binary.BigEndian.AppendUint32(dst, id)
}

func sysKey(name string) []byte {
	return append(tablePrefix(nil, metaID), append([]byte{sysSpace}, name...)...)
}

func metaKey(k string) string {
	b := tablePrefix(make([]byte, 0, 5+len(k)), metaID)
	b = append(b, metaSpace)
	return string(append(b, k...))
}

type logAdapter struct{ f func(string, ...any) }

func (l logAdapter) Errorf(f string, a ...any) {
	if l.f != nil {
		l.f("badger: ERROR: "+f, a...)
	}
}

func (l logAdapter) Warningf(f string, a ...any) {
	if l.f != nil {
		l.f("badger: WARNING: "+f, a...)
	}
}
func (logAdapter) Infof(string, ...any)  {}
func (logAdapter) Debugf(string, ...any) {}

func badgerOptions(o Options) badger.Options {
	var bo badger.Options
	if o.InMemory {
		// Blocks of 64 KiB: an append-block table's values (up to
		// blockMaxBytes, ~20 KiB for narrow rows) then fit in one table
		// block. With Badger's 4 KiB default, every such value makes the
		// table builder regrow its block by doubling, copying it two or
		// three times more on every flush and compaction.
		bo = badger.DefaultOptions("").WithInMemory(true).WithCompression(options.None).WithBlockSize(64 << 10)
	} else {
		bo = badger.DefaultOptions(o.Dir).WithValueLogFileSize(64 << 20)
	}
	// On disk, blocks are compressed: cache decoded blocks and indexes. In
	// memory they are plain slices of the table buffers, and a cache only
	// adds a copy and bookkeeping to every read (no cache keeps indexes
	// resident).
	blockCache, indexCache := int64(16<<20), int64(8<<20)
	if o.InMemory {
		blockCache, indexCache = 0, 0
	}
	return bo.
		WithMemTableSize(8 << 20).
		WithNumMemtables(3).
		WithBlockCacheSize(blockCache).
		WithIndexCacheSize(indexCache).
		WithNumCompactors(2).
		WithMetricsEnabled(false).
		WithDetectConflicts(false).
		WithNumVersionsToKeep(1).
		WithSyncWrites(false).
		WithLogger(logAdapter{o.Logger})
}

// Open opens (or creates) a store. It opens Badger in managed mode, finds the
// last committed epoch (see Recover) and makes versions written by an
// unfinished commit invisible for good.
func Open(opts Options) (*Store, error) {
	if !opts.InMemory && opts.Dir == "" {
		return nil, errors.New("state: Options.Dir is required unless InMemory")
	}
	db, err := badger.OpenManaged(badgerOptions(opts))
	if err != nil {
		return nil, fmt.Errorf("state: open badger: %w", err)
	}
	s := &Store{
		db:     db,
		opts:   opts,
		tables: map[uint32]*tableData{},
		views:  map[*readView]struct{}{},
	}
	s.tables[metaID] = &tableData{id: metaID, staged: newSkiplist()}
	if err := s.recover(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// recover reads the marker, repairs versions newer than it and sets up the
// read view.
func (s *Store) recover() error {
	latest := s.db.NewTransactionAt(math.MaxUint64, false)
	defer latest.Discard()
	var committed uint64
	var meta map[string][]byte
	if v, ok, err := getRaw(latest, sysKey(sysMarker)); err != nil {
		return err
	} else if ok {
		if committed, meta, err = decodeMarker(v); err != nil {
			return err
		}
	}
	top := s.db.MaxVersion()
	if v, ok, err := getRaw(latest, sysKey(sysAttempted)); err != nil {
		return err
	} else if ok && len(v) == 8 {
		top = max(top, binary.BigEndian.Uint64(v))
	}
	if top > committed {
		// A commit started but never wrote its marker: versions in
		// (committed, top] are garbage. Rewrite every key they touch to its
		// value at `committed`, at a fresh timestamp above them, and move
		// the marker there. The state is that of `committed`.
		r := top + 1
		if err := s.repair(committed, r); err != nil {
			return fmt.Errorf("state: recovery: %w", err)
		}
		if err := s.writeSys(r, sysAttempted, binary.BigEndian.AppendUint64(nil, r)); err != nil {
			return err
		}
		if err := s.writeSys(r, sysMarker, encodeMarker(r, meta)); err != nil {
			return err
		}
		committed = r
	}
	s.committed, s.lastSealed, s.commitMeta = committed, committed, meta
	s.cur = s.newView(committed)
	s.updateDiscardTs()
	return nil
}

// repair rewrites, at ts r, every key having a version in (committed, r) to
// its value at committed.
func (s *Store) repair(committed, r uint64) error {
	all := s.db.NewTransactionAt(math.MaxUint64, false)
	defer all.Discard()
	old := s.db.NewTransactionAt(committed, false)
	defer old.Discard()
	it := all.NewIterator(badger.IteratorOptions{AllVersions: true, SinceTs: committed})
	defer it.Close()
	wb := s.db.NewWriteBatchAt(r)
	defer wb.Cancel()
	sys := tablePrefix(nil, metaID)
	sys = append(sys, sysSpace)
	var last []byte
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		if item.Version() <= committed {
			continue
		}
		k := item.Key()
		if last != nil && string(k) == string(last) {
			continue
		}
		last = item.KeyCopy(nil)
		if len(last) >= len(sys) && string(last[:len(sys)]) == string(sys) {
			continue
		}
		v, ok, err := getRaw(old, last)
		if err != nil {
			return err
		}
		if ok {
			err = wb.Set(last, v)
		} else {
			err = wb.Delete(last)
		}
		if err != nil {
			return err
		}
	}
	return wb.Flush()
}

// getRaw reads a key in txn, copying the value.
func getRaw(txn *badger.Txn, k []byte) ([]byte, bool, error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	v, err := item.ValueCopy(nil)
	if err != nil {
		return nil, false, err
	}
	return v, true, nil
}

// writeSys writes one system record at ts.
func (s *Store) writeSys(ts uint64, name string, v []byte) error {
	txn := s.db.NewTransactionAt(ts, true)
	defer txn.Discard()
	if err := txn.Set(sysKey(name), v); err != nil {
		return err
	}
	return txn.CommitAt(ts, nil)
}

// encodeMarker encodes the commit marker: epoch (8 bytes BE), then the meta
// map as uvarint count and (uvarint len, key, uvarint len, value) pairs in
// key order.
func encodeMarker(epoch uint64, meta map[string][]byte) []byte {
	b := binary.BigEndian.AppendUint64(nil, epoch)
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(meta[k])))
		b = append(b, meta[k]...)
	}
	return b
}

func decodeMarker(b []byte) (uint64, map[string][]byte, error) {
	if len(b) < 8 {
		return 0, nil, corrupt("short epoch marker")
	}
	epoch := binary.BigEndian.Uint64(b)
	r := valueReader{b: b, pos: 8}
	n, err := r.uvarint()
	if err != nil {
		return 0, nil, err
	}
	meta := make(map[string][]byte, min(n, 1024))
	for range n {
		k, err := r.lenBytes()
		if err != nil {
			return 0, nil, err
		}
		v, err := r.lenBytes()
		if err != nil {
			return 0, nil, err
		}
		meta[string(k)] = append([]byte{}, v...)
	}
	return epoch, meta, nil
}

func (s *Store) newView(ts uint64) *readView {
	v := &readView{ts: ts, txn: s.db.NewTransactionAt(ts, false)}
	v.refs.Store(1)
	s.viewMu.Lock()
	s.views[v] = struct{}{}
	s.viewMu.Unlock()
	return v
}

func (s *Store) releaseView(v *readView) {
	if v.refs.Add(-1) != 0 {
		return
	}
	v.txn.Discard()
	s.viewMu.Lock()
	delete(s.views, v)
	s.viewMu.Unlock()
	s.updateDiscardTs()
}

// updateDiscardTs lets Badger drop versions that no live read view needs:
// the discard timestamp is the oldest live view's timestamp (it only grows;
// Badger keeps it in memory only, so Open sets it again).
func (s *Store) updateDiscardTs() {
	s.viewMu.Lock()
	defer s.viewMu.Unlock()
	if s.dbClosed.Load() {
		return
	}
	lo := uint64(math.MaxUint64)
	for v := range s.views {
		lo = min(lo, v.ts)
	}
	if lo == math.MaxUint64 || lo <= s.discardTs {
		return
	}
	s.discardTs = lo
	s.db.SetDiscardTs(lo)
}

// Close closes the store. Sealed but uncommitted epochs are lost. It waits
// for reads in progress; snapshots must not be used afterwards (their reads
// return ErrClosed).
func (s *Store) Close() error {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	cur := s.cur
	s.mu.Unlock()
	s.readers.Wait()
	s.releaseView(cur)
	s.viewMu.Lock()
	s.dbClosed.Store(true)
	s.viewMu.Unlock()
	return s.db.Close()
}

// Recover returns the last committed epoch and the meta map given to that
// Commit (0 and nil for a new store). Reads see exactly the state of that
// epoch: anything a crashed commit wrote after it is invisible, and Open
// has already rewritten it away. In that case the returned epoch is a fresh
// number above every epoch the crashed commit used (its state is that of the
// last completed commit), so the engine must number its next epoch above the
// returned one — as it must anyway: Seal and Commit require increasing
// epochs.
func (s *Store) Recover() (epoch uint64, meta map[string][]byte, err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, nil, ErrClosed
	}
	var m map[string][]byte
	if s.commitMeta != nil {
		m = make(map[string][]byte, len(s.commitMeta))
		for k, v := range s.commitMeta {
			m[k] = append([]byte(nil), v...)
		}
	}
	return s.committed, m, nil
}

// LatestSealed returns the newest sealed epoch (the committed epoch right
// after Open).
func (s *Store) LatestSealed() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lastSealed
}

// Committed returns the newest committed (durable) epoch.
func (s *Store) Committed() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.committed
}

// tableData returns the shared data of table id, creating it.
func (s *Store) tableData(id uint32) *tableData {
	s.mu.RLock()
	td := s.tables[id]
	s.mu.RUnlock()
	if td != nil {
		return td
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if td = s.tables[id]; td == nil {
		td = &tableData{id: id, staged: newSkiplist()}
		s.tables[id] = td
	}
	return td
}

// markLocked lists td for the next Seal (td.mu held).
func (s *Store) markLocked(td *tableData) {
	if td.listed {
		return
	}
	td.listed = true
	s.dirtyMu.Lock()
	s.dirty = append(s.dirty, td)
	s.dirtyMu.Unlock()
}

// Seal makes all staged writes (of every table and the meta space) the
// immutable layer of epoch. Snapshots at epoch or later see it; Table reads
// keep seeing it until it is committed. Epochs start at 1 and must
// increase: Seal panics if epoch is not above LatestSealed (a programming
// error in the caller).
func (s *Store) Seal(epoch uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sealLocked(epoch)
}

func (s *Store) sealLocked(epoch uint64) {
	if epoch <= s.lastSealed {
		panic(fmt.Sprintf("state: Seal(%d): epochs must increase (latest sealed %d)", epoch, s.lastSealed))
	}
	ly := &layer{epoch: epoch, tables: map[uint32]*tableLayer{}}
	s.dirtyMu.Lock()
	list := s.dirty
	s.dirty = nil
	s.dirtyMu.Unlock()
	for _, td := range list {
		id := td.id
		td.mu.Lock()
		td.listed = false
		td.flushBlockLocked()
		if td.staged.n > 0 || td.dropped {
			ly.tables[id] = &tableLayer{entries: td.staged.entries(), dropped: td.dropped}
			td.staged = newSkiplist()
			td.dropped = false
		}
		td.mu.Unlock()
	}
	if len(ly.tables) > 0 {
		s.layers = append(s.layers, ly)
	}
	s.lastSealed = epoch
}

// Commit makes every sealed epoch ≤ epoch durable: it writes their layers to
// Badger at commit timestamp epoch (a WriteBatch, which may split into
// several transactions), then — last — a marker holding epoch and meta, and
// fsyncs when Options.Sync is set. Only then do reads switch to the new
// Badger version and the layers get dropped. If epoch is above LatestSealed,
// the staged writes are sealed as epoch first. meta (e.g. source offsets) is
// returned by Recover after a restart; it is separate from PutMeta keys.
//
// Commit may run on another goroutine than the writers and readers; commits
// are serialised. On error nothing is published and the layers stay; a
// later Commit of a higher epoch supersedes the partial write.
func (s *Store) Commit(epoch uint64, meta map[string][]byte) error {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if epoch <= s.committed {
		s.mu.Unlock()
		return fmt.Errorf("state: Commit(%d): epoch already committed (committed %d)", epoch, s.committed)
	}
	if epoch > s.lastSealed {
		s.sealLocked(epoch)
	}
	var todo []*layer
	for _, ly := range s.layers {
		if ly.epoch <= epoch {
			todo = append(todo, ly)
		}
	}
	prev := s.cur
	prev.refs.Add(1)
	s.readers.Add(1)
	s.mu.Unlock()
	defer s.releaseView(prev)
	defer s.readers.Done()

	if err := s.writeSys(epoch, sysAttempted, binary.BigEndian.AppendUint64(nil, epoch)); err != nil {
		return fmt.Errorf("state: commit %d: %w", epoch, err)
	}
	if err := s.writeLayers(epoch, todo, prev); err != nil {
		return fmt.Errorf("state: commit %d: %w", epoch, err)
	}
	if err := s.writeSys(epoch, sysMarker, encodeMarker(epoch, meta)); err != nil {
		return fmt.Errorf("state: commit %d: %w", epoch, err)
	}
	if s.opts.Sync && !s.opts.InMemory {
		if err := s.db.Sync(); err != nil {
			return fmt.Errorf("state: commit %d: sync: %w", epoch, err)
		}
	}
	m := make(map[string][]byte, len(meta))
	for k, v := range meta {
		m[k] = append([]byte(nil), v...)
	}

	s.mu.Lock()
	s.committed = epoch
	s.commitMeta = m
	old := s.cur
	s.cur = s.newView(epoch)
	kept := make([]*layer, 0, len(s.layers))
	for _, ly := range s.layers {
		if ly.epoch > epoch {
			kept = append(kept, ly)
		}
	}
	s.layers = kept
	s.mu.Unlock()
	s.releaseView(old)
	s.updateDiscardTs()
	return nil
}

// writeLayers writes the merged layers to Badger at ts epoch.
func (s *Store) writeLayers(epoch uint64, todo []*layer, prev *readView) error {
	ids := map[uint32]struct{}{}
	for _, ly := range todo {
		for id := range ly.tables {
			ids[id] = struct{}{}
		}
	}
	sorted := make([]uint32, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	slices.Sort(sorted)

	wb := s.db.NewWriteBatchAt(epoch)
	defer wb.Cancel()
	for _, id := range sorted {
		// Sources newest first, down to the newest drop.
		var srcs [][]entry
		dropped := false
		for i := len(todo) - 1; i >= 0 && !dropped; i-- {
			tl := todo[i].tables[id]
			if tl == nil {
				continue
			}
			srcs = append(srcs, tl.entries)
			dropped = tl.dropped
		}
		entries := srcs[0]
		if len(srcs) > 1 {
			entries = mergeEntries(srcs)
		}
		if dropped {
			if err := s.deleteTable(wb, prev, id, entries); err != nil {
				return err
			}
		}
		for _, e := range entries {
			var err error
			// Badger only reads the key, and the layers outlive Flush.
			k := unsafe.Slice(unsafe.StringData(e.key), len(e.key))
			if e.del {
				err = wb.Delete(k)
			} else {
				err = wb.Set(k, e.val)
			}
			if err != nil {
				return err
			}
		}
	}
	return wb.Flush()
}

// deleteTable writes deletes for every key of table id in the view, except
// those in keep (sorted), which the caller writes.
func (s *Store) deleteTable(wb *badger.WriteBatch, v *readView, id uint32, keep []entry) error {
	p := tablePrefix(nil, id)
	it := v.txn.NewIterator(badger.IteratorOptions{Prefix: p})
	defer it.Close()
	j := 0
	for it.Rewind(); it.Valid(); it.Next() {
		k := it.Item().Key()
		for j < len(keep) && keep[j].key < string(k) {
			j++
		}
		if j < len(keep) && keep[j].key == string(k) {
			continue
		}
		if err := wb.Delete(it.Item().KeyCopy(nil)); err != nil {
			return err
		}
	}
	return nil
}

// mergeEntries merges sorted entry lists, srcs[0] winning over later ones on
// equal keys.
func mergeEntries(srcs [][]entry) []entry {
	n := 0
	for _, s := range srcs {
		n += len(s)
	}
	out := make([]entry, 0, n)
	pos := make([]int, len(srcs))
	for {
		best := -1
		for i, s := range srcs {
			if pos[i] < len(s) && (best < 0 || s[pos[i]].key < srcs[best][pos[best]].key) {
				best = i
			}
		}
		if best < 0 {
			return out
		}
		k := srcs[best][pos[best]].key
		out = append(out, srcs[best][pos[best]])
		for i, s := range srcs {
			if pos[i] < len(s) && s[pos[i]].key == k {
				pos[i]++
			}
		}
	}
}

// DropTable deletes every row of table id, as a write of the open epoch:
// snapshots of earlier epochs still see the rows, and the deletes become
// durable with the next Commit. Rows put after DropTable are kept.
func (s *Store) DropTable(id uint32) error {
	if id == metaID {
		return errors.New("state: table id 0 is reserved")
	}
	td := s.tableData(id)
	td.mu.Lock()
	td.staged = newSkiplist()
	td.dropped = true
	s.markLocked(td)
	td.blk, td.lastKey, td.lastKnown = nil, td.lastKey[:0], true
	td.mu.Unlock()
	return nil
}

// PutMeta stages a catalog/system key-value pair in the open epoch; it is
// sealed, snapshotted and committed with the epoch like table rows.
func (s *Store) PutMeta(key string, value []byte) {
	td := s.tableData(metaID)
	td.mu.Lock()
	td.staged.set(entry{key: metaKey(key), val: append([]byte{}, value...)})
	s.markLocked(td)
	td.mu.Unlock()
}

// DeleteMeta stages the deletion of a meta key in the open epoch.
func (s *Store) DeleteMeta(key string) {
	td := s.tableData(metaID)
	td.mu.Lock()
	td.staged.set(entry{key: metaKey(key), del: true})
	s.markLocked(td)
	td.mu.Unlock()
}

// GetMeta returns the latest value of a meta key (staged, sealed or
// committed).
func (s *Store) GetMeta(key string) ([]byte, bool, error) {
	v, ok, err := s.latestGet(s.tableData(metaID), metaKey(key))
	if err != nil || !ok {
		return nil, false, err
	}
	return append([]byte(nil), v...), true, nil
}

// ScanMeta calls fn for every meta key starting with prefix, in key order,
// latest view, until fn returns false.
func (s *Store) ScanMeta(prefix string, fn func(k string, v []byte) bool) error {
	p := metaKey(prefix)
	return s.latestScan(s.tableData(metaID), p, func(k string, v []byte) (bool, error) {
		return fn(k[tablePrefixSz+1:], append([]byte(nil), v...)), nil
	})
}

// latestGet looks key up in the open epoch, the sealed layers newest first,
// then Badger at the committed epoch. The returned value must not be
// modified.
func (s *Store) latestGet(td *tableData, key string) ([]byte, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, false, ErrClosed
	}
	td.mu.Lock()
	td.flushBlockLocked()
	n := td.staged.get(key)
	var e entry
	if n != nil {
		e = n.entry
	}
	dropped := td.dropped
	td.mu.Unlock()
	if n != nil {
		return e.val, !e.del, nil
	}
	if dropped {
		return nil, false, nil
	}
	return layersGet(s.layers, s.cur, td.id, key)
}

// layersGet looks key up in the layers (newest first), then in Badger.
func layersGet(layers []*layer, v *readView, id uint32, key string) ([]byte, bool, error) {
	for i := len(layers) - 1; i >= 0; i-- {
		tl := layers[i].tables[id]
		if tl == nil {
			continue
		}
		if e, ok := tl.find(key); ok {
			return e.val, !e.del, nil
		}
		if tl.dropped {
			return nil, false, nil
		}
	}
	return getRaw(v.txn, unsafe.Slice(unsafe.StringData(key), len(key)))
}

// layersLookup is layersGet for a caller that only decodes the value: fn
// gets it in place, without the copy a Badger value needs to outlive the
// read. It reports whether the key is live.
func layersLookup(layers []*layer, v *readView, id uint32, key string, fn func(val []byte) error) (bool, error) {
	for i := len(layers) - 1; i >= 0; i-- {
		tl := layers[i].tables[id]
		if tl == nil {
			continue
		}
		if e, ok := tl.find(key); ok {
			if e.del {
				return false, nil
			}
			return true, fn(e.val)
		}
		if tl.dropped {
			return false, nil
		}
	}
	item, err := v.txn.Get(unsafe.Slice(unsafe.StringData(key), len(key)))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, item.Value(fn)
}

// latestScan scans the keys with prefix p in the latest view.
func (s *Store) latestScan(td *tableData, p string, fn func(k string, v []byte) (bool, error)) error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	td.mu.Lock()
	td.flushBlockLocked()
	var staged []entry
	for n := td.staged.seek(p); n != nil && len(n.key) >= len(p) && n.key[:len(p)] == p; n = n.next[0] {
		staged = append(staged, n.entry)
	}
	dropped := td.dropped
	td.mu.Unlock()
	srcs := [][]entry{staged}
	var v *readView
	if !dropped {
		srcs, v = layerSources(srcs, s.layers, s.cur, td.id, p)
	}
	if v != nil {
		v.refs.Add(1)
		s.readers.Add(1)
	}
	s.mu.RUnlock()
	if v != nil {
		defer s.readers.Done()
		defer s.releaseView(v)
	}
	return mergeScan(srcs, v, p, fn)
}

// layerSources appends the layers' entries with prefix p, newest first, and
// returns the Badger view to read under them (nil when a drop hides it).
func layerSources(srcs [][]entry, layers []*layer, v *readView, id uint32, p string) ([][]entry, *readView) {
	for i := len(layers) - 1; i >= 0; i-- {
		tl := layers[i].tables[id]
		if tl == nil {
			continue
		}
		if es := tl.withPrefix(p); len(es) > 0 {
			srcs = append(srcs, es)
		}
		if tl.dropped {
			return srcs, nil
		}
	}
	return srcs, v
}

// mergeScan merges the entry sources (highest priority first) over Badger
// (view v, may be nil) for keys with prefix p, skipping tombstones, and calls
// fn for each live key in order until it returns false.
func mergeScan(srcs [][]entry, v *readView, p string, fn func(k string, v []byte) (bool, error)) error {
	return mergeScanFrom(srcs, v, p, p, fn)
}

// mergeScanFrom is mergeScan over the keys with prefix p that are >= start
// (start begins with p).
func mergeScanFrom(srcs [][]entry, v *readView, p, start string, fn func(k string, v []byte) (bool, error)) error {
	var it *badger.Iterator
	if v != nil {
		it = v.txn.NewIterator(badger.IteratorOptions{Prefix: []byte(p)})
		defer it.Close()
		if start > p {
			it.Seek([]byte(start))
		} else {
			it.Rewind()
		}
	}
	if start > p {
		for i, s := range srcs {
			srcs[i] = s[sort.Search(len(s), func(j int) bool { return s[j].key >= start }):]
		}
	}
	pos := make([]int, len(srcs))
	for {
		best := -1
		var k string
		for i, s := range srcs {
			if pos[i] < len(s) && (best < 0 || s[pos[i]].key < k) {
				best, k = i, s[pos[i]].key
			}
		}
		fromBadger := false
		if it != nil && it.Valid() {
			bk := it.Item().Key()
			switch {
			case best < 0 || string(bk) < k:
				fromBadger = true
			case string(bk) == k:
				it.Next() // shadowed by a layer
			}
		}
		if fromBadger {
			item := it.Item()
			var cont bool
			err := item.Value(func(val []byte) error {
				var err error
				cont, err = fn(string(item.Key()), val)
				return err
			})
			if err != nil {
				return err
			}
			if !cont {
				return nil
			}
			it.Next()
			continue
		}
		if best < 0 {
			return nil
		}
		e := srcs[best][pos[best]]
		for i, s := range srcs {
			if pos[i] < len(s) && s[pos[i]].key == k {
				pos[i]++
			}
		}
		if e.del {
			continue
		}
		cont, err := fn(e.key, e.val)
		if err != nil {
			return err
		}
		if !cont {
			return nil
		}
	}
}

// codecFor returns the (cached) codec of a layout.
func (s *Store) codecFor(l types.TableLayout) *tableCodec {
	if c, ok := s.codecs.Load(l.ID); ok {
		tc := c.(*tableCodec)
		if tc.matches(l) {
			return tc
		}
	}
	tc := newTableCodec(l)
	s.codecs.Store(l.ID, tc)
	return tc
}

// Snapshot is a consistent read view of all tables and meta keys at one
// sealed epoch: the layers ≤ epoch over Badger at the committed epoch. It
// stays valid while later epochs are sealed and committed. Release it when
// done; it is safe for concurrent use.
type Snapshot struct {
	s        *Store
	epoch    uint64
	layers   []*layer
	view     *readView
	released atomic.Bool
}

// Snapshot returns a read view at epoch, normally a sealed epoch ≥ the
// committed one. Writes not yet sealed are never visible. An epoch below
// the committed one reads Badger at that epoch: best effort, as Badger may
// have discarded versions that old.
func (s *Store) Snapshot(epoch uint64) *Snapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sn := &Snapshot{s: s, epoch: epoch}
	if s.closed {
		return sn
	}
	if epoch >= s.committed {
		for _, ly := range s.layers {
			if ly.epoch <= epoch {
				sn.layers = append(sn.layers, ly)
			}
		}
		sn.view = s.cur
		sn.view.refs.Add(1)
	} else {
		sn.view = s.newView(epoch)
	}
	return sn
}

// Epoch returns the snapshot's epoch.
func (sn *Snapshot) Epoch() uint64 { return sn.epoch }

// Release frees the snapshot. It is idempotent.
func (sn *Snapshot) Release() {
	if sn.released.Swap(true) || sn.view == nil {
		return
	}
	sn.s.releaseView(sn.view)
}

// begin registers a Badger read; it fails on a released snapshot or closed
// store.
func (sn *Snapshot) begin() error {
	if sn.released.Load() {
		return errors.New("state: snapshot used after Release")
	}
	sn.s.mu.RLock()
	defer sn.s.mu.RUnlock()
	if sn.s.closed || sn.view == nil {
		return ErrClosed
	}
	sn.s.readers.Add(1)
	return nil
}

// Get returns the row of table l with primary key pk at the snapshot.
func (sn *Snapshot) Get(l types.TableLayout, pk types.Row) (types.Row, bool, error) {
	if err := sn.begin(); err != nil {
		return nil, false, err
	}
	defer sn.s.readers.Done()
	tc := sn.s.codecFor(l)
	key := tc.pkKey(pk)
	if tc.blocked {
		return tc.blockGet(sn.scan, key)
	}
	var row types.Row
	ok, err := layersLookup(sn.layers, sn.view, l.ID, bytesToString(key), func(v []byte) error {
		var err error
		row, err = tc.decode(key, v) // decode copies
		return err
	})
	if err != nil || !ok {
		return nil, false, err
	}
	return row, true, nil
}

// Scan calls fn for the rows of table l whose primary key starts with
// prefix (the first len(prefix) key columns), in key order, at the snapshot,
// until fn returns false.
func (sn *Snapshot) Scan(l types.TableLayout, prefix types.Row, fn func(types.Row) bool) error {
	if err := sn.begin(); err != nil {
		return err
	}
	defer sn.s.readers.Done()
	tc := sn.s.codecFor(l)
	p := string(tc.prefixKey(prefix))
	if tc.blocked {
		return sn.scan(string(tc.prefix), tc.blockScanFn(p, fn))
	}
	return sn.scan(p, tc.scanFn(fn))
}

// ScanFrom is Scan from a starting key: it calls fn for the rows of table l
// whose primary key starts with prefix and is at or after the key prefix
// from (whose first len(prefix) values are prefix), in key order, until fn
// returns false. On a table stored in blocks (an append-only table keyed
// by its row id) it reads every row of prefix.
func (sn *Snapshot) ScanFrom(l types.TableLayout, prefix, from types.Row, fn func(types.Row) bool) error {
	if err := sn.begin(); err != nil {
		return err
	}
	defer sn.s.readers.Done()
	tc := sn.s.codecFor(l)
	p := string(tc.prefixKey(prefix))
	if tc.blocked {
		return sn.scan(string(tc.prefix), tc.blockScanFn(p, fn))
	}
	start := string(tc.prefixKey(from))
	if len(start) < len(p) || start[:len(p)] != p {
		return fmt.Errorf("state: table %q: scan start does not extend its prefix", l.Name)
	}
	id := binary.BigEndian.Uint32([]byte(p[:tablePrefixSz]))
	srcs, v := layerSources(nil, sn.layers, sn.view, id, p)
	return mergeScanFrom(srcs, v, p, start, tc.scanFn(fn))
}

// scan merges the snapshot's sources for keys with prefix p (the caller
// has begun the read).
func (sn *Snapshot) scan(p string, fn func(k string, v []byte) (bool, error)) error {
	id := binary.BigEndian.Uint32([]byte(p[:tablePrefixSz]))
	srcs, v := layerSources(nil, sn.layers, sn.view, id, p)
	return mergeScan(srcs, v, p, fn)
}

// GetMeta returns the value of a meta key at the snapshot.
func (sn *Snapshot) GetMeta(key string) ([]byte, bool, error) {
	if err := sn.begin(); err != nil {
		return nil, false, err
	}
	defer sn.s.readers.Done()
	v, ok, err := layersGet(sn.layers, sn.view, metaID, metaKey(key))
	if err != nil || !ok {
		return nil, false, err
	}
	return append([]byte(nil), v...), true, nil
}

// ScanMeta calls fn for every meta key with the prefix at the snapshot, in
// key order, until fn returns false.
func (sn *Snapshot) ScanMeta(prefix string, fn func(k string, v []byte) bool) error {
	if err := sn.begin(); err != nil {
		return err
	}
	defer sn.s.readers.Done()
	p := metaKey(prefix)
	srcs, v := layerSources(nil, sn.layers, sn.view, metaID, p)
	return mergeScan(srcs, v, p, func(k string, v []byte) (bool, error) {
		return fn(k[tablePrefixSz+1:], append([]byte(nil), v...)), nil
	})
}

// TableStat describes the in-memory (not yet committed) data of one table.
type TableStat struct {
	StagedRows  int // keys written in the open epoch (puts and deletes)
	StagedBytes int // approximate key+value bytes of those writes
	SealedRows  int // keys in sealed, uncommitted layers
	SealedBytes int
}

// TableStats returns, per table ID with uncommitted data, the size of its
// open write set and sealed layers (for metrics). Meta keys are under ID 0.
func (s *Store) TableStats() map[uint32]TableStat {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[uint32]TableStat{}
	for id, td := range s.tables {
		td.mu.Lock()
		td.flushBlockLocked()
		if td.staged.n > 0 {
			st := out[id]
			st.StagedRows, st.StagedBytes = td.staged.n, td.staged.bytes
			out[id] = st
		}
		td.mu.Unlock()
	}
	for _, ly := range s.layers {
		for id, tl := range ly.tables {
			st := out[id]
			st.SealedRows += len(tl.entries)
			for _, e := range tl.entries {
				st.SealedBytes += len(e.key) + len(e.val)
			}
			out[id] = st
		}
	}
	return out
}
