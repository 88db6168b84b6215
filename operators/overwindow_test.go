package operators

import (
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// Input of the over-window scripts: (p, id, v), stream key id.
var owScriptTypes = []types.Type{types.Int64, types.Int64, types.Int64}

func owScriptBuilder(order []expr.SortKey, calls ...WindowCall) buildFunc {
	return func(s *state.Store) (Node, error) {
		return NewOverWindow(OverWindowArgs{PartitionBy: []int{0}, OrderBy: order, Calls: calls, InputTypes: owScriptTypes,
			StreamKey: []int{1}, Store: s, Table: types.TableLayout{ID: 3, Name: "overwindow"}})
	}
}

func owC(name string, args ...int) WindowCall { return WindowCall{Name: name, Args: args, Filter: -1} }

func owWithFrame(c WindowCall, f Frame) WindowCall { c.Frame = f; return c }

func TestOverWindowScripts(t *testing.T) {
	byV := []expr.SortKey{{Col: 2}}
	lag := owC("lag", 2)
	lag.Offset = 1
	rows1 := owFr(FrameRows, BoundPreceding, int64(1), BoundFollowing, int64(1), ExcludeNoOthers)
	range1 := owFr(FrameRange, BoundPreceding, int64(1), BoundFollowing, int64(1), ExcludeNoOthers)
	exclCur := owFr(FrameRange, BoundUnboundedPreceding, nil, BoundUnboundedFollowing, nil, ExcludeCurrentRow)
	runTimeScripts(t, "testdata/overwindow_basic.txt", map[string]buildFunc{
		"rank": owScriptBuilder(byV, owC("row_number"), owC("rank"), owC("dense_rank"), owC("sum", 2), lag),
		"rows": owScriptBuilder(byV, owWithFrame(owC("sum", 2), rows1), owWithFrame(owC("first_value", 2), rows1),
			owWithFrame(owC("last_value", 2), rows1), owWithFrame(owC("avg", 2), rows1)),
		"range":   owScriptBuilder(byV, owWithFrame(owC("count"), range1), owWithFrame(owC("array_agg", 2), range1)),
		"noorder": owScriptBuilder(nil, owC("count"), owC("avg", 2), owWithFrame(owC("sum", 2), exclCur)),
	})
}

// TestOverWindowRestart commits, rebuilds the operator over the same
// store and continues: the outputs continue from the table's contents.
func TestOverWindowRestart(t *testing.T) {
	calls := []WindowCall{owC("row_number"), owC("sum", 2)}
	h := newHarness(t, owScriptBuilder([]expr.SortKey{{Col: 2}}, calls...))
	defer h.close()
	h.push(0, types.MustParseChunk("  I I I\n+ 1 1 10\n+ 1 2 20\n+ 2 3 5"))
	h.barrier(1)
	h.commit(1)
	first := h.take()
	if len(first) != 3 {
		t.Fatalf("epoch 1: %d rows, want 3:\n%s", len(first), first)
	}
	h.restart()
	h.push(0, types.MustParseChunk("  I I I\n+ 1 4 15"))
	h.barrier(2)
	got := h.take()
	want := "I I I I N\n-  1 2 20 2 30\n+  1 2 20 3 45\n+  1 4 15 2 25"
	if s := strings.TrimSpace(got.Chunk(append(append([]types.Type{}, owScriptTypes...), types.Int64, types.Numeric)).String()); s != want {
		t.Fatalf("after restart:\n%s\nwant:\n%s", s, want)
	}
}

func TestOverWindowErrors(t *testing.T) {
	store, err := state.Open(state.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	byV := []expr.SortKey{{Col: 2}}
	two := []expr.SortKey{{Col: 2}, {Col: 0}}
	cases := []struct {
		order []expr.SortKey
		call  WindowCall
		code  string
		msg   string
	}{
		{byV, owWithFrame(owC("sum", 2), owFr(FrameRows, BoundUnboundedFollowing, nil, BoundCurrentRow, nil, 0)), "42P20", "frame start cannot be UNBOUNDED FOLLOWING"},
		{byV, owWithFrame(owC("sum", 2), owFr(FrameRows, BoundCurrentRow, nil, BoundPreceding, int64(1), 0)), "42P20", "frame starting from current row cannot have preceding rows"},
		{byV, owWithFrame(owC("sum", 2), owFr(FrameRows, BoundFollowing, int64(1), BoundCurrentRow, nil, 0)), "42P20", "frame starting from following row cannot have preceding rows"},
		{nil, owWithFrame(owC("sum", 2), owFr(FrameGroups, BoundPreceding, int64(1), BoundCurrentRow, nil, 0)), "42P20", "GROUPS mode requires an ORDER BY clause"},
		{two, owWithFrame(owC("sum", 2), owFr(FrameRange, BoundPreceding, int64(1), BoundCurrentRow, nil, 0)), "42P20", "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column"},
		{byV, owWithFrame(owC("sum", 2), owFr(FrameRows, BoundPreceding, int64(-1), BoundCurrentRow, nil, 0)), "22013", "frame starting offset must not be negative"},
		{byV, owWithFrame(owC("sum", 2), owFr(FrameRows, BoundPreceding, nil, BoundCurrentRow, nil, 0)), "22004", "frame starting offset must not be null"},
		{byV, owWithFrame(owC("sum", 2), owFr(FrameRange, BoundPreceding, int64(-2), BoundCurrentRow, nil, 0)), "22013", "invalid preceding or following size in window function"},
		{byV, owC("ntile"), "22014", "argument of ntile must be greater than zero"},
		{byV, WindowCall{Name: "rank", Filter: 0}, "0A000", "FILTER is not implemented for non-aggregate window functions"},
		{byV, WindowCall{Name: "sum", Args: []int{2}, Filter: -1, IgnoreNulls: true}, "0A000", "aggregate functions do not accept RESPECT/IGNORE NULLS"},
		{byV, owC("median", 2), "42883", "function median does not exist"},
	}
	for _, c := range cases {
		_, err := NewOverWindow(OverWindowArgs{PartitionBy: []int{0}, OrderBy: c.order, Calls: []WindowCall{c.call}, InputTypes: owScriptTypes, StreamKey: []int{1}, Store: store})
		if err == nil || sqlerr.Code(err) != c.code || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v (%s), want %s %q", c.call, err, sqlerr.Code(err), c.code, c.msg)
		}
	}
	// A wrong layout is reported with the expected one.
	_, err = NewOverWindow(OverWindowArgs{PartitionBy: []int{0}, OrderBy: byV, Calls: []WindowCall{owC("rank")}, InputTypes: owScriptTypes, StreamKey: []int{1}, Store: store,
		Table: types.TableLayout{ID: 9, Name: "bad", Cols: owScriptTypes, PK: []int{1}}})
	if err == nil || !strings.Contains(err.Error(), "want Cols=") {
		t.Errorf("bad layout: %v", err)
	}
}

func TestOverWindowLayout(t *testing.T) {
	l := OverWindowLayout(4, "w", []types.Type{types.Int32, types.Varchar, types.TimestampT, types.Int64}, []int{1}, []expr.SortKey{{Col: 2, Desc: true, NullsFirst: true}, {Col: 0}}, []int{3, 1})
	if got := fmt.Sprint(l.PK, l.Desc); got != "[1 2 0 3] [false true false false]" {
		t.Fatalf("layout PK/Desc = %s", got)
	}
}
