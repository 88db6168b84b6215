package format

import (
	"errors"
	"fmt"
	"strings"

	"github.com/eddysql/eddy/types"
)

// CSVOptions configure a CSVDecoder (FORMAT PLAIN ENCODE CSV).
type CSVOptions struct {
	// Delimiter separates fields (default ',').
	Delimiter byte
	// Columns are the schema positions filled from the record, in field
	// order when there is no header; nil means every column.
	Columns []int
}

// CSVDecoder decodes CSV records into rows of a fixed schema.
//
// A message holds one or more records separated by newlines (\n or \r\n).
// Fields follow RFC 4180: a field in double quotes may contain the
// delimiter, newlines and doubled quotes (""). As in PostgreSQL's COPY …
// CSV, an empty unquoted field is NULL and a quoted empty field ("") is an
// empty string. Values are read with PostgreSQL's text input of the
// column's type. Without a header, fields map to the columns in order;
// missing trailing fields are NULL and extra fields are ignored. With a
// header (see Header), fields map to the columns by name, and columns the
// header does not name are NULL.
//
// A CSVDecoder is not safe for concurrent use.
type CSVDecoder struct {
	schema types.Schema
	types  []types.Type
	delim  byte
	cols   []int  // positional mapping: field i → column cols[i]
	rows   []*Row // one per record of the current message
	out    []*Row
	fields [][]byte
	quoted []bool
	arena  []byte
}

// NewCSVDecoder returns a decoder for rows of schema.
func NewCSVDecoder(schema types.Schema, o CSVOptions) (*CSVDecoder, error) {
	d := &CSVDecoder{schema: schema, types: schema.Types(), delim: o.Delimiter}
	if d.delim == 0 {
		d.delim = ','
	}
	if d.delim == '"' || d.delim == '\n' || d.delim == '\r' {
		return nil, fmt.Errorf("format: CSV delimiter cannot be %q", d.delim)
	}
	d.cols = o.Columns
	if d.cols == nil {
		for i := range schema {
			d.cols = append(d.cols, i)
		}
	}
	return d, nil
}

// CSVHeader maps the fields of a header record to schema columns.
type CSVHeader struct {
	cols []int // field i → column, or -1
}

// Header parses a header record (the first record of value) and returns
// the mapping of its field names to the decoder's columns: an exact name
// match wins, otherwise a case-insensitive one.
func (d *CSVDecoder) Header(value []byte) (*CSVHeader, error) {
	if _, err := d.record(value, 0); err != nil {
		return nil, err
	}
	h := &CSVHeader{cols: make([]int, len(d.fields))}
	for i, f := range d.fields {
		name := strings.TrimSpace(string(f))
		h.cols[i] = -1
		for _, c := range d.cols {
			if d.schema[c].Name == name {
				h.cols[i] = c
				break
			}
		}
		if h.cols[i] >= 0 {
			continue
		}
		for _, c := range d.cols {
			if strings.EqualFold(d.schema[c].Name, name) {
				h.cols[i] = c
				break
			}
		}
	}
	return h, nil
}

// Decode decodes every record of value into rows (inserts). h maps fields
// to columns by a header's names; nil maps them by position. skip records
// at the start are not decoded (a header at the top of the message); empty
// lines are skipped. The rows are valid until the next call, and value must
// not change until they are appended; on error no row is returned.
func (d *CSVDecoder) Decode(value []byte, h *CSVHeader, skip int) ([]*Row, error) {
	d.out = d.out[:0]
	d.arena = d.arena[:0]
	pos := 0
	for rec := 0; pos < len(value); rec++ {
		next, err := d.record(value, pos)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", rec+1, err)
		}
		pos = next
		if rec < skip || (len(d.fields) == 1 && len(d.fields[0]) == 0 && !d.quoted[0]) {
			continue
		}
		if len(d.out) == len(d.rows) {
			d.rows = append(d.rows, newRow(len(d.schema)))
		}
		r := d.rows[len(d.out)]
		r.reset()
		if err := d.fill(r, h); err != nil {
			d.out = d.out[:0]
			return nil, fmt.Errorf("record %d: %w", rec+1, err)
		}
		d.out = append(d.out, r)
	}
	return d.out, nil
}

// fill converts the fields of the last record into r.
func (d *CSVDecoder) fill(r *Row, h *CSVHeader) error {
	for i, f := range d.fields {
		c := -1
		if h != nil {
			if i < len(h.cols) {
				c = h.cols[i]
			}
		} else if i < len(d.cols) {
			c = d.cols[i]
		}
		if c < 0 {
			continue
		}
		if len(f) == 0 && !d.quoted[i] {
			r.vals[c] = value{}
			continue
		}
		t := d.types[c]
		var err error
		switch t.Kind {
		case types.KindVarchar, types.KindUnknown:
			r.vals[c] = value{k: vStr, s: unsafeString(f)}
		case types.KindJSONB:
			err = (&JSONDecoder{}).jsonb(f, &r.vals[c])
		case types.KindFloat32, types.KindFloat64:
			if err = fromNumber(t, f, &r.vals[c]); err != nil {
				err = fromString(t, string(f), &r.vals[c])
			}
		default:
			err = fromString(t, unsafeString(f), &r.vals[c])
		}
		if err != nil {
			var te *typeError
			if errors.As(err, &te) {
				return fmt.Errorf("column %q: %s", d.schema[c].Name, te.msg)
			}
			return fmt.Errorf("column %q: %w", d.schema[c].Name, err)
		}
	}
	return nil
}

// record splits the record starting at pos into d.fields and returns where
// the next record starts. Unquoted fields alias value; quoted fields with
// doubled quotes are unescaped into the arena.
func (d *CSVDecoder) record(value []byte, pos int) (int, error) {
	d.fields = d.fields[:0]
	d.quoted = d.quoted[:0]
	for {
		if pos < len(value) && value[pos] == '"' {
			pos++
			start := pos
			var buf []byte // nil until a doubled quote needs unescaping
			for {
				i := pos
				for i < len(value) && value[i] != '"' {
					i++
				}
				if i >= len(value) {
					return 0, errors.New("unterminated quoted field")
				}
				if i+1 < len(value) && value[i+1] == '"' {
					if buf == nil {
						buf = append(d.arena[len(d.arena):], value[start:i]...)
					} else {
						buf = append(buf, value[pos:i]...)
					}
					buf = append(buf, '"')
					pos = i + 2
					continue
				}
				var f []byte
				if buf == nil {
					f = value[start:i]
				} else {
					buf = append(buf, value[pos:i]...)
					d.arena = buf[:len(buf):len(buf)]
					f = buf
				}
				pos = i + 1
				d.fields = append(d.fields, f)
				d.quoted = append(d.quoted, true)
				break
			}
			if pos < len(value) && value[pos] != d.delim && value[pos] != '\n' && value[pos] != '\r' {
				return 0, errors.New("unexpected character after a quoted field")
			}
		} else {
			start := pos
			for pos < len(value) && value[pos] != d.delim && value[pos] != '\n' && value[pos] != '\r' {
				if value[pos] == '"' {
					return 0, errors.New("quote inside an unquoted field")
				}
				pos++
			}
			d.fields = append(d.fields, value[start:pos])
			d.quoted = append(d.quoted, false)
		}
		if pos >= len(value) {
			return pos, nil
		}
		switch value[pos] {
		case '\r':
			pos++
			if pos < len(value) && value[pos] == '\n' {
				pos++
			}
			return pos, nil
		case '\n':
			return pos + 1, nil
		}
		pos++ // delimiter
	}
}
