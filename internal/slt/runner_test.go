package slt

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeHarness answers queries from a map and records statements.
type fakeHarness struct {
	stmts   []string
	results map[string][][]string
	errs    map[string]error
}

func (f *fakeHarness) Exec(sql string) error {
	f.stmts = append(f.stmts, sql)
	return f.errs[sql]
}

func (f *fakeHarness) Query(sql string) ([]string, [][]string, error) {
	if err := f.errs[sql]; err != nil {
		return nil, nil, err
	}
	return nil, f.results[sql], nil
}

func runText(t *testing.T, text string, h Harness, opts Options) *Result {
	t.Helper()
	recs, err := Parse("x.slt", text)
	if err != nil {
		t.Fatal(err)
	}
	format := opts.Format
	if format == FormatAuto {
		format = FormatRW
	}
	r := &run{h: h, opts: opts, format: format, engines: []string{"eddy", "postgresql"}, labels: map[string]string{}, res: &Result{}}
	r.runRecords(recs, 0)
	return r.res
}

func TestRWFormat(t *testing.T) {
	h := &fakeHarness{
		results: map[string][][]string{
			"SELECT a, b FROM t": {{"2", "y"}, {"1", ""}, {"3", "NULL"}},
		},
		errs: map[string]error{"bad": errors.New(`relation "t" does not exist (SQLSTATE 42P01)`)},
	}
	text := `
statement ok
CREATE TABLE t (a int)

query IT rowsort
SELECT a, b FROM t
----
1 (empty)
2 y
3 NULL

query IT
SELECT a, b FROM t
----
1 (empty)
2 y
3 NULL

statement error does not exist
bad

statement error 42P0[0-9]
bad

statement error nope
bad

onlyif mysql
statement ok
never

skipif eddy
statement ok
never

statement ok
SELECT 1

halt

statement ok
never
`
	res := runText(t, text, h, Options{})
	if res.Passed != 5 || res.Failed != 2 || res.Skipped != 2 {
		t.Fatalf("got %+v", res)
	}
	for _, s := range h.stmts {
		if s == "never" {
			t.Fatal("ran a skipped statement")
		}
	}
	if !strings.Contains(res.Failures[0].Message, "mismatch") || res.Failures[0].Line != 12 {
		t.Errorf("failure 0: %+v", res.Failures[0])
	}
}

func TestSQLiteFormatHash(t *testing.T) {
	vals := [][]string{{"1", "1.5"}, {"2", "NULL"}}
	h := &fakeHarness{results: map[string][][]string{"q": vals}}
	got := hashValues([]string{"1", "1.500", "2", "NULL"})
	text := "query IR nosort\nq\n----\n4 values hashing to " + got + "\n\nquery IR nosort\nq\n----\n1\n1.500\n2\nNULL\n\nquery II valuesort\nq\n----\n1\n1\n2\nNULL\n"
	res := runText(t, text, h, Options{Format: FormatSQLite})
	if res.Failed != 0 || res.Passed != 3 {
		t.Fatalf("got %+v", res)
	}
}

func TestMultilineError(t *testing.T) {
	text := "statement error\nbad\n----\ndb error: ERROR: x\n\nCaused by:\n  y\n\n\nstatement ok\ngood\n"
	recs, err := Parse("x.slt", text)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[1].SQL != "good" || len(recs[0].Expected) != 4 {
		t.Fatalf("records: %+v %+v", recs[0], recs[1])
	}
}

func TestRewriteAsMV(t *testing.T) {
	create, read, unordered := rewriteAsMV("SELECT a, b + 1, t.a FROM t WHERE a > 1 ORDER BY b + 1 DESC, 1", "m")
	if unordered || read != "SELECT * FROM m ORDER BY 2 DESC, 1" {
		t.Errorf("read %q unordered %v", read, unordered)
	}
	if !strings.HasPrefix(create, "CREATE MATERIALIZED VIEW m AS SELECT") || strings.Contains(create, "ORDER BY") {
		t.Errorf("create %q", create)
	}
	_, _, unordered = rewriteAsMV("SELECT a FROM t ORDER BY c", "m")
	if !unordered {
		t.Error("ORDER BY a column not in the select list should be unordered")
	}
	create, _, _ = rewriteAsMV("SELECT a FROM t ORDER BY a LIMIT 3", "m")
	if !strings.Contains(create, "LIMIT") || !strings.Contains(create, "ORDER BY") {
		t.Errorf("top-N lost: %q", create)
	}
}

func TestSQLiteValue(t *testing.T) {
	for _, c := range []struct {
		v    string
		t    byte
		want string
	}{
		{"12", 'I', "12"}, {"12.7", 'I', "12"}, {"-3.5", 'R', "-3.500"}, {"", 'T', "(empty)"}, {"NULL", 'I', "NULL"}, {"a\tb", 'T', "a@b"},
	} {
		if got := sqliteValue(c.v, c.t); got != c.want {
			t.Errorf("sqliteValue(%q, %c) = %q, want %q", c.v, c.t, got, c.want)
		}
	}
}

// countingHarness adds Counter to fakeHarness.
type countingHarness struct {
	fakeHarness
	counts map[string]int64
}

func (c *countingHarness) ExecCount(sql string) (int64, error) {
	if err := c.Exec(sql); err != nil {
		return 0, err
	}
	return c.counts[sql], nil
}

func TestStatementCount(t *testing.T) {
	h := &countingHarness{counts: map[string]int64{"ins": 3}}
	text := "statement count 3\nins\n\nstatement count 2\nins\n\nstatement ok\nins\n"
	res := runText(t, text, h, Options{})
	if res.Passed != 2 || res.Failed != 1 || !strings.Contains(res.Failures[0].Message, "got 3, want 2") {
		t.Fatalf("got %+v", res)
	}
}

func TestRewrite(t *testing.T) {
	h := &fakeHarness{results: map[string][][]string{
		"q1": {{"1", "a"}, {"2", ""}},
		"q2": {{"b", "NULL"}, {"a", "x"}},
		"q3": {{"7"}},
		"q4": {{"ok"}},
	}}
	text := "# comment\nstatement ok\ns\n\nquery IT\nq1\n----\n1 a\n3 z\n9 y\n\nquery TT rowsort\nq2\n----\n\nquery I\nq3\n\nquery T\nq4\n----\nok\n"
	want := "# comment\nstatement ok\ns\n\nquery IT\nq1\n----\n1 a\n2 (empty)\n\nquery TT rowsort\nq2\n----\na x\nb NULL\n\nquery I\nq3\n----\n7\n\nquery T\nq4\n----\nok\n"
	path := filepath.Join(t.TempDir(), "x.slt")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := RunFile(h, path, Options{Rewrite: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rewritten != 3 || res.Failed != 0 || res.Passed != 2 {
		t.Errorf("result %+v", res)
	}
	got, _ := os.ReadFile(path)
	if string(got) != want {
		t.Errorf("rewritten file:\n%s\nwant:\n%s", got, want)
	}
	res, err = RunFile(h, path, Options{})
	if err != nil || res.Failed != 0 || res.Passed != 5 {
		t.Errorf("after rewrite: %+v %v", res, err)
	}
	if _, err := RunFile(h, path, Options{Rewrite: true, Format: FormatSQLite}); err == nil {
		t.Error("rewrite of a SQLite-format file should be refused")
	}
}

func TestParseBareQueryLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bare.slt")
	if err := os.WriteFile(path, []byte("query\nSELECT 1\n----\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := NewEngineHarness(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	res, err := RunFile(h, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Passed != 1 || res.Failed != 0 {
		t.Fatalf("bare query line: %d passed, %d failed, want 1 passed", res.Passed, res.Failed)
	}
}

func TestCanonLine(t *testing.T) {
	cases := [][2]string{
		{"5266.30 x", "5266.3 x"},
		{"2.0", "2"},
		{"-0.500", "-0.5"},
		{"2024-01-01 00:00:20.210+00:00", "2024-01-01 00:00:20.21+00"},
		{"2024-01-01 00:00:20+00", "2024-01-01 00:00:20+00"},
		{"00:00:20.000", "00:00:20"},
		{"1973-07-15 08:15:55.330-04:00", "1973-07-15 08:15:55.33-04"},
		{"2016-10-29 11:00:00+01", "2016-10-29 11:00:00+01"},
		{"2023-04-02 01:45:00+10:30", "2023-04-02 01:45:00+10:30"},
		{"-00:00:00.000001 -02:00:00", "-00:00:00.000001 -02:00:00"},
		{"1.2.3 a.b 1e5 .5", "1.2.3 a.b 1e5 .5"},
	}
	for _, c := range cases {
		if got := canonLine(c[0]); got != c[1] {
			t.Errorf("canonLine(%q) = %q, want %q", c[0], got, c[1])
		}
	}
	if canonLine("2022-01-01 00:00:00-08:00") == canonLine("2022-01-01 00:00:00-07") {
		t.Error("different offsets compare equal")
	}
	if canonLine("5266.31") == canonLine("5266.3") {
		t.Error("different numbers compare equal")
	}
}

func TestRWErrorCause(t *testing.T) {
	pat := "db error: ERROR: Failed to run the query\n\nCaused by:\n  Invalid input syntax: Column `x` is bad.\n"
	if !errorMatches(pat, "Column `x` is bad. (SQLSTATE 42601)") {
		t.Errorf("cause not matched")
	}
	if errorMatches(pat, "Column `y` is bad.") {
		t.Errorf("different message matched")
	}
	pat = "db error: ERROR: Failed to run the query\n\nCaused by these errors (recent errors listed first):\n  1: Expr error\n  2: division by zero\n"
	if !errorMatches(pat, "division by zero (SQLSTATE 22012)") {
		t.Errorf("numbered cause not matched")
	}
}
