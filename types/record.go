package types

import (
	"cmp"
	"strings"
	"sync"
	"sync/atomic"
)

// Composite types. A value of a composite type (a Postgres row type, a
// RisingWave STRUCT) is a Record: one datum per field. The type's fields
// live in a process-wide table of interned descriptors, so that Type stays
// a small comparable value: Type.Struct is the descriptor's id, and two
// composite types with the same name and fields get the same id. Ids are
// never stored; the catalog keeps SQL text and state keeps values.

// Record is a value of a composite type; its field types come from the
// column type.
type Record []Datum

// Field is a named, typed field of a composite type.
type Field struct {
	Name string
	Type Type
}

// RecordTypeName is the name of the type of a row constructor, ROW(…),
// as Postgres shows it; CREATE TYPE cannot take it.
const RecordTypeName = "record"

// structDesc is an interned composite type.
type structDesc struct {
	name   string // the name of a type made by CREATE TYPE; "" for an anonymous one
	fields []Field
}

// structs interns composite types. Readers load descs without locking
// (Fields is called per value); a new type copies the slice under mu.
var structs = struct {
	mu    sync.Mutex
	byKey map[string]uint32
	descs atomic.Pointer[[]structDesc] // id i+1 is (*descs)[i]
}{byKey: map[string]uint32{}}

// StructOf returns the composite type with the given fields. name is the
// name of a type declared with CREATE TYPE, or "" for an anonymous row
// type (STRUCT<…>, ROW(…)).
func StructOf(name string, fields []Field) Type {
	var k strings.Builder
	k.WriteString(name)
	for _, f := range fields {
		k.WriteByte(0)
		k.WriteString(f.Name)
		k.WriteByte(1)
		typeKey(&k, f.Type)
	}
	key := k.String()
	structs.mu.Lock()
	id, ok := structs.byKey[key]
	if !ok {
		var old []structDesc
		if p := structs.descs.Load(); p != nil {
			old = *p
		}
		descs := append(append(make([]structDesc, 0, len(old)+1), old...), structDesc{name: name, fields: append([]Field(nil), fields...)})
		structs.descs.Store(&descs)
		id = uint32(len(descs))
		structs.byKey[key] = id
	}
	structs.mu.Unlock()
	return Type{Kind: KindStruct, Struct: id}
}

func typeKey(b *strings.Builder, t Type) {
	b.WriteByte(byte(t.Kind))
	b.WriteByte(byte(t.Elem))
	if t.Struct != 0 {
		b.WriteByte('{')
		b.WriteString(t.StructName())
		for _, f := range t.Fields() {
			b.WriteByte(0)
			b.WriteString(f.Name)
			b.WriteByte(1)
			typeKey(b, f.Type)
		}
		b.WriteByte('}')
	}
}

func structOf(id uint32) structDesc {
	if id == 0 {
		return structDesc{}
	}
	return (*structs.descs.Load())[id-1]
}

// IsStruct reports whether t is a composite type.
func (t Type) IsStruct() bool { return t.Kind == KindStruct }

// Fields returns the fields of a composite type (of the element type of an
// array of composites), nil for other types. The caller must not modify
// the slice.
func (t Type) Fields() []Field { return structOf(t.Struct).fields }

// StructName returns the CREATE TYPE name of a composite type, "" for an
// anonymous one.
func (t Type) StructName() string { return structOf(t.Struct).name }

// FieldIndex returns the position of the field named name, or -1.
func (t Type) FieldIndex(name string) int {
	for i, f := range t.Fields() {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// structString renders a composite type: its name, or struct<f1 t1, …>
// for an anonymous one (RisingWave's spelling; Postgres says "record").
func (t Type) structString() string {
	d := structOf(t.Struct)
	if d.name != "" {
		return d.name
	}
	if d.fields == nil {
		return "record"
	}
	var b strings.Builder
	b.WriteString("struct<")
	for i, f := range d.fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteFieldName(f.Name))
		b.WriteByte(' ')
		b.WriteString(f.Type.String())
	}
	b.WriteByte('>')
	return b.String()
}

// quoteFieldName double-quotes a field name unless it is a plain
// lower-case identifier.
func quoteFieldName(n string) string {
	plain := n != ""
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && (c >= '0' && c <= '9' || c == '$')) {
			plain = false
			break
		}
	}
	if plain {
		return n
	}
	return `"` + strings.ReplaceAll(n, `"`, `""`) + `"`
}

// compareRecords orders records as Postgres's btree record comparison
// does: field by field, a NULL field greater than any value and equal to
// another NULL, then by field count.
func compareRecords(x, y Record) int {
	for i := 0; i < len(x) && i < len(y); i++ {
		if c := Compare(x[i], y[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(x), len(y))
}

// formatRecord renders a record in Postgres text output: (f1,f2,…), a
// NULL field empty, a field quoted when it is empty or holds a quote,
// backslash, parenthesis, comma or white space (quotes and backslashes
// doubled inside).
func formatRecord(r Record, t Type) string {
	fs := t.Fields()
	var b strings.Builder
	b.WriteByte('(')
	for i, e := range r {
		if i > 0 {
			b.WriteByte(',')
		}
		if e == nil {
			continue
		}
		var s string
		if i < len(fs) {
			s = FormatTextTyped(e, fs[i].Type)
		} else {
			s = FormatText(e)
		}
		if !needsRecordQuote(s) {
			b.WriteString(s)
			continue
		}
		b.WriteByte('"')
		for j := 0; j < len(s); j++ {
			if s[j] == '"' || s[j] == '\\' {
				b.WriteByte(s[j])
			}
			b.WriteByte(s[j])
		}
		b.WriteByte('"')
	}
	b.WriteByte(')')
	return b.String()
}

func needsRecordQuote(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"', '\\', '(', ')', ',', ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
	}
	return false
}
