package parser

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// fullParse parses sql with the fast INSERT path off.
func fullParse(sql string) ([]Statement, error) {
	noFastInsert = true
	defer func() { noFastInsert = false }()
	return Parse(sql)
}

// TestFastInsertMatchesParser generates INSERT statements from fragments
// the fast path accepts and fragments it must leave to the full parser,
// and checks that whenever the fast path answers, its AST is exactly the
// full parser's.
func TestFastInsertMatchesParser(t *testing.T) {
	elems := []string{
		"1", "-1", "0", "42", "-0", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
		"1.5", "-2.25", "5.", ".5", "-.5", "1e3", "1.5E-3", "2e+2", "1e", "+5", "- 5", "--5\n", "0x1F",
		"'abc'", "''", "'it''s'", "'a\\b'", "'héllo'", "E'x'", "'a' 'b'", "''''", "'''", "'a''", "'x''y''z'",
		"007", "-0007", "00000000000000000000042", "-9223372036854775809", "18446744073709551616", "1_000",
		"NULL", "null", "TRUE", "false", "DEFAULT", "x", "1+2", "'1'::int", "(1)", "ARRAY[1]",
	}
	names := []string{"t", "T", "my_table", `"Mixed"`, `"a.b"`, "public.t", "select", "name", "t2$"}
	cols := []string{"", "(a)", "(a, b)", "(A,B)", `("X", y)`, "()"}
	tails := []string{"", ";", " ; ", "\n", "; SELECT 1", " RETURNING *", " -- c", " /* c */"}
	r := rand.New(rand.NewPCG(1, 2))
	fast := 0
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		b.WriteString([]string{"INSERT INTO ", "insert into ", "  Insert\n Into "}[r.IntN(3)])
		b.WriteString(names[r.IntN(len(names))])
		b.WriteString(" " + cols[r.IntN(len(cols))] + " VALUES ")
		w := 1 + r.IntN(3)
		for row := range 1 + r.IntN(4) {
			if row > 0 {
				b.WriteString([]string{",", ", ", " ,\n"}[r.IntN(3)])
			}
			b.WriteByte('(')
			for j := range w {
				if j > 0 {
					b.WriteString([]string{",", ", ", " , "}[r.IntN(3)])
				}
				// Mostly accepted elements, so that whole statements pass.
				if r.IntN(10) < 8 {
					b.WriteString(elems[r.IntN(20)])
				} else {
					b.WriteString(elems[r.IntN(len(elems))])
				}
			}
			b.WriteByte(')')
		}
		b.WriteString(tails[r.IntN(len(tails))])
		sql := b.String()
		st, ok := fastInsert(sql)
		want, err := fullParse(sql)
		if !ok {
			continue
		}
		fast++
		if err != nil {
			t.Fatalf("%q: fast path accepted what the parser rejects: %v", sql, err)
		}
		if len(want) != 1 || !reflect.DeepEqual(want[0], Statement(st)) {
			t.Fatalf("%q:\nfast %#v\nfull %#v", sql, st, want[0])
		}
		if got, err := Parse(sql); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: Parse does not return the fast result: %v", sql, err)
		}
	}
	if fast < 1000 {
		t.Fatalf("the fast path answered only %d of 20000 statements", fast)
	}
}

// TestFastInsertAnswers pins which shapes the fast path takes.
func TestFastInsertAnswers(t *testing.T) {
	for sql, want := range map[string]bool{
		"INSERT INTO t VALUES (1, 'a', NULL, true, -2.5)":    true,
		"insert into t (a, b) values (1,2),(3,4);":           true,
		"INSERT INTO t VALUES (1) RETURNING a":               false,
		"INSERT INTO s.t VALUES (1)":                         false,
		"INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)": false,
		"INSERT INTO t SELECT 1":                             false,
		"INSERT INTO t VALUES ('a''b')":                      true,
		"INSERT INTO t VALUES (DEFAULT)":                     true,
		"INSERT INTO t VALUES (E'a')":                        false,
		"INSERT INTO t VALUES ('a'::int)":                    false,
		"INSERT INTO t VALUES ('a''')":                       true,
		"INSERT INTO t VALUES ('a'')":                        false,
		"INSERT INTO t VALUES (1),":                          false,
		"INSERT INTO t VALUES":                               false,
		"INSERT INTO t VALUES (1) (2)":                       false,
		"INSERT INTO t VALUES (1) -- trailing comment":       false,
	} {
		if _, ok := fastInsert(sql); ok != want {
			t.Errorf("%q: fast path %v, want %v", sql, ok, want)
		}
	}
}

// FuzzFastInsert checks on any text that the fast path either gives up or
// returns exactly the full parser's AST.
func FuzzFastInsert(f *testing.F) {
	for _, seed := range []string{
		"INSERT INTO t VALUES (1, 'a', NULL, true, -2.5)",
		"insert into t (a, b) values (1,2),(3,4);",
		"INSERT INTO t VALUES ('it''s', ''''), (DEFAULT, '')",
		"INSERT INTO t VALUES ('a\\b', 'héllo', E'x')",
		"INSERT INTO t VALUES (007, -0, -9223372036854775808, 9223372036854775808, 00000000000000000000042)",
		"INSERT INTO t VALUES (.5, -.5, 5., 1e3, 1E-3, +5, - 5)",
		"INSERT INTO t VALUES ('unterminated",
		"INSERT INTO t VALUES ('a'''), (1)",
		"INSERT INTO \"T\" (\"X\", y) VALUES (1, 2) ;  ",
		"INSERT INTO t VALUES (1) -- c",
		"INSERT INTO t VALUES (1), (2, 3)",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		st, ok := fastInsert(sql)
		if !ok {
			return
		}
		want, err := fullParse(sql)
		if err != nil {
			t.Fatalf("%q: fast path accepted what the parser rejects: %v", sql, err)
		}
		if len(want) != 1 || !reflect.DeepEqual(want[0], Statement(st)) {
			t.Fatalf("%q:\nfast %#v\nfull %#v", sql, st, want[0])
		}
	})
}

func BenchmarkParseBulkInsert(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("INSERT INTO t VALUES ")
	for i := range 10000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("(" + strings.Repeat("7", 1+i%5) + ", 12345)")
	}
	sql := sb.String()
	for _, mode := range []struct {
		name string
		off  bool
	}{{"fast", false}, {"full", true}} {
		b.Run(mode.name, func(b *testing.B) {
			noFastInsert = mode.off
			defer func() { noFastInsert = false }()
			for b.Loop() {
				if _, err := Parse(sql); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/row")
		})
	}
	b.Run("scan", func(b *testing.B) {
		var v BulkValue
		for b.Loop() {
			bi, ok := ScanBulkInsert(sql)
			if !ok {
				b.Fatal("not a bulk insert")
			}
			for bi.NextRow() {
				for bi.Value(&v) && !v.EndRow {
				}
			}
			if !bi.Done() {
				b.Fatal("not scanned whole")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/row")
	})
}
