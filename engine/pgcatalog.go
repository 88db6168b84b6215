package engine

import (
	"sort"
	"strings"
	"sync"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/types"
)

// System relations: pg_catalog and information_schema tables whose rows are
// generated from the engine catalog when a query scans them (enough for
// psql's \d family, tab completion and common tools). They are
// planner.RelSystem relations; the one-shot dataflow of a query pushes
// their generated rows (see systemRows). Every system relation has a hidden
// bigint row number as its key.

// OIDs of the namespaces and fixed objects.
const (
	oidPgCatalog     = 11
	oidPublic        = 2200
	oidInfoSchema    = 13000
	oidRwCatalog     = 13001
	oidRoot          = 10
	oidDatabase      = 16383
	oidHeapAM        = 2
	oidBtreeAM       = 403
	oidUserBase      = 16384
	oidSysRelBase    = 12000
	oidDefaultTblspc = 1663
)

// userOID is the OID of a catalog object; its primary-key index (and
// constraint) gets userOID+1.
func userOID(o *object) int64 { return oidUserBase + 2*int64(o.Seq) }

type sysCol struct {
	name string
	t    types.Type
}

type sysTable struct {
	schema string
	name   string
	cols   []sysCol
	rows   func(g *catSnap) []types.Row
	rel    *planner.Relation
	oid    int64
}

var (
	sysOnce    sync.Once
	sysTables  []*sysTable
	sysByName  map[string]*sysTable // qualified names, and unqualified pg_catalog names
	sysByQName map[string]*sysTable // qualified names (Relation.Name)
)

// sysType maps the column type names used in the table specs.
func sysType(n string) types.Type {
	switch n {
	case "oid", "int8", "xid", "regproc":
		return types.Int64
	case "name", "text", "char":
		return types.Varchar
	case "bool":
		return types.Bool
	case "int2":
		return types.Int16
	case "int4":
		return types.Int32
	case "float4":
		return types.Float32
	case "float8":
		return types.Float64
	case "text[]":
		return types.ArrayOf(types.Varchar)
	case "int2[]":
		return types.ArrayOf(types.Int16)
	case "oid[]":
		return types.ArrayOf(types.Int64)
	case "timestamptz":
		return types.TimestamptzT
	case "bytea":
		return types.Bytea
	}
	panic("sysType: " + n)
}

// defSys defines a system table from "col:type col:type …".
func defSys(schema, name, spec string, rows func(g *catSnap) []types.Row) {
	t := &sysTable{schema: schema, name: name, rows: rows}
	for _, f := range strings.Fields(spec) {
		n, ty, _ := strings.Cut(f, ":")
		t.cols = append(t.cols, sysCol{n, sysType(ty)})
	}
	sysTables = append(sysTables, t)
}

func initSys() {
	defineSysTables()
	sysByName = map[string]*sysTable{}
	sysByQName = map[string]*sysTable{}
	for i, t := range sysTables {
		t.oid = oidSysRelBase + int64(i)
		q := t.schema + "." + t.name
		schema := make(types.Schema, 0, len(t.cols)+1)
		cts := make([]types.Type, 0, len(t.cols)+1)
		for _, c := range t.cols {
			schema = append(schema, types.Column{Name: c.name, Type: c.t})
			cts = append(cts, c.t)
		}
		schema = append(schema, types.Column{Name: "_sys_row", Type: types.Int64, Hidden: true})
		cts = append(cts, types.Int64)
		id := uint32(0xFFF00000) + uint32(i)
		t.rel = &planner.Relation{
			ID: id, Name: q, Kind: planner.RelSystem, Schema: schema, PK: []int{len(t.cols)},
			Layout:     types.TableLayout{ID: id, Name: q, Cols: cts, PK: []int{len(t.cols)}},
			AppendOnly: true,
		}
		sysByName[q] = t
		sysByQName[q] = t
		if t.schema == "pg_catalog" {
			sysByName[t.name] = t
		}
	}
}

// systemTable returns the system table with this (normalized) name.
func systemTable(name string) *sysTable {
	sysOnce.Do(initSys)
	return sysByName[name]
}

// systemRelation is the planner.Catalog fallback for system relations.
func systemRelation(name string) *planner.Relation {
	if t := systemTable(name); t != nil {
		return t.rel
	}
	return nil
}

// systemRows returns the rows of the system relation scanned as relName
// (a planner.Relation.Name), with the hidden row number appended, or false
// when relName is not a system relation.
func (e *Engine) systemRows(s *Session, relName string) ([]types.Row, bool) {
	sysOnce.Do(initSys)
	t := sysByQName[relName]
	if t == nil {
		return nil, false
	}
	g := e.catalogSnapshot(s)
	rows := t.rows(g)
	for i, r := range rows {
		if len(r) != len(t.cols) {
			panic("system table " + relName + ": row width mismatch")
		}
		for j, d := range r {
			r[j] = normDatum(d)
		}
		rows[i] = append(r, int64(i+1))
	}
	return rows, true
}

// normDatum turns the Go values of the row generators into datums.
func normDatum(d any) types.Datum {
	switch x := d.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case uint32:
		return int64(x)
	case float32:
		return float64(x)
	case []string:
		a := make(types.Array, len(x))
		for i, s := range x {
			a[i] = s
		}
		return a
	case []int64:
		a := make(types.Array, len(x))
		for i, v := range x {
			a[i] = v
		}
		return a
	}
	return d
}

// catSnap is the catalog as one statement sees it.
type catSnap struct {
	e     *Engine
	s     *Session
	objs  []*object // sorted by Seq
	byOID map[int64]*object
	roles []roleInfo
}

func (e *Engine) catalogSnapshot(s *Session) *catSnap {
	g := &catSnap{e: e, s: s, byOID: map[int64]*object{}}
	e.catMu.RLock()
	for _, o := range e.objects {
		g.objs = append(g.objs, o)
	}
	e.catMu.RUnlock()
	sort.Slice(g.objs, func(i, j int) bool { return g.objs[i].Seq < g.objs[j].Seq })
	for _, o := range g.objs {
		g.byOID[userOID(o)] = o
	}
	g.roles = e.roles()
	return g
}

// relKind is pg_class.relkind of an object ("" = not a relation).
func relKind(o *object) string {
	switch o.Kind {
	case KindTable, KindSource:
		return "r"
	case KindMView:
		return "m"
	case KindView:
		return "v"
	case KindIndex:
		return "i"
	}
	return ""
}

// visibleCols returns the user-visible columns of a relation object.
func visibleCols(o *object) []types.Column {
	if o.rel == nil {
		return nil
	}
	var out []types.Column
	for _, c := range o.rel.Schema {
		if !c.Hidden {
			out = append(out, c)
		}
	}
	return out
}

// pkCols returns the names of the visible primary-key columns of a table
// or MV, or nil when it has none (or a hidden one).
func pkCols(o *object) []string {
	if o.rel == nil || (o.Kind != KindTable && o.Kind != KindMView) || len(o.rel.PK) == 0 {
		return nil
	}
	var out []string
	for _, i := range o.rel.PK {
		c := o.rel.Schema[i]
		if c.Hidden {
			return nil
		}
		out = append(out, c.Name)
	}
	return out
}

// indexCols returns the key column names of an index object.
func indexCols(o *object) []string {
	st, err := parseIndex(o.SQL)
	if err != nil {
		return nil
	}
	var out []string
	for _, c := range st {
		out = append(out, c)
	}
	return out
}
