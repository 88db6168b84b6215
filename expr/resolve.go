package expr

import (
	"strings"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// Polymorphic parameter kinds used in the overload tables.
const (
	kAnyElement  types.Kind = 250 // anyelement: unified with the other polymorphic args
	kAnyArray    types.Kind = 251 // anyarray
	kAny         types.Kind = 252 // "any": anything, not unified
	kAnyNonArray types.Kind = 253 // anynonarray
)

var (
	tAnyEl  = types.Type{Kind: kAnyElement}
	tAnyArr = types.Type{Kind: kAnyArray}
	tAny    = types.Type{Kind: kAny}
	tAnyNA  = types.Type{Kind: kAnyNonArray}
)

// overload is one signature of a function or operator.
type overload struct {
	args     []types.Type
	variadic bool // the last parameter repeats (one or more times)
	ret      types.Type
	retFn    func(params []types.Type) types.Type
	impl     *impl
}

var overloads = map[string][]*overload{}

func register(name string, args []types.Type, ret types.Type, im *impl) *overload {
	o := &overload{args: args, ret: ret, impl: im}
	overloads[name] = append(overloads[name], o)
	return o
}

// preferredType reports Postgres's preferred type of each category.
func preferredType(t types.Type) bool {
	switch t.Kind {
	case types.KindFloat64, types.KindVarchar, types.KindTimestamptz, types.KindInterval, types.KindBool:
		return true
	}
	return false
}

func isPoly(k types.Kind) bool { return k >= kAnyElement && k <= kAnyNonArray }

type candidate struct {
	o      *overload
	params []types.Type
	ret    types.Type
	score  [4]int
}

// match checks arg types against an overload and scores the match.
func match(o *overload, ats []types.Type) (*candidate, bool) {
	n := len(o.args)
	if o.variadic {
		// As in Postgres, a VARIADIC parameter takes at least one argument.
		if len(ats) < n {
			return nil, false
		}
	} else if len(ats) != n {
		return nil, false
	}
	params := make([]types.Type, len(ats))
	for i := range ats {
		if i < n {
			params[i] = o.args[i]
		} else {
			params[i] = o.args[n-1]
		}
	}
	// polymorphic unification
	var elems []types.Type
	hasPoly := false
	for i, p := range params {
		switch p.Kind {
		case kAnyElement, kAnyNonArray:
			hasPoly = true
			if ats[i].Kind == types.KindArray && p.Kind == kAnyNonArray {
				return nil, false
			}
			if ats[i].Kind != types.KindUnknown {
				elems = append(elems, ats[i])
			}
		case kAnyArray:
			hasPoly = true
			if ats[i].Kind == types.KindUnknown {
				continue
			}
			if ats[i].Kind != types.KindArray {
				return nil, false
			}
			elems = append(elems, ats[i].ElemType())
		}
	}
	var elem types.Type
	if hasPoly {
		var err error
		if elem, err = CommonType(elems, "poly"); err != nil {
			return nil, false
		}
	}
	c := &candidate{o: o, params: params}
	for i, p := range params {
		switch p.Kind {
		case kAnyElement, kAnyNonArray:
			params[i] = elem
			if ats[i] == elem {
				c.score[0]++
			}
			continue
		case kAnyArray:
			params[i] = types.ArrayOf(elem)
			if ats[i] == params[i] {
				c.score[0]++
			}
			continue
		case kAny:
			params[i] = ats[i]
			if ats[i].Kind == types.KindUnknown {
				params[i] = types.Varchar
			}
			continue
		}
		at := ats[i]
		switch {
		case at == p:
			c.score[0]++
		case at.Kind == types.KindUnknown:
			if p.Kind == types.KindVarchar {
				c.score[2]++
			} else if preferredType(p) {
				c.score[3]++
			}
		case CanCast(at, p, false):
			if preferredType(p) {
				c.score[1]++
			}
		default:
			return nil, false
		}
	}
	switch {
	case o.retFn != nil:
		c.ret = o.retFn(params)
	case o.ret.Kind == kAnyElement:
		c.ret = elem
	case o.ret.Kind == kAnyArray:
		c.ret = types.ArrayOf(elem)
	default:
		c.ret = o.ret
	}
	return c, true
}

func better(a, b [4]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return false
}

// unknownPoly names the functions whose polymorphic parameters are
// anyarray/anyelement in Postgres (not anycompatible…): when every
// polymorphic argument is an unknown literal, their type cannot be
// determined (array_ndims(NULL), cardinality('{1}'), to_jsonb('a')).
var unknownPoly = map[string]bool{
	"array_ndims": true, "array_dims": true, "array_length": true, "array_lower": true, "array_upper": true,
	"cardinality": true, "array_to_string": true, "to_jsonb": true, "generate_subscripts": true,
}

// resolveOverload picks the best overload of name for args and builds the
// call, casting the arguments to the chosen parameter types.
func resolveOverload(name string, args []Expr) (Expr, bool, error) {
	cands := overloads[name]
	ats := argTypes(args)
	if err := ambiguousUnknownOp(name, cands, ats); err != nil {
		return nil, true, err
	}
	if len(cands) == 0 {
		return nil, false, nil
	}
	if unknownPoly[name] {
		for _, o := range cands {
			if len(o.args) != len(ats) {
				continue
			}
			known := false
			for i, p := range o.args {
				if isPoly(p.Kind) && ats[i].Kind != types.KindUnknown {
					known = true
				}
			}
			if !known {
				return nil, true, sqlerr.New(sqlerr.DatatypeMismatch, "could not determine polymorphic type because input has type unknown")
			}
		}
	}
	var best *candidate
	// Binary operators: an unknown operand is first assumed to have the
	// other operand's type.
	if len(ats) == 2 && isOperatorName(name) {
		sub := append([]types.Type(nil), ats...)
		if sub[0].Kind == types.KindUnknown && sub[1].Kind != types.KindUnknown {
			sub[0] = sub[1]
		} else if sub[1].Kind == types.KindUnknown && sub[0].Kind != types.KindUnknown {
			sub[1] = sub[0]
		}
		for _, o := range cands {
			if c, ok := match(o, sub); ok && c.score[0] == 2 && !isPoly(o.args[0].Kind) && !isPoly(o.args[1].Kind) {
				best = c
				break
			}
		}
	}
	if best == nil {
		for _, o := range cands {
			c, ok := match(o, ats)
			if !ok {
				continue
			}
			if best == nil || better(c.score, best.score) {
				best = c
			}
		}
	}
	if best == nil {
		return nil, true, nil
	}
	cargs := make([]Expr, len(args))
	for i, a := range args {
		var err error
		if cargs[i], err = NewCast(a, best.params[i], false); err != nil {
			return nil, true, err
		}
	}
	if textOutputArgs[name] && best.ret.Kind == types.KindVarchar {
		// The row functions see datums only, and a real is a float64
		// there: print it as a real before.
		oa := best.o.args
		for i, a := range cargs {
			pk := oa[min(i, len(oa)-1)].Kind
			if a.Type().Kind == types.KindFloat32 && (pk == kAny || pk == kAnyNonArray) {
				c, err := NewCast(a, types.Varchar, true)
				if err != nil {
					return nil, true, err
				}
				cargs[i] = c
			}
		}
	}
	return &Call{Name: name, Args: cargs, T: best.ret, impl: best.o.impl}, true, nil
}

// textOutputArgs names the functions and operators that print arguments of
// any type as text.
var textOutputArgs = map[string]bool{"concat": true, "concat_ws": true, "format": true, "||": true}

func argTypes(args []Expr) []types.Type {
	ts := make([]types.Type, len(args))
	for i, a := range args {
		ts[i] = a.Type()
	}
	return ts
}

func typeList(args []Expr) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = typeName(a.Type())
	}
	return strings.Join(parts, ", ")
}

func noOperator(name string, args []Expr) error {
	var msg string
	if len(args) == 1 {
		msg = "operator does not exist: " + name + " " + typeName(args[0].Type())
	} else {
		msg = "operator does not exist: " + typeName(args[0].Type()) + " " + strings.ToUpper(name) + " " + typeName(args[1].Type())
		if isSymbolOp(name) {
			msg = "operator does not exist: " + typeName(args[0].Type()) + " " + name + " " + typeName(args[1].Type())
		}
	}
	return sqlerr.New(sqlerr.UndefinedFunction, "%s", msg).
		WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
}

// ambiguousUnknownOp is Postgres's error for a symbol operator on untyped
// literals only ('1' + '2', - '1', '5' % '2'), by its rules for unknown
// inputs: at each operand position the overloads must agree on one type
// category (a string one wins outright), then on its preferred type
// (double precision for numbers) when one of them takes it; more than one
// overload left is ambiguous.
func ambiguousUnknownOp(name string, cands []*overload, ats []types.Type) error {
	if len(ats) == 0 || len(ats) > 2 || !isSymbolOp(name) {
		return nil
	}
	for _, t := range ats {
		if t.Kind != types.KindUnknown {
			return nil
		}
	}
	var sigs [][]types.Type
	for _, o := range cands {
		if len(o.args) == len(ats) {
			sigs = append(sigs, o.args)
		}
	}
	if len(ats) == 2 && arithOps[name] {
		// The number operators resolveNumericOp answers.
		nums := []types.Type{types.Int16, types.Int32, types.Int64, types.Float32, types.Float64, types.Numeric}
		switch name {
		case "%":
			nums = []types.Type{types.Int16, types.Int32, types.Int64, types.Numeric}
		case "^":
			nums = []types.Type{types.Float64, types.Numeric}
		}
		for _, t := range nums {
			sigs = append(sigs, []types.Type{t, t})
		}
	}
	for i := range ats {
		cats := map[byte]bool{}
		for _, sig := range sigs {
			cats[typeCategory(sig[i])] = true
		}
		if len(cats) == 0 {
			return nil
		}
		if len(cats) > 1 && !cats['S'] {
			sigs = nil
			break
		}
		var preferred [][]types.Type
		for _, sig := range sigs {
			k := sig[i].Kind
			if (cats['S'] && k == types.KindVarchar) || (!cats['S'] && (k == types.KindFloat64 || k == types.KindTimestamptz || k == types.KindInterval)) {
				preferred = append(preferred, sig)
			}
		}
		if len(preferred) > 0 {
			sigs = preferred
		}
	}
	if len(sigs) == 1 {
		return nil
	}
	msg := "operator is not unique: " + name + " unknown"
	if len(ats) == 2 {
		msg = "operator is not unique: unknown " + name + " unknown"
	}
	return sqlerr.New(sqlerr.AmbiguousFunction, "%s", msg).
		WithHint("Could not choose a best candidate operator. You might need to add explicit type casts.")
}

// typeCategory is a type's Postgres category letter (pg_type.typcategory):
// N numeric, S string, D date/time, T timespan, A array, and the type's
// kind for the rest.
func typeCategory(t types.Type) byte {
	switch {
	case t.IsNumeric():
		return 'N'
	case t.Kind == types.KindVarchar:
		return 'S'
	case t.Kind == types.KindDate || t.Kind == types.KindTime || t.Kind == types.KindTimestamp || t.Kind == types.KindTimestamptz:
		return 'D'
	case t.Kind == types.KindInterval:
		return 'T'
	case t.Kind == types.KindArray:
		return 'A'
	}
	return 'X' + byte(t.Kind)
}

func isSymbolOp(n string) bool { return n != "" && !(n[0] >= 'a' && n[0] <= 'z') }

func noFunction(name string, args []Expr) error {
	return sqlerr.New(sqlerr.UndefinedFunction, "function %s(%s) does not exist", name, typeList(args)).
		WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
}

// Resolve resolves a function or operator by name and argument
// expressions, applying Postgres's overload and implicit-cast rules, and
// returns the typed expression. Names are case-insensitive. Besides
// function names it accepts:
//
//   - binary operators: + - * / % ^ = <> != < <= > >= || -> ->> #> #>> @> <@
//     ? ?| ?& && & | # << >> ~ !~ ~* !~* and "like", "not like", "ilike",
//     "not ilike" (~~ !~~ ~~* !~~*; an optional third argument is the
//     ESCAPE), "similar to", "is distinct from", "is not distinct from";
//   - unary operators (one argument): - + ~ @ |/ ||/ and "not";
//   - "and", "or" (n-ary), "is null", "is not null", "is true",
//     "is not true", "is false", "is not false", "is unknown",
//     "is not unknown";
//   - "between", "not between", "between symmetric", "not between
//     symmetric" (x, lo, hi); "in", "not in" (x, list…);
//   - quantified comparisons "= any", "<> all", "< any", … (x, array);
//   - "coalesce", "nullif", "greatest", "least", "array" (ARRAY[…]
//     constructor), "[]" (subscript: array or jsonb, 1-based for arrays,
//     out of range gives NULL), "extract" (field, source) returning
//     numeric, "at time zone" (value, zone), "now" / "current_timestamp",
//     "current_date", "localtimestamp".
func Resolve(name string, args []Expr) (Expr, error) {
	n := strings.ToLower(strings.Join(strings.Fields(name), " "))
	switch n {
	case "!=":
		n = "<>"
	case "==":
		n = "="
	case "~~":
		n = "like"
	case "!~~":
		n = "not like"
	case "~~*":
		n = "ilike"
	case "!~~*":
		n = "not ilike"
	case "ceiling":
		n = "ceil"
	case "pow":
		n = "power"
	case "char_length", "character_length":
		n = "length"
	case "substring":
		n = "substr"
	case "trim":
		n = "btrim"
	case "every":
		n = "bool_and"
	case "current_timestamp", "transaction_timestamp", "statement_timestamp":
		n = "now"
	case "json_build_object":
		n = "jsonb_build_object"
	case "json_build_array":
		n = "jsonb_build_array"
	case "to_json":
		n = "to_jsonb"
	case "json_typeof":
		n = "jsonb_typeof"
	case "json_array_length":
		n = "jsonb_array_length"
	case "json_extract_path":
		n = "jsonb_extract_path"
	case "json_extract_path_text":
		n = "jsonb_extract_path_text"
	case "timezone":
		if len(args) == 2 {
			return Resolve("at time zone", []Expr{args[1], args[0]})
		}
	}
	if e, ok := resolveRecordToJSON(n, args); ok {
		return e, nil
	}
	if e, handled, err := resolveSpecial(n, args); handled {
		return e, err
	}
	if len(args) == 2 && (cmpOps[n] || arithOps[n]) {
		if e, ok, err := resolveNumericOp(n, args); ok || err != nil {
			return e, err
		}
	}
	e, found, err := resolveOverload(n, args)
	if err != nil {
		return nil, err
	}
	if e != nil {
		return e, nil
	}
	if isOperatorName(n) || cmpOps[n] || arithOps[n] {
		if len(args) == 0 || len(args) > 2 {
			return nil, noFunction(n, args)
		}
		return nil, noOperator(n, args)
	}
	_ = found
	if IsAggregate(n) || IsWindowFunc(n) {
		return nil, sqlerr.New(sqlerr.GroupingError, "aggregate or window function %s is not allowed here", n)
	}
	if t, ok := funcStyleCast(n, args); ok {
		return NewCast(args[0], t, true)
	}
	return nil, noFunction(n, args)
}

// funcStyleCast reports whether name(arg) is a function-style cast, as
// Postgres treats a call of a type's name with one string argument (a
// literal or text, converted through the type's input function) when no
// function of that name matches.
func funcStyleCast(name string, args []Expr) (types.Type, bool) {
	if len(args) != 1 {
		return types.Type{}, false
	}
	switch name {
	case "bool", "boolean", "int2", "smallint", "int4", "int", "integer", "int8", "bigint", "float4", "real",
		"float8", "numeric", "decimal", "text", "varchar", "bytea", "date", "time", "timestamp", "timestamptz",
		"interval", "jsonb", "json":
	default:
		return types.Type{}, false
	}
	t, ok := types.TypeByName(name)
	k := args[0].Type().Kind
	// Any type converts to a string type through its output function.
	if !ok || (k != types.KindUnknown && k != types.KindVarchar && t.Kind != types.KindVarchar) {
		return types.Type{}, false
	}
	return t, true
}

var cmpOps = map[string]bool{"=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true,
	"is distinct from": true, "is not distinct from": true}

var arithOps = map[string]bool{"+": true, "-": true, "*": true, "/": true, "%": true, "^": true}

// promote returns the type two numeric operands are computed in.
func promote(a, b types.Type) types.Type {
	t := a
	if numRank(b.Kind) > numRank(a.Kind) {
		t = b
	}
	if t.Kind == types.KindFloat32 && (a.Kind != types.KindFloat32 || b.Kind != types.KindFloat32) {
		return types.Float64
	}
	return t
}

// resolveNumericOp handles comparisons (of any type) and arithmetic on
// numbers, casting both operands to one type.
func resolveNumericOp(op string, args []Expr) (Expr, bool, error) {
	a, b := args[0].Type(), args[1].Type()
	if a.Kind == types.KindUnknown && b.Kind == types.KindUnknown {
		if !cmpOps[op] {
			return nil, false, nil
		}
		a, b = types.Varchar, types.Varchar
	} else if a.Kind == types.KindUnknown {
		a = b
	} else if b.Kind == types.KindUnknown {
		b = a
	}
	var t types.Type
	switch {
	case a.IsNumeric() && b.IsNumeric():
		t = promote(a, b)
	case !cmpOps[op]:
		return nil, false, nil
	case a == b:
		t = a
	case CanCast(a, b, false):
		t = b
	case CanCast(b, a, false):
		t = a
	default:
		return nil, true, noOperator(op, args)
	}
	if op == "^" {
		if t.Kind != types.KindNumeric {
			t = types.Float64
		}
	}
	if op == "%" && t.IsFloat() {
		return nil, true, noOperator(op, []Expr{&Literal{T: t}, &Literal{T: t}})
	}
	if cmpOps[op] && !comparable(t) {
		return nil, true, noOperator(op, args)
	}
	x, err := NewCast(args[0], t, false)
	if err != nil {
		return nil, true, err
	}
	y, err := NewCast(args[1], t, false)
	if err != nil {
		return nil, true, err
	}
	ret := t
	var im *impl
	if cmpOps[op] {
		ret = types.Bool
		im = cmpImpl(op, t)
	} else {
		im = arithImpl(op, t)
	}
	return &Call{Name: op, Args: []Expr{x, y}, T: ret, impl: im}, true, nil
}

func comparable(t types.Type) bool {
	return t.Kind != kAny && !isPoly(t.Kind)
}

// typeName names a type in error messages; the string type is "text", as
// Postgres names the type of string expressions.
func typeName(t types.Type) string {
	switch t.Kind {
	case types.KindVarchar:
		return "text"
	case types.KindArray:
		return typeName(t.ElemType()) + "[]"
	}
	return t.String()
}
