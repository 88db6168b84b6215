package types

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Text form of chunks, for tests:
//
//	  I T
//	+ 1 a
//	- 2 .
//	U- 3 b
//	U+ 3 c
//
// The header names the column types with short codes (see typeCodes); each
// row starts with its op. "." is NULL. Values are single tokens: timestamps
// are written 2024-01-02T03:04:05, strings may be double-quoted to hold
// spaces.

var typeCodes = map[string]Type{
	"B": Bool, "i2": Int16, "i": Int32, "I": Int64, "f": Float32, "F": Float64,
	"N": Numeric, "T": Varchar, "X": Bytea, "D": DateT, "TM": TimeT, "TS": TimestampT,
	"TZ": TimestamptzT, "IV": IntervalT, "J": JSONBT,
}

// TypeCode returns the text-form code of a type ("I", "T", …; arrays add "[]").
func TypeCode(t Type) string {
	if t.Kind == KindArray {
		return TypeCode(t.ElemType()) + "[]"
	}
	for c, ct := range typeCodes {
		if ct == t {
			return c
		}
	}
	return "?"
}

// ParseChunk parses the text form of a chunk.
func ParseChunk(text string) (*Chunk, error) {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) == 0 {
		return nil, fmt.Errorf("empty chunk text")
	}
	var ts []Type
	for _, code := range strings.Fields(lines[0]) {
		t, ok := typeCodes[code]
		if !ok {
			return nil, fmt.Errorf("unknown type code %q", code)
		}
		ts = append(ts, t)
	}
	var ops []Op
	var rows []Row
	for n, line := range lines[1:] {
		f := splitTokens(line)
		if len(f) == 0 {
			continue
		}
		var op Op
		switch f[0] {
		case "+":
			op = Insert
		case "-":
			op = Delete
		case "U-":
			op = UpdateDelete
		case "U+":
			op = UpdateInsert
		default:
			return nil, fmt.Errorf("line %d: bad op %q", n+2, f[0])
		}
		if len(f)-1 != len(ts) {
			return nil, fmt.Errorf("line %d: %d values for %d columns", n+2, len(f)-1, len(ts))
		}
		r := make(Row, len(ts))
		for i, tok := range f[1:] {
			d, err := parseToken(tok, ts[i])
			if err != nil {
				return nil, fmt.Errorf("line %d column %d: %w", n+2, i+1, err)
			}
			r[i] = d
		}
		ops = append(ops, op)
		rows = append(rows, r)
	}
	return NewChunk(ts, ops, rows), nil
}

// MustParseChunk is ParseChunk for tests; it panics on a bad text.
func MustParseChunk(text string) *Chunk {
	c, err := ParseChunk(text)
	if err != nil {
		panic(err)
	}
	return c
}

func splitTokens(line string) []string {
	var out []string
	for {
		line = strings.TrimLeft(line, " \t")
		if line == "" {
			return out
		}
		if line[0] == '"' {
			end := strings.IndexByte(line[1:], '"')
			if end < 0 {
				return append(out, line)
			}
			out = append(out, line[:end+2])
			line = line[end+2:]
			continue
		}
		end := strings.IndexAny(line, " \t")
		if end < 0 {
			return append(out, line)
		}
		out = append(out, line[:end])
		line = line[end:]
	}
}

func parseToken(tok string, t Type) (Datum, error) {
	if tok == "." {
		return nil, nil
	}
	if len(tok) >= 2 && tok[0] == '"' && tok[len(tok)-1] == '"' {
		tok = tok[1 : len(tok)-1]
	}
	switch t.Kind {
	case KindBool:
		return tok == "t" || tok == "true", nil
	case KindInt16, KindInt32, KindInt64:
		return strconv.ParseInt(tok, 10, 64)
	case KindFloat32, KindFloat64:
		return strconv.ParseFloat(tok, 64)
	case KindNumeric:
		d, _, err := apd.NewFromString(tok)
		return d, err
	case KindVarchar:
		return tok, nil
	case KindBytea:
		return []byte(tok), nil
	case KindJSONB:
		return JSONB(tok), nil
	case KindDate:
		tm, err := time.Parse("2006-01-02", tok)
		return Date(tm.Unix() / 86400), err
	case KindTime:
		tm, err := time.Parse("15:04:05.999999", tok)
		if err != nil {
			return nil, err
		}
		return Time(int64(tm.Hour())*MicrosPerHour + int64(tm.Minute())*MicrosPerMinute +
			int64(tm.Second())*MicrosPerSecond + int64(tm.Nanosecond()/1000)), nil
	case KindTimestamp, KindTimestamptz:
		tm, err := time.Parse("2006-01-02T15:04:05.999999", tok)
		if err != nil {
			return nil, err
		}
		if t.Kind == KindTimestamptz {
			return Timestamptz(tm.UnixMicro()), nil
		}
		return Timestamp(tm.UnixMicro()), nil
	case KindInterval:
		d, err := time.ParseDuration(tok)
		return Interval{Micros: d.Microseconds()}, err
	}
	return nil, fmt.Errorf("no text form for %s", t)
}

// String renders the chunk in its text form.
func (c *Chunk) String() string {
	var b strings.Builder
	b.WriteString(" ")
	for _, t := range c.Types {
		b.WriteString(" " + TypeCode(t))
	}
	for i := 0; i < c.NumRows(); i++ {
		b.WriteString("\n")
		b.WriteString(fmt.Sprintf("%-2s", c.Ops[i]))
		for j := range c.Cols {
			b.WriteString(" ")
			b.WriteString(formatToken(c.Datum(j, i)))
		}
	}
	return b.String()
}

func formatToken(d Datum) string {
	switch x := d.(type) {
	case nil:
		return "."
	case Timestamp:
		return strings.Replace(FormatText(x), " ", "T", 1)
	case Timestamptz:
		return strings.Replace(strings.TrimSuffix(FormatText(x), "+00"), " ", "T", 1)
	}
	s := FormatText(d)
	if strings.ContainsAny(s, " \t") || s == "." {
		return `"` + s + `"`
	}
	return s
}
