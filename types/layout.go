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
}
