package parser_test

import (
	"strings"
	"testing"

	"github.com/eddysql/eddy/parser"
)

// mustParse lists statements that must always parse; TestMustParse fails if
// any does not.
var mustParse = []string{
	"SELECT a, b FROM t1 WHERE a > b AND c BETWEEN 1 AND 10",
	"SELECT CASE WHEN a < b THEN 1 ELSE 2 END FROM t1",
	"SELECT abs(a), NULLIF(a, b), COALESCE(a, b, 0) FROM t1",
	"SELECT * FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE t2.a = t1.a)",
	"CREATE TABLE t1(a INTEGER, b INTEGER, c VARCHAR(30))",
	"INSERT INTO t1(e,c,b,d,a) VALUES(103,102,100,101,104)",
	"CREATE INDEX t1i0 ON t1(a1,b1,c1,d1,e1,x1)",
	"CREATE UNIQUE INDEX t1i1 ON t1(a DESC)",
	"SELECT ALL + a, - - 5, CAST(NULL AS INTEGER) FROM t1",
	"SELECT x NOT BETWEEN a AND b FROM t",
	"SELECT 1 FROM t WHERE col IN ()",
	"SELECT DISTINCT a FROM t ORDER BY 1, 2",
	"SELECT * FROM t1 AS cor0 CROSS JOIN t2 AS cor1 WHERE NOT ( NULL ) IS NOT NULL",
	"SELECT count(*) FILTER (WHERE a > 1), array_agg(x ORDER BY y DESC) FROM t",
	"SELECT ts::timestamptz, '1 hour'::interval, x::int[] FROM t",
	"SELECT payload->>'a', payload->'b'->0, j #>> '{a,b}' FROM t",
	"SELECT * FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND)",
	"SELECT * FROM HOP(bid, date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND)",
	"SELECT * FROM a JOIN b FOR SYSTEM_TIME AS OF PROCTIME() AS bb ON a.k = bb.k",
	"CREATE SOURCE s (v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (connector = 'kafka', topic = 't', properties.bootstrap.server = 'b:9092', scan.startup.mode = 'earliest') FORMAT PLAIN ENCODE JSON",
	"CREATE TABLE t (k INT PRIMARY KEY, v VARCHAR) APPEND ONLY",
	"CREATE TABLE t (k INT PRIMARY KEY, ts INT, WATERMARK FOR ts AS ts - 10 WITH TTL)",
	"CREATE TABLE t (v INT, p TIMESTAMPTZ AS proctime(), WATERMARK FOR p AS p WITH TTL) APPEND ONLY",
	"CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT window_start, count(*) FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start EMIT ON WINDOW CLOSE",
	"CREATE SINK k AS SELECT * FROM mv WITH (connector = 'blackhole')",
	"SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY a ORDER BY b DESC) AS rn FROM t) WHERE rn <= 3",
	"SHOW CREATE MATERIALIZED VIEW mv",
	"SHOW TABLES",
	"SHOW barrier_interval_ms",
	"SHOW TIME ZONE",
	"SHOW ALL",
	"SET x = 1",
	"SET x TO 'a'",
	"SET TIME ZONE 'UTC'",
	"SET SESSION x TO DEFAULT",
	"FLUSH",
	"START TRANSACTION READ ONLY",
	"EXPLAIN CREATE MATERIALIZED VIEW mv AS SELECT 1",
	"DROP MATERIALIZED VIEW IF EXISTS a, b CASCADE",
	"DESCRIBE t",
	"UPDATE t SET a = a + 1 WHERE b = 2 RETURNING a",
	"DELETE FROM t WHERE a IS NULL",
	"WITH RECURSIVE r(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r",
	"SELECT a FROM t UNION SELECT b FROM u INTERSECT SELECT c FROM v ORDER BY 1 LIMIT 5 OFFSET 2",
	"SELECT EXTRACT(EPOCH FROM ts), date_trunc('hour', ts), now() - INTERVAL '1 day' FROM t",
	"SELECT substring('abc' FROM 1 FOR 2), position('b' IN 'abc'), trim(BOTH 'x' FROM 'xax')",
}

func TestMustParse(t *testing.T) {
	for _, s := range mustParse {
		stmts, err := parser.Parse(s)
		if err != nil {
			t.Errorf("%s\n%s", s, err.(*parser.Error).Pretty())
			continue
		}
		if msg := roundTrip(stmts); msg != "" {
			t.Errorf("%s: %s", s, msg)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range mustParse {
		f.Add(s)
	}
	for _, s := range allGoldenInputs(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		stmts, err := parser.Parse(sql)
		parser.SplitStatements(sql)
		if _, err := parser.ParseExpr(sql); err != nil {
			_ = err.(*parser.Error).Pretty()
		}
		if err != nil {
			pe, ok := err.(*parser.Error)
			if !ok {
				t.Fatalf("error of type %T", err)
			}
			_ = pe.Pretty()
			return
		}
		if msg := roundTrip(stmts); msg != "" {
			if strings.Contains(msg, "stack depth limit exceeded") {
				return // printing may add parentheses that push nesting over the limit
			}
			t.Fatalf("%q: %s", sql, msg)
		}
	})
}
