package operators

import (
	"time"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Time arithmetic shared by the time-based operators (temporal filter,
// watermarks, hop/tumble windows). Every time value is handled as
// microseconds since 1970-01-01 00:00:00 UTC: timestamptz directly,
// timestamp read as UTC (the session zone is UTC), date as its midnight.

// wtMicros returns the instant of a date, timestamp or timestamptz datum.
func wtMicros(d types.Datum) (int64, bool) {
	switch x := d.(type) {
	case types.Timestamptz:
		return int64(x), true
	case types.Timestamp:
		return int64(x), true
	case types.Date:
		return int64(x) * types.MicrosPerDay, true
	}
	return 0, false
}

// wtDatum returns micros as a datum of type t (timestamp or timestamptz;
// date results become timestamps).
func wtDatum(micros int64, t types.Type) types.Datum {
	if t.Kind == types.KindTimestamptz {
		return types.Timestamptz(micros)
	}
	return types.Timestamp(micros)
}

// wtIsTime reports whether t is a type the time operators accept.
func wtIsTime(t types.Type) bool {
	switch t.Kind {
	case types.KindTimestamp, types.KindTimestamptz, types.KindDate:
		return true
	}
	return false
}

// wtNeg negates an interval.
func wtNeg(iv types.Interval) types.Interval {
	return types.Interval{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
}

// wtAddInterval adds iv to an instant as Postgres does in the UTC zone:
// months first (the day of month is clamped to the end of a shorter
// month), then days of 24 hours, then microseconds.
func wtAddInterval(micros int64, iv types.Interval) int64 {
	if iv.Months != 0 {
		day := wtFloorDiv(micros, types.MicrosPerDay)
		tod := micros - day*types.MicrosPerDay
		t := time.Unix(day*86400, 0).UTC()
		y, m, d := t.Date()
		mi := int(m) - 1 + int(iv.Months)
		y += wtFloorDivInt(mi, 12)
		mi -= wtFloorDivInt(mi, 12) * 12
		month := time.Month(mi + 1)
		if last := wtDaysIn(y, month); d > last {
			d = last
		}
		nd := time.Date(y, month, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
		micros = nd*types.MicrosPerDay + tod
	}
	return micros + int64(iv.Days)*types.MicrosPerDay + iv.Micros
}

func wtDaysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// wtFirstAtLeast returns the smallest instant now with now+off >= col
// (strict: now+off > col), for an interval without months (now+off is then
// strictly increasing in now).
func wtFirstAtLeast(col int64, off types.Interval, strict bool) int64 {
	d := int64(off.Days)*types.MicrosPerDay + off.Micros
	if strict {
		return col - d + 1
	}
	return col - d
}

func wtFloorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func wtFloorDivInt(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// wtFixedMicros returns the length of an interval without months, as
// microseconds (a day is 24 hours in UTC). Intervals with months have no
// fixed length and are rejected with a clear error.
func wtFixedMicros(iv types.Interval, what string) (int64, error) {
	if iv.Months != 0 {
		return 0, sqlerr.New(sqlerr.FeatureNotSupported, "%s with months (%d) is not supported: month-based intervals have no fixed length", what, iv.Months)
	}
	return int64(iv.Days)*types.MicrosPerDay + iv.Micros, nil
}

func wtTypeError(what string, t types.Type) error {
	return sqlerr.New(sqlerr.DatatypeMismatch, "%s must be of type date, timestamp or timestamp with time zone, not %s", what, t)
}
