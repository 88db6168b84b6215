package operators

import (
	"fmt"
	"slices"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// TumbleStart returns the start of the tumbling window of the given size
// that contains ts: windows are aligned to 1970-01-01 00:00:00 (UTC) plus
// offset, so the start is ts - ((ts - offset) mod size) with a floor
// modulo. ts may be a timestamp, timestamptz or date (a date gives a
// timestamp); NULL gives NULL. Sizes and offsets with months have no fixed
// length and are rejected, as is a size that is not positive.
func TumbleStart(ts types.Datum, size, offset types.Interval) (types.Datum, error) {
	sz, err := wtFixedMicros(size, "tumble window size")
	if err != nil {
		return nil, err
	}
	off, err := wtFixedMicros(offset, "tumble window offset")
	if err != nil {
		return nil, err
	}
	if sz <= 0 {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "window size must be positive")
	}
	if ts == nil {
		return nil, nil
	}
	t, ok := wtMicros(ts)
	if !ok {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch, "tumble: unsupported time value %T", ts)
	}
	start := t - hopFloorMod(t-off, sz)
	if _, tz := ts.(types.Timestamptz); tz {
		return types.Timestamptz(start), nil
	}
	return types.Timestamp(start), nil
}

func hopFloorMod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// HopWindowArgs configures a HopWindow: windows of length Size start every
// Slide, aligned to 1970-01-01 00:00:00 (UTC) plus Offset.
type HopWindowArgs struct {
	TimeCol     int
	Slide, Size types.Interval
	Offset      types.Interval
	InputTypes  []types.Type
}

// HopWindow expands each row into one row per hopping window that contains
// its time (windows [start, start+Size) with start = Offset + k*Slide), each
// with window_start and window_end appended (of the time column's type;
// timestamp for a date column). Rows with a NULL time belong to no window.
//
// State: none. Delta rule: each change (insert or delete) expands into the
// same change for every window of its row, in window order.
//
// Watermarks: a watermark v on the time column is forwarded, and gives
// window_start the watermark of the earliest window that contains v
// (windows starting before it can receive no new row) and window_end that
// plus Size. Other watermarks pass unchanged.
type HopWindow struct {
	Output
	args          HopWindowArgs
	slide, size   int64
	off           int64
	outTypes      []types.Type
	winT          types.Type
	startCol, end int
}

var _ Node = (*HopWindow)(nil)

// NewHopWindow returns a HopWindow.
func NewHopWindow(a HopWindowArgs) (*HopWindow, error) {
	slide, err := wtFixedMicros(a.Slide, "hop window slide")
	if err != nil {
		return nil, err
	}
	size, err := wtFixedMicros(a.Size, "hop window size")
	if err != nil {
		return nil, err
	}
	off, err := wtFixedMicros(a.Offset, "hop window offset")
	if err != nil {
		return nil, err
	}
	if slide <= 0 || size <= 0 {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "hop window slide and size must be positive")
	}
	if a.TimeCol < 0 || a.TimeCol >= len(a.InputTypes) {
		return nil, fmt.Errorf("hop window: time column %d out of range", a.TimeCol)
	}
	t := a.InputTypes[a.TimeCol]
	if !wtIsTime(t) {
		return nil, wtTypeError("hop window time column", t)
	}
	winT := t
	if t.Kind == types.KindDate {
		winT = types.TimestampT
	}
	out := append(slices.Clone(a.InputTypes), winT, winT)
	return &HopWindow{args: a, slide: slide, size: size, off: off, outTypes: out, winT: winT,
		startCol: len(a.InputTypes), end: len(a.InputTypes) + 1}, nil
}

// OutputTypes returns the output column types.
func (h *HopWindow) OutputTypes() []types.Type { return h.outTypes }

// firstStart returns the earliest window start whose window contains t.
func (h *HopWindow) firstStart(t int64) int64 {
	// starts s = off + k*slide with s <= t < s+size, i.e. s > t-size.
	last := t - hopFloorMod(t-h.off, h.slide)
	// smallest s on the grid with s > t-size
	lo := t - h.size
	first := lo - hopFloorMod(lo-h.off, h.slide) + h.slide
	if first > last {
		return last
	}
	return first
}

// Push expands the chunk's rows into their windows.
func (h *HopWindow) Push(_ int, c *types.Chunk) error {
	defer c.Release()
	n := int(h.size / h.slide)
	b := types.NewChunkBuilder(h.outTypes, c.NumRows()*max(n, 1))
	defer b.Release()
	for i := 0; i < c.NumRows(); i++ {
		t, ok := wtMicros(c.Datum(h.args.TimeCol, i))
		if !ok {
			continue
		}
		row := c.Row(i)
		last := t - hopFloorMod(t-h.off, h.slide)
		for s := h.firstStart(t); s <= last; s += h.slide {
			out := make(types.Row, len(row), len(row)+2)
			copy(out, row)
			out = append(out, wtDatum(s, h.winT), wtDatum(s+h.size, h.winT))
			b.Append(c.Ops[i], out)
		}
	}
	return h.Emit(b.Build())
}

// Barrier forwards the barrier.
func (h *HopWindow) Barrier(_ int, b Barrier) error { return h.EmitBarrier(b) }

// Watermark forwards the watermark, and derives the window columns' ones
// from a watermark on the time column.
func (h *HopWindow) Watermark(_ int, w Watermark) error {
	if err := h.EmitWatermark(w); err != nil {
		return err
	}
	if w.Col != h.args.TimeCol {
		return nil
	}
	t, ok := wtMicros(w.Value)
	if !ok {
		return nil
	}
	s := h.firstStart(t)
	if err := h.EmitWatermark(Watermark{Col: h.startCol, Value: wtDatum(s, h.winT)}); err != nil {
		return err
	}
	return h.EmitWatermark(Watermark{Col: h.end, Value: wtDatum(s+h.size, h.winT)})
}
