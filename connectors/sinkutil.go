package connectors

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/connectors/format"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// template is a parsed key_format/value_format/field_format string: literal
// text with {column} placeholders ({{ and }} escape braces).
type template struct {
	parts []tmplPart
	cols  []int
}

type tmplPart struct {
	lit string
	col int // -1 for a literal
}

func parseTemplate(s string, schema types.Schema, option string) (*template, error) {
	t := &template{}
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{':
			lit.WriteByte('{')
			i++
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			lit.WriteByte('}')
			i++
		case c == '{':
			j := strings.IndexByte(s[i:], '}')
			if j < 0 {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "%s: unclosed '{' in %q", option, s)
			}
			name := s[i+1 : i+j]
			col := -1
			for k, sc := range schema {
				if strings.EqualFold(sc.Name, name) && !sc.Hidden {
					col = k
					break
				}
			}
			if col < 0 {
				return nil, sqlerr.New(sqlerr.UndefinedColumn, "%s: column %q does not exist", option, name)
			}
			if lit.Len() > 0 {
				t.parts = append(t.parts, tmplPart{lit: lit.String(), col: -1})
				lit.Reset()
			}
			t.parts = append(t.parts, tmplPart{col: col})
			t.cols = append(t.cols, col)
			i += j
		default:
			lit.WriteByte(c)
		}
	}
	if lit.Len() > 0 {
		t.parts = append(t.parts, tmplPart{lit: lit.String(), col: -1})
	}
	return t, nil
}

// render appends the template applied to row; values are in Postgres text
// format, NULL as the empty string.
func (t *template) render(dst []byte, row types.Row) []byte {
	for _, p := range t.parts {
		if p.col < 0 {
			dst = append(dst, p.lit...)
		} else if d := row[p.col]; d != nil {
			dst = append(dst, types.FormatText(d)...)
		}
	}
	return dst
}

// joinKey appends the values of cols joined by ':'.
func joinKey(dst []byte, row types.Row, cols []int) []byte {
	for i, c := range cols {
		if i > 0 {
			dst = append(dst, ':')
		}
		if row[c] != nil {
			dst = append(dst, types.FormatText(row[c])...)
		}
	}
	return dst
}

// change is one row change handed to a sink encoder.
type change struct {
	op  types.Op
	row types.Row
}

// changes returns the rows of c with their ops.
func changes(c *types.Chunk) []change {
	out := make([]change, c.NumRows())
	for i := range out {
		out[i] = change{op: c.Ops[i], row: c.Row(i)}
	}
	return out
}

// sinkFormat resolves a sink's FORMAT clause: format (PLAIN, UPSERT,
// DEBEZIUM) and encode (JSON, TEMPLATE), defaulting to PLAIN JSON.
func sinkFormat(cfg SinkConfig) (string, string) {
	f, e := strings.ToUpper(cfg.Format.Format), strings.ToUpper(cfg.Format.Encode)
	if f == "" {
		f = format.Plain
	}
	if e == "" {
		e = "JSON"
	}
	return f, e
}

// checkPlainAppendOnly rejects FORMAT PLAIN over an input that may retract
// unless force_append_only is set.
func checkPlainAppendOnly(cfg SinkConfig, fmtName string, force bool) error {
	if fmtName == format.Plain && !cfg.AppendOnly && !force {
		return sqlerr.New(sqlerr.InvalidParameterValue,
			"sink %q: FORMAT PLAIN needs an append-only input, but %s may update or delete rows", cfg.Name, describeInput(cfg)).
			WithHint("Use FORMAT UPSERT (with a primary key) or DEBEZIUM, or set force_append_only='true' to drop deletes.")
	}
	return nil
}

func describeInput(cfg SinkConfig) string {
	if cfg.Name != "" {
		return fmt.Sprintf("the input of %q", cfg.Name)
	}
	return "the input"
}
