package planner

import (
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// bindFrame binds an explicit window frame clause. Offsets must be
// constants, as in Postgres: they are bound, folded and evaluated once.
// A frame with only a start ("ROWS 3 PRECEDING") ends at the current row.
func bindFrame(c *exprCtx, f *parser.Frame) *WindowFrame {
	wf := &WindowFrame{Mode: strings.ToUpper(f.Mode), Exclude: strings.ToUpper(f.Exclude)}
	if wf.Mode == "SESSION" {
		// RisingWave's SESSION WITH GAP g: the gap is a RANGE-like offset.
		wf.Start = bindFrameEdge(c, wf.Mode, f.Start, f.Pos)
		wf.End = wf.Start
		return wf
	}
	if wf.Exclude == "NO OTHERS" {
		wf.Exclude = ""
	}
	wf.Start = bindFrameEdge(c, wf.Mode, f.Start, f.Pos)
	if f.End != nil {
		wf.End = bindFrameEdge(c, wf.Mode, f.End, f.Pos)
	} else {
		wf.End = FrameEdge{Kind: "CURRENT ROW"}
	}
	if wf.Start.Kind == "UNBOUNDED FOLLOWING" {
		failAt(f.Pos, sqlerr.WindowingError, "frame start cannot be UNBOUNDED FOLLOWING")
	}
	if wf.End.Kind == "UNBOUNDED PRECEDING" {
		failAt(f.Pos, sqlerr.WindowingError, "frame end cannot be UNBOUNDED PRECEDING")
	}
	return wf
}

func bindFrameEdge(c *exprCtx, mode string, b *parser.FrameBound, pos parser.Pos) FrameEdge {
	if b == nil {
		return FrameEdge{Kind: "CURRENT ROW"}
	}
	e := FrameEdge{Kind: strings.ToUpper(b.Kind)}
	if b.Offset == nil {
		return e
	}
	off := c.bind(b.Offset)
	if mode == "SESSION" && off.Type() == types.Unknown {
		// A quoted gap ('10 minutes') is an interval.
		cast, err := expr.NewCast(off, types.IntervalT, false)
		check(b.Offset.Position(), err)
		off = cast
	}
	if mode != "RANGE" && mode != "SESSION" && off.Type().Kind != types.KindInt64 {
		cast, err := expr.NewCast(off, types.Int64, false)
		check(b.Offset.Position(), err)
		off = cast
	}
	folded, err := expr.Fold(off)
	check(b.Offset.Position(), err)
	if !expr.IsConst(folded) {
		failAt(b.Offset.Position(), sqlerr.WindowingError, "argument of %s must not contain variables", mode)
	}
	v, err := folded.EvalRow(&expr.Context{}, nil)
	check(b.Offset.Position(), err)
	if v == nil {
		failAt(b.Offset.Position(), sqlerr.NullValueNotAllowed, "frame starting or ending offset must not be null")
	}
	e.Offset = v
	return e
}

// String prints the frame as SQL, for EXPLAIN.
func (f *WindowFrame) String() string {
	if f.Mode == "SESSION" {
		return "SESSION WITH GAP " + types.FormatText(f.Start.Offset)
	}
	s := f.Mode + " BETWEEN " + f.Start.String() + " AND " + f.End.String()
	if f.Exclude != "" {
		s += " EXCLUDE " + f.Exclude
	}
	return s
}

// String prints the edge as SQL.
func (e FrameEdge) String() string {
	if e.Offset == nil {
		return e.Kind
	}
	return types.FormatText(e.Offset) + " " + e.Kind
}
