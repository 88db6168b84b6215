package expr

import (
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

func TestParseIntervalWithUnit(t *testing.T) {
	for _, c := range []struct{ s, unit, want string }{
		{"5", "SECOND", "00:00:05"},
		{"5", "second", "00:00:05"},
		{"1", "DAY", "1 day"},
		{"2", "HOUR", "02:00:00"},
		{"1-2", "YEAR TO MONTH", "1 year 2 mons"},
		{"1 02:00:00", "DAY TO SECOND", "1 day 02:00:00"},
		{"5", "DAY TO SECOND", "00:00:05"},
		{"1 day 2 hours", "DAY", "1 day"},
		{"10 minutes", "", "00:10:00"},
	} {
		iv, err := ParseIntervalWithUnit(c.s, c.unit)
		if err != nil {
			t.Fatalf("%q %s: %v", c.s, c.unit, err)
		}
		if got := formatIntervalPG(iv); got != c.want {
			t.Errorf("%q %s: got %s, want %s", c.s, c.unit, got, c.want)
		}
	}
}

func TestAggHelpers(t *testing.T) {
	for _, c := range []struct {
		name string
		arg  types.Type
		want types.Type
	}{
		{"count", types.Int32, types.Int64}, {"sum", types.Int32, types.Int64}, {"sum", types.Int16, types.Int64},
		{"sum", types.Int64, types.Numeric}, {"sum", types.Float32, types.Float32}, {"sum", types.Numeric, types.Numeric},
		{"avg", types.Int32, types.Numeric}, {"avg", types.Float32, types.Float64}, {"min", types.Varchar, types.Varchar},
		{"array_agg", types.Int32, types.ArrayOf(types.Int32)}, {"bool_and", types.Bool, types.Bool},
		{"stddev_samp", types.Int32, types.Numeric}, {"jsonb_agg", types.Int32, types.JSONBT},
	} {
		got, err := AggReturnType(c.name, []types.Type{c.arg}, false)
		if err != nil || got != c.want {
			t.Errorf("%s(%s) = %s, %v; want %s", c.name, c.arg, got, err, c.want)
		}
	}
	if _, err := AggReturnType("sum", []types.Type{types.Varchar}, false); sqlerr.Code(err) != sqlerr.UndefinedFunction {
		t.Errorf("sum(text): %v", err)
	}
	if !IsAggregate("count") || IsAggregate("abs") || !IsWindowFunc("row_number") {
		t.Error("IsAggregate/IsWindowFunc")
	}
	// avg(1, 2) over integers: sum as numeric divided by the count.
	sum, _ := AddDatum(int64(1), int64(2), types.Int64)
	avg, err := DivDatum(toDecimal(sum), int64(2), types.Numeric)
	if err != nil || types.FormatText(avg) != "1.5000000000000000" {
		t.Errorf("avg = %v, %v", avg, err)
	}
	avg, _ = DivDatum(apd.New(10, 0), int64(3), types.Numeric)
	if types.FormatText(avg) != "3.3333333333333333" {
		t.Errorf("avg(10/3) = %v", avg)
	}
	if _, err := AddDatum(int64(2147483647), int64(1), types.Int32); sqlerr.Code(err) != sqlerr.NumericValueOutOfRange {
		t.Errorf("overflow: %v", err)
	}
	if d, _ := SubDatum(3.5, int64(1), types.Float64); d != 2.5 {
		t.Errorf("SubDatum: %v", d)
	}
	if CompareTyped(int64(2), apd.New(15, -1), types.Numeric) <= 0 {
		t.Error("CompareTyped")
	}
	if _, err := DivDatum(int64(1), int64(0), types.Int64); sqlerr.Code(err) != sqlerr.DivisionByZero {
		t.Errorf("div zero: %v", err)
	}
}

func TestCommonTypeAndCasts(t *testing.T) {
	for _, c := range []struct {
		in   []types.Type
		want types.Type
	}{
		{[]types.Type{types.Int32, types.Int64}, types.Int64},
		{[]types.Type{types.Int32, types.Numeric, types.Unknown}, types.Numeric},
		{[]types.Type{types.Unknown, types.Unknown}, types.Varchar},
		{[]types.Type{types.DateT, types.TimestamptzT}, types.TimestamptzT},
		{[]types.Type{types.Float32, types.Numeric}, types.Float32},
	} {
		got, err := CommonType(c.in, "UNION")
		if err != nil || got != c.want {
			t.Errorf("%v: %s %v", c.in, got, err)
		}
	}
	_, err := CommonType([]types.Type{types.Int32, types.Varchar}, "UNION")
	if err == nil || err.Error() != "UNION types integer and text cannot be matched" || sqlerr.Code(err) != sqlerr.DatatypeMismatch {
		t.Errorf("got %v", err)
	}
	if !CanCast(types.Int32, types.Float64, false) || CanCast(types.Float64, types.Int32, false) || !CanCast(types.Float64, types.Int32, true) {
		t.Error("CanCast numeric")
	}
	if CanCast(types.Int64, types.Bool, true) || !CanCast(types.Int32, types.Bool, true) {
		t.Error("CanCast bool")
	}
}

func TestResolveErrorsAndStrings(t *testing.T) {
	_, err := Resolve("+", []Expr{&ColumnRef{T: types.Int32}, &ColumnRef{Index: 1, T: types.Bool}})
	se := sqlerr.As(err)
	if se.Code != sqlerr.UndefinedFunction || se.Message != "operator does not exist: integer + boolean" ||
		se.Hint != "No operator matches the given name and argument types. You might need to add explicit type casts." {
		t.Errorf("got %+v", se)
	}
	e, err := Resolve("+", []Expr{&ColumnRef{Index: 0, T: types.Int32}, &Literal{Value: int64(1), T: types.Int32}})
	if err != nil {
		t.Fatal(err)
	}
	if e.String() != "($0 + 1:Int32)" {
		t.Errorf("String() = %s", e.String())
	}
	e, _ = Resolve("+", []Expr{&ColumnRef{Index: 0, T: types.Int64}, &Literal{Value: int64(1), T: types.Int32}})
	if e.String() != "($0 + 1:Int64)" || e.Type() != types.Int64 {
		t.Errorf("String() = %s", e.String())
	}
	// A hand-built Call resolves its implementation lazily.
	c := &Call{Name: "abs", Args: []Expr{&Literal{Value: int64(-3), T: types.Int32}}, T: types.Int32}
	if d, err := c.EvalRow(nil, nil); err != nil || d != int64(3) {
		t.Errorf("lazy call: %v %v", d, err)
	}
	// Fold turns constants into literals.
	f, err := Fold(e)
	if err != nil || f.String() != e.String() {
		t.Errorf("fold of non-constant: %v %v", f, err)
	}
	k, _ := Resolve("*", []Expr{&Literal{Value: int64(6), T: types.Int32}, &Literal{Value: int64(7), T: types.Int32}})
	f, err = Fold(k)
	if l, ok := f.(*Literal); err != nil || !ok || l.Value != int64(42) {
		t.Errorf("fold: %v %v", f, err)
	}
	// NOW() comes from the context.
	now, _ := Resolve("now", nil)
	if d, _ := now.EvalRow(&Context{Now: 123}, nil); d != types.Timestamptz(123) {
		t.Errorf("now: %v", d)
	}
	if _, ok := now.(*Now); !ok {
		t.Error("now is not *Now")
	}
}
