package format

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

// Record layouts (the FORMAT of FORMAT … ENCODE JSON).
const (
	Plain    = "PLAIN"    // the value is the row; every record inserts
	Upsert   = "UPSERT"   // key = primary key, value = row; a null value deletes
	Debezium = "DEBEZIUM" // {"before":…, "after":…, "op":"c|u|d|r"}, optionally in {"payload": …}
)

// JSONOptions configure a JSONDecoder.
type JSONOptions struct {
	// Format is Plain (default), Upsert or Debezium.
	Format string
	// Columns are the schema positions filled from the record; nil means
	// every column. Other columns (INCLUDE columns) stay NULL unless the
	// caller sets them on the returned rows.
	Columns []int
	// PK are the primary-key positions (Upsert: the key decodes into them).
	PK []int
}

// JSONDecoder decodes JSON records into rows of a fixed schema.
//
// Field names match column names case-insensitively (an exact match wins);
// a column named "a.b" also reaches field b of the object in field a.
// Missing fields are NULL, unknown fields are skipped. Values convert as
// follows, and anything else is a record error:
//
//   - integers: JSON numbers (integral, in range) or strings holding one;
//   - real, double: numbers or strings ("NaN", "Infinity" allowed);
//   - numeric: numbers (exactly, no float rounding) or strings;
//   - boolean: true/false or a string Postgres accepts;
//   - varchar: strings; numbers, booleans, objects and arrays as their JSON text;
//   - date, time, timestamp(tz), interval: strings in Postgres input syntax;
//     timestamps also from numbers (milliseconds since 1970-01-01 UTC), dates
//     from numbers (days since 1970-01-01);
//   - jsonb: any JSON value, canonicalised as the expr package does;
//   - bytea: "\x…" hex strings, otherwise base64;
//   - arrays: JSON arrays whose elements convert as above, or Postgres array text.
//
// A JSONDecoder is not safe for concurrent use; give each goroutine its own.
type JSONDecoder struct {
	schema types.Schema
	types  []types.Type
	root   *node
	format string
	pk     []int
	rows   [2]*Row
	out    []*Row

	buf     []byte
	pos     int
	arena   []byte
	scratch []byte
}

// node is a level of the field tree: a column at this path and/or nested
// fields.
type node struct {
	col   int // -1 when no column ends here
	typ   types.Type
	exact map[string]*node
	lower map[string]*node
	names []string // exact names of the children, for a linear first look
	kids  []*node
	pos   int // index in the parent's kids
	hint  int // index of the child expected next (records repeat their field order)
}

func newNode() *node { return &node{col: -1} }

func (n *node) child(name string) *node {
	if n.exact == nil {
		n.exact, n.lower = map[string]*node{}, map[string]*node{}
	}
	if c := n.exact[name]; c != nil {
		return c
	}
	c := newNode()
	c.pos = len(n.kids)
	n.exact[name] = c
	n.names = append(n.names, name)
	n.kids = append(n.kids, c)
	if _, ok := n.lower[strings.ToLower(name)]; !ok {
		n.lower[strings.ToLower(name)] = c
	}
	return c
}

func (n *node) lookup(key []byte, scratch *[]byte) *node {
	if n.exact == nil {
		return nil
	}
	// Records of one topic usually list their fields in the same order:
	// try the field that followed the previous match first.
	if h := n.hint; h < len(n.names) && n.names[h] == string(key) {
		n.hint = h + 1
		return n.kids[h]
	}
	if len(n.names) <= 16 {
		for i, nm := range n.names {
			if len(nm) == len(key) && nm == string(key) {
				n.hint = i + 1
				return n.kids[i]
			}
		}
	} else if c := n.exact[string(key)]; c != nil {
		n.hint = c.pos + 1
		return c
	}
	s := (*scratch)[:0]
	for _, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		s = append(s, c)
	}
	*scratch = s
	return n.lower[string(s)]
}

// NewJSONDecoder returns a decoder for rows of schema.
func NewJSONDecoder(schema types.Schema, o JSONOptions) (*JSONDecoder, error) {
	f := strings.ToUpper(o.Format)
	if f == "" {
		f = Plain
	}
	switch f {
	case Plain, Upsert, Debezium:
	default:
		return nil, fmt.Errorf("format: FORMAT %s ENCODE JSON is not supported", f)
	}
	if f == Upsert && len(o.PK) == 0 {
		return nil, errors.New("format: FORMAT UPSERT needs a primary key")
	}
	d := &JSONDecoder{schema: schema, types: schema.Types(), root: newNode(), format: f, pk: o.PK}
	cols := o.Columns
	if cols == nil {
		for i := range schema {
			cols = append(cols, i)
		}
	}
	for _, c := range cols {
		name := schema[c].Name
		d.place([]string{name}, c)
		if strings.Contains(name, ".") {
			d.place(strings.Split(name, "."), c)
		}
	}
	d.rows[0], d.rows[1] = newRow(len(schema)), newRow(len(schema))
	return d, nil
}

func (d *JSONDecoder) place(path []string, col int) {
	n := d.root
	for _, p := range path {
		n = n.child(p)
	}
	if n.col < 0 {
		n.col = col
		n.typ = d.types[col]
	}
}

// Decode decodes one record. key is the message key (Upsert uses it; may be
// nil), value the payload. It returns 0, 1 or 2 rows (an update in
// Debezium layout gives UpdateDelete, UpdateInsert); a Debezium tombstone
// or an empty Plain payload gives none. The rows and the strings in them are
// valid until the next call, and value must not change until they are
// appended. On error no row is returned.
func (d *JSONDecoder) Decode(key, value []byte) ([]*Row, error) {
	d.arena = d.arena[:0]
	d.out = d.out[:0]
	switch d.format {
	case Upsert:
		return d.decodeUpsert(key, value)
	case Debezium:
		return d.decodeDebezium(value)
	}
	if isBlank(value) {
		return nil, nil
	}
	r := d.rows[0]
	r.reset()
	if err := d.decodeObject(value, r); err != nil {
		return nil, err
	}
	d.out = append(d.out, r)
	return d.out, nil
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func isNullLiteral(b []byte) bool {
	s := strings.TrimSpace(string(b))
	return s == "null"
}

// decodeObject decodes a whole buffer holding one object into r.
func (d *JSONDecoder) decodeObject(buf []byte, r *Row) error {
	d.buf, d.pos = buf, 0
	d.ws()
	if d.pos >= len(d.buf) || d.buf[d.pos] != '{' {
		return d.syntax("expected a JSON object")
	}
	if err := d.object(d.root, r); err != nil {
		return err
	}
	d.ws()
	if d.pos != len(d.buf) {
		return d.syntax("unexpected data after the JSON object")
	}
	return nil
}

func (d *JSONDecoder) decodeUpsert(key, value []byte) ([]*Row, error) {
	r := d.rows[0]
	r.reset()
	if isBlank(value) || isNullLiteral(value) {
		if isBlank(key) {
			return nil, errors.New("upsert record with neither key nor value")
		}
		if err := d.decodeKey(key, r); err != nil {
			return nil, err
		}
		r.Op = types.Delete
		d.out = append(d.out, r)
		return d.out, nil
	}
	if err := d.decodeObject(value, r); err != nil {
		return nil, err
	}
	missing := false
	for _, c := range d.pk {
		if r.IsNull(c) {
			missing = true
		}
	}
	if missing && !isBlank(key) {
		if err := d.decodeKey(key, r); err != nil {
			return nil, err
		}
	}
	r.Op = types.Insert
	d.out = append(d.out, r)
	return d.out, nil
}

// decodeKey fills the primary-key columns from a message key: a JSON object
// with the key fields, or (single-column key) a JSON scalar, or raw text for
// a single varchar key.
func (d *JSONDecoder) decodeKey(key []byte, r *Row) error {
	d.buf, d.pos = key, 0
	d.ws()
	if d.pos < len(d.buf) && d.buf[d.pos] == '{' {
		return d.decodeObject(key, r)
	}
	if len(d.pk) != 1 {
		return errors.New("upsert key must be a JSON object with the primary-key fields")
	}
	c := d.pk[0]
	t := d.types[c]
	if err := d.scalar(t, &r.vals[c]); err != nil {
		if t.Kind == types.KindVarchar {
			r.vals[c] = value{k: vStr, s: string(key)}
			return nil
		}
		return d.colErr(c, err)
	}
	d.ws()
	if d.pos != len(d.buf) {
		if t.Kind == types.KindVarchar {
			r.vals[c] = value{k: vStr, s: string(key)}
			return nil
		}
		return d.syntax("unexpected data after the key")
	}
	return nil
}

func (d *JSONDecoder) decodeDebezium(value []byte) ([]*Row, error) {
	if isBlank(value) || isNullLiteral(value) {
		return nil, nil // tombstone following a delete
	}
	d.buf, d.pos = value, 0
	d.ws()
	var env envelope
	if err := d.envelope(&env, 0); err != nil {
		return nil, err
	}
	d.ws()
	if d.pos != len(d.buf) {
		return nil, d.syntax("unexpected data after the JSON object")
	}
	decode := func(span []byte, r *Row, op types.Op) error {
		r.reset()
		if err := d.decodeObject(span, r); err != nil {
			return err
		}
		r.Op = op
		d.out = append(d.out, r)
		return nil
	}
	hasBefore := env.before != nil && !isNullLiteral(env.before)
	hasAfter := env.after != nil && !isNullLiteral(env.after)
	switch env.op {
	case "c", "r":
		if !hasAfter {
			return nil, fmt.Errorf("debezium op %q without \"after\"", env.op)
		}
		return d.out, decode(env.after, d.rows[0], types.Insert)
	case "u":
		if !hasAfter {
			return nil, errors.New("debezium op \"u\" without \"after\"")
		}
		if !hasBefore {
			return d.out, decode(env.after, d.rows[0], types.Insert)
		}
		if err := decode(env.before, d.rows[0], types.UpdateDelete); err != nil {
			return nil, err
		}
		if err := decode(env.after, d.rows[1], types.UpdateInsert); err != nil {
			d.out = d.out[:0]
			return nil, err
		}
		return d.out, nil
	case "d":
		if !hasBefore {
			return nil, errors.New("debezium op \"d\" without \"before\"")
		}
		return d.out, decode(env.before, d.rows[0], types.Delete)
	case "":
		return nil, errors.New("debezium record without \"op\"")
	}
	return nil, fmt.Errorf("unknown debezium op %q", env.op)
}

type envelope struct {
	before, after []byte
	op            string
}

func (d *JSONDecoder) envelope(env *envelope, depth int) error {
	if d.pos >= len(d.buf) || d.buf[d.pos] != '{' {
		return d.syntax("expected a JSON object")
	}
	return d.members(func(k []byte) error {
		switch string(k) {
		case "payload":
			if depth == 0 && d.pos < len(d.buf) && d.buf[d.pos] == '{' {
				return d.envelope(env, 1)
			}
		case "before", "after":
			start := d.pos
			if err := d.skip(0); err != nil {
				return err
			}
			if string(k) == "before" {
				env.before = d.buf[start:d.pos]
			} else {
				env.after = d.buf[start:d.pos]
			}
			return nil
		case "op":
			if d.pos < len(d.buf) && d.buf[d.pos] == '"' {
				s, err := d.str()
				if err != nil {
					return err
				}
				env.op = string(s)
				return nil
			}
		}
		return d.skip(0)
	})
}

// object decodes an object at d.pos whose fields are looked up in n.
func (d *JSONDecoder) object(n *node, r *Row) error {
	return d.members(func(k []byte) error {
		if c := n.lookup(k, &d.scratch); c != nil {
			return d.field(c, r)
		}
		return d.skip(0)
	})
}

// field decodes the value at d.pos for tree node n.
func (d *JSONDecoder) field(n *node, r *Row) error {
	if d.pos >= len(d.buf) {
		return d.syntax("unexpected end of input")
	}
	if n.exact != nil && d.buf[d.pos] == '{' {
		start := d.pos
		if err := d.object(n, r); err != nil {
			return err
		}
		if n.col >= 0 {
			return d.colErr(n.col, d.composite(n.typ, d.buf[start:d.pos], &r.vals[n.col]))
		}
		return nil
	}
	if n.col < 0 {
		return d.skip(0)
	}
	return d.colErr(n.col, d.scalar(n.typ, &r.vals[n.col]))
}

// typeError is a value that does not fit its column.
type typeError struct{ msg string }

func (e *typeError) Error() string { return e.msg }

func (d *JSONDecoder) colErr(col int, err error) error {
	if err == nil {
		return nil
	}
	var te *typeError
	if errors.As(err, &te) {
		return fmt.Errorf("column %q: %s", d.schema[col].Name, te.msg)
	}
	return err
}

func mismatch(what string, t types.Type) error {
	return &typeError{msg: fmt.Sprintf("cannot store a JSON %s in a column of type %s", what, t)}
}

// scalar decodes the value at d.pos into v as type t.
func (d *JSONDecoder) scalar(t types.Type, v *value) error {
	if d.pos >= len(d.buf) {
		return d.syntax("unexpected end of input")
	}
	start := d.pos
	switch c := d.buf[d.pos]; {
	case c == 'n':
		if err := d.literal("null"); err != nil {
			return err
		}
		*v = value{}
		return nil
	case c == '"':
		s, err := d.str()
		if err != nil {
			return err
		}
		if t.Kind == types.KindJSONB {
			return d.jsonb(d.buf[start:d.pos], v)
		}
		return fromString(t, unsafeString(s), v)
	case c == 't' || c == 'f':
		b := c == 't'
		lit := "false"
		if b {
			lit = "true"
		}
		if err := d.literal(lit); err != nil {
			return err
		}
		switch t.Kind {
		case types.KindBool:
			*v = value{k: vBool}
			if b {
				v.i = 1
			}
		case types.KindVarchar, types.KindUnknown:
			*v = value{k: vStr, s: lit}
		case types.KindJSONB:
			*v = value{k: vStr, s: lit}
		default:
			return mismatch("boolean", t)
		}
		return nil
	case c == '-' || (c >= '0' && c <= '9'):
		span, err := d.number()
		if err != nil {
			return err
		}
		return fromNumber(t, span, v)
	case c == '{' || c == '[':
		if err := d.skip(0); err != nil {
			return err
		}
		return d.composite(t, d.buf[start:d.pos], v)
	}
	return d.syntax("unexpected character")
}

// composite stores an object or array (raw JSON text) as type t.
func (d *JSONDecoder) composite(t types.Type, raw []byte, v *value) error {
	switch t.Kind {
	case types.KindJSONB:
		return d.jsonb(raw, v)
	case types.KindVarchar, types.KindUnknown:
		*v = value{k: vStr, s: unsafeString(raw)}
		return nil
	case types.KindArray:
		if raw[0] != '[' {
			return mismatch("object", t)
		}
		return d.array(t, raw, v)
	case types.KindStruct:
		if raw[0] != '{' {
			return mismatch("array", t)
		}
		return d.record(t, raw, v)
	}
	if raw[0] == '[' {
		return mismatch("array", t)
	}
	return mismatch("object", t)
}

func (d *JSONDecoder) jsonb(raw []byte, v *value) error {
	dt, err := expr.ParseText(string(raw), types.JSONBT)
	if err != nil {
		return &typeError{msg: err.Error()}
	}
	*v = value{k: vStr, s: string(dt.(types.JSONB))}
	return nil
}

// array decodes a JSON array (raw) into an Array datum of t's elements.
func (d *JSONDecoder) array(t types.Type, raw []byte, v *value) error {
	saveBuf, savePos := d.buf, d.pos
	defer func() { d.buf, d.pos = saveBuf, savePos }()
	d.buf, d.pos = raw, 1
	et := t.ElemType()
	out := types.Array{}
	d.ws()
	if d.pos < len(d.buf) && d.buf[d.pos] == ']' {
		*v = value{k: vDatum, d: out}
		return nil
	}
	for {
		d.ws()
		var ev value
		if err := d.scalar(et, &ev); err != nil {
			return err
		}
		dt := slotDatum(&ev, et)
		if s, ok := dt.(string); ok {
			dt = strings.Clone(s)
		}
		out = append(out, dt)
		d.ws()
		if d.pos >= len(d.buf) {
			return d.syntax("unterminated array")
		}
		if d.buf[d.pos] == ',' {
			d.pos++
			continue
		}
		if d.buf[d.pos] == ']' {
			break
		}
		return d.syntax("expected ',' or ']' in array")
	}
	*v = value{k: vDatum, d: out}
	return nil
}

// slotDatum converts a slot to a datum of type t.
func slotDatum(v *value, t types.Type) types.Datum {
	r := Row{vals: []value{*v}}
	return r.Datum(0, t)
}

func fromString(t types.Type, s string, v *value) error {
	switch t.Kind {
	case types.KindVarchar, types.KindUnknown:
		*v = value{k: vStr, s: s}
		return nil
	case types.KindInt16, types.KindInt32, types.KindInt64:
		return fromNumber(t, []byte(strings.TrimSpace(s)), v)
	case types.KindTimestamp, types.KindTimestamptz:
		if us, ok := fastTimestamp(s, t.Kind == types.KindTimestamptz); ok {
			*v = value{k: vInt, i: us}
			return nil
		}
	case types.KindDate:
		if len(s) == 10 {
			if days, ok := fastDate(s); ok {
				*v = value{k: vInt, i: days}
				return nil
			}
		}
	case types.KindBytea:
		if !strings.HasPrefix(s, `\x`) {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return &typeError{msg: "bytea value is neither \\x hex nor base64"}
			}
			*v = value{k: vDatum, d: b}
			return nil
		}
	}
	dt, err := expr.ParseText(s, t)
	if err != nil {
		return &typeError{msg: err.Error()}
	}
	return datumSlot(dt, t, v)
}

func datumSlot(dt types.Datum, t types.Type, v *value) error {
	switch x := dt.(type) {
	case nil:
		*v = value{}
	case int64:
		*v = value{k: vInt, i: x}
	case float64:
		*v = value{k: vFloat, f: x}
	case bool:
		*v = value{k: vBool}
		if x {
			v.i = 1
		}
	case string:
		*v = value{k: vStr, s: x}
	case types.Date:
		*v = value{k: vInt, i: int64(x)}
	case types.Time:
		*v = value{k: vInt, i: int64(x)}
	case types.Timestamp:
		*v = value{k: vInt, i: int64(x)}
	case types.Timestamptz:
		*v = value{k: vInt, i: int64(x)}
	case types.JSONB:
		*v = value{k: vStr, s: string(x)}
	default:
		*v = value{k: vDatum, d: dt}
	}
	return nil
}

var intBounds = [...]struct{ lo, hi int64 }{
	types.KindInt16: {math.MinInt16, math.MaxInt16},
	types.KindInt32: {math.MinInt32, math.MaxInt32},
	types.KindInt64: {math.MinInt64, math.MaxInt64},
}

func fromNumber(t types.Type, span []byte, v *value) error {
	switch t.Kind {
	case types.KindInt16, types.KindInt32, types.KindInt64:
		n, ok, err := parseIntSpan(span)
		if err != nil {
			return &typeError{msg: fmt.Sprintf("%q is not a valid %s", span, t)}
		}
		if !ok {
			return &typeError{msg: fmt.Sprintf("value %s is out of range for type %s", span, t)}
		}
		b := intBounds[t.Kind]
		if n < b.lo || n > b.hi {
			return &typeError{msg: fmt.Sprintf("value %s is out of range for type %s", span, t)}
		}
		*v = value{k: vInt, i: n}
		return nil
	case types.KindFloat32, types.KindFloat64:
		f, err := strconv.ParseFloat(unsafeString(span), 64)
		if err != nil {
			return &typeError{msg: fmt.Sprintf("%q is out of range for type %s", span, t)}
		}
		if t.Kind == types.KindFloat32 {
			if !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
				return &typeError{msg: fmt.Sprintf("%q is out of range for type real", span)}
			}
			f = float64(float32(f))
		}
		*v = value{k: vFloat, f: f}
		return nil
	case types.KindVarchar, types.KindUnknown:
		*v = value{k: vStr, s: unsafeString(span)}
		return nil
	case types.KindTimestamp, types.KindTimestamptz:
		n, ok, err := parseIntSpan(span)
		if err != nil || !ok || n > math.MaxInt64/1000 || n < math.MinInt64/1000 {
			return &typeError{msg: fmt.Sprintf("%s is not a valid epoch in milliseconds", span)}
		}
		*v = value{k: vInt, i: n * 1000}
		return nil
	case types.KindDate:
		n, ok, err := parseIntSpan(span)
		if err != nil || !ok || n > math.MaxInt32 || n < math.MinInt32 {
			return &typeError{msg: fmt.Sprintf("%s is not a valid number of days", span)}
		}
		*v = value{k: vInt, i: n}
		return nil
	case types.KindNumeric, types.KindJSONB:
		dt, err := expr.ParseText(string(span), t)
		if err != nil {
			return &typeError{msg: err.Error()}
		}
		return datumSlot(dt, t, v)
	}
	return mismatch("number", t)
}

// parseIntSpan parses a JSON number that must be an integer. ok is false
// on overflow. Integral numbers with a fraction or exponent (1.0, 1e3) are
// accepted.
func parseIntSpan(span []byte) (n int64, ok bool, err error) {
	if len(span) == 0 {
		return 0, false, errors.New("empty number")
	}
	i := 0
	neg := false
	if span[0] == '-' {
		neg = true
		i = 1
	} else if span[0] == '+' {
		i = 1
	}
	if i == len(span) {
		return 0, false, errors.New("bad number")
	}
	var u uint64
	for ; i < len(span); i++ {
		c := span[i]
		if c < '0' || c > '9' {
			break
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, false, nil
		}
		u = u*10 + uint64(c-'0')
	}
	if i < len(span) { // fraction or exponent
		f, err := strconv.ParseFloat(unsafeString(span), 64)
		if err != nil {
			return 0, false, err
		}
		if f != math.Trunc(f) {
			return 0, false, errors.New("not an integer")
		}
		if f < -9.223372036854775e18 || f > 9.223372036854775e18 {
			return 0, false, nil
		}
		return int64(f), true, nil
	}
	if neg {
		if u > 1<<63 {
			return 0, false, nil
		}
		return -int64(u), true, nil
	}
	if u > math.MaxInt64 {
		return 0, false, nil
	}
	return int64(u), true, nil
}

// ---- scanning ----

// SyntaxError is malformed JSON.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

func (d *JSONDecoder) syntax(msg string) error { return &SyntaxError{Offset: d.pos, Msg: msg} }

func (d *JSONDecoder) ws() {
	for d.pos < len(d.buf) {
		switch d.buf[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *JSONDecoder) expect(c byte) error {
	if d.pos >= len(d.buf) || d.buf[d.pos] != c {
		return d.syntax(fmt.Sprintf("expected %q", c))
	}
	d.pos++
	return nil
}

func (d *JSONDecoder) literal(lit string) error {
	if len(d.buf)-d.pos < len(lit) || string(d.buf[d.pos:d.pos+len(lit)]) != lit {
		return d.syntax("invalid literal")
	}
	d.pos += len(lit)
	return nil
}

// number scans a JSON number and returns its text.
func (d *JSONDecoder) number() ([]byte, error) {
	start := d.pos
	if d.pos < len(d.buf) && d.buf[d.pos] == '-' {
		d.pos++
	}
	digits := func() int {
		n := 0
		for d.pos < len(d.buf) && d.buf[d.pos] >= '0' && d.buf[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if digits() == 0 {
		return nil, d.syntax("invalid number")
	}
	if d.pos < len(d.buf) && d.buf[d.pos] == '.' {
		d.pos++
		if digits() == 0 {
			return nil, d.syntax("invalid number")
		}
	}
	if d.pos < len(d.buf) && (d.buf[d.pos] == 'e' || d.buf[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.buf) && (d.buf[d.pos] == '+' || d.buf[d.pos] == '-') {
			d.pos++
		}
		if digits() == 0 {
			return nil, d.syntax("invalid number")
		}
	}
	return d.buf[start:d.pos], nil
}

// str scans a string at d.pos and returns its content, unescaped. Without
// escapes the result aliases the input; otherwise it lives in the arena.
func (d *JSONDecoder) str() ([]byte, error) {
	if d.pos >= len(d.buf) || d.buf[d.pos] != '"' {
		return nil, d.syntax("expected a string")
	}
	d.pos++
	start := d.pos
	high := false
	buf := d.buf
	i := d.pos
	// Skip 8 plain bytes at a time; the byte loop below handles the word
	// that holds a quote, backslash, control or non-ASCII byte.
	for i+8 <= len(buf) && !swarSpecial(binary.LittleEndian.Uint64(buf[i:])) {
		i += 8
	}
	for ; i < len(buf); i++ {
		c := buf[i]
		if strSafe[c] {
			continue
		}
		switch {
		case c == '"':
			s := buf[start:i]
			d.pos = i + 1
			if high && !utf8.Valid(s) {
				return nil, d.syntax("invalid UTF-8 in string")
			}
			return s, nil
		case c == '\\':
			d.pos = i
			return d.strSlow(start)
		case c < 0x20:
			d.pos = i
			return nil, d.syntax("control character in string")
		default:
			high = true
		}
	}
	d.pos = len(buf)
	return nil, d.syntax("unterminated string")
}

// swarSpecial reports whether any of the 8 bytes in x is '"', '\\', below
// 0x20 or at least 0x80.
func swarSpecial(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := x ^ ('"' * lo)
	b := x ^ ('\\' * lo)
	return ((q-lo)&^q|(b-lo)&^b|(x-0x20*lo)&^x|x)&hi != 0
}

// strSafe marks the bytes str can pass over without a second look.
var strSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (d *JSONDecoder) strSlow(start int) ([]byte, error) {
	a0 := len(d.arena)
	d.arena = append(d.arena, d.buf[start:d.pos]...)
	for d.pos < len(d.buf) {
		c := d.buf[d.pos]
		switch {
		case c == '"':
			d.pos++
			s := d.arena[a0:len(d.arena):len(d.arena)]
			if !utf8.Valid(s) {
				return nil, d.syntax("invalid UTF-8 in string")
			}
			return s, nil
		case c < 0x20:
			return nil, d.syntax("control character in string")
		case c != '\\':
			d.arena = append(d.arena, c)
			d.pos++
			continue
		}
		d.pos++
		if d.pos >= len(d.buf) {
			break
		}
		e := d.buf[d.pos]
		d.pos++
		switch e {
		case '"', '\\', '/':
			d.arena = append(d.arena, e)
		case 'b':
			d.arena = append(d.arena, '\b')
		case 'f':
			d.arena = append(d.arena, '\f')
		case 'n':
			d.arena = append(d.arena, '\n')
		case 'r':
			d.arena = append(d.arena, '\r')
		case 't':
			d.arena = append(d.arena, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return nil, d.syntax("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if d.pos+1 < len(d.buf) && d.buf[d.pos] == '\\' && d.buf[d.pos+1] == 'u' {
					d.pos += 2
					if r2, ok = d.hex4(); !ok {
						return nil, d.syntax("invalid \\u escape")
					}
				}
				r = utf16.DecodeRune(r, r2)
			}
			if r == 0 {
				return nil, d.syntax("\\u0000 cannot be stored in text")
			}
			d.arena = utf8.AppendRune(d.arena, r)
		default:
			return nil, d.syntax("invalid escape")
		}
	}
	return nil, d.syntax("unterminated string")
}

func (d *JSONDecoder) hex4() (rune, bool) {
	if d.pos+4 > len(d.buf) {
		return 0, false
	}
	var r rune
	for _, c := range d.buf[d.pos : d.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	d.pos += 4
	return r, true
}

const maxDepth = 512

// skip scans over any JSON value.
func (d *JSONDecoder) skip(depth int) error {
	if depth > maxDepth {
		return d.syntax("nesting too deep")
	}
	if d.pos >= len(d.buf) {
		return d.syntax("unexpected end of input")
	}
	switch c := d.buf[d.pos]; {
	case c == '"':
		_, err := d.str()
		return err
	case c == '{' || c == '[':
		close := byte('}')
		if c == '[' {
			close = ']'
		}
		d.pos++
		d.ws()
		if d.pos < len(d.buf) && d.buf[d.pos] == close {
			d.pos++
			return nil
		}
		for {
			d.ws()
			if c == '{' {
				if _, err := d.str(); err != nil {
					return err
				}
				d.ws()
				if err := d.expect(':'); err != nil {
					return err
				}
				d.ws()
			}
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			d.ws()
			if d.pos >= len(d.buf) {
				return d.syntax("unterminated value")
			}
			if d.buf[d.pos] == ',' {
				d.pos++
				continue
			}
			if d.buf[d.pos] == close {
				d.pos++
				return nil
			}
			return d.syntax("expected ',' or a closing bracket")
		}
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := d.number()
		return err
	}
	return d.syntax("unexpected character")
}

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// ---- fast date/time parsing for the common ISO forms ----

func digits2(s string, i int) (int, bool) {
	a, b := s[i]-'0', s[i+1]-'0'
	if a > 9 || b > 9 {
		return 0, false
	}
	return int(a)*10 + int(b), true
}

// daysFromCivil returns days since 1970-01-01 of a proleptic Gregorian date.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

var monthDays = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func fastDate(s string) (int64, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y1, ok1 := digits2(s, 0)
	y2, ok2 := digits2(s, 2)
	m, ok3 := digits2(s, 5)
	d, ok4 := digits2(s, 8)
	if !ok1 || !ok2 || !ok3 || !ok4 || m < 1 || m > 12 || d < 1 || d > monthDays[m] {
		return 0, false
	}
	y := y1*100 + y2
	if m == 2 && d == 29 && !(y%4 == 0 && (y%100 != 0 || y%400 == 0)) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

// fastTimestamp parses "YYYY-MM-DD[ T]HH:MM:SS[.ffffff][Z|±HH[:MM]]". ok is
// false for anything else (the caller falls back to the full parser).
func fastTimestamp(s string, tz bool) (int64, bool) {
	if len(s) < 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	days, ok := fastDate(s[:10])
	if !ok {
		return 0, false
	}
	h, ok1 := digits2(s, 11)
	mi, ok2 := digits2(s, 14)
	se, ok3 := digits2(s, 17)
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || se > 59 {
		return 0, false
	}
	us := int64(h)*3600e6 + int64(mi)*60e6 + int64(se)*1e6
	i := 19
	if i < len(s) && s[i] == '.' {
		i++
		frac, n := int64(0), 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if n < 7 {
				frac = frac*10 + int64(s[i]-'0')
			}
			n++
			i++
		}
		if n == 0 {
			return 0, false
		}
		for k := n; k < 7; k++ {
			frac *= 10
		}
		if n > 7 {
			n = 7
		}
		us += (frac + 5) / 10 // round to microseconds
	}
	off := int64(0)
	if i < len(s) {
		switch s[i] {
		case 'Z', 'z':
			i++
		case '+', '-':
			sign := int64(1)
			if s[i] == '-' {
				sign = -1
			}
			if len(s) < i+3 {
				return 0, false
			}
			oh, ok := digits2(s, i+1)
			if !ok {
				return 0, false
			}
			i += 3
			om := 0
			if i < len(s) && s[i] == ':' {
				if len(s) < i+3 {
					return 0, false
				}
				if om, ok = digits2(s, i+1); !ok {
					return 0, false
				}
				i += 3
			}
			off = sign * (int64(oh)*3600e6 + int64(om)*60e6)
		default:
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	v := days*86400e6 + us
	if tz {
		v -= off
	}
	return v, true
}
