// Package difftest checks Eddy's materialized views against PostgreSQL: the
// same random INSERT, UPDATE and DELETE batches go to both systems, and
// after every batch each MV must equal Postgres's answer to its query.
package difftest

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
)

// Schema is the DDL both systems run.
var Schema = []string{
	"CREATE TABLE t1 (id INT PRIMARY KEY, a INT, b INT, c VARCHAR)",
	"CREATE TABLE t2 (id INT PRIMARY KEY, a INT, b INT, d VARCHAR)",
	"CREATE TABLE t3 (id INT PRIMARY KEY, k INT, v BIGINT)",
	"CREATE TABLE t4 (id INT PRIMARY KEY, g INT, n NUMERIC(10,2), ts TIMESTAMP, s TEXT)",
}

// Tables names the tables of Schema, in order.
var Tables = []string{"t1", "t2", "t3", "t4"}

// Queries are the view definitions under test: joins of every kind,
// aggregates, subqueries in each decorrelated form, set operations, and
// outer joins over NULLs. Each must be deterministic as a multiset.
var Queries = []string{
	// Aggregates.
	"SELECT a, count(*) AS n, sum(b) AS s, min(b) AS mn, max(b) AS mx FROM t1 GROUP BY a",
	"SELECT count(*) AS n, count(b) AS nb, sum(b) AS s, max(c) AS mc FROM t1",
	"SELECT a, count(DISTINCT b) AS nd, bool_or(b > 5) AS bo, bool_and(b > 0) AS ba FROM t1 GROUP BY a",
	"SELECT a, string_agg(c, ',' ORDER BY c, id) AS cs, array_agg(id ORDER BY id) AS ids FROM t1 GROUP BY a",
	"SELECT a, count(*) FILTER (WHERE b > 3) AS nf, sum(b) FILTER (WHERE c IS NOT NULL) AS sf FROM t1 GROUP BY a",
	"SELECT a, sum(b) AS s FROM t1 GROUP BY a HAVING count(*) > 1",
	"SELECT k, sum(v) AS s, count(*) AS n FROM t3 GROUP BY k",
	// Joins.
	"SELECT t1.id AS i1, t2.id AS i2, t1.b + t2.b AS bb FROM t1 JOIN t2 ON t1.a = t2.a",
	"SELECT t1.id AS i1, t2.id AS i2 FROM t1 LEFT JOIN t2 ON t1.a = t2.a AND t2.b > t1.b",
	"SELECT t1.id AS i1, t2.id AS i2, t2.d FROM t1 RIGHT JOIN t2 ON t1.a = t2.a",
	"SELECT t1.id AS i1, t2.id AS i2 FROM t1 FULL JOIN t2 ON t1.a = t2.a",
	"SELECT t1.a, count(*) AS n, sum(t2.b) AS s FROM t1 JOIN t2 ON t1.a = t2.a GROUP BY t1.a",
	"SELECT t1.id, t3.v FROM t1 JOIN t3 ON t1.b = t3.k WHERE t1.c <> 'x'",
	// Subqueries.
	"SELECT id, a FROM t1 WHERE a IN (SELECT a FROM t2)",
	"SELECT id, a FROM t1 WHERE a NOT IN (SELECT a FROM t2)",
	"SELECT id FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.a = t1.a AND t2.b < t1.b)",
	"SELECT id FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE t2.a = t1.a)",
	"SELECT id, (SELECT count(*) FROM t2 WHERE t2.a = t1.a) AS n FROM t1",
	"SELECT id, (SELECT max(b) FROM t2 WHERE t2.a = t1.a) AS m FROM t1",
	"SELECT id FROM t1 WHERE b > (SELECT avg(b) FROM t2)",
	"SELECT id FROM t1 WHERE a NOT IN (SELECT a FROM t2 WHERE t2.b = t1.b)",
	// Subqueries in the ON of outer joins (reading the preserved side or
	// both sides) and in the tested value of another subquery.
	"SELECT t1.id AS i1, t2.id AS i2 FROM t1 LEFT JOIN t2 ON t1.a = t2.a AND t1.b IN (SELECT b FROM t2 x WHERE x.a = t1.a)",
	"SELECT t1.id AS i1, t2.id AS i2 FROM t1 RIGHT JOIN t2 ON t1.a = t2.a AND t1.b + t2.b > (SELECT max(b) FROM t2 x WHERE x.a = t2.a)",
	"SELECT t1.id AS i1, t2.id AS i2 FROM t1 FULL JOIN t2 ON t1.a = t2.a AND EXISTS (SELECT 1 FROM t3 WHERE t3.k = t1.b AND t3.v > t2.b)",
	"SELECT x.a, x.c, t2.id FROM (SELECT a, c FROM t1) x LEFT JOIN t2 ON t2.b < (SELECT min(b) FROM t1 WHERE t1.c = x.c)",
	"SELECT id FROM t1 WHERE (SELECT max(b) FROM t2 WHERE t2.a = t1.a) NOT IN (SELECT b FROM t2 WHERE t2.b IS NOT NULL)",
	"SELECT id, (SELECT count(*) FROM t2 WHERE t2.a = t1.a) IN (SELECT k FROM t3) AS m FROM t1",
	"SELECT id FROM t1 WHERE a IN (SELECT (SELECT max(t3.k) FROM t3 WHERE t3.v = t2.b) FROM t2)",
	// Set operations and DISTINCT.
	"SELECT a FROM t1 UNION SELECT a FROM t2",
	"SELECT a, b FROM t1 UNION ALL SELECT a, b FROM t2",
	"SELECT DISTINCT a, c FROM t1",
	// Expressions.
	"SELECT id, CASE WHEN b IS NULL THEN -1 WHEN b > 5 THEN b * 2 ELSE coalesce(a, 0) - b END AS e, c || '!' AS s FROM t1 WHERE b BETWEEN 1 AND 8 OR a IS NULL",
	// Window functions (each ORDER BY is total where the function needs it).
	"SELECT id, a, row_number() OVER (PARTITION BY a ORDER BY b, id) AS rn FROM t1",
	"SELECT * FROM (SELECT id, a, b, rank() OVER (PARTITION BY a ORDER BY b DESC NULLS LAST) AS r FROM t1) x WHERE r <= 2",
	"SELECT id, a, dense_rank() OVER (PARTITION BY a ORDER BY b) AS dr FROM t1",
	"SELECT id, lag(b) OVER (PARTITION BY a ORDER BY id) AS pb, lead(c, 1, 'z') OVER (PARTITION BY a ORDER BY id) AS nc FROM t1",
	"SELECT id, sum(b) OVER (PARTITION BY a ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s2 FROM t1",
	"SELECT id, count(*) OVER (PARTITION BY a) AS n, max(b) OVER (PARTITION BY a ORDER BY id) AS runmax FROM t1",
	"SELECT id, k, sum(v) OVER (ORDER BY id) AS run FROM t3",
	"SELECT id, first_value(id) OVER (PARTITION BY a ORDER BY b NULLS FIRST, id) AS f FROM t1",
	// Top-N and DISTINCT ON.
	"SELECT DISTINCT ON (a) a, id, b FROM t1 ORDER BY a, b DESC NULLS LAST, id",
	"SELECT id, b FROM t1 ORDER BY b DESC NULLS LAST, id LIMIT 5",
	// More aggregates and grouping.
	"SELECT a, avg(b) AS av, max(b) - min(b) AS spread FROM t1 GROUP BY a",
	"SELECT a, b, count(*) AS n FROM t1 GROUP BY GROUPING SETS ((a), (b), ())",
	"SELECT a, count(*) AS n FROM (SELECT DISTINCT a, b FROM t1) s GROUP BY a",
	"SELECT t1.a, count(t2.id) AS n, coalesce(sum(t2.b), 0) AS s FROM t1 LEFT JOIN t2 ON t1.a = t2.a GROUP BY t1.a",
	"SELECT k, count(*) AS n, sum(v) AS s, avg(v) AS av FROM t3 GROUP BY k HAVING sum(v) > 0",
	// CTEs, three-way joins, set operations.
	"WITH x AS (SELECT a, sum(b) AS s FROM t1 GROUP BY a) SELECT x.a, x.s, t2.id FROM x LEFT JOIN t2 ON x.a = t2.a AND x.s > t2.b",
	"SELECT t1.id AS i1, t2.id AS i2, t3.id AS i3 FROM t1 JOIN t2 ON t1.a = t2.a JOIN t3 ON t2.b = t3.k",
	"SELECT a FROM t1 INTERSECT SELECT a FROM t2",
	"SELECT a FROM t1 EXCEPT SELECT a FROM t2",
	"SELECT a, b FROM t1 EXCEPT ALL SELECT a, b FROM t2",
	"SELECT a, c FROM t1 INTERSECT ALL SELECT a, d FROM t2",
	// Scalar functions and NULL handling.
	"SELECT id, upper(c) AS u, length(c) AS l, substr(c, 2) AS s, position('1' IN c) AS p FROM t1",
	"SELECT id, a / NULLIF(b, 0) AS q, a % NULLIF(b, 0) AS m, abs(a - b) AS d, greatest(a, b) AS g, least(a, b) AS l FROM t1",
	"SELECT id FROM t1 WHERE b = ANY (SELECT b FROM t2 WHERE t2.a = t1.a)",
	"SELECT id, a FROM t1 WHERE (a, b) IN (SELECT a, b FROM t2)",
	// Numeric, timestamps and text (t4).
	"SELECT g, sum(n) AS s, avg(n) AS av, min(ts) AS first, max(ts) AS last, count(s) AS ns FROM t4 GROUP BY g",
	"SELECT date_trunc('hour', ts) AS h, count(*) AS c, sum(n) AS total FROM t4 GROUP BY date_trunc('hour', ts)",
	"SELECT id, n * 3 - 1.5 AS x, round(n / 7, 3) AS r, n::int AS i, extract(dow FROM ts) AS dow, ts + interval '90 minutes' AS later FROM t4",
	"SELECT id, s, lower(s) || '-' || g AS t, split_part(s, 'b', 1) AS sp, replace(s, 'a', 'A') AS rp FROM t4 WHERE s LIKE '%b%' OR s IS NULL",
	"SELECT g, string_agg(s, '|' ORDER BY s DESC, id) AS ss, array_agg(n ORDER BY n NULLS FIRST, id) AS ns FROM t4 GROUP BY g",
	"SELECT t4.id, t1.id AS t1id, t4.n FROM t4 JOIN t1 ON t4.g = t1.a AND t4.n > t1.b",
	"SELECT id, ts, rank() OVER (PARTITION BY g ORDER BY ts DESC) AS r, sum(n) OVER (PARTITION BY g ORDER BY ts, id) AS run FROM t4",
	"SELECT g, count(*) AS c FROM t4 WHERE ts >= TIMESTAMP '2024-01-01 06:00' AND ts < TIMESTAMP '2024-01-02' GROUP BY g",
}

// Gen produces random DML batches over a small domain so that keys collide,
// groups appear and vanish, and NULLs are common.
type Gen struct {
	r    *rand.Rand
	live map[string]map[int]bool
}

// NewGen returns a generator seeded with seed.
func NewGen(seed int64) *Gen {
	g := &Gen{r: rand.New(rand.NewSource(seed)), live: map[string]map[int]bool{}}
	for _, t := range Tables {
		g.live[t] = map[int]bool{}
	}
	return g
}

func (g *Gen) smallInt() string {
	if g.r.Intn(6) == 0 {
		return "NULL"
	}
	return fmt.Sprint(g.r.Intn(10))
}

func (g *Gen) str() string {
	if g.r.Intn(6) == 0 {
		return "NULL"
	}
	return fmt.Sprintf("'%c%d'", 'a'+rune(g.r.Intn(3)), g.r.Intn(3))
}

func (g *Gen) numeric() string {
	if g.r.Intn(8) == 0 {
		return "NULL"
	}
	return fmt.Sprintf("%d.%02d", g.r.Intn(200)-100, g.r.Intn(100))
}

func (g *Gen) timestamp() string {
	if g.r.Intn(8) == 0 {
		return "NULL"
	}
	return fmt.Sprintf("'2024-01-%02d %02d:%02d:%02d'", 1+g.r.Intn(3), g.r.Intn(24), g.r.Intn(60), g.r.Intn(60))
}

func (g *Gen) text() string {
	if g.r.Intn(8) == 0 {
		return "NULL"
	}
	words := []string{"abc", "bab", "Cab", "b", "", "zz top", "ab ba"}
	return "'" + words[g.r.Intn(len(words))] + "'"
}

func (g *Gen) row(table string, id int) string {
	switch table {
	case "t4":
		return fmt.Sprintf("(%d, %s, %s, %s, %s)", id, g.smallInt(), g.numeric(), g.timestamp(), g.text())
	case "t3":
		return fmt.Sprintf("(%d, %s, %d)", id, g.smallInt(), g.r.Int63n(1_000_000_000_000)-500_000_000_000)
	default:
		return fmt.Sprintf("(%d, %s, %s, %s)", id, g.smallInt(), g.smallInt(), g.str())
	}
}

func (g *Gen) liveIDs(table string) []int {
	ids := make([]int, 0, len(g.live[table]))
	for id := range g.live[table] {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

// Batch returns the next batch of DML statements, valid for both systems.
func (g *Gen) Batch() []string {
	var out []string
	n := 1 + g.r.Intn(4)
	for i := 0; i < n; i++ {
		table := Tables[g.r.Intn(len(Tables))]
		live := g.liveIDs(table)
		switch k := g.r.Intn(10); {
		case k < 5 || len(live) == 0:
			var rows []string
			for j := 0; j < 1+g.r.Intn(5); j++ {
				id := g.r.Intn(60)
				if g.live[table][id] {
					continue
				}
				g.live[table][id] = true
				rows = append(rows, g.row(table, id))
			}
			if len(rows) > 0 {
				out = append(out, fmt.Sprintf("INSERT INTO %s VALUES %s", table, strings.Join(rows, ", ")))
			}
		case k < 8:
			id := live[g.r.Intn(len(live))]
			switch table {
			case "t4":
				out = append(out, fmt.Sprintf("UPDATE t4 SET g = %s, n = %s, ts = %s WHERE id = %d", g.smallInt(), g.numeric(), g.timestamp(), id))
			case "t3":
				out = append(out, fmt.Sprintf("UPDATE t3 SET k = %s, v = v + 1 WHERE id = %d", g.smallInt(), id))
			default:
				out = append(out, fmt.Sprintf("UPDATE %s SET a = %s, b = %s WHERE id = %d", table, g.smallInt(), g.smallInt(), id))
			}
		default:
			if g.r.Intn(4) == 0 {
				col := map[string]string{"t1": "a", "t2": "a", "t3": "k", "t4": "g"}[table]
				v := g.r.Intn(10)
				out = append(out, fmt.Sprintf("DELETE FROM %s WHERE %s = %d", table, col, v))
			} else {
				id := live[g.r.Intn(len(live))]
				delete(g.live[table], id)
				out = append(out, fmt.Sprintf("DELETE FROM %s WHERE id = %d", table, id))
			}
		}
	}
	return out
}

// SetLive replaces the generator's view of the ids present in table; the
// test refreshes it from Postgres after predicate deletes.
func (g *Gen) SetLive(table string, ids []int) {
	m := map[int]bool{}
	for _, id := range ids {
		m[id] = true
	}
	g.live[table] = m
}

// Canon turns result rows into a sorted list of lines, so that two
// multisets compare as equal regardless of order.
func Canon(rows [][]*string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		parts := make([]string, len(r))
		for j, v := range r {
			if v == nil {
				parts[j] = "NULL"
			} else {
				parts[j] = *v
			}
		}
		out[i] = strings.Join(parts, " | ")
	}
	sort.Strings(out)
	return out
}
