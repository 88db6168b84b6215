package operators

import (
	"fmt"
	"slices"
	"sort"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// RankKind is the ranking function a GroupTopN filters on.
type RankKind uint8

// The ranking functions, with Postgres semantics over the ORDER BY keys:
// ROW_NUMBER numbers rows 1, 2, 3… (ties broken by the stream key); RANK is
// 1 + the number of rows strictly before the row; DENSE_RANK is 1 + the
// number of distinct ORDER BY values strictly before it.
const (
	RowNumber RankKind = iota
	Rank
	DenseRank
)

func (k RankKind) String() string {
	switch k {
	case RowNumber:
		return "row_number"
	case Rank:
		return "rank"
	case DenseRank:
		return "dense_rank"
	}
	return fmt.Sprintf("RankKind(%d)", uint8(k))
}

// GroupTopNArgs configures a GroupTopN.
type GroupTopNArgs struct {
	PartitionBy []int          // partition columns (empty: one partition, i.e. ORDER BY … LIMIT in an MV)
	OrderBy     []expr.SortKey // ranking order; NullsFirst == Desc is Postgres' default
	// Rows whose rank r satisfies Offset < r <= Offset+Limit are kept.
	// Limit < 0 means no upper bound. `rank <= 10` is Limit 10, Offset 0;
	// `ORDER BY x LIMIT 5 OFFSET 2` is RowNumber, Limit 5, Offset 2.
	Limit, Offset int64
	Kind          RankKind
	WithTies      bool // FETCH … WITH TIES: ROW_NUMBER selection widened to RANK (Kind is treated as Rank)
	RankCol       bool // append the rank (bigint) as a last output column
	// AppendOnly: the input never deletes, so rows ranked past Offset+Limit
	// can never come back and are pruned from the state table (this makes
	// `rn = 1` deduplication keep only the first row per partition).
	AppendOnly bool
	// CleanOnWatermark: a watermark on PartitionBy[0] deletes the state of
	// the partitions below it (their output stays; no retraction is sent).
	// Only valid when the input never changes rows below its watermark.
	CleanOnWatermark bool
	StreamKey        []int // unique key of the input rows
	Store            *state.Store
	Table            types.TableLayout // see GroupTopNLayout; no Cols = that layout, keeping Table.ID/Name
	InputTypes       []types.Type
	CachePartitions  int // partitions kept in the in-memory cache (0 = 4096)
}

// GroupTopNLayout returns the state-table layout a GroupTopN expects: the
// columns are the full input row; the primary key is the partition
// columns, then the ORDER BY columns (descending ones marked Desc), then
// the stream-key columns not already in the key. Scanning a partition
// prefix therefore yields its rows in rank order (ties broken by the
// stream key), provided each sort key uses its direction's default NULL
// placement (NullsFirst == Desc); otherwise the operator reads whole
// partitions and sorts them itself.
func GroupTopNLayout(id uint32, name string, inputTypes []types.Type, partitionBy []int, orderBy []expr.SortKey, streamKey []int) types.TableLayout {
	l := types.TableLayout{ID: id, Name: name, Cols: slices.Clone(inputTypes)}
	used := map[int]bool{}
	for _, c := range partitionBy {
		l.PK = append(l.PK, c)
		l.Desc = append(l.Desc, false)
		used[c] = true
	}
	for _, k := range orderBy {
		l.PK = append(l.PK, k.Col)
		l.Desc = append(l.Desc, k.Desc)
		used[k.Col] = true
	}
	for _, c := range streamKey {
		if !used[c] {
			l.PK = append(l.PK, c)
			l.Desc = append(l.Desc, false)
			used[c] = true
		}
	}
	return l
}

// GroupTopN keeps, per partition, the rows whose rank lies in
// (Offset, Offset+Limit] and outputs them (optionally with the rank as a
// last column).
//
// State table (Args.Table, see GroupTopNLayout): every input row of every
// partition, keyed by partition ++ order keys ++ stream key, so a
// partition's rows scan in rank order. (With AppendOnly only the rows that
// can still rank in are kept.)
//
// Delta rule: changes are applied to the state table (and to a bounded
// in-memory cache holding a sorted prefix of each hot partition) as they
// arrive. The first change to a partition in an epoch records the
// partition's current top-N set; at the barrier the new top-N set is
// computed (refilling the cache from the table by a prefix scan when
// deletions ate into it) and the difference is emitted, matched by stream
// key: rows leaving as deletes, rows entering as inserts, and rows whose
// values or rank changed as U-/U+ pairs. The integral of the output is
// therefore exactly the top-N of the integral of the input at every
// barrier.
//
// Watermarks on partition columns are forwarded; others are dropped (a row
// below them may still enter the top N when a better row is deleted).
type GroupTopN struct {
	Output
	args      GroupTopNArgs
	table     *state.Table
	outTypes  []types.Type
	partTypes []types.Type
	skTypes   []types.Type
	kind      RankKind
	lo, hi    int64 // kept ranks: lo < r <= hi (hi < 0: unbounded)

	cmpCols  []int // order keys, then the rest of the pk
	cmpDesc  []bool
	cmpNullF []bool
	nOrder   int
	fullLoad bool // the table's scan order differs from the rank order: load whole partitions

	cache    map[string]*tnPartition
	dirty    []string
	maxParts int
}

type tnPartition struct {
	prefix   types.Row
	rows     []types.Row // the first len(rows) rows of the partition in rank order
	complete bool        // rows is the whole partition
	valid    bool
	dirty    bool
	prev     []tnOut // top-N set at the start of the epoch (when dirty)
}

type tnOut struct {
	row  types.Row
	rank int64
}

var _ Node = (*GroupTopN)(nil)

// NewGroupTopN returns a GroupTopN over the given state store.
func NewGroupTopN(a GroupTopNArgs) (*GroupTopN, error) {
	if a.Store == nil {
		return nil, fmt.Errorf("group top-n: no state store")
	}
	if len(a.InputTypes) == 0 {
		return nil, fmt.Errorf("group top-n: no input types")
	}
	if a.Offset < 0 {
		return nil, fmt.Errorf("group top-n: negative offset %d", a.Offset)
	}
	if len(a.Table.Cols) == 0 {
		a.Table = GroupTopNLayout(a.Table.ID, a.Table.Name, a.InputTypes, a.PartitionBy, a.OrderBy, a.StreamKey)
	}
	if err := tnCheckLayout(a); err != nil {
		return nil, err
	}
	op := &GroupTopN{args: a, table: a.Store.Table(a.Table), kind: a.Kind, cache: map[string]*tnPartition{}, maxParts: a.CachePartitions}
	if a.WithTies && op.kind == RowNumber {
		op.kind = Rank
	}
	if op.maxParts <= 0 {
		op.maxParts = 4096
	}
	op.lo = a.Offset
	op.hi = -1
	if a.Limit >= 0 {
		op.hi = a.Offset + a.Limit
	}
	op.outTypes = slices.Clone(a.InputTypes)
	if a.RankCol {
		op.outTypes = append(op.outTypes, types.Int64)
	}
	for _, c := range a.PartitionBy {
		op.partTypes = append(op.partTypes, a.InputTypes[c])
	}
	for _, c := range a.StreamKey {
		op.skTypes = append(op.skTypes, a.InputTypes[c])
	}
	np := len(a.PartitionBy)
	op.nOrder = len(a.OrderBy)
	for _, k := range a.OrderBy {
		op.cmpCols = append(op.cmpCols, k.Col)
		op.cmpDesc = append(op.cmpDesc, k.Desc)
		op.cmpNullF = append(op.cmpNullF, k.NullsFirst)
		if k.NullsFirst != k.Desc {
			op.fullLoad = true
		}
	}
	for i := np + op.nOrder; i < len(a.Table.PK); i++ {
		desc := i < len(a.Table.Desc) && a.Table.Desc[i]
		op.cmpCols = append(op.cmpCols, a.Table.PK[i])
		op.cmpDesc = append(op.cmpDesc, desc)
		op.cmpNullF = append(op.cmpNullF, desc)
	}
	return op, nil
}

func tnCheckLayout(a GroupTopNArgs) error {
	l := a.Table
	if len(l.Cols) != len(a.InputTypes) {
		return fmt.Errorf("group top-n: state table %q has %d columns, input has %d", l.Name, len(l.Cols), len(a.InputTypes))
	}
	np, no := len(a.PartitionBy), len(a.OrderBy)
	if len(l.PK) < np+no {
		return fmt.Errorf("group top-n: state table %q key too short", l.Name)
	}
	for i, c := range a.PartitionBy {
		if l.PK[i] != c || (i < len(l.Desc) && l.Desc[i]) {
			return fmt.Errorf("group top-n: state table %q key must start with the partition columns", l.Name)
		}
	}
	for i, k := range a.OrderBy {
		j := np + i
		if l.PK[j] != k.Col || (j < len(l.Desc) && l.Desc[j]) != k.Desc {
			return fmt.Errorf("group top-n: state table %q key must continue with the order columns (with their directions)", l.Name)
		}
	}
	inKey := map[int]bool{}
	for _, c := range l.PK {
		inKey[c] = true
	}
	for _, c := range a.StreamKey {
		if !inKey[c] {
			return fmt.Errorf("group top-n: state table %q key lacks stream key column %d", l.Name, c)
		}
	}
	return nil
}

// OutputTypes returns the column types of the output.
func (op *GroupTopN) OutputTypes() []types.Type { return op.outTypes }

// compare orders two rows of a partition by rank order and then identity.
func (op *GroupTopN) compare(a, b types.Row, n int) int {
	for i := 0; i < n; i++ {
		c := op.cmpCols[i]
		if r := tnCompareDatum(a[c], b[c], op.cmpDesc[i], op.cmpNullF[i]); r != 0 {
			return r
		}
	}
	return 0
}

func (op *GroupTopN) cmpFull(a, b types.Row) int { return op.compare(a, b, len(op.cmpCols)) }
func (op *GroupTopN) cmpTie(a, b types.Row) int  { return op.compare(a, b, op.nOrder) }

func tnCompareDatum(a, b types.Datum, desc, nullsFirst bool) int {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			if nullsFirst {
				return -1
			}
			return 1
		default:
			if nullsFirst {
				return 1
			}
			return -1
		}
	}
	c := types.Compare(a, b)
	if desc {
		c = -c
	}
	return c
}

func (op *GroupTopN) partKey(r types.Row) (string, types.Row) {
	p := r.Project(op.args.PartitionBy)
	return string(state.EncodeKey(nil, p, op.partTypes, nil)), p
}

func (op *GroupTopN) skKey(r types.Row) string {
	return string(state.EncodeKey(nil, r.Project(op.args.StreamKey), op.skTypes, nil))
}

// cacheRows is how many rows a refill keeps: what the selection needs plus
// slack so that a few deletions do not force a rescan.
func (op *GroupTopN) cacheRows() int {
	if op.hi < 0 {
		return -1
	}
	extra := op.hi
	if extra > 256 {
		extra = 256
	}
	return int(op.hi + extra + 8)
}

func (op *GroupTopN) partition(key string, prefix types.Row) (*tnPartition, error) {
	p := op.cache[key]
	if p == nil {
		p = &tnPartition{prefix: prefix}
		op.cache[key] = p
	}
	if !p.valid {
		if err := op.refill(p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// refill reloads the cached prefix of a partition from the state table.
func (op *GroupTopN) refill(p *tnPartition) error {
	p.rows = p.rows[:0]
	p.complete = true
	limit := op.cacheRows()
	if op.fullLoad || op.args.AppendOnly {
		limit = -1
	}
	var rank, dense int64
	determinedAt := -1
	err := op.table.Scan(p.prefix, func(r types.Row) bool {
		r = r.Copy()
		i := len(p.rows)
		if limit >= 0 {
			if i == 0 || op.cmpTie(p.rows[i-1], r) != 0 {
				rank = int64(i) + 1
				dense++
			}
			if determinedAt < 0 && op.beyond(int64(i)+1, rank, dense) {
				determinedAt = i
			}
		}
		p.rows = append(p.rows, r)
		if limit >= 0 && determinedAt >= 0 && len(p.rows) >= limit {
			p.complete = false // there may be more rows: a prefix
			return false
		}
		return true
	})
	if err != nil {
		return err
	}
	if op.fullLoad {
		sort.SliceStable(p.rows, func(i, j int) bool { return op.cmpFull(p.rows[i], p.rows[j]) < 0 })
	}
	p.valid = true
	return nil
}

// rankOf returns the rank of the row at 1-based position pos given its
// RANK and DENSE_RANK values.
func (op *GroupTopN) rankOf(pos, rank, dense int64) int64 {
	switch op.kind {
	case Rank:
		return rank
	case DenseRank:
		return dense
	}
	return pos
}

// beyond reports whether a row with these ranks (and so every later row)
// ranks past the kept range.
func (op *GroupTopN) beyond(pos, rank, dense int64) bool {
	return op.hi >= 0 && op.rankOf(pos, rank, dense) > op.hi
}

// selection computes the kept rows of a partition from its cached prefix.
// ok is false when the prefix is too short to decide.
func (op *GroupTopN) selection(p *tnPartition) (sel []tnOut, end int, ok bool) {
	var rank, dense int64
	for i, r := range p.rows {
		if i == 0 || op.cmpTie(p.rows[i-1], r) != 0 {
			rank = int64(i) + 1
			dense++
		}
		rk := op.rankOf(int64(i)+1, rank, dense)
		if op.hi >= 0 && rk > op.hi {
			return sel, i, true
		}
		if rk > op.lo {
			sel = append(sel, tnOut{r, rk})
		}
	}
	if p.complete || (op.kind == RowNumber && op.hi >= 0 && int64(len(p.rows)) >= op.hi) {
		return sel, len(p.rows), true
	}
	return nil, 0, false
}

func (op *GroupTopN) currentSelection(p *tnPartition) ([]tnOut, int, error) {
	if sel, end, ok := op.selection(p); ok {
		return sel, end, nil
	}
	if err := op.refill(p); err != nil {
		return nil, 0, err
	}
	sel, end, ok := op.selection(p)
	if !ok {
		return nil, 0, fmt.Errorf("group top-n: internal error: refill did not determine the top-n")
	}
	return sel, end, nil
}

// find returns the position of r (by identity) in the cached prefix, or
// where it would go.
func (op *GroupTopN) find(p *tnPartition, r types.Row) (int, bool) {
	i := sort.Search(len(p.rows), func(i int) bool { return op.cmpFull(p.rows[i], r) >= 0 })
	return i, i < len(p.rows) && op.cmpFull(p.rows[i], r) == 0
}

func (op *GroupTopN) cacheInsert(p *tnPartition, r types.Row) {
	i, found := op.find(p, r)
	if found {
		p.rows[i] = r
		return
	}
	if i == len(p.rows) && !p.complete {
		return // past the cached prefix: the table has it
	}
	p.rows = slices.Insert(p.rows, i, r)
	if limit := op.cacheRows(); !p.complete && limit >= 0 && len(p.rows) > 2*limit {
		p.rows = p.rows[:limit]
	}
}

func (op *GroupTopN) cacheDelete(p *tnPartition, r types.Row) {
	if i, found := op.find(p, r); found {
		p.rows = slices.Delete(p.rows, i, i+1)
	}
}

// Push applies a chunk of changes to the state and the cache.
func (op *GroupTopN) Push(_ int, c *types.Chunk) error {
	defer c.Release()
	for i := 0; i < c.NumRows(); i++ {
		r := c.Row(i)
		key, prefix := op.partKey(r)
		p, err := op.partition(key, prefix)
		if err != nil {
			return err
		}
		if !p.dirty {
			sel, _, err := op.currentSelection(p)
			if err != nil {
				return err
			}
			p.prev, p.dirty = sel, true
			op.dirty = append(op.dirty, key)
		}
		if c.Ops[i].IsInsert() {
			op.table.Put(r)
			op.cacheInsert(p, r)
		} else {
			op.table.Delete(r.Project(op.args.Table.PK))
			op.cacheDelete(p, r)
		}
	}
	return nil
}

func (op *GroupTopN) outRow(o tnOut) types.Row {
	if !op.args.RankCol {
		return o.row
	}
	return append(o.row.Copy(), o.rank)
}

// flush emits the top-N changes of every dirty partition.
func (op *GroupTopN) flush() error {
	if len(op.dirty) == 0 {
		return nil
	}
	// The old and new selections of every dirty partition are diffed
	// together: a row that moved to another partition (an UPDATE of a
	// partition column) must leave before it enters, or as one U-/U+ pair,
	// never as an insert followed by the delete of the same key.
	var olds, curs []tnOut
	for _, key := range op.dirty {
		p := op.cache[key]
		sel, end, err := op.currentSelection(p)
		if err != nil {
			return err
		}
		olds = append(olds, p.prev...)
		curs = append(curs, sel...)
		p.prev, p.dirty = nil, false
		if op.args.AppendOnly && end < len(p.rows) {
			for _, r := range p.rows[end:] {
				op.table.Delete(r.Project(op.args.Table.PK))
			}
			p.rows = p.rows[:end]
		}
		if len(p.rows) == 0 && p.complete {
			delete(op.cache, key)
		}
	}
	op.dirty = op.dirty[:0]
	b := types.NewChunkBuilder(op.outTypes, 16)
	defer b.Release()
	op.diff(b, olds, curs)
	return op.Emit(b.Build())
}

// diff appends the changes from the old to the new top-N set, matched by
// stream key: deletes, then U-/U+ pairs, then inserts.
func (op *GroupTopN) diff(b *types.ChunkBuilder, old, cur []tnOut) {
	oldBy := make(map[string]int, len(old))
	for i, o := range old {
		oldBy[op.skKey(o.row)] = i
	}
	curKeys := make([]string, len(cur))
	matched := make([]bool, len(old))
	for i, o := range cur {
		k := op.skKey(o.row)
		curKeys[i] = k
		if j, ok := oldBy[k]; ok {
			matched[j] = true
		}
	}
	for j, o := range old {
		if !matched[j] {
			b.Append(types.Delete, op.outRow(o))
		}
	}
	for i, o := range cur {
		if j, ok := oldBy[curKeys[i]]; ok {
			prev := old[j]
			if prev.rank == o.rank && types.RowsEqual(prev.row, o.row) {
				continue
			}
			b.Append(types.UpdateDelete, op.outRow(prev))
			b.Append(types.UpdateInsert, op.outRow(o))
		}
	}
	for i, o := range cur {
		if _, ok := oldBy[curKeys[i]]; !ok {
			b.Append(types.Insert, op.outRow(o))
		}
	}
}

// Barrier emits the epoch's top-N changes, trims the cache and forwards
// the barrier.
func (op *GroupTopN) Barrier(_ int, b Barrier) error {
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
// buffered changes (they may belong to partitions the watermark closes,
// and must reach the operators downstream before it), and, with
// CleanOnWatermark, drops the state of the partitions below a watermark on
// the first partition column.
func (op *GroupTopN) Watermark(_ int, w Watermark) error {
	if !slices.Contains(op.args.PartitionBy, w.Col) {
		return nil
	}
	if err := op.flush(); err != nil {
		return err
	}
	if op.args.CleanOnWatermark && op.args.PartitionBy[0] == w.Col && w.Value != nil {
		var pks []types.Row
		err := op.table.Scan(nil, func(r types.Row) bool {
			v := r[w.Col]
			if v == nil || types.Compare(v, w.Value) >= 0 {
				return false
			}
			pks = append(pks, r.Project(op.args.Table.PK))
			return true
		})
		if err != nil {
			return err
		}
		for _, pk := range pks {
			op.table.Delete(pk)
		}
		for key, p := range op.cache {
			if v := p.prefix[0]; v != nil && types.Compare(v, w.Value) < 0 {
				delete(op.cache, key)
			}
		}
	}
	return op.EmitWatermark(w)
}
