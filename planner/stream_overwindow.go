package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// StreamOverWindow computes window functions that share one PARTITION BY
// and ORDER BY (operators.OverWindow). Output: the input row, then one
// column per function; the stream key is the input's. Table: Cols = the
// input row, PK = PartitionBy ++ OrderBy columns ++ the input stream key
// (no duplicates), Desc per OrderBy key (the GroupTopN shape).
type StreamOverWindow struct {
	streamProps
	Input       StreamNode
	PartitionBy []int
	OrderBy     []expr.SortKey
	Funcs       []WindowFunc
	Table       types.TableLayout
	// EowcBuffer is set for EMIT ON WINDOW CLOSE (by the engine, which
	// knows the watermarks): the buffer of an EowcSort on the first ORDER
	// BY column in front of the window, which then emits each row once,
	// when its values are final.
	EowcBuffer *types.TableLayout
}

// Inputs returns the input.
func (n *StreamOverWindow) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Tables returns the window's row table (and its EOWC buffer).
func (n *StreamOverWindow) Tables() []types.TableLayout {
	if n.EowcBuffer != nil {
		return []types.TableLayout{n.Table, *n.EowcBuffer}
	}
	return []types.TableLayout{n.Table}
}

// PartitionCols returns the PARTITION BY columns (watermarks pass on them).
func (n *StreamOverWindow) PartitionCols() []int { return n.PartitionBy }

// Describe prints the window and its functions.
func (n *StreamOverWindow) Describe() string {
	var fs []string
	for _, f := range n.Funcs {
		call := fmt.Sprintf("%s(%s)", f.Name, intListBare(f.Args))
		if fr := f.FrameSpec; fr != nil {
			call += " " + fr.String()
		}
		fs = append(fs, call)
	}
	var ob []string
	for _, k := range n.OrderBy {
		s := fmt.Sprintf("$%d", sortCol(k))
		if sortDesc(k) {
			s += " desc"
		}
		ob = append(ob, s)
	}
	eowc := ""
	if n.EowcBuffer != nil {
		eowc = " emit-on-window-close"
	}
	return fmt.Sprintf("StreamOverWindow partition=%s order=[%s] funcs=[%s]%s", intList(n.PartitionBy), strings.Join(ob, ", "), strings.Join(fs, ", "), eowc)
}

func sameWindow(a, b WindowFunc) bool {
	return slices.Equal(a.PartitionBy, b.PartitionBy) && slices.Equal(a.OrderBy, b.OrderBy)
}

// overWindow plans a LogicalWindow: one StreamOverWindow per distinct
// (PARTITION BY, ORDER BY), chained, then a projection that puts the
// function columns in call order right after the input's logical columns.
func (sb *streamBuilder) overWindow(x *LogicalWindow) StreamNode {
	in := sb.build(x.Input)
	lw := width(x.Input)
	inW := len(in.Schema())
	// Group the calls by window, in order of first appearance.
	var groups [][]int
	for i, f := range x.Funcs {
		placed := false
		for g := range groups {
			if sameWindow(x.Funcs[groups[g][0]], f) {
				groups[g] = append(groups[g], i)
				placed = true
				break
			}
		}
		if !placed {
			groups = append(groups, []int{i})
		}
	}
	pos := make([]int, len(x.Funcs)) // output column of each call
	cur := in
	for _, g := range groups {
		s := cur.Schema()
		sk := keyOrAll(cur.StreamKey(), len(s))
		first := x.Funcs[g[0]]
		// The operator's layout: every partition column, every order
		// column (a column in both appears twice), then the stream-key
		// columns not already in the key.
		var pk []int
		var desc []bool
		for _, p := range first.PartitionBy {
			pk, desc = append(pk, p), append(desc, false)
		}
		for _, k := range first.OrderBy {
			pk, desc = append(pk, sortCol(k)), append(desc, sortDesc(k))
		}
		for _, k := range sk {
			if !slices.Contains(pk, k) {
				pk, desc = append(pk, k), append(desc, false)
			}
		}
		if !slices.Contains(desc, true) {
			desc = nil
		}
		schema := append(types.Schema(nil), s...)
		var funcs []WindowFunc
		for _, i := range g {
			pos[i] = len(schema)
			schema = append(schema, types.Column{Name: x.Names[i], Type: x.Funcs[i].Type})
			funcs = append(funcs, x.Funcs[i])
		}
		cur = &StreamOverWindow{
			streamProps: streamProps{schema: schema, key: sk},
			Input:       cur, PartitionBy: first.PartitionBy, OrderBy: first.OrderBy, Funcs: funcs,
			Table: sb.table("overwindow", "", s.Types(), pk, desc),
		}
	}
	// Reorder: input logical columns, the calls in order, then the input's
	// hidden columns.
	s := cur.Schema()
	var order []int
	order = append(order, seq(lw)...)
	order = append(order, pos...)
	for i := lw; i < inW; i++ {
		order = append(order, i)
	}
	identity := len(order) == len(s)
	for i, o := range order {
		identity = identity && o == i
	}
	if identity {
		return cur
	}
	exprs := make([]expr.Expr, len(order))
	cols := make(types.Schema, len(order))
	at := make([]int, len(s))
	for i, o := range order {
		exprs[i] = colRef(o, s[o].Type, s[o].Name)
		cols[i] = s[o]
		at[o] = i
	}
	key := make([]int, len(cur.StreamKey()))
	for i, c := range cur.StreamKey() {
		key[i] = at[c]
	}
	return &StreamProject{streamProps: streamProps{schema: cols, key: key}, Input: cur, Exprs: exprs}
}
