package operators

import (
	"fmt"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// AppendOnlyDedupArgs configures an AppendOnlyDedup.
type AppendOnlyDedupArgs struct {
	DedupCols  []int // the key rows are deduplicated on
	InputTypes []types.Type
	Store      *state.Store
	Table      types.TableLayout // see AppendOnlyDedupLayout; no Cols = that layout, keeping Table.ID/Name
}

// AppendOnlyDedupLayout returns the layout of an AppendOnlyDedup's table:
// the full input row keyed by the dedup columns.
func AppendOnlyDedupLayout(id uint32, name string, inputTypes []types.Type, dedupCols []int) types.TableLayout {
	return types.TableLayout{ID: id, Name: name, Cols: append([]types.Type(nil), inputTypes...), PK: append([]int(nil), dedupCols...)}
}

// AppendOnlyDedup passes the first row of each dedup key of an
// append-only input and drops the rest: the fast path of `rn = 1` / DISTINCT
// ON when the input never deletes and arrival order is the ranking (for a
// ranking by columns use GroupTopN with AppendOnly).
//
// State table (Args.Table, see AppendOnlyDedupLayout): the first row of
// every key seen.
//
// Delta rule: an insert whose key is not in the table is stored and
// emitted; any other insert is dropped. Deletes are an error (the input
// must be append-only). Watermarks are forwarded.
type AppendOnlyDedup struct {
	Output
	args  AppendOnlyDedupArgs
	table *state.Table
}

var _ Node = (*AppendOnlyDedup)(nil)

// NewAppendOnlyDedup returns an AppendOnlyDedup over the given store.
func NewAppendOnlyDedup(a AppendOnlyDedupArgs) (*AppendOnlyDedup, error) {
	if a.Store == nil {
		return nil, fmt.Errorf("append-only dedup: no state store")
	}
	if len(a.Table.Cols) == 0 {
		a.Table = AppendOnlyDedupLayout(a.Table.ID, a.Table.Name, a.InputTypes, a.DedupCols)
	}
	return &AppendOnlyDedup{args: a, table: a.Store.Table(a.Table)}, nil
}

// Push emits the rows whose key is new.
func (d *AppendOnlyDedup) Push(_ int, c *types.Chunk) error {
	defer c.Release()
	b := types.NewChunkBuilder(c.Types, c.NumRows())
	defer b.Release()
	for i := 0; i < c.NumRows(); i++ {
		if !c.Ops[i].IsInsert() {
			return fmt.Errorf("append-only dedup: input is not append-only (got %s)", c.Ops[i])
		}
		r := c.Row(i)
		pk := r.Project(d.args.Table.PK)
		_, found, err := d.table.Get(pk)
		if err != nil {
			return err
		}
		if found {
			continue
		}
		d.table.Put(r)
		b.Append(types.Insert, r)
	}
	return d.Emit(b.Build())
}

// Barrier forwards the barrier.
func (d *AppendOnlyDedup) Barrier(_ int, b Barrier) error { return d.EmitBarrier(b) }

// Watermark forwards the watermark.
func (d *AppendOnlyDedup) Watermark(_ int, w Watermark) error { return d.EmitWatermark(w) }
