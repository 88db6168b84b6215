package slt

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/parser"
)

// mvState is the materialized view that answers one query record in mv mode.
type mvState struct {
	name      string
	create    string // CREATE MATERIALIZED VIEW …; "" when the query cannot be wrapped
	query     string // the query itself (to learn its width)
	body      string // AS …
	read      string // SELECT … FROM name ORDER BY …
	unordered bool   // the query's ORDER BY could not be carried over
	created   bool
	attempts  int
	gaveUp    bool // early creation failed for a reason other than a missing relation
}

const maxEarlyAttempts = 5

func (r *run) mvFor(rec *Record) *mvState {
	if st, ok := r.mvs[rec]; ok {
		return st
	}
	r.mvSeq++
	st := &mvState{name: fmt.Sprintf("slt_mv_%d", r.mvSeq)}
	st.create, st.read, st.unordered = rewriteAsMV(rec.SQL, st.name)
	st.query = rec.SQL
	if i := strings.Index(st.create, " AS "); i >= 0 {
		st.body = st.create[i:]
	}
	r.mvs[rec] = st
	return st
}

// precreateMVs creates, ahead of time, the views of the queries in rest up
// to the next DROP (after which names may mean other relations).
func (r *run) precreateMVs(rest []*Record) {
	// Create them without waiting for a barrier each (RisingWave's
	// background_ddl); the FLUSH before each read makes them visible.
	background := false
	defer func() {
		if background {
			_ = r.h.Exec("SET background_ddl = false")
		}
	}()
	for _, rec := range rest {
		if rec.Kind == KindHalt && !r.skipped(rec) {
			return
		}
		if rec.Kind == KindStatement && isDrop(rec.SQL) {
			return
		}
		if rec.Kind != KindQuery || rec.ExpectError || r.skipped(rec) {
			continue
		}
		st := r.mvFor(rec)
		if st.create == "" || st.created || st.gaveUp || st.attempts >= maxEarlyAttempts {
			continue
		}
		st.attempts++
		if !background {
			background = r.h.Exec("SET background_ddl = true") == nil
		}
		if err := r.createMV(st); err != nil {
			if !strings.Contains(err.Error(), "does not exist") {
				st.gaveUp = true
			}
			continue
		}
		st.created = true
	}
}

func (r *run) runMVQuery(rec *Record) {
	st := r.mvFor(rec)
	if st.create == "" {
		cols, rows, err := r.h.Query(rec.SQL)
		if err != nil {
			r.checkError(rec, err)
			return
		}
		// SHOW and the like: hide the views this mode created.
		kept := rows[:0:0]
		for _, row := range rows {
			if len(row) == 0 || !strings.HasPrefix(row[0], "slt_mv_") {
				kept = append(kept, row)
			}
		}
		r.checkRows(rec, cols, kept, false)
		return
	}
	if !st.created {
		if err := r.createMV(st); err != nil {
			r.fail(rec, "create materialized view: %s", oneLine(err.Error()))
			return
		}
		st.created = true
	}
	defer func() {
		_ = r.h.Exec("DROP MATERIALIZED VIEW IF EXISTS " + st.name)
		delete(r.mvs, rec)
	}()
	if err := r.h.Exec("FLUSH"); err != nil {
		r.fail(rec, "flush: %s", oneLine(err.Error()))
		return
	}
	cols, rows, err := r.h.Query(st.read)
	if err != nil {
		r.fail(rec, "read materialized view: %s", oneLine(err.Error()))
		return
	}
	r.checkRows(rec, cols, rows, st.unordered)
}

// createMV creates the view. Output columns with clashing names (SELECT *
// over a join) get positional names through a column list.
func (r *run) createMV(st *mvState) error {
	err := r.h.Exec(st.create)
	if err == nil || !strings.Contains(err.Error(), "more than once") || st.body == "" {
		return err
	}
	cols, _, qerr := r.h.Query(st.query)
	if qerr != nil || len(cols) == 0 {
		return err
	}
	names := make([]string, len(cols))
	for i := range names {
		names[i] = fmt.Sprintf("c%d", i+1)
	}
	st.create = "CREATE MATERIALIZED VIEW " + st.name + " (" + strings.Join(names, ", ") + ")" + st.body
	return r.h.Exec(st.create)
}

func isDrop(sql string) bool {
	return strings.HasPrefix(strings.ToLower(stripComments(sql)), "drop")
}

// rewriteAsMV turns a query into CREATE MATERIALIZED VIEW name AS … plus the
// SELECT that reads the view back in the query's order. Output columns
// without a usable unique name get one (c1, c2, …). ORDER BY moves to the
// read unless LIMIT/OFFSET need it inside the view (top-N). unordered is set
// when the ORDER BY cannot be expressed over the view's columns.
func rewriteAsMV(sql, name string) (create, read string, unordered bool) {
	stmt, err := parser.ParseOne(sql)
	if err != nil {
		return "", "", false
	}
	q, ok := stmt.(*parser.Query)
	if !ok {
		return "", "", false
	}
	order := q.OrderBy
	// ORDER BY only orders the output, so it moves to the read, except
	// where it changes which rows the query returns: with LIMIT/OFFSET,
	// and with DISTINCT ON (it picks the row kept per group).
	if core := leftCore(q.Body); q.Limit == nil && q.Offset == nil && (core == nil || len(core.DistinctOn) == 0) {
		q.OrderBy = nil
	}
	type item struct {
		orig  string // name the query's ORDER BY may use
		expr  string
		star  bool
		alias string
	}
	var items []item
	if core := leftCore(q.Body); core != nil {
		taken := map[string]bool{}
		for i, it := range core.Items {
			if it.Star {
				items = append(items, item{star: true})
				continue
			}
			orig := it.Alias
			if orig == "" {
				if cr, ok := it.Expr.(*parser.ColumnRef); ok {
					orig = cr.Parts[len(cr.Parts)-1]
				}
			}
			nm := orig
			if nm == "" || taken[nm] {
				nm = fmt.Sprintf("c%d", i+1)
				for taken[nm] {
					nm += "_"
				}
				it.Alias = nm
			}
			taken[nm] = true
			items = append(items, item{orig: orig, expr: it.Expr.String(), alias: nm})
		}
	}
	var keys []string
	for _, o := range order {
		pos := -1
		switch e := o.Expr.(type) {
		case *parser.Literal:
			if e.Kind == parser.LitInteger {
				pos = int(e.Int)
			}
		case *parser.ColumnRef:
			if len(e.Parts) == 1 {
				for i, it := range items {
					if !it.star && it.orig == e.Parts[0] {
						pos = i + 1
						break
					}
				}
			}
		}
		if pos < 0 {
			s := o.Expr.String()
			for i, it := range items {
				if !it.star && it.expr == s {
					pos = i + 1
					break
				}
			}
		}
		if pos > 0 {
			for i := 0; i < pos-1 && i < len(items); i++ {
				if items[i].star {
					pos = -1
					break
				}
			}
		}
		if pos <= 0 {
			unordered = true
			keys = nil
			break
		}
		k := strconv.Itoa(pos)
		if o.Desc {
			k += " DESC"
		}
		if o.NullsFirst != nil {
			if *o.NullsFirst {
				k += " NULLS FIRST"
			} else {
				k += " NULLS LAST"
			}
		}
		keys = append(keys, k)
	}
	create = "CREATE MATERIALIZED VIEW " + name + " AS " + q.String()
	read = "SELECT * FROM " + name
	if len(keys) > 0 {
		read += " ORDER BY " + strings.Join(keys, ", ")
	}
	return create, read, unordered
}

func leftCore(b parser.SetExpr) *parser.SelectCore {
	for {
		switch x := b.(type) {
		case *parser.SelectCore:
			return x
		case *parser.SetOp:
			b = x.Left
		case *parser.Query:
			b = x.Body
		default:
			return nil
		}
	}
}
