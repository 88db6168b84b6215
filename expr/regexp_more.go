package expr

import (
	"strings"
	"unicode/utf8"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// This file holds regexp_like, regexp_instr and regexp_substr (Postgres
// 15's additions).

func init() {
	like := func(_ *Context, a []types.Datum) (types.Datum, error) {
		flags := ""
		if len(a) > 2 {
			flags = a[2].(string)
		}
		if strings.Contains(flags, "g") {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "regexp_like() does not support the \"global\" option")
		}
		r, err := compileRegex(a[1].(string), flags)
		if err != nil {
			return nil, err
		}
		return r.MatchString(a[0].(string)), nil
	}
	register("regexp_like", ts(tT, tT), tB, strict(like))
	register("regexp_like", ts(tT, tT, tT), tB, strict(like))

	// regexp_instr(s, pattern [, start [, n [, endoption [, flags [, subexpr]]]]])
	instr := func(_ *Context, a []types.Datum) (types.Datum, error) {
		start, n, endopt, flags, sub := int64(1), int64(1), int64(0), "", int64(0)
		if len(a) > 2 {
			start = a[2].(int64)
		}
		if len(a) > 3 {
			n = a[3].(int64)
		}
		if len(a) > 4 {
			endopt = a[4].(int64)
		}
		if len(a) > 5 {
			flags = a[5].(string)
		}
		if len(a) > 6 {
			sub = a[6].(int64)
		}
		if endopt != 0 && endopt != 1 {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value for parameter \"endoption\": %d", endopt)
		}
		m, s, err := nthMatch("regexp_instr", a[0].(string), a[1].(string), start, n, flags, sub)
		if err != nil || m == nil {
			return int64(0), err
		}
		pos := m[0]
		if endopt == 1 {
			pos = m[1]
		}
		return int64(utf8.RuneCountInString(s[:pos]) + 1), nil
	}
	register("regexp_instr", ts(tT, tT), tI4, strict(instr))
	register("regexp_instr", ts(tT, tT, tI4), tI4, strict(instr))
	register("regexp_instr", ts(tT, tT, tI4, tI4), tI4, strict(instr))
	register("regexp_instr", ts(tT, tT, tI4, tI4, tI4), tI4, strict(instr))
	register("regexp_instr", ts(tT, tT, tI4, tI4, tI4, tT), tI4, strict(instr))
	register("regexp_instr", ts(tT, tT, tI4, tI4, tI4, tT, tI4), tI4, strict(instr))

	// regexp_substr(s, pattern [, start [, n [, flags [, subexpr]]]])
	substr := func(_ *Context, a []types.Datum) (types.Datum, error) {
		start, n, flags, sub := int64(1), int64(1), "", int64(0)
		if len(a) > 2 {
			start = a[2].(int64)
		}
		if len(a) > 3 {
			n = a[3].(int64)
		}
		if len(a) > 4 {
			flags = a[4].(string)
		}
		if len(a) > 5 {
			sub = a[5].(int64)
		}
		m, s, err := nthMatch("regexp_substr", a[0].(string), a[1].(string), start, n, flags, sub)
		if err != nil || m == nil {
			return nil, err
		}
		return s[m[0]:m[1]], nil
	}
	register("regexp_substr", ts(tT, tT), tT, strict(substr))
	register("regexp_substr", ts(tT, tT, tI4), tT, strict(substr))
	register("regexp_substr", ts(tT, tT, tI4, tI4), tT, strict(substr))
	register("regexp_substr", ts(tT, tT, tI4, tI4, tT), tT, strict(substr))
	register("regexp_substr", ts(tT, tT, tI4, tI4, tT, tI4), tT, strict(substr))
}

// nthMatch finds the n-th match of pattern in s at or after character
// start and returns the byte range of the match, or of its subexpression
// sub when sub > 0 (nil when there is none), and s.
func nthMatch(fn, s, pattern string, start, n int64, flags string, sub int64) ([]int, string, error) {
	if start <= 0 {
		return nil, s, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value for parameter \"start\": %d", start)
	}
	if n <= 0 {
		return nil, s, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value for parameter \"n\": %d", n)
	}
	if sub < 0 {
		return nil, s, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value for parameter \"subexpr\": %d", sub)
	}
	if strings.Contains(flags, "g") {
		return nil, s, sqlerr.New(sqlerr.InvalidParameterValue, "%s() does not support the \"global\" option", fn)
	}
	r, err := compileRegex(pattern, flags)
	if err != nil {
		return nil, s, err
	}
	// The byte offset of character start.
	off := 0
	for i := int64(1); i < start; i++ {
		if off >= len(s) {
			return nil, s, nil
		}
		_, size := utf8.DecodeRuneInString(s[off:])
		off += size
	}
	ms := r.FindAllStringSubmatchIndex(s[off:], -1)
	if int64(len(ms)) < n {
		return nil, s, nil
	}
	m := ms[n-1]
	if int(sub)*2+1 >= len(m) {
		return nil, s, nil // no such subexpression
	}
	lo, hi := m[2*sub], m[2*sub+1]
	if lo < 0 {
		return nil, s, nil
	}
	return []int{lo + off, hi + off}, s, nil
}
