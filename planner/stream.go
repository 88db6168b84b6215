package planner

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// StreamNode is a node of a stream plan: pure data that the engine turns
// into an incremental operator. The schema of every node starts with the
// columns of the logical node it was planned from; trailing Hidden columns
// carry what the stream key needs.
type StreamNode interface {
	// Schema returns the output columns.
	Schema() types.Schema
	// StreamKey returns a unique key of the output rows, as positions in
	// Schema; empty when the output has at most one row.
	StreamKey() []int
	// AppendOnly reports whether the output never retracts rows.
	AppendOnly() bool
	// Inputs returns the input nodes.
	Inputs() []StreamNode
	// Tables returns the state tables the node owns.
	Tables() []types.TableLayout
	// Describe returns the one-line EXPLAIN description.
	Describe() string
}

// streamProps holds what every stream node knows about its output.
type streamProps struct {
	schema     types.Schema
	key        []int
	appendOnly bool
}

// Schema returns the output columns.
func (p *streamProps) Schema() types.Schema { return p.schema }

// StreamKey returns the output's unique key.
func (p *streamProps) StreamKey() []int { return p.key }

// AppendOnly reports whether the output never retracts.
func (p *streamProps) AppendOnly() bool { return p.appendOnly }

// StreamTableScan reads a table, MV or source: the backfill snapshot, then
// its change stream. Its output is Relation.Schema[Cols[i]]; primary key
// columns missing from Cols were appended (Hidden) by the planner.
type StreamTableScan struct {
	streamProps
	Relation *Relation
	Cols     []int
	// Prefix (one-shot queries only): read only the rows whose leading
	// Relation.Layout.PK columns equal these values.
	Prefix types.Row
	// Range (one-shot queries only): read only the rows whose key column
	// after Prefix is in this range (a superset: NULLs may be read).
	Range *KeyRange
}

// StreamValues emits constant rows once. Its last column is a hidden
// bigint row number, the stream key.
type StreamValues struct {
	streamProps
	Rows []types.Row // including the row number
}

// StreamProject computes Exprs over each input row. Trailing hidden
// expressions carry the input's stream key.
type StreamProject struct {
	streamProps
	Input StreamNode
	Exprs []expr.Expr
}

// StreamFilter keeps the rows for which Cond is true.
type StreamFilter struct {
	streamProps
	Input StreamNode
	Cond  expr.Expr
}

// StreamHashAgg is a grouped (or, with an empty GroupKey, simple)
// aggregation. Output: group key columns, then one column per call.
// ResultTable and AggTables follow the "operators layouts" section of
// docs/dev/contracts.md.
type StreamHashAgg struct {
	streamProps
	Input           StreamNode
	GroupKey        []int
	Aggs            []expr.AggCall
	AppendOnlyInput bool
	ResultTable     types.TableLayout
	AggTables       []types.TableLayout // zero layout for calls without one; nil when none has one
	// SharedResult: the materialized view reads ResultTable as its table
	// (TableLayout.StoredCols), so the result rows must outlive watermarks.
	SharedResult bool
}

// StreamHashJoin is an equi join. Keys and Cond refer to the natural output
// Left.Schema() ++ Right.Schema(); OutputCols (positions in that natural
// output) gives the node's Schema; nil means the natural output (the left
// row only for semi and anti joins). For JoinNullAwareAnti the last key pair
// is the null-aware NOT IN key.
type StreamHashJoin struct {
	streamProps
	Kind                    JoinKind
	Left, Right             StreamNode
	LeftKeys, RightKeys     []int
	NullSafe                []bool
	Cond                    expr.Expr
	OutputCols              []int
	LeftTable, RightTable   types.TableLayout
	LeftDegree, RightDegree types.TableLayout
}

// StreamUnion merges inputs with identical schemas (the planner adds
// projections that pad each branch's key columns and a branch id).
type StreamUnion struct {
	streamProps
	Branches []StreamNode
}

// StreamMaterialize writes its input into the MV table keyed by PK (upsert).
type StreamMaterialize struct {
	streamProps
	Input   StreamNode
	Table   types.TableLayout
	PK      []int
	Columns types.Schema // names and hidden flags of the MV's columns
}

// StreamGroupTopN keeps, per PartitionBy group, the first Limit rows after
// Offset in OrderBy order. WithTies: RANK semantics; Dense: DENSE_RANK
// semantics. With RankCol set it appends the rank as a bigint column.
// Table: Cols = the input row, PK = PartitionBy ++ OrderBy columns ++ the
// input stream key (no duplicates), Desc per OrderBy key.
type StreamGroupTopN struct {
	streamProps
	Input       StreamNode
	PartitionBy []int
	OrderBy     []expr.SortKey
	Limit       int64
	Offset      int64
	WithTies    bool
	Dense       bool
	RankCol     string
	Table       types.TableLayout
}

// StreamTemporalFilter keeps the rows with Left Op Right, where Right
// depends only on NOW() (the epoch's time on the barrier). As NOW() moves,
// rows that stop satisfying it are retracted (and, for < / <=, rows that
// start satisfying it are emitted). Table: Cols = [Left's type] ++ the input
// row, PK = [0] ++ the input stream key shifted by one.
type StreamTemporalFilter struct {
	streamProps
	Input StreamNode
	Left  expr.Expr
	Op    string
	Right expr.Expr
	Table types.TableLayout
}

// StreamHopWindow appends window_start and window_end to each row, once per
// hopping window containing the row's TimeCol (TUMBLE: Slide == Size).
type StreamHopWindow struct {
	streamProps
	Input       StreamNode
	TimeCol     int
	Slide, Size types.Interval
}

// Inputs implementations.

// Inputs returns nil.
func (n *StreamTableScan) Inputs() []StreamNode { return nil }

// Inputs returns nil.
func (n *StreamValues) Inputs() []StreamNode { return nil }

// Inputs returns the input.
func (n *StreamProject) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Inputs returns the input.
func (n *StreamFilter) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Inputs returns the input.
func (n *StreamHashAgg) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Inputs returns left and right.
func (n *StreamHashJoin) Inputs() []StreamNode { return []StreamNode{n.Left, n.Right} }

// Inputs returns the branches.
func (n *StreamUnion) Inputs() []StreamNode { return n.Branches }

// Inputs returns the input.
func (n *StreamMaterialize) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Inputs returns the input.
func (n *StreamGroupTopN) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Inputs returns the input.
func (n *StreamTemporalFilter) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Inputs returns the input.
func (n *StreamHopWindow) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Tables implementations.

// Tables returns nil.
func (n *StreamTableScan) Tables() []types.TableLayout { return nil }

// Tables returns nil.
func (n *StreamValues) Tables() []types.TableLayout { return nil }

// Tables returns nil.
func (n *StreamProject) Tables() []types.TableLayout { return nil }

// Tables returns nil.
func (n *StreamFilter) Tables() []types.TableLayout { return nil }

// Tables returns the result table and the aggregates' tables.
func (n *StreamHashAgg) Tables() []types.TableLayout {
	out := []types.TableLayout{n.ResultTable}
	for _, t := range n.AggTables {
		if t.ID != 0 {
			out = append(out, t)
		}
	}
	return out
}

// Tables returns the side tables and the degree tables in use.
func (n *StreamHashJoin) Tables() []types.TableLayout {
	out := []types.TableLayout{n.LeftTable, n.RightTable}
	if n.LeftDegree.ID != 0 {
		out = append(out, n.LeftDegree)
	}
	if n.RightDegree.ID != 0 {
		out = append(out, n.RightDegree)
	}
	return out
}

// Tables returns nil.
func (n *StreamUnion) Tables() []types.TableLayout { return nil }

// Tables returns the MV table.
func (n *StreamMaterialize) Tables() []types.TableLayout { return []types.TableLayout{n.Table} }

// Tables returns the top-N state table.
func (n *StreamGroupTopN) Tables() []types.TableLayout { return []types.TableLayout{n.Table} }

// Tables returns the buffered-rows table.
func (n *StreamTemporalFilter) Tables() []types.TableLayout {
	return []types.TableLayout{n.Table}
}

// Tables returns nil.
func (n *StreamHopWindow) Tables() []types.TableLayout { return nil }

// Describe implementations.

// Describe names the relation and columns.
func (n *StreamTableScan) Describe() string {
	if n.Prefix != nil || n.Range != nil {
		return fmt.Sprintf("StreamTableScan %s cols=%s%s", n.Relation.Name, colNames(n.schema), keyAccessText(n.Relation, n.Prefix, n.Range))
	}
	return fmt.Sprintf("StreamTableScan %s cols=%s", n.Relation.Name, colNames(n.schema))
}

// Describe counts the rows.
func (n *StreamValues) Describe() string {
	var rows []string
	for _, r := range n.Rows {
		var vs []string
		for _, d := range r[:len(r)-1] {
			vs = append(vs, types.FormatText(d))
		}
		rows = append(rows, "("+strings.Join(vs, ", ")+")")
	}
	return "StreamValues " + strings.Join(rows, ", ")
}

// Describe lists the expressions.
func (n *StreamProject) Describe() string {
	parts := make([]string, len(n.Exprs))
	for i, e := range n.Exprs {
		parts[i] = e.String()
		if n.schema[i].Hidden {
			parts[i] += " (hidden)"
		}
	}
	return "StreamProject " + strings.Join(parts, ", ")
}

// Describe prints the condition.
func (n *StreamFilter) Describe() string { return "StreamFilter " + n.Cond.String() }

// Describe prints the group key and aggregates.
func (n *StreamHashAgg) Describe() string {
	return fmt.Sprintf("StreamHashAgg group=%s aggs=[%s]", intList(n.GroupKey), aggList(n.Aggs))
}

// Describe prints the kind, keys and condition.
func (n *StreamHashJoin) Describe() string {
	s := "StreamHashJoin " + describeJoin(n.Kind, n.LeftKeys, n.RightKeys, n.NullSafe, n.Cond)
	if n.OutputCols != nil {
		s += " output=" + intList(n.OutputCols)
	}
	return s
}

// Describe returns "StreamUnion".
func (n *StreamUnion) Describe() string { return "StreamUnion" }

// Describe lists the MV columns.
func (n *StreamMaterialize) Describe() string {
	return fmt.Sprintf("StreamMaterialize %s cols=%s pk=%s", n.Table.Name, colNames(n.Columns), intList(n.PK))
}

// Describe prints partition, order and limit.
func (n *StreamGroupTopN) Describe() string {
	return "StreamGroupTopN " + describeTopN(n.PartitionBy, n.OrderBy, n.Limit, n.Offset, n.WithTies, n.Dense, n.RankCol)
}

// Describe prints the condition.
func (n *StreamTemporalFilter) Describe() string {
	return fmt.Sprintf("StreamTemporalFilter %s %s %s", n.Left, n.Op, n.Right)
}

// Describe prints the window.
func (n *StreamHopWindow) Describe() string {
	return fmt.Sprintf("StreamHopWindow time=$%d slide=%s size=%s", n.TimeCol, types.FormatInterval(n.Slide), types.FormatInterval(n.Size))
}

// ExplainStream prints a stream plan as indented lines: each node with its
// stream key and append-only flag, then its state tables.
func ExplainStream(n StreamNode) []string {
	var out []string
	var rec func(n StreamNode, depth int)
	rec = func(n StreamNode, depth int) {
		ind := strings.Repeat("  ", depth)
		line := ind + n.Describe() + " key=" + intList(n.StreamKey())
		if n.AppendOnly() {
			line += " append-only"
		}
		out = append(out, line)
		for _, t := range n.Tables() {
			out = append(out, ind+"    "+describeTable(t))
		}
		for _, in := range n.Inputs() {
			rec(in, depth+1)
		}
	}
	rec(n, 0)
	return out
}

func describeTable(t types.TableLayout) string {
	var cs []string
	for _, c := range t.Cols {
		cs = append(cs, c.ShortName())
	}
	pk := intList(t.PK)
	for i, d := range t.Desc {
		if d {
			pk += fmt.Sprintf(" desc%d", i)
		}
	}
	if t.SharedView() {
		return fmt.Sprintf("table %d %s cols=[%s] pk=%s (the first %d of its %d columns)", t.ID, t.Name, strings.Join(cs, ", "), pk, len(t.Cols), t.StoredCols)
	}
	return fmt.Sprintf("table %d %s cols=[%s] pk=%s", t.ID, t.Name, strings.Join(cs, ", "), pk)
}

// ExplainLogical prints a logical plan as indented lines.
func ExplainLogical(n Node) []string {
	var out []string
	var rec func(n Node, depth int)
	rec = func(n Node, depth int) {
		out = append(out, strings.Repeat("  ", depth)+n.Describe())
		for _, c := range n.Children() {
			rec(c, depth+1)
		}
	}
	rec(n, 0)
	return out
}

// CollectTables returns every state table of a stream plan, parents first.
func CollectTables(n StreamNode) []types.TableLayout {
	var out []types.TableLayout
	var rec func(n StreamNode)
	rec = func(n StreamNode) {
		out = append(out, n.Tables()...)
		for _, in := range n.Inputs() {
			rec(in)
		}
	}
	rec(n)
	return out
}
