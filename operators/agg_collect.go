package operators

import (
	"math"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// collectMore computes the multiset kinds other than array_agg and
// string_agg from a group's entries, already sorted by the call's ORDER BY
// (WITHIN GROUP) keys and with DISTINCT applied.
func (s *aggSpec) collectMore(es []msEntry) (types.Datum, error) {
	total := int64(0)
	for _, e := range es {
		total += e.count
	}
	if total == 0 {
		return nil, nil
	}
	switch s.kind {
	case aggFirst:
		return es[0].args[0], nil
	case aggLast:
		return es[len(es)-1].args[0], nil
	case aggJSONB:
		vals := make([]types.Datum, 0, total)
		for _, e := range es {
			for range e.count {
				vals = append(vals, e.args[0])
			}
		}
		return expr.JSONBAgg(vals, s.argType), nil
	case aggJSONBObject:
		var keys, vals []types.Datum
		for _, e := range es {
			for range e.count {
				keys = append(keys, e.args[0])
				vals = append(vals, e.args[1])
			}
		}
		return expr.JSONBObjectAgg(keys, s.argType, vals, s.call.ArgTypes[1])
	case aggBitAnd, aggBitOr, aggBitXor:
		var r int64
		first := true
		for _, e := range es {
			v := e.args[0].(int64)
			switch s.kind {
			case aggBitAnd:
				if first {
					r = v
				} else {
					r &= v
				}
			case aggBitOr:
				r |= v
			case aggBitXor:
				if e.count%2 == 1 {
					r ^= v
				}
			}
			first = false
		}
		return r, nil
	case aggMode:
		// The most frequent value; ties go to the first in sort order.
		best, bestN := types.Datum(nil), int64(0)
		for i := 0; i < len(es); {
			j, n := i, int64(0)
			for ; j < len(es) && types.Equal(es[j].args[0], es[i].args[0]); j++ {
				n += es[j].count
			}
			if n > bestN {
				best, bestN = es[i].args[0], n
			}
			i = j
		}
		return best, nil
	case aggPercentileCont, aggPercentileDisc:
		f := es[0].args[1]
		if f == nil {
			return nil, nil
		}
		frac := toFloat(f)
		if frac < 0 || frac > 1 || math.IsNaN(frac) {
			return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "percentile value %s is not between 0 and 1", types.FormatText(f))
		}
		at := func(k int64) types.Datum { // the k-th value (0-based) in order
			for _, e := range es {
				if k < e.count {
					return e.args[0]
				}
				k -= e.count
			}
			return nil
		}
		if s.kind == aggPercentileDisc {
			k := int64(math.Ceil(frac*float64(total))) - 1
			if k < 0 {
				k = 0
			}
			return at(k), nil
		}
		pos := frac * float64(total-1)
		lo, hi := int64(math.Floor(pos)), int64(math.Ceil(pos))
		a, b := at(lo), at(hi)
		if lo == hi {
			if s.call.Type.Kind == types.KindInterval {
				return a, nil
			}
			return toFloat(a), nil
		}
		if s.call.Type.Kind == types.KindInterval {
			d, err := expr.SubDatum(b, a, types.IntervalT)
			if err != nil {
				return nil, err
			}
			d, err = expr.MulDatum(d, pos-float64(lo), types.IntervalT)
			if err != nil {
				return nil, err
			}
			return expr.AddDatum(a, d, types.IntervalT)
		}
		x, y := toFloat(a), toFloat(b)
		return x + (y-x)*(pos-float64(lo)), nil
	}
	return nil, nil
}

func toFloat(d types.Datum) float64 {
	switch x := d.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case *apd.Decimal:
		f, _ := x.Float64()
		return f
	}
	return 0
}
