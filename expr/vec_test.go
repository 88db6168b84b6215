package expr

import (
	"errors"
	"math"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

func randDatum(rng *rand.Rand, t types.Type) types.Datum {
	if rng.Intn(5) == 0 {
		return nil
	}
	switch t.Kind {
	case types.KindBool:
		return rng.Intn(2) == 0
	case types.KindInt16:
		return int64(int16(rng.Intn(1 << 16)))
	case types.KindInt32:
		if rng.Intn(10) == 0 {
			return int64(math.MaxInt32 - rng.Intn(3))
		}
		return int64(rng.Intn(200) - 100)
	case types.KindInt64:
		if rng.Intn(10) == 0 {
			return int64(math.MaxInt64 - rng.Intn(3))
		}
		return int64(rng.Intn(200) - 100)
	case types.KindFloat32:
		return float64(float32(rng.NormFloat64() * 10))
	case types.KindFloat64:
		switch rng.Intn(20) {
		case 0:
			return math.NaN()
		case 1:
			return 0.0
		}
		return rng.NormFloat64() * 100
	case types.KindVarchar:
		return string(rune('a' + rng.Intn(3)))
	case types.KindDate:
		return types.Date(rng.Intn(5))
	case types.KindTimestamp:
		return types.Timestamp(rng.Intn(5))
	}
	panic("no generator")
}

// TestVectorizedAgreesWithRowwise checks every vectorized kernel against
// EvalRow on random chunks with NULLs, in strict and non-strict mode.
func TestVectorizedAgreesWithRowwise(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	old := types.Allocator
	types.Allocator = mem
	defer func() { types.Allocator = old; mem.AssertSize(t, 0) }()

	rng := rand.New(rand.NewSource(1))
	kinds := []types.Type{types.Int16, types.Int32, types.Int64, types.Float32, types.Float64, types.Varchar, types.Bool, types.DateT, types.TimestampT}
	ops := []string{"+", "-", "*", "/", "%", "=", "<>", "<", "<=", ">", ">="}
	for _, typ := range kinds {
		for _, op := range ops {
			ts := []types.Type{typ, typ, types.Bool}
			a := &ColumnRef{Index: 0, T: typ}
			b := &ColumnRef{Index: 1, T: typ}
			var exprs []Expr
			for _, args := range [][]Expr{{a, b}, {a, &Literal{Value: randDatum(rng, typ), T: typ}}} {
				e, err := Resolve(op, args)
				if err != nil {
					continue // e.g. varchar + varchar
				}
				exprs = append(exprs, e)
			}
			if typ.IsInteger() || typ.IsFloat() {
				neg, err := Resolve("-", []Expr{a})
				if err != nil {
					t.Fatal(err)
				}
				wider, _ := NewCast(a, types.Float64, false)
				exprs = append(exprs, neg, wider)
			}
			boolCol := &ColumnRef{Index: 2, T: types.Bool}
			exprs = append(exprs, &IsNull{Arg: a}, &IsNull{Arg: a, Not: true}, &Not{Arg: boolCol})
			for _, e := range exprs {
				if e.Type().Kind == types.KindBool {
					exprs = append(exprs, &And{Args: []Expr{e, boolCol}}, &Or{Args: []Expr{boolCol, e}})
					break
				}
			}
			for trial := 0; trial < 5; trial++ {
				rows := make([]types.Row, 300)
				for i := range rows {
					rows[i] = types.Row{randDatum(rng, typ), randDatum(rng, typ), randDatum(rng, types.Bool)}
				}
				c := types.NewInsertChunk(ts, rows)
				for _, e := range exprs {
					var vecErrs, rowErrs int
					ctx := &Context{OnError: func(error) { vecErrs++ }}
					arr, err := e.Eval(ctx, c)
					if err != nil {
						t.Fatalf("%s: %v", e, err)
					}
					rctx := &Context{OnError: func(error) { rowErrs++ }}
					for i, r := range rows {
						want, err := e.EvalRow(rctx, r)
						if err != nil {
							t.Fatalf("%s: %v", e, err)
						}
						got := types.DatumAt(arr, e.Type(), i)
						if !types.Equal(got, want) {
							t.Fatalf("%s row %v: Eval %v, EvalRow %v", e, r, got, want)
						}
					}
					if vecErrs != rowErrs {
						t.Errorf("%s: %d errors vectorized, %d row-wise", e, vecErrs, rowErrs)
					}
					arr.Release()
					// strict mode: both paths fail or neither does
					sarr, verr := e.Eval(nil, c)
					if sarr != nil {
						sarr.Release()
					}
					var rerr error
					for _, r := range rows {
						if _, rerr = e.EvalRow(nil, r); rerr != nil {
							break
						}
					}
					if (verr == nil) != (rerr == nil) {
						t.Errorf("%s: strict Eval error %v, EvalRow error %v", e, verr, rerr)
					}
				}
				c.Release()
			}
		}
	}
}

func TestShortCircuitAvoidsErrors(t *testing.T) {
	// x <> 0 AND 10 / x > 1 must not fail on x = 0 (evaluated row-wise after
	// the vectorized attempt fails).
	x := &ColumnRef{Index: 0, T: types.Int32}
	ne, _ := Resolve("<>", []Expr{x, &Literal{Value: int64(0), T: types.Int32}})
	div, _ := Resolve("/", []Expr{&Literal{Value: int64(10), T: types.Int32}, x})
	gt, _ := Resolve(">", []Expr{div, &Literal{Value: int64(1), T: types.Int32}})
	and, _ := Resolve("and", []Expr{ne, gt})
	c := types.NewInsertChunk([]types.Type{types.Int32}, []types.Row{{int64(0)}, {int64(5)}, {nil}})
	defer c.Release()
	arr, err := and.Eval(nil, c)
	if err != nil {
		t.Fatal(err)
	}
	defer arr.Release()
	got := []types.Datum{types.DatumAt(arr, types.Bool, 0), types.DatumAt(arr, types.Bool, 1), types.DatumAt(arr, types.Bool, 2)}
	if got[0] != false || got[1] != true || got[2] != nil {
		t.Fatalf("got %v", got)
	}
	// CASE guards the division too.
	cs, err := NewCase(nil, []When{{Cond: ne, Result: div}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	arr2, err := cs.Eval(nil, c)
	if err != nil {
		t.Fatal(err)
	}
	arr2.Release()
}

func TestOnErrorMakesNull(t *testing.T) {
	x := &ColumnRef{Index: 0, T: types.Int32}
	div, _ := Resolve("/", []Expr{&Literal{Value: int64(10), T: types.Int32}, x})
	c := types.NewInsertChunk([]types.Type{types.Int32}, []types.Row{{int64(0)}, {int64(5)}})
	defer c.Release()
	if _, err := div.Eval(nil, c); sqlerr.Code(err) != sqlerr.DivisionByZero {
		t.Fatalf("strict mode: got %v", err)
	}
	var errs []error
	ctx := &Context{OnError: func(err error) { errs = append(errs, err) }}
	arr, err := div.Eval(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	defer arr.Release()
	if !arr.IsNull(0) || types.DatumAt(arr, types.Int32, 1) != int64(2) || len(errs) != 1 {
		t.Fatalf("got %v %v, errors %v", types.DatumAt(arr, types.Int32, 0), types.DatumAt(arr, types.Int32, 1), errs)
	}
	var se *sqlerr.Error
	if !errors.As(errs[0], &se) || se.Message != "division by zero" {
		t.Fatalf("error %v", errs[0])
	}
	d, err := div.EvalRow(ctx, types.Row{int64(0)})
	if d != nil || err != nil || len(errs) != 2 {
		t.Fatalf("EvalRow: %v %v", d, err)
	}
}

func benchChunk(n int) *types.Chunk {
	rows := make([]types.Row, n)
	for i := range rows {
		var b types.Datum = int64(i * 7 % 1000)
		if i%10 == 0 {
			b = nil
		}
		rows[i] = types.Row{int64(i), b}
	}
	return types.NewInsertChunk([]types.Type{types.Int64, types.Int64}, rows)
}

func BenchmarkEvalInt64Add(b *testing.B) {
	c := benchChunk(1024)
	defer c.Release()
	e, err := Resolve("+", []Expr{&ColumnRef{Index: 0, T: types.Int64}, &ColumnRef{Index: 1, T: types.Int64}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := &Context{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a, err := e.Eval(ctx, c)
		if err != nil {
			b.Fatal(err)
		}
		a.Release()
	}
}

func BenchmarkEvalCompare(b *testing.B) {
	c := benchChunk(1024)
	defer c.Release()
	e, err := Resolve("<", []Expr{&ColumnRef{Index: 0, T: types.Int64}, &Literal{Value: int64(500), T: types.Int32}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := &Context{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a, err := e.Eval(ctx, c)
		if err != nil {
			b.Fatal(err)
		}
		a.Release()
	}
}
