package types

// TableLayout describes one state table: its columns, and which of them
// form the primary key, in key order. The planner decides every layout; the
// state package stores rows by it. Columns not in PK are the value.
type TableLayout struct {
	ID   uint32
	Name string // for EXPLAIN and debugging, e.g. "hashagg_3_result"
	Cols []Type
	PK   []int  // positions in Cols, in key order
	Desc []bool // per PK column: descending order (nil = all ascending)
	// AppendBlocks says that rows come in increasing key order and are
	// rarely deleted (an APPEND ONLY table keyed by its hidden row id), so
	// the store keeps many rows under one key (docs/state-format.md). Reads
	// and writes work as for any table; out-of-order puts and deletes are
	// correct but slow.
	AppendBlocks bool
	// StoredCols > len(Cols) makes the layout a read-only view of another
	// table with the same ID whose rows have StoredCols columns, of which
	// Cols are the leading ones (same primary key): a materialized view
	// over a grouped aggregation reads the aggregation's result table
	// instead of keeping a copy (docs/state-format.md). 0 = a table of its
	// own.
	StoredCols int
}

// SharedView reports whether l reads another table's rows (StoredCols).
func (l TableLayout) SharedView() bool { return l.StoredCols > len(l.Cols) }
