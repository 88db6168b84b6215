package bench

import (
	"embed"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/parser"
)

//go:embed queries/*.sql
var queryFS embed.FS

// Query is one Nexmark query of the rw-e2e set.
type Query struct {
	Name   string   // "q5", "q6_group_top1"
	Setup  []string // statements to run before the view (q14's CREATE FUNCTION)
	MVName string   // nexmark_q5
	Create string   // the CREATE MATERIALIZED VIEW statement
	Select string   // its query alone, for ad-hoc recomputation
	Tables [3]bool  // reads person, auction, bid
}

// QueryNames lists the embedded queries in numeric order.
func QueryNames() []string {
	ents, _ := queryFS.ReadDir("queries")
	var names []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".sql"); ok {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool { return queryNum(names[i]) < queryNum(names[j]) })
	return names
}

func queryNum(name string) int {
	s := strings.TrimPrefix(name, "q")
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.Atoi(s[:end])
	return n
}

// tablesRead walks an AST and marks the Nexmark tables it reads: table
// names in FROM and the first argument of TUMBLE/HOP.
func tablesRead(v reflect.Value, out *[3]bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		switch x := v.Interface().(type) {
		case *parser.TableName:
			markTable(x.Name, out)
		case *parser.TableFunc:
			if x.Func != nil && len(x.Func.Args) > 0 {
				if c, ok := x.Func.Args[0].(*parser.ColumnRef); ok {
					markTable(c.Parts, out)
				}
			}
		}
		tablesRead(v.Elem(), out)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				tablesRead(v.Field(i), out)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			tablesRead(v.Index(i), out)
		}
	}
}

func markTable(name []string, out *[3]bool) {
	if len(name) == 0 {
		return
	}
	n := strings.ToLower(name[len(name)-1])
	for i, t := range nxTables {
		if t.name == n {
			out[i] = true
		}
	}
}

// LoadQuery returns the named query ("q5" or "5"; "q6" finds q6_group_top1).
func LoadQuery(name string) (*Query, error) {
	name = strings.ToLower(name)
	if !strings.HasPrefix(name, "q") {
		name = "q" + name
	}
	b, err := queryFS.ReadFile("queries/" + name + ".sql")
	if err != nil {
		for _, n := range QueryNames() {
			if strings.HasPrefix(n, name+"_") {
				return LoadQuery(n)
			}
		}
		return nil, fmt.Errorf("unknown Nexmark query %q (have %s)", name, strings.Join(QueryNames(), ", "))
	}
	q := &Query{Name: name}
	var mvQuery *parser.Query
	for _, text := range parser.SplitStatements(string(b)) {
		st, err := parser.ParseOne(text)
		if err != nil {
			// Statements the parser rejects (CREATE FUNCTION) are left to
			// the engine, which reports them.
			q.Setup = append(q.Setup, text)
			continue
		}
		mv, ok := st.(*parser.CreateMaterializedView)
		if !ok {
			q.Setup = append(q.Setup, text)
			continue
		}
		q.MVName = mv.Name
		q.Create = text
		q.Select = mv.Query.String()
		mvQuery = mv.Query
	}
	if q.Create == "" {
		return nil, fmt.Errorf("query %s: no CREATE MATERIALIZED VIEW", name)
	}
	tablesRead(reflect.ValueOf(mvQuery), &q.Tables)
	return q, nil
}

// sinkForm rewrites the view as RisingWave's benchmark does: the same query
// into a blackhole sink.
func (q *Query) sinkForm() string {
	return "CREATE SINK " + q.MVName + " AS " + q.Select + " WITH (connector = 'blackhole', type = 'append-only', force_append_only = 'true')"
}
