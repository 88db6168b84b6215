package operators

import (
	"fmt"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// EowcSortArgs configures an EowcSort.
type EowcSortArgs struct {
	SortCol    int // the column watermarks close (e.g. window_end or the event time)
	StreamKey  []int
	InputTypes []types.Type
	Store      *state.Store
	Table      types.TableLayout // see EowcSortLayout; no Cols = that layout, keeping Table.ID/Name
}

// EowcSortLayout returns the layout of an EowcSort's buffer table: the
// columns are the full input row; the primary key is the sort column
// followed by the stream-key columns (other than the sort column).
func EowcSortLayout(id uint32, name string, inputTypes []types.Type, sortCol int, streamKey []int) types.TableLayout {
	l := types.TableLayout{ID: id, Name: name, Cols: append([]types.Type(nil), inputTypes...), PK: []int{sortCol}}
	for _, c := range streamKey {
		if c != sortCol {
			l.PK = append(l.PK, c)
		}
	}
	return l
}

// EowcSort implements EMIT ON WINDOW CLOSE for its input: it buffers rows
// and emits them, append-only and in sort-column order, once a watermark on
// the sort column passes their value.
//
// State table (Args.Table, see EowcSortLayout): the buffered rows, keyed by
// (sort column ++ stream key).
//
// Delta rule: an insert whose sort value is at or above the current
// watermark is buffered (a late one, below it, is dropped); a delete
// removes a buffered row (a row already emitted cannot be retracted: the
// output is append-only). A watermark v on the sort column scans the
// buffer from its start, emits every row with sort value < v as an insert,
// deletes them from the buffer and forwards the watermark. Watermarks on
// other columns are dropped (rows below them may still be buffered).
type EowcSort struct {
	Output
	args  EowcSortArgs
	table *state.Table
	mark  types.Datum
}

var _ Node = (*EowcSort)(nil)

// NewEowcSort returns an EowcSort over the given store.
func NewEowcSort(a EowcSortArgs) (*EowcSort, error) {
	if a.Store == nil {
		return nil, fmt.Errorf("eowc sort: no state store")
	}
	if a.SortCol < 0 || a.SortCol >= len(a.InputTypes) {
		return nil, fmt.Errorf("eowc sort: column %d out of range", a.SortCol)
	}
	if len(a.Table.Cols) == 0 {
		a.Table = EowcSortLayout(a.Table.ID, a.Table.Name, a.InputTypes, a.SortCol, a.StreamKey)
	}
	if len(a.Table.PK) == 0 || a.Table.PK[0] != a.SortCol || len(a.Table.Cols) != len(a.InputTypes) {
		return nil, fmt.Errorf("eowc sort: state table %q must hold the input row keyed by the sort column first", a.Table.Name)
	}
	return &EowcSort{args: a, table: a.Store.Table(a.Table)}, nil
}

// Push buffers inserts and drops deleted rows from the buffer.
func (s *EowcSort) Push(_ int, c *types.Chunk) error {
	defer c.Release()
	for i := 0; i < c.NumRows(); i++ {
		r := c.Row(i)
		v := r[s.args.SortCol]
		if v == nil || (s.mark != nil && types.Compare(v, s.mark) < 0) {
			continue
		}
		if c.Ops[i].IsInsert() {
			s.table.Put(r)
		} else {
			s.table.Delete(r.Project(s.args.Table.PK))
		}
	}
	return nil
}

// Barrier forwards the barrier (output is driven by watermarks).
func (s *EowcSort) Barrier(_ int, b Barrier) error { return s.EmitBarrier(b) }

// Watermark emits the rows the watermark closes and forwards it.
func (s *EowcSort) Watermark(_ int, w Watermark) error {
	if w.Col != s.args.SortCol || w.Value == nil {
		return nil
	}
	if s.mark != nil && types.Compare(w.Value, s.mark) <= 0 {
		return nil
	}
	s.mark = w.Value
	b := types.NewChunkBuilder(s.args.InputTypes, 16)
	defer b.Release()
	var pks []types.Row
	err := s.table.Scan(nil, func(r types.Row) bool {
		v := r[s.args.SortCol]
		if v == nil || types.Compare(v, w.Value) >= 0 {
			return false
		}
		b.Append(types.Insert, r)
		pks = append(pks, r.Project(s.args.Table.PK))
		return true
	})
	if err != nil {
		return err
	}
	for _, pk := range pks {
		s.table.Delete(pk)
	}
	if err := s.Emit(b.Build()); err != nil {
		return err
	}
	return s.EmitWatermark(w)
}
