package operators

import (
	"fmt"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// EMIT ON WINDOW CLOSE over windows.
//
// With OverWindowArgs.EmitOnWindowClose the OverWindow computes each row's
// window values once, when they are final, and emits the row as a single
// Insert; it never updates or retracts. Its input must be append-only and
// "closed": it arrives in batches (one per barrier) in which every row
// sorts at or after every row of earlier batches in window order and
// brings all its peers. An EowcSort on the first ORDER BY column (ascending)
// in front of it provides exactly that: it releases, at a watermark w, all
// rows below w, and every later row is at or above w.
//
// A row's values are final once the closed rows determine its frame: lag,
// the ranking functions row_number/rank/dense_rank and frames ending at
// the current row (or before it) need nothing after the row; lead(x, k)
// and ROWS/GROUPS frames ending k FOLLOWING need k more rows (groups); a
// RANGE frame ending at an offset FOLLOWING needs a row beyond the frame's
// end. Functions that depend on the whole partition (percent_rank,
// cume_dist, ntile, frames to UNBOUNDED FOLLOWING) never become final and
// are rejected. Within a partition the final rows are a prefix of the
// window order, so which rows were already emitted follows from the stored
// rows alone, and a restart needs no extra state.
//
// Cost: O(partition) per batch that touches a partition (the partition is
// re-evaluated); rows are kept for the partition's lifetime.

// eowcCheck rejects calls whose values never become final.
func eowcCheck(calls []owCall) error {
	for _, c := range calls {
		switch c.fn {
		case owPercentRank, owCumeDist, owNtile:
			return sqlerr.New(sqlerr.FeatureNotSupported, "%s is not supported with EMIT ON WINDOW CLOSE (it depends on the whole partition)", c.Name)
		case owLag, owLead:
			if c.IgnoreNulls && (len(c.Args) > 1 || (c.fn == owLag) != (c.Offset >= 0)) {
				return sqlerr.New(sqlerr.FeatureNotSupported, "%s IGNORE NULLS looking ahead by a non-constant offset is not supported with EMIT ON WINDOW CLOSE", c.Name)
			}
		case owFirstValue, owLastValue, owNthValue, owAggregate:
			if !c.frame.IsDefault() && c.frame.End.Kind == BoundUnboundedFollowing {
				return sqlerr.New(sqlerr.FeatureNotSupported, "%s over a frame ending at UNBOUNDED FOLLOWING is not supported with EMIT ON WINDOW CLOSE", c.Name)
			}
		}
	}
	return nil
}

// eowcFinal returns how many leading rows of p (in window order) have
// final values.
func (op *OverWindow) eowcFinal(p *owPartition) int {
	n := p.n()
	d := n
	for i := range op.calls {
		d = min(d, eowcCallFinal(&op.calls[i], p))
	}
	return max(d, 0)
}

func eowcCallFinal(c *owCall, p *owPartition) int {
	n := p.n()
	switch c.fn {
	case owLag, owLead:
		if len(c.Args) > 1 || !c.IgnoreNulls {
			// Row i looks at row i+ahead, which must be known.
			for i := range n {
				off := c.Offset
				if len(c.Args) > 1 {
					v, ok := p.rows[i][c.Args[1]].(int64)
					if !ok {
						continue // NULL offset: NULL
					}
					off = v
				}
				ahead := off
				if c.fn == owLag {
					ahead = -off
				}
				if ahead > 0 && ahead >= int64(n-i) {
					return i
				}
			}
			return n
		}
		if c.fn == owLag {
			return n
		}
		k := int(min(c.Offset, int64(n)))
		// The k-th non-NULL value after row i must be known.
		seen := 0
		for i := n - 1; i >= 0; i-- {
			if seen >= k {
				return i + 1
			}
			if p.rows[i][c.Args[0]] != nil {
				seen++
			}
		}
		return 0
	case owFirstValue, owLastValue, owNthValue, owAggregate:
		f := &c.frame
		if f.IsDefault() || f.End.Kind != BoundFollowing {
			return n
		}
		switch f.Mode {
		case FrameRows:
			return n - int(min(f.endN, int64(n)))
		case FrameGroups:
			ng := len(p.gStart)
			g := ng - int(min(f.endN, int64(ng)))
			if g >= ng {
				return n
			}
			return p.gStart[g]
		default:
			// RANGE offset FOLLOWING: a row must lie beyond the frame.
			for i := range n {
				if _, e := f.bounds(p, i); e >= n {
					return i
				}
			}
			return n
		}
	}
	return n
}

// flushEowc applies the buffered rows and emits the rows that became
// final.
func (op *OverWindow) flushEowc() error {
	if len(op.dirty) == 0 {
		return nil
	}
	b := types.NewChunkBuilder(op.outTypes, 16)
	defer b.Release()
	for _, key := range op.dirty {
		pd := op.pending[key]
		old, err := op.load(key, pd.prefix)
		if err != nil {
			return err
		}
		emitted := make(map[string]bool, old.final)
		for _, o := range old.outs[:old.final] {
			emitted[op.skKey(o)] = true
		}
		rows := append(make([]types.Row, 0, len(old.rows)+len(pd.changes)), old.rows...)
		for i, r := range pd.changes {
			if !pd.ops[i].IsInsert() {
				return fmt.Errorf("over window: EMIT ON WINDOW CLOSE needs an append-only input, got a delete")
			}
			op.table.Put(r)
			rows = append(rows, r)
		}
		rows, p, outs, err := op.evaluatePart(rows)
		if err != nil {
			return err
		}
		final := op.eowcFinal(p)
		for _, o := range outs[:final] {
			if !emitted[op.skKey(o)] {
				b.Append(types.Insert, o)
			}
		}
		op.cache[key] = &owCached{rows: rows, outs: outs, final: final}
	}
	op.dirty = op.dirty[:0]
	clear(op.pending)
	return op.Emit(b.Build())
}
