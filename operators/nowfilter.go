package operators

import (
	"fmt"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// NowFilterArgs configures a NowFilter.
type NowFilterArgs struct {
	// Cond is a boolean over the input row that calls NOW() in a way no
	// temporal filter covers (e.g. date_trunc('day', ts) = date_trunc('day',
	// NOW())).
	Cond       expr.Expr
	InputTypes []types.Type
	StreamKey  []int // unique key of the input rows (nil: the whole row)
	Store      *state.Store
	Table      types.TableLayout // see NowFilterLayout; no Cols = that layout, keeping Table.ID/Name
	Ctx        *expr.Context     // time zone and settings; its Now is replaced by each barrier's
}

// NowFilterLayout returns the layout of a NowFilter's table: the input row,
// then its multiplicity (int8) and whether it passes the condition at the
// last barrier's NOW() (bool); the primary key is the stream key.
func NowFilterLayout(id uint32, name string, inputTypes []types.Type, streamKey []int) types.TableLayout {
	cols := append(append([]types.Type(nil), inputTypes...), types.Int64, types.Bool)
	pk := append([]int(nil), streamKey...)
	if len(pk) == 0 {
		for i := range inputTypes {
			pk = append(pk, i)
		}
	}
	return types.TableLayout{ID: id, Name: name, Cols: cols, PK: pk}
}

// NowFilter keeps the rows that satisfy a condition depending on NOW(),
// the Now of each barrier, whatever its shape: its output is always the
// input rows that pass at the last barrier's NOW().
//
// State table (Args.Table, see NowFilterLayout): every live input row,
// with its multiplicity and whether it passed at the last barrier.
//
// Delta rule: chunks are buffered; at a barrier with Now = t: when t
// differs from the NOW() the rows were last checked at (always after a
// restart), every stored row is checked again at t, and a row that starts
// passing is emitted as inserts (one per copy), one that stops passing as
// deletes; then the buffered changes are applied in order, each checked at
// t (an insert that passes is emitted; a delete emits a delete when the
// stored row passed). Cost: O(state) per barrier whose NOW() moved, plus
// O(1) per change.
//
// Watermarks are forwarded at the barrier, after the changes buffered
// before them (the filter only drops rows); then the barrier.
type NowFilter struct {
	Output
	args  NowFilterArgs
	table *state.Table
	ctx   expr.Context
	buf   []tfChange
	marks []Watermark
	at    types.Timestamptz
	known bool // at is the NOW() every stored row was checked at
	nin   int
	key   types.Row
}

var _ Node = (*NowFilter)(nil)

// NewNowFilter returns a NowFilter.
func NewNowFilter(a NowFilterArgs) (*NowFilter, error) {
	if a.Store == nil {
		return nil, fmt.Errorf("now filter: no state store")
	}
	if a.Cond == nil || a.Cond.Type().Kind != types.KindBool {
		return nil, fmt.Errorf("now filter: the condition must be boolean")
	}
	for _, k := range a.StreamKey {
		if k < 0 || k >= len(a.InputTypes) {
			return nil, fmt.Errorf("now filter: stream key column %d out of range", k)
		}
	}
	want := NowFilterLayout(a.Table.ID, a.Table.Name, a.InputTypes, a.StreamKey)
	if len(a.Table.Cols) == 0 {
		a.Table = want
	}
	if len(a.Table.Cols) != len(want.Cols) || fmt.Sprint(a.Table.PK) != fmt.Sprint(want.PK) {
		return nil, fmt.Errorf("now filter: state table %q must hold the input row, a count and a flag, keyed by the stream key", a.Table.Name)
	}
	f := &NowFilter{args: a, table: a.Store.Table(a.Table), nin: len(a.InputTypes)}
	if a.Ctx != nil {
		f.ctx = *a.Ctx
	} else {
		f.ctx = expr.Context{TimeZone: "UTC"}
	}
	f.key = make(types.Row, len(a.Table.PK))
	return f, nil
}

// Push buffers the changes until the barrier.
func (f *NowFilter) Push(_ int, c *types.Chunk) error {
	defer c.Release()
	for i := 0; i < c.NumRows(); i++ {
		f.buf = append(f.buf, tfChange{c.Ops[i], c.Row(i)})
	}
	return nil
}

func (f *NowFilter) passes(r types.Row) (bool, error) {
	d, err := f.args.Cond.EvalRow(&f.ctx, r[:f.nin])
	if err != nil {
		return false, err
	}
	b, _ := d.(bool)
	return b, nil
}

func (f *NowFilter) pk(r types.Row) types.Row {
	for i, k := range f.args.Table.PK {
		f.key[i] = r[k]
	}
	return f.key
}

// Barrier re-checks the stored rows when NOW() moved, applies the buffered
// changes and forwards the barrier.
func (f *NowFilter) Barrier(_ int, b Barrier) error {
	f.ctx.Now = b.Now
	out := types.NewChunkBuilder(f.args.InputTypes, len(f.buf)+16)
	defer out.Release()
	if !f.known || f.at != b.Now {
		var flips []types.Row
		var ferr error
		err := f.table.Scan(nil, func(r types.Row) bool {
			ok, err := f.passes(r)
			if err != nil {
				ferr = err
				return false
			}
			if ok != (r[f.nin+1] == true) {
				flips = append(flips, r.Copy())
			}
			return true
		})
		if err == nil {
			err = ferr
		}
		if err != nil {
			return fmt.Errorf("now filter: %w", err)
		}
		for _, r := range flips {
			op := types.Insert
			if r[f.nin+1] == true {
				op = types.Delete
			}
			for range r[f.nin].(int64) {
				out.Append(op, r[:f.nin])
			}
			r[f.nin+1] = op == types.Insert
			f.table.Put(r)
		}
		f.at, f.known = b.Now, true
	}
	for _, ch := range f.buf {
		cur, found, err := f.table.Get(f.pk(ch.row))
		if err != nil {
			return fmt.Errorf("now filter: %w", err)
		}
		if ch.op.IsInsert() {
			ok, err := f.passes(ch.row)
			if err != nil {
				return err
			}
			n := int64(1)
			if found {
				n += cur[f.nin].(int64)
			}
			st := append(append(make(types.Row, 0, f.nin+2), ch.row...), n, ok)
			f.table.Put(st)
			if ok {
				out.Append(types.Insert, ch.row)
			}
			continue
		}
		if !found {
			continue // a delete of a row never seen
		}
		if cur[f.nin+1] == true {
			out.Append(types.Delete, ch.row)
		}
		if n := cur[f.nin].(int64) - 1; n > 0 {
			cur[f.nin] = n
			f.table.Put(cur)
		} else {
			f.table.Delete(f.pk(ch.row))
		}
	}
	f.buf = f.buf[:0]
	if out.Len() > 0 {
		if err := f.Emit(out.Build()); err != nil {
			return err
		}
	}
	for _, w := range f.marks {
		if err := f.EmitWatermark(w); err != nil {
			return err
		}
	}
	f.marks = f.marks[:0]
	return f.EmitBarrier(b)
}

// Watermark holds the watermark until the barrier emits the rows buffered
// before it.
func (f *NowFilter) Watermark(_ int, w Watermark) error {
	f.marks = append(f.marks, w)
	return nil
}
