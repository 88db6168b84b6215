package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/pgwire"
	"github.com/eddysql/eddy/sqlerr"
)

func startTestServer(t *testing.T) (eng *engine.Engine, port string) {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{BarrierInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := pgwire.NewServer(pgwire.Config{Engine: eng})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = eng.Close()
	})
	_, port, _ = net.SplitHostPort(ln.Addr().String())
	return eng, port
}

func shellRun(t *testing.T, port, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := runShell(ctx, append([]string{"-h", "127.0.0.1", "-p", port}, args...), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func TestShell(t *testing.T) {
	_, port := startTestServer(t)
	script := `CREATE TABLE s (k INT PRIMARY KEY, name VARCHAR);
INSERT INTO s VALUES (1, 'a'), (22, NULL),
  (3, 'ccc');
CREATE MATERIALIZED VIEW sm AS
  SELECT count(*) AS n FROM s;
FLUSH;
SELECT k, name FROM s ORDER BY k;
\d
\d s
\x
SELECT k, name FROM s WHERE k = 1;
\x off
\timing on
SELECT 'it''s; here' AS txt -- comment; still one statement
;
SELECT
  nope FROM s;
`
	out, errOut, err := shellRun(t, port, script)
	if !errors.Is(err, errFailed) {
		t.Errorf("a failed statement should fail the run: %v", err)
	}
	wants := []string{
		"CREATE_TABLE\nINSERT 0 3\nCREATE_MATERIALIZED_VIEW\nFLUSH\n",
		" k  | name\n----+------\n  1 | a\n  3 | ccc\n 22 |\n(3 rows)\n",
		"List of relations",
		" public | s    | table\n",
		" public | sm   | materialized view\n",
		` k                 | integer`,
		"Expanded display is on.\n-[ RECORD 1 ]+--\nk    | 1\nname | a\n",
		"    txt\n------------\n it's; here\n(1 row)\n",
		"Time: ",
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if want := "ERROR:  column \"nope\" does not exist\nLINE 2:   nope FROM s;\n          ^"; !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}

	// -c and -f.
	out, _, err = shellRun(t, port, "", "-c", "SELECT 1 AS one; SELECT 2 AS two")
	if err != nil || !strings.Contains(out, " one\n-----\n   1\n(1 row)\n") || !strings.Contains(out, " two\n") {
		t.Errorf("-c: %v\n%s", err, out)
	}
	f := filepath.Join(t.TempDir(), "q.sql")
	if err := os.WriteFile(f, []byte("SELECT count(*) AS n FROM s;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = shellRun(t, port, "", "-f", f)
	if err != nil || !strings.Contains(out, " n\n---\n 3\n") {
		t.Errorf("-f: %v\n%s", err, out)
	}
	out, _, err = shellRun(t, port, "", "-c", `\d`)
	if err != nil || !strings.Contains(out, "sm") {
		t.Errorf(`-c \d: %v\n%s`, err, out)
	}
}

func TestStatementComplete(t *testing.T) {
	for sql, want := range map[string]bool{
		"select 1;":                  true,
		"select 1":                   false,
		"select ';'":                 false,
		"select ';';":                true,
		"select 1; -- done":          true,
		"select 1 -- ;":              false,
		"select $$;$$":               false,
		"select $$;$$;":              true,
		"select /* ; */ 1":           false,
		"select \"a;\" from t;  \n ": true,
	} {
		if got := statementComplete(sql); got != want {
			t.Errorf("statementComplete(%q) = %v", sql, got)
		}
	}
}

func TestFormatSQLError(t *testing.T) {
	err := sqlerr.New("42601", "syntax error at or near \"FROM\"").WithPosition(16).WithHint("a hint")
	got := formatSQLError("SELECT a,\n  b, FROM t", err)
	want := "ERROR:  syntax error at or near \"FROM\"\nLINE 2:   b, FROM t\n             ^\nHINT:  a hint"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestInitFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	eng, err := engine.Open(ctx, engine.Options{Dir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := filepath.Join(dir, "init.sql")
	write := func(s string) {
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`CREATE TABLE t (a INT PRIMARY KEY, b VARCHAR);
CREATE MATERIALIZED VIEW m AS SELECT b, count(*) AS n FROM t GROUP BY b;`)
	if err := runInitFile(ctx, eng, f, log); err != nil {
		t.Fatal(err)
	}
	// Same definitions (spelled differently): skipped.
	write(`create table t (a int primary key, b varchar);
create materialized view m as select b, count(*) as n from t group by b;`)
	if err := runInitFile(ctx, eng, f, log); err != nil {
		t.Errorf("rerun: %v", err)
	}
	// A different definition is an error that names the object.
	write(`CREATE MATERIALIZED VIEW m AS SELECT b, count(*) AS cnt FROM t GROUP BY b;`)
	if err := runInitFile(ctx, eng, f, log); err == nil || !strings.Contains(err.Error(), "different definition") {
		t.Errorf("changed definition: %v", err)
	}
	// Other errors report the line.
	write("\n\nSELECT nope FROM t;")
	if err := runInitFile(ctx, eng, f, log); err == nil || !strings.Contains(err.Error(), "init.sql:3") {
		t.Errorf("bad statement: %v", err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
}
