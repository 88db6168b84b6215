package parser_test

import (
	"strings"
	"testing"

	"github.com/eddysql/eddy/parser"
)

func TestDepthLimit(t *testing.T) {
	for _, s := range []string{
		"select " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000),
		"select " + strings.Repeat("- ", 5000) + "1",
		"select " + strings.Repeat("not ", 5000) + "true",
		strings.Repeat("(", 5000) + "select 1" + strings.Repeat(")", 5000),
		"select * from " + strings.Repeat("(", 5000) + "t" + strings.Repeat(")", 5000),
		"select array" + strings.Repeat("[", 5000),
	} {
		_, err := parser.Parse(s)
		if err == nil || !strings.Contains(err.Error(), "stack depth limit exceeded") {
			t.Errorf("want depth error, got %v", err)
		}
	}
}

func TestErrorFields(t *testing.T) {
	_, err := parser.Parse("select a,\n  b, FROM t")
	pe, ok := err.(*parser.Error)
	if !ok {
		t.Fatalf("got %T", err)
	}
	if pe.Line != 2 || pe.Col != 6 || pe.Token != "FROM" || pe.Pos != 15 {
		t.Errorf("bad error: %+v", pe)
	}
	want := "ERROR:  syntax error at or near \"FROM\"\nLINE 2:   b, FROM t\n             ^"
	if got := pe.Pretty(); !strings.HasPrefix(got, want) {
		t.Errorf("Pretty:\n%s\nwant:\n%s", got, want)
	}
	if got := pe.Error(); got != `syntax error at or near "FROM" at line 2, column 6` {
		t.Errorf("Error() = %q", got)
	}
}

func TestPositions(t *testing.T) {
	sql := "select a,\n  b + 1 from t"
	st, err := parser.ParseOne(sql)
	if err != nil {
		t.Fatal(err)
	}
	core := st.(*parser.Query).Body.(*parser.SelectCore)
	e := core.Items[1].Expr
	if int(e.Position()) != strings.Index(sql, "b + 1") {
		t.Errorf("position %d", e.Position())
	}
	if l, c := parser.LineCol(sql, e.Position()); l != 2 || c != 3 {
		t.Errorf("line/col %d:%d", l, c)
	}
	if int(core.From[0].Position()) != strings.LastIndex(sql, "t") {
		t.Errorf("from position %d", core.From[0].Position())
	}
}

func TestParseOneAndExpr(t *testing.T) {
	if _, err := parser.ParseOne("select 1; select 2"); err == nil {
		t.Error("ParseOne accepted two statements")
	}
	if _, err := parser.ParseOne("select 1;"); err != nil {
		t.Error(err)
	}
	if _, err := parser.ParseOne(""); err == nil {
		t.Error("ParseOne accepted empty input")
	}
	e, err := parser.ParseExpr("a + 1 > 2")
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := e.(*parser.BinaryExpr); !ok || b.Op != ">" {
		t.Errorf("got %#v", e)
	}
}

func TestASTShapes(t *testing.T) {
	st, err := parser.ParseOne("create source s (ts timestamp, watermark for ts as ts - interval '5' second) include key as k with (connector='kafka', properties.bootstrap.server='x') format plain encode json")
	if err != nil {
		t.Fatal(err)
	}
	cs := st.(*parser.CreateSource)
	if cs.Watermark.Column != "ts" || cs.With[1].Name != "properties.bootstrap.server" || cs.Format.Format != "PLAIN" || cs.Format.Encode != "JSON" || cs.Include[0].Kind != "key" {
		t.Errorf("bad source: %#v", cs)
	}
	e, _ := parser.ParseExpr("interval '1' hour")
	if tl := e.(*parser.TypedLiteral); tl.Unit != "HOUR" || tl.Value != "1" || tl.Type.Name != "interval" {
		t.Errorf("bad interval: %#v", tl)
	}
	e, _ = parser.ParseExpr("-5")
	if l := e.(*parser.Literal); l.Kind != parser.LitInteger || l.Int != -5 {
		t.Errorf("bad literal: %#v", l)
	}
	st, _ = parser.ParseOne("select * from tumble(t, timestamp, interval '1 hour')")
	tf := st.(*parser.Query).Body.(*parser.SelectCore).From[0].(*parser.TableFunc)
	if tf.Func.Name[0] != "tumble" || tf.Func.Args[1].(*parser.ColumnRef).Parts[0] != "timestamp" {
		t.Errorf("bad tumble: %#v", tf.Func)
	}
	st, _ = parser.ParseOne("show create materialized view mv")
	if s := st.(*parser.Show); s.Kind != parser.ShowCreateMaterializedView || s.Name != "mv" {
		t.Errorf("bad show: %#v", s)
	}
}

func TestBacktrackingIsBounded(t *testing.T) {
	s := "select " + strings.Repeat("(", 300) + "select 1" + strings.Repeat(") + 1", 300)
	if _, err := parser.Parse(s); err != nil {
		t.Fatal(err)
	}
	s = "select 1 in " + strings.Repeat("(", 300) + "select 1" + strings.Repeat(") + 1", 299) + ")"
	parser.Parse(s)
}

func TestWatermarkTTLAndDisplayForm(t *testing.T) {
	st, err := parser.ParseOne("create table t (k int primary key, ts int, v varchar, d double precision, z timestamp with time zone, watermark for ts as ts - 10 with ttl)")
	if err != nil {
		t.Fatal(err)
	}
	ct := st.(*parser.CreateTable)
	if ct.Watermark == nil || !ct.Watermark.TTL || ct.Watermark.Column != "ts" {
		t.Fatalf("watermark: %#v", ct.Watermark)
	}
	const wantCanon = "CREATE TABLE t (k INTEGER PRIMARY KEY, ts INTEGER, v VARCHAR, d DOUBLE PRECISION, z TIMESTAMPTZ, WATERMARK FOR ts AS ts - 10 WITH TTL)"
	if got := parser.Format(ct); got != wantCanon {
		t.Errorf("Format:\n got %s\nwant %s", got, wantCanon)
	}
	const wantDisplay = "CREATE TABLE t (k INT PRIMARY KEY, ts INT, v CHARACTER VARYING, d DOUBLE, z timestamptz, WATERMARK FOR ts AS ts - 10 WITH TTL)"
	disp := parser.FormatDisplay(ct)
	if disp != wantDisplay {
		t.Errorf("FormatDisplay:\n got %s\nwant %s", disp, wantDisplay)
	}
	// The display form reads back as the same statement.
	back, err := parser.ParseOne(disp)
	if err != nil {
		t.Fatalf("parse %q: %v", disp, err)
	}
	if got := parser.Format(back); got != wantCanon {
		t.Errorf("display form re-parsed:\n got %s\nwant %s", got, wantCanon)
	}
	// Without WITH TTL the flag is off.
	st, _ = parser.ParseOne("create table t (ts int, watermark for ts as ts - 1) append only")
	if st.(*parser.CreateTable).Watermark.TTL {
		t.Error("TTL set without WITH TTL")
	}
}
