package operators

import (
	"fmt"
	"slices"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// OverWindowArgs configures an OverWindow.
type OverWindowArgs struct {
	PartitionBy []int          // PARTITION BY columns (empty: one partition)
	OrderBy     []expr.SortKey // window ORDER BY; NullsFirst is explicit (Postgres' default is NullsFirst == Desc)
	Calls       []WindowCall   // all calls share PARTITION BY and ORDER BY; frames may differ
	InputTypes  []types.Type
	StreamKey   []int // unique key of the input rows; also the output's stream key
	Store       *state.Store
	Table       types.TableLayout // see OverWindowLayout; no Cols = that layout, keeping Table.ID/Name
	// CachePartitions is how many partitions (rows and computed outputs)
	// stay cached in memory between epochs (0 = 256).
	CachePartitions int
	// EmitOnWindowClose emits each row once, when its window values are
	// final, over a closed append-only input (see overwindow_eowc.go).
	EmitOnWindowClose bool
}

// OverWindowLayout returns the state-table layout an OverWindow expects:
// the columns are the full input row; the primary key is the partition
// columns, then the ORDER BY columns (Desc per SortKey), then the stream
// key columns not already in the key (ascending). A partition is a prefix
// scan.
func OverWindowLayout(id uint32, name string, inputTypes []types.Type, partitionBy []int, orderBy []expr.SortKey, streamKey []int) types.TableLayout {
	return GroupTopNLayout(id, name, inputTypes, partitionBy, orderBy, streamKey)
}

// OverWindow computes general window functions (OVER (PARTITION BY …
// ORDER BY … frame)) incrementally: its output is the input row followed by
// one column per call, keyed by the input's stream key.
//
// State table (Args.Table, see OverWindowLayout): every input row of every
// partition.
//
// Delta rule: input changes are buffered per partition during the epoch.
// At the barrier, for each dirty partition the operator takes its old
// contents and window outputs (from the cache, or by scanning the table and
// recomputing), applies the buffered changes, writes them to the table,
// sorts the new contents in window order (ORDER BY keys, then the remaining
// primary-key columns — the stream key — ascending, which is how peers are
// ordered for row_number and ROWS frames) and recomputes every output of
// the partition. The old and new outputs of all dirty partitions are
// matched by stream key: a row gone is a Delete, a new row an Insert, a row
// whose output changed (even only in its printed form, such as a numeric
// scale) an U-/U+ pair; unchanged rows emit nothing. Cost: O(partition)
// (times the frame size for sliding frames of non-invertible aggregates
// and for EXCLUDE) per dirty partition per epoch; clean partitions cost
// nothing.
//
// Watermarks on partition columns are forwarded (after emitting pending
// changes); others are dropped.
type OverWindow struct {
	Output
	args      OverWindowArgs
	table     *state.Table
	calls     []owCall
	outTypes  []types.Type
	partTypes []types.Type
	skTypes   []types.Type
	pkTypes   []types.Type
	orderT    []types.Type
	tieCols   []int // primary-key columns after partition and order columns

	cache    map[string]*owCached
	pending  map[string]*owPending
	dirty    []string
	maxParts int
}

type owCached struct {
	rows  []types.Row // in window order
	outs  []types.Row // their outputs
	final int         // EmitOnWindowClose: how many leading rows are final
}

type owPending struct {
	prefix  types.Row
	ops     []types.Op
	changes []types.Row
}

var _ Node = (*OverWindow)(nil)

// NewOverWindow returns an OverWindow over the given state store.
func NewOverWindow(a OverWindowArgs) (*OverWindow, error) {
	if a.Store == nil {
		return nil, fmt.Errorf("over window: no state store")
	}
	if len(a.InputTypes) == 0 {
		return nil, fmt.Errorf("over window: no input types")
	}
	nin := len(a.InputTypes)
	for _, c := range a.PartitionBy {
		if c < 0 || c >= nin {
			return nil, fmt.Errorf("over window: partition column %d out of range", c)
		}
	}
	for _, k := range a.OrderBy {
		if k.Col < 0 || k.Col >= nin {
			return nil, fmt.Errorf("over window: order column %d out of range", k.Col)
		}
	}
	for _, c := range a.StreamKey {
		if c < 0 || c >= nin {
			return nil, fmt.Errorf("over window: stream key column %d out of range", c)
		}
	}
	if len(a.Table.Cols) == 0 {
		a.Table = OverWindowLayout(a.Table.ID, a.Table.Name, a.InputTypes, a.PartitionBy, a.OrderBy, a.StreamKey)
	}
	if err := owCheckLayout(a); err != nil {
		return nil, err
	}
	op := &OverWindow{args: a, cache: map[string]*owCached{}, pending: map[string]*owPending{}, maxParts: a.CachePartitions}
	if op.maxParts <= 0 {
		op.maxParts = 256
	}
	op.outTypes = slices.Clone(a.InputTypes)
	for _, wc := range a.Calls {
		c, err := compileWindowCall(wc, a.OrderBy, a.InputTypes)
		if err != nil {
			return nil, err
		}
		op.calls = append(op.calls, c)
		op.outTypes = append(op.outTypes, c.Type)
	}
	if a.EmitOnWindowClose {
		if len(a.OrderBy) == 0 {
			return nil, fmt.Errorf("over window: EMIT ON WINDOW CLOSE needs an ORDER BY")
		}
		if err := eowcCheck(op.calls); err != nil {
			return nil, err
		}
	}
	op.table = a.Store.Table(a.Table)
	for _, c := range a.PartitionBy {
		op.partTypes = append(op.partTypes, a.InputTypes[c])
	}
	for _, c := range a.StreamKey {
		op.skTypes = append(op.skTypes, a.InputTypes[c])
	}
	for _, c := range a.Table.PK {
		op.pkTypes = append(op.pkTypes, a.InputTypes[c])
	}
	for _, k := range a.OrderBy {
		op.orderT = append(op.orderT, a.InputTypes[k.Col])
	}
	op.tieCols = a.Table.PK[len(a.PartitionBy)+len(a.OrderBy):]
	return op, nil
}

func owCheckLayout(a OverWindowArgs) error {
	l := a.Table
	want := OverWindowLayout(l.ID, l.Name, a.InputTypes, a.PartitionBy, a.OrderBy, a.StreamKey)
	ok := slices.Equal(l.Cols, want.Cols) && slices.Equal(l.PK, want.PK)
	if ok {
		for i := range want.PK {
			if (i < len(l.Desc) && l.Desc[i]) != want.Desc[i] {
				ok = false
			}
		}
		ok = ok && len(l.Desc) <= len(l.PK)
	}
	if !ok {
		return fmt.Errorf("over window: state table %q has layout Cols=%v PK=%v Desc=%v, want Cols=%v PK=%v Desc=%v (input row; partition ++ order ++ stream key)",
			l.Name, l.Cols, l.PK, l.Desc, want.Cols, want.PK, want.Desc)
	}
	return nil
}

// OutputTypes returns the column types of the output: the input row, then
// one column per call.
func (op *OverWindow) OutputTypes() []types.Type { return op.outTypes }

// Push buffers a chunk of changes per partition.
func (op *OverWindow) Push(_ int, c *types.Chunk) error {
	defer c.Release()
	for i := 0; i < c.NumRows(); i++ {
		r := c.Row(i)
		p := r.Project(op.args.PartitionBy)
		key := string(state.EncodeKey(nil, p, op.partTypes, nil))
		pd := op.pending[key]
		if pd == nil {
			pd = &owPending{prefix: p}
			op.pending[key] = pd
			op.dirty = append(op.dirty, key)
		}
		pd.ops = append(pd.ops, c.Ops[i])
		pd.changes = append(pd.changes, r)
	}
	return nil
}

// compare orders two rows of a partition in window order.
func (op *OverWindow) compare(a, b types.Row) int {
	if r := op.comparePeers(a, b); r != 0 {
		return r
	}
	for _, c := range op.tieCols {
		if r := types.Compare(a[c], b[c]); r != 0 {
			return r
		}
	}
	return 0
}

// comparePeers orders two rows by the ORDER BY keys only (0: peers).
func (op *OverWindow) comparePeers(a, b types.Row) int {
	for i, k := range op.args.OrderBy {
		x, y := a[k.Col], b[k.Col]
		if x == nil || y == nil {
			if r := compareSortKey(x, y, k); r != 0 {
				return r
			}
			continue
		}
		r := expr.CompareTyped(x, y, op.orderT[i])
		if k.Desc {
			r = -r
		}
		if r != 0 {
			return r
		}
	}
	return 0
}

// evaluate sorts rows into window order and computes their outputs.
func (op *OverWindow) evaluate(rows []types.Row) ([]types.Row, []types.Row, error) {
	rows, _, outs, err := op.evaluatePart(rows)
	return rows, outs, err
}

// evaluatePart is evaluate that also returns the partition's peer groups.
func (op *OverWindow) evaluatePart(rows []types.Row) ([]types.Row, *owPartition, []types.Row, error) {
	slices.SortFunc(rows, op.compare)
	p := &owPartition{rows: rows, grp: make([]int, len(rows))}
	for i := range rows {
		if i == 0 || op.comparePeers(rows[i-1], rows[i]) != 0 {
			if i > 0 {
				p.gEnd = append(p.gEnd, i)
			}
			p.gStart = append(p.gStart, i)
		}
		p.grp[i] = len(p.gStart) - 1
	}
	if len(rows) > 0 {
		p.gEnd = append(p.gEnd, len(rows))
	}
	outs, err := evalPartition(op.calls, p, len(op.args.InputTypes))
	return rows, p, outs, err
}

func (op *OverWindow) pkKey(r types.Row) string {
	return string(state.EncodeKey(nil, r.Project(op.args.Table.PK), op.pkTypes, nil))
}

func (op *OverWindow) skKey(r types.Row) string {
	return string(state.EncodeKey(nil, r.Project(op.args.StreamKey), op.skTypes, nil))
}

// load returns a partition's current rows and outputs.
func (op *OverWindow) load(key string, prefix types.Row) (*owCached, error) {
	if p := op.cache[key]; p != nil {
		return p, nil
	}
	var rows []types.Row
	if err := op.table.Scan(prefix, func(r types.Row) bool {
		rows = append(rows, r.Copy())
		return true
	}); err != nil {
		return nil, err
	}
	rows, p, outs, err := op.evaluatePart(rows)
	if err != nil {
		return nil, err
	}
	c := &owCached{rows: rows, outs: outs}
	if op.args.EmitOnWindowClose {
		c.final = op.eowcFinal(p)
	}
	return c, nil
}

type owOutRow struct {
	key string
	row types.Row
}

// flush applies the buffered changes and emits the output changes.
func (op *OverWindow) flush() error {
	if op.args.EmitOnWindowClose {
		return op.flushEowc()
	}
	if len(op.dirty) == 0 {
		return nil
	}
	var olds, news []owOutRow
	for _, key := range op.dirty {
		pd := op.pending[key]
		old, err := op.load(key, pd.prefix)
		if err != nil {
			return err
		}
		for _, o := range old.outs {
			olds = append(olds, owOutRow{op.skKey(o), o})
		}
		// Apply the changes by primary key (the row's identity).
		cur := make(map[string]types.Row, len(old.rows))
		for _, r := range old.rows {
			cur[op.pkKey(r)] = r
		}
		touched := map[string]bool{}
		var order []string
		for i, r := range pd.changes {
			k := op.pkKey(r)
			if !touched[k] {
				touched[k] = true
				order = append(order, k)
			}
			if pd.ops[i].IsInsert() {
				cur[k] = r
			} else {
				delete(cur, k)
			}
		}
		wasIn := make(map[string]types.Row, len(old.rows))
		for _, r := range old.rows {
			wasIn[op.pkKey(r)] = r
		}
		for _, k := range order {
			r, now := cur[k]
			was, before := wasIn[k]
			switch {
			case now && (!before || !owRowsIdentical(r, was)):
				op.table.Put(r)
			case !now && before:
				op.table.Delete(was.Project(op.args.Table.PK))
			}
		}
		rows := make([]types.Row, 0, len(cur))
		for _, r := range cur {
			rows = append(rows, r)
		}
		rows, outs, err := op.evaluate(rows)
		if err != nil {
			return err
		}
		for _, o := range outs {
			news = append(news, owOutRow{op.skKey(o), o})
		}
		if len(rows) == 0 {
			delete(op.cache, key)
		} else {
			op.cache[key] = &owCached{rows: rows, outs: outs}
		}
	}
	op.dirty = op.dirty[:0]
	clear(op.pending)

	oldBy := make(map[string]types.Row, len(olds))
	for _, o := range olds {
		oldBy[o.key] = o.row
	}
	newBy := make(map[string]bool, len(news))
	for _, o := range news {
		newBy[o.key] = true
	}
	b := types.NewChunkBuilder(op.outTypes, 16)
	defer b.Release()
	for _, o := range olds {
		if !newBy[o.key] {
			b.Append(types.Delete, o.row)
		}
	}
	for _, o := range news {
		if prev, ok := oldBy[o.key]; ok && !owRowsIdentical(prev, o.row) {
			b.Append(types.UpdateDelete, prev)
			b.Append(types.UpdateInsert, o.row)
		}
	}
	for _, o := range news {
		if _, ok := oldBy[o.key]; !ok {
			b.Append(types.Insert, o.row)
		}
	}
	return op.Emit(b.Build())
}

// Barrier emits the epoch's changes, trims the cache and forwards the
// barrier.
func (op *OverWindow) Barrier(_ int, b Barrier) error {
	if err := op.flush(); err != nil {
		return err
	}
	for key := range op.cache {
		if len(op.cache) <= op.maxParts {
			break
		}
		delete(op.cache, key)
	}
	return op.EmitBarrier(b)
}

// Watermark forwards watermarks on partition columns, after emitting the
// pending changes; others are dropped (a window value of an old row may
// still change).
func (op *OverWindow) Watermark(_ int, w Watermark) error {
	if op.args.EmitOnWindowClose || !slices.Contains(op.args.PartitionBy, w.Col) {
		return nil
	}
	if err := op.flush(); err != nil {
		return err
	}
	return op.EmitWatermark(w)
}
