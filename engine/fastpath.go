package engine

import (
	"context"
	"math"
	"strconv"
	"sync"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/types"
)

// pointTemplate is a cached point-lookup plan: the key values come from
// parameters, everything else from the plan.
type pointTemplate struct {
	rel      *planner.Relation
	keyParam []int // key position → parameter index
	plan     *planner.QueryPlan
	cols     []types.Column
	// direct holds, when the plan has no residual filter and projects
	// plain columns only, the relation column of each output column: the
	// answer is then copied from the stored row without evaluation.
	direct []int
}

func newPointTemplate(pl *planner.PointLookup, keyParam []int, plan *planner.QueryPlan) *pointTemplate {
	t := &pointTemplate{rel: pl.Relation, keyParam: keyParam, plan: plan, cols: visibleColumns(plan.Schema)}
	if pl.Filter != nil {
		return t
	}
	direct := make([]int, 0, len(pl.Project))
	for _, p := range pl.Project {
		c, ok := p.(*expr.ColumnRef)
		if !ok || c.Index < 0 || c.Index >= len(pl.Relation.Schema) {
			return t
		}
		direct = append(direct, c.Index)
	}
	if len(direct) > len(plan.Schema) {
		direct = direct[:len(plan.Schema)]
	}
	t.direct = direct
	return t
}

// LookupParams answers sql from the point-lookup template that an earlier
// ExecParams of the same text and parameter types cached, without
// parsing, planning or starting anything: one state read at the visible
// epoch. ok is false when there is no such template or it no longer
// applies (the relation was replaced, a NULL key); the caller then runs
// ExecParams, which also reports errors the same way. The lookup does not
// block, so it takes no context.
func (e *Engine) LookupParams(s *Session, sql string, params []types.Datum, paramTypes []types.Type) (*Result, bool, error) {
	if e.closed.Load() || noFastPaths {
		return nil, false, nil
	}
	t, ok := e.pointCache().get(sql, paramTypes)
	if !ok {
		return nil, false, nil
	}
	r, ok, err := e.runTemplate(context.Background(), s, t, params, paramTypes)
	if !ok && err == nil {
		return nil, false, nil
	}
	paramQueries.Add(1)
	cachedLookups.Add(1)
	if err != nil {
		return nil, true, toSQLError(err)
	}
	return r, true, nil
}

// oneRowResult is a Result with room for its one row, allocated at once.
type oneRowResult struct {
	r    Result
	rows [1]types.Row
}

// runTemplate answers a cached point lookup; ok is false when the template
// no longer applies (the relation changed, a NULL key).
func (e *Engine) runTemplate(ctx context.Context, s *Session, t *pointTemplate, params []types.Datum, paramTypes []types.Type) (*Result, bool, error) {
	if len(params) != len(t.keyParam) {
		return nil, false, nil
	}
	if !e.templateCurrent(t) {
		return nil, false, nil
	}
	var keyBuf [4]types.Datum
	key := types.Row(keyBuf[:0])
	if len(t.keyParam) > len(keyBuf) {
		key = make(types.Row, 0, len(t.keyParam))
	}
	for i, j := range t.keyParam {
		kt := t.rel.Schema[t.rel.PK[i]].Type
		v, ok := sameTypeKey(params[j], paramType(paramTypes, j), kt)
		if !ok {
			var err error
			if v, err = castParam(params[j], paramType(paramTypes, j), kt); err != nil {
				return nil, true, err
			}
		}
		if v == nil {
			return nil, false, nil
		}
		key = append(key, v)
	}
	if err := ctx.Err(); err != nil {
		return nil, true, err
	}
	if t.direct == nil {
		pl := *t.plan.PointLookup
		pl.Key = append(types.Row(nil), key...)
		plan := *t.plan
		plan.PointLookup = &pl
		rows, err := e.runQueryPlan(ctx, s, &plan)
		if err != nil {
			return nil, true, err
		}
		return &Result{Tag: selectTag(len(rows)), Columns: t.cols, Rows: rows}, true, nil
	}
	ss := e.acquireSnapshot()
	row, found, err := ss.snap.Get(t.rel.Layout, key)
	ss.release()
	if err != nil {
		return nil, true, err
	}
	if !found || t.plan.Limit == 0 || t.plan.Offset > 0 {
		return &Result{Tag: "SELECT 0", Columns: t.cols}, true, nil
	}
	out := make(types.Row, len(t.direct))
	for i, c := range t.direct {
		if c < len(row) {
			out[i] = row[c]
		}
	}
	res := &oneRowResult{r: Result{Tag: "SELECT 1", Columns: t.cols}}
	res.rows[0] = out
	res.r.Rows = res.rows[:]
	return &res.r, true, nil
}

// sameTypeKey returns d as the key value when it already is one of type
// kt: a parameter of the key's own type (an integer within the column's
// range, or a string for varchar). ok is false when castParam has to
// decide.
func sameTypeKey(d types.Datum, from, kt types.Type) (types.Datum, bool) {
	if from != kt {
		return nil, false
	}
	switch x := d.(type) {
	case int64:
		switch kt.Kind {
		case types.KindInt64:
			return d, true
		case types.KindInt32:
			return d, x >= math.MinInt32 && x <= math.MaxInt32
		case types.KindInt16:
			return d, x >= math.MinInt16 && x <= math.MaxInt16
		}
	case string:
		return d, kt.Kind == types.KindVarchar
	}
	return nil, false
}

// templateCurrent reports whether t's relation is still the catalog's.
func (e *Engine) templateCurrent(t *pointTemplate) bool {
	e.catMu.RLock()
	o := e.objects[t.rel.Name]
	e.catMu.RUnlock()
	if o != nil && o.rel == t.rel {
		return true
	}
	rel, _ := (catalogView{e}).Relation(t.rel.Name)
	return rel == t.rel
}

// selectTag is the command tag of a query that returned n rows.
func selectTag(n int) string {
	switch n {
	case 0:
		return "SELECT 0"
	case 1:
		return "SELECT 1"
	}
	return "SELECT " + strconv.Itoa(n)
}

// templateCache holds point-lookup templates by statement text and
// parameter types (bounded; cleared when full). Lookups do not allocate:
// the map is keyed by the text alone, and the few parameter-type variants
// of one text sit in a slice.
type templateCache struct {
	mu sync.RWMutex
	m  map[string][]templateEntry
	n  int
}

type templateEntry struct {
	types []types.Type
	t     *pointTemplate
}

const maxTemplates = 4096

var templateCaches sync.Map // *Engine → *templateCache

func (e *Engine) pointCache() *templateCache {
	if c, ok := templateCaches.Load(e); ok {
		return c.(*templateCache)
	}
	c, _ := templateCaches.LoadOrStore(e, &templateCache{m: map[string][]templateEntry{}})
	return c.(*templateCache)
}

// sameTypes compares parameter type lists the way the cache key does: a
// missing trailing type counts as Unknown.
func sameTypes(a, b []types.Type) bool {
	for i := range max(len(a), len(b)) {
		if paramType(a, i) != paramType(b, i) {
			return false
		}
	}
	return true
}

func (c *templateCache) get(sql string, ts []types.Type) (*pointTemplate, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, en := range c.m[sql] {
		if sameTypes(en.types, ts) {
			return en.t, true
		}
	}
	return nil, false
}

func (c *templateCache) put(sql string, ts []types.Type, t *pointTemplate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n >= maxTemplates {
		clear(c.m)
		c.n = 0
	}
	ents := c.m[sql]
	for i, en := range ents {
		if sameTypes(en.types, ts) {
			ents[i].t = t
			return
		}
	}
	c.m[sql] = append(ents, templateEntry{types: append([]types.Type(nil), ts...), t: t})
	c.n++
}
