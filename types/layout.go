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
}
