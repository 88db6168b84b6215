package operators

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// JoinKind is the kind of a hash join.
type JoinKind uint8

// The join kinds. Semi and anti joins output only the rows of their side;
// the other kinds output left ++ right (NULL-padded for outer rows).
const (
	JoinInner JoinKind = iota
	JoinLeftOuter
	JoinRightOuter
	JoinFullOuter
	JoinLeftSemi
	JoinLeftAnti
	JoinRightSemi
	JoinRightAnti
	// JoinNullAwareAnti is the left anti join of `a NOT IN (subquery)`.
	// The last pair of LeftKeys/RightKeys is the null-aware key (a, b);
	// the pairs before it are ordinary equality keys (correlation keys).
	// A left row l qualifies iff no right row r has the ordinary keys
	// equal, the residual condition true and (l.a = r.b OR l.a IS NULL OR
	// r.b IS NULL); this is exactly SQL's NOT IN: a NULL on the right of
	// the group disqualifies every left row of the group, and a left row
	// whose a is NULL qualifies only when its group is empty.
	JoinNullAwareAnti
)

var joinKindNames = [...]string{"inner", "left outer", "right outer", "full outer",
	"left semi", "left anti", "right semi", "right anti", "null-aware anti"}

// String returns the kind's name, as EXPLAIN prints it.
func (k JoinKind) String() string {
	if int(k) < len(joinKindNames) {
		return joinKindNames[k]
	}
	return fmt.Sprintf("JoinKind(%d)", k)
}

// NeedsDegree reports which sides of a join of this kind keep a degree
// table: the preserved side of an outer join, the output side of a semi or
// anti join.
func (k JoinKind) NeedsDegree() (left, right bool) {
	switch k {
	case JoinLeftOuter, JoinLeftSemi, JoinLeftAnti, JoinNullAwareAnti:
		return true, false
	case JoinRightOuter, JoinRightSemi, JoinRightAnti:
		return false, true
	case JoinFullOuter:
		return true, true
	}
	return false, false
}

// pairs reports whether the kind outputs joined left ++ right rows.
func (k JoinKind) pairs() bool { return k <= JoinFullOuter }

// HashJoinArgs configures a hash join. See docs/dev/contracts.md
// ("operators layouts: hash join") for the table layouts.
type HashJoinArgs struct {
	Kind                  JoinKind
	LeftTypes, RightTypes []types.Type
	LeftKeys, RightKeys   []int // equi-join key columns, pairwise
	// NullSafe marks keys compared with IS NOT DISTINCT FROM (NULL matches
	// NULL); nil means none. The null-aware key of JoinNullAwareAnti
	// ignores it.
	NullSafe []bool
	// Cond is the residual condition over left ++ right; nil means TRUE.
	// A pair matches only when it evaluates to TRUE.
	Cond expr.Expr
	Ctx  *expr.Context
	// Store holds the state tables.
	Store                   *state.Store
	LeftTable, RightTable   types.TableLayout
	LeftDegree, RightDegree types.TableLayout // zero value when the kind needs none
	// LeftStreamKey and RightStreamKey are the inputs' stream keys: unique
	// among the live rows of the input.
	LeftStreamKey, RightStreamKey []int
	// OutputCols optionally projects the natural output: left ++ right for
	// inner and outer joins, the left row for left semi/anti joins, the
	// right row for right semi/anti joins. nil = all columns.
	OutputCols []int
	// CacheRows bounds the rows each side caches in memory; 0 = default.
	CacheRows int
	// CleanLeft/CleanRight: interval-join state cleaning driven by the
	// other input's watermarks (nil = none); see JoinClean.
	CleanLeft, CleanRight *JoinClean
}

// JoinTableLayout returns the layout of one side's row table (ID and Name
// left zero): Cols = the side's row types, PK = the join keys followed by
// the stream key columns not already among them.
func JoinTableLayout(rowTypes []types.Type, keys, streamKey []int) types.TableLayout {
	return types.TableLayout{Cols: slices.Clone(rowTypes), PK: joinPK(keys, streamKey)}
}

// JoinDegreeLayout returns the layout of one side's degree table (ID and
// Name left zero): Cols = the types of the row table's PK columns, in PK
// order, then an Int64 degree; PK = all columns but the degree.
func JoinDegreeLayout(rowTypes []types.Type, keys, streamKey []int) types.TableLayout {
	pk := joinPK(keys, streamKey)
	l := types.TableLayout{Cols: make([]types.Type, 0, len(pk)+1), PK: make([]int, len(pk))}
	for i, c := range pk {
		l.Cols = append(l.Cols, rowTypes[c])
		l.PK[i] = i
	}
	l.Cols = append(l.Cols, types.Int64)
	return l
}

func joinPK(keys, streamKey []int) []int {
	pk := slices.Clone(keys)
	for _, c := range streamKey {
		if !slices.Contains(pk, c) {
			pk = append(pk, c)
		}
	}
	return pk
}

const (
	defaultJoinCacheRows = 1 << 20
	maxJoinOutRows       = 4096
)

// HashJoin is the incremental symmetric hash join of every kind.
//
// State tables: each side keeps its live rows in its row table (LeftTable,
// RightTable: the full row, keyed by join key ++ stream key), and the sides
// that need one keep a degree table (LeftDegree, RightDegree: same key,
// plus the row's degree = the number of rows of the other side it matches,
// keys and residual condition included). The preserved side of an outer
// join and the output side of a semi or anti join need degrees.
//
// Delta rule, for one change (row x with weight ±1) on side s, rows
// processed in order, each against the other side's current state:
//  1. M = rows of the other side whose keys equal x's (NULL never equals
//     unless NullSafe) and for which the residual condition is TRUE. For
//     JoinNullAwareAnti the last key matches when a = b, a IS NULL or b IS
//     NULL (found by looking up (…, a) and (…, NULL), or the whole group of
//     the other keys when x's value is NULL).
//  2. Inner/outer: emit x ⋈ m with x's op for each m in M. When the other
//     side is preserved, m's NULL-padded row is retracted as m's degree goes
//     0→1 and emitted again as it goes 1→0; when s is preserved and M is
//     empty, x's NULL-padded row is emitted with x's op.
//  3. Semi/anti with s the output side: x is emitted with its op when M is
//     non-empty (semi) or empty (anti). With the other side the output side,
//     each m is emitted (semi) or retracted (anti) as its degree goes 0→1,
//     and the reverse as it goes 1→0.
//  4. The degrees of M change by ±1, x's row is put or deleted in s's row
//     table, and x's degree (|M|) is put or deleted in s's degree table.
//
// Update pairs are processed as a delete and an insert; the output carries
// only Insert and Delete ops. Every write goes through to the state tables
// at once; the per-join-key cache of rows and degrees (bounded by
// CacheRows, trimmed at Push and Barrier) is a read cache, so an operator
// rebuilt over the same store continues exactly.
type HashJoin struct {
	Output
	kind     JoinKind
	nullSafe []bool
	cond     expr.Expr
	ctx      *expr.Context
	sides    [2]*joinSide
	nkeys    int
	outCols  []int
	outTypes []types.Type
	align    Aligner
	maxCache int

	out     *types.ChunkBuilder
	pair    types.Row // scratch: left ++ right
	proj    types.Row // scratch: projected output row
	keyBuf  []byte    // scratch: encoded join key
	keyRow  types.Row // scratch: join key values
	delRow  types.Row // scratch: a deleted input row
	matches []joinMatch

	wm        [2][]types.Datum // per port, per key: last watermark
	wmEmitted []types.Datum    // per key: last emitted watermark

	store *state.Store
	clean [2]*joinCleaner // interval-join cleaning per side (join_interval.go)
}

var _ Node = (*HashJoin)(nil)

type joinSide struct {
	types     []types.Type
	keys      []int
	pk        []int // row positions of the table's PK
	table     *state.Table
	degree    *state.Table // nil when the side keeps no degrees
	cache     map[string]*joinEntry
	cacheRows int
	scratch   types.Row // pkOf's result, plus room for a degree
}

// joinEntry caches every row of one side with one join key value, with
// their degrees when the side keeps them.
type joinEntry struct {
	rows []types.Row
	degs []int64
}

type joinMatch struct {
	e *joinEntry
	i int
}

// NewHashJoin returns a hash join. It checks the table layouts against the
// rule of JoinTableLayout and JoinDegreeLayout.
func NewHashJoin(a HashJoinArgs) (*HashJoin, error) {
	if len(a.LeftKeys) != len(a.RightKeys) {
		return nil, fmt.Errorf("hash join: %d left keys, %d right keys", len(a.LeftKeys), len(a.RightKeys))
	}
	if a.NullSafe != nil && len(a.NullSafe) != len(a.LeftKeys) {
		return nil, fmt.Errorf("hash join: %d null-safe flags for %d keys", len(a.NullSafe), len(a.LeftKeys))
	}
	if a.Kind > JoinNullAwareAnti {
		return nil, fmt.Errorf("hash join: bad kind %d", a.Kind)
	}
	if a.Kind == JoinNullAwareAnti && len(a.LeftKeys) == 0 {
		return nil, fmt.Errorf("hash join: null-aware anti join needs a key")
	}
	if a.Store == nil {
		return nil, fmt.Errorf("hash join: no state store")
	}
	j := &HashJoin{
		kind:     a.Kind,
		nullSafe: make([]bool, len(a.LeftKeys)),
		cond:     a.Cond,
		ctx:      a.Ctx,
		nkeys:    len(a.LeftKeys),
		align:    Aligner{Ports: 2},
		maxCache: a.CacheRows,
	}
	copy(j.nullSafe, a.NullSafe)
	if j.kind == JoinNullAwareAnti {
		j.nullSafe[j.nkeys-1] = false
	}
	if j.ctx == nil {
		j.ctx = &expr.Context{TimeZone: "UTC"}
	}
	if j.maxCache <= 0 {
		j.maxCache = defaultJoinCacheRows
	}
	ld, rd := a.Kind.NeedsDegree()
	var err error
	if j.sides[0], err = newJoinSide("left", a.Store, a.LeftTypes, a.LeftKeys, a.LeftStreamKey, a.LeftTable, a.LeftDegree, ld); err != nil {
		return nil, err
	}
	if j.sides[1], err = newJoinSide("right", a.Store, a.RightTypes, a.RightKeys, a.RightStreamKey, a.RightTable, a.RightDegree, rd); err != nil {
		return nil, err
	}

	var natural []types.Type
	switch {
	case a.Kind.pairs():
		natural = append(slices.Clone(a.LeftTypes), a.RightTypes...)
	case a.Kind == JoinRightSemi || a.Kind == JoinRightAnti:
		natural = slices.Clone(a.RightTypes)
	default:
		natural = slices.Clone(a.LeftTypes)
	}
	j.outTypes = natural
	if a.OutputCols != nil {
		j.outCols = slices.Clone(a.OutputCols)
		j.outTypes = make([]types.Type, len(a.OutputCols))
		for i, c := range a.OutputCols {
			if c < 0 || c >= len(natural) {
				return nil, fmt.Errorf("hash join: output column %d out of range", c)
			}
			j.outTypes[i] = natural[c]
		}
		j.proj = make(types.Row, len(a.OutputCols))
	}
	j.out = types.NewChunkBuilder(j.outTypes, 256)
	j.pair = make(types.Row, len(a.LeftTypes)+len(a.RightTypes))
	j.keyRow = make(types.Row, j.nkeys)
	j.wm = [2][]types.Datum{make([]types.Datum, j.nkeys), make([]types.Datum, j.nkeys)}
	j.wmEmitted = make([]types.Datum, j.nkeys)
	j.store = a.Store
	if err := j.initClean(a, a.LeftStreamKey, a.RightStreamKey); err != nil {
		return nil, err
	}
	return j, nil
}

func newJoinSide(name string, st *state.Store, ts []types.Type, keys, sk []int, tl, dl types.TableLayout, needDeg bool) (*joinSide, error) {
	for _, c := range append(slices.Clone(keys), sk...) {
		if c < 0 || c >= len(ts) {
			return nil, fmt.Errorf("hash join: %s column %d out of range", name, c)
		}
	}
	want := JoinTableLayout(ts, keys, sk)
	if !slices.Equal(tl.Cols, want.Cols) || !slices.Equal(tl.PK, want.PK) || slices.Contains(tl.Desc, true) {
		return nil, fmt.Errorf("hash join: %s table layout (cols %v, pk %v) does not match the rule (cols %v, pk %v, ascending)",
			name, tl.Cols, tl.PK, want.Cols, want.PK)
	}
	sd := &joinSide{types: ts, keys: slices.Clone(keys), pk: want.PK, table: st.Table(tl), cache: map[string]*joinEntry{}}
	if needDeg {
		want := JoinDegreeLayout(ts, keys, sk)
		if !slices.Equal(dl.Cols, want.Cols) || !slices.Equal(dl.PK, want.PK) || slices.Contains(dl.Desc, true) {
			return nil, fmt.Errorf("hash join: %s degree layout (cols %v, pk %v) does not match the rule (cols %v, pk %v, ascending)",
				name, dl.Cols, dl.PK, want.Cols, want.PK)
		}
		if dl.ID == tl.ID {
			return nil, fmt.Errorf("hash join: %s degree table shares the row table's id %d", name, tl.ID)
		}
		sd.degree = st.Table(dl)
	}
	return sd, nil
}

// Types returns the output column types.
func (j *HashJoin) Types() []types.Type { return j.outTypes }

// Push applies the changes of one input: port 0 is left, port 1 right.
func (j *HashJoin) Push(port int, c *types.Chunk) error {
	defer c.Release()
	if port != 0 && port != 1 {
		return fmt.Errorf("hash join: bad port %d", port)
	}
	for _, sd := range j.sides {
		sd.trim(j.maxCache)
	}
	n := c.NumRows()
	if cap(j.delRow) < len(c.Cols) {
		j.delRow = make(types.Row, len(c.Cols))
	}
	for i := 0; i < n; i++ {
		insert := c.Ops[i].IsInsert()
		var x types.Row
		if insert {
			x = make(types.Row, len(c.Cols)) // kept by the cache
		} else {
			x = j.delRow[:len(c.Cols)] // a deleted row is not kept
		}
		for col, a := range c.Cols {
			x[col] = types.DatumAt(a, c.Types[col], i)
		}
		if err := j.apply(port, insert, x); err != nil {
			return err
		}
		if j.out.Len() >= maxJoinOutRows {
			if err := j.Emit(j.out.Build()); err != nil {
				return err
			}
		}
	}
	if j.out.Len() > 0 {
		return j.Emit(j.out.Build())
	}
	return nil
}

// Barrier forwards the barrier once it has arrived on both inputs.
func (j *HashJoin) Barrier(_ int, b Barrier) error {
	if !j.align.Arrive() {
		return nil
	}
	for _, sd := range j.sides {
		sd.trim(j.maxCache)
	}
	return j.EmitBarrier(b)
}

// Watermark forwards, for a join key, the minimum of the two inputs'
// watermarks on it, on the output columns of that key. Watermarks on other
// columns, and on the null-aware key, are dropped.
func (j *HashJoin) Watermark(port int, w Watermark) error {
	if port != 0 && port != 1 {
		return fmt.Errorf("hash join: bad port %d", port)
	}
	if err := j.cleanOnWatermark(port, w); err != nil {
		return err
	}
	k := slices.Index(j.sides[port].keys, w.Col)
	if k < 0 || w.Value == nil || (j.kind == JoinNullAwareAnti && k == j.nkeys-1) {
		return nil
	}
	if cur := j.wm[port][k]; cur != nil && types.Compare(cur, w.Value) >= 0 {
		return nil
	}
	j.wm[port][k] = w.Value
	l, r := j.wm[0][k], j.wm[1][k]
	if l == nil || r == nil {
		return nil
	}
	m := l
	if types.Compare(r, l) < 0 {
		m = r
	}
	if e := j.wmEmitted[k]; e != nil && types.Compare(e, m) >= 0 {
		return nil
	}
	j.wmEmitted[k] = m
	var natural []int
	nl := len(j.sides[0].types)
	switch {
	case j.kind.pairs():
		natural = []int{j.sides[0].keys[k], nl + j.sides[1].keys[k]}
	case j.kind == JoinRightSemi || j.kind == JoinRightAnti:
		natural = []int{j.sides[1].keys[k]}
	default:
		natural = []int{j.sides[0].keys[k]}
	}
	for _, nc := range natural {
		if j.outCols == nil {
			if err := j.EmitWatermark(Watermark{Col: nc, Value: m}); err != nil {
				return err
			}
			continue
		}
		for oc, c := range j.outCols {
			if c == nc {
				if err := j.EmitWatermark(Watermark{Col: oc, Value: m}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// preserved reports whether side s is an outer side whose unmatched rows
// are NULL-padded.
func (j *HashJoin) preserved(s int) bool {
	switch j.kind {
	case JoinFullOuter:
		return true
	case JoinLeftOuter:
		return s == 0
	case JoinRightOuter:
		return s == 1
	}
	return false
}

// semiSide returns the output side of a semi or anti join (-1 otherwise)
// and whether the join is an anti join.
func (j *HashJoin) semiSide() (side int, anti bool) {
	switch j.kind {
	case JoinLeftSemi:
		return 0, false
	case JoinLeftAnti, JoinNullAwareAnti:
		return 0, true
	case JoinRightSemi:
		return 1, false
	case JoinRightAnti:
		return 1, true
	}
	return -1, false
}

// apply processes one change of side s.
func (j *HashJoin) apply(s int, insert bool, x types.Row) error {
	self, other := j.sides[s], j.sides[1-s]
	op, w := types.Insert, int64(1)
	if !insert {
		op, w = types.Delete, -1
	}
	if err := j.findMatches(s, x); err != nil {
		return err
	}
	ms := j.matches

	if j.kind.pairs() {
		otherPres := j.preserved(1 - s)
		for _, m := range ms {
			mr := m.e.rows[m.i]
			if otherPres && insert && m.e.degs[m.i] == 0 {
				j.emitPadded(1-s, types.Delete, mr)
			}
			j.emitPair(s, op, x, mr)
			if otherPres && !insert && m.e.degs[m.i] == 1 {
				j.emitPadded(1-s, types.Insert, mr)
			}
		}
		if j.preserved(s) && len(ms) == 0 {
			j.emitPadded(s, op, x)
		}
	} else {
		side, anti := j.semiSide()
		if side == s {
			if (len(ms) > 0) != anti {
				j.emitRow(op, x)
			}
		} else {
			for _, m := range ms {
				d := m.e.degs[m.i]
				switch {
				case d == 0 && insert:
					j.emitRow(j.semiOp(anti, true), m.e.rows[m.i])
				case d == 1 && !insert:
					j.emitRow(j.semiOp(anti, false), m.e.rows[m.i])
				}
			}
		}
	}

	if other.degree != nil {
		for _, m := range ms {
			m.e.degs[m.i] += w
			other.putDegree(m.e.rows[m.i], m.e.degs[m.i])
		}
	}

	// s's own state.
	j.indexRow(s, insert, x)
	e := self.cached(j.encodeKey(x, self.keys, j.nkeys))
	if insert {
		self.table.Put(x)
		if self.degree != nil {
			self.putDegree(x, int64(len(ms)))
		}
		if e != nil {
			e.rows = append(e.rows, x)
			if self.degree != nil {
				e.degs = append(e.degs, int64(len(ms)))
			}
			self.cacheRows++
		}
		return nil
	}
	pk := self.pkOf(x)
	self.table.Delete(pk)
	if self.degree != nil {
		self.degree.Delete(pk)
	}
	if e != nil {
		for i, r := range e.rows {
			if pkEqual(r, x, self.pk) {
				last := len(e.rows) - 1
				e.rows[i] = e.rows[last]
				e.rows[last] = nil
				e.rows = e.rows[:last]
				if self.degree != nil {
					e.degs[i] = e.degs[last]
					e.degs = e.degs[:last]
				}
				self.cacheRows--
				break
			}
		}
	}
	return nil
}

// semiOp is the op a semi/anti output row gets as its degree leaves 0
// (rising) or returns to 0.
func (j *HashJoin) semiOp(anti, rising bool) types.Op {
	if anti == rising {
		return types.Delete
	}
	return types.Insert
}

// findMatches fills j.matches with the rows of the other side that match
// x, a row of side s.
func (j *HashJoin) findMatches(s int, x types.Row) error {
	j.matches = j.matches[:0]
	self, other := j.sides[s], j.sides[1-s]
	n := j.nkeys
	for k := 0; k < n; k++ {
		if x[self.keys[k]] == nil && !j.nullSafe[k] && !(j.kind == JoinNullAwareAnti && k == n-1) {
			return nil // a NULL key matches nothing
		}
	}
	if j.kind != JoinNullAwareAnti {
		e, err := other.entry(j, j.keyValues(x, self.keys, n))
		if err != nil {
			return err
		}
		return j.addMatches(s, x, e)
	}
	// Null-aware: with a NULL a, every row of the group matches; otherwise
	// the rows with b = a and the rows with b NULL.
	if x[self.keys[n-1]] == nil {
		var groups []types.Row
		var last types.Row
		err := other.table.Scan(j.keyValues(x, self.keys, n-1), func(r types.Row) bool {
			k := r.Project(other.keys)
			if last == nil || !types.RowsEqual(k, last) {
				groups = append(groups, k)
				last = k
			}
			return true
		})
		if err != nil {
			return err
		}
		for _, g := range groups {
			e, err := other.entry(j, g)
			if err != nil {
				return err
			}
			if err := j.addMatches(s, x, e); err != nil {
				return err
			}
		}
		return nil
	}
	e, err := other.entry(j, j.keyValues(x, self.keys, n))
	if err != nil {
		return err
	}
	if err := j.addMatches(s, x, e); err != nil {
		return err
	}
	kv := j.keyValues(x, self.keys, n)
	kv[n-1] = nil
	if e, err = other.entry(j, kv); err != nil {
		return err
	}
	return j.addMatches(s, x, e)
}

// addMatches appends the rows of e for which the residual condition holds.
func (j *HashJoin) addMatches(s int, x types.Row, e *joinEntry) error {
	for i, r := range e.rows {
		ok, err := j.condHolds(s, x, r)
		if err != nil {
			return err
		}
		if ok {
			j.matches = append(j.matches, joinMatch{e, i})
		}
	}
	return nil
}

func (j *HashJoin) condHolds(s int, x, r types.Row) (bool, error) {
	if j.cond == nil {
		return true, nil
	}
	j.fillPair(s, x, r)
	d, err := j.cond.EvalRow(j.ctx, j.pair)
	if err != nil {
		return false, err
	}
	b, _ := d.(bool)
	return b, nil
}

// fillPair sets j.pair to x ++ r when s is left, r ++ x when s is right;
// a nil row stands for NULLs.
func (j *HashJoin) fillPair(s int, x, r types.Row) {
	nl := len(j.sides[0].types)
	l, rr := x, r
	if s == 1 {
		l, rr = r, x
	}
	left, right := j.pair[:nl], j.pair[nl:]
	if l == nil {
		clear(left)
	} else {
		copy(left, l)
	}
	if rr == nil {
		clear(right)
	} else {
		copy(right, rr)
	}
}

func (j *HashJoin) emitPair(s int, op types.Op, x, r types.Row) {
	j.fillPair(s, x, r)
	j.emitRow(op, j.pair)
}

// emitPadded emits row x of side s padded with NULLs for the other side.
func (j *HashJoin) emitPadded(s int, op types.Op, x types.Row) {
	j.fillPair(s, x, nil)
	j.emitRow(op, j.pair)
}

// emitRow appends a natural output row, projected by OutputCols.
func (j *HashJoin) emitRow(op types.Op, r types.Row) {
	if j.outCols != nil {
		for i, c := range j.outCols {
			j.proj[i] = r[c]
		}
		r = j.proj
	}
	j.out.Append(op, r)
}

// keyValues returns the first n join key values of x in the scratch row.
func (j *HashJoin) keyValues(x types.Row, keys []int, n int) types.Row {
	kv := j.keyRow[:n]
	for i := range kv {
		kv[i] = x[keys[i]]
	}
	return kv
}

// encodeKey encodes the first n join key values of x into the scratch
// buffer.
func (j *HashJoin) encodeKey(x types.Row, keys []int, n int) []byte {
	b := j.keyBuf[:0]
	for i := 0; i < n; i++ {
		b = appendKeyDatum(b, x[keys[i]])
	}
	j.keyBuf = b
	return b
}

// entry returns the cached rows of the side with join key kv, loading them
// from the state tables on a miss.
func (sd *joinSide) entry(j *HashJoin, kv types.Row) (*joinEntry, error) {
	b := j.keyBuf[:0]
	for _, d := range kv {
		b = appendKeyDatum(b, d)
	}
	j.keyBuf = b
	if e, ok := sd.cache[string(b)]; ok {
		return e, nil
	}
	e := &joinEntry{}
	err := sd.table.Scan(kv, func(r types.Row) bool {
		e.rows = append(e.rows, r)
		return true
	})
	if err != nil {
		return nil, err
	}
	if sd.degree != nil {
		e.degs = make([]int64, 0, len(e.rows))
		var bad error
		err := sd.degree.Scan(kv, func(r types.Row) bool {
			d, ok := r[len(r)-1].(int64)
			if !ok {
				bad = fmt.Errorf("hash join: bad degree %v", r[len(r)-1])
				return false
			}
			e.degs = append(e.degs, d)
			return true
		})
		if err != nil {
			return nil, err
		}
		if bad != nil {
			return nil, bad
		}
		if len(e.degs) != len(e.rows) {
			return nil, fmt.Errorf("hash join: %d rows but %d degrees for key %v", len(e.rows), len(e.degs), kv)
		}
	}
	sd.cache[string(b)] = e
	sd.cacheRows += len(e.rows)
	return e, nil
}

// cached returns the cached entry for an encoded key, or nil.
func (sd *joinSide) cached(key []byte) *joinEntry { return sd.cache[string(key)] }

// pkOf returns the table key of row r, in a scratch row (state tables
// encode rows at once, so it may be reused).
func (sd *joinSide) pkOf(r types.Row) types.Row {
	if sd.scratch == nil {
		sd.scratch = make(types.Row, len(sd.pk)+1)
	}
	pk := sd.scratch[:len(sd.pk)]
	for i, c := range sd.pk {
		pk[i] = r[c]
	}
	return pk
}

// putDegree writes row r's degree.
func (sd *joinSide) putDegree(r types.Row, d int64) {
	row := sd.pkOf(r)[:len(sd.pk)+1]
	row[len(sd.pk)] = d
	sd.degree.Put(row)
}

// trim evicts about half of the cached entries when the cache holds more
// than max rows. Entries are only read caches, so any may go.
func (sd *joinSide) trim(max int) {
	if sd.cacheRows <= max {
		return
	}
	target := max / 2
	for k, e := range sd.cache {
		if sd.cacheRows <= target {
			break
		}
		sd.cacheRows -= len(e.rows)
		delete(sd.cache, k)
	}
}

// pkEqual reports whether rows a and b agree on the columns pk.
func pkEqual(a, b types.Row, pk []int) bool {
	for _, c := range pk {
		if !types.Equal(a[c], b[c]) {
			return false
		}
	}
	return true
}

// appendKeyDatum appends a cache-key encoding of d: datums that
// types.Equal calls equal encode alike (NULL included, as its own value).
func appendKeyDatum(b []byte, d types.Datum) []byte {
	switch x := d.(type) {
	case nil:
		return append(b, 0)
	case bool:
		if x {
			return append(b, 1, 1)
		}
		return append(b, 1, 0)
	case int64:
		return binary.BigEndian.AppendUint64(append(b, 2), uint64(x))
	case float64:
		switch {
		case math.IsNaN(x):
			return append(b, 3, 0xff)
		case x == math.Trunc(x) && math.Abs(x) < 1<<62:
			return binary.BigEndian.AppendUint64(append(b, 2), uint64(int64(x))) // equal to the int64
		}
		return binary.BigEndian.AppendUint64(append(b, 3, 0), math.Float64bits(x))
	case string:
		return append(binary.AppendUvarint(append(b, 4), uint64(len(x))), x...)
	case []byte:
		return append(binary.AppendUvarint(append(b, 5), uint64(len(x))), x...)
	case *apd.Decimal:
		var r apd.Decimal
		r.Reduce(x)
		s := r.Text('f')
		if r.IsZero() {
			s = "0"
		}
		return append(binary.AppendUvarint(append(b, 6), uint64(len(s))), s...)
	case types.Date:
		return binary.BigEndian.AppendUint64(append(b, 7), uint64(x))
	case types.Time:
		return binary.BigEndian.AppendUint64(append(b, 8), uint64(x))
	case types.Timestamp:
		return binary.BigEndian.AppendUint64(append(b, 9), uint64(x))
	case types.Timestamptz:
		return binary.BigEndian.AppendUint64(append(b, 10), uint64(x))
	case types.Interval:
		return binary.BigEndian.AppendUint64(append(b, 11), uint64(x.Duration()))
	case types.JSONB:
		return append(binary.AppendUvarint(append(b, 12), uint64(len(x))), x...)
	case types.Array:
		b = binary.AppendUvarint(append(b, 13), uint64(len(x)))
		for _, e := range x {
			b = appendKeyDatum(b, e)
		}
		return b
	}
	s := fmt.Sprintf("%T:%v", d, d)
	return append(binary.AppendUvarint(append(b, 255), uint64(len(s))), s...)
}
