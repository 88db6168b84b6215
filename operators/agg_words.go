package operators

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// wordAgg is HashAgg's compact engine, used when every call's accumulator
// is a few 64-bit words: count, sum and avg of integers and floats, float
// variance, bool_and and bool_or, and min and max of integer-like columns
// over an append-only input. It keeps no per-group objects: a group
// is an index (gid) into flat slices, so that a row's update touches one
// hash slot and one run of words instead of a map bucket and scattered
// structs, and the barrier's output and state rows are written from the
// words without boxing values. The state format (result table rows and
// their encoded accumulators) is HashAgg's own, so either engine reads what
// the other wrote.
//
// Words of group g: words[g*2*stride:] holds the current row count and
// accumulators, then the same as of the last emitted output (prev), from
// which the previous output row is recomputed.
type wordAgg struct {
	h      *HashAgg
	stride int   // words per copy: row count, then each call's words
	offs   []int // per call: offset of its first word in a copy

	// Single integer-like group key (integers, dates, times, timestamps).
	intKey  bool
	keyType types.Type
	idx     intIndex
	nullG   int32 // the NULL key's group, -1 if none

	// Other group keys: the state key encoding of the key columns.
	smap map[string]int32

	words []uint64
	flags []uint8
	ikeys []int64     // intKey: the key value
	gkeys []types.Row // !intKey: the key values
	ckeys []string    // !intKey: the smap key
	free  []int32
	live  int
	dirty []int32

	// Scratch.
	rowG     []int32
	order    []keyedGID
	orderTmp []keyedGID
	accs     []acc
	blob     []byte
	num      []byte
	rw       *state.RowWriter
}

// Group flags.
const (
	gDirty   = 1 << iota // in the dirty list
	gEmitted             // prev holds the last emitted output
	gNull                // intKey: the NULL key
	gLive                // allocated
)

// lookAhead is how many rows ahead assign loads a row's index slot.
const lookAhead = 8

// keyedGID is a dirty group with its integer key, for sorting.
type keyedGID struct {
	k int64
	g int32
}

// accWords returns the number of words of a kind's accumulator, or 0 when
// the kind is not word-based.
func accWords(k aggKind) int {
	switch k {
	case aggCountStar, aggCount:
		return 1 // n
	case aggSumInt, aggAvgInt, aggVarFloat:
		return 3 // n, hi, lo | n, f, f2
	case aggSumFloat, aggAvgFloat, aggBoolAnd, aggBoolOr:
		return 2 // n, f | n, t
	}
	return 0
}

// specWords returns the number of words of a call's accumulator in the
// word engine, or 0 when it needs the classic engine: min and max take
// words only over an append-only input (no multiset) of an integer-like
// type (present flag, value).
func specWords(s *aggSpec) int {
	switch {
	case s.multiset:
		return 0
	case s.kind == aggMin || s.kind == aggMax:
		if intLikeKey(s.argType) && s.call.Type == s.argType {
			return 2
		}
		return 0
	}
	return accWords(s.kind)
}

// intLikeKey reports whether a group key type is kept as an int64.
func intLikeKey(t types.Type) bool {
	switch t.Kind {
	case types.KindInt16, types.KindInt32, types.KindInt64, types.KindDate,
		types.KindTime, types.KindTimestamp, types.KindTimestamptz:
		return true
	}
	return false
}

// newWordAgg returns the compact engine for h, or nil when a call is not
// word-based.
func newWordAgg(h *HashAgg) (*wordAgg, error) {
	w := &wordAgg{h: h, stride: 1, nullG: -1}
	for i := range h.specs {
		s := &h.specs[i]
		n := specWords(s)
		if n == 0 {
			return nil, nil
		}
		w.offs = append(w.offs, w.stride)
		w.stride += n
	}
	if len(h.groupKey) == 1 && intLikeKey(h.keyTypes[0]) {
		w.intKey, w.keyType = true, h.keyTypes[0]
	} else {
		w.smap = map[string]int32{}
	}
	rw, err := h.result.RowWriter()
	if err != nil {
		return nil, fmt.Errorf("hashagg: %w", err)
	}
	w.rw = rw
	w.accs = make([]acc, len(h.specs))
	return w, nil
}

func (w *wordAgg) cur(g int32) []uint64 {
	b := int(g) * 2 * w.stride
	return w.words[b : b+w.stride : b+w.stride]
}

func (w *wordAgg) prev(g int32) []uint64 {
	b := int(g)*2*w.stride + w.stride
	return w.words[b : b+w.stride : b+w.stride]
}

// alloc returns a new empty group.
func (w *wordAgg) alloc() int32 {
	var g int32
	if n := len(w.free); n > 0 {
		g = w.free[n-1]
		w.free = w.free[:n-1]
	} else {
		g = int32(len(w.flags))
		w.flags = append(w.flags, 0)
		for range 2 * w.stride {
			w.words = append(w.words, 0)
		}
		if w.intKey {
			w.ikeys = append(w.ikeys, 0)
		} else {
			w.gkeys = append(w.gkeys, nil)
			w.ckeys = append(w.ckeys, "")
		}
	}
	w.flags[g] = gLive
	w.live++
	return g
}

// release frees group g and drops it from the index.
func (w *wordAgg) release(g int32) {
	switch {
	case !w.intKey:
		delete(w.smap, w.ckeys[g])
		w.gkeys[g], w.ckeys[g] = nil, ""
	case w.flags[g]&gNull != 0:
		w.nullG = -1
	default:
		w.idx.del(w.ikeys[g])
	}
	w.discard(g)
}

// discard frees group g, which is in no index (release drops it from the
// index first; a group whose load failed never entered one).
func (w *wordAgg) discard(g int32) {
	clear(w.cur(g))
	clear(w.prev(g))
	w.flags[g] = 0
	w.free = append(w.free, g)
	w.live--
}

func (w *wordAgg) touch(g int32) {
	if w.flags[g]&gDirty == 0 {
		w.flags[g] |= gDirty
		w.dirty = append(w.dirty, g)
	}
}

// load reads group g's state (key gk) from the result table, if there.
func (w *wordAgg) load(g int32, gk types.Row) error {
	clear(w.accs)
	row, rows, err := w.h.readGroup(gk, w.accs)
	if err != nil || row == nil {
		return err
	}
	cur := w.cur(g)
	cur[0] = uint64(rows)
	for si := range w.h.specs {
		w.fromAcc(si, cur, &w.accs[si])
	}
	copy(w.prev(g), cur)
	w.flags[g] |= gEmitted
	return nil
}

// fromAcc stores a's fields as call si's words.
func (w *wordAgg) fromAcc(si int, words []uint64, a *acc) {
	o := words[w.offs[si]:]
	o[0] = uint64(a.n)
	switch w.h.specs[si].kind {
	case aggSumInt, aggAvgInt:
		o[1], o[2] = uint64(a.hi), a.lo
	case aggSumFloat, aggAvgFloat:
		o[1] = math.Float64bits(a.f)
	case aggVarFloat:
		o[1], o[2] = math.Float64bits(a.f), math.Float64bits(a.f2)
	case aggBoolAnd, aggBoolOr:
		o[1] = uint64(a.t)
	case aggMin, aggMax:
		o[0], o[1] = 0, 0
		if v, ok := intKeyValue(a.d); ok {
			o[0], o[1] = 1, uint64(v)
		}
	}
}

// toAcc returns call si's words as an accumulator.
func (w *wordAgg) toAcc(si int, words []uint64) *acc {
	a := &w.accs[si]
	*a = acc{}
	o := words[w.offs[si]:]
	a.n = int64(o[0])
	switch w.h.specs[si].kind {
	case aggSumInt, aggAvgInt:
		a.hi, a.lo = int64(o[1]), o[2]
	case aggSumFloat, aggAvgFloat:
		a.f = math.Float64frombits(o[1])
	case aggVarFloat:
		a.f, a.f2 = math.Float64frombits(o[1]), math.Float64frombits(o[2])
	case aggBoolAnd, aggBoolOr:
		a.t = int64(o[1])
	case aggMin, aggMax:
		a.n = 0
		if o[0] != 0 {
			a.d = intKeyDatum(w.h.specs[si].argType, int64(o[1]))
		}
	}
	return a
}

// push folds a chunk into the accumulators.
func (w *wordAgg) push(c *types.Chunk) error {
	h := w.h
	if err := w.assign(c); err != nil {
		return err
	}
	gs := w.rowG
	h.weights = h.weights[:0]
	for _, op := range c.Ops {
		h.weights = append(h.weights, op.Weight())
	}
	wt := h.weights
	S2 := 2 * w.stride
	for i, g := range gs {
		w.words[int(g)*S2] += uint64(wt[i])
	}
	for si := range h.specs {
		if err := w.accumulate(si, c, gs, wt); err != nil {
			return err
		}
	}
	return nil
}

// assign finds (or loads, or creates) the group of every row of c.
func (w *wordAgg) assign(c *types.Chunk) error {
	h := w.h
	n := c.NumRows()
	if cap(w.rowG) < n {
		w.rowG = make([]int32, n)
	}
	w.rowG = w.rowG[:n]
	if w.intKey {
		a := c.Cols[h.groupKey[0]]
		vals, ok := int64Values(a)
		last, lastV := int32(-1), int64(0)
		var ahead int32
		for i := 0; i < n; i++ {
			if ok && i+lookAhead < n && w.idx.n > 0 {
				// Load a later row's index entry now: the lookups hit
				// random entries, and the load overlaps this row's work
				// instead of stalling at its turn.
				ahead += w.idx.ahead(vals[i+lookAhead])
			}
			if a.IsNull(i) {
				g, err := w.nullGroup()
				if err != nil {
					return err
				}
				w.rowG[i], last = g, -1
				continue
			}
			var v int64
			if ok {
				v = vals[i]
			} else {
				v = intValueAt(a, i)
			}
			if last >= 0 && v == lastV {
				w.rowG[i] = last
				continue
			}
			g, found := w.idx.get(v)
			if !found {
				g = w.alloc()
				w.ikeys[g] = v
				if err := w.load(g, types.Row{intKeyDatum(w.keyType, v)}); err != nil {
					w.discard(g)
					return err
				}
				w.idx.put(v, g)
			}
			w.touch(g)
			w.rowG[i], last, lastV = g, g, v
		}
		w.h.ahead += int64(ahead)
		return nil
	}
	for i := 0; i < n; i++ {
		var key []byte
		if len(h.groupKey) > 0 {
			h.keyBuf = h.appendGroupKey(h.keyBuf[:0], c, i)
			key = h.keyBuf
		}
		g, err := w.lookup(key, func() types.Row {
			gk := make(types.Row, len(h.groupKey))
			for j, k := range h.groupKey {
				gk[j] = c.Datum(k, i)
			}
			return gk
		})
		if err != nil {
			return err
		}
		w.rowG[i] = g
	}
	return nil
}

// lookup returns the group of a (non-integer) key, loading or creating it
// on a miss; gk builds the key values.
func (w *wordAgg) lookup(key []byte, gk func() types.Row) (int32, error) {
	if g, ok := w.smap[string(key)]; ok {
		w.touch(g)
		return g, nil
	}
	g := w.alloc()
	k := gk()
	if err := w.load(g, k); err != nil {
		w.discard(g)
		return -1, err
	}
	w.gkeys[g], w.ckeys[g] = k, string(key)
	w.smap[w.ckeys[g]] = g
	w.touch(g)
	return g, nil
}

// nullGroup returns the NULL key's group (intKey).
func (w *wordAgg) nullGroup() (int32, error) {
	if w.nullG < 0 {
		g := w.alloc()
		if err := w.load(g, types.Row{nil}); err != nil {
			w.discard(g)
			return -1, err
		}
		w.flags[g] |= gNull
		w.nullG = g
	}
	w.touch(w.nullG)
	return w.nullG, nil
}

// int64Values returns the values of an Int64 (or timestamp, time64)
// array without conversion.
func int64Values(a arrow.Array) ([]int64, bool) {
	switch x := a.(type) {
	case *array.Int64:
		return x.Int64Values(), true
	case *array.Timestamp:
		v := x.TimestampValues()
		return unsafe.Slice((*int64)(unsafe.SliceData(v)), len(v)), true
	case *array.Time64:
		v := x.Time64Values()
		return unsafe.Slice((*int64)(unsafe.SliceData(v)), len(v)), true
	}
	return nil, false
}

// intValueAt reads row i of an integer-like array as an int64.
func intValueAt(a arrow.Array, i int) int64 {
	switch x := a.(type) {
	case *array.Int64:
		return x.Value(i)
	case *array.Int32:
		return int64(x.Value(i))
	case *array.Int16:
		return int64(x.Value(i))
	case *array.Date32:
		return int64(x.Value(i))
	case *array.Time64:
		return int64(x.Value(i))
	case *array.Timestamp:
		return int64(x.Value(i))
	}
	panic(fmt.Sprintf("hashagg: %T is not an integer-like key column", a))
}

// intKeyDatum is the datum of an integer-like key value.
func intKeyDatum(t types.Type, v int64) types.Datum {
	switch t.Kind {
	case types.KindDate:
		return types.Date(v)
	case types.KindTime:
		return types.Time(v)
	case types.KindTimestamp:
		return types.Timestamp(v)
	case types.KindTimestamptz:
		return types.Timestamptz(v)
	}
	return v
}

// appendIntKey appends an integer-like key value to its column builder.
func appendIntKey(b array.Builder, v int64) {
	switch x := b.(type) {
	case *array.Int64Builder:
		x.Append(v)
	case *array.Int32Builder:
		x.Append(int32(v))
	case *array.Int16Builder:
		x.Append(int16(v))
	case *array.Date32Builder:
		x.Append(arrow.Date32(v))
	case *array.Time64Builder:
		x.Append(arrow.Time64(v))
	case *array.TimestampBuilder:
		x.Append(arrow.Timestamp(v))
	default:
		panic(fmt.Sprintf("hashagg: %T is not an integer-like key builder", b))
	}
}

// accumulate folds the chunk's rows into call si's words.
func (w *wordAgg) accumulate(si int, c *types.Chunk, gs []int32, wt []int64) error {
	s := &w.h.specs[si]
	pass := filterMask(c, s.filter)
	S2, off := 2*w.stride, w.offs[si]
	ws := w.words
	if s.kind == aggCountStar {
		for i, g := range gs {
			if pass == nil || pass(i) {
				ws[int(g)*S2+off] += uint64(wt[i])
			}
		}
		return nil
	}
	a := c.Cols[s.arg]
	valid := func(i int) bool { return a.IsValid(i) && (pass == nil || pass(i)) }
	switch s.kind {
	case aggCount:
		for i, g := range gs {
			if valid(i) {
				ws[int(g)*S2+off] += uint64(wt[i])
			}
		}
	case aggSumInt, aggAvgInt:
		vals, fast := a.(*array.Int64)
		noNulls := a.NullN() == 0 && pass == nil
		for i, g := range gs {
			if !noNulls && !valid(i) {
				continue
			}
			var v int64
			if fast {
				v = vals.Value(i)
			} else {
				v = intValueAt(a, i)
			}
			o := ws[int(g)*S2+off : int(g)*S2+off+3 : int(g)*S2+off+3]
			// As acc.addInt: a 128-bit sum, weights ±1.
			if wt[i] > 0 {
				var cy uint64
				o[2], cy = bits.Add64(o[2], uint64(v), 0)
				o[1] += uint64((v >> 63) + int64(cy))
			} else {
				var b uint64
				o[2], b = bits.Sub64(o[2], uint64(v), 0)
				o[1] -= uint64((v >> 63) + int64(b))
			}
			o[0] += uint64(wt[i])
		}
	case aggSumFloat, aggAvgFloat, aggVarFloat:
		for i, g := range gs {
			if !valid(i) {
				continue
			}
			var v float64
			switch x := a.(type) {
			case *array.Float64:
				v = x.Value(i)
			case *array.Float32:
				v = float64(x.Value(i))
			default:
				return fmt.Errorf("hashagg: %s: %T argument for a float aggregate", s.call.Name, a)
			}
			o := ws[int(g)*S2+off:]
			fw := float64(wt[i])
			o[0] += uint64(wt[i])
			f := math.Float64frombits(o[1]) + fw*v
			if s.kind == aggVarFloat {
				f2 := math.Float64frombits(o[2]) + fw*v*v
				if o[0] == 0 {
					f2 = 0
				}
				o[2] = math.Float64bits(f2)
			}
			if o[0] == 0 {
				f = 0 // drop rounding residue
			}
			o[1] = math.Float64bits(f)
		}
	case aggBoolAnd, aggBoolOr:
		b, ok := a.(*array.Boolean)
		if !ok {
			return fmt.Errorf("hashagg: %s: %T argument", s.call.Name, a)
		}
		for i, g := range gs {
			if !valid(i) {
				continue
			}
			o := ws[int(g)*S2+off:]
			o[0] += uint64(wt[i])
			if b.Value(i) {
				o[1] += uint64(wt[i])
			}
		}
	case aggMin, aggMax:
		for i, g := range gs {
			if !valid(i) {
				continue
			}
			if wt[i] < 0 {
				return fmt.Errorf("hashagg: %s: retraction on an append-only input", s.call.Name)
			}
			v := intValueAt(a, i)
			o := ws[int(g)*S2+off:]
			if o[0] == 0 || (s.kind == aggMin) == (v < int64(o[1])) && v != int64(o[1]) {
				o[0], o[1] = 1, uint64(v)
			}
		}
	default:
		return fmt.Errorf("hashagg: %s: kind %d is not word-based", s.call.Name, s.kind)
	}
	return nil
}

// flush emits the changed outputs of the epoch's dirty groups and stages
// their rows into the result table (see HashAgg.flush).
func (w *wordAgg) flush() error {
	h := w.h
	nk := len(h.groupKey)
	if nk == 0 && !h.seen {
		// The simple aggregation has a row from its first barrier on.
		h.seen = true
		if _, err := w.lookup(nil, func() types.Row { return types.Row{} }); err != nil {
			return err
		}
	}
	if len(w.dirty) == 0 {
		return nil
	}
	if w.intKey {
		// Write in key order (see HashAgg.flush); the NULL group last.
		w.order = w.order[:0]
		null := int32(-1)
		for _, g := range w.dirty {
			if w.flags[g]&gNull != 0 {
				null = g
				continue
			}
			w.order = append(w.order, keyedGID{w.ikeys[g], g})
		}
		w.orderTmp = sortKeyedGIDs(w.order, w.orderTmp)
		w.dirty = w.dirty[:0]
		for _, kg := range w.order {
			w.dirty = append(w.dirty, kg.g)
		}
		if null >= 0 {
			w.dirty = append(w.dirty, null)
		}
	}
	b := types.NewChunkBuilder(h.outTypes, min(2*len(w.dirty), 4096))
	defer b.Release()
	var ahead uint64
	for gi, g := range w.dirty {
		if gi+touchAhead < len(w.dirty) {
			// Load a later group's words now (see HashAgg.flush).
			ahead += w.words[int(w.dirty[gi+touchAhead])*2*w.stride]
		}
		w.flags[g] &^= gDirty
		cur, prev := w.cur(g), w.prev(g)
		rows := int64(cur[0])
		if rows < 0 {
			return fmt.Errorf("hashagg: group %v has a negative row count %d: the input retracted rows it never inserted", w.keyRow(g), rows)
		}
		exists := rows > 0 || nk == 0
		emitted := w.flags[g]&gEmitted != 0
		var err error
		switch {
		case !emitted && exists:
			err = w.appendRow(b, types.Insert, g, cur)
		case emitted && !exists:
			err = w.appendRow(b, types.Delete, g, prev)
		case emitted:
			same, serr := w.sameOutputs(cur, prev)
			if serr != nil {
				return serr
			}
			if !same {
				if err = w.appendRow(b, types.UpdateDelete, g, prev); err == nil {
					err = w.appendRow(b, types.UpdateInsert, g, cur)
				}
			}
		}
		if err != nil {
			return err
		}
		if exists {
			if err := w.writeResult(g, cur); err != nil {
				return err
			}
			copy(prev, cur)
			w.flags[g] |= gEmitted
		} else {
			h.result.Delete(w.keyRow(g))
			w.release(g)
		}
		if b.Len() >= 4096 {
			if err := h.Emit(b.Build()); err != nil {
				return err
			}
		}
	}
	w.dirty = w.dirty[:0]
	h.ahead = int64(ahead)
	if b.Len() > 0 {
		if err := h.Emit(b.Build()); err != nil {
			return err
		}
	}
	w.evict()
	return nil
}

// sortKeyedGIDs sorts gs by key, as sortKeyedGroups does.
func sortKeyedGIDs(gs, tmp []keyedGID) []keyedGID {
	return radixSortByKey(gs, tmp, func(x keyedGID) int64 { return x.k })
}

// keyRow returns group g's key values.
func (w *wordAgg) keyRow(g int32) types.Row {
	if !w.intKey {
		return w.gkeys[g]
	}
	if w.flags[g]&gNull != 0 {
		return types.Row{nil}
	}
	return types.Row{intKeyDatum(w.keyType, w.ikeys[g])}
}

// appendKey appends group g's key columns to b.
func (w *wordAgg) appendKey(b *types.ChunkBuilder, g int32) {
	if !w.intKey {
		for j, d := range w.gkeys[g] {
			types.AppendDatum(b.Col(j), w.h.keyTypes[j], d)
		}
		return
	}
	if w.flags[g]&gNull != 0 {
		b.Col(0).AppendNull()
		return
	}
	appendIntKey(b.Col(0), w.ikeys[g])
}

// appendRow appends the output row of group g with accumulator words ws.
func (w *wordAgg) appendRow(b *types.ChunkBuilder, op types.Op, g int32, ws []uint64) error {
	h := w.h
	nk := len(h.groupKey)
	w.appendKey(b, g)
	for si := range h.specs {
		s := &h.specs[si]
		bl := b.Col(nk + si)
		o := ws[w.offs[si]:]
		n := int64(o[0])
		switch {
		case s.kind == aggCountStar || s.kind == aggCount:
			if x, ok := bl.(*array.Int64Builder); ok {
				x.Append(n)
				continue
			}
		case n == 0 && (s.kind == aggSumInt || s.kind == aggSumFloat):
			bl.AppendNull()
			continue
		case s.kind == aggSumInt && int64(o[1]) == int64(o[2])>>63:
			v := int64(o[2])
			switch x := bl.(type) {
			case *array.Int64Builder:
				x.Append(v)
				continue
			case *array.StringBuilder:
				if s.call.Type.Kind == types.KindNumeric {
					w.num = strconv.AppendInt(w.num[:0], v, 10)
					x.BinaryBuilder.Append(w.num)
					continue
				}
			}
		case s.kind == aggSumFloat:
			if x, ok := bl.(*array.Float64Builder); ok {
				x.Append(math.Float64frombits(o[1]))
				continue
			}
		case s.kind == aggMin || s.kind == aggMax:
			if o[0] == 0 {
				bl.AppendNull()
			} else {
				appendIntKey(bl, int64(o[1]))
			}
			continue
		}
		d, err := s.result(w.toAcc(si, ws))
		if err != nil {
			return err
		}
		types.AppendDatum(bl, h.outTypes[nk+si], d)
	}
	b.AppendOp(op)
	return nil
}

// sameOutputs reports whether the output rows of accumulator words a and b
// are identical (see owIdentical).
func (w *wordAgg) sameOutputs(a, b []uint64) (bool, error) {
	for si := range w.h.specs {
		s := &w.h.specs[si]
		off := w.offs[si]
		nw := specWords(s)
		x, y := a[off:off+nw], b[off:off+nw]
		eq := true
		for i := range x {
			if x[i] != y[i] {
				eq = false
				break
			}
		}
		if eq {
			continue
		}
		switch s.kind {
		case aggCountStar, aggCount:
			return false, nil
		case aggMin, aggMax:
			if x[0] == 0 && y[0] == 0 {
				continue // both NULL
			}
			return false, nil
		case aggSumInt, aggSumFloat:
			// NULL when n = 0, else the sum alone.
			if (x[0] == 0) != (y[0] == 0) {
				return false, nil
			}
			if x[0] != 0 && (x[1] != y[1] || s.kind == aggSumInt && x[2] != y[2]) {
				return false, nil
			}
			continue
		}
		da, err := s.result(w.toAcc(si, a))
		if err != nil {
			return false, err
		}
		db, err := s.result(w.toAcc(si, b))
		if err != nil {
			return false, err
		}
		if !owIdentical(da, db) {
			return false, nil
		}
	}
	return true, nil
}

// writeResult stages group g's result table row: key, outputs, row count
// and encoded accumulators (HashAgg's format).
func (w *wordAgg) writeResult(g int32, ws []uint64) error {
	h := w.h
	rw := w.rw
	if !w.intKey {
		for _, d := range w.gkeys[g] {
			rw.Datum(d)
		}
	} else if w.flags[g]&gNull != 0 {
		rw.Null()
	} else {
		rw.Int(w.ikeys[g])
	}
	for si := range h.specs {
		s := &h.specs[si]
		o := ws[w.offs[si]:]
		n := int64(o[0])
		t := s.call.Type
		switch {
		case s.kind == aggCountStar || s.kind == aggCount:
			rw.Int(n)
			continue
		case n == 0 && (s.kind == aggSumInt || s.kind == aggSumFloat):
			rw.Null()
			continue
		case s.kind == aggSumInt && int64(o[1]) == int64(o[2])>>63:
			if t.Kind == types.KindNumeric {
				rw.NumericInt(int64(o[2]))
				continue
			}
			if t.IsInteger() {
				rw.Int(int64(o[2]))
				continue
			}
		case s.kind == aggSumFloat && t.Kind == types.KindFloat64:
			rw.Float64(math.Float64frombits(o[1]))
			continue
		case s.kind == aggMin || s.kind == aggMax:
			if o[0] == 0 {
				rw.Null()
			} else {
				rw.Int(int64(o[1]))
			}
			continue
		}
		d, err := s.result(w.toAcc(si, ws))
		if err != nil {
			return err
		}
		rw.Datum(d)
	}
	rw.Int(int64(ws[0]))
	for si := range h.specs {
		w.toAcc(si, ws)
	}
	w.blob = encodeAccs(w.blob[:0], h.specs, w.accs)
	rw.Bytes(w.blob)
	rw.Put()
	return nil
}

// evict drops clean groups when more than the cache bound are held (see
// HashAgg.evict).
func (w *wordAgg) evict() {
	h := w.h
	if w.live <= h.cacheSize {
		return
	}
	target := h.cacheSize / 2
	h.allCached = -1
	for g := range w.flags {
		if w.live <= target {
			return
		}
		if f := w.flags[g]; f&gLive != 0 && f&gDirty == 0 {
			w.release(int32(g))
		}
	}
}

// drop removes the cached group of key k (a row of the key columns), if
// any: cleanBelow has deleted its state.
func (w *wordAgg) drop(k types.Row) {
	var g int32 = -1
	switch {
	case !w.intKey:
		if x, ok := w.smap[w.h.cacheKey(k)]; ok {
			g = x
		}
	case k[0] == nil:
		g = w.nullG
	default:
		if v, ok := intKeyValue(k[0]); ok {
			if x, found := w.idx.get(v); found {
				g = x
			}
		}
	}
	if g >= 0 && w.flags[g]&gDirty == 0 {
		w.release(g)
	}
}

// intKeyValue is the int64 form of an integer-like key datum.
func intKeyValue(d types.Datum) (int64, bool) {
	switch x := d.(type) {
	case int64:
		return x, true
	case types.Date:
		return int64(x), true
	case types.Time:
		return int64(x), true
	case types.Timestamp:
		return int64(x), true
	case types.Timestamptz:
		return int64(x), true
	}
	return 0, false
}

// intIndex maps integer keys to groups. While the keys seen span a range
// at most denseSlack times their number (ids, dates, window starts), it is
// an array indexed by key - base (4 bytes a key: 100k dense keys fit in a
// core's cache); otherwise open addressing with linear probing, 16-byte
// slots, at most 5/8 full.
type intIndex struct {
	// Dense mode (slots == nil): dense[k-base] = group + 1, 0 = none.
	dense []int32
	base  int64
	// Hash mode.
	slots []intSlot
	shift uint // 64 - log2(len(slots))
	n     int
}

// denseSlack bounds the dense array: at most this many entries per key
// held, or denseFree entries whatever the keys. A new array has denseMin.
const (
	denseSlack = 8
	denseFree  = 1 << 16
	denseMin   = 1 << 12
)

type intSlot struct {
	k int64
	g int32 // group + 1; 0 = empty
}

// ahead loads key k's entry (a hint: the result only feeds a sink).
func (x *intIndex) ahead(k int64) int32 {
	if x.slots == nil {
		if off := uint64(k - x.base); off < uint64(len(x.dense)) {
			return x.dense[off]
		}
		return 0
	}
	return x.slots[x.home(k)].g
}

func (x *intIndex) home(k int64) int {
	return int((uint64(k) * 0x9E3779B97F4A7C15) >> x.shift)
}

func (x *intIndex) get(k int64) (int32, bool) {
	if x.slots == nil {
		if off := uint64(k - x.base); off < uint64(len(x.dense)) {
			if g := x.dense[off]; g != 0 {
				return g - 1, true
			}
		}
		return -1, false
	}
	mask := len(x.slots) - 1
	for i := x.home(k); ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.g == 0 {
			return -1, false
		}
		if s.k == k {
			return s.g - 1, true
		}
	}
}

// put adds k → g; k must not be present.
func (x *intIndex) put(k int64, g int32) {
	if x.slots == nil && x.putDense(k, g) {
		return
	}
	if (x.n+1)*8 > len(x.slots)*5 {
		x.grow()
	}
	mask := len(x.slots) - 1
	for i := x.home(k); ; i = (i + 1) & mask {
		if x.slots[i].g == 0 {
			x.slots[i] = intSlot{k, g + 1}
			x.n++
			return
		}
	}
}

// putDense adds k → g in dense mode, widening the array when the keys
// still span little enough, and reports false (after switching to hash
// mode) when they do not.
func (x *intIndex) putDense(k int64, g int32) bool {
	if x.dense == nil {
		x.base = k - denseMin/4
		if x.base > k { // overflow
			x.base = math.MinInt64
		}
		x.dense = make([]int32, denseMin)
	}
	off := uint64(k - x.base)
	if k >= x.base && off < uint64(len(x.dense)) {
		x.dense[off] = g + 1
		x.n++
		return true
	}
	// Widen to cover k with headroom on its side, if the span stays
	// within bounds.
	lo, hi := x.base, x.base+int64(len(x.dense)) // [lo, hi)
	if k < lo {
		lo = k - (hi-k)/4
	} else {
		hi = k + 1 + (k+1-lo)/4
	}
	span := uint64(hi - lo)
	if hi <= lo || k < lo || k >= hi || span > uint64(max(denseFree, denseSlack*(x.n+1))) {
		x.toHash()
		return false
	}
	d := make([]int32, span)
	copy(d[uint64(x.base-lo):], x.dense)
	x.dense, x.base = d, lo
	x.dense[uint64(k-lo)] = g + 1
	x.n++
	return true
}

// toHash moves the dense entries into hash mode.
func (x *intIndex) toHash() {
	d, base := x.dense, x.base
	x.dense, x.n = nil, 0
	x.slots = make([]intSlot, 64)
	x.shift = 64 - 6
	for off, g := range d {
		if g != 0 {
			x.put(base+int64(off), g-1)
		}
	}
}

func (x *intIndex) grow() {
	old := x.slots
	size := max(64, 2*len(old))
	x.slots = make([]intSlot, size)
	x.shift = uint(64 - bits.TrailingZeros(uint(size)))
	x.n = 0
	for _, s := range old {
		if s.g != 0 {
			x.put(s.k, s.g-1)
		}
	}
}

// del removes k (backward-shift deletion: no tombstones).
func (x *intIndex) del(k int64) {
	if x.n == 0 {
		return
	}
	if x.slots == nil {
		if off := uint64(k - x.base); off < uint64(len(x.dense)) && x.dense[off] != 0 {
			x.dense[off] = 0
			x.n--
		}
		return
	}
	mask := len(x.slots) - 1
	i := x.home(k)
	for ; ; i = (i + 1) & mask {
		if x.slots[i].g == 0 {
			return
		}
		if x.slots[i].k == k {
			break
		}
	}
	for j := (i + 1) & mask; x.slots[j].g != 0; j = (j + 1) & mask {
		h := x.home(x.slots[j].k)
		// The entry at j may fill the hole at i unless its home lies
		// cyclically in (i, j].
		var stays bool
		if i <= j {
			stays = i < h && h <= j
		} else {
			stays = i < h || h <= j
		}
		if !stays {
			x.slots[i] = x.slots[j]
			i = j
		}
	}
	x.slots[i] = intSlot{}
	x.n--
}
