package operators

import (
	"fmt"
	"math"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// FrameMode is the unit a window frame is measured in.
type FrameMode uint8

// The frame modes. FrameRange is the zero value (Postgres' default mode).
const (
	FrameRange  FrameMode = iota // RANGE: by ORDER BY value (peers move together)
	FrameRows                    // ROWS: by physical row
	FrameGroups                  // GROUPS: by peer group
	// FrameSession is RisingWave's SESSION WITH GAP g: the frame is the
	// row's session, the maximal run of rows (in window order) in which
	// each row's ORDER BY value is less than the previous row's plus g
	// (more than it minus g when descending). Start and End are
	// BoundPreceding / BoundFollowing with Offset g.
	FrameSession
)

// BoundKind is the kind of a frame start or end.
type BoundKind uint8

// The frame bound kinds.
const (
	BoundUnboundedPreceding BoundKind = iota
	BoundPreceding                    // Offset PRECEDING
	BoundCurrentRow
	BoundFollowing // Offset FOLLOWING
	BoundUnboundedFollowing
)

// FrameExclude is a frame's EXCLUDE clause.
type FrameExclude uint8

// The frame exclusions. ExcludeNoOthers is the zero value.
const (
	ExcludeNoOthers   FrameExclude = iota
	ExcludeCurrentRow              // EXCLUDE CURRENT ROW
	ExcludeGroup                   // EXCLUDE GROUP: the current row and its peers
	ExcludeTies                    // EXCLUDE TIES: the peers, but not the current row
)

// FrameBound is one end of a frame. Offset is used by BoundPreceding and
// BoundFollowing: an int64 for ROWS and GROUPS; for RANGE a value of the
// ORDER BY column's kind (int64 for integer columns, *apd.Decimal or int64
// for numeric, float64 for floats) or a types.Interval for date, time,
// timestamp, timestamptz and interval columns.
type FrameBound struct {
	Kind   BoundKind
	Offset types.Datum
}

// Frame is a window frame. The zero Frame (End.Kind ==
// BoundUnboundedPreceding, which is never a valid end) stands for the
// Postgres default: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW, which
// is the whole partition when there is no ORDER BY (all rows are peers).
type Frame struct {
	Mode       FrameMode
	Start, End FrameBound
	Exclude    FrameExclude
}

// DefaultFrame returns the explicit form of the default frame.
func DefaultFrame() Frame {
	return Frame{Mode: FrameRange, Start: FrameBound{Kind: BoundUnboundedPreceding}, End: FrameBound{Kind: BoundCurrentRow}}
}

// IsDefault reports whether f is the zero Frame (the default frame).
func (f Frame) IsDefault() bool { return f.End.Kind == BoundUnboundedPreceding }

func (m FrameMode) String() string {
	switch m {
	case FrameRows:
		return "ROWS"
	case FrameGroups:
		return "GROUPS"
	case FrameSession:
		return "SESSION"
	}
	return "RANGE"
}

func (b FrameBound) String() string {
	switch b.Kind {
	case BoundUnboundedPreceding:
		return "UNBOUNDED PRECEDING"
	case BoundPreceding:
		return owOffsetText(b.Offset) + " PRECEDING"
	case BoundCurrentRow:
		return "CURRENT ROW"
	case BoundFollowing:
		return owOffsetText(b.Offset) + " FOLLOWING"
	}
	return "UNBOUNDED FOLLOWING"
}

func owOffsetText(d types.Datum) string {
	if iv, ok := d.(types.Interval); ok {
		return "'" + types.FormatInterval(iv) + "'"
	}
	if d == nil {
		return "NULL"
	}
	return types.FormatText(d)
}

// String renders the frame in SQL, e.g. "ROWS BETWEEN 2 PRECEDING AND
// CURRENT ROW EXCLUDE TIES".
func (f Frame) String() string {
	if f.IsDefault() {
		f = DefaultFrame()
	}
	if f.Mode == FrameSession {
		return "SESSION WITH GAP " + owOffsetText(f.Start.Offset)
	}
	s := fmt.Sprintf("%s BETWEEN %s AND %s", f.Mode, f.Start, f.End)
	switch f.Exclude {
	case ExcludeCurrentRow:
		s += " EXCLUDE CURRENT ROW"
	case ExcludeGroup:
		s += " EXCLUDE GROUP"
	case ExcludeTies:
		s += " EXCLUDE TIES"
	}
	return s
}

// owFrame is a frame compiled against the ORDER BY of an OverWindow.
type owFrame struct {
	Frame
	startN, endN int64 // ROWS/GROUPS offsets
	rng          *owInRange
}

// owInRange evaluates Postgres' in_range support functions for a RANGE
// frame with offsets over the single ORDER BY column.
type owInRange struct {
	col        int
	t          types.Type
	desc       bool
	nullsFirst bool
	start, end types.Datum // normalized offsets (nil when the bound has none)
}

func windowingError(format string, args ...any) error {
	return sqlerr.New(sqlerr.WindowingError, format, args...)
}

// compileFrame validates a frame the way Postgres' parser and executor do
// and normalizes its offsets.
func compileFrame(f Frame, orderBy []expr.SortKey, inputTypes []types.Type) (owFrame, error) {
	if f.IsDefault() {
		f = DefaultFrame()
	}
	of := owFrame{Frame: f}
	if f.Start.Kind == BoundUnboundedFollowing {
		return of, windowingError("frame start cannot be UNBOUNDED FOLLOWING")
	}
	if f.End.Kind == BoundUnboundedPreceding {
		return of, windowingError("frame end cannot be UNBOUNDED PRECEDING")
	}
	if f.Mode == FrameSession {
		return compileSessionFrame(of, orderBy, inputTypes)
	}
	if f.Start.Kind > BoundUnboundedFollowing || f.End.Kind > BoundUnboundedFollowing || f.Mode > FrameGroups || f.Exclude > ExcludeTies {
		return of, fmt.Errorf("over window: invalid frame %+v", f)
	}
	if f.Start.Kind == BoundCurrentRow && f.End.Kind == BoundPreceding {
		return of, windowingError("frame starting from current row cannot have preceding rows")
	}
	if f.Start.Kind == BoundFollowing && (f.End.Kind == BoundPreceding || f.End.Kind == BoundCurrentRow) {
		return of, windowingError("frame starting from following row cannot have preceding rows")
	}
	hasOff := func(b FrameBound) bool { return b.Kind == BoundPreceding || b.Kind == BoundFollowing }
	if f.Mode == FrameGroups && len(orderBy) == 0 {
		return of, windowingError("GROUPS mode requires an ORDER BY clause")
	}
	switch f.Mode {
	case FrameRows, FrameGroups:
		for i, b := range []FrameBound{f.Start, f.End} {
			if !hasOff(b) {
				continue
			}
			what := [2]string{"starting", "ending"}[i]
			if b.Offset == nil {
				return of, sqlerr.New(sqlerr.NullValueNotAllowed, "frame %s offset must not be null", what)
			}
			n, ok := b.Offset.(int64)
			if !ok {
				return of, fmt.Errorf("over window: %s offset of a %s frame must be an int64, got %T", what, f.Mode, b.Offset)
			}
			if n < 0 {
				return of, sqlerr.New("22013", "frame %s offset must not be negative", what)
			}
			if i == 0 {
				of.startN = n
			} else {
				of.endN = n
			}
		}
	case FrameRange:
		if !hasOff(f.Start) && !hasOff(f.End) {
			break
		}
		if len(orderBy) != 1 {
			return of, windowingError("RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
		}
		k := orderBy[0]
		r := &owInRange{col: k.Col, t: inputTypes[k.Col], desc: k.Desc, nullsFirst: k.NullsFirst}
		for i, b := range []FrameBound{f.Start, f.End} {
			if !hasOff(b) {
				continue
			}
			what := [2]string{"starting", "ending"}[i]
			if b.Offset == nil {
				return of, sqlerr.New(sqlerr.NullValueNotAllowed, "frame %s offset must not be null", what)
			}
			off, err := owRangeOffset(r.t, b.Offset)
			if err != nil {
				return of, err
			}
			if i == 0 {
				r.start = off
			} else {
				r.end = off
			}
		}
		of.rng = r
	}
	return of, nil
}

// owRangeOffset checks and normalizes a RANGE offset for a column type.
func owRangeOffset(t types.Type, off types.Datum) (types.Datum, error) {
	bad := func() (types.Datum, error) {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and offset type %T", t, off)
	}
	neg := func() (types.Datum, error) {
		return nil, sqlerr.New("22013", "invalid preceding or following size in window function")
	}
	switch {
	case t.IsInteger():
		n, ok := off.(int64)
		if !ok {
			return bad()
		}
		if n < 0 {
			return neg()
		}
		return n, nil
	case t.Kind == types.KindNumeric:
		var d *apd.Decimal
		switch x := off.(type) {
		case int64:
			d = apd.New(x, 0)
		case *apd.Decimal:
			d = x
		default:
			return bad()
		}
		if d.Form != apd.Finite && d.Form != apd.Infinite || d.Negative {
			return neg()
		}
		return d, nil
	case t.IsFloat():
		var f float64
		switch x := off.(type) {
		case int64:
			f = float64(x)
		case float64:
			f = x
		case *apd.Decimal:
			f, _ = x.Float64()
		default:
			return bad()
		}
		if math.IsNaN(f) || f < 0 {
			return neg()
		}
		return f, nil
	case t.Kind == types.KindDate, t.Kind == types.KindTimestamp, t.Kind == types.KindTimestamptz, t.Kind == types.KindInterval:
		iv, ok := off.(types.Interval)
		if !ok {
			return bad()
		}
		if iv.Duration() < 0 {
			return neg()
		}
		return iv, nil
	case t.Kind == types.KindTime:
		iv, ok := off.(types.Interval)
		if !ok {
			return bad()
		}
		if iv.Micros < 0 {
			return neg()
		}
		return iv, nil
	}
	return bad()
}

// inRange is Postgres' in_range(val, base, offset, sub, less): whether
// val <= base ∓ offset (less) or val >= base ∓ offset (!less); sub means
// base - offset. val and base are not NULL.
func (r *owInRange) inRange(val, base, off types.Datum, sub, less bool) bool {
	cmpRes := func(c int) bool {
		if less {
			return c <= 0
		}
		return c >= 0
	}
	switch {
	case r.t.IsInteger():
		v, b, o := val.(int64), base.(int64), off.(int64)
		var sum int64
		if sub {
			sum = b - o
			if (o > 0 && sum > b) || (o < 0 && sum < b) {
				return !less // the true sum is below every value
			}
		} else {
			sum = b + o
			if (o > 0 && sum < b) || (o < 0 && sum > b) {
				return less // the true sum is above every value
			}
		}
		return cmpRes(cmpInt(v, sum))
	case r.t.IsFloat():
		v, b, o := val.(float64), base.(float64), off.(float64)
		if math.IsNaN(v) {
			if math.IsNaN(b) {
				return true
			}
			return !less
		}
		if math.IsNaN(b) {
			return less
		}
		if math.IsInf(o, 0) && math.IsInf(b, 0) && (sub && b > 0 || !sub && b < 0) {
			return true
		}
		sum := b + o
		if sub {
			sum = b - o
		}
		if less {
			return v <= sum
		}
		return v >= sum
	case r.t.Kind == types.KindNumeric:
		v, b, o := toDecimal(val), toDecimal(base), toDecimal(off)
		vn, bn := v.Form == apd.NaN || v.Form == apd.NaNSignaling, b.Form == apd.NaN || b.Form == apd.NaNSignaling
		if vn {
			if bn {
				return true
			}
			return !less
		}
		if bn {
			return less
		}
		var sum apd.Decimal
		ctx := apd.BaseContext.WithPrecision(2000)
		if sub {
			_, _ = ctx.Sub(&sum, b, o)
		} else {
			_, _ = ctx.Add(&sum, b, o)
		}
		return cmpRes(v.Cmp(&sum))
	case r.t.Kind == types.KindInterval:
		iv := off.(types.Interval)
		if sub {
			iv = wtNeg(iv)
		}
		b := base.(types.Interval)
		sum := types.Interval{Months: b.Months + iv.Months, Days: b.Days + iv.Days, Micros: b.Micros + iv.Micros}
		return cmpRes(types.Compare(val, sum))
	case r.t.Kind == types.KindTime:
		o := off.(types.Interval).Micros
		sum := int64(base.(types.Time)) + o
		if sub {
			sum = int64(base.(types.Time)) - o
		}
		return cmpRes(cmpInt(int64(val.(types.Time)), sum))
	default: // date, timestamp, timestamptz
		v, _ := wtMicros(val)
		b, _ := wtMicros(base)
		iv := off.(types.Interval)
		if sub {
			iv = wtNeg(iv)
		}
		return cmpRes(cmpInt(v, wtAddInterval(b, iv)))
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// headAt reports whether row value hv (at some position) is at or after
// the frame head of the current row with value cv, for a RANGE bound with
// an offset (sub: PRECEDING). It is monotone over the partition's order
// (false, then true), as in Postgres' update_frameheadpos.
func (r *owInRange) headAt(hv, cv, off types.Datum, sub bool) bool {
	if hv == nil || cv == nil {
		if r.nullsFirst {
			return hv != nil || cv == nil
		}
		return hv == nil || cv != nil
	}
	less := false
	if r.desc {
		sub, less = !sub, true
	}
	return r.inRange(hv, cv, off, sub, less)
}

// tailIncludes reports whether row value tv is within the frame end of the
// current row with value cv (monotone: true, then false), as in Postgres'
// update_frametailpos.
func (r *owInRange) tailIncludes(tv, cv, off types.Datum, sub bool) bool {
	if tv == nil || cv == nil {
		if r.nullsFirst {
			return tv == nil
		}
		return cv == nil
	}
	less := true
	if r.desc {
		sub, less = !sub, false
	}
	return r.inRange(tv, cv, off, sub, less)
}

// compileSessionFrame checks a SESSION frame: one ORDER BY column and a gap
// of a type RANGE offsets accept for it, not negative.
func compileSessionFrame(of owFrame, orderBy []expr.SortKey, inputTypes []types.Type) (owFrame, error) {
	f := of.Frame
	if len(orderBy) != 1 {
		return of, windowingError("SESSION frame requires exactly one ORDER BY column")
	}
	if f.Start.Offset == nil || f.Start.Kind != BoundPreceding || f.End.Kind != BoundFollowing {
		return of, sqlerr.New(sqlerr.NullValueNotAllowed, "session gap must not be null")
	}
	if f.Exclude != ExcludeNoOthers {
		return of, sqlerr.New(sqlerr.FeatureNotSupported, "EXCLUDE is not supported with a SESSION frame")
	}
	k := orderBy[0]
	r := &owInRange{col: k.Col, t: inputTypes[k.Col], desc: k.Desc, nullsFirst: k.NullsFirst}
	gap, err := owRangeOffset(r.t, f.Start.Offset)
	if err != nil {
		return of, err
	}
	r.start, r.end = gap, gap
	of.rng = r
	return of, nil
}

// owSessions are the sessions of one partition under one SESSION frame.
type owSessions struct {
	of         []int // session of each row
	start, end []int // rows [start, end) of each session
}

// sessionBounds returns the session [s, e) of row i.
func (f *owFrame) sessionBounds(p *owPartition, i int) (int, int) {
	if p.sess == nil {
		p.sess = map[*owFrame]*owSessions{}
	}
	ss := p.sess[f]
	if ss == nil {
		ss = &owSessions{of: make([]int, p.n())}
		for j := range p.n() {
			if j == 0 || f.sessionBreak(p.rows[j-1][f.rng.col], p.rows[j][f.rng.col]) {
				if j > 0 {
					ss.end = append(ss.end, j)
				}
				ss.start = append(ss.start, j)
			}
			ss.of[j] = len(ss.start) - 1
		}
		if p.n() > 0 {
			ss.end = append(ss.end, p.n())
		}
		p.sess[f] = ss
	}
	id := ss.of[i]
	return ss.start[id], ss.end[id]
}

// sessionBreak reports whether a row of ORDER BY value cur starts a new
// session after a row of value prev (in window order).
func (f *owFrame) sessionBreak(prev, cur types.Datum) bool {
	if prev == nil || cur == nil {
		return (prev == nil) != (cur == nil) // NULLs form one session
	}
	r := f.rng
	if r.desc {
		return r.inRange(cur, prev, r.start, true, true) // cur <= prev - gap
	}
	return r.inRange(cur, prev, r.start, false, false) // cur >= prev + gap
}
