package operators

import (
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// Conflict says how a Materialize treats changes that do not match its
// table.
type Conflict uint8

const (
	// ConflictNone trusts the input to be a consistent changelog keyed by
	// PK (an MV fed by its stream key): changes are applied as they come.
	ConflictNone Conflict = iota
	// ConflictOverwrite gives upsert semantics (CREATE TABLE with a primary
	// key): an Insert of an existing key replaces the row, a Delete of a
	// missing key is dropped, and a Delete needs only the key (the old row
	// is read from the table).
	ConflictOverwrite
	// ConflictDoNothing is ON CONFLICT DO NOTHING: as ConflictOverwrite,
	// except that an Insert of an existing key is dropped (the first row
	// stays).
	ConflictDoNothing
	// ConflictIfNotNull is ON CONFLICT DO UPDATE IF NOT NULL: as
	// ConflictOverwrite, except that an Insert of an existing key keeps the
	// stored value of every column where the new row has NULL.
	ConflictIfNotNull
)

// MaterializeArgs configures a Materialize.
//
// Table layout: Cols = the input row's types, in input order; PK = the key
// positions in the input row (args.PK; empty means Table.PK).
type MaterializeArgs struct {
	Table    types.TableLayout
	Store    *state.Store
	PK       []int
	Conflict Conflict
	// VersionCols (WITH VERSION COLUMN, not with ConflictNone or
	// ConflictDoNothing) are the row positions of the version: an Insert
	// of an existing key whose version, compared as a tuple, is lower than
	// the stored row's is dropped (NULL is lower than any value).
	VersionCols []int
	// TTLIndex, when set, is the expiry index of a table WITH TTL on
	// column TTLCol (see TTLIndexLayout): CleanBelow reads it to find the
	// rows below a watermark without scanning the table.
	TTLIndex *types.TableLayout
	TTLCol   int
}

// TTLIndexLayout returns the layout of the expiry index of a table WITH
// TTL: one row per stored row (event time ‖ the table's key columns), all
// key, so that the rows below a watermark come first. colType is the event
// time's type, pkTypes the table's key column types.
func TTLIndexLayout(id uint32, name string, colType types.Type, pkTypes []types.Type) types.TableLayout {
	cols := append([]types.Type{colType}, pkTypes...)
	pk := make([]int, len(cols))
	for i := range pk {
		pk[i] = i
	}
	return types.TableLayout{ID: id, Name: name, Cols: cols, PK: pk}
}

// Materialize writes its input stream into a state table keyed by PK and
// forwards the effective changes. Readers (SELECT, point lookups) read the
// table through state snapshots.
//
// State: Table, one row per key: the current row. With a TTL index, also
// one index row (event time ‖ key) per stored row whose event time is not
// NULL; an index row may outlive its table row (deletes and updates leave
// it), CleanBelow checks the table before deleting.
//
// Delta rule: with ConflictNone, Δout = Δin and each change is applied
// (Put for inserts, Delete by key for deletes). With ConflictOverwrite,
// against the table's current row old(k):
//
//	Insert r, old absent      → Insert r
//	Insert r, old == r        → nothing
//	Insert r, old != r        → UpdateDelete old, UpdateInsert r
//	Delete k, old absent      → nothing
//	Delete k, old present     → Delete old
//
// and an input update pair whose halves turn into Delete old, Insert new is
// emitted as the update pair UpdateDelete old, UpdateInsert new.
//
// In both modes an update pair whose two rows are identical (same key, every
// column the same value printed the same way) is a no-op: it is neither
// applied nor forwarded, so a projection that drops the changed columns
// does not show downstream (in a changelog, say) as an update.
type Materialize struct {
	Output
	table    *state.Table
	layout   types.TableLayout
	pk       []int
	conflict Conflict
	versions []int
	// exactKey: every key column has one encoding per value (no -0.0 or
	// 1.0 vs 1.00), so equal key datums mean the same stored key.
	exactKey bool
	ttlIndex *state.Table // nil without WITH TTL
	ttlCol   int
	idxRow   types.Row
	// shared: the table is a view of the result table of the HashAgg that
	// feeds this node (TableLayout.StoredCols), which writes it; the node
	// only forwards the changes.
	shared bool
}

var _ Node = (*Materialize)(nil)

// NewMaterialize returns a Materialize.
func NewMaterialize(args MaterializeArgs) (*Materialize, error) {
	l := args.Table
	pk := args.PK
	if len(pk) == 0 {
		pk = l.PK
	}
	if !slices.Equal(pk, l.PK) {
		return nil, fmt.Errorf("materialize: table %q: PK %v does not match the layout's PK %v", l.Name, pk, l.PK)
	}
	for _, k := range pk {
		if k < 0 || k >= len(l.Cols) {
			return nil, fmt.Errorf("materialize: table %q: PK column %d out of range (%d columns)", l.Name, k, len(l.Cols))
		}
	}
	if args.Store == nil {
		return nil, fmt.Errorf("materialize: table %q: no store", l.Name)
	}
	exact := true
	for _, k := range pk {
		switch l.Cols[k].Kind {
		case types.KindBool, types.KindInt16, types.KindInt32, types.KindInt64, types.KindVarchar, types.KindBytea,
			types.KindDate, types.KindTime, types.KindTimestamp, types.KindTimestamptz:
		default:
			exact = false
		}
	}
	for _, v := range args.VersionCols {
		if v < 0 || v >= len(l.Cols) {
			return nil, fmt.Errorf("materialize: table %q: version column %d out of range (%d columns)", l.Name, v, len(l.Cols))
		}
	}
	if len(args.VersionCols) > 0 && (args.Conflict == ConflictNone || args.Conflict == ConflictDoNothing) {
		return nil, fmt.Errorf("materialize: table %q: version columns need an updating conflict mode", l.Name)
	}
	m := &Materialize{table: args.Store.Table(l), layout: l, pk: pk, conflict: args.Conflict, versions: args.VersionCols, exactKey: exact, shared: l.SharedView()}
	if m.shared && (args.Conflict != ConflictNone || args.TTLIndex != nil) {
		return nil, fmt.Errorf("materialize: table %q: a shared view takes no conflict mode or TTL", l.Name)
	}
	if args.TTLIndex != nil {
		if args.TTLCol < 0 || args.TTLCol >= len(l.Cols) {
			return nil, fmt.Errorf("materialize: table %q: TTL column %d out of range", l.Name, args.TTLCol)
		}
		pkTypes := make([]types.Type, len(pk))
		for i, k := range pk {
			pkTypes[i] = l.Cols[k]
		}
		want := TTLIndexLayout(args.TTLIndex.ID, args.TTLIndex.Name, l.Cols[args.TTLCol], pkTypes)
		if !slices.Equal(want.Cols, args.TTLIndex.Cols) || !slices.Equal(want.PK, args.TTLIndex.PK) {
			return nil, fmt.Errorf("materialize: table %q: TTL index layout %v/%v, want %v/%v", l.Name, args.TTLIndex.Cols, args.TTLIndex.PK, want.Cols, want.PK)
		}
		m.ttlIndex, m.ttlCol = args.Store.Table(*args.TTLIndex), args.TTLCol
		m.idxRow = make(types.Row, 1+len(pk))
	}
	return m, nil
}

// indexRow records a stored row in the TTL index (rows with a NULL event
// time never expire and are not indexed).
func (m *Materialize) indexRow(r types.Row) {
	if m.ttlIndex == nil || r[m.ttlCol] == nil {
		return
	}
	m.idxRow[0] = r[m.ttlCol]
	for i, k := range m.pk {
		m.idxRow[1+i] = r[k]
	}
	m.ttlIndex.Put(m.idxRow)
}

// Push implements Node.
func (m *Materialize) Push(_ int, c *types.Chunk) error {
	if len(c.Types) != len(m.layout.Cols) {
		c.Release()
		return fmt.Errorf("materialize: table %q has %d columns, input has %d", m.layout.Name, len(m.layout.Cols), len(c.Types))
	}
	if m.shared {
		// The aggregation that writes the table emits no no-op updates.
		return m.Emit(c)
	}
	if m.conflict == ConflictNone {
		if nc := dropNoopUpdates(c); nc != c {
			c.Release()
			if nc == nil {
				return nil
			}
			c = nc
		}
		// No reads: each change is applied as it comes, encoded straight
		// from the chunk's columns.
		n := c.NumRows()
		for i := 0; i < n; i++ {
			if c.Ops[i] == types.UpdateDelete && i+1 < n && c.Ops[i+1] == types.UpdateInsert && m.exactKey && m.sameKey(c, i, i+1) {
				continue // the update's Put replaces the row: no Delete needed
			}
			if c.Ops[i].IsInsert() {
				if m.ttlIndex != nil {
					r := c.Row(i)
					m.table.Put(r)
					m.indexRow(r)
				} else {
					m.table.PutAt(c, i)
				}
			} else {
				m.table.DeleteAt(c, m.pk, i)
			}
		}
		return m.Emit(c)
	}
	defer c.Release()
	b := types.NewChunkBuilder(c.Types, c.NumRows())
	defer b.Release()
	var out changes
	for i := 0; i < c.NumRows(); i++ {
		pair := c.Ops[i] == types.UpdateDelete && i+1 < c.NumRows() && c.Ops[i+1] == types.UpdateInsert
		out.reset()
		n := 1
		if pair {
			n = 2
		}
		for j := i; j < i+n; j++ {
			if err := m.overwrite(c.Ops[j], c.Row(j), &out); err != nil {
				return err
			}
		}
		if pair && out.n == 2 && out.ops[0] == types.Delete && out.ops[1] == types.Insert {
			out.ops[0], out.ops[1] = types.UpdateDelete, types.UpdateInsert
			if owRowsIdentical(out.rows[0], out.rows[1]) {
				out.reset() // a no-op update (the table holds the same row)
			}
		}
		for k := range out.n {
			b.Append(out.ops[k], out.rows[k])
		}
		i += n - 1
	}
	if b.Len() == 0 {
		return nil
	}
	return m.Emit(b.Build())
}

// dropNoopUpdates returns c without its update pairs whose two rows are
// identical: c itself when there are none, nil when nothing is left.
func dropNoopUpdates(c *types.Chunk) *types.Chunk {
	n := c.NumRows()
	var drop []bool
	for i := 0; i+1 < n; i++ {
		if c.Ops[i] != types.UpdateDelete || c.Ops[i+1] != types.UpdateInsert {
			continue
		}
		if rowsIdenticalAt(c, i, i+1) {
			if drop == nil {
				drop = make([]bool, n)
			}
			drop[i], drop[i+1] = true, true
		}
		i++
	}
	if drop == nil {
		return c
	}
	b := types.NewChunkBuilder(c.Types, n)
	defer b.Release()
	for i := 0; i < n; i++ {
		if !drop[i] {
			b.Append(c.Ops[i], c.Row(i))
		}
	}
	if b.Len() == 0 {
		return nil
	}
	return b.Build()
}

// rowsIdenticalAt reports whether rows i and j of c hold identical values
// (owIdentical per column), reading plain columns in place and stopping at
// the first difference.
func rowsIdenticalAt(c *types.Chunk, i, j int) bool {
	for k, col := range c.Cols {
		ni, nj := col.IsNull(i), col.IsNull(j)
		if ni || nj {
			if ni != nj {
				return false
			}
			continue
		}
		switch a := col.(type) {
		case *array.Int64:
			if a.Value(i) != a.Value(j) {
				return false
			}
		case *array.Int32:
			if a.Value(i) != a.Value(j) {
				return false
			}
		case *array.Int16:
			if a.Value(i) != a.Value(j) {
				return false
			}
		case *array.String:
			if a.Value(i) != a.Value(j) {
				return false
			}
		case *array.Boolean:
			if a.Value(i) != a.Value(j) {
				return false
			}
		case *array.Float64:
			if math.Float64bits(a.Value(i)) != math.Float64bits(a.Value(j)) {
				return false
			}
		default:
			if !owIdentical(types.DatumAt(col, c.Types[k], i), types.DatumAt(col, c.Types[k], j)) {
				return false
			}
		}
	}
	return true
}

// sameKey reports whether rows i and j of c have the same primary key.
func (m *Materialize) sameKey(c *types.Chunk, i, j int) bool {
	for _, k := range m.pk {
		if a, ok := c.Cols[k].(*array.Int64); ok {
			if a.IsNull(i) || a.IsNull(j) {
				if a.IsNull(i) != a.IsNull(j) {
					return false
				}
				continue
			}
			if a.Value(i) != a.Value(j) {
				return false
			}
			continue
		}
		if !types.Equal(types.DatumAt(c.Cols[k], c.Types[k], i), types.DatumAt(c.Cols[k], c.Types[k], j)) {
			return false
		}
	}
	return true
}

// changes collects the (at most four) changes of one input change or
// update pair without allocating.
type changes struct {
	ops  [4]types.Op
	rows [4]types.Row
	n    int
}

func (o *changes) reset() { o.n = 0 }

func (o *changes) emit(op types.Op, r types.Row) {
	o.ops[o.n], o.rows[o.n] = op, r
	o.n++
}

func (m *Materialize) overwrite(op types.Op, r types.Row, out *changes) error {
	emit := out.emit
	key := r.Project(m.pk)
	old, found, err := m.table.Get(key)
	if err != nil {
		return fmt.Errorf("materialize: table %q: %w", m.layout.Name, err)
	}
	if op.IsInsert() {
		if found {
			if m.conflict == ConflictDoNothing || olderVersion(r, old, m.versions) {
				return nil
			}
			if m.conflict == ConflictIfNotNull {
				r = mergeNotNull(r, old)
			}
		}
		switch {
		case !found:
			emit(types.Insert, r)
		case owRowsIdentical(old, r):
			return nil
		default:
			emit(types.UpdateDelete, old)
			emit(types.UpdateInsert, r)
		}
		m.table.Put(r)
		m.indexRow(r)
		return nil
	}
	if found {
		emit(types.Delete, old)
		m.table.Delete(key)
	}
	return nil
}

// olderVersion reports whether row r's version (the columns vs, compared
// in order as a tuple, NULL lowest) is lower than old's.
func olderVersion(r, old types.Row, vs []int) bool {
	for _, v := range vs {
		a, b := r[v], old[v]
		var c int
		switch {
		case a == nil && b == nil:
			c = 0
		case a == nil:
			c = -1
		case b == nil:
			c = 1
		default:
			c = types.Compare(a, b)
		}
		if c != 0 {
			return c < 0
		}
	}
	return false
}

// mergeNotNull returns r with its NULL columns replaced by old's values.
func mergeNotNull(r, old types.Row) types.Row {
	var out types.Row
	for i, d := range r {
		if d == nil && old[i] != nil {
			if out == nil {
				out = append(types.Row(nil), r...)
			}
			out[i] = old[i]
		}
	}
	if out == nil {
		return r
	}
	return out
}

// Barrier implements Node: every change is already staged in the table.
func (m *Materialize) Barrier(_ int, b Barrier) error { return m.EmitBarrier(b) }

// Watermark implements Node: watermarks pass through.
func (m *Materialize) Watermark(_ int, w Watermark) error { return m.EmitWatermark(w) }

// CleanBelow deletes from the table, without emitting anything, every row
// whose column col is below v (the state cleaning of a table WITH TTL: its
// rows below the watermark have expired). It returns how many rows it
// deleted. Rows with a NULL in col are kept. With a TTL index on col, it
// reads the index entries below v (and deletes them) instead of scanning
// the table.
func (m *Materialize) CleanBelow(col int, v types.Datum) (int, error) {
	if m.shared {
		return 0, fmt.Errorf("materialize: table %q: TTL cleaning of a shared view", m.layout.Name)
	}
	if col < 0 || col >= len(m.layout.Cols) {
		return 0, fmt.Errorf("materialize: table %q: TTL column %d out of range", m.layout.Name, col)
	}
	expired := func(r types.Row) bool { return r[col] != nil && types.Compare(r[col], v) < 0 }
	if m.ttlIndex != nil && col == m.ttlCol {
		var entries []types.Row
		err := m.ttlIndex.Scan(nil, func(e types.Row) bool {
			if e[0] == nil || types.Compare(e[0], v) >= 0 {
				return false
			}
			entries = append(entries, e)
			return true
		})
		if err != nil {
			return 0, fmt.Errorf("materialize: table %q: TTL index scan: %w", m.layout.Name, err)
		}
		n := 0
		for _, e := range entries {
			m.ttlIndex.Delete(e)
			key := e[1:]
			r, ok, err := m.table.Get(key)
			if err != nil {
				return n, fmt.Errorf("materialize: table %q: %w", m.layout.Name, err)
			}
			// The entry may be stale: the row was deleted, or updated to a
			// later time (its own entry then stays).
			if ok && expired(r) {
				m.table.Delete(key)
				n++
			}
		}
		return n, nil
	}
	var keys []types.Row
	err := m.table.Scan(nil, func(r types.Row) bool {
		if expired(r) {
			keys = append(keys, r.Project(m.pk))
		}
		return true
	})
	if err != nil {
		return 0, fmt.Errorf("materialize: table %q: TTL scan: %w", m.layout.Name, err)
	}
	for _, k := range keys {
		m.table.Delete(k)
	}
	return len(keys), nil
}
