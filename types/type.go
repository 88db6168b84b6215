package types

import (
	"fmt"
	"strings"
)

// Kind identifies a SQL type.
type Kind uint8

// The SQL kinds Eddy supports.
const (
	KindUnknown Kind = iota // the type of a bare NULL or an untyped string literal
	KindBool
	KindInt16
	KindInt32
	KindInt64
	KindFloat32
	KindFloat64
	KindNumeric
	KindVarchar
	KindBytea
	KindDate
	KindTime
	KindTimestamp
	KindTimestamptz
	KindInterval
	KindJSONB
	KindArray
	KindStruct // a composite (row) type; its fields are in Type.Struct
	kindCount
)

// Type is a SQL type. Arrays carry their element kind in Elem; composite
// types (and arrays of them) carry the id of their interned fields in
// Struct (record.go). Type is a small comparable value.
type Type struct {
	Kind   Kind
	Elem   Kind   // element kind when Kind == KindArray
	Struct uint32 // composite type id when Kind or Elem is KindStruct
}

// Predeclared types.
var (
	Unknown      = Type{Kind: KindUnknown}
	Bool         = Type{Kind: KindBool}
	Int16        = Type{Kind: KindInt16}
	Int32        = Type{Kind: KindInt32}
	Int64        = Type{Kind: KindInt64}
	Float32      = Type{Kind: KindFloat32}
	Float64      = Type{Kind: KindFloat64}
	Numeric      = Type{Kind: KindNumeric}
	Varchar      = Type{Kind: KindVarchar}
	Bytea        = Type{Kind: KindBytea}
	DateT        = Type{Kind: KindDate}
	TimeT        = Type{Kind: KindTime}
	TimestampT   = Type{Kind: KindTimestamp}
	TimestamptzT = Type{Kind: KindTimestamptz}
	IntervalT    = Type{Kind: KindInterval}
	JSONBT       = Type{Kind: KindJSONB}
)

// ArrayOf returns the array type whose elements have type elem.
func ArrayOf(elem Type) Type {
	if elem.Kind == KindArray {
		return elem
	}
	return Type{Kind: KindArray, Elem: elem.Kind, Struct: elem.Struct}
}

// ElemType returns the element type of an array type.
func (t Type) ElemType() Type { return Type{Kind: t.Elem, Struct: t.Struct} }

// IsArray reports whether t is an array type.
func (t Type) IsArray() bool { return t.Kind == KindArray }

// IsInteger reports whether t is smallint, integer or bigint.
func (t Type) IsInteger() bool {
	return t.Kind == KindInt16 || t.Kind == KindInt32 || t.Kind == KindInt64
}

// IsFloat reports whether t is real or double precision.
func (t Type) IsFloat() bool { return t.Kind == KindFloat32 || t.Kind == KindFloat64 }

// IsNumeric reports whether t is any number type.
func (t Type) IsNumeric() bool { return t.IsInteger() || t.IsFloat() || t.Kind == KindNumeric }

// IsString reports whether t is a character string type.
func (t Type) IsString() bool { return t.Kind == KindVarchar }

// IsTemporal reports whether t is date, time, timestamp or timestamptz.
func (t Type) IsTemporal() bool {
	switch t.Kind {
	case KindDate, KindTime, KindTimestamp, KindTimestamptz:
		return true
	}
	return false
}

var kindNames = [kindCount]string{
	KindUnknown:     "unknown",
	KindBool:        "boolean",
	KindInt16:       "smallint",
	KindInt32:       "integer",
	KindInt64:       "bigint",
	KindFloat32:     "real",
	KindFloat64:     "double precision",
	KindNumeric:     "numeric",
	KindVarchar:     "character varying",
	KindBytea:       "bytea",
	KindDate:        "date",
	KindTime:        "time without time zone",
	KindTimestamp:   "timestamp without time zone",
	KindTimestamptz: "timestamp with time zone",
	KindInterval:    "interval",
	KindJSONB:       "jsonb",
	KindArray:       "array",
	KindStruct:      "record",
}

// String returns the Postgres name of the type, as format_type prints it.
func (t Type) String() string {
	if t.Kind == KindArray {
		return t.ElemType().String() + "[]"
	}
	if t.Kind == KindStruct {
		return t.structString()
	}
	if int(t.Kind) < len(kindNames) {
		return kindNames[t.Kind]
	}
	return fmt.Sprintf("kind(%d)", t.Kind)
}

var shortNames = [kindCount]string{
	KindUnknown:     "unknown",
	KindBool:        "bool",
	KindInt16:       "int2",
	KindInt32:       "int4",
	KindInt64:       "int8",
	KindFloat32:     "float4",
	KindFloat64:     "float8",
	KindNumeric:     "numeric",
	KindVarchar:     "varchar",
	KindBytea:       "bytea",
	KindDate:        "date",
	KindTime:        "time",
	KindTimestamp:   "timestamp",
	KindTimestamptz: "timestamptz",
	KindInterval:    "interval",
	KindJSONB:       "jsonb",
	KindArray:       "array",
	KindStruct:      "record",
}

// ShortName returns the pg_type.typname of the type (int4, _int4, …).
func (t Type) ShortName() string {
	if t.Kind == KindArray {
		return "_" + shortNames[t.Elem]
	}
	return shortNames[t.Kind]
}

var kindOIDs = [kindCount]uint32{
	KindUnknown: 705, KindBool: 16, KindInt16: 21, KindInt32: 23, KindInt64: 20,
	KindFloat32: 700, KindFloat64: 701, KindNumeric: 1700, KindVarchar: 1043,
	KindBytea: 17, KindDate: 1082, KindTime: 1083, KindTimestamp: 1114,
	KindTimestamptz: 1184, KindInterval: 1186, KindJSONB: 3802, KindStruct: 2249,
}

var arrayOIDs = [kindCount]uint32{
	KindBool: 1000, KindInt16: 1005, KindInt32: 1007, KindInt64: 1016,
	KindFloat32: 1021, KindFloat64: 1022, KindNumeric: 1231, KindVarchar: 1015,
	KindBytea: 1001, KindDate: 1182, KindTime: 1183, KindTimestamp: 1115,
	KindTimestamptz: 1185, KindInterval: 1187, KindJSONB: 3807, KindUnknown: 1009,
	KindStruct: 2287,
}

// OID returns the Postgres type OID, used on the wire.
func (t Type) OID() uint32 {
	if t.Kind == KindArray {
		return arrayOIDs[t.Elem]
	}
	return kindOIDs[t.Kind]
}

// TypeByOID returns the type with the given Postgres OID.
func TypeByOID(oid uint32) (Type, bool) {
	switch oid {
	case 25, 1042, 19: // text, bpchar, name
		return Varchar, true
	case 114: // json
		return JSONBT, true
	case 1009:
		return ArrayOf(Varchar), true
	}
	// record and record[] are no types by themselves here: their fields
	// come from elsewhere.
	for k, o := range kindOIDs {
		if o == oid && o != 0 && Kind(k) != KindStruct {
			return Type{Kind: Kind(k)}, true
		}
	}
	for k, o := range arrayOIDs {
		if o == oid && o != 0 && Kind(k) != KindStruct {
			return ArrayOf(Type{Kind: Kind(k)}), true
		}
	}
	return Type{}, false
}

// TypeByName resolves a SQL type name (as the parser normalises it, or any
// common alias) to a type. Array names end in "[]".
func TypeByName(name string) (Type, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	if strings.HasSuffix(n, "[]") {
		el, ok := TypeByName(strings.TrimSuffix(n, "[]"))
		if !ok {
			return Type{}, false
		}
		return ArrayOf(el), true
	}
	switch n {
	case "bool", "boolean":
		return Bool, true
	case "int2", "smallint":
		return Int16, true
	case "int", "int4", "integer", "serial":
		return Int32, true
	case "int8", "bigint", "bigserial":
		return Int64, true
	case "float4", "real":
		return Float32, true
	case "float", "float8", "double precision", "double":
		return Float64, true
	case "numeric", "decimal":
		return Numeric, true
	case "varchar", "text", "character varying", "char", "character", "bpchar", "string", "name":
		return Varchar, true
	case "bytea":
		return Bytea, true
	case "date":
		return DateT, true
	case "time", "time without time zone":
		return TimeT, true
	case "timestamp", "timestamp without time zone":
		return TimestampT, true
	case "timestamptz", "timestamp with time zone":
		return TimestamptzT, true
	case "interval":
		return IntervalT, true
	case "jsonb", "json":
		return JSONBT, true
	case "unknown":
		return Unknown, true
	case "oid", "regclass", "regtype", "regproc", "regprocedure", "regnamespace", "regrole", "regoper", "xid", "xid8", "cid":
		// Object identifiers are bigints here (pg_catalog queries).
		return Int64, true
	}
	return Type{}, false
}

// Column is a named, typed column of a schema.
type Column struct {
	Name   string
	Type   Type
	Hidden bool // e.g. the hidden row id of a table without a primary key
	// Mod is the declared type modifier of a table column (NUMERIC(10,2),
	// VARCHAR(20), TIMESTAMP(3)); values written to the column conform to
	// it. The zero value means none.
	Mod TypeMod
}

// TypeMod is a type modifier, Postgres's typmod: the precision and scale
// of NUMERIC(p, s), the length of VARCHAR(n), the fractional-second digits
// of TIMESTAMP(p), TIMESTAMPTZ(p) and TIME(p). The zero value means none.
type TypeMod struct {
	Set       bool
	Precision int32 // numeric precision, varchar length, fractional digits
	Scale     int32 // numeric scale
}

// PG returns the modifier as Postgres's atttypmod (-1 when unset).
func (m TypeMod) PG(t Type) int32 {
	if !m.Set {
		return -1
	}
	switch t.Kind {
	case KindNumeric:
		return (m.Precision<<16 | m.Scale&0xffff) + 4
	case KindVarchar:
		return m.Precision + 4
	}
	return m.Precision
}

// TypeModFromPG is the inverse of TypeMod.PG.
func TypeModFromPG(t Type, typmod int32) TypeMod {
	if typmod < 0 {
		return TypeMod{}
	}
	switch t.Kind {
	case KindNumeric:
		v := typmod - 4
		return TypeMod{Set: true, Precision: v >> 16 & 0xffff, Scale: int32(int16(v & 0xffff))}
	case KindVarchar:
		return TypeMod{Set: true, Precision: typmod - 4}
	}
	return TypeMod{Set: true, Precision: typmod}
}

// Suffix renders the modifier as format_type appends it to the type name:
// "(10,2)" for numeric(10,2), "(20)" for varchar(20), "" when unset.
func (m TypeMod) Suffix(t Type) string {
	if !m.Set {
		return ""
	}
	switch t.Kind {
	case KindNumeric:
		return fmt.Sprintf("(%d,%d)", m.Precision, m.Scale)
	}
	return fmt.Sprintf("(%d)", m.Precision)
}

// Schema is an ordered list of columns.
type Schema []Column

// Types returns the column types of s.
func (s Schema) Types() []Type {
	ts := make([]Type, len(s))
	for i, c := range s {
		ts[i] = c.Type
	}
	return ts
}

// Index returns the position of the column named name, or -1.
func (s Schema) Index(name string) int {
	for i, c := range s {
		if c.Name == name {
			return i
		}
	}
	return -1
}
