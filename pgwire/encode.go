package pgwire

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/types"
)

// Postgres epochs: binary dates and timestamps count from 2000-01-01.
const (
	pgEpochDays   = 10957             // days from 1970-01-01 to 2000-01-01
	pgEpochMicros = 946684800_000_000 // microseconds from 1970-01-01 to 2000-01-01
)

// OIDs used on the wire besides types.Type.OID.
const (
	oidText    = 25
	oidUnknown = 705
)

// wireOID is the type OID reported for a result column. Columns of
// unknown type (an untyped literal) are reported as text, as Postgres does.
func wireOID(t types.Type) uint32 {
	if t.Kind == types.KindUnknown {
		return oidText
	}
	if o := t.OID(); o != 0 {
		return o
	}
	return oidText
}

// typeSize is pg_type.typlen.
func typeSize(t types.Type) int16 {
	switch t.Kind {
	case types.KindBool:
		return 1
	case types.KindInt16:
		return 2
	case types.KindInt32, types.KindFloat32, types.KindDate:
		return 4
	case types.KindInt64, types.KindFloat64, types.KindTime, types.KindTimestamp, types.KindTimestamptz:
		return 8
	case types.KindInterval:
		return 16
	}
	return -1
}

// encodeBinary appends the binary wire form of the non-NULL datum d of
// type t to buf.
func encodeBinary(buf []byte, d types.Datum, t types.Type) ([]byte, error) {
	switch t.Kind {
	case types.KindBool:
		b, ok := d.(bool)
		if !ok {
			break
		}
		if b {
			return append(buf, 1), nil
		}
		return append(buf, 0), nil
	case types.KindInt16, types.KindInt32, types.KindInt64:
		n, ok := d.(int64)
		if !ok {
			break
		}
		switch t.Kind {
		case types.KindInt16:
			return binary.BigEndian.AppendUint16(buf, uint16(int16(n))), nil
		case types.KindInt32:
			return binary.BigEndian.AppendUint32(buf, uint32(int32(n))), nil
		}
		return binary.BigEndian.AppendUint64(buf, uint64(n)), nil
	case types.KindFloat32:
		f, ok := d.(float64)
		if !ok {
			break
		}
		return binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(f))), nil
	case types.KindFloat64:
		f, ok := d.(float64)
		if !ok {
			break
		}
		return binary.BigEndian.AppendUint64(buf, math.Float64bits(f)), nil
	case types.KindNumeric:
		switch x := d.(type) {
		case *apd.Decimal:
			return appendNumeric(buf, x), nil
		case int64:
			return appendNumeric(buf, apd.New(x, 0)), nil
		}
	case types.KindVarchar, types.KindUnknown:
		if s, ok := d.(string); ok {
			return append(buf, s...), nil
		}
		return append(buf, types.FormatText(d)...), nil
	case types.KindBytea:
		switch x := d.(type) {
		case []byte:
			return append(buf, x...), nil
		case string:
			return append(buf, x...), nil
		}
	case types.KindDate:
		if x, ok := d.(types.Date); ok {
			return binary.BigEndian.AppendUint32(buf, uint32(int32(x)-pgEpochDays)), nil
		}
	case types.KindTime:
		if x, ok := d.(types.Time); ok {
			return binary.BigEndian.AppendUint64(buf, uint64(x)), nil
		}
	case types.KindTimestamp:
		if x, ok := d.(types.Timestamp); ok {
			return binary.BigEndian.AppendUint64(buf, uint64(int64(x)-pgEpochMicros)), nil
		}
	case types.KindTimestamptz:
		if x, ok := d.(types.Timestamptz); ok {
			return binary.BigEndian.AppendUint64(buf, uint64(int64(x)-pgEpochMicros)), nil
		}
	case types.KindInterval:
		if x, ok := d.(types.Interval); ok {
			buf = binary.BigEndian.AppendUint64(buf, uint64(x.Micros))
			buf = binary.BigEndian.AppendUint32(buf, uint32(x.Days))
			return binary.BigEndian.AppendUint32(buf, uint32(x.Months)), nil
		}
	case types.KindJSONB:
		buf = append(buf, 1)
		switch x := d.(type) {
		case types.JSONB:
			return append(buf, x...), nil
		case string:
			return append(buf, x...), nil
		}
	case types.KindArray:
		if a, ok := d.(types.Array); ok {
			return appendArray(buf, a, t.ElemType())
		}
	case types.KindStruct:
		if r, ok := d.(types.Record); ok {
			return appendRecord(buf, r, t)
		}
	}
	return nil, fmt.Errorf("cannot encode %T as %s", d, t)
}

// appendArray appends a one-dimensional array (multi-dimensional when its
// elements are arrays themselves) in the binary array format.
func appendArray(buf []byte, a types.Array, elem types.Type) ([]byte, error) {
	var dims []int
	for cur := a; ; {
		dims = append(dims, len(cur))
		if len(cur) == 0 {
			break
		}
		sub, ok := cur[0].(types.Array)
		if !ok {
			break
		}
		cur = sub
	}
	if len(a) == 0 {
		dims = nil
	}
	var flat []types.Datum
	var walk func(x types.Array, depth int) error
	walk = func(x types.Array, depth int) error {
		if len(x) != dims[depth] {
			return fmt.Errorf("multidimensional arrays must have sub-arrays with matching dimensions")
		}
		for _, e := range x {
			if depth+1 < len(dims) {
				sub, ok := e.(types.Array)
				if !ok {
					return fmt.Errorf("multidimensional arrays must have sub-arrays with matching dimensions")
				}
				if err := walk(sub, depth+1); err != nil {
					return err
				}
				continue
			}
			flat = append(flat, e)
		}
		return nil
	}
	if len(dims) > 0 {
		if err := walk(a, 0); err != nil {
			return nil, err
		}
	}
	hasNull := uint32(0)
	for _, e := range flat {
		if e == nil {
			hasNull = 1
		}
	}
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(dims)))
	buf = binary.BigEndian.AppendUint32(buf, hasNull)
	buf = binary.BigEndian.AppendUint32(buf, wireOID(elem))
	for _, d := range dims {
		buf = binary.BigEndian.AppendUint32(buf, uint32(d))
		buf = binary.BigEndian.AppendUint32(buf, 1)
	}
	for _, e := range flat {
		var err error
		if buf, err = appendLenValue(buf, e, elem); err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// appendLenValue appends the binary form of d (an array element or a
// record field) prefixed by its length, or the length -1 for NULL.
func appendLenValue(buf []byte, d types.Datum, t types.Type) ([]byte, error) {
	if d == nil {
		return binary.BigEndian.AppendUint32(buf, 0xffffffff), nil
	}
	at := len(buf)
	buf = append(buf, 0, 0, 0, 0)
	buf, err := encodeBinary(buf, d, t)
	if err != nil {
		return nil, err
	}
	binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
	return buf, nil
}

// Numeric sign words.
const (
	numericPos  = 0x0000
	numericNeg  = 0x4000
	numericNaN  = 0xC000
	numericPInf = 0xD000
	numericNInf = 0xF000
)

// appendNumeric appends the binary numeric form: ndigits, weight, sign,
// dscale, then base-10000 digits.
func appendNumeric(buf []byte, d *apd.Decimal) []byte {
	header := func(ndigits, weight int, sign uint16, dscale int) {
		buf = binary.BigEndian.AppendUint16(buf, uint16(ndigits))
		buf = binary.BigEndian.AppendUint16(buf, uint16(int16(weight)))
		buf = binary.BigEndian.AppendUint16(buf, sign)
		buf = binary.BigEndian.AppendUint16(buf, uint16(dscale))
	}
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		header(0, 0, numericNaN, 0)
		return buf
	case apd.Infinite:
		if d.Negative {
			header(0, 0, numericNInf, 0)
		} else {
			header(0, 0, numericPInf, 0)
		}
		return buf
	}
	var abs apd.Decimal
	abs.Abs(d)
	s := abs.Text('f')
	intPart, frac, _ := strings.Cut(s, ".")
	dscale := len(frac)
	if r := len(intPart) % 4; r != 0 {
		intPart = strings.Repeat("0", 4-r) + intPart
	}
	if r := len(frac) % 4; r != 0 {
		frac += strings.Repeat("0", 4-r)
	}
	var digits []uint16
	for i := 0; i < len(intPart); i += 4 {
		n, _ := strconv.Atoi(intPart[i : i+4])
		digits = append(digits, uint16(n))
	}
	weight := len(digits) - 1
	for i := 0; i < len(frac); i += 4 {
		n, _ := strconv.Atoi(frac[i : i+4])
		digits = append(digits, uint16(n))
	}
	for len(digits) > 0 && digits[0] == 0 {
		digits = digits[1:]
		weight--
	}
	for len(digits) > 0 && digits[len(digits)-1] == 0 {
		digits = digits[:len(digits)-1]
	}
	sign := uint16(numericPos)
	if d.Negative && len(digits) > 0 {
		sign = numericNeg
	}
	if len(digits) == 0 {
		weight = 0
	}
	header(len(digits), weight, sign, dscale)
	for _, dg := range digits {
		buf = binary.BigEndian.AppendUint16(buf, dg)
	}
	return buf
}

// decodeNumeric decodes the binary numeric form into its text.
func decodeNumeric(b []byte) (string, error) {
	if len(b) < 8 {
		return "", fmt.Errorf("insufficient data left in message")
	}
	ndigits := int(binary.BigEndian.Uint16(b))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int(binary.BigEndian.Uint16(b[6:]))
	switch sign {
	case numericNaN:
		return "NaN", nil
	case numericPInf:
		return "Infinity", nil
	case numericNInf:
		return "-Infinity", nil
	case numericPos, numericNeg:
	default:
		return "", fmt.Errorf("invalid sign in external \"numeric\" value")
	}
	if len(b) != 8+2*ndigits || dscale > 0x3fff {
		return "", fmt.Errorf("invalid external \"numeric\" value")
	}
	var ip, fp strings.Builder
	for i := 0; i < ndigits; i++ {
		dg := binary.BigEndian.Uint16(b[8+2*i:])
		if dg > 9999 {
			return "", fmt.Errorf("invalid digit in external \"numeric\" value")
		}
		g := fmt.Sprintf("%04d", dg)
		if i <= weight {
			ip.WriteString(g)
		} else {
			fp.WriteString(g)
		}
	}
	// Digits implied by the weight: zeros after the last integer group,
	// or before the first fractional one.
	if ndigits > 0 && weight >= ndigits {
		ip.WriteString(strings.Repeat("0000", weight-ndigits+1))
	}
	frac := fp.String()
	if weight < -1 {
		if -weight-1 > 0x4000 {
			return "", fmt.Errorf("invalid external \"numeric\" value")
		}
		frac = strings.Repeat("0000", -weight-1) + frac
	}
	in := strings.TrimLeft(ip.String(), "0")
	if in == "" {
		in = "0"
	}
	if len(frac) > dscale {
		frac = frac[:dscale]
	} else {
		frac += strings.Repeat("0", dscale-len(frac))
	}
	s := in
	if dscale > 0 {
		s += "." + frac
	}
	if sign == numericNeg {
		s = "-" + s
	}
	return s, nil
}

// appendRecord appends a record in Postgres's binary record format: the
// field count, then per field its type OID and its length-prefixed binary
// value (length -1 for NULL).
func appendRecord(buf []byte, r types.Record, t types.Type) ([]byte, error) {
	fs := t.Fields()
	if len(fs) != len(r) {
		return nil, fmt.Errorf("record of %d fields as %s", len(r), t)
	}
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(r)))
	for i, e := range r {
		buf = binary.BigEndian.AppendUint32(buf, wireOID(fs[i].Type))
		var err error
		if buf, err = appendLenValue(buf, e, fs[i].Type); err != nil {
			return nil, err
		}
	}
	return buf, nil
}
