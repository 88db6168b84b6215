package operators

import (
	"fmt"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// The changelog_op codes of a Changelog's output (RisingWave's; smallint
// values, held as int64 datums like every integer).
const (
	ChangelogInsert       int64 = 1
	ChangelogDelete       int64 = 2
	ChangelogUpdateInsert int64 = 3
	ChangelogUpdateDelete int64 = 4
)

// ChangelogArgs configures a Changelog.
type ChangelogArgs struct {
	InputTypes []types.Type
	Store      *state.Store
	Table      types.TableLayout // see ChangelogLayout; no Cols = that layout, keeping Table.ID/Name
}

// ChangelogLayout returns the layout of a Changelog's table: one row
// (key 0) holding the next row id.
func ChangelogLayout(id uint32, name string) types.TableLayout {
	return types.TableLayout{ID: id, Name: name, Cols: []types.Type{types.Int16, types.Int64}, PK: []int{0}}
}

// Changelog turns its input's changes into an append-only stream: every
// input row, whatever its op, is emitted as an Insert of the row followed
// by its op code (smallint, ChangelogInsert …) and a row id (bigint) that
// increases in arrival order and is never reused (the output's stream key).
//
// State table (Args.Table, see ChangelogLayout): the next row id, written
// at each barrier that used ids, so a restart continues after the last
// committed id (ids of an uncommitted epoch may be given again, to the
// changes that epoch replays).
//
// Watermarks are forwarded (the input row leads the output); barriers too.
type Changelog struct {
	Output
	args   ChangelogArgs
	table  *state.Table
	next   int64
	saved  int64
	outT   []types.Type
	nin    int
	loaded bool
}

var _ Node = (*Changelog)(nil)

// NewChangelog returns a Changelog.
func NewChangelog(a ChangelogArgs) (*Changelog, error) {
	if a.Store == nil {
		return nil, fmt.Errorf("changelog: no state store")
	}
	want := ChangelogLayout(a.Table.ID, a.Table.Name)
	if len(a.Table.Cols) == 0 {
		a.Table = want
	}
	if fmt.Sprint(a.Table.Cols, a.Table.PK) != fmt.Sprint(want.Cols, want.PK) {
		return nil, fmt.Errorf("changelog: state table %q must be (int2 key, int8 next id) keyed by its first column", a.Table.Name)
	}
	c := &Changelog{args: a, table: a.Store.Table(a.Table), nin: len(a.InputTypes)}
	c.outT = append(append([]types.Type(nil), a.InputTypes...), types.Int16, types.Int64)
	return c, nil
}

// Types returns the output column types.
func (c *Changelog) Types() []types.Type { return c.outT }

func (c *Changelog) load() error {
	if c.loaded {
		return nil
	}
	r, ok, err := c.table.Get(types.Row{int64(0)})
	if err != nil {
		return fmt.Errorf("changelog: reading the row id: %w", err)
	}
	c.next = 1
	if ok {
		c.next = r[1].(int64)
	}
	c.saved, c.loaded = c.next, true
	return nil
}

// Push emits one insert per input change.
func (c *Changelog) Push(_ int, ch *types.Chunk) error {
	defer ch.Release()
	if err := c.load(); err != nil {
		return err
	}
	b := types.NewChunkBuilder(c.outT, ch.NumRows())
	defer b.Release()
	row := make(types.Row, c.nin+2)
	for i := 0; i < ch.NumRows(); i++ {
		copy(row, ch.Row(i))
		var op int64
		switch ch.Ops[i] {
		case types.Insert:
			op = ChangelogInsert
		case types.Delete:
			op = ChangelogDelete
		case types.UpdateInsert:
			op = ChangelogUpdateInsert
		case types.UpdateDelete:
			op = ChangelogUpdateDelete
		}
		row[c.nin], row[c.nin+1] = op, c.next
		c.next++
		b.Append(types.Insert, row)
	}
	return c.Emit(b.Build())
}

// Barrier saves the next row id and forwards the barrier.
func (c *Changelog) Barrier(_ int, b Barrier) error {
	if c.loaded && c.next != c.saved {
		c.table.Put(types.Row{int64(0), c.next})
		c.saved = c.next
	}
	return c.EmitBarrier(b)
}

// Watermark forwards the watermark.
func (c *Changelog) Watermark(_ int, w Watermark) error { return c.EmitWatermark(w) }
