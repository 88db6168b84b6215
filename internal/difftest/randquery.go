package difftest

import (
	"fmt"
	"math/rand"
	"strings"
)

// QueryGen builds random queries over Schema, for comparing Eddy's answers
// with Postgres's: typed expressions (integers, numerics, text, booleans,
// timestamps) with NULLs, CASE, COALESCE, comparisons, arithmetic and
// string and date functions, under filters, joins, grouping and DISTINCT.
// Every query it builds is deterministic as a multiset, and integer
// division and modulo guard their divisors so that no row raises an error.
type QueryGen struct {
	r *rand.Rand
}

// NewQueryGen returns a generator seeded with seed.
func NewQueryGen(seed int64) *QueryGen { return &QueryGen{r: rand.New(rand.NewSource(seed))} }

type qcol struct{ name, typ string }

// The columns of each table by type: i (integer), n (numeric), t (text),
// ts (timestamp).
var qtables = map[string][]qcol{
	"t1": {{"id", "i"}, {"a", "i"}, {"b", "i"}, {"c", "t"}},
	"t2": {{"id", "i"}, {"a", "i"}, {"b", "i"}, {"d", "t"}},
	"t3": {{"id", "i"}, {"k", "i"}, {"v", "i"}},
	"t4": {{"id", "i"}, {"g", "i"}, {"n", "n"}, {"ts", "ts"}, {"s", "t"}},
}

type qscope struct {
	cols []qcol // qualified names
}

func (s qscope) of(typ string) []string {
	var out []string
	for _, c := range s.cols {
		if c.typ == typ {
			out = append(out, c.name)
		}
	}
	return out
}

func (g *QueryGen) pick(xs []string) string { return xs[g.r.Intn(len(xs))] }

// expr returns an expression of type typ ("i", "n", "t", "b", "ts").
func (g *QueryGen) expr(s qscope, typ string, depth int) string {
	if depth <= 0 || g.r.Intn(3) == 0 {
		return g.leaf(s, typ)
	}
	d := depth - 1
	switch typ {
	case "i":
		switch g.r.Intn(12) {
		case 9:
			return fmt.Sprintf("(SELECT %s(z.v) FROM t3 z WHERE z.k = %s)", g.pick([]string{"max", "min", "count"}), g.expr(s, "i", d))
		case 10:
			return fmt.Sprintf("(%s)::int", g.expr(s, "n", d))
		case 11:
			return fmt.Sprintf("strpos(%s, '%s')", g.expr(s, "t", d), g.pick([]string{"a", "b", "ab"}))
		case 0:
			return fmt.Sprintf("(%s %s %s)", g.expr(s, "i", d), g.pick([]string{"+", "-", "*"}), g.expr(s, "i", d))
		case 1:
			return fmt.Sprintf("(%s / NULLIF(%s, 0))", g.expr(s, "i", d), g.expr(s, "i", d))
		case 2:
			return fmt.Sprintf("(%s %% NULLIF(%s, 0))", g.expr(s, "i", d), g.expr(s, "i", d))
		case 3:
			return fmt.Sprintf("abs(%s)", g.expr(s, "i", d))
		case 4:
			return fmt.Sprintf("COALESCE(%s, %s)", g.expr(s, "i", d), g.expr(s, "i", d))
		case 5:
			return fmt.Sprintf("CASE WHEN %s THEN %s ELSE %s END", g.expr(s, "b", d), g.expr(s, "i", d), g.expr(s, "i", d))
		case 6:
			return fmt.Sprintf("length(%s)", g.expr(s, "t", d))
		case 7:
			return fmt.Sprintf("%s(%s, %s)", g.pick([]string{"greatest", "least"}), g.expr(s, "i", d), g.expr(s, "i", d))
		default:
			return fmt.Sprintf("extract(%s FROM %s)::int", g.pick([]string{"hour", "day", "dow", "minute"}), g.expr(s, "ts", d))
		}
	case "n":
		switch g.r.Intn(9) {
		case 6:
			return fmt.Sprintf("(%s %s NULLIF(%s, 0))", g.expr(s, g.pick([]string{"n", "i"}), d), g.pick([]string{"/", "%"}), g.expr(s, "n", d))
		case 7:
			return fmt.Sprintf("(%s)::numeric(%d,%d)", g.expr(s, g.pick([]string{"n", "i", "f"}), d), 6+g.r.Intn(4), g.r.Intn(4))
		case 8:
			return fmt.Sprintf("(%s / 3.0)", g.expr(s, "i", d))
		case 0:
			return fmt.Sprintf("(%s %s %s)", g.expr(s, "n", d), g.pick([]string{"+", "-", "*"}), g.expr(s, "n", d))
		case 1:
			return fmt.Sprintf("round(%s, %d)", g.expr(s, "n", d), g.r.Intn(3))
		case 2:
			return fmt.Sprintf("(%s + %s)", g.expr(s, "n", d), g.expr(s, "i", d))
		case 3:
			return fmt.Sprintf("abs(%s)", g.expr(s, "n", d))
		case 4:
			return fmt.Sprintf("%s(%s)", g.pick([]string{"floor", "ceil", "trunc"}), g.expr(s, "n", d))
		default:
			return fmt.Sprintf("CASE WHEN %s THEN %s END", g.expr(s, "b", d), g.expr(s, "n", d))
		}
	case "t":
		switch g.r.Intn(11) {
		case 8:
			return fmt.Sprintf("to_char(%s, '%s')", g.expr(s, "ts", d), g.pick([]string{"YYYY-MM-DD HH24:MI", "Dy DD Mon", "HH12 AM"}))
		case 9:
			return fmt.Sprintf("concat_ws('%s', %s, %s)", g.pick([]string{",", "-"}), g.expr(s, "t", d), g.expr(s, g.pick([]string{"i", "t"}), d))
		case 10:
			return fmt.Sprintf("%s(%s, %d)", g.pick([]string{"left", "right", "repeat"}), g.expr(s, "t", d), g.r.Intn(4))
		case 0:
			return fmt.Sprintf("(%s || %s)", g.expr(s, "t", d), g.expr(s, "t", d))
		case 1:
			return fmt.Sprintf("%s(%s)", g.pick([]string{"upper", "lower", "reverse", "btrim", "md5", "initcap"}), g.expr(s, "t", d))
		case 2:
			return fmt.Sprintf("substr(%s, %d, %d)", g.expr(s, "t", d), 1+g.r.Intn(3), g.r.Intn(4))
		case 3:
			return fmt.Sprintf("replace(%s, '%s', '%s')", g.expr(s, "t", d), g.pick([]string{"a", "b", "ab"}), g.pick([]string{"", "X", "yy"}))
		case 4:
			return fmt.Sprintf("COALESCE(%s, '%s')", g.expr(s, "t", d), g.pick([]string{"none", ""}))
		case 5:
			return fmt.Sprintf("(%s)::text", g.expr(s, g.pick([]string{"i", "n"}), d))
		case 6:
			return fmt.Sprintf("%s(%s, %d, '%s')", g.pick([]string{"lpad", "rpad"}), g.expr(s, "t", d), g.r.Intn(6), g.pick([]string{"*", "ab"}))
		default:
			return fmt.Sprintf("split_part(%s, '%s', %d)", g.expr(s, "t", d), g.pick([]string{"a", "b", " "}), 1+g.r.Intn(2))
		}
	case "b":
		switch g.r.Intn(13) {
		case 9:
			return fmt.Sprintf("(%s %sIN (SELECT z.a FROM t2 z WHERE z.b > %d))", g.expr(s, "i", d), g.pick([]string{"", "NOT "}), g.r.Intn(8))
		case 10:
			return fmt.Sprintf("(%sEXISTS (SELECT 1 FROM t3 z WHERE z.k = %s))", g.pick([]string{"", "NOT "}), g.expr(s, "i", d))
		case 11:
			return fmt.Sprintf("(%s %s ANY (SELECT z.b FROM t1 z WHERE z.a = %s))", g.expr(s, "i", d), g.pick([]string{"=", "<", ">="}), g.leaf(s, "i"))
		case 12:
			return g.subqueryTest(s, d)
		case 0:
			t := g.pick([]string{"i", "i", "n", "t", "ts", "f"})
			return fmt.Sprintf("(%s %s %s)", g.expr(s, t, d), g.pick([]string{"=", "<>", "<", "<=", ">", ">="}), g.expr(s, t, d))
		case 1:
			return fmt.Sprintf("(%s %s %s)", g.expr(s, "b", d), g.pick([]string{"AND", "OR"}), g.expr(s, "b", d))
		case 2:
			return fmt.Sprintf("(NOT %s)", g.expr(s, "b", d))
		case 3:
			t := g.pick([]string{"i", "t", "n", "b"})
			return fmt.Sprintf("(%s IS %sNULL)", g.expr(s, t, d), g.pick([]string{"", "NOT "}))
		case 4:
			return fmt.Sprintf("(%s %sBETWEEN %s AND %s)", g.expr(s, "i", d), g.pick([]string{"", "NOT "}), g.leaf(s, "i"), g.leaf(s, "i"))
		case 5:
			return fmt.Sprintf("(%s %sIN (%s, %s, %s))", g.expr(s, "i", d), g.pick([]string{"", "NOT "}), g.leaf(s, "i"), g.leaf(s, "i"), g.leaf(s, "i"))
		case 6:
			return fmt.Sprintf("(%s %sLIKE '%s')", g.expr(s, "t", d), g.pick([]string{"", "NOT "}), g.pick([]string{"%a%", "b%", "_a%", "%", "a_"}))
		case 7:
			t := g.pick([]string{"i", "t"})
			return fmt.Sprintf("(%s IS %sDISTINCT FROM %s)", g.expr(s, t, d), g.pick([]string{"", "NOT "}), g.expr(s, t, d))
		default:
			return fmt.Sprintf("(%s IS %s)", g.expr(s, "b", d), g.pick([]string{"TRUE", "FALSE", "NOT TRUE", "UNKNOWN"}))
		}
	case "f":
		switch g.r.Intn(4) {
		case 0:
			return fmt.Sprintf("(%s)::float8", g.expr(s, g.pick([]string{"i", "n"}), d))
		case 1:
			return fmt.Sprintf("sqrt(abs(%s))", g.expr(s, "f", d))
		case 2:
			return fmt.Sprintf("(%s %s %s)", g.expr(s, "f", d), g.pick([]string{"+", "*", "-"}), g.expr(s, "f", d))
		default:
			return fmt.Sprintf("(%s / NULLIF(%s, 0))", g.expr(s, "f", d), g.expr(s, "f", d))
		}
	case "ts":
		switch g.r.Intn(3) {
		case 0:
			return fmt.Sprintf("(%s %s INTERVAL '%d minutes')", g.expr(s, "ts", d), g.pick([]string{"+", "-"}), g.r.Intn(600))
		case 1:
			return fmt.Sprintf("date_trunc('%s', %s)", g.pick([]string{"hour", "day", "minute"}), g.expr(s, "ts", d))
		default:
			return fmt.Sprintf("COALESCE(%s, TIMESTAMP '2024-01-02 00:00:00')", g.expr(s, "ts", d))
		}
	}
	return g.leaf(s, typ)
}

// subqueryTest returns a boolean subquery test of a shape the other cases
// do not build: correlated by two expressions, NOT IN and ALL correlated
// by a column, a scalar subquery as the tested value, and a subquery in
// the select list of the tested subquery.
func (g *QueryGen) subqueryTest(s qscope, d int) string {
	not := g.pick([]string{"", "NOT "})
	switch g.r.Intn(5) {
	case 0:
		return fmt.Sprintf("(%sEXISTS (SELECT 1 FROM t3 z WHERE z.k = %s AND z.v %s %s))", not, g.leaf(s, "i"), g.pick([]string{"<", ">", "<>"}), g.expr(s, "i", d))
	case 1:
		return fmt.Sprintf("(%s %sIN (SELECT z.b FROM t1 z WHERE z.a = %s))", g.expr(s, "i", d), not, g.leaf(s, "i"))
	case 2:
		return fmt.Sprintf("(%s %s ALL (SELECT z.v FROM t3 z WHERE z.k = %s))", g.expr(s, "i", d), g.pick([]string{"=", "<", ">=", "<>"}), g.leaf(s, "i"))
	case 3:
		return fmt.Sprintf("((SELECT %s(z.b) FROM t2 z WHERE z.a = %s) %sIN (SELECT w.v FROM t3 w WHERE w.k > %d))", g.pick([]string{"max", "min", "count"}), g.leaf(s, "i"), not, g.r.Intn(6))
	default:
		return fmt.Sprintf("(%s %sIN (SELECT (SELECT max(w.b) FROM t1 w WHERE w.a = z.k) FROM t3 z WHERE z.v > %s))", g.expr(s, "i", d), not, g.leaf(s, "i"))
	}
}

func (g *QueryGen) leaf(s qscope, typ string) string {
	cols := s.of(typ)
	if len(cols) > 0 && g.r.Intn(4) != 0 {
		return g.pick(cols)
	}
	switch typ {
	case "i":
		if g.r.Intn(10) == 0 {
			return "NULL::int"
		}
		return fmt.Sprint(g.r.Intn(12) - 2)
	case "n":
		if g.r.Intn(10) == 0 {
			return "NULL::numeric"
		}
		return fmt.Sprintf("%d.%d", g.r.Intn(20)-5, g.r.Intn(10))
	case "t":
		if g.r.Intn(10) == 0 {
			return "NULL::text"
		}
		return "'" + g.pick([]string{"a", "ab", "b", "", "zz"}) + "'"
	case "b":
		return g.pick([]string{"TRUE", "FALSE", "NULL::boolean"})
	case "f":
		return g.pick([]string{"0.1::float8", "1e16::float8", "(-2.5)::float8", "3::float8", "NULL::float8", "1.5e-5::float8"})
	case "ts":
		return fmt.Sprintf("TIMESTAMP '2024-01-0%d %02d:00:00'", 1+g.r.Intn(3), g.r.Intn(24))
	}
	return "NULL"
}

// from picks one table or a join of two, and returns the FROM clause and
// the columns in scope.
func (g *QueryGen) from() (string, qscope) {
	names := []string{"t1", "t2", "t3", "t4"}
	t1 := g.pick(names)
	var s qscope
	add := func(alias, table string) {
		for _, c := range qtables[table] {
			s.cols = append(s.cols, qcol{alias + "." + c.name, c.typ})
		}
	}
	add("x", t1)
	if g.r.Intn(3) != 0 {
		return t1 + " x", s
	}
	t2 := g.pick(names)
	add("y", t2)
	kind := g.pick([]string{"JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"})
	li, ri := qscope{cols: s.cols[:len(qtables[t1])]}.of("i"), qscope{cols: s.cols[len(qtables[t1]):]}.of("i")
	on := fmt.Sprintf("%s = %s", g.pick(li), g.pick(ri))
	switch g.r.Intn(6) {
	case 0, 1:
		on += " AND " + g.expr(s, "b", 1)
	case 2:
		on += " AND " + g.subqueryTest(s, 1)
	}
	return fmt.Sprintf("%s x %s %s y ON %s", t1, kind, t2, on), s
}

// Query returns a random query. Its output columns are named c0, c1, ….
func (g *QueryGen) Query() string {
	from, s := g.from()
	where := ""
	if g.r.Intn(2) == 0 {
		where = " WHERE " + g.expr(s, "b", 2)
	}
	types := []string{"i", "i", "n", "t", "b", "ts", "f"}
	keyTypes := []string{"i", "i", "t", "b", "ts", "f"}
	switch g.r.Intn(4) {
	case 0: // grouped
		var keys, sel []string
		for i := 0; i < 1+g.r.Intn(2); i++ {
			// Not numeric: equal numerics of different scales (1.5,
			// 1.50) form one group shown as whichever came first, which
			// differs between any two systems.
			k := g.expr(s, g.pick(keyTypes), 1)
			keys = append(keys, k)
			sel = append(sel, fmt.Sprintf("%s AS c%d", k, len(sel)))
		}
		for i := 0; i < 1+g.r.Intn(3); i++ {
			sel = append(sel, fmt.Sprintf("%s AS c%d", g.agg(s), len(sel)))
		}
		having := ""
		if g.r.Intn(3) == 0 {
			having = " HAVING count(*) > " + fmt.Sprint(g.r.Intn(3))
		}
		return fmt.Sprintf("SELECT %s FROM %s%s GROUP BY %s%s", strings.Join(sel, ", "), from, where, strings.Join(keys, ", "), having)
	case 1: // global aggregate
		var sel []string
		for i := 0; i < 1+g.r.Intn(3); i++ {
			sel = append(sel, fmt.Sprintf("%s AS c%d", g.agg(s), len(sel)))
		}
		return fmt.Sprintf("SELECT %s FROM %s%s", strings.Join(sel, ", "), from, where)
	default: // projection, sometimes DISTINCT
		var sel []string
		distinct := ""
		if g.r.Intn(4) == 0 {
			distinct = "DISTINCT " // over keyTypes only, as GROUP BY
		}
		for i := 0; i < 1+g.r.Intn(4); i++ {
			ts := types
			if distinct != "" {
				ts = keyTypes
			}
			sel = append(sel, fmt.Sprintf("%s AS c%d", g.expr(s, g.pick(ts), 2), len(sel)))
		}
		if g.r.Intn(3) == 0 {
			part := g.expr(s, g.pick([]string{"i", "t"}), 1)
			var w string
			switch g.r.Intn(4) {
			case 0:
				w = fmt.Sprintf("count(*) OVER (PARTITION BY %s)", part)
			case 1:
				w = fmt.Sprintf("sum(%s) OVER (PARTITION BY %s)", g.expr(s, "i", 1), part)
			case 2:
				w = fmt.Sprintf("rank() OVER (PARTITION BY %s ORDER BY %s)", part, g.expr(s, g.pick([]string{"i", "t", "n"}), 1))
			default:
				w = fmt.Sprintf("max(%s) OVER (PARTITION BY %s)", g.expr(s, g.pick([]string{"n", "t"}), 1), part)
			}
			sel = append(sel, fmt.Sprintf("%s AS c%d", w, len(sel)))
		}
		return fmt.Sprintf("SELECT %s%s FROM %s%s", distinct, strings.Join(sel, ", "), from, where)
	}
}

func (g *QueryGen) agg(s qscope) string {
	switch g.r.Intn(9) {
	case 0:
		return "count(*)"
	case 1:
		return fmt.Sprintf("count(%s)", g.expr(s, g.pick([]string{"i", "t", "n"}), 1))
	case 2:
		return fmt.Sprintf("sum(%s)", g.expr(s, g.pick([]string{"i", "n"}), 1))
	case 3:
		return fmt.Sprintf("%s(%s)", g.pick([]string{"min", "max"}), g.expr(s, g.pick([]string{"i", "n", "t", "ts"}), 1))
	case 4:
		return fmt.Sprintf("avg(%s)", g.expr(s, g.pick([]string{"i", "n"}), 1))
	case 5:
		return fmt.Sprintf("%s(%s)", g.pick([]string{"bool_and", "bool_or"}), g.expr(s, "b", 1))
	case 6:
		return fmt.Sprintf("count(DISTINCT %s)", g.expr(s, g.pick([]string{"i", "t"}), 1))
	case 7:
		e := g.expr(s, "t", 1)
		return fmt.Sprintf("string_agg(%s, ',' ORDER BY %s)", e, e)
	default:
		return fmt.Sprintf("sum(%s) FILTER (WHERE %s)", g.expr(s, "i", 1), g.expr(s, "b", 1))
	}
}
