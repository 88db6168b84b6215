package pgwire_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// copyIn runs sql (a COPY … FROM STDIN) with data on c.
func copyIn(c *pgx.Conn, sql, data string) (pgconn.CommandTag, error) {
	return c.PgConn().CopyFrom(context.Background(), strings.NewReader(data), sql)
}

// copyOut runs sql (a COPY … TO STDOUT) and returns the data.
func copyOut(t *testing.T, c *pgx.Conn, sql string) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := c.PgConn().CopyTo(context.Background(), &b, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return b.String()
}

// tableText is the rows of a query in COPY text form (ordered by the query).
func tableText(t *testing.T, c *pgx.Conn, query string) string {
	t.Helper()
	return copyOut(t, c, "COPY ("+query+") TO STDOUT")
}

// The expected values of these tests are what PostgreSQL 15 answers for the
// same statements and data.
func TestCopyFromText(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.connect(t, pgx.QueryExecModeCacheStatement)
	mustExec(t, c, "CREATE TABLE ct (a INT PRIMARY KEY, b VARCHAR, c NUMERIC)")
	steps := []struct{ sql, data, tag string }{
		{"COPY ct FROM STDIN", "1\tx\t1.5\n2\t\\N\t2\n3\ta\\tb\\\\c\t\\N\n\\.\n", "COPY 3"},
		{"COPY ct FROM STDIN WITH (FORMAT csv, HEADER true)", "a,b,c\n7,\"q,\"\"x\"\"\",\n8,,3\n", "COPY 2"},
		{"COPY ct FROM STDIN WITH (FORMAT text, HEADER true)", "a\tb\tc\n9\th\t1\n", "COPY 1"},
		{"copy ct (a, c) from stdin delimiter '|' null 'nil'", "11|nil\r\n", "COPY 1"},
		{"COPY ct FROM STDIN CSV", "12,\"multi\nline\",4\n13,\"\",\n", "COPY 2"},
		{"COPY ct FROM STDIN", "14\t\\x41\\102\\n\t-0.5", "COPY 1"},
		{"COPY ct FROM STDIN", "", "COPY 0"},
	}
	for _, s := range steps {
		tag, err := copyIn(c, s.sql, s.data)
		if err != nil {
			t.Fatalf("%s: %v", s.sql, err)
		}
		if tag.String() != s.tag {
			t.Errorf("%s: tag %q, want %q", s.sql, tag, s.tag)
		}
	}
	mustExec(t, c, "FLUSH")
	want := "1\tx\t1.5\n2\t\\N\t2\n3\ta\\tb\\\\c\t\\N\n7\tq,\"x\"\t\\N\n8\t\\N\t3\n9\th\t1\n11\t\\N\t\\N\n" +
		"12\tmulti\\nline\t4\n13\t\t\\N\n14\tAB\\n\t-0.5\n"
	if got := tableText(t, c, "SELECT * FROM ct ORDER BY a"); got != want {
		t.Errorf("table after COPY:\n%s\nwant:\n%s", got, want)
	}
	// A COPY of an existing key replaces the row (eddy upserts on the key).
	if _, err := copyIn(c, "COPY ct FROM STDIN CSV", "1,y,9\n"); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "FLUSH")
	if got := tableText(t, c, "SELECT * FROM ct WHERE a = 1"); got != "1\ty\t9\n" {
		t.Errorf("after upsert: %q", got)
	}
}

func TestCopyFromErrors(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.connect(t, pgx.QueryExecModeCacheStatement)
	mustExec(t, c, "CREATE TABLE ct (a INT PRIMARY KEY, b VARCHAR, c NUMERIC)")
	cases := []struct{ sql, data, code, msg, where string }{
		{"COPY ct FROM STDIN", "4\ty\t1\nx\tz\t2\n", "22P02", `invalid input syntax for type integer: "x"`, `COPY ct, line 2, column a: "x"`},
		{"COPY ct FROM STDIN", "5\ty\n", "22P04", `missing data for column "c"`, "COPY ct, line 1: \"5\\ty\""},
		{"COPY ct FROM STDIN", "6\ty\t1\t2\n", "22P04", "extra data after last expected column", "COPY ct, line 1: \"6\\ty\\t1\\t2\""},
		{"COPY ct FROM STDIN WITH CSV", "10,\"unterminated\n", "22P04", "unterminated CSV quoted field", ""},
		{"COPY ct (zz) FROM STDIN", "1\n", "42703", `column "zz" of relation "ct" does not exist`, ""},
		{"COPY nope FROM STDIN", "1\n", "42P01", `relation "nope" does not exist`, ""},
		{"COPY ct FROM '/tmp/x.csv'", "", "0A000", "", ""},
		{"COPY ct FROM STDIN WITH (FORMAT text, QUOTE '\"')", "", "0A000", "COPY quote available only in CSV mode", ""},
		{"COPY ct FROM STDIN WITH (FORMAT csv, DELIMITER ',,')", "", "0A000", "COPY delimiter must be a single one-byte character", ""},
		{"COPY ct FROM STDIN WITH (FORMAT binary)", "not binary", "22P04", "COPY file signature not recognized", ""},
	}
	for _, tc := range cases {
		_, err := copyIn(c, tc.sql, tc.data)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			t.Errorf("%s: err %v, want a %s error", tc.sql, err, tc.code)
			continue
		}
		if pe.Position != 0 {
			t.Errorf("%s: error position %d points into a statement the client did not send", tc.sql, pe.Position)
		}
		if pe.Code != tc.code || tc.msg != "" && pe.Message != tc.msg || tc.where != "" && pe.Where != tc.where {
			t.Errorf("%s: %s %q (context %q), want %s %q (context %q)", tc.sql, pe.Code, pe.Message, pe.Where, tc.code, tc.msg, tc.where)
		}
	}
	// The extended protocol does not carry COPY.
	if _, err := c.Prepare(context.Background(), "cp", "COPY ct TO STDOUT"); err == nil || !strings.Contains(err.Error(), "simple query protocol") {
		t.Errorf("COPY over the extended protocol: %v", err)
	}
	// The connection is usable afterwards and no row of a failed COPY was
	// applied.
	mustExec(t, c, "FLUSH")
	if got := tableText(t, c, "SELECT * FROM ct ORDER BY a"); got != "" {
		t.Errorf("rows of failed COPYs were applied:\n%s", got)
	}
	// A client that aborts the COPY (CopyFail) applies nothing either.
	_, err := c.PgConn().CopyFrom(context.Background(), &failingReader{data: "1\tx\t1\n"}, "COPY ct FROM STDIN")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" || !strings.HasPrefix(pe.Message, "COPY from stdin failed: ") {
		t.Errorf("CopyFail: %v", err)
	}
	mustExec(t, c, "FLUSH")
	if got := tableText(t, c, "SELECT * FROM ct ORDER BY a"); got != "" {
		t.Errorf("rows of an aborted COPY were applied:\n%s", got)
	}
}

// failingReader yields data, then an error.
type failingReader struct{ data string }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, errors.New("client gave up")
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// pgx's CopyFrom describes the columns and sends the binary format.
func TestCopyFromPgx(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.connect(t, pgx.QueryExecModeCacheStatement)
	mustExec(t, c, "CREATE TABLE cb (id BIGINT PRIMARY KEY, n INT, s VARCHAR, f DOUBLE PRECISION, ok BOOLEAN, d NUMERIC, ts TIMESTAMP, day DATE)")
	at := time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)
	var rows [][]any
	for i := range 2500 {
		rows = append(rows, []any{int64(i), int32(i * 2), "s" + strings.Repeat("x", i%3), float64(i) / 4, i%2 == 0, "1.25", at.Add(time.Duration(i) * time.Hour), at})
	}
	rows = append(rows, []any{int64(-1), nil, nil, nil, nil, nil, nil, nil})
	n, err := c.CopyFrom(context.Background(), pgx.Identifier{"cb"}, []string{"id", "n", "s", "f", "ok", "d", "ts", "day"}, pgx.CopyFromRows(rows))
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(rows)) {
		t.Errorf("CopyFrom = %d, want %d", n, len(rows))
	}
	mustExec(t, c, "FLUSH")
	got := tableText(t, c, "SELECT count(*), sum(n), sum(f), count(ok), sum(d), max(ts), min(day) FROM cb")
	// PostgreSQL: the same rows give 2501 | 6247500 | 780937.5 | 2500 | 3125.00 | 2024-06-13 15:30:00 | 2024-03-01
	if want := "2501\t6247500\t780937.5\t2500\t3125.00\t2024-06-13 15:30:00\t2024-03-01\n"; got != want {
		t.Errorf("aggregates after CopyFrom: %q, want %q", got, want)
	}
	if got := tableText(t, c, "SELECT * FROM cb WHERE id IN (-1, 7) ORDER BY id"); got !=
		"-1\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n7\t14\tsx\t1.75\tf\t1.25\t2024-03-01 19:30:00\t2024-03-01\n" {
		t.Errorf("rows after CopyFrom: %q", got)
	}
	// A binary value of the wrong size is an error, and nothing is applied.
	_, err = c.CopyFrom(context.Background(), pgx.Identifier{"cb"}, []string{"id", "s"}, pgx.CopyFromRows([][]any{{int64(9000), "a"}, {"x", "b"}}))
	if err == nil {
		t.Error("CopyFrom of a string into a BIGINT: no error")
	}
	mustExec(t, c, "FLUSH")
	if got := tableText(t, c, "SELECT count(*) FROM cb WHERE id = 9000"); got != "0\n" {
		t.Errorf("a failed CopyFrom applied rows: %q", got)
	}
}

func TestCopyTo(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.connect(t, pgx.QueryExecModeCacheStatement)
	mustExec(t, c, "CREATE TABLE ct (a INT PRIMARY KEY, b VARCHAR, c NUMERIC)")
	mustExec(t, c, `INSERT INTO ct VALUES (1, 'x', 1.5), (2, NULL, 2), (3, E'a\tb\\c', NULL), (7, 'q,"x"', NULL), (8, '', 3)`)
	mustExec(t, c, "FLUSH")
	cases := []struct{ sql, want string }{
		{"COPY ct TO STDOUT", "1\tx\t1.5\n2\t\\N\t2\n3\ta\\tb\\\\c\t\\N\n7\tq,\"x\"\t\\N\n8\t\t3\n"},
		{"COPY ct TO STDOUT WITH (FORMAT csv, HEADER)", "a,b,c\n1,x,1.5\n2,,2\n3,a\tb\\c,\n7,\"q,\"\"x\"\"\",\n8,\"\",3\n"},
		{"COPY (SELECT a, b FROM ct WHERE a > 2 ORDER BY a) TO STDOUT CSV", "3,a\tb\\c\n7,\"q,\"\"x\"\"\"\n8,\"\"\n"},
		{"COPY ct (c, a) TO STDOUT DELIMITER '|' NULL 'nil'", "1.5|1\n2|2\n3|8\nnil|3\nnil|7\n"},
	}
	for _, tc := range cases {
		got := copyOut(t, c, tc.sql)
		if !strings.Contains(tc.sql, "ORDER BY") {
			got = sortLines(got, strings.Contains(tc.sql, "HEADER"))
		}
		if got != tc.want {
			t.Errorf("%s:\n%q\nwant\n%q", tc.sql, got, tc.want)
		}
	}
	// Binary: the signature, one tuple per row, the trailer.
	var b bytes.Buffer
	tag, err := c.PgConn().CopyTo(context.Background(), &b, "COPY (SELECT a FROM ct WHERE a = 1) TO STDOUT (FORMAT binary)")
	if err != nil {
		t.Fatal(err)
	}
	want := "PGCOPY\n\xff\r\n\x00" + "\x00\x00\x00\x00\x00\x00\x00\x00" + "\x00\x01\x00\x00\x00\x04\x00\x00\x00\x01" + "\xff\xff"
	if b.String() != want || tag.String() != "COPY 1" {
		t.Errorf("binary COPY TO = %q %q, want %q", tag, b.String(), want)
	}
}

// sortLines sorts the lines of s after the first (a header) when header.
func sortLines(s string, header bool) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	from := 0
	if header {
		from = 1
	}
	body := lines[from:]
	for i := 1; i < len(body); i++ {
		for j := i; j > 0 && body[j] < body[j-1]; j-- {
			body[j], body[j-1] = body[j-1], body[j]
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// psql's \copy sends COPY … FROM STDIN with the file's contents, and
// \copy … TO writes what COPY … TO STDOUT sends.
func TestCopyPsql(t *testing.T) {
	ts := startServer(t, nil)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("id,name,score\n1,ann,1.5\n2,\"bob, jr\",\n3,,7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.csv")
	got := runPsql(t, ts, "", "-v", "ON_ERROR_STOP=1",
		"-c", "CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR, score NUMERIC)",
		"-c", `\copy people from '`+in+`' csv header`,
		"-c", "FLUSH",
		"-c", `\copy (SELECT * FROM people ORDER BY id) to '`+out+`' with (format csv, header)`,
		"-c", "SELECT id, coalesce(name, '<null>') AS name, score FROM people ORDER BY id")
	if !strings.Contains(got, "COPY 3") {
		t.Errorf("psql output lacks COPY 3:\n%s", got)
	}
	for _, want := range []string{"1 | ann     |   1.5", "2 | bob, jr |      ", "3 | <null>  |     7"} {
		if !strings.Contains(got, want) {
			t.Errorf("psql output lacks %q:\n%s", want, got)
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "id,name,score\n1,ann,1.5\n2,\"bob, jr\",\n3,,7\n" {
		t.Errorf("\\copy to wrote %q", b)
	}
	// A bad row: psql reports the error with its line, nothing is applied.
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("10,x,1\n11,y,zz\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got = runPsql(t, ts, "", "-c", `\copy people from '`+bad+`' csv`, "-c", "FLUSH", "-c", "SELECT count(*) FROM people")
	if !strings.Contains(got, `COPY people, line 2, column score: "zz"`) || !strings.Contains(got, "     3") {
		t.Errorf("psql output after a bad \\copy:\n%s", got)
	}
}

// BenchmarkCopyFrom loads rows with pgx's CopyFrom (binary format).
func BenchmarkCopyFrom(b *testing.B) {
	ts := startServer(b, nil)
	c := ts.connect(b, pgx.QueryExecModeCacheStatement)
	mustExec(b, c, "CREATE TABLE cb (id BIGINT PRIMARY KEY, v BIGINT, s VARCHAR)")
	const n = 10000
	rows := make([][]any, n)
	next := int64(0)
	b.ResetTimer()
	for range b.N {
		for i := range rows {
			rows[i] = []any{next, next * 7, "value"}
			next++
		}
		if _, err := c.CopyFrom(context.Background(), pgx.Identifier{"cb"}, []string{"id", "v", "s"}, pgx.CopyFromRows(rows)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "rows/s")
}

// FORCE_QUOTE, FORCE_NOT_NULL and FORCE_NULL, with what PostgreSQL 15 answers.
func TestCopyForceOptions(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.connect(t, pgx.QueryExecModeCacheStatement)
	mustExec(t, c, "CREATE TABLE ft (a INT PRIMARY KEY, b VARCHAR, c VARCHAR)")
	if _, err := copyIn(c, "COPY ft FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (b), FORCE_NULL (c))", "1,,\"\"\n2,\"\",\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := copyIn(c, "COPY ft FROM STDIN CSV FORCE NOT NULL b, c", "3,,\n"); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "FLUSH")
	if got := tableText(t, c, "SELECT a, b IS NULL, c IS NULL FROM ft ORDER BY a"); got != "1\tf\tt\n2\tf\tt\n3\tf\tf\n" {
		t.Errorf("after FORCE_NOT_NULL/FORCE_NULL: %q", got)
	}
	for sql, want := range map[string]string{
		"COPY (SELECT * FROM ft WHERE a < 3 ORDER BY a) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (b))": "1,\"\",\n2,\"\",\n",
		"COPY (SELECT * FROM ft WHERE a < 3 ORDER BY a) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)":   "\"1\",\"\",\n\"2\",\"\",\n",
		"COPY (SELECT * FROM ft WHERE a < 3 ORDER BY a) TO STDOUT CSV FORCE QUOTE a, c":               "\"1\",\"\",\n\"2\",\"\",\n",
	} {
		if got := copyOut(t, c, sql); got != want {
			t.Errorf("%s: %q, want %q", sql, got, want)
		}
	}
	for _, tc := range []struct{ sql, code, msg string }{
		{"COPY ft TO STDOUT WITH (FORMAT text, FORCE_QUOTE *)", "0A000", "COPY force quote available only in CSV mode"},
		{"COPY ft FROM STDIN WITH (FORMAT csv, FORCE_QUOTE *)", "0A000", "COPY force quote only available using COPY TO"},
		{"COPY ft TO STDOUT WITH (FORMAT csv, FORCE_NULL (b))", "0A000", "COPY force null only available using COPY FROM"},
		{"COPY ft TO STDOUT WITH (FORMAT csv, FORCE_NOT_NULL (b))", "0A000", "COPY force not null only available using COPY FROM"},
		{"COPY ft FROM STDIN WITH (FORMAT csv, FORCE_NULL (zz))", "42703", `column "zz" of relation "ft" does not exist`},
		{"COPY ft (a) FROM STDIN WITH (FORMAT csv, FORCE_NULL (b))", "42P10", `FORCE_NULL column "b" not referenced by COPY`},
		{"COPY ft TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (zz))", "42703", `column "zz" of relation "ft" does not exist`},
	} {
		var err error
		if strings.Contains(tc.sql, " TO ") {
			_, err = c.PgConn().CopyTo(context.Background(), &bytes.Buffer{}, tc.sql)
		} else {
			_, err = copyIn(c, tc.sql, "")
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != tc.code || pe.Message != tc.msg {
			t.Errorf("%s: %v, want %s %s", tc.sql, err, tc.code, tc.msg)
		}
	}
}
