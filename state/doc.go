// Package state is Eddy's state store: every state table of every operator,
// and the catalog, in one Badger database, versioned by epoch.
//
// # Tables and keys
//
// A state table is a key range. Its key is the 4-byte big-endian table ID
// followed by the memcomparable encoding of the primary-key columns
// (EncodeKey): bytes.Compare of two keys orders them as types.CompareRows
// orders the rows, so a scan of a key prefix returns rows in primary-key
// order, and a prefix of the key columns is a byte prefix of the key. The
// value is the compact encoding (EncodeValue) of the non-key columns,
// preceded by the key columns whose key encoding normalises them (numeric
// scale, interval fields), so rows come back exactly as they were put. Table
// ID 0 is reserved for meta keys (PutMeta) and for the commit records.
// docs/state-format.md describes the bytes.
//
// # Epochs: staged, sealed, committed
//
// Writes never go to Badger directly. A Table's Put and Delete land in the
// table's write set for the open epoch (an ordered skiplist, guarded by a
// mutex per table). At a barrier the engine calls Seal(epoch): every write
// set becomes part of the immutable, sorted layer of that epoch, and the
// epoch is visible: Snapshot(epoch) reads the layers ≤ epoch merged over
// Badger. Every few barriers the engine calls Commit(epoch, meta), which
// writes all layers ≤ epoch into Badger at commit timestamp = epoch (managed
// mode: Badger versions are epochs), then writes the "epoch committed"
// marker, holding the epoch and meta (source offsets), in a separate
// transaction, last. Only then do readers switch to the new Badger version
// and the layers are dropped. Visibility (Seal) is thus decoupled from
// durability (Commit), and no Badger write happens per event.
//
// A Badger WriteBatch may split a large epoch into several transactions, so
// a crash can leave part of an epoch in Badger without its marker. Reads
// always use a timestamp ≤ the marker's epoch, so such versions are never
// seen; and because a later commit would otherwise expose them under a
// higher read timestamp, Open rewrites every key touched after the marker
// back to its committed value at a fresh timestamp above them, and moves
// the marker there. Before writing data, Commit records the epoch it
// attempts, so Open knows how far garbage can reach.
//
// # Reads
//
// Table.Get and Table.Scan read the latest state for the writer: the open
// write set, then sealed layers newest first, then Badger at the committed
// epoch. A Snapshot pins the layers ≤ its epoch and a reference-counted
// Badger read transaction at the committed epoch, so it stays consistent
// while the streaming goroutine keeps sealing and committing; SELECTs run
// on snapshots from other goroutines. Iteration merges the sources in key
// order, newer sources shadowing older ones and tombstones hiding what lies
// below; a dropped table (DropTable) acts as a range tombstone. Badger's
// discard timestamp follows the oldest live read view, so compaction never
// removes a version a reader still needs.
package state
