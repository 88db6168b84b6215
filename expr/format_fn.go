package expr

import (
	"strconv"
	"strings"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// This file holds format(formatstr, args…), Postgres's printf-like
// string formatting.

func init() {
	register("format", ts(tT), tT, &impl{nonNull: true, row: formatRow})
	register("format", ts(tT, tAny), tT, &impl{nonNull: true, row: formatRow}).variadic = true
}

func formatErr(format string, args ...any) *sqlerr.Error {
	return sqlerr.New(sqlerr.InvalidParameterValue, format, args...)
}

// formatRow evaluates format(): a[0] is the format string (NULL gives
// NULL), a[1:] the arguments. Specifiers are %[n$][-][width]{s,I,L}, where
// width is digits, * (the next argument) or *m$; %% is a percent sign. A
// NULL argument prints as nothing for %s and as NULL for %L, and is an
// error for %I.
func formatRow(ctx *Context, a []types.Datum) (types.Datum, error) {
	if a[0] == nil {
		return nil, nil
	}
	f := a[0].(string)
	args := a[1:]
	var b strings.Builder
	next := 0 // index of the next argument taken in order
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			b.WriteByte(f[i])
			continue
		}
		i++
		if i >= len(f) {
			return nil, formatErr("unterminated format() type specifier").WithHint(`For a single "%" use "%%".`)
		}
		if f[i] == '%' {
			b.WriteByte('%')
			continue
		}
		// number reads digits at f[i:]; it returns -1 when there are none.
		number := func() (int, error) {
			j := i
			for j < len(f) && f[j] >= '0' && f[j] <= '9' {
				j++
			}
			if j == i {
				return -1, nil
			}
			n, err := strconv.Atoi(f[i:j])
			if err != nil || n > 1<<30 {
				return 0, formatErr("number is out of range")
			}
			i = j
			return n, nil
		}
		end := func() error {
			if i >= len(f) {
				return formatErr("unterminated format() type specifier").WithHint(`For a single "%" use "%%".`)
			}
			return nil
		}
		argPos := -1
		// An explicit argument position n$.
		save := i
		n, err := number()
		if err != nil {
			return nil, err
		}
		if err := end(); err != nil {
			return nil, err
		}
		if n >= 0 && f[i] == '$' {
			if n == 0 {
				return nil, formatErr("format specifies argument 0, but arguments are numbered from 1")
			}
			argPos = n - 1
			i++
		} else {
			i = save
		}
		if err := end(); err != nil {
			return nil, err
		}
		left := false
		if f[i] == '-' {
			left = true
			i++
		}
		if err := end(); err != nil {
			return nil, err
		}
		width := 0
		if f[i] == '*' {
			// The width comes from an argument: the next one or *m$.
			i++
			wpos := next
			m, err := number()
			if err != nil {
				return nil, err
			}
			if m >= 0 {
				if err := end(); err != nil {
					return nil, err
				}
				if f[i] != '$' {
					return nil, formatErr("unterminated format() type specifier").WithHint(`For a single "%" use "%%".`)
				}
				if m == 0 {
					return nil, formatErr("format specifies argument 0, but arguments are numbered from 1")
				}
				wpos = m - 1
				i++
			}
			if wpos >= len(args) {
				return nil, formatErr("too few arguments for format()")
			}
			next = wpos + 1
			if w := args[wpos]; w != nil {
				var wv int64
				switch x := w.(type) {
				case int64:
					wv = x
				default:
					v, err := strconv.ParseInt(strings.TrimSpace(toText(ctx, w, datumType(w))), 10, 64)
					if err != nil {
						return nil, sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid input syntax for type integer: %q", toText(ctx, w, datumType(w)))
					}
					wv = v
				}
				if wv < 0 {
					left = true
					wv = -wv
				}
				if wv > 1<<30 {
					return nil, formatErr("number is out of range")
				}
				width = int(wv)
			}
		} else {
			w, err := number()
			if err != nil {
				return nil, err
			}
			if w > 0 {
				width = w
			}
		}
		if err := end(); err != nil {
			return nil, err
		}
		conv := f[i]
		if conv != 's' && conv != 'I' && conv != 'L' {
			return nil, formatErr("unrecognized format() type specifier \"%c\"", conv).WithHint(`For a single "%" use "%%".`)
		}
		if argPos < 0 {
			argPos = next
		}
		if argPos >= len(args) {
			return nil, formatErr("too few arguments for format()")
		}
		next = argPos + 1
		d := args[argPos]
		var s string
		switch conv {
		case 's':
			if d != nil {
				s = formatArgText(ctx, d)
			}
		case 'I':
			if d == nil {
				return nil, formatErr("null values cannot be formatted as an SQL identifier")
			}
			s = quoteIdentifier(formatArgText(ctx, d))
		case 'L':
			if d == nil {
				s = "NULL"
			} else {
				s = quoteLiteral(formatArgText(ctx, d))
			}
		}
		if pad := width - len([]rune(s)); pad > 0 {
			if left {
				s += strings.Repeat(" ", pad)
			} else {
				s = strings.Repeat(" ", pad) + s
			}
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// formatArgText is an argument's text output (booleans print as t and f,
// as their output function gives them, not as a cast to text does).
func formatArgText(ctx *Context, d types.Datum) string {
	if b, ok := d.(bool); ok {
		if b {
			return "t"
		}
		return "f"
	}
	return toText(ctx, d, datumType(d))
}
