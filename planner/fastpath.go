package planner

import (
	"github.com/eddysql/eddy/parser"
)

// PointQuery is the shape of a query RecognizePointQuery accepts:
//
//	SELECT items FROM rel [[AS] alias] WHERE col = const [AND col = const …]
//
// with items plain column references or `*`. It is recognised on the AST,
// before binding, so that the engine can answer a primary-key lookup with
// one state read and no planner run. It says nothing about whether the
// columns exist or form the key: the engine checks that against the
// catalog and falls back to PlanQuery when they do not.
type PointQuery struct {
	Relation string // normalised relation name
	Items    []PointItem
	Conds    []PointCond
}

// PointItem is one select-list item: `*` (Star), or a column with its
// output name.
type PointItem struct {
	Star   bool
	Column string
	Name   string
}

// PointCond is one `col = const` conjunct of the WHERE clause; Value is a
// *parser.Literal.
type PointCond struct {
	Column string
	Value  *parser.Literal
}

// RecognizePointQuery reports whether q has the shape of a point query and
// returns its parts. It never errors: anything else (joins, expressions,
// ORDER BY, LIMIT, DISTINCT, casts, parameters …) is simply not
// recognised.
func RecognizePointQuery(q *parser.Query) (*PointQuery, bool) {
	if q == nil || q.With != nil || len(q.OrderBy) > 0 || q.Limit != nil || q.Offset != nil {
		return nil, false
	}
	sc, ok := q.Body.(*parser.SelectCore)
	if !ok || sc.Distinct || len(sc.DistinctOn) > 0 || len(sc.GroupBy) > 0 || sc.Having != nil ||
		len(sc.Windows) > 0 || len(sc.From) != 1 || sc.Where == nil || len(sc.Items) == 0 {
		return nil, false
	}
	tn, ok := sc.From[0].(*parser.TableName)
	if !ok || tn.ForSystemTimeAsOfProctime {
		return nil, false
	}
	var rel string
	switch {
	case len(tn.Name) == 1:
		rel = tn.Name[0]
	case len(tn.Name) == 2 && tn.Name[0] == "public":
		rel = tn.Name[1]
	default:
		return nil, false
	}
	if rel == "" || rel != NormalizeName(rel) {
		return nil, false // quoted upper-case names and the like: leave them to the binder
	}
	qual := rel
	if tn.Alias != nil {
		if len(tn.Alias.Columns) > 0 {
			return nil, false
		}
		qual = tn.Alias.Name
	}
	// colName returns the column a reference names, if it is rel's.
	colName := func(e parser.Expr) (string, bool) {
		cr, ok := e.(*parser.ColumnRef)
		if !ok {
			return "", false
		}
		switch len(cr.Parts) {
		case 1:
			return cr.Parts[0], true
		case 2:
			return cr.Parts[1], cr.Parts[0] == qual
		}
		return "", false
	}
	pq := &PointQuery{Relation: rel, Items: make([]PointItem, 0, len(sc.Items))}
	for _, it := range sc.Items {
		if it.Star {
			if len(it.Except) > 0 || (it.StarTable != "" && it.StarTable != qual) {
				return nil, false
			}
			pq.Items = append(pq.Items, PointItem{Star: true})
			continue
		}
		c, ok := colName(it.Expr)
		if !ok {
			return nil, false
		}
		name := c
		if it.Alias != "" {
			name = it.Alias
		}
		pq.Items = append(pq.Items, PointItem{Column: c, Name: name})
	}
	if !pointConds(sc.Where, colName, &pq.Conds) {
		return nil, false
	}
	return pq, true
}

// pointConds collects the col = literal conjuncts of w; it reports false
// when w holds anything else.
func pointConds(w parser.Expr, colName func(parser.Expr) (string, bool), out *[]PointCond) bool {
	b, ok := w.(*parser.BinaryExpr)
	if !ok || b.Escape != nil {
		return false
	}
	switch b.Op {
	case "and", "AND":
		return pointConds(b.Left, colName, out) && pointConds(b.Right, colName, out)
	case "=":
		l, r := b.Left, b.Right
		if _, ok := l.(*parser.Literal); ok {
			l, r = r, l
		}
		c, ok := colName(l)
		if !ok {
			return false
		}
		lit, ok := r.(*parser.Literal)
		if !ok {
			return false
		}
		*out = append(*out, PointCond{Column: c, Value: lit})
		return true
	}
	return false
}
