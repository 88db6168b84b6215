package types

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// Datum is one SQL value. nil is NULL. Otherwise its dynamic Go type is
// fixed by the SQL kind of its column:
//
//	boolean                         bool
//	smallint, integer, bigint       int64
//	real, double precision          float64 (real values are rounded to float32)
//	numeric                         *apd.Decimal (never mutated once built)
//	varchar/text                    string
//	bytea                           []byte
//	date                            Date
//	time                            Time
//	timestamp                       Timestamp
//	timestamptz                     Timestamptz
//	interval                        Interval
//	jsonb                           JSONB (canonical text)
//	arrays                          Array
//	composite types (rows, structs) Record
type Datum = any

// Row is one row of datums.
type Row []Datum

// Date is a calendar date, as days since 1970-01-01.
type Date int32

// Time is a time of day, in microseconds since midnight.
type Time int64

// Timestamp is a timestamp without time zone, in microseconds since
// 1970-01-01 00:00:00.
type Timestamp int64

// Timestamptz is an instant, in microseconds since 1970-01-01 00:00:00 UTC.
type Timestamptz int64

// Interval is a Postgres interval: months, days and microseconds are kept
// apart, as Postgres does.
type Interval struct {
	Months int32
	Days   int32
	Micros int64
}

// JSONB is a jsonb value held as its canonical text.
type JSONB string

// Array is an array value; its element type comes from the column type.
type Array []Datum

// Microseconds per unit.
const (
	MicrosPerSecond = int64(1_000_000)
	MicrosPerMinute = 60 * MicrosPerSecond
	MicrosPerHour   = 60 * MicrosPerMinute
	MicrosPerDay    = 24 * MicrosPerHour
)

// Duration returns an approximate length of the interval in microseconds,
// counting a month as 30 days, as Postgres does when it compares intervals.
func (iv Interval) Duration() int64 {
	return int64(iv.Months)*30*MicrosPerDay + int64(iv.Days)*MicrosPerDay + iv.Micros
}

// Compare orders two non-NULL datums of the same SQL kind. NULLs sort last
// (as in Postgres ascending order): Compare(nil, x) > 0.
func Compare(a, b Datum) int {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return 1
		default:
			return -1
		}
	}
	switch x := a.(type) {
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		default:
			return 1
		}
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp.Compare(x, y)
		case float64:
			return compareFloat(float64(x), y)
		}
	case float64:
		switch y := b.(type) {
		case float64:
			return compareFloat(x, y)
		case int64:
			return compareFloat(x, float64(y))
		}
	case *apd.Decimal:
		return compareDecimal(x, b.(*apd.Decimal))
	case string:
		return strings.Compare(x, b.(string))
	case []byte:
		return bytes.Compare(x, b.([]byte))
	case Date:
		return cmp.Compare(x, b.(Date))
	case Time:
		return cmp.Compare(x, b.(Time))
	case Timestamp:
		return cmp.Compare(x, b.(Timestamp))
	case Timestamptz:
		return cmp.Compare(x, b.(Timestamptz))
	case Interval:
		y := b.(Interval)
		if c := cmp.Compare(x.Duration(), y.Duration()); c != 0 {
			return c
		}
		return 0
	case JSONB:
		return strings.Compare(string(x), string(b.(JSONB)))
	case Array:
		return compareArrays(x, b.(Array))
	case Record:
		return compareRecords(x, b.(Record))
	}
	panic(fmt.Sprintf("types.Compare: incomparable datums %T and %T", a, b))
}

// compareDecimal orders decimals as Postgres orders numeric: NaN is
// greater than every other value (Infinity included) and equal to itself.
func compareDecimal(x, y *apd.Decimal) int {
	xn, yn := x.Form == apd.NaN || x.Form == apd.NaNSignaling, y.Form == apd.NaN || y.Form == apd.NaNSignaling
	switch {
	case xn && yn:
		return 0
	case xn:
		return 1
	case yn:
		return -1
	}
	return x.Cmp(y)
}

// compareFloat orders floats as Postgres does: NaN is greater than every
// other value and equal to itself.
func compareFloat(x, y float64) int {
	xn, yn := math.IsNaN(x), math.IsNaN(y)
	switch {
	case xn && yn:
		return 0
	case xn:
		return 1
	case yn:
		return -1
	}
	return cmp.Compare(x, y)
}

// Equal reports whether two datums are equal, with NULL equal to NULL (the
// "not distinct" equality used for grouping and keys).
func Equal(a, b Datum) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return Compare(a, b) == 0
}

// CompareRows compares two rows column by column.
func CompareRows(a, b Row) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// RowsEqual reports whether two rows are equal column by column, NULLs
// being equal.
func RowsEqual(a, b Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// Copy returns a shallow copy of the row.
func (r Row) Copy() Row { return append(Row(nil), r...) }

// Project returns the columns of r at the given positions.
func (r Row) Project(cols []int) Row {
	out := make(Row, len(cols))
	for i, c := range cols {
		out[i] = r[c]
	}
	return out
}

// DatumKind returns the kind of SQL type a datum's Go type stands for
// (KindArray for arrays, KindStruct for records), and false when d is not a
// datum (or is NULL).
func DatumKind(d Datum) (Kind, bool) {
	switch d.(type) {
	case bool:
		return KindBool, true
	case int64:
		return KindInt64, true
	case float64:
		return KindFloat64, true
	case *apd.Decimal:
		return KindNumeric, true
	case string:
		return KindVarchar, true
	case JSONB:
		return KindJSONB, true
	case []byte:
		return KindBytea, true
	case Date:
		return KindDate, true
	case Time:
		return KindTime, true
	case Timestamp:
		return KindTimestamp, true
	case Timestamptz:
		return KindTimestamptz, true
	case Interval:
		return KindInterval, true
	case Array:
		return KindArray, true
	case Record:
		return KindStruct, true
	}
	return KindUnknown, false
}
