package engine

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/types"
)

// ObjectKind is the kind of a catalog object.
type ObjectKind string

// The catalog object kinds.
const (
	KindTable  ObjectKind = "table"
	KindMView  ObjectKind = "materialized view"
	KindView   ObjectKind = "view"
	KindIndex  ObjectKind = "index"
	KindSource ObjectKind = "source"
	KindSink   ObjectKind = "sink"
	// KindFunction is a user-defined SQL function; its object name is its
	// signature, name(argtypes), so that it never collides with a relation.
	KindFunction ObjectKind = "function"
	// KindSchema is a schema; its object name is "schema <name>".
	KindSchema ObjectKind = "schema"
)

// object is a catalog entry. The persisted part (exported fields) is the
// original CREATE text plus the IDs that planning it allocated, so that a
// restart re-plans the text and gets the same state tables.
type object struct {
	Kind ObjectKind `json:"kind"`
	Name string     `json:"name"`
	SQL  string     `json:"sql"`
	IDs  []uint32   `json:"ids"`
	Seq  uint64     `json:"seq"`
	// Deps are the relations the object reads (lower-case names).
	Deps []string `json:"deps,omitempty"`
	// On is the table an index is on.
	On string `json:"on,omitempty"`
	// TimeZone is the session time zone an MV or sink was created in (when
	// not UTC): its dataflow evaluates zone-dependent expressions in it,
	// as its creator's SELECT would.
	TimeZone string `json:"time_zone,omitempty"`
	// Overwrite: the MV's Materialize applies its input with upsert
	// semantics (ConflictOverwrite), set once ALTER MATERIALIZED VIEW … AS
	// changed its query: its rows then need not match what the new query's
	// changes delete.
	Overwrite bool `json:"overwrite,omitempty"`

	rel    *planner.Relation // tables, MVs and views
	tables []types.TableLayout
	src    *sourceDef           // sources and tables with a connector (source.go)
	wm     *watermarkDef        // WATERMARK FOR of a source or table
	fn     *planner.SQLFunction // functions
	// conflict and versions are a table's ON CONFLICT mode and WITH
	// VERSION COLUMN positions (derived from SQL, as on replay).
	conflict operators.Conflict
	versions []int
	// index describes an index object for the planner.
	index *planner.Index
	// typ is the composite type of a CREATE TYPE object.
	typ types.Type
}

const metaCatalogPrefix = "catalog/"

func (o *object) metaKey() string { return fmt.Sprintf("%s%016x", metaCatalogPrefix, o.Seq) }

func (o *object) encode() []byte {
	b, err := json.Marshal(o)
	if err != nil {
		panic(err) // plain data; cannot fail
	}
	return b
}

// catalogView is the planner.Catalog over the engine's objects.
type catalogView struct{ e *Engine }

var _ planner.Catalog = catalogView{}

// Relation implements planner.Catalog.
func (c catalogView) Relation(name string) (*planner.Relation, error) {
	c.e.catMu.RLock()
	defer c.e.catMu.RUnlock()
	n := planner.NormalizeName(name)
	o := c.e.objects[n]
	if o == nil || o.rel == nil {
		if r := engineRelation(n); r != nil {
			return r, nil // eddy_source_errors (source.go)
		}
		return systemRelation(n), nil // pg_catalog / information_schema (pgcatalog.go)
	}
	return o.rel, nil
}

// Indexes implements planner.IndexCatalog: the indexes on the relation,
// by name.
func (c catalogView) Indexes(rel string) []*planner.Index {
	c.e.catMu.RLock()
	defer c.e.catMu.RUnlock()
	n := planner.NormalizeName(rel)
	var names []string
	for _, o := range c.e.objects {
		if o.index != nil && o.On == n {
			names = append(names, o.Name)
		}
	}
	sort.Strings(names)
	out := make([]*planner.Index, len(names))
	for i, name := range names {
		out[i] = c.e.objects[name].index
	}
	return out
}

// Functions implements planner.FunctionCatalog.
func (c catalogView) Functions(name string) []*planner.SQLFunction {
	c.e.catMu.RLock()
	defer c.e.catMu.RUnlock()
	var out []*planner.SQLFunction
	for _, o := range c.e.objects {
		if o.fn != nil && o.fn.Name == name {
			out = append(out, o.fn)
		}
	}
	return out
}

// functionsNamed returns the function objects with the given name.
func (e *Engine) functionsNamed(name string) []*object {
	e.catMu.RLock()
	defer e.catMu.RUnlock()
	var out []*object
	for _, o := range e.objects {
		if o.fn != nil && o.fn.Name == name {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// functionDeps returns the catalog names of the functions an AST calls.
func (e *Engine) functionDeps(n any) []string {
	var out []string
	seen := map[string]bool{}
	walkAST(n, func(v any) {
		fc, ok := v.(*parser.FuncCall)
		if !ok || len(fc.Name) == 0 {
			return
		}
		for _, o := range e.functionsNamed(strings.ToLower(fc.Name[len(fc.Name)-1])) {
			if !seen[o.Name] {
				seen[o.Name] = true
				out = append(out, o.Name)
			}
		}
	})
	return out
}

// lookup returns the object with the given name, or nil.
func (e *Engine) lookup(name string) *object {
	e.catMu.RLock()
	defer e.catMu.RUnlock()
	return e.objects[planner.NormalizeName(name)]
}

// dependents returns the objects that read name, transitively, in reverse
// creation order (the order to drop them in).
func (e *Engine) dependents(name string) []*object {
	e.catMu.RLock()
	defer e.catMu.RUnlock()
	seen := map[string]bool{}
	var out []*object
	var visit func(n string)
	visit = func(n string) {
		for _, o := range e.objects {
			if seen[o.Name] {
				continue
			}
			dep := o.On == n
			for _, d := range o.Deps {
				if d == n {
					dep = true
				}
			}
			if dep {
				seen[o.Name] = true
				out = append(out, o)
				visit(o.Name)
			}
		}
	}
	visit(name)
	sort.Slice(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	return out
}

// objectsOfKind returns the names of the objects of kind k, sorted.
func (e *Engine) objectsOfKind(k ObjectKind) []*object {
	e.catMu.RLock()
	defer e.catMu.RUnlock()
	var out []*object
	for _, o := range e.objects {
		if o.Kind == k {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// idAllocator hands out state-table IDs. When replaying a stored object it
// returns the stored IDs in order, so a restart finds the same tables.
type idAllocator struct {
	e      *Engine
	replay []uint32
	got    []uint32
}

func (a *idAllocator) alloc() uint32 {
	var id uint32
	if len(a.replay) > 0 {
		id = a.replay[0]
		a.replay = a.replay[1:]
		if id >= a.e.nextID {
			a.e.nextID = id + 1
		}
	} else {
		id = a.e.nextID
		a.e.nextID++
	}
	a.got = append(a.got, id)
	return id
}

// referencedNames returns the lower-case names of every table reference in
// an AST, found by walking it.
func referencedNames(n any) []string {
	seen := map[string]bool{}
	var names []string
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return
			}
			if tn, ok := v.Interface().(*parser.TableName); ok {
				nm := planner.NormalizeName(strings.Join(tn.Name, "."))
				if !seen[nm] {
					seen[nm] = true
					names = append(names, nm)
				}
				return
			}
			if c, ok := v.Interface().(*parser.CTE); ok && c.ChangelogFrom != nil {
				nm := planner.NormalizeName(strings.Join(c.ChangelogFrom, "."))
				if !seen[nm] {
					seen[nm] = true
					names = append(names, nm)
				}
			}
			if tf, ok := v.Interface().(*parser.TableFunc); ok && tf.Func != nil {
				// TUMBLE(t, …)/HOP(t, …): the first argument names a table.
				if len(tf.Func.Args) > 0 {
					if cr, ok := tf.Func.Args[0].(*parser.ColumnRef); ok {
						nm := planner.NormalizeName(strings.Join(cr.Parts, "."))
						if !seen[nm] {
							seen[nm] = true
							names = append(names, nm)
						}
					}
				}
			}
			walk(v.Elem())
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(n))
	return names
}

// walkAST calls f on every pointer reachable from an AST node through
// exported fields.
func walkAST(n any, f func(any)) {
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return
			}
			if v.Kind() == reflect.Pointer {
				f(v.Interface())
			}
			walk(v.Elem())
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(n))
}
