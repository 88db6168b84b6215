package operators

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// aggKind is the accumulator an aggregate call uses.
type aggKind uint8

const (
	aggCountStar aggKind = iota
	aggCount
	aggSumInt   // integer input: 128-bit sum + count
	aggSumFloat // float input: float64 sum + count
	aggSumAny   // numeric, interval: expr.AddDatum sum + count
	aggAvgInt
	aggAvgFloat
	aggAvgAny
	aggMin
	aggMax
	aggBoolAnd
	aggBoolOr
	aggArray  // array_agg
	aggString // string_agg
	aggVarFloat
	aggVarNum // integer or numeric input: exact numeric sums
	// Kinds computed from the group's sorted multiset at flush (like
	// array_agg): first_value/last_value (ORDER BY), jsonb_agg,
	// jsonb_object_agg, bit_and/bit_or/bit_xor and the ordered-set
	// aggregates percentile_cont/percentile_disc/mode (args: the WITHIN
	// GROUP value, then the fraction).
	aggFirst
	aggLast
	aggJSONB
	aggJSONBObject
	aggBitAnd
	aggBitOr
	aggBitXor
	aggPercentileCont
	aggPercentileDisc
	aggMode
)

// collects reports whether a kind is computed from the multiset by collect.
func (k aggKind) collects() bool {
	switch k {
	case aggArray, aggString, aggFirst, aggLast, aggJSONB, aggJSONBObject, aggBitAnd, aggBitOr, aggBitXor,
		aggPercentileCont, aggPercentileDisc, aggMode:
		return true
	}
	return false
}

// keepsNulls reports whether a multiset kind keeps rows whose first
// argument is NULL.
func (k aggKind) keepsNulls() bool {
	switch k {
	case aggArray, aggFirst, aggLast, aggJSONB, aggJSONBObject:
		return true
	}
	return false
}

// aggSpec is one aggregate call, compiled.
type aggSpec struct {
	call     expr.AggCall
	kind     aggKind
	arg      int        // first argument column, -1 for count(*)
	argType  types.Type // its type
	filter   int        // FILTER column, -1 for none
	multiset bool       // keeps a multiset in its own table
	distinct bool       // the multiset dedups the accumulator's input
	variance string     // var_pop, var_samp, stddev_pop, stddev_samp
}

// aggNeedsTable reports whether a call keeps a multiset table (see the
// layout rules in docs/dev/contracts.md).
func aggNeedsTable(call expr.AggCall, appendOnly bool) bool {
	return expr.AggNeedsMultiset(call, appendOnly)
}

func compileAgg(call expr.AggCall, inputTypes []types.Type, appendOnly bool) (aggSpec, error) {
	s := aggSpec{call: call, arg: -1, filter: call.Filter, multiset: aggNeedsTable(call, appendOnly)}
	if len(call.Args) > 0 {
		s.arg = call.Args[0]
		if s.arg < 0 || s.arg >= len(inputTypes) {
			return s, fmt.Errorf("hashagg: %s: argument column %d out of range", call.Name, s.arg)
		}
		s.argType = inputTypes[s.arg]
	}
	if len(call.ArgTypes) != len(call.Args) {
		return s, fmt.Errorf("hashagg: %s: %d args but %d arg types", call.Name, len(call.Args), len(call.ArgTypes))
	}
	if s.filter >= len(inputTypes) {
		return s, fmt.Errorf("hashagg: %s: FILTER column %d out of range", call.Name, s.filter)
	}
	if s.filter >= 0 && inputTypes[s.filter] != types.Bool {
		return s, fmt.Errorf("hashagg: %s: FILTER column %d has type %s, want boolean", call.Name, s.filter, inputTypes[s.filter])
	}
	for _, o := range call.OrderBy {
		if o.Col < 0 || o.Col >= len(inputTypes) {
			return s, fmt.Errorf("hashagg: %s: ORDER BY column %d out of range", call.Name, o.Col)
		}
	}
	needArg := func(n int) error {
		if len(call.Args) != n {
			return sqlerr.New(sqlerr.UndefinedFunction, "function %s with %d arguments does not exist", call.Name, len(call.Args))
		}
		return nil
	}
	switch call.Name {
	case "count":
		if len(call.Args) == 0 {
			s.kind = aggCountStar
			if call.Distinct {
				return s, fmt.Errorf("hashagg: count(DISTINCT *)")
			}
			return s, nil
		}
		s.kind = aggCount
		return s, needArg(1)
	case "sum", "avg":
		if err := needArg(1); err != nil {
			return s, err
		}
		avg := call.Name == "avg"
		switch {
		case s.argType.IsInteger():
			s.kind = pick(avg, aggAvgInt, aggSumInt)
		case s.argType.IsFloat():
			s.kind = pick(avg, aggAvgFloat, aggSumFloat)
		case s.argType.Kind == types.KindNumeric, s.argType.Kind == types.KindInterval:
			s.kind = pick(avg, aggAvgAny, aggSumAny)
		default:
			return s, sqlerr.New(sqlerr.UndefinedFunction, "function %s(%s) does not exist", call.Name, s.argType)
		}
		return s, nil
	case "min", "max":
		s.kind = pick(call.Name == "min", aggMin, aggMax)
		s.distinct = false // min(DISTINCT x) = min(x)
		return s, needArg(1)
	case "bool_and", "every":
		s.kind = aggBoolAnd
		return s, needArg(1)
	case "bool_or":
		s.kind = aggBoolOr
		return s, needArg(1)
	case "array_agg":
		s.kind = aggArray
		return s, needArg(1)
	case "string_agg":
		s.kind = aggString
		return s, needArg(2)
	case "first_value", "last_value":
		s.kind = pick(call.Name == "first_value", aggFirst, aggLast)
		return s, needArg(1)
	case "jsonb_agg", "json_agg":
		s.kind = aggJSONB
		return s, needArg(1)
	case "jsonb_object_agg", "json_object_agg":
		s.kind = aggJSONBObject
		return s, needArg(2)
	case "bit_and", "bit_or", "bit_xor":
		if !s.argType.IsInteger() {
			return s, sqlerr.New(sqlerr.UndefinedFunction, "function %s(%s) does not exist", call.Name, s.argType)
		}
		s.kind = map[string]aggKind{"bit_and": aggBitAnd, "bit_or": aggBitOr, "bit_xor": aggBitXor}[call.Name]
		return s, needArg(1)
	case "percentile_cont", "percentile_disc":
		s.kind = pick(call.Name == "percentile_cont", aggPercentileCont, aggPercentileDisc)
		if len(call.OrderBy) != 1 {
			return s, fmt.Errorf("hashagg: %s needs one WITHIN GROUP key", call.Name)
		}
		return s, needArg(2)
	case "mode":
		s.kind = aggMode
		if len(call.OrderBy) != 1 {
			return s, fmt.Errorf("hashagg: mode needs one WITHIN GROUP key")
		}
		return s, needArg(1)
	case "var_pop", "var_samp", "variance", "stddev_pop", "stddev_samp", "stddev":
		if err := needArg(1); err != nil {
			return s, err
		}
		switch {
		case s.argType.IsFloat():
			s.kind = aggVarFloat
		case s.argType.IsInteger(), s.argType.Kind == types.KindNumeric:
			s.kind = aggVarNum
		default:
			return s, sqlerr.New(sqlerr.UndefinedFunction, "function %s(%s) does not exist", call.Name, s.argType)
		}
		s.variance = map[string]string{"variance": "var_samp", "stddev": "stddev_samp"}[call.Name]
		if s.variance == "" {
			s.variance = call.Name
		}
		return s, nil
	}
	return s, sqlerr.New(sqlerr.FeatureNotSupported, "aggregate %s is not supported in streaming queries", call.Name)
}

func pick(c bool, a, b aggKind) aggKind {
	if c {
		return a
	}
	return b
}

// finishSpec sets the distinct flag once the kind is known.
func (s *aggSpec) finish() {
	switch {
	case s.kind == aggMin, s.kind == aggMax, s.kind.collects():
		s.distinct = false
	default:
		s.distinct = s.call.Distinct
	}
}

// acc is the accumulator of one call in one group. Which fields are used
// depends on the kind.
type acc struct {
	n      int64       // rows accumulated (non-NULL inputs; all rows for count(*))
	hi     int64       // 128-bit integer sum, high word
	lo     uint64      // 128-bit integer sum, low word
	f, f2  float64     // float sum, sum of squares
	t      int64       // bool: number of TRUE inputs
	d      types.Datum // aggSumAny/aggAvgAny/aggVarNum: the sum; min/max: the current value
	d2     types.Datum // aggVarNum: the sum of squares
	rescan bool        // the multiset changed: recompute from the table at flush
	// scales counts the inputs of a numeric sum/avg by display scale.
	// Postgres shows a sum with the largest scale among the values it
	// holds, so a retraction can shrink it: 0.5 + 1.25 - 1.25 is 0.5, not
	// 0.50. The sum is kept exact and rescaled at output.
	scales []scaleCount
}

// scaleCount is how many inputs of a numeric sum have one display scale.
type scaleCount struct {
	scale int32
	n     int64
}

// addScale counts a numeric input (weight w) under its display scale.
func (a *acc) addScale(d *apd.Decimal, w int64) {
	sc := max(-d.Exponent, 0)
	for i := range a.scales {
		if a.scales[i].scale == sc {
			a.scales[i].n += w
			if a.scales[i].n == 0 {
				a.scales = append(a.scales[:i], a.scales[i+1:]...)
			}
			return
		}
	}
	a.scales = append(a.scales, scaleCount{sc, w})
}

// displaySum returns the numeric sum with the display scale of the inputs
// it holds (unchanged when no scales are known: state from before they
// were kept).
func (a *acc) displaySum() (types.Datum, error) {
	d, ok := a.d.(*apd.Decimal)
	if !ok || len(a.scales) == 0 || d.Form != apd.Finite {
		return a.d, nil
	}
	var sc int32
	for _, s := range a.scales {
		sc = max(sc, s.scale)
	}
	if -d.Exponent == sc {
		return d, nil
	}
	out := new(apd.Decimal)
	c := apd.BaseContext.WithPrecision(uint32(d.NumDigits()) + uint32(max(sc, 0)) + 2)
	if _, err := c.Quantize(out, d, -sc); err != nil {
		return nil, fmt.Errorf("hashagg: rescale sum: %w", err)
	}
	return out, nil
}

func (a *acc) addInt(v int64, w int64) {
	if w > 0 {
		var c uint64
		a.lo, c = bits.Add64(a.lo, uint64(v), 0)
		a.hi += (v >> 63) + int64(c)
	} else {
		var b uint64
		a.lo, b = bits.Sub64(a.lo, uint64(v), 0)
		a.hi -= (v >> 63) + int64(b)
	}
	a.n += w
}

// sumInt returns the 128-bit sum as an int64 (ok) or a decimal.
func (a *acc) sumInt() (int64, *apd.Decimal, bool) {
	if a.hi == int64(a.lo)>>63 {
		return int64(a.lo), nil, true
	}
	bi := new(big.Int).SetInt64(a.hi)
	bi.Lsh(bi, 64)
	bi.Add(bi, new(big.Int).SetUint64(a.lo))
	return 0, apd.NewWithBigInt(new(apd.BigInt).SetMathBigInt(bi), 0), false
}

// update adds one input row's argument values (with weight w = ±1) to the
// accumulator; args[0] is the argument. Used for every kind that does not
// keep a multiset, and for the values a DISTINCT multiset lets through.
func (s *aggSpec) update(a *acc, args types.Row, w int64) error {
	if s.kind == aggCountStar {
		a.n += w
		return nil
	}
	v := args[0]
	if v == nil {
		return nil
	}
	switch s.kind {
	case aggCount:
		a.n += w
	case aggSumInt, aggAvgInt:
		a.addInt(v.(int64), w)
	case aggSumFloat, aggAvgFloat:
		a.f += float64(w) * v.(float64)
		a.n += w
		if a.n == 0 {
			a.f = 0 // drop rounding residue
		}
	case aggVarFloat:
		x := v.(float64)
		a.f += float64(w) * x
		a.f2 += float64(w) * x * x
		a.n += w
		if a.n == 0 {
			a.f, a.f2 = 0, 0
		}
	case aggSumAny, aggAvgAny:
		if dv, ok := v.(*apd.Decimal); ok {
			a.addScale(dv, w)
		}
		var err error
		switch {
		case a.d == nil && w > 0:
			a.d = v
		case a.d == nil:
			a.d, err = expr.SubDatum(zeroOf(s.argType), v, s.argType)
		case w > 0:
			a.d, err = expr.AddDatum(a.d, v, s.argType)
		default:
			a.d, err = expr.SubDatum(a.d, v, s.argType)
		}
		if err != nil {
			return err
		}
		a.n += w
		if a.n == 0 {
			a.d, a.scales = nil, a.scales[:0]
		}
	case aggVarNum:
		x := toDecimal(v)
		sq, err := expr.MulDatum(x, x, types.Numeric)
		if err != nil {
			return err
		}
		if a.d == nil {
			a.d, a.d2 = new(apd.Decimal), new(apd.Decimal)
		}
		op := expr.AddDatum
		if w < 0 {
			op = expr.SubDatum
		}
		if a.d, err = op(a.d, x, types.Numeric); err != nil {
			return err
		}
		if a.d2, err = op(a.d2, sq, types.Numeric); err != nil {
			return err
		}
		a.n += w
		if a.n == 0 {
			a.d, a.d2 = nil, nil
		}
	case aggBoolAnd, aggBoolOr:
		a.n += w
		if v.(bool) {
			a.t += w
		}
	case aggMin, aggMax:
		// Append-only input (no multiset): keep the extreme.
		if w < 0 {
			return fmt.Errorf("hashagg: %s: retraction on an append-only input", s.call.Name)
		}
		if a.d == nil || s.better(v, a.d) {
			a.d = v
		}
	default:
		return fmt.Errorf("hashagg: %s: no row update for kind %d", s.call.Name, s.kind)
	}
	return nil
}

// better reports whether v should replace cur as the min (max).
func (s *aggSpec) better(v, cur types.Datum) bool {
	c := expr.CompareTyped(v, cur, s.argType)
	if s.kind == aggMin {
		return c < 0
	}
	return c > 0
}

func zeroOf(t types.Type) types.Datum {
	switch t.Kind {
	case types.KindNumeric:
		return new(apd.Decimal)
	case types.KindInterval:
		return types.Interval{}
	case types.KindFloat32, types.KindFloat64:
		return 0.0
	}
	return int64(0)
}

// result returns the aggregate's output from its accumulator. prev is the
// previous output value (used by kinds recomputed only when dirty).
func (s *aggSpec) result(a *acc) (types.Datum, error) {
	t := s.call.Type
	switch s.kind {
	case aggCountStar, aggCount:
		return a.n, nil
	case aggSumInt, aggAvgInt:
		if a.n == 0 {
			return nil, nil
		}
		v, d, ok := a.sumInt()
		if s.kind == aggSumInt {
			if t.IsInteger() {
				if !ok {
					return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "bigint out of range")
				}
				return v, nil
			}
			if ok {
				return apd.New(v, 0), nil
			}
			return d, nil
		}
		if ok {
			d = apd.New(v, 0)
		}
		return expr.DivDatum(d, a.n, t)
	case aggSumFloat:
		if a.n == 0 {
			return nil, nil
		}
		return a.f, nil
	case aggAvgFloat:
		if a.n == 0 {
			return nil, nil
		}
		return a.f / float64(a.n), nil
	case aggSumAny:
		if a.n == 0 {
			return nil, nil
		}
		return a.displaySum()
	case aggAvgAny:
		if a.n == 0 {
			return nil, nil
		}
		sum, err := a.displaySum()
		if err != nil {
			return nil, err
		}
		return expr.DivDatum(sum, a.n, t)
	case aggMin, aggMax:
		return a.d, nil
	case aggBoolAnd:
		if a.n == 0 {
			return nil, nil
		}
		return a.t == a.n, nil
	case aggBoolOr:
		if a.n == 0 {
			return nil, nil
		}
		return a.t > 0, nil
	case aggVarFloat:
		return varianceResult(s.variance, a.n, a.f, a.f2), nil
	case aggVarNum:
		if a.n == 0 {
			return nil, nil
		}
		return numericVariance(s.variance, a.n, toDecimal(a.d), toDecimal(a.d2))
	}
	return nil, fmt.Errorf("hashagg: %s: no result for kind %d", s.call.Name, s.kind)
}

func varianceResult(fn string, n int64, sum, sumsq float64) types.Datum {
	samp := strings.HasSuffix(fn, "_samp")
	if n == 0 || (samp && n == 1) {
		return nil
	}
	nf := float64(n)
	num := sumsq - sum*sum/nf
	if num < 0 {
		num = 0
	}
	div := nf
	if samp {
		div = nf - 1
	}
	v := num / div
	if strings.HasPrefix(fn, "stddev") {
		v = math.Sqrt(v)
	}
	return v
}

// numericVariance computes the variance family over integer or numeric
// input as Postgres's numeric_stddev_internal does: numerator N*Σx² - (Σx)²,
// denominator N*(N-1) (samp) or N*N (pop), divided at Postgres's division
// scale; stddev is the square root rounded to that same scale.
func numericVariance(fn string, n int64, sum, sumsq *apd.Decimal) (types.Datum, error) {
	samp := strings.HasSuffix(fn, "_samp")
	if n == 0 || (samp && n == 1) {
		return nil, nil
	}
	N := apd.New(n, 0)
	nsq, err := expr.MulDatum(N, sumsq, types.Numeric)
	if err != nil {
		return nil, err
	}
	ssq, err := expr.MulDatum(sum, sum, types.Numeric)
	if err != nil {
		return nil, err
	}
	numD, err := expr.SubDatum(nsq, ssq, types.Numeric)
	if err != nil {
		return nil, err
	}
	num := toDecimal(numD)
	if num.Sign() <= 0 {
		return new(apd.Decimal), nil
	}
	den := apd.New(n*n, 0)
	if samp {
		den = apd.New(n*(n-1), 0)
	}
	v, err := expr.DivDatum(num, den, types.Numeric)
	if err != nil || !strings.HasPrefix(fn, "stddev") {
		return v, err
	}
	vd := toDecimal(v)
	scale := int32(0)
	if vd.Exponent < 0 {
		scale = -vd.Exponent
	}
	ctx := apd.BaseContext.WithPrecision(uint32(int32(vd.NumDigits())+vd.Exponent+scale+10) + 10)
	r := new(apd.Decimal)
	if _, err := ctx.Sqrt(r, vd); err != nil {
		return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "value overflows numeric format")
	}
	ctx.Rounding = apd.RoundHalfUp
	if _, err := ctx.Quantize(r, r, -scale); err != nil {
		return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "value overflows numeric format")
	}
	return r, nil
}

// toDecimal converts an integer or numeric datum to a decimal.
func toDecimal(d types.Datum) *apd.Decimal {
	switch x := d.(type) {
	case *apd.Decimal:
		return x
	case int64:
		return apd.New(x, 0)
	}
	return new(apd.Decimal)
}

// msEntry is one multiset element read back from an agg table: the ORDER
// BY values, the argument values, and the multiplicity.
type msEntry struct {
	order types.Row
	args  types.Row
	count int64
}

// collect computes array_agg / string_agg over a group's multiset entries
// (in table order), after sorting them by the call's ORDER BY.
func (s *aggSpec) collect(es []msEntry) (types.Datum, error) {
	if len(s.call.OrderBy) > 0 {
		slices.SortStableFunc(es, func(x, y msEntry) int {
			for i, o := range s.call.OrderBy {
				if c := compareSortKey(x.order[i], y.order[i], o); c != 0 {
					return c
				}
			}
			return 0
		})
	}
	if s.call.Distinct {
		for i := range es {
			es[i].count = 1
		}
	}
	if s.kind != aggArray && s.kind != aggString {
		return s.collectMore(es)
	}
	switch s.kind {
	case aggArray:
		var out types.Array
		for _, e := range es {
			for range e.count {
				out = append(out, e.args[0])
			}
		}
		if out == nil {
			return nil, nil
		}
		return out, nil
	case aggString:
		bytea := s.argType.Kind == types.KindBytea
		var sb []byte
		first := true
		for _, e := range es {
			if e.args[0] == nil {
				continue
			}
			for range e.count {
				if !first && e.args[1] != nil {
					sb = append(sb, asBytes(e.args[1])...)
				}
				sb = append(sb, asBytes(e.args[0])...)
				first = false
			}
		}
		if first {
			return nil, nil
		}
		if bytea {
			return sb, nil
		}
		return string(sb), nil
	}
	return nil, nil
}

func asBytes(d types.Datum) []byte {
	switch x := d.(type) {
	case string:
		return []byte(x)
	case []byte:
		return x
	}
	return []byte(types.FormatText(d))
}

// compareSortKey orders two values by one ORDER BY key (Postgres default:
// NULLS LAST ascending, NULLS FIRST descending, unless NullsFirst says so —
// callers set NullsFirst for the defaults too).
func compareSortKey(a, b types.Datum, o expr.SortKey) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		if o.NullsFirst {
			return -1
		}
		return 1
	case b == nil:
		if o.NullsFirst {
			return 1
		}
		return -1
	}
	c := types.Compare(a, b)
	if o.Desc {
		return -c
	}
	return c
}

// Encoding of the accumulators in the result table's agg_state column:
// a version byte (1), then per call, by kind:
//
//	count(*), count           varint n
//	sum/avg of integers       varint n, varint hi, uvarint lo
//	sum/avg of floats         varint n, float64 bits (8 bytes LE)
//	sum/avg of numeric, interval  varint n, datum (see appendStateDatum),
//	                          then (version 2) uvarint k and k pairs of
//	                          varint display scale, varint count
//	bool_and, bool_or         varint n, varint t
//	variance family (float)   varint n, float64 sum, float64 sum of squares
//	variance family (int, numeric)  varint n, datum sum, datum sum of squares
//	min, max, array_agg, string_agg   nothing (the value is the output column)
//
// Version 1 states (no scale counts) still decode.
const aggStateVersion = 2

func encodeAccs(dst []byte, specs []aggSpec, accs []acc) []byte {
	dst = append(dst, aggStateVersion)
	for i := range specs {
		a := &accs[i]
		switch specs[i].kind {
		case aggCountStar, aggCount:
			dst = binary.AppendVarint(dst, a.n)
		case aggSumInt, aggAvgInt:
			dst = binary.AppendVarint(dst, a.n)
			dst = binary.AppendVarint(dst, a.hi)
			dst = binary.AppendUvarint(dst, a.lo)
		case aggSumFloat, aggAvgFloat:
			dst = binary.AppendVarint(dst, a.n)
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(a.f))
		case aggVarFloat:
			dst = binary.AppendVarint(dst, a.n)
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(a.f))
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(a.f2))
		case aggVarNum:
			dst = binary.AppendVarint(dst, a.n)
			dst = appendStateDatum(dst, a.d)
			dst = appendStateDatum(dst, a.d2)
		case aggSumAny, aggAvgAny:
			dst = binary.AppendVarint(dst, a.n)
			dst = appendStateDatum(dst, a.d)
			dst = binary.AppendUvarint(dst, uint64(len(a.scales)))
			for _, sc := range a.scales {
				dst = binary.AppendVarint(dst, int64(sc.scale))
				dst = binary.AppendVarint(dst, sc.n)
			}
		case aggBoolAnd, aggBoolOr:
			dst = binary.AppendVarint(dst, a.n)
			dst = binary.AppendVarint(dst, a.t)
		}
	}
	return dst
}

func decodeAccs(b []byte, specs []aggSpec, accs []acc) error {
	if len(b) == 0 || b[0] < 1 || b[0] > aggStateVersion {
		return fmt.Errorf("hashagg: bad agg state (version)")
	}
	version := b[0]
	r := stateReader{b: b[1:]}
	for i := range specs {
		a := &accs[i]
		switch specs[i].kind {
		case aggCountStar, aggCount:
			a.n = r.varint()
		case aggSumInt, aggAvgInt:
			a.n, a.hi, a.lo = r.varint(), r.varint(), r.uvarint()
		case aggSumFloat, aggAvgFloat:
			a.n, a.f = r.varint(), r.float()
		case aggVarFloat:
			a.n, a.f, a.f2 = r.varint(), r.float(), r.float()
		case aggVarNum:
			a.n, a.d, a.d2 = r.varint(), r.datum(), r.datum()
		case aggSumAny, aggAvgAny:
			a.n, a.d = r.varint(), r.datum()
			a.scales = a.scales[:0]
			if version >= 2 {
				for k := r.uvarint(); k > 0 && !r.err; k-- {
					a.scales = append(a.scales, scaleCount{int32(r.varint()), r.varint()})
				}
			}
		case aggBoolAnd, aggBoolOr:
			a.n, a.t = r.varint(), r.varint()
		}
	}
	if r.err {
		return fmt.Errorf("hashagg: bad agg state (truncated)")
	}
	return nil
}

// appendStateDatum encodes a sum: 0 NULL, 1 int64, 2 float64, 3 numeric
// (length-prefixed text), 4 interval (months, days, micros varints).
func appendStateDatum(dst []byte, d types.Datum) []byte {
	switch x := d.(type) {
	case nil:
		return append(dst, 0)
	case int64:
		return binary.AppendVarint(append(dst, 1), x)
	case float64:
		return binary.LittleEndian.AppendUint64(append(dst, 2), math.Float64bits(x))
	case *apd.Decimal:
		s := x.String()
		dst = binary.AppendUvarint(append(dst, 3), uint64(len(s)))
		return append(dst, s...)
	case types.Interval:
		dst = binary.AppendVarint(append(dst, 4), int64(x.Months))
		dst = binary.AppendVarint(dst, int64(x.Days))
		return binary.AppendVarint(dst, x.Micros)
	}
	panic(fmt.Sprintf("hashagg: cannot encode a %T sum", d))
}

type stateReader struct {
	b   []byte
	err bool
}

func (r *stateReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *stateReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *stateReader) float() float64 {
	if len(r.b) < 8 {
		r.err = true
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

func (r *stateReader) datum() types.Datum {
	if len(r.b) == 0 {
		r.err = true
		return nil
	}
	tag := r.b[0]
	r.b = r.b[1:]
	switch tag {
	case 0:
		return nil
	case 1:
		return r.varint()
	case 2:
		return r.float()
	case 3:
		n := r.uvarint()
		if uint64(len(r.b)) < n {
			r.err = true
			return nil
		}
		d, _, err := apd.NewFromString(string(r.b[:n]))
		r.b = r.b[n:]
		if err != nil {
			r.err = true
			return nil
		}
		return d
	case 4:
		m, d, us := r.varint(), r.varint(), r.varint()
		return types.Interval{Months: int32(m), Days: int32(d), Micros: us}
	}
	r.err = true
	return nil
}
