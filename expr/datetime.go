package expr

import (
	"io/fs"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Date, time, timestamp and interval support.

func badSyntax(typ, s string) error {
	return sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid input syntax for type %s: \"%s\"", typ, s)
}

func badDatetime(typ, s string) error {
	return sqlerr.New(sqlerr.InvalidDatetimeFormat, "invalid input syntax for type %s: \"%s\"", typ, s)
}

func fieldOverflow(s string) error {
	return sqlerr.New(sqlerr.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", s)
}

func tsOutOfRange() error {
	return sqlerr.New(sqlerr.DatetimeFieldOverflow, "timestamp out of range")
}

// parseZone parses a time zone name as SET TIME ZONE and AT TIME ZONE
// take it: a tz database name, UTC/GMT/Z, or a POSIX-style numeric offset
// ("+05" is five hours west of Greenwich, as in Postgres).
func parseZone(name string) (*time.Location, error) {
	n := strings.TrimSpace(name)
	switch strings.ToUpper(n) {
	case "UTC", "GMT", "Z", "ZULU", "UCT", "ETC/UTC":
		return time.UTC, nil
	}
	if off, ok := parseOffset(n); ok {
		return time.FixedZone(n, -off), nil
	}
	if strings.HasPrefix(strings.ToUpper(n), "UTC") || strings.HasPrefix(strings.ToUpper(n), "GMT") {
		if off, ok := parseOffset(n[3:]); ok {
			return time.FixedZone(n, -off), nil
		}
	}
	loc, err := time.LoadLocation(n)
	if err != nil {
		// Zone names match case-insensitively, as in Postgres.
		if canon, ok := zoneNames()[strings.ToLower(n)]; ok && canon != n {
			if loc, err := time.LoadLocation(canon); err == nil {
				return loc, nil
			}
		}
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "time zone \"%s\" not recognized", name)
	}
	return loc, nil
}

// zoneNames maps lower-cased time zone names to their spelling in the
// system's zone database.
var zoneNames = sync.OnceValue(func() map[string]string {
	names := map[string]string{}
	for _, root := range []string{"/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ"} {
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			rel, err := filepath.Rel(root, path)
			if err != nil || strings.Contains(rel, ".") {
				return nil
			}
			if _, ok := names[strings.ToLower(rel)]; !ok {
				names[strings.ToLower(rel)] = rel
			}
			return nil
		})
	}
	return names
})

// parseOffset parses [+-]HH[[:]MM[[:]SS]] into seconds east (ISO sense).
func parseOffset(s string) (int, bool) {
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	rest := strings.ReplaceAll(s[1:], ":", "")
	if rest == "" || len(rest) > 6 {
		return 0, false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	var h, m, sec int
	switch len(rest) {
	case 1, 2:
		h, _ = strconv.Atoi(rest)
	case 3:
		h, _ = strconv.Atoi(rest[:1])
		m, _ = strconv.Atoi(rest[1:])
	case 4:
		h, _ = strconv.Atoi(rest[:2])
		m, _ = strconv.Atoi(rest[2:])
	default:
		h, _ = strconv.Atoi(rest[:2])
		m, _ = strconv.Atoi(rest[2:4])
		sec, _ = strconv.Atoi(rest[4:])
	}
	if h > 15 || m > 59 || sec > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60 + sec), true
}

// dateTimeParts is a parsed date/time literal.
type dateTimeParts struct {
	y, mo, d     int
	bc           bool
	h, mi, s, us int
	hasDate      bool
	hasTime      bool
	zoneOff      int
	hasZone      bool
	loc          *time.Location
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseDateTime parses ISO-style date/time text: [date][(T| )time][zone].
func parseDateTime(s string, typ string) (dateTimeParts, error) {
	var p dateTimeParts
	orig := s
	s = strings.TrimSpace(s)
	low := strings.ToLower(s)
	if low == "epoch" {
		p.y, p.mo, p.d, p.hasDate = 1970, 1, 1, true
		return p, nil
	}
	if strings.HasSuffix(low, " bc") {
		p.bc = true
		s = strings.TrimSpace(s[:len(s)-3])
	}
	i := 0
	num := func() (int, int, bool) { // value, digit count
		st := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == st || i-st > 9 {
			return 0, 0, false
		}
		v, _ := strconv.Atoi(s[st:i])
		return v, i - st, true
	}
	// date part: YYYY-MM-DD or YYYYMMDD
	if i < len(s) && isDigit(s[i]) {
		st := i
		v, n, _ := num()
		if i < len(s) && (s[i] == '-' || s[i] == '/') && n != 2 || (i < len(s) && s[i] == '-') {
			sep := s[i]
			p.y = v
			i++
			m, _, ok := num()
			if !ok || i >= len(s) || s[i] != sep {
				return p, badDatetime(typ, orig)
			}
			i++
			d, _, ok := num()
			if !ok {
				return p, badDatetime(typ, orig)
			}
			p.mo, p.d, p.hasDate = m, d, true
		} else if n == 8 && (i == len(s) || s[i] == 'T' || s[i] == ' ' || s[i] == 't') {
			p.y, p.mo, p.d, p.hasDate = v/10000, v/100%100, v%100, true
		} else {
			i = st
		}
	}
	if i < len(s) && (s[i] == 'T' || s[i] == 't' || s[i] == ' ') && p.hasDate {
		i++
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	// time part
	if i < len(s) && isDigit(s[i]) {
		h, _, _ := num()
		if i >= len(s) || s[i] != ':' {
			return p, badDatetime(typ, orig)
		}
		i++
		m, _, ok := num()
		if !ok {
			return p, badDatetime(typ, orig)
		}
		p.h, p.mi, p.hasTime = h, m, true
		if i < len(s) && s[i] == ':' {
			i++
			sec, _, ok := num()
			if !ok {
				return p, badDatetime(typ, orig)
			}
			p.s = sec
			if i < len(s) && s[i] == '.' {
				i++
				st := i
				for i < len(s) && isDigit(s[i]) {
					i++
				}
				frac := s[st:i]
				// round to microseconds
				f, _ := strconv.ParseFloat("0."+frac+"0", 64)
				p.us = int(math.RoundToEven(f * 1e6))
			}
		}
	}
	if !p.hasDate && !p.hasTime {
		return p, badDatetime(typ, orig)
	}
	rest := strings.TrimSpace(s[i:])
	if rest != "" {
		if off, ok := parseOffset(rest); ok {
			p.zoneOff, p.hasZone = off, true
		} else if r := strings.ToUpper(rest); r == "Z" || r == "UTC" || r == "GMT" || r == "ZULU" {
			p.hasZone = true
		} else if loc, err := time.LoadLocation(rest); err == nil && !strings.ContainsAny(rest, " ") {
			p.loc, p.hasZone = loc, true
		} else {
			return p, badDatetime(typ, orig)
		}
	}
	if p.hasDate {
		if p.bc {
			p.y = 1 - p.y
		}
		if p.mo < 1 || p.mo > 12 || p.d < 1 || p.d > daysIn(p.y, p.mo) {
			return p, fieldOverflow(orig)
		}
	}
	if p.hasTime {
		if p.h > 24 || p.mi > 59 || p.s > 60 || (p.h == 24 && (p.mi > 0 || p.s > 0 || p.us > 0)) {
			return p, fieldOverflow(orig)
		}
	}
	return p, nil
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func (p dateTimeParts) micros() int64 {
	return int64(p.h)*types.MicrosPerHour + int64(p.mi)*types.MicrosPerMinute + int64(p.s)*types.MicrosPerSecond + int64(p.us)
}

func dateFromYMD(y, m, d int) types.Date {
	return types.Date(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func parseDate(s string) (types.Datum, error) {
	p, err := parseDateTime(s, "date")
	if err != nil {
		return nil, err
	}
	if !p.hasDate {
		return nil, badDatetime("date", s)
	}
	return dateFromYMD(p.y, p.mo, p.d), nil
}

func parseTime(s string) (types.Datum, error) {
	p, err := parseDateTime(s, "time")
	if err != nil {
		return nil, err
	}
	if !p.hasTime {
		return nil, badDatetime("time without time zone", s)
	}
	return types.Time(p.micros()), nil
}

func parseTimestamp(s string, tz bool, loc *time.Location) (types.Datum, error) {
	name := "timestamp"
	if tz {
		name = "timestamp with time zone"
	}
	p, err := parseDateTime(s, name)
	if err != nil {
		return nil, err
	}
	if !p.hasDate {
		return nil, badDatetime(name, s)
	}
	local := int64(dateFromYMD(p.y, p.mo, p.d))*types.MicrosPerDay + p.micros()
	if !tz {
		return types.Timestamp(local), nil
	}
	switch {
	case p.loc != nil:
		return localToUTC(local, p.loc), nil
	case p.hasZone:
		return types.Timestamptz(local - int64(p.zoneOff)*types.MicrosPerSecond), nil
	}
	return localToUTC(local, loc), nil
}

// localToUTC interprets a wall-clock timestamp in loc.
func localToUTC(local int64, loc *time.Location) types.Timestamptz {
	if loc == nil || loc == time.UTC {
		return types.Timestamptz(local)
	}
	// As Postgres: try the offsets in effect a day before and a day after;
	// an ambiguous time (a fall-back) takes the later offset, a skipped
	// time (a spring-forward) the earlier one.
	offAt := func(us int64) int64 {
		_, off := time.UnixMicro(us).In(loc).Zone()
		return int64(off) * types.MicrosPerSecond
	}
	before, after := offAt(local-types.MicrosPerDay), offAt(local+types.MicrosPerDay)
	if before == after {
		if off := offAt(local - before); off == before {
			return types.Timestamptz(local - before)
		}
		// A transition within the day and back: fall back to the offset
		// at the naive instant.
		off := offAt(local - before)
		return types.Timestamptz(local - off)
	}
	if offAt(local-after) == after {
		return types.Timestamptz(local - after)
	}
	if offAt(local-before) == before {
		return types.Timestamptz(local - before)
	}
	return types.Timestamptz(local - before)
}

// truncBackToUTC turns a truncated wall-clock time r (truncated from lt,
// the wall-clock time of orig in loc) back into an instant, as Postgres
// does: units of a day or more look the offset up again, smaller units keep
// the original offset.
func truncBackToUTC(unit string, r int64, lt types.Timestamp, orig types.Timestamptz, loc *time.Location) types.Timestamptz {
	switch strings.ToLower(unit) {
	case "hour", "hours", "minute", "minutes", "second", "seconds", "millisecond", "milliseconds", "microsecond", "microseconds":
		return types.Timestamptz(r - (int64(lt) - int64(orig)))
	}
	return localToUTC(r, loc)
}

// utcToLocal returns the wall-clock timestamp of an instant in loc.
func utcToLocal(ts types.Timestamptz, loc *time.Location) types.Timestamp {
	if loc == nil || loc == time.UTC {
		return types.Timestamp(ts)
	}
	t := time.UnixMicro(int64(ts)).In(loc)
	_, off := t.Zone()
	return types.Timestamp(int64(ts) + int64(off)*types.MicrosPerSecond)
}

func tsTime(us int64) time.Time { return time.UnixMicro(us).UTC() }

func fromTime(t time.Time) int64 { return t.UnixMicro() }

// Interval parsing.

type ivAcc struct {
	months, days float64
	micros       float64
	exact        int64 // microseconds from HH:MM:SS fields, kept exact
}

var ivUnits = map[string]string{
	"microsecond": "us", "microseconds": "us", "us": "us", "usec": "us", "usecs": "us", "useconds": "us", "usecond": "us",
	"millisecond": "ms", "milliseconds": "ms", "ms": "ms", "msec": "ms", "msecs": "ms", "mseconds": "ms", "msecond": "ms",
	"second": "s", "seconds": "s", "sec": "s", "secs": "s", "s": "s",
	"minute": "m", "minutes": "m", "min": "m", "mins": "m", "m": "m",
	"hour": "h", "hours": "h", "hr": "h", "hrs": "h", "h": "h",
	"day": "d", "days": "d", "d": "d",
	"week": "w", "weeks": "w", "w": "w",
	"month": "mon", "months": "mon", "mon": "mon", "mons": "mon",
	"year": "y", "years": "y", "yr": "y", "yrs": "y", "y": "y",
	"decade": "dec", "decades": "dec", "dec": "dec", "decs": "dec",
	"century": "c", "centuries": "c", "cent": "c", "c": "c",
	"millennium": "mil", "millennia": "mil", "millenniums": "mil", "mil": "mil", "mils": "mil",
}

func (a *ivAcc) add(unit string, v float64) {
	switch unit {
	case "us":
		a.micros += v
	case "ms":
		a.micros += v * 1000
	case "s":
		a.micros += v * 1e6
	case "m":
		a.micros += v * 60e6
	case "h":
		a.micros += v * 3600e6
	case "d":
		a.days += v
	case "w":
		a.days += 7 * v
	case "mon":
		a.months += v
	case "y":
		a.months += 12 * v
	case "dec":
		a.months += 120 * v
	case "c":
		a.months += 1200 * v
	case "mil":
		a.months += 12000 * v
	}
}

// result spills fractional months into days and fractional days into time,
// as Postgres does.
func (a *ivAcc) result() types.Interval {
	m := math.Trunc(a.months)
	dFrac := (a.months - m) * 30
	d := math.Trunc(a.days + dFrac)
	us := a.micros + (a.days+dFrac-d)*float64(types.MicrosPerDay)
	return types.Interval{Months: int32(m), Days: int32(d), Micros: a.exact + int64(math.RoundToEven(us))}
}

// inRange reports whether the accumulated fields fit an interval.
func (a *ivAcc) inRange() bool {
	m := math.Trunc(a.months)
	d := math.Trunc(a.days + (a.months-m)*30)
	if m > math.MaxInt32 || m < math.MinInt32 || d > math.MaxInt32 || d < math.MinInt32 {
		return false
	}
	us := a.micros + (a.days+(a.months-m)*30-d)*float64(types.MicrosPerDay)
	if us >= 9.2e18 || us <= -9.2e18 {
		return false
	}
	r := int64(math.RoundToEven(us))
	sum := a.exact + r
	return !((r > 0 && sum < a.exact) || (r < 0 && sum > a.exact))
}

// parseTimeField reads an interval's [-]H:M[:S[.f]] field exactly, in
// microseconds; ok is false on bad syntax, overflow on an out-of-range
// value.
func parseTimeField(tok string, minuteFirst bool) (us int64, ok, overflow bool) {
	neg := strings.HasPrefix(tok, "-")
	t := strings.TrimLeft(tok, "+-")
	parts := strings.Split(t, ":")
	if len(parts) > 3 || len(parts) < 2 {
		return 0, false, false
	}
	// A trailing empty field ("1:") counts as zero.
	if parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	mult := []int64{types.MicrosPerHour, types.MicrosPerMinute, types.MicrosPerSecond}
	if minuteFirst && len(parts) == 2 {
		mult = mult[1:]
	}
	var total int64
	for k, p := range parts {
		whole, frac, hasFrac := strings.Cut(p, ".")
		if whole == "" && !hasFrac {
			return 0, false, false
		}
		var v int64
		if whole != "" {
			for _, c := range []byte(whole) {
				if !isDigit(c) {
					return 0, false, false
				}
			}
			var err error
			if v, err = strconv.ParseInt(whole, 10, 64); err != nil {
				return 0, true, true
			}
		}
		if v > math.MaxInt64/mult[k] {
			return 0, true, true
		}
		part := v * mult[k]
		if hasFrac {
			if frac == "" || k != len(parts)-1 {
				if frac == "" && k == len(parts)-1 {
					frac = "0"
				} else {
					return 0, false, false
				}
			}
			f, err := strconv.ParseFloat("0."+frac, 64)
			if err != nil {
				return 0, false, false
			}
			part += int64(math.RoundToEven(f * float64(mult[k])))
		}
		if total > math.MaxInt64-part {
			return 0, true, true
		}
		total += part
	}
	if neg {
		total = -total
	}
	return total, true, false
}

// ParseInterval parses Postgres interval text: "1 day 02:00:00",
// "2 hours 30 minutes", "1 year 2 mons", "-1 day", "3 days ago",
// "@ 1 hour", ISO 8601 "P1DT2H", and a bare number of seconds.
func ParseInterval(s string) (types.Interval, error) {
	return ParseIntervalWithUnit(s, "")
}

// ParseIntervalWithUnit parses interval text with an SQL-standard
// qualifier, as in INTERVAL '5' SECOND or INTERVAL '1-2' YEAR TO MONTH: a
// bare number counts in the qualifier's last unit, and fields below the
// qualifier's precision are dropped. unit is "" or YEAR, MONTH, DAY, HOUR,
// MINUTE, SECOND, or "X TO Y" (case-insensitive).
func ParseIntervalWithUnit(s, unit string) (types.Interval, error) {
	unit = strings.ToUpper(strings.Join(strings.Fields(unit), " "))
	first, last := unit, unit
	if a, b, ok := strings.Cut(unit, " TO "); ok {
		first, last = a, b
	}
	_ = first
	bad := func() (types.Interval, error) {
		return types.Interval{}, sqlerr.New(sqlerr.InvalidDatetimeFormat, "invalid input syntax for type interval: \"%s\"", s)
	}
	str := strings.TrimSpace(s)
	if str == "" {
		return bad()
	}
	if str[0] == 'P' || str[0] == 'p' {
		iv, ok := parseISOInterval(str[1:])
		if !ok {
			return bad()
		}
		return truncInterval(iv, last), nil
	}
	str = strings.TrimPrefix(str, "@")
	toks := strings.Fields(strings.ToLower(str))
	var acc ivAcc
	ago := false
	sawAny := false
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		// A sign written apart from its number ("- 1 day").
		if (tok == "-" || tok == "+") && i+1 < len(toks) && len(toks[i+1]) > 0 && (isDigit(toks[i+1][0]) || toks[i+1][0] == '.') {
			i++
			tok += toks[i]
		}
		if tok == "ago" {
			ago = true
			continue
		}
		// number immediately followed by a unit ("5s", "1day")
		j := 0
		if j < len(tok) && (tok[j] == '-' || tok[j] == '+') {
			j++
		}
		for j < len(tok) && (isDigit(tok[j]) || tok[j] == '.') {
			j++
		}
		if j == 0 || (j == 1 && (tok[0] == '-' || tok[0] == '+') && (len(tok) == 1 || !isDigit(tok[1]))) {
			return bad()
		}
		numStr, suffix := tok[:j], tok[j:]
		if strings.Contains(suffix, ":") || strings.Contains(tok, ":") {
			// time field [-]HH:MM[:SS[.f]]
			us, ok, overflow := parseTimeField(tok, unit == "MINUTE TO SECOND")
			if overflow && !strings.HasPrefix(tok, "-") {
				return types.Interval{}, sqlerr.New(sqlerr.DatetimeFieldOverflow, "interval field value out of range: \"%s\"", s)
			}
			if !ok || overflow {
				return bad()
			}
			sum := acc.exact + us
			if (us > 0 && sum < acc.exact) || (us < 0 && sum > acc.exact) {
				return types.Interval{}, sqlerr.New(sqlerr.DatetimeFieldOverflow, "interval field value out of range: \"%s\"", s)
			}
			acc.exact = sum
			sawAny = true
			continue
		}
		if ymRe.MatchString(tok) {
			// year-month "1-2"
			ys, ms, _ := strings.Cut(strings.TrimPrefix(tok, "-"), "-")
			y, err1 := strconv.Atoi(ys)
			m, err2 := strconv.Atoi(ms)
			if err1 != nil || err2 != nil {
				return bad()
			}
			if strings.HasPrefix(tok, "-") {
				y, m = -y, -m
			}
			acc.months += float64(12*y + m)
			sawAny = true
			continue
		}
		v, err := strconv.ParseFloat(numStr, 64)
		if err != nil {
			return bad()
		}
		u := suffix
		if u == "" && i+1 < len(toks) {
			if _, ok := ivUnits[toks[i+1]]; ok {
				u = toks[i+1]
				i++
			}
		}
		if u == "" {
			// bare number: the qualifier's last unit, else seconds; in a
			// "DAY TO x" literal a number before a time field is days
			if i+1 < len(toks) && strings.Contains(toks[i+1], ":") {
				acc.add("d", v)
			} else {
				acc.add(qualUnit(last), v)
			}
			sawAny = true
			continue
		}
		cu, ok := ivUnits[u]
		if !ok {
			return bad()
		}
		acc.add(cu, v)
		sawAny = true
	}
	if !sawAny {
		return bad()
	}
	if !acc.inRange() {
		return types.Interval{}, sqlerr.New(sqlerr.DatetimeFieldOverflow, "interval out of range")
	}
	iv := acc.result()
	if ago {
		iv = types.Interval{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
	}
	return truncInterval(iv, last), nil
}

func qualUnit(u string) string {
	switch u {
	case "YEAR":
		return "y"
	case "MONTH":
		return "mon"
	case "DAY":
		return "d"
	case "HOUR":
		return "h"
	case "MINUTE":
		return "m"
	}
	return "s"
}

// truncInterval drops the fields below an interval qualifier's last unit.
func truncInterval(iv types.Interval, last string) types.Interval {
	switch last {
	case "YEAR":
		return types.Interval{Months: iv.Months / 12 * 12}
	case "MONTH":
		return types.Interval{Months: iv.Months}
	case "DAY":
		return types.Interval{Months: iv.Months, Days: iv.Days}
	case "HOUR":
		iv.Micros = iv.Micros / types.MicrosPerHour * types.MicrosPerHour
	case "MINUTE":
		iv.Micros = iv.Micros / types.MicrosPerMinute * types.MicrosPerMinute
	}
	return iv
}

func parseISOInterval(s string) (types.Interval, bool) {
	var acc ivAcc
	inTime := false
	for len(s) > 0 {
		if s[0] == 'T' || s[0] == 't' {
			inTime = true
			s = s[1:]
			continue
		}
		j := 0
		for j < len(s) && (isDigit(s[j]) || s[j] == '.' || s[j] == '-' || s[j] == '+') {
			j++
		}
		if j == 0 || j == len(s) {
			return types.Interval{}, false
		}
		v, err := strconv.ParseFloat(s[:j], 64)
		if err != nil {
			return types.Interval{}, false
		}
		switch s[j] {
		case 'Y', 'y':
			acc.add("y", v)
		case 'M', 'm':
			if inTime {
				acc.add("m", v)
			} else {
				acc.add("mon", v)
			}
		case 'W', 'w':
			acc.add("w", v)
		case 'D', 'd':
			acc.add("d", v)
		case 'H', 'h':
			acc.add("h", v)
		case 'S', 's':
			acc.add("s", v)
		default:
			return types.Interval{}, false
		}
		s = s[j+1:]
	}
	return acc.result(), true
}

var ymRe = regexp.MustCompile(`^[+-]?\d+-\d+$`)

// Interval arithmetic.

func addInterval(a, b types.Interval) (types.Datum, error) {
	m := int64(a.Months) + int64(b.Months)
	d := int64(a.Days) + int64(b.Days)
	if m != int64(int32(m)) || d != int64(int32(d)) {
		return nil, errIntervalOver
	}
	return types.Interval{Months: int32(m), Days: int32(d), Micros: a.Micros + b.Micros}, nil
}

func negInterval(a types.Interval) types.Interval {
	return types.Interval{Months: -a.Months, Days: -a.Days, Micros: -a.Micros}
}

func subInterval(a, b types.Interval) (types.Datum, error) {
	return addInterval(a, negInterval(b))
}

// mulInterval is Postgres's interval_mul.
func mulInterval(iv types.Interval, f float64) (types.Datum, error) {
	if math.IsNaN(f) {
		return nil, errIntervalOver
	}
	rm := float64(iv.Months) * f
	if rm > math.MaxInt32 || rm < math.MinInt32 {
		return nil, errIntervalOver
	}
	months := int32(rm)
	monthRemDays := tsRound((float64(iv.Months)*f - float64(months)) * 30)
	rd := float64(iv.Days) * f
	if rd > math.MaxInt32 || rd < math.MinInt32 {
		return nil, errIntervalOver
	}
	days := int64(int32(rd))
	secRem := (float64(iv.Days)*f - float64(days) + monthRemDays - math.Trunc(monthRemDays)) * 86400
	secRem = tsRound(secRem)
	if math.Abs(secRem) >= 86400 {
		days += int64(secRem / 86400)
		secRem -= math.Trunc(secRem/86400) * 86400
	}
	days += int64(monthRemDays)
	if days > math.MaxInt32 || days < math.MinInt32 {
		return nil, errIntervalOver
	}
	us := math.RoundToEven(float64(iv.Micros)*f + secRem*1e6)
	if math.IsInf(us, 0) || math.Abs(us) > 9.2e18 {
		return nil, errIntervalOver
	}
	return types.Interval{Months: months, Days: int32(days), Micros: int64(us)}, nil
}

// divInterval is Postgres's interval_div.
func divInterval(iv types.Interval, f float64) (types.Datum, error) {
	if f == 0 {
		return nil, divZero()
	}
	months := int32(float64(iv.Months) / f)
	days := int32(float64(iv.Days) / f)
	monthRemDays := tsRound((float64(iv.Months)/f - float64(months)) * 30)
	secRem := (float64(iv.Days)/f - float64(days) + monthRemDays - math.Trunc(monthRemDays)) * 86400
	secRem = tsRound(secRem)
	if math.Abs(secRem) >= 86400 {
		days += int32(secRem / 86400)
		secRem -= math.Trunc(secRem/86400) * 86400
	}
	days += int32(monthRemDays)
	us := math.RoundToEven(float64(iv.Micros)/f + secRem*1e6)
	return types.Interval{Months: months, Days: days, Micros: int64(us)}, nil
}

// addToTimestamp adds an interval to a wall-clock timestamp: months (with
// the day clamped to the month's end), then days, then time.
func addToTimestamp(ts int64, iv types.Interval, loc *time.Location) (int64, error) {
	if iv.Months != 0 || iv.Days != 0 {
		t := time.UnixMicro(ts).In(locOrUTC(loc))
		y, m, d := t.Date()
		if iv.Months != 0 {
			mm := int(m) - 1 + int(iv.Months)
			y += floorDiv(mm, 12)
			m = time.Month(floorMod(mm, 12) + 1)
			if dim := daysIn(y, int(m)); d > dim {
				d = dim
			}
		}
		_, off := t.Zone()
		tod := floorMod64(ts+int64(off)*types.MicrosPerSecond, types.MicrosPerDay)
		local := (int64(dateFromYMD(y, int(m), d))+int64(iv.Days))*types.MicrosPerDay + tod
		if loc == nil {
			ts = local
		} else {
			ts = int64(localToUTC(local, loc))
		}
	}
	r := ts + iv.Micros
	if (iv.Micros > 0 && r < ts) || (iv.Micros < 0 && r > ts) || r > maxTimestamp || r < minTimestamp {
		return 0, tsOutOfRange()
	}
	return r, nil
}

const (
	// Postgres's timestamp range: 4713 BC to 294276 AD.
	minTimestamp = int64(-210866803200000000)
	// minDateDays and maxDateDays bound a date (days since 1970-01-01):
	// 4714-11-24 BC to 5874897-12-31.
	minDateDays  = int64(-2440588)
	maxDateDays  = int64(2145042905)
	maxTimestamp = int64(math.MaxInt64)
)

func locOrUTC(l *time.Location) *time.Location {
	if l == nil {
		return time.UTC
	}
	return l
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }

// timestampDiff is timestamp - timestamp: days and time (justify_hours).
func timestampDiff(a, b int64) types.Interval {
	d := a - b
	return types.Interval{Days: int32(d / types.MicrosPerDay), Micros: d % types.MicrosPerDay}
}

// Truncation and field extraction.

var truncUnits = map[string]string{
	"microseconds": "microseconds", "microsecond": "microseconds", "us": "microseconds",
	"milliseconds": "milliseconds", "millisecond": "milliseconds", "ms": "milliseconds",
	"second": "second", "seconds": "second", "sec": "second", "s": "second",
	"minute": "minute", "minutes": "minute", "min": "minute", "m": "minute",
	"hour": "hour", "hours": "hour", "h": "hour",
	"day": "day", "days": "day", "d": "day",
	"week": "week", "weeks": "week", "w": "week",
	"month": "month", "months": "month", "mon": "month",
	"quarter": "quarter", "qtr": "quarter",
	"year": "year", "years": "year", "y": "year",
	"decade": "decade", "decades": "decade",
	"century": "century", "centuries": "century",
	"millennium": "millennium", "millennia": "millennium",
}

func unitErr(unit string, t types.Type) error {
	return sqlerr.New(sqlerr.FeatureNotSupported, "unit \"%s\" not supported for type %s", unit, t)
}

func unknownUnit(unit string, t types.Type) error {
	return sqlerr.New(sqlerr.InvalidParameterValue, "unit \"%s\" not recognized for type %s", unit, t)
}

// truncTimestamp truncates a wall-clock timestamp (micros) to unit.
func truncTimestamp(unit string, ts int64, t types.Type) (int64, error) {
	u, ok := truncUnits[strings.ToLower(unit)]
	if !ok {
		return 0, unknownUnit(unit, t)
	}
	tm := tsTime(ts)
	y, m, d := tm.Date()
	switch u {
	case "microseconds":
		return ts, nil
	case "milliseconds":
		return floorDiv64(ts, 1000) * 1000, nil
	case "second":
		return floorDiv64(ts, types.MicrosPerSecond) * types.MicrosPerSecond, nil
	case "minute":
		return floorDiv64(ts, types.MicrosPerMinute) * types.MicrosPerMinute, nil
	case "hour":
		return floorDiv64(ts, types.MicrosPerHour) * types.MicrosPerHour, nil
	case "day":
		return floorDiv64(ts, types.MicrosPerDay) * types.MicrosPerDay, nil
	case "week":
		day := floorDiv64(ts, types.MicrosPerDay)
		wd := (int(tm.Weekday()) + 6) % 7 // Monday = 0
		return (day - int64(wd)) * types.MicrosPerDay, nil
	case "month":
		return ymdMicros(y, int(m), 1), nil
	case "quarter":
		return ymdMicros(y, (int(m)-1)/3*3+1, 1), nil
	case "year":
		return ymdMicros(y, 1, 1), nil
	case "decade":
		return ymdMicros(floorDiv(y, 10)*10, 1, 1), nil
	case "century":
		c := y
		if y > 0 {
			c = (y-1)/100*100 + 1
		} else {
			c = -((99-(y-1))/100)*100 + 1
		}
		return ymdMicros(c, 1, 1), nil
	case "millennium":
		c := y
		if y > 0 {
			c = (y-1)/1000*1000 + 1
		} else {
			c = -((999-(y-1))/1000)*1000 + 1
		}
		return ymdMicros(c, 1, 1), nil
	}
	_ = d
	return 0, unknownUnit(unit, t)
}

func ymdMicros(y, m, d int) int64 { return int64(dateFromYMD(y, m, d)) * types.MicrosPerDay }

func floorDiv64(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func truncInterval2(unit string, iv types.Interval) (types.Datum, error) {
	u, ok := truncUnits[strings.ToLower(unit)]
	if !ok {
		return nil, unknownUnit(unit, types.IntervalT)
	}
	switch u {
	case "microseconds":
	case "milliseconds":
		iv.Micros = iv.Micros / 1000 * 1000
	case "second":
		iv.Micros = iv.Micros / types.MicrosPerSecond * types.MicrosPerSecond
	case "minute":
		iv.Micros = iv.Micros / types.MicrosPerMinute * types.MicrosPerMinute
	case "hour":
		iv.Micros = iv.Micros / types.MicrosPerHour * types.MicrosPerHour
	case "day":
		iv.Micros = 0
	case "month":
		iv.Micros, iv.Days = 0, 0
	case "quarter":
		iv = types.Interval{Months: iv.Months / 3 * 3}
	case "year":
		iv = types.Interval{Months: iv.Months / 12 * 12}
	case "decade":
		iv = types.Interval{Months: iv.Months / 120 * 120}
	case "century":
		iv = types.Interval{Months: iv.Months / 1200 * 1200}
	case "millennium":
		iv = types.Interval{Months: iv.Months / 12000 * 12000}
	default:
		return nil, unitErr(unit, types.IntervalT)
	}
	return iv, nil
}

// extractField returns the value of a field of a date/time value as a
// decimal with Postgres's scale for EXTRACT (second has scale 6, …).
func extractField(field string, d types.Datum, t types.Type, loc *time.Location) (*apd.Decimal, error) {
	f := strings.ToLower(field)
	switch f {
	case "years":
		f = "year"
	case "months", "mon", "mons":
		f = "month"
	case "days":
		f = "day"
	case "hours", "h":
		f = "hour"
	case "minutes", "min", "mins":
		f = "minute"
	case "seconds", "sec", "secs":
		f = "second"
	case "milliseconds", "ms":
		f = "millisecond"
	case "microseconds", "us":
		f = "microsecond"
	}
	if iv, ok := d.(types.Interval); ok {
		return extractInterval(f, field, iv)
	}
	var us int64
	isDate := false
	tzOff := int64(0)
	switch x := d.(type) {
	case types.Date:
		us = int64(x) * types.MicrosPerDay
		isDate = true
	case types.Timestamp:
		us = int64(x)
	case types.Timestamptz:
		if f == "epoch" {
			return apd.New(int64(x), -6), nil
		}
		lt := utcToLocal(x, loc)
		tzOff = int64(lt) - int64(x)
		us = int64(lt)
	case types.Time:
		us = int64(x)
		switch f {
		case "hour":
			return apd.New(us/types.MicrosPerHour, 0), nil
		case "minute":
			return apd.New(us/types.MicrosPerMinute%60, 0), nil
		case "second":
			return apd.New(us%types.MicrosPerMinute, -6), nil
		case "millisecond":
			return apd.New(us%types.MicrosPerMinute, -3), nil
		case "microsecond":
			return apd.New(us%types.MicrosPerMinute, 0), nil
		case "epoch":
			return apd.New(us, -6), nil
		}
		return nil, unitErr(field, t)
	}
	tm := tsTime(us)
	y := tm.Year()
	timeOfDay := floorMod64(us, types.MicrosPerDay)
	if isDate {
		switch f {
		case "hour", "minute", "second", "millisecond", "microsecond", "timezone", "timezone_hour", "timezone_minute":
			return nil, unitErr(field, t)
		}
	}
	switch f {
	case "year":
		if y <= 0 {
			y--
		}
		return apd.New(int64(y), 0), nil
	case "month":
		return apd.New(int64(tm.Month()), 0), nil
	case "day":
		return apd.New(int64(tm.Day()), 0), nil
	case "hour":
		return apd.New(timeOfDay/types.MicrosPerHour, 0), nil
	case "minute":
		return apd.New(timeOfDay/types.MicrosPerMinute%60, 0), nil
	case "second":
		return apd.New(timeOfDay%types.MicrosPerMinute, -6), nil
	case "millisecond":
		return apd.New(timeOfDay%types.MicrosPerMinute, -3), nil
	case "microsecond":
		return apd.New(timeOfDay%types.MicrosPerMinute, 0), nil
	case "epoch":
		if isDate {
			return apd.New(us/types.MicrosPerSecond, 0), nil
		}
		return apd.New(us, -6), nil
	case "dow":
		return apd.New(int64(tm.Weekday()), 0), nil
	case "isodow":
		wd := int64(tm.Weekday())
		if wd == 0 {
			wd = 7
		}
		return apd.New(wd, 0), nil
	case "doy":
		return apd.New(int64(tm.YearDay()), 0), nil
	case "week":
		_, w := tm.ISOWeek()
		return apd.New(int64(w), 0), nil
	case "isoyear":
		iy, _ := tm.ISOWeek()
		return apd.New(int64(iy), 0), nil
	case "quarter":
		return apd.New(int64((int(tm.Month())-1)/3+1), 0), nil
	case "decade":
		return apd.New(int64(floorDiv(y, 10)), 0), nil
	case "century":
		if y > 0 {
			return apd.New(int64((y+99)/100), 0), nil
		}
		return apd.New(int64(-((99 - (y - 1)) / 100)), 0), nil
	case "millennium":
		if y > 0 {
			return apd.New(int64((y+999)/1000), 0), nil
		}
		return apd.New(int64(-((999 - (y - 1)) / 1000)), 0), nil
	case "julian":
		jd := floorDiv64(us, types.MicrosPerDay) + 2440588
		if isDate {
			return apd.New(jd, 0), nil
		}
		v := apd.New(jd*types.MicrosPerDay+timeOfDay, 0)
		r, err := quoScaled(v, apd.New(types.MicrosPerDay, 0), 16)
		if err != nil {
			return nil, err
		}
		return reduceScale(r), nil
	case "timezone":
		if t.Kind == types.KindTimestamptz {
			return apd.New(tzOff/types.MicrosPerSecond, 0), nil
		}
	case "timezone_hour":
		if t.Kind == types.KindTimestamptz {
			return apd.New(tzOff/types.MicrosPerHour, 0), nil
		}
	case "timezone_minute":
		if t.Kind == types.KindTimestamptz {
			return apd.New(tzOff/types.MicrosPerMinute%60, 0), nil
		}
	}
	if _, ok := extractKnown[f]; ok {
		return nil, unitErr(field, t)
	}
	return nil, unknownUnit(field, t)
}

var extractKnown = map[string]bool{"timezone": true, "timezone_hour": true, "timezone_minute": true}

func floorMod64(a, b int64) int64 { return a - floorDiv64(a, b)*b }

func reduceScale(d *apd.Decimal) *apd.Decimal {
	r := new(apd.Decimal)
	r.Reduce(d)
	if r.Exponent > 0 {
		_, _ = quantCtx.Quantize(r, r, 0)
	}
	return r
}

func extractInterval(f, field string, iv types.Interval) (*apd.Decimal, error) {
	switch f {
	case "epoch":
		secs := int64(iv.Months/12)*365*86400 + int64(iv.Months%12)*30*86400 + int64(iv.Days)*86400
		// years count 365.25 days
		yearsUs := int64(iv.Months/12) * 6 * types.MicrosPerHour
		return apd.New(secs*types.MicrosPerSecond+yearsUs+iv.Micros, -6), nil
	case "year":
		return apd.New(int64(iv.Months/12), 0), nil
	case "month":
		return apd.New(int64(iv.Months%12), 0), nil
	case "day":
		return apd.New(int64(iv.Days), 0), nil
	case "hour":
		return apd.New(iv.Micros/types.MicrosPerHour, 0), nil
	case "minute":
		return apd.New(iv.Micros/types.MicrosPerMinute%60, 0), nil
	case "second":
		return apd.New(iv.Micros%types.MicrosPerMinute, -6), nil
	case "millisecond":
		return apd.New(iv.Micros%types.MicrosPerMinute, -3), nil
	case "microsecond":
		return apd.New(iv.Micros%types.MicrosPerMinute, 0), nil
	case "quarter":
		return apd.New(int64(iv.Months%12/3+1), 0), nil
	case "decade":
		return apd.New(int64(iv.Months/120), 0), nil
	case "century":
		return apd.New(int64(iv.Months/1200), 0), nil
	case "millennium":
		return apd.New(int64(iv.Months/12000), 0), nil
	}
	return nil, unitErr(field, types.IntervalT)
}

// tsRound rounds to microsecond precision, as Postgres's TSROUND.
func tsRound(x float64) float64 { return math.RoundToEven(x*1e6) / 1e6 }
