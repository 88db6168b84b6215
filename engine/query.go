package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

func (e *Engine) tempAlloc() uint32 { return e.tempID.Add(1) }

func (e *Engine) execQuery(ctx context.Context, s *Session, q *parser.Query) (*Result, error) {
	if r, ok, err := e.fastPointQuery(q); ok && !noFastPaths {
		fastPointQueries.Add(1)
		return r, err
	}
	plan, err := planner.PlanQuery(catalogView{e}, q, e.tempAlloc)
	if err != nil {
		return nil, err
	}
	rows, err := e.runQueryPlan(ctx, s, plan)
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "SELECT " + strconv.Itoa(len(rows)), Columns: visibleColumns(plan.Schema), Rows: rows}, nil
}

func visibleColumns(s types.Schema) []types.Column {
	var out []types.Column
	for _, c := range s {
		if !c.Hidden {
			out = append(out, c)
		}
	}
	return out
}

// statementContext is the evaluation context of a statement: NOW() is the
// engine clock's time, the time zone the session's.
func (e *Engine) statementContext(s *Session) *expr.Context {
	return &expr.Context{Now: types.Timestamptz(e.clock().UnixMicro()), TimeZone: s.TimeZone(), Catalog: &stmtCatalog{e: e, s: s}}
}

// runQueryPlan answers a query plan from a snapshot of the last visible
// epoch, on the caller's goroutine: a primary-key Get for point lookups,
// otherwise a one-shot dataflow fed with the snapshot rows of every scanned
// relation and one barrier. The result is consolidated, ordered, cut by
// OFFSET/LIMIT and trimmed to the visible columns.
func (e *Engine) runQueryPlan(ctx context.Context, s *Session, plan *planner.QueryPlan) ([]types.Row, error) {
	ectx := e.statementContext(s)
	width := len(plan.Schema)

	if pl := plan.PointLookup; pl != nil && pl.Relation.Kind != planner.RelSystem {
		ss := e.acquireSnapshot()
		row, ok, err := ss.snap.Get(pl.Relation.Layout, pl.Key)
		ss.release()
		if err != nil || !ok {
			return nil, err
		}
		if pl.Filter != nil {
			v, err := pl.Filter.EvalRow(ectx, row)
			if err != nil {
				return nil, err
			}
			if b, _ := v.(bool); !b {
				return nil, nil
			}
		}
		out := make(types.Row, len(pl.Project))
		for i, p := range pl.Project {
			if out[i], err = p.EvalRow(ectx, row); err != nil {
				return nil, err
			}
		}
		if plan.Offset > 0 || plan.Limit == 0 {
			return nil, nil
		}
		return []types.Row{out[:min(width, len(out))]}, nil
	}

	snap := e.store.Snapshot(e.visible.Load())
	defer snap.Release()
	var store *state.Store
	if len(plan.Tables) > 0 {
		var err error
		if store, err = e.temp(); err != nil {
			return nil, err
		}
		defer func() {
			for _, t := range plan.Tables {
				_ = store.DropTable(t.ID)
			}
		}()
	}
	b := newBuilder(store, ectx, false)
	root, err := b.build(plan.Root)
	if err != nil {
		return nil, err
	}
	col := &operators.Collector{}
	root.Connect(col, 0)
	for _, l := range b.leaves {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if rows, ok := e.engineRows(l.rel); ok {
			if err := pushRows(l.node, l.layout.Cols, rows); err != nil {
				return nil, err
			}
			continue
		}
		if sys, ok := e.systemRows(s, l.rel); ok {
			if err := pushRows(l.node, l.layout.Cols, sys); err != nil {
				return nil, err
			}
			continue
		}
		var batch []types.Row
		var pushErr error
		scanned := 0
		from, past := keyRangeScan(l)
		err := scanLeaf(snap, l, from, func(r types.Row) bool {
			if past != nil && past(r) {
				return false
			}
			batch = append(batch, r)
			if len(batch) == chunkRows {
				pushErr = pushRows(l.node, l.layout.Cols, batch)
				batch = batch[:0:0]
			}
			if scanned++; scanned%4096 == 0 && pushErr == nil {
				pushErr = ctx.Err() // a canceled statement stops scanning
			}
			return pushErr == nil
		})
		if err == nil {
			err = pushErr
		}
		if err == nil {
			err = pushRows(l.node, l.layout.Cols, batch)
		}
		if err != nil {
			return nil, err
		}
	}
	bar := operators.Barrier{Epoch: 1, Now: ectx.Now}
	for _, l := range b.leaves {
		if err := l.node.Barrier(0, bar); err != nil {
			return nil, err
		}
	}
	for _, src := range b.sources {
		if err := src.Barrier(0, bar); err != nil {
			return nil, err
		}
	}
	ops, changes := col.Take()
	rows := consolidate(ops, changes)
	if len(plan.OrderBy) > 0 {
		sortRows(rows, plan.OrderBy)
	}
	if plan.Offset > 0 {
		if int(plan.Offset) >= len(rows) {
			rows = nil
		} else {
			rows = rows[plan.Offset:]
		}
	}
	if plan.Limit >= 0 && int(plan.Limit) < len(rows) {
		rows = rows[:plan.Limit]
	}
	for i, r := range rows {
		if len(r) > width {
			rows[i] = r[:width:width]
		}
	}
	return rows, nil
}

// keyRangeScan returns where a leaf's scan starts (nil: at its prefix) and
// the test of a row past its range (nil: none). The key column after the
// prefix sorts NULLs last when ascending and first when descending.
func keyRangeScan(l leaf) (types.Row, func(types.Row) bool) {
	r := l.rng
	if r == nil {
		return nil, nil
	}
	k := len(l.prefix)
	col := l.layout.PK[k]
	desc := k < len(l.layout.Desc) && l.layout.Desc[k]
	start, stop := r.Lo, r.Hi
	if desc {
		start, stop = r.Hi, r.Lo
	}
	var from types.Row
	if start != nil {
		from = append(append(types.Row(nil), l.prefix...), start)
	}
	past := func(row types.Row) bool {
		v := row[col]
		if v == nil {
			return !desc // ascending: the NULLs come after every value
		}
		if stop == nil {
			return false
		}
		c := types.Compare(v, stop)
		return desc && c < 0 || !desc && c > 0
	}
	return from, past
}

// scanLeaf reads a leaf's rows at the snapshot: those with its key prefix,
// from the key from when set.
func scanLeaf(snap *state.Snapshot, l leaf, from types.Row, fn func(types.Row) bool) error {
	if from != nil {
		return snap.ScanFrom(l.layout, l.prefix, from, fn)
	}
	return snap.Scan(l.layout, l.prefix, fn)
}

// consolidate sums the weights of equal rows and returns each row with a
// positive weight that many times, in order of first appearance.
func consolidate(ops []types.Op, rows []types.Row) []types.Row {
	type acc struct {
		row types.Row
		w   int64
		at  int
	}
	m := make(map[string]*acc, len(rows))
	var order []*acc
	var kb strings.Builder
	for i, r := range rows {
		kb.Reset()
		rowKey(&kb, r)
		k := kb.String()
		a := m[k]
		if a == nil {
			a = &acc{row: r, at: len(order)}
			m[k] = a
			order = append(order, a)
		}
		a.w += ops[i].Weight()
	}
	var out []types.Row
	for _, a := range order {
		for j := int64(0); j < a.w; j++ {
			out = append(out, a.row)
		}
	}
	return out
}

// rowKey writes a string that equal rows (by types.Equal, NULLs equal)
// share.
func rowKey(b *strings.Builder, r types.Row) {
	for _, d := range r {
		switch x := d.(type) {
		case nil:
			b.WriteString("\x00N")
		case float64:
			fmt.Fprintf(b, "\x00f%v", x)
		default:
			fmt.Fprintf(b, "\x00%T:", d)
			b.WriteString(types.FormatText(d))
		}
	}
}

// sortRows sorts stably by the keys, with Postgres NULL ordering: NULLs
// sort as larger than every value (last ascending, first descending) unless
// the key says otherwise.
func sortRows(rows []types.Row, keys []expr.SortKey) {
	sort.SliceStable(rows, func(i, j int) bool {
		for _, k := range keys {
			a, b := rows[i][k.Col], rows[j][k.Col]
			c := compareNulls(a, b, k.Desc, k.NullsFirst)
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
}

// compareNulls compares for ordering; NULLs go where nullsFirst says.
func compareNulls(a, b types.Datum, desc, nullsFirst bool) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		if nullsFirst {
			return -1
		}
		return 1
	case b == nil:
		if nullsFirst {
			return 1
		}
		return -1
	}
	c := types.Compare(a, b)
	if desc {
		c = -c
	}
	return c
}

// fastPointQuery answers SELECT cols FROM rel WHERE pk = const [AND …]
// (planner.RecognizePointQuery) with one state read at the visible epoch:
// no binding, no optimizer. ok is false when the query is not exactly that
// (a column that is not there, a condition that is not on the whole
// primary key, a constant that needs more than a trivial conversion, a
// relation without storage …); the caller then plans it as usual, which
// also reports any error.
func (e *Engine) fastPointQuery(q *parser.Query) (*Result, bool, error) {
	pq, ok := planner.RecognizePointQuery(q)
	if !ok {
		return nil, false, nil
	}
	o := e.lookup(pq.Relation)
	if o == nil || o.rel == nil || (o.Kind != KindTable && o.Kind != KindMView) {
		return nil, false, nil
	}
	rel := o.rel
	if (rel.Kind != planner.RelTable && rel.Kind != planner.RelMView) || len(rel.PK) == 0 || len(pq.Conds) != len(rel.PK) {
		return nil, false, nil
	}
	var set [4]bool
	if len(rel.PK) > len(set) {
		return nil, false, nil
	}
	key := make(types.Row, len(rel.PK))
	for _, c := range pq.Conds {
		i := rel.Schema.Index(c.Column)
		if i < 0 || rel.Schema[i].Hidden {
			return nil, false, nil
		}
		k := slices.Index(rel.PK, i)
		if k < 0 || set[k] {
			return nil, false, nil
		}
		v, ok := pointKeyValue(c.Value, rel.Schema[i].Type)
		if !ok {
			return nil, false, nil
		}
		key[k], set[k] = v, true
	}
	pp := e.pointProjection(rel, pq)
	if pp == nil {
		return nil, false, nil
	}
	snap := e.acquireSnapshot()
	row, found, err := snap.snap.Get(rel.Layout, key)
	snap.release()
	if err != nil {
		return nil, true, err
	}
	res := &Result{Tag: "SELECT 0", Columns: pp.cols}
	if found {
		out := make(types.Row, len(pp.cols))
		for i, c := range pp.src {
			out[i] = row[c]
		}
		res.Tag, res.Rows = "SELECT 1", []types.Row{out}
	}
	return res, true, nil
}

// pointKeyValue converts the constant of a `pk = const` condition to the
// key column's type when the conversion is trivial and exactly what the
// planner would do (an integer literal that fits the integer column, a
// string literal for a varchar column, a boolean); ok is false otherwise.
func pointKeyValue(l *parser.Literal, t types.Type) (types.Datum, bool) {
	switch l.Kind {
	case parser.LitInteger:
		switch t.Kind {
		case types.KindInt64:
			// An integer literal beyond int32 binds as bigint; either way it
			// compares with a bigint column as bigint.
			return l.Int, true
		case types.KindInt32:
			return l.Int, l.Int >= math.MinInt32 && l.Int <= math.MaxInt32
		case types.KindInt16:
			return l.Int, l.Int >= math.MinInt16 && l.Int <= math.MaxInt16
		}
	case parser.LitString:
		if t.Kind == types.KindVarchar {
			return l.Text, true
		}
	case parser.LitBool:
		if t.Kind == types.KindBool {
			return l.Bool, true
		}
	}
	return nil, false
}

// pointProjection is the resolved select list of a recognised point query:
// the result columns and the relation column each one reads.
type pointProjection struct {
	cols []types.Column
	src  []int
}

// pointProjections caches resolved select lists per relation (a new
// *planner.Relation after DDL makes old entries unreachable) and select
// list text.
type pointProjKey struct {
	rel   *planner.Relation
	items string
}

var pointProjections sync.Map // pointProjKey → *pointProjection

func (e *Engine) pointProjection(rel *planner.Relation, pq *planner.PointQuery) *pointProjection {
	var kb strings.Builder
	for _, it := range pq.Items {
		if it.Star {
			kb.WriteString("*\x00")
			continue
		}
		kb.WriteString(it.Column)
		kb.WriteByte(0)
		kb.WriteString(it.Name)
		kb.WriteByte(0)
	}
	k := pointProjKey{rel, kb.String()}
	if p, ok := pointProjections.Load(k); ok {
		return p.(*pointProjection)
	}
	p := &pointProjection{}
	for _, it := range pq.Items {
		if it.Star {
			for i, c := range rel.Schema {
				if !c.Hidden {
					p.cols = append(p.cols, c)
					p.src = append(p.src, i)
				}
			}
			continue
		}
		i := rel.Schema.Index(it.Column)
		if i < 0 || rel.Schema[i].Hidden {
			return nil
		}
		p.cols = append(p.cols, types.Column{Name: it.Name, Type: rel.Schema[i].Type, Mod: rel.Schema[i].Mod})
		p.src = append(p.src, i)
	}
	if countPointProjections.Add(1) > maxPointProjections {
		pointProjections.Clear()
		countPointProjections.Store(0)
	}
	pointProjections.Store(k, p)
	return p
}

const maxPointProjections = 4096

var countPointProjections atomic.Int64

// sharedSnapshot is a state snapshot of one visible epoch shared by the
// point queries of that epoch; it is released when the last user and the
// cache are done with it.
type sharedSnapshot struct {
	snap  *state.Snapshot
	epoch uint64
	refs  atomic.Int64
}

func (s *sharedSnapshot) release() {
	if s.refs.Add(-1) == 0 {
		s.snap.Release()
	}
}

// snapshotCache holds the shared snapshot of the current visible epoch.
type snapshotCache struct {
	mu  sync.Mutex
	cur *sharedSnapshot
}

// acquireSnapshot returns the shared snapshot of the visible epoch; the
// caller releases it.
func (e *Engine) acquireSnapshot() *sharedSnapshot {
	ep := e.visible.Load()
	c := &e.snaps
	c.mu.Lock()
	if c.cur == nil || c.cur.epoch != ep {
		if c.cur != nil {
			c.cur.release()
		}
		c.cur = &sharedSnapshot{snap: e.store.Snapshot(ep), epoch: ep}
		c.cur.refs.Store(1)
	}
	s := c.cur
	s.refs.Add(1)
	c.mu.Unlock()
	return s
}

// invalidate drops the cache's reference (a new epoch is visible, or the
// engine closes), so that the snapshot does not pin committed layers.
func (c *snapshotCache) invalidate() {
	c.mu.Lock()
	if c.cur != nil {
		c.cur.release()
		c.cur = nil
	}
	c.mu.Unlock()
}
