package planner

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// Node is a logical plan node. Logical nodes are plain data: rules build new
// nodes rather than mutating old ones. Column references inside expressions
// are positions in the concatenated output of the node's children.
type Node interface {
	// Schema returns the output columns.
	Schema() types.Schema
	// Children returns the inputs, left to right.
	Children() []Node
	// WithChildren returns a shallow copy of the node with new inputs.
	WithChildren(ch []Node) Node
	// Describe returns the one-line EXPLAIN description of the node.
	Describe() string
}

// JoinKind is the kind of a join, logical or stream.
type JoinKind uint8

// The join kinds. Semi, Anti and NullAwareAnti output only the left side.
const (
	JoinInner JoinKind = iota
	JoinLeft
	JoinRight
	JoinFull
	JoinSemi
	JoinAnti
	// JoinNullAwareAnti is the anti join of NOT IN: a left row is dropped
	// when its key is NULL and the right side is non-empty, and every left
	// row is dropped when the right side holds a NULL key (per correlation
	// key group, when there are correlation keys).
	JoinNullAwareAnti
)

// String returns the kind's name.
func (k JoinKind) String() string {
	switch k {
	case JoinInner:
		return "inner"
	case JoinLeft:
		return "left"
	case JoinRight:
		return "right"
	case JoinFull:
		return "full"
	case JoinSemi:
		return "semi"
	case JoinAnti:
		return "anti"
	case JoinNullAwareAnti:
		return "null-aware anti"
	}
	return "?"
}

// OutputsRight reports whether the join's output includes the right side.
func (k JoinKind) OutputsRight() bool { return k <= JoinFull }

// LogicalScan reads the columns Cols of a relation.
type LogicalScan struct {
	Relation *Relation
	Cols     []int // positions in Relation.Schema
	Alias    string
	Proctime bool // FOR SYSTEM_TIME AS OF PROCTIME(): the lookup side of a temporal join (stream_lookupjoin.go)
	// Prefix (one-shot queries only) restricts the scan to the rows whose
	// leading Relation.Layout.PK columns equal these values (useIndexes).
	Prefix types.Row
	// Range (one-shot queries only) bounds the key column after Prefix.
	Range *KeyRange
}

// LogicalValues is a constant relation.
type LogicalValues struct {
	Rows [][]expr.Expr
	Cols types.Schema
}

// LogicalProject computes one output column per expression.
type LogicalProject struct {
	Input Node
	Exprs []expr.Expr
	Cols  types.Schema // names and hidden flags; types follow Exprs
}

// LogicalFilter keeps the rows for which Cond is true.
type LogicalFilter struct {
	Input Node
	Cond  expr.Expr
}

// LogicalJoin joins two inputs. LeftKeys[i] = RightKeys[i] are the equi
// keys (NullSafe[i]: IS NOT DISTINCT FROM); Cond is the residual condition
// over left ++ right, nil when there is none.
type LogicalJoin struct {
	Kind                JoinKind
	Left, Right         Node
	LeftKeys, RightKeys []int
	NullSafe            []bool
	Cond                expr.Expr
}

// LogicalAgg groups its input by the columns GroupBy and computes Aggs. Its
// output is the group columns followed by one column per aggregate.
type LogicalAgg struct {
	Input   Node
	GroupBy []int
	Aggs    []expr.AggCall
	Names   []string // output names of the aggregates
}

// LogicalUnion is UNION ALL of inputs with identical column types.
type LogicalUnion struct {
	Inputs []Node
}

// LogicalTopN keeps the first Limit rows (after skipping Offset) per
// partition in OrderBy order. Limit -1 means no limit: a plain ORDER BY.
// WithTies keeps rows that tie with the last one (RANK semantics); Dense
// counts distinct OrderBy values instead of rows (DENSE_RANK semantics).
// When RankCol is set the node appends a bigint column of that name holding
// each row's rank (row_number, rank or dense_rank after WithTies/Dense).
type LogicalTopN struct {
	Input       Node
	PartitionBy []int
	OrderBy     []expr.SortKey
	Limit       int64
	Offset      int64
	WithTies    bool
	Dense       bool
	RankCol     string
}

// WindowFunc is one window function call of a LogicalWindow.
type WindowFunc struct {
	Name        string // row_number, rank, dense_rank, or an aggregate
	Args        []int
	Distinct    bool
	IgnoreNulls bool // lag/lead/first_value/last_value/nth_value … IGNORE NULLS
	PartitionBy []int
	OrderBy     []expr.SortKey
	Type        types.Type
	Frame       string       // the frame mode as written ("ROWS" …), "" for the default frame
	FrameSpec   *WindowFrame // the bound frame clause, nil for the default frame
}

// WindowFrame is an explicit frame clause with its offsets evaluated to
// constants: Mode is ROWS, RANGE or GROUPS; Exclude is "", "CURRENT ROW",
// "GROUP" or "TIES".
type WindowFrame struct {
	Mode       string
	Start, End FrameEdge
	Exclude    string
}

// FrameEdge is one end of a frame: Kind is "UNBOUNDED PRECEDING",
// "PRECEDING", "CURRENT ROW", "FOLLOWING" or "UNBOUNDED FOLLOWING"; Offset
// is set for PRECEDING and FOLLOWING.
type FrameEdge struct {
	Kind   string
	Offset types.Datum
}

// LogicalWindow appends one column per window function to its input.
type LogicalWindow struct {
	Input Node
	Funcs []WindowFunc
	Names []string
}

// LogicalTemporalFilter keeps the rows for which Left Op Right holds, where
// Right depends on NOW() and Left only on the row. As NOW() advances, rows
// leave (or enter) the result.
type LogicalTemporalFilter struct {
	Input Node
	Left  expr.Expr
	Op    string
	Right expr.Expr
}

// LogicalHopWindow assigns each row to the hopping windows that contain its
// time column and appends window_start and window_end. TUMBLE is a hop
// whose slide equals its size.
type LogicalHopWindow struct {
	Input       Node
	TimeCol     int
	Slide, Size types.Interval
}

// ApplyKind is the kind of a LogicalApply.
type ApplyKind uint8

// The apply kinds.
const (
	ApplySemi          ApplyKind = iota // EXISTS, IN
	ApplyAnti                           // NOT EXISTS
	ApplyNullAwareAnti                  // NOT IN
	ApplyScalar                         // scalar subquery: appends its value (NULL without rows)
	ApplyLateral                        // JOIN LATERAL: appends each subquery row
	ApplyLeftLateral                    // LEFT JOIN LATERAL: also keeps left rows without subquery rows
)

func (k ApplyKind) String() string {
	return [...]string{"semi", "anti", "null-aware anti", "scalar", "lateral", "left lateral"}[k]
}

// LogicalApply evaluates the subquery Right for each row of Left. Right may
// refer to Left's columns through OuterRef expressions. Cond is over
// Left ++ Right (for IN: left_expr = right column 0). Decorrelation turns
// every Apply into a LogicalJoin.
type LogicalApply struct {
	Kind        ApplyKind
	Left, Right Node
	Cond        expr.Expr
}

// Schema implementations.

// Schema returns the scanned columns.
func (n *LogicalScan) Schema() types.Schema {
	s := make(types.Schema, len(n.Cols))
	for i, c := range n.Cols {
		s[i] = n.Relation.Schema[c]
	}
	return s
}

// Schema returns the value columns.
func (n *LogicalValues) Schema() types.Schema { return n.Cols }

// Schema returns the projected columns, with the type modifiers the
// expressions carry (see exprTypeMod).
func (n *LogicalProject) Schema() types.Schema {
	s := make(types.Schema, len(n.Exprs))
	var in types.Schema
	input := func() types.Schema {
		if in == nil {
			in = n.Input.Schema()
		}
		return in
	}
	for i, e := range n.Exprs {
		s[i] = n.Cols[i]
		s[i].Type = e.Type()
		s[i].Mod = exprTypeMod(e, input)
	}
	return s
}

// Schema returns the input's columns.
func (n *LogicalFilter) Schema() types.Schema { return n.Input.Schema() }

// Schema returns left ++ right, or left alone for semi and anti joins.
func (n *LogicalJoin) Schema() types.Schema {
	if !n.Kind.OutputsRight() {
		return n.Left.Schema()
	}
	return concatSchemas(n.Left.Schema(), n.Right.Schema())
}

// Schema returns the group columns and the aggregate results.
func (n *LogicalAgg) Schema() types.Schema {
	in := n.Input.Schema()
	s := make(types.Schema, 0, len(n.GroupBy)+len(n.Aggs))
	for _, g := range n.GroupBy {
		c := in[g]
		c.Hidden = false
		s = append(s, c)
	}
	for i, a := range n.Aggs {
		s = append(s, types.Column{Name: n.Names[i], Type: aggType(a)})
	}
	return s
}

// Schema returns the schema of the first input, keeping the type
// modifiers every input shares.
func (n *LogicalUnion) Schema() types.Schema {
	return commonTypeMods(n.Inputs[0].Schema(), n.Inputs)
}

// Schema returns the input's columns, plus the rank column when RankCol is
// set.
func (n *LogicalTopN) Schema() types.Schema {
	if n.RankCol == "" {
		return n.Input.Schema()
	}
	return append(append(types.Schema(nil), n.Input.Schema()...), types.Column{Name: n.RankCol, Type: types.Int64})
}

// Schema returns the input's columns and one column per window function.
func (n *LogicalWindow) Schema() types.Schema {
	s := append(types.Schema(nil), n.Input.Schema()...)
	for i, f := range n.Funcs {
		s = append(s, types.Column{Name: n.Names[i], Type: f.Type})
	}
	return s
}

// Schema returns the input's columns.
func (n *LogicalTemporalFilter) Schema() types.Schema { return n.Input.Schema() }

// Schema returns the input's columns, window_start and window_end.
func (n *LogicalHopWindow) Schema() types.Schema {
	in := n.Input.Schema()
	t := in[n.TimeCol].Type
	return append(append(types.Schema(nil), in...),
		types.Column{Name: "window_start", Type: t}, types.Column{Name: "window_end", Type: t})
}

// Schema returns the left side's columns, plus the subquery value for
// ApplyScalar.
func (n *LogicalApply) Schema() types.Schema {
	switch n.Kind {
	case ApplyScalar:
		r := n.Right.Schema()
		return append(append(types.Schema(nil), n.Left.Schema()...), r[0])
	case ApplyLateral, ApplyLeftLateral:
		return concatSchemas(n.Left.Schema(), n.Right.Schema())
	}
	return n.Left.Schema()
}

// Children implementations.

// Children returns nil.
func (n *LogicalScan) Children() []Node { return nil }

// Children returns nil.
func (n *LogicalValues) Children() []Node { return nil }

// Children returns the input.
func (n *LogicalProject) Children() []Node { return []Node{n.Input} }

// Children returns the input.
func (n *LogicalFilter) Children() []Node { return []Node{n.Input} }

// Children returns left and right.
func (n *LogicalJoin) Children() []Node { return []Node{n.Left, n.Right} }

// Children returns the input.
func (n *LogicalAgg) Children() []Node { return []Node{n.Input} }

// Children returns the inputs.
func (n *LogicalUnion) Children() []Node { return n.Inputs }

// Children returns the input.
func (n *LogicalTopN) Children() []Node { return []Node{n.Input} }

// Children returns the input.
func (n *LogicalWindow) Children() []Node { return []Node{n.Input} }

// Children returns the input.
func (n *LogicalTemporalFilter) Children() []Node { return []Node{n.Input} }

// Children returns the input.
func (n *LogicalHopWindow) Children() []Node { return []Node{n.Input} }

// Children returns left and right.
func (n *LogicalApply) Children() []Node { return []Node{n.Left, n.Right} }

// WithChildren implementations.

// WithChildren returns n.
func (n *LogicalScan) WithChildren([]Node) Node { return n }

// WithChildren returns n.
func (n *LogicalValues) WithChildren([]Node) Node { return n }

// WithChildren returns a copy with a new input.
func (n *LogicalProject) WithChildren(ch []Node) Node { c := *n; c.Input = ch[0]; return &c }

// WithChildren returns a copy with a new input.
func (n *LogicalFilter) WithChildren(ch []Node) Node { c := *n; c.Input = ch[0]; return &c }

// WithChildren returns a copy with new inputs.
func (n *LogicalJoin) WithChildren(ch []Node) Node {
	c := *n
	c.Left, c.Right = ch[0], ch[1]
	return &c
}

// WithChildren returns a copy with a new input.
func (n *LogicalAgg) WithChildren(ch []Node) Node { c := *n; c.Input = ch[0]; return &c }

// WithChildren returns a copy with new inputs.
func (n *LogicalUnion) WithChildren(ch []Node) Node {
	return &LogicalUnion{Inputs: append([]Node(nil), ch...)}
}

// WithChildren returns a copy with a new input.
func (n *LogicalTopN) WithChildren(ch []Node) Node { c := *n; c.Input = ch[0]; return &c }

// WithChildren returns a copy with a new input.
func (n *LogicalWindow) WithChildren(ch []Node) Node { c := *n; c.Input = ch[0]; return &c }

// WithChildren returns a copy with a new input.
func (n *LogicalTemporalFilter) WithChildren(ch []Node) Node {
	c := *n
	c.Input = ch[0]
	return &c
}

// WithChildren returns a copy with a new input.
func (n *LogicalHopWindow) WithChildren(ch []Node) Node { c := *n; c.Input = ch[0]; return &c }

// WithChildren returns a copy with new inputs.
func (n *LogicalApply) WithChildren(ch []Node) Node {
	c := *n
	c.Left, c.Right = ch[0], ch[1]
	return &c
}

// Describe implementations.

// Describe returns "Scan name cols=[…]".
func (n *LogicalScan) Describe() string {
	return fmt.Sprintf("Scan %s cols=%s", n.Relation.Name, colNames(n.Schema()))
}

// Describe returns "Values rows=N".
func (n *LogicalValues) Describe() string {
	var rows []string
	for _, r := range n.Rows {
		rows = append(rows, "("+exprList(r)+")")
	}
	return fmt.Sprintf("Values %s cols=%s", strings.Join(rows, ", "), colNames(n.Cols))
}

// Describe lists the projected expressions.
func (n *LogicalProject) Describe() string {
	parts := make([]string, len(n.Exprs))
	for i, e := range n.Exprs {
		p := e.String()
		if n.Cols[i].Hidden {
			p += " (hidden)"
		}
		parts[i] = p
	}
	return "Project " + strings.Join(parts, ", ")
}

// Describe prints the condition.
func (n *LogicalFilter) Describe() string { return "Filter " + n.Cond.String() }

// Describe prints the kind, keys and residual condition.
func (n *LogicalJoin) Describe() string {
	return "Join " + describeJoin(n.Kind, n.LeftKeys, n.RightKeys, n.NullSafe, n.Cond)
}

func describeJoin(kind JoinKind, lk, rk []int, ns []bool, cond expr.Expr) string {
	s := kind.String()
	if len(lk) > 0 {
		var ks []string
		for i := range lk {
			op := "="
			if ns != nil && ns[i] {
				op = "<=>"
			}
			ks = append(ks, fmt.Sprintf("$%d %s $%d", lk[i], op, rk[i]))
		}
		s += " keys=[" + strings.Join(ks, ", ") + "]"
	}
	if cond != nil {
		s += " cond=" + cond.String()
	}
	return s
}

// Describe prints the group key and aggregates.
func (n *LogicalAgg) Describe() string {
	return fmt.Sprintf("Agg group=%s aggs=[%s]", intList(n.GroupBy), aggList(n.Aggs))
}

// Describe returns "Union all".
func (n *LogicalUnion) Describe() string { return "Union all" }

// Describe prints the partition, order and limit.
func (n *LogicalTopN) Describe() string {
	return "TopN " + describeTopN(n.PartitionBy, n.OrderBy, n.Limit, n.Offset, n.WithTies, n.Dense, n.RankCol)
}

func describeTopN(part []int, order []expr.SortKey, limit, offset int64, ties, dense bool, rank string) string {
	s := fmt.Sprintf("order=%s", sortKeys(order))
	if len(part) > 0 {
		s = fmt.Sprintf("partition=%s ", intList(part)) + s
	}
	if limit >= 0 {
		s += fmt.Sprintf(" limit=%d", limit)
	}
	if offset > 0 {
		s += fmt.Sprintf(" offset=%d", offset)
	}
	if ties {
		s += " with-ties"
	}
	if dense {
		s += " dense"
	}
	if rank != "" {
		s += " rank-col=" + rank
	}
	return s
}

// Describe prints the window functions.
func (n *LogicalWindow) Describe() string {
	var fs []string
	for _, f := range n.Funcs {
		s := fmt.Sprintf("%s(%s) partition=%s order=%s", f.Name, intListBare(f.Args), intList(f.PartitionBy), sortKeys(f.OrderBy))
		fs = append(fs, s)
	}
	return "Window " + strings.Join(fs, "; ")
}

// Describe prints the temporal condition.
func (n *LogicalTemporalFilter) Describe() string {
	return fmt.Sprintf("TemporalFilter %s %s %s", n.Left, n.Op, n.Right)
}

// Describe prints the time column, slide and size.
func (n *LogicalHopWindow) Describe() string {
	return fmt.Sprintf("HopWindow time=$%d slide=%s size=%s", n.TimeCol, types.FormatInterval(n.Slide), types.FormatInterval(n.Size))
}

// Describe prints the kind and condition.
func (n *LogicalApply) Describe() string {
	s := "Apply " + n.Kind.String()
	if n.Cond != nil {
		s += " cond=" + n.Cond.String()
	}
	return s
}

// Helpers.

func concatSchemas(a, b types.Schema) types.Schema {
	s := make(types.Schema, 0, len(a)+len(b))
	return append(append(s, a...), b...)
}

func colNames(s types.Schema) string {
	var ns []string
	for _, c := range s {
		n := c.Name
		if c.Hidden {
			n += "(hidden)"
		}
		ns = append(ns, n)
	}
	return "[" + strings.Join(ns, ", ") + "]"
}

func exprList(es []expr.Expr) string {
	var ss []string
	for _, e := range es {
		ss = append(ss, e.String())
	}
	return strings.Join(ss, ", ")
}

func intList(xs []int) string { return "[" + intListBare(xs) + "]" }

func intListBare(xs []int) string {
	var ss []string
	for _, x := range xs {
		ss = append(ss, fmt.Sprintf("$%d", x))
	}
	return strings.Join(ss, ", ")
}

func sortKeys(ks []expr.SortKey) string {
	var ss []string
	for _, k := range ks {
		s := fmt.Sprintf("$%d", sortCol(k))
		if sortDesc(k) {
			s += " desc"
		}
		if sortNullsFirst(k) != sortDesc(k) {
			if sortNullsFirst(k) {
				s += " nulls first"
			} else {
				s += " nulls last"
			}
		}
		ss = append(ss, s)
	}
	return "[" + strings.Join(ss, ", ") + "]"
}

func aggList(as []expr.AggCall) string {
	var ss []string
	for _, a := range as {
		ss = append(ss, aggString(a))
	}
	return strings.Join(ss, ", ")
}
