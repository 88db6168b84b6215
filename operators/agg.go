package operators

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// HashAggArgs configures a HashAgg. The layouts of ResultTable and
// AggTables must follow the rules in docs/dev/contracts.md ("operators
// layouts"); NewHashAgg checks them.
type HashAggArgs struct {
	GroupKey   []int // input columns; empty for the simple (global) aggregation
	Aggs       []expr.AggCall
	InputTypes []types.Type
	Store      *state.Store
	// ResultTable: Cols = group key types ++ one column per call (call.Type)
	// ++ [bigint row_count, bytea agg_state]; PK = the group key columns.
	ResultTable types.TableLayout
	// AggTables[i] is call i's multiset table, or the zero layout when the
	// call keeps none (see aggNeedsTable). Nil means no call keeps one.
	AggTables       []types.TableLayout
	AppendOnlyInput bool // the input never retracts: min/max keep no multiset
	// CleanOnWatermark deletes, at the barrier after a watermark v on a
	// group-key column, the state of the groups whose key there is < v
	// (after their final output is emitted). Only with AppendOnlyInput; see
	// cleanBelow.
	CleanOnWatermark bool
	// CacheSize bounds the number of groups kept in memory between
	// barriers (0 = DefaultAggCacheSize).
	CacheSize int
}

// DefaultAggCacheSize is the default bound on cached groups per HashAgg.
const DefaultAggCacheSize = 1 << 18

// HashAgg is grouped aggregation (GROUP BY) and, with an empty group key,
// the simple aggregation, which always has exactly one output row (from
// its first barrier on, even over an empty input: count(*) = 0, sum = NULL)
// and never deletes it.
//
// Output columns: the group key columns, then one column per call.
//
// State: ResultTable, one row per group: key, current outputs, the hidden
// row count and the encoded accumulators (sum+count, bool counts, …).
// AggTables[i], per call that needs one (min/max on a retractable input,
// array_agg, string_agg, and DISTINCT calls): the multiset of the call's
// (ORDER BY values, argument values) per group, with multiplicities.
// The in-memory group map is a bounded cache over ResultTable; a miss
// reads the group back.
//
// Delta rule: chunks only update accumulators (and buffer multiset deltas);
// at each barrier, every group touched in the epoch compares its previous
// output row with its current one and emits Insert (new group), Delete
// (row count reached 0), an UpdateDelete/UpdateInsert pair, or nothing when
// unchanged; its state is staged into the tables before the barrier is
// forwarded.
type HashAgg struct {
	Output

	groupKey   []int
	keyTypes   []types.Type
	inputTypes []types.Type
	specs      []aggSpec
	outTypes   []types.Type
	result     *state.Table
	resultL    types.TableLayout
	aggTables  []*state.Table
	aggLayouts []types.TableLayout
	cacheSize  int
	// w is the compact engine, when every call is word-based (agg_words.go);
	// nil otherwise, and the group cache below is used.
	w *wordAgg

	// Caches and per-epoch buffers; all can be rebuilt from the tables.
	groups    map[string]*group
	intGroups map[int64]*group // single int64 group key, non-NULL keys
	dirty     []*group
	pending   []map[string]*msDelta // per call with a multiset
	marks     []Watermark           // group-key watermarks, forwarded after the barrier's output
	seen      bool                  // the simple agg has loaded its group
	clean     bool                  // CleanOnWatermark (and an append-only input)
	// allCached > 0: every group in the result table is in the cache (the
	// table was empty at the first load and no group has been evicted
	// since; groups leave the cache otherwise only when deleted from the
	// table), so a cache miss is a new group and load skips the read.
	// 0 = not known yet, < 0 = no.
	allCached int8

	// Scratch.
	keyBuf   []byte
	rowGrps  []*group
	weights  []int64
	keyOffs  []int
	order    []keyedGroup
	orderTmp []keyedGroup
	ahead    int64 // sink of the touch-ahead loads in flush
}

// sortKeyedGroups sorts gs by key (see radixSortByKey).
func sortKeyedGroups(gs, tmp []keyedGroup) []keyedGroup {
	return radixSortByKey(gs, tmp, func(g keyedGroup) int64 { return g.k })
}

// radixSortByKey sorts gs by key: a radix sort on the key's offset from
// the smallest key, 11 bits a pass, when the keys span at most 44 bits (as
// dense keys do), else a comparison sort. tmp is scratch space; the grown
// scratch is returned.
func radixSortByKey[T any](gs, tmp []T, key func(T) int64) []T {
	if len(gs) < 256 {
		slices.SortFunc(gs, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
		return tmp
	}
	lo, hi := key(gs[0]), key(gs[0])
	for _, g := range gs {
		lo, hi = min(lo, key(g)), max(hi, key(g))
	}
	span := uint64(hi) - uint64(lo) // no overflow: hi >= lo
	const radixBits, buckets = 11, 1 << 11
	passes := (64 - bits.LeadingZeros64(span) + radixBits - 1) / radixBits
	if passes > 4 {
		slices.SortFunc(gs, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
		return tmp
	}
	tmp = slices.Grow(tmp[:0], len(gs))[:len(gs)]
	src, dst := gs, tmp
	var count [buckets]int
	for p := range passes {
		shift := uint(p * radixBits)
		clear(count[:])
		for _, g := range src {
			count[(uint64(key(g))-uint64(lo))>>shift&(buckets-1)]++
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, g := range src {
			d := (uint64(key(g)) - uint64(lo)) >> shift & (buckets - 1)
			dst[count[d]] = g
			count[d]++
		}
		src, dst = dst, src
	}
	if passes%2 == 1 {
		copy(gs, src)
	}
	return tmp
}

// touchAhead is how many groups ahead flush loads a group.
const touchAhead = 6

// keyedGroup is a dirty group with its single int64 key, for sorting.
type keyedGroup struct {
	k int64
	g *group
}

// group is the cached state of one group.
type group struct {
	key   types.Row // group key values
	rows  int64     // hidden row count
	accs  []acc
	prev  types.Row // last emitted output row (key ++ outputs); nil if none
	dirty bool
	ckey  string // key in HashAgg.groups (unless in intGroups)
	ikey  int64  // single int64 group key: its value (for ordering writes)
	null  bool   // single int64 group key: NULL
	// inl holds key, accs and prev when they are small (newGroup).
	inl struct {
		key  [1]types.Datum
		accs [2]acc
		prev [4]types.Datum
	}
}

// msDelta is a buffered change of one multiset element.
type msDelta struct {
	g     *group
	row   types.Row // multiset table row without the count: key ++ order ++ args
	delta int64
}

var _ Node = (*HashAgg)(nil)

// NewHashAgg returns a HashAgg, or an error if the arguments or table
// layouts are inconsistent.
func NewHashAgg(args HashAggArgs) (*HashAgg, error) {
	if args.Store == nil {
		return nil, fmt.Errorf("hashagg: no store")
	}
	h := &HashAgg{
		groupKey:   args.GroupKey,
		inputTypes: args.InputTypes,
		cacheSize:  args.CacheSize,
		groups:     map[string]*group{},
		intGroups:  map[int64]*group{},
		resultL:    args.ResultTable,
		clean:      args.CleanOnWatermark && args.AppendOnlyInput,
	}
	if h.cacheSize <= 0 {
		h.cacheSize = DefaultAggCacheSize
	}
	for _, k := range args.GroupKey {
		if k < 0 || k >= len(args.InputTypes) {
			return nil, fmt.Errorf("hashagg: group key column %d out of range (%d input columns)", k, len(args.InputTypes))
		}
		h.keyTypes = append(h.keyTypes, args.InputTypes[k])
	}
	h.outTypes = append([]types.Type(nil), h.keyTypes...)
	for _, call := range args.Aggs {
		s, err := compileAgg(call, args.InputTypes, args.AppendOnlyInput)
		if err != nil {
			return nil, err
		}
		s.finish()
		h.specs = append(h.specs, s)
		h.outTypes = append(h.outTypes, call.Type)
	}
	if err := checkResultLayout(args.ResultTable, h.keyTypes, args.Aggs); err != nil {
		return nil, err
	}
	h.result = args.Store.Table(args.ResultTable)
	w, err := newWordAgg(h)
	if err != nil {
		return nil, err
	}
	h.w = w
	if args.AggTables != nil && len(args.AggTables) != len(args.Aggs) {
		return nil, fmt.Errorf("hashagg: %d agg tables for %d calls", len(args.AggTables), len(args.Aggs))
	}
	h.aggTables = make([]*state.Table, len(h.specs))
	h.aggLayouts = make([]types.TableLayout, len(h.specs))
	h.pending = make([]map[string]*msDelta, len(h.specs))
	for i := range h.specs {
		s := &h.specs[i]
		var l types.TableLayout
		if args.AggTables != nil {
			l = args.AggTables[i]
		}
		if !s.multiset {
			if len(l.Cols) != 0 {
				return nil, fmt.Errorf("hashagg: %s (call %d) keeps no multiset, but got agg table %q", s.call.Name, i, l.Name)
			}
			continue
		}
		if err := checkAggLayout(l, h.keyTypes, args.InputTypes, s.call, i); err != nil {
			return nil, err
		}
		h.aggTables[i] = args.Store.Table(l)
		h.aggLayouts[i] = l
		h.pending[i] = map[string]*msDelta{}
	}
	return h, nil
}

// Types returns the output column types.
func (h *HashAgg) Types() []types.Type { return h.outTypes }

func checkResultLayout(l types.TableLayout, keyTypes []types.Type, calls []expr.AggCall) error {
	want := append([]types.Type(nil), keyTypes...)
	for _, c := range calls {
		want = append(want, c.Type)
	}
	want = append(want, types.Int64, types.Bytea)
	pk := make([]int, len(keyTypes))
	for i := range pk {
		pk[i] = i
	}
	if !slices.Equal(l.Cols, want) || !slices.Equal(l.PK, pk) {
		return fmt.Errorf("hashagg: result table %q: layout Cols=%v PK=%v, want Cols=%v PK=%v (group key ++ outputs ++ [bigint row_count, bytea agg_state]; see docs/dev/contracts.md)",
			l.Name, l.Cols, l.PK, want, pk)
	}
	return nil
}

func checkAggLayout(l types.TableLayout, keyTypes, inputTypes []types.Type, call expr.AggCall, i int) error {
	want := append([]types.Type(nil), keyTypes...)
	for _, o := range call.OrderBy {
		want = append(want, inputTypes[o.Col])
	}
	want = append(want, call.ArgTypes...)
	want = append(want, types.Int64)
	pk := make([]int, len(want)-1)
	for i := range pk {
		pk[i] = i
	}
	if !slices.Equal(l.Cols, want) || !slices.Equal(l.PK, pk) || slices.Contains(l.Desc, true) {
		return fmt.Errorf("hashagg: %s (call %d) agg table %q: layout Cols=%v PK=%v Desc=%v, want Cols=%v PK=%v ascending (group key ++ ORDER BY ++ args ++ [bigint count]; see docs/dev/contracts.md)",
			call.Name, i, l.Name, l.Cols, l.PK, l.Desc, want, pk)
	}
	return nil
}

// Push implements Node.
func (h *HashAgg) Push(_ int, c *types.Chunk) error {
	defer c.Release()
	n := c.NumRows()
	if n == 0 {
		return nil
	}
	if len(c.Cols) != len(h.inputTypes) {
		return fmt.Errorf("hashagg: input has %d columns, want %d", len(c.Cols), len(h.inputTypes))
	}
	if h.w != nil {
		return h.w.push(c)
	}
	if err := h.assignGroups(c); err != nil {
		return err
	}
	gs := h.rowGrps
	w := h.weights
	for i, g := range gs {
		g.rows += w[i]
	}
	for si := range h.specs {
		if err := h.accumulate(si, c, gs, w); err != nil {
			return err
		}
	}
	return nil
}

// assignGroups finds (or loads, or creates) the group of every row of c,
// into h.rowGrps, and the row weights into h.weights.
func (h *HashAgg) assignGroups(c *types.Chunk) error {
	n := c.NumRows()
	h.rowGrps = slices.Grow(h.rowGrps[:0], n)[:n]
	h.weights = slices.Grow(h.weights[:0], n)[:n]
	for i, op := range c.Ops {
		h.weights[i] = op.Weight()
	}
	if len(h.groupKey) == 0 {
		g, err := h.lookup("", c, 0)
		if err != nil {
			return err
		}
		for i := range h.rowGrps {
			h.rowGrps[i] = g
		}
		return nil
	}
	// Fast path: one int64 key column; non-NULL keys live in intGroups.
	if len(h.groupKey) == 1 {
		if a, ok := c.Cols[h.groupKey[0]].(*array.Int64); ok {
			vals := a.Int64Values()
			var last *group
			var lastV int64
			for i := 0; i < n; i++ {
				if a.IsNull(i) {
					g, err := h.lookup(nullIntKey, c, i)
					if err != nil {
						return err
					}
					g.null = true
					h.rowGrps[i], last = g, nil
					continue
				}
				v := vals[i]
				if last != nil && v == lastV {
					h.rowGrps[i] = last
					continue
				}
				g, ok := h.intGroups[v]
				if ok {
					h.touch(g)
				} else {
					var err error
					if g, err = h.load(types.Row{v}); err != nil {
						return err
					}
					g.ikey = v
					h.intGroups[v] = h.touch(g)
				}
				h.rowGrps[i], last, lastV = g, g, v
			}
			return nil
		}
	}
	for i := 0; i < n; i++ {
		h.keyBuf = h.appendGroupKey(h.keyBuf[:0], c, i)
		g, err := h.lookup(string(h.keyBuf), c, i)
		if err != nil {
			return err
		}
		h.rowGrps[i] = g
	}
	return nil
}

// nullIntKey is the groups key of the NULL group of a single int64 key.
const nullIntKey = "\x00"

// appendGroupKey appends the cache key of row i's group: the state key
// encoding of its key columns.
func (h *HashAgg) appendGroupKey(dst []byte, c *types.Chunk, i int) []byte {
	for j, k := range h.groupKey {
		dst = state.EncodeKey(dst, types.Row{c.Datum(k, i)}, h.keyTypes[j:j+1], nil)
	}
	return dst
}

// lookup returns the cached group for key, loading it from the result
// table or creating it on a miss. The string key is only copied on a miss
// (the map lookup with string(bytes) does not allocate).
func (h *HashAgg) lookup(key string, c *types.Chunk, i int) (*group, error) {
	if g, ok := h.groups[key]; ok {
		return h.touch(g), nil
	}
	gk := make(types.Row, len(h.groupKey))
	for j, k := range h.groupKey {
		gk[j] = c.Datum(k, i)
	}
	g, err := h.load(gk)
	if err != nil {
		return nil, err
	}
	g.ckey = key
	h.groups[key] = g
	return h.touch(g), nil
}

func (h *HashAgg) touch(g *group) *group {
	if !g.dirty {
		g.dirty = true
		h.dirty = append(h.dirty, g)
	}
	return g
}

// newGroup returns an empty group with key gk. Small groups keep their
// key, accumulators and output row inside the group struct: one object
// (and fewer cache misses) per group instead of four.
func (h *HashAgg) newGroup(gk types.Row) *group {
	g := &group{}
	if len(gk) <= len(g.inl.key) {
		g.key = g.inl.key[:len(gk):len(gk)]
		copy(g.key, gk)
	} else {
		g.key = gk
	}
	if na := len(h.specs); na <= len(g.inl.accs) {
		g.accs = g.inl.accs[:na:na]
	} else {
		g.accs = make([]acc, na)
	}
	return g
}

// ownRow returns a copy of r (an output row) owned by the group: in its
// inline row when it fits.
func (g *group) ownRow(r types.Row) types.Row {
	if len(r) > len(g.inl.prev) {
		return slices.Clone(r)
	}
	p := g.inl.prev[:len(r):len(r)]
	copy(p, r)
	return p
}

// load reads a group from the result table, or returns a new empty group.
func (h *HashAgg) load(gk types.Row) (*group, error) {
	g := h.newGroup(gk)
	row, rows, err := h.readGroup(gk, g.accs)
	if err != nil || row == nil {
		return g, err
	}
	nk, na := len(h.groupKey), len(h.specs)
	g.prev = row[:nk+na]
	if nk+na <= len(g.inl.prev) {
		g.prev = g.ownRow(g.prev)
	}
	g.rows = rows
	return g, nil
}

// readGroup reads the result table row of group key gk and decodes its
// accumulators into accs (min and max take their output value). It
// returns a nil row for a group not in the table, known without a read
// while every group is cached (allCached).
func (h *HashAgg) readGroup(gk types.Row, accs []acc) (row types.Row, rows int64, err error) {
	if h.allCached == 0 {
		// First load: is the result table empty?
		h.allCached = -1
		empty := true
		if err := h.result.Scan(nil, func(types.Row) bool { empty = false; return false }); err != nil {
			return nil, 0, fmt.Errorf("hashagg: reading groups: %w", err)
		}
		if empty {
			h.allCached = 1
		}
	}
	if h.allCached > 0 {
		return nil, 0, nil // not cached, so not in the table: a new group
	}
	row, found, err := h.result.Get(gk)
	if err != nil {
		return nil, 0, fmt.Errorf("hashagg: reading group: %w", err)
	}
	if !found {
		return nil, 0, nil
	}
	nk, na := len(h.groupKey), len(h.specs)
	if len(row) != nk+na+2 {
		return nil, 0, fmt.Errorf("hashagg: result table %q: row has %d columns, want %d", h.resultL.Name, len(row), nk+na+2)
	}
	rows, _ = row[nk+na].(int64)
	blob, _ := row[nk+na+1].([]byte)
	if err := decodeAccs(blob, h.specs, accs); err != nil {
		return nil, 0, err
	}
	for i := range h.specs {
		if k := h.specs[i].kind; k == aggMin || k == aggMax {
			accs[i].d = row[nk+i] // kept as the output only
		}
	}
	return row, rows, nil
}

// cacheKey is the groups map key of group key k (see appendGroupKey).
func (h *HashAgg) cacheKey(k types.Row) string {
	var ck []byte
	for j := range k {
		ck = state.EncodeKey(ck, types.Row{k[j]}, h.keyTypes[j:j+1], nil)
	}
	return string(ck)
}

// filterMask returns, per row, whether the FILTER column is TRUE (nil when
// the call has no FILTER).
func filterMask(c *types.Chunk, col int) func(i int) bool {
	if col < 0 {
		return nil
	}
	b, ok := c.Cols[col].(*array.Boolean)
	if !ok {
		return func(int) bool { return false }
	}
	return func(i int) bool { return b.IsValid(i) && b.Value(i) }
}

// accumulate folds the chunk's rows into call si's accumulators (or
// buffers its multiset deltas).
func (h *HashAgg) accumulate(si int, c *types.Chunk, gs []*group, w []int64) error {
	s := &h.specs[si]
	pass := filterMask(c, s.filter)
	if s.multiset {
		return h.bufferMultiset(si, c, gs, w, pass)
	}
	// Typed fast paths.
	switch s.kind {
	case aggCountStar:
		for i, g := range gs {
			if pass == nil || pass(i) {
				g.accs[si].n += w[i]
			}
		}
		return nil
	case aggCount:
		a := c.Cols[s.arg]
		for i, g := range gs {
			if a.IsValid(i) && (pass == nil || pass(i)) {
				g.accs[si].n += w[i]
			}
		}
		return nil
	case aggSumInt, aggAvgInt:
		if a, ok := c.Cols[s.arg].(*array.Int64); ok {
			vals := a.Int64Values()
			noNulls := a.NullN() == 0
			for i, g := range gs {
				if (noNulls || a.IsValid(i)) && (pass == nil || pass(i)) {
					g.accs[si].addInt(vals[i], w[i])
				}
			}
			return nil
		}
		if a, ok := c.Cols[s.arg].(*array.Int32); ok {
			vals := a.Int32Values()
			for i, g := range gs {
				if a.IsValid(i) && (pass == nil || pass(i)) {
					g.accs[si].addInt(int64(vals[i]), w[i])
				}
			}
			return nil
		}
	case aggSumFloat, aggAvgFloat:
		if a, ok := c.Cols[s.arg].(*array.Float64); ok {
			vals := a.Float64Values()
			for i, g := range gs {
				if a.IsValid(i) && (pass == nil || pass(i)) {
					ac := &g.accs[si]
					ac.f += float64(w[i]) * vals[i]
					ac.n += w[i]
					if ac.n == 0 {
						ac.f = 0
					}
				}
			}
			return nil
		}
	}
	// Generic path.
	args := make(types.Row, len(s.call.Args))
	for i, g := range gs {
		if pass != nil && !pass(i) {
			continue
		}
		for j, col := range s.call.Args {
			args[j] = types.DatumAt(c.Cols[col], c.Types[col], i)
		}
		if err := s.update(&g.accs[si], args, w[i]); err != nil {
			return err
		}
	}
	return nil
}

// bufferMultiset records the multiset deltas of call si, applied to its
// table at the barrier.
func (h *HashAgg) bufferMultiset(si int, c *types.Chunk, gs []*group, w []int64, pass func(int) bool) error {
	s := &h.specs[si]
	l := &h.aggLayouts[si]
	nk, no := len(h.groupKey), len(s.call.OrderBy)
	pend := h.pending[si]
	for i, g := range gs {
		if pass != nil && !pass(i) {
			continue
		}
		// Strict aggregates skip rows whose (first) argument is NULL;
		// array_agg keeps them.
		if !s.kind.keepsNulls() && c.Cols[s.arg].IsNull(i) {
			continue
		}
		row := make(types.Row, len(l.Cols)-1)
		copy(row, g.key)
		for j, o := range s.call.OrderBy {
			row[nk+j] = c.Datum(o.Col, i)
		}
		for j, col := range s.call.Args {
			row[nk+no+j] = c.Datum(col, i)
		}
		h.keyBuf = state.EncodeKey(h.keyBuf[:0], row, l.Cols, nil)
		if d, ok := pend[string(h.keyBuf)]; ok {
			d.delta += w[i]
			continue
		}
		pend[string(h.keyBuf)] = &msDelta{g: g, row: row, delta: w[i]}
	}
	return nil
}

// Barrier implements Node.
func (h *HashAgg) Barrier(_ int, b Barrier) error {
	if err := h.flush(); err != nil {
		return err
	}
	for _, w := range h.marks {
		if err := h.cleanBelow(w.Col, w.Value); err != nil {
			return err
		}
		if err := h.EmitWatermark(w); err != nil {
			return err
		}
	}
	h.marks = h.marks[:0]
	return h.EmitBarrier(b)
}

// flush applies the epoch's multiset deltas, emits the changed outputs,
// and stages the dirty groups into the result table.
func (h *HashAgg) flush() error {
	if h.w != nil {
		return h.w.flush()
	}
	if len(h.groupKey) == 0 && !h.seen {
		// The simple aggregation has a row from its first barrier on.
		h.seen = true
		if _, err := h.lookup("", nil, 0); err != nil {
			return err
		}
	}
	for si := range h.specs {
		if h.specs[si].multiset {
			if err := h.applyMultiset(si); err != nil {
				return err
			}
		}
	}
	if len(h.dirty) == 0 {
		return nil
	}
	nk := len(h.groupKey)
	if len(h.intGroups) > 0 {
		// Write in key order: the staged layer's inserts then walk nearby
		// paths, which is markedly cheaper than random order. The keys are
		// sorted by value next to their groups (no pointer chasing in the
		// comparisons); the NULL group goes last, as in the table.
		h.order = h.order[:0]
		var nulls []*group
		for _, g := range h.dirty {
			if g.null {
				nulls = append(nulls, g)
				continue
			}
			h.order = append(h.order, keyedGroup{g.ikey, g})
		}
		h.orderTmp = sortKeyedGroups(h.order, h.orderTmp)
		h.dirty = h.dirty[:0]
		for _, kg := range h.order {
			h.dirty = append(h.dirty, kg.g)
		}
		h.dirty = append(h.dirty, nulls...)
		clear(h.order) // drop the group pointers
		clear(h.orderTmp)
	}
	b := types.NewChunkBuilder(h.outTypes, min(2*len(h.dirty), 4096))
	defer b.Release()
	var blob []byte
	var scratch types.Row
	var ahead int64
	for gi, g := range h.dirty {
		if gi+touchAhead < len(h.dirty) {
			// Load a later group now: the groups are visited in key
			// order, scattered in memory, and the load overlaps this
			// group's work instead of stalling at its turn.
			ahead += h.dirty[gi+touchAhead].rows
		}
		g.dirty = false
		exists := g.rows > 0 || nk == 0
		if g.rows < 0 {
			return fmt.Errorf("hashagg: group %v has a negative row count %d: the input retracted rows it never inserted", g.key, g.rows)
		}
		var cur types.Row
		changed := false
		if exists {
			// Compute into scratch; keep the previous row when unchanged.
			scratch = append(scratch[:0], g.key...)
			for si := range h.specs {
				v, err := h.output(si, g)
				if err != nil {
					return err
				}
				scratch = append(scratch, v)
			}
			// The key columns hold the group's key in both rows: only the
			// outputs can differ. Identical, not just equal: a numeric
			// whose scale changed (2.5 → 2.50) is a new output.
			if g.prev != nil && owRowsIdentical(g.prev[nk:], scratch[nk:]) {
				cur = g.prev
			} else {
				changed = true
			}
		}
		switch {
		case g.prev == nil && exists:
			cur = g.ownRow(scratch)
			b.Append(types.Insert, cur)
		case g.prev != nil && !exists:
			b.Append(types.Delete, g.prev)
		case g.prev != nil && changed:
			// The builder copies the values: the previous row's slice
			// (the group's own) takes the new values in place.
			b.Append(types.UpdateDelete, g.prev)
			cur = g.prev
			copy(cur, scratch)
			b.Append(types.UpdateInsert, cur)
		}
		if cur == nil {
			h.result.Delete(g.key)
			h.uncache(g)
		} else {
			// Put encodes the row at once: the scratch buffers can be reused.
			blob = encodeAccs(blob[:0], h.specs, g.accs)
			scratch = append(append(scratch[:0], cur...), g.rows, blob)
			h.result.Put(scratch)
		}
		g.prev = cur
		if b.Len() >= 4096 {
			if err := h.Emit(b.Build()); err != nil {
				return err
			}
		}
	}
	h.dirty = h.dirty[:0]
	h.ahead = ahead
	if b.Len() > 0 {
		if err := h.Emit(b.Build()); err != nil {
			return err
		}
	}
	h.evict()
	return nil
}

// output computes call si's current output for group g.
func (h *HashAgg) output(si int, g *group) (types.Datum, error) {
	s := &h.specs[si]
	a := &g.accs[si]
	switch s.kind {
	case aggArray, aggString, aggFirst, aggLast, aggJSONB, aggJSONBObject, aggBitAnd, aggBitOr, aggBitXor,
		aggPercentileCont, aggPercentileDisc, aggMode:
		if !a.rescan {
			if g.prev == nil {
				return nil, nil
			}
			return g.prev[len(h.groupKey)+si], nil
		}
		a.rescan = false
		es, err := h.scanMultiset(si, g)
		if err != nil {
			return nil, err
		}
		return s.collect(es)
	case aggMin, aggMax:
		if a.rescan {
			a.rescan = false
			es, err := h.scanMultiset(si, g)
			if err != nil {
				return nil, err
			}
			a.d = nil
			switch {
			case len(es) == 0:
			case s.kind == aggMin:
				a.d = es[0].args[0]
			default:
				a.d = es[len(es)-1].args[0]
			}
		}
	}
	return s.result(a)
}

// scanMultiset reads group g's multiset of call si, in table order.
func (h *HashAgg) scanMultiset(si int, g *group) ([]msEntry, error) {
	s := &h.specs[si]
	nk, no := len(h.groupKey), len(s.call.OrderBy)
	var es []msEntry
	var bad error
	err := h.aggTables[si].Scan(g.key, func(r types.Row) bool {
		cnt, _ := r[len(r)-1].(int64)
		if cnt <= 0 {
			bad = fmt.Errorf("hashagg: agg table %q: multiplicity %d", h.aggLayouts[si].Name, cnt)
			return false
		}
		es = append(es, msEntry{order: r[nk : nk+no], args: r[nk+no : len(r)-1], count: cnt})
		return true
	})
	if err == nil {
		err = bad
	}
	return es, err
}

// applyMultiset writes call si's buffered deltas into its table and
// updates the accumulators they affect.
func (h *HashAgg) applyMultiset(si int) error {
	s := &h.specs[si]
	t := h.aggTables[si]
	pend := h.pending[si]
	if len(pend) == 0 {
		return nil
	}
	nk, no := len(h.groupKey), len(s.call.OrderBy)
	// Apply in key order: deterministic, and the table is written in order.
	keys := make([]string, 0, len(pend))
	for k := range pend {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		d := pend[k]
		if d.delta == 0 {
			continue
		}
		old := int64(0)
		r, found, err := t.Get(d.row)
		if err != nil {
			return fmt.Errorf("hashagg: agg table %q: %w", h.aggLayouts[si].Name, err)
		}
		if found {
			old, _ = r[len(r)-1].(int64)
		}
		cnt := old + d.delta
		switch {
		case cnt < 0:
			return fmt.Errorf("hashagg: %s: value %v of group %v retracted more often than inserted", s.call.Name, d.row[nk:], d.g.key)
		case cnt == 0:
			t.Delete(d.row)
		default:
			t.Put(append(slices.Clone(d.row), cnt))
		}
		a := &d.g.accs[si]
		appeared, vanished := old == 0 && cnt > 0, old > 0 && cnt == 0
		args := d.row[nk+no:]
		switch s.kind {
		case aggArray, aggString, aggFirst, aggLast, aggJSONB, aggJSONBObject, aggBitAnd, aggBitOr, aggBitXor,
			aggPercentileCont, aggPercentileDisc, aggMode:
			a.rescan = true
		case aggMin, aggMax:
			v := args[0]
			if appeared && !a.rescan && (a.d == nil || s.better(v, a.d)) {
				a.d = v
			}
			if vanished && a.d != nil && types.Equal(v, a.d) {
				a.rescan = true
			}
		default: // DISTINCT: the accumulator sees each distinct value once
			if appeared {
				if err := s.update(a, args, 1); err != nil {
					return err
				}
			} else if vanished {
				if err := s.update(a, args, -1); err != nil {
					return err
				}
			}
		}
	}
	clear(pend)
	return nil
}

// uncache drops a deleted group from the cache.
func (h *HashAgg) uncache(g *group) {
	if len(h.groupKey) == 1 && !g.null && g.ckey == "" {
		delete(h.intGroups, g.ikey)
	} else {
		delete(h.groups, g.ckey)
	}
}

// evict drops clean groups from the cache when it holds more than its
// bound; they are read back from the result table on their next use.
func (h *HashAgg) evict() {
	if len(h.groups)+len(h.intGroups) <= h.cacheSize {
		return
	}
	target := h.cacheSize / 2
	h.allCached = -1 // evicted groups are only in the table
	for k, g := range h.intGroups {
		if len(h.groups)+len(h.intGroups) <= target {
			return
		}
		if !g.dirty {
			delete(h.intGroups, k)
		}
	}
	for k, g := range h.groups {
		if len(h.groups)+len(h.intGroups) <= target {
			return
		}
		if !g.dirty {
			delete(h.groups, k)
		}
	}
}

// Watermark implements Node: a watermark on a group-key column is
// forwarded (on its output position) after the next barrier's output;
// others are dropped.
func (h *HashAgg) Watermark(_ int, w Watermark) error {
	for i, k := range h.groupKey {
		if k == w.Col {
			h.marks = append(h.marks, Watermark{Col: i, Value: w.Value})
		}
	}
	return nil
}

// cleanBelow implements CleanOnWatermark: with an append-only input, a
// watermark v on group-key column i (a position in the group key) means no
// row with key[i] < v arrives any more, so those groups are final. Once
// flush has emitted their last output (the barrier calls this after flush
// and before forwarding the watermark), their rows in ResultTable and in
// every agg table, and their cache entries, are deleted. Downstream (the
// MV table, an EowcSort) keeps the emitted rows; since the groups never
// change again, no retraction is ever needed. Groups with a NULL key[i] are
// kept. The result table is scanned in key order, stopping at the first
// key >= v when i = 0; other positions scan the whole table.
func (h *HashAgg) cleanBelow(i int, v types.Datum) error {
	if !h.clean || v == nil || i >= len(h.groupKey) {
		return nil
	}
	var keys []types.Row
	nk := len(h.groupKey)
	err := h.result.Scan(nil, func(r types.Row) bool {
		k := r[i]
		if k == nil {
			return true
		}
		if types.Compare(k, v) >= 0 {
			return i != 0
		}
		keys = append(keys, slices.Clone(r[:nk]))
		return true
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		h.result.Delete(k)
		for si, t := range h.aggTables {
			if t == nil {
				continue
			}
			var rows []types.Row
			if err := t.Scan(k, func(r types.Row) bool {
				rows = append(rows, slices.Clone(r[:len(r)-1]))
				return true
			}); err != nil {
				return fmt.Errorf("hashagg: agg table %q: %w", h.aggLayouts[si].Name, err)
			}
			for _, r := range rows {
				t.Delete(r)
			}
		}
		if h.w != nil {
			h.w.drop(k)
			continue
		}
		if x, ok := k[0].(int64); ok && nk == 1 {
			delete(h.intGroups, x)
		}
		delete(h.groups, h.cacheKey(k))
	}
	return nil
}
