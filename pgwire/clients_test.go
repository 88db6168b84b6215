package pgwire_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// requireTool skips the test when a client program is missing, except
// under CI=true, where it fails.
func requireTool(t *testing.T, name string, check ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil && len(check) > 0 {
		if out, cerr := exec.Command(path, check...).CombinedOutput(); cerr != nil {
			err = &exec.Error{Name: name + " " + strings.Join(check, " "), Err: cerr}
			_ = out
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI=true: %v", name, err)
		}
		t.Skipf("%s not available (%v); install it to run this test", name, err)
	}
	return path
}

func (ts *testServer) hostPort() (string, string) {
	h, p, _ := net.SplitHostPort(ts.addr)
	return h, p
}

func runPsql(t *testing.T, ts *testServer, stdin string, args ...string) string {
	t.Helper()
	psql := requireTool(t, "psql")
	host, port := ts.hostPort()
	cmd := exec.Command(psql, append([]string{"-X", "-h", host, "-p", port, "-U", "root", "dev"}, args...)...)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10", "PSQLRC=/dev/null")
	cmd.Stdin = strings.NewReader(stdin)
	done := make(chan struct{})
	timer := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	out, err := cmd.CombinedOutput()
	close(done)
	if err != nil {
		t.Fatalf("psql %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestPsql(t *testing.T) {
	ts := startServer(t, nil)
	out := runPsql(t, ts, "", "-c", "select 1 as one")
	if !strings.Contains(out, " one \n-----\n   1\n(1 row)") {
		t.Errorf("psql -c:\n%s", out)
	}
	file := filepath.Join(t.TempDir(), "script.sql")
	script := `CREATE TABLE p (k INT PRIMARY KEY, v VARCHAR);
INSERT INTO p VALUES (1, 'one'), (2, NULL);
FLUSH;
SELECT k, v FROM p ORDER BY k;
`
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	out = runPsql(t, ts, "", "-v", "ON_ERROR_STOP=1", "-f", file)
	for _, want := range []string{"CREATE_TABLE", "INSERT 0 2", "FLUSH", " 1 | one", " 2 | \n", "(2 rows)"} {
		if !strings.Contains(out, want) {
			t.Errorf("psql -f: missing %q in\n%s", want, out)
		}
	}
	out = runPsql(t, ts, "\\timing on\n\\x on\nSELECT k, v FROM p WHERE k = 1;\n")
	for _, want := range []string{"Timing is on.", "Expanded display is on.", "-[ RECORD 1 ]", "k | 1", "v | one", "Time: "} {
		if !strings.Contains(out, want) {
			t.Errorf("psql \\timing \\x: missing %q in\n%s", want, out)
		}
	}
	// Errors come back with SQLSTATE, position and psql's caret.
	psql := requireTool(t, "psql")
	host, port := ts.hostPort()
	cmd := exec.Command(psql, "-X", "-h", host, "-p", port, "-U", "root", "dev", "-c", "SELECT nope FROM p")
	b, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "LINE 1: SELECT nope FROM p\n               ^") {
		t.Errorf("psql error: %v\n%s", err, b)
	}
}

func TestPgIsReady(t *testing.T) {
	ts := startServer(t, nil)
	tool := requireTool(t, "pg_isready")
	host, port := ts.hostPort()
	out, err := exec.Command(tool, "-h", host, "-p", port).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "accepting connections") {
		t.Errorf("pg_isready: %v\n%s", err, out)
	}
}

const psycopgScript = `
import sys, psycopg2
host, port = sys.argv[1], int(sys.argv[2])
conn = psycopg2.connect(host=host, port=port, user="root", dbname="dev")
conn.autocommit = True
cur = conn.cursor()
cur.execute("CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR, amount DOUBLE PRECISION)")
cur.execute("CREATE MATERIALIZED VIEW totals AS SELECT customer, sum(amount) AS total, count(*) AS n FROM orders GROUP BY customer")
cur.executemany("INSERT INTO orders VALUES (%s, %s, %s)", [(1, "ann", 10.5), (2, "bob", 3.0), (3, "ann", 1.5), (4, "o'neil", 2.0)])
cur.execute("FLUSH")
cur.execute("SELECT customer, total, n FROM totals WHERE customer = %s", ("ann",))
row = cur.fetchone()
assert row == ("ann", 12.0, 2), row
cur.execute("SELECT customer, n FROM totals ORDER BY customer")
rows = cur.fetchall()
assert rows == [("ann", 2), ("bob", 1), ("o'neil", 1)], rows
assert [d[0] for d in cur.description] == ["customer", "n"], cur.description
try:
    cur.execute("SELECT nope FROM totals")
    raise SystemExit("expected an error")
except psycopg2.Error as e:
    assert e.pgcode == "42703", e.pgcode
# Default (non-autocommit) mode: psycopg2 sends BEGIN itself.
conn2 = psycopg2.connect(host=host, port=port, user="root", dbname="dev")
c2 = conn2.cursor()
c2.execute("SELECT count(*) FROM orders")
assert c2.fetchone() == (4,)
conn2.commit()
conn2.close()
print("psycopg2 ok")
`

func TestPsycopg2(t *testing.T) {
	ts := startServer(t, nil)
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		py = "python3"
	}
	requireTool(t, py, "-c", "import psycopg2")
	host, port := ts.hostPort()
	script := filepath.Join(t.TempDir(), "client.py")
	if err := os.WriteFile(script, []byte(psycopgScript), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, script, host, port).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "psycopg2 ok") {
		t.Errorf("psycopg2: %v\n%s", err, out)
	}
	// The server is still healthy.
	c := ts.connect(t, pgx.QueryExecModeSimpleProtocol)
	mustExec(t, c, "SELECT 1")
}
