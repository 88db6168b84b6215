package connectors_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/types"
)

// TestPostgresCDCTypeMods reads an upstream table without modifiers into
// columns with them: snapshot and streamed values are conformed, and a
// value that cannot conform makes its row a reported bad record.
func TestPostgresCDCTypeMods(t *testing.T) {
	srv, conn := cdcSetup(t)
	mustExec(t, conn, `CREATE TABLE tm (id bigint PRIMARY KEY, price numeric, code text, ts timestamp)`)
	mustExec(t, conn, `INSERT INTO tm VALUES (1, 1.25, 'abc', '2024-01-01 10:00:00.6'), (2, 1, 'abcd', NULL), (3, NULL, 'ab  ', NULL)`)
	schema := types.Schema{
		{Name: "id", Type: types.Int64},
		{Name: "price", Type: types.Numeric, Mod: types.TypeMod{Set: true, Precision: 6, Scale: 1}},
		{Name: "code", Type: types.Varchar, Mod: types.TypeMod{Set: true, Precision: 3}},
		{Name: "ts", Type: types.TimestampT, Mod: types.TypeMod{Set: true, Precision: 0}},
	}
	var mu sync.Mutex
	var bad []string
	errs := connectors.ErrorSinkFunc(func(m connectors.BadMessage) {
		mu.Lock()
		defer mu.Unlock()
		bad = append(bad, m.Err.Error())
	})
	src := newCDC(t, connectors.SourceConfig{Name: "tm", Schema: schema, PK: []int{0}, With: cdcWith(srv, "tm", ""), Errors: errs})
	defer src.Close()
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := newCDCState()
	readUntil(t, src, st, 30*time.Second, func() bool { return len(st.rows) == 2 })
	mustExec(t, conn, `INSERT INTO tm VALUES (4, 12.349, 'xy', '2024-01-01 10:00:00.4'), (5, 1, 'long', NULL), (6, 123456.7, NULL, NULL)`)
	mustExec(t, conn, `UPDATE tm SET price = 0.05 WHERE id = 1`)
	readUntil(t, src, st, 30*time.Second, func() bool { return st.rows["4"] != "" && strings.Contains(st.rows["1"], "|0.1|") })
	want := map[string]string{
		"1": "1|0.1|abc|2024-01-01 10:00:01",
		"3": "3|NULL|ab |NULL",
		"4": "4|12.3|xy|2024-01-01 10:00:00",
	}
	if d := equalMaps(st.rows, want); d != "" {
		t.Fatalf("rows:\n%s", d)
	}
	if s := src.(connectors.StatsReporter).Stats(); s.BadMessages != 3 {
		t.Fatalf("bad messages: %d (%q)", s.BadMessages, bad)
	}
	mu.Lock()
	defer mu.Unlock()
	wantBad := []string{
		`snapshot: column "code": value too long for type character varying(3)`,
		`column "code": value too long for type character varying(3)`,
		`column "price": numeric field overflow`,
	}
	if !slices.Equal(bad, wantBad) {
		t.Fatalf("bad records:\n got %q\nwant %q", bad, wantBad)
	}
}
