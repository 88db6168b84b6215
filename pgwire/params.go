package pgwire

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// decodeParams decodes Bind's parameters to datums of the statement's
// parameter types. ok is false when a type is not one the engine knows
// (the caller then substitutes literals).
func decodeParams(m *pgproto3.Bind, ps *prepared, p *portal) ([]types.Datum, []types.Type, bool, error) {
	vals, ts := p.paramBuf[:], p.typeBuf[:]
	if len(m.Parameters) > len(vals) {
		vals = make([]types.Datum, len(m.Parameters))
		ts = make([]types.Type, len(m.Parameters))
	}
	vals, ts = vals[:len(m.Parameters)], ts[:len(m.Parameters)]
	for i, p := range m.Parameters {
		oid := ps.paramOIDs[i]
		var t types.Type
		if oid != 0 && oid != oidUnknown {
			var ok bool
			if t, ok = types.TypeByOID(oid); !ok {
				return nil, nil, false, nil
			}
		}
		ts[i] = t
		if p == nil {
			continue
		}
		format := formatFor(m.ParameterFormatCodes, i)
		if format == 1 {
			if d, ok := binaryDatum(p, oid); ok {
				vals[i] = d
				continue
			}
		}
		text := string(p)
		switch format {
		case 0:
		case 1:
			var err error
			if text, err = decodeBinaryParam(p, oid); err != nil {
				return nil, nil, false, sqlerr.New(sqlerr.InvalidParameterValue, "invalid binary value for parameter of type OID %d: %v", oid, err)
			}
		default:
			return nil, nil, false, sqlerr.New(sqlerr.ProtocolViolation, "unsupported format code: %d", format)
		}
		d, err := engine.ParseParam(text, t)
		if err != nil {
			return nil, nil, false, err
		}
		vals[i] = d
	}
	return vals, ts, true, nil
}

// binaryDatum decodes the binary form of a boolean or integer parameter
// straight to its datum (what ParseParam makes of its text form); ok is
// false for other types and malformed values, which take the general path.
func binaryDatum(b []byte, oid uint32) (types.Datum, bool) {
	switch {
	case oid == 16 && len(b) == 1:
		return b[0] != 0, true
	case oid == 21 && len(b) == 2:
		return int64(int16(binary.BigEndian.Uint16(b))), true
	case oid == 23 && len(b) == 4:
		return int64(int32(binary.BigEndian.Uint32(b))), true
	case oid == 20 && len(b) == 8:
		return int64(binary.BigEndian.Uint64(b)), true
	}
	return nil, false
}

// paramLiteral renders one Bind parameter as a SQL literal: value in
// format (0 text, 1 binary) of the declared type oid (0 = unspecified).
func paramLiteral(value []byte, format int16, oid uint32) (string, error) {
	if value == nil {
		if t, ok := types.TypeByOID(oid); ok && oid != 0 && oid != oidUnknown {
			return "NULL::" + castName(t), nil
		}
		return "NULL", nil
	}
	text := string(value)
	if format == 1 {
		var err error
		if text, err = decodeBinaryParam(value, oid); err != nil {
			return "", sqlerr.New(sqlerr.InvalidParameterValue, "invalid binary value for parameter of type OID %d: %v", oid, err)
		}
	} else if format != 0 {
		return "", sqlerr.New(sqlerr.ProtocolViolation, "unsupported format code: %d", format)
	}
	return textLiteral(text, oid)
}

// textLiteral renders a parameter's text form as a literal of type oid.
func textLiteral(text string, oid uint32) (string, error) {
	switch oid {
	case 0, oidUnknown, oidText, 1043, 1042, 19:
		return quote(text), nil
	case 20, 21, 23, 26:
		s := strings.TrimSpace(text)
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			name := map[uint32]string{20: "bigint", 21: "smallint", 23: "integer", 26: "oid"}[oid]
			return "", sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid input syntax for type %s: %q", name, text)
		}
		if strings.HasPrefix(s, "-") {
			return "(" + s + ")", nil
		}
		return s, nil
	case 16:
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "t", "true", "on", "yes", "y", "1":
			return "TRUE", nil
		case "f", "false", "off", "no", "n", "0":
			return "FALSE", nil
		}
		return "", sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid input syntax for type boolean: %q", text)
	}
	t, ok := types.TypeByOID(oid)
	if !ok {
		return quote(text), nil
	}
	return quote(text) + "::" + castName(t), nil
}

// castName is the type name used in casts of substituted literals.
func castName(t types.Type) string {
	if t.Kind == types.KindArray {
		return t.ElemType().ShortName() + "[]"
	}
	if t.Kind == types.KindVarchar {
		return "varchar"
	}
	return t.ShortName()
}

// quote renders s as a standard SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// decodeBinaryParam decodes a binary parameter of type oid into its
// Postgres text form.
func decodeBinaryParam(b []byte, oid uint32) (string, error) {
	need := func(n int) error {
		if len(b) != n {
			return fmt.Errorf("expected %d bytes, got %d", n, len(b))
		}
		return nil
	}
	switch oid {
	case 16:
		if err := need(1); err != nil {
			return "", err
		}
		if b[0] != 0 {
			return "t", nil
		}
		return "f", nil
	case 21:
		if err := need(2); err != nil {
			return "", err
		}
		return strconv.FormatInt(int64(int16(binary.BigEndian.Uint16(b))), 10), nil
	case 23:
		if err := need(4); err != nil {
			return "", err
		}
		return strconv.FormatInt(int64(int32(binary.BigEndian.Uint32(b))), 10), nil
	case 26:
		if err := need(4); err != nil {
			return "", err
		}
		return strconv.FormatUint(uint64(binary.BigEndian.Uint32(b)), 10), nil
	case 20:
		if err := need(8); err != nil {
			return "", err
		}
		return strconv.FormatInt(int64(binary.BigEndian.Uint64(b)), 10), nil
	case 700:
		if err := need(4); err != nil {
			return "", err
		}
		return types.FormatFloat(float64(math.Float32frombits(binary.BigEndian.Uint32(b))), 32), nil
	case 701:
		if err := need(8); err != nil {
			return "", err
		}
		return types.FormatFloat(math.Float64frombits(binary.BigEndian.Uint64(b)), 64), nil
	case 1700:
		return decodeNumeric(b)
	case 0, oidUnknown, oidText, 1043, 1042, 19, 114:
		return string(b), nil
	case 3802:
		if len(b) == 0 || b[0] != 1 {
			return "", fmt.Errorf("unsupported jsonb version number")
		}
		return string(b[1:]), nil
	case 17:
		return `\x` + hex.EncodeToString(b), nil
	case 1082:
		if err := need(4); err != nil {
			return "", err
		}
		v := int32(binary.BigEndian.Uint32(b))
		switch v {
		case math.MaxInt32:
			return "infinity", nil
		case math.MinInt32:
			return "-infinity", nil
		}
		return types.FormatText(types.Date(int64(v) + pgEpochDays)), nil
	case 1083:
		if err := need(8); err != nil {
			return "", err
		}
		return types.FormatText(types.Time(int64(binary.BigEndian.Uint64(b)))), nil
	case 1114, 1184:
		if err := need(8); err != nil {
			return "", err
		}
		v := int64(binary.BigEndian.Uint64(b))
		switch v {
		case math.MaxInt64:
			return "infinity", nil
		case math.MinInt64:
			return "-infinity", nil
		}
		if oid == 1114 {
			return types.FormatText(types.Timestamp(v + pgEpochMicros)), nil
		}
		return types.FormatText(types.Timestamptz(v + pgEpochMicros)), nil
	case 1186:
		if err := need(16); err != nil {
			return "", err
		}
		iv := types.Interval{
			Micros: int64(binary.BigEndian.Uint64(b)),
			Days:   int32(binary.BigEndian.Uint32(b[8:])),
			Months: int32(binary.BigEndian.Uint32(b[12:])),
		}
		return types.FormatText(iv), nil
	}
	if t, ok := types.TypeByOID(oid); ok && t.Kind == types.KindArray {
		return decodeBinaryArray(b, t.ElemType().OID())
	}
	return "", fmt.Errorf("binary format is not supported for type OID %d", oid)
}

// decodeBinaryArray decodes the binary array format into array text.
func decodeBinaryArray(b []byte, elemOID uint32) (string, error) {
	if len(b) < 12 {
		return "", fmt.Errorf("insufficient data left in message")
	}
	ndim := int(int32(binary.BigEndian.Uint32(b)))
	if ndim < 0 || ndim > 6 {
		return "", fmt.Errorf("invalid number of dimensions: %d", ndim)
	}
	if got := binary.BigEndian.Uint32(b[8:]); got != elemOID && !(elemOID == 1043 && got == oidText) {
		return "", fmt.Errorf("binary data has array element type %d instead of expected %d", got, elemOID)
	}
	b = b[12:]
	if ndim == 0 {
		return "{}", nil
	}
	if len(b) < 8*ndim {
		return "", fmt.Errorf("insufficient data left in message")
	}
	dims := make([]int, ndim)
	total := 1
	for i := range dims {
		n := int(int32(binary.BigEndian.Uint32(b[8*i:])))
		if n < 0 || n > 1<<20 {
			return "", fmt.Errorf("invalid array dimension %d", n)
		}
		dims[i] = n
		total *= n
		if total > 1<<20 {
			return "", fmt.Errorf("array too large")
		}
	}
	b = b[8*ndim:]
	elems := make([]string, 0, total)
	for range total {
		if len(b) < 4 {
			return "", fmt.Errorf("insufficient data left in message")
		}
		n := int32(binary.BigEndian.Uint32(b))
		b = b[4:]
		if n == -1 {
			elems = append(elems, "NULL")
			continue
		}
		if n < 0 || int(n) > len(b) {
			return "", fmt.Errorf("insufficient data left in message")
		}
		s, err := decodeBinaryParam(b[:n], elemOID)
		if err != nil {
			return "", err
		}
		b = b[n:]
		elems = append(elems, arrayElem(s))
	}
	var sb strings.Builder
	var emit func(depth int)
	emit = func(depth int) {
		sb.WriteByte('{')
		for i := range dims[depth] {
			if i > 0 {
				sb.WriteByte(',')
			}
			if depth+1 < len(dims) {
				emit(depth + 1)
			} else {
				sb.WriteString(elems[0])
				elems = elems[1:]
			}
		}
		sb.WriteByte('}')
	}
	emit(0)
	return sb.String(), nil
}

// arrayElem quotes an array element's text when needed.
func arrayElem(s string) string {
	if s != "" && !strings.EqualFold(s, "null") && !strings.ContainsAny(s, "{}\",\\ \t\n\r") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// scanSQL walks sql and calls fn for every $n placeholder outside quotes,
// quoted identifiers, dollar-quoted strings and comments, with the byte
// range of the placeholder and the word before it.
func scanSQL(sql string, fn func(n, start, end int, prevWord string)) {
	prevWord := ""
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			depth := 0
			for i < len(sql) {
				if i+1 < len(sql) && sql[i] == '/' && sql[i+1] == '*' {
					depth++
					i += 2
				} else if i+1 < len(sql) && sql[i] == '*' && sql[i+1] == '/' {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
		case c == '\'' || c == '"':
			esc := c == '\'' && i > 0 && (sql[i-1] == 'e' || sql[i-1] == 'E') && (i < 2 || !isIdentByte(sql[i-2]))
			i++
			for i < len(sql) {
				if esc && sql[i] == '\\' {
					i += 2
					continue
				}
				if sql[i] == c {
					if i+1 < len(sql) && sql[i+1] == c {
						i += 2
						continue
					}
					break
				}
				i++
			}
			i++
			prevWord = ""
		case c == '$' && i+1 < len(sql) && sql[i+1] >= '0' && sql[i+1] <= '9' && (i == 0 || !isIdentByte(sql[i-1])):
			j := i + 1
			for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
				j++
			}
			n, err := strconv.Atoi(sql[i+1 : j])
			if err != nil {
				n = math.MaxInt32
			}
			fn(n, i, j, prevWord)
			prevWord = ""
			i = j
		case c == '$' && (i == 0 || !isIdentByte(sql[i-1])):
			// A dollar-quoted string: $tag$ … $tag$.
			j := i + 1
			for j < len(sql) && isIdentByte(sql[j]) && sql[j] != '$' {
				j++
			}
			if j < len(sql) && sql[j] == '$' {
				tag := sql[i : j+1]
				if k := strings.Index(sql[j+1:], tag); k >= 0 {
					i = j + 1 + k + len(tag)
				} else {
					i = len(sql)
				}
				prevWord = ""
				continue
			}
			i++
		case isIdentByte(c):
			j := i
			for j < len(sql) && (isIdentByte(sql[j]) || sql[j] == '$') {
				j++
			}
			prevWord = sql[i:j]
			i = j
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		default:
			prevWord = ""
			i++
		}
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// maxParam returns the highest $n in sql.
func maxParam(sql string) int {
	m := 0
	scanSQL(sql, func(n, _, _ int, _ string) { m = max(m, n) })
	return min(m, math.MaxUint16)
}

// substituteParams replaces every $n in sql by lits[n-1]. An untyped
// integer literal after LIMIT, OFFSET or FETCH is inserted as a number.
func substituteParams(sql string, lits []string) (string, error) {
	var b strings.Builder
	last := 0
	var bad int
	scanSQL(sql, func(n, start, end int, prev string) {
		if n < 1 || n > len(lits) {
			if bad == 0 {
				bad = n
			}
			return
		}
		lit := lits[n-1]
		switch strings.ToUpper(prev) {
		case "LIMIT", "OFFSET", "FETCH", "FIRST", "NEXT":
			if inner, ok := strings.CutPrefix(lit, "'"); ok {
				inner = strings.TrimSuffix(inner, "'")
				if _, err := strconv.ParseInt(inner, 10, 64); err == nil {
					lit = inner
				}
			}
		}
		b.WriteString(sql[last:start])
		b.WriteString(lit)
		last = end
	})
	if bad != 0 {
		return "", sqlerr.New(sqlerr.UndefinedParameter, "there is no parameter $%d", bad)
	}
	b.WriteString(sql[last:])
	return b.String(), nil
}

// parsePGDuration parses a time setting such as statement_timeout: a
// number of milliseconds, or a number with a unit (us, ms, s, min, h, d).
func parsePGDuration(v string) (time.Duration, error) {
	s := strings.ToLower(strings.Trim(strings.TrimSpace(v), `'"`))
	if s == "" || s == "0" || s == "default" {
		return 0, nil
	}
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, err := strconv.ParseFloat(s[:i], 64)
	if err != nil || num < 0 {
		return 0, fmt.Errorf("invalid value for a duration: %q", v)
	}
	unit := strings.TrimSpace(s[i:])
	var scale time.Duration
	switch unit {
	case "", "ms":
		scale = time.Millisecond
	case "us":
		scale = time.Microsecond
	case "s":
		scale = time.Second
	case "min":
		scale = time.Minute
	case "h":
		scale = time.Hour
	case "d":
		scale = 24 * time.Hour
	default:
		return 0, fmt.Errorf("invalid unit in duration %q", v)
	}
	return time.Duration(num * float64(scale)), nil
}
