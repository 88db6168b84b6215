package engine

import (
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/types"
)

// TestBulkInsertMatchesPlanner runs bulk INSERTs of plain literals, which
// execBulkInsert takes from their text, with the fast paths on and off:
// the rows stored, the tags and the errors must be the same.
func TestBulkInsertMatchesPlanner(t *testing.T) {
	setup := []string{
		`CREATE TABLE t (a smallint, b int, c bigint, d double precision, f numeric, g varchar, h boolean, m jsonb)`,
		`CREATE TABLE mods (n numeric(5,2), v varchar(3), c char(2))`,
		`CREATE TABLE p (id bigint PRIMARY KEY, v varchar)`,
		`CREATE TABLE ao (x bigint, y varchar) APPEND ONLY`,
		`CREATE TABLE defs (x int, y varchar DEFAULT 'dflt')`,
		`CREATE MATERIALIZED VIEW mv AS SELECT 1 AS one`,
	}
	big := func(table string, n int) string {
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " VALUES ")
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + strconv.Itoa(i) + ", 'r" + strconv.Itoa(i%7) + "')")
		}
		return b.String()
	}
	stmts := []string{
		`INSERT INTO t VALUES (1, 2, 3, 4, 5, 'x', true, '{"a":1}')`,
		`INSERT INTO t VALUES (-32768, -2147483648, -9223372036854775808, -0, -0, '', false, NULL)`,
		`insert into t (c, a) values (10, 20), (30, 40), (NULL, NULL) ;`,
		`INSERT INTO t (a) VALUES (32768)`,
		`INSERT INTO t (b) VALUES (2147483648)`,
		`INSERT INTO t (c) VALUES (9223372036854775808)`,
		`INSERT INTO t (c) VALUES (007), (-0007), (00000000000000000000042), (2.5), (-2.5), (1e3)`,
		`INSERT INTO t (b) VALUES ('abc')`,
		`INSERT INTO t (h) VALUES ('maybe')`,
		`INSERT INTO t (d) VALUES (9007199254740993), (-9007199254740993), (9007199254740992), (0.1), (1e308), (1e309), (-1e-400)`,
		`INSERT INTO t (f) VALUES (0), (-0), (-0.00), (1.50), (007.5), (.5), (-.5), (5.), (1e3), (1.5E-3), (123456789012345678901234567890.123456789)`,
		`INSERT INTO t (f) VALUES (9223372036854775808), (-12.340), (0.000)`,
		`INSERT INTO t (g) VALUES ('a''b'), (''''), ('it''s ''q'''), ('a\b'), ('héllo'), (1), (1.50), (true), (NULL)`,
		`INSERT INTO t (h) VALUES (true), (FALSE), ('t'), ('off'), (DEFAULT)`,
		`INSERT INTO t (m) VALUES ('[1, 2]'), ('{bad')`,
		`INSERT INTO t (a, b) VALUES (1, 2), (3)`,
		`INSERT INTO t (a, zz) VALUES (1, 2)`,
		`INSERT INTO t VALUES (1, 2, 3, 4, 5, 'x', true, '{}', 9)`,
		`INSERT INTO mods VALUES (1.234, 'abc', 'x'), (999.995, 'ab ', 'y')`,
		`INSERT INTO mods (n) VALUES (1000)`,
		`INSERT INTO mods (v) VALUES ('abcd')`,
		`INSERT INTO mods (v) VALUES ('abc   ')`,
		`INSERT INTO mods (c) VALUES ('abc')`,
		`INSERT INTO p VALUES (1, 'a'), (2, 'b'), (1, 'c')`,
		`INSERT INTO p VALUES (NULL, 'x')`,
		`INSERT INTO p VALUES (DEFAULT, 'x')`,
		`INSERT INTO p (v) VALUES ('no key')`,
		`INSERT INTO p ("id", "v") VALUES (7, 'quoted names')`,
		`INSERT INTO ao VALUES (1, 'a'), (1, 'a'), (2, NULL)`,
		big("ao", 10000),
		big("p", 5000),
		`INSERT INTO defs VALUES (1), (2, 'given'), (3, DEFAULT)`,
		`INSERT INTO defs (y) VALUES ('only y')`,
		`INSERT INTO nosuch VALUES (1)`,
		`INSERT INTO mv VALUES (1)`,
		`INSERT INTO "T" VALUES (1)`,
	}
	before := fastInserts.Load()
	fastSlow(t, setup, stmts, "SELECT a, b, c, d, f, g, h, m FROM t")
	if n := fastInserts.Load() - before; n < 12 {
		t.Errorf("only %d statements took a fast path", n)
	}
	fastSlow(t, setup, stmts, "SELECT * FROM mods")
	fastSlow(t, setup, stmts, "SELECT * FROM p")
	fastSlow(t, setup, stmts, "SELECT x, y, count(*) FROM ao GROUP BY x, y")
	fastSlow(t, setup, stmts, "SELECT count(*), count(DISTINCT _row_id), min(_row_id) > 0 FROM ao")
	fastSlow(t, setup, stmts, "SELECT * FROM defs")
}

// TestAppendLiteralMatchesGeneric checks the allocation-free conversions
// of appendLiteral against the general one (constExpr, assignConst), value
// by value, for number and string literals into every column type they
// take.
func TestAppendLiteralMatchesGeneric(t *testing.T) {
	texts := []string{
		"0", "-0", "1", "-1", "007", "-0007", "32767", "32768", "-32769", "2147483647", "2147483648",
		"9007199254740992", "9007199254740993", "-9007199254740993", "9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "1.5", "-1.50", "0.0", "-0.0", "-0.00", "00.5", ".5", "5.", "1e3", "1.5e-3",
		"123456789012345678901234567890.123456789", "1234567890123456789012345678901234567890.5",
		"'abc'", "''", "'1'", "'t'", "true", "false", "NULL",
	}
	cols := []types.Type{types.Int16, types.Int32, types.Int64, types.Float64, types.Numeric, types.Varchar, types.Bool}
	for _, text := range texts {
		b, ok := parser.ScanBulkInsert("INSERT INTO t VALUES (" + text + ")")
		var v parser.BulkValue
		if !ok || !b.NextRow() || !b.Value(&v) || b.NextRow() || !b.Done() {
			t.Fatalf("%s: not scanned", text)
		}
		for _, ct := range cols {
			cv := constConv{t: ct}
			fast := array.NewBuilder(types.Allocator, types.ArrowType(ct))
			if !cv.appendLiteral(fast, &v.Literal, false) {
				fast.Release()
				continue
			}
			got := fast.NewArray()
			fast.Release()
			c, ok := constExpr(&v.Literal)
			if ok {
				c, ok = assignConst(c, ct)
			}
			if !ok {
				t.Errorf("%s into %s: fast path took what the general conversion rejects", text, ct)
				continue
			}
			want := types.FormatTextTyped(c.Value, ct)
			if g := types.FormatTextTyped(types.DatumAt(got, ct, 0), ct); g != want {
				t.Errorf("%s into %s: fast %q, general %q", text, ct, g, want)
			}
			if ct.Kind == types.KindNumeric && c.Value != nil {
				// Stored as text: the text must be the one NUMERIC prints.
				d, err := expr.ParseText(want, ct)
				if err != nil || types.FormatTextTyped(d, ct) != got.(*array.String).Value(0) {
					t.Errorf("%s into numeric: stored %q, canonical %q", text, got.(*array.String).Value(0), want)
				}
			}
			got.Release()
		}
	}
}
