package engine

import (
	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sqlerr"
)

// buildOverWindow builds the OverWindow operator of a StreamOverWindow
// and connects its input. Under EMIT ON WINDOW CLOSE an EowcSort on the
// first ORDER BY column feeds it closed rows.
func buildOverWindow(b *builder, n *planner.StreamOverWindow) (*operators.OverWindow, error) {
	w, err := newOverWindow(b, n)
	if err != nil {
		return nil, err
	}
	if n.EowcBuffer == nil {
		return w, b.input(n.Input, w, 0)
	}
	s, err := operators.NewEowcSort(operators.EowcSortArgs{SortCol: n.EowcBuffer.PK[0], StreamKey: keyOrAllCols(n.Input),
		InputTypes: n.Input.Schema().Types(), Store: b.store, Table: *n.EowcBuffer})
	if err != nil {
		return nil, err
	}
	s.Connect(w, 0)
	return w, b.input(n.Input, s, 0)
}

func newOverWindow(b *builder, n *planner.StreamOverWindow) (*operators.OverWindow, error) {
	calls := make([]operators.WindowCall, len(n.Funcs))
	for i, f := range n.Funcs {
		c := operators.WindowCall{Name: f.Name, Args: f.Args, Distinct: f.Distinct, IgnoreNulls: f.IgnoreNulls, Filter: -1, Type: f.Type}
		if (f.Name == "lag" || f.Name == "lead") && len(f.Args) == 1 {
			c.Offset = 1
		}
		if f.FrameSpec != nil {
			fr, err := windowFrame(f.FrameSpec)
			if err != nil {
				return nil, err
			}
			c.Frame = fr
		}
		calls[i] = c
	}
	return operators.NewOverWindow(operators.OverWindowArgs{
		PartitionBy: n.PartitionBy,
		OrderBy:     n.OrderBy,
		Calls:       calls,
		InputTypes:  n.Input.Schema().Types(),
		StreamKey:   keyOrAllCols(n.Input),
		Store:       b.store,
		Table:       n.Table,

		EmitOnWindowClose: n.EowcBuffer != nil,
	})
}

// windowFrame maps the planner's bound frame onto the operator's.
func windowFrame(f *planner.WindowFrame) (operators.Frame, error) {
	var fr operators.Frame
	switch f.Mode {
	case "ROWS":
		fr.Mode = operators.FrameRows
	case "RANGE":
		fr.Mode = operators.FrameRange
	case "GROUPS":
		fr.Mode = operators.FrameGroups
	case "SESSION":
		// The gap bounds the frame on both sides.
		fr.Mode = operators.FrameSession
		fr.Start = operators.FrameBound{Kind: operators.BoundPreceding, Offset: f.Start.Offset}
		fr.End = operators.FrameBound{Kind: operators.BoundFollowing, Offset: f.Start.Offset}
		return fr, nil
	default:
		return fr, sqlerr.New(sqlerr.FeatureNotSupported, "window frame mode %s is not supported", f.Mode)
	}
	var err error
	if fr.Start, err = frameBound(f.Start); err != nil {
		return fr, err
	}
	if fr.End, err = frameBound(f.End); err != nil {
		return fr, err
	}
	switch f.Exclude {
	case "":
		fr.Exclude = operators.ExcludeNoOthers
	case "CURRENT ROW":
		fr.Exclude = operators.ExcludeCurrentRow
	case "GROUP":
		fr.Exclude = operators.ExcludeGroup
	case "TIES":
		fr.Exclude = operators.ExcludeTies
	default:
		return fr, sqlerr.New(sqlerr.FeatureNotSupported, "frame exclusion %s is not supported", f.Exclude)
	}
	return fr, nil
}

func frameBound(e planner.FrameEdge) (operators.FrameBound, error) {
	b := operators.FrameBound{Offset: e.Offset}
	switch e.Kind {
	case "UNBOUNDED PRECEDING":
		b.Kind = operators.BoundUnboundedPreceding
	case "PRECEDING":
		b.Kind = operators.BoundPreceding
	case "CURRENT ROW":
		b.Kind = operators.BoundCurrentRow
	case "FOLLOWING":
		b.Kind = operators.BoundFollowing
	case "UNBOUNDED FOLLOWING":
		b.Kind = operators.BoundUnboundedFollowing
	default:
		return b, sqlerr.New(sqlerr.SyntaxError, "unknown frame bound %q", e.Kind)
	}
	return b, nil
}
