package expr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Date/time formatting templates, as Postgres's to_char, to_timestamp and
// to_date read them: a template is a sequence of keyword fields (YYYY, MM,
// HH24, Month, …) with FM/TM prefixes and TH/th suffixes, double-quoted
// text, and literal characters.

const codeInvalidDatetimeFormat = "22007"

type dchKey struct {
	name  string
	digit bool // the field is numeric (affects fixed-width parsing)
}

// dchKeys lists every template keyword. Matching is case-sensitive and
// takes the longest keyword at a position.
var dchKeys = func() []dchKey {
	digit := strings.Fields("CC DDD DD D FF1 FF2 FF3 FF4 FF5 FF6 HH24 HH12 HH IDDD ID IW IYYY IYY IY I J MI MM MS Q SSSSS SSSS SS TZH TZM US WW W Y,YYY YYYY YYY YY Y")
	other := strings.Fields("A.D. A.M. AD AM B.C. BC DAY DY Day Dy FX MONTH MON Month Mon OF P.M. PM RM TZ")
	lowerOnly := strings.Fields("a.d. a.m. ad am b.c. bc day dy fx month mon of p.m. pm rm tz")
	var ks []dchKey
	for _, k := range digit {
		ks = append(ks, dchKey{k, true})
		if k != "TZH" && k != "TZM" {
			ks = append(ks, dchKey{strings.ToLower(k), true})
		}
	}
	for _, k := range other {
		ks = append(ks, dchKey{k, false})
	}
	for _, k := range lowerOnly {
		ks = append(ks, dchKey{k, false})
	}
	return ks
}()

const (
	nodeAction = iota
	nodeSpace
	nodeSep
	nodeChar
)

type fmtNode struct {
	kind    int
	key     string // upper-case keyword name for actions ("Month" stays as written in raw)
	raw     string // the keyword as written, or the literal character
	digit   bool
	fm, tm  bool
	th      int // 0 none, 1 "th", 2 "TH"
	literal string
}

// isSeparatorChar is Postgres's is_separator_char: printable ASCII that is
// neither a letter, a digit nor a space.
func isSeparatorChar(c byte) bool {
	return c > 0x20 && c < 0x7f && !(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9')
}

// fmtCache holds parsed templates by text.
var fmtCache sync.Map

const fmtCacheMax = 1024

var fmtCacheLen atomic.Int64

// parseTemplate splits a date/time template into nodes.
func parseTemplate(f string) []fmtNode {
	if v, ok := fmtCache.Load(f); ok {
		return v.([]fmtNode)
	}
	var out []fmtNode
	lit := func(s string) {
		k := nodeChar
		if len(s) == 1 {
			switch {
			case s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' || s[0] == '\f' || s[0] == '\v':
				k = nodeSpace
			case isSeparatorChar(s[0]):
				k = nodeSep
			}
		}
		out = append(out, fmtNode{kind: k, literal: s, raw: s})
	}
	for i := 0; i < len(f); {
		var n fmtNode
		j := i
		if strings.HasPrefix(f[j:], "FM") || strings.HasPrefix(f[j:], "fm") {
			n.fm = true
			j += 2
		} else if strings.HasPrefix(f[j:], "TM") || strings.HasPrefix(f[j:], "tm") {
			n.tm = true
			j += 2
		}
		best := -1
		for ki, k := range dchKeys {
			if strings.HasPrefix(f[j:], k.name) && (best < 0 || len(k.name) > len(dchKeys[best].name)) {
				best = ki
			}
		}
		if best >= 0 {
			k := dchKeys[best]
			n.kind, n.raw, n.digit = nodeAction, k.name, k.digit
			n.key = k.name
			if strings.ToUpper(k.name) != k.name && strings.ToLower(k.name) == k.name {
				n.key = strings.ToUpper(k.name)
			}
			j += len(k.name)
			switch {
			case strings.HasPrefix(f[j:], "TH"):
				n.th = 2
				j += 2
			case strings.HasPrefix(f[j:], "th"):
				n.th = 1
				j += 2
			case strings.HasPrefix(f[j:], "SP"):
				j += 2
			}
			out = append(out, n)
			i = j
			continue
		}
		switch c := f[i]; {
		case c == '"':
			i++
			for i < len(f) && f[i] != '"' {
				if f[i] == '\\' && i+1 < len(f) {
					i++
				}
				_, sz := utf8.DecodeRuneInString(f[i:])
				out = append(out, fmtNode{kind: nodeChar, literal: f[i : i+sz], raw: f[i : i+sz]})
				i += sz
			}
			i++
		case c == '\\' && i+1 < len(f) && f[i+1] == '"':
			out = append(out, fmtNode{kind: nodeChar, literal: `"`, raw: `"`})
			i += 2
		default:
			_, sz := utf8.DecodeRuneInString(f[i:])
			lit(f[i : i+sz])
			i += sz
		}
	}
	if fmtCacheLen.Add(1) < fmtCacheMax {
		fmtCache.Store(f, out)
	}
	return out
}

// fmtTm is the broken-down value to_char formats: a calendar time (years
// astronomical, 0 = 1 BC) or an interval's fields.
type fmtTm struct {
	year, mon, mday int
	hour            int64
	min, sec        int
	fsec            int64 // microseconds
	yday, wday      int
	gmtoff          int // seconds east of UTC
	zone            string
	hasZone         bool
}

var (
	monthsFull = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	daysFull   = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	rmUpper    = []string{"XII", "XI", "X", "IX", "VIII", "VII", "VI", "V", "IV", "III", "II", "I"}
)

// errInterval is to_char's error for a calendar field applied to an
// interval.
func errInterval() error {
	return sqlerr.New(codeInvalidDatetimeFormat, "invalid format specification for an interval value").
		WithHint("Intervals are not tied to specific calendar dates.")
}

// date2j is Postgres's Julian day number of a (proleptic Gregorian,
// astronomical-year) date, with C's truncating division.
func date2j(y, m, d int) int {
	if m > 2 {
		m++
		y += 4800
	} else {
		m += 13
		y += 4799
	}
	century := y / 100
	julian := y*365 - 32167
	julian += y/4 - century + century/4
	julian += 7834*m/256 + d
	return julian
}

func j2day(d int) int {
	d = (d + 1) % 7
	if d < 0 {
		d += 7
	}
	return d
}

func date2isoyear(year, mon, mday int) int {
	dayn := date2j(year, mon, mday)
	day4 := date2j(year, 1, 4)
	day0 := j2day(day4 - 1)
	if dayn < day4-day0 {
		day4 = date2j(year-1, 1, 4)
		day0 = j2day(day4 - 1)
		year--
	}
	result := (dayn-(day4-day0))/7 + 1
	if result >= 52 {
		day4 = date2j(year+1, 1, 4)
		day0 = j2day(day4 - 1)
		if dayn >= day4-day0 {
			year++
		}
	}
	return year
}

func date2isoweek(year, mon, mday int) int {
	dayn := date2j(year, mon, mday)
	day4 := date2j(year, 1, 4)
	day0 := j2day(day4 - 1)
	if dayn < day4-day0 {
		day4 = date2j(year-1, 1, 4)
		day0 = j2day(day4 - 1)
	}
	result := (dayn-(day4-day0))/7 + 1
	if result >= 52 {
		day4 = date2j(year+1, 1, 4)
		day0 = j2day(day4 - 1)
		if dayn >= day4-day0 {
			result = (dayn-(day4-day0))/7 + 1
		}
	}
	return result
}

func isoweek2j(year, week int) int {
	day4 := date2j(year, 1, 4)
	day0 := j2day(day4 - 1)
	return (week-1)*7 + (day4 - day0)
}

func date2isoyearday(year, mon, mday int) int {
	return date2j(year, mon, mday) - isoweek2j(date2isoyear(year, mon, mday), 1) + 1
}

// padInt is C's "%0*d": zero-padded to width, the sign counting.
func padInt(v int64, width int) string {
	s := strconv.FormatInt(v, 10)
	if len(s) >= width {
		return s
	}
	if v < 0 {
		return "-" + strings.Repeat("0", width-len(s)) + s[1:]
	}
	return strings.Repeat("0", width-len(s)) + s
}

// padRightTo is C's "%-*s".
func padRightTo(s string, width int) string {
	if len(s) < width {
		return s + strings.Repeat(" ", width-len(s))
	}
	return s
}

// numTh appends an ordinal suffix to a number, as Postgres's str_numth.
func numTh(s string, upper bool) string {
	if s == "" {
		return s
	}
	last := s[len(s)-1]
	if len(s) > 1 && s[len(s)-2] == '1' {
		last = 0
	}
	suf := "th"
	switch last {
	case '1':
		suf = "st"
	case '2':
		suf = "nd"
	case '3':
		suf = "rd"
	}
	if upper {
		suf = strings.ToUpper(suf)
	}
	return s + suf
}

// adjustYear is Postgres's ADJUST_YEAR: BC years count from 1 outside
// intervals.
func adjustYear(y int, interval bool) int {
	if interval || y > 0 {
		return y
	}
	return -(y - 1)
}

// formatTemplate renders tm through a template (to_char).
func formatTemplate(tm *fmtTm, f string, interval bool) (string, error) {
	var b strings.Builder
	for _, n := range parseTemplate(f) {
		if n.kind != nodeAction {
			b.WriteString(n.literal)
			continue
		}
		width := func(w int) int {
			if n.fm {
				return 0
			}
			return w
		}
		num := ""
		isNum := true
		switch n.raw {
		case "A.M.", "P.M.", "AM", "PM", "a.m.", "p.m.", "am", "pm":
			b.WriteString(eraMarker(n.raw, "AM", "PM", tm.hour%24 >= 12))
			isNum = false
		case "A.D.", "B.C.", "AD", "BC", "a.d.", "b.c.", "ad", "bc":
			if interval {
				return "", errInterval()
			}
			b.WriteString(eraMarker(n.raw, "AD", "BC", tm.year <= 0))
			isNum = false
		case "HH", "HH12", "hh", "hh12":
			h := tm.hour % 12
			if h == 0 {
				h = 12
			}
			w := 2
			if tm.hour < 0 {
				w = 3
			}
			num = padInt(h, width(w))
		case "HH24", "hh24":
			w := 2
			if tm.hour < 0 {
				w = 3
			}
			num = padInt(tm.hour, width(w))
		case "MI", "mi":
			num = padInt(int64(tm.min), width(signWidth(tm.min, 2)))
		case "SS", "ss":
			num = padInt(int64(tm.sec), width(signWidth(tm.sec, 2)))
		case "FF1", "ff1":
			num = padInt(tm.fsec/100000, 1)
		case "FF2", "ff2":
			num = padInt(tm.fsec/10000, 2)
		case "FF3", "ff3", "MS", "ms":
			num = padInt(tm.fsec/1000, 3)
		case "FF4", "ff4":
			num = padInt(tm.fsec/100, 4)
		case "FF5", "ff5":
			num = padInt(tm.fsec/10, 5)
		case "FF6", "ff6", "US", "us":
			num = padInt(tm.fsec, 6)
		case "SSSS", "ssss", "SSSSS", "sssss":
			num = strconv.FormatInt(tm.hour*3600+int64(tm.min)*60+int64(tm.sec), 10)
		case "tz", "TZ":
			if interval {
				return "", errInterval()
			}
			if tm.hasZone {
				if n.raw == "tz" {
					b.WriteString(strings.ToLower(tm.zone))
				} else {
					b.WriteString(tm.zone)
				}
			}
			isNum = false
		case "TZH":
			if interval {
				return "", errInterval()
			}
			b.WriteString(signChar(tm.gmtoff) + padInt(int64(absInt32(tm.gmtoff)/3600), 2))
			isNum = false
		case "TZM":
			if interval {
				return "", errInterval()
			}
			b.WriteString(padInt(int64(absInt32(tm.gmtoff)%3600/60), 2))
			isNum = false
		case "OF", "of":
			if interval {
				return "", errInterval()
			}
			b.WriteString(signChar(tm.gmtoff) + padInt(int64(absInt32(tm.gmtoff)/3600), width(2)))
			if absInt32(tm.gmtoff)%3600 != 0 {
				b.WriteString(":" + padInt(int64(absInt32(tm.gmtoff)%3600/60), 2))
			}
			isNum = false
		case "MONTH", "Month", "month", "MON", "Mon", "mon":
			if interval {
				return "", errInterval()
			}
			isNum = false
			if tm.mon == 0 {
				break
			}
			b.WriteString(nameField(monthsFull[tm.mon-1], n.raw, "month", n.fm || n.tm))
		case "DAY", "Day", "day", "DY", "Dy", "dy":
			if interval {
				return "", errInterval()
			}
			isNum = false
			b.WriteString(nameField(daysFull[tm.wday], n.raw, "day", n.fm || n.tm))
		case "MM", "mm":
			num = padInt(int64(tm.mon), width(signWidth(tm.mon, 2)))
		case "DDD", "ddd":
			num = padInt(int64(tm.yday), width(3))
		case "IDDD", "iddd":
			num = padInt(int64(date2isoyearday(tm.year, tm.mon, tm.mday)), width(3))
		case "DD", "dd":
			num = padInt(int64(tm.mday), width(2))
		case "D", "d":
			if interval {
				return "", errInterval()
			}
			num = strconv.Itoa(tm.wday + 1)
		case "ID", "id":
			if interval {
				return "", errInterval()
			}
			d := tm.wday
			if d == 0 {
				d = 7
			}
			num = strconv.Itoa(d)
		case "WW", "ww":
			num = padInt(int64((tm.yday-1)/7+1), width(2))
		case "IW", "iw":
			num = padInt(int64(date2isoweek(tm.year, tm.mon, tm.mday)), width(2))
		case "Q", "q":
			if tm.mon == 0 {
				isNum = false
				break
			}
			num = strconv.Itoa((tm.mon-1)/3 + 1)
		case "CC", "cc":
			var i int
			switch {
			case interval:
				i = tm.year / 100
			case tm.year > 0:
				i = (tm.year-1)/100 + 1
			default:
				i = tm.year/100 - 1
			}
			if i <= 99 && i >= -99 {
				num = padInt(int64(i), width(signWidth(i, 2)))
			} else {
				num = strconv.Itoa(i)
			}
		case "Y,YYY", "y,yyy":
			y := adjustYear(tm.year, interval)
			i := y / 1000
			num = strconv.Itoa(i) + "," + padInt(int64(y-i*1000), 3)
		case "YYYY", "yyyy", "IYYY", "iyyy", "YYY", "yyy", "IYY", "iyy", "YY", "yy", "IY", "iy", "Y", "y", "I", "i":
			up := strings.ToUpper(n.raw)
			y := adjustYear(tm.year, interval)
			v := y
			digits := len(up)
			if up[0] == 'I' {
				v = adjustYear(date2isoyear(tm.year, tm.mon, tm.mday), interval)
			}
			switch digits {
			case 4:
				w := 4
				if y < 0 {
					w = 5
				}
				num = padInt(int64(v), width(w))
			case 3:
				w := 3
				if y < 0 {
					w = 4
				}
				num = padInt(int64(v%1000), width(w))
			case 2:
				w := 2
				if y < 0 {
					w = 3
				}
				num = padInt(int64(v%100), width(w))
			default:
				num = strconv.Itoa(v % 10)
			}
		case "RM", "rm":
			isNum = false
			if tm.mon == 0 && tm.year == 0 {
				break
			}
			var idx int
			switch {
			case tm.mon == 0:
				if tm.year < 0 {
					idx = 11
				}
			case tm.mon < 0:
				idx = -(tm.mon + 1)
			default:
				idx = 12 - tm.mon
			}
			s := rmUpper[idx]
			if n.raw == "rm" {
				s = strings.ToLower(s)
			}
			if !n.fm {
				s = padRightTo(s, 4)
			}
			b.WriteString(s)
		case "W", "w":
			num = strconv.Itoa((tm.mday-1)/7 + 1)
		case "J", "j":
			num = strconv.Itoa(date2j(tm.year, tm.mon, tm.mday))
		case "FX", "fx":
			isNum = false
		default:
			isNum = false
		}
		if isNum {
			if n.th != 0 {
				num = numTh(num, n.th == 2)
			}
			b.WriteString(num)
		}
	}
	return b.String(), nil
}

func signWidth(v, w int) int {
	if v < 0 {
		return w + 1
	}
	return w
}

func signChar(v int) string {
	if v >= 0 {
		return "+"
	}
	return "-"
}

func absInt32(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// tmFromMicros breaks a local timestamp (microseconds) into calendar fields.
func tmFromMicros(us int64) fmtTm {
	t := time.UnixMicro(us).UTC()
	return fmtTm{
		year: t.Year(), mon: int(t.Month()), mday: t.Day(),
		hour: int64(t.Hour()), min: t.Minute(), sec: t.Second(),
		fsec: floorMod64(us, types.MicrosPerSecond),
		yday: t.YearDay(), wday: int(t.Weekday()),
	}
}

// tmFromInterval is Postgres's interval2itm plus the approximate yday.
func tmFromInterval(iv types.Interval) fmtTm {
	tm := fmtTm{year: int(iv.Months / 12), mon: int(iv.Months % 12), mday: int(iv.Days)}
	t := iv.Micros
	tm.hour = t / types.MicrosPerHour
	t -= tm.hour * types.MicrosPerHour
	tm.min = int(t / types.MicrosPerMinute)
	t -= int64(tm.min) * types.MicrosPerMinute
	tm.sec = int(t / types.MicrosPerSecond)
	tm.fsec = t - int64(tm.sec)*types.MicrosPerSecond
	tm.yday = (tm.year*12+tm.mon)*30 + tm.mday
	return tm
}

// --- to_timestamp / to_date ------------------------------------------------

type fromChar struct {
	year, yysz, bc, cc, mm, dd, ddd, d, ww, w, j int
	hh, mi, ss, ssss, ms, us                     int
	ff, ffDigits                                 int
	pm, clock12                                  bool
	tzsign, tzh, tzm                             int
	iso                                          bool
}

func errFormat(format string, args ...any) *sqlerr.Error {
	return sqlerr.New(codeInvalidDatetimeFormat, format, args...)
}

// isNextSeparator is Postgres's is_next_separator: whether the field at i
// is followed by something that cannot be part of a number.
func isNextSeparator(nodes []fmtNode, i int) bool {
	if nodes[i].th != 0 {
		return true
	}
	if i+1 >= len(nodes) {
		return true
	}
	n := nodes[i+1]
	if n.kind == nodeAction {
		return !n.digit
	}
	if len(n.literal) == 1 && n.literal[0] >= '0' && n.literal[0] <= '9' {
		return false
	}
	return true
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// strtol reads an optionally signed decimal integer after leading spaces,
// as C's strtol, returning the value and the bytes consumed (0 if none).
func strtol(s string) (int64, int, bool) {
	i := 0
	for i < len(s) && isSpaceByte(s[i]) {
		i++
	}
	j := i
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	k := j
	for k < len(s) && s[k] >= '0' && s[k] <= '9' {
		k++
	}
	if k == j {
		return 0, 0, true
	}
	v, err := strconv.ParseInt(s[i:k], 10, 64)
	return v, k, err == nil
}

// parseIntField is Postgres's from_char_parse_int_len.
func parseIntField(s *string, size int, nodes []fmtNode, i int, fx bool) (int, int, error) {
	n := nodes[i]
	in := *s
	for len(in) > 0 && isSpaceByte(in[0]) {
		in = in[1:]
	}
	cp := in
	if len(cp) > size {
		cp = cp[:size]
	}
	var v int64
	var used int
	ok := true
	if n.fm || isNextSeparator(nodes, i) {
		v, used, ok = strtol(in)
	} else {
		if len(cp) < size {
			return 0, 0, errFormat("source string too short for \"%s\" formatting field", n.raw).
				WithDetail(fmt.Sprintf("Field requires %d characters, but only %d remain.", size, len(cp))).
				WithHint("If your source string is not fixed-width, try using the \"FM\" modifier.")
		}
		v, used, ok = strtol(cp)
		if used > 0 && used < size {
			return 0, 0, errFormat("invalid value \"%s\" for \"%s\"", cp, n.raw).
				WithDetail(fmt.Sprintf("Field requires %d characters, but only %d could be parsed.", size, used)).
				WithHint("If your source string is not fixed-width, try using the \"FM\" modifier.")
		}
	}
	if used == 0 {
		return 0, 0, errFormat("invalid value \"%s\" for \"%s\"", cp, n.raw).WithDetail("Value must be an integer.")
	}
	if !ok || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, 0, sqlerr.New(sqlerr.DatetimeFieldOverflow, "value for \"%s\" in source string is out of range", n.raw).
			WithDetail(fmt.Sprintf("Value must be in the range %d to %d.", math.MinInt32, math.MaxInt32))
	}
	*s = in[used:]
	// The number of characters read, counting a sign.
	return int(v), used, nil
}

// seqSearch matches the start of s case-insensitively against words,
// returning the index of the first match.
func seqSearch(s string, words []string) (int, int) {
	for i, w := range words {
		if len(s) >= len(w) && strings.EqualFold(s[:len(w)], w) {
			return i, len(w)
		}
	}
	return -1, 0
}

func errNoMatch(s string, n fmtNode) error {
	v := s
	if i := strings.IndexAny(v, " \t\n\r\f\v"); i >= 0 {
		v = v[:i]
	}
	return errFormat("invalid value \"%s\" for \"%s\"", v, n.raw).
		WithDetail("The given value did not match any of the allowed values for this field.")
}

// setField records a parsed field, rejecting a conflicting second value.
// nameField reads one of words (a month or day name) at the front of *s
// into dst as its 1-based position.
func (fc *fromChar) nameField(s *string, words []string, dst *int, n fmtNode) error {
	idx, l := seqSearch(*s, words)
	if idx < 0 {
		return errNoMatch(*s, n)
	}
	*s = (*s)[l:]
	return fc.setField(dst, idx+1, n)
}

func (fc *fromChar) setField(dst *int, v int, n fmtNode) error {
	if *dst != 0 && *dst != v {
		return errFormat("conflicting values for \"%s\" field in formatting string", n.raw).
			WithDetail("This value contradicts a previous setting for the same field type.")
	}
	*dst = v
	return nil
}

// adjustPartialYear is Postgres's adjust_partial_year_to_2020.
func adjustPartialYear(y int) int {
	switch {
	case y < 70:
		return y + 2000
	case y < 100:
		return y + 1900
	case y < 520:
		return y + 2000
	case y < 1000:
		return y + 1000
	}
	return y
}

// parseFromTemplate reads in through template f (Postgres's DCH_from_char).
func parseFromTemplate(in, f string) (*fromChar, error) {
	nodes := parseTemplate(f)
	fc := &fromChar{}
	fx := false
	s := in
	extraSkip := 0
	for i := 0; i < len(nodes) && len(s) > 0; i++ {
		n := nodes[i]
		if !fx && (n.kind != nodeAction || i == 0) {
			for len(s) > 0 && isSpaceByte(s[0]) {
				s = s[1:]
				extraSkip++
			}
		}
		switch n.kind {
		case nodeSpace, nodeSep:
			if !fx {
				extraSkip--
				if len(s) > 0 && (isSpaceByte(s[0]) || isSeparatorChar(s[0])) {
					s = s[1:]
					extraSkip++
				}
			} else if len(s) > 0 {
				_, sz := utf8.DecodeRuneInString(s)
				s = s[sz:]
			}
			continue
		case nodeChar:
			if !fx && extraSkip > 0 {
				extraSkip--
			} else if len(s) > 0 {
				_, sz := utf8.DecodeRuneInString(s)
				s = s[sz:]
			}
			continue
		}
		if err := fc.field(&s, nodes, i, &fx, &extraSkip, in); err != nil {
			return nil, err
		}
		if n.th != 0 && len(s) >= 2 {
			s = s[2:]
		}
		if !fx {
			extraSkip = 0
			for len(s) > 0 && isSpaceByte(s[0]) {
				s = s[1:]
				extraSkip++
			}
		}
	}
	return fc, nil
}

func (fc *fromChar) field(s *string, nodes []fmtNode, i int, fx *bool, extraSkip *int, whole string) error {
	n := nodes[i]
	intField := func(dst *int, size int) (int, error) {
		v, used, err := parseIntField(s, size, nodes, i, *fx)
		if err != nil {
			return 0, err
		}
		return used, fc.setField(dst, v, n)
	}
	switch strings.ToUpper(n.raw) {
	case "FX":
		*fx = true
	case "A.M.", "P.M.", "AM", "PM":
		words := []string{"a.m.", "p.m.", "am", "pm"}
		if !strings.Contains(n.raw, ".") {
			words = []string{"am", "pm", "a.m.", "p.m."}
		}
		idx, l := seqSearch(*s, words)
		if idx < 0 {
			return errNoMatch(*s, n)
		}
		*s = (*s)[l:]
		fc.pm = idx%2 == 1
		fc.clock12 = true
	case "A.D.", "B.C.", "AD", "BC":
		words := []string{"a.d.", "b.c.", "ad", "bc"}
		if !strings.Contains(n.raw, ".") {
			words = []string{"ad", "bc", "a.d.", "b.c."}
		}
		idx, l := seqSearch(*s, words)
		if idx < 0 {
			return errNoMatch(*s, n)
		}
		*s = (*s)[l:]
		if idx%2 == 1 {
			fc.bc = 1
		}
	case "HH", "HH12":
		if _, err := intField(&fc.hh, 2); err != nil {
			return err
		}
		fc.clock12 = true
	case "HH24":
		_, err := intField(&fc.hh, 2)
		return err
	case "MI":
		_, err := intField(&fc.mi, 2)
		return err
	case "SS":
		_, err := intField(&fc.ss, 2)
		return err
	case "MS":
		used, err := intField(&fc.ms, 3)
		if err != nil {
			return err
		}
		switch used {
		case 1:
			fc.ms *= 100
		case 2:
			fc.ms *= 10
		}
	case "FF1", "FF2", "FF3", "FF4", "FF5", "FF6", "US":
		size := 6
		if n.raw[0] == 'F' || n.raw[0] == 'f' {
			size = int(n.raw[2] - '0')
		}
		used, err := intField(&fc.us, size)
		if err != nil {
			return err
		}
		for k := used; k < 6; k++ {
			fc.us *= 10
		}
	case "SSSS", "SSSSS":
		_, err := intField(&fc.ssss, len(n.raw))
		return err
	case "TZ", "OF":
		return sqlerr.New(sqlerr.FeatureNotSupported, "formatting field \"%s\" is only supported in to_char", n.raw)
	case "TZH":
		str := *s
		switch {
		case len(str) > 0 && (str[0] == '+' || str[0] == '-' || str[0] == ' '):
			fc.tzsign = 1
			if str[0] == '-' {
				fc.tzsign = -1
			}
			*s = str[1:]
		case *extraSkip > 0 && len(whole) > len(str) && whole[len(whole)-len(str)-1] == '-':
			fc.tzsign = -1
		default:
			fc.tzsign = 1
		}
		_, err := intField(&fc.tzh, 2)
		return err
	case "TZM":
		if fc.tzsign == 0 {
			fc.tzsign = 1
		}
		_, err := intField(&fc.tzm, 2)
		return err
	case "MONTH", "MON":
		words := monthsFull
		if strings.ToUpper(n.raw) == "MON" {
			words = monthsAbbrev
		}
		return fc.nameField(s, words, &fc.mm, n)
	case "DAY", "DY":
		words := daysFull
		if strings.ToUpper(n.raw) == "DY" {
			words = daysAbbrev
		}
		return fc.nameField(s, words, &fc.d, n)
	case "MM":
		_, err := intField(&fc.mm, 2)
		return err
	case "DDD":
		_, err := intField(&fc.ddd, 3)
		return err
	case "IDDD":
		fc.iso = true
		_, err := intField(&fc.ddd, 3)
		return err
	case "DD":
		_, err := intField(&fc.dd, 2)
		return err
	case "D":
		_, err := intField(&fc.d, 1)
		return err
	case "ID":
		fc.iso = true
		if _, err := intField(&fc.d, 1); err != nil {
			return err
		}
		fc.d++
		if fc.d > 7 {
			fc.d = 1
		}
	case "WW":
		_, err := intField(&fc.ww, 2)
		return err
	case "IW":
		fc.iso = true
		_, err := intField(&fc.ww, 2)
		return err
	case "Q":
		var q int
		_, err := intField(&q, 1)
		return err
	case "CC":
		_, err := intField(&fc.cc, 2)
		return err
	case "Y,YYY":
		str := *s
		m, used, ok := strtol(str)
		if used == 0 || !ok || used >= len(str) || str[used] != ',' {
			return errFormat("invalid input string for \"Y,YYY\"")
		}
		rest := str[used+1:]
		k := 0
		for k < len(rest) && k < 3 && rest[k] >= '0' && rest[k] <= '9' {
			k++
		}
		if k == 0 {
			return errFormat("invalid input string for \"Y,YYY\"")
		}
		y, _ := strconv.Atoi(rest[:k])
		if err := fc.setField(&fc.year, int(m)*1000+y, n); err != nil {
			return err
		}
		fc.yysz = 4
		*s = rest[k:]
	case "YYYY", "IYYY":
		if _, err := intField(&fc.year, 4); err != nil {
			return err
		}
		fc.yysz = 4
	case "YYY", "IYY", "YY", "IY", "Y", "I":
		up := strings.TrimPrefix(strings.ToUpper(n.raw), "I")
		size := len(up)
		if size == 0 {
			size = 1
		}
		var y int
		used, err := parseYear(s, size, nodes, i, *fx, &y)
		if err != nil {
			return err
		}
		if used < 4 {
			y = adjustPartialYear(y)
		}
		if err := fc.setField(&fc.year, y, n); err != nil {
			return err
		}
		fc.yysz = size
	case "RM":
		words := make([]string, 12)
		for k, r := range rmUpper {
			words[k] = strings.ToLower(r)
		}
		// Longer numerals first so that "VIII" is not read as "V".
		best, bl := -1, 0
		for k, w := range words {
			if len(*s) >= len(w) && strings.EqualFold((*s)[:len(w)], w) && len(w) > bl {
				best, bl = k, len(w)
			}
		}
		if best < 0 {
			return errNoMatch(*s, n)
		}
		*s = (*s)[bl:]
		return fc.setField(&fc.mm, 12-best, n)
	case "W":
		_, err := intField(&fc.w, 1)
		return err
	case "J":
		_, err := intField(&fc.j, 1)
		return err
	}
	return nil
}

func parseYear(s *string, size int, nodes []fmtNode, i int, fx bool, y *int) (int, error) {
	v, used, err := parseIntField(s, size, nodes, i, fx)
	if err != nil {
		return 0, err
	}
	*y = v
	return used, nil
}

// errFieldRange is the datetime "field value out of range" error for the
// whole input string.
func errFieldRange(in string) error {
	return sqlerr.New(sqlerr.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", in)
}

// toTimestampFields turns parsed fields into an astronomical date and a
// time of day, as Postgres's do_to_timestamp.
func toTimestampFields(in string, fc *fromChar) (year, mon, mday int, tod int64, err error) {
	year, mon, mday = 0, 1, 1
	var hour, min, sec int
	if fc.ssss != 0 {
		x := fc.ssss
		hour = x / 3600
		x %= 3600
		min = x / 60
		sec = x % 60
	}
	if fc.ss != 0 {
		sec = fc.ss
	}
	if fc.mi != 0 {
		min = fc.mi
	}
	if fc.hh != 0 {
		hour = fc.hh
	}
	if fc.clock12 {
		if hour < 1 || hour > 12 {
			return 0, 0, 0, 0, errFormat("hour \"%d\" is invalid for the 12-hour clock", hour).
				WithHint("Use the 24-hour clock, or give an hour between 1 and 12.")
		}
		if fc.pm && hour < 12 {
			hour += 12
		} else if !fc.pm && hour == 12 {
			hour = 0
		}
	}
	dated := false
	switch {
	case fc.year != 0:
		dated = true
		if fc.cc != 0 && fc.yysz <= 2 {
			cc := fc.cc
			if fc.bc != 0 {
				cc = -cc
			}
			year = fc.year % 100
			if year != 0 {
				if cc >= 0 {
					year += (cc - 1) * 100
				} else {
					year = (cc+1)*100 - year + 1
				}
			} else {
				year = cc * 100
				if cc < 0 {
					year++
				}
			}
		} else {
			year = fc.year
			if fc.bc != 0 {
				year = -year
			}
			if year < 0 {
				year++
			}
		}
	case fc.cc != 0:
		dated = true
		cc := fc.cc
		if fc.bc != 0 {
			cc = -cc
		}
		if cc >= 0 {
			year = (cc-1)*100 + 1
		} else {
			year = cc*100 + 1
		}
	}
	if fc.j != 0 {
		dated = true
		t := time.Unix(int64(fc.j-2440588)*86400, 0).UTC()
		year, mon, mday = t.Year(), int(t.Month()), t.Day()
	}
	ddd := fc.ddd
	if fc.ww != 0 {
		if fc.iso {
			// ISO week (and day of week when given) within the ISO year.
			j := isoweek2j(year, fc.ww)
			if fc.d != 0 {
				d := fc.d - 1
				if d == 0 {
					d = 7
				}
				j += d - 1
			}
			t := time.Unix(int64(j-2440588)*86400, 0).UTC()
			year, mon, mday = t.Year(), int(t.Month()), t.Day()
		} else {
			ddd = (fc.ww-1)*7 + 1
		}
	}
	dd := fc.dd
	if fc.w != 0 {
		dd = (fc.w-1)*7 + 1
	}
	if dd != 0 {
		dated = true
		mday = dd
	}
	if fc.mm != 0 {
		dated = true
		mon = fc.mm
	}
	if ddd != 0 && (mon <= 1 || mday <= 1) {
		if year == 0 && fc.bc == 0 {
			return 0, 0, 0, 0, errFormat("cannot calculate day of year without year information")
		}
		if fc.iso {
			j := isoweek2j(year, 1) + ddd - 1
			t := time.Unix(int64(j-2440588)*86400, 0).UTC()
			year, mon, mday = t.Year(), int(t.Month()), t.Day()
		} else {
			m, cum := 1, 0
			for m <= 12 && ddd > cum+daysIn(year, m) {
				cum += daysIn(year, m)
				m++
			}
			if mon <= 1 {
				mon = m
			}
			if mday <= 1 {
				mday = ddd - cum
			}
		}
	}
	if dated {
		if mon < 1 || mon > 12 || mday < 1 || mday > 31 || mday > daysIn(year, mon) {
			return 0, 0, 0, 0, errFieldRange(in)
		}
	}
	fsec := int64(fc.ms)*1000 + int64(fc.us)
	if hour < 0 || hour >= 24 || min < 0 || min >= 60 || sec < 0 || sec >= 60 || fsec < 0 || fsec >= types.MicrosPerSecond {
		return 0, 0, 0, 0, errFieldRange(in)
	}
	tod = int64(hour)*types.MicrosPerHour + int64(min)*types.MicrosPerMinute + int64(sec)*types.MicrosPerSecond + fsec
	return year, mon, mday, tod, nil
}

func init() {
	toChar := func(ctx *Context, a []types.Datum) (types.Datum, error) {
		f := a[1].(string)
		if f == "" {
			return nil, nil
		}
		var tm fmtTm
		interval := false
		switch x := a[0].(type) {
		case types.Timestamp:
			tm = tmFromMicros(int64(x))
		case types.Timestamptz:
			loc := ctx.location()
			t := time.UnixMicro(int64(x)).In(loc)
			name, off := t.Zone()
			tm = tmFromMicros(int64(x) + int64(off)*types.MicrosPerSecond)
			tm.gmtoff, tm.zone, tm.hasZone = off, name, true
		case types.Date:
			tm = tmFromMicros(int64(x) * types.MicrosPerDay)
		case types.Interval:
			tm = tmFromInterval(x)
			interval = true
		}
		s, err := formatTemplate(&tm, f, interval)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	for _, t := range []types.Type{tTS, tTZ, tIv} {
		register("to_char", ts(t, tT), tT, strict(toChar))
	}
	register("to_timestamp", ts(tT, tT), tTZ, strict(func(ctx *Context, a []types.Datum) (types.Datum, error) {
		in := a[0].(string)
		fc, err := parseFromTemplate(in, a[1].(string))
		if err != nil {
			return nil, err
		}
		y, m, d, tod, err := toTimestampFields(in, fc)
		if err != nil {
			return nil, err
		}
		local := int64(dateFromYMD(y, m, d))*types.MicrosPerDay + tod
		if fc.tzsign != 0 {
			if fc.tzh < 0 || fc.tzh > 15 {
				return nil, sqlerr.New(sqlerr.DatetimeFieldOverflow, "time zone displacement out of range: \"%s\"", in)
			}
			off := int64(fc.tzsign) * (int64(fc.tzh)*3600 + int64(fc.tzm)*60)
			return types.Timestamptz(local - off*types.MicrosPerSecond), nil
		}
		return localToUTC(local, ctx.location()), nil
	}))
	register("to_date", ts(tT, tT), tD, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		in := a[0].(string)
		fc, err := parseFromTemplate(in, a[1].(string))
		if err != nil {
			return nil, err
		}
		y, m, d, _, err := toTimestampFields(in, fc)
		if err != nil {
			return nil, err
		}
		return dateFromYMD(y, m, d), nil
	}))
}

// nameField formats a month or day name for the template keyword raw
// (MONTH/Month/month/MON/…, DAY/…/DY/…): the full name when raw spells
// fullKw in any case, else its first three letters; upper or lower case
// when raw is all one case, capitalised otherwise; a full name is padded
// to 9 characters unless fill mode (FM/TM) is on.
func nameField(name, raw, fullKw string, fill bool) string {
	full := strings.EqualFold(raw, fullKw)
	if !full {
		name = name[:3]
	}
	switch raw {
	case strings.ToUpper(raw):
		name = strings.ToUpper(name)
	case strings.ToLower(raw):
		name = strings.ToLower(name)
	}
	if full && !fill {
		name = padRightTo(name, 9)
	}
	return name
}

// monthsAbbrev and daysAbbrev are the three-letter names MON and DY read.
var (
	monthsAbbrev = abbreviate(monthsFull)
	daysAbbrev   = abbreviate(daysFull)
)

func abbreviate(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n[:3]
	}
	return out
}

// eraMarker renders a two-letter marker pattern (AM/PM, AD/BC) in the
// spelling of raw: upper or lower case, with or without periods ("A.M.",
// "p.m."); pickSecond picks the second marker.
func eraMarker(raw, first, second string, pickSecond bool) string {
	m := first
	if pickSecond {
		m = second
	}
	if raw[0] >= 'a' && raw[0] <= 'z' {
		m = strings.ToLower(m)
	}
	if len(raw) == 4 {
		m = m[:1] + "." + m[1:] + "."
	}
	return m
}
