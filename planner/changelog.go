package planner

import (
	"github.com/eddysql/eddy/types"
)

// RisingWave's `WITH c AS CHANGELOG FROM rel`: the relation's change stream
// as an append-only relation. Each change of rel becomes one row: rel's
// columns, then changelog_op (smallint: 1 insert, 2 delete, 3 the new row
// of an update, 4 the old row of an update), then the hidden
// _changelog_row_id (bigint), increasing in the order the changes happen.

// LogicalChangelog is the change stream of Input.
type LogicalChangelog struct {
	Input Node
	Cols  types.Schema
}

func newLogicalChangelog(in Node) *LogicalChangelog {
	s := append(types.Schema(nil), in.Schema()...)
	s = append(s, types.Column{Name: "changelog_op", Type: types.Int16},
		types.Column{Name: "_changelog_row_id", Type: types.Int64, Hidden: true})
	return &LogicalChangelog{Input: in, Cols: s}
}

// Schema returns the input's columns, changelog_op and _changelog_row_id.
func (n *LogicalChangelog) Schema() types.Schema { return n.Cols }

// Children returns the input.
func (n *LogicalChangelog) Children() []Node { return []Node{n.Input} }

// WithChildren returns a copy over a new input.
func (n *LogicalChangelog) WithChildren(ch []Node) Node { c := *n; c.Input = ch[0]; return &c }

// Describe names the node.
func (n *LogicalChangelog) Describe() string { return "Changelog" }

// StreamChangelog turns every change of Input into an inserted row (see
// operators.Changelog). Output: Input's row, changelog_op, then
// _changelog_row_id, the stream key. Table: the row-id counter, Cols =
// [int2, int8], PK = [0].
type StreamChangelog struct {
	streamProps
	Input StreamNode
	Table types.TableLayout
}

// Inputs returns the input.
func (n *StreamChangelog) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Tables returns the counter table.
func (n *StreamChangelog) Tables() []types.TableLayout { return []types.TableLayout{n.Table} }

// Describe names the node.
func (n *StreamChangelog) Describe() string { return "StreamChangelog" }

func (sb *streamBuilder) changelog(x *LogicalChangelog) StreamNode {
	in := sb.build(x.Input)
	lw := width(x.Input)
	s := in.Schema()
	out := append(append(types.Schema(nil), s...), x.Cols[lw], x.Cols[lw+1])
	cl := &StreamChangelog{
		streamProps: streamProps{schema: out, key: []int{len(out) - 1}, appendOnly: true},
		Input:       in,
		Table:       sb.table("changelog", "rowid", []types.Type{types.Int16, types.Int64}, []int{0}, nil),
	}
	if len(s) == lw {
		return cl
	}
	return moveTail(cl, lw, 2)
}
