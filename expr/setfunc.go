package expr

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Set-returning functions (generate_series, unnest, regexp_matches,
// jsonb_array_elements, …): a SetFunc turns one row of argument values into
// zero or more result rows of one or more columns. The planner places them
// in a ProjectSet (SELECT list) or a table-function scan (FROM); they are
// not scalar expressions and Eval/EvalRow fail.

// setGen generates the result rows for one set of argument values.
type setGen func(ctx *Context, args []types.Datum, cols []types.Column) ([][]types.Datum, error)

type setOverload struct {
	o       *overload
	gen     setGen
	nonNull bool // called with NULL arguments (otherwise a NULL argument yields no rows)
	cols    func(params []types.Type, ret types.Type) []types.Column
}

var setOverloads = map[string][]*setOverload{}

func registerSet(name string, args []types.Type, ret types.Type, gen setGen) *setOverload {
	s := &setOverload{o: &overload{args: args, ret: ret}, gen: gen}
	setOverloads[name] = append(setOverloads[name], s)
	return s
}

// SetFunc is a resolved call of a set-returning function. Cols are its
// result columns (one for most functions; jsonb_each has two).
type SetFunc struct {
	Name string
	Args []Expr
	Cols []types.Column
	s    *setOverload
}

// IsSetReturning reports whether name is a set-returning function.
func IsSetReturning(name string) bool {
	_, ok := setOverloads[strings.ToLower(name)]
	return ok
}

// ResolveSetFunc resolves a set-returning function call with Postgres's
// overload rules.
func ResolveSetFunc(name string, args []Expr) (*SetFunc, error) {
	n := strings.ToLower(name)
	cands := setOverloads[n]
	if len(cands) == 0 {
		return nil, noFunction(n, args)
	}
	ats := argTypes(args)
	var best *candidate
	var bestS *setOverload
	for _, s := range cands {
		c, ok := match(s.o, ats)
		if !ok {
			continue
		}
		if best == nil || better(c.score, best.score) {
			best, bestS = c, s
		}
	}
	if best == nil {
		return nil, noFunction(n, args)
	}
	cargs := make([]Expr, len(args))
	for i, a := range args {
		var err error
		if cargs[i], err = NewCast(a, best.params[i], false); err != nil {
			return nil, err
		}
	}
	f := &SetFunc{Name: n, Args: cargs, s: bestS}
	if bestS.cols != nil {
		f.Cols = bestS.cols(best.params, best.ret)
	} else {
		f.Cols = []types.Column{{Name: n, Type: best.ret}}
	}
	return f, nil
}

// WithArgs returns a copy of f with new (already typed) arguments.
func (f *SetFunc) WithArgs(args []Expr) *SetFunc {
	c := *f
	c.Args = args
	return &c
}

// Type returns the type of the first result column.
func (f *SetFunc) Type() types.Type { return f.Cols[0].Type }

var errSetFuncScalar = sqlerr.New(sqlerr.FeatureNotSupported, "set-returning functions are not allowed here")

// Eval fails: a set-returning function is not a scalar expression.
func (f *SetFunc) Eval(*Context, *types.Chunk) (arrow.Array, error) { return nil, errSetFuncScalar }

// EvalRow fails: a set-returning function is not a scalar expression.
func (f *SetFunc) EvalRow(*Context, types.Row) (types.Datum, error) { return nil, errSetFuncScalar }

// String renders the call.
func (f *SetFunc) String() string {
	parts := make([]string, len(f.Args))
	for i, a := range f.Args {
		parts[i] = a.String()
	}
	return f.Name + "(" + strings.Join(parts, ", ") + ")"
}

// EvalSet evaluates the arguments over row r and returns the result rows
// (each with len(f.Cols) values).
func (f *SetFunc) EvalSet(ctx *Context, r types.Row) ([][]types.Datum, error) {
	args := make([]types.Datum, len(f.Args))
	for i, a := range f.Args {
		v, err := a.EvalRow(ctx, r)
		if err != nil {
			return nil, err
		}
		if v == nil && !f.s.nonNull {
			return nil, nil
		}
		args[i] = v
	}
	return f.s.gen(ctx, args, f.Cols)
}

func one(vals []types.Datum) [][]types.Datum {
	out := make([][]types.Datum, len(vals))
	for i, v := range vals {
		out[i] = []types.Datum{v}
	}
	return out
}

// maxSetRows bounds the rows one call may produce.
const maxSetRows = 100_000_000

func tooManyRows() error {
	return sqlerr.New(sqlerr.ProgramLimitExceeded, "set-returning function result too large")
}

func init() {
	// generate_series / range (range: RisingWave's, end exclusive).
	for _, name := range []string{"generate_series", "range"} {
		excl := name == "range"
		for _, t := range []types.Type{tI4, tI8} {
			t := t
			gen := func(_ *Context, a []types.Datum, _ []types.Column) ([][]types.Datum, error) {
				start, stop := a[0].(int64), a[1].(int64)
				step := int64(1)
				if len(a) > 2 {
					step = a[2].(int64)
				}
				if step == 0 {
					return nil, sqlerr.New(sqlerr.InvalidParameterValue, "step size cannot equal zero")
				}
				var out [][]types.Datum
				for v := start; ; v += step {
					if step > 0 && (v > stop || (excl && v == stop)) || step < 0 && (v < stop || (excl && v == stop)) {
						break
					}
					if len(out) >= maxSetRows {
						return nil, tooManyRows()
					}
					out = append(out, []types.Datum{v})
					if nv := v + step; (step > 0 && nv < v) || (step < 0 && nv > v) {
						break // overflow: the next value is out of range
					}
				}
				_ = t
				return out, nil
			}
			registerSet(name, ts(t, t), t, gen)
			registerSet(name, ts(t, t, t), t, gen)
		}
		numGen := func(_ *Context, a []types.Datum, _ []types.Column) ([][]types.Datum, error) {
			start, stop := a[0].(*apd.Decimal), a[1].(*apd.Decimal)
			step := apd.New(1, 0)
			if len(a) > 2 {
				step = a[2].(*apd.Decimal)
			}
			for i, d := range []*apd.Decimal{start, stop, step} {
				what := [...]string{"start value", "stop value", "step size"}[i]
				if d.Form == apd.NaN || d.Form == apd.NaNSignaling {
					return nil, sqlerr.New(sqlerr.InvalidParameterValue, "%s cannot be NaN", what)
				}
				if d.Form == apd.Infinite {
					return nil, sqlerr.New(sqlerr.InvalidParameterValue, "%s cannot be infinity", what)
				}
			}
			if step.IsZero() {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "step size cannot equal zero")
			}
			var out [][]types.Datum
			v := new(apd.Decimal).Set(start)
			for {
				c := v.Cmp(stop)
				if step.Negative && (c < 0 || (excl && c == 0)) || !step.Negative && (c > 0 || (excl && c == 0)) {
					break
				}
				if len(out) >= maxSetRows {
					return nil, tooManyRows()
				}
				out = append(out, []types.Datum{new(apd.Decimal).Set(v)})
				nv := new(apd.Decimal)
				if _, err := exactCtx.Add(nv, v, step); err != nil {
					return nil, numericErr(err)
				}
				v = nv
			}
			return out, nil
		}
		registerSet(name, ts(tN, tN), tN, numGen)
		registerSet(name, ts(tN, tN, tN), tN, numGen)
		tsGen := func(tz bool) setGen {
			return func(ctx *Context, a []types.Datum, _ []types.Column) ([][]types.Datum, error) {
				var start, stop int64
				if tz {
					start, stop = int64(a[0].(types.Timestamptz)), int64(a[1].(types.Timestamptz))
				} else {
					start, stop = int64(a[0].(types.Timestamp)), int64(a[1].(types.Timestamp))
				}
				step := a[2].(types.Interval)
				var loc = locOrUTC(nil)
				if tz {
					zone := "UTC"
					if ctx != nil && ctx.TimeZone != "" {
						zone = ctx.TimeZone
					}
					if len(a) > 3 {
						zone = a[3].(string)
					}
					l, err := loadLocation(zone)
					if err != nil {
						return nil, err
					}
					loc = l
				}
				d := step.Duration()
				if d == 0 && step.Months == 0 && step.Days == 0 && step.Micros == 0 {
					return nil, sqlerr.New(sqlerr.InvalidParameterValue, "step size cannot equal zero")
				}
				var out [][]types.Datum
				v := start
				for {
					if d > 0 && (v > stop || (excl && v == stop)) || d < 0 && (v < stop || (excl && v == stop)) {
						break
					}
					if len(out) >= maxSetRows {
						return nil, tooManyRows()
					}
					if tz {
						out = append(out, []types.Datum{types.Timestamptz(v)})
					} else {
						out = append(out, []types.Datum{types.Timestamp(v)})
					}
					nv, err := addToTimestamp(v, step, loc)
					if err != nil {
						break
					}
					v = nv
				}
				return out, nil
			}
		}
		registerSet(name, ts(tTS, tTS, tIv), tTS, tsGen(false))
		registerSet(name, ts(tTZ, tTZ, tIv), tTZ, tsGen(true))
		registerSet(name, ts(tTZ, tTZ, tIv, tT), tTZ, tsGen(true))
	}

	// unnest(anyarray): the elements, flattening nested arrays.
	registerSet("unnest", ts(tAnyArr), tAnyEl, func(_ *Context, a []types.Datum, cols []types.Column) ([][]types.Datum, error) {
		var vals []types.Datum
		var flat func(x types.Array)
		flat = func(x types.Array) {
			for _, e := range x {
				if sub, ok := e.(types.Array); ok && cols[0].Type.Kind != types.KindArray {
					flat(sub)
					continue
				}
				vals = append(vals, e)
			}
		}
		flat(a[0].(types.Array))
		return one(vals), nil
	})
	registerSet("generate_subscripts", ts(tAnyArr, tI4), tI4, subscripts)
	registerSet("generate_subscripts", ts(tAnyArr, tI4, tB), tI4, subscripts)

	regexpMatches := func(_ *Context, a []types.Datum, _ []types.Column) ([][]types.Datum, error) {
		flags := ""
		if len(a) > 2 {
			flags = a[2].(string)
		}
		global := strings.Contains(flags, "g")
		r, err := compileRegex(a[1].(string), strings.ReplaceAll(flags, "g", ""))
		if err != nil {
			return nil, err
		}
		s := a[0].(string)
		n := 1
		if global {
			n = -1
		}
		var out [][]types.Datum
		for _, m := range r.FindAllStringSubmatchIndex(s, n) {
			arr := types.Array{}
			if len(m) == 2 {
				arr = append(arr, s[m[0]:m[1]])
			}
			for i := 2; i < len(m); i += 2 {
				if m[i] < 0 {
					arr = append(arr, nil)
				} else {
					arr = append(arr, s[m[i]:m[i+1]])
				}
			}
			out = append(out, []types.Datum{arr})
		}
		return out, nil
	}
	registerSet("regexp_matches", ts(tT, tT), tTA, regexpMatches)
	registerSet("regexp_matches", ts(tT, tT, tT), tTA, regexpMatches)
	splitTable := func(_ *Context, a []types.Datum, _ []types.Column) ([][]types.Datum, error) {
		flags := ""
		if len(a) > 2 {
			flags = a[2].(string)
		}
		r, err := compileRegex(a[1].(string), flags)
		if err != nil {
			return nil, err
		}
		var vals []types.Datum
		for _, p := range r.Split(a[0].(string), -1) {
			vals = append(vals, p)
		}
		return one(vals), nil
	}
	registerSet("regexp_split_to_table", ts(tT, tT), tT, splitTable)
	registerSet("regexp_split_to_table", ts(tT, tT, tT), tT, splitTable)
	stt := registerSet("string_to_table", ts(tT, tT), tT, func(ctx *Context, a []types.Datum, _ []types.Column) ([][]types.Datum, error) {
		if a[0] == nil {
			return nil, nil
		}
		arr, err := overloads["string_to_array"][0].impl.row(ctx, a)
		if err != nil || arr == nil {
			return nil, err
		}
		return one(arr.(types.Array)), nil
	})
	stt.nonNull = true

	// jsonb.
	registerSet("jsonb_array_elements", ts(tJ), tJ, func(_ *Context, a []types.Datum, _ []types.Column) ([][]types.Datum, error) {
		v := jsonArg(a[0])
		if v.kind != 'a' {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "cannot extract elements from %s", jsonKindName(v))
		}
		vals := make([]types.Datum, len(v.arr))
		for i, e := range v.arr {
			vals[i] = jsonbOut(e)
		}
		return one(vals), nil
	})
	registerSet("jsonb_array_elements_text", ts(tJ), tT, func(_ *Context, a []types.Datum, _ []types.Column) ([][]types.Datum, error) {
		v := jsonArg(a[0])
		if v.kind != 'a' {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "cannot extract elements from %s", jsonKindName(v))
		}
		vals := make([]types.Datum, len(v.arr))
		for i, e := range v.arr {
			vals[i] = e.asText()
		}
		return one(vals), nil
	})
	registerSet("jsonb_object_keys", ts(tJ), tT, func(_ *Context, a []types.Datum, _ []types.Column) ([][]types.Datum, error) {
		v := jsonArg(a[0])
		if v.kind != 'o' {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "cannot call jsonb_object_keys on %s", jsonKindName(v))
		}
		vals := make([]types.Datum, len(v.keys))
		for i, k := range v.keys {
			vals[i] = k
		}
		return one(vals), nil
	})
	each := func(text bool) setGen {
		return func(_ *Context, a []types.Datum, _ []types.Column) ([][]types.Datum, error) {
			v := jsonArg(a[0])
			if v.kind != 'o' {
				fn := "jsonb_each"
				if text {
					fn = "jsonb_each_text"
				}
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "cannot call %s on a non-object", fn)
			}
			out := make([][]types.Datum, len(v.keys))
			for i, k := range v.keys {
				var val types.Datum
				if text {
					val = v.vals[i].asText()
				} else {
					val = jsonbOut(v.vals[i])
				}
				out[i] = []types.Datum{k, val}
			}
			return out, nil
		}
	}
	registerSet("jsonb_each", ts(tJ), tJ, each(false)).cols = func([]types.Type, types.Type) []types.Column {
		return []types.Column{{Name: "key", Type: tT}, {Name: "value", Type: tJ}}
	}
	registerSet("jsonb_each_text", ts(tJ), tT, each(true)).cols = func([]types.Type, types.Type) []types.Column {
		return []types.Column{{Name: "key", Type: tT}, {Name: "value", Type: tT}}
	}
	for _, alias := range [][2]string{{"json_array_elements", "jsonb_array_elements"}, {"json_array_elements_text", "jsonb_array_elements_text"},
		{"json_object_keys", "jsonb_object_keys"}, {"json_each", "jsonb_each"}, {"json_each_text", "jsonb_each_text"}} {
		setOverloads[alias[0]] = setOverloads[alias[1]]
	}
}

func jsonKindName(v *jv) string {
	switch v.kind {
	case 'o':
		return "an object"
	case 'a':
		return "an array"
	}
	return "a scalar"
}

// subscripts is generate_subscripts(array, dim [, reverse]).
func subscripts(_ *Context, a []types.Datum, _ []types.Column) ([][]types.Datum, error) {
	arr := a[0].(types.Array)
	dim := a[1].(int64)
	rev := len(a) > 2 && a[2] == true
	for d := int64(1); d < dim; d++ {
		if len(arr) == 0 {
			return nil, nil
		}
		sub, ok := arr[0].(types.Array)
		if !ok {
			return nil, nil
		}
		arr = sub
	}
	if dim < 1 {
		return nil, nil
	}
	vals := make([]types.Datum, len(arr))
	for i := range arr {
		if rev {
			vals[i] = int64(len(arr) - i)
		} else {
			vals[i] = int64(i + 1)
		}
	}
	return one(vals), nil
}

var scalarSet = &setOverload{nonNull: true, gen: func(_ *Context, a []types.Datum, _ []types.Column) ([][]types.Datum, error) {
	return [][]types.Datum{{a[0]}}, nil
}}

// NewScalarSetFunc wraps a scalar expression as a set-returning function
// that returns exactly one row: a scalar function call in FROM
// (SELECT * FROM abs(-1)).
func NewScalarSetFunc(name string, e Expr) *SetFunc {
	return &SetFunc{Name: name, Args: []Expr{e}, Cols: []types.Column{{Name: name, Type: e.Type()}}, s: scalarSet}
}
