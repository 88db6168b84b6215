package operators

import (
	"fmt"
	"time"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// WatermarkFilterArgs configures a WatermarkFilter for
// `WATERMARK FOR <Col> AS <expr> [WITH TTL]` on a source or table.
type WatermarkFilterArgs struct {
	Col int // the event-time column (date, timestamp, timestamptz or integer)
	// Expr is the watermark expression over the row (e.g. ts - INTERVAL
	// '5 seconds'); nil means row[Col] - Delay (time columns only).
	Expr  expr.Expr
	Delay types.Interval
	// KeepLate passes every row, late or not (a processing-time column:
	// the watermark is generated but drops nothing).
	KeepLate bool
	// SplitUpdates turns an update pair whose event time changes into a
	// Delete of the old row and an Insert of the new one, each then kept
	// or dropped on its own (the filter of a table's change stream, where
	// the event time is part of the stream key).
	SplitUpdates bool
	// Clean, when set, is called at checkpoint barriers with the current
	// watermark when it advanced or rows came since the last call: the
	// owner removes its state below it (WITH TTL).
	Clean func(watermark types.Datum) error
	// IdleTimeout: once no row has arrived for this long (in Barrier.Now
	// time), the watermark advances with Barrier.Now: it becomes the
	// watermark at the last row plus the time elapsed since that row's
	// epoch. 0 disables it.
	IdleTimeout time.Duration
	InputTypes  []types.Type
	// Store and Table persist the current watermark (optional; Store nil =
	// in memory only). Layout: see WatermarkFilterLayout.
	Store *state.Store
	Table types.TableLayout
}

// WatermarkFilterLayout returns the layout of a WatermarkFilter's state
// table: one row (int16 key 0, watermark of the event-time column's type),
// keyed by the first column.
func WatermarkFilterLayout(id uint32, name string, colType types.Type) types.TableLayout {
	return types.TableLayout{ID: id, Name: name, Cols: []types.Type{types.Int16, colType}, PK: []int{0}}
}

// WatermarkFilter generates event-time watermarks and drops late rows.
//
// State table (optional, see WatermarkFilterLayout): the current
// watermark, so that a restarted filter keeps dropping what was late.
//
// Delta rule: a row whose event time is NULL or below the current
// watermark (the one emitted at the last barrier) is dropped and counted
// in LateRows; others pass unchanged. Over the epoch the filter tracks
// max(watermark expression) of the rows it passes; at the barrier, if that
// (or the idle-timeout clock) advances the watermark, it emits
// Watermark{Col, value} before forwarding the barrier. The first barrier
// after a restart re-emits the restored watermark. Watermarks arriving
// from upstream on other columns are forwarded.
type WatermarkFilter struct {
	Output
	args    WatermarkFilterArgs
	table   *state.Table
	colT    types.Type
	current types.Datum // the emitted watermark
	pending types.Datum // max watermark expression over the epoch
	late    int64
	ctx     expr.Context

	cleaned     types.Datum // the watermark at the last Clean call
	dirty       bool        // rows came since the last Clean call
	started     bool
	resend      bool
	lastActive  int64       // Barrier.Now of the last epoch with rows
	activeMark  types.Datum // watermark at that epoch
	rowsInEpoch bool
}

var _ Node = (*WatermarkFilter)(nil)

// NewWatermarkFilter returns a WatermarkFilter, restoring its watermark
// from its state table when it has one.
func NewWatermarkFilter(a WatermarkFilterArgs) (*WatermarkFilter, error) {
	if a.Col < 0 || a.Col >= len(a.InputTypes) {
		return nil, fmt.Errorf("watermark filter: column %d out of range", a.Col)
	}
	t := a.InputTypes[a.Col]
	intCol := t.Kind == types.KindInt16 || t.Kind == types.KindInt32 || t.Kind == types.KindInt64
	if !wtIsTime(t) && !intCol {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch, "watermark column must be of type date, timestamp, timestamp with time zone or an integer type, not %s", t)
	}
	if intCol && a.Expr == nil {
		return nil, fmt.Errorf("watermark filter: an integer column needs a watermark expression")
	}
	if intCol && a.IdleTimeout > 0 {
		return nil, fmt.Errorf("watermark filter: an idle timeout needs a time column, not %s", t)
	}
	if a.Expr != nil && a.Expr.Type().Kind != t.Kind {
		return nil, fmt.Errorf("watermark filter: expression type %s differs from column type %s", a.Expr.Type(), t)
	}
	f := &WatermarkFilter{args: a, colT: t, ctx: expr.Context{TimeZone: "UTC"}}
	if a.Store != nil {
		if len(a.Table.Cols) == 0 {
			a.Table = WatermarkFilterLayout(a.Table.ID, a.Table.Name, t)
			f.args.Table = a.Table
		}
		f.table = a.Store.Table(a.Table)
		r, ok, err := f.table.Get(types.Row{int64(0)})
		if err != nil {
			return nil, err
		}
		if ok {
			f.current = r[1]
			f.resend = true
		}
	}
	return f, nil
}

// LateRows returns how many rows were dropped as late (or of NULL time).
func (f *WatermarkFilter) LateRows() int64 { return f.late }

// Current returns the last emitted watermark (nil before the first).
func (f *WatermarkFilter) Current() types.Datum { return f.current }

func (f *WatermarkFilter) markOf(r types.Row) (types.Datum, error) {
	if f.args.Expr != nil {
		return f.args.Expr.EvalRow(&f.ctx, r)
	}
	t, ok := wtMicros(r[f.args.Col])
	if !ok {
		return nil, nil
	}
	return f.fromMicros(wtAddInterval(t, wtNeg(f.args.Delay))), nil
}

func (f *WatermarkFilter) fromMicros(m int64) types.Datum {
	if f.colT.Kind == types.KindDate {
		return types.Date(wtFloorDiv(m, types.MicrosPerDay))
	}
	return wtDatum(m, f.colT)
}

// late reports whether an event time is late (NULL or below the current
// watermark).
func (f *WatermarkFilter) isLate(ts types.Datum) bool {
	if f.args.KeepLate {
		return false
	}
	return ts == nil || (f.current != nil && types.Compare(ts, f.current) < 0)
}

// Push drops late rows and passes the others.
func (f *WatermarkFilter) Push(_ int, c *types.Chunk) error {
	f.dirty = true
	if f.args.SplitUpdates {
		return f.pushSplit(c)
	}
	keep := make([]int, 0, c.NumRows())
	for i := 0; i < c.NumRows(); i++ {
		ts := c.Datum(f.args.Col, i)
		if f.isLate(ts) {
			f.late++
			continue
		}
		keep = append(keep, i)
		if !c.Ops[i].IsInsert() {
			continue
		}
		f.rowsInEpoch = true
		m, err := f.markOf(c.Row(i))
		if err != nil {
			c.Release()
			return err
		}
		if m != nil && (f.pending == nil || types.Compare(m, f.pending) > 0) {
			f.pending = m
		}
	}
	if len(keep) == c.NumRows() {
		return f.Emit(c)
	}
	defer c.Release()
	b := types.NewChunkBuilder(c.Types, len(keep))
	defer b.Release()
	for _, i := range keep {
		b.Append(c.Ops[i], c.Row(i))
	}
	return f.Emit(b.Build())
}

// track advances the epoch's pending watermark with an inserted row.
func (f *WatermarkFilter) track(r types.Row) error {
	f.rowsInEpoch = true
	m, err := f.markOf(r)
	if err != nil {
		return err
	}
	if m != nil && (f.pending == nil || types.Compare(m, f.pending) > 0) {
		f.pending = m
	}
	return nil
}

// pushSplit is Push with SplitUpdates: an update pair whose event time
// changes becomes Delete old, Insert new; each change is then dropped when
// late. An update pair that keeps its event time is kept or dropped whole.
func (f *WatermarkFilter) pushSplit(c *types.Chunk) error {
	defer c.Release()
	n := c.NumRows()
	b := types.NewChunkBuilder(c.Types, n)
	defer b.Release()
	for i := 0; i < n; i++ {
		op := c.Ops[i]
		if op == types.UpdateDelete && i+1 < n && c.Ops[i+1] == types.UpdateInsert {
			oldTS, newTS := c.Datum(f.args.Col, i), c.Datum(f.args.Col, i+1)
			if oldTS != nil && newTS != nil && types.Compare(oldTS, newTS) == 0 {
				if f.isLate(oldTS) {
					f.late += 2
				} else {
					b.Append(types.UpdateDelete, c.Row(i))
					r := c.Row(i + 1)
					b.Append(types.UpdateInsert, r)
					if err := f.track(r); err != nil {
						return err
					}
				}
				i++
				continue
			}
			// The event time changes: a delete and an insert.
			if f.isLate(oldTS) {
				f.late++
			} else {
				b.Append(types.Delete, c.Row(i))
			}
			i++
			op = types.Insert
		} else {
			op = op.Normalize()
		}
		if f.isLate(c.Datum(f.args.Col, i)) {
			f.late++
			continue
		}
		r := c.Row(i)
		b.Append(op, r)
		if op == types.Insert {
			if err := f.track(r); err != nil {
				return err
			}
		}
	}
	if b.Len() == 0 {
		return nil
	}
	return f.Emit(b.Build())
}

// Barrier advances and emits the watermark, then forwards the barrier.
func (f *WatermarkFilter) Barrier(_ int, b Barrier) error {
	now := int64(b.Now)
	f.ctx.Now = b.Now
	next := f.current
	if f.pending != nil && (next == nil || types.Compare(f.pending, next) > 0) {
		next = f.pending
	}
	if f.rowsInEpoch || !f.started {
		f.lastActive, f.activeMark = now, next
		f.started = true
	} else if f.args.IdleTimeout > 0 && f.activeMark != nil {
		idle := now - f.lastActive
		if idle >= f.args.IdleTimeout.Microseconds() {
			m, _ := wtMicros(f.activeMark)
			if v := f.fromMicros(m + idle); next == nil || types.Compare(v, next) > 0 {
				next = v
			}
		}
	}
	f.pending, f.rowsInEpoch = nil, false
	if next != nil && (f.current == nil || types.Compare(next, f.current) > 0 || f.resend) {
		f.current, f.resend = next, false
		if f.table != nil {
			f.table.Put(types.Row{int64(0), next})
		}
		if err := f.EmitWatermark(Watermark{Col: f.args.Col, Value: next}); err != nil {
			return err
		}
	}
	// Clean when the watermark advanced, or when rows came (a table with a
	// primary key stores the rows it then drops from its stream).
	if f.args.Clean != nil && b.Checkpoint && f.current != nil && (f.dirty || f.cleaned == nil || types.Compare(f.current, f.cleaned) > 0) {
		if err := f.args.Clean(f.current); err != nil {
			return err
		}
		f.cleaned, f.dirty = f.current, false
	}
	return f.EmitBarrier(b)
}

// Watermark forwards upstream watermarks on other columns.
func (f *WatermarkFilter) Watermark(_ int, w Watermark) error {
	if w.Col == f.args.Col {
		return nil
	}
	return f.EmitWatermark(w)
}
