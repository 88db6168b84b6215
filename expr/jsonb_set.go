package expr

import (
	"strconv"
	"strings"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// This file holds jsonb_set(target, path, new [, create_missing]) and the
// path deletion operator #-.

func init() {
	set := func(_ *Context, a []types.Datum) (types.Datum, error) {
		create := true
		if len(a) > 3 {
			create = a[3].(bool)
		}
		r, err := jsonSetPath(jsonArg(a[0]), a[1].(types.Array), 0, jsonArg(a[2]), create)
		if err != nil {
			return nil, err
		}
		return jsonbOut(r), nil
	}
	register("jsonb_set", ts(tJ, tTA, tJ), tJ, strict(set))
	register("jsonb_set", ts(tJ, tTA, tJ, tB), tJ, strict(set))
	register("#-", ts(tJ, tTA), tJ, strict(func(_ *Context, a []types.Datum) (types.Datum, error) {
		r, err := jsonSetPath(jsonArg(a[0]), a[1].(types.Array), 0, nil, false)
		if err != nil {
			return nil, err
		}
		return jsonbOut(r), nil
	}))
}

// jsonSetPath returns v with the value at path[i:] replaced by nv (or
// removed when nv is nil), as jsonb_set and #- do: a missing last key or an
// array index past either end is added when create is set; a missing
// intermediate step leaves v unchanged.
func jsonSetPath(v *jv, path types.Array, i int, nv *jv, create bool) (*jv, error) {
	if len(path) == 0 {
		return v, nil // an empty path changes nothing
	}
	if v.kind != 'o' && v.kind != 'a' {
		if i == 0 {
			if nv == nil {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "cannot delete path in scalar")
			}
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "cannot set path in scalar")
		}
		return v, nil
	}
	if path[i] == nil {
		return nil, sqlerr.New(sqlerr.NullValueNotAllowed, "path element at position %d is null", i+1)
	}
	key := path[i].(string)
	last := i == len(path)-1
	if v.kind == 'o' {
		out := &jv{kind: 'o'}
		found := false
		for k, name := range v.keys {
			child := v.vals[k]
			if name == key {
				found = true
				if last {
					if nv == nil {
						continue
					}
					child = nv
				} else {
					c, err := jsonSetPath(child, path, i+1, nv, create)
					if err != nil {
						return nil, err
					}
					child = c
				}
			}
			out.keys = append(out.keys, name)
			out.vals = append(out.vals, child)
		}
		if !found && last && nv != nil && create {
			out.keys = append(out.keys, key)
			out.vals = append(out.vals, nv)
			sortObject(out)
		}
		return out, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(key))
	if err != nil {
		if nv == nil {
			return nil, sqlerr.New(sqlerr.InvalidTextRepresentation, "path element at position %d is not an integer: %q", i+1, key)
		}
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "path element at position %d is not an integer: %q", i+1, key)
	}
	size := len(v.arr)
	idx := n
	if idx < 0 {
		idx += size
	}
	out := &jv{kind: 'a'}
	if idx < 0 || idx >= size {
		out.arr = append(out.arr, v.arr...)
		if last && nv != nil && create {
			if idx < 0 {
				out.arr = append([]*jv{nv}, out.arr...)
			} else {
				out.arr = append(out.arr, nv)
			}
		}
		return out, nil
	}
	for k, e := range v.arr {
		if k == idx {
			if last {
				if nv == nil {
					continue
				}
				e = nv
			} else {
				c, err := jsonSetPath(e, path, i+1, nv, create)
				if err != nil {
					return nil, err
				}
				e = c
			}
		}
		out.arr = append(out.arr, e)
	}
	return out, nil
}

// sortObject puts an object's keys in jsonb order (shorter first, then
// bytewise).
func sortObject(o *jv) {
	m := make(map[string]*jv, len(o.keys))
	for i, k := range o.keys {
		m[k] = o.vals[i]
	}
	sortKeys(o.keys)
	for i, k := range o.keys {
		o.vals[i] = m[k]
	}
}
