package operators

import (
	"fmt"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// TemporalBound is one side of a temporal filter: the column is compared
// with NOW() + Offset.
type TemporalBound struct {
	Offset    types.Interval
	Inclusive bool // >= / <= instead of > / <
}

// TemporalFilterArgs configures a TemporalFilter. The kept rows are those
// with `row[Col] > NOW() + Lower.Offset` (>= when Lower.Inclusive) and
// `row[Col] < NOW() + Upper.Offset` (<= when Upper.Inclusive); either bound
// may be nil. `ts > NOW() - INTERVAL '24 hours'` is Lower{Offset: -24h}.
// `ts <= NOW() - INTERVAL '1 hour'` (delay rows by an hour) is
// Upper{Offset: -1h, Inclusive: true}. Offsets with months are rejected:
// with calendar months, NOW() - interval is not monotone in NOW() (Mar 29
// 12:00 and Mar 30 00:00 both map into Feb 29), so rows could re-enter.
type TemporalFilterArgs struct {
	Col          int
	Lower, Upper *TemporalBound
	InputTypes   []types.Type
	StreamKey    []int
	Store        *state.Store
	Table        types.TableLayout // see TemporalFilterLayout; no Cols = that layout, keeping Table.ID/Name
}

// TemporalFilterLayout returns the timer-index layout of a TemporalFilter:
// column 0 is the timer instant (timestamptz), the other columns the full
// input row; the primary key is (timer ++ stream key), so a scan from the
// start yields the timers in firing order.
func TemporalFilterLayout(id uint32, name string, inputTypes []types.Type, streamKey []int) types.TableLayout {
	l := types.TableLayout{ID: id, Name: name, Cols: append([]types.Type{types.TimestamptzT}, inputTypes...), PK: []int{0}}
	for _, c := range streamKey {
		l.PK = append(l.PK, 1+c)
	}
	return l
}

// TemporalFilter keeps the rows whose time column lies within bounds that
// move with NOW() (the Now of each barrier). Rows of NULL time never pass.
//
// State table (Args.Table, see TemporalFilterLayout): a timer index of the
// rows that still have a future event, keyed by (timer ++ stream key), with
// the full row as value. A row's next event is either the instant it
// enters the range (AppearAt, upper bound; the row is pending) or the
// instant it leaves it (ExpireAt, lower bound; the row is live). Which one
// a stored entry is follows from comparing its timer with the row's own
// AppearAt, so no other state is needed.
//
// Delta rule: chunks are buffered; at a barrier with Now = t:
//  1. timers <= t are read by scanning the index from its start (not by
//     scanning rows): pending rows that are now in range are emitted as
//     inserts (and re-indexed under their expiry), live rows that expired
//     are emitted as deletes; fired entries are deleted;
//  2. the buffered changes are applied in order: an insert is emitted if in
//     range at t, and indexed under its next event if it has one; a delete
//     removes the row's timer entry and is emitted if the row was live
//     (live = indexed under ExpireAt, or, with no lower bound, not pending).
//
// Watermarks: with no upper bound the output inserts are a subset of the
// input's, so watermarks pass unchanged. With an upper bound rows are
// delayed, so only the time column's watermark is forwarded, held back to
// NOW() + upper offset (no pending row lies below it), at each barrier.
type TemporalFilter struct {
	Output
	args   TemporalFilterArgs
	table  *state.Table
	colT   types.Type
	buf    []tfChange
	marks  map[int]types.Datum // upper bound: latest input watermark on Col
	sent   types.Datum         // upper bound: last forwarded watermark
	skCols []int               // stream key positions in the index row
}

type tfChange struct {
	op  types.Op
	row types.Row
}

var _ Node = (*TemporalFilter)(nil)

// NewTemporalFilter returns a TemporalFilter over the given state store.
func NewTemporalFilter(a TemporalFilterArgs) (*TemporalFilter, error) {
	if a.Store == nil {
		return nil, fmt.Errorf("temporal filter: no state store")
	}
	if a.Col < 0 || a.Col >= len(a.InputTypes) {
		return nil, fmt.Errorf("temporal filter: column %d out of range", a.Col)
	}
	if !wtIsTime(a.InputTypes[a.Col]) {
		return nil, wtTypeError("temporal filter column", a.InputTypes[a.Col])
	}
	for _, b := range []*TemporalBound{a.Lower, a.Upper} {
		if b != nil {
			if _, err := wtFixedMicros(b.Offset, "temporal filter interval"); err != nil {
				return nil, err
			}
		}
	}
	if len(a.Table.Cols) == 0 {
		a.Table = TemporalFilterLayout(a.Table.ID, a.Table.Name, a.InputTypes, a.StreamKey)
	}
	if len(a.Table.Cols) != len(a.InputTypes)+1 || len(a.Table.PK) == 0 || a.Table.PK[0] != 0 {
		return nil, fmt.Errorf("temporal filter: state table %q must be (timer timestamptz, input row...) keyed by (timer, stream key)", a.Table.Name)
	}
	op := &TemporalFilter{args: a, table: a.Store.Table(a.Table), colT: a.InputTypes[a.Col], marks: map[int]types.Datum{}}
	for _, c := range a.Table.PK[1:] {
		op.skCols = append(op.skCols, c-1)
	}
	return op, nil
}

// appearAt returns the first instant at which the row satisfies the upper
// bound (math.MinInt64 without one); expireAt the first instant at which
// it no longer satisfies the lower bound (math.MaxInt64 without one).
func (op *TemporalFilter) appearAt(ts int64) int64 {
	u := op.args.Upper
	if u == nil {
		return minInt64
	}
	// ts < now+off  <=>  now+off > ts ; ts <= now+off <=> now+off >= ts
	return wtFirstAtLeast(ts, u.Offset, !u.Inclusive)
}

func (op *TemporalFilter) expireAt(ts int64) int64 {
	l := op.args.Lower
	if l == nil {
		return maxInt64
	}
	// ts > now+off fails when now+off >= ts; ts >= now+off fails when now+off > ts
	return wtFirstAtLeast(ts, l.Offset, l.Inclusive)
}

const (
	minInt64 = -1 << 63
	maxInt64 = 1<<63 - 1
)

func (op *TemporalFilter) timerRow(t int64, r types.Row) types.Row {
	out := make(types.Row, 0, len(r)+1)
	out = append(out, types.Timestamptz(t))
	return append(out, r...)
}

func (op *TemporalFilter) timerKey(t int64, r types.Row) types.Row {
	k := make(types.Row, 0, 1+len(op.skCols))
	k = append(k, types.Timestamptz(t))
	for _, c := range op.skCols {
		k = append(k, r[c])
	}
	return k
}

// Push buffers the chunk's changes until the barrier.
func (op *TemporalFilter) Push(_ int, c *types.Chunk) error {
	defer c.Release()
	for i := 0; i < c.NumRows(); i++ {
		op.buf = append(op.buf, tfChange{c.Ops[i], c.Row(i)})
	}
	return nil
}

// Barrier fires the timers up to the barrier's Now, applies the buffered
// changes at that Now, and forwards the barrier.
func (op *TemporalFilter) Barrier(_ int, b Barrier) error {
	now := int64(b.Now)
	out := types.NewChunkBuilder(op.args.InputTypes, len(op.buf))
	defer out.Release()

	// 1. Fire timers <= now.
	var fired []types.Row
	err := op.table.Scan(nil, func(r types.Row) bool {
		t, _ := wtMicros(r[0])
		if t > now {
			return false
		}
		fired = append(fired, r.Copy())
		return true
	})
	if err != nil {
		return err
	}
	for _, e := range fired {
		t, _ := wtMicros(e[0])
		row := e[1:]
		ts, _ := wtMicros(row[op.args.Col])
		op.table.Delete(op.timerKey(t, row))
		exp := op.expireAt(ts)
		if op.args.Upper != nil && t == op.appearAt(ts) {
			// pending row reaching its range
			if now < exp {
				out.Append(types.Insert, row)
				if op.args.Lower != nil {
					op.table.Put(op.timerRow(exp, row))
				}
			}
			continue
		}
		out.Append(types.Delete, row) // live row expiring
	}

	// 2. Apply the buffered changes at now.
	for _, ch := range op.buf {
		r := ch.row
		ts, ok := wtMicros(r[op.args.Col])
		if !ok {
			continue // NULL time: never in range
		}
		app, exp := op.appearAt(ts), op.expireAt(ts)
		if ch.op.IsInsert() {
			switch {
			case app >= exp: // empty range: never passes
			case now < app:
				op.table.Put(op.timerRow(app, r))
			case now < exp:
				out.Append(types.Insert, r)
				if op.args.Lower != nil {
					op.table.Put(op.timerRow(exp, r))
				}
			}
			continue
		}
		if app >= exp {
			continue
		}
		if op.args.Upper != nil {
			if _, found, err := op.table.Get(op.timerKey(app, r)); err != nil {
				return err
			} else if found {
				op.table.Delete(op.timerKey(app, r))
				continue // pending: never emitted
			}
		}
		if op.args.Lower != nil {
			if _, found, err := op.table.Get(op.timerKey(exp, r)); err != nil {
				return err
			} else if found {
				op.table.Delete(op.timerKey(exp, r))
				out.Append(types.Delete, r)
			}
			continue // not indexed: expired or never live
		}
		out.Append(types.Delete, r) // no lower bound and not pending: live
	}
	op.buf = op.buf[:0]
	if err := op.Emit(out.Build()); err != nil {
		return err
	}
	if op.args.Upper != nil {
		if err := op.forwardHeldWatermark(now); err != nil {
			return err
		}
	}
	return op.EmitBarrier(b)
}

// Watermark forwards watermarks unchanged without an upper bound; with one
// it records the time column's watermark for release at the next barrier.
func (op *TemporalFilter) Watermark(_ int, w Watermark) error {
	if op.args.Upper == nil {
		return op.EmitWatermark(w)
	}
	if w.Col == op.args.Col {
		op.marks[w.Col] = w.Value
	}
	return nil
}

// forwardHeldWatermark forwards min(input watermark, NOW() + upper
// offset) on the time column when it advances: a future output insert is
// either a future input row (>= the input watermark) or a pending row,
// whose time is >= NOW() + offset since it is not yet in range.
func (op *TemporalFilter) forwardHeldWatermark(now int64) error {
	wm, ok := op.marks[op.args.Col]
	if !ok || wm == nil {
		return nil
	}
	wmT, _ := wtMicros(wm)
	bound := wtAddInterval(now, op.args.Upper.Offset)
	v := wm
	if bound < wmT {
		if op.colT.Kind == types.KindDate {
			v = types.Date(wtFloorDiv(bound, types.MicrosPerDay))
		} else {
			v = wtDatum(bound, op.colT)
		}
	}
	if op.sent != nil && types.Compare(v, op.sent) <= 0 {
		return nil
	}
	op.sent = v
	return op.EmitWatermark(Watermark{Col: op.args.Col, Value: v})
}
