package planner

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files in testdata")

// fakeCatalog is an in-memory Catalog fed by exec-ddl directives.
type fakeCatalog struct {
	rels   map[string]*Relation
	nextID uint32
}

func newFakeCatalog() *fakeCatalog { return &fakeCatalog{rels: map[string]*Relation{}, nextID: 100} }

func (c *fakeCatalog) Relation(name string) (*Relation, error) { return c.rels[name], nil }

func (c *fakeCatalog) alloc() uint32 { c.nextID++; return c.nextID }

func columnsOf(defs []*parser.ColumnDef, pkNames []string) (types.Schema, []int) {
	var s types.Schema
	var pk []int
	for _, d := range defs {
		s = append(s, types.Column{Name: d.Name, Type: typeOf(d.Type)})
		if d.PrimaryKey {
			pk = append(pk, len(s)-1)
		}
	}
	for _, n := range pkNames {
		pk = append(pk, s.Index(n))
	}
	if len(pk) == 0 {
		s = append(s, types.Column{Name: "_row_id", Type: types.Int64, Hidden: true})
		pk = []int{len(s) - 1}
	}
	return s, pk
}

func (c *fakeCatalog) exec(sql string) error {
	stmts, err := parser.Parse(sql)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		var rel *Relation
		switch s := st.(type) {
		case *parser.CreateTable:
			schema, pk := columnsOf(s.Columns, s.PrimaryKey)
			rel = &Relation{Name: s.Name, Kind: RelTable, Schema: schema, PK: pk, AppendOnly: s.AppendOnly}
		case *parser.CreateSource:
			schema, pk := columnsOf(s.Columns, s.PrimaryKey)
			rel = &Relation{Name: s.Name, Kind: RelSource, Schema: schema, PK: pk, AppendOnly: true}
		case *parser.CreateView:
			b, err := Bind(c, s.Query)
			if err != nil {
				return err
			}
			rel = &Relation{Name: s.Name, Kind: RelView, Schema: b.Schema(), ViewQuery: s.Query}
		case *parser.CreateMaterializedView:
			p, err := PlanMView(c, s, c.alloc)
			if err != nil {
				return err
			}
			rel = &Relation{Name: s.Name, Kind: RelMView, Schema: p.Schema, PK: p.PK, Layout: p.Table, AppendOnly: p.AppendOnly}
		default:
			return fmt.Errorf("exec-ddl: unsupported statement %T", st)
		}
		rel.ID = c.alloc()
		if rel.Layout.ID == 0 {
			rel.Layout = types.TableLayout{ID: rel.ID, Name: rel.Name, Cols: rel.Schema.Types(), PK: rel.PK}
		}
		c.rels[NormalizeName(rel.Name)] = rel
	}
	return nil
}

// testCase is one directive of a golden file.
type testCase struct {
	cmd    string
	args   map[string]string
	input  string
	output string
	line   int
}

func parseCases(t *testing.T, path string) []*testCase {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var cases []*testCase
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		tc := &testCase{cmd: f[0], args: map[string]string{}, line: i + 1}
		for _, a := range f[1:] {
			k, v, _ := strings.Cut(a, "=")
			tc.args[k] = v
		}
		var in []string
		for i++; i < len(lines) && lines[i] != "----"; i++ {
			in = append(in, lines[i])
		}
		tc.input = strings.Join(in, "\n")
		var out []string
		for i++; i < len(lines) && lines[i] != ""; i++ {
			out = append(out, lines[i])
		}
		tc.output = strings.Join(out, "\n")
		cases = append(cases, tc)
	}
	return cases
}

func formatErr(err error) string {
	se := sqlerr.As(err)
	if pe, ok := err.(*parser.Error); ok {
		return "parse error: " + pe.Error()
	}
	return fmt.Sprintf("ERROR %s at %d: %s", se.Code, se.Position, se.Message)
}

func parseQuery(sql string) (parser.Statement, error) {
	return parser.ParseOne(sql)
}

func runCase(cat *fakeCatalog, tc *testCase) string {
	switch tc.cmd {
	case "exec-ddl":
		if err := cat.exec(tc.input); err != nil {
			return formatErr(err)
		}
		return ""
	}
	st, err := parseQuery(tc.input)
	if err != nil {
		return formatErr(err)
	}
	var disabled []string
	if d := tc.args["disable"]; d != "" {
		disabled = strings.Split(d, ",")
	}
	var lines []string
	switch tc.cmd {
	case "build", "opt", "error":
		q, ok := st.(*parser.Query)
		if !ok {
			if mv, ok2 := st.(*parser.CreateMaterializedView); ok2 {
				q, ok = mv.Query, true
			}
		}
		if !ok {
			return "not a query"
		}
		n, err := Bind(cat, q)
		if err != nil {
			return formatErr(err)
		}
		if tc.cmd == "error" {
			return "no error"
		}
		if tc.cmd == "opt" {
			if only := tc.args["rules"]; only != "" {
				var rules []Rule
				for _, name := range strings.Split(only, ",") {
					for _, r := range DefaultRules {
						if r.Name == name {
							rules = append(rules, r)
						}
					}
				}
				n = OptimizeWith(n, rules, disabled...)
			} else {
				n = Optimize(n, disabled...)
			}
		}
		lines = ExplainLogical(n)
		lines = append(lines, "output: "+colNamesTyped(n.Schema()))
	case "stream":
		switch s := st.(type) {
		case *parser.CreateMaterializedView:
			p, err := PlanMView(cat, s, cat.alloc)
			if err != nil {
				return formatErr(err)
			}
			lines = ExplainStream(p.Root)
			lines = append(lines, "mv: "+colNamesTyped(p.Schema)+" pk="+intList(p.PK))
		case *parser.Query:
			p, err := PlanQuery(cat, s, cat.alloc)
			if err != nil {
				return formatErr(err)
			}
			lines = ExplainStream(p.Root)
			lines = append(lines, "output: "+colNamesTyped(p.Schema))
			if len(p.OrderBy) > 0 || p.Limit >= 0 || p.Offset > 0 {
				lines = append(lines, fmt.Sprintf("order=%s limit=%d offset=%d", sortKeys(p.OrderBy), p.Limit, p.Offset))
			}
			if pl := p.PointLookup; pl != nil {
				var vs []string
				for _, d := range pl.Key {
					vs = append(vs, types.FormatText(d))
				}
				s := fmt.Sprintf("point lookup %s key=(%s) project=[%s]", pl.Relation.Name, strings.Join(vs, ", "), exprList(pl.Project))
				if pl.Filter != nil {
					s += " filter=" + pl.Filter.String()
				}
				lines = append(lines, s)
			}
		default:
			return "not a query"
		}
	case "dml":
		switch s := st.(type) {
		case *parser.Insert:
			p, err := PlanInsert(cat, s, cat.alloc)
			if err != nil {
				return formatErr(err)
			}
			lines = append(lines, fmt.Sprintf("insert into %s cols=%s", p.Table.Name, intList(p.Columns)))
			lines = append(lines, ExplainStream(p.Source.Root)...)
		case *parser.Update:
			p, err := PlanUpdate(cat, s, cat.alloc)
			if err != nil {
				return formatErr(err)
			}
			lines = append(lines, fmt.Sprintf("update %s set=[%s]", p.Table.Name, exprList(p.Set)))
			lines = append(lines, dmlFilter(p.Filter, p.Key))
		case *parser.Delete:
			p, err := PlanDelete(cat, s, cat.alloc)
			if err != nil {
				return formatErr(err)
			}
			lines = append(lines, "delete from "+p.Table.Name)
			lines = append(lines, dmlFilter(p.Filter, p.Key))
		default:
			return "not DML"
		}
	case "explain":
		ls, err := Explain(cat, st, cat.alloc)
		if err != nil {
			return formatErr(err)
		}
		lines = ls
	default:
		return "unknown directive " + tc.cmd
	}
	return strings.Join(lines, "\n")
}

func dmlFilter(f fmtStringer, key types.Row) string {
	s := "filter="
	if f == nil || fmt.Sprint(f) == "<nil>" {
		s += "none"
	} else {
		s += f.String()
	}
	if key != nil {
		var vs []string
		for _, d := range key {
			vs = append(vs, types.FormatText(d))
		}
		s += " key=(" + strings.Join(vs, ", ") + ")"
	}
	return s
}

type fmtStringer interface{ String() string }

func colNamesTyped(s types.Schema) string {
	var ns []string
	for _, c := range s {
		n := c.Name + ":" + c.Type.ShortName()
		if c.Hidden {
			n += "(hidden)"
		}
		ns = append(ns, n)
	}
	return "[" + strings.Join(ns, ", ") + "]"
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			cases := parseCases(t, path)
			cat := newFakeCatalog()
			var b strings.Builder
			for _, tc := range cases {
				got := runCase(cat, tc)
				if !*rewrite && got != tc.output {
					t.Errorf("%s:%d: %s\n%s\ngot:\n%s\nwant:\n%s", path, tc.line, tc.cmd, tc.input, got, tc.output)
				}
				b.WriteString(tc.cmd)
				for _, k := range sortedArgKeys(tc.args) {
					b.WriteString(" " + k)
					if v := tc.args[k]; v != "" {
						b.WriteString("=" + v)
					}
				}
				b.WriteString("\n" + tc.input + "\n----\n")
				if got != "" {
					b.WriteString(got + "\n")
				}
				b.WriteString("\n")
			}
			if *rewrite {
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func sortedArgKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}
