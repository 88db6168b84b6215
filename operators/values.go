package operators

import (
	"fmt"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// ValuesArgs configures a Values source.
type ValuesArgs struct {
	Types []types.Type
	Rows  []types.Row
	// Store and Table, optional, make the emission durable: the operator
	// records in Table that it has emitted its rows (in the epoch it
	// emitted them), so that a Values rebuilt after recovery does not emit
	// them again. Layout: Cols = [bigint], PK = [0]; the operator writes
	// the single row (0). Without a Store, every new Values emits its rows.
	Store *state.Store
	Table types.TableLayout
}

// Values is a source that emits a fixed list of rows as inserts, just
// before the first barrier it forwards (SELECT 1, VALUES lists). Chunks
// pushed into it pass through.
//
// State: optional, a one-row "emitted" marker table (see ValuesArgs).
// Delta rule: Δout = rows at the first epoch, nothing afterwards.
type Values struct {
	Output
	types []types.Type
	rows  []types.Row
	table *state.Table
	done  bool
}

var _ Node = (*Values)(nil)

// NewValues returns a Values source.
func NewValues(args ValuesArgs) (*Values, error) {
	for i, r := range args.Rows {
		if len(r) != len(args.Types) {
			return nil, fmt.Errorf("values: row %d has %d columns, want %d", i, len(r), len(args.Types))
		}
	}
	v := &Values{types: args.Types, rows: args.Rows}
	if args.Store != nil {
		l := args.Table
		if len(l.Cols) != 1 || !l.Cols[0].IsInteger() || len(l.PK) != 1 || l.PK[0] != 0 {
			return nil, fmt.Errorf("values: state table %q: want layout Cols=[bigint] PK=[0], got Cols=%v PK=%v", l.Name, l.Cols, l.PK)
		}
		v.table = args.Store.Table(l)
		_, done, err := v.table.Get(types.Row{int64(0)})
		if err != nil {
			return nil, fmt.Errorf("values: %w", err)
		}
		v.done = done
	}
	return v, nil
}

// Push implements Node: chunks pass through.
func (v *Values) Push(_ int, c *types.Chunk) error { return v.Emit(c) }

// Barrier implements Node.
func (v *Values) Barrier(_ int, b Barrier) error {
	if !v.done {
		v.done = true
		if len(v.rows) > 0 {
			if err := v.Emit(types.NewInsertChunk(v.types, v.rows)); err != nil {
				return err
			}
		}
		if v.table != nil {
			v.table.Put(types.Row{int64(0)})
		}
	}
	return v.EmitBarrier(b)
}

// Watermark implements Node: watermarks pass through.
func (v *Values) Watermark(_ int, w Watermark) error { return v.EmitWatermark(w) }

// Input is the entry node of a dataflow: the engine pushes DML and backfill
// chunks, barriers and watermarks into it, and it forwards them as they
// are.
//
// State: none. Delta rule: Δout = Δin.
type Input struct {
	Output
}

var _ Node = (*Input)(nil)

// NewInput returns an Input node.
func NewInput() *Input { return &Input{} }

// Push implements Node.
func (in *Input) Push(_ int, c *types.Chunk) error { return in.Emit(c) }

// Barrier implements Node.
func (in *Input) Barrier(_ int, b Barrier) error { return in.EmitBarrier(b) }

// Watermark implements Node.
func (in *Input) Watermark(_ int, w Watermark) error { return in.EmitWatermark(w) }
