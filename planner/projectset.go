package planner

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// LogicalProjectSet evaluates set-returning functions over each input row:
// a row becomes max(len(result of f) for f in Funcs) rows (functions with
// fewer rows give NULLs, Postgres's lockstep rule; a row for which every
// function returns nothing disappears). Output: the input's columns, the
// functions' result columns, then a bigint ordinal (1-based row number
// within the input row's expansion).
type LogicalProjectSet struct {
	Input Node
	Funcs []*expr.SetFunc
	// Names names the functions' result columns (nil = the functions' own);
	// OrdName names the ordinal column, OrdVisible makes it visible (WITH
	// ORDINALITY).
	Names      []string
	OrdName    string
	OrdVisible bool
}

// Schema returns input ++ function columns ++ ordinal.
func (n *LogicalProjectSet) Schema() types.Schema {
	s := append(types.Schema(nil), n.Input.Schema()...)
	k := 0
	for _, f := range n.Funcs {
		for _, c := range f.Cols {
			if k < len(n.Names) && n.Names[k] != "" {
				c.Name = n.Names[k]
			}
			c.Hidden = false
			s = append(s, c)
			k++
		}
	}
	name := n.OrdName
	if name == "" {
		name = "projected_row_id"
	}
	return append(s, types.Column{Name: name, Type: types.Int64, Hidden: !n.OrdVisible})
}

// Children returns the input.
func (n *LogicalProjectSet) Children() []Node { return []Node{n.Input} }

// WithChildren returns a copy over a new input.
func (n *LogicalProjectSet) WithChildren(ch []Node) Node { c := *n; c.Input = ch[0]; return &c }

// Describe names the functions.
func (n *LogicalProjectSet) Describe() string {
	parts := make([]string, len(n.Funcs))
	for i, f := range n.Funcs {
		parts[i] = f.String()
	}
	return "ProjectSet " + strings.Join(parts, ", ")
}

// funcWidth is the number of function result columns.
func (n *LogicalProjectSet) funcWidth() int {
	w := 0
	for _, f := range n.Funcs {
		w += len(f.Cols)
	}
	return w
}

// StreamProjectSet is the stream form of LogicalProjectSet. Its output is
// the input row (hidden key columns included), the function columns and
// the ordinal; its stream key is the input's key plus the ordinal. Updates
// are emitted as deletes and inserts.
type StreamProjectSet struct {
	streamProps
	Input StreamNode
	Funcs []*expr.SetFunc
}

// Inputs returns the input.
func (n *StreamProjectSet) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Tables returns nil: the operator is stateless.
func (n *StreamProjectSet) Tables() []types.TableLayout { return nil }

// Describe names the functions.
func (n *StreamProjectSet) Describe() string {
	parts := make([]string, len(n.Funcs))
	for i, f := range n.Funcs {
		parts[i] = f.String()
	}
	return fmt.Sprintf("StreamProjectSet %s", strings.Join(parts, ", "))
}

func (sb *streamBuilder) projectSet(x *LogicalProjectSet) StreamNode {
	in := sb.build(x.Input)
	for _, f := range x.Funcs {
		sb.checkNow(f.Args...)
	}
	s := in.Schema()
	lw := width(x.Input)
	ls := x.Schema()
	out := append(types.Schema(nil), s...)
	out = append(out, ls[lw:]...)
	key := append(append([]int(nil), keyOrAll(in.StreamKey(), len(s))...), len(out)-1)
	ps := &StreamProjectSet{streamProps: streamProps{schema: out, key: key}, Input: in, Funcs: x.Funcs}
	if len(s) == lw {
		return ps
	}
	return moveTail(ps, lw, len(ls)-lw)
}

// pruneProjectSet keeps every function (a function's row count matters even
// when its values are unused) and prunes the input to the required columns
// and the functions' arguments.
func pruneProjectSet(x *LogicalProjectSet, req []bool) (Node, []int) {
	iw := width(x.Input)
	r := append([]bool(nil), req[:iw]...)
	for _, f := range x.Funcs {
		for _, a := range f.Args {
			markCols(r, a)
		}
	}
	in, im := prune(x.Input, r)
	c := *x
	c.Input = in
	c.Funcs = make([]*expr.SetFunc, len(x.Funcs))
	for i, f := range x.Funcs {
		args := make([]expr.Expr, len(f.Args))
		for j, a := range f.Args {
			args[j] = remapCols(a, func(k int) int { return im[k] })
		}
		c.Funcs[i] = f.WithArgs(args)
	}
	niw := width(in)
	m := append([]int(nil), im...)
	for k := 0; k <= x.funcWidth(); k++ {
		m = append(m, niw+k)
	}
	return &c, m
}
