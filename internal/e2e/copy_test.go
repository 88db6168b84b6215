package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// COPY into `eddy serve` with psql's \copy (CSV, from a file) and pgx's
// CopyFrom (binary), read back through a materialized view, with psql and
// over HTTP, and out again with \copy … to. Expected values are what
// PostgreSQL 15 gives for the same statements.
func TestCopyEndToEnd(t *testing.T) {
	dir := t.TempDir()
	s := startEddy(t, "serve", "--data-dir", filepath.Join(dir, "data"))
	in := filepath.Join(dir, "orders.csv")
	if err := os.WriteFile(in, []byte("id,customer,amount\n1,ann,10.5\n2,bob,3\n3,ann,\n4,\"c, d\",1.25\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.psql(t, "-c", "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR, amount NUMERIC)",
		"-c", "CREATE MATERIALIZED VIEW per_customer AS SELECT customer, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer")
	if out := s.psql(t, "-c", `\copy orders from '`+in+`' with (format csv, header)`); !strings.Contains(out, "COPY 4") {
		t.Errorf("\\copy from: %s", out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, "postgres://root@"+s.pgAddr+"/dev?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"orders"}, []string{"id", "customer", "amount"},
		pgx.CopyFromRows([][]any{{int64(5), "bob", "2.5"}, {int64(2), "eve", "7"}, {int64(6), nil, "1"}}))
	if err != nil || n != 3 {
		t.Fatalf("CopyFrom = %d, %v", n, err)
	}
	s.psql(t, "-c", "FLUSH")
	out := s.psql(t, "-A", "-c", "SELECT customer, n, total FROM per_customer ORDER BY customer NULLS LAST")
	if want := "customer|n|total\nann|2|10.5\nbob|1|2.5\nc, d|1|1.25\neve|1|7\n|1|1\n(5 rows)"; !strings.Contains(out, want) {
		t.Errorf("view after COPY:\n%s\nwant\n%s", out, want)
	}
	if status, body := s.httpGet(t, "/v1/mv/orders?id=2"); status != 200 || body != `{"id":2,"customer":"eve","amount":7}` {
		t.Errorf("HTTP lookup after COPY: %d %s", status, body)
	}
	// psycopg2's copy_from (text, legacy option syntax), copy_expert and copy_to.
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		py = "python3"
	}
	psycopg := requireToolOK(t, py, "-c", "import psycopg2")
	if psycopg {
		script := filepath.Join(dir, "copy.py")
		_ = os.WriteFile(script, []byte(psycopgCopyScript), 0o644)
		h, p := s.hostPort()
		out, err := runWithTimeout(exec.Command(py, script, h, p), 60*time.Second)
		want := "copy_expert 1\n'7\\tp\\t\\\\N\\n8\\tq|r\\t0.5\\n'\n" +
			"InvalidTextRepresentation 22P02 COPY orders, line 1, column amount: \"bad\"\n"
		if err != nil || out != want {
			t.Errorf("psycopg2 COPY: %v\n%s\nwant\n%s", err, out, want)
		}
	}

	outFile := filepath.Join(dir, "out.csv")
	s.psql(t, "-c", `\copy (SELECT * FROM orders ORDER BY id) to '`+outFile+`' csv header`)
	b, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	want := "id,customer,amount\n1,ann,10.5\n2,eve,7\n3,ann,\n4,\"c, d\",1.25\n5,bob,2.5\n6,,1\n"
	if psycopg {
		want += "7,p,\n8,q|r,0.5\n" // the rows psycopg2 copied in
	}
	if string(b) != want {
		t.Errorf("\\copy to wrote %q, want %q", b, want)
	}
}

const psycopgCopyScript = `
import io, sys, psycopg2
c = psycopg2.connect(host=sys.argv[1], port=int(sys.argv[2]), user="root", dbname="dev")
c.autocommit = True
cur = c.cursor()
cur.copy_from(io.StringIO("7\tp\t\\N\n"), "orders")
cur.copy_expert("COPY orders FROM STDIN WITH (FORMAT csv, DELIMITER ';')", io.StringIO("8;q|r;0.5\n"))
print("copy_expert", cur.rowcount)
cur.execute("FLUSH")
out = io.StringIO()
cur.copy_expert("COPY (SELECT * FROM orders WHERE id > 6 ORDER BY id) TO STDOUT", out)
print(repr(out.getvalue()))
try:
    cur.copy_from(io.StringIO("9\tx\tbad\n"), "orders")
except psycopg2.Error as e:
    print(type(e).__name__, e.pgcode, e.diag.context)
`
