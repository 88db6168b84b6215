package connectors_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/internal/pgtest"
	"github.com/eddysql/eddy/types"
)

var cdcSchema = types.Schema{
	{Name: "id", Type: types.Int64},
	{Name: "Name", Type: types.Varchar}, // matched case-insensitively
	{Name: "price", Type: types.Numeric},
	{Name: "qty", Type: types.Int32},
	{Name: "tags", Type: types.ArrayOf(types.Varchar)},
	{Name: "updated", Type: types.TimestamptzT},
}

const cdcCols = "id, name, price, qty, tags, updated"

func cdcWith(srv *pgtest.Server, table, slot string) map[string]string {
	return map[string]string{"connector": "postgres-cdc", "hostname": "127.0.0.1", "port": strconv.Itoa(srv.Port),
		"username": "postgres", "database.name": "postgres", "table.name": table, "slot.name": slot}
}

func cdcSetup(t testing.TB) (*pgtest.Server, *pgx.Conn) {
	t.Helper()
	srv := pgtest.Start(t, pgtest.Options{Logical: true})
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return srv, conn
}

func mustExec(t testing.TB, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func newCDC(t testing.TB, cfg connectors.SourceConfig) connectors.Source {
	t.Helper()
	src, err := connectors.Default.NewSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// cdcState applies changes with upsert semantics by the first column.
type cdcState struct {
	rows    map[string]string // key → formatted row
	inserts map[string]int
	deletes int
}

func newCDCState() *cdcState {
	return &cdcState{rows: map[string]string{}, inserts: map[string]int{}}
}

func fmtRow(r types.Row) string {
	var parts []string
	for _, d := range r {
		if d == nil {
			parts = append(parts, "NULL")
		} else {
			parts = append(parts, types.FormatText(d))
		}
	}
	return strings.Join(parts, "|")
}

func (s *cdcState) apply(c *types.Chunk) {
	for i := 0; i < c.NumRows(); i++ {
		r := c.Row(i)
		k := types.FormatText(r[0])
		if c.Ops[i].IsInsert() {
			s.rows[k] = fmtRow(r)
			s.inserts[k]++
		} else {
			delete(s.rows, k)
			s.deletes++
		}
	}
	c.Release()
}

// upstream reads the table as the source would decode it.
func upstream(t testing.TB, conn *pgx.Conn, table string, schema types.Schema) map[string]string {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT "+cdcCols+" FROM "+table, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		vals := rows.RawValues()
		r := make(types.Row, len(vals))
		for i, v := range vals {
			if v == nil {
				continue
			}
			d, err := expr.ParseText(string(v), schema[i].Type)
			if err != nil {
				t.Fatalf("parse %q: %v", v, err)
			}
			r[i] = d
		}
		out[types.FormatText(r[0])] = fmtRow(r)
	}
	return out
}

// readUntil reads until cond holds or the timeout passes.
func readUntil(t testing.TB, src connectors.Source, st *cdcState, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: have %d rows", len(st.rows))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		c, err := src.Read(ctx)
		cancel()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				continue
			}
			t.Fatal(err)
		}
		st.apply(c)
	}
}

// drain reads for d and returns what arrived.
func drain(t testing.TB, src connectors.Source, d time.Duration) *cdcState {
	t.Helper()
	st := newCDCState()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		c, err := src.Read(ctx)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return st
			}
			t.Fatal(err)
		}
		st.apply(c)
	}
}

func equalMaps(a, b map[string]string) string {
	var diffs []string
	for k, v := range a {
		if b[k] != v {
			diffs = append(diffs, fmt.Sprintf("%s: got %q want %q", k, v, b[k]))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: missing, want %q", k, v))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 10 {
		diffs = append(diffs[:10], fmt.Sprintf("… %d more", len(diffs)-10))
	}
	return strings.Join(diffs, "\n")
}

const cdcTableDDL = `CREATE TABLE %s (id bigint PRIMARY KEY, name text, price numeric(10,2), qty int, tags text[], updated timestamptz, extra text)`

func TestPostgresCDCSnapshotAndStream(t *testing.T) {
	srv, conn := cdcSetup(t)
	mustExec(t, conn, fmt.Sprintf(cdcTableDDL, "products"))
	mustExec(t, conn, `INSERT INTO products SELECT g, 'p' || g, g * 1.25, g % 7, ARRAY['a', 'b,' || g], '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 minute', 'x'
		FROM generate_series(1, 5000) g`)

	src := newCDC(t, connectors.SourceConfig{Name: "products", Schema: cdcSchema, PK: []int{0}, With: cdcWith(srv, "products", "")})
	defer src.Close()

	// Insert rows one transaction at a time while the slot and the snapshot
	// are taken: each must arrive exactly once, through one path or the other.
	const concurrent = 300
	var wg sync.WaitGroup
	wg.Add(1)
	started := make(chan struct{})
	go func() {
		defer wg.Done()
		var once sync.Once
		defer once.Do(func() { close(started) })
		c, err := pgx.Connect(context.Background(), srv.DSN())
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close(context.Background())
		for i := 0; i < concurrent; i++ {
			if i == 10 {
				once.Do(func() { close(started) })
			}
			if _, err := c.Exec(context.Background(), `INSERT INTO products VALUES ($1::bigint, 'c' || $1::bigint, 1, 1, NULL, now(), 'y')`, 100000+i); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	<-started
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := newCDCState()
	// First reads happen while inserts continue.
	readUntil(t, src, st, 30*time.Second, func() bool { return len(st.rows) >= 2000 })
	wg.Wait()
	if off := src.Offsets(); off["lsn"] == "" {
		t.Fatalf("offsets %v", off)
	}
	readUntil(t, src, st, 30*time.Second, func() bool { return len(st.rows) == 5000+concurrent })
	for i := 0; i < concurrent; i++ {
		if n := st.inserts[strconv.Itoa(100000+i)]; n != 1 {
			t.Fatalf("row %d delivered %d times", 100000+i, n)
		}
	}
	if off := src.Offsets(); off["snapshot_done"] != "true" {
		t.Fatalf("offsets after snapshot: %v", off)
	}

	// Streaming: several transactions of inserts, updates, deletes, a key
	// change, NULLs, and an update that leaves a large TOASTed value alone.
	mustExec(t, conn, `ALTER TABLE products REPLICA IDENTITY FULL`)
	mustExec(t, conn, `UPDATE products SET name = (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 1000) g) WHERE id = 7`)
	mustExec(t, conn, `BEGIN; INSERT INTO products VALUES (9001, 'new', 9.99, NULL, '{}', NULL, 'z'); UPDATE products SET price = price + 1, tags = ARRAY['q"x', NULL] WHERE id <= 100; COMMIT`)
	mustExec(t, conn, `DELETE FROM products WHERE id BETWEEN 200 AND 1200`)
	mustExec(t, conn, `UPDATE products SET qty = 99 WHERE id = 7`) // name is TOASTed and unchanged
	mustExec(t, conn, `UPDATE products SET id = 777777 WHERE id = 3`)
	mustExec(t, conn, `UPDATE products SET extra = 'only-unmapped-column' WHERE id = 4`)
	mustExec(t, conn, `INSERT INTO products SELECT g, 'bulk', 1, 1, NULL, NULL, NULL FROM generate_series(200000, 203000) g`)
	want := upstream(t, conn, "products", cdcSchema)
	readUntil(t, src, st, 30*time.Second, func() bool { return len(st.rows) == len(want) && st.rows["777777"] != "" && st.rows["203000"] != "" })
	// Give stragglers a moment, then compare.
	for k := range drain(t, src, 300*time.Millisecond).rows {
		t.Fatalf("unexpected extra change for %s", k)
	}
	if d := equalMaps(st.rows, want); d != "" {
		t.Fatalf("integral of changes differs from upstream:\n%s", d)
	}
	if s := src.(connectors.StatsReporter).Stats(); s.BadMessages != 0 {
		t.Fatalf("bad messages: %d", s.BadMessages)
	}
}

func TestPostgresCDCRestartAfterAck(t *testing.T) {
	srv, conn := cdcSetup(t)
	goroutines := runtime.NumGoroutine()
	defer func() {
		for i := 0; runtime.NumGoroutine() > goroutines && i < 100; i++ {
			time.Sleep(20 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > goroutines {
			t.Errorf("goroutines leaked: %d before, %d after", goroutines, n)
		}
	}()
	mustExec(t, conn, fmt.Sprintf(cdcTableDDL, "items"))
	mustExec(t, conn, `INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b')`)
	cfg := connectors.SourceConfig{Name: "items", Schema: cdcSchema, PK: []int{0}, With: cdcWith(srv, "items", "items_slot")}
	ctx := context.Background()

	src := newCDC(t, cfg)
	if err := src.Open(ctx, nil); err != nil {
		t.Fatal(err)
	}
	st := newCDCState()
	readUntil(t, src, st, 10*time.Second, func() bool { return len(st.rows) == 2 })
	mustExec(t, conn, `INSERT INTO items (id, name) VALUES (10, 'A')`)
	readUntil(t, src, st, 10*time.Second, func() bool { return st.rows["10"] != "" })
	o1 := src.Offsets()
	if err := src.(connectors.Acker).Ack(ctx, o1); err != nil {
		t.Fatal(err)
	}
	mustExec(t, conn, `BEGIN; INSERT INTO items (id, name) VALUES (11, 'B'); UPDATE items SET name = 'b2' WHERE id = 2; COMMIT`)
	readUntil(t, src, st, 10*time.Second, func() bool { return st.rows["11"] != "" })
	o2 := src.Offsets()
	if o2["lsn"] == o1["lsn"] {
		t.Fatalf("offsets did not move: %v", o2)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	// The slot was confirmed up to the acknowledged LSN, not further.
	var confirmed string
	if err := conn.QueryRow(ctx, `SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'items_slot'`).Scan(&confirmed); err != nil {
		t.Fatal(err)
	}
	if confirmed != o1["lsn"] {
		t.Fatalf("confirmed_flush_lsn %s, want the acked %s (unacked %s)", confirmed, o1["lsn"], o2["lsn"])
	}

	// Restart from the acknowledged checkpoint: the unacknowledged
	// transaction comes again, the acknowledged one never.
	src = newCDC(t, cfg)
	if err := src.Open(ctx, o1); err != nil {
		t.Fatal(err)
	}
	got := drain(t, src, time.Second)
	if got.inserts["10"] != 0 || got.inserts["1"] != 0 || got.inserts["11"] != 1 || got.inserts["2"] != 1 || len(got.inserts) != 2 {
		t.Fatalf("after restart from acked offsets got %v", got.inserts)
	}
	if off := src.Offsets(); off["lsn"] != o2["lsn"] {
		t.Fatalf("offsets after replay %v, want %v", off, o2)
	}
	src.Close()

	// Restart from the later checkpoint: nothing is repeated; new changes flow.
	src = newCDC(t, cfg)
	if err := src.Open(ctx, o2); err != nil {
		t.Fatal(err)
	}
	mustExec(t, conn, `DELETE FROM items WHERE id = 1`)
	got = drain(t, src, time.Second)
	if len(got.inserts) != 0 || got.deletes != 1 {
		t.Fatalf("after restart from o2 got inserts %v deletes %d", got.inserts, got.deletes)
	}
	o3 := src.Offsets()
	if err := src.(connectors.Acker).Ack(ctx, o3); err != nil {
		t.Fatal(err)
	}
	src.Close()

	// A checkpoint older than what the slot confirmed cannot be resumed.
	src = newCDC(t, cfg)
	err := src.Open(ctx, o1)
	src.Close()
	if err == nil || !strings.Contains(err.Error(), "items_slot") || !strings.Contains(err.Error(), "past the stored position") {
		t.Fatalf("resuming behind the slot: %v", err)
	}

	// The slot is dropped: a clear error naming it, no silent re-snapshot.
	dropSlot(t, conn, "items_slot")
	src = newCDC(t, cfg)
	err = src.Open(ctx, o3)
	src.Close()
	if err == nil || !strings.Contains(err.Error(), `replication slot "items_slot" does not exist`) {
		t.Fatalf("dropped slot: %v", err)
	}
}

func TestPostgresCDCRestartDuringSnapshot(t *testing.T) {
	srv, conn := cdcSetup(t)
	mustExec(t, conn, fmt.Sprintf(cdcTableDDL, "big"))
	mustExec(t, conn, `INSERT INTO big (id, name) SELECT g, 'n' || g FROM generate_series(1, 5000) g`)
	cfg := connectors.SourceConfig{Name: "big", Schema: cdcSchema, PK: []int{0}, With: cdcWith(srv, "big", "")}
	ctx := context.Background()
	src := newCDC(t, cfg)
	if err := src.Open(ctx, nil); err != nil {
		t.Fatal(err)
	}
	c, err := src.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Release()
	off := src.Offsets()
	if off["snapshot_done"] != "false" {
		t.Fatalf("offsets mid-snapshot: %v", off)
	}
	// Ack of an unfinished snapshot is ignored.
	if err := src.(connectors.Acker).Ack(ctx, off); err != nil {
		t.Fatal(err)
	}
	src.Close()
	// Changes while the source is down, then a restart that redoes the
	// snapshot over the existing slot.
	mustExec(t, conn, `DELETE FROM big WHERE id <= 100`)
	mustExec(t, conn, `UPDATE big SET name = 'u' WHERE id > 4900`)
	src = newCDC(t, cfg)
	if err := src.Open(ctx, off); err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	mustExec(t, conn, `INSERT INTO big (id, name) VALUES (6000, 'late')`)
	st := newCDCState()
	readUntil(t, src, st, 20*time.Second, func() bool { return st.rows["6000"] != "" })
	for k := range drain(t, src, 300*time.Millisecond).inserts {
		t.Fatalf("extra change for %s", k)
	}
	if d := equalMaps(st.rows, upstream(t, conn, "big", cdcSchema)); d != "" {
		t.Fatalf("after re-snapshot:\n%s", d)
	}
	for k, n := range st.inserts {
		if n != 1 {
			t.Fatalf("row %s delivered %d times", k, n)
		}
	}
}

func TestPostgresCDCShared(t *testing.T) {
	srv, conn := cdcSetup(t)
	for _, tb := range []string{"products", "orders", "later"} {
		mustExec(t, conn, fmt.Sprintf(cdcTableDDL, tb))
		mustExec(t, conn, fmt.Sprintf(`INSERT INTO %s (id, name) SELECT g, '%s' || g FROM generate_series(1, 50) g`, tb, tb))
	}
	with := cdcWith(srv, "", "shared_slot")
	delete(with, "table.name")
	sh, err := connectors.NewSharedPostgresCDC(connectors.SourceConfig{Name: "pg", With: with})
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close()
	ctx := context.Background()
	var srcs []connectors.Source
	for _, tb := range []string{"public.products", "orders"} {
		s, err := sh.Table(tb, cdcSchema, []int{0})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Open(ctx, nil); err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		srcs = append(srcs, s)
	}
	sts := []*cdcState{newCDCState(), newCDCState()}
	for i := range srcs {
		readUntil(t, srcs[i], sts[i], 10*time.Second, func() bool { return len(sts[i].rows) == 50 })
	}
	mustExec(t, conn, `BEGIN; INSERT INTO products (id, name) VALUES (100, 'x'); DELETE FROM orders WHERE id = 1; COMMIT`)
	mustExec(t, conn, `UPDATE orders SET name = 'o' WHERE id = 2`)
	readUntil(t, srcs[0], sts[0], 10*time.Second, func() bool { return sts[0].rows["100"] != "" })
	readUntil(t, srcs[1], sts[1], 10*time.Second, func() bool { return sts[1].rows["1"] == "" && strings.Contains(sts[1].rows["2"], "|o|") })

	// A table added while the stream runs takes its own snapshot.
	late, err := sh.Table("later", cdcSchema, []int{0})
	if err != nil {
		t.Fatal(err)
	}
	if err := late.Open(ctx, nil); err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	mustExec(t, conn, `INSERT INTO later (id, name) VALUES (500, 'l')`)
	mustExec(t, conn, `INSERT INTO products (id, name) VALUES (101, 'y')`)
	stL := newCDCState()
	readUntil(t, late, stL, 10*time.Second, func() bool { return stL.rows["500"] != "" })
	readUntil(t, srcs[0], sts[0], 10*time.Second, func() bool { return sts[0].rows["101"] != "" })
	for i, tb := range []string{"products", "orders"} {
		if d := equalMaps(sts[i].rows, upstream(t, conn, tb, cdcSchema)); d != "" {
			t.Fatalf("%s:\n%s", tb, d)
		}
	}
	if d := equalMaps(stL.rows, upstream(t, conn, "later", cdcSchema)); d != "" {
		t.Fatalf("later:\n%s", d)
	}
	var pubTables int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_publication_tables WHERE pubname = 'eddy_pub'`).Scan(&pubTables); err != nil || pubTables != 3 {
		t.Fatalf("publication tables %d %v", pubTables, err)
	}
}

func TestPostgresCDCValidation(t *testing.T) {
	base := func() map[string]string {
		return map[string]string{"connector": "postgres-cdc", "hostname": "127.0.0.1", "username": "u", "password": "hunter2-secret",
			"database.name": "db", "table.name": "t"}
	}
	cases := []struct {
		mod  func(map[string]string)
		want string
	}{
		{func(m map[string]string) { delete(m, "hostname") }, `missing required option "hostname"`},
		{func(m map[string]string) { m["prot"] = "1" }, `unknown option "prot"`},
		{func(m map[string]string) { m["port"] = "abc" }, `expected an integer`},
		{func(m map[string]string) { m["publication.create.enable"] = "maybe" }, `expected true or false`},
		{func(m map[string]string) { m["slot.name"] = "Bad-Slot" }, `invalid slot.name`},
		{func(m map[string]string) { delete(m, "table.name") }, `table.name`},
		{func(m map[string]string) { m["ssl.mode"] = "sometimes" }, `expected one of`},
	}
	for _, c := range cases {
		w := base()
		c.mod(w)
		_, err := connectors.Default.NewSource(connectors.SourceConfig{Name: "s", Schema: cdcSchema, PK: []int{0}, With: w})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", w, err, c.want)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("secret in error: %v", err)
		}
	}
	// No primary key.
	if _, err := connectors.Default.NewSource(connectors.SourceConfig{Name: "s", Schema: cdcSchema, With: base()}); err == nil || !strings.Contains(err.Error(), "PRIMARY KEY") {
		t.Errorf("no pk: %v", err)
	}
	// Secret never in a bad value's error, nor in a connection error.
	w := base()
	w["password"] = "hunter2-secret"
	w["port"] = "1"
	src, err := connectors.Default.NewSource(connectors.SourceConfig{Name: "s", Schema: cdcSchema, PK: []int{0}, With: w})
	if err != nil {
		t.Fatal(err)
	}
	err = src.Open(context.Background(), nil)
	src.Close()
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("connection error: %v", err)
	}
	if r := connectors.Redact(w); r["password"] != connectors.Redacted {
		t.Fatalf("redact: %v", r)
	}
	// Slot names are derived from the source name.
	if _, err := connectors.NewSharedPostgresCDC(connectors.SourceConfig{Name: "My-Source", With: map[string]string{"hostname": "h", "username": "u", "database.name": "d"}}); err != nil {
		t.Fatal(err)
	}
}

func TestPostgresCDCUpstreamMismatch(t *testing.T) {
	srv, conn := cdcSetup(t)
	mustExec(t, conn, `CREATE TABLE m (id bigint PRIMARY KEY, name int, other text)`)
	mustExec(t, conn, `CREATE TABLE nokey (id bigint, name text)`)
	ctx := context.Background()
	for _, c := range []struct {
		table  string
		schema types.Schema
		pk     []int
		want   string
	}{
		{"missing", types.Schema{{Name: "id", Type: types.Int64}}, []int{0}, "does not exist"},
		{"m", types.Schema{{Name: "id", Type: types.Int64}, {Name: "nope", Type: types.Varchar}}, []int{0}, `column "nope" does not exist upstream`},
		{"m", types.Schema{{Name: "id", Type: types.Int64}, {Name: "name", Type: types.Bool}}, []int{0}, `column "name" has type boolean in Eddy but int4 upstream`},
		{"m", types.Schema{{Name: "id", Type: types.Int64}, {Name: "other", Type: types.Varchar}}, []int{1}, "replica identity"},
		{"nokey", types.Schema{{Name: "id", Type: types.Int64}, {Name: "name", Type: types.Varchar}}, []int{0}, "replica identity"},
	} {
		src := newCDC(t, connectors.SourceConfig{Name: "x", Schema: c.schema, PK: c.pk, With: cdcWith(srv, c.table, "")})
		err := src.Open(ctx, nil)
		src.Close()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: got %v, want %q", c.table, c.schema, err, c.want)
		}
	}
	// publication.create.enable=false without a publication.
	w := cdcWith(srv, "m", "")
	w["publication.create.enable"] = "false"
	w["publication.name"] = "nopub"
	src := newCDC(t, connectors.SourceConfig{Name: "x", Schema: types.Schema{{Name: "id", Type: types.Int64}}, PK: []int{0}, With: w})
	err := src.Open(ctx, nil)
	src.Close()
	if err == nil || !strings.Contains(err.Error(), `publication "nopub" does not exist`) {
		t.Errorf("no publication: %v", err)
	}
	// No slot was left behind by the failed opens.
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_replication_slots`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("slots left: %d %v", n, err)
	}
}

// TestPostgresCDCTruncate: TRUNCATE stops the source with a clear error.
func TestPostgresCDCTruncate(t *testing.T) {
	srv, conn := cdcSetup(t)
	mustExec(t, conn, fmt.Sprintf(cdcTableDDL, "tr"))
	src := newCDC(t, connectors.SourceConfig{Name: "tr", Schema: cdcSchema, PK: []int{0}, With: cdcWith(srv, "tr", "")})
	defer src.Close()
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	drain(t, src, 300*time.Millisecond) // finish the (empty) snapshot: it holds a lock TRUNCATE waits for
	mustExec(t, conn, `TRUNCATE tr`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		c, err := src.Read(ctx)
		if err != nil {
			if !strings.Contains(err.Error(), "truncated") {
				t.Fatal(err)
			}
			return
		}
		c.Release()
	}
}

// BenchmarkPostgresCDCSnapshot measures the initial snapshot of a 200k-row
// table (EDDY_CDC_BENCH_ROWS overrides the size):
//
//	go test ./connectors -run '^$' -bench PostgresCDCSnapshot -benchtime 3x
func BenchmarkPostgresCDCSnapshot(b *testing.B) {
	rows := 200_000
	if v := os.Getenv("EDDY_CDC_BENCH_ROWS"); v != "" {
		rows, _ = strconv.Atoi(v)
	}
	srv, conn := cdcSetup(b)
	mustExec(b, conn, fmt.Sprintf(cdcTableDDL, "bench"))
	mustExec(b, conn, `INSERT INTO bench SELECT g, 'product ' || g, g * 0.01, g % 100, NULL, '2024-01-01'::timestamptz + g * interval '1 second', NULL
		FROM generate_series(1, $1) g`, rows)
	mustExec(b, conn, `VACUUM ANALYZE bench`)
	ctx := context.Background()
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		slot := fmt.Sprintf("bench_%d", i)
		start := time.Now()
		src := newCDC(b, connectors.SourceConfig{Name: "bench", Schema: cdcSchema, PK: []int{0}, With: cdcWith(srv, "bench", slot)})
		if err := src.Open(ctx, nil); err != nil {
			b.Fatal(err)
		}
		n := 0
		for n < rows {
			c, err := src.Read(ctx)
			if err != nil {
				b.Fatal(err)
			}
			n += c.NumRows()
			c.Release()
		}
		total += time.Since(start)
		if off := src.Offsets(); off["snapshot_done"] != "true" {
			b.Fatalf("snapshot not done: %v", off)
		}
		src.Close()
		b.StopTimer()
		dropSlot(b, conn, slot)
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/total.Seconds(), "rows/s")
}

// dropSlot drops a slot once its walsender has gone away.
func dropSlot(t testing.TB, conn *pgx.Conn, slot string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := conn.Exec(context.Background(), `SELECT pg_drop_replication_slot($1)`, slot)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPostgresCDCSharedRecovery: tables of a shared source resume at
// different LSNs; a table opened after the stream started rewinds it.
func TestPostgresCDCSharedRecovery(t *testing.T) {
	srv, conn := cdcSetup(t)
	for _, tb := range []string{"a", "b"} {
		mustExec(t, conn, fmt.Sprintf(cdcTableDDL, tb))
	}
	with := cdcWith(srv, "", "rec_slot")
	delete(with, "table.name")
	ctx := context.Background()
	table := func(sh *connectors.SharedPostgresCDC, name string) connectors.Source {
		s, err := sh.Table(name, cdcSchema, []int{0})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	open := func(s connectors.Source, off connectors.Offsets) connectors.Source {
		if err := s.Open(ctx, off); err != nil {
			t.Fatal(err)
		}
		return s
	}
	sh, err := connectors.NewSharedPostgresCDC(connectors.SourceConfig{Name: "pg", With: with})
	if err != nil {
		t.Fatal(err)
	}
	a, b := open(table(sh, "a"), nil), open(table(sh, "b"), nil)
	drain(t, a, 300*time.Millisecond)
	drain(t, b, 300*time.Millisecond)
	mustExec(t, conn, `BEGIN; INSERT INTO a (id) VALUES (1); INSERT INTO b (id) VALUES (1); COMMIT`)
	sa, sb := newCDCState(), newCDCState()
	readUntil(t, a, sa, 10*time.Second, func() bool { return sa.rows["1"] != "" })
	readUntil(t, b, sb, 10*time.Second, func() bool { return sb.rows["1"] != "" })
	offB := b.Offsets()
	mustExec(t, conn, `BEGIN; INSERT INTO a (id) VALUES (2); INSERT INTO b (id) VALUES (2); COMMIT`)
	readUntil(t, a, sa, 10*time.Second, func() bool { return sa.rows["2"] != "" })
	offA := a.Offsets() // b never read its 2
	a.Close()
	b.Close()
	sh.Close()

	sh, err = connectors.NewSharedPostgresCDC(connectors.SourceConfig{Name: "pg", With: with})
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close()
	// Recovery: every table is registered first, then opened.
	a, b = table(sh, "a"), table(sh, "b")
	open(a, offA)
	defer a.Close()
	mustExec(t, conn, `INSERT INTO a (id) VALUES (3)`)
	sa = newCDCState()
	readUntil(t, a, sa, 10*time.Second, func() bool { return sa.rows["3"] != "" })
	open(b, offB) // older than the running stream
	defer b.Close()
	sb = drain(t, b, time.Second)
	if len(sb.inserts) != 1 || sb.inserts["2"] != 1 {
		t.Fatalf("b after recovery: %v", sb.inserts)
	}
	mustExec(t, conn, `INSERT INTO a (id) VALUES (4)`)
	readUntil(t, a, sa, 10*time.Second, func() bool { return sa.rows["4"] != "" })
	if len(sa.inserts) != 2 {
		t.Fatalf("a after recovery: %v", sa.inserts)
	}
}
