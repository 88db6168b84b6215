package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/eddysql/eddy/types"
)

// Key encoding tags. Every key column starts with one of the two column
// tags; array elements use the element tags and end with arrayEnd. The
// exact layout is documented in docs/state-format.md.
const (
	keyNotNull = 0x01 // a non-NULL column value follows
	keyNull    = 0x02 // NULL: sorts after every value (ascending)

	arrayEnd      = 0x01 // end of an array: sorts before any further element
	arrayElem     = 0x02 // a non-NULL element follows
	arrayElemNull = 0x03 // a NULL element
	arrayElemSub  = 0x04 // a sub-array of a multidimensional array follows

	// arrayMultiDim, in place of a value's element count, marks a
	// multidimensional array: the dimensions follow, then the elements as
	// one flat array. No real count can be this large.
	arrayMultiDim = uint64(1) << 62

	// Numeric classes, in sort order.
	numNegInf  = 0x01
	numNeg     = 0x02
	numZero    = 0x03
	numPos     = 0x04
	numPosInf  = 0x05
	numNaN     = 0x06
	escapeByte = 0x00 // in strings: 0x00 is written as 0x00 0xFF
	escaped00  = 0xFF
	strTerm    = 0x01 // in strings: the terminator is 0x00 0x01
)

// errCorrupt is returned (wrapped) when an encoding cannot be decoded.
var errCorrupt = errors.New("state: corrupt encoding")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errCorrupt, fmt.Sprintf(format, args...))
}

// EncodeKey appends the memcomparable encoding of row to dst and returns the
// extended slice. Column i is encoded with type ts[i]; when desc[i] is true
// (desc may be nil or shorter than ts) its bytes are inverted so that it
// sorts descending.
//
// For rows a and b of the same types, bytes.Compare(EncodeKey(a),
// EncodeKey(b)) has the sign of types.CompareRows(a, b), with descending
// columns reversed: NULL sorts last in an ascending column and first in a
// descending one, as in Postgres. Values that types.Compare calls equal
// encode to equal bytes (1.0 and 1.00, interval '1 month' and '30 days',
// -0.0 and 0.0), so an encoded key can serve as a map key for grouping.
//
// Every column encoding is self-delimiting, so the encoding of the first k
// columns is a byte prefix of the encoding of the whole row: row may be
// shorter than ts to encode a key prefix. EncodeKey panics when a datum does
// not match its column type; that is a programming error.
func EncodeKey(dst []byte, row types.Row, ts []types.Type, desc []bool) []byte {
	if len(row) > len(ts) {
		panic(fmt.Sprintf("state.EncodeKey: row has %d columns, types %d", len(row), len(ts)))
	}
	for i, d := range row {
		dst = appendKeyColumn(dst, d, ts[i], i < len(desc) && desc[i])
	}
	return dst
}

// appendKeyCols encodes row[cols[i]] with ts[i] and desc[i], without
// projecting the row first.
func appendKeyCols(dst []byte, row types.Row, cols []int, ts []types.Type, desc []bool) []byte {
	for i, c := range cols {
		dst = appendKeyColumn(dst, row[c], ts[i], i < len(desc) && desc[i])
	}
	return dst
}

func appendKeyColumn(dst []byte, d types.Datum, t types.Type, desc bool) []byte {
	start := len(dst)
	if d == nil {
		dst = append(dst, keyNull)
	} else {
		dst = append(dst, keyNotNull)
		dst = appendKeyDatum(dst, d, t.Kind, t.Elem)
	}
	if desc {
		invert(dst[start:])
	}
	return dst
}

func invert(b []byte) {
	for i := range b {
		b[i] = ^b[i]
	}
}

// appendKeyDatum appends the ascending encoding of the non-NULL datum d of
// kind k (elem is the element kind of arrays).
func appendKeyDatum(dst []byte, d types.Datum, k, elem types.Kind) []byte {
	switch k {
	case types.KindBool:
		if asBool(d) {
			return append(dst, 1)
		}
		return append(dst, 0)
	case types.KindInt16, types.KindInt32, types.KindInt64:
		return binary.BigEndian.AppendUint64(dst, uint64(asInt(d))^(1<<63))
	case types.KindFloat32, types.KindFloat64:
		return binary.BigEndian.AppendUint64(dst, floatKey(asFloat(d)))
	case types.KindNumeric:
		return appendDecimalKey(dst, asDecimal(d))
	case types.KindVarchar, types.KindUnknown:
		return appendEscaped(dst, asString(d))
	case types.KindJSONB:
		j, ok := d.(types.JSONB)
		if !ok {
			return appendEscaped(dst, asString(d))
		}
		return appendEscaped(dst, string(j))
	case types.KindBytea:
		b, ok := d.([]byte)
		if !ok {
			panic(badDatum(d, k))
		}
		return appendEscapedBytes(dst, b)
	case types.KindDate:
		v, ok := d.(types.Date)
		if !ok {
			panic(badDatum(d, k))
		}
		return binary.BigEndian.AppendUint32(dst, uint32(v)^(1<<31))
	case types.KindTime, types.KindTimestamp, types.KindTimestamptz:
		return binary.BigEndian.AppendUint64(dst, uint64(asTime(d, k))^(1<<63))
	case types.KindInterval:
		iv, ok := d.(types.Interval)
		if !ok {
			panic(badDatum(d, k))
		}
		days, micros := intervalKey(iv)
		dst = binary.BigEndian.AppendUint64(dst, uint64(days)^(1<<63))
		return binary.BigEndian.AppendUint64(dst, uint64(micros))
	case types.KindArray:
		a, ok := d.(types.Array)
		if !ok {
			panic(badDatum(d, k))
		}
		for _, e := range a {
			if e == nil {
				dst = append(dst, arrayElemNull)
				continue
			}
			if sub, ok := e.(types.Array); ok {
				dst = append(dst, arrayElemSub)
				dst = appendKeyDatum(dst, sub, types.KindArray, elem)
				continue
			}
			dst = append(dst, arrayElem)
			dst = appendKeyDatum(dst, e, elemKind(elem, e), types.KindUnknown)
		}
		return append(dst, arrayEnd)
	case types.KindStruct:
		return appendKeyRecord(dst, d)
	}
	panic(fmt.Sprintf("state: cannot encode type kind %d", k))
}

func badDatum(d types.Datum, k types.Kind) string {
	return fmt.Sprintf("state: datum %T (%v) does not match column type %s", d, d, types.Type{Kind: k})
}

func asBool(d types.Datum) bool {
	b, ok := d.(bool)
	if !ok {
		panic(badDatum(d, types.KindBool))
	}
	return b
}

func asInt(d types.Datum) int64 {
	switch v := d.(type) {
	case int64:
		return v
	case int:
		return int64(v)
	case int32:
		return int64(v)
	case int16:
		return int64(v)
	}
	panic(badDatum(d, types.KindInt64))
}

func asFloat(d types.Datum) float64 {
	switch v := d.(type) {
	case float64:
		return v
	case float32:
		return float64(v)
	case int64:
		return float64(v)
	}
	panic(badDatum(d, types.KindFloat64))
}

func asDecimal(d types.Datum) *apd.Decimal {
	switch v := d.(type) {
	case *apd.Decimal:
		return v
	case int64:
		return apd.New(v, 0)
	}
	panic(badDatum(d, types.KindNumeric))
}

func asString(d types.Datum) string {
	switch v := d.(type) {
	case string:
		return v
	case types.JSONB:
		return string(v)
	}
	panic(badDatum(d, types.KindVarchar))
}

func asTime(d types.Datum, k types.Kind) int64 {
	switch v := d.(type) {
	case types.Time:
		return int64(v)
	case types.Timestamp:
		return int64(v)
	case types.Timestamptz:
		return int64(v)
	}
	panic(badDatum(d, k))
}

// floatKey maps a float64 to a uint64 whose unsigned order is the Postgres
// order of floats: -Inf < … < -0 = +0 < … < +Inf < NaN.
func floatKey(f float64) uint64 {
	if f == 0 {
		f = 0 // -0 → +0
	}
	u := math.Float64bits(f)
	if f != f {
		u = 0x7FF8000000000000 // canonical NaN, above +Inf once flipped
	}
	if u>>63 == 1 {
		return ^u
	}
	return u | 1<<63
}

func floatFromKey(u uint64) float64 {
	if u>>63 == 1 {
		u &^= 1 << 63
	} else {
		u = ^u
	}
	return math.Float64frombits(u)
}

// intervalKey normalises an interval to (days, micros) with micros in
// [0, MicrosPerDay), a month counting 30 days: the exact total span as a
// pair, ordered like Interval.Duration but without overflow.
func intervalKey(iv types.Interval) (days, micros int64) {
	days = int64(iv.Months)*30 + int64(iv.Days)
	q := iv.Micros / types.MicrosPerDay
	r := iv.Micros % types.MicrosPerDay
	if r < 0 {
		q--
		r += types.MicrosPerDay
	}
	return days + q, r
}

func intervalFromKey(days, micros int64) types.Interval {
	if days >= math.MinInt32 && days <= math.MaxInt32 {
		return types.Interval{Days: int32(days), Micros: micros}
	}
	return types.Interval{Months: int32(days / 30), Days: int32(days % 30), Micros: micros}
}

// appendEscaped writes s with 0x00 escaped as 0x00 0xFF, then 0x00 0x01.
func appendEscaped(dst []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			dst = append(dst, s...)
			break
		}
		dst = append(dst, s[:i]...)
		dst = append(dst, escapeByte, escaped00)
		s = s[i+1:]
	}
	return append(dst, escapeByte, strTerm)
}

// appendEscapedBytes is appendEscaped for a byte slice.
func appendEscapedBytes(dst []byte, s []byte) []byte {
	for {
		i := bytes.IndexByte(s, 0)
		if i < 0 {
			dst = append(dst, s...)
			break
		}
		dst = append(dst, s[:i]...)
		dst = append(dst, escapeByte, escaped00)
		s = s[i+1:]
	}
	return append(dst, escapeByte, strTerm)
}

// appendDecimalKey encodes a decimal as class byte, then for finite non-zero
// values the adjusted exponent E (value = 0.d1d2d3… × 10^E, d1 ≠ 0) as a
// sign-flipped big-endian int32 and the significant digits, two per byte
// (pair+1, so 1…100), ending with 0x00. Negative values invert the bytes
// after the class byte. Trailing zeros are dropped, so 1.0 and 1.00 encode
// equal.
func appendDecimalKey(dst []byte, d *apd.Decimal) []byte {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return append(dst, numNaN)
	case apd.Infinite:
		if d.Negative {
			return append(dst, numNegInf)
		}
		return append(dst, numPosInf)
	}
	if d.Coeff.Sign() == 0 {
		return append(dst, numZero)
	}
	var buf [64]byte
	digits := d.Coeff.Append(buf[:0], 10)
	e := int64(d.Exponent) + int64(len(digits))
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	if e > math.MaxInt32 || e < math.MinInt32 {
		panic("state: numeric exponent out of range")
	}
	if d.Negative {
		dst = append(dst, numNeg)
	} else {
		dst = append(dst, numPos)
	}
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(int32(e))^(1<<31))
	for i := 0; i < len(digits); i += 2 {
		p := (digits[i] - '0') * 10
		if i+1 < len(digits) {
			p += digits[i+1] - '0'
		}
		dst = append(dst, p+1)
	}
	dst = append(dst, 0)
	if d.Negative {
		invert(dst[start:])
	}
	return dst
}

// keyReader decodes key bytes, inverting them (mask 0xFF) inside descending
// columns.
type keyReader struct {
	b    []byte
	pos  int
	mask byte
}

func (r *keyReader) byte1() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, corrupt("key truncated at byte %d", r.pos)
	}
	c := r.b[r.pos] ^ r.mask
	r.pos++
	return c, nil
}

func (r *keyReader) u64() (uint64, error) {
	if r.pos+8 > len(r.b) {
		return 0, corrupt("key truncated at byte %d", r.pos)
	}
	v := binary.BigEndian.Uint64(r.b[r.pos:])
	r.pos += 8
	if r.mask != 0 {
		v = ^v
	}
	return v, nil
}

func (r *keyReader) u32() (uint32, error) {
	if r.pos+4 > len(r.b) {
		return 0, corrupt("key truncated at byte %d", r.pos)
	}
	v := binary.BigEndian.Uint32(r.b[r.pos:])
	r.pos += 4
	if r.mask != 0 {
		v = ^v
	}
	return v, nil
}

// escaped reads an escaped, terminated byte string.
func (r *keyReader) escaped() ([]byte, error) {
	var out []byte
	for {
		if r.pos >= len(r.b) {
			return nil, corrupt("unterminated string in key")
		}
		c := r.b[r.pos] ^ r.mask
		r.pos++
		if c != escapeByte {
			out = append(out, c)
			continue
		}
		n, err := r.byte1()
		if err != nil {
			return nil, err
		}
		switch n {
		case escaped00:
			out = append(out, 0)
		case strTerm:
			if out == nil {
				out = []byte{}
			}
			return out, nil
		default:
			return nil, corrupt("bad string escape 0x00 0x%02x", n)
		}
	}
}

// DecodeKey decodes a key made by EncodeKey with the same types and
// directions. b must hold exactly len(ts) columns.
func DecodeKey(b []byte, ts []types.Type, desc []bool) (types.Row, error) {
	row, n, err := decodeKeyPrefix(b, ts, desc)
	if err != nil {
		return nil, err
	}
	if n != len(b) {
		return nil, corrupt("%d trailing bytes after key", len(b)-n)
	}
	return row, nil
}

// decodeKeyPrefix decodes len(ts) columns from the start of b and returns
// the number of bytes read.
func decodeKeyPrefix(b []byte, ts []types.Type, desc []bool) (types.Row, int, error) {
	row := make(types.Row, len(ts))
	r := keyReader{b: b}
	for i, t := range ts {
		r.mask = 0
		if i < len(desc) && desc[i] {
			r.mask = 0xFF
		}
		tag, err := r.byte1()
		if err != nil {
			return nil, 0, err
		}
		switch tag {
		case keyNull:
			continue
		case keyNotNull:
		default:
			return nil, 0, corrupt("bad column tag 0x%02x", tag)
		}
		row[i], err = r.datum(t)
		if err != nil {
			return nil, 0, err
		}
	}
	return row, r.pos, nil
}

func (r *keyReader) datum(t types.Type) (types.Datum, error) {
	k, elem := t.Kind, t.Elem
	switch k {
	case types.KindBool:
		c, err := r.byte1()
		if err != nil {
			return nil, err
		}
		if c > 1 {
			return nil, corrupt("bad bool byte 0x%02x", c)
		}
		return c == 1, nil
	case types.KindInt16, types.KindInt32, types.KindInt64:
		u, err := r.u64()
		return int64(u ^ (1 << 63)), err
	case types.KindFloat32, types.KindFloat64:
		u, err := r.u64()
		return floatFromKey(u), err
	case types.KindNumeric:
		return r.decimal()
	case types.KindVarchar, types.KindUnknown:
		s, err := r.escaped()
		return string(s), err
	case types.KindJSONB:
		s, err := r.escaped()
		return types.JSONB(s), err
	case types.KindBytea:
		return r.escaped()
	case types.KindDate:
		u, err := r.u32()
		return types.Date(int32(u ^ (1 << 31))), err
	case types.KindTime:
		u, err := r.u64()
		return types.Time(int64(u ^ (1 << 63))), err
	case types.KindTimestamp:
		u, err := r.u64()
		return types.Timestamp(int64(u ^ (1 << 63))), err
	case types.KindTimestamptz:
		u, err := r.u64()
		return types.Timestamptz(int64(u ^ (1 << 63))), err
	case types.KindInterval:
		d, err := r.u64()
		if err != nil {
			return nil, err
		}
		m, err := r.u64()
		if err != nil {
			return nil, err
		}
		if m >= uint64(types.MicrosPerDay) {
			return nil, corrupt("bad interval micros %d", m)
		}
		return intervalFromKey(int64(d^(1<<63)), int64(m)), nil
	case types.KindArray:
		a := types.Array{}
		for {
			c, err := r.byte1()
			if err != nil {
				return nil, err
			}
			switch c {
			case arrayEnd:
				return a, nil
			case arrayElemNull:
				a = append(a, nil)
			case arrayElemSub:
				e, err := r.datum(t)
				if err != nil {
					return nil, err
				}
				a = append(a, e)
			case arrayElem:
				if elem == types.KindArray {
					return nil, corrupt("nested array")
				}
				e, err := r.datum(t.ElemType())
				if err != nil {
					return nil, err
				}
				a = append(a, e)
			default:
				return nil, corrupt("bad array tag 0x%02x", c)
			}
		}
	case types.KindStruct:
		return r.record(t)
	}
	return nil, corrupt("cannot decode type kind %d", k)
}

func (r *keyReader) decimal() (types.Datum, error) {
	class, err := r.byte1()
	if err != nil {
		return nil, err
	}
	d := new(apd.Decimal)
	switch class {
	case numNaN:
		d.Form = apd.NaN
		return d, nil
	case numNegInf:
		d.Form = apd.Infinite
		d.Negative = true
		return d, nil
	case numPosInf:
		d.Form = apd.Infinite
		return d, nil
	case numZero:
		return d, nil
	case numNeg, numPos:
	default:
		return nil, corrupt("bad numeric class 0x%02x", class)
	}
	if class == numNeg {
		r.mask ^= 0xFF
		defer func() { r.mask ^= 0xFF }()
	}
	u, err := r.u32()
	if err != nil {
		return nil, err
	}
	e := int64(int32(u ^ (1 << 31)))
	var digits []byte
	for {
		c, err := r.byte1()
		if err != nil {
			return nil, err
		}
		if c == 0 {
			break
		}
		if c > 100 {
			return nil, corrupt("bad numeric digit pair 0x%02x", c)
		}
		p := c - 1
		digits = append(digits, '0'+p/10, '0'+p%10)
	}
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	if len(digits) == 0 || digits[0] == '0' {
		return nil, corrupt("bad numeric digits")
	}
	if _, ok := d.Coeff.SetString(string(digits), 10); !ok {
		return nil, corrupt("bad numeric digits")
	}
	exp := e - int64(len(digits))
	if exp > math.MaxInt32 || exp < math.MinInt32 {
		return nil, corrupt("numeric exponent out of range")
	}
	d.Exponent = int32(exp)
	d.Negative = class == numNeg
	return d, nil
}

// EncodeValue appends the compact value encoding of row (column i of type
// ts[i]) to dst: a NULL bitmap of ⌈n/8⌉ bytes (bit i set = column i is
// NULL), then each non-NULL column — varints for integers and temporal
// values, fixed-width floats, length-prefixed strings and bytes. Unlike
// EncodeKey it keeps every value exactly (the scale of a numeric, the fields
// of an interval). It panics when a datum does not match its column type.
func EncodeValue(dst []byte, row types.Row, ts []types.Type) []byte {
	if len(row) != len(ts) {
		panic(fmt.Sprintf("state.EncodeValue: row has %d columns, types %d", len(row), len(ts)))
	}
	return appendValueCols(dst, row, nil, ts)
}

// appendValueCols encodes row[cols[i]] (or row[i] when cols is nil).
func appendValueCols(dst []byte, row types.Row, cols []int, ts []types.Type) []byte {
	n := len(ts)
	start := len(dst)
	for range (n + 7) / 8 {
		dst = append(dst, 0)
	}
	for i, t := range ts {
		c := i
		if cols != nil {
			c = cols[i]
		}
		d := row[c]
		if d == nil {
			dst[start+i/8] |= 1 << (i % 8)
			continue
		}
		dst = appendValueDatum(dst, d, t.Kind, t.Elem)
	}
	return dst
}

func appendValueDatum(dst []byte, d types.Datum, k, elem types.Kind) []byte {
	switch k {
	case types.KindBool:
		if asBool(d) {
			return append(dst, 1)
		}
		return append(dst, 0)
	case types.KindInt16, types.KindInt32, types.KindInt64:
		return binary.AppendVarint(dst, asInt(d))
	case types.KindFloat32:
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(asFloat(d))))
	case types.KindFloat64:
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(asFloat(d)))
	case types.KindNumeric:
		return appendDecimalValue(dst, asDecimal(d))
	case types.KindVarchar, types.KindUnknown, types.KindJSONB:
		s := asString(d)
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		return append(dst, s...)
	case types.KindBytea:
		b, ok := d.([]byte)
		if !ok {
			panic(badDatum(d, k))
		}
		dst = binary.AppendUvarint(dst, uint64(len(b)))
		return append(dst, b...)
	case types.KindDate:
		v, ok := d.(types.Date)
		if !ok {
			panic(badDatum(d, k))
		}
		return binary.AppendVarint(dst, int64(v))
	case types.KindTime, types.KindTimestamp, types.KindTimestamptz:
		return binary.AppendVarint(dst, asTime(d, k))
	case types.KindInterval:
		iv, ok := d.(types.Interval)
		if !ok {
			panic(badDatum(d, k))
		}
		dst = binary.AppendVarint(dst, int64(iv.Months))
		dst = binary.AppendVarint(dst, int64(iv.Days))
		return binary.AppendVarint(dst, iv.Micros)
	case types.KindArray:
		a, ok := d.(types.Array)
		if !ok {
			panic(badDatum(d, k))
		}
		if dims, flat := types.FlattenArray(a); len(dims) > 1 {
			dst = binary.AppendUvarint(dst, arrayMultiDim)
			dst = binary.AppendUvarint(dst, uint64(len(dims)))
			for _, n := range dims {
				dst = binary.AppendUvarint(dst, uint64(n))
			}
			a = flat
		}
		dst = binary.AppendUvarint(dst, uint64(len(a)))
		start := len(dst)
		for range (len(a) + 7) / 8 {
			dst = append(dst, 0)
		}
		for i, e := range a {
			if e == nil {
				dst[start+i/8] |= 1 << (i % 8)
				continue
			}
			dst = appendValueDatum(dst, e, elemKind(elem, e), types.KindUnknown)
		}
		return dst
	case types.KindStruct:
		return appendValueRecord(dst, d)
	}
	panic(fmt.Sprintf("state: cannot encode type kind %d", k))
}

// Numeric value header bits.
const (
	decNeg     = 1 << 0
	decInf     = 1 << 1
	decNaN     = 1 << 2
	decNaNSig  = 1 << 3
	decBigCoef = 1 << 4 // coefficient as length-prefixed big-endian bytes
)

// appendDecimalValue writes a header byte, then for finite values the
// exponent (zigzag varint) and the coefficient (uvarint, or length-prefixed
// big-endian magnitude when it exceeds 64 bits).
func appendDecimalValue(dst []byte, d *apd.Decimal) []byte {
	var h byte
	if d.Negative {
		h |= decNeg
	}
	switch d.Form {
	case apd.Infinite:
		return append(dst, h|decInf)
	case apd.NaN:
		return append(dst, h|decNaN)
	case apd.NaNSignaling:
		return append(dst, h|decNaNSig)
	}
	if d.Coeff.IsUint64() {
		dst = append(dst, h)
		dst = binary.AppendVarint(dst, int64(d.Exponent))
		return binary.AppendUvarint(dst, d.Coeff.Uint64())
	}
	dst = append(dst, h|decBigCoef)
	dst = binary.AppendVarint(dst, int64(d.Exponent))
	b := d.Coeff.Bytes()
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

type valueReader struct {
	b   []byte
	pos int
}

func (r *valueReader) varint() (int64, error) {
	v, n := binary.Varint(r.b[r.pos:])
	if n <= 0 {
		return 0, corrupt("bad varint in value at byte %d", r.pos)
	}
	r.pos += n
	return v, nil
}

func (r *valueReader) uvarint() (uint64, error) {
	v, n := binary.Uvarint(r.b[r.pos:])
	if n <= 0 {
		return 0, corrupt("bad uvarint in value at byte %d", r.pos)
	}
	r.pos += n
	return v, nil
}

func (r *valueReader) bytes(n uint64) ([]byte, error) {
	if n > uint64(len(r.b)-r.pos) {
		return nil, corrupt("value truncated at byte %d", r.pos)
	}
	b := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return b, nil
}

func (r *valueReader) lenBytes() ([]byte, error) {
	n, err := r.uvarint()
	if err != nil {
		return nil, err
	}
	return r.bytes(n)
}

// DecodeValue decodes a value made by EncodeValue with the same types. The
// result does not alias b.
func DecodeValue(b []byte, ts []types.Type) (types.Row, error) {
	row := make(types.Row, len(ts))
	r := valueReader{b: b}
	if err := r.decodeInto(row, nil, ts, 0); err != nil {
		return nil, err
	}
	if r.pos != len(b) {
		return nil, corrupt("%d trailing bytes after value", len(b)-r.pos)
	}
	return row, nil
}

// decodeInto decodes len(ts) columns into row[cols[i]] (row[i] when cols is
// nil), from a value that holds extra more columns after them (their NULL
// bits are in the bitmap; their bytes are left unread).
func (r *valueReader) decodeInto(row types.Row, cols []int, ts []types.Type, extra int) error {
	nb := (len(ts) + extra + 7) / 8
	bitmap, err := r.bytes(uint64(nb))
	if err != nil {
		return err
	}
	for i, t := range ts {
		c := i
		if cols != nil {
			c = cols[i]
		}
		if bitmap[i/8]&(1<<(i%8)) != 0 {
			row[c] = nil
			continue
		}
		d, err := r.datum(t)
		if err != nil {
			return err
		}
		row[c] = d
	}
	return nil
}

func (r *valueReader) datum(t types.Type) (types.Datum, error) {
	k, elem := t.Kind, t.Elem
	switch k {
	case types.KindBool:
		b, err := r.bytes(1)
		if err != nil {
			return nil, err
		}
		return b[0] != 0, nil
	case types.KindInt16, types.KindInt32, types.KindInt64:
		return r.varint()
	case types.KindFloat32:
		b, err := r.bytes(4)
		if err != nil {
			return nil, err
		}
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), nil
	case types.KindFloat64:
		b, err := r.bytes(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
	case types.KindNumeric:
		return r.decimal()
	case types.KindVarchar, types.KindUnknown:
		b, err := r.lenBytes()
		return string(b), err
	case types.KindJSONB:
		b, err := r.lenBytes()
		return types.JSONB(b), err
	case types.KindBytea:
		b, err := r.lenBytes()
		if err != nil {
			return nil, err
		}
		return append([]byte{}, b...), nil
	case types.KindDate:
		v, err := r.varint()
		return types.Date(v), err
	case types.KindTime:
		v, err := r.varint()
		return types.Time(v), err
	case types.KindTimestamp:
		v, err := r.varint()
		return types.Timestamp(v), err
	case types.KindTimestamptz:
		v, err := r.varint()
		return types.Timestamptz(v), err
	case types.KindInterval:
		m, err := r.varint()
		if err != nil {
			return nil, err
		}
		d, err := r.varint()
		if err != nil {
			return nil, err
		}
		us, err := r.varint()
		if err != nil {
			return nil, err
		}
		return types.Interval{Months: int32(m), Days: int32(d), Micros: us}, nil
	case types.KindArray:
		n, err := r.uvarint()
		if err != nil {
			return nil, err
		}
		if n == arrayMultiDim {
			nd, err := r.uvarint()
			if err != nil {
				return nil, err
			}
			if nd < 2 || nd > 6 {
				return nil, corrupt("bad array dimension count %d", nd)
			}
			dims := make([]int, nd)
			total := uint64(1)
			for i := range dims {
				v, err := r.uvarint()
				if err != nil {
					return nil, err
				}
				if v == 0 || v > uint64(len(r.b)-r.pos)*8 {
					return nil, corrupt("bad array dimension %d", v)
				}
				dims[i] = int(v)
				total *= v
			}
			flat, err := r.datum(t)
			if err != nil {
				return nil, err
			}
			fa := flat.(types.Array)
			if uint64(len(fa)) != total {
				return nil, corrupt("array of %d elements does not fit its dimensions", len(fa))
			}
			return types.ReshapeArray(fa, dims), nil
		}
		if n > uint64(len(r.b)-r.pos)*8 {
			return nil, corrupt("bad array length %d", n)
		}
		bitmap, err := r.bytes((n + 7) / 8)
		if err != nil {
			return nil, err
		}
		a := make(types.Array, n)
		for i := range a {
			if bitmap[i/8]&(1<<(i%8)) != 0 {
				continue
			}
			if elem == types.KindArray {
				return nil, corrupt("nested array")
			}
			if a[i], err = r.datum(t.ElemType()); err != nil {
				return nil, err
			}
		}
		return a, nil
	case types.KindStruct:
		return r.record(t)
	}
	return nil, corrupt("cannot decode type kind %d", k)
}

func (r *valueReader) decimal() (types.Datum, error) {
	hb, err := r.bytes(1)
	if err != nil {
		return nil, err
	}
	h := hb[0]
	d := new(apd.Decimal)
	d.Negative = h&decNeg != 0
	switch {
	case h&decInf != 0:
		d.Form = apd.Infinite
		return d, nil
	case h&decNaN != 0:
		d.Form = apd.NaN
		return d, nil
	case h&decNaNSig != 0:
		d.Form = apd.NaNSignaling
		return d, nil
	}
	e, err := r.varint()
	if err != nil {
		return nil, err
	}
	if e > math.MaxInt32 || e < math.MinInt32 {
		return nil, corrupt("numeric exponent out of range")
	}
	d.Exponent = int32(e)
	if h&decBigCoef != 0 {
		b, err := r.lenBytes()
		if err != nil {
			return nil, err
		}
		d.Coeff.SetBytes(b)
		return d, nil
	}
	c, err := r.uvarint()
	if err != nil {
		return nil, err
	}
	d.Coeff.SetUint64(c)
	return d, nil
}

// isComposite reports whether a key column of type t can lose information
// in EncodeKey (values that compare equal but print differently): such
// primary-key columns are also kept, exactly, in the stored value.
func isComposite(t types.Type) bool {
	switch t.Kind {
	case types.KindNumeric, types.KindInterval:
		return true
	case types.KindArray:
		return t.Elem == types.KindNumeric || t.Elem == types.KindInterval || t.Elem == types.KindStruct
	case types.KindStruct:
		return true
	}
	return false
}

// Composite values. A record is encoded field by field, driven by the Go
// types of its field values rather than by the column type (so that the
// callers that only pass a kind can encode it): every integer as an int64,
// every float as a float64, arrays by the kind of their elements.
// Decoding, which has the full type, reads real fields (and real array
// elements) inside records as double precision to match.
//
// Key: for each field keyNull, or keyNotNull and the field's key encoding
// (a NULL field sorts after every value, as in Postgres's record
// comparison). Value: a NULL bitmap of the fields, then each non-NULL field.

// datumKind returns the kind whose encoding a record field value uses.
func datumKind(d types.Datum) types.Kind {
	k, ok := types.DatumKind(d)
	if !ok {
		panic(fmt.Sprintf("state: cannot encode datum %T", d))
	}
	return k
}

// elemKind is the kind an array element e is encoded with: the array's
// element kind, or the element's own when that is not known (arrays inside
// records).
func elemKind(elem types.Kind, e types.Datum) types.Kind {
	if elem == types.KindUnknown {
		return datumKind(e)
	}
	return elem
}

func asRecord(d types.Datum) types.Record {
	r, ok := d.(types.Record)
	if !ok {
		panic(badDatum(d, types.KindStruct))
	}
	return r
}

func appendKeyRecord(dst []byte, d types.Datum) []byte {
	for _, e := range asRecord(d) {
		if e == nil {
			dst = append(dst, keyNull)
			continue
		}
		dst = append(dst, keyNotNull)
		dst = appendKeyDatum(dst, e, datumKind(e), types.KindUnknown)
	}
	return dst
}

func appendValueRecord(dst []byte, d types.Datum) []byte {
	r := asRecord(d)
	start := len(dst)
	for range (len(r) + 7) / 8 {
		dst = append(dst, 0)
	}
	for i, e := range r {
		if e == nil {
			dst[start+i/8] |= 1 << (i % 8)
			continue
		}
		dst = appendValueDatum(dst, e, datumKind(e), types.KindUnknown)
	}
	return dst
}

// fieldStorageType is the type a record field is decoded with: real (and
// real[]) read as double precision, as appendValueRecord wrote them.
func fieldStorageType(t types.Type) types.Type {
	if t.Kind == types.KindFloat32 {
		t.Kind = types.KindFloat64
	}
	if t.Kind == types.KindArray && t.Elem == types.KindFloat32 {
		t.Elem = types.KindFloat64
	}
	return t
}

func (r *keyReader) record(t types.Type) (types.Datum, error) {
	fs := t.Fields()
	rec := make(types.Record, len(fs))
	for i, f := range fs {
		tag, err := r.byte1()
		if err != nil {
			return nil, err
		}
		switch tag {
		case keyNull:
			continue
		case keyNotNull:
		default:
			return nil, corrupt("bad record field tag 0x%02x", tag)
		}
		if rec[i], err = r.datum(fieldStorageType(f.Type)); err != nil {
			return nil, err
		}
	}
	return rec, nil
}

func (r *valueReader) record(t types.Type) (types.Datum, error) {
	fs := t.Fields()
	ts := make([]types.Type, len(fs))
	for i, f := range fs {
		ts[i] = fieldStorageType(f.Type)
	}
	rec := make(types.Row, len(fs))
	if err := r.decodeInto(rec, nil, ts, 0); err != nil {
		return nil, err
	}
	return types.Record(rec), nil
}
