package expr

import (
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// AggCall describes one aggregate call over input columns (the planner
// projects arguments into columns first).
type AggCall struct {
	Name     string       // lower-case: count, sum, avg, min, max, array_agg, string_agg, bool_and, bool_or, every, stddev_pop, stddev_samp, var_pop, var_samp, jsonb_agg…
	Args     []int        // input column positions; empty for count(*)
	ArgTypes []types.Type // types of the argument columns
	Distinct bool
	Filter   int       // input column holding the FILTER (WHERE …) boolean, or -1
	OrderBy  []SortKey // ORDER BY inside the call (array_agg(x ORDER BY y))
	Type     types.Type
}

// SortKey is one ORDER BY key over an input column.
type SortKey struct {
	Col        int
	Desc       bool
	NullsFirst bool
}

// String renders the call for EXPLAIN, e.g. "sum($1)" or "count(*)".
func (a AggCall) String() string {
	s := a.Name + "("
	if a.Distinct {
		s += "distinct "
	}
	if len(a.Args) == 0 {
		s += "*"
	}
	for i, c := range a.Args {
		if i > 0 {
			s += ", "
		}
		s += "$" + itoa(int64(c))
	}
	if len(a.OrderBy) > 0 {
		s += " order by"
		for i, k := range a.OrderBy {
			if i > 0 {
				s += ","
			}
			s += " $" + itoa(int64(k.Col))
			if k.Desc {
				s += " desc"
			}
		}
	}
	s += ")"
	if a.Filter >= 0 {
		s += " filter(where $" + itoa(int64(a.Filter)) + ")"
	}
	return s
}

var aggNames = map[string]bool{
	"count": true, "sum": true, "avg": true, "min": true, "max": true, "array_agg": true, "string_agg": true,
	"bool_and": true, "bool_or": true, "every": true, "stddev": true, "stddev_pop": true, "stddev_samp": true,
	"variance": true, "var_pop": true, "var_samp": true, "jsonb_agg": true, "json_agg": true,
	"jsonb_object_agg": true, "json_object_agg": true, "bit_and": true, "bit_or": true, "bit_xor": true,
	"percentile_cont": true, "percentile_disc": true, "mode": true,
	"first_value": false, "last_value": false,
}

// IsOrderedSetAggregate reports whether name is an ordered-set aggregate,
// called as name(direct args) WITHIN GROUP (ORDER BY x).
func IsOrderedSetAggregate(name string) bool {
	switch name {
	case "percentile_cont", "percentile_disc", "mode":
		return true
	}
	return false
}

// AggNeedsMultiset reports whether a streaming aggregation keeps call's
// input multiset in its own state table (the layout rules of
// docs/dev/contracts.md): aggregates computed from the sorted multiset
// (array_agg, string_agg, jsonb_agg, jsonb_object_agg, first_value,
// last_value, bit_and/bit_or/bit_xor, the ordered-set aggregates), min and
// max over retractable input, and every DISTINCT call.
func AggNeedsMultiset(call AggCall, appendOnly bool) bool {
	switch call.Name {
	case "array_agg", "string_agg", "jsonb_agg", "json_agg", "jsonb_object_agg", "json_object_agg",
		"first_value", "last_value", "bit_and", "bit_or", "bit_xor", "percentile_cont", "percentile_disc", "mode":
		return true
	case "min", "max":
		return !appendOnly
	}
	return call.Distinct
}

// IsAggregate reports whether name is an aggregate function.
func IsAggregate(name string) bool { return aggNames[name] }

var windowNames = map[string]bool{
	"row_number": true, "rank": true, "dense_rank": true, "percent_rank": true, "cume_dist": true,
	"ntile": true, "lag": true, "lead": true, "first_value": true, "last_value": true, "nth_value": true,
}

// IsWindowFunc reports whether name is a window-only function (aggregates
// can be used as window functions too; see IsAggregate).
func IsWindowFunc(name string) bool { return windowNames[name] }

// AggReturnType returns the Postgres result type of an aggregate:
// count = bigint; sum(int2/int4) = bigint, sum(int8/numeric) = numeric,
// sum(real) = real, sum(double) = double, sum(interval) = interval;
// avg(int*/numeric) = numeric, avg(float*) = double precision,
// avg(interval) = interval; min/max keep the argument type; array_agg(T) =
// T[]; string_agg = text; bool_and/bool_or/every = boolean; the
// stddev/variance family gives numeric for integer and numeric arguments
// and double precision for floats; jsonb_agg = jsonb.
func AggReturnType(name string, args []types.Type, distinct bool) (types.Type, error) {
	bad := func() (types.Type, error) {
		parts := make([]Expr, len(args))
		for i, t := range args {
			parts[i] = &Literal{T: t}
		}
		return types.Type{}, noFunction(name, parts)
	}
	arg := types.Unknown
	if len(args) > 0 {
		arg = args[0]
		if arg.Kind == types.KindUnknown {
			arg = types.Varchar
		}
	}
	switch name {
	case "count":
		if len(args) > 1 {
			return bad()
		}
		return types.Int64, nil
	case "sum":
		if len(args) != 1 {
			return bad()
		}
		switch arg.Kind {
		case types.KindInt16, types.KindInt32:
			return types.Int64, nil
		case types.KindInt64, types.KindNumeric:
			return types.Numeric, nil
		case types.KindFloat32, types.KindFloat64, types.KindInterval:
			return arg, nil
		}
		return bad()
	case "avg":
		if len(args) != 1 {
			return bad()
		}
		switch {
		case arg.IsInteger() || arg.Kind == types.KindNumeric:
			return types.Numeric, nil
		case arg.IsFloat():
			return types.Float64, nil
		case arg.Kind == types.KindInterval:
			return types.IntervalT, nil
		}
		return bad()
	case "min", "max":
		if len(args) != 1 || arg.Kind == types.KindJSONB {
			return bad()
		}
		return arg, nil
	case "first_value", "last_value":
		if len(args) != 1 {
			return bad()
		}
		return arg, nil
	case "array_agg":
		if len(args) != 1 {
			return bad()
		}
		return types.ArrayOf(arg), nil
	case "string_agg":
		if len(args) != 2 {
			return bad()
		}
		if arg.Kind == types.KindBytea {
			return types.Bytea, nil
		}
		if arg.Kind != types.KindVarchar {
			return bad()
		}
		return types.Varchar, nil
	case "bool_and", "bool_or", "every":
		if len(args) != 1 || arg.Kind != types.KindBool {
			return bad()
		}
		return types.Bool, nil
	case "bit_and", "bit_or", "bit_xor":
		if len(args) != 1 || !arg.IsInteger() {
			return bad()
		}
		return arg, nil
	case "percentile_cont":
		// args: the ORDER BY value, the fraction.
		if len(args) != 2 {
			return bad()
		}
		if arg.Kind == types.KindInterval {
			return arg, nil
		}
		return types.Float64, nil
	case "percentile_disc", "mode":
		if len(args) < 1 {
			return bad()
		}
		return arg, nil
	case "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp":
		if len(args) != 1 {
			return bad()
		}
		switch {
		case arg.IsInteger() || arg.Kind == types.KindNumeric:
			return types.Numeric, nil
		case arg.IsFloat():
			return types.Float64, nil
		}
		return bad()
	case "jsonb_agg", "json_agg":
		if len(args) != 1 {
			return bad()
		}
		return types.JSONBT, nil
	case "jsonb_object_agg", "json_object_agg":
		if len(args) != 2 {
			return bad()
		}
		return types.JSONBT, nil
	}
	if windowNames[name] {
		switch name {
		case "row_number", "rank", "dense_rank", "ntile":
			return types.Int64, nil
		case "percent_rank", "cume_dist":
			return types.Float64, nil
		case "lag", "lead", "nth_value":
			return arg, nil
		}
	}
	return types.Type{}, sqlerr.New(sqlerr.UndefinedFunction, "function %s does not exist", name)
}

// AggArgType returns the type an aggregate's argument should be cast to
// before accumulation (unknown literals become text), so the planner can
// project it.
func AggArgType(name string, arg types.Type) types.Type {
	if arg.Kind == types.KindUnknown {
		return types.Varchar
	}
	return arg
}
