package engine

import (
	"context"
	"testing"

	"github.com/eddysql/eddy/types"
)

func openTest(t *testing.T) *Engine {
	t.Helper()
	e, err := Open(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func mustExec(t *testing.T, e *Engine, sql string) []*Result {
	t.Helper()
	s := NewSession()
	s.Set("implicit_flush", "true")
	rs, err := e.Exec(context.Background(), s, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rs
}

func TestDescribe(t *testing.T) {
	e := openTest(t)
	mustExec(t, e, "CREATE TABLE t (id int PRIMARY KEY, name varchar, v double precision)")
	ctx := context.Background()
	cases := []struct {
		sql      string
		declared []types.Type
		params   []types.Type
		cols     []string
	}{
		{"SELECT name, v FROM t WHERE id = $1", nil, []types.Type{types.Int32}, []string{"name", "v"}},
		{"SELECT $1::bigint + 1 AS x, $2", nil, []types.Type{types.Int64, types.Varchar}, []string{"x", "?column?"}},
		{"SELECT * FROM t LIMIT $1", nil, []types.Type{types.Int64}, []string{"id", "name", "v"}},
		{"SELECT id FROM t WHERE v > $1", []types.Type{types.Numeric}, []types.Type{types.Numeric}, []string{"id"}},
		{"INSERT INTO t VALUES ($1, $2, $3)", nil, []types.Type{types.Int32, types.Varchar, types.Float64}, nil},
		{"DELETE FROM t WHERE id = $1", nil, []types.Type{types.Int32}, nil},
	}
	for _, c := range cases {
		ps, cols, err := e.Describe(ctx, nil, c.sql, c.declared)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if len(ps) != len(c.params) {
			t.Fatalf("%s: params %v, want %v", c.sql, ps, c.params)
		}
		for i := range ps {
			if ps[i] != c.params[i] {
				t.Errorf("%s: param $%d = %v, want %v", c.sql, i+1, ps[i], c.params[i])
			}
		}
		if c.cols == nil {
			if cols != nil {
				t.Errorf("%s: cols %v, want none", c.sql, cols)
			}
			continue
		}
		if len(cols) != len(c.cols) {
			t.Fatalf("%s: cols %v, want %v", c.sql, cols, c.cols)
		}
		for i := range cols {
			if cols[i].Name != c.cols[i] {
				t.Errorf("%s: col %d = %q, want %q", c.sql, i, cols[i].Name, c.cols[i])
			}
		}
	}
	// Describe does not run the statement.
	if _, _, err := e.Describe(ctx, nil, "INSERT INTO t VALUES (1, 'a', 1)", nil); err != nil {
		t.Fatal(err)
	}
	if r := mustExec(t, e, "SELECT count(*) FROM t"); r[0].Rows[0][0] != int64(0) {
		t.Fatalf("Describe ran the INSERT: %v", r[0].Rows)
	}
	if _, _, err := e.Describe(ctx, nil, "SELECT nope FROM t", nil); err == nil {
		t.Fatal("want an error for an unknown column")
	}
}

func TestExecParams(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	mustExec(t, e, "CREATE TABLE t (id int PRIMARY KEY, name varchar, v double precision)")
	s := NewSession()
	s.Set("implicit_flush", "true")
	for i := int64(1); i <= 3; i++ {
		if _, err := e.ExecParams(ctx, s, "INSERT INTO t VALUES ($1, $2, $3)", []types.Datum{i, "n'" + string(rune('a'+i)), float64(i) / 2},
			[]types.Type{types.Int32, types.Varchar, types.Float64}); err != nil {
			t.Fatal(err)
		}
	}
	q := "SELECT name, v FROM t WHERE id = $1"
	for i := int64(1); i <= 3; i++ {
		for round := 0; round < 2; round++ { // the second round uses the cached template
			rs, err := e.ExecParams(ctx, s, q, []types.Datum{i}, []types.Type{types.Int32})
			if err != nil {
				t.Fatal(err)
			}
			if len(rs[0].Rows) != 1 || rs[0].Rows[0][0] != "n'"+string(rune('a'+i)) || rs[0].Rows[0][1] != float64(i)/2 {
				t.Fatalf("id %d: %v", i, rs[0].Rows)
			}
		}
	}
	if _, ok := e.pointCache().get(q, []types.Type{types.Int32}); !ok {
		t.Fatal("point lookup was not cached")
	}
	// Untyped text parameter, missing row, NULL key.
	rs, err := e.ExecParams(ctx, s, q, []types.Datum{"2"}, nil)
	if err != nil || len(rs[0].Rows) != 1 {
		t.Fatalf("text param: %v %v", rs, err)
	}
	rs, err = e.ExecParams(ctx, s, q, []types.Datum{int64(99)}, []types.Type{types.Int32})
	if err != nil || len(rs[0].Rows) != 0 {
		t.Fatalf("missing row: %v %v", rs, err)
	}
	rs, err = e.ExecParams(ctx, s, q, []types.Datum{nil}, []types.Type{types.Int32})
	if err != nil || len(rs[0].Rows) != 0 {
		t.Fatalf("NULL key: %v %v", rs, err)
	}
	// A value that looks like SQL stays a value.
	rs, err = e.ExecParams(ctx, s, "SELECT count(*) FROM t WHERE name = $1", []types.Datum{"x' OR '1'='1"}, []types.Type{types.Varchar})
	if err != nil || rs[0].Rows[0][0] != int64(0) {
		t.Fatalf("injection: %v %v", rs, err)
	}
	// A bigint beyond the integer key matches nothing (as in Postgres).
	rs, err = e.ExecParams(ctx, s, q, []types.Datum{int64(1) << 40}, []types.Type{types.Int64})
	if err != nil || len(rs[0].Rows) != 0 {
		t.Fatalf("big key: %v %v", rs, err)
	}
	if _, err := e.ExecParams(ctx, s, "SELECT $2", []types.Datum{int64(1)}, nil); err == nil {
		t.Fatal("want an error for a missing parameter")
	}
	// Dropping the table invalidates the template.
	mustExec(t, e, "DROP TABLE t")
	mustExec(t, e, "CREATE TABLE t (id int PRIMARY KEY, name varchar, v double precision)")
	rs, err = e.ExecParams(ctx, s, q, []types.Datum{int64(1)}, []types.Type{types.Int32})
	if err != nil || len(rs[0].Rows) != 0 {
		t.Fatalf("after re-create: %v %v", rs, err)
	}
}
