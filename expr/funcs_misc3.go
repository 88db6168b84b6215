package expr

import (
	"strings"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// This file holds array_replace, array_fill, lcm, num_nulls/num_nonnulls,
// substring(text FROM pattern) and jsonb_pretty.

func init() {
	register("array_replace", ts(tAnyArr, tAnyEl, tAnyEl), tAnyArr, &impl{nonNull: true, row: func(_ *Context, a []types.Datum) (types.Datum, error) {
		if a[0] == nil {
			return nil, nil
		}
		var replace func(arr types.Array) types.Array
		replace = func(arr types.Array) types.Array {
			out := make(types.Array, len(arr))
			for i, e := range arr {
				switch {
				case e == nil && a[1] == nil:
					out[i] = a[2]
				case e == nil || a[1] == nil:
					out[i] = e
				default:
					if sub, ok := e.(types.Array); ok { // a multidimensional array
						out[i] = replace(sub)
					} else if types.Compare(e, a[1]) == 0 {
						out[i] = a[2]
					} else {
						out[i] = e
					}
				}
			}
			return out
		}
		return replace(a[0].(types.Array)), nil
	}})
	register("array_fill", ts(tAnyEl, types.ArrayOf(tI4)), tAnyArr, &impl{nonNull: true, row: func(_ *Context, a []types.Datum) (types.Datum, error) {
		if a[1] == nil {
			return nil, sqlerr.New(sqlerr.NullValueNotAllowed, "dimension array or low bound array cannot be null")
		}
		dims := a[1].(types.Array)
		if len(dims) != 1 {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "array_fill with more than one dimension is not supported")
		}
		if dims[0] == nil {
			return nil, sqlerr.New(sqlerr.NullValueNotAllowed, "dimension values cannot be null")
		}
		n := dims[0].(int64)
		if n < 0 {
			n = 0
		}
		if n > 1<<24 {
			return nil, sqlerr.New(sqlerr.ProgramLimitExceeded, "array size exceeds the maximum allowed")
		}
		out := make(types.Array, n)
		for i := range out {
			out[i] = a[0]
		}
		return out, nil
	}})
	for _, t := range []types.Type{tI2, tI4, tI8} {
		t := t
		register("lcm", ts(t, t), t, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
			x, y := a[0].(int64), a[1].(int64)
			if x == 0 || y == 0 {
				return int64(0), nil
			}
			g, h := x, y
			for h != 0 {
				g, h = h, g%h
			}
			r := x / g * y
			if r/y != x/g {
				return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "%s out of range", t)
			}
			if r < 0 {
				return checkNeg(r, t)
			}
			return r, nil
		}))
	}
	nulls := func(count bool) *impl {
		return &impl{nonNull: true, row: func(_ *Context, a []types.Datum) (types.Datum, error) {
			n := int64(0)
			for _, d := range a {
				if (d == nil) == count {
					n++
				}
			}
			return n, nil
		}}
	}
	register("num_nulls", ts(tAny), tI4, nulls(true)).variadic = true
	register("num_nonnulls", ts(tAny), tI4, nulls(false)).variadic = true
	// substring(text FROM pattern): the part that matches the POSIX
	// pattern, or its first parenthesized subexpression.
	register("substr", ts(tT, tT), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		r, err := compileRegex(a[1].(string), "")
		if err != nil {
			return nil, err
		}
		s := a[0].(string)
		m := r.FindStringSubmatchIndex(s)
		if m == nil {
			return nil, nil
		}
		if len(m) > 2 {
			if m[2] < 0 {
				return nil, nil
			}
			return s[m[2]:m[3]], nil
		}
		return s[m[0]:m[1]], nil
	}))
	register("jsonb_pretty", ts(tJ), tT, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		var b strings.Builder
		jsonPretty(&b, jsonArg(a[0]), 0)
		return b.String(), nil
	}))
}

// jsonPretty writes v indented as jsonb_pretty does: four spaces a level,
// one member or element a line, empty containers as {} and [].
func jsonPretty(b *strings.Builder, v *jv, depth int) {
	ind := func(d int) { b.WriteString(strings.Repeat("    ", d)) }
	switch v.kind {
	case 'o':
		if len(v.keys) == 0 {
			b.WriteString("{\n")
			ind(depth)
			b.WriteString("}")
			return
		}
		b.WriteString("{\n")
		for i, k := range v.keys {
			ind(depth + 1)
			(&jv{kind: 's', str: k}).write(b)
			b.WriteString(": ")
			jsonPretty(b, v.vals[i], depth+1)
			if i < len(v.keys)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		ind(depth)
		b.WriteByte('}')
	case 'a':
		if len(v.arr) == 0 {
			b.WriteString("[\n")
			ind(depth)
			b.WriteString("]")
			return
		}
		b.WriteString("[\n")
		for i, e := range v.arr {
			ind(depth + 1)
			jsonPretty(b, e, depth+1)
			if i < len(v.arr)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		ind(depth)
		b.WriteByte(']')
	default:
		v.write(b)
	}
}
