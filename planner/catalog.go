package planner

import (
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/types"
)

// Catalog is the slice of the engine's catalog the planner needs. Relation
// returns the relation with the given lower-case, unqualified name, or
// (nil, nil) when there is none; the planner then raises 42P01.
type Catalog interface {
	Relation(name string) (*Relation, error)
}

// Index is a secondary index of a table or MV (CREATE INDEX): a
// materialized copy sorted by the index keys (PlanIndex).
type Index struct {
	// Relation is the index's own relation; Layout.PK is its sort order.
	Relation *Relation
	// BaseCols maps each column of Relation.Schema to the column of the
	// indexed relation it copies (-1 for a key expression).
	BaseCols []int
	// KeyExprs holds, per index key, the text of its expression over the
	// indexed relation's columns (IndexKeyExprs); "" when unknown.
	KeyExprs []string
}

// IndexCatalog is implemented by catalogs whose relations can have
// indexes; one-shot queries use them to read a key range.
type IndexCatalog interface {
	// Indexes returns the indexes of the named relation.
	Indexes(rel string) []*Index
}

// RelKind says what kind of object a Relation is.
type RelKind uint8

// The relation kinds.
const (
	RelTable  RelKind = iota // CREATE TABLE: has a storage table, takes DML
	RelSource                // CREATE SOURCE: a stream without storage
	RelMView                 // CREATE MATERIALIZED VIEW: has a storage table
	RelView                  // CREATE VIEW: inlined at bind time
	RelSystem                // a system table served by the engine
)

// String returns the kind's name as users see it.
func (k RelKind) String() string {
	switch k {
	case RelTable:
		return "table"
	case RelSource:
		return "source"
	case RelMView:
		return "materialized view"
	case RelView:
		return "view"
	case RelSystem:
		return "system table"
	}
	return "relation"
}

// Relation describes a table, source, materialized view, view or system
// table as the catalog knows it.
type Relation struct {
	ID     uint32
	Name   string
	Kind   RelKind
	Schema types.Schema      // all columns, Hidden ones included
	PK     []int             // primary key / stream key positions in Schema
	Layout types.TableLayout // the storage table of tables and MVs
	// AppendOnly is set for append-only tables and for sources.
	AppendOnly bool
	// ViewQuery is the defining query of a RelView; it is bound in place of
	// the view at every reference.
	ViewQuery *parser.Query
	// Watermark is the optional WATERMARK FOR clause of a source.
	Watermark *Watermark
	// Defaults holds the DEFAULT expression of each column of a table (nil
	// when no column has one; nil entries for columns without).
	Defaults []parser.Expr
}

// Watermark is a source's or table's WATERMARK FOR Col AS Expr [WITH TTL];
// Expr is evaluated over a row of the relation. With TTL, changes below
// the watermark are dropped from the table's change stream, so Col is part
// of the stream key of a scan of it (an update that moves Col is a delete
// and an insert).
type Watermark struct {
	Col  int
	Expr expr.Expr
	TTL  bool
}

// IDAlloc allocates the ID of a new state table.
type IDAlloc func() uint32

// NormalizeName lower-cases a relation name and strips a "public." schema
// prefix, the form in which Catalog.Relation receives names.
func NormalizeName(name string) string {
	n := strings.ToLower(name)
	n = strings.TrimPrefix(n, "public.")
	return n
}
